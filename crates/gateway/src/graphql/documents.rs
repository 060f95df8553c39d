//! Parsed query documents kept by their text, with what the HTTP handler checks in them
//! (aliases, depth, NUL in literals). Clients send the same few queries over and over; the
//! parser was a twentieth of a members page's CPU (`perf` under `cargo xtask bench`).
//!
//! Bounded: at most `CAPACITY` documents of at most `MAX_QUERY_BYTES` each; when full the
//! cache starts over, so a client sending ever-new queries costs a parse each, as without
//! the cache.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_graphql::parser::types::ExecutableDocument;

use super::{count_aliases, depth, nul_in_document};

const CAPACITY: usize = 512;
const MAX_QUERY_BYTES: usize = 16 * 1024;

/// A parsed document and the results of the checks that read only the document.
#[derive(Debug)]
pub struct Checked {
    pub document: ExecutableDocument,
    pub aliases: usize,
    /// Nesting depth without introspection, counted up to `depth_limit + 1`.
    pub depth: usize,
    /// The first argument whose literal holds a NUL character.
    pub nul_argument: Option<String>,
}

/// The cache, shared by every request of the process.
#[derive(Debug)]
pub struct Documents {
    depth_limit: usize,
    checked: Mutex<HashMap<String, Arc<Checked>>>,
}

impl Documents {
    /// An empty cache for a server refusing queries deeper than `depth_limit`.
    #[must_use]
    pub fn new(depth_limit: usize) -> Self {
        Documents {
            depth_limit,
            checked: Mutex::new(HashMap::new()),
        }
    }

    /// `query` parsed and checked, from the cache or now; `None` when it does not parse
    /// (the executor reports that in the standard shape).
    pub fn get(&self, query: &str) -> Option<Arc<Checked>> {
        if let Some(found) = self
            .checked
            .lock()
            .ok()
            .and_then(|checked| checked.get(query).cloned())
        {
            return Some(found);
        }
        let document = async_graphql::parser::parse_query(query).ok()?;
        // A NUL in a literal can only come from a `\u` escape (or a raw NUL) in the text:
        // only then is the document walked.
        let may_hold_nul = query.contains("\\u") || query.contains('\0');
        let checked = Arc::new(Checked {
            aliases: count_aliases(&document),
            depth: depth(&document, self.depth_limit),
            nul_argument: if may_hold_nul {
                nul_in_document(&document)
            } else {
                None
            },
            document,
        });
        if query.len() <= MAX_QUERY_BYTES
            && let Ok(mut cached) = self.checked.lock()
        {
            if cached.len() >= CAPACITY {
                cached.clear();
            }
            cached.insert(query.to_owned(), Arc::clone(&checked));
        }
        Some(checked)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeated_query_is_parsed_once() {
        let documents = Documents::new(12);
        let first = documents.get("{ viewer { id } }").unwrap();
        let second = documents.get("{ viewer { id } }").unwrap();
        assert!(Arc::ptr_eq(&first, &second));
        assert!(documents.get("{ viewer { ").is_none());
    }

    #[test]
    fn checks_travel_with_the_document() {
        let documents = Documents::new(2);
        let checked = documents
            .get(r#"{ a: viewer { b: viewer { c: viewer { id } } } organization(slug: "x\u0000") { id } }"#)
            .unwrap();
        assert_eq!(checked.aliases, 3);
        assert!(checked.depth > 2);
        assert_eq!(checked.nul_argument.as_deref(), Some("slug"));
    }

    #[test]
    fn the_cache_stays_bounded() {
        let documents = Documents::new(12);
        for n in 0..CAPACITY + 10 {
            documents.get(&format!("{{ viewer {{ id }} a{n}: viewer {{ id }} }}"));
        }
        let cached = documents.checked.lock().unwrap().len();
        assert!(cached <= CAPACITY, "{cached}");
        let long = format!("{{ viewer {{ id }} }}{}", " ".repeat(MAX_QUERY_BYTES));
        assert!(documents.get(&long).is_some());
        assert!(!documents.checked.lock().unwrap().contains_key(&long));
    }
}
