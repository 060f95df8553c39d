//! Relay connections, assembled one way: cursors are row ids (keyset paging), the page
//! size rule is the domain's (`roster_domain::paging`), and a connection's complexity is
//! its page size times what each node costs.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, ObjectType, OutputType};
use roster_domain::paging::{DEFAULT_PAGE, MAX_PAGE};
use uuid::Uuid;

use super::error::ResultExt;

/// The complexity of a connection field asked for `first` nodes.
pub(crate) fn complexity(first: Option<i32>, child_complexity: usize) -> usize {
    let page = first.map_or(DEFAULT_PAGE, |first| {
        u64::try_from(first).unwrap_or(0).min(MAX_PAGE)
    });
    usize::try_from(page)
        .unwrap_or(usize::MAX)
        .saturating_mul(child_complexity)
        .saturating_add(1)
}

/// Parses a connection cursor (the row's id); a malformed one is `BAD_USER_INPUT`.
pub(crate) fn parse_cursor(
    ctx: &Context<'_>,
    after: Option<&str>,
) -> async_graphql::Result<Option<Uuid>> {
    after
        .map(|cursor| {
            Uuid::parse_str(cursor)
                .map_err(|_| roster_service::Error::BadInput {
                    field: "after",
                    message: "after is not a cursor from this connection".into(),
                })
                .gql(ctx)
        })
        .transpose()
}

/// A connection over one page of `rows`; `node` gives each row's cursor id and node.
pub(crate) fn connection<Row, Node, Extra>(
    after: Option<Uuid>,
    has_next_page: bool,
    extra: Extra,
    rows: impl IntoIterator<Item = Row>,
    mut node: impl FnMut(Row) -> (Uuid, Node),
) -> Connection<Uuid, Node, Extra>
where
    Node: OutputType,
    Extra: ObjectType,
{
    let mut connection = Connection::with_additional_fields(after.is_some(), has_next_page, extra);
    connection.edges.extend(rows.into_iter().map(|row| {
        let (id, node) = node(row);
        Edge::new(id, node)
    }));
    connection
}

/// The connection for a client that asked only for `totalCount` (no `nodes`, `edges` or
/// `pageInfo`): the page is not read at all, and `first` is checked as the page would.
/// `None` when the page is wanted.
pub(crate) fn total_only<Node, Extra>(
    ctx: &Context<'_>,
    first: Option<i32>,
    after: Option<Uuid>,
    extra: impl FnOnce() -> Extra,
) -> async_graphql::Result<Option<Connection<Uuid, Node, Extra>>>
where
    Node: OutputType,
    Extra: ObjectType,
{
    let look_ahead = ctx.look_ahead();
    if ["nodes", "edges", "pageInfo"]
        .into_iter()
        .any(|field| look_ahead.field(field).exists())
    {
        return Ok(None);
    }
    roster_domain::paging::page_size(first)
        .map_err(roster_service::Error::from)
        .gql(ctx)?;
    Ok(Some(Connection::with_additional_fields(
        after.is_some(),
        false,
        extra(),
    )))
}
