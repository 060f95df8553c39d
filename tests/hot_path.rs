//! The hot path keeps every rule while it reads less: the caller is checked once per
//! request (with the organization in one statement), connections under an organization use
//! the role read with it, a connection asked only for `totalCount` skips its page, and
//! members and audit events asked only for plain fields are answered as async-graphql
//! answers them.

use roster_domain::Role;
use sea_orm::ConnectionTrait;
use serde_json::json;

use crate::support::{TestApp, code};

const TOTALS: &str = "query($id: ID, $first: Int, $role: Role) { organization(id: $id) {
  members(first: $first, role: $role) { totalCount }
  invitations(first: $first) { totalCount }
  projects(first: $first) { totalCount }
  auditLog(first: $first) { totalCount } } }";

#[tokio::test]
async fn total_only_connections_count_like_full_ones_under_the_same_rules() {
    let app = TestApp::spawn().await;
    let owner = app.sign_in("owner@example.com").await;
    let org = app.create_org(&owner, "Totals").await;
    let member = app.sign_in("member@example.com").await;
    app.add_member(&org, &member, Role::Member).await;
    let viewer = app.sign_in("viewer@example.com").await;
    app.add_member(&org, &viewer, Role::Viewer).await;
    app.invite(&owner, &org, "invitee@example.com", "MEMBER")
        .await;
    app.create_project(&owner, &org, "Site").await;

    let body = app
        .gql(Some(&owner.token), TOTALS, json!({ "id": org }))
        .await;
    let organization = &body["data"]["organization"];
    assert_eq!(organization["members"]["totalCount"], 3, "{body}");
    assert_eq!(organization["invitations"]["totalCount"], 1, "{body}");
    assert_eq!(organization["projects"]["totalCount"], 1, "{body}");
    // The same totals as when the page is read too.
    let full = app
        .gql(
            Some(&owner.token),
            &TOTALS.replace("totalCount", "totalCount nodes { __typename }"),
            json!({ "id": org }),
        )
        .await;
    for connection in ["members", "invitations", "projects", "auditLog"] {
        let total = &full["data"]["organization"][connection]["totalCount"];
        assert_eq!(organization[connection]["totalCount"], *total, "{full}");
    }
    assert!(organization["auditLog"]["totalCount"].as_u64().unwrap() >= 3);

    // Filtered totals are counted, not read from the counter.
    let body = app
        .gql(
            Some(&owner.token),
            TOTALS,
            json!({ "id": org, "role": "VIEWER" }),
        )
        .await;
    assert_eq!(body["data"]["organization"]["members"]["totalCount"], 1);

    // The page size is still checked, though no page is read.
    let body = app
        .gql(
            Some(&owner.token),
            TOTALS,
            json!({ "id": org, "first": 101 }),
        )
        .await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");

    // Invitations are for admins, totals included.
    let body = app
        .gql(
            Some(&member.token),
            "query($id: ID) { organization(id: $id) { invitations { totalCount } } }",
            json!({ "id": org }),
        )
        .await;
    assert_eq!(code(&body), "FORBIDDEN", "{body}");
}

#[tokio::test]
async fn the_caller_is_checked_with_the_organization_and_a_removal_counts_on_the_next_request() {
    let app = TestApp::spawn().await;
    let owner = app.sign_in("owner@example.com").await;
    let org = app.create_org(&owner, "Checked").await;
    let member = app.sign_in("member@example.com").await;
    app.add_member(&org, &member, Role::Member).await;
    let slug = app
        .gql(
            Some(&owner.token),
            "query($id: ID) { organization(id: $id) { slug } }",
            json!({ "id": org }),
        )
        .await["data"]["organization"]["slug"]
        .as_str()
        .unwrap()
        .to_owned();
    const BY_SLUG: &str =
        "query($slug: String) { organization(slug: $slug) { viewerRole members { totalCount } } }";
    let body = app
        .gql(Some(&member.token), BY_SLUG, json!({ "slug": slug }))
        .await;
    assert_eq!(
        body["data"]["organization"]["viewerRole"], "MEMBER",
        "{body}"
    );

    // An unknown token is UNAUTHENTICATED, not a null organization.
    let body = app
        .gql(Some("rss_unknown"), BY_SLUG, json!({ "slug": slug }))
        .await;
    assert_eq!(code(&body), "UNAUTHENTICATED", "{body}");
    // Without a token too.
    let body = app.gql(None, BY_SLUG, json!({ "slug": slug })).await;
    assert_eq!(code(&body), "UNAUTHENTICATED", "{body}");

    // Two fields of one request, the caller checked once: both answer.
    let body = app
        .gql(
            Some(&member.token),
            "query($id: ID) { viewer { user { email } } organization(id: $id) { viewerRole } }",
            json!({ "id": org }),
        )
        .await;
    assert_eq!(
        body["data"]["viewer"]["user"]["email"], "member@example.com",
        "{body}"
    );
    assert_eq!(
        body["data"]["organization"]["viewerRole"], "MEMBER",
        "{body}"
    );

    app.gql(
        Some(&owner.token),
        "mutation($org: ID!, $user: ID!) { removeMember(organizationId: $org, userId: $user) }",
        json!({ "org": org, "user": member.user_id }),
    )
    .await;
    let body = app
        .gql(Some(&member.token), BY_SLUG, json!({ "slug": slug }))
        .await;
    assert_eq!(
        body["data"]["organization"],
        serde_json::Value::Null,
        "{body}"
    );
}

