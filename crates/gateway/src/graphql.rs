//! The GraphQL schema: roots, object types and the bounds every request runs under.
//! Resolvers are thin: parse arguments, take the actor from the request, call one use
//! case, map the result.

pub mod error;
mod invitation_types;
mod limits;
mod membership;
mod mutation;
mod query;
mod types;

use async_graphql::{Context, EmptySubscription, Schema};
use roster_service::{Actor, RequestContext, Roster};

pub use error::code_of;
pub use limits::count_aliases;

use crate::config::Config;
use error::{ResultExt, unauthenticated};

/// The schema type served at `/graphql`.
pub type RosterSchema = Schema<query::Query, mutation::Mutation, EmptySubscription>;

/// Per-request data: who is calling, from where, and the request id errors cite.
#[derive(Debug, Clone)]
pub struct RequestScope {
    pub actor: Option<Actor>,
    pub context: RequestContext,
    pub request_id: String,
}

/// Builds the schema with SPEC's bounds (depth, complexity; aliases and body size are
/// checked by the HTTP handler before execution).
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
        builder = builder.disable_introspection();
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

/// The signed-in caller, or `UNAUTHENTICATED`.
pub(crate) fn actor<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a Actor> {
    scope(ctx)?
        .actor
        .as_ref()
        .ok_or_else(|| unauthenticated(ctx))
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

/// Parses a connection cursor (the row's id); a malformed one is `BAD_USER_INPUT`.
pub(crate) fn parse_cursor(
    ctx: &Context<'_>,
    after: Option<&str>,
) -> async_graphql::Result<Option<uuid::Uuid>> {
    after
        .map(|cursor| {
            uuid::Uuid::parse_str(cursor)
                .map_err(|_| roster_service::Error::BadInput {
                    field: "after",
                    message: "after is not a cursor from this connection".into(),
                })
                .gql(ctx)
        })
        .transpose()
}
