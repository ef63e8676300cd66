//! The sealed-session demo: an axum app with registration, login, a
//! protected page, flash messages and notes that live in the session — with
//! no Redis and no database for sessions. Run several instances with the same
//! `SESSION_KEYS` behind a load balancer and they share every session.
//!
//! ```sh
//! cargo run --example demo                 # then open http://127.0.0.1:3000
//! SESSION_KEYS="$(cargo run -q --features cli -- keygen)" cargo run --example demo -- --port 3001
//! ```
//!
//! Options (each also as an environment variable):
//!
//! - `--port N` / `PORT` (default 3000; `0` picks a free port). The demo
//!   prints `listening on http://127.0.0.1:PORT` once it accepts connections.
//! - `SESSION_KEYS`: the keyring, in the config format (newest first). When
//!   unset, a fresh development key is generated and sessions do not survive
//!   a restart.
//! - `--users FILE` / `USERS_FILE`: keep registered users in a file that
//!   several instances share (default: in memory, per instance).
//! - `--instance NAME` / `INSTANCE`: a name sent in the `X-Instance`
//!   response header and shown on the page.
//! - `--cookie-budget BYTES` / `COOKIE_BUDGET`: the size budget for all of
//!   a session's cookies (default 6144: at most 2 cookies).
//! - `--secure-cookies` / `SECURE_COOKIES=1`: mark the cookies `Secure`.
//!   The demo itself speaks plain HTTP, so by default its cookies are not
//!   `Secure`: browsers other than Chromium and Firefox, curl and HTTP
//!   client libraries do not send `Secure` cookies over `http://`. Behind an
//!   HTTPS proxy, turn it on (the library's default is `Secure`).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use axum::extract::{Form, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sealed_session::axum::{Session, SessionLayer};
use sealed_session::{CookieStore, Keyring, SaveError, ValueError};
use serde::Deserialize;
use subtle::ConstantTimeEq as _;

/// The session keys the demo uses.
const USER: &str = "user";
const NOTES: &str = "notes";
const CSRF: &str = "csrf";
/// The longest note accepted, in characters.
const MAX_NOTE: usize = 2000;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let config = Config::from_args()?;

    let keyring = match std::env::var("SESSION_KEYS") {
        Ok(keys) if !keys.trim().is_empty() => Keyring::from_config(&keys)?,
        _ => {
            eprintln!(
                "warning: SESSION_KEYS is not set: using a fresh development key.\n\
                 warning: sessions will not survive a restart and other instances cannot open them.\n\
                 warning: set SESSION_KEYS (e.g. from `cargo run --features cli -- keygen`) to keep them."
            );
            Keyring::from_config(&Keyring::generate_entry(Default::default())?)?
        }
    };
    let primary = keyring.primary_id();
    let key_count = keyring.len();
    let mut builder = CookieStore::builder("session", keyring).with_secure(config.secure_cookies);
    if let Some(budget) = config.cookie_budget {
        builder = builder.with_size_limit(budget);
    }
    let store = builder.build()?;

    let app = Arc::new(App {
        users: Users {
            file: config.users_file.clone(),
            memory: Mutex::new(HashMap::new()),
        },
        instance: config.instance.clone(),
        budget: store.size_limit(),
    });
    let instance_header = HeaderValue::from_str(&config.instance)?;

    let router = Router::new()
        .route("/", get(index))
        .route("/register", get(register_page).post(register))
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/notes", post(add_note))
        .route("/notes/clear", post(clear_notes))
        .route("/whoami", get(whoami))
        .with_state(app)
        .layer(SessionLayer::new(store))
        .layer(axum::middleware::map_response(move |mut res: Response| {
            let value = instance_header.clone();
            async move {
                res.headers_mut().insert("x-instance", value);
                res
            }
        }));

    let listener = tokio::net::TcpListener::bind(("127.0.0.1", config.port)).await?;
    let addr = listener.local_addr()?;
    eprintln!(
        "instance {:?}: {key_count} session key(s), sealing with key id {primary}; Secure cookies {}; users {}",
        config.instance,
        if config.secure_cookies {
            "on"
        } else {
            "off (plain-HTTP demo)"
        },
        match &config.users_file {
            Some(path) => format!("in {}", path.display()),
            None => "in memory".to_owned(),
        }
    );
    // Tests read this line to learn the port when started with `--port 0`.
    println!("listening on http://{addr}");
    std::io::stdout().flush()?;
    axum::serve(listener, router).await?;
    Ok(())
}

/// Command-line options, each with an environment-variable fallback.
struct Config {
    port: u16,
    users_file: Option<PathBuf>,
    instance: String,
    secure_cookies: bool,
    cookie_budget: Option<usize>,
}

