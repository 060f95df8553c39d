//! `cargo xtask seed [OWNER_EMAIL]`: a demo organization for a newcomer to explore in
//! GraphiQL. "Acme Rockets" gets an owner, a few members, a pending invitation, two
//! projects (one with an API key), a billing email and settings, and, when the configured
//! plans meter something, usage near the free plan's limits. Everything goes through the
//! use cases of a service built exactly as `roster` builds it, so audit events, quotas and
//! usage warnings happen as they would for real. A second run finds the organization and
//! reuses it.

use std::sync::Arc;

use anyhow::{Context as _, bail};
use roster_domain::Role;
use roster_service::{
    Error, InvitationRef, OrganizationChanges, OrganizationKey, Principal, RequestContext, Roster,
};
use uuid::Uuid;

/// The demo organization's name and slug.
pub(crate) const NAME: &str = "Acme Rockets";
pub(crate) const SLUG: &str = "acme-rockets";

/// The owner when no email is given.
pub(crate) const DEFAULT_OWNER: &str = "demo@example.com";

/// Members who join through accepted invitations (`example.com` never receives mail).
const MEMBERS: [(&str, Role); 2] = [
    ("ada@example.com", Role::Admin),
    ("grace@example.com", Role::Member),
];

/// The invitation left pending.
const PENDING: (&str, Role) = ("katherine@example.com", Role::Viewer);

/// What a seed run did, for the printout (and the tests).
#[derive(Debug)]
pub(crate) struct Seeded {
    pub organization_id: Uuid,
    /// `false` when an earlier run had created the organization already.
    pub created: bool,
    pub owner_email: String,
    pub owner_token: String,
    /// The API key's secret, shown once (only on the run that creates it).
    pub api_key: Option<String>,
    /// One line per metered metric recorded: `metric used/limit`.
    pub usage: Vec<String>,
}

/// Seeds the organization, or finds it, for `owner_email`.
pub(crate) async fn seed(roster: &Roster, owner_email: &str) -> anyhow::Result<Seeded> {
    let request = RequestContext {
        ip: None,
        user_agent: Some("cargo xtask seed".to_owned()),
    };
    let (owner_token, owner) = sign_in(roster, owner_email).await?;
    if let Some(existing) = roster
        .organization(&owner, OrganizationKey::Slug(SLUG))
        .await
        .map_err(service)?
    {
        return Ok(Seeded {
            organization_id: existing.organization.id,
            created: false,
            owner_email: owner_email.to_owned(),
            owner_token,
            api_key: None,
            usage: Vec::new(),
        });
    }
    let actor = owner.as_user().map_err(service)?;
    let organization = match roster
        .create_organization(actor, NAME, Some(SLUG), &request)
        .await
    {
        Ok(view) => view.organization,
        Err(Error::Conflict { .. }) => bail!(
            "an organization with the slug `{SLUG}` exists and {owner_email} is not a member: \
             seed with its owner's email, or use a fresh database"
        ),
        Err(err) => return Err(service(err)),
    };
    let org = organization.id;
    let changes = OrganizationChanges {
        billing_email: Some("billing@example.com"),
        settings: Some(serde_json::json!({ "region": "eu-west", "launchWindow": "dawn" })),
        ..OrganizationChanges::default()
    };
    roster
        .update_organization(&owner, org, changes, &request)
        .await
        .map_err(service)?;

    for (email, role) in MEMBERS {
        let invitation = roster
            .invite_member(&owner, org, email, role, &request)
            .await
            .map_err(service)?;
        let (_, member) = sign_in(roster, email).await?;
        roster
            .accept_invitation(
                Some(member.as_user().map_err(service)?),
                InvitationRef::Id(invitation.invitation.id),
                &request,
            )
            .await
            .map_err(service)?;
    }
    let (email, role) = PENDING;
    roster
        .invite_member(&owner, org, email, role, &request)
        .await
        .map_err(service)?;

    let launch = roster
        .create_project(&owner, org, "Launch Control", &request)
        .await
        .map_err(service)?;
    roster
        .create_project(&owner, org, "Telemetry", &request)
        .await
        .map_err(service)?;
    let key = roster
        .create_api_key(
            &owner,
            launch.id,
            "ground station",
            Some(Role::Member),
            &request,
        )
        .await
        .map_err(service)?;
    let secret = key.secret.expose().to_owned();
    let key = roster
        .authenticate(&secret)
        .await
        .map_err(service)?
        .context("the new API key does not authenticate")?;
    let usage = record_usage(roster, &key, &organization.plan).await?;
    Ok(Seeded {
        organization_id: org,
        created: true,
        owner_email: owner_email.to_owned(),
        owner_token,
        api_key: Some(secret),
        usage,
    })
}

