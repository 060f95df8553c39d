//! After delivery: a replay sends the same message again; Roster switches endpoints off at
//! once on `410 Gone` (later events skip them), and after five days of nothing but failed
//! deliveries, mailing the organization's admins.

use serde_json::json;

use crate::support::{MAIL_TIMEOUT, eventually};
use crate::webhook_receiver::{Answer, Receiver};
use crate::webhooks::{WAIT, endpoint, endpoints, send_test, spawn};

#[tokio::test]
async fn gone_disables_the_endpoint_and_later_events_skip_it() {
    let app = spawn().await;
    let receiver = Receiver::start().await;
    receiver.otherwise(Answer::Status(410));
    let owner = app.sign_in("gone-owner@example.com").await;
    let org = app.create_org(&owner, "Gone").await;
    endpoint(&app, &owner, &org, &receiver.url, &["project.created"]).await;
    app.create_project(&owner, &org, "One").await;
    let hooks = eventually("the endpoint to be disabled", WAIT, || async {
        let hooks = endpoints(&app, &owner, &org).await;
        (hooks[0]["enabled"] == false).then_some(hooks)
    })
    .await;
    assert!(hooks[0]["disabledReason"].as_str().unwrap().contains("410"));
    assert_eq!(hooks[0]["deliveries"]["nodes"][0]["status"], "FAILED");
    app.create_project(&owner, &org, "Two").await;
    let hooks = endpoints(&app, &owner, &org).await;
    assert_eq!(
        hooks[0]["deliveries"]["totalCount"], 1,
        "nothing queued for a disabled endpoint"
    );
    assert_eq!(receiver.received().len(), 1);
}

#[tokio::test]
async fn failing_for_five_days_disables_the_endpoint_and_mails_its_admins() {
    let app = spawn().await;
    let receiver = Receiver::start().await;
    receiver.otherwise(Answer::Status(503));
    let owner = app.sign_in("failing-owner@example.com").await;
    let org = app.create_org(&owner, "Failing").await;
    let (id, _) = endpoint(&app, &owner, &org, &receiver.url, &["project.created"]).await;
    send_test(&app, &owner, &id).await;
    receiver.wait_for(1, WAIT).await;
    eventually("the first failure", WAIT, || async {
        let hooks = endpoints(&app, &owner, &org).await;
        (hooks[0]["deliveries"]["nodes"][0]["attempts"] == 1).then_some(())
    })
    .await;
    let hooks = endpoints(&app, &owner, &org).await;
    assert_eq!(hooks[0]["enabled"], true, "one failure is not enough");
    app.clock
        .advance(chrono::Duration::days(5) + chrono::Duration::minutes(1));
    receiver.wait_for(2, WAIT).await;
    let hooks = eventually("the endpoint to be disabled", WAIT, || async {
        let hooks = endpoints(&app, &owner, &org).await;
        (hooks[0]["enabled"] == false).then_some(hooks)
    })
    .await;
    assert!(
        hooks[0]["disabledReason"]
            .as_str()
            .unwrap()
            .contains("5 days")
    );
    let mails = app
        .smtp
        .wait_for(&owner.email, 2, MAIL_TIMEOUT)
        .await
        .expect("the disabled-endpoint mail");
    let mail = mails.last().unwrap();
    assert!(mail.header("Subject").unwrap().contains("switched off"));
    assert!(mail.decoded().contains(&receiver.url));
}

#[tokio::test]
async fn replay_sends_the_same_message_again() {
    let app = spawn().await;
    let receiver = Receiver::start().await;
    let owner = app.sign_in("replay-owner@example.com").await;
    let org = app.create_org(&owner, "Replay").await;
    let (id, secret) = endpoint(&app, &owner, &org, &receiver.url, &["project.created"]).await;
    let body = send_test(&app, &owner, &id).await;
    let delivery = body["data"]["sendTestWebhook"]["id"].clone();
    receiver.wait_for(1, WAIT).await;
    eventually("the test delivery to be sent", WAIT, || async {
        let hooks = endpoints(&app, &owner, &org).await;
        (hooks[0]["deliveries"]["nodes"][0]["status"] == "SENT").then_some(())
    })
    .await;
    let body = app
        .gql(
            Some(&owner.token),
            "mutation($id: ID!) { replayWebhookDelivery(id: $id) { id status } }",
            json!({ "id": delivery }),
        )
        .await;
    assert_eq!(
        body["data"]["replayWebhookDelivery"]["status"], "QUEUED",
        "{body}"
    );
    let requests = receiver.wait_for(2, WAIT).await;
    assert_eq!(requests[0].webhook_id(), requests[1].webhook_id());
    assert_eq!(requests[0].body, requests[1].body);
    assert!(requests[1].verifies_with(&secret));
}
