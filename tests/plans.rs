//! Plans and quotas end to end: the built-in plans and a plans file through `Query.plans`,
//! seats (members + pending invitations) and projects refused at the plan's limit with
//! `QUOTA_EXCEEDED` (also under 20 concurrent invites), a personal organization's one seat,
//! `Organization.usage` levels, and `changePlan` (owner only, audited, downgrades keep
//! everything and refuse new seats and projects).

use roster_domain::AuditAction;
use serde_json::{Value, json};

use crate::support::{SignedIn, TestApp, code};

const USAGE: &str = "query($id: ID) { organization(id: $id) { plan usage {
    seats { metric used limit level periodEnd }
    projects { metric used limit level periodEnd }
    metrics { metric } } } }";

const CHANGE_PLAN: &str = "mutation($o: ID!, $p: String!) { changePlan(organizationId: $o, plan: $p) { id plan usage { projects { used limit level } } } }";

async fn usage(app: &TestApp, user: &SignedIn, org: &str) -> Value {
    let body = app
        .gql(Some(&user.token), USAGE, json!({ "id": org }))
        .await;
    let organization = body["data"]["organization"].clone();
    assert!(organization.is_object(), "{body}");
    organization
}

async fn change_plan(app: &TestApp, user: &SignedIn, org: &str, plan: &str) -> Value {
    app.gql(
        Some(&user.token),
        CHANGE_PLAN,
        json!({ "o": org, "p": plan }),
    )
    .await
}

async fn try_create_project(app: &TestApp, user: &SignedIn, org: &str, name: &str) -> Value {
    app.gql(
        Some(&user.token),
        "mutation($o: ID!, $n: String!) { createProject(organizationId: $o, name: $n) { id } }",
        json!({ "o": org, "n": name }),
    )
    .await
}

fn assert_quota(body: &Value, metric: &str, used: u64, limit: u64) {
    assert_eq!(code(body), "QUOTA_EXCEEDED", "{body}");
    let extensions = &body["errors"][0]["extensions"];
    assert_eq!(extensions["metric"], metric, "{body}");
    assert_eq!(extensions["used"], used, "{body}");
    assert_eq!(extensions["limit"], limit, "{body}");
}

