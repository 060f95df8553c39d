//! Nodes of a page answered without async-graphql's per-field machinery, when every field
//! asked for is plain: a value the node already holds, with no arguments, no directive,
//! no fragment, nothing that can fail and nothing that waits.
//!
//! async-graphql answers each field of each object through a boxed future of its own,
//! collects the answers into a vector and moves them into the object's map, looking every
//! name up twice on the way (`insert_value`). A members page asks for three fields of each
//! of 50 members (`role user { email }`): answering its nodes took 32 % of the page's
//! instructions (callgrind), more than reading the page from the database. Here the
//! selection is checked once per page (`Shape`), each node's map is sized once and each
//! field written straight into it: 12 % of the page, which takes 23 % fewer instructions in
//! all (0.722M to 0.556M).
//!
//! Anything else (a fragment, an argument, a directive, the same key twice, a field a type
//! does not list as plain) sends the whole page's nodes back to async-graphql, which stays
//! the reference: `plain_nodes_answer_exactly_as_async_graphql_does` (`tests/hot_path.rs`)
//! asks for every plain field both ways, directly and through an inline fragment (which
//! only async-graphql answers), and compares the two bodies byte for byte.

use std::hash::{BuildHasher, RandomState};
use std::sync::LazyLock;

use async_graphql::indexmap::IndexMap;
use async_graphql::indexmap::map::RawEntryApiV1;
use async_graphql::indexmap::map::raw_entry_v1::RawEntryMut;
use async_graphql::parser::types::{Selection, SelectionSet};
use async_graphql::resolver_utils::enum_value;
use async_graphql::{Name, OutputType, ScalarType, Value};
use roster_domain::UserSummary;
use uuid::Uuid;

use super::invitation_types::InvitationObject;
use super::project_types::{AuditEventObject, ProjectObject};
use super::types::{GqlOrganizationKind, GqlRole, MemberObject, OrganizationObject, UserObject};
use super::webhooks::WebhookDeliveryObject;

/// A node type of a page, and which of its fields are plain. The defaults (no plain field,
/// fields that query) answer its pages as async-graphql answers any list.
pub(crate) trait Plain {
    /// Whether some of its fields query: then a page whose nodes are not plain resolves
    /// them together, as async-graphql's lists do, rather than one after another.
    const QUERIES: bool = true;

    /// This node's answer to `shape`, or `None` when some field in it is not plain.
    fn plain(&self, _shape: &Shape<'_>) -> Option<Value> {
        None
    }
}

/// The fields a selection asks for, when it asks for nothing but fields without arguments
/// or directives, each under a key of its own, and the same of every sub-selection. Worked
/// out once for all the nodes of a page.
///
/// The maps of one page's nodes share a hasher, so each key is hashed once here rather
/// than once per node: SipHash of the key was two fifths of the time spent filling them.
pub(crate) struct Shape<'q> {
    hasher: RandomState,
    fields: Vec<Selected<'q>>,
}

struct Selected<'q> {
    /// The response key (the alias, else the name).
    key: Name,
    /// `key` hashed by the shape's hasher.
    hash: u64,
    name: &'q str,
    /// The sub-selection of a field whose value is an object.
    inner: Option<Shape<'q>>,
}

impl<'q> Shape<'q> {
    /// The shape of `selection`, or `None` when it holds a fragment, an argument, a
    /// directive or a key twice (async-graphql merges those by rules of its own), or
    /// nothing at all.
    pub(crate) fn of(selection: &'q SelectionSet) -> Option<Self> {
        let hasher = RandomState::new();
        let mut fields: Vec<Selected<'q>> = Vec::with_capacity(selection.items.len());
        for item in &selection.items {
            let Selection::Field(selected) = &item.node else {
                return None;
            };
            let selected = &selected.node;
            if !selected.arguments.is_empty() || !selected.directives.is_empty() {
                return None;
            }
            let key = selected.response_key().node.clone();
            if fields.iter().any(|field| field.key == key) {
                return None;
            }
            let inner = &selected.selection_set.node;
            fields.push(Selected {
                hash: hasher.hash_one(&key),
                key,
                name: selected.name.node.as_str(),
                inner: if inner.items.is_empty() {
                    None
                } else {
                    Some(Shape::of(inner)?)
                },
            });
        }
        // Nothing left (every field skipped): async-graphql answers null, not `{}`.
        if fields.is_empty() {
            return None;
        }
        Some(Shape { hasher, fields })
    }

