//! Relay connections, assembled one way: cursors are row ids (keyset paging), the page
//! size rule is the domain's (`roster_domain::paging`), and a connection's complexity is
//! its page size times what each node costs.
//!
//! `Page` is async-graphql's `Connection` (the same types, fields and descriptions in the
//! schema, and its `Edge` and `PageInfo`), except for how `nodes` resolves its nodes. When
//! every field asked of them is plain, it answers them itself (`plain.rs`). Otherwise
//! members and audit events, whose fields wait on nothing (the page read them all), are
//! resolved one after another: async-graphql resolves a list's items concurrently, and
//! past 30 items that means a `FuturesOrdered`, each node's future (about 1 KB) moved into
//! a task of its own, 5 % of a 50-member page's instructions (callgrind). Other nodes,
//! some of whose fields query, are resolved together as async-graphql resolves any list
//! (`Plain::QUERIES`).

use std::borrow::Cow;

use async_graphql::connection::{CursorType, Edge, EmptyFields, PageInfo};
use async_graphql::parser::types::Field;
use async_graphql::registry::Registry;
use async_graphql::resolver_utils::resolve_list;
use async_graphql::{
    Context, ContextSelectionSet, Object, ObjectType, OutputType, Positioned, ServerResult,
    TypeName, Value,
};
use roster_domain::paging::{DEFAULT_PAGE, MAX_PAGE};
use uuid::Uuid;

use super::error::ResultExt;
use super::plain::{Plain, Shape};

/// One page of a Relay connection (`{Node}Connection` in the schema).
pub(crate) struct Page<Node: OutputType, Extra> {
    edges: Vec<Edge<Uuid, Node, EmptyFields>>,
    has_previous_page: bool,
    has_next_page: bool,
    extra: Extra,
}

impl<Node: OutputType, Extra: ObjectType> TypeName for Page<Node, Extra> {
    fn type_name() -> Cow<'static, str> {
        format!("{}Connection", Node::type_name()).into()
    }
}

#[Object(name_type)]
impl<Node: OutputType + Plain, Extra: ObjectType> Page<Node, Extra> {
    /// Information to aid in pagination.
    async fn page_info(&self) -> PageInfo {
        PageInfo {
            has_previous_page: self.has_previous_page,
            has_next_page: self.has_next_page,
            start_cursor: self.edges.first().map(|edge| edge.cursor.encode_cursor()),
            end_cursor: self.edges.last().map(|edge| edge.cursor.encode_cursor()),
        }
    }

    /// A list of edges.
    async fn edges(&self) -> &[Edge<Uuid, Node, EmptyFields>] {
        &self.edges
    }

    /// A list of nodes.
    async fn nodes(&self) -> InTurn<'_, Node> {
        InTurn(self.edges.iter().map(|edge| &edge.node).collect())
    }

    #[graphql(flatten)]
    async fn additional_fields(&self) -> &Extra {
        &self.extra
    }
}

/// A page's `nodes` (`[Node!]!`): answered as plain nodes when they can be, else as
/// async-graphql answers a list, or, for nodes whose fields wait on nothing, one after
/// another with the first error ending it, as it ends async-graphql's lists.
/// (async-graphql's lists also pass each item through the schema's extensions; Roster
/// registers none.)
pub(crate) struct InTurn<'a, Node>(Vec<&'a Node>);

impl<Node: OutputType + Plain> OutputType for InTurn<'_, Node> {
    fn type_name() -> Cow<'static, str> {
        format!("[{}]", Node::qualified_type_name()).into()
    }

    fn qualified_type_name() -> String {
        format!("[{}]!", Node::qualified_type_name())
    }

    fn create_type_info(registry: &mut Registry) -> String {
        Node::create_type_info(registry);
        Self::qualified_type_name()
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        // Every node is asked for the same fields, so all are plain or none is.
        if let Some(shape) = Shape::of(&ctx.item.node)
            && let Some(items) = self.0.iter().map(|node| node.plain(&shape)).collect()
        {
            return Ok(Value::List(items));
        }
        if Node::QUERIES {
            return resolve_list(ctx, field, self.0.iter().copied(), Some(self.0.len())).await;
        }
        let mut items = Vec::with_capacity(self.0.len());
        for (index, node) in self.0.iter().enumerate() {
            let ctx_index = ctx.with_index(index);
            let item = OutputType::resolve(*node, &ctx_index, field)
                .await
                .map_err(|err| ctx_index.set_error_path(err))?;
            items.push(item);
        }
        Ok(Value::List(items))
    }
}

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
pub(crate) fn connection<Row, Node: OutputType, Extra>(
    after: Option<Uuid>,
    has_next_page: bool,
    extra: Extra,
    rows: impl IntoIterator<Item = Row>,
    mut node: impl FnMut(Row) -> (Uuid, Node),
) -> Page<Node, Extra> {
    Page {
        edges: rows
            .into_iter()
            .map(|row| {
                let (id, node) = node(row);
                Edge::new(id, node)
            })
            .collect(),
        has_previous_page: after.is_some(),
        has_next_page,
        extra,
    }
}

/// The connection for a client that asked only for `totalCount` (no `nodes`, `edges` or
/// `pageInfo`): the page is not read at all, and `first` is checked as the page would.
/// `None` when the page is wanted.
pub(crate) fn total_only<Node: OutputType, Extra>(
    ctx: &Context<'_>,
    first: Option<i32>,
    after: Option<Uuid>,
    extra: impl FnOnce() -> Extra,
) -> async_graphql::Result<Option<Page<Node, Extra>>> {
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
    Ok(Some(Page {
        edges: Vec::new(),
        has_previous_page: after.is_some(),
        has_next_page: false,
        extra: extra(),
    }))
}