#[tokio::test]
async fn the_builtin_plans_are_listed_publicly() {
    let app = TestApp::spawn().await;
    let body = app
        .gql(
            None,
            "{ plans { id name limits { metric limit period hard } } }",
            json!({}),
        )
        .await;
    let plans = body["data"]["plans"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"));
    let ids: Vec<&str> = plans
        .iter()
        .map(|plan| plan["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["free", "pro", "enterprise"]);
    assert_eq!(
        plans[0]["limits"],
        json!([
            { "metric": "seats", "limit": 5, "period": "NONE", "hard": true },
            { "metric": "projects", "limit": 3, "period": "NONE", "hard": true },
        ])
    );
    assert_eq!(plans[2]["limits"], json!([]));
    app.stop().await;
}

#[tokio::test]
async fn a_free_organization_gets_five_seats_and_three_projects() {
    let app = TestApp::spawn().await;
    let owner = app.sign_in("owner@example.com").await;
    let org = app.create_org(&owner, "Free Co").await;
    // The owner holds one seat; four pending invitations take the rest.
    for n in 1..=4 {
        let body = app
            .invite(&owner, &org, &format!("p{n}@example.com"), "MEMBER")
            .await;
        assert!(body["data"]["inviteMember"]["id"].is_string(), "{body}");
    }
    let before = app.outbox_to("p5@example.com").await.len();
    let refused = app.invite(&owner, &org, "p5@example.com", "MEMBER").await;
    assert_quota(&refused, "seats", 5, 5);
    assert_eq!(
        app.outbox_to("p5@example.com").await.len(),
        before,
        "no mail"
    );
    // Re-inviting a pending address takes no new seat, so it still works.
    let again = app.invite(&owner, &org, "p4@example.com", "MEMBER").await;
    assert!(again["data"]["inviteMember"]["id"].is_string(), "{again}");

    for n in 1..=3 {
        app.create_project(&owner, &org, &format!("Project {n}"))
            .await;
    }
    let refused = try_create_project(&app, &owner, &org, "Project 4").await;
    assert_quota(&refused, "projects", 3, 3);

    let organization = usage(&app, &owner, &org).await;
    assert_eq!(organization["plan"], "free");
    assert_eq!(
        organization["usage"]["seats"],
        json!({ "metric": "seats", "used": 5, "limit": 5, "level": "EXCEEDED", "periodEnd": null })
    );
    assert_eq!(
        organization["usage"]["projects"],
        json!({ "metric": "projects", "used": 3, "limit": 3, "level": "EXCEEDED", "periodEnd": null })
    );
    assert_eq!(organization["usage"]["metrics"], json!([]));
    app.stop().await;
}

#[tokio::test]
async fn usage_levels_follow_the_share_of_the_limit() {
    let app = TestApp::spawn().await;
    let owner = app.sign_in("levels@example.com").await;
    let org = app.create_org(&owner, "Levels").await;
    let organization = usage(&app, &owner, &org).await;
    // 1 of 5 seats is 20 %, no projects yet.
    assert_eq!(organization["usage"]["seats"]["level"], "OK");
    assert_eq!(organization["usage"]["projects"]["level"], "OK");
    for n in 1..=3 {
        app.invite(&owner, &org, &format!("l{n}@example.com"), "VIEWER")
            .await;
    }
    // 4 of 5 is exactly 80 %.
    let organization = usage(&app, &owner, &org).await;
    assert_eq!(organization["usage"]["seats"]["used"], 4);
    assert_eq!(organization["usage"]["seats"]["level"], "WARNING");
    let enterprise = change_plan(&app, &owner, &org, "enterprise").await;
    assert!(enterprise["data"]["changePlan"].is_object(), "{enterprise}");
    let organization = usage(&app, &owner, &org).await;
    assert_eq!(organization["usage"]["seats"]["limit"], Value::Null);
    assert_eq!(organization["usage"]["seats"]["level"], "OK");
    app.stop().await;
}

#[tokio::test]
async fn a_personal_organization_has_one_seat() {
    let app = TestApp::spawn().await;
    let user = app.sign_in("solo@example.com").await;
    let organization = usage(&app, &user, &user.personal_org_id).await;
    assert_eq!(
        organization["usage"]["seats"],
        json!({ "metric": "seats", "used": 1, "limit": 1, "level": "EXCEEDED", "periodEnd": null })
    );
    // Even on a plan with no seat limit.
    let body = change_plan(&app, &user, &user.personal_org_id, "enterprise").await;
    assert!(body["data"]["changePlan"].is_object(), "{body}");
    let organization = usage(&app, &user, &user.personal_org_id).await;
    assert_eq!(organization["usage"]["seats"]["limit"], 1);
    assert_eq!(organization["usage"]["projects"]["limit"], Value::Null);
    app.stop().await;
}

#[tokio::test]
async fn twenty_concurrent_invites_into_the_last_free_seat_give_one_success() {
    let app = TestApp::spawn().await;
    let owner = app.sign_in("racer@example.com").await;
    let org = app.create_org(&owner, "Last Seat").await;
    for n in 1..=3 {
        let body = app
            .invite(&owner, &org, &format!("held{n}@example.com"), "MEMBER")
            .await;
        assert!(body["data"]["inviteMember"]["id"].is_string(), "{body}");
    }
    let invites = (0..20).map(|n| {
        let (app, owner, org) = (&app, &owner, &org);
        async move {
            app.invite(owner, org, &format!("racer{n}@example.com"), "MEMBER")
                .await
        }
    });
    let bodies = futures::future::join_all(invites).await;
    let successes = bodies
        .iter()
        .filter(|body| body["data"]["inviteMember"]["id"].is_string())
        .count();
    assert_eq!(successes, 1, "{bodies:?}");
    for body in bodies.iter().filter(|body| !body["errors"].is_null()) {
        assert_quota(body, "seats", 5, 5);
    }
    let organization = usage(&app, &owner, &org).await;
    assert_eq!(organization["usage"]["seats"]["used"], 5);
    app.stop().await;
}

/// `query` as `token` against one server among several on the same database.
async fn gql_at(app: &TestApp, base: &str, token: &str, query: &str, variables: Value) -> Value {
    let response = app
        .http
        .post(format!("{base}/graphql"))
        .bearer_auth(token)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .unwrap();
    response.json().await.unwrap()
}

#[tokio::test]
async fn the_last_seat_and_the_last_project_hold_across_two_processes() {
    let app = TestApp::spawn().await;
    let second = app.second_server().await;
    let servers = [app.base.clone(), format!("http://{}", second.addr)];
    let owner = app.sign_in("two-racer@example.com").await;
    let org = app.create_org(&owner, "Two Processes").await;
    for n in 1..=3 {
        app.invite(&owner, &org, &format!("kept{n}@example.com"), "MEMBER")
            .await;
    }
    for name in ["One", "Two"] {
        try_create_project(&app, &owner, &org, name).await;
    }
    let invite = "mutation($o: ID!, $e: String!) { inviteMember(organizationId: $o, email: $e, role: MEMBER) { id } }";
    let create =
        "mutation($o: ID!, $n: String!) { createProject(organizationId: $o, name: $n) { id } }";
    let requests = (0..20).map(|n| {
        let (app, owner, org, servers) = (&app, &owner, &org, &servers);
        async move {
            let base = &servers[n % 2];
            let invited = gql_at(
                app,
                base,
                &owner.token,
                invite,
                json!({ "o": org, "e": format!("late{n}@example.com") }),
            )
            .await;
            let created = gql_at(
                app,
                base,
                &owner.token,
                create,
                json!({ "o": org, "n": format!("Late {n}") }),
            )
            .await;
            (invited, created)
        }
    });
    let answers = futures::future::join_all(requests).await;
    let invited: Vec<&Value> = answers
        .iter()
        .map(|(invited, _)| invited)
        .filter(|body| body["data"]["inviteMember"]["id"].is_string())
        .collect();
    let created: Vec<&Value> = answers
        .iter()
        .map(|(_, created)| created)
        .filter(|body| body["data"]["createProject"]["id"].is_string())
        .collect();
    assert_eq!(invited.len(), 1, "{answers:?}");
    assert_eq!(created.len(), 1, "{answers:?}");
    for (invite, create) in answers.iter() {
        if invite["errors"].is_array() {
            assert_quota(invite, "seats", 5, 5);
        }
        if create["errors"].is_array() {
            assert_quota(create, "projects", 3, 3);
        }
    }
    second.stop().await.unwrap();
    app.stop().await;
}

#[tokio::test]
async fn change_plan_is_for_owners_and_checks_the_plan() {
    let app = TestApp::spawn().await;
    let owner = app.sign_in("boss@example.com").await;
    let admin = app.sign_in("admin@example.com").await;
    let org = app.create_org(&owner, "Planned").await;
    app.join(&owner, &org, &admin, "ADMIN").await;

    let body = change_plan(&app, &admin, &org, "pro").await;
    assert_eq!(code(&body), "FORBIDDEN", "{body}");
    let body = change_plan(&app, &owner, &org, "platinum").await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    let stranger = app.sign_in("stranger@example.com").await;
    let body = change_plan(&app, &stranger, &org, "pro").await;
    assert_eq!(code(&body), "NOT_FOUND", "{body}");
    assert!(
        !app.audit_actions(&org)
            .await
            .contains(&AuditAction::PlanChanged),
        "a refused change records nothing"
    );

    let body = change_plan(&app, &owner, &org, "pro").await;
    assert_eq!(body["data"]["changePlan"]["plan"], "pro", "{body}");
    let log = app
        .gql(
            Some(&owner.token),
            "query($id: ID) { organization(id: $id) { auditLog(filter: { action: \"plan.changed\" }) { nodes { action actorEmail context } } } }",
            json!({ "id": org }),
        )
        .await;
    assert_eq!(
        log["data"]["organization"]["auditLog"]["nodes"],
        json!([{ "action": "plan.changed", "actorEmail": "boss@example.com",
                 "context": { "from": "free", "to": "pro" } }]),
        "{log}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_downgrade_below_usage_keeps_everything_and_refuses_more() {
    let app = TestApp::spawn().await;
    let owner = app.sign_in("grower@example.com").await;
    let org = app.create_org(&owner, "Grower").await;
    let body = change_plan(&app, &owner, &org, "pro").await;
    assert_eq!(body["data"]["changePlan"]["plan"], "pro", "{body}");
    for n in 1..=5 {
        app.create_project(&owner, &org, &format!("P{n}")).await;
    }
    let body = change_plan(&app, &owner, &org, "free").await;
    assert_eq!(
        body["data"]["changePlan"]["usage"]["projects"],
        json!({ "used": 5, "limit": 3, "level": "EXCEEDED" }),
        "{body}"
    );
    let refused = try_create_project(&app, &owner, &org, "P6").await;
    assert_quota(&refused, "projects", 5, 3);
    let projects = app
        .gql(
            Some(&owner.token),
            "query($id: ID) { organization(id: $id) { projects { totalCount } } }",
            json!({ "id": org }),
        )
        .await;
    assert_eq!(
        projects["data"]["organization"]["projects"]["totalCount"], 5,
        "{projects}"
    );
    app.stop().await;
}

#[tokio::test]
async fn after_a_downgrade_below_usage_an_invitation_cannot_be_accepted() {
    let app = TestApp::spawn().await;
    let owner = app.sign_in("shrinker@example.com").await;
    let org = app.create_org(&owner, "Shrinker").await;
    change_plan(&app, &owner, &org, "pro").await;
    let token = app
        .invite_and_get_token(&owner, &org, "late@example.com", "MEMBER")
        .await;
    for n in 1..=5 {
        let body = app
            .invite(&owner, &org, &format!("w{n}@example.com"), "MEMBER")
            .await;
        assert!(body["data"]["inviteMember"]["id"].is_string(), "{body}");
    }
    change_plan(&app, &owner, &org, "free").await;
    let late = app.sign_in("late@example.com").await;
    let body = app
        .gql(
            Some(&late.token),
            "mutation($t: String) { acceptInvitation(token: $t) { member { role } } }",
            json!({ "t": token }),
        )
        .await;
    assert_quota(&body, "seats", 7, 5);
    let organization = usage(&app, &owner, &org).await;
    assert_eq!(
        organization["usage"]["seats"]["used"], 7,
        "nothing was removed"
    );
    app.stop().await;
}

const PLANS_FILE: &str = r#"
[[plan]]
id = "free"
name = "Starter"

[[plan.limit]]
metric = "seats"
limit = 2

[[plan.limit]]
metric = "analyses"
limit = 100
period = "month"

[[plan]]
id = "team"
name = "Team"

[[plan.limit]]
metric = "storage_bytes"
limit = 1000000
hard = false
"#;

#[tokio::test]
async fn a_plans_file_replaces_the_builtin_plans() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plans.toml");
    std::fs::write(&path, PLANS_FILE).unwrap();
    let app = TestApp::spawn_with(&[("ROSTER_PLANS_FILE", path.to_str().unwrap())]).await;
    let body = app
        .gql(
            None,
            "{ plans { id name limits { metric limit period hard } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        body["data"]["plans"],
        json!([
            { "id": "free", "name": "Starter", "limits": [
                { "metric": "seats", "limit": 2, "period": "NONE", "hard": true },
                { "metric": "analyses", "limit": 100, "period": "MONTH", "hard": true },
            ] },
            { "id": "team", "name": "Team", "limits": [
                { "metric": "storage_bytes", "limit": 1_000_000, "period": "NONE", "hard": false },
            ] },
        ]),
        "{body}"
    );
    let owner = app.sign_in("filed@example.com").await;
    let org = app.create_org(&owner, "Filed").await;
    let first = app.invite(&owner, &org, "one@example.com", "MEMBER").await;
    assert!(first["data"]["inviteMember"]["id"].is_string(), "{first}");
    let refused = app.invite(&owner, &org, "two@example.com", "MEMBER").await;
    assert_quota(&refused, "seats", 2, 2);
    // A plan id outside the old built-in three is stored (no schema CHECK in the way).
    let body = change_plan(&app, &owner, &org, "team").await;
    assert_eq!(body["data"]["changePlan"]["plan"], "team", "{body}");
    let second = app.invite(&owner, &org, "two@example.com", "MEMBER").await;
    assert!(second["data"]["inviteMember"]["id"].is_string(), "{second}");
    let body = change_plan(&app, &owner, &org, "pro").await;
    assert_eq!(
        code(&body),
        "BAD_USER_INPUT",
        "not offered by this file: {body}"
    );
    app.stop().await;
}
