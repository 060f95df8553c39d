//! The only place where service errors become GraphQL errors: an exhaustive `match` onto
//! the fixed `extensions.code` set clients program against (`UNAUTHENTICATED`, `FORBIDDEN`,
//! `NOT_FOUND`, ..., `INTERNAL`), and, for the plain HTTP endpoints, onto a status. Internal
//! errors get a generic message and the request id; their details go to the log only.

use async_graphql::{Context, ErrorExtensions};
use axum::http::StatusCode;
use roster_service::Error;

/// The `extensions.code` a client sees for `err`.
#[must_use]
pub fn code_of(err: &Error) -> &'static str {
    match err {
        Error::Unauthenticated => "UNAUTHENTICATED",
        Error::UserOnly => "FORBIDDEN",
        Error::Forbidden { .. } => "FORBIDDEN",
        Error::NotFound(_) => "NOT_FOUND",
        Error::BadInput { .. } => "BAD_USER_INPUT",
        Error::Conflict { .. } => "CONFLICT",
        Error::LastOwner => "LAST_OWNER",
        Error::PersonalOrganization(_) => "PERSONAL_ORGANIZATION",
        Error::EmailMismatch => "EMAIL_MISMATCH",
        Error::InvitationNotPending => "INVITATION_NOT_PENDING",
        Error::InvitationExpired => "INVITATION_EXPIRED",
        Error::QuotaExceeded { .. } => "QUOTA_EXCEEDED",
        Error::RateLimited { .. } => "RATE_LIMITED",
        Error::Internal(_) => "INTERNAL",
    }
}

/// The status a plain HTTP endpoint (outside GraphQL, such as the logo upload) answers
/// `err` with; the body carries the same error as GraphQL would, code and all.
#[must_use]
pub fn http_status_of(err: &Error) -> StatusCode {
    match err {
        Error::Unauthenticated => StatusCode::UNAUTHORIZED,
        Error::UserOnly | Error::Forbidden { .. } | Error::EmailMismatch => StatusCode::FORBIDDEN,
        Error::QuotaExceeded { .. } => StatusCode::FORBIDDEN,
        Error::NotFound(_) => StatusCode::NOT_FOUND,
        Error::BadInput { .. } => StatusCode::BAD_REQUEST,
        Error::Conflict { .. }
        | Error::LastOwner
        | Error::PersonalOrganization(_)
        | Error::InvitationNotPending
        | Error::InvitationExpired => StatusCode::CONFLICT,
        Error::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// Converts `err` into a GraphQL error carrying its code and the fields a client needs.
pub fn to_graphql(err: Error, request_id: &str) -> async_graphql::Error {
    let code = code_of(&err);
    match err {
        Error::Internal(source) => {
            tracing::error!(request_id, error = %source, chain = ?source, "internal error");
            async_graphql::Error::new(format!(
                "internal error; quote request id {request_id} when reporting it"
            ))
            .extend_with(|_, ext| {
                ext.set("code", code);
                ext.set("requestId", request_id);
            })
        }
        Error::Forbidden { required_role } => async_graphql::Error::new(err.to_string())
            .extend_with(|_, ext| {
                ext.set("code", code);
                ext.set("requiredRole", required_role.as_str());
            }),
        Error::BadInput { field, .. }
        | Error::Conflict {
            field: Some(field), ..
        } => with_field(code, field, err.to_string()),
        Error::RateLimited {
            retry_after_seconds,
        } => async_graphql::Error::new(err.to_string()).extend_with(|_, ext| {
            ext.set("code", code);
            ext.set("retryAfterSeconds", retry_after_seconds);
        }),
        Error::QuotaExceeded {
            ref metric,
            used,
            limit,
        } => async_graphql::Error::new(err.to_string()).extend_with(|_, ext| {
            ext.set("code", code);
            ext.set("metric", metric.as_str());
            ext.set("used", used);
            ext.set("limit", limit);
        }),
        Error::Unauthenticated
        | Error::UserOnly
        | Error::NotFound(_)
        | Error::Conflict { field: None, .. }
        | Error::LastOwner
        | Error::PersonalOrganization(_)
        | Error::EmailMismatch
        | Error::InvitationNotPending
        | Error::InvitationExpired => {
            async_graphql::Error::new(err.to_string()).extend_with(|_, ext| ext.set("code", code))
        }
    }
}

/// `BAD_USER_INPUT` on an argument the request names (a path such as `filter.action`),
/// for checks the HTTP handler runs on the whole request before any resolver.
#[must_use]
pub fn bad_argument(field: &str, message: String) -> async_graphql::Error {
    with_field("BAD_USER_INPUT", field, message)
}

fn with_field(code: &'static str, field: &str, message: String) -> async_graphql::Error {
    let field = field.to_owned();
    async_graphql::Error::new(message).extend_with(|_, ext| {
        ext.set("code", code);
        ext.set("field", field.as_str());
    })
}

/// `UNAUTHENTICATED`, for resolvers that need a signed-in caller.
pub(crate) fn unauthenticated(ctx: &Context<'_>) -> async_graphql::Error {
    to_graphql(Error::Unauthenticated, request_id(ctx))
}

fn request_id<'a>(ctx: &Context<'a>) -> &'a str {
    ctx.data::<super::RequestScope>()
        .map_or("-", |scope| scope.request_id.as_str())
}

