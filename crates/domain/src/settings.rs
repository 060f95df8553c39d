//! Organization settings: a JSON object of defaults for new projects (at most 16 KiB), and
//! each project's overrides, merged key by key (a project's key replaces the organization's
//! key of the same name; everything else is inherited).

use serde_json::{Map, Value};

/// The largest settings object, serialized.
pub const MAX_SETTINGS_BYTES: usize = 16 * 1024;

/// Why a value cannot be settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    #[error("settings must be a JSON object")]
    NotAnObject,
    #[error("settings must be at most 16 KiB of JSON")]
    TooLarge,
}

/// A settings object.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Settings(Map<String, Value>);

impl Settings {
    /// Parses a value a client sent.
    ///
    /// # Errors
    /// `NotAnObject` for anything but an object, `TooLarge` past `MAX_SETTINGS_BYTES`.
    pub fn parse(value: Value) -> Result<Settings, SettingsError> {
        let Value::Object(map) = value else {
            return Err(SettingsError::NotAnObject);
        };
        let settings = Settings(map);
        if settings.to_text().len() > MAX_SETTINGS_BYTES {
            return Err(SettingsError::TooLarge);
        }
        Ok(settings)
    }

    /// Reads stored JSON text (written by `to_text`); anything unreadable reads as empty.
    #[must_use]
    pub fn from_text(text: &str) -> Settings {
        match serde_json::from_str(text) {
            Ok(Value::Object(map)) => Settings(map),
            _ => Settings::default(),
        }
    }

    /// The JSON text to store.
    #[must_use]
    pub fn to_text(&self) -> String {
        Value::Object(self.0.clone()).to_string()
    }

    /// The object as a JSON value.
    #[must_use]
    pub fn to_value(&self) -> Value {
        Value::Object(self.0.clone())
    }

    /// These settings (the defaults) with `overrides` applied key by key.
    #[must_use]
    pub fn merged(&self, overrides: &Settings) -> Settings {
        let mut merged = self.0.clone();
        for (key, value) in &overrides.0 {
            merged.insert(key.clone(), value.clone());
        }
        Settings(merged)
    }

    /// The top-level keys, for audit events (values may be large or sensitive).
    #[must_use]
    pub fn keys(&self) -> Vec<String> {
        self.0.keys().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_objects_of_at_most_16_kib_are_settings() {
        assert!(Settings::parse(json!({ "region": "eu" })).is_ok());
        assert_eq!(
            Settings::parse(json!([1, 2])),
            Err(SettingsError::NotAnObject)
        );
        assert_eq!(Settings::parse(json!("x")), Err(SettingsError::NotAnObject));
        let big = "x".repeat(MAX_SETTINGS_BYTES);
        assert_eq!(
            Settings::parse(json!({ "blob": big })),
            Err(SettingsError::TooLarge)
        );
        let fits = "x".repeat(MAX_SETTINGS_BYTES - 20);
        assert!(Settings::parse(json!({ "blob": fits })).is_ok());
    }

    #[test]
    fn overrides_replace_keys_and_everything_else_is_inherited() {
        let defaults = Settings::parse(json!({ "region": "eu", "retries": 3 })).unwrap();
        let overrides = Settings::parse(json!({ "retries": 5, "debug": true })).unwrap();
        assert_eq!(
            defaults.merged(&overrides).to_value(),
            json!({ "region": "eu", "retries": 5, "debug": true })
        );
        assert_eq!(defaults.merged(&Settings::default()), defaults);
        assert_eq!(Settings::from_text(&defaults.to_text()), defaults);
        assert_eq!(Settings::from_text("not json"), Settings::default());
    }
}
