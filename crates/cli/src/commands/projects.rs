//! `roster projects list | create | rename | delete` and `roster keys list | create |
//! rename | regenerate | delete` in the active organization. A project is named by id or
//! name, a key by id or a label unique in the organization. A new key's secret is printed
//! once, alone on standard output (the notes go to standard error), so
//! `SECRET=$(roster keys create ...)` works.

use std::io::IsTerminal as _;

use serde_json::{Value, json};

use crate::args::{Keys, Projects, RoleArg};
use crate::context::{Context, org_not_found};
use crate::error::CliError;
use crate::output::{Table, emit, name, or_dash, print_json, schema_enum, time};
use crate::queries::{
    KeyCreate, KeyDelete, KeyRegenerate, KeyRename, ProjectCreate, ProjectDelete, ProjectList,
    ProjectRename, key_create, key_delete, key_regenerate, key_rename, project_create,
    project_delete, project_list, project_rename,
};

type Project = project_list::ProjectListOrganizationProjectsNodes;

/// Every project of the active organization (with masked keys), and the raw nodes.
async fn projects(ctx: &Context) -> Result<(Vec<Project>, Vec<Value>), CliError> {
    let org = ctx.org()?;
    let (id, slug) = org.query_args();
    let mut all = Vec::new();
    let mut raw = Vec::new();
    let mut after = None;
    loop {
        let answer = ctx
            .client
            .run::<ProjectList>(project_list::Variables {
                id: id.clone(),
                slug: slug.clone(),
                after,
            })
            .await?;
        if let Value::Array(nodes) = &answer.raw["organization"]["projects"]["nodes"] {
            raw.extend(nodes.iter().cloned());
        }
        let Some(found) = answer.data.organization else {
            return Err(org_not_found(&org));
        };
        all.extend(found.projects.nodes);
        let page = found.projects.page_info;
        if !page.has_next_page || page.end_cursor.is_none() {
            break;
        }
        after = page.end_cursor;
    }
    Ok((all, raw))
}

/// The id of the project named `text` (an id, or a name in any case).
async fn project_id(ctx: &Context, text: &str) -> Result<String, CliError> {
    if let Ok(id) = uuid::Uuid::parse_str(text.trim()) {
        return Ok(id.to_string());
    }
    let (all, _) = projects(ctx).await?;
    all.into_iter()
        .find(|project| project.name.eq_ignore_ascii_case(text.trim()))
        .map(|project| project.id)
        .ok_or_else(|| {
            CliError::not_found(
                format!("no project `{}` here", text.trim()),
                "`roster projects list` shows the projects",
            )
        })
}

pub(crate) async fn run_projects(ctx: &Context, command: &Projects) -> Result<(), CliError> {
    ctx.signed_in()?;
    match command {
        Projects::List => {
            let (all, raw) = projects(ctx).await?;
            if ctx.json {
                print_json(&json!({ "projects": raw }));
                return Ok(());
            }
            let mut table = Table::new(&["NAME", "KEYS", "CREATED (UTC)", "ID"]);
            for project in all {
                table.row(vec![
                    project.name,
                    project.api_keys.len().to_string(),
                    time(&project.created_at),
                    project.id,
                ]);
            }
            emit(&table.render());
        }
        Projects::Create { name } => {
            let org = ctx.org_id().await?;
            let answer = ctx
                .client
                .run::<ProjectCreate>(project_create::Variables {
                    org: org.id,
                    name: name.clone(),
                })
                .await?;
            let project = answer.data.create_project;
            done(
                ctx,
                &answer.raw,
                &format!("Created project {} ({}).\n", project.name, project.id),
            );
        }
        Projects::Rename { project, name } => {
            let id = project_id(ctx, project).await?;
            let answer = ctx
                .client
                .run::<ProjectRename>(project_rename::Variables {
                    id,
                    name: name.clone(),
                })
                .await?;
            let project = answer.data.rename_project;
            done(
                ctx,
                &answer.raw,
                &format!("Renamed to {} ({}).\n", project.name, project.id),
            );
        }
        Projects::Delete { project, yes } => {
            let id = project_id(ctx, project).await?;
            if !yes {
                confirm(&format!("Delete project {project} and all its API keys?"))?;
            }
            let answer = ctx
                .client
                .run::<ProjectDelete>(project_delete::Variables { id })
                .await?;
            done(ctx, &answer.raw, &format!("Deleted project {project}.\n"));
        }
    }
    Ok(())
}

fn done(ctx: &Context, raw: &Value, text: &str) {
    if ctx.json {
        print_json(raw);
    } else {
        emit(text);
    }
}

/// Asks `question` on a terminal; elsewhere `--yes` is needed.
fn confirm(question: &str) -> Result<(), CliError> {
    let refused = || CliError::usage("not confirmed", "pass --yes to skip the question");
    if !std::io::stdin().is_terminal() {
        return Err(refused());
    }
    eprint!("{question} [y/N] ");
    let mut answer = String::new();
    std::io::stdin()
        .read_line(&mut answer)
        .map_err(|err| CliError::local(format!("cannot read standard input: {err}")))?;
    if matches!(answer.trim(), "y" | "Y" | "yes") {
        Ok(())
    } else {
        Err(refused())
    }
}

