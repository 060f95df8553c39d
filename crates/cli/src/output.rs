//! What commands print: aligned plain-text tables for people, the server's `data` as JSON
//! with `--json`, and small formatting rules (times in UTC to the second, schema enum
//! names, absent values as `-`).

use std::io::Write as _;

use serde::Serialize;
use serde_json::Value;

/// A table: a header row and rows of cells, columns padded to their widest cell (the last
/// column is not padded, so lines carry no trailing spaces).
#[derive(Debug, Clone, Default)]
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    #[must_use]
    pub fn new(header: &[&str]) -> Table {
        Table {
            header: header.iter().map(|cell| (*cell).to_owned()).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The table as lines ending in `\n`.
    #[must_use]
    pub fn render(&self) -> String {
        let columns = self.header.len();
        let mut widths: Vec<usize> = self.header.iter().map(|cell| width(cell)).collect();
        for row in &self.rows {
            for (index, cell) in row.iter().enumerate().take(columns) {
                widths[index] = widths[index].max(width(cell));
            }
        }
        let mut out = String::new();
        for row in std::iter::once(&self.header).chain(&self.rows) {
            let mut line = String::new();
            for (index, cell) in row.iter().enumerate().take(columns) {
                let cell = clean(cell);
                if index + 1 < columns {
                    line.push_str(&cell);
                    line.extend(std::iter::repeat_n(' ', widths[index] - width(&cell) + 2));
                } else {
                    line.push_str(&cell);
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

/// Characters shown, not bytes (good enough for names without wide characters).
fn width(text: &str) -> usize {
    clean(text).chars().count()
}

/// A cell on one line: control characters (newlines, tabs, escapes from hostile names)
/// become spaces, so a value cannot break the table or the terminal.
fn clean(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Writes `text` to standard output. A closed pipe (`roster audit | head`) is no error:
/// the reader has what it wanted. Returns whether the text was written.
pub fn emit(text: &str) -> bool {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .is_ok()
}

/// Prints `value` as pretty JSON on standard output.
pub fn print_json(value: &Value) {
    let text = serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string());
    emit(&format!("{text}\n"));
}

/// A time as `2026-12-03 18:22:05` (UTC).
#[must_use]
pub fn time(at: &chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// The schema's name of a generated enum value (`ADMIN`), lowered for people (`admin`).
#[must_use]
pub fn name<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(Value::String(text)) => text.to_ascii_lowercase(),
        _ => "?".to_owned(),
    }
}

/// A generated enum value from its schema name (`"ADMIN"`).
///
/// # Errors
/// Never for names the schema has; a message otherwise.
pub fn schema_enum<T: serde::de::DeserializeOwned>(name: &str) -> Result<T, crate::CliError> {
    serde_json::from_value(Value::String(name.to_owned()))
        .map_err(|err| crate::CliError::local(format!("`{name}`: {err}")))
}

/// `-` for nothing.
#[must_use]
pub fn or_dash(value: Option<&str>) -> String {
    value.map_or_else(|| "-".to_owned(), str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_columns_without_trailing_spaces() {
        let mut table = Table::new(&["SLUG", "NAME", "ROLE"]);
        table.row(vec![
            "acme".into(),
            "Acme Corporation".into(),
            "owner".into(),
        ]);
        table.row(vec!["zürich-labs".into(), "Zürich".into(), "-".into()]);
        assert_eq!(
            table.render(),
            "SLUG         NAME              ROLE\n\
             acme         Acme Corporation  owner\n\
             zürich-labs  Zürich            -\n"
        );
    }

    #[test]
    fn a_cell_cannot_break_its_line() {
        let mut table = Table::new(&["NAME", "ID"]);
        table.row(vec!["evil\nname\u{1b}[2J".into(), "1".into()]);
        let text = table.render();
        assert_eq!(text.lines().count(), 2, "{text}");
        assert!(!text.contains('\u{1b}'));
    }

    #[test]
    fn an_empty_last_column_leaves_no_trailing_space() {
        let mut table = Table::new(&["A", "B"]);
        table.row(vec!["x".into(), String::new()]);
        assert_eq!(table.render(), "A  B\nx\n");
        assert!(!table.is_empty());
    }

    #[test]
    fn times_print_in_utc_to_the_second() {
        let at = chrono::DateTime::parse_from_rfc3339("2026-12-03T18:22:05.123+01:00")
            .map(|at| at.with_timezone(&chrono::Utc));
        assert_eq!(
            at.map(|at| time(&at)).ok().as_deref(),
            Some("2026-12-03 17:22:05")
        );
    }
}
