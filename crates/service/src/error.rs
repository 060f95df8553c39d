//! Why a use case refused, named after the rule. The gateway maps each variant to one of
//! the public `extensions.code` set; messages here are safe to show to the caller.

use roster_domain::paging::{PageSizeError, SearchError};
use roster_domain::usage::UsageInputError;
use roster_domain::{
    EmailError, InvitationError, MembershipRuleError, NameError, OrgNameError,
    OrganizationRuleError, RetentionError, Role, SlugError,
};
use roster_persistence::{DbErr, RepoError};

/// A refused or failed use case.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("sign in first: this needs a valid session token or API key")]
    Unauthenticated,
    #[error("API keys and organization tokens cannot do this: it needs a signed-in user")]
    UserOnly,
    #[error("this needs the {required_role} role or higher")]
    Forbidden { required_role: Role },
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{message}")]
    BadInput {
        field: &'static str,
        message: String,
    },
    #[error("{message}")]
    Conflict {
        field: Option<&'static str>,
        message: String,
    },
    #[error("an organization needs at least one owner: make someone else owner first")]
    LastOwner,
    #[error("{0}")]
    PersonalOrganization(String),
    #[error("this invitation was sent to a different email address")]
    EmailMismatch,
    #[error("this invitation is no longer pending")]
    InvitationNotPending,
    #[error("this invitation has expired")]
    InvitationExpired,
    #[error("this organization's plan allows {limit} {metric}, and {used} are in use")]
    QuotaExceeded {
        metric: String,
        used: u64,
        limit: u64,
    },
    #[error("too many requests: try again in {retry_after_seconds} seconds")]
    RateLimited { retry_after_seconds: i64 },
    /// A bug or an outage. The source goes to the log, never to the client.
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// Shorthand for use-case results.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Wraps anything unexpected as `Internal`.
    pub fn internal(source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Error {
        Error::Internal(source.into())
    }

    pub(crate) fn bad_input(field: &'static str, message: impl ToString) -> Error {
        Error::BadInput {
            field,
            message: message.to_string(),
        }
    }
}

/// `err` as `conflict()` when a unique constraint refused the write, else as usual: for
/// use cases that know which rule a constraint stands for (a taken slug or name).
pub(crate) fn on_conflict(err: RepoError, conflict: impl FnOnce() -> Error) -> Error {
    match err {
        RepoError::Conflict(_) => conflict(),
        other => Error::from(other),
    }
}

impl From<RepoError> for Error {
    fn from(err: RepoError) -> Self {
        match err {
            // A constraint the use case did not anticipate: a concurrent request won.
            RepoError::Conflict(_) => Error::Conflict {
                field: None,
                message: "a concurrent change got there first; try again".to_owned(),
            },
            RepoError::MissingReference(_) => Error::NotFound("the referenced object"),
            RepoError::Db(source) => Error::Internal(Box::new(source)),
        }
    }
}

impl From<DbErr> for Error {
    fn from(err: DbErr) -> Self {
        Error::from(RepoError::from(err))
    }
}

impl From<EmailError> for Error {
    fn from(err: EmailError) -> Self {
        Error::bad_input("email", err)
    }
}

impl From<SlugError> for Error {
    fn from(err: SlugError) -> Self {
        Error::bad_input("slug", err)
    }
}

impl From<OrgNameError> for Error {
    fn from(err: OrgNameError) -> Self {
        Error::bad_input("name", err)
    }
}

impl From<OrganizationRuleError> for Error {
    fn from(err: OrganizationRuleError) -> Self {
        match err {
            OrganizationRuleError::PersonalOrganization(_) => {
                Error::PersonalOrganization(err.to_string())
            }
            OrganizationRuleError::ConfirmNameMismatch => Error::bad_input("confirmName", err),
        }
    }
}

impl From<InvitationError> for Error {
    fn from(err: InvitationError) -> Self {
        match err {
            InvitationError::NotPending => Error::InvitationNotPending,
            InvitationError::Expired => Error::InvitationExpired,
            InvitationError::EmailMismatch => Error::EmailMismatch,
        }
    }
}

impl From<MembershipRuleError> for Error {
    fn from(err: MembershipRuleError) -> Self {
        match err {
            MembershipRuleError::Forbidden { required } => Error::Forbidden {
                required_role: required,
            },
            MembershipRuleError::LastOwner => Error::LastOwner,
        }
    }
}

impl From<PageSizeError> for Error {
    fn from(err: PageSizeError) -> Self {
        Error::bad_input("first", err)
    }
}

impl From<SearchError> for Error {
    fn from(err: SearchError) -> Self {
        Error::bad_input("search", err)
    }
}

impl From<RetentionError> for Error {
    fn from(err: RetentionError) -> Self {
        Error::bad_input("days", err)
    }
}

impl From<NameError> for Error {
    /// Project names and key labels: the use case names the field when it is not `name`.
    fn from(err: NameError) -> Self {
        Error::bad_input("name", err)
    }
}

impl From<UsageInputError> for Error {
    fn from(err: UsageInputError) -> Self {
        match err {
            UsageInputError::BadKey => Error::bad_input("idempotencyKey", err),
            UsageInputError::BadQuantity => Error::bad_input("quantity", err),
        }
    }
}
