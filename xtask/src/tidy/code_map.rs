//! ARCHITECTURE.md's code map as data: which workspace crates each crate may depend on.
//! The same reader parses the "may depend on" comment at the top of every manifest, so the
//! table and the manifests are held to one grammar: `nothing`, `anything`, or crate names
//! separated by commas or "and", with remarks in parentheses.

use std::collections::BTreeSet;
use std::fmt;

use super::Finding;

pub(super) const ARCHITECTURE: &str = "ARCHITECTURE.md";

/// What the code map allows a crate to depend on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Allowed {
    Anything,
    /// Package names; empty means "nothing".
    Only(BTreeSet<String>),
}

impl fmt::Display for Allowed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Allowed::Anything => f.write_str("anything"),
            Allowed::Only(names) if names.is_empty() => f.write_str("nothing"),
            Allowed::Only(names) => {
                let names: Vec<&str> = names.iter().map(String::as_str).collect();
                f.write_str(&names.join(", "))
            }
        }
    }
}

/// One row of the code map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct CodeMapRow {
    /// The package name, e.g. `roster-domain`.
    pub(super) package: String,
    /// The raw "may depend on" cell; resolved against package names later, because the
    /// cell names crates by their short names (`domain` for `roster-domain`).
    pub(super) may_depend_on: String,
    /// 1-based, in ARCHITECTURE.md.
    pub(super) line: usize,
}

/// The rows of the table under `## Code map` that has a "may depend on" column.
pub(super) fn parse_code_map(architecture: &str) -> Result<Vec<CodeMapRow>, Finding> {
    let missing = |line: usize, what: &str| Finding {
        path: ARCHITECTURE.into(),
        line,
        message: format!(
            "{what}: the dependency check needs a `## Code map` table with the columns \
             `crate` and `may depend on`"
        ),
    };
    let lines: Vec<&str> = architecture.lines().collect();
    let Some(heading) = lines.iter().position(|line| line.trim() == "## Code map") else {
        return Err(missing(1, "no `## Code map` heading"));
    };
    let mut rows = Vec::new();
    let mut columns: Option<(usize, usize)> = None;
    for (index, line) in lines.iter().enumerate().skip(heading + 1) {
        let line_number = index + 1;
        let trimmed = line.trim();
        if trimmed.starts_with("## ") {
            break;
        }
        if !trimmed.starts_with('|') {
            if columns.is_some() {
                break;
            }
            continue;
        }
        let cells = table_cells(trimmed);
        let Some((crate_column, depend_column)) = columns else {
            let find = |name: &str| {
                cells
                    .iter()
                    .position(|cell| cell.eq_ignore_ascii_case(name))
            };
            match (find("crate"), find("may depend on")) {
                (Some(crate_column), Some(depend_column)) => {
                    columns = Some((crate_column, depend_column));
                }
                _ => return Err(missing(line_number, "the code map's header lacks a column")),
            }
            continue;
        };
        if cells
            .iter()
            .all(|cell| cell.chars().all(|c| c == '-' || c == ':'))
        {
            continue;
        }
        let cell = |column: usize| {
            cells
                .get(column)
                .map(|cell| cell.trim_matches('`').to_owned())
                .unwrap_or_default()
        };
        rows.push(CodeMapRow {
            package: cell(crate_column),
            may_depend_on: cell(depend_column),
            line: line_number,
        });
    }
    if columns.is_none() {
        return Err(missing(heading + 1, "no table under `## Code map`"));
    }
    Ok(rows)
}

fn table_cells(row: &str) -> Vec<String> {
    let inner = row.trim().trim_start_matches('|').trim_end_matches('|');
    inner
        .split('|')
        .map(|cell| cell.trim().to_owned())
        .collect()
}

/// Reads "nothing", "anything" or a list of crate names (`domain, service`, `roster-domain
/// and roster-mailer`), ignoring remarks in parentheses and a trailing full stop. Crates may
/// be named by package (`roster-domain`) or short name (`domain`). Returns the first word
/// that names no crate as the error.
pub(super) fn resolve_allowed(cell: &str, packages: &BTreeSet<String>) -> Result<Allowed, String> {
    let text = strip_parentheses(cell);
    let text = text.trim().trim_end_matches('.').trim();
    if text.starts_with("anything") {
        return Ok(Allowed::Anything);
    }
    if text.starts_with("nothing") {
        return Ok(Allowed::Only(BTreeSet::new()));
    }
    let mut names = BTreeSet::new();
    for item in text.split(',').flat_map(|item| item.split(" and ")) {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        let package = [item.to_owned(), format!("roster-{item}")]
            .into_iter()
            .find(|name| packages.contains(name))
            .ok_or_else(|| item.to_owned())?;
        names.insert(package);
    }
    Ok(Allowed::Only(names))
}

/// Drops every `( .. )` remark (not nested) and anything after an unmatched `)`, so the
/// root manifest's "(may depend on anything)." reads as "anything".
fn strip_parentheses(text: &str) -> String {
    let mut out = String::new();
    let mut depth = 0_usize;
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' if depth == 0 => break,
            ')' => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowed_cells_read_names_short_names_and_remarks() {
        let packages: BTreeSet<String> = ["roster-domain", "roster-service", "test-support"]
            .into_iter()
            .map(String::from)
            .collect();
        let only =
            |names: &[&str]| Allowed::Only(names.iter().map(|name| (*name).to_owned()).collect());
        assert_eq!(
            resolve_allowed("nothing (frozen)", &packages),
            Ok(only(&[]))
        );
        assert_eq!(
            resolve_allowed(" nothing in the workspace (pure).", &packages),
            Ok(only(&[]))
        );
        assert_eq!(
            resolve_allowed("anything (dev only)", &packages),
            Ok(Allowed::Anything)
        );
        assert_eq!(
            resolve_allowed(" anything).", &packages),
            Ok(Allowed::Anything)
        );
        assert_eq!(
            resolve_allowed("domain, service (only at start-up)", &packages),
            Ok(only(&["roster-domain", "roster-service"]))
        );
        assert_eq!(
            resolve_allowed(" roster-domain and test-support.", &packages),
            Ok(only(&["roster-domain", "test-support"]))
        );
        assert_eq!(
            resolve_allowed("domain, mailer", &packages),
            Err("mailer".to_owned())
        );
    }
}
