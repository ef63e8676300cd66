//! Shared parts of the end-to-end tests: the demo binary, processes that are
//! killed when dropped (also when a test panics), free loopback ports and an
//! HTTP client with a cookie jar.

#![allow(dead_code)] // each e2e test crate uses a different part of this module

pub mod cluster;
pub mod nginx;
pub mod race;
pub mod redis_server;

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::{Arc, OnceLock};

use reqwest::blocking::{Client as HttpClient, Response};
use reqwest::cookie::{CookieStore as _, Jar};
use reqwest::redirect::Policy;
use reqwest::{StatusCode, Url};

/// The demo's cookie name (chunks are `session`, `session.1`, ...).
pub const COOKIE: &str = "session";

/// The crate's root directory.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Builds `examples/demo.rs` once per test binary (a no-op when `cargo
/// test` already built it with the same features) and returns its path.
pub fn demo_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        // The same features as `.ci/test` builds everything with, so this
        // reuses its build instead of compiling the crate again.
        let status = Command::new(cargo)
            .args(["build", "--quiet", "--example", "demo", "--all-features"])
            .current_dir(root())
            .status()
            .expect("running cargo build --example demo");
        assert!(status.success(), "cargo build --example demo failed");
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| root().join("target"));
        let bin = target.join("debug/examples/demo");
        assert!(bin.exists(), "no demo binary at {}", bin.display());
        bin
    })
}

/// A loopback port that was free a moment ago.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("binding 127.0.0.1:0");
    listener.local_addr().expect("local_addr").port()
}

/// A child process killed (by pid) and reaped when dropped. Its stderr goes
/// to a log file, printed when the test fails.
pub struct Proc {
    name: String,
    child: Child,
    log: PathBuf,
    _stdout: Option<BufReader<ChildStdout>>,
}

impl Proc {
    pub fn spawn(name: &str, mut command: Command, log: PathBuf) -> Proc {
        let log_file = std::fs::File::create(&log).expect("creating a log file");
        command.stdin(Stdio::null()).stderr(log_file);
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("starting {name}: {e}"));
        Proc {
            name: name.to_owned(),
            child,
            log,
            _stdout: None,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits for the process to exit by itself.
    pub fn wait(&mut self) -> std::process::ExitStatus {
        self.child.wait().expect("waiting for a child process")
    }

    /// Stops the process (SIGKILL) and waits for it.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.stop();
        if std::thread::panicking() {
            eprintln!(
                "---- log of {} (pid {}) ----\n{}",
                self.name,
                self.child.id(),
                self.log_text()
            );
        }
    }
}

/// A running demo instance.
pub struct Demo {
    pub proc: Proc,
    pub url: Url,
}

/// How to start a demo instance.
#[derive(Clone, Debug, Default)]
pub struct DemoOptions {
    pub port: u16,
    pub session_keys: Option<String>,
    /// `--keys-file`: the demo reads its keys from this file and reloads
    /// them when it changes.
    pub keys_file: Option<PathBuf>,
    pub users_file: Option<PathBuf>,
    pub instance: Option<String>,
    pub cookie_budget: Option<usize>,
    pub secure_cookies: bool,
    /// `--redis URL`: accounts and sign-outs in Redis.
    pub redis_url: Option<String>,
}

impl Demo {
    /// Starts the demo and waits until it prints its `listening on` line.
    pub fn start(options: &DemoOptions, log_dir: &Path) -> Demo {
        let mut command = Command::new(demo_bin());
        command.arg("--port").arg(options.port.to_string());
        command.env_remove("SESSION_KEYS");
        command.env_remove("SESSION_KEYS_FILE");
        for var in [
            "PORT",
            "USERS_FILE",
            "INSTANCE",
            "SECURE_COOKIES",
            "COOKIE_BUDGET",
            "REDIS_URL",
        ] {
            command.env_remove(var);
        }
        if let Some(keys) = &options.session_keys {
            command.env("SESSION_KEYS", keys);
        }
        if let Some(path) = &options.keys_file {
            command.arg("--keys-file").arg(path);
        }
        if let Some(users) = &options.users_file {
            command.arg("--users").arg(users);
        }
        if let Some(url) = &options.redis_url {
            command.arg("--redis").arg(url);
        }
        let name = options
            .instance
            .clone()
            .unwrap_or_else(|| "demo".to_owned());
        command.arg("--instance").arg(&name);
        if let Some(budget) = options.cookie_budget {
            command.arg("--cookie-budget").arg(budget.to_string());
        }
        if options.secure_cookies {
            command.arg("--secure-cookies");
        }
        command.stdout(Stdio::piped());
        let log = log_dir.join(format!("demo-{name}-{}.log", unique()));
        let mut proc = Proc::spawn(&format!("demo {name}"), command, log);
        let stdout = proc.child.stdout.take().expect("piped stdout");
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        loop {
            line.clear();
            let n = reader
                .read_line(&mut line)
                .expect("reading the demo's stdout");
            assert!(
                n > 0,
                "demo {name} exited before listening:\n{}",
                proc.log_text()
            );
            if let Some(url) = line.trim().strip_prefix("listening on ") {
                let url = Url::parse(url).expect("the demo's URL");
                proc._stdout = Some(reader);
                return Demo { proc, url };
            }
        }
    }