/// Records 85 % of every metered metric the organization's plan limits (or a little of an
/// unlimited one), as a product backend would with the API key.
async fn record_usage(
    roster: &Roster,
    key: &Principal,
    plan_id: &str,
) -> anyhow::Result<Vec<String>> {
    let Some(plan) = roster.plans().effective(plan_id) else {
        return Ok(Vec::new());
    };
    let mut recorded = Vec::new();
    for limit in &plan.limits {
        if limit.metric == roster_domain::plan::SEATS
            || limit.metric == roster_domain::plan::PROJECTS
        {
            continue;
        }
        let quantity = limit.limit.map_or(42, |limit| (limit * 85 / 100).max(1));
        let quantity = i64::try_from(quantity).context("usage quantity")?;
        let metric = roster
            .record_usage(
                key,
                None,
                &limit.metric,
                quantity,
                &format!("seed-{}", limit.metric),
            )
            .await
            .map_err(service)?;
        recorded.push(match metric.limit {
            Some(limit) => format!("{} {}/{limit}", metric.metric, metric.used),
            None => format!("{} {} (unlimited)", metric.metric, metric.used),
        });
    }
    Ok(recorded)
}

/// A session for `email` (created if new), and the principal it authenticates as.
async fn sign_in(roster: &Roster, email: &str) -> anyhow::Result<(String, Principal)> {
    let signed_in = roster.issue_dev_token(email).await.map_err(service)?;
    let token = signed_in.token.expose().to_owned();
    let principal = roster
        .authenticate(&token)
        .await
        .map_err(service)?
        .context("a fresh session does not authenticate")?;
    Ok((token, principal))
}

fn service(err: Error) -> anyhow::Error {
    anyhow::anyhow!("{err}")
}

/// What `cargo xtask seed` prints: what exists, the owner's token, and a query to paste.
pub(crate) fn report(seeded: &Seeded, public_url: &str) -> String {
    let mut out = String::new();
    if seeded.created {
        out.push_str(&format!(
            "Created \"{NAME}\" (slug {SLUG}, id {}), owned by {}.\n",
            seeded.organization_id, seeded.owner_email
        ));
        for (email, role) in MEMBERS {
            out.push_str(&format!("  member   {email} ({role})\n"));
        }
        let (email, role) = PENDING;
        out.push_str(&format!("  invited  {email} ({role}, pending)\n"));
        out.push_str("  projects Launch Control, Telemetry\n");
        if let Some(key) = &seeded.api_key {
            out.push_str(&format!(
                "  API key  {key} (Launch Control, MEMBER; shown once)\n"
            ));
        }
        if seeded.usage.is_empty() {
            out.push_str(
                "  usage    the configured plans meter nothing (declare metrics in ROSTER_PLANS_FILE)\n",
            );
        }
        for line in &seeded.usage {
            out.push_str(&format!("  usage    {line}\n"));
        }
    } else {
        out.push_str(&format!(
            "\"{NAME}\" exists already (slug {SLUG}, id {}): reusing it.\n",
            seeded.organization_id
        ));
    }
    out.push_str(&format!(
        "\nSession token for {}:\n{}\n\nStart `cargo run`, open {public_url}/graphql, add the header\n  {{\"Authorization\": \"Bearer {}\"}}\nand run:\n\n{QUERY}\n",
        seeded.owner_email, seeded.owner_token, seeded.owner_token
    ));
    out
}

