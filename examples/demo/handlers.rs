//! The demo's pages and form handlers.

use std::fmt::Write as _;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use std::time::SystemTime;

use sealed_session::axum::Session;
use sealed_session::{DEFAULT_MAX_AGE, SaveError};
use serde::Deserialize;

use crate::errors::{AppError, blocking};
use crate::pages::{Signed, credentials_page, escape, page};
use crate::shared::SignOuts;
use crate::signed_in::SignedIn;
use crate::users::{hash_password, valid_username, verify_password};
use crate::{App, MAX_NOTE, NOTES, USER};

#[derive(Deserialize)]
pub(crate) struct Credentials {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

#[derive(Deserialize)]
pub(crate) struct NoteForm {
    #[serde(default)]
    note: String,
}

pub(crate) async fn index(
    State(app): State<Arc<App>>,
    SignedIn(user): SignedIn,
    session: Session,
) -> Result<Response, AppError> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    let flashes = session.flashes::<String>()?;
    let notes = session.get::<Vec<String>>(NOTES)?.unwrap_or_default();
    let token = session.csrf_token()?;
    let key = session
        .opened_with()
        .map_or_else(|| "none yet".to_owned(), |k| k.to_string());

    let mut body = String::new();
    let _ = write!(
        body,
        "<h1>Hello, {user}</h1>\
         <dl class=\"stats\">\
         <div><dt>Cookies</dt><dd id=\"cookie-count\">{cookies}</dd></div>\
         <div><dt>Sealed size</dt><dd><span id=\"sealed-len\">{sealed}</span> B<small>budget {budget} B</small></dd></div>\
         <div><dt>Key id</dt><dd><code>{key}</code></dd></div>\
         <div><dt>Instance</dt><dd>{instance}</dd></div>\
         </dl>",
        user = escape(&user),
        cookies = session.cookie_count(),
        sealed = session.sealed_len(),
        budget = app.budget,
        instance = escape(&app.instance),
    );
    let total: usize = notes.iter().map(String::len).sum();
    let _ = write!(
        body,
        "<h2>Notes <small>{} notes, {total} characters, all in your cookies</small></h2>",
        notes.len()
    );
    if notes.is_empty() {
        body.push_str("<p class=\"muted\">No notes yet.</p>");
    } else {
        body.push_str("<ol class=\"notes\">");
        for note in &notes {
            let _ = write!(body, "<li>{}</li>", escape(note));
        }
        body.push_str("</ol>");
    }
    let _ = write!(
        body,
        "<form method=\"post\" action=\"/notes\" class=\"stack\">\
         <input type=\"hidden\" name=\"csrf_token\" value=\"{token}\">\
         <textarea name=\"note\" rows=\"3\" maxlength=\"{MAX_NOTE}\" placeholder=\"Write a note\" required></textarea>\
         <div class=\"row\"><button type=\"submit\">Add note</button>\
         <button type=\"submit\" form=\"clear-notes\" class=\"secondary\">Clear notes</button></div>\
         </form>\
         <form id=\"clear-notes\" method=\"post\" action=\"/notes/clear\">\
         <input type=\"hidden\" name=\"csrf_token\" value=\"{token}\"></form>\
         <h2>Devices <small>a logout ends this browser's session only</small></h2>\
         <form method=\"post\" action=\"/sign-out-everywhere\">\
         <input type=\"hidden\" name=\"csrf_token\" value=\"{token}\">\
         <button type=\"submit\" class=\"secondary\">Sign out of all devices</button></form>"
    );
    let header = Signed {
        user: &user,
        csrf: token.as_str(),
    };
    Ok(Html(page("sealed-session demo", Some(header), &flashes, &body)).into_response())
}

pub(crate) async fn register_page(session: Session) -> Result<Response, AppError> {
    let flashes = session.flashes::<String>()?;
    let token = session.csrf_token()?;
    Ok(Html(credentials_page(
        "Register",
        "/register",
        token.as_str(),
        &flashes,
        None,
    ))
    .into_response())
}

