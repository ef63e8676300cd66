//! What `tests/injection_attacks.rs` needs: a browser's cookie jar that
//! orders cookies as browsers do (longer paths first, then creation time),
//! keeps a cookie set with `Domain=` by a sibling apart from the host's own
//! cookie of the same name and path, and sends empty-name cookies as their
//! value alone; and one application, served by axum, actix-web and Rocket
//! on loopback, with a primary store and a flow store bound to it.

use std::sync::Mutex;
use std::thread::JoinHandle;

use sealed_session::axum::Sessions;
use sealed_session::{CookieStore, Keyring};

mod servers;

pub use servers::{actix_server, axum_server, rocket_server};

/// The primary store's cookie name and the bound flow store's.
pub const PRIMARY: &str = "session";
pub const FLOW: &str = "flow";

/// The two stores (plain names and no `Secure`: the injectable setup the
/// attacks need, over plain HTTP on loopback).
pub fn stores() -> (CookieStore, CookieStore) {
    let entry = Keyring::generate_entry(Default::default()).unwrap();
    let primary = CookieStore::builder(PRIMARY, Keyring::from_config(&entry).unwrap())
        .with_secure(false)
        .build()
        .unwrap();
    let flow = CookieStore::builder(FLOW, Keyring::from_config(&entry).unwrap())
        .with_secure(false)
        .with_bound_to(PRIMARY)
        .build()
        .unwrap();
    (primary, flow)
}

/// The application, the same in every framework: the action is the path's
/// last segments, so a page can live under any path prefix.
///
/// - `POST .../login/{user}`: `begin_login`, then the user;
/// - `POST .../grow/{n}`: `n` characters of filler (a session over chunks);
/// - `GET .../whoami`: the primary session's user and load error;
/// - `POST .../flow/start/{state}`: the flow session's state;
/// - `GET .../flow`: the flow session's state and load error.
pub fn respond(sessions: &Sessions, post: bool, path: &str) -> String {
    let primary = sessions.get(PRIMARY).unwrap();
    let flow = sessions.get(FLOW).unwrap();
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    match (post, segments.as_slice()) {
        (true, [.., "login", user]) => {
            primary.begin_login(&[]);
            primary.insert("user", user).unwrap();
            "ok".into()
        }
        (true, [.., "grow", n]) => {
            primary
                .insert("filler", &"f".repeat(n.parse().unwrap()))
                .unwrap();
            "ok".into()
        }
        (true, [.., "flow", "start", state]) => {
            flow.insert("state", state).unwrap();
            "ok".into()
        }
        (false, [.., "whoami"]) => {
            let user: Option<String> = primary.get("user").unwrap();
            format!("user={user:?} error={:?}", primary.load_error())
        }
        (false, [.., "flow"]) => {
            let state: Option<String> = flow.get("state").unwrap();
            format!("state={state:?} error={:?}", flow.load_error())
        }
        _ => "not found".into(),
    }
}

/// One cookie in the jar.
#[derive(Clone, Debug)]
struct Cookie {
    name: String,
    value: String,
    path: String,
    /// Set by the host itself (no `Domain`); a sibling's `Domain=` cookie
    /// is a different cookie even with the same name and path.
    host_only: bool,
    created: u64,
}

/// A browser: its jar and an HTTP client that sends the jar's cookies.
pub struct Browser {
    http: reqwest::Client,
    base: String,
    jar: Mutex<(Vec<Cookie>, u64)>,
}

impl Browser {
    pub fn new(base: &str) -> Self {
        Browser {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .no_proxy()
                .build()
                .unwrap(),
            base: base.to_owned(),
            jar: Mutex::new((Vec::new(), 0)),
        }
    }

    /// Stores a cookie as the browser would: the same name, path and
    /// origin (host-only or not) replace the earlier one, keeping its
    /// creation time (RFC 6265bis §5.7).
    fn store(&self, name: &str, value: &str, path: &str, host_only: bool) {
        let mut jar = self.jar.lock().unwrap();
        let (cookies, clock) = &mut *jar;
        *clock += 1;
        let same = |c: &Cookie| c.name == name && c.path == path && c.host_only == host_only;
        match cookies.iter_mut().find(|c| same(c)) {
            Some(c) => value.clone_into(&mut c.value),
            None => cookies.push(Cookie {
                name: name.to_owned(),
                value: value.to_owned(),
                path: path.to_owned(),
                host_only,
                created: *clock,
            }),
        }
    }

