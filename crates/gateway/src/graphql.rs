//! The GraphQL schema: roots, object types and the bounds every request runs under.
//! Resolvers are thin: parse arguments, take the actor from the request, call one use
//! case, map the result.

pub mod error;
mod invitation_types;
mod limits;
mod logo;
mod membership;
mod mutation;
mod notifications;
mod org_tokens;
mod paging;
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

pub use error::code_of;
pub use limits::count_aliases;
pub(crate) use logo::{LogoEtags, logo_url};
pub use text_input::{nul_in_document, nul_in_variables};

use error::{ResultExt, unauthenticated};
use roster_service::Config;

/// The schema type served at `/graphql`.
pub type RosterSchema = Schema<query::Query, mutation::Mutation, EmptySubscription>;

/// Per-request data: who is calling, from where, and the request id errors cite.
#[derive(Debug, Clone)]
pub struct RequestScope {
    pub principal: Option<Principal>,
    pub context: RequestContext,
    pub request_id: String,
}

/// Builds the schema so every query is bounded (depth and complexity from `config.limits`;
/// aliases and body size are checked by the HTTP handler before execution).
#[must_use]
pub fn build_schema(roster: Roster, config: &Config) -> RosterSchema {
    let mut builder = Schema::build(
        query::Query,
        mutation::Mutation::default(),
        EmptySubscription,
    )
    .data(roster)
    .limit_depth(config.limits.query_depth)
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
pub(crate) fn principal<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a Principal> {
    scope(ctx)?
        .principal
        .as_ref()
        .ok_or_else(|| unauthenticated(ctx))
}

/// The signed-in user: `UNAUTHENTICATED` without credentials, `FORBIDDEN` for API keys.
pub(crate) fn actor<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a Actor> {
    principal(ctx)?.as_user().gql(ctx)
}

/// The signed-in user if any (`FORBIDDEN` for API keys), for operations open to the
/// signed-out too.
pub(crate) fn optional_actor<'a>(ctx: &Context<'a>) -> async_graphql::Result<Option<&'a Actor>> {
    scope(ctx)?
        .principal
        .as_ref()
        .map(|principal| principal.as_user().gql(ctx))
        .transpose()
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
