//! Threshold mail: crossing 80 % and 100 % of a metered limit mails the billing email and
//! the owners and admins who keep usage warnings on, once per crossing per period (not
//! again on the next increment, again once the next period starts from zero).

use roster_domain::Role;
use serde_json::json;

use crate::support::{MAIL_TIMEOUT, TestApp, eventually};
use crate::usage::{org_with_key, record, skip_to_next_month, spawn};

/// How many usage warnings `to` has been sent, once the outbox has settled.
async fn warnings_to(app: &TestApp, to: &str) -> usize {
    eventually("the outbox to settle", MAIL_TIMEOUT, || async {
        (roster_persistence::outbox::queued_depth(&app.db)
            .await
            .unwrap()
            == 0)
            .then_some(())
    })
    .await;
    app.smtp
        .received_by(to)
        .iter()
        .filter(|mail| {
            mail.header("Subject")
                .is_some_and(|subject| subject.contains("% of its"))
        })
        .count()
}

#[tokio::test]
async fn crossing_80_and_100_percent_mails_each_recipient_once_per_period() {
    let (app, _plans) = spawn().await;
    let (owner, org, key) = org_with_key(&app, "warned-owner@example.com").await;
    let admin = app.sign_in("quiet-admin@example.com").await;
    app.add_member(&org, &admin, Role::Admin).await;
    let set =
        "mutation($id: ID!, $b: String) { updateOrganization(id: $id, billingEmail: $b) { id } }";
    app.gql(
        Some(&owner.token),
        set,
        json!({ "id": org, "b": "billing@example.com" }),
    )
    .await;
    let quiet = "mutation($o: ID!) { updateNotificationPreferences(organizationId: $o, usageWarnings: false) { usageWarnings } }";
    app.gql(Some(&admin.token), quiet, json!({ "o": org }))
        .await;

    // The limit is 10 analyses a month: 7 stays below 80 %.
    record(&app, &key, None, "analyses", 7, "k1").await;
    assert_eq!(warnings_to(&app, "billing@example.com").await, 0);
    record(&app, &key, None, "analyses", 1, "k2").await;
    assert_eq!(warnings_to(&app, "billing@example.com").await, 1, "80 %");
    assert_eq!(warnings_to(&app, &owner.email).await, 1);
    assert_eq!(warnings_to(&app, &admin.email).await, 0, "opted out");
    record(&app, &key, None, "analyses", 1, "k3").await;
    assert_eq!(
        warnings_to(&app, "billing@example.com").await,
        1,
        "not again at 90 %"
    );
    record(&app, &key, None, "analyses", 1, "k4").await;
    assert_eq!(warnings_to(&app, "billing@example.com").await, 2, "100 %");
    let mail = app.smtp.received_by(&owner.email).last().unwrap().decoded();
    assert!(mail.contains("used 10 of 10 analyses"), "{mail}");

    // A new month starts from zero: crossing 80 % mails again.
    skip_to_next_month(&app);
    record(&app, &key, None, "analyses", 9, "k5").await;
    assert_eq!(warnings_to(&app, "billing@example.com").await, 3);
    assert_eq!(warnings_to(&app, &owner.email).await, 3);
}

#[tokio::test]
async fn seats_warn_at_80_and_100_percent_and_again_after_falling_back() {
    let app = TestApp::spawn().await;
    let owner = app.sign_in("seat-watcher@example.com").await;
    let org = app.create_org(&owner, "Seat Watch").await;
    // The free plan has 5 seats; the owner holds one.
    let mut ids = Vec::new();
    for n in 1..=3 {
        let body = app
            .invite(&owner, &org, &format!("seat{n}@example.com"), "MEMBER")
            .await;
        ids.push(
            body["data"]["inviteMember"]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
        assert_eq!(
            warnings_to(&app, &owner.email).await,
            usize::from(n == 3),
            "{n}"
        );
    }
    app.invite(&owner, &org, "seat4@example.com", "MEMBER")
        .await;
    assert_eq!(warnings_to(&app, &owner.email).await, 2, "100 %");
    let mail = app.smtp.received_by(&owner.email).last().unwrap().decoded();
    assert!(mail.contains("used 5 of 5 seats"), "{mail}");
    // Back below 80 % and up again: a new crossing.
    for id in &ids[..2] {
        app.gql(
            Some(&owner.token),
            "mutation($id: ID!) { revokeInvitation(id: $id) { status } }",
            json!({ "id": id }),
        )
        .await;
    }
    app.invite(&owner, &org, "seat5@example.com", "MEMBER")
        .await;
    assert_eq!(warnings_to(&app, &owner.email).await, 3, "80 % again");
}
