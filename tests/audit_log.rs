//! The audit log: what each event records (users and API keys), filters, keyset pages
//! under concurrent inserts, the client IP rules, retention and pruning, and index use
//! at 100k events (EXPLAIN).

use chrono::Duration;
use roster_domain::AuditAction;
use serde_json::{Value, json};

use crate::support::{SignedIn, TestApp, code, eventually};

const LOG: &str = "query($id: ID, $filter: AuditLogFilter, $first: Int, $after: String) { organization(id: $id) { auditLog(filter: $filter, first: $first, after: $after) {
  totalCount pageInfo { hasNextPage endCursor } nodes { id action actorEmail actorId actorType actorLabel targetId projectId ip userAgent context occurredAt } } } }";

async fn log(app: &TestApp, user: &SignedIn, org: &str, filter: Value) -> Value {
    let body = app
        .gql(
            Some(&user.token),
            LOG,
            json!({ "id": org, "filter": filter, "first": 100 }),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["organization"]["auditLog"].clone()
}

fn actions(page: &Value) -> Vec<AuditAction> {
    page["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| AuditAction::parse(n["action"].as_str().unwrap()).unwrap())
        .collect()
}

#[tokio::test]
async fn events_record_actor_target_ip_agent_and_context_and_filters_narrow_them() {
    let app = TestApp::spawn().await;
    let owner = app.sign_in("owner@example.com").await;
    let member = app.sign_in("member@example.com").await;
    let org = app.create_org(&owner, "Team").await;
    app.join(&owner, &org, &member, "MEMBER").await;
    let web = app.create_project(&member, &org, "Web").await;
    let api = app.create_project(&owner, &org, "Api").await;
    let (key_id, secret) = app.create_key(&owner, &api, None).await;
    app.gql(
        Some(&secret),
        "mutation($id: ID!) { renameProject(id: $id, name: \"Api v2\") { id } }",
        json!({ "id": api }),
    )
    .await;

    let all = log(&app, &member, &org, Value::Null).await;
    assert_eq!(
        actions(&all),
        [
            AuditAction::ProjectRenamed,
            AuditAction::ApiKeyCreated,
            AuditAction::ProjectCreated,
            AuditAction::ProjectCreated,
            AuditAction::InvitationAccepted,
            AuditAction::MemberInvited,
            AuditAction::OrganizationCreated
        ],
        "newest first, readable by a member"
    );
    assert_eq!(all["totalCount"], 7);
    let renamed = &all["nodes"][0];
    assert_eq!(renamed["actorType"], "API_KEY");
    assert_eq!(renamed["actorId"], key_id.as_str());
    assert_eq!(renamed["actorLabel"], "ci");
    assert_eq!(renamed["projectId"], api.as_str());
    assert_eq!(renamed["context"], json!({ "from": "Api", "to": "Api v2" }));
    let created = &all["nodes"][3];
    assert_eq!(created["actorEmail"], "member@example.com");
    assert_eq!(created["actorType"], "USER");
    assert_eq!(created["targetId"], web.as_str());
    assert_eq!(created["ip"], "127.0.0.1");
    assert!(created["userAgent"].is_string() || created["userAgent"].is_null());

    let by_member = log(&app, &owner, &org, json!({ "actorId": member.user_id })).await;
    assert_eq!(
        actions(&by_member),
        [AuditAction::ProjectCreated, AuditAction::InvitationAccepted]
    );
    let by_key = log(&app, &owner, &org, json!({ "actorId": key_id })).await;
    assert_eq!(actions(&by_key), [AuditAction::ProjectRenamed]);
    let by_action = log(
        &app,
        &owner,
        &org,
        json!({ "action": AuditAction::ProjectCreated.as_str() }),
    )
    .await;
    assert_eq!(by_action["totalCount"], 2);
    let by_project = log(&app, &owner, &org, json!({ "projectId": api })).await;
    assert_eq!(
        actions(&by_project),
        [
            AuditAction::ProjectRenamed,
            AuditAction::ApiKeyCreated,
            AuditAction::ProjectCreated
        ]
    );
    let combined = log(
        &app,
        &owner,
        &org,
        json!({ "projectId": api, "action": AuditAction::ProjectCreated.as_str() }),
    )
    .await;
    assert_eq!(combined["totalCount"], 1);

    let newest = all["nodes"][0]["occurredAt"].as_str().unwrap();
    let since = log(&app, &owner, &org, json!({ "since": newest })).await;
    assert!(actions(&since).contains(&AuditAction::ProjectRenamed));
    let until = log(
        &app,
        &owner,
        &org,
        json!({ "until": all["nodes"][6]["occurredAt"] }),
    )
    .await;
    assert_eq!(until["totalCount"], 0, "until is exclusive");
    app.clock.advance(Duration::hours(1));
    let later = chrono::Utc::now() + Duration::minutes(30);
    let none = log(&app, &owner, &org, json!({ "since": later.to_rfc3339() })).await;
    assert_eq!(none["totalCount"], 0);

    let bad = app
        .gql(
            Some(&owner.token),
            LOG,
            json!({ "id": org, "filter": { "actorId": "nope" } }),
        )
        .await;
    assert_eq!(code(&bad), "BAD_USER_INPUT");
}

#[tokio::test]
async fn a_removed_members_events_keep_their_email() {
    let app = TestApp::spawn().await;
    let owner = app.sign_in("owner@example.com").await;
    let member = app.sign_in("leaver@example.com").await;
    let org = app.create_org(&owner, "Team").await;
    app.join(&owner, &org, &member, "MEMBER").await;
    app.create_project(&member, &org, "Left behind").await;
    app.gql(
        Some(&owner.token),
        "mutation($o: ID!, $u: ID!) { removeMember(organizationId: $o, userId: $u) }",
        json!({ "o": org, "u": member.user_id }),
    )
    .await;
    let events = log(&app, &owner, &org, json!({ "actorId": member.user_id })).await;
    assert_eq!(
        events["nodes"][0]["actorEmail"], "leaver@example.com",
        "{events}"
    );
    let removed = log(
        &app,
        &owner,
        &org,
        json!({ "action": AuditAction::MemberRemoved.as_str() }),
    )
    .await;
    assert_eq!(
        removed["nodes"][0]["context"]["email"],
        "leaver@example.com"
    );
}

#[tokio::test]
async fn pages_neither_overlap_nor_skip_under_concurrent_inserts() {
    let app = TestApp::spawn().await;
    let owner = app.sign_in("owner@example.com").await;
    let org = app.create_org(&owner, "Busy").await;
    app.unlimited(&org).await;
    for index in 0..12 {
        app.create_project(&owner, &org, &format!("P{index}")).await;
    }
    let page = |after: Value| {
        app.gql(
            Some(&owner.token),
            LOG,
            json!({ "id": org, "first": 5, "after": after }),
        )
    };
    let first = page(Value::Null).await;
    let mut seen: Vec<String> = first["data"]["organization"]["auditLog"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_owned())
        .collect();
    let mut cursor = first["data"]["organization"]["auditLog"]["pageInfo"]["endCursor"].clone();
    let mut extra = 0;
    loop {
        // Someone keeps writing while we page.
        let name = format!("During {extra}");
        let (body, _) = tokio::join!(
            page(cursor.clone()),
            app.create_project(&owner, &org, &name)
        );
        extra += 1;
        let connection = &body["data"]["organization"]["auditLog"];
        seen.extend(
            connection["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n["id"].as_str().unwrap().to_owned()),
        );
        if connection["pageInfo"]["hasNextPage"] == false {
            break;
        }
        cursor = connection["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(
        seen.len(),
        13,
        "12 projects + the org's creation, each once"
    );
    let mut sorted = seen.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    sorted.dedup();
    assert_eq!(sorted.len(), 13, "no overlap");
}

#[tokio::test]
async fn the_client_ip_comes_from_the_socket_unless_the_peer_is_a_trusted_proxy() {
    for (trusted, expected) in [(None, "127.0.0.1"), (Some("127.0.0.1"), "203.0.113.7")] {
        let extra: Vec<(&str, &str)> = trusted
            .map(|ip| vec![("ROSTER_TRUSTED_PROXIES", ip)])
            .unwrap_or_default();
        let app = TestApp::spawn_with(&extra).await;
        let owner = app.sign_in("owner@example.com").await;
        let body: Value = app
            .http
            .post(format!("{}/graphql", app.base))
            .bearer_auth(&owner.token)
            .header("x-forwarded-for", "198.51.100.1, 203.0.113.7")
            .header("user-agent", "audit-test/1.0")
            .json(&json!({ "query": "mutation { createOrganization(name: \"Proxied\") { id } }" }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let org = body["data"]["createOrganization"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let events = log(&app, &owner, &org, Value::Null).await;
        assert_eq!(events["nodes"][0]["ip"], expected, "trusted = {trusted:?}");
        assert_eq!(events["nodes"][0]["userAgent"], "audit-test/1.0");
    }
}

#[tokio::test]
async fn retention_is_an_admin_setting_and_pruning_removes_only_old_events() {
    // Sessions outlive the jump in time below.
    let app = TestApp::spawn_with(&[("ROSTER_SESSION_TTL_DAYS", "365")]).await;
    let owner = app.sign_in("owner@example.com").await;
    let member = app.sign_in("member@example.com").await;
    let org = app.create_org(&owner, "Team").await;
    let keep_forever = app.create_org(&owner, "Forever").await;
    app.join(&owner, &org, &member, "MEMBER").await;
    let set = "mutation($o: ID!, $d: Int) { setAuditRetention(organizationId: $o, days: $d) { auditRetentionDays } }";
    let body = app
        .gql(Some(&member.token), set, json!({ "o": org, "d": 30 }))
        .await;
    assert_eq!(code(&body), "FORBIDDEN");
    let body = app
        .gql(Some(&owner.token), set, json!({ "o": org, "d": 45 }))
        .await;
    assert_eq!(code(&body), "BAD_USER_INPUT");
    let body = app
        .gql(Some(&owner.token), set, json!({ "o": org, "d": 30 }))
        .await;
    assert_eq!(
        body["data"]["setAuditRetention"]["auditRetentionDays"], 30,
        "{body}"
    );

    let before = log(&app, &owner, &org, Value::Null).await["totalCount"]
        .as_i64()
        .unwrap();
    app.clock.advance(Duration::days(31));
    app.create_project(&owner, &org, "Recent").await;
    app.create_project(&owner, &keep_forever, "Old but kept")
        .await;
    let pruned = app.roster().prune_audit_log().await.unwrap();
    assert_eq!(pruned, u64::try_from(before).unwrap());
    let after = log(&app, &owner, &org, Value::Null).await;
    assert_eq!(
        actions(&after),
        [AuditAction::ProjectCreated],
        "only the recent event is left"
    );
    let forever = log(&app, &owner, &keep_forever, Value::Null).await;
    assert_eq!(forever["totalCount"], 2, "no retention, nothing pruned");

    let body = app
        .gql(Some(&owner.token), set, json!({ "o": org, "d": null }))
        .await;
    assert_eq!(
        body["data"]["setAuditRetention"]["auditRetentionDays"],
        Value::Null
    );
}

#[tokio::test]
async fn the_background_job_prunes_on_its_own() {
    let app = TestApp::spawn_with(&[("ROSTER_AUDIT_PRUNE_INTERVAL_SECONDS", "1")]).await;
    let owner = app.sign_in("owner@example.com").await;
    let org = app.create_org(&owner, "Team").await;
    app.gql(
        Some(&owner.token),
        "mutation($o: ID!) { setAuditRetention(organizationId: $o, days: 60) { id } }",
        json!({ "o": org }),
    )
    .await;
    app.clock.advance(Duration::days(61));
    eventually(
        "the background job to prune",
        std::time::Duration::from_secs(20),
        || async { app.audit_actions(&org).await.is_empty().then_some(()) },
    )
    .await;
}

/// The API pages a filtered log of seeded events. (That such pages are served from an
/// index, by EXPLAIN over 100k events, is checked in the persistence tests.)
#[tokio::test]
async fn a_filtered_page_of_seeded_events_comes_through_the_api() {
    use sea_orm::{ConnectionTrait, DatabaseBackend};

    let app = TestApp::spawn().await;
    let owner = app.sign_in("owner@example.com").await;
    let org = app.create_org(&owner, "Huge").await;
    let org_id = uuid::Uuid::parse_str(&org).unwrap();
    let backend = app.db.get_database_backend();
    let seed = match backend {
        DatabaseBackend::Postgres => format!(
            "INSERT INTO audit_events (id, organization_id, action, actor_user_id, context, occurred_at)
             SELECT gen_random_uuid(), '{org}', CASE WHEN i % 10 = 0 THEN 'member.invited' ELSE 'project.created' END,
                    '{}', '{{}}'::jsonb, now() - (i || ' seconds')::interval
             FROM generate_series(1, 1500) AS i",
            owner.user_id
        ),
        _ => format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1500)
             INSERT INTO audit_events (id, organization_id, action, actor_user_id, context, occurred_at)
             SELECT randomblob(16), X'{}', CASE WHEN i % 10 = 0 THEN 'member.invited' ELSE 'project.created' END,
                    X'{}', '{{}}', strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now', '-' || i || ' seconds')
             FROM n",
            org_id.simple(),
            uuid::Uuid::parse_str(&owner.user_id).unwrap().simple()
        ),
    };
    app.db.execute_unprepared(&seed).await.unwrap();
    app.db.execute_unprepared("ANALYZE").await.unwrap();

    // And the API answers a filtered page from the seeded log.
    let page = log(
        &app,
        &owner,
        &org,
        json!({ "action": AuditAction::MemberInvited.as_str() }),
    )
    .await;
    assert_eq!(page["nodes"].as_array().unwrap().len(), 100);
    assert_eq!(page["pageInfo"]["hasNextPage"], true);
}