/// Members and audit events asked only for fields they hold are answered without
/// async-graphql's per-field machinery (`graphql/plain.rs`); an inline fragment sends the
/// same fields through it. The two answers are the same, field for field.
#[tokio::test]
async fn plain_nodes_answer_exactly_as_async_graphql_does() {
    let app = TestApp::spawn().await;
    let owner = app.sign_in("owner@example.com").await;
    let org = app.create_org(&owner, "Plain").await;
    let member = app.sign_in("member@example.com").await;
    app.join(&owner, &org, &member, "ADMIN").await;
    // A display name with characters JSON escapes; the owner keeps none (null).
    app.db
        .execute_unprepared(
            "UPDATE users SET display_name = 'Ada \"the first\" L\u{e9}vy\\' \
             WHERE email = 'member@example.com'",
        )
        .await
        .unwrap();
    let project = app.create_project(&owner, &org, "Api").await;
    let (_, secret) = app.create_key(&owner, &project, None).await;
    let renamed = app
        .gql(
            Some(&secret),
            "mutation($id: ID!) { renameProject(id: $id, name: \"Api v2\") { id } }",
            json!({ "id": project }),
        )
        .await;
    assert!(renamed["errors"].is_null(), "{renamed}");

    let org_page = |connection: &str| {
        format!(
            "query($id: ID) {{ organization(id: $id) {{ {connection}(first: 50) {{ nodes {{ NODES }} }} }} }}"
        )
    };
    let (members, audit) = (org_page("members"), org_page("auditLog"));
    let organizations = "{ viewer { organizations(first: 50) { nodes { NODES } } } }".to_owned();
    let cases = [
        (
            &members,
            "Member",
            "__typename role joinedAt user { __typename id email displayName }",
        ),
        (&members, "Member", "r: role who: user { e: email } role"),
        (&members, "Member", "role role user { email } user { id }"),
        (
            &members,
            "Member",
            "role @include(if: true) joinedAt @skip(if: true) user { email }",
        ),
        (&members, "Member", "role user { ... on User { email } }"),
        // Every field skipped: async-graphql answers each node null.
        (&members, "Member", "role @skip(if: true)"),
        (
            &audit,
            "AuditEvent",
            "__typename id action actorEmail actorId actorType actorLabel targetId projectId \
             ip userAgent occurredAt",
        ),
        (&audit, "AuditEvent", "action context"),
        (
            &organizations,
            "Organization",
            "__typename id slug name kind viewerRole viewerPermissions memberCount plan \
             billingEmail createdAt",
        ),
        // Fields that query: the organizations are resolved together, as async-graphql does.
        (
            &organizations,
            "Organization",
            "name avatarUrl members(first: 5) { totalCount nodes { role } }",
        ),
    ];
    // async-graphql writes the keys of an object whose fields query in the order the fields
    // finish (`FuturesUnordered`), so that last answer is compared as JSON, the others byte
    // for byte.
    let in_any_order = 1;
    // The bodies as sent: the order of keys is part of the answer.
    let body = |query: String| {
        let request = app
            .http
            .post(format!("{}/graphql", app.base))
            .bearer_auth(&owner.token)
            .json(&json!({ "query": query, "variables": { "id": org } }));
        async move { request.send().await.unwrap().text().await.unwrap() }
    };
    for (case, (query, node_type, fields)) in cases.iter().enumerate() {
        let plain = body(query.replace("NODES", fields)).await;
        let generic =
            body(query.replace("NODES", &format!("... on {node_type} {{ {fields} }}"))).await;
        let parsed: serde_json::Value = serde_json::from_str(&plain).unwrap();
        assert!(parsed["errors"].is_null(), "{plain}");
        let nodes = parsed["data"]
            .pointer("/organization/members/nodes")
            .or_else(|| parsed["data"].pointer("/organization/auditLog/nodes"))
            .or_else(|| parsed["data"].pointer("/viewer/organizations/nodes"));
        assert!(
            nodes
                .and_then(|nodes| nodes.as_array())
                .is_some_and(|nodes| nodes.len() >= 2),
            "{plain}"
        );
        if case + in_any_order < cases.len() {
            assert_eq!(plain, generic, "{fields}");
        } else {
            let generic: serde_json::Value = serde_json::from_str(&generic).unwrap();
            assert_eq!(parsed, generic, "{fields}");
        }
    }
}
