//! Projects: names unique per organization (any case), role-gated changes, paging, audit.

use roster_domain::AuditAction;
use serde_json::json;

use crate::support::{TestApp, code};

const CREATE: &str =
    "mutation($o: ID!, $n: String!) { createProject(organizationId: $o, name: $n) { id name } }";

#[tokio::test]
async fn project_names_are_unique_per_organization_case_insensitively() {
    let app = TestApp::spawn().await;
    let owner = app.sign_in("owner@example.com").await;
    let acme = app.create_org(&owner, "Acme").await;
    let other = app.create_org(&owner, "Other").await;
    let body = app
        .gql(
            Some(&owner.token),
            CREATE,
            json!({ "o": acme, "n": " Website " }),
        )
        .await;
    assert_eq!(body["data"]["createProject"]["name"], "Website", "{body}");
    let body = app
        .gql(
            Some(&owner.token),
            CREATE,
            json!({ "o": acme, "n": "WEBSITE" }),
        )
        .await;
    assert_eq!(code(&body), "CONFLICT", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["field"], "name");
    let body = app
        .gql(
            Some(&owner.token),
            CREATE,
            json!({ "o": other, "n": "website" }),
        )
        .await;
    assert_eq!(
        body["data"]["createProject"]["name"], "website",
        "free across orgs"
    );
    for bad in ["", &"x".repeat(65), "a\u{0}b"] {
        let body = app
            .gql(Some(&owner.token), CREATE, json!({ "o": acme, "n": bad }))
            .await;
        assert_eq!(code(&body), "BAD_USER_INPUT");
    }
    let second = app.create_project(&owner, &acme, "Backend").await;
    let body = app
        .gql(
            Some(&owner.token),
            "mutation($id: ID!) { renameProject(id: $id, name: \"website\") { name } }",
            json!({ "id": second }),
        )
        .await;
    assert_eq!(code(&body), "CONFLICT", "renaming into a taken name");
    let body = app
        .gql(
            Some(&owner.token),
            "mutation($id: ID!) { renameProject(id: $id, name: \"API\") { name } }",
            json!({ "id": second }),
        )
        .await;
    assert_eq!(body["data"]["renameProject"]["name"], "API");
}

#[tokio::test]
async fn members_create_and_rename_admins_delete_viewers_read() {
    let app = TestApp::spawn().await;
    let owner = app.sign_in("owner@example.com").await;
    let member = app.sign_in("member@example.com").await;
    let viewer = app.sign_in("viewer@example.com").await;
    let org = app.create_org(&owner, "Team").await;
    app.join(&owner, &org, &member, "MEMBER").await;
    app.join(&owner, &org, &viewer, "VIEWER").await;

    let body = app
        .gql(
            Some(&viewer.token),
            CREATE,
            json!({ "o": org, "n": "Nope" }),
        )
        .await;
    assert_eq!(code(&body), "FORBIDDEN");
    assert_eq!(body["errors"][0]["extensions"]["requiredRole"], "MEMBER");
    let project = app.create_project(&member, &org, "Mine").await;
    let delete = "mutation($id: ID!) { deleteProject(id: $id) }";
    let body = app
        .gql(Some(&member.token), delete, json!({ "id": project }))
        .await;
    assert_eq!(code(&body), "FORBIDDEN");
    assert_eq!(body["errors"][0]["extensions"]["requiredRole"], "ADMIN");

    let list = app
        .gql(
            Some(&viewer.token),
            "query($id: ID) { organization(id: $id) { projects { totalCount nodes { name } } } }",
            json!({ "id": org }),
        )
        .await;
    assert_eq!(
        list["data"]["organization"]["projects"]["totalCount"], 1,
        "{list}"
    );

    // What a removed member created stays with the organization.
    app.gql(
        Some(&owner.token),
        "mutation($o: ID!, $u: ID!) { removeMember(organizationId: $o, userId: $u) }",
        json!({ "o": org, "u": member.user_id }),
    )
    .await;
    let list = app
        .gql(
            Some(&owner.token),
            "query($id: ID) { organization(id: $id) { projects { nodes { name } } } }",
            json!({ "id": org }),
        )
        .await;
    assert_eq!(
        list["data"]["organization"]["projects"]["nodes"][0]["name"],
        "Mine"
    );

    let stranger = app.sign_in("stranger@example.com").await;
    let body = app
        .gql(Some(&stranger.token), delete, json!({ "id": project }))
        .await;
    assert_eq!(
        code(&body),
        "NOT_FOUND",
        "another org's project looks missing"
    );
    let body = app
        .gql(Some(&owner.token), delete, json!({ "id": project }))
        .await;
    assert_eq!(body["data"]["deleteProject"], project.as_str());
    let actions = app.audit_actions(&org).await;
    assert!(
        actions.ends_with(&[
            AuditAction::ProjectCreated,
            AuditAction::MemberRemoved,
            AuditAction::ProjectDeleted
        ]),
        "{actions:?}"
    );
}

#[tokio::test]
async fn projects_page_by_keyset_with_their_keys() {
    let app = TestApp::spawn().await;
    let owner = app.sign_in("owner@example.com").await;
    let org = app.create_org(&owner, "Team").await;
    app.unlimited(&org).await;
    for index in 0..5 {
        let project = app.create_project(&owner, &org, &format!("P{index}")).await;
        app.create_key(&owner, &project, None).await;
    }
    let query = "query($id: ID, $after: String) { organization(id: $id) { projects(first: 3, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { name apiKeys { label maskedKey createdBy { email } } } } } }";
    let first = app
        .gql(Some(&owner.token), query, json!({ "id": org }))
        .await;
    let page = &first["data"]["organization"]["projects"];
    assert_eq!(page["totalCount"], 5, "{first}");
    assert_eq!(page["pageInfo"]["hasNextPage"], true);
    assert_eq!(
        page["nodes"][0]["apiKeys"][0]["createdBy"]["email"],
        "owner@example.com"
    );
    let second = app
        .gql(
            Some(&owner.token),
            query,
            json!({ "id": org, "after": page["pageInfo"]["endCursor"] }),
        )
        .await;
    let names: Vec<&str> = second["data"]["organization"]["projects"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["P3", "P4"]);
}