pub(crate) async fn register(
    State(app): State<Arc<App>>,
    session: Session,
    Form(form): Form<Credentials>,
) -> Result<Response, AppError> {
    let problem = if !valid_username(&form.username) {
        Some("Choose a user name of 1 to 32 letters, digits, '.', '_' or '-'.")
    } else if !(8..=128).contains(&form.password.chars().count()) {
        Some("Choose a password of 8 to 128 characters.")
    } else {
        None
    };
    if let Some(problem) = problem {
        let token = session.csrf_token()?;
        let body = credentials_page("Register", "/register", token.as_str(), &[], Some(problem));
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(body)).into_response());
    }
    let username = form.username.clone();
    let hash = blocking(move || hash_password(&form.password)).await?;
    let added = app.add_account(&username, hash).await?;
    if !added {
        let token = session.csrf_token()?;
        let body = credentials_page(
            "Register",
            "/register",
            token.as_str(),
            &[],
            Some("That user name is taken."),
        );
        return Ok((StatusCode::CONFLICT, Html(body)).into_response());
    }
    session.add_flash(&format!("Account created for {username}: log in"))?;
    Ok(Redirect::to("/login").into_response())
}

pub(crate) async fn login_page(
    SignedIn(user): SignedIn,
    session: Session,
) -> Result<Response, AppError> {
    if user.is_some() {
        return Ok(Redirect::to("/").into_response());
    }
    let flashes = session.flashes::<String>()?;
    let token = session.csrf_token()?;
    Ok(Html(credentials_page(
        "Log in",
        "/login",
        token.as_str(),
        &flashes,
        None,
    ))
    .into_response())
}

pub(crate) async fn login(
    State(app): State<Arc<App>>,
    session: Session,
    Form(form): Form<Credentials>,
) -> Result<Response, AppError> {
    let username = form.username.clone();
    let ok = match app.lookup_account(&form.username).await? {
        Some(hash) => blocking(move || Ok(verify_password(&form.password, &hash))).await?,
        None => false,
    };
    if !ok {
        let token = session.csrf_token()?;
        let body = credentials_page(
            "Log in",
            "/login",
            token.as_str(),
            &[],
            Some("Unknown user name or wrong password."),
        );
        return Ok((StatusCode::UNAUTHORIZED, Html(body)).into_response());
    }
    // A new session at login: a new id (against session fixation), fresh
    // lifetimes, and nothing carried over from before (a session that
    // existed before login may have been planted). It also retires the
    // CSRF secret, so tokens rendered before the login stop working.
    session.begin_login(&[]);
    session.insert(USER, &username)?;
    session.add_flash(&format!("Welcome back, {username}"))?;
    Ok(Redirect::to("/").into_response())
}

/// Logs this browser out. With a revocation list, the session's old id is
/// denied too, so a copy of its cookie (a proxy log, a stolen cookie) is
/// refused on every instance; if the list cannot record it, the browser is
/// logged out all the same and told that copies stay valid.
pub(crate) async fn logout(
    State(app): State<Arc<App>>,
    session: Session,
) -> Result<Response, AppError> {
    let old = session.destroy();
    let mut flash = "Logged out";
    if let SignOuts::List(list) = &app.sign_outs {
        // Denied for as long as a session can live (the list caps it there).
        let until = SystemTime::now() + DEFAULT_MAX_AGE;
        if let Err(e) = list.deny(old, until).await {
            eprintln!("denying a logged-out session failed: {e}");
            flash = "Logged out here; copies of this session stay valid until it expires (the session service is unavailable)";
        }
    }
    session.add_flash(flash)?;
    Ok(Redirect::to("/login").into_response())
}

/// "Sign out of all devices": records the time (in the users file or the
/// revocation list), so every session of this user issued before it is
/// refused wherever it is (copies included), and ends this browser's
/// session too. When the shared store is unreachable, nothing changes and
/// the page says so (503): the user's other devices stay signed in.
pub(crate) async fn sign_out_everywhere(
    State(app): State<Arc<App>>,
    SignedIn(user): SignedIn,
    session: Session,
) -> Result<Response, AppError> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    if let Err(e) = app.sign_out_everywhere(&user).await? {
        eprintln!("sign out everywhere failed for {user:?}: {e}");
        let body = page(
            "Not signed out",
            None,
            &[],
            "<p class=\"error\" id=\"sign-out-failed\">Could not sign out of all devices: \
             the session service is unavailable. Nothing changed; try again in a moment.</p>\
             <p><a href=\"/\">Back</a></p>",
        );
        return Ok((StatusCode::SERVICE_UNAVAILABLE, Html(body)).into_response());
    }
    session.destroy();
    session.add_flash("Signed out on all devices")?;
    Ok(Redirect::to("/login").into_response())
}

