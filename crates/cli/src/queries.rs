//! The typed operations: each struct is one operation of a `graphql/*.graphql` file, its
//! variables and answer generated (and checked against the repository's `schema.graphql`)
//! by `graphql_client` when this crate builds.

#![allow(clippy::all, unreachable_pub, missing_docs, reason = "generated code")]

use graphql_client::GraphQLQuery;

/// The derive tracks only the query files: including the schema makes cargo rebuild this
/// crate (and so re-check every operation) when `schema.graphql` changes.
const _SCHEMA: &str = include_str!("../../../schema.graphql");

/// `DateTime` in the schema: RFC 3339.
pub type DateTime = chrono::DateTime<chrono::Utc>;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../../schema.graphql",
    query_path = "graphql/session.graphql",
    response_derives = "Debug"
)]
pub struct RequestSignIn;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../../schema.graphql",
    query_path = "graphql/session.graphql",
    response_derives = "Debug"
)]
pub struct CompleteSignIn;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../../schema.graphql",
    query_path = "graphql/session.graphql",
    response_derives = "Debug"
)]
pub struct SignOut;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../../schema.graphql",
    query_path = "graphql/session.graphql",
    response_derives = "Debug"
)]
pub struct Whoami;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../../schema.graphql",
    query_path = "graphql/orgs.graphql",
    response_derives = "Debug"
)]
pub struct OrgList;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../../schema.graphql",
    query_path = "graphql/orgs.graphql",
    response_derives = "Debug"
)]
pub struct OrgLookup;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../../schema.graphql",
    query_path = "graphql/orgs.graphql",
    response_derives = "Debug"
)]
pub struct OrgShow;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../../schema.graphql",
    query_path = "graphql/orgs.graphql",
    response_derives = "Debug"
)]
pub struct OrgCreate;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../../schema.graphql",
    query_path = "graphql/orgs.graphql",
    response_derives = "Debug"
)]
pub struct OrgUpdate;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../../schema.graphql",
    query_path = "graphql/orgs.graphql",
    response_derives = "Debug"
)]
pub struct OrgLeave;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../../schema.graphql",
    query_path = "graphql/members.graphql",
    response_derives = "Debug"
)]
pub struct MemberList;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../../schema.graphql",
    query_path = "graphql/members.graphql",
    response_derives = "Debug"
)]
pub struct MemberInvite;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../../schema.graphql",
    query_path = "graphql/members.graphql",
    response_derives = "Debug"
)]
pub struct MemberRole;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../../schema.graphql",
    query_path = "graphql/members.graphql",
    response_derives = "Debug"
)]
pub struct MemberRemove;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../../schema.graphql",
    query_path = "graphql/invitations.graphql",
    response_derives = "Debug"
)]
pub struct InvitationList;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../../schema.graphql",
    query_path = "graphql/invitations.graphql",
    response_derives = "Debug"
)]
pub struct InvitationsMine;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../../schema.graphql",
    query_path = "graphql/invitations.graphql",
    response_derives = "Debug"
)]
pub struct InvitationResend;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../../schema.graphql",
    query_path = "graphql/invitations.graphql",
    response_derives = "Debug"
)]
pub struct InvitationRevoke;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../../schema.graphql",
    query_path = "graphql/invitations.graphql",
    response_derives = "Debug"
)]
pub struct InvitationAccept;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../../schema.graphql",
    query_path = "graphql/invitations.graphql",
    response_derives = "Debug"
)]
pub struct InvitationDecline;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../../schema.graphql",
    query_path = "graphql/projects.graphql",
    response_derives = "Debug"
)]
pub struct ProjectList;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../../schema.graphql",
    query_path = "graphql/projects.graphql",
    response_derives = "Debug"
)]
pub struct ProjectCreate;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../../schema.graphql",
    query_path = "graphql/projects.graphql",
    response_derives = "Debug"
)]
pub struct ProjectRename;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../../schema.graphql",
    query_path = "graphql/projects.graphql",
    response_derives = "Debug"
)]
pub struct ProjectDelete;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../../schema.graphql",
    query_path = "graphql/projects.graphql",
    response_derives = "Debug"
)]
pub struct KeyCreate;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../../schema.graphql",
    query_path = "graphql/projects.graphql",
    response_derives = "Debug"
)]
pub struct KeyRename;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../../schema.graphql",
    query_path = "graphql/projects.graphql",
    response_derives = "Debug"
)]
pub struct KeyRegenerate;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../../schema.graphql",
    query_path = "graphql/projects.graphql",
    response_derives = "Debug"
)]
pub struct KeyDelete;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../../schema.graphql",
    query_path = "graphql/audit.graphql",
    response_derives = "Debug"
)]
pub struct AuditLog;
