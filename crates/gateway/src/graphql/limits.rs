//! Bounds async-graphql does not enforce itself: the number of aliases in a document
//! (aliases multiply work without adding depth), and depth counted without introspection
//! (GraphiQL's schema query nests `ofType` nine times; the schema bounds it, not the data).

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

/// How many fragment and field visits `depth` makes before it calls a document too deep
/// (fragments that spread one another many times end here).
const DEPTH_VISITS: usize = 10_000;

/// How deep `depth` recurses (fields, inline fragments and spreads nested in one another)
/// before it calls a document too deep: fragments that spread each other end here, well
/// before the stack of a request's thread does.
const DEPTH_NESTING: usize = 64;

/// The deepest nesting of fields in any operation of `document` (a root field is depth 1),
/// not counting the introspection fields `__schema` and `__type`. Counting stops once past
/// `cap`, so the answer is exact up to `cap` and only "more than `cap`" beyond it.
#[must_use]
pub fn depth(document: &ExecutableDocument, cap: usize) -> usize {
    let mut visits = DEPTH_VISITS;
    document
        .operations
        .iter()
        .map(|(_, operation)| {
            let mut walk = Walk {
                document,
                cap,
                visits: &mut visits,
            };
            walk.deepest(&operation.node.selection_set.node, 1, 0)
        })
        .max()
        .unwrap_or(0)
}

/// One walk of `depth` over a document.
struct Walk<'a> {
    document: &'a ExecutableDocument,
    cap: usize,
    visits: &'a mut usize,
}

impl Walk<'_> {
    /// The depth reached below `set`, whose fields sit at depth `level`, `nesting` calls
    /// down from the operation.
    fn deepest(&mut self, set: &SelectionSet, level: usize, nesting: usize) -> usize {
        if set.items.is_empty() {
            return level - 1;
        }
        if level > self.cap || *self.visits == 0 || nesting >= DEPTH_NESTING {
            return self.cap + 1;
        }
        *self.visits -= 1;
        let mut max = level - 1;
        for selection in &set.items {
            let reached = match &selection.node {
                Selection::Field(field) => {
                    let name = field.node.name.node.as_str();
                    if level == 1 && (name == "__schema" || name == "__type") {
                        continue;
                    }
                    self.deepest(&field.node.selection_set.node, level + 1, nesting + 1)
                }
                Selection::InlineFragment(fragment) => {
                    self.deepest(&fragment.node.selection_set.node, level, nesting + 1)
                }
                Selection::FragmentSpread(spread) => {
                    match self.document.fragments.get(&spread.node.fragment_name.node) {
                        Some(fragment) => {
                            self.deepest(&fragment.node.selection_set.node, level, nesting + 1)
                        }
                        None => level - 1,
                    }
                }
            };
            max = max.max(reached);
            if max > self.cap {
                break;
            }
        }
        max
    }
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

    fn parse(query: &str) -> ExecutableDocument {
        async_graphql::parser::parse_query(query).unwrap()
    }

    #[test]
    fn depth_counts_fields_through_fragments_but_not_introspection() {
        assert_eq!(depth(&parse("{ a }"), 12), 1);
        assert_eq!(depth(&parse("{ a { b { c } } }"), 12), 3);
        assert_eq!(
            depth(
                &parse("{ a { ...F } } fragment F on A { b { ... on B { c { d } } } }"),
                12
            ),
            4
        );
        let introspection = format!(
            "{{ __schema {{ types {{ fields {{ type {{ {}name{} }} }} }} }} }}",
            "ofType { ".repeat(10),
            " }".repeat(10)
        );
        assert_eq!(depth(&parse(&introspection), 12), 0);
        assert_eq!(depth(&parse("{ __typename a { b } }"), 12), 2);
        // Past the cap the answer only says so.
        let deep = format!("{{ {} }}", "a { ".repeat(20) + "b" + &" }".repeat(20));
        assert_eq!(depth(&parse(&deep), 12), 13);
    }

    #[test]
    fn fragments_that_spread_each_other_are_too_deep_not_a_stack_overflow() {
        let cyclic = parse("{ ...A } fragment A on Query { ...B } fragment B on Query { a ...A }");
        assert_eq!(depth(&cyclic, 12), 13);
        let mut bomb = String::from("{ ...F0 } ");
        for level in 0..30 {
            bomb.push_str(&format!(
                "fragment F{level} on Query {{ ...F{next} ...F{next} }} ",
                next = level + 1
            ));
        }
        bomb.push_str("fragment F30 on Query { a }");
        assert_eq!(depth(&parse(&bomb), 12), 13);
    }
}
