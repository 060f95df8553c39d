//! Health, readiness, metrics, request ids and graceful shutdown.

use serde_json::json;

use crate::support::TestApp;

#[tokio::test]
async fn health_readiness_and_metrics_answer() {
    let app = TestApp::spawn().await;
    let health = app
        .http
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let ready = app
        .http
        .get(format!("{}/readyz", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);
    assert_eq!(ready.text().await.unwrap(), "ready");

    app.gql(None, "{ __typename }", json!({})).await;
    let metrics = app
        .http
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(metrics.status(), 200);
    let text = metrics.text().await.unwrap();
    assert!(
        text.contains(
            "roster_http_requests_total{route=\"/graphql\",method=\"POST\",status=\"200\"} 1"
        ),
        "{text}"
    );
    assert!(text.contains("roster_http_request_duration_seconds_bucket{route=\"/graphql\""));
    assert!(text.contains("roster_outbox_depth "));
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = TestApp::spawn().await;
    let response = app
        .http
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap();
    let id = response.headers()["x-request-id"].to_str().unwrap();
    assert_eq!(id.len(), 36, "a UUID: {id}");
}

#[tokio::test]
async fn shutdown_drains_and_stops_the_worker() {
    let app = TestApp::spawn().await;
    let user = app.sign_in("stop@example.com").await;
    let base = app.base.clone();
    let http = app.http.clone();
    assert!(!user.token.is_empty());
    app.stop().await;
    assert!(
        http.get(format!("{base}/healthz")).send().await.is_err(),
        "no longer listening"
    );
}
