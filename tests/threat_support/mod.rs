//! The applications `tests/threat_model.rs` attacks, in axum and in
//! actix-web, and a reqwest client with a cookie jar that can also send a
//! `Cookie` header of the test's choosing (the jar's cookies plus injected
//! ones).
//!
//! Both applications have the same "user table" (a map from user name to
//! the user's `signed_out_at`, read through async functions as a database
//! would be) and check it in their own `CurrentUser` extractor, as README
//! "Sign out of all devices" shows.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, RwLock};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::StatusCode;
use reqwest::cookie::{CookieStore as _, Jar};
use reqwest::header::SET_COOKIE;
use sealed_session::{CookieStore, Keyring, SessionId};

mod actix_app;
mod axum_app;

pub use actix_app::actix_server;
pub use axum_app::axum_server;

/// The user table: each user's `signed_out_at`, if they ever signed out of
/// all devices.
#[derive(Clone, Debug, Default)]
pub struct Db(Arc<Mutex<HashMap<String, Option<SystemTime>>>>);

impl Db {
    /// The user's row: `None` for an unknown user.
    pub async fn signed_out_at(&self, user: &str) -> Option<Option<SystemTime>> {
        // A real database answers later; so does this one.
        tokio::task::yield_now().await;
        self.0.lock().unwrap().get(user).copied()
    }

    pub async fn ensure_user(&self, user: &str) {
        tokio::task::yield_now().await;
        self.0.lock().unwrap().entry(user.to_owned()).or_default();
    }

    pub async fn sign_out_everywhere(&self, user: &str) {
        tokio::task::yield_now().await;
        self.0
            .lock()
            .unwrap()
            .insert(user.to_owned(), Some(SystemTime::now()));
    }
}

/// Ids denied by the store's revocation hook.
pub type Denylist = Arc<RwLock<HashSet<SessionId>>>;

/// What both applications share: the store (a plain name, `Secure` off for
/// plain HTTP), its denylist and the user table.
#[derive(Clone, Debug)]
pub struct Backend {
    pub store: CookieStore,
    pub denied: Denylist,
    pub db: Db,
}

pub fn backend() -> Backend {
    let denied = Denylist::default();
    let list = Arc::clone(&denied);
    let keyring =
        Keyring::from_config(&Keyring::generate_entry(Default::default()).unwrap()).unwrap();
    let store = CookieStore::builder("session", keyring)
        .with_secure(false)
        .with_revocation_check(move |session| list.read().unwrap().contains(&session.id()))
        .build()
        .unwrap();
    Backend {
        store,
        denied,
        db: Db::default(),
    }
}

/// Sleeps into the next whole second of the wall clock: sessions issued
/// before are then "before" a sign-out done after.
pub async fn next_second() {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    let rest = Duration::from_secs(1) - Duration::from_nanos(u64::from(now.subsec_nanos()));
    tokio::time::sleep(rest + Duration::from_millis(20)).await;
}

/// The `name=value` pairs of a `Cookie` header.
pub fn cookie_pairs(header: &str) -> Vec<&str> {
    header.split("; ").filter(|p| !p.is_empty()).collect()
}

/// reqwest with its own cookie jar, not following redirects.
pub struct Client {
    http: reqwest::Client,
    jar: Arc<Jar>,
    base: String,
}

/// A response's status, body and `Set-Cookie` values.
pub type Reply = (StatusCode, String, Vec<String>);

impl Client {
    pub fn new(base: &str) -> Self {
        let jar = Arc::new(Jar::default());
        let http = reqwest::Client::builder()
            .cookie_provider(Arc::clone(&jar))
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .build()
            .unwrap();
        Client {
            http,
            jar,
            base: base.to_owned(),
        }
    }

    pub async fn get(&self, path: &str) -> Reply {
        reply(self.http.get(self.url(path))).await
    }

    pub async fn post(&self, path: &str) -> Reply {
        reply(self.http.post(self.url(path))).await
    }

    /// GET with exactly this `Cookie` header (the jar adds nothing to a
    /// request that has one) while the jar still takes the response's
    /// `Set-Cookie` lines, as a browser's would.
    pub async fn get_with_cookie(&self, path: &str, cookie: &str) -> Reply {
        reply(self.http.get(self.url(path)).header("cookie", cookie)).await
    }

    pub async fn post_with_cookie(&self, path: &str, cookie: &str) -> Reply {
        reply(self.http.post(self.url(path)).header("cookie", cookie)).await
    }

    /// The `Cookie` header the jar would send now ("" when empty).
    pub fn cookie_header(&self) -> String {
        self.jar
            .cookies(&self.base.parse().unwrap())
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

async fn reply(request: reqwest::RequestBuilder) -> Reply {
    let response = request.send().await.unwrap();
    let status = response.status();
    let set = response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    (status, response.text().await.unwrap(), set)
}

/// A running actix-web server in its own system thread; stopped on drop.
pub struct ActixServer {
    pub url: String,
    pub(crate) handle: actix_web::dev::ServerHandle,
    pub(crate) thread: Option<JoinHandle<std::io::Result<()>>>,
}

impl Drop for ActixServer {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
        if let Some(thread) = self.thread.take() {
            let stopped = thread.join();
            if !std::thread::panicking() {
                stopped.unwrap().unwrap();
            }
        }
    }
}
