//! Queries are bounded by depth before anything runs, and the bound leaves introspection
//! alone: GraphiQL's own schema query (nine levels of `ofType`) must load its docs and
//! autocomplete at the default depth of 12.

use serde_json::json;

use crate::support::{TestApp, code};

/// The introspection query GraphiQL 3.9 sends (graphql-js `getIntrospectionQuery`, with
/// descriptions, deprecations and specifiedByURL), abridged only of whitespace.
const GRAPHIQL_INTROSPECTION: &str = "query IntrospectionQuery { __schema { description
  queryType { name } mutationType { name } subscriptionType { name }
  types { ...FullType } directives { name description isRepeatable locations
  args(includeDeprecated: true) { ...InputValue } } } }
fragment FullType on __Type { kind name description specifiedByURL
  fields(includeDeprecated: true) { name description args(includeDeprecated: true) { ...InputValue }
    type { ...TypeRef } isDeprecated deprecationReason }
  inputFields(includeDeprecated: true) { ...InputValue } interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef } }
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue
  isDeprecated deprecationReason }
fragment TypeRef on __Type { kind name ofType { kind name ofType { kind name ofType { kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name
  ofType { kind name } } } } } } } } } }";

fn nested(levels: usize) -> String {
    format!(
        "{{ {}id{} }}",
        "viewer { ".repeat(levels - 1),
        " }".repeat(levels - 1)
    )
}

#[tokio::test]
async fn a_query_deeper_than_the_limit_is_refused_before_it_runs() {
    let app = TestApp::spawn().await;
    let owner = app.sign_in("owner@example.com").await;

    let body = app.gql(Some(&owner.token), &nested(13), json!({})).await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("more than 12 levels"), "{message}");

    // Through fragments too.
    let inner = "viewer { ".repeat(11) + "id" + &" }".repeat(11);
    let query = format!("{{ ...F }} fragment F on Query {{ viewer {{ {inner} }} }}");
    let body = app.gql(Some(&owner.token), &query, json!({})).await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("levels")
    );

    // Fragments that spread each other are refused, and the server lives on.
    let cyclic = "{ ...A } fragment A on Query { ...B } fragment B on Query { viewer { id } ...A }";
    let body = app.gql(Some(&owner.token), cyclic, json!({})).await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    let body = app
        .gql(
            Some(&owner.token),
            "{ viewer { user { email } } }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["viewer"]["user"]["email"], "owner@example.com");

    // At the limit the query goes on to validation (this one names no real fields).
    let body = app.gql(Some(&owner.token), &nested(12), json!({})).await;
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(!message.contains("levels"), "{body}");
}

#[tokio::test]
async fn graphiqls_schema_query_answers_at_the_default_limits() {
    let app = TestApp::spawn().await;
    let body = app.gql(None, GRAPHIQL_INTROSPECTION, json!({})).await;
    assert!(body["errors"].is_null(), "{body}");
    let types = body["data"]["__schema"]["types"].as_array().unwrap();
    assert!(
        types.iter().any(|t| t["name"] == "Organization"),
        "the schema lists Organization"
    );
    assert_eq!(body["data"]["__schema"]["queryType"]["name"], "Query");
}