pub(crate) async fn add_note(
    SignedIn(user): SignedIn,
    session: Session,
    Form(form): Form<NoteForm>,
) -> Result<Response, AppError> {
    if user.is_none() {
        return Ok(Redirect::to("/login").into_response());
    }
    let note = form.note.trim();
    if note.is_empty() || note.chars().count() > MAX_NOTE {
        session.add_flash(&format!("A note has 1 to {MAX_NOTE} characters."))?;
        return Ok(Redirect::to("/").into_response());
    }
    let previous = session.get::<Vec<String>>(NOTES)?.unwrap_or_default();
    let mut notes = previous.clone();
    notes.push(note.to_owned());
    session.insert(NOTES, &notes)?;
    // Save now rather than when the response goes out, so a session that
    // outgrew its cookie budget becomes a page the user can act on.
    match session.save() {
        Ok(()) => Ok(Redirect::to("/").into_response()),
        Err(SaveError::TooLarge { needed, allowed }) => {
            // Drop this request's changes: the response then leaves the
            // client's cookies as they are, so the previous session stays.
            session.revert();
            let body = format!(
                "<h1>Session too large</h1>\
                 <p class=\"error\">This note was not saved: with it your session would need \
                 <b id=\"needed\">{needed}</b> bytes of cookies, but the budget is \
                 <b id=\"allowed\">{allowed}</b> bytes.</p>\
                 <p>Your session is unchanged ({} notes). Clear some notes, or keep large data \
                 on the server.</p><p><a href=\"/\">Back to your notes</a></p>",
                previous.len()
            );
            Ok((
                StatusCode::PAYLOAD_TOO_LARGE,
                Html(page("Session too large", None, &[], &body)),
            )
                .into_response())
        }
        Err(e) => Err(AppError(e.to_string())),
    }
}

pub(crate) async fn clear_notes(
    SignedIn(user): SignedIn,
    session: Session,
) -> Result<Response, AppError> {
    if user.is_some() && session.remove(NOTES) {
        session.add_flash("Notes cleared")?;
    }
    Ok(Redirect::to("/").into_response())
}

/// What this instance sees of the session, for scripts and tests. It reads
/// only: no flash is consumed and nothing is written, except that a session
/// sealed under an older key is re-sealed under the primary one, and a
/// session ended by "sign out of all devices" is deleted.
pub(crate) async fn whoami(
    State(app): State<Arc<App>>,
    SignedIn(user): SignedIn,
    session: Session,
) -> Result<Response, AppError> {
    let notes = session.get::<Vec<String>>(NOTES)?.unwrap_or_default();
    Ok(Json(serde_json::json!({
        "user": user,
        "session_id": session.id().to_string(),
        "is_new": session.is_new(),
        "load_error": session.load_error().map(|e| e.to_string()),
        "opened_with": session.opened_with().map(|k| k.to_string()),
        "cookie_count": session.cookie_count(),
        "sealed_len": session.sealed_len(),
        "notes": notes.len(),
        "instance": app.instance,
    }))
    .into_response())
}

/// The revocation list's connection and counters (`null` with the users
/// file), for operators and tests.
pub(crate) async fn revocation_status(State(app): State<Arc<App>>) -> Response {
    let status = match &app.sign_outs {
        SignOuts::List(list) => {
            let s = list.status();
            serde_json::json!({
                "connected": s.connected,
                "disconnected_ms": s.disconnected_for.map(|d| d.as_millis()),
                "outages": s.outages,
                "reloads": s.reloads,
                "applied": s.applied,
                "write_errors": s.write_errors,
                "entries": s.entries,
            })
        }
        SignOuts::File => serde_json::Value::Null,
    };
    Json(status).into_response()
}
