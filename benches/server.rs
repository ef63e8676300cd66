//! Real servers on loopback under load (benches/README.md, "Servers").
//!
//! An axum server and an actix-web server, each on one thread (a tokio
//! current-thread runtime; one actix worker), serve every row's route;
//! `wrk` (one thread, 32 connections) drives each route for a few seconds
//! with a fixed `Cookie` header, as a browser that sends its session back.
//! The figure per row is the servers' CPU time per request (this
//! process's user + system time over the row, from `/proc/self/stat`,
//! divided by the requests wrk completed: robust to other load on the
//! machine, unlike 1 / requests per second, which is printed beside it),
//! its overhead over the same framework's hello world, and its overhead
//! over that hello world receiving the same `Cookie` header (the honest
//! baseline: the bytes on the wire cost what they cost before any session
//! code runs): what reading or writing a session adds to a request. Rows:
//!
//! - `hello`: no session layer at all; `hello with S's cookies`, `hello
//!   with L's cookies` (10 KB), `hello with tower-sessions' cookie`, `hello
//!   with actix-session's cookie`: the same receiving each session row's
//!   `Cookie` header; `hello with ..., nested`: the same again on a route
//!   nested and layered as the session routes are (axum: `nest` and a
//!   layer that does nothing; actix-web: two scopes and a middleware
//!   switched off), without a session: the baseline of the session rows'
//!   last column, so that column holds what the session layer adds and
//!   not what a nested, layered route costs in the framework;
//! - `untouched S` / `untouched L`: this crate's layer installed, the
//!   handler never touches the session (loading is lazy: it costs no
//!   cryptography, and the header is kept, not copied);
//! - `read S` / `read L`: `get` one value of an S (one cookie) or L (three
//!   cookies) session; `read S, revocation check (1M entries)`: the same
//!   with `RevocationList::check` installed over an in-process copy of
//!   1,000,000 entries (issue 23: the check should not show);
//! - `write S` / `write L`: `insert` one value, so every response re-seals
//!   the whole session into `Set-Cookie` lines;
//! - `tower-sessions read/write` (axum): tower-sessions' `MemoryStore`, the
//!   server-side baseline (an id cookie; the data in the server's memory);
//! - `actix-session read/write` (actix-web): actix-session's
//!   `CookieSessionStore` (the whole state in one private cookie).
//!
//! Run: `cargo bench --all-features --bench server` (needs `wrk`:
//! `apt-get install wrk`); `SERVER_BENCH_SERVE=FILE` only starts the
//! servers, writes their ports and the rows' `Cookie` headers to FILE and
//! serves until standard input closes (benches/profile.sh profiles them
//! that way); `SERVER_BENCH_SECONDS` sets the seconds per row
//! (default 3). It prints a table and writes `target/server-bench.json`.
// A bench that cannot set up its servers should stop loudly.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod common;

use std::collections::HashMap;
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};

use common::Workload;
use sealed_session::{Algorithm, CookieStore};
use serde_json::Value;

