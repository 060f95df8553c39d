//! `login` (by mailed link, or a given token), `logout` and `whoami`.

use std::io::Write as _;

use serde_json::json;

use crate::args::Login;
use crate::context::{Context, org_not_found};
use crate::credentials::Profile;
use crate::error::{CliError, ErrorKind};
use crate::output::{emit, print_json};
use crate::queries::{
    CompleteSignIn, OrgLookup, RequestSignIn, SignOut, Whoami, complete_sign_in, org_lookup,
    request_sign_in, sign_out, whoami,
};
use crate::refs::{OrgRef, token_from_link};

/// `roster login EMAIL` or `roster login --token TOKEN`.
pub(crate) async fn login(ctx: &mut Context, login: &Login) -> Result<(), CliError> {
    let anonymous = ctx.client.with_token(None);
    let (token, email, active) = match (&login.email, &ctx.flag_token) {
        (None, Some(token)) => {
            let token = token.clone();
            let (email, active) = check_token(ctx, &token).await?;
            (token, email, active)
        }
        (Some(email), _) => {
            anonymous
                .run::<RequestSignIn>(request_sign_in::Variables {
                    email: email.trim().to_owned(),
                })
                .await?;
            let link = prompt(&format!(
                "A sign-in link is on its way to {}.\nPaste the link (or its token) here: ",
                email.trim()
            ))?;
            let answer = anonymous
                .run::<CompleteSignIn>(complete_sign_in::Variables {
                    token: token_from_link(&link)?,
                })
                .await?;
            let session = answer.data.complete_sign_in;
            let active = session.active_organization.map(|org| (org.id, org.slug));
            (session.token, Some(session.user.email), active)
        }
        (None, None) => {
            return Err(CliError::usage(
                "give your email address, or --token TOKEN",
                "roster login you@example.com",
            ));
        }
    };
    let server = ctx.server.clone();
    let previous = ctx.store.profile(&server).cloned().unwrap_or_default();
    // The same person keeps the organization they chose with `orgs switch`.
    let same_person = email.is_some() && previous.email == email && previous.org_id.is_some();
    let (org_id, org_slug) = if let Some(flag) = ctx.org_flag() {
        // `login --org ORG` makes ORG active (an API key's own organization, say).
        let wanted = OrgRef::parse(flag)?;
        let (id, slug) = wanted.query_args();
        let found = ctx
            .client
            .with_token(Some(token.clone()))
            .run::<OrgLookup>(org_lookup::Variables { id, slug })
            .await?
            .data
            .organization
            .ok_or_else(|| org_not_found(&wanted))?;
        (Some(found.id), Some(found.slug))
    } else if same_person {
        (previous.org_id, previous.org_slug)
    } else {
        active.map_or((None, None), |(id, slug)| (Some(id), Some(slug)))
    };
    let profile = Profile {
        token: Some(token),
        email: email.clone(),
        org_id,
        org_slug,
    };
    let slug = profile.org_slug.clone();
    *ctx.store.profile_mut(&server) = profile;
    ctx.store.credentials.current = Some(server.clone());
    ctx.save()?;
    if ctx.json {
        print_json(&json!({ "server": server, "email": email, "organization": slug }));
        return Ok(());
    }
    let who = email.unwrap_or_else(|| "an API key or organization token".to_owned());
    let mut text = format!("Logged in to {server} as {who}.\n");
    match slug {
        Some(slug) => text.push_str(&format!("Active organization: {slug}\n")),
        None => text.push_str("No active organization yet: run `roster orgs switch ORG`.\n"),
    }
    emit(&text);
    Ok(())
}

/// Checks a given token: a person's session answers `viewer`; an API key or organization
/// token is refused there with `FORBIDDEN` (it is valid, but no person).
async fn check_token(
    ctx: &Context,
    token: &str,
) -> Result<(Option<String>, Option<(String, String)>), CliError> {
    if token.is_empty() {
        return Err(CliError::usage(
            "the token is empty",
            "roster login --token TOKEN",
        ));
    }
    let client = ctx.client.with_token(Some(token.to_owned()));
    match client.run::<Whoami>(whoami::Variables).await {
        Ok(answer) => {
            let viewer = answer.data.viewer;
            Ok((
                Some(viewer.user.email),
                viewer.active_organization.map(|org| (org.id, org.slug)),
            ))
        }
        Err(err) if err.kind == ErrorKind::Forbidden => Ok((None, None)),
        Err(err) => Err(err),
    }
}

