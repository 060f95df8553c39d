//! The dependency check: every workspace member's normal dependencies on other workspace
//! crates against ARCHITECTURE.md's code map, and each manifest's "may depend on" comment
//! against the same table. Dev-dependencies are free: tests may reach anything.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::Context as _;

use super::Finding;
use super::code_map::{ARCHITECTURE, Allowed, parse_code_map, resolve_allowed};

/// One workspace member's manifest, reduced to what the dependency check needs.
struct Manifest {
    /// Relative to the repository root.
    file: PathBuf,
    text: String,
    package: String,
    /// Dependency keys of `[dependencies]` and `[target.*.dependencies]`, resolved to
    /// package names where a `package = ".."` rename is used.
    normal_dependencies: Vec<(String, String)>,
}

/// Every dependency finding in the workspace at `root`.
pub(super) fn check(root: &Path) -> anyhow::Result<Vec<Finding>> {
    let architecture = std::fs::read_to_string(root.join(ARCHITECTURE))
        .with_context(|| format!("cannot read {ARCHITECTURE}"))?;
    let mut findings = Vec::new();
    let rows = match parse_code_map(&architecture) {
        Ok(rows) => rows,
        Err(finding) => return Ok(vec![finding]),
    };
    let manifests = workspace_manifests(root)?;
    let packages: BTreeSet<String> = manifests.iter().map(|m| m.package.clone()).collect();

    let mut table: BTreeMap<String, Allowed> = BTreeMap::new();
    for row in &rows {
        match resolve_allowed(&row.may_depend_on, &packages) {
            Ok(allowed) => {
                table.insert(row.package.clone(), allowed);
            }
            Err(word) => findings.push(Finding {
                path: ARCHITECTURE.into(),
                line: row.line,
                message: format!(
                    "the code map's \"may depend on\" cell for `{}` names `{word}`, which is \
                     no workspace crate: write `nothing`, `anything` or crate names \
                     separated by commas (remarks in parentheses)",
                    row.package
                ),
            }),
        }
        if !packages.contains(&row.package) {
            findings.push(Finding {
                path: ARCHITECTURE.into(),
                line: row.line,
                message: format!(
                    "the code map lists `{}`, which is no workspace member: remove the row \
                     or fix the name",
                    row.package
                ),
            });
        }
    }

    for manifest in &manifests {
        let Some(allowed) = table.get(&manifest.package) else {
            findings.push(Finding {
                path: manifest.file.clone(),
                line: 1,
                message: format!(
                    "`{}` has no row in {ARCHITECTURE}'s code map: add one saying what it \
                     may depend on",
                    manifest.package
                ),
            });
            continue;
        };
        findings.extend(check_manifest_comment(manifest, allowed, &packages));
        for (key, package) in &manifest.normal_dependencies {
            if !packages.contains(package) || package == &manifest.package {
                continue;
            }
            let permitted = match allowed {
                Allowed::Anything => true,
                Allowed::Only(names) => names.contains(package),
            };
            if !permitted {
                findings.push(Finding {
                    path: manifest.file.clone(),
                    line: dependency_line(&manifest.text, key),
                    message: format!(
                        "`{}` depends on `{package}`, but {ARCHITECTURE}'s code map allows \
                         it only {allowed}: remove the edge, make it a dev-dependency, or \
                         change the code map (an architecture change)",
                        manifest.package
                    ),
                });
            }
        }
    }
    Ok(findings)
}

/// The manifest's "may depend on" comment must exist and agree with the code map.
fn check_manifest_comment(
    manifest: &Manifest,
    allowed: &Allowed,
    packages: &BTreeSet<String>,
) -> Option<Finding> {
    const PHRASE: &str = "may depend on";
    let found = manifest.text.lines().enumerate().find_map(|(index, line)| {
        let comment = line.trim_start().strip_prefix('#')?;
        let at = comment.find(PHRASE)?;
        Some((
            index + 1,
            comment[at + PHRASE.len()..].trim_start_matches(':'),
        ))
    });
    let Some((line, said)) = found else {
        return Some(Finding {
            path: manifest.file.clone(),
            line: 1,
            message: format!(
                "no `# {} may depend on: ..` comment: add one on the first line saying \
                 {allowed}, as {ARCHITECTURE}'s code map does",
                manifest.package
            ),
        });
    };
    let message = match resolve_allowed(said, packages) {
        Ok(said) if &said == allowed => return None,
        Ok(said) => format!(
            "the comment says `{}` may depend on {said}, but {ARCHITECTURE}'s code map says \
             {allowed}: make them agree",
            manifest.package
        ),
        Err(word) => format!(
            "the \"may depend on\" comment names `{word}`, which is no workspace crate: list \
             package names separated by commas, or `nothing` / `anything`"
        ),
    };
    Some(Finding {
        path: manifest.file.clone(),
        line,
        message,
    })
}

/// The 1-based line declaring dependency `key` in a normal dependency section, else 1.
fn dependency_line(text: &str, key: &str) -> usize {
    let mut in_normal = false;
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            let header = trimmed.trim_matches(|c| c == '[' || c == ']');
            if header.ends_with(&format!("dependencies.{key}")) && !is_dev_or_build(header) {
                return index + 1;
            }
            in_normal = header.ends_with("dependencies") && !is_dev_or_build(header);
            continue;
        }
        if in_normal
            && let Some(rest) = trimmed.strip_prefix(key)
            && rest.starts_with(['.', '=', ' '])
        {
            return index + 1;
        }
    }
    1
}