/// The query the printout suggests.
const QUERY: &str = r#"query {
  organization(slug: "acme-rockets") {
    name plan memberCount viewerRole billingEmail settings avatarUrl
    usage {
      seats { used limit level }
      projects { used limit level }
      metrics { metric used limit level periodEnd }
    }
    members(first: 10) { nodes { role user { email } } }
    invitations(status: PENDING) { nodes { email role expiresAt } }
    projects { nodes { name apiKeys { label maskedKey role } } }
    auditLog(first: 20) { nodes { action actorEmail occurredAt } }
  }
}"#;

/// Runs the command: builds the service as `roster` does and seeds.
pub(crate) async fn run(config: &roster_gateway::Config, owner_email: &str) -> anyhow::Result<()> {
    let roster =
        roster_gateway::build_service(config, Arc::new(roster_service::SystemClock)).await?;
    let seeded = seed(&roster, owner_email).await?;
    print!("{}", report(&seeded, roster.public_url()));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Seeding twice on a fresh SQLite database: the first run creates everything through
    /// the use cases (seats and projects counted, events audited), the second reuses it.
    #[tokio::test]
    async fn seeding_creates_the_demo_organization_once() {
        let folder = tempfile::tempdir().unwrap();
        let url = format!(
            "sqlite://{}?mode=rwc",
            folder.path().join("seed.db").display()
        );
        let mailbox = folder.path().join("mailbox").display().to_string();
        let vars = [
            ("ROSTER_DATABASE_URL", url),
            ("ROSTER_DEV_MAILBOX_DIR", mailbox),
        ];
        let config = roster_gateway::Config::from_lookup(|name| {
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.clone())
        })
        .unwrap();
        let roster = roster_gateway::build_service(&config, Arc::new(roster_service::SystemClock))
            .await
            .unwrap();

        let first = seed(&roster, DEFAULT_OWNER).await.unwrap();
        assert!(first.created);
        assert!(first.api_key.is_some());
        let printed = report(&first, roster.public_url());
        assert!(printed.contains(&first.owner_token), "{printed}");
        assert!(printed.contains("organization(slug: \"acme-rockets\")"));
        let owner = roster
            .authenticate(&first.owner_token)
            .await
            .unwrap()
            .unwrap();
        let view = roster
            .organization(&owner, OrganizationKey::Slug(SLUG))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(view.organization.name, NAME);
        assert_eq!(view.membership.role, Role::Owner);
        let usage = roster.usage(&view.organization).await.unwrap();
        // The owner, two members and the pending invitation hold four of the free plan's
        // five seats; two of its three projects exist.
        assert_eq!((usage.seats.used, usage.seats.limit), (4, Some(5)));
        assert_eq!((usage.projects.used, usage.projects.limit), (2, Some(3)));
        let events = roster
            .audit_log(&view, &Default::default(), Some(100), None)
            .await
            .unwrap()
            .events;
        let actions: Vec<&str> = events.iter().map(|event| event.action.as_str()).collect();
        for action in [
            "organization.created",
            "organization.updated",
            "member.invited",
            "invitation.accepted",
            "project.created",
            "api_key.created",
        ] {
            assert!(
                actions.contains(&action),
                "{action} missing from {actions:?}"
            );
        }

        let second = seed(&roster, DEFAULT_OWNER).await.unwrap();
        assert!(!second.created);
        assert_eq!(second.organization_id, first.organization_id);
        assert!(report(&second, roster.public_url()).contains("exists already"));
        let again = roster.usage(&view.organization).await.unwrap();
        assert_eq!(again.seats.used, 4);

        // Someone else cannot seed over it.
        let refused = seed(&roster, "other@example.com").await.unwrap_err();
        assert!(refused.to_string().contains("acme-rockets"), "{refused}");
    }
}