    pub fn port(&self) -> u16 {
        self.url.port().expect("a port")
    }
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

/// A browser-like client: a cookie jar, no automatic redirects (tests look
/// at every response).
pub struct Client {
    pub http: HttpClient,
    pub jar: Arc<Jar>,
    pub base: Url,
}

/// A response read to the end.
#[derive(Debug)]
pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub instance: Option<String>,
    pub set_cookies: Vec<String>,
    pub body: String,
}

impl Page {
    fn read(response: Response) -> Page {
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let location = header("location");
        let instance = header("x-instance");
        let set_cookies = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect();
        let status = response.status();
        let body = response.text().expect("reading the body");
        Page {
            status,
            location,
            instance,
            set_cookies,
            body,
        }
    }

    /// The first CSRF token on the page.
    pub fn csrf(&self) -> String {
        let marker = "name=\"csrf_token\" value=\"";
        let start = self
            .body
            .find(marker)
            .unwrap_or_else(|| panic!("no CSRF token on the page:\n{}", self.body))
            + marker.len();
        let len = self.body[start..].find('"').expect("closing quote");
        self.body[start..start + len].to_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

impl Client {
    pub fn new(base: &Url) -> Client {
        let jar = Arc::new(Jar::default());
        let http = HttpClient::builder()
            .cookie_provider(jar.clone())
            .redirect(Policy::none())
            .no_proxy()
            .build()
            .expect("building the HTTP client");
        Client {
            http,
            jar,
            base: base.clone(),
        }
    }

    pub fn url(&self, path: &str) -> Url {
        self.base.join(path).expect("joining a path")
    }

    pub fn get(&self, path: &str) -> Page {
        let response = self
            .http
            .get(self.url(path))
            .send()
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
        Page::read(response)
    }

    pub fn post(&self, path: &str, form: &[(&str, &str)]) -> Page {
        let response = self
            .http
            .post(self.url(path))
            .form(form)
            .send()
            .unwrap_or_else(|e| panic!("POST {path}: {e}"));
        Page::read(response)
    }

    /// A POST with extra request headers and a raw body of `content_type`.
    pub fn post_raw(
        &self,
        path: &str,
        headers: &[(&str, &str)],
        content_type: &str,
        body: &str,
    ) -> Page {
        let mut request = self
            .http
            .post(self.url(path))
            .header("content-type", content_type)
            .body(body.to_owned());
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        Page::read(
            request
                .send()
                .unwrap_or_else(|e| panic!("POST {path}: {e}")),
        )
    }

    /// Follows a 303 from `page` with a GET.
    pub fn follow(&self, page: &Page) -> Page {
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{page:?}");
        self.get(page.location.as_deref().expect("a Location"))
    }

    /// The session's cookies in the jar, in chunk order: `(name, value)`.
    pub fn session_cookies(&self) -> Vec<(String, String)> {
        let Some(header) = self.jar.cookies(&self.base) else {
            return Vec::new();
        };
        let mut cookies: Vec<(String, String)> = header
            .to_str()
            .expect("a Cookie header")
            .split("; ")
            .filter_map(|pair| pair.split_once('='))
            .filter(|(name, _)| *name == COOKIE || name.starts_with("session."))
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
            .collect();
        cookies.sort_by_key(|(name, _)| chunk_index(name));
        cookies
    }

    pub fn session_cookie_names(&self) -> Vec<String> {
        self.session_cookies().into_iter().map(|(n, _)| n).collect()
    }

    /// Replaces a cookie in the jar.
    pub fn set_cookie(&self, name: &str, value: &str) {
        self.jar
            .add_cookie_str(&format!("{name}={value}; Path=/"), &self.base);
    }

    pub fn whoami(&self) -> serde_json::Value {
        let page = self.get("/whoami");
        assert_eq!(page.status, StatusCode::OK, "{page:?}");
        page.json()
    }

    /// Registers `user` (from the register form's CSRF token).
    pub fn register(&self, user: &str, password: &str) {
        let form = self.get("/register");
        let done = self.post(
            "/register",
            &[
                ("username", user),
                ("password", password),
                ("csrf_token", &form.csrf()),
            ],
        );
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        assert_eq!(done.location.as_deref(), Some("/login"));
    }

    /// Logs in and returns the page `/` shown right after.
    pub fn login(&self, user: &str, password: &str) -> Page {
        let form = self.get("/login");
        assert_eq!(form.status, StatusCode::OK, "{form:?}");
        let done = self.post(
            "/login",
            &[
                ("username", user),
                ("password", password),
                ("csrf_token", &form.csrf()),
            ],
        );
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        assert_eq!(done.location.as_deref(), Some("/"));
        self.follow(&done)
    }

    /// Adds a note with a CSRF token from `/`; returns the POST's response.
    pub fn add_note(&self, note: &str) -> Page {
        let index = self.get("/");
        assert_eq!(index.status, StatusCode::OK, "{index:?}");
        self.post("/notes", &[("note", note), ("csrf_token", &index.csrf())])
    }
}

/// `session` -> 0, `session.N` -> N.
pub fn chunk_index(name: &str) -> usize {
    name.strip_prefix("session.")
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// The key id in the envelope header of chunk 0 (bytes 2..6), as hex.
pub fn cookie_key_id(chunk0: &str) -> String {
    use base64::Engine as _;
    // Chunk 0 may end mid-way through a base64 quantum; the header is in
    // the first 8 characters (6 bytes) anyway.
    let head = &chunk0[..8];
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(head)
        .expect("base64url header");
    assert_eq!(bytes[0], 1, "envelope version");
    hex(&bytes[2..6])
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