impl Config {
    fn from_args() -> Result<Config, BoxError> {
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let mut config = Config {
            port: env("PORT").map(|p| p.parse()).transpose()?.unwrap_or(3000),
            users_file: env("USERS_FILE").map(PathBuf::from),
            instance: env("INSTANCE").unwrap_or_else(|| "demo".to_owned()),
            secure_cookies: env("SECURE_COOKIES").is_some_and(|v| v != "0"),
            cookie_budget: env("COOKIE_BUDGET").map(|b| b.parse()).transpose()?,
        };
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            let (flag, inline) = match arg.split_once('=') {
                Some((flag, value)) => (flag.to_owned(), Some(value.to_owned())),
                None => (arg, None),
            };
            let mut value = |name: &str| {
                inline
                    .clone()
                    .or_else(|| args.next())
                    .ok_or_else(|| format!("{name} needs a value"))
            };
            match flag.as_str() {
                "--port" => config.port = value("--port")?.parse()?,
                "--users" => config.users_file = Some(PathBuf::from(value("--users")?)),
                "--instance" => config.instance = value("--instance")?,
                "--cookie-budget" => {
                    config.cookie_budget = Some(value("--cookie-budget")?.parse()?)
                }
                "--secure-cookies" => config.secure_cookies = true,
                "--insecure-cookies" => config.secure_cookies = false,
                "-h" | "--help" => {
                    println!(
                        "usage: demo [--port N] [--users FILE] [--instance NAME] [--cookie-budget BYTES] [--secure-cookies]\n\
                         environment: SESSION_KEYS, PORT, USERS_FILE, INSTANCE, COOKIE_BUDGET, SECURE_COOKIES"
                    );
                    std::process::exit(0);
                }
                other => return Err(format!("unknown option {other:?} (try --help)").into()),
            }
        }
        Ok(config)
    }
}

struct App {
    users: Users,
    instance: String,
    budget: usize,
}

// ---------------------------------------------------------------- users

/// Registered users: name -> argon2 PHC string. In memory, or in a file of
/// `name<TAB>hash` lines that several instances share (appends only).
struct Users {
    file: Option<PathBuf>,
    memory: Mutex<HashMap<String, String>>,
}

impl Users {
    fn lookup(&self, name: &str) -> Result<Option<String>, BoxError> {
        match &self.file {
            Some(path) => {
                let text = match std::fs::read_to_string(path) {
                    Ok(text) => text,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
                    Err(e) => return Err(e.into()),
                };
                // The first registration wins if two instances raced.
                Ok(text
                    .lines()
                    .filter_map(|line| line.split_once('\t'))
                    .find(|(n, _)| *n == name)
                    .map(|(_, hash)| hash.to_owned()))
            }
            None => Ok(self
                .memory
                .lock()
                .map_err(|_| "user table lock poisoned")?
                .get(name)
                .cloned()),
        }
    }

    /// Adds a user; `false` if the name is taken.
    fn add(&self, name: &str, hash: String) -> Result<bool, BoxError> {
        match &self.file {
            Some(path) => {
                if self.lookup(name)?.is_some() {
                    return Ok(false);
                }
                let mut file = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)?;
                // One short append per user: O_APPEND keeps lines whole.
                file.write_all(format!("{name}\t{hash}\n").as_bytes())?;
                Ok(true)
            }
            None => {
                let mut users = self.memory.lock().map_err(|_| "user table lock poisoned")?;
                if users.contains_key(name) {
                    return Ok(false);
                }
                users.insert(name.to_owned(), hash);
                Ok(true)
            }
        }
    }
}

/// Argon2id with deliberately low cost (8 MiB, 1 pass) so the demo and its
/// tests stay fast on small machines. A real deployment uses at least the
/// OWASP minimum (19 MiB, 2 passes) or `Params::default()`.
fn hasher() -> Result<argon2::Argon2<'static>, BoxError> {
    let params = argon2::Params::new(8 * 1024, 1, 1, None).map_err(|e| e.to_string())?;
    Ok(argon2::Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        params,
    ))
}

fn hash_password(password: &str) -> Result<String, BoxError> {
    let hash = hasher()?
        .hash_password(password.as_bytes())
        .map_err(|e| e.to_string())?;
    Ok(hash.to_string())
}

fn verify_password(password: &str, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    hasher().is_ok_and(|h| h.verify_password(password.as_bytes(), &parsed).is_ok())
}

fn valid_username(name: &str) -> bool {
    (1..=32).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
}

// ---------------------------------------------------------------- CSRF

