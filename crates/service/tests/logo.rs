//! Logo rules at the use-case layer: admins and admin API keys set and remove logos,
//! members are refused with the role they need, strangers find no organization, and only
//! real changes are audited (the same image twice, or removing no logo, records nothing).

use roster_domain::{NewLogo, Role};
use roster_service::{AuditFilter, Error, Principal};

use crate::support::{actor, request, service};

fn png(tail: u8) -> NewLogo {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend_from_slice(&[tail; 64]);
    NewLogo::parse(bytes).unwrap()
}

async fn update_events(
    service: &crate::support::Service,
    principal: &Principal,
    org: uuid::Uuid,
) -> Vec<serde_json::Value> {
    let filter = AuditFilter {
        action: Some("organization.updated".into()),
        ..AuditFilter::default()
    };
    let seen = service
        .roster
        .organization(principal, roster_service::OrganizationKey::Id(org))
        .await
        .unwrap()
        .unwrap();
    service
        .roster
        .audit_log(&seen, &filter, Some(100), None)
        .await
        .unwrap()
        .events
        .into_iter()
        .map(|event| serde_json::from_str(&event.context).unwrap())
        .collect()
}

#[tokio::test]
async fn admins_set_and_remove_logos_and_only_changes_are_audited() {
    let service = service().await;
    let owner = service.sign_in("logo-owner@example.com").await;
    let org = service
        .roster
        .create_organization(actor(&owner), "Branded", None, &request())
        .await
        .unwrap()
        .organization
        .id;
    let logo = png(1);
    let etag = service
        .roster
        .set_logo(&owner, org, &logo, &request())
        .await
        .unwrap();
    assert_eq!(etag, logo.etag());
    assert_eq!(service.roster.logo_etag(org).await.unwrap(), Some(etag));
    let stored = service.roster.logo(org).await.unwrap().unwrap();
    assert_eq!(stored.bytes, logo.bytes());
    // The same image again is no change.
    service
        .roster
        .set_logo(&owner, org, &logo, &request())
        .await
        .unwrap();
    let events = update_events(&service, &owner, org).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["changed"], serde_json::json!(["logo"]));
    assert_eq!(events[0]["after"]["logo"], logo.etag());
    assert_eq!(events[0]["after"]["contentType"], "image/png");

    service
        .roster
        .remove_logo(&owner, org, &request())
        .await
        .unwrap();
    service
        .roster
        .remove_logo(&owner, org, &request())
        .await
        .unwrap();
    assert_eq!(service.roster.logo(org).await.unwrap(), None);
    let events = update_events(&service, &owner, org).await;
    assert_eq!(events.len(), 2, "{events:?}");
    // Newest first.
    assert_eq!(events[0]["changed"], serde_json::json!(["logo"]));
    assert_eq!(events[0]["before"]["logo"], logo.etag());
    assert_eq!(events[0]["after"]["logo"], serde_json::Value::Null);
}

#[tokio::test]
async fn members_are_refused_strangers_find_nothing_and_admin_keys_may() {
    let service = service().await;
    let owner = service.sign_in("logo-owner@example.com").await;
    let member = service.sign_in("logo-member@example.com").await;
    let stranger = service.sign_in("logo-stranger@example.com").await;
    let org = service
        .roster
        .create_organization(actor(&owner), "Branded", None, &request())
        .await
        .unwrap()
        .organization
        .id;
    roster_persistence::memberships::insert(
        &service.db,
        org,
        actor(&member).user.id,
        Role::Member,
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    let logo = png(2);
    let refused = service
        .roster
        .set_logo(&member, org, &logo, &request())
        .await;
    assert!(
        matches!(
            refused,
            Err(Error::Forbidden {
                required_role: Role::Admin
            })
        ),
        "{refused:?}"
    );
    let refused = service.roster.remove_logo(&member, org, &request()).await;
    assert!(
        matches!(refused, Err(Error::Forbidden { .. })),
        "{refused:?}"
    );
    for missing in [org, uuid::Uuid::now_v7()] {
        let refused = service
            .roster
            .set_logo(&stranger, missing, &logo, &request())
            .await;
        assert!(matches!(refused, Err(Error::NotFound(_))), "{refused:?}");
        let refused = service
            .roster
            .remove_logo(&stranger, missing, &request())
            .await;
        assert!(matches!(refused, Err(Error::NotFound(_))), "{refused:?}");
    }
    assert_eq!(service.roster.logo(org).await.unwrap(), None);

    let project = service
        .roster
        .create_project(&owner, org, "site", &request())
        .await
        .unwrap();
    let key = service
        .roster
        .create_api_key(&owner, project.id, "deploy", Some(Role::Admin), &request())
        .await
        .unwrap();
    let key = service
        .roster
        .authenticate(key.secret.expose())
        .await
        .unwrap()
        .unwrap();
    service
        .roster
        .set_logo(&key, org, &logo, &request())
        .await
        .unwrap();
    assert_eq!(
        service.roster.logo_etag(org).await.unwrap().as_deref(),
        Some(logo.etag())
    );
}

#[tokio::test]
async fn every_organization_update_names_the_fields_it_changed() {
    let service = service().await;
    let owner = service.sign_in("fields-owner@example.com").await;
    let org = service
        .roster
        .create_organization(actor(&owner), "Before", None, &request())
        .await
        .unwrap()
        .organization
        .id;
    let changes = roster_service::OrganizationChanges {
        name: Some("After"),
        billing_email: Some("ap@example.com"),
        ..Default::default()
    };
    service
        .roster
        .update_organization(&owner, org, changes, &request())
        .await
        .unwrap();
    let changes = roster_service::OrganizationChanges {
        name: Some("After"),
        settings: Some(serde_json::json!({ "region": "eu" })),
        ..Default::default()
    };
    service
        .roster
        .update_organization(&owner, org, changes, &request())
        .await
        .unwrap();
    service
        .roster
        .set_logo(&owner, org, &png(3), &request())
        .await
        .unwrap();
    let changed: Vec<serde_json::Value> = update_events(&service, &owner, org)
        .await
        .into_iter()
        .map(|context| context["changed"].clone())
        .collect();
    assert_eq!(
        changed,
        [
            serde_json::json!(["logo"]),
            serde_json::json!(["settings"]),
            serde_json::json!(["name", "billingEmail"]),
        ]
    );
}
