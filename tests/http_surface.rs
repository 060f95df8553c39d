//! The GraphQL-over-HTTP rules: JSON only, 1 MiB bodies, no batches, no mutations over
//! GET, query bounds, status codes, GraphiQL.

use serde_json::json;

use crate::support::{TestApp, code};

async fn post_raw(app: &TestApp, content_type: &str, body: Vec<u8>) -> reqwest::Response {
    app.http
        .post(format!("{}/graphql", app.base))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn only_json_bodies_are_accepted() {
    let app = TestApp::spawn().await;
    let query = br#"{"query":"{ __typename }"}"#.to_vec();
    assert_eq!(
        post_raw(&app, "text/plain", query.clone()).await.status(),
        415
    );
    assert_eq!(
        post_raw(&app, "application/x-www-form-urlencoded", query.clone())
            .await
            .status(),
        415
    );
    assert_eq!(
        post_raw(&app, "application/json; charset=utf-8", query)
            .await
            .status(),
        200
    );
    // Broken JSON and JSON of the wrong shape are told apart.
    for (sent, says) in [
        (&b"{not json"[..], "the body is not valid JSON"),
        (&b"{\"query\": 5}"[..], "the body must be {\"query\""),
        (&b"{\"variables\": {}}"[..], "the body must be {\"query\""),
        (&b"\"{ __typename }\""[..], "the body must be {\"query\""),
    ] {
        let response = post_raw(&app, "application/json", sent.to_vec()).await;
        assert_eq!(response.status(), 400, "{}", String::from_utf8_lossy(sent));
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(code(&body), "BAD_USER_INPUT");
        let sent = String::from_utf8_lossy(sent);
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .is_some_and(|message| message.starts_with(says)),
            "{sent}: {body}"
        );
    }
}

