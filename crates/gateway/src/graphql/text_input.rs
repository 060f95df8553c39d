//! Text arguments no field accepts: a NUL character. PostgreSQL cannot store or compare
//! text holding one (it fails the statement), so one NUL anywhere in an argument would
//! turn into `INTERNAL` deep inside a use case. The HTTP handler refuses such requests
//! here, for every field at once, before anything runs.

use std::convert::Infallible;

use async_graphql::Value;
use async_graphql::parser::Positioned;
use async_graphql::parser::types::{Directive, ExecutableDocument, Selection, SelectionSet};

/// The first request variable (by name, with `.`-joined input-object fields) whose text
/// holds a NUL character.
#[must_use]
pub fn nul_in_variables(variables: &async_graphql::Variables) -> Option<String> {
    variables
        .iter()
        .find_map(|(name, value)| in_value(name.as_str(), value))
}

/// The first argument (by name, with `.`-joined input-object fields) or variable default
/// whose text holds a NUL character, anywhere in `document`.
#[must_use]
pub fn nul_in_document(document: &ExecutableDocument) -> Option<String> {
    for (_, operation) in document.operations.iter() {
        let operation = &operation.node;
        for definition in &operation.variable_definitions {
            let definition = &definition.node;
            if let Some(default) = &definition.default_value
                && let Some(path) = in_value(definition.name.node.as_str(), &default.node)
            {
                return Some(path);
            }
            if let Some(path) = in_directives(&definition.directives) {
                return Some(path);
            }
        }
        if let Some(path) = in_directives(&operation.directives) {
            return Some(path);
        }
        if let Some(path) = in_selection_set(&operation.selection_set.node) {
            return Some(path);
        }
    }
    document.fragments.values().find_map(|fragment| {
        in_directives(&fragment.node.directives)
            .or_else(|| in_selection_set(&fragment.node.selection_set.node))
    })
}

// Literal arguments are checked as constants, a variable in them read as `null`: the
// request's variables are checked on their own.

fn in_selection_set(set: &SelectionSet) -> Option<String> {
    set.items.iter().find_map(|selection| {
        in_directives(selection.node.directives()).or_else(|| match &selection.node {
            Selection::Field(field) => field
                .node
                .arguments
                .iter()
                .find_map(|(name, value)| {
                    in_value(
                        name.node.as_str(),
                        &value
                            .node
                            .clone()
                            .into_const_with(|_| Ok::<_, Infallible>(Value::Null))
                            .ok()?,
                    )
                })
                .or_else(|| in_selection_set(&field.node.selection_set.node)),
            Selection::InlineFragment(fragment) => {
                in_selection_set(&fragment.node.selection_set.node)
            }
            Selection::FragmentSpread(_) => None,
        })
    })
}

fn in_directives(directives: &[Positioned<Directive>]) -> Option<String> {
    directives.iter().find_map(|directive| {
        directive.node.arguments.iter().find_map(|(name, value)| {
            in_value(
                name.node.as_str(),
                &value
                    .node
                    .clone()
                    .into_const_with(|_| Ok::<_, Infallible>(Value::Null))
                    .ok()?,
            )
        })
    })
}

fn in_value(path: &str, value: &Value) -> Option<String> {
    match value {
        Value::String(text) => text.contains('\0').then(|| path.to_owned()),
        Value::List(items) => items.iter().find_map(|item| in_value(path, item)),
        Value::Object(fields) => fields
            .iter()
            .find_map(|(name, field)| in_value(&format!("{path}.{name}"), field)),
        Value::Null | Value::Number(_) | Value::Boolean(_) | Value::Binary(_) | Value::Enum(_) => {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nul_in(query: &str, variables: serde_json::Value) -> Option<String> {
        let document = async_graphql::parser::parse_query(query).unwrap();
        nul_in_variables(&async_graphql::Variables::from_json(variables))
            .or_else(|| nul_in_document(&document))
    }

    #[test]
    fn finds_nul_in_literals_nested_inputs_defaults_and_variables() {
        let none = serde_json::json!({});
        assert_eq!(
            nul_in(
                r#"{ organization(slug: "ab\u0000c") { id } }"#,
                none.clone()
            )
            .as_deref(),
            Some("slug")
        );
        assert_eq!(
            nul_in(
                r#"{ a { auditLog(filter: { action: ["x", "y\u0000"] }) { id } } }"#,
                none.clone()
            )
            .as_deref(),
            Some("filter.action")
        );
        assert_eq!(
            nul_in(
                r#"query($s: String = "q\u0000") { a(search: $s) { id } }"#,
                none.clone()
            )
            .as_deref(),
            Some("s")
        );
        assert_eq!(
            nul_in(
                "{ ...F } fragment F on Query { a(x: \"\\u0000\") { id } }",
                none.clone()
            )
            .as_deref(),
            Some("x")
        );
        assert_eq!(
            nul_in(
                "query($i: In) { a(i: $i) { id } }",
                serde_json::json!({ "i": { "list": ["ok", "b\0"] } })
            )
            .as_deref(),
            Some("i.list")
        );
        assert_eq!(
            nul_in(
                r#"{ a(x: "fine", y: $v) @include(if: true) { id } }"#,
                serde_json::json!({ "v": "ok" })
            ),
            None
        );
    }
}