/// The per-session CSRF secret, created on first use. The login and
/// register forms need one too (against login CSRF), so an anonymous visitor
/// who opens them gets a small session holding only this secret, as in
/// Rails; after logout that one cookie is all that remains.
fn csrf_secret(session: &Session) -> Result<[u8; 32], AppError> {
    if let Some(encoded) = session.get::<String>(CSRF)?
        && let Ok(bytes) = URL_SAFE_NO_PAD.decode(encoded)
        && let Ok(secret) = <[u8; 32]>::try_from(bytes.as_slice())
    {
        return Ok(secret);
    }
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret).map_err(|e| AppError(e.to_string()))?;
    session.insert(CSRF, &URL_SAFE_NO_PAD.encode(secret))?;
    Ok(secret)
}

/// A form token: `base64url(mask || (mask XOR secret))` with a fresh mask,
/// so the token differs on every page (no BREACH-style length oracle on the
/// secret) while any of them verifies.
fn csrf_token(session: &Session) -> Result<String, AppError> {
    let secret = csrf_secret(session)?;
    let mut mask = [0u8; 32];
    getrandom::fill(&mut mask).map_err(|e| AppError(e.to_string()))?;
    let mut token = Vec::with_capacity(64);
    token.extend_from_slice(&mask);
    token.extend(mask.iter().zip(secret).map(|(m, s)| m ^ s));
    Ok(URL_SAFE_NO_PAD.encode(token))
}

/// Unmasks a form token and compares it with the session's secret in
/// constant time.
fn csrf_ok(session: &Session, token: Option<&str>) -> Result<bool, AppError> {
    let Some(token) = token else {
        return Ok(false);
    };
    let Some(encoded) = session.get::<String>(CSRF)? else {
        return Ok(false);
    };
    let (Ok(secret), Ok(token)) = (
        URL_SAFE_NO_PAD.decode(encoded),
        URL_SAFE_NO_PAD.decode(token),
    ) else {
        return Ok(false);
    };
    if token.len() != 64 || secret.len() != 32 {
        return Ok(false);
    }
    let (mask, masked) = token.split_at(32);
    let unmasked: Vec<u8> = mask.iter().zip(masked).map(|(m, x)| m ^ x).collect();
    Ok(bool::from(unmasked.ct_eq(&secret)))
}

fn forbidden() -> Response {
    let body = page(
        "Forbidden",
        None,
        &[],
        "<p class=\"error\">This form was not sent from this session (missing or invalid CSRF \
         token). Reload the page and try again.</p><p><a href=\"/\">Back</a></p>",
    );
    (StatusCode::FORBIDDEN, Html(body)).into_response()
}

// ---------------------------------------------------------------- handlers

#[derive(Deserialize)]
struct Credentials {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    csrf: Option<String>,
}

#[derive(Deserialize)]
struct NoteForm {
    #[serde(default)]
    note: String,
    csrf: Option<String>,
}

#[derive(Deserialize)]
struct CsrfOnly {
    csrf: Option<String>,
}

async fn index(State(app): State<Arc<App>>, session: Session) -> Result<Response, AppError> {
    let Some(user) = session.get::<String>(USER)? else {
        return Ok(Redirect::to("/login").into_response());
    };
    let flashes = session.flashes::<String>()?;
    let notes = session.get::<Vec<String>>(NOTES)?.unwrap_or_default();
    let token = csrf_token(&session)?;
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
         <input type=\"hidden\" name=\"csrf\" value=\"{token}\">\
         <textarea name=\"note\" rows=\"3\" maxlength=\"{MAX_NOTE}\" placeholder=\"Write a note\" required></textarea>\
         <div class=\"row\"><button type=\"submit\">Add note</button>\
         <button type=\"submit\" form=\"clear-notes\" class=\"secondary\">Clear notes</button></div>\
         </form>\
         <form id=\"clear-notes\" method=\"post\" action=\"/notes/clear\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{token}\"></form>"
    );
    let header = Signed {
        user: &user,
        csrf: &token,
    };
    Ok(Html(page("sealed-session demo", Some(header), &flashes, &body)).into_response())
}

async fn register_page(session: Session) -> Result<Response, AppError> {
    let flashes = session.flashes::<String>()?;
    let token = csrf_token(&session)?;
    Ok(Html(credentials_page(
        "Register",
        "/register",
        &token,
        &flashes,
        None,
    ))
    .into_response())
}

