//! What can go wrong in a client command, the exit code for each kind, and the lines a
//! person reads: `error: CODE: message (request id ...)` with the server's
//! `extensions.code`, then a `hint:` saying what to do.

use std::fmt;

use serde_json::{Map, Value};

/// Exit codes by kind of error (documented in `roster --help` and the README).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// `INTERNAL`, an unexpected answer, a local file problem: 1.
    Other,
    /// A mistake in the command line: 2 (clap uses 2 too).
    Usage,
    /// `UNAUTHENTICATED` or no stored credential: 3.
    Unauthenticated,
    /// `FORBIDDEN`: 4.
    Forbidden,
    /// `NOT_FOUND`, or nothing by that name: 5.
    NotFound,
    /// `BAD_USER_INPUT` and the rule refusals (`CONFLICT`, `LAST_OWNER`, ...): 6.
    Refused,
    /// `RATE_LIMITED`: 7.
    RateLimited,
    /// The server cannot be reached: 8.
    Unreachable,
}

impl ErrorKind {
    /// The process exit code.
    #[must_use]
    pub fn exit_code(self) -> u8 {
        match self {
            ErrorKind::Other => 1,
            ErrorKind::Usage => 2,
            ErrorKind::Unauthenticated => 3,
            ErrorKind::Forbidden => 4,
            ErrorKind::NotFound => 5,
            ErrorKind::Refused => 6,
            ErrorKind::RateLimited => 7,
            ErrorKind::Unreachable => 8,
        }
    }

    /// The kind of a server error code.
    #[must_use]
    pub fn of_code(code: &str) -> ErrorKind {
        match code {
            "UNAUTHENTICATED" => ErrorKind::Unauthenticated,
            "FORBIDDEN" => ErrorKind::Forbidden,
            "NOT_FOUND" => ErrorKind::NotFound,
            "RATE_LIMITED" => ErrorKind::RateLimited,
            "BAD_USER_INPUT"
            | "CONFLICT"
            | "LAST_OWNER"
            | "PERSONAL_ORGANIZATION"
            | "EMAIL_MISMATCH"
            | "INVITATION_NOT_PENDING"
            | "INVITATION_EXPIRED"
            | "QUOTA_EXCEEDED" => ErrorKind::Refused,
            _ => ErrorKind::Other,
        }
    }
}

/// A failed command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliError {
    pub kind: ErrorKind,
    /// The server's `extensions.code` (or the one a local check stands in for).
    pub code: Option<String>,
    pub message: String,
    pub hint: Option<String>,
    pub request_id: Option<String>,
}

impl std::error::Error for CliError {}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(code) = &self.code {
            write!(f, "{code}: ")?;
        }
        f.write_str(&self.message)?;
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

impl CliError {
    fn new(kind: ErrorKind, message: impl Into<String>) -> CliError {
        CliError {
            kind,
            code: None,
            message: message.into(),
            hint: None,
            request_id: None,
        }
    }

    /// A local problem (a file, an unexpected answer).
    #[must_use]
    pub fn local(message: impl Into<String>) -> CliError {
        CliError::new(ErrorKind::Other, message)
    }

    /// A command-line mistake found after parsing.
    #[must_use]
    pub fn usage(message: impl Into<String>, hint: impl Into<String>) -> CliError {
        CliError::new(ErrorKind::Usage, message).with_hint(hint)
    }

    /// Nothing by that name, found out without the server saying `NOT_FOUND`.
    #[must_use]
    pub fn not_found(message: impl Into<String>, hint: impl Into<String>) -> CliError {
        let mut err = CliError::new(ErrorKind::NotFound, message).with_hint(hint);
        err.code = Some("NOT_FOUND".into());
        err
    }

    /// No credential stored for `server`.
    #[must_use]
    pub fn not_signed_in(server: &str) -> CliError {
        let mut err = CliError::new(
            ErrorKind::Unauthenticated,
            format!("not signed in to {server}"),
        )
        .with_hint(login_hint(server));
        err.code = Some("UNAUTHENTICATED".into());
        err
    }

    /// The server cannot be reached.
    #[must_use]
    pub fn unreachable(server: &str, detail: impl fmt::Display) -> CliError {
        CliError::new(
            ErrorKind::Unreachable,
            format!("cannot reach {server}: {detail}"),
        )
        .with_hint(
            "check --server or ROSTER_SERVER (run `roster` with no arguments to start a server)",
        )
    }

