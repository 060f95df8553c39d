//! `GET /`: what this server is and where to go from here (GraphiQL, the dev mailbox when
//! mail goes there, health, the docs), and the docs themselves, embedded at build time so
//! they are there with no internet and match the binary.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::app::AppState;

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage<'a> {
    title: &'a str,
    graphiql: bool,
    mailbox: bool,
}

/// `GET /`.
pub(super) async fn home(State(state): State<AppState>) -> Response {
    super::pages::render(
        StatusCode::OK,
        &HomePage {
            title: "Roster",
            graphiql: state.config.http.graphiql,
            mailbox: state.config.mail.smtp_url.is_none(),
        },
    )
}

/// `GET /docs/{file}`: the README or the architecture notes, as plain text.
pub(super) async fn doc(Path(file): Path<String>) -> Response {
    let text = match file.as_str() {
        "README.md" => include_str!("../../../../README.md"),
        "ARCHITECTURE.md" => include_str!("../../../../ARCHITECTURE.md"),
        _ => return (StatusCode::NOT_FOUND, "no such document").into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        text,
    )
        .into_response()
}
