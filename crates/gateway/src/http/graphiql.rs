//! GraphiQL served from the binary, so it works with no internet: `GET /graphql` (from a
//! browser) answers a page that loads only pinned files embedded here, under
//! `/assets/graphiql/`. Vendored files carry their version in the URL and are cached as
//! immutable; the page's policy (`edge::GRAPHIQL_CSP`) lets nothing else load or run.
//! Where the files come from, and their licenses: `assets/graphiql/README.md`.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use crate::app::AppState;

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const TEXT: &str = "text/plain; charset=utf-8";

/// Cache policy of a file whose URL names its version.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Cache policy of our own files, whose URLs stay put across releases.
const SHORT: &str = "public, max-age=3600";

/// One embedded file.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    cache: &'static str,
    bytes: &'static [u8],
}

/// Every file under `/assets/graphiql/`, in the order the page loads them, then the
/// licenses.
const ASSETS: &[Asset] = &[
    Asset {
        name: "graphiql-3.9.0.min.css",
        content_type: CSS,
        cache: IMMUTABLE,
        bytes: include_bytes!("../../assets/graphiql/graphiql.min.css"),
    },
    Asset {
        name: "roster.css",
        content_type: CSS,
        cache: SHORT,
        bytes: include_bytes!("../../assets/graphiql/roster.css"),
    },
    Asset {
        name: "react-18.3.1.production.min.js",
        content_type: JS,
        cache: IMMUTABLE,
        bytes: include_bytes!("../../assets/graphiql/react.production.min.js"),
    },
    Asset {
        name: "react-dom-18.3.1.production.min.js",
        content_type: JS,
        cache: IMMUTABLE,
        bytes: include_bytes!("../../assets/graphiql/react-dom.production.min.js"),
    },
    Asset {
        name: "graphiql-3.9.0.min.js",
        content_type: JS,
        cache: IMMUTABLE,
        bytes: include_bytes!("../../assets/graphiql/graphiql.min.js"),
    },
    Asset {
        name: "start.js",
        content_type: JS,
        cache: SHORT,
        bytes: include_bytes!("../../assets/graphiql/start.js"),
    },
    Asset {
        name: "LICENSE-graphiql",
        content_type: TEXT,
        cache: SHORT,
        bytes: include_bytes!("../../assets/graphiql/LICENSE-graphiql"),
    },
    Asset {
        name: "LICENSE-react",
        content_type: TEXT,
        cache: SHORT,
        bytes: include_bytes!("../../assets/graphiql/LICENSE-react"),
    },
    Asset {
        name: "LICENSE-react-dom",
        content_type: TEXT,
        cache: SHORT,
        bytes: include_bytes!("../../assets/graphiql/LICENSE-react-dom"),
    },
];

/// The page: same-origin stylesheets and deferred scripts only (no inline script, no
/// inline style), the last of which starts GraphiQL.
const PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>GraphiQL · Roster</title>
<link rel="stylesheet" href="/assets/graphiql/graphiql-3.9.0.min.css">
<link rel="stylesheet" href="/assets/graphiql/roster.css">
<script defer src="/assets/graphiql/react-18.3.1.production.min.js"></script>
<script defer src="/assets/graphiql/react-dom-18.3.1.production.min.js"></script>
<script defer src="/assets/graphiql/graphiql-3.9.0.min.js"></script>
<script defer src="/assets/graphiql/start.js"></script>
</head>
<body>
<div id="graphiql">Loading...</div>
</body>
</html>
"#;

/// The GraphiQL page, with its own policy (the edge layer keeps a handler's choice).
pub(super) fn page() -> Response {
    (
        [(header::CONTENT_SECURITY_POLICY, super::edge::GRAPHIQL_CSP)],
        Html(PAGE),
    )
        .into_response()
}

/// `GET /assets/graphiql/{file}`: one embedded file, or `404` (also while GraphiQL is
/// switched off).
pub(super) async fn asset(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    let found = ASSETS.iter().find(|asset| asset.name == file);
    match found {
        Some(asset) if state.config.http.graphiql => (
            [
                (header::CONTENT_TYPE, asset.content_type),
                (header::CACHE_CONTROL, asset.cache),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            asset.bytes,
        )
            .into_response(),
        _ => (StatusCode::NOT_FOUND, "no such file").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::{ASSETS, PAGE};

    #[test]
    fn the_page_loads_every_script_and_stylesheet_from_the_embedded_files() {
        let referenced: Vec<&str> = PAGE
            .split(['"'])
            .filter_map(|part| part.strip_prefix("/assets/graphiql/"))
            .collect();
        assert_eq!(referenced.len(), 6, "{referenced:?}");
        for name in &referenced {
            assert!(ASSETS.iter().any(|asset| asset.name == *name), "{name}");
        }
        assert!(!PAGE.contains("http"), "no other host");
        assert!(!PAGE.contains("<script>"), "no inline script");
        assert!(!PAGE.contains("style="), "no inline style");
    }
}