fn is_dev_or_build(header: &str) -> bool {
    header.contains("dev-dependencies") || header.contains("build-dependencies")
}

fn workspace_manifests(root: &Path) -> anyhow::Result<Vec<Manifest>> {
    let root_text = std::fs::read_to_string(root.join("Cargo.toml"))
        .context("cannot read the workspace's Cargo.toml")?;
    let root_table: toml::Table = root_text.parse().context("Cargo.toml is not valid TOML")?;
    let members = root_table
        .get("workspace")
        .and_then(|workspace| workspace.get("members"))
        .and_then(toml::Value::as_array)
        .context("Cargo.toml has no [workspace] members")?;
    let mut manifests = Vec::new();
    for member in members {
        let member = member
            .as_str()
            .context("a workspace member is not a string")?;
        let file = Path::new(member).join("Cargo.toml");
        let file = file.strip_prefix(".").unwrap_or(&file).to_path_buf();
        let text = std::fs::read_to_string(root.join(&file))
            .with_context(|| format!("cannot read {}", file.display()))?;
        let table: toml::Table = text
            .parse()
            .with_context(|| format!("{} is not valid TOML", file.display()))?;
        let package = table
            .get("package")
            .and_then(|package| package.get("name"))
            .and_then(toml::Value::as_str)
            .with_context(|| format!("{} has no package name", file.display()))?
            .to_owned();
        let mut sections: Vec<&toml::Table> = Vec::new();
        if let Some(dependencies) = table.get("dependencies").and_then(toml::Value::as_table) {
            sections.push(dependencies);
        }
        if let Some(targets) = table.get("target").and_then(toml::Value::as_table) {
            sections.extend(
                targets
                    .values()
                    .filter_map(|target| target.get("dependencies"))
                    .filter_map(toml::Value::as_table),
            );
        }
        let normal_dependencies = sections
            .into_iter()
            .flat_map(|section| section.iter())
            .map(|(key, value)| {
                let package = value
                    .get("package")
                    .and_then(toml::Value::as_str)
                    .unwrap_or(key);
                (key.clone(), package.to_owned())
            })
            .collect();
        manifests.push(Manifest {
            file,
            text,
            package,
            normal_dependencies,
        });
    }
    Ok(manifests)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes a two-crate workspace: `roster-b` depends on `roster-a`; `table_b` is what the
    /// code map lets `roster-b` depend on and `comment_b` what its manifest says.
    fn fixture(table_b: &str, comment_b: &str, dev_only: bool) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let write = |path: &str, text: &str| {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write(
            "ARCHITECTURE.md",
            &format!(
                "# A\n\n## Code map\n\n| crate | path | may depend on | what |\n|---|---|---|---|\n\
                 | `roster-a` | `a` | nothing | a |\n| `roster-b` | `b` | {table_b} | b |\n\n\
                 ## Invariants\n"
            ),
        );
        write(
            "Cargo.toml",
            "[workspace]\nmembers = [\"a\", \"b\"]\n[workspace.dependencies]\n\
             roster-a = { path = \"a\" }\n",
        );
        write(
            "a/Cargo.toml",
            "# roster-a may depend on: nothing.\n[package]\nname = \"roster-a\"\n",
        );
        let section = if dev_only {
            "dev-dependencies"
        } else {
            "dependencies"
        };
        write(
            "b/Cargo.toml",
            &format!(
                "# roster-b may depend on: {comment_b}\n[package]\nname = \"roster-b\"\n\n\
                 [{section}]\nserde = \"1\"\nroster-a.workspace = true\n"
            ),
        );
        write("a/src/lib.rs", "//! a\n");
        write("b/src/lib.rs", "//! b\n");
        dir
    }

    fn dependency_findings(dir: &tempfile::TempDir) -> Vec<String> {
        check(dir.path())
            .unwrap()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn an_allowed_edge_passes() {
        assert!(dependency_findings(&fixture("a", "roster-a.", false)).is_empty());
        assert!(dependency_findings(&fixture("anything", "anything", false)).is_empty());
    }

    #[test]
    fn an_edge_the_code_map_does_not_allow_fails_at_its_line() {
        let findings = dependency_findings(&fixture("nothing", "nothing", false));
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert!(
            findings[0].starts_with("b/Cargo.toml:7: `roster-b` depends on `roster-a`"),
            "{findings:?}"
        );
    }

    #[test]
    fn a_dev_dependency_is_free() {
        assert!(dependency_findings(&fixture("nothing", "nothing", true)).is_empty());
    }

    #[test]
    fn a_manifest_comment_that_disagrees_with_the_code_map_fails() {
        let findings = dependency_findings(&fixture("a", "nothing (wrong)", false));
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert!(
            findings[0].starts_with("b/Cargo.toml:1: the comment says"),
            "{findings:?}"
        );
    }

    #[test]
    fn an_unknown_crate_in_the_code_map_fails() {
        let findings = dependency_findings(&fixture("a, persistence", "roster-a", false));
        assert!(
            findings
                .iter()
                .any(|finding| finding.starts_with("ARCHITECTURE.md:8:")
                    && finding.contains("`persistence`")),
            "{findings:?}"
        );
    }

    #[test]
    fn a_missing_code_map_is_one_finding() {
        let dir = fixture("a", "roster-a", false);
        std::fs::write(dir.path().join("ARCHITECTURE.md"), "# A\n").unwrap();
        let findings = dependency_findings(&dir);
        assert_eq!(findings.len(), 1);
        assert!(
            findings[0].contains("no `## Code map` heading"),
            "{findings:?}"
        );
    }
}