/// Asks on standard error and reads one line from standard input.
fn prompt(question: &str) -> Result<String, CliError> {
    let mut stderr = std::io::stderr();
    let _ = stderr.write_all(question.as_bytes());
    let _ = stderr.flush();
    let mut line = String::new();
    let read = std::io::stdin()
        .read_line(&mut line)
        .map_err(|err| CliError::local(format!("cannot read standard input: {err}")))?;
    if read == 0 || line.trim().is_empty() {
        return Err(CliError::usage(
            "no link was given",
            "run `roster login EMAIL` again and paste the link from the mail",
        ));
    }
    Ok(line)
}

/// `roster logout`: ends the session on the server, then forgets it here.
pub(crate) async fn logout(ctx: &mut Context) -> Result<(), CliError> {
    let server = ctx.server.clone();
    if !ctx.client.has_token() {
        emit(&format!("Not logged in to {server}.\n"));
        return Ok(());
    }
    match ctx.client.run::<SignOut>(sign_out::Variables).await {
        // Already ended, or an API key (nothing to end: delete the key to revoke it).
        Ok(_) => {}
        Err(err) if matches!(err.kind, ErrorKind::Unauthenticated | ErrorKind::Forbidden) => {}
        Err(err) => eprintln!(
            "warning: could not end the session on the server ({err}); forgetting it here anyway"
        ),
    }
    ctx.store.credentials.profiles.remove(&server);
    ctx.save()?;
    if ctx.json {
        print_json(&json!({ "server": server, "loggedOut": true }));
    } else {
        emit(&format!("Logged out of {server}.\n"));
    }
    Ok(())
}

/// `roster whoami`.
pub(crate) async fn whoami(ctx: &Context) -> Result<(), CliError> {
    ctx.signed_in()?;
    let org = ctx.org().ok();
    let viewer = match ctx.client.run::<Whoami>(whoami::Variables).await {
        Ok(answer) => Some(answer),
        Err(err) if err.kind == ErrorKind::Forbidden => None,
        Err(err) => return Err(err),
    };
    let organization = match &org {
        Some(org) => {
            let (id, slug) = org.query_args();
            ctx.client
                .run::<OrgLookup>(org_lookup::Variables { id, slug })
                .await?
                .data
                .organization
        }
        None => None,
    };
    if ctx.json {
        print_json(&json!({
            "server": ctx.server,
            "viewer": viewer.as_ref().map(|answer| answer.raw["viewer"].clone()),
            "organization": organization.as_ref().map(|org| json!({
                "id": org.id, "slug": org.slug, "name": org.name
            })),
        }));
        return Ok(());
    }
    let mut text = match &viewer {
        Some(answer) => {
            let user = &answer.data.viewer.user;
            format!(
                "Logged in to {} as {} (user {})\n",
                ctx.server, user.email, user.id
            )
        }
        None => format!(
            "Logged in to {} with an API key or organization token\n",
            ctx.server
        ),
    };
    match (&organization, &org) {
        (Some(found), _) => text.push_str(&format!(
            "Organization: {} ({}, {})\n",
            found.slug, found.name, found.id
        )),
        (None, Some(OrgRef::Id(name) | OrgRef::Slug(name))) => text.push_str(&format!(
            "Organization: {name} (not visible to you: run `roster orgs switch ORG`)\n"
        )),
        (None, None) => text.push_str("Organization: none (run `roster orgs switch ORG`)\n"),
    }
    if let Some(answer) = &viewer {
        let pending = answer.data.viewer.pending_invitation_count;
        if pending > 0 {
            text.push_str(&format!(
                "{pending} invitation(s) wait for you: `roster invitations list --mine`\n"
            ));
        }
    }
    emit(&text);
    Ok(())
}
