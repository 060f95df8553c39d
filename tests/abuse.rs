//! Abuse limits: squatted slugs never block sign-up, a user creates a bounded number of
//! organizations per hour (shared by every process), sign-in links are limited per client
//! address, and invitation mail to one address is limited per organization, across
//! organizations, and by a resend cooldown. Every refusal says when to retry.

use sea_orm::{ConnectionTrait, DatabaseBackend};
use serde_json::{Value, json};

use crate::support::{TestApp, code};

fn retry_after(body: &Value) -> i64 {
    body["errors"][0]["extensions"]["retryAfterSeconds"]
        .as_i64()
        .unwrap_or_else(|| panic!("no retryAfterSeconds: {body}"))
}

async fn create_org(app: &TestApp, base: &str, token: &str, name: &str) -> Value {
    let response = app
        .http
        .post(format!("{base}/graphql"))
        .bearer_auth(token)
        .json(&json!({
            "query": "mutation($n: String!) { createOrganization(name: $n) { id } }",
            "variables": { "n": name },
        }))
        .send()
        .await
        .unwrap();
    response.json().await.unwrap()
}

#[tokio::test]
async fn every_short_slug_squatted_still_lets_the_victim_sign_up() {
    let app = TestApp::spawn().await;
    // The victim's derived slug and all 65,536 short-suffix variants are taken.
    let squat = match app.db.get_database_backend() {
        DatabaseBackend::Postgres => {
            "INSERT INTO organizations (id, slug, name, kind, created_at, updated_at) \
             SELECT gen_random_uuid(), 'victim-' || lpad(to_hex(i), 4, '0'), 'squat', 'TEAM', now(), now() \
             FROM generate_series(0, 65535) AS i \
             UNION ALL SELECT gen_random_uuid(), 'victim', 'squat', 'TEAM', now(), now()"
        }
        _ => {
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 65535) \
             INSERT INTO organizations (id, slug, name, kind, created_at, updated_at) \
             SELECT randomblob(16), printf('victim-%04x', i), 'squat', 'TEAM', \
                    '2026-01-01 00:00:00+00:00', '2026-01-01 00:00:00+00:00' FROM n \
             UNION ALL SELECT randomblob(16), 'victim', 'squat', 'TEAM', \
                    '2026-01-01 00:00:00+00:00', '2026-01-01 00:00:00+00:00'"
        }
    };
    app.db.execute_unprepared(squat).await.unwrap();
    let victim = app.sign_in("victim@example.com").await;
    let body = app
        .gql(
            Some(&victim.token),
            "{ viewer { activeOrganization { slug kind } } }",
            json!({}),
        )
        .await;
    let slug = body["data"]["viewer"]["activeOrganization"]["slug"]
        .as_str()
        .unwrap();
    assert!(
        slug.starts_with("victim-") && slug.len() > "victim-ffff".len(),
        "{body}"
    );
}

#[tokio::test]
async fn a_user_creates_at_most_ten_organizations_an_hour_across_processes() {
    let app = TestApp::spawn().await;
    let second = app.second_server().await;
    let servers = [app.base.clone(), format!("http://{}", second.addr)];
    let founder = app.sign_in("serial-founder@example.com").await;
    for i in 0..10 {
        let body = create_org(
            &app,
            &servers[i % 2],
            &founder.token,
            &format!("Startup {i}"),
        )
        .await;
        assert!(
            body["data"]["createOrganization"]["id"].is_string(),
            "{i}: {body}"
        );
    }
    for server in &servers {
        let body = create_org(&app, server, &founder.token, "One Too Many").await;
        assert_eq!(code(&body), "RATE_LIMITED", "{body}");
        let wait = retry_after(&body);
        assert!((1..=3600).contains(&wait), "{body}");
    }
    // Someone else is not affected, and the founder may go on an hour later.
    let other = app.sign_in("other-founder@example.com").await;
    let body = create_org(&app, &app.base, &other.token, "Unrelated").await;
    assert!(
        body["data"]["createOrganization"]["id"].is_string(),
        "{body}"
    );
    app.clock.advance(chrono::Duration::minutes(61));
    let body = create_org(&app, &servers[1], &founder.token, "Next Hour").await;
    assert!(
        body["data"]["createOrganization"]["id"].is_string(),
        "{body}"
    );
    second.stop().await.unwrap();
}

