//! Bounds async-graphql does not enforce itself: the number of aliases in a document
//! (aliases multiply work without adding depth).

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};

/// Counts aliased fields in every operation and fragment of `document`.
#[must_use]
pub fn count_aliases(document: &ExecutableDocument) -> usize {
    let operations: usize = document
        .operations
        .iter()
        .map(|(_, operation)| in_selection_set(&operation.node.selection_set.node))
        .sum();
    let fragments: usize = document
        .fragments
        .values()
        .map(|fragment| in_selection_set(&fragment.node.selection_set.node))
        .sum();
    operations + fragments
}

fn in_selection_set(set: &SelectionSet) -> usize {
    set.items
        .iter()
        .map(|selection| match &selection.node {
            Selection::Field(field) => {
                usize::from(field.node.alias.is_some())
                    + in_selection_set(&field.node.selection_set.node)
            }
            Selection::InlineFragment(fragment) => {
                in_selection_set(&fragment.node.selection_set.node)
            }
            Selection::FragmentSpread(_) => 0,
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_aliases_in_operations_and_fragments() {
        let document = async_graphql::parser::parse_query(
            "query { a: viewer { user { id } } b: viewer { u: user { id } } ...F } fragment F on Query { c: viewer { user { id } } }",
        )
        .unwrap();
        assert_eq!(count_aliases(&document), 4);
        let plain = async_graphql::parser::parse_query("{ viewer { user { id } } }").unwrap();
        assert_eq!(count_aliases(&plain), 0);
    }
}
