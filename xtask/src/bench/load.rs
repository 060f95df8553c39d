//! The load generator: `xtask bench-load`, a separate process the bench spawns (the
//! release build), so the server's CPU is not shared with the client's bookkeeping in one
//! process. It reads a JSON spec on stdin (URL, token, requests, concurrency, warm-up and
//! measured seconds), keeps that many requests in flight over as many HTTP/1.1 connections
//! (hyper's client connection, one per task: nothing between the task and the socket),
//! validates every response body, and prints one JSON object on stdout, with its own CPU
//! time, which it takes from the machine the server runs on.

use std::io::Read as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use http_body_util::{BodyExt as _, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HOST, HeaderValue};
use hyper::{Method, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};

use super::scenarios::{self, Request};

/// What one task saw.
#[derive(Default)]
struct Tally {
    latencies: Vec<Duration>,
    failures: u64,
    warmup: u64,
    first_failure: Option<String>,
}

/// Entry point of `xtask bench-load`.
pub(crate) async fn main() -> anyhow::Result<()> {
    roster_service::install_tls_provider();
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input)?;
    let spec: Value = serde_json::from_str(&input).context("bench-load reads JSON on stdin")?;
    let url = spec["url"].as_str().context("url")?.to_owned();
    let token = spec["token"].as_str().context("token")?.to_owned();
    let requests: Vec<Request> = spec["requests"]
        .as_array()
        .context("requests")?
        .iter()
        .map(scenarios::from_json)
        .collect::<Option<_>>()
        .context("malformed request")?;
    anyhow::ensure!(!requests.is_empty(), "no requests");
    let concurrency = usize::try_from(spec["concurrency"].as_u64().context("concurrency")?)?;
    let warmup = Duration::from_secs_f64(spec["warmup"].as_f64().context("warmup")?);
    let seconds = Duration::from_secs_f64(spec["seconds"].as_f64().context("seconds")?);

    let target = Target::parse(&url, &token)?;
    let bodies: Arc<Vec<(Bytes, Request)>> = Arc::new(
        requests
            .into_iter()
            .map(|request| {
                let body = json!({ "query": request.query, "variables": request.variables });
                (Bytes::from(body.to_string()), request)
            })
            .collect(),
    );
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let measured_from = started + warmup;
    let until = measured_from + seconds;
    let tasks: Vec<_> = (0..concurrency.max(1))
        .map(|_| {
            let target = target.clone();
            let (bodies, next) = (Arc::clone(&bodies), Arc::clone(&next));
            tokio::spawn(async move {
                let mut tally = Tally::default();
                let mut connection = None;
                while Instant::now() < until {
                    let (body, request) =
                        &bodies[next.fetch_add(1, Ordering::Relaxed) % bodies.len()];
                    let sent = Instant::now();
                    let outcome = send(&target, &mut connection, body, request).await;
                    let done = Instant::now();
                    if done < measured_from || done > until {
                        tally.warmup += 1;
                        continue;
                    }
                    tally.latencies.push(done - sent);
                    if let Err(why) = outcome {
                        tally.failures += 1;
                        tally.first_failure.get_or_insert(why);
                    }
                }
                tally
            })
        })
        .collect();
    let mut all = Tally::default();
    for task in tasks {
        let tally = task.await?;
        all.latencies.extend(tally.latencies);
        all.failures += tally.failures;
        all.warmup += tally.warmup;
        if all.first_failure.is_none() {
            all.first_failure = tally.first_failure;
        }
    }
    all.latencies.sort_unstable();
    let measured = all.latencies.len() as u64;
    let report = json!({
        "measured": measured,
        "total": measured + all.warmup,
        "failures": all.failures,
        "rps": measured as f64 / seconds.as_secs_f64(),
        "p50_ms": percentile(&all.latencies, 50.0).as_secs_f64() * 1000.0,
        "p99_ms": percentile(&all.latencies, 99.0).as_secs_f64() * 1000.0,
        "first_failure": all.first_failure,
        "cpu_ms": own_cpu_ms()?,
    });
    println!("{report}");
    Ok(())
}

