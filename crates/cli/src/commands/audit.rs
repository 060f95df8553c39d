//! `roster audit [--action A] [--since T] [--limit N] [--follow]`: the active organization's
//! audit log, oldest of the shown events first like a log file. `--follow` then asks every
//! two seconds for events since the newest one seen and prints them as they come, until
//! Ctrl-C; with `--json` every event is one line of JSON.

use std::collections::HashMap;
use std::time::Duration;

use chrono::Utc;
use serde_json::{Value, json};

use crate::args::Audit;
use crate::context::{Context, org_not_found};
use crate::error::CliError;
use crate::output::{Table, emit, print_json, time};
use crate::queries::{AuditLog, DateTime, audit_log};
use crate::refs::{OrgRef, parse_since};

/// How often `--follow` asks.
const POLL: Duration = Duration::from_secs(2);

type Event = audit_log::AuditLogOrganizationAuditLogNodes;

/// Up to `limit` newest events matching the filter, newest first, typed and raw.
async fn fetch(
    ctx: &Context,
    org: &OrgRef,
    action: Option<&str>,
    since: Option<DateTime>,
    limit: usize,
) -> Result<Vec<(Event, Value)>, CliError> {
    let (id, slug) = org.query_args();
    let mut events = Vec::new();
    let mut after = None;
    while events.len() < limit {
        let first = (limit - events.len()).min(100);
        let answer = ctx
            .client
            .run::<AuditLog>(audit_log::Variables {
                id: id.clone(),
                slug: slug.clone(),
                filter: Some(audit_log::AuditLogFilter {
                    actor_id: None,
                    action: action.map(str::to_owned),
                    project_id: None,
                    since,
                    until: None,
                }),
                first: i64::try_from(first).ok(),
                after,
            })
            .await?;
        let raw = match &answer.raw["organization"]["auditLog"]["nodes"] {
            Value::Array(nodes) => nodes.clone(),
            _ => Vec::new(),
        };
        let Some(found) = answer.data.organization else {
            return Err(org_not_found(org));
        };
        events.extend(found.audit_log.nodes.into_iter().zip(raw));
        let page = found.audit_log.page_info;
        if !page.has_next_page || page.end_cursor.is_none() {
            break;
        }
        after = page.end_cursor;
    }
    Ok(events)
}

fn actor(event: &Event) -> String {
    match (&event.actor_email, &event.actor_label, &event.actor_id) {
        (Some(email), _, _) => email.clone(),
        (None, Some(label), _) => format!("key {label}"),
        (None, None, Some(id)) => id.clone(),
        (None, None, None) => "-".to_owned(),
    }
}

fn row(event: &Event) -> Vec<String> {
    vec![
        time(&event.occurred_at),
        event.action.clone(),
        actor(event),
        event.target_id.clone().unwrap_or_else(|| "-".to_owned()),
        event.ip.clone().unwrap_or_else(|| "-".to_owned()),
    ]
}

const HEADER: [&str; 5] = ["TIME (UTC)", "ACTION", "ACTOR", "TARGET", "IP"];

pub(crate) async fn run(ctx: &Context, audit: &Audit) -> Result<(), CliError> {
    ctx.signed_in()?;
    let org = ctx.org()?;
    let since = audit
        .since
        .as_deref()
        .map(|text| parse_since(text, Utc::now()))
        .transpose()?;
    let action = audit.action.as_deref();
    let mut events = fetch(ctx, &org, action, since, usize::from(audit.limit)).await?;
    events.reverse();
    if !audit.follow {
        if ctx.json {
            let raw: Vec<Value> = events.into_iter().map(|(_, raw)| raw).collect();
            print_json(&json!({ "auditLog": raw }));
        } else {
            let mut table = Table::new(&HEADER);
            for (event, _) in &events {
                table.row(row(event));
            }
            emit(&table.render());
        }
        return Ok(());
    }

    // Following: rows are printed as they come, so columns get fixed widths.
    let line = |event: &Event, raw: &Value| -> String {
        if ctx.json {
            format!("{raw}\n")
        } else {
            let cells = row(event);
            format!(
                "{:<19}  {:<24}  {:<28}  {:<36}  {}\n",
                cells[0], cells[1], cells[2], cells[3], cells[4]
            )
        }
    };
    if !ctx.json {
        emit(&format!(
            "{:<19}  {:<24}  {:<28}  {:<36}  {}\n",
            HEADER[0], HEADER[1], HEADER[2], HEADER[3], HEADER[4]
        ));
    }
    // Events seen at or after the newest time: `since` includes that instant.
    let mut newest = events
        .last()
        .map(|(event, _)| event.occurred_at)
        .or(since)
        .unwrap_or_else(Utc::now);
    let mut seen: HashMap<String, DateTime> = HashMap::new();
    for (event, raw) in &events {
        if !emit(&line(event, raw)) {
            return Ok(());
        }
        seen.insert(event.id.clone(), event.occurred_at);
    }
    let poll = async {
        loop {
            tokio::time::sleep(POLL).await;
            let mut fresh = fetch(ctx, &org, action, Some(newest), 1000).await?;
            fresh.retain(|(event, _)| !seen.contains_key(&event.id));
            fresh.reverse();
            for (event, raw) in &fresh {
                if !emit(&line(event, raw)) {
                    return Ok(());
                }
                newest = newest.max(event.occurred_at);
                seen.insert(event.id.clone(), event.occurred_at);
            }
            seen.retain(|_, at| *at >= newest);
        }
    };
    // Ctrl-C ends following at any point, also in the middle of a request.
    tokio::select! {
        result = poll => result,
        _ = tokio::signal::ctrl_c() => Ok(()),
    }
}
