//! Prometheus metrics kept in-process: request counts and latency histograms by route,
//! method and status. The outbox depth is read from the database at scrape time, so every
//! process reports the shared queue. `roster_sql_statements_total` counts the SQL
//! statements this process has run (`roster_persistence::sql_statements`).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Duration;

use axum::http::Method;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// (route, method, status)
type SeriesKey = (String, &'static str, u16);

/// One route's series: (method, status, series).
type RouteSeries = Vec<(&'static str, u16, Series)>;

#[derive(Default, Clone)]
struct Series {
    count: u64,
    sum_seconds: f64,
    buckets: [u64; BUCKETS.len()],
}

/// The registry.
#[derive(Default)]
pub struct Metrics {
    /// By route, then by (method, status): a known route is found by `&str`, without
    /// allocating a key.
    requests: Mutex<BTreeMap<String, RouteSeries>>,
}

/// The method as a label: the standard ones by name, any other as `OTHER`, so a client
/// inventing methods cannot grow the registry without bound.
fn method_label(method: &Method) -> &'static str {
    const STANDARD: [(Method, &str); 9] = [
        (Method::GET, "GET"),
        (Method::POST, "POST"),
        (Method::PUT, "PUT"),
        (Method::DELETE, "DELETE"),
        (Method::HEAD, "HEAD"),
        (Method::OPTIONS, "OPTIONS"),
        (Method::PATCH, "PATCH"),
        (Method::CONNECT, "CONNECT"),
        (Method::TRACE, "TRACE"),
    ];
    STANDARD
        .iter()
        .find(|(standard, _)| standard == method)
        .map_or("OTHER", |(_, name)| name)
}

impl Metrics {
    /// Records one finished request. `route` is a matched route pattern (or `unmatched`),
    /// so the series stay few; a series seen before costs no allocation.
    pub fn observe(&self, route: &str, method: &Method, status: u16, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        let method = method_label(method);
        let Ok(mut requests) = self.requests.lock() else {
            return;
        };
        if !requests.contains_key(route) {
            requests.insert(route.to_owned(), Vec::new());
        }
        let Some(by_route) = requests.get_mut(route) else {
            return;
        };
        let at = by_route
            .iter()
            .position(|(m, s, _)| *m == method && *s == status)
            .unwrap_or_else(|| {
                by_route.push((method, status, Series::default()));
                by_route.len() - 1
            });
        let series = &mut by_route[at].2;
        series.count += 1;
        series.sum_seconds += seconds;
        for (slot, bound) in series.buckets.iter_mut().zip(BUCKETS) {
            if seconds <= bound {
                *slot += 1;
            }
        }
    }

    /// The Prometheus text exposition.
    pub fn render(&self, outbox_depth: Option<u64>, webhooks: &[(&str, u64)]) -> String {
        let mut out = String::new();
        out.push_str("# HELP roster_http_requests_total HTTP requests served.\n");
        out.push_str("# TYPE roster_http_requests_total counter\n");
        let snapshot: Vec<(SeriesKey, Series)> = self
            .requests
            .lock()
            .map(|requests| {
                let mut all: Vec<(SeriesKey, Series)> = requests
                    .iter()
                    .flat_map(|(route, by_route)| {
                        by_route.iter().map(|(method, status, series)| {
                            ((route.clone(), *method, *status), series.clone())
                        })
                    })
                    .collect();
                all.sort_by(|(a, _), (b, _)| a.cmp(b));
                all
            })
            .unwrap_or_default();
        for ((route, method, status), series) in &snapshot {
            let count = series.count;
            let _ = writeln!(
                out,
                "roster_http_requests_total{{route=\"{route}\",method=\"{method}\",status=\"{status}\"}} {count}"
            );
        }
        out.push_str("# HELP roster_http_request_duration_seconds HTTP request latency.\n");
        out.push_str("# TYPE roster_http_request_duration_seconds histogram\n");
        for ((route, method, status), series) in &snapshot {
            let (count, sum, buckets) = (series.count, series.sum_seconds, &series.buckets);
            let labels = format!("route=\"{route}\",method=\"{method}\",status=\"{status}\"");
            for (bound, value) in BUCKETS.iter().zip(buckets) {
                let _ = writeln!(
                    out,
                    "roster_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {value}"
                );
            }
            let _ = writeln!(
                out,
                "roster_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {count}"
            );
            let _ = writeln!(
                out,
                "roster_http_request_duration_seconds_sum{{{labels}}} {sum}"
            );
            let _ = writeln!(
                out,
                "roster_http_request_duration_seconds_count{{{labels}}} {count}"
            );
        }
        if let Some(depth) = outbox_depth {
            out.push_str("# HELP roster_outbox_depth Messages waiting for delivery.\n");
            out.push_str("# TYPE roster_outbox_depth gauge\n");
            let _ = writeln!(out, "roster_outbox_depth {depth}");
        }
        out.push_str(
            "# HELP roster_sql_statements_total SQL statements run by this process (BEGIN and COMMIT not counted).\n",
        );
        out.push_str("# TYPE roster_sql_statements_total counter\n");
        let _ = writeln!(
            out,
            "roster_sql_statements_total {}",
            roster_persistence::sql_statements()
        );
        out.push_str("# HELP roster_webhook_attempts_total Webhook requests sent by this process, by outcome.\n");
        out.push_str("# TYPE roster_webhook_attempts_total counter\n");
        for (outcome, count) in webhooks {
            let _ = writeln!(
                out,
                "roster_webhook_attempts_total{{outcome=\"{outcome}\"}} {count}"
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counts_and_cumulative_buckets() {
        let metrics = Metrics::default();
        metrics.observe("/graphql", &Method::POST, 200, Duration::from_millis(3));
        metrics.observe("/graphql", &Method::POST, 200, Duration::from_millis(300));
        let invented = Method::from_bytes(b"BREW").unwrap();
        metrics.observe("unmatched", &invented, 405, Duration::from_millis(1));
        metrics.observe(
            "unmatched",
            &Method::from_bytes(b"WHEN").unwrap(),
            405,
            Duration::from_millis(1),
        );
        let text = metrics.render(Some(7), &[("delivered", 3)]);
        assert!(text.contains(
            "roster_http_requests_total{route=\"/graphql\",method=\"POST\",status=\"200\"} 2"
        ));
        assert!(text.contains("le=\"0.005\"} 1"));
        assert!(text.contains("le=\"0.5\"} 2"));
        assert!(text.contains("le=\"+Inf\"} 2"));
        assert!(text.contains("roster_outbox_depth 7"));
        // Invented methods share one series.
        assert!(text.contains(
            "roster_http_requests_total{route=\"unmatched\",method=\"OTHER\",status=\"405\"} 2"
        ));
        assert!(!text.contains("BREW") && !text.contains("WHEN"), "{text}");
        assert!(text.contains("roster_webhook_attempts_total{outcome=\"delivered\"} 3"));
        assert!(
            text.contains(
                "# TYPE roster_sql_statements_total counter\nroster_sql_statements_total "
            )
        );
    }
}