/// `result.gql(ctx)?` in resolvers: maps a service error with the request's id.
pub(crate) trait ResultExt<T> {
    fn gql(self, ctx: &Context<'_>) -> async_graphql::Result<T>;
}

impl<T> ResultExt<T> for Result<T, Error> {
    fn gql(self, ctx: &Context<'_>) -> async_graphql::Result<T> {
        self.map_err(|err| to_graphql(err, request_id(ctx)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use roster_domain::Role;

    /// Every service error, its code, and the extensions a client relies on.
    #[test]
    fn every_error_maps_to_its_spec_code() {
        let table: Vec<(Error, &str, u16)> = vec![
            (Error::Unauthenticated, "UNAUTHENTICATED", 401),
            (Error::UserOnly, "FORBIDDEN", 403),
            (
                Error::Forbidden {
                    required_role: Role::Admin,
                },
                "FORBIDDEN",
                403,
            ),
            (Error::NotFound("organization"), "NOT_FOUND", 404),
            (
                Error::BadInput {
                    field: "name",
                    message: "x".into(),
                },
                "BAD_USER_INPUT",
                400,
            ),
            (
                Error::Conflict {
                    field: Some("slug"),
                    message: "x".into(),
                },
                "CONFLICT",
                409,
            ),
            (Error::LastOwner, "LAST_OWNER", 409),
            (
                Error::PersonalOrganization("x".into()),
                "PERSONAL_ORGANIZATION",
                409,
            ),
            (Error::EmailMismatch, "EMAIL_MISMATCH", 403),
            (Error::InvitationNotPending, "INVITATION_NOT_PENDING", 409),
            (Error::InvitationExpired, "INVITATION_EXPIRED", 409),
            (
                Error::QuotaExceeded {
                    metric: "seats".into(),
                    used: 5,
                    limit: 5,
                },
                "QUOTA_EXCEEDED",
                403,
            ),
            (
                Error::RateLimited {
                    retry_after_seconds: 60,
                },
                "RATE_LIMITED",
                429,
            ),
            (
                Error::internal("boom: SELECT * FROM secrets"),
                "INTERNAL",
                500,
            ),
        ];
        for (err, code, status) in table {
            assert_eq!(code_of(&err), code);
            assert_eq!(http_status_of(&err).as_u16(), status, "{code}");
            let gql = to_graphql(err, "req-1");
            let ext = gql.extensions.expect("extensions");
            assert_eq!(
                ext.get("code").map(ToString::to_string),
                Some(format!("\"{code}\""))
            );
            if code == "INTERNAL" {
                assert!(!gql.message.contains("SELECT"));
                assert!(gql.message.contains("req-1"));
                assert!(ext.get("requestId").is_some());
            }
            if code == "FORBIDDEN" && ext.get("requiredRole").is_some() {
                assert_eq!(
                    ext.get("requiredRole").map(ToString::to_string),
                    Some("\"ADMIN\"".into())
                );
            }
            if code == "BAD_USER_INPUT" {
                assert!(ext.get("field").is_some());
            }
        }
        let refused = bad_argument("filter.action", "x".into());
        let ext = refused.extensions.expect("extensions");
        assert_eq!(
            ext.get("code").map(ToString::to_string).as_deref(),
            Some("\"BAD_USER_INPUT\"")
        );
        assert_eq!(
            ext.get("field").map(ToString::to_string).as_deref(),
            Some("\"filter.action\"")
        );
    }
}
