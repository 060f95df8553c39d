//! Webhooks end to end: every event reaches the endpoints subscribed to it (and no other),
//! signed so an independent Standard Webhooks verifier accepts it, also during a secret
//! rotation; retries keep the `webhook-id`; only admins manage endpoints. Replays and
//! endpoints switched off: `webhooks_delivery.rs`.

use std::time::Duration;

use roster_domain::Role;
use serde_json::{Value, json};

use crate::support::{SignedIn, TestApp, code, eventually};
use crate::webhook_receiver::{Answer, Receiver};

/// How long a test waits for webhook requests.
pub const WAIT: Duration = Duration::from_secs(20);

const ALL_EVENTS: [&str; 16] = [
    "member.joined",
    "member.left",
    "member.role_changed",
    "invitation.created",
    "invitation.accepted",
    "invitation.declined",
    "invitation.revoked",
    "project.created",
    "project.deleted",
    "api_key.created",
    "api_key.deleted",
    "organization.updated",
    "organization.deleted",
    "plan.changed",
    "usage.threshold_crossed",
    "webhook.test",
];

pub async fn spawn() -> TestApp {
    TestApp::spawn_with(&[
        ("ROSTER_WEBHOOKS_ALLOW_PRIVATE", "1"),
        ("ROSTER_WEBHOOK_TIMEOUT_MS", "500"),
    ])
    .await
}

const CREATE: &str = "mutation($o: ID!, $u: String!, $e: [String!]!) { createWebhookEndpoint(organizationId: $o, url: $u, events: $e, description: \"test\") { secret endpoint { id url events enabled } } }";
const DELIVERIES: &str = "query($o: ID!) { organization(id: $o) { webhooks { id enabled disabledReason deliveries(first: 50) { totalCount nodes { id eventType messageId status attempts responseStatus lastError nextAttemptAt attemptLog { responseStatus responseBody error } } } } } }";

/// Registers an endpoint; returns (id, secret).
pub async fn endpoint(
    app: &TestApp,
    user: &SignedIn,
    org: &str,
    url: &str,
    events: &[&str],
) -> (String, String) {
    let body = app
        .gql(
            Some(&user.token),
            CREATE,
            json!({ "o": org, "u": url, "e": events }),
        )
        .await;
    let created = &body["data"]["createWebhookEndpoint"];
    assert!(
        created["secret"]
            .as_str()
            .unwrap_or("")
            .starts_with("whsec_"),
        "{body}"
    );
    (
        created["endpoint"]["id"].as_str().unwrap().to_owned(),
        created["secret"].as_str().unwrap().to_owned(),
    )
}

pub async fn send_test(app: &TestApp, user: &SignedIn, endpoint: &str) -> Value {
    app.gql(
        Some(&user.token),
        "mutation($id: ID!) { sendTestWebhook(id: $id) { id messageId eventType status } }",
        json!({ "id": endpoint }),
    )
    .await
}

/// The organization's endpoints with their delivery logs.
pub async fn endpoints(app: &TestApp, user: &SignedIn, org: &str) -> Value {
    let body = app
        .gql(Some(&user.token), DELIVERIES, json!({ "o": org }))
        .await;
    body["data"]["organization"]["webhooks"].clone()
}