/// This process's CPU time so far (user + system), in milliseconds, so the bench can show
/// what the load itself took from the machine the server runs on.
fn own_cpu_ms() -> anyhow::Result<f64> {
    let ticks = super::server::ticks_per_second();
    Ok(super::server::cpu_time(std::process::id(), ticks)?.as_secs_f64() * 1000.0)
}

/// Where requests go: the server's address and the headers every request carries.
#[derive(Clone)]
struct Target {
    address: String,
    uri: hyper::Uri,
    host: HeaderValue,
    authorization: HeaderValue,
}

impl Target {
    fn parse(url: &str, token: &str) -> anyhow::Result<Self> {
        let url: hyper::Uri = url.parse().context("url")?;
        let authority = url.authority().context("url has no host")?.clone();
        // Origin form (`POST /graphql`), as clients send it to a server that is not a proxy.
        let path = url.path_and_query().map_or("/", |path| path.as_str());
        Ok(Self {
            address: authority.to_string(),
            uri: path.parse().context("url path")?,
            host: HeaderValue::from_str(authority.as_str())?,
            authorization: HeaderValue::from_str(&format!("Bearer {token}"))?,
        })
    }
}

/// One open HTTP/1.1 connection: each task keeps its own, as a browser or a product
/// backend keeps a pooled one, and opens a new one only after an error.
type Connection = http1::SendRequest<Full<Bytes>>;

/// One request; `Err` says why its answer does not count (transport, status or body).
async fn send(
    target: &Target,
    connection: &mut Option<Connection>,
    body: &Bytes,
    request: &Request,
) -> Result<(), String> {
    let outcome = exchange(target, connection, body).await;
    if outcome.is_err() {
        *connection = None;
    }
    let (status, bytes) = outcome?;
    if !status.is_success() {
        return Err(format!("{status}: {}", String::from_utf8_lossy(&bytes)));
    }
    scenarios::validate(&bytes, &request.checks)
}

/// Sends `body` over `connection` (opened first if there is none): status and body back.
async fn exchange(
    target: &Target,
    connection: &mut Option<Connection>,
    body: &Bytes,
) -> Result<(StatusCode, Bytes), String> {
    if connection.as_ref().is_some_and(Connection::is_closed) {
        // The server ended the connection between two requests: open another, as a
        // pooled client would.
        *connection = None;
    }
    let sender = match connection {
        Some(sender) => sender,
        None => connection.insert(
            connect(&target.address)
                .await
                .map_err(|err| err.to_string())?,
        ),
    };
    sender.ready().await.map_err(|err| err.to_string())?;
    let mut outgoing = hyper::Request::new(Full::new(body.clone()));
    *outgoing.method_mut() = Method::POST;
    *outgoing.uri_mut() = target.uri.clone();
    let headers = outgoing.headers_mut();
    headers.insert(HOST, target.host.clone());
    headers.insert(AUTHORIZATION, target.authorization.clone());
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    let response = sender
        .send_request(outgoing)
        .await
        .map_err(|err| err.to_string())?;
    let status = response.status();
    let bytes = response
        .into_body()
        .collect()
        .await
        .map_err(|err| err.to_string())?
        .to_bytes();
    Ok((status, bytes))
}

async fn connect(address: &str) -> anyhow::Result<Connection> {
    let stream = tokio::net::TcpStream::connect(address).await?;
    stream.set_nodelay(true)?;
    let (sender, connection) = http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    Ok(sender)
}

/// The nearest-rank percentile `p` (0-100) of ascending `sorted`; zero when empty.
pub(crate) fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let ms: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&ms, 50.0), Duration::from_millis(50));
        assert_eq!(percentile(&ms, 99.0), Duration::from_millis(99));
        assert_eq!(percentile(&ms, 100.0), Duration::from_millis(100));
        assert_eq!(percentile(&ms, 0.0), Duration::from_millis(1));
        let three: Vec<Duration> = [5, 7, 40].map(Duration::from_millis).to_vec();
        assert_eq!(percentile(&three, 50.0), Duration::from_millis(7));
        assert_eq!(percentile(&three, 99.0), Duration::from_millis(40));
        assert_eq!(percentile(&[], 99.0), Duration::ZERO);
    }
}
