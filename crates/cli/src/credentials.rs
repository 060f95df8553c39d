//! The credentials file: `credentials.toml` in `$ROSTER_CONFIG_DIR`, else
//! `$XDG_CONFIG_HOME/roster`, else `~/.config/roster`. One profile per server URL holds the
//! token, the email it belongs to and the active organization; `current` names the server
//! last logged in to. The file is written with mode 0600 (re-tightened on every write) in a
//! 0700 folder, through a temporary file renamed into place.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::CliError;

/// The file name inside the configuration folder.
pub const FILE_NAME: &str = "credentials.toml";

/// Everything stored.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credentials {
    /// The server last logged in to: the default when neither `--server` nor
    /// `ROSTER_SERVER` names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current: Option<String>,
    /// Keyed by server URL.
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
}

/// One server's credential and active organization.
#[derive(Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_slug: Option<String>,
}

impl fmt::Debug for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Profile")
            .field("token", &self.token.as_ref().map(|_| "[redacted]"))
            .field("email", &self.email)
            .field("org_id", &self.org_id)
            .field("org_slug", &self.org_slug)
            .finish()
    }
}

/// The configuration folder, from the environment as `lookup` reads it.
#[must_use]
pub fn config_dir(lookup: impl Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let set = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
    if let Some(dir) = set("ROSTER_CONFIG_DIR") {
        return Some(PathBuf::from(dir));
    }
    if let Some(dir) = set("XDG_CONFIG_HOME") {
        return Some(Path::new(&dir).join("roster"));
    }
    set("HOME").map(|home| Path::new(&home).join(".config").join("roster"))
}

/// The credentials file and what it holds.
#[derive(Debug)]
pub struct Store {
    path: PathBuf,
    pub credentials: Credentials,
}

impl Store {
    /// Reads `dir/credentials.toml`; a missing file is empty credentials.
    ///
    /// # Errors
    /// When the file exists but cannot be read or parsed.
    pub fn load(dir: &Path) -> Result<Store, CliError> {
        let path = dir.join(FILE_NAME);
        let credentials = match std::fs::read_to_string(&path) {
            Ok(text) => toml::from_str(&text).map_err(|err| {
                CliError::local(format!(
                    "{} is not valid: {}; fix it or delete it and log in again",
                    path.display(),
                    err.message()
                ))
            })?,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Credentials::default(),
            Err(err) => {
                return Err(CliError::local(format!(
                    "cannot read {}: {err}",
                    path.display()
                )));
            }
        };
        Ok(Store { path, credentials })
    }

    /// Where the file lives.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The profile of `server`, if any.
    #[must_use]
    pub fn profile(&self, server: &str) -> Option<&Profile> {
        self.credentials.profiles.get(server)
    }

    /// The profile of `server`, created empty when missing.
    pub fn profile_mut(&mut self, server: &str) -> &mut Profile {
        self.credentials
            .profiles
            .entry(server.to_owned())
            .or_default()
    }

    /// Writes the file: a 0600 temporary file beside it, renamed into place, then the mode
    /// set again (a file someone loosened by hand is tightened).
    ///
    /// # Errors
    /// When the folder or file cannot be written.
    pub fn save(&self) -> Result<(), CliError> {
        let io = |what: &str, err: std::io::Error| {
            CliError::local(format!("cannot {what} {}: {err}", self.path.display()))
        };
        let text = toml::to_string(&self.credentials)
            .map_err(|err| CliError::local(format!("cannot encode the credentials: {err}")))?;
        if let Some(dir) = self.path.parent() {
            create_private_dir(dir).map_err(|err| io("create the folder of", err))?;
        }
        let temporary = self.path.with_extension("toml.tmp");
        let mut file = private_file(&temporary).map_err(|err| io("write", err))?;
        file.write_all(text.as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(|err| io("write", err))?;
        drop(file);
        std::fs::rename(&temporary, &self.path).map_err(|err| io("replace", err))?;
        restrict(&self.path).map_err(|err| io("restrict the mode of", err))
    }
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt as _;
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

#[cfg(unix)]
fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt as _;
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    // `mode` applies only to a new file: a leftover temporary file is tightened too.
    restrict(path)?;
    Ok(file)
}

#[cfg(not(unix))]
fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::File::create(path)
}

#[cfg(unix)]
fn restrict(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
}

#[cfg(not(unix))]
fn restrict(_path: &Path) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly")]
    use super::*;

    fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| {
            vars.iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.clone())
        }
    }

    #[test]
    fn the_folder_is_roster_config_dir_then_xdg_then_home() {
        let all = [
            ("ROSTER_CONFIG_DIR", "/r"),
            ("XDG_CONFIG_HOME", "/x"),
            ("HOME", "/h"),
        ];
        assert_eq!(config_dir(lookup(&all)), Some(PathBuf::from("/r")));
        assert_eq!(
            config_dir(lookup(&all[1..])),
            Some(PathBuf::from("/x/roster"))
        );
        assert_eq!(
            config_dir(lookup(&[("XDG_CONFIG_HOME", " "), ("HOME", "/h")])),
            Some(PathBuf::from("/h/.config/roster"))
        );
        assert_eq!(config_dir(lookup(&[])), None);
    }

    #[test]
    fn credentials_round_trip_in_a_private_file() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("nested").join("roster");
        let mut store = Store::load(&folder).unwrap();
        assert_eq!(store.credentials, Credentials::default());
        store.credentials.current = Some("https://roster.example.com".into());
        let profile = store.profile_mut("https://roster.example.com");
        profile.token = Some("rss_secret".into());
        profile.email = Some("ada@example.com".into());
        profile.org_id = Some("0193a0c4-0000-7000-8000-000000000001".into());
        profile.org_slug = Some("acme".into());
        store.save().unwrap();

        let again = Store::load(&folder).unwrap();
        assert_eq!(again.credentials, store.credentials);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&folder.join(FILE_NAME)), 0o600);
            assert_eq!(mode(&folder), 0o700);
            // A file loosened by hand is tightened on the next write.
            std::fs::set_permissions(
                folder.join(FILE_NAME),
                std::fs::Permissions::from_mode(0o644),
            )
            .unwrap();
            again.save().unwrap();
            assert_eq!(mode(&folder.join(FILE_NAME)), 0o600);
        }
        assert!(!format!("{again:?}").contains("rss_secret"));
    }

    #[test]
    fn an_unreadable_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE_NAME), "profiles = 3").unwrap();
        let err = Store::load(dir.path()).unwrap_err();
        assert!(err.to_string().contains(FILE_NAME), "{err}");
    }
}