/// The id of the key named `text` (an id, or a label unique in the organization).
async fn key_id(ctx: &Context, text: &str) -> Result<String, CliError> {
    if let Ok(id) = uuid::Uuid::parse_str(text.trim()) {
        return Ok(id.to_string());
    }
    let (all, _) = projects(ctx).await?;
    let matching: Vec<String> = all
        .iter()
        .flat_map(|project| &project.api_keys)
        .filter(|key| key.label == text.trim())
        .map(|key| key.id.clone())
        .collect();
    match matching.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(CliError::not_found(
            format!("no API key labelled `{}` here", text.trim()),
            "`roster keys list` shows the keys",
        )),
        _ => Err(CliError::usage(
            format!("{} keys are labelled `{}`", matching.len(), text.trim()),
            "name the key by its id (`roster keys list` shows them)",
        )),
    }
}

/// Prints a new secret once: alone on standard output, the notes on standard error.
fn print_secret(ctx: &Context, raw: &Value, label: &str, masked: &str, secret: &str) {
    if ctx.json {
        print_json(raw);
        return;
    }
    eprintln!("API key {label} ({masked}). Its secret is shown only now; store it safely:");
    emit(&format!("{secret}\n"));
}

pub(crate) async fn run_keys(ctx: &Context, command: &Keys) -> Result<(), CliError> {
    ctx.signed_in()?;
    match command {
        Keys::List { project } => list_keys(ctx, project.as_deref()).await?,
        Keys::Create {
            project,
            label,
            role,
        } => {
            let project = project_id(ctx, project).await?;
            let role = role
                .map(RoleArg::schema_name)
                .map(schema_enum)
                .transpose()?;
            let answer = ctx
                .client
                .run::<KeyCreate>(key_create::Variables {
                    project,
                    label: label.clone(),
                    role,
                })
                .await?;
            let created = &answer.data.create_api_key;
            print_secret(
                ctx,
                &answer.raw,
                &created.api_key.label,
                &created.api_key.masked_key,
                &created.secret,
            );
        }
        Keys::Rename { key, label } => {
            let id = key_id(ctx, key).await?;
            let answer = ctx
                .client
                .run::<KeyRename>(key_rename::Variables {
                    id,
                    label: label.clone(),
                })
                .await?;
            let key = answer.data.rename_api_key;
            done(
                ctx,
                &answer.raw,
                &format!("Renamed to {} ({}).\n", key.label, key.masked_key),
            );
        }
        Keys::Regenerate { key } => {
            let id = key_id(ctx, key).await?;
            let answer = ctx
                .client
                .run::<KeyRegenerate>(key_regenerate::Variables { id })
                .await?;
            let created = &answer.data.regenerate_api_key;
            print_secret(
                ctx,
                &answer.raw,
                &created.api_key.label,
                &created.api_key.masked_key,
                &created.secret,
            );
        }
        Keys::Delete { key } => {
            let id = key_id(ctx, key).await?;
            let answer = ctx
                .client
                .run::<KeyDelete>(key_delete::Variables { id })
                .await?;
            done(
                ctx,
                &answer.raw,
                &format!("Deleted API key {key}; it no longer works.\n"),
            );
        }
    }
    Ok(())
}

async fn list_keys(ctx: &Context, project: Option<&str>) -> Result<(), CliError> {
    let only = match project {
        Some(project) => Some(project_id(ctx, project).await?),
        None => None,
    };
    let (all, _) = projects(ctx).await?;
    let chosen: Vec<&Project> = all
        .iter()
        .filter(|p| only.as_ref().is_none_or(|id| *id == p.id))
        .collect();
    if ctx.json {
        let keys: Vec<Value> = chosen
            .iter()
            .flat_map(|p| {
                p.api_keys.iter().map(|key| {
                    json!({
                        "id": key.id, "label": key.label, "maskedKey": key.masked_key,
                        "role": name(&key.role).to_ascii_uppercase(),
                        "lastUsedAt": key.last_used_at, "createdAt": key.created_at,
                        "createdBy": key.created_by.as_ref().map(|user| &user.email),
                        "project": { "id": p.id, "name": p.name },
                    })
                })
            })
            .collect();
        print_json(&json!({ "apiKeys": keys }));
        return Ok(());
    }
    let mut table = Table::new(&[
        "PROJECT",
        "LABEL",
        "KEY",
        "ROLE",
        "LAST USED (UTC)",
        "CREATED BY",
        "ID",
    ]);
    for project in chosen {
        for key in &project.api_keys {
            table.row(vec![
                project.name.clone(),
                key.label.clone(),
                key.masked_key.clone(),
                name(&key.role),
                key.last_used_at
                    .as_ref()
                    .map_or_else(|| "never".to_owned(), time),
                or_dash(key.created_by.as_ref().map(|user| user.email.as_str())),
                key.id.clone(),
            ]);
        }
    }
    emit(&table.render());
    Ok(())
}