#[tokio::test]
async fn bodies_over_one_mebibyte_get_413() {
    let app = TestApp::spawn().await;
    let padding = " ".repeat(1024 * 1024);
    let body = format!("{{\"query\":\"{{ __typename }}\"{padding}}}");
    assert_eq!(
        post_raw(&app, "application/json", body.into_bytes())
            .await
            .status(),
        413
    );
    let fits = format!(
        "{{\"query\":\"{{ __typename }}\"{}}}",
        " ".repeat(1000 * 1000)
    );
    assert_eq!(
        post_raw(&app, "application/json", fits.into_bytes())
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn batches_are_refused() {
    let app = TestApp::spawn().await;
    for batch in [
        &br#"[{"query":"{ __typename }"},{"query":"{ __typename }"}]"#[..],
        &b" \n [{\"query\":\"{ __typename }\"}]"[..],
    ] {
        let response = post_raw(&app, "application/json", batch.to_vec()).await;
        assert_eq!(response.status(), 400);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(code(&body), "BAD_USER_INPUT");
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .is_some_and(|message| message.starts_with("batched requests are not supported")),
            "{body}"
        );
    }
}

#[tokio::test]
async fn get_runs_queries_but_never_mutations() {
    let app = TestApp::spawn().await;
    let url = format!("{}/graphql", app.base);
    let query = app
        .http
        .get(&url)
        .query(&[("query", "{ __typename }")])
        .send()
        .await
        .unwrap();
    assert_eq!(query.status(), 200);
    let mutation = app
        .http
        .get(&url)
        .query(&[(
            "query",
            "mutation { requestSignIn(email: \"get@example.com\") }",
        )])
        .send()
        .await
        .unwrap();
    assert_eq!(mutation.status(), 405);
    assert_eq!(mutation.headers()["allow"], "POST");
    // Had the mutation run, its mail would be in the outbox before the response.
    assert_eq!(
        app.outbox_to("get@example.com").await,
        [],
        "the mutation did not run"
    );
    assert!(app.smtp.received().is_empty(), "the mutation did not run");

    let graphiql = app.http.get(&url).send().await.unwrap();
    assert_eq!(graphiql.status(), 200);
    assert!(
        graphiql
            .text()
            .await
            .unwrap()
            .to_lowercase()
            .contains("graphiql")
    );
}

#[tokio::test]
async fn graphiql_and_introspection_can_be_switched_off() {
    let app = TestApp::spawn_with(&[
        ("ROSTER_GRAPHIQL", "false"),
        ("ROSTER_INTROSPECTION", "false"),
    ])
    .await;
    let graphiql = app
        .http
        .get(format!("{}/graphql", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(graphiql.status(), 404);
    let body = app
        .gql(None, "{ __schema { types { name } } }", json!({}))
        .await;
    assert_eq!(body["data"]["__schema"], serde_json::Value::Null, "{body}");
}

#[tokio::test]
async fn deep_wide_and_alias_heavy_queries_are_refused() {
    let app = TestApp::spawn().await;
    let user = app.sign_in("bounds@example.com").await;
    // Depth: fields nested deeper than the limit (12). Introspection does not count
    // towards it (GraphiQL's schema query must pass); `query_limits.rs` has both sides.
    let nested = format!("{{ {}id{} }}", "viewer { ".repeat(13), " }".repeat(13));
    let body = app.gql(Some(&user.token), &nested, json!({})).await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");

    // Complexity: 100 organizations x 100 members each.
    let wide = "{ viewer { organizations(first: 100) { nodes { members(first: 100) { nodes { user { id email displayName } role joinedAt } } } } } }";
    let body = app.gql(Some(&user.token), wide, json!({})).await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    assert!(body["data"].is_null());

    // Aliases beyond 30.
    let aliases: String = (0..31).map(|i| format!("a{i}: __typename ")).collect();
    let response = app
        .http
        .post(format!("{}/graphql", app.base))
        .json(&json!({ "query": format!("{{ {aliases} }}") }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let ok: String = (0..30).map(|i| format!("a{i}: __typename ")).collect();
    let body = app.gql(None, &format!("{{ {ok} }}"), json!({})).await;
    assert_eq!(body["data"]["a29"], "Query");
}

#[tokio::test]
async fn graphql_response_json_clients_get_400_for_request_errors() {
    let app = TestApp::spawn().await;
    let send = |query: &str| {
        app.http
            .post(format!("{}/graphql", app.base))
            .header("accept", "application/graphql-response+json")
            .json(&json!({ "query": query }))
            .send()
    };
    let syntax = send("{ viewer { ").await.unwrap();
    assert_eq!(syntax.status(), 400);
    assert!(
        syntax.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/graphql-response+json")
    );
    let unknown_field = send("{ nope }").await.unwrap();
    assert_eq!(unknown_field.status(), 400);
    let body: serde_json::Value = unknown_field.json().await.unwrap();
    assert_eq!(code(&body), "BAD_USER_INPUT");
    // An execution error is still a 200 with the error in the body.
    let unauthenticated = send("{ viewer { user { id } } }").await.unwrap();
    assert_eq!(unauthenticated.status(), 200);
    // Plain application/json clients always get 200.
    let body = app.gql(None, "{ viewer { ", json!({})).await;
    assert_eq!(code(&body), "BAD_USER_INPUT");
}

#[tokio::test]
async fn hostile_input_gets_clear_errors_never_a_crash() {
    let app = TestApp::spawn().await;
    let user = app.sign_in("hostile@example.com").await;
    let name = "<script>alert(1)</script>'; DROP TABLE organizations; --";
    let body = app
        .gql(
            Some(&user.token),
            "mutation($n: String!) { createOrganization(name: $n) { name slug } }",
            json!({ "n": name }),
        )
        .await;
    assert_eq!(body["data"]["createOrganization"]["name"], name, "{body}");
    let huge_email = format!("{}@example.com", "a".repeat(100_000));
    let body = app
        .gql(
            None,
            "mutation($e: String!) { requestSignIn(email: $e) }",
            json!({ "e": huge_email }),
        )
        .await;
    assert_eq!(code(&body), "BAD_USER_INPUT");
    let body = app
        .gql(
            Some(&user.token),
            "mutation { createOrganization(name: 5) { id } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&body), "BAD_USER_INPUT");
    let body = app
        .gql(
            Some(&user.token),
            "{ organization(id: \"x\", slug: \"y\") { id } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&body), "BAD_USER_INPUT");
    let health = app
        .http
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
}