/// Rows as (framework, row name, path).
type Row = (&'static str, &'static str, &'static str);

const CONNECTIONS: u32 = 32;

/// The cookies a server sets on `GET url`, as a `Cookie` header.
fn cookies_from(url: &str) -> String {
    let response = reqwest::blocking::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .get(url)
        .send()
        .unwrap();
    assert!(
        response.status().is_success(),
        "{url}: {}",
        response.status()
    );
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
        .collect::<Vec<_>>()
        .join("; ")
}

mod axum_server {
    use super::{AtomicU64, CookieStore, Ordering, Workload, common};
    use axum::Router;
    use axum::routing::get;
    use sealed_session::axum::{Session, SessionLayer};
    use tower_sessions::{MemoryStore, Session as TowerSession, SessionManagerLayer};

    static COUNTER: AtomicU64 = AtomicU64::new(0);

    async fn read(session: Session) -> String {
        session
            .get::<String>("key_000")
            .unwrap()
            .unwrap_or_default()
            + &session
                .get::<String>("username")
                .unwrap()
                .unwrap_or_default()
    }

    async fn write(session: Session) -> &'static str {
        session
            .insert("n", &COUNTER.fetch_add(1, Ordering::Relaxed))
            .unwrap();
        "ok"
    }

    async fn tower_setup(session: TowerSession) -> &'static str {
        for (key, value) in Workload::S.entries() {
            session.insert(&key, value).await.unwrap();
        }
        "ok"
    }

    async fn tower_read(session: TowerSession) -> String {
        session.get::<String>("username").await.unwrap().unwrap()
    }

    async fn tower_write(session: TowerSession) -> &'static str {
        session
            .insert("n", COUNTER.fetch_add(1, Ordering::Relaxed))
            .await
            .unwrap();
        "ok"
    }

    /// Every axum row's route, each under its own layer (`checked`: S's
    /// store with a revocation check).
    pub fn app(small: CookieStore, large: CookieStore, checked: CookieStore) -> Router {
        let ours = |store: CookieStore| {
            Router::new()
                .route("/untouched", get(|| async { "hello" }))
                .route("/read", get(read))
                .route("/write", get(write))
                .layer(SessionLayer::new(store))
        };
        let tower = Router::new()
            .route("/setup", get(tower_setup))
            .route("/read", get(tower_read))
            .route("/write", get(tower_write))
            .layer(SessionManagerLayer::new(MemoryStore::default()).with_secure(false));
        // The hello the session routes are set against: nested and layered
        // as they are, without a session.
        let nested_hello = Router::new()
            .route("/hello", get(|| async { "hello" }))
            .layer(tower::layer::util::Identity::new());
        Router::new()
            .route("/hello", get(|| async { "hello" }))
            .nest("/n", nested_hello)
            .nest("/s", ours(small))
            .nest("/l", ours(large))
            .nest("/r", ours(checked))
            .nest("/tower", tower)
    }

    /// Serves `app` on one thread until `stop` fires; the port comes back on `ready`.
    pub fn serve(
        app: Router,
        ready: std::sync::mpsc::Sender<u16>,
        stop: tokio::sync::oneshot::Receiver<()>,
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            ready.send(listener.local_addr().unwrap().port()).unwrap();
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stop.await;
                })
                .await
                .unwrap();
        });
        // The common module's helpers are shared with other benches.
        let _ = common::COOKIE_NAME;
    }
}

mod actix_server {
    use super::{AtomicU64, CookieStore, HashMap, Ordering, Value, Workload};
    use actix_session::storage::CookieSessionStore;
    use actix_session::{Session as ActixSession, SessionMiddleware as ActixSessionMiddleware};
    use actix_web::cookie::Key;
    use actix_web::{App, HttpResponse, HttpServer, web};
    use sealed_session::actix::{Session, SessionMiddleware};

    static COUNTER: AtomicU64 = AtomicU64::new(0);

    async fn hello() -> HttpResponse {
        HttpResponse::Ok().body("hello")
    }

    async fn read(session: Session) -> HttpResponse {
        let a = session
            .get::<String>("key_000")
            .unwrap()
            .unwrap_or_default();
        let b = session
            .get::<String>("username")
            .unwrap()
            .unwrap_or_default();
        HttpResponse::Ok().body(a + &b)
    }

    async fn write(session: Session) -> HttpResponse {
        session
            .insert("n", &COUNTER.fetch_add(1, Ordering::Relaxed))
            .unwrap();
        HttpResponse::Ok().body("ok")
    }

    async fn theirs_setup(session: ActixSession) -> HttpResponse {
        let entries: HashMap<String, Value> = Workload::S.entries().into_iter().collect();
        for (key, value) in entries {
            session.insert(key, value).unwrap();
        }
        HttpResponse::Ok().body("ok")
    }

    async fn theirs_read(session: ActixSession) -> HttpResponse {
        HttpResponse::Ok().body(session.get::<String>("username").unwrap().unwrap())
    }

    async fn theirs_write(session: ActixSession) -> HttpResponse {
        session
            .insert("n", COUNTER.fetch_add(1, Ordering::Relaxed))
            .unwrap();
        HttpResponse::Ok().body("ok")
    }

