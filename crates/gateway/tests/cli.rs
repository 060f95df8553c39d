//! The `roster` binary as a client: the real binary run as a subprocess against a real
//! server (in-process on port 0, SQLite or PostgreSQL when `ROSTER_TEST_DATABASE_URL` is
//! set, mail to the SMTP sink). A newcomer's path from `login` (the mailed link pasted on
//! standard input) to `audit`, the credentials file and its active organization, `--org`
//! and `ROSTER_ORG`, `--json`, and exit codes with the server's `extensions.code`.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

use std::io::{BufRead as _, BufReader};
use std::time::Duration;

use serde_json::Value;

#[path = "cli/support.rs"]
mod support;

#[cfg(unix)]
use support::mode;
use support::{Person, Server, line_with};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newcomer_goes_from_login_to_audit() {
    let server = Server::start().await;
    let ada = Person::new(&server, "ada@example.com");

    let out = ada.login(&server).await.ok();
    assert!(out.stdout.contains("Logged in to"), "{out:#?}");
    assert!(out.stdout.contains("ada@example.com"), "{out:#?}");
    assert!(out.stderr.contains("Paste the link"), "{out:#?}");
    let stored = std::fs::read_to_string(ada.credentials()).unwrap();
    assert!(stored.contains("token = \"rss_"), "{stored}");
    #[cfg(unix)]
    assert_eq!(mode(&ada.credentials()), 0o600);
    // The token is stored, never printed.
    let token = stored
        .lines()
        .find_map(|line| line.strip_prefix("token = \""))
        .unwrap()
        .trim_end_matches('"')
        .to_owned();
    assert!(!out.stdout.contains(&token) && !out.stderr.contains(&token));

    let out = ada.run(&["whoami"]).await.ok();
    assert!(out.stdout.contains("ada@example.com"), "{out:#?}");

    let out = ada
        .run(&["orgs", "create", "Acme Labs", "--slug", "acme"])
        .await
        .ok();
    assert!(out.stdout.contains("roster orgs switch acme"), "{out:#?}");
    let orgs = ada.run(&["orgs", "list", "--json"]).await.ok().json();
    let orgs = orgs["organizations"].as_array().unwrap();
    assert_eq!(orgs.len(), 2, "{orgs:#?}");
    let personal = orgs.iter().find(|org| org["kind"] == "PERSONAL").unwrap();
    let personal_slug = personal["slug"].as_str().unwrap().to_owned();
    let acme_id = orgs.iter().find(|org| org["slug"] == "acme").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    ada.run(&["orgs", "switch", "acme"]).await.ok();
    let stored = std::fs::read_to_string(ada.credentials()).unwrap();
    assert!(
        stored.contains(&format!("org_id = \"{acme_id}\"")),
        "{stored}"
    );
    #[cfg(unix)]
    assert_eq!(mode(&ada.credentials()), 0o600);
    let out = ada.run(&["orgs", "list"]).await.ok();
    assert!(line_with(&out.stdout, "acme").starts_with('*'), "{out:#?}");
    assert!(!line_with(&out.stdout, &personal_slug).starts_with('*'));

    // Later commands act on the active organization.
    let out = ada
        .run(&["members", "invite", "bob@example.com", "--role", "ADMIN"])
        .await
        .ok();
    assert!(
        out.stdout.contains("Invited bob@example.com as admin"),
        "{out:#?}"
    );
    let out = ada.run(&["members", "list"]).await.ok();
    assert!(
        line_with(&out.stdout, "ada@example.com").contains("owner"),
        "{out:#?}"
    );
    let out = ada.run(&["invitations", "list"]).await.ok();
    assert!(
        line_with(&out.stdout, "bob@example.com").contains("pending"),
        "{out:#?}"
    );
    let listed = ada
        .run(&["--json", "invitations", "list"])
        .await
        .ok()
        .json();
    let invitation = listed["invitations"][0]["id"].as_str().unwrap().to_owned();
    ada.run(&["invitations", "revoke", &invitation]).await.ok();
    let out = ada.run(&["invitations", "list"]).await.ok();
    assert!(!out.stdout.contains("bob@example.com"), "{out:#?}");
    let out = ada
        .run(&["invitations", "list", "--status", "revoked"])
        .await
        .ok();
    assert!(out.stdout.contains("bob@example.com"), "{out:#?}");

    ada.run(&["projects", "create", "Web"]).await.ok();
    let out = ada.run(&["projects", "list"]).await.ok();
    assert!(out.stdout.contains("Web"), "{out:#?}");
    let out = ada
        .run(&["keys", "create", "--project", "web", "ci"])
        .await
        .ok();
    let secret = out.stdout.trim().to_owned();
    assert!(secret.starts_with("rk_"), "{out:#?}");
    assert!(out.stderr.contains("shown only now"), "{out:#?}");
    let out = ada.run(&["keys", "list"]).await.ok();
    let key_line = line_with(&out.stdout, "ci");
    assert!(
        key_line.contains("Web") && key_line.contains("rk_"),
        "{out:#?}"
    );
    assert!(
        !out.stdout.contains(&secret),
        "the secret is shown once only"
    );

    // --org and ROSTER_ORG override the active organization for one call.
    let out = ada
        .run(&["projects", "list", "--org", &personal_slug])
        .await
        .ok();
    assert!(!out.stdout.contains("Web"), "{out:#?}");
    let out = ada
        .run_with(&["projects", "list"], &[("ROSTER_ORG", &personal_slug)], "")
        .await
        .ok();
    assert!(!out.stdout.contains("Web"), "{out:#?}");
    let projects = ada
        .run(&["projects", "list", "--json", "--org", &acme_id])
        .await
        .ok()
        .json();
    assert_eq!(projects["projects"][0]["name"], "Web", "{projects}");

    let out = ada.run(&["audit"]).await.ok();
    for action in [
        "organization.created",
        "member.invited",
        "invitation.revoked",
        "project.created",
        "api_key.created",
    ] {
        assert!(
            line_with(&out.stdout, action).contains("ada@example.com"),
            "{out:#?}"
        );
    }
    // Oldest first, like a log.
    let created = out.stdout.find("organization.created").unwrap();
    assert!(
        created < out.stdout.find("api_key.created").unwrap(),
        "{out:#?}"
    );
    let audit = ada
        .run(&["audit", "--json", "--action", "project.created"])
        .await
        .ok()
        .json();
    assert_eq!(audit["auditLog"].as_array().unwrap().len(), 1, "{audit}");

    follow_prints_new_events(&ada).await;

    ada.run(&["logout"]).await.ok();
    let out = ada.run(&["whoami"]).await;
    assert_eq!(out.code, 3, "{out:#?}");
    assert!(out.stderr.contains("UNAUTHENTICATED"), "{out:#?}");
    assert!(out.stderr.contains("roster login"), "{out:#?}");
    // The session ended on the server too.
    let out = ada
        .run_with(&["whoami"], &[("ROSTER_TOKEN", &token)], "")
        .await;
    assert_eq!(out.code, 3, "{out:#?}");
    assert!(out.stderr.contains("error: UNAUTHENTICATED: "), "{out:#?}");
    server.stop().await;
}