async fn register(
    State(app): State<Arc<App>>,
    session: Session,
    Form(form): Form<Credentials>,
) -> Result<Response, AppError> {
    if !csrf_ok(&session, form.csrf.as_deref())? {
        return Ok(forbidden());
    }
    let problem = if !valid_username(&form.username) {
        Some("Choose a user name of 1 to 32 letters, digits, '.', '_' or '-'.")
    } else if !(8..=128).contains(&form.password.chars().count()) {
        Some("Choose a password of 8 to 128 characters.")
    } else {
        None
    };
    if let Some(problem) = problem {
        let token = csrf_token(&session)?;
        let body = credentials_page("Register", "/register", &token, &[], Some(problem));
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(body)).into_response());
    }
    let username = form.username.clone();
    let added = blocking(move || {
        let hash = hash_password(&form.password)?;
        app.users.add(&form.username, hash)
    })
    .await?;
    if !added {
        let token = csrf_token(&session)?;
        let body = credentials_page(
            "Register",
            "/register",
            &token,
            &[],
            Some("That user name is taken."),
        );
        return Ok((StatusCode::CONFLICT, Html(body)).into_response());
    }
    session.add_flash(&format!("Account created for {username}: log in"))?;
    Ok(Redirect::to("/login").into_response())
}

async fn login_page(session: Session) -> Result<Response, AppError> {
    if session.get::<String>(USER)?.is_some() {
        return Ok(Redirect::to("/").into_response());
    }
    let flashes = session.flashes::<String>()?;
    let token = csrf_token(&session)?;
    Ok(Html(credentials_page("Log in", "/login", &token, &flashes, None)).into_response())
}

async fn login(
    State(app): State<Arc<App>>,
    session: Session,
    Form(form): Form<Credentials>,
) -> Result<Response, AppError> {
    if !csrf_ok(&session, form.csrf.as_deref())? {
        return Ok(forbidden());
    }
    let username = form.username.clone();
    let ok = blocking(move || {
        Ok(app
            .users
            .lookup(&form.username)?
            .is_some_and(|hash| verify_password(&form.password, &hash)))
    })
    .await?;
    if !ok {
        let token = csrf_token(&session)?;
        let body = credentials_page(
            "Log in",
            "/login",
            &token,
            &[],
            Some("Unknown user name or wrong password."),
        );
        return Ok((StatusCode::UNAUTHORIZED, Html(body)).into_response());
    }
    // A new id and a new CSRF secret at login, against session fixation.
    session.regenerate_id();
    session.remove(CSRF);
    session.insert(USER, &username)?;
    session.add_flash(&format!("Welcome back, {username}"))?;
    Ok(Redirect::to("/").into_response())
}

async fn logout(session: Session, Form(form): Form<CsrfOnly>) -> Result<Response, AppError> {
    if !csrf_ok(&session, form.csrf.as_deref())? {
        return Ok(forbidden());
    }
    session.destroy();
    session.add_flash("Logged out")?;
    Ok(Redirect::to("/login").into_response())
}