#[tokio::test]
async fn every_event_reaches_subscribed_endpoints_signed_and_no_other() {
    let app = spawn().await;
    let everything = Receiver::start().await;
    let projects_only = Receiver::start().await;
    let owner = app.sign_in("hooks-owner@example.com").await;
    let org = app.create_org(&owner, "Hooked").await;
    let (_, secret) = endpoint(&app, &owner, &org, &everything.url, &ALL_EVENTS).await;
    let (narrow, narrow_secret) =
        endpoint(&app, &owner, &org, &projects_only.url, &["project.created"]).await;

    // Members: join, role change, removal; invitations: revoke, decline.
    let alice = app.sign_in("alice@example.com").await;
    app.join(&owner, &org, &alice, "MEMBER").await;
    let role = "mutation($o: ID!, $u: ID!) { changeMemberRole(organizationId: $o, userId: $u, role: ADMIN) { role } }";
    app.gql(
        Some(&owner.token),
        role,
        json!({ "o": org, "u": alice.user_id }),
    )
    .await;
    let remove = "mutation($o: ID!, $u: ID!) { removeMember(organizationId: $o, userId: $u) }";
    app.gql(
        Some(&owner.token),
        remove,
        json!({ "o": org, "u": alice.user_id }),
    )
    .await;
    let revoked = app.invite(&owner, &org, "bob@example.com", "MEMBER").await;
    let revoke = "mutation($id: ID!) { revokeInvitation(id: $id) { status } }";
    app.gql(
        Some(&owner.token),
        revoke,
        json!({ "id": revoked["data"]["inviteMember"]["id"] }),
    )
    .await;
    let carol = app.sign_in("carol@example.com").await;
    let token = app
        .invite_and_get_token(&owner, &org, &carol.email, "VIEWER")
        .await;
    let decline = "mutation($t: String) { declineInvitation(token: $t) { status } }";
    app.gql(Some(&carol.token), decline, json!({ "t": token }))
        .await;
    // Seats: the owner and three pending invitations are 4 of the free plan's 5 (80 %).
    for email in ["d@example.com", "e@example.com", "f@example.com"] {
        app.invite(&owner, &org, email, "MEMBER").await;
    }
    // Projects and keys.
    let project = app.create_project(&owner, &org, "Website").await;
    let key = "mutation($p: ID!) { createApiKey(projectId: $p, label: \"ci\") { apiKey { id } } }";
    let body = app
        .gql(Some(&owner.token), key, json!({ "p": project }))
        .await;
    let key_id = body["data"]["createApiKey"]["apiKey"]["id"].clone();
    app.gql(
        Some(&owner.token),
        "mutation($id: ID!) { deleteApiKey(id: $id) }",
        json!({ "id": key_id }),
    )
    .await;
    app.gql(
        Some(&owner.token),
        "mutation($id: ID!) { deleteProject(id: $id) }",
        json!({ "id": project }),
    )
    .await;
    // The organization itself.
    app.gql(
        Some(&owner.token),
        "mutation($id: ID!) { updateOrganization(id: $id, name: \"Hooked Inc\") { name } }",
        json!({ "id": org }),
    )
    .await;
    app.gql(
        Some(&owner.token),
        "mutation($o: ID!) { changePlan(organizationId: $o, plan: \"pro\") { plan } }",
        json!({ "o": org }),
    )
    .await;
    let tested = send_test(&app, &owner, &narrow).await;
    assert_eq!(
        tested["data"]["sendTestWebhook"]["eventType"], "webhook.test",
        "{tested}"
    );
    let deleted = app
        .gql(
            Some(&owner.token),
            "mutation($id: ID!) { deleteOrganization(id: $id, confirmName: \"Hooked Inc\") }",
            json!({ "id": org }),
        )
        .await;
    assert_eq!(deleted["data"]["deleteOrganization"], org, "{deleted}");

    let types = eventually(
        "every event type at the catch-all endpoint",
        WAIT,
        || async {
            let types: std::collections::BTreeSet<String> = everything
                .received()
                .iter()
                .map(|request| request.event_type())
                .collect();
            (types.len() >= ALL_EVENTS.len() - 1).then_some(types)
        },
    )
    .await;
    for event in ALL_EVENTS.iter().filter(|event| **event != "webhook.test") {
        assert!(types.contains(*event), "{event} missing from {types:?}");
    }
    for request in everything.received() {
        assert!(
            request.verifies_with(&secret),
            "signature of {}",
            request.body
        );
        assert!(
            !request.verifies_with(&narrow_secret),
            "another endpoint's secret"
        );
        assert!(request.webhook_id().starts_with("msg_"));
        let body = request.json();
        assert!(
            body["timestamp"].is_string() && body["data"].is_object(),
            "{body}"
        );
        for secret_like in ["whsec_", "sk_", "rsk_", "token"] {
            assert!(
                !request.body.contains(secret_like),
                "{secret_like} in {}",
                request.body
            );
        }
    }
    let joined = everything
        .wait_for_event("member.joined", WAIT)
        .await
        .json();
    assert_eq!(joined["data"]["userId"], alice.user_id.as_str(), "{joined}");
    assert_eq!(joined["data"]["email"], "alice@example.com");
    assert_eq!(joined["data"]["role"], "MEMBER");
    assert_eq!(joined["data"]["organizationId"], org.as_str());
    let left = everything.wait_for_event("member.left", WAIT).await.json();
    assert_eq!(left["data"]["reason"], "removed", "{left}");
    assert_eq!(left["data"]["email"], "alice@example.com");
    let changed = everything
        .wait_for_event("member.role_changed", WAIT)
        .await
        .json();
    assert_eq!(
        (
            changed["data"]["from"].as_str(),
            changed["data"]["to"].as_str()
        ),
        (Some("MEMBER"), Some("ADMIN"))
    );
    let plan = everything.wait_for_event("plan.changed", WAIT).await.json();
    assert_eq!(plan["data"]["to"], "pro", "{plan}");
    let usage = everything
        .wait_for_event("usage.threshold_crossed", WAIT)
        .await
        .json();
    assert_eq!(
        (
            usage["data"]["metric"].as_str(),
            usage["data"]["percent"].as_u64()
        ),
        (Some("seats"), Some(80)),
        "{usage}"
    );

    // The narrow endpoint got its one subscription (and the test sent to it), nothing else.
    let narrow_types = eventually("the narrow endpoint's two events", WAIT, || async {
        let received = projects_only.received();
        (received.len() >= 2).then_some(received)
    })
    .await;
    let mut narrow_types: Vec<String> = narrow_types.iter().map(|r| r.event_type()).collect();
    narrow_types.sort();
    assert_eq!(narrow_types, ["project.created", "webhook.test"]);
    assert!(
        projects_only
            .received()
            .iter()
            .all(|r| r.verifies_with(&narrow_secret))
    );
}

