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

use async_graphql::indexmap::IndexMap;
use async_graphql::indexmap::map::RawEntryApiV1;
use async_graphql::indexmap::map::raw_entry_v1::RawEntryMut;
use async_graphql::parser::types::{Selection, SelectionSet};
use async_graphql::{Name, Value};

/// A node type some of whose fields are plain.
pub(crate) trait Plain {
    /// Whether some of its other fields query: then a page whose nodes are not plain
    /// resolves them together, as async-graphql's lists do, rather than one after another.
    const QUERIES: bool = false;

    /// This node's answer to `shape`, or `None` when some field in it is not plain.
    fn plain(&self, shape: &Shape<'_>) -> Option<Value>;
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
    /// directive or a key twice (async-graphql merges those by rules of its own).
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
        ] {
            let document = parse_query(query).unwrap();
            assert!(Shape::of(selection(&document)).is_none(), "{query}");
        }
        let document = parse_query("{ node { a missing } }").unwrap();
        let shape = Shape::of(selection(&document)).unwrap();
        assert_eq!(answer(&shape, "Thing"), None);
    }
}
