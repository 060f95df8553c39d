//! The dev mailbox: a folder of `.eml` files, newest listed first, so a newcomer without
//! an SMTP server can still click through sign-in and invitation links.

use std::io;
use std::path::{Path, PathBuf};

/// One saved message, as listed on `/dev/mailbox`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailboxEntry {
    pub file_name: String,
    pub to: String,
    pub subject: String,
    /// Links found alone on a line of the plain-text part.
    pub links: Vec<String>,
}

pub(crate) async fn save(folder: &Path, raw: &[u8]) -> io::Result<PathBuf> {
    tokio::fs::create_dir_all(folder).await?;
    // Time-ordered ids keep the listing in arrival order.
    let path = folder.join(format!("{}.eml", uuid::Uuid::now_v7()));
    tokio::fs::write(&path, raw).await?;
    Ok(path)
}

/// Lists the messages in `folder`, newest first (at most `limit`).
///
/// # Errors
/// `io::Error` when the folder exists but cannot be read.
pub async fn list(folder: &Path, limit: usize) -> io::Result<Vec<MailboxEntry>> {
    let mut names = Vec::new();
    let mut entries = match tokio::fs::read_dir(folder).await {
        Ok(entries) => entries,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(err) => return Err(err),
    };
    while let Some(entry) = entries.next_entry().await? {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".eml") {
            names.push(name);
        }
    }
    names.sort_unstable_by(|a, b| b.cmp(a));
    names.truncate(limit);
    let mut listed = Vec::with_capacity(names.len());
    for name in names {
        let raw = tokio::fs::read_to_string(folder.join(&name)).await?;
        listed.push(parse(name, &raw));
    }
    Ok(listed)
}

fn parse(file_name: String, raw: &str) -> MailboxEntry {
    let header = |field: &str| {
        raw.lines()
            .take_while(|line| !line.is_empty())
            .find_map(|line| line.strip_prefix(field))
            .map(|value| value.trim().to_owned())
            .unwrap_or_default()
    };
    let body = crate::quoted_printable::decode(raw);
    let links = body
        .lines()
        .map(str::trim)
        .filter(|line| line.starts_with("http://") || line.starts_with("https://"))
        .map(str::to_owned)
        .collect();
    MailboxEntry {
        file_name,
        to: header("To:"),
        subject: header("Subject:"),
        links,
    }
}