    /// An object of type `type_name` answered field by field by `field` (given each field's
    /// name and, for an object, its sub-selection's shape), or `None` when `field` answers
    /// `None` for one of them.
    pub(crate) fn object(
        &self,
        type_name: &str,
        mut field: impl FnMut(&str, Option<&Shape<'q>>) -> Option<Value>,
    ) -> Option<Value> {
        let mut map: IndexMap<Name, Value> =
            IndexMap::with_capacity_and_hasher(self.fields.len(), self.hasher.clone());
        for selected in &self.fields {
            let value = if selected.name == "__typename" {
                Value::String(type_name.to_owned())
            } else {
                field(selected.name, selected.inner.as_ref())?
            };
            // Always vacant: `of` let no key in twice.
            if let RawEntryMut::Vacant(vacant) = map
                .raw_entry_mut_v1()
                .from_hash(selected.hash, |key| *key == selected.key)
            {
                vacant.insert_hashed_nocheck(selected.hash, selected.key.clone(), value);
            }
        }
        Some(Value::Object(map))
    }
}

// The plain fields of each node type, beside the `#[Object]` resolvers they mirror
// (`types.rs`, `project_types.rs`).

/// Every field of `MemberObject`, each value written as async-graphql writes it (`enum_value`
/// for the role, the scalar's `to_value` for the time).
impl Plain for MemberObject {
    const QUERIES: bool = false;

    fn plain(&self, shape: &Shape<'_>) -> Option<Value> {
        shape.object(&Self::type_name(), |name, inner| match name {
            "user" => plain_user(&self.0.user, inner?),
            "role" => Some(role_value(self.0.membership.role.into())),
            "joinedAt" => Some(self.0.membership.joined_at.to_value()),
            _ => None,
        })
    }
}

/// `role` as async-graphql writes it (`enum_value`), each name made once rather than once
/// per member.
fn role_value(role: GqlRole) -> Value {
    static VALUES: LazyLock<[Value; 4]> = LazyLock::new(|| {
        [
            GqlRole::Viewer,
            GqlRole::Member,
            GqlRole::Admin,
            GqlRole::Owner,
        ]
        .map(enum_value)
    });
    let [viewer, member, admin, owner] = &*VALUES;
    match role {
        GqlRole::Viewer => viewer,
        GqlRole::Member => member,
        GqlRole::Admin => admin,
        GqlRole::Owner => owner,
    }
    .clone()
}

/// Every field of `UserObject`, plain.
fn plain_user(user: &UserSummary, shape: &Shape<'_>) -> Option<Value> {
    shape.object(&UserObject::type_name(), |name, _| match name {
        "id" => Some(Value::String(user.id.to_string())),
        "email" => Some(Value::String(user.email.clone())),
        "displayName" => Some(user.display_name.clone().map_or(Value::Null, Value::String)),
        _ => None,
    })
}

/// The fields of `OrganizationObject` that it holds (the logo, usage and the connections
/// query); a page asking for any other resolves its organizations together, as
/// async-graphql's lists do.
impl Plain for OrganizationObject {
    fn plain(&self, shape: &Shape<'_>) -> Option<Value> {
        let (organization, role) = (&self.0.organization, self.0.membership.role);
        shape.object(&Self::type_name(), |name, _| match name {
            "id" => Some(Value::String(organization.id.to_string())),
            "slug" => Some(Value::String(organization.slug.clone())),
            "name" => Some(Value::String(organization.name.clone())),
            "kind" => Some(enum_value(GqlOrganizationKind::from(organization.kind))),
            "viewerRole" => Some(role_value(role.into())),
            "viewerPermissions" => Some(Value::List(
                role.permissions()
                    .into_iter()
                    .map(|permission| Value::String(permission.to_owned()))
                    .collect(),
            )),
            "memberCount" => Some(organization.member_count.to_value()),
            "plan" => Some(Value::String(organization.plan.clone())),
            "billingEmail" => Some(
                organization
                    .billing_email
                    .clone()
                    .map_or(Value::Null, Value::String),
            ),
            "createdAt" => Some(organization.created_at.to_value()),
            _ => None,
        })
    }
}

/// Every field of `AuditEventObject` but `context` (a JSON value), each value written as
/// async-graphql writes it.
impl Plain for AuditEventObject {
    const QUERIES: bool = false;