    /// A cookie a sibling subdomain sets with `Domain=` (or a plain-HTTP
    /// page): `name` may be empty (`Set-Cookie: =session=junk`).
    pub fn toss(&self, name: &str, value: &str, path: &str) {
        self.store(name, value, path, false);
    }

    /// A cookie of the host's own at another path (the application once
    /// set its cookie there too).
    pub fn set_own(&self, name: &str, value: &str, path: &str) {
        self.store(name, value, path, true);
    }

    /// The host's own cookies at `Path=/`, as `name=value` pairs.
    pub fn own(&self) -> Vec<(String, String)> {
        let jar = self.jar.lock().unwrap();
        jar.0
            .iter()
            .filter(|c| c.host_only && c.path == "/")
            .map(|c| (c.name.clone(), c.value.clone()))
            .collect()
    }

    /// The `Cookie` header for a request to `path`: matching cookies,
    /// longer paths first, then earlier creation first (RFC 6265bis
    /// §5.8.3); an empty name sends the value alone.
    pub fn cookie_header(&self, path: &str) -> String {
        let jar = self.jar.lock().unwrap();
        let mut sent: Vec<&Cookie> = jar
            .0
            .iter()
            .filter(|c| path_matches(&c.path, path))
            .collect();
        sent.sort_by(|a, b| {
            b.path
                .len()
                .cmp(&a.path.len())
                .then(a.created.cmp(&b.created))
        });
        sent.iter()
            .map(|c| match c.name.as_str() {
                "" => c.value.clone(),
                name => format!("{name}={}", c.value),
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub async fn get(&self, path: &str) -> String {
        self.send(false, path).await
    }

    pub async fn post(&self, path: &str) -> String {
        self.send(true, path).await
    }

    async fn send(&self, post: bool, path: &str) -> String {
        let url = format!("{}{path}", self.base);
        let request = if post {
            self.http.post(url)
        } else {
            self.http.get(url)
        };
        let header = self.cookie_header(path);
        let request = if header.is_empty() {
            request
        } else {
            request.header("cookie", header)
        };
        let response = request.send().await.unwrap();
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        for line in response.headers().get_all("set-cookie") {
            self.set_cookie(line.to_str().unwrap());
        }
        response.text().await.unwrap()
    }

    /// Applies one `Set-Cookie` line from the host.
    fn set_cookie(&self, line: &str) {
        let mut parts = line.split(';').map(str::trim);
        let (name, value) = parts.next().unwrap().split_once('=').unwrap();
        let mut path = "/".to_owned();
        let mut delete = false;
        for attribute in parts {
            match attribute.split_once('=') {
                Some((k, v)) if k.eq_ignore_ascii_case("path") => v.clone_into(&mut path),
                Some((k, v)) if k.eq_ignore_ascii_case("max-age") => delete = v == "0",
                _ => {}
            }
        }
        if delete {
            let mut jar = self.jar.lock().unwrap();
            jar.0
                .retain(|c| !(c.host_only && c.name == name && c.path == path));
        } else {
            self.store(name, value, &path, true);
        }
    }
}

/// RFC 6265 §5.1.4 path-match.
fn path_matches(cookie_path: &str, request_path: &str) -> bool {
    request_path == cookie_path
        || (request_path.starts_with(cookie_path)
            && (cookie_path.ends_with('/')
                || request_path.as_bytes().get(cookie_path.len()) == Some(&b'/')))
}

/// A server stopped on drop.
pub struct Server {
    pub url: String,
    stop: Option<Box<dyn FnOnce() + Send>>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            stop();
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[test]
fn the_jar_orders_by_path_length_then_creation() {
    let b = Browser::new("http://127.0.0.1:1");
    b.set_own("a", "1", "/");
    b.toss("a", "2", "/x");
    b.toss("", "a=3", "/x");
    b.toss("a", "4", "/");
    assert_eq!(b.cookie_header("/x/y"), "a=2; a=3; a=1; a=4");
    assert_eq!(b.cookie_header("/xy"), "a=1; a=4");
    b.set_cookie("a=; Max-Age=0; Path=/");
    assert_eq!(b.cookie_header("/x"), "a=2; a=3; a=4");
}
