//! `roster invitations list | resend | revoke | accept | decline`: the active
//! organization's invitations (admins), or with `list --mine` the caller's own. Accepting
//! by link while signed out signs in, and the session is stored like `login`'s.

use serde_json::json;

use crate::args::{Invitations, StatusArg};
use crate::context::{Context, org_not_found};
use crate::credentials::Profile;
use crate::error::CliError;
use crate::output::{Table, emit, name, or_dash, print_json, schema_enum, time};
use crate::queries::{
    InvitationAccept, InvitationDecline, InvitationList, InvitationResend, InvitationRevoke,
    InvitationsMine, invitation_accept, invitation_decline, invitation_list, invitation_resend,
    invitation_revoke, invitations_mine,
};
use crate::refs::InvitationRef;

pub(crate) async fn run(ctx: &mut Context, command: &Invitations) -> Result<(), CliError> {
    match command {
        Invitations::List { status, mine } => {
            ctx.signed_in()?;
            if *mine {
                list_mine(ctx).await
            } else {
                list(ctx, *status).await
            }
        }
        Invitations::Resend { id } => {
            ctx.signed_in()?;
            let answer = ctx
                .client
                .run::<InvitationResend>(invitation_resend::Variables {
                    id: invitation_id(id)?,
                })
                .await?;
            let sent = answer.data.resend_invitation;
            done(
                ctx,
                &answer.raw,
                &format!(
                    "Sent again to {} (expires {} UTC).\n",
                    sent.email,
                    time(&sent.expires_at)
                ),
            );
            Ok(())
        }
        Invitations::Revoke { id } => {
            ctx.signed_in()?;
            let answer = ctx
                .client
                .run::<InvitationRevoke>(invitation_revoke::Variables {
                    id: invitation_id(id)?,
                })
                .await?;
            let revoked = answer.data.revoke_invitation;
            done(
                ctx,
                &answer.raw,
                &format!("Revoked the invitation of {}.\n", revoked.email),
            );
            Ok(())
        }
        Invitations::Accept { invitation } => accept(ctx, invitation).await,
        Invitations::Decline { invitation } => {
            let (id, token) = InvitationRef::parse(invitation)?.args();
            let answer = ctx
                .client
                .run::<InvitationDecline>(invitation_decline::Variables { id, token })
                .await?;
            let declined = answer.data.decline_invitation;
            done(
                ctx,
                &answer.raw,
                &format!(
                    "Declined the invitation to {}.\n",
                    declined.organization_name
                ),
            );
            Ok(())
        }
    }
}

fn done(ctx: &Context, raw: &serde_json::Value, text: &str) {
    if ctx.json {
        print_json(raw);
    } else {
        emit(text);
    }
}

fn invitation_id(text: &str) -> Result<String, CliError> {
    uuid::Uuid::parse_str(text.trim())
        .map(|id| id.to_string())
        .map_err(|_| {
            CliError::usage(
                format!("`{}` is not an invitation id", text.trim()),
                "`roster invitations list` shows the ids",
            )
        })
}

async fn list(ctx: &Context, status: StatusArg) -> Result<(), CliError> {
    let org = ctx.org()?;
    let (id, slug) = org.query_args();
    let status = status.schema_name().map(schema_enum).transpose()?;
    // One page of 100, newest first: older invitations matter little on a terminal.
    let answer = ctx
        .client
        .run::<InvitationList>(invitation_list::Variables {
            id,
            slug,
            status,
            after: None,
        })
        .await?;
    let Some(found) = answer.data.organization else {
        return Err(org_not_found(&org));
    };
    if ctx.json {
        print_json(&json!({ "invitations": answer.raw["organization"]["invitations"]["nodes"] }));
        return Ok(());
    }
    let mut table = Table::new(&[
        "EMAIL",
        "ROLE",
        "STATUS",
        "MAIL",
        "EXPIRES (UTC)",
        "INVITED BY",
        "ID",
    ]);
    for invitation in found.invitations.nodes {
        table.row(vec![
            invitation.email,
            name(&invitation.role),
            name(&invitation.status),
            name(&invitation.delivery.status),
            time(&invitation.expires_at),
            or_dash(
                invitation
                    .invited_by
                    .as_ref()
                    .map(|user| user.email.as_str()),
            ),
            invitation.id,
        ]);
    }
    emit(&table.render());
    Ok(())
}

async fn list_mine(ctx: &Context) -> Result<(), CliError> {
    let answer = ctx
        .client
        .run::<InvitationsMine>(invitations_mine::Variables)
        .await?;
    if ctx.json {
        print_json(&json!({ "invitations": answer.raw["viewer"]["pendingInvitations"] }));
        return Ok(());
    }
    let mut table = Table::new(&["ORGANIZATION", "ROLE", "INVITED BY", "EXPIRES (UTC)", "ID"]);
    for invitation in answer.data.viewer.pending_invitations {
        table.row(vec![
            invitation.organization_name,
            name(&invitation.role),
            or_dash(
                invitation
                    .invited_by
                    .as_ref()
                    .map(|user| user.email.as_str()),
            ),
            time(&invitation.expires_at),
            invitation.id,
        ]);
    }
    emit(&table.render());
    Ok(())
}

async fn accept(ctx: &mut Context, invitation: &str) -> Result<(), CliError> {
    let (id, token) = InvitationRef::parse(invitation)?.args();
    if id.is_some() {
        ctx.signed_in()?;
    }
    let answer = ctx
        .client
        .run::<InvitationAccept>(invitation_accept::Variables { id, token })
        .await?;
    let accepted = answer.data.accept_invitation;
    let org = accepted.organization;
    // Signed out, the link signed the invitee in: keep that session, in the new org.
    let signed_in = accepted.session.is_some();
    if let Some(session) = accepted.session {
        let server = ctx.server.clone();
        *ctx.store.profile_mut(&server) = Profile {
            token: Some(session.token),
            email: Some(session.user.email),
            org_id: Some(org.id.clone()),
            org_slug: Some(org.slug.clone()),
        };
        ctx.store.credentials.current = Some(server);
        ctx.save()?;
    }
    if ctx.json {
        let mut raw = answer.raw;
        // The session token is stored, never printed.
        if let Some(session) = raw["acceptInvitation"]["session"].as_object_mut() {
            session.remove("token");
        }
        print_json(&json!(raw));
        return Ok(());
    }
    let mut text = format!(
        "Joined {} ({}) as {}.\n",
        org.name,
        org.slug,
        name(&accepted.member.role)
    );
    if signed_in {
        text.push_str(&format!(
            "Logged in to {}; {} is active.\n",
            ctx.server, org.slug
        ));
    } else {
        text.push_str(&format!(
            "Make it active: roster orgs switch {}\n",
            org.slug
        ));
    }
    emit(&text);
    Ok(())
}