    /// The first error of a GraphQL answer, with advice drawn from its extensions.
    #[must_use]
    pub fn from_server(
        server: &str,
        message: &str,
        extensions: &Map<String, Value>,
        request_id: Option<String>,
    ) -> CliError {
        let code = extensions
            .get("code")
            .and_then(Value::as_str)
            .unwrap_or("INTERNAL")
            .to_owned();
        let number = |name: &str| extensions.get(name).and_then(Value::as_i64);
        let text = |name: &str| extensions.get(name).and_then(Value::as_str);
        let mut message = message.to_owned();
        if let Some(field) = text("field")
            && !message.contains(field)
        {
            message = format!("{message} (field {field})");
        }
        let hint = match code.as_str() {
            "UNAUTHENTICATED" => Some(login_hint(server)),
            "FORBIDDEN" => Some(match text("requiredRole") {
                Some(role) => format!(
                    "this needs the {role} role or higher here; an owner or admin can change your role"
                ),
                None => {
                    "API keys and organization tokens cannot do this: log in as a person".to_owned()
                }
            }),
            "NOT_FOUND" => Some(
                "check the id, slug or name (`roster orgs list` shows your organizations)"
                    .to_owned(),
            ),
            "RATE_LIMITED" => {
                number("retryAfterSeconds").map(|seconds| format!("try again in {seconds} seconds"))
            }
            "QUOTA_EXCEEDED" => match (text("metric"), number("used"), number("limit")) {
                (Some(metric), Some(used), Some(limit)) => Some(format!(
                    "the plan allows {limit} {metric} and {used} are used; an owner can change the plan"
                )),
                _ => None,
            },
            "LAST_OWNER" => Some(
                "make someone else an owner first (`roster members role USER owner`)".to_owned(),
            ),
            "INTERNAL" => Some("quote the request id when you report it".to_owned()),
            _ => None,
        };
        CliError {
            kind: ErrorKind::of_code(&code),
            code: Some(code),
            message,
            hint,
            request_id,
        }
    }

    /// Adds or replaces the hint.
    #[must_use]
    pub fn with_hint(mut self, hint: impl Into<String>) -> CliError {
        self.hint = Some(hint.into());
        self
    }

    /// The lines for standard error.
    #[must_use]
    pub fn render(&self) -> String {
        match &self.hint {
            Some(hint) => format!("error: {self}\nhint: {hint}\n"),
            None => format!("error: {self}\n"),
        }
    }
}

fn login_hint(server: &str) -> String {
    format!("run `roster login --server {server} EMAIL`")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn extensions(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    #[test]
    fn server_errors_carry_their_code_request_id_and_advice() {
        let err = CliError::from_server(
            "http://s",
            "you need the ADMIN role",
            &extensions(json!({ "code": "FORBIDDEN", "requiredRole": "ADMIN" })),
            Some("req-1".into()),
        );
        assert_eq!(err.kind.exit_code(), 4);
        let text = err.render();
        assert!(
            text.starts_with("error: FORBIDDEN: you need the ADMIN role (request id req-1)\n"),
            "{text}"
        );
        assert!(text.contains("hint: this needs the ADMIN role"), "{text}");

        let err = CliError::from_server(
            "http://s",
            "too many",
            &extensions(json!({ "code": "RATE_LIMITED", "retryAfterSeconds": 30 })),
            None,
        );
        assert_eq!(err.kind.exit_code(), 7);
        assert_eq!(err.hint.as_deref(), Some("try again in 30 seconds"));

        let err = CliError::from_server(
            "http://s",
            "not an address",
            &extensions(json!({ "code": "BAD_USER_INPUT", "field": "email" })),
            None,
        );
        assert_eq!(err.kind.exit_code(), 6);
        assert_eq!(
            err.to_string(),
            "BAD_USER_INPUT: not an address (field email)"
        );
    }

    #[test]
    fn every_kind_has_its_own_exit_code() {
        let codes = [
            ("INTERNAL", 1),
            ("UNAUTHENTICATED", 3),
            ("FORBIDDEN", 4),
            ("NOT_FOUND", 5),
            ("CONFLICT", 6),
            ("LAST_OWNER", 6),
            ("RATE_LIMITED", 7),
            ("SOMETHING_NEW", 1),
        ];
        for (code, exit) in codes {
            assert_eq!(ErrorKind::of_code(code).exit_code(), exit, "{code}");
        }
        assert_eq!(CliError::not_signed_in("http://s").kind.exit_code(), 3);
        assert_eq!(
            CliError::unreachable("http://s", "refused")
                .kind
                .exit_code(),
            8
        );
        assert_eq!(CliError::usage("x", "y").kind.exit_code(), 2);
    }
}