    fn plain(&self, shape: &Shape<'_>) -> Option<Value> {
        let event = &self.0;
        let id = |id: Option<Uuid>| id.map_or(Value::Null, |id| Value::String(id.to_string()));
        let text = |text: &Option<String>| text.clone().map_or(Value::Null, Value::String);
        shape.object(&Self::type_name(), |name, _| match name {
            "id" => Some(Value::String(event.id.to_string())),
            "action" => Some(Value::String(event.action.clone())),
            "actorEmail" => Some(text(&event.actor_email)),
            "actorId" => Some(id(event.actor_user_id.or(event.actor_api_key_id))),
            "actorType" => Some(Value::String(
                if event.actor_api_key_id.is_some() {
                    "API_KEY"
                } else {
                    "USER"
                }
                .to_owned(),
            )),
            "actorLabel" => Some(text(&event.actor_label)),
            "targetId" => Some(id(event.target_id)),
            "projectId" => Some(id(event.project_id)),
            "ip" => Some(text(&event.ip)),
            "userAgent" => Some(text(&event.user_agent)),
            "occurredAt" => Some(event.occurred_at.to_value()),
            _ => None,
        })
    }
}

// Nodes whose fields query or nest (invitations, projects with their keys, deliveries):
// their pages are answered as async-graphql answers a list.
impl Plain for InvitationObject {}
impl Plain for ProjectObject {}
impl Plain for WebhookDeliveryObject {}

#[cfg(test)]
mod tests {
    use async_graphql::parser::parse_query;
    use async_graphql::parser::types::ExecutableDocument;

    use super::*;

    /// The selection of the first field of `query`'s operation.
    fn selection(document: &ExecutableDocument) -> &SelectionSet {
        let (_, operation) = document.operations.iter().next().unwrap();
        let Selection::Field(field) = &operation.node.selection_set.node.items[0].node else {
            panic!("not a field");
        };
        &field.node.selection_set.node
    }

    /// Answers every leaf with its name in capitals, and `missing` not at all.
    fn answer(shape: &Shape<'_>, type_name: &str) -> Option<Value> {
        shape.object(type_name, |name, inner| match (name, inner) {
            ("missing", _) => None,
            (_, Some(inner)) => answer(inner, "Inner"),
            (_, None) => Some(Value::String(name.to_uppercase())),
        })
    }

    #[test]
    fn each_field_is_answered_under_its_response_key_in_order() {
        let document = parse_query("{ node { b a: c __typename d { e __typename } } }").unwrap();
        let shape = Shape::of(selection(&document)).unwrap();
        let answered = answer(&shape, "Thing").unwrap();
        assert_eq!(
            serde_json::to_string(&answered).unwrap(),
            r#"{"b":"B","a":"C","__typename":"Thing","d":{"e":"E","__typename":"Inner"}}"#
        );
        // The map finds its keys: they were hashed by its own hasher.
        let Value::Object(map) = answer(&shape, "Thing").unwrap() else {
            panic!("not an object");
        };
        assert_eq!(map.get("a"), Some(&Value::String("C".into())));
        assert_eq!(map.get("c"), None);
    }

    #[test]
    fn anything_but_plain_fields_is_left_to_async_graphql() {
        for query in [
            "{ node { a ... on Thing { b } } }",
            "{ node { a ...rest } } fragment rest on Thing { b }",
            "{ node { a(first: 1) } }",
            "{ node { a @include(if: true) } }",
            "{ node { a a } }",
            "{ node { a b: a b } }",
            "{ node { a d { ... on Inner { e } } } }",
            "{ node { d { ... on Inner { e } } } }",
        ] {
            let document = parse_query(query).unwrap();
            assert!(Shape::of(selection(&document)).is_none(), "{query}");
        }
        let document = parse_query("{ node { a missing } }").unwrap();
        let shape = Shape::of(selection(&document)).unwrap();
        assert_eq!(answer(&shape, "Thing"), None);
    }
}
