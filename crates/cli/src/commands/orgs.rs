//! `roster orgs list | show | create | switch | leave | rename`. `switch` stores the active
//! organization in this server's credentials profile; nothing changes on the server.

use serde_json::{Value, json};

use crate::args::Orgs;
use crate::context::{Context, org_not_found};
use crate::error::CliError;
use crate::output::{Table, emit, name, or_dash, print_json, time};
use crate::queries::{
    OrgCreate, OrgLeave, OrgList, OrgShow, OrgUpdate, org_create, org_leave, org_list, org_show,
    org_update,
};
use crate::refs::OrgRef;

pub(crate) async fn run(ctx: &mut Context, command: &Orgs) -> Result<(), CliError> {
    ctx.signed_in()?;
    match command {
        Orgs::List => list(ctx).await,
        Orgs::Show { org } => show(ctx, org.as_deref()).await,
        Orgs::Create { name, slug } => create(ctx, name, slug.as_deref()).await,
        Orgs::Switch { org } => switch(ctx, org).await,
        Orgs::Leave { org } => leave(ctx, org).await,
        Orgs::Rename { name, slug } => rename(ctx, name.as_deref(), slug.as_deref()).await,
    }
}

async fn list(ctx: &Context) -> Result<(), CliError> {
    let active = ctx.org().ok();
    let mut raw = Vec::new();
    let mut table = Table::new(&["", "SLUG", "NAME", "KIND", "ROLE", "MEMBERS", "ID"]);
    let mut after = None;
    loop {
        let answer = ctx
            .client
            .run::<OrgList>(org_list::Variables { after })
            .await?;
        if let Value::Array(nodes) = &answer.raw["viewer"]["organizations"]["nodes"] {
            raw.extend(nodes.iter().cloned());
        }
        let page = answer.data.viewer.organizations;
        for org in page.nodes {
            let is_active = match &active {
                Some(OrgRef::Id(id)) => *id == org.id,
                Some(OrgRef::Slug(slug)) => *slug == org.slug,
                None => false,
            };
            table.row(vec![
                if is_active { "*" } else { "" }.to_owned(),
                org.slug,
                org.name,
                name(&org.kind),
                name(&org.viewer_role),
                org.member_count.to_string(),
                org.id,
            ]);
        }
        if !page.page_info.has_next_page || page.page_info.end_cursor.is_none() {
            break;
        }
        after = page.page_info.end_cursor;
    }
    if ctx.json {
        print_json(&json!({ "organizations": raw }));
    } else {
        emit(&table.render());
    }
    Ok(())
}

async fn show(ctx: &Context, org: Option<&str>) -> Result<(), CliError> {
    let org = match org {
        Some(text) => OrgRef::parse(text)?,
        None => ctx.org()?,
    };
    let (id, slug) = org.query_args();
    let answer = ctx
        .client
        .run::<OrgShow>(org_show::Variables { id, slug })
        .await?;
    let Some(found) = answer.data.organization else {
        return Err(org_not_found(&org));
    };
    if ctx.json {
        print_json(&answer.raw);
        return Ok(());
    }
    let limit =
        |limit: Option<i64>| limit.map_or_else(|| "unlimited".to_owned(), |l| l.to_string());
    let text = format!(
        "Name:      {}\nSlug:      {}\nID:        {}\nKind:      {}\nYour role: {}\n\
         Members:   {}\nPlan:      {}\nSeats:     {} of {}\nProjects:  {} of {}\n\
         Billing:   {}\nCreated:   {}\n",
        found.name,
        found.slug,
        found.id,
        name(&found.kind),
        name(&found.viewer_role),
        found.member_count,
        found.plan,
        found.usage.seats.used,
        limit(found.usage.seats.limit),
        found.usage.projects.used,
        limit(found.usage.projects.limit),
        or_dash(found.billing_email.as_deref()),
        time(&found.created_at),
    );
    emit(&text);
    Ok(())
}

async fn create(ctx: &Context, org_name: &str, slug: Option<&str>) -> Result<(), CliError> {
    let answer = ctx
        .client
        .run::<OrgCreate>(org_create::Variables {
            name: org_name.to_owned(),
            slug: slug.map(str::to_owned),
        })
        .await?;
    if ctx.json {
        print_json(&answer.raw);
        return Ok(());
    }
    let org = answer.data.create_organization;
    emit(&format!(
        "Created {} ({}, {}).\nMake it active: roster orgs switch {}\n",
        org.name, org.slug, org.id, org.slug
    ));
    Ok(())
}

async fn switch(ctx: &mut Context, org: &str) -> Result<(), CliError> {
    let wanted = OrgRef::parse(org)?;
    let found = ctx.resolve(&wanted).await?;
    let server = ctx.server.clone();
    let profile = ctx.store.profile_mut(&server);
    profile.org_id = Some(found.id.clone());
    profile.org_slug.clone_from(&found.slug);
    ctx.save()?;
    let slug = found.slug.unwrap_or_default();
    if ctx.json {
        print_json(&json!({ "server": server, "organization": { "id": found.id, "slug": slug } }));
    } else {
        emit(&format!(
            "Active organization for {server}: {slug} ({}).\n",
            found.id
        ));
    }
    Ok(())
}

async fn leave(ctx: &mut Context, org: &str) -> Result<(), CliError> {
    let wanted = OrgRef::parse(org)?;
    let target = match &wanted {
        OrgRef::Id(id) => id.clone(),
        OrgRef::Slug(_) => ctx.resolve(&wanted).await?.id,
    };
    let answer = ctx
        .client
        .run::<OrgLeave>(org_leave::Variables { id: target.clone() })
        .await?;
    let server = ctx.server.clone();
    let profile = ctx.store.profile_mut(&server);
    if profile.org_id.as_deref() == Some(target.as_str()) {
        profile.org_id = None;
        profile.org_slug = None;
        ctx.save()?;
    }
    if ctx.json {
        print_json(&answer.raw);
    } else {
        emit(&format!("Left {wanted}.\n"));
    }
    Ok(())
}

async fn rename(
    ctx: &mut Context,
    new_name: Option<&str>,
    slug: Option<&str>,
) -> Result<(), CliError> {
    if new_name.is_none() && slug.is_none() {
        return Err(CliError::usage(
            "give a new name, a new --slug, or both",
            "roster orgs rename \"Acme Labs\" --slug acme-labs",
        ));
    }
    let target = ctx.org_id().await?;
    let answer = ctx
        .client
        .run::<OrgUpdate>(org_update::Variables {
            id: target.id.clone(),
            name: new_name.map(str::to_owned),
            slug: slug.map(str::to_owned),
        })
        .await?;
    let org = answer.data.update_organization;
    let server = ctx.server.clone();
    let profile = ctx.store.profile_mut(&server);
    if profile.org_id.as_deref() == Some(org.id.as_str()) {
        profile.org_slug = Some(org.slug.clone());
        ctx.save()?;
    }
    if ctx.json {
        print_json(&answer.raw);
    } else {
        emit(&format!("Renamed: {} ({}).\n", org.name, org.slug));
    }
    Ok(())
}