#[tokio::test]
async fn retries_after_errors_and_timeouts_keep_the_webhook_id() {
    let app = spawn().await;
    let receiver = Receiver::start().await;
    receiver.script(&[Answer::Status(500), Answer::Stall(Duration::from_secs(2))]);
    let owner = app.sign_in("retry-owner@example.com").await;
    let org = app.create_org(&owner, "Retry").await;
    let (id, secret) = endpoint(&app, &owner, &org, &receiver.url, &["project.created"]).await;
    app.create_project(&owner, &org, "Website").await;

    receiver.wait_for(1, WAIT).await;
    let queued = eventually("the first failure to be recorded", WAIT, || async {
        let hooks = endpoints(&app, &owner, &org).await;
        let delivery = hooks[0]["deliveries"]["nodes"][0].clone();
        (delivery["attempts"] == 1).then_some(delivery)
    })
    .await;
    assert_eq!(queued["status"], "QUEUED");
    assert_eq!(queued["responseStatus"], 500);
    assert!(queued["nextAttemptAt"].is_string(), "{queued}");
    // The schedule waits 5 s (plus jitter) before the second attempt: not before.
    assert_eq!(receiver.received().len(), 1);
    app.clock.advance(chrono::Duration::seconds(6));
    receiver.wait_for(2, WAIT).await;
    eventually("the timeout to be recorded", WAIT, || async {
        let hooks = endpoints(&app, &owner, &org).await;
        (hooks[0]["deliveries"]["nodes"][0]["attempts"] == 2).then_some(())
    })
    .await;
    // Then 5 minutes.
    app.clock.advance(chrono::Duration::seconds(6 * 60));
    let requests = receiver.wait_for(3, WAIT).await;
    let delivery = eventually("the delivery to be sent", WAIT, || async {
        let hooks = endpoints(&app, &owner, &org).await;
        let delivery = hooks[0]["deliveries"]["nodes"][0].clone();
        (delivery["status"] == "SENT").then_some(delivery)
    })
    .await;
    let ids: Vec<&str> = requests.iter().map(|r| r.webhook_id()).collect();
    assert_eq!(ids, [ids[0]; 3], "one webhook-id across retries");
    assert_eq!(delivery["messageId"], ids[0]);
    assert!(requests.iter().all(|r| r.verifies_with(&secret)));
    assert_eq!(requests[0].body, requests[2].body, "the same body");
    let log = delivery["attemptLog"].as_array().unwrap();
    assert_eq!(log.len(), 3, "{delivery}");
    assert_eq!(log[0]["responseStatus"], 500);
    let kept = log[0]["responseBody"].as_str().unwrap();
    assert_eq!(kept.len(), 1024, "the first 1 KiB of a 2 KiB answer");
    assert!(kept.starts_with("error 500 "));
    assert_eq!(log[1]["responseStatus"], Value::Null);
    assert!(
        log[1]["error"].as_str().unwrap().contains("in time"),
        "{delivery}"
    );
    assert_eq!(log[2]["responseStatus"], 200);
    assert_eq!(delivery["attempts"], 3);
    assert!(!id.is_empty());
}