#[tokio::test]
async fn sign_in_links_are_limited_per_client_address() {
    let app = TestApp::spawn_with(&[
        ("ROSTER_SIGN_IN_IP_LIMIT", "5"),
        ("ROSTER_TRUSTED_PROXIES", "127.0.0.1"),
    ])
    .await;
    let request = |client: &'static str, email: String| {
        let app = &app;
        async move {
            let response = app
                .http
                .post(format!("{}/graphql", app.base))
                .header("x-forwarded-for", client)
                .json(&json!({
                    "query": "mutation($e: String!) { requestSignIn(email: $e) }",
                    "variables": { "e": email },
                }))
                .send()
                .await
                .unwrap();
            response.json::<Value>().await.unwrap()
        }
    };
    for i in 0..5 {
        let body = request("203.0.113.9", format!("office{i}@example.com")).await;
        assert_eq!(body["data"]["requestSignIn"], true, "{body}");
    }
    let body = request("203.0.113.9", "office5@example.com".into()).await;
    assert_eq!(code(&body), "RATE_LIMITED", "{body}");
    assert!(retry_after(&body) > 0);
    let body = request("198.51.100.4", "elsewhere@example.com".into()).await;
    assert_eq!(
        body["data"]["requestSignIn"], true,
        "another client: {body}"
    );
    // The default leaves room for an office behind one address.
    assert!(
        roster_service::Config::default()
            .limits
            .sign_ins_per_client_hourly
            >= 300
    );
}

#[tokio::test]
async fn invitation_mail_to_one_address_is_limited_however_it_is_triggered() {
    let app = TestApp::spawn_with(&[("ROSTER_INVITATION_RECIPIENT_DAILY_LIMIT", "5")]).await;
    let owner = app.sign_in("flood-owner@example.com").await;
    let org = app.create_org(&owner, "Flood").await;
    // Alternating roles turns each re-invite into a refresh with a new mail.
    for role in ["MEMBER", "ADMIN", "MEMBER"] {
        let body = app.invite(&owner, &org, "target@example.com", role).await;
        assert!(body["data"]["inviteMember"]["id"].is_string(), "{body}");
    }
    let body = app
        .invite(&owner, &org, "target@example.com", "ADMIN")
        .await;
    assert_eq!(code(&body), "RATE_LIMITED", "{body}");
    assert!(retry_after(&body) > 0);
    let id = app
        .gql(
            Some(&owner.token),
            "query($o: ID!) { organization(id: $o) { invitations { nodes { id } } } }",
            json!({ "o": org }),
        )
        .await["data"]["organization"]["invitations"]["nodes"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let resend = "mutation($id: ID!) { resendInvitation(id: $id) { id } }";
    let body = app
        .gql(Some(&owner.token), resend, json!({ "id": id }))
        .await;
    assert_eq!(code(&body), "RATE_LIMITED", "cooldown: {body}");
    assert!((1..=60).contains(&retry_after(&body)), "{body}");
    app.clock.advance(chrono::Duration::seconds(61));
    let body = app
        .gql(Some(&owner.token), resend, json!({ "id": id }))
        .await;
    assert_eq!(code(&body), "RATE_LIMITED", "hourly per org: {body}");

    // Across organizations: five mails a day in all (configured), then refused.
    let second = app.create_org(&owner, "Flood Two").await;
    let body = app
        .invite(&owner, &second, "target@example.com", "MEMBER")
        .await;
    assert!(body["data"]["inviteMember"]["id"].is_string(), "{body}");
    let third = app.create_org(&owner, "Flood Three").await;
    let body = app
        .invite(&owner, &third, "target@example.com", "MEMBER")
        .await;
    assert!(body["data"]["inviteMember"]["id"].is_string(), "{body}");
    let fourth = app.create_org(&owner, "Flood Four").await;
    let body = app
        .invite(&owner, &fourth, "target@example.com", "MEMBER")
        .await;
    assert_eq!(code(&body), "RATE_LIMITED", "daily across orgs: {body}");
    // Other addresses are not affected; no mail went out for any refusal.
    let body = app
        .invite(&owner, &fourth, "bystander@example.com", "MEMBER")
        .await;
    assert!(body["data"]["inviteMember"]["id"].is_string(), "{body}");
    app.smtp
        .wait_for("bystander@example.com", 1, crate::support::MAIL_TIMEOUT)
        .await
        .unwrap();
    // Everything queued went out; a refresh drops its predecessor's unsent mail, so the
    // target got at most the five mails the limits allowed.
    let started = std::time::Instant::now();
    loop {
        let (queued, _, failed) = roster_persistence::outbox::status_counts(&app.db)
            .await
            .unwrap();
        if (queued, failed) == (0, 0) {
            break;
        }
        assert!(started.elapsed() < crate::support::MAIL_TIMEOUT);
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let received = app.smtp.received_by("target@example.com").len();
    assert!((3..=5).contains(&received), "{received} mails");
}
