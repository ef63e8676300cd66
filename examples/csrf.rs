//! Session-bound CSRF protection with axum, as small as it gets:
//! `cargo run --example csrf`, then open <http://127.0.0.1:3001>.
//!
//! One page with a form that adds a note to the session. `CsrfLayer` checks
//! every POST for the token the page rendered (a hidden `csrf_token` field
//! here; scripts send the `X-CSRF-Token` header) and answers 403 with the
//! reason when it is missing, forged, from another session or from a
//! cross-site request. The secret behind the tokens lives in the sealed
//! session: nothing is stored on the server.
//!
//! Try it: submit the form (saved), then copy the page's token into a form
//! on another origin, or send `curl -X POST -d note=x http://127.0.0.1:3001/`
//! without a token: both are refused.

use std::net::SocketAddr;

use axum::Router;
use axum::extract::Form;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use sealed_session::axum::{Session, SessionLayer};
use sealed_session::csrf::CsrfToken;
use sealed_session::csrf::axum::CsrfLayer;
use sealed_session::{CookieStore, Keyring, ValueError};
use serde::Deserialize;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[derive(Deserialize)]
struct NewNote {
    note: String,
}

/// The page: the notes so far and a form carrying this render's token (a
/// fresh mask each time: the same secret never appears twice in a page).
async fn page(session: Session, token: CsrfToken) -> Result<Html<String>, ValueError> {
    let notes: Vec<String> = session.get("notes")?.unwrap_or_default();
    let items: String = notes
        .iter()
        .map(|n| format!("<li>{}</li>", escape(n)))
        .collect();
    Ok(Html(format!(
        "<!doctype html><title>sealed-session CSRF</title>\
         <h1>Notes</h1><ul>{items}</ul>\
         <form method=post action=/>\
         <input type=hidden name=csrf_token value=\"{token}\">\
         <input name=note autofocus> <button>Add</button></form>"
    )))
}

/// Runs only after the layer accepted the token; the form arrives whole.
async fn add(session: Session, Form(new): Form<NewNote>) -> Result<Response, ValueError> {
    let mut notes: Vec<String> = session.get("notes")?.unwrap_or_default();
    notes.push(new.note);
    notes.truncate(20);
    session.insert("notes", &notes)?;
    Ok(Redirect::to("/").into_response())
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    // Development fallback: a fresh key, with a warning, when SESSION_KEYS
    // is not set (in production, read the variable and stop without it).
    let keyring = Keyring::from_env_or_generate("SESSION_KEYS")?;
    // Plain HTTP on 127.0.0.1 in this example: no `Secure`, no prefix. Over
    // HTTPS use `__Host-session` and the default `Secure` (README).
    let store = CookieStore::builder("session", keyring)
        .with_secure(false)
        .build()?;
    let app = Router::new()
        .route("/", get(page).post(add))
        // Inside the session layer (added first, runs second): it needs the session.
        .layer(CsrfLayer::new())
        .layer(SessionLayer::new(store));
    let addr = SocketAddr::from(([127, 0, 0, 1], 3001));
    let listener = tokio::net::TcpListener::bind(addr).await?;
    println!("listening on http://{addr}");
    axum::serve(listener, app).await?;
    Ok(())
}
