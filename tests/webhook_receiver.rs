//! A real HTTP receiver for webhook tests: an axum server on port 0 that records every
//! request (headers and body), answers from a script (a status, or a stall longer than
//! Roster's timeout) and notices when one message is being received twice at once.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde_json::Value;
use tokio::sync::watch;

use crate::support::eventually;

/// How the receiver answers one request.
#[derive(Debug, Clone, Copy)]
pub enum Answer {
    Status(u16),
    /// Wait this long before answering 200 (longer than Roster's timeout: a timeout).
    Stall(Duration),
}

/// One request as received.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: HeaderMap,
    pub body: String,
}

impl Received {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or("")
    }

    pub fn webhook_id(&self) -> &str {
        self.header("webhook-id")
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("webhook body is JSON")
    }

    pub fn event_type(&self) -> String {
        self.json()["type"].as_str().unwrap_or("").to_owned()
    }

    /// Checks the signature with the independent `standardwebhooks` verifier: its full
    /// check (timestamp tolerance included) when the timestamp is near the real time, and
    /// its own signing otherwise (tests move Roster's clock days ahead).
    pub fn verifies_with(&self, secret: &str) -> bool {
        let Ok(verifier) = standardwebhooks::Webhook::new(secret) else {
            return false;
        };
        let timestamp: i64 = self.header("webhook-timestamp").parse().unwrap_or(0);
        if (timestamp - chrono::Utc::now().timestamp()).abs() < 60 {
            let mut headers = axum::http::HeaderMap::new();
            for name in ["webhook-id", "webhook-timestamp", "webhook-signature"] {
                if let Ok(value) = self.header(name).parse() {
                    headers.insert(name, value);
                }
            }
            return verifier.verify(self.body.as_bytes(), &headers).is_ok();
        }
        let Ok(expected) = verifier.sign(self.webhook_id(), timestamp, self.body.as_bytes()) else {
            return false;
        };
        self.header("webhook-signature")
            .split(' ')
            .any(|signature| signature == expected)
    }
}

#[derive(Default)]
struct Shared {
    received: Mutex<Vec<Received>>,
    script: Mutex<VecDeque<Answer>>,
    /// Every answer after the script runs out.
    otherwise: Mutex<Option<Answer>>,
    in_flight: Mutex<HashMap<String, usize>>,
    overlaps: AtomicUsize,
    /// Delay before every 200, to widen the window for concurrent duplicates.
    delay: Mutex<Duration>,
}

/// The receiver; dropped, it stops serving.
pub struct Receiver {
    pub url: String,
    shared: Arc<Shared>,
    _stop: watch::Sender<bool>,
}

async fn receive(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    let received = Received {
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    let id = received.webhook_id().to_owned();
    {
        let mut in_flight = shared.in_flight.lock().unwrap();
        let count = in_flight.entry(id.clone()).or_default();
        if *count > 0 {
            shared.overlaps.fetch_add(1, Ordering::SeqCst);
        }
        *count += 1;
    }
    shared.received.lock().unwrap().push(received);
    let answer = shared
        .script
        .lock()
        .unwrap()
        .pop_front()
        .or(*shared.otherwise.lock().unwrap());
    let delay = *shared.delay.lock().unwrap();
    // Error answers carry a 2 KiB body: the delivery log keeps its first 1 KiB.
    let mut body = String::new();
    let status = match answer {
        Some(Answer::Status(code)) => {
            body = format!("error {code} ").repeat(256);
            StatusCode::from_u16(code).unwrap()
        }
        Some(Answer::Stall(wait)) => {
            tokio::time::sleep(wait).await;
            StatusCode::OK
        }
        None => {
            tokio::time::sleep(delay).await;
            StatusCode::OK
        }
    };
    if let Some(count) = shared.in_flight.lock().unwrap().get_mut(&id) {
        *count -= 1;
    }
    (status, body)
}

impl Receiver {
    pub async fn start() -> Receiver {
        let shared = Arc::new(Shared::default());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = axum::Router::new()
            .fallback(receive)
            .with_state(Arc::clone(&shared));
        let (stop, mut stopped) = watch::channel(false);
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stopped.changed().await;
                })
                .await;
        });
        Receiver {
            url: format!("http://127.0.0.1:{}/hooks", addr.port()),
            shared,
            _stop: stop,
        }
    }

    /// Answers the next requests in this order, then 200 (or `otherwise`).
    pub fn script(&self, answers: &[Answer]) {
        self.shared
            .script
            .lock()
            .unwrap()
            .extend(answers.iter().copied());
    }

    /// Answers every request past the script this way.
    pub fn otherwise(&self, answer: Answer) {
        *self.shared.otherwise.lock().unwrap() = Some(answer);
    }

    pub fn delay_each(&self, delay: Duration) {
        *self.shared.delay.lock().unwrap() = delay;
    }

    pub fn received(&self) -> Vec<Received> {
        self.shared.received.lock().unwrap().clone()
    }

    /// How many times a message arrived while another copy of it was still being received.
    pub fn overlaps(&self) -> usize {
        self.shared.overlaps.load(Ordering::SeqCst)
    }

    /// Waits until at least `count` requests arrived; returns them all.
    pub async fn wait_for(&self, count: usize, timeout: Duration) -> Vec<Received> {
        eventually(&format!("{count} webhook requests"), timeout, || async {
            let received = self.received();
            (received.len() >= count).then_some(received)
        })
        .await
    }

    /// Waits until a request of event `kind` arrived; returns it.
    pub async fn wait_for_event(&self, kind: &str, timeout: Duration) -> Received {
        eventually(&format!("a {kind} webhook"), timeout, || async {
            self.received()
                .into_iter()
                .find(|request| request.event_type() == kind)
        })
        .await
    }
}
