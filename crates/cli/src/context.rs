//! What every command starts from: the server (flag, `ROSTER_SERVER`, the server last logged
//! in to, or the default), the credential (flag, `ROSTER_TOKEN`, or the stored one), the
//! credentials file, and the organization a command acts on (`--org`, `ROSTER_ORG`, or the
//! one `orgs switch` stored for this credential).

use crate::args::Global;
use crate::client::{Client, DEFAULT_SERVER, normalize_server};
use crate::credentials::{Store, config_dir};
use crate::error::CliError;
use crate::queries::{OrgLookup, org_lookup};
use crate::refs::OrgRef;

/// One command's surroundings.
#[derive(Debug)]
pub struct Context {
    pub client: Client,
    pub store: Store,
    /// The normalized server URL: the credentials profile's key.
    pub server: String,
    pub json: bool,
    /// The credential given by `--token` or `ROSTER_TOKEN`, if any.
    pub flag_token: Option<String>,
    org_flag: Option<String>,
}

/// An organization resolved to its id (and slug, when known).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgTarget {
    pub id: String,
    pub slug: Option<String>,
}

impl Context {
    /// Reads the credentials file and picks the server and credential.
    ///
    /// # Errors
    /// When no configuration folder is known, the file is broken, or the server URL is bad.
    pub fn load(global: &Global) -> Result<Context, CliError> {
        let dir = config_dir(|name| std::env::var(name).ok()).ok_or_else(|| {
            CliError::usage(
                "no folder for the credentials file",
                "set ROSTER_CONFIG_DIR (or HOME)",
            )
        })?;
        let store = Store::load(&dir)?;
        let server = match global.server.as_deref().filter(|s| !s.trim().is_empty()) {
            Some(raw) => normalize_server(raw)?,
            None => match &store.credentials.current {
                Some(current) => normalize_server(current)?,
                None => DEFAULT_SERVER.to_owned(),
            },
        };
        let flag_token = global
            .token
            .as_deref()
            .map(str::trim)
            .filter(|token| !token.is_empty())
            .map(str::to_owned);
        let token = flag_token
            .clone()
            .or_else(|| store.profile(&server).and_then(|p| p.token.clone()));
        Ok(Context {
            client: Client::new(&server, token)?,
            store,
            server,
            json: global.json,
            flag_token,
            org_flag: global.org.clone().filter(|org| !org.trim().is_empty()),
        })
    }

    /// Refuses early (exit code 3) when there is no credential at all.
    ///
    /// # Errors
    /// `UNAUTHENTICATED` with the advice to log in.
    pub fn signed_in(&self) -> Result<(), CliError> {
        if self.client.has_token() {
            Ok(())
        } else {
            Err(CliError::not_signed_in(&self.server))
        }
    }

    /// The organization named by `--org`/`ROSTER_ORG`, else the stored active one.
    ///
    /// # Errors
    /// A usage error when neither names one.
    pub fn org(&self) -> Result<OrgRef, CliError> {
        if let Some(flag) = &self.org_flag {
            return OrgRef::parse(flag);
        }
        let profile = self.store.profile(&self.server);
        match profile.and_then(|profile| profile.org_id.as_deref()) {
            Some(id) => OrgRef::parse(id),
            None => Err(CliError::usage(
                "no organization chosen",
                "run `roster orgs switch ORG`, or pass --org ORG (or set ROSTER_ORG)",
            )),
        }
    }

    /// The organization `--org` or `ROSTER_ORG` names, if any.
    #[must_use]
    pub fn org_flag(&self) -> Option<&str> {
        self.org_flag.as_deref()
    }

    /// The organization's id: a slug is looked up on the server (an id is passed on as it
    /// is; the mutation that gets it refuses one the caller cannot see).
    ///
    /// # Errors
    /// `NOT_FOUND` when the caller cannot see it, or the server's error.
    pub async fn org_id(&self) -> Result<OrgTarget, CliError> {
        self.signed_in()?;
        match self.org()? {
            OrgRef::Id(id) => Ok(OrgTarget { id, slug: None }),
            slug @ OrgRef::Slug(_) => self.resolve(&slug).await,
        }
    }

    /// `org` on the server: its id and slug. The caller must be able to see it.
    ///
    /// # Errors
    /// `NOT_FOUND` when the caller cannot see it, or the server's error.
    pub async fn resolve(&self, org: &OrgRef) -> Result<OrgTarget, CliError> {
        let (id, slug) = org.query_args();
        let answer = self
            .client
            .run::<OrgLookup>(org_lookup::Variables { id, slug })
            .await?;
        match answer.data.organization {
            Some(found) => Ok(OrgTarget {
                id: found.id,
                slug: Some(found.slug),
            }),
            None => Err(org_not_found(org)),
        }
    }

    /// Writes the credentials file.
    ///
    /// # Errors
    /// When it cannot be written.
    pub fn save(&self) -> Result<(), CliError> {
        self.store.save()
    }
}

/// `NOT_FOUND` for an organization the caller cannot see (missing or not theirs).
#[must_use]
pub fn org_not_found(org: &OrgRef) -> CliError {
    CliError::not_found(
        format!("no organization `{org}` that you belong to"),
        "`roster orgs list` shows your organizations",
    )
}
