//! `roster members list | invite | role | remove` in the active organization. A member is
//! named by email (looked up among the members) or user id.

use serde_json::{Value, json};

use crate::args::{Members, RoleArg};
use crate::context::{Context, org_not_found};
use crate::error::CliError;
use crate::output::{Table, emit, name, or_dash, print_json, schema_enum, time};
use crate::queries::{
    MemberInvite, MemberList, MemberRemove, MemberRole, member_invite, member_list, member_remove,
    member_role,
};
use crate::refs::{OrgRef, UserRef};

pub(crate) async fn run(ctx: &Context, command: &Members) -> Result<(), CliError> {
    ctx.signed_in()?;
    match command {
        Members::List { role, search } => list(ctx, *role, search.as_deref()).await,
        Members::Invite { email, role } => invite(ctx, email, *role).await,
        Members::Role { user, role } => change_role(ctx, user, *role).await,
        Members::Remove { user } => remove(ctx, user).await,
    }
}

/// One member as listed.
struct Listed {
    id: String,
    email: String,
    display_name: Option<String>,
    role: String,
    joined: String,
}

/// Every member of `org` (matching `role` and `search`), with the raw nodes.
async fn members(
    ctx: &Context,
    org: &OrgRef,
    role: Option<RoleArg>,
    search: Option<&str>,
) -> Result<(Vec<Listed>, Vec<Value>), CliError> {
    let (id, slug) = org.query_args();
    let mut listed = Vec::new();
    let mut raw = Vec::new();
    let mut after = None;
    loop {
        let answer = ctx
            .client
            .run::<MemberList>(member_list::Variables {
                id: id.clone(),
                slug: slug.clone(),
                after,
                role: role
                    .map(|role| schema_enum(role.schema_name()))
                    .transpose()?,
                search: search.map(str::to_owned),
            })
            .await?;
        if let Value::Array(nodes) = &answer.raw["organization"]["members"]["nodes"] {
            raw.extend(nodes.iter().cloned());
        }
        let Some(found) = answer.data.organization else {
            return Err(org_not_found(org));
        };
        for member in found.members.nodes {
            listed.push(Listed {
                id: member.user.id,
                email: member.user.email,
                display_name: member.user.display_name,
                role: name(&member.role),
                joined: time(&member.joined_at),
            });
        }
        let page = found.members.page_info;
        if !page.has_next_page || page.end_cursor.is_none() {
            break;
        }
        after = page.end_cursor;
    }
    Ok((listed, raw))
}

async fn list(ctx: &Context, role: Option<RoleArg>, search: Option<&str>) -> Result<(), CliError> {
    let (listed, raw) = members(ctx, &ctx.org()?, role, search).await?;
    if ctx.json {
        print_json(&json!({ "members": raw }));
        return Ok(());
    }
    let mut table = Table::new(&["EMAIL", "NAME", "ROLE", "JOINED (UTC)", "USER ID"]);
    for member in listed {
        table.row(vec![
            member.email,
            or_dash(member.display_name.as_deref()),
            member.role,
            member.joined,
            member.id,
        ]);
    }
    emit(&table.render());
    Ok(())
}

async fn invite(ctx: &Context, email: &str, role: RoleArg) -> Result<(), CliError> {
    let org = ctx.org_id().await?;
    let answer = ctx
        .client
        .run::<MemberInvite>(member_invite::Variables {
            org: org.id,
            email: email.trim().to_owned(),
            role: schema_enum(role.schema_name())?,
        })
        .await?;
    if ctx.json {
        print_json(&answer.raw);
        return Ok(());
    }
    let invitation = answer.data.invite_member;
    emit(&format!(
        "Invited {} as {} (invitation {}, expires {} UTC).\n",
        invitation.email,
        name(&invitation.role),
        invitation.id,
        time(&invitation.expires_at)
    ));
    Ok(())
}

/// The user id of `user` in the active organization.
async fn user_id(ctx: &Context, user: &str) -> Result<String, CliError> {
    match UserRef::parse(user)? {
        UserRef::Id(id) => Ok(id),
        UserRef::Email(email) => {
            let org = ctx.org()?;
            let (listed, _) = members(ctx, &org, None, Some(&email)).await?;
            listed
                .into_iter()
                .find(|member| member.email.eq_ignore_ascii_case(&email))
                .map(|member| member.id)
                .ok_or_else(|| {
                    CliError::not_found(
                        format!("no member {email} in {org}"),
                        "`roster members list` shows who is a member",
                    )
                })
        }
    }
}

async fn change_role(ctx: &Context, user: &str, role: RoleArg) -> Result<(), CliError> {
    let org = ctx.org_id().await?;
    let user = user_id(ctx, user).await?;
    let answer = ctx
        .client
        .run::<MemberRole>(member_role::Variables {
            org: org.id,
            user,
            role: schema_enum(role.schema_name())?,
        })
        .await?;
    if ctx.json {
        print_json(&answer.raw);
        return Ok(());
    }
    let member = answer.data.change_member_role;
    emit(&format!(
        "{} is now {}.\n",
        member.user.email,
        name(&member.role)
    ));
    Ok(())
}

async fn remove(ctx: &Context, user: &str) -> Result<(), CliError> {
    let org = ctx.org_id().await?;
    let user_id = user_id(ctx, user).await?;
    let answer = ctx
        .client
        .run::<MemberRemove>(member_remove::Variables {
            org: org.id,
            user: user_id,
        })
        .await?;
    if ctx.json {
        print_json(&answer.raw);
    } else {
        emit(&format!("Removed {}.\n", user.trim()));
    }
    Ok(())
}
