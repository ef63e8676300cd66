//! The two ways `tests/rocket.rs` drives a Rocket app: Rocket's local
//! asynchronous client (tracked cookies), and a real server on loopback
//! (port 0) driven by reqwest with a real cookie jar. Every scenario runs
//! on both.

use std::net::SocketAddr;
use std::sync::Mutex;

use rocket::http::{Header, Method};
use rocket::{Build, Rocket};

#[path = "../integration_client/mod.rs"]
#[allow(dead_code)] // shared with the axum and actix-web suites
mod integration_client;

/// A response, whichever way it came.
pub struct Reply {
    pub status: u16,
    /// Header names in lower case, in the order received.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    /// Every value of header `name`.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The only value of header `name`, if any.
    pub fn header(&self, name: &str) -> Option<&str> {
        let all = self.all(name);
        assert!(all.len() <= 1, "{name}: {all:?}");
        all.first().copied()
    }

    pub fn set_cookies(&self) -> Vec<&str> {
        self.all("set-cookie")
    }
}

/// One way of sending requests to a Rocket app.
pub trait Driver: Sized {
    /// Starts `rocket` (configured for tests by [`config`]).
    async fn start(rocket: Rocket<Build>) -> Self;
    /// Sends a request; with `cookies`, exactly these `Cookie` header
    /// fields instead of the cookie jar's.
    async fn send(&self, method: Method, path: &str, cookies: Option<&[&str]>) -> Reply;
    /// The `Cookie` header the jar would send now.
    fn cookie_header(&self) -> String;

    async fn get(&self, path: &str) -> Reply {
        self.send(Method::Get, path, None).await
    }

    async fn post(&self, path: &str) -> Reply {
        self.send(Method::Post, path, None).await
    }

    async fn get_with_cookies(&self, path: &str, cookies: &[&str]) -> Reply {
        self.send(Method::Get, path, Some(cookies)).await
    }

    /// The names of the cookies in the jar, sorted.
    fn cookie_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .cookie_header()
            .split("; ")
            .filter(|p| !p.is_empty())
            .map(|p| p.split('=').next().unwrap().to_owned())
            .collect();
        names.sort();
        names
    }
}

/// Rocket's test configuration: port 0, no signal handling, and Rocket's
/// log left to [`capture_log`].
pub fn config() -> rocket::Config {
    capture_log();
    rocket::Config {
        port: 0,
        cli_colors: false,
        shutdown: rocket::config::Shutdown {
            ctrlc: false,
            ..Default::default()
        },
        ..rocket::Config::debug_default()
    }
}

/// Rocket's local client, tracking cookies as a browser would.
pub struct Local(rocket::local::asynchronous::Client);

impl Driver for Local {
    async fn start(rocket: Rocket<Build>) -> Self {
        Local(
            rocket::local::asynchronous::Client::tracked(rocket)
                .await
                .unwrap(),
        )
    }

    async fn send(&self, method: Method, path: &str, cookies: Option<&[&str]>) -> Reply {
        let mut request = self.0.req(method, path.to_owned());
        for cookie in cookies.unwrap_or_default() {
            request = request.header(Header::new("Cookie", (*cookie).to_owned()));
        }
        let response = request.dispatch().await;
        Reply {
            status: response.status().code,
            headers: response
                .headers()
                .iter()
                .map(|h| (h.name().as_str().to_ascii_lowercase(), h.value().to_owned()))
                .collect(),
            body: response.into_string().await.unwrap_or_default(),
        }
    }

    fn cookie_header(&self) -> String {
        // The tracked jar keeps a cookie deleted with `Max-Age=0` (it only
        // honours a past `Expires`); a browser drops it.
        let mut pairs: Vec<String> = self
            .0
            .cookies()
            .iter()
            .filter(|c| !c.max_age().is_some_and(|age| age.is_zero()))
            .map(|c| format!("{}={}", c.name(), c.value()))
            .collect();
        pairs.sort();
        pairs.join("; ")
    }
}

/// A real Rocket server on loopback and a reqwest client with a cookie jar;
/// the server is told to shut down on drop.
pub struct Http {
    client: integration_client::Client,
    addr: SocketAddr,
    shutdown: rocket::Shutdown,
}

impl Driver for Http {
    async fn start(rocket: Rocket<Build>) -> Self {
        let (tx, rx) = rocket::tokio::sync::oneshot::channel();
        let rocket = rocket
            .attach(rocket::fairing::AdHoc::on_liftoff("port", |rocket| {
                Box::pin(async move {
                    let config = rocket.config();
                    tx.send(SocketAddr::new(config.address, config.port))
                        .unwrap();
                })
            }))
            .ignite()
            .await
            .unwrap();
        let shutdown = rocket.shutdown();
        rocket::tokio::spawn(rocket.launch());
        let addr = rx.await.unwrap();
        Http {
            client: integration_client::Client::new(addr),
            addr,
            shutdown,
        }
    }

    async fn send(&self, method: Method, path: &str, cookies: Option<&[&str]>) -> Reply {
        let (status, headers, body) = match (method, cookies) {
            (Method::Get, None) => self.client.get(path).await,
            (Method::Post, None) => self.client.post(path).await,
            (Method::Get, Some(cookies)) => {
                let url = format!("http://{}{path}", self.addr);
                integration_client::get_with_cookies(&url, cookies).await
            }
            other => panic!("not used: {other:?}"),
        };
        Reply {
            status: status.as_u16(),
            headers: headers
                .iter()
                .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap().to_owned()))
                .collect(),
            body,
        }
    }

    fn cookie_header(&self) -> String {
        self.client.cookie_header()
    }
}

impl Http {
    /// GETs `path` with exactly these `Cookie` header fields, as raw bytes
    /// (not necessarily UTF-8), and no jar.
    pub async fn get_with_raw_cookies(&self, path: &str, fields: &[&[u8]]) -> Reply {
        let mut request = reqwest::Client::new().get(format!("http://{}{path}", self.addr));
        for field in fields {
            let value = reqwest::header::HeaderValue::from_bytes(field).unwrap();
            request = request.header("cookie", value);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap().to_owned()))
            .collect();
        Reply {
            status,
            headers,
            body: response.text().await.unwrap(),
        }
    }
}

impl Drop for Http {
    fn drop(&mut self) {
        self.shutdown.clone().notify();
    }
}

/// Log records mentioning this crate, from every Rocket in the process.
static LOG: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct Capture;

impl log::Log for Capture {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::Level::Warn
    }

    fn log(&self, record: &log::Record<'_>) {
        let message = record.args().to_string();
        if message.contains("sealed-session") {
            LOG.lock().unwrap().push(message);
        }
    }

    fn flush(&self) {}
}

/// Installs the capturing logger before any Rocket can install its own.
fn capture_log() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        log::set_logger(&Capture).unwrap();
        log::set_max_level(log::LevelFilter::Warn);
    });
}

/// The captured log records so far.
pub fn logged() -> Vec<String> {
    LOG.lock().unwrap().clone()
}
