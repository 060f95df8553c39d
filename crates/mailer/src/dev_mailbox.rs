//! The dev mailbox: a folder of `.eml` files, newest listed first, so a newcomer without
//! an SMTP server can still click through sign-in and invitation links.
//!
//! Beside each `<id>.eml` lies `<id>.json`, written from the `Mail` value itself (kind,
//! recipient, subject, link, date), and the listing reads only those. Links are never
//! parsed back out of message text: an organization name is part of that text, and it
//! could spell a link of its own. The rendered bodies lie beside them too (`<id>.txt`,
//! `<id>.html`), so the mailbox can show a message without decoding MIME.

use std::io;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::message::{Mail, Rendered};

/// One saved message, as listed on `/dev/mailbox`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailboxEntry {
    /// The `.eml` file holding the full message.
    pub file_name: String,
    /// The outbox kind (`sign_in`, `invitation`).
    pub kind: String,
    pub to: String,
    pub subject: String,
    /// The message's own link, as the `Mail` value carried it.
    pub link: String,
    pub date: DateTime<Utc>,
}

impl MailboxEntry {
    /// The message's id in the folder (its file name without `.eml`).
    #[must_use]
    pub fn id(&self) -> &str {
        self.file_name.trim_end_matches(".eml")
    }
}

/// One saved message with its rendered bodies (absent for messages saved before bodies
/// were kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedMessage {
    pub entry: MailboxEntry,
    pub text: Option<String>,
    pub html: Option<String>,
}

/// Saves `raw` as `<id>.eml`, the bodies as `<id>.txt` and `<id>.html`, and then the
/// sidecar `<id>.json`; the listing keys off the sidecar, so a listed message always has
/// its files.
pub(crate) async fn save(
    folder: &Path,
    raw: &[u8],
    mail: &Mail,
    rendered: &Rendered,
) -> io::Result<PathBuf> {
    tokio::fs::create_dir_all(folder).await?;
    // Time-ordered ids keep the listing in arrival order.
    let id = uuid::Uuid::now_v7();
    let path = folder.join(format!("{id}.eml"));
    tokio::fs::write(&path, raw).await?;
    tokio::fs::write(folder.join(format!("{id}.txt")), &rendered.text).await?;
    tokio::fs::write(folder.join(format!("{id}.html")), &rendered.html).await?;
    let subject = &rendered.subject;
    let entry = MailboxEntry {
        file_name: format!("{id}.eml"),
        kind: mail.kind().as_str().to_owned(),
        to: mail.recipient().to_owned(),
        subject: subject.to_owned(),
        link: mail.link().to_owned(),
        date: Utc::now(),
    };
    let sidecar = serde_json::to_vec_pretty(&entry).map_err(io::Error::other)?;
    tokio::fs::write(folder.join(format!("{id}.json")), sidecar).await?;
    Ok(path)
}

/// The message `id` from `folder`; `None` when `id` is not one of ours (only a UUID names
/// a file here, so no path can walk out of the folder) or the message is gone.
///
/// # Errors
/// `io::Error` when its files exist but cannot be read.
pub async fn read(folder: &Path, id: &str) -> io::Result<Option<SavedMessage>> {
    let Ok(id) = uuid::Uuid::parse_str(id) else {
        return Ok(None);
    };
    let optional = |result: io::Result<String>| match result {
        Ok(text) => Ok(Some(text)),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(err),
    };
    let Some(sidecar) =
        optional(tokio::fs::read_to_string(folder.join(format!("{id}.json"))).await)?
    else {
        return Ok(None);
    };
    let Ok(entry) = serde_json::from_str::<MailboxEntry>(&sidecar) else {
        return Ok(None);
    };
    let text = optional(tokio::fs::read_to_string(folder.join(format!("{id}.txt"))).await)?;
    let html = optional(tokio::fs::read_to_string(folder.join(format!("{id}.html"))).await)?;
    Ok(Some(SavedMessage { entry, text, html }))
}

/// Lists the messages in `folder`, newest first (at most `limit`), from their sidecars.
/// A sidecar that does not parse (written by hand, or cut short) is skipped.
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
        if name.ends_with(".json") {
            names.push(name);
        }
    }
    names.sort_unstable_by(|a, b| b.cmp(a));
    let mut listed = Vec::with_capacity(names.len().min(limit));
    for name in names {
        if listed.len() == limit {
            break;
        }
        let raw = tokio::fs::read(folder.join(&name)).await?;
        match serde_json::from_slice::<MailboxEntry>(&raw) {
            Ok(entry) => listed.push(entry),
            Err(err) => {
                tracing::warn!(file = %name, error = %err, "dev mailbox: skipping an unreadable sidecar")
            }
        }
    }
    Ok(listed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn lists_the_mails_own_link_never_one_from_its_text() {
        let folder = std::env::temp_dir().join(format!("roster-devbox-{}", uuid::Uuid::now_v7()));
        let mail = Mail::Invitation {
            to: "ann@example.com".into(),
            link: "http://localhost:8080/invitations/rin_real".into(),
            organization: "Acme".into(),
            inviter: None,
            role: "MEMBER".into(),
            expires: "2026-12-01 12:00 UTC".into(),
        };
        // The raw text offers another link, as a hostile organization name could.
        let raw = b"Subject: x\r\n\r\n=0Ahttp://evil.example/phish=0A\r\nhttp://evil.example/2\r\n";
        let rendered = mail.render().unwrap();
        save(&folder, raw, &mail, &rendered).await.unwrap();
        let listed = list(&folder, 10).await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].link, "http://localhost:8080/invitations/rin_real");
        assert_eq!(listed[0].kind, "invitation");
        assert_eq!(listed[0].to, "ann@example.com");
        assert!(folder.join(&listed[0].file_name).exists());
        let saved = read(&folder, listed[0].id()).await.unwrap().unwrap();
        assert_eq!(saved.entry, listed[0]);
        assert_eq!(saved.text.as_deref(), Some(rendered.text.as_str()));
        assert_eq!(saved.html.as_deref(), Some(rendered.html.as_str()));
        for hostile in ["../secret", "", "zzzz", listed[0].file_name.as_str()] {
            assert_eq!(read(&folder, hostile).await.unwrap(), None, "{hostile}");
        }
        tokio::fs::write(folder.join("zzzz.json"), b"{not json")
            .await
            .unwrap();
        assert_eq!(list(&folder, 10).await.unwrap().len(), 1);
        let _ = std::fs::remove_dir_all(&folder);
    }
}
