//! One load client: its own cookie jar, a known sequence of session writes
//! (notes `c<client>-<n>`, cleared every few notes), and a check of every
//! read against the writes it saw acknowledged.
//!
//! Retries follow nginx's semantics (`proxy_next_upstream error timeout`,
//! without `non_idempotent`): nginx itself passes a request to the next
//! instance when it could not connect or when a GET failed, so a client
//! never retries a GET. A POST that nginx had already sent to an instance
//! that then died is answered 502 and not retried by nginx, because it
//! cannot know whether the instance acted on it. For a session write that
//! question has an answer: the write is the response's `Set-Cookie`, which
//! never arrived, so the session is unchanged and the client sends the same
//! POST again. Only a POST answered 502 is retried; anything else unexpected
//! counts as a failure.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use reqwest::blocking::Client as HttpClient;
use reqwest::cookie::{CookieStore as _, Jar};
use reqwest::redirect::Policy;
use reqwest::{StatusCode, Url};

use super::Shared;
use super::e2e_support::race::{PASSWORD, notes};

/// Notes written before the client clears them (keeps the session within
/// the cookie budget while its size keeps changing).
const NOTES_BEFORE_CLEAR: usize = 5;
/// Retries of one POST answered 502 (one instance down at a time needs one).
const POST_RETRIES: usize = 5;

/// What one client saw.
#[derive(Debug, Default)]
pub struct Tally {
    pub requests: u64,
    pub by_status: BTreeMap<u16, u64>,
    pub by_instance: BTreeMap<String, u64>,
    pub retried_posts: u64,
    /// When each 502 arrived (to tell its cause by the timeline).
    pub bad_gateway_at: Vec<Instant>,
    pub writes_acknowledged: u64,
    pub reads_checked: u64,
    pub rounds: u64,
    /// Responses outside the expected set, and transport errors.
    pub unexpected: Vec<String>,
    /// Why this client's session was lost, if it was.
    pub lost: Option<String>,
    /// Of the requests after logging in.
    pub latencies: Vec<Duration>,
    /// Key id in the envelope of the last cookie.
    pub final_key_id: Option<String>,
}

struct Page {
    status: StatusCode,
    location: Option<String>,
    body: String,
}

pub struct LoadClient {
    id: usize,
    http: HttpClient,
    jar: Arc<Jar>,
    base: Url,
    user: String,
    session_id: String,
    /// The notes of every acknowledged write, in order.
    expected: Vec<String>,
    next_note: usize,
    pub tally: Tally,
}

/// Why a round stopped: the failure is already in the tally.
struct Stop;

impl LoadClient {
    pub fn new(id: usize, base: &Url) -> LoadClient {
        let jar = Arc::new(Jar::default());
        let http = HttpClient::builder()
            .cookie_provider(jar.clone())
            .redirect(Policy::none())
            .no_proxy()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("building the HTTP client");
        LoadClient {
            id,
            http,
            jar,
            base: base.clone(),
            user: format!("soak{id}"),
            session_id: String::new(),
            expected: Vec::new(),
            next_note: 0,
            tally: Tally::default(),
        }
    }

    /// Registers, logs in and then works until `shared.stop`.
    pub fn run(mut self, shared: &Shared) -> Tally {
        if self.log_in().is_ok() {
            // Latency is measured under load only: registering and logging
            // in queue behind every other client's password hashing.
            self.tally.latencies.clear();
            shared.logged_in.fetch_add(1, Ordering::SeqCst);
            while !shared.stop.load(Ordering::SeqCst) {
                let epoch = shared.epoch.load(Ordering::SeqCst);
                if self.round().is_err() {
                    break;
                }
                self.tally.rounds += 1;
                shared.seen[self.id].store(epoch, Ordering::SeqCst);
            }
        } else {
            // Counted as lost: the orchestrator waits for every client.
            shared.logged_in.fetch_add(1, Ordering::SeqCst);
        }
        self.tally.final_key_id = self.chunk0().map(|c| super::e2e_support::cookie_key_id(&c));
        self.tally
    }

    fn chunk0(&self) -> Option<String> {
        let header = self.jar.cookies(&self.base)?;
        header
            .to_str()
            .ok()?
            .split("; ")
            .filter_map(|pair| pair.split_once('='))
            .find(|(name, _)| *name == super::e2e_support::COOKIE)
            .map(|(_, v)| v.to_owned())
    }

    fn send(&mut self, path: &str, form: Option<&[(&str, &str)]>) -> Result<Page, Stop> {
        let url = self.base.join(path).expect("joining a path");
        let request = match form {
            Some(form) => self.http.post(url).form(form),
            None => self.http.get(url),
        };
        let started = Instant::now();
        let result = request.send().and_then(|response| {
            let status = response.status();
            let header = |name: &str| {
                response
                    .headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
            };
            let location = header("location");
            let instance = header("x-instance");
            let body = response.text()?;
            Ok((status, location, instance, body))
        });
        self.tally.latencies.push(started.elapsed());
        self.tally.requests += 1;
        let method = if form.is_some() { "POST" } else { "GET" };
        match result {
            Ok((status, location, instance, body)) => {
                *self.tally.by_status.entry(status.as_u16()).or_default() += 1;
                if let Some(instance) = instance {
                    *self.tally.by_instance.entry(instance).or_default() += 1;
                }
                Ok(Page {
                    status,
                    location,
                    body,
                })
            }
            Err(e) => {
                self.fail(format!("{method} {path}: transport error: {e}"));
                Err(Stop)
            }
        }
    }