async fn add_note(session: Session, Form(form): Form<NoteForm>) -> Result<Response, AppError> {
    if !csrf_ok(&session, form.csrf.as_deref())? {
        return Ok(forbidden());
    }
    if session.get::<String>(USER)?.is_none() {
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

async fn clear_notes(session: Session, Form(form): Form<CsrfOnly>) -> Result<Response, AppError> {
    if !csrf_ok(&session, form.csrf.as_deref())? {
        return Ok(forbidden());
    }
    if session.remove(NOTES) {
        session.add_flash("Notes cleared")?;
    }
    Ok(Redirect::to("/").into_response())
}

/// What this instance sees of the session, for scripts and tests. It reads
/// only: no flash is consumed and nothing is written, except that a session
/// sealed under an older key is re-sealed under the primary one.
async fn whoami(State(app): State<Arc<App>>, session: Session) -> Result<Response, AppError> {
    let notes = session.get::<Vec<String>>(NOTES)?.unwrap_or_default();
    Ok(Json(serde_json::json!({
        "user": session.get::<String>(USER)?,
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

// ---------------------------------------------------------------- errors

/// An unexpected failure: logged, and a 500 page without details.
struct AppError(String);

/// Runs password hashing or the users file off the async workers (argon2 is
/// deliberately slow), with its failure and a panicked task as `AppError`.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, BoxError> + Send + 'static,
) -> Result<T, AppError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| AppError(e.to_string()))?
        .map_err(|e| AppError(e.to_string()))
}

impl From<ValueError> for AppError {
    fn from(e: ValueError) -> Self {
        AppError(e.to_string())
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        eprintln!("error: {}", self.0);
        let body = page(
            "Error",
            None,
            &[],
            "<p class=\"error\">Something went wrong.</p>",
        );
        (StatusCode::INTERNAL_SERVER_ERROR, Html(body)).into_response()
    }
}

// ---------------------------------------------------------------- HTML

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn credentials_page(
    title: &str,
    action: &str,
    token: &str,
    flashes: &[String],
    error: Option<&str>,
) -> String {
    let mut body = format!("<h1>{title}</h1>");
    if let Some(error) = error {
        let _ = write!(body, "<p class=\"error\">{}</p>", escape(error));
    }
    let (other, other_label) = if action == "/login" {
        ("/register", "No account yet? Register")
    } else {
        ("/login", "Have an account? Log in")
    };
    let _ = write!(
        body,
        "<form method=\"post\" action=\"{action}\" class=\"stack\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{token}\">\
         <label>User name <input name=\"username\" autocomplete=\"username\" required></label>\
         <label>Password <input name=\"password\" type=\"password\" autocomplete=\"current-password\" required></label>\
         <div class=\"row\"><button type=\"submit\">{title}</button>\
         <a href=\"{other}\">{other_label}</a></div>\
         </form>"
    );
    page(title, None, flashes, &body)
}

const STYLE: &str = "\
*{box-sizing:border-box}\
body{margin:0;font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;background:#f3f4f6;color:#1f2937}\
header{background:#1e293b;color:#f8fafc;padding:.8rem 1.5rem;display:flex;justify-content:space-between;align-items:center}\
header b{font-weight:600;letter-spacing:.02em}header span{color:#94a3b8;font-size:.9rem;display:flex;align-items:center;gap:.8rem}\
header form{margin:0}button.header{background:transparent;border:1px solid #475569;color:#e2e8f0;padding:.25rem .7rem;font-size:.85rem}\
main{max-width:42rem;margin:2rem auto;background:#fff;border-radius:10px;box-shadow:0 1px 3px rgba(0,0,0,.1);padding:1.5rem 2rem}\
h1{margin:.2rem 0 1rem;font-size:1.6rem}h2{font-size:1.15rem;margin:1.5rem 0 .5rem}h2 small{color:#6b7280;font-weight:400;font-size:.85rem}\
.flash{background:#ecfdf5;border:1px solid #a7f3d0;color:#065f46;padding:.6rem .9rem;border-radius:6px;margin:0 0 .6rem}\
.error{background:#fef2f2;border:1px solid #fecaca;color:#991b1b;padding:.6rem .9rem;border-radius:6px}\
.muted{color:#6b7280}\
.stats{display:grid;grid-template-columns:repeat(4,1fr);gap:.6rem;margin:0}\
.stats div{background:#f8fafc;border:1px solid #e5e7eb;border-radius:6px;padding:.5rem .7rem}\
.stats dt{font-size:.75rem;text-transform:uppercase;color:#6b7280;letter-spacing:.05em}.stats dd{margin:0;font-weight:600}\
.stats small{display:block;color:#6b7280;font-weight:400;font-size:.75rem}\
.notes{padding-left:1.4rem;max-height:14rem;overflow:auto;word-break:break-word}.notes li{margin:.2rem 0}\
.stack{display:flex;flex-direction:column;gap:.7rem;margin:1rem 0}\
label{display:flex;flex-direction:column;font-size:.9rem;color:#374151;gap:.25rem}\
input,textarea{font:inherit;padding:.5rem .6rem;border:1px solid #d1d5db;border-radius:6px}\
.row{display:flex;gap:.7rem;align-items:center;flex-wrap:wrap}.row form{margin:0}\
button{font:inherit;background:#2563eb;color:#fff;border:0;border-radius:6px;padding:.5rem 1rem;cursor:pointer}\
button.secondary{background:#e5e7eb;color:#1f2937}a{color:#2563eb}\
code{font-size:.9rem}";

/// The signed-in user shown in the page header, with the logout form.
struct Signed<'a> {
    user: &'a str,
    csrf: &'a str,
}

fn page(title: &str, user: Option<Signed<'_>>, flashes: &[String], body: &str) -> String {
    let mut out = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{title}</title><style>{STYLE}</style></head><body>\
         <header><b>sealed-session demo</b><span>{}</span></header><main>",
        match user {
            Some(Signed { user, csrf }) => format!(
                "signed in as {}<form method=\"post\" action=\"/logout\">\
                 <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
                 <button type=\"submit\" class=\"header\">Log out</button></form>",
                escape(user)
            ),
            None => "stateless encrypted cookie sessions".to_owned(),
        }
    );
    for flash in flashes {
        let _ = write!(out, "<p class=\"flash\">{}</p>", escape(flash));
    }
    out.push_str(body);
    out.push_str("</main></body></html>");
    out
}
