//! The weekly summary: members who turned `weeklySummary` on get last week's audit log of
//! their organization in numbers, at most once per week per member, even when several
//! processes run the job at once; members who did not, and quiet weeks, get nothing.

use chrono::Duration;
use serde_json::json;
use test_support::ReceivedMail;

use crate::support::{MAIL_TIMEOUT, SignedIn, TestApp};

const SUBJECT: &str = "Your week in";

async fn set_summary(app: &TestApp, user: &SignedIn, org: &str, on: bool) {
    let body = app
        .gql(
            Some(&user.token),
            "mutation($o: ID!, $on: Boolean) { updateNotificationPreferences(organizationId: $o, weeklySummary: $on) { weeklySummary } }",
            json!({ "o": org, "on": on }),
        )
        .await;
    assert_eq!(
        body["data"]["updateNotificationPreferences"]["weeklySummary"], on,
        "{body}"
    );
}

/// How many weekly summaries were queued for `to` (exact at once: the job has committed).
async fn summaries_queued(app: &TestApp, to: &str) -> usize {
    app.outbox_to(to)
        .await
        .iter()
        .filter(|row| row.kind == "weekly_summary")
        .count()
}

/// The weekly summaries delivered to `to`, once every message to them has settled.
async fn summaries_received(app: &TestApp, to: &str) -> Vec<ReceivedMail> {
    app.settled_outbox_to(to).await;
    app.smtp
        .received_by(to)
        .into_iter()
        .filter(|mail| {
            mail.header("Subject")
                .is_some_and(|subject| subject.starts_with(SUBJECT))
        })
        .collect()
}

#[tokio::test]
async fn an_opted_in_member_gets_last_weeks_numbers_and_others_get_none() {
    let app = TestApp::spawn().await;
    let owner = app.sign_in("digest-owner@example.com").await;
    let org = app.create_org(&owner, "Digest & Co").await;
    app.unlimited(&org).await;
    let bob = app.sign_in("digest-bob@example.com").await;
    let cyd = app.sign_in("digest-cyd@example.com").await;
    app.join(&owner, &org, &bob, "MEMBER").await;
    app.join(&owner, &org, &cyd, "ADMIN").await;
    set_summary(&app, &owner, &org, true).await;
    // Cyd turns it on and off again; Bob keeps the default (off).
    set_summary(&app, &cyd, &org, true).await;
    set_summary(&app, &cyd, &org, false).await;
    let project = app.create_project(&owner, &org, "api").await;
    app.create_project(&cyd, &org, "web").await;
    app.create_key(&owner, &project, None).await;
    let events = app.audit_actions(&org).await.len();

    // Nothing to summarize before the week is over.
    assert_eq!(app.roster().send_weekly_summaries().await.unwrap(), 0);
    app.clock.advance(Duration::days(7));
    assert_eq!(app.roster().send_weekly_summaries().await.unwrap(), 1);
    assert_eq!(summaries_queued(&app, &owner.email).await, 1);
    assert_eq!(summaries_queued(&app, &bob.email).await, 0, "default off");
    assert_eq!(summaries_queued(&app, &cyd.email).await, 0, "turned off");

    let received = summaries_received(&app, &owner.email).await;
    assert_eq!(received.len(), 1);
    let mail = received[0].decoded();
    for line in [
        "New members: 2".to_owned(),
        "Projects created: 2".to_owned(),
        "API keys created: 1".to_owned(),
        format!("All events: {events}"),
        "  project.created: 2".to_owned(),
        "  member.invited: 2".to_owned(),
        "  invitation.accepted: 2".to_owned(),
    ] {
        assert!(mail.lines().any(|l| l == line), "{line:?} in:\n{mail}");
    }
    assert!(
        mail.contains("What happened in Digest & Co from "),
        "{mail}"
    );
    assert!(
        mail.contains(&format!(
            "updateNotificationPreferences(organizationId: \"{org}\", weeklySummary: false)"
        )),
        "{mail}"
    );
}

#[tokio::test]
async fn the_summary_goes_once_per_week_across_runs_and_processes() {
    let app = TestApp::spawn().await;
    let owner = app.sign_in("weekly-owner@example.com").await;
    let admin = app.sign_in("weekly-admin@example.com").await;
    let org = app.create_org(&owner, "Weekly").await;
    app.join(&owner, &org, &admin, "ADMIN").await;
    set_summary(&app, &owner, &org, true).await;
    set_summary(&app, &admin, &org, true).await;
    app.create_project(&owner, &org, "first").await;
    // The second process's housekeeping job also runs the summaries once as it starts, so
    // it may claim some of this week's: the outbox, not the runs' sum, holds them all.
    let second = app.second_server().await;
    app.clock.advance(Duration::days(7));

    let run = || async {
        let (a, b, c) = tokio::join!(
            app.roster().send_weekly_summaries(),
            second.roster.send_weekly_summaries(),
            app.roster().send_weekly_summaries(),
        );
        a.unwrap() + b.unwrap() + c.unwrap()
    };
    let first_runs = run().await;
    assert!(first_runs <= 2, "{first_runs} summaries for two members");
    assert_eq!(run().await, 0, "the week is done");
    for member in [&owner, &admin] {
        assert_eq!(summaries_queued(&app, &member.email).await, 1);
        assert_eq!(summaries_received(&app, &member.email).await.len(), 1);
    }

    // Seven days later the next week is due, with that week's numbers only.
    app.create_project(&admin, &org, "second").await;
    app.clock.advance(Duration::days(7));
    assert_eq!(run().await, 2);
    assert_eq!(run().await, 0);
    for member in [&owner, &admin] {
        let received = summaries_received(&app, &member.email).await;
        assert_eq!(received.len(), 2);
        let mail = received[1].decoded();
        assert!(mail.lines().any(|l| l == "Projects created: 1"), "{mail}");
        assert!(mail.lines().any(|l| l == "New members: 0"), "{mail}");
    }

    // A quiet week mails nobody.
    app.clock.advance(Duration::days(7));
    assert_eq!(run().await, 0);
    assert_eq!(summaries_queued(&app, &owner.email).await, 2);
    second.stop().await.unwrap();
}

#[tokio::test]
async fn the_housekeeping_job_sends_the_summaries() {
    let app = TestApp::spawn_with(&[("ROSTER_AUDIT_PRUNE_INTERVAL_SECONDS", "1")]).await;
    let owner = app.sign_in("housekept@example.com").await;
    let org = app.create_org(&owner, "Housekept").await;
    set_summary(&app, &owner, &org, true).await;
    app.create_project(&owner, &org, "one").await;
    app.clock.advance(Duration::days(7));
    let mails = app
        .smtp
        .wait_for(&owner.email, 2, MAIL_TIMEOUT)
        .await
        .expect("the summary from the background job");
    let summary = mails.last().unwrap();
    assert!(
        summary
            .header("Subject")
            .is_some_and(|subject| subject.starts_with(SUBJECT)),
        "{}",
        summary.decoded()
    );
    // Nothing more this week, however often the job runs.
    assert_eq!(app.roster().send_weekly_summaries().await.unwrap(), 0);
    assert_eq!(summaries_queued(&app, &owner.email).await, 1);
}