#[tokio::test]
async fn a_rotation_signs_with_both_secrets_for_a_day() {
    let app = spawn().await;
    let receiver = Receiver::start().await;
    let owner = app.sign_in("rotate-owner@example.com").await;
    let org = app.create_org(&owner, "Rotate").await;
    let (id, old) = endpoint(&app, &owner, &org, &receiver.url, &["project.created"]).await;
    let body = app
        .gql(
            Some(&owner.token),
            "mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret endpoint { id } } }",
            json!({ "id": id }),
        )
        .await;
    let new = body["data"]["rotateWebhookSecret"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(new, old);
    send_test(&app, &owner, &id).await;
    let during = receiver.wait_for(1, WAIT).await.remove(0);
    assert_eq!(during.header("webhook-signature").split(' ').count(), 2);
    assert!(during.verifies_with(&old) && during.verifies_with(&new));

    app.clock.advance(chrono::Duration::hours(25));
    send_test(&app, &owner, &id).await;
    let after = receiver.wait_for(2, WAIT).await.remove(1);
    assert_eq!(after.header("webhook-signature").split(' ').count(), 1);
    assert!(after.verifies_with(&new));
    assert!(!after.verifies_with(&old), "the old secret stopped signing");
    let actions = app.audit_actions(&org).await;
    assert!(actions.contains(&roster_domain::AuditAction::WebhookSecretRotated));
}

#[tokio::test]
async fn only_admins_manage_endpoints_and_input_is_checked() {
    let app = spawn().await;
    let owner = app.sign_in("acl-owner@example.com").await;
    let org = app.create_org(&owner, "Guarded").await;
    let member = app.sign_in("acl-member@example.com").await;
    app.add_member(&org, &member, Role::Member).await;
    let outsider = app.sign_in("acl-outsider@example.com").await;
    let url = "https://hooks.example.com/roster";
    let events = json!(["member.joined"]);

    let body = app
        .gql(
            Some(&member.token),
            CREATE,
            json!({ "o": org, "u": url, "e": events }),
        )
        .await;
    assert_eq!(code(&body), "FORBIDDEN", "{body}");
    let body = app
        .gql(
            Some(&outsider.token),
            CREATE,
            json!({ "o": org, "u": url, "e": events }),
        )
        .await;
    assert_eq!(code(&body), "NOT_FOUND", "{body}");
    let body = app
        .gql(
            Some(&owner.token),
            CREATE,
            json!({ "o": org, "u": url, "e": ["member.exploded"] }),
        )
        .await;
    assert_eq!(code(&body), "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["field"], "events");
    let body = app
        .gql(
            Some(&owner.token),
            CREATE,
            json!({ "o": org, "u": "not a url", "e": events }),
        )
        .await;
    assert_eq!(body["errors"][0]["extensions"]["field"], "url", "{body}");

    let (id, _) = endpoint(&app, &owner, &org, url, &["member.joined"]).await;
    let listing = app
        .gql(
            Some(&member.token),
            "query($o: ID!) { organization(id: $o) { webhooks { id } } }",
            json!({ "o": org }),
        )
        .await;
    assert_eq!(code(&listing), "FORBIDDEN", "members do not see endpoints");
    for (who, expected) in [(&member, "FORBIDDEN"), (&outsider, "NOT_FOUND")] {
        for mutation in [
            "mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }",
            "mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }",
            "mutation($id: ID!) { sendTestWebhook(id: $id) { id } }",
            "mutation($id: ID!) { updateWebhookEndpoint(id: $id, enabled: false) { id } }",
        ] {
            let body = app
                .gql(Some(&who.token), mutation, json!({ "id": id }))
                .await;
            assert_eq!(code(&body), expected, "{mutation}: {body}");
        }
    }
    let missing = app
        .gql(
            Some(&owner.token),
            "mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }",
            json!({ "id": uuid::Uuid::now_v7() }),
        )
        .await;
    assert_eq!(code(&missing), "NOT_FOUND");
    let body = app
        .gql(
            Some(&owner.token),
            "mutation($id: ID!) { updateWebhookEndpoint(id: $id, events: [\"project.created\", \"member.left\"], description: \"prod\") { events description enabled } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        body["data"]["updateWebhookEndpoint"]["events"],
        json!(["member.left", "project.created"]),
        "{body}"
    );
    let body = app
        .gql(
            Some(&owner.token),
            "mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(body["data"]["deleteWebhookEndpoint"], id.as_str());
    let actions = app.audit_actions(&org).await;
    for action in [
        roster_domain::AuditAction::WebhookEndpointCreated,
        roster_domain::AuditAction::WebhookEndpointUpdated,
        roster_domain::AuditAction::WebhookEndpointDeleted,
    ] {
        assert!(actions.contains(&action), "{action} audited");
    }
}