    /// A POST that must answer 303 to `location`, sent again only when
    /// nginx answers 502 (see the module docs).
    fn post(&mut self, path: &str, form: &[(&str, &str)], location: &str) -> Result<(), Stop> {
        for attempt in 0..=POST_RETRIES {
            let page = self.send(path, Some(form))?;
            if page.status == StatusCode::BAD_GATEWAY && attempt < POST_RETRIES {
                self.tally.retried_posts += 1;
                self.tally.bad_gateway_at.push(Instant::now());
                continue;
            }
            if page.status == StatusCode::SEE_OTHER && page.location.as_deref() == Some(location) {
                return Ok(());
            }
            return Err(self.unexpected(&format!("POST {path}"), &page));
        }
        unreachable!("the last attempt returns")
    }

    fn get(&mut self, path: &str) -> Result<Page, Stop> {
        let page = self.send(path, None)?;
        if page.status == StatusCode::OK {
            return Ok(page);
        }
        if page.status == StatusCode::SEE_OTHER && !self.session_id.is_empty() {
            // `/` sends a logged-out client to the login page.
            self.tally.lost = Some(format!(
                "client {}: GET {path} -> {:?} after {} acknowledged writes",
                self.id, page.location, self.tally.writes_acknowledged
            ));
            return Err(Stop);
        }
        Err(self.unexpected(&format!("GET {path}"), &page))
    }

    fn unexpected(&mut self, what: &str, page: &Page) -> Stop {
        let body: String = page.body.chars().take(200).collect();
        self.fail(format!(
            "{what}: {} {:?}: {body}",
            page.status, page.location
        ));
        Stop
    }

    fn fail(&mut self, message: String) {
        self.tally
            .unexpected
            .push(format!("client {}: {message}", self.id));
    }

    fn log_in(&mut self) -> Result<(), Stop> {
        let user = self.user.clone();
        let form = self.get("/register")?;
        let token = csrf(&form.body);
        let credentials = [
            ("username", user.as_str()),
            ("password", PASSWORD),
            ("csrf_token", token.as_str()),
        ];
        self.post("/register", &credentials, "/login")?;
        let form = self.get("/login")?;
        let token = csrf(&form.body);
        let credentials = [
            ("username", user.as_str()),
            ("password", PASSWORD),
            ("csrf_token", token.as_str()),
        ];
        self.post("/login", &credentials, "/")?;
        let index = self.get("/")?;
        if !index.body.contains(&format!("Welcome back, {user}")) {
            return Err(self.unexpected("GET / after login", &index));
        }
        self.session_id = self.whoami()?;
        Ok(())
    }

    /// Reads the session's JSON view and checks it against what the
    /// client knows; returns the session id.
    fn whoami(&mut self) -> Result<String, Stop> {
        let page = self.get("/whoami")?;
        let me: serde_json::Value = match serde_json::from_str(&page.body) {
            Ok(me) => me,
            Err(_) => return Err(self.unexpected("GET /whoami (not JSON)", &page)),
        };
        let id = me["session_id"].as_str().unwrap_or_default().to_owned();
        let same = me["user"] == self.user.as_str()
            && (self.session_id.is_empty() || id == self.session_id)
            && me["notes"] == self.expected.len()
            && me["load_error"].is_null();
        if !same {
            self.lose(format!("/whoami shows {me}"));
            return Err(Stop);
        }
        self.tally.reads_checked += 1;
        Ok(id)
    }

    fn lose(&mut self, what: String) {
        self.tally.lost = Some(format!(
            "client {} ({}, session {}), expecting notes {:?}: {what}",
            self.id, self.user, self.session_id, self.expected
        ));
    }

    /// One read-check-write cycle: the index (notes and a CSRF token), a
    /// note, sometimes a clear, and the JSON view.
    fn round(&mut self) -> Result<(), Stop> {
        let index = self.get("/")?;
        let notes = notes(&index.body);
        if !index.body.contains(&format!("Hello, {}", self.user)) || notes != self.expected {
            self.lose(format!("the index shows notes {notes:?}"));
            return Err(Stop);
        }
        self.tally.reads_checked += 1;
        let token = csrf(&index.body);
        let note = format!("c{}-{}", self.id, self.next_note);
        self.next_note += 1;
        self.post(
            "/notes",
            &[("note", note.as_str()), ("csrf_token", token.as_str())],
            "/",
        )?;
        self.expected.push(note);
        self.tally.writes_acknowledged += 1;
        if self.expected.len() >= NOTES_BEFORE_CLEAR {
            self.post("/notes/clear", &[("csrf_token", token.as_str())], "/")?;
            self.expected.clear();
            self.tally.writes_acknowledged += 1;
        }
        self.whoami()?;
        Ok(())
    }
}

/// The first CSRF token on a page (empty if none: the POST then fails
/// with 403 and is reported).
fn csrf(body: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    body.find(marker)
        .map(|start| &body[start + marker.len()..])
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_default()
        .to_owned()
}