/// `audit --follow --json` prints an event made after it started, as one JSON line.
async fn follow_prints_new_events(person: &Person) {
    let mut child = person
        .command(
            &["audit", "--follow", "--json", "--action", "project.created"],
            &[],
        )
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (lines, received) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    // The backlog: the one project created so far.
    let first = received.recv_timeout(Duration::from_secs(20)).unwrap();
    let first: Value = serde_json::from_str(&first).unwrap();
    assert_eq!(first["action"], "project.created", "{first}");
    person.run(&["projects", "create", "Followed"]).await.ok();
    let next = tokio::task::spawn_blocking(move || received.recv_timeout(Duration::from_secs(20)))
        .await
        .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    let next: Value = serde_json::from_str(&next.expect("--follow printed the new event")).unwrap();
    assert_eq!(next["action"], "project.created", "{next}");
    assert_ne!(next["id"], first["id"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_exit_by_kind_and_carry_the_servers_code() {
    let server = Server::start().await;
    let ada = Person::new(&server, "ada@example.com");
    ada.login(&server).await.ok();
    ada.run(&["orgs", "create", "Acme", "--slug", "acme"])
        .await
        .ok();
    ada.run(&["orgs", "switch", "acme"]).await.ok();
    ada.run(&["projects", "create", "Web"]).await.ok();
    let viewer_key = ada
        .run(&[
            "keys",
            "create",
            "--project",
            "Web",
            "readonly",
            "--role",
            "viewer",
        ])
        .await
        .ok()
        .stdout
        .trim()
        .to_owned();

    // FORBIDDEN: a viewer key may not create projects.
    let out = ada
        .run_with(
            &["projects", "create", "Nope"],
            &[("ROSTER_TOKEN", &viewer_key)],
            "",
        )
        .await;
    assert_eq!(out.code, 4, "{out:#?}");
    assert!(out.stderr.starts_with("error: FORBIDDEN: "), "{out:#?}");
    assert!(out.stderr.contains("(request id "), "{out:#?}");
    assert!(
        out.stderr.contains("hint: this needs the MEMBER role"),
        "{out:#?}"
    );
    // ...but it reads, and `login --token` stores it as this server's credential, with
    // `--org` as its active organization.
    let bot = Person::new(&server, "bot");
    let out = bot
        .run_with(
            &["login", "--org", "acme"],
            &[("ROSTER_TOKEN", &viewer_key)],
            "",
        )
        .await
        .ok();
    assert!(out.stdout.contains("API key"), "{out:#?}");
    let out = bot.run(&["projects", "list"]).await.ok();
    assert!(out.stdout.contains("Web"), "{out:#?}");

    // NOT_FOUND: from the server, and for a slug nobody may see.
    let out = ada
        .run(&[
            "invitations",
            "revoke",
            "0193a0c4-7c3e-7000-8000-0000000000ab",
        ])
        .await;
    assert_eq!(out.code, 5, "{out:#?}");
    assert!(out.stderr.starts_with("error: NOT_FOUND: "), "{out:#?}");
    let out = ada.run(&["orgs", "show", "no-such-org"]).await;
    assert_eq!(out.code, 5, "{out:#?}");
    assert!(out.stderr.contains("NOT_FOUND"), "{out:#?}");

    // UNAUTHENTICATED: a token the server does not know.
    let out = ada
        .run_with(&["whoami"], &[("ROSTER_TOKEN", "rss_unknown")], "")
        .await;
    assert_eq!(out.code, 3, "{out:#?}");
    assert!(
        out.stderr.starts_with("error: UNAUTHENTICATED: "),
        "{out:#?}"
    );

    // BAD_USER_INPUT, a usage mistake, and a server that is not there.
    let out = ada.run(&["members", "invite", "not-an-address"]).await;
    assert_eq!(out.code, 6, "{out:#?}");
    assert!(out.stderr.contains("BAD_USER_INPUT"), "{out:#?}");
    let out = ada.run(&["members", "invite"]).await;
    assert_eq!(out.code, 2, "{out:#?}");
    let out = ada
        .run_with(
            &["whoami", "--server", "http://127.0.0.1:1"],
            &[("ROSTER_TOKEN", "rss_any")],
            "",
        )
        .await;
    assert_eq!(out.code, 8, "{out:#?}");
    assert!(
        out.stderr.contains("cannot reach http://127.0.0.1:1"),
        "{out:#?}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invitee_joins_by_link_and_admins_manage_them_by_email() {
    let server = Server::start().await;
    let ada = Person::new(&server, "ada@example.com");
    ada.login(&server).await.ok();
    ada.run(&["orgs", "create", "Acme", "--slug", "acme"])
        .await
        .ok();
    ada.run(&["orgs", "switch", "acme"]).await.ok();
    ada.run(&["members", "invite", "bob@example.com"])
        .await
        .ok();
    let link = server.link("bob@example.com", 1, "/invitations/").await;

    // Signed out, the link signs Bob in; the session is stored, in the organization he joined.
    let bob = Person::new(&server, "bob@example.com");
    let out = bob.run(&["invitations", "accept", &link]).await.ok();
    assert!(
        out.stdout.contains("Joined Acme (acme) as member"),
        "{out:#?}"
    );
    let out = bob.run(&["whoami"]).await.ok();
    assert!(out.stdout.contains("bob@example.com"), "{out:#?}");
    assert!(out.stdout.contains("Organization: acme"), "{out:#?}");
    #[cfg(unix)]
    assert_eq!(mode(&bob.credentials()), 0o600);

    // A member may not invite: FORBIDDEN with the role it needs.
    let out = bob.run(&["members", "invite", "eve@example.com"]).await;
    assert_eq!(out.code, 4, "{out:#?}");
    assert!(out.stderr.contains("ADMIN"), "{out:#?}");

    let out = ada
        .run(&["members", "role", "bob@example.com", "viewer"])
        .await
        .ok();
    assert!(
        out.stdout.contains("bob@example.com is now viewer"),
        "{out:#?}"
    );
    let out = ada.run(&["members", "list", "--role", "viewer"]).await.ok();
    assert!(out.stdout.contains("bob@example.com"), "{out:#?}");
    ada.run(&["members", "remove", "bob@example.com"])
        .await
        .ok();
    let out = ada.run(&["members", "list"]).await.ok();
    assert!(!out.stdout.contains("bob@example.com"), "{out:#?}");
    // The last owner cannot leave: a rule refusal, exit 6.
    let out = ada.run(&["orgs", "leave", "acme"]).await;
    assert_eq!(out.code, 6, "{out:#?}");
    assert!(out.stderr.contains("LAST_OWNER"), "{out:#?}");
    server.stop().await;
}