    /// Serves every actix row on one worker until the handle stops it.
    pub fn serve(
        small: CookieStore,
        large: CookieStore,
        ready: std::sync::mpsc::Sender<(u16, actix_web::dev::ServerHandle)>,
    ) {
        actix_web::rt::System::new().block_on(async move {
            let key = Key::from(&[9; 64]);
            let server = HttpServer::new(move || {
                let ours = |store: CookieStore| {
                    web::scope("")
                        .wrap(SessionMiddleware::new(store))
                        .route("/untouched", web::get().to(hello))
                        .route("/read", web::get().to(read))
                        .route("/write", web::get().to(write))
                };
                let theirs = web::scope("/actix-session")
                    .wrap(
                        ActixSessionMiddleware::builder(CookieSessionStore::default(), key.clone())
                            .cookie_secure(false)
                            .build(),
                    )
                    .route("/setup", web::get().to(theirs_setup))
                    .route("/read", web::get().to(theirs_read))
                    .route("/write", web::get().to(theirs_write));
                // The hello the session routes are set against: in nested
                // scopes, under a middleware, as they are.
                let nested_hello = web::scope("")
                    .wrap(actix_web::middleware::Condition::new(
                        false,
                        actix_web::middleware::DefaultHeaders::new(),
                    ))
                    .route("/hello", web::get().to(hello));
                App::new()
                    .route("/hello", web::get().to(hello))
                    .service(web::scope("/n").service(nested_hello))
                    .service(theirs)
                    .service(web::scope("/s").service(ours(small.clone())))
                    .service(web::scope("/l").service(ours(large.clone())))
            })
            .workers(1)
            .bind(("127.0.0.1", 0))
            .unwrap();
            let port = server.addrs().first().expect("a bound address").port();
            let server = server.run();
            ready.send((port, server.handle())).unwrap();
            server.await.unwrap();
        });
    }
}

/// This process's CPU time so far (every server thread; wrk is another
/// process), in µs, from `/proc/self/stat` (clock ticks).
fn cpu_micros() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses): utime and
    // stime are the 12th and 13th.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok());
    let per_second = 100.0; // USER_HZ on Linux
    match (ticks(11), ticks(12)) {
        (Some(user), Some(system)) => (user + system) / per_second * 1e6,
        _ => f64::NAN,
    }
}

/// One wrk run: requests per second, the median latency in µs and the
/// number of requests served.
fn wrk(url: &str, cookie: &str, seconds: u64) -> (f64, f64, f64) {
    let mut command = Command::new("wrk");
    command.args([
        "-t1",
        &format!("-c{CONNECTIONS}"),
        &format!("-d{seconds}s"),
        "--latency",
    ]);
    if !cookie.is_empty() {
        command.args(["-H", &format!("Cookie: {cookie}")]);
    }
    let output = command.arg(url).output().expect("running wrk");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "wrk {url}: {text}");
    assert!(
        !text.contains("Non-2xx"),
        "{url}: non-2xx responses under load:\n{text}"
    );
    let rps = text
        .lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .map(|v| v.trim().parse::<f64>().unwrap())
        .unwrap_or_else(|| panic!("no Requests/sec in wrk's output:\n{text}"));
    let p50 = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("50%"))
        .map(|v| micros(v.trim()))
        .unwrap_or(f64::NAN);
    let requests = text
        .lines()
        .find_map(|l| l.trim().split_once(" requests in "))
        .and_then(|(n, _)| n.trim().parse::<f64>().ok())
        .unwrap_or(f64::NAN);
    (rps, p50, requests)
}

