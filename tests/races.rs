//! Race tests: the last-owner invariant under many concurrent demotes, removes and leaves
//! (also across two server processes on one database), single-use invitation tokens under
//! concurrent accepts, and one pending invitation under concurrent invites.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::support::{MAIL_TIMEOUT, SignedIn, TestApp, code, invitation_token};

/// How many times each race runs per test (per backend); `ROSTER_RACE_ITERATIONS`
/// raises it for soak runs.
fn iterations() -> usize {
    std::env::var("ROSTER_RACE_ITERATIONS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(5)
}

async fn owner_count(app: &TestApp, org: &str) -> i64 {
    use sea_orm::{ConnectionTrait, Statement};
    let backend = app.db.get_database_backend();
    let sql = match backend {
        sea_orm::DatabaseBackend::Postgres => format!(
            "SELECT COUNT(*) AS n FROM memberships WHERE organization_id = '{org}' AND role = 'OWNER'"
        ),
        _ => format!(
            "SELECT COUNT(*) AS n FROM memberships WHERE hex(organization_id) = upper(replace('{org}', '-', '')) AND role = 'OWNER'"
        ),
    };
    let row = app
        .db
        .query_one_raw(Statement::from_string(backend, sql))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

/// Two owners firing 16 demotes, removes and leaves at each other at once, through
/// `servers` (one or two processes). Returns the error codes seen.
async fn last_owner_race(
    app: &TestApp,
    servers: &[String],
    round: usize,
) -> HashMap<String, usize> {
    let a = app.sign_in(&format!("a{round}@example.com")).await;
    let b = app.sign_in(&format!("b{round}@example.com")).await;
    let org = app.create_org(&a, &format!("Race {round}")).await;
    app.join(&a, &org, &b, "OWNER").await;
    // Each owner fires each kind twice: demote the other, remove the other, leave, demote
    // themselves. Whoever ends as the last owner had every self-departure refused.
    let operations: Vec<(&SignedIn, String, Value)> = (0..16)
        .map(|i| {
            let (actor, other) = if i % 2 == 0 { (&a, &b) } else { (&b, &a) };
            let change = "mutation($o: ID!, $u: ID!) { changeMemberRole(organizationId: $o, userId: $u, role: ADMIN) { role } }";
            match (i / 2) % 4 {
                0 => (actor, change.to_owned(), json!({ "o": org, "u": other.user_id })),
                1 => (
                    actor,
                    "mutation($o: ID!, $u: ID!) { removeMember(organizationId: $o, userId: $u) }".to_owned(),
                    json!({ "o": org, "u": other.user_id }),
                ),
                2 => (actor, "mutation($o: ID!) { leaveOrganization(organizationId: $o) }".to_owned(), json!({ "o": org })),
                _ => (actor, change.to_owned(), json!({ "o": org, "u": actor.user_id })),
            }
        })
        .collect();
    let requests = operations
        .iter()
        .enumerate()
        .map(|(i, (actor, query, variables))| {
            let base = &servers[i % servers.len()];
            let request = app
                .http
                .post(format!("{base}/graphql"))
                .bearer_auth(&actor.token)
                .json(&json!({ "query": query, "variables": variables }));
            async move { request.send().await.unwrap().json::<Value>().await.unwrap() }
        });
    let results = futures::future::join_all(requests).await;
    let mut codes = HashMap::new();
    for body in &results {
        let outcome = if body["errors"].is_array() {
            code(body).to_owned()
        } else {
            "OK".to_owned()
        };
        assert_ne!(outcome, "INTERNAL", "{body}");
        assert_ne!(outcome, "", "{body}");
        *codes.entry(outcome).or_insert(0) += 1;
    }
    assert_eq!(
        owner_count(app, &org).await,
        1,
        "exactly one owner left: {codes:?}"
    );
    assert!(
        codes.get("LAST_OWNER").copied().unwrap_or(0) >= 1,
        "{codes:?}"
    );
    codes
}

#[tokio::test]
async fn the_last_owner_survives_concurrent_demotes_removes_and_leaves() {
    let app = TestApp::spawn().await;
    let servers = vec![app.base.clone()];
    for round in 0..iterations() {
        last_owner_race(&app, &servers, round).await;
    }
}

#[tokio::test]
async fn the_last_owner_survives_races_across_two_server_processes() {
    let app = TestApp::spawn().await;
    let second = app.second_server().await;
    let servers = vec![app.base.clone(), format!("http://{}", second.addr)];
    for round in 0..iterations() {
        last_owner_race(&app, &servers, round).await;
    }
    second.stop().await.unwrap();
}

#[tokio::test]
async fn twenty_concurrent_accepts_of_one_token_make_one_membership() {
    let app = TestApp::spawn().await;
    for round in 0..iterations() {
        let owner = app.sign_in(&format!("owner{round}@example.com")).await;
        let org = app.create_org(&owner, &format!("Accept {round}")).await;
        let email = format!("joiner{round}@example.com");
        let token = app
            .invite_and_get_token(&owner, &org, &email, "MEMBER")
            .await;
        let accepts = (0..20).map(|_| {
            app.gql(
                None,
                "mutation($t: String) { acceptInvitation(token: $t) { member { role } } }",
                json!({ "t": token }),
            )
        });
        let results = futures::future::join_all(accepts).await;
        let winners = results
            .iter()
            .filter(|body| body["data"]["acceptInvitation"].is_object())
            .count();
        assert_eq!(winners, 1, "{results:?}");
        for body in results.iter().filter(|body| body["errors"].is_array()) {
            assert_eq!(code(body), "INVITATION_NOT_PENDING", "{body}");
        }
        let count = app
            .gql(
                Some(&owner.token),
                "query($id: ID) { organization(id: $id) { memberCount members { totalCount } } }",
                json!({ "id": org }),
            )
            .await;
        assert_eq!(count["data"]["organization"]["memberCount"], 2);
        assert_eq!(count["data"]["organization"]["members"]["totalCount"], 2);
    }
}

#[tokio::test]
async fn twenty_concurrent_invites_of_case_variants_make_one_invitation_and_one_mail() {
    let app = TestApp::spawn().await;
    for round in 0..iterations() {
        let owner = app.sign_in(&format!("owner{round}@example.com")).await;
        let org = app.create_org(&owner, &format!("Invite {round}")).await;
        let variants: Vec<String> = (0..20)
            .map(|i| {
                let local: String = format!("case{round}")
                    .chars()
                    .enumerate()
                    .map(|(j, c)| {
                        if (i >> (j % 5)) & 1 == 1 {
                            c.to_ascii_uppercase()
                        } else {
                            c
                        }
                    })
                    .collect();
                format!("{local}@Example.COM")
            })
            .collect();
        let invites = variants
            .iter()
            .map(|email| app.invite(&owner, &org, email, "MEMBER"));
        let results = futures::future::join_all(invites).await;
        let ids: std::collections::HashSet<String> = results
            .iter()
            .map(|body| {
                body["data"]["inviteMember"]["id"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{body}"))
                    .to_owned()
            })
            .collect();
        assert_eq!(ids.len(), 1, "one invitation");
        let email = format!("case{round}@example.com");
        let mails = app.smtp.wait_for(&email, 1, MAIL_TIMEOUT).await.unwrap();
        let rows = app.settled_outbox_to(&email).await;
        assert_eq!(rows.len(), 1, "one mail queued: {rows:?}");
        assert_eq!(app.smtp.received_by(&email).len(), 1, "one mail");
        let list = app
            .gql(
                Some(&owner.token),
                "query($id: ID) { organization(id: $id) { invitations { totalCount } } }",
                json!({ "id": org }),
            )
            .await;
        assert_eq!(list["data"]["organization"]["invitations"]["totalCount"], 1);
        let accepted = app
            .gql(
                None,
                "mutation($t: String) { acceptInvitation(token: $t) { member { role } } }",
                json!({ "t": invitation_token(&mails[0]) }),
            )
            .await;
        assert!(
            accepted["data"]["acceptInvitation"].is_object(),
            "the mailed link works: {accepted}"
        );
    }
}
