//! `cargo xtask tidy`: the house rules a compiler does not check, run as a test so that
//! `cargo test --workspace` enforces them and as a command that prints every finding.
//!
//! - Dependencies: every workspace member's normal `[dependencies]` on another workspace
//!   crate must be allowed by the "may depend on" column of ARCHITECTURE.md's code map, and
//!   each manifest's "may depend on" comment must say the same as that table. Dev-dependencies
//!   are free: tests may reach anything.
//! - Every `.rs` file under `crates/`, `migrations/`, `xtask/` and `tests/` starts with a `//!`
//!   paragraph saying what it is for.
//! - No `.rs` file is longer than [`MAX_LINES`]: split it by use case or resource.
//! - No comment refers to the product specification by its upper-case short name: that
//!   document is not in the repository, so a comment must state the rule itself.
//!
//! Each finding names a `file:line` and what to do about it.

mod code_map;
mod comments;
mod dependencies;

use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::Context as _;

/// The longest a source file may grow before it must be split.
pub(crate) const MAX_LINES: usize = 500;

/// The folders, relative to the repository root, whose `.rs` files are checked.
const SOURCE_ROOTS: [&str; 4] = ["crates", "migrations", "xtask", "tests"];

/// The word that must not appear in comments. It is spelled here once, in code, so that this
/// file's own comments stay clean.
const SPEC_WORD: &str = "SPEC";

/// One broken rule: where it is and what to do.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Finding {
    /// Relative to the repository root.
    pub path: PathBuf,
    /// 1-based.
    pub line: usize,
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.path.display(), self.line, self.message)
    }
}

/// Runs every check and prints the findings, one `file:line: what to do` per line. Exits
/// with status 1 when there is any, rather than returning an error, so the output stays the
/// list of findings and no backtrace is appended to it.
pub(crate) fn run(root: &Path) -> anyhow::Result<()> {
    let findings = check(root)?;
    for finding in &findings {
        println!("{finding}");
    }
    if findings.is_empty() {
        println!("tidy: no findings");
        Ok(())
    } else {
        eprintln!("tidy: {} finding(s)", findings.len());
        std::process::exit(1);
    }
}

/// Every finding in the repository at `root`, sorted by file and line.
///
/// # Errors
/// When a file cannot be read or a manifest is not valid TOML; a rule broken in readable
/// files is a finding, not an error.
pub(crate) fn check(root: &Path) -> anyhow::Result<Vec<Finding>> {
    let mut findings = dependencies::check(root)?;
    for file in source_files(root)? {
        let text = std::fs::read_to_string(root.join(&file))
            .with_context(|| format!("cannot read {}", file.display()))?;
        findings.extend(check_source(&file, &text));
    }
    findings.sort();
    Ok(findings)
}

/// Every `.rs` file under [`SOURCE_ROOTS`], relative to `root`, skipping build output and
/// hidden folders.
fn source_files(root: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut pending: Vec<PathBuf> = SOURCE_ROOTS.iter().map(PathBuf::from).collect();
    while let Some(folder) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(root.join(&folder)) else {
            continue;
        };
        for entry in entries {
            let entry = entry.with_context(|| format!("cannot list {}", folder.display()))?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let relative = folder.join(&*name);
            if entry.file_type()?.is_dir() {
                if !name.starts_with('.') && name != "target" {
                    pending.push(relative);
                }
            } else if name.ends_with(".rs") {
                files.push(relative);
            }
        }
    }
    files.sort();
    Ok(files)
}

/// The header, length and comment checks for one `.rs` file.
fn check_source(path: &Path, text: &str) -> Vec<Finding> {
    let mut findings = Vec::new();
    let finding = |line: usize, message: String| Finding {
        path: path.to_path_buf(),
        line,
        message,
    };
    if !text.starts_with("//!") {
        findings.push(finding(
            1,
            "the file does not start with `//!`: open it with a paragraph saying what it is for"
                .to_owned(),
        ));
    }
    let lines = text.lines().count();
    if lines > MAX_LINES {
        findings.push(finding(
            MAX_LINES + 1,
            format!(
                "{lines} lines, over {MAX_LINES}: split it by use case or resource (not into a \
                 `utils` drawer)"
            ),
        ));
    }
    for (line, comment) in comments::comments(text) {
        if contains_word(&comment, SPEC_WORD) {
            findings.push(finding(
                line,
                format!(
                    "a comment points at {SPEC_WORD}, which is not in the repository: state \
                     the rule itself"
                ),
            ));
        }
    }
    findings
}

/// Whether `word` occurs in `text` with no identifier character on either side.
fn contains_word(text: &str, word: &str) -> bool {
    let is_ident = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    text.match_indices(word).any(|(at, _)| {
        !is_ident(text[..at].chars().next_back())
            && !is_ident(text[at + word.len()..].chars().next())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repository_root() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .unwrap()
            .to_path_buf()
    }

    /// The repository itself: this is what makes `cargo test --workspace` enforce the rules.
    #[test]
    fn the_repository_is_tidy() {
        let findings = check(&repository_root()).unwrap();
        let listed: Vec<String> = findings.iter().map(ToString::to_string).collect();
        assert!(
            findings.is_empty(),
            "tidy found {} problem(s) (`cargo xtask tidy` prints the same):\n{}",
            findings.len(),
            listed.join("\n")
        );
    }

    #[test]
    fn the_word_is_flagged_in_comments_but_not_in_identifiers_or_strings() {
        let flagged = |source: &str| {
            check_source(Path::new("x.rs"), source)
                .into_iter()
                .map(|finding| finding.line)
                .collect::<Vec<_>>()
        };
        let word = SPEC_WORD;
        assert_eq!(flagged(&format!("//! As {word}'s table says.\n")), vec![1]);
        assert_eq!(flagged(&format!("//! x\n/* see {word}.md */\n")), vec![2]);
        assert_eq!(
            flagged(&format!("//! x\n/// {word}\nfn f() {{}}\n")),
            vec![2]
        );
        assert!(flagged(&format!("//! x\nconst {word}IALS: &str = \"{word}\";\n")).is_empty());
        assert!(flagged(&format!("//! the {word}IALS and MY_{word} and {word}2\n")).is_empty());
        assert!(flagged("//! lower-case spec is a word like any other\n").is_empty());
    }

    #[test]
    fn a_missing_header_and_a_long_file_are_flagged() {
        let findings = check_source(Path::new("a.rs"), "fn main() {}\n");
        assert_eq!(findings.len(), 1);
        assert!(findings[0].message.contains("//!"));
        assert_eq!(findings[0].line, 1);

        let at_limit = format!("//! x\n{}", "\n".repeat(MAX_LINES - 1));
        assert!(check_source(Path::new("b.rs"), &at_limit).is_empty());
        let over = format!("{at_limit}\n");
        let findings = check_source(Path::new("b.rs"), &over);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].line, MAX_LINES + 1);
        assert!(
            findings[0]
                .message
                .starts_with(&format!("{} lines", MAX_LINES + 1))
        );
    }
}