/// wrk's `123.45us` / `1.23ms` / `1.2s` in µs.
fn micros(text: &str) -> f64 {
    let (number, factor) = if let Some(n) = text.strip_suffix("us") {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix("ms") {
        (n, 1e3)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1e6)
    } else {
        (text, f64::NAN)
    };
    number.parse::<f64>().map_or(f64::NAN, |n| n * factor)
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// S's store (the same keys, so S's cookie opens) with a revocation check
/// over an in-process copy of 500,000 signed-out users and 500,000 denied
/// ids, none of them the benchmarked session's.
fn revocation_store() -> CookieStore {
    use sealed_session::revocation::{RevocationList, RevocationOptions};
    let list = RevocationList::in_process(RevocationOptions::default());
    let ids = common::store(Algorithm::default(), Workload::S);
    let now = std::time::SystemTime::now();
    let until = now + std::time::Duration::from_secs(3600);
    pollster::block_on(async {
        for i in 0..500_000 {
            list.sign_out_everywhere(&format!("user{i:07}"), now)
                .await
                .unwrap();
            list.deny(ids.new_session().id(), until).await.unwrap();
        }
    });
    CookieStore::builder(common::COOKIE_NAME, common::keyring(Algorithm::default()))
        .allow_non_host_name()
        .with_revocation_check(list.check(|s| s.get::<String>("username").ok().flatten()))
        .build()
        .unwrap()
}

fn main() {
    // `cargo bench` passes `--bench`; a name filter may follow.
    let filter: Option<String> = std::env::args().skip(1).find(|a| !a.starts_with("--"));
    if Command::new("wrk").arg("--version").output().is_err() {
        eprintln!("benches/server.rs needs wrk (apt-get install wrk); skipped");
        return;
    }
    let seconds: u64 = std::env::var("SERVER_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let small = common::store(Algorithm::default(), Workload::S);
    let large = common::store(Algorithm::default(), Workload::L);
    // A session of each size, as a browser would send it back; the
    // handlers read `username` (S) or `key_000` (L) and write `n`.
    let s_cookie = common::cookie_header(&small, &common::session(&small, Workload::S));
    let l_cookie = common::cookie_header(&large, &common::session(&large, Workload::L));
    assert_eq!(l_cookie.matches("session").count(), 3);

    let checked = revocation_store();

    let (ready, port) = std::sync::mpsc::channel();
    let (stop_axum, stopped) = tokio::sync::oneshot::channel();
    let axum_app = axum_server::app(small.clone(), large.clone(), checked);
    let axum_thread = std::thread::spawn(move || axum_server::serve(axum_app, ready, stopped));
    let axum_port = port.recv().unwrap();
    let (ready, handle) = std::sync::mpsc::channel();
    let (s2, l2) = (small.clone(), large.clone());
    let actix_thread = std::thread::spawn(move || actix_server::serve(s2, l2, ready));
    let (actix_port, actix_handle) = handle.recv().unwrap();

    let axum_url = |path: &str| format!("http://127.0.0.1:{axum_port}{path}");
    let actix_url = |path: &str| format!("http://127.0.0.1:{actix_port}{path}");
    let tower_cookie = cookies_from(&axum_url("/tower/setup"));
    let actix_session_cookie = cookies_from(&actix_url("/actix-session/setup"));

    // `SERVER_BENCH_SERVE=FILE`: serve only, for a profiler (benches/profile.sh):
    // the ports and Cookie headers go to FILE, and the servers stop when
    // standard input closes.
    if let Ok(file) = std::env::var("SERVER_BENCH_SERVE") {
        let info = serde_json::json!({
            "pid": std::process::id(), "axum_port": axum_port, "actix_port": actix_port,
            "s_cookie": s_cookie, "l_cookie": l_cookie,
            "tower_cookie": tower_cookie, "actix_session_cookie": actix_session_cookie,
        });
        std::fs::write(&file, serde_json::to_string_pretty(&info).unwrap()).unwrap();
        let _ = std::io::Read::read_to_end(&mut std::io::stdin(), &mut Vec::new());
        let _ = stop_axum.send(());
        pollster::block_on(actix_handle.stop(true));
        axum_thread.join().unwrap();
        actix_thread.join().unwrap();
        return;
    }

    // Each hello row with a `Cookie` header is the baseline of the session
    // rows that send the same header (the last such row: the nested one):
    // the cost of receiving and parsing it alone, without any session.
    let rows: Vec<(Row, String)> = vec![
        (("axum", "hello", "/hello"), String::new()),
        (
            ("axum", "hello with S's cookies", "/hello"),
            s_cookie.clone(),
        ),
        (
            ("axum", "hello with L's cookies", "/hello"),
            l_cookie.clone(),
        ),
        (
            ("axum", "hello with tower-sessions' cookie", "/hello"),
            tower_cookie.clone(),
        ),
        (
            ("axum", "hello with S's cookies, nested", "/n/hello"),
            s_cookie.clone(),
        ),
        (
            ("axum", "hello with L's cookies, nested", "/n/hello"),
            l_cookie.clone(),
        ),
        (
            (
                "axum",
                "hello with tower-sessions' cookie, nested",
                "/n/hello",
            ),
            tower_cookie.clone(),
        ),
        (("axum", "untouched S", "/s/untouched"), s_cookie.clone()),
        (("axum", "untouched L", "/l/untouched"), l_cookie.clone()),
        (("axum", "read S", "/s/read"), s_cookie.clone()),
        (
            ("axum", "read S, revocation check (1M entries)", "/r/read"),
            s_cookie.clone(),
        ),
        (("axum", "write S", "/s/write"), s_cookie.clone()),
        (("axum", "read L", "/l/read"), l_cookie.clone()),
        (("axum", "write L", "/l/write"), l_cookie.clone()),
        (
            ("axum", "tower-sessions read", "/tower/read"),
            tower_cookie.clone(),
        ),
        (
            ("axum", "tower-sessions write", "/tower/write"),
            tower_cookie,
        ),
        (("actix-web", "hello", "/hello"), String::new()),
        (
            ("actix-web", "hello with S's cookies", "/hello"),
            s_cookie.clone(),
        ),
        (
            ("actix-web", "hello with L's cookies", "/hello"),
            l_cookie.clone(),
        ),
        (
            ("actix-web", "hello with actix-session's cookie", "/hello"),
            actix_session_cookie.clone(),
        ),
        (
            ("actix-web", "hello with S's cookies, nested", "/n/hello"),
            s_cookie.clone(),
        ),
        (
            ("actix-web", "hello with L's cookies, nested", "/n/hello"),
            l_cookie.clone(),
        ),
        (
            (
                "actix-web",
                "hello with actix-session's cookie, nested",
                "/n/hello",
            ),
            actix_session_cookie.clone(),
        ),
        (
            ("actix-web", "untouched S", "/s/untouched"),
            s_cookie.clone(),
        ),
        (
            ("actix-web", "untouched L", "/l/untouched"),
            l_cookie.clone(),
        ),
        (("actix-web", "read S", "/s/read"), s_cookie.clone()),
        (("actix-web", "write S", "/s/write"), s_cookie),
        (("actix-web", "read L", "/l/read"), l_cookie.clone()),
        (("actix-web", "write L", "/l/write"), l_cookie),
        (
            ("actix-web", "actix-session read", "/actix-session/read"),
            actix_session_cookie.clone(),
        ),
        (
            ("actix-web", "actix-session write", "/actix-session/write"),
            actix_session_cookie,
        ),
    ];
    let load_before = load_average();
    println!(
        "wrk -t1 -c{CONNECTIONS} -d{seconds}s per row; one server thread each; load average before: {load_before}"
    );
    println!(
        "| framework | row | requests/s | server CPU µs per request | over hello (µs) | over hello with the same Cookie header (µs) | p50 latency (µs) |"
    );
    println!("|---|---|---|---|---|---|---|");
    let mut hello: HashMap<&str, f64> = HashMap::new();
    let mut hello_with: HashMap<(&str, &str), f64> = HashMap::new();
    let mut json_rows = Vec::new();
    for ((framework, row, path), cookie) in &rows {
        let label = format!("{framework} {row}");
        if filter
            .as_deref()
            .is_some_and(|f| !label.contains(f) && !row.starts_with("hello"))
        {
            continue;
        }
        let url = if *framework == "axum" {
            axum_url(path)
        } else {
            actix_url(path)
        };
        let cpu_before = cpu_micros();
        let (rps, p50, requests) = wrk(&url, cookie, seconds);
        // The servers' CPU time per request: unlike the wall-clock rate,
        // it does not move with what else the machine runs.
        let per_request = (cpu_micros() - cpu_before) / requests;
        if *row == "hello" {
            hello.insert(framework, per_request);
        }
        let overhead = per_request - hello.get(framework).copied().unwrap_or(f64::NAN);
        let same_header = if row.starts_with("hello") {
            hello_with.insert((*framework, cookie.as_str()), per_request);
            f64::NAN
        } else {
            per_request
                - hello_with
                    .get(&(*framework, cookie.as_str()))
                    .copied()
                    .unwrap_or(f64::NAN)
        };
        println!(
            "| {framework} | {row} | {rps:.0} | {per_request:.2} | {overhead:+.2} | {same_header:+.2} | {p50:.0} |"
        );
        json_rows.push(serde_json::json!({
            "framework": framework, "row": row, "rps": rps,
            "us_per_request": per_request, "overhead_us": overhead,
            "over_same_header_us": same_header, "p50_us": p50,
        }));
    }
    let load_after = load_average();
    println!("load average after: {load_after}");
    let _ = stop_axum.send(());
    pollster::block_on(actix_handle.stop(true));
    axum_thread.join().unwrap();
    actix_thread.join().unwrap();
    let dir = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".to_owned());
    let report = serde_json::json!({
        "seconds_per_row": seconds, "connections": CONNECTIONS,
        "load_before": load_before, "load_after": load_after, "rows": json_rows,
    });
    std::fs::write(
        std::path::Path::new(&dir).join("server-bench.json"),
        serde_json::to_string_pretty(&report).unwrap(),
    )
    .unwrap();
}
