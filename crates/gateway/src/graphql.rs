//! The GraphQL schema: roots, object types and the bounds every request runs under.
//! Resolvers are thin: parse arguments, take the actor from the request, call one use
//! case, map the result.
//!
//! Object types with at most one field that waits on the database are `#[Object(serial)]`:
//! their fields are awaited in turn, as there is nothing for them to overlap, instead of
//! each object setting up a `FuturesUnordered` (a tenth of a members page's instructions,
//! counted with callgrind). Types with several such fields (`Organization`, `Viewer`,
//! `Project`, the roots) resolve their fields concurrently.

mod documents;
pub mod error;
mod invitation_types;
mod limits;
mod logo;
mod membership;
mod mutation;
mod notifications;
mod org_tokens;
mod paging;
mod plain;
mod plans;
mod project_mutation;
mod project_types;
mod query;
mod text_input;
mod types;
mod usage;
mod webhooks;

use async_graphql::{Context, EmptySubscription, Schema};
use roster_service::{Actor, Principal, RequestContext, Roster};

pub use documents::Documents;
pub use error::code_of;
pub use limits::{count_aliases, depth};
pub(crate) use logo::{LogoEtags, logo_url};
pub use text_input::{nul_in_document, nul_in_variables};

use error::{ResultExt, unauthenticated};
use roster_service::Config;

/// The schema type served at `/graphql`.
pub type RosterSchema = Schema<query::Query, mutation::Mutation, EmptySubscription>;

/// Per-request data: the credential the request came with, who it turned out to be (checked
/// once, when a resolver first asks), from where, and the request id errors cite.
///
/// The credential is checked lazily so that a request whose first question is about one
/// organization can resolve caller and organization in one statement
/// (`Query.organization`); every other resolver checks it through `principal`.
#[derive(Debug)]
pub struct RequestScope {
    credential: Option<String>,
    caller: tokio::sync::OnceCell<Option<Principal>>,
    pub context: RequestContext,
    pub request_id: String,
}

impl RequestScope {
    /// A request with `credential` (a bearer token or the session cookie), not yet checked.
    #[must_use]
    pub fn new(credential: Option<String>, context: RequestContext, request_id: String) -> Self {
        RequestScope {
            credential,
            caller: tokio::sync::OnceCell::new(),
            context,
            request_id,
        }
    }
}

/// Builds the schema so every query is bounded (complexity from `config.limits`; depth
/// without introspection, aliases and body size are checked by the HTTP handler before
/// execution).
#[must_use]
pub fn build_schema(roster: Roster, config: &Config) -> RosterSchema {
    let mut builder = Schema::build(
        query::Query,
        mutation::Mutation::default(),
        EmptySubscription,
    )
    .data(roster)
    .limit_complexity(config.limits.query_complexity)
    .limit_recursive_depth(32)
    .limit_directives(8);
    if !config.http.introspection {
        // "Did you mean ...?" hints would list field and type names to whoever guesses,
        // which is the schema that switching introspection off keeps private.
        builder = builder.disable_introspection().disable_suggestions();
    }
    builder.finish()
}

/// The schema in SDL, for `cargo xtask schema`.
#[must_use]
pub fn sdl() -> String {
    Schema::build(
        query::Query,
        mutation::Mutation::default(),
        EmptySubscription,
    )
    .finish()
    .sdl()
}

pub(crate) fn roster<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a Roster> {
    ctx.data::<Roster>()
}

pub(crate) fn scope<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a RequestScope> {
    ctx.data::<RequestScope>()
}

/// Where the request came from (IP, user agent), for the audit events it causes.
pub(crate) fn origin<'a>(
    ctx: &Context<'a>,
) -> async_graphql::Result<&'a roster_service::RequestContext> {
    Ok(&scope(ctx)?.context)
}

/// The caller (a user or an API key), or `UNAUTHENTICATED`.
pub(crate) async fn principal<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a Principal> {
    caller(ctx)
        .await?
        .as_ref()
        .ok_or_else(|| unauthenticated(ctx))
}

/// The signed-in user: `UNAUTHENTICATED` without credentials, `FORBIDDEN` for API keys.
pub(crate) async fn actor<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a Actor> {
    principal(ctx).await?.as_user().gql(ctx)
}

/// The signed-in user if any (`FORBIDDEN` for API keys), for operations open to the
/// signed-out too.
pub(crate) async fn optional_actor<'a>(
    ctx: &Context<'a>,
) -> async_graphql::Result<Option<&'a Actor>> {
    caller(ctx)
        .await?
        .as_ref()
        .map(|principal| principal.as_user().gql(ctx))
        .transpose()
}

/// Who the request's credential belongs to, checked on first use and kept for the rest of
/// the request (`None`: no credential, or an unknown or expired one).
async fn caller<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a Option<Principal>> {
    let scope = scope(ctx)?;
    scope
        .caller
        .get_or_try_init(|| async {
            match &scope.credential {
                Some(token) => roster(ctx)?.authenticate(token).await.gql(ctx),
                None => Ok(None),
            }
        })
        .await
}

/// The organization `key` and the caller together: one statement for a session whose
/// request starts here; otherwise the caller (checked once) reads it.
pub(crate) async fn organization_of_caller(
    ctx: &Context<'_>,
    key: roster_service::OrganizationKey<'_>,
) -> async_graphql::Result<Option<roster_domain::OrganizationView>> {
    let scope = scope(ctx)?;
    let roster = roster(ctx)?;
    if let (None, Some(token)) = (scope.caller.get(), &scope.credential) {
        let (principal, view) = roster
            .authenticate_for_organization(token, key)
            .await
            .gql(ctx)?;
        let known = principal.is_some();
        // A resolver running alongside may have checked the credential meanwhile: the
        // answer is the same either way.
        let _ = scope.caller.set(principal);
        if !known {
            return Err(unauthenticated(ctx));
        }
        return Ok(view);
    }
    roster
        .organization(principal(ctx).await?, key)
        .await
        .gql(ctx)
}

/// Parses an `ID` argument as a UUID; anything else is `BAD_USER_INPUT` on `field`.
pub(crate) fn parse_id(
    ctx: &Context<'_>,
    field: &'static str,
    id: &async_graphql::ID,
) -> async_graphql::Result<uuid::Uuid> {
    uuid::Uuid::parse_str(id.as_str())
        .map_err(|_| roster_service::Error::BadInput {
            field,
            message: format!("{field} is not a valid ID"),
        })
        .gql(ctx)
}
