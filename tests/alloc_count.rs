//! Heap allocations per seal and per open of the S and L workloads
//! (benches/README.md), and per whole request through the axum layer, the
//! actix-web middleware and the Rocket fairing, counted with a counting
//! global allocator.
//!
//! `cargo test --all-features --test alloc_count -- --nocapture` prints the
//! counts; the bounds below pin them so an avoidable allocation creeping back
//! into the hot path fails a test rather than a benchmark nobody runs. The
//! counter is process-wide, so this binary holds a single test.
//!
//! The crate forbids `unsafe_code` in every target (Cargo.toml `[lints]`),
//! so the counting allocator comes from `stats_alloc` instead of a local
//! `unsafe impl GlobalAlloc`.
#![allow(clippy::expect_used, clippy::unwrap_used)]

#[path = "../benches/common/mod.rs"]
mod common;

use std::alloc::System;

use common::Workload;
use sealed_session::__private::{bench_open, bench_seal, load_at, save_at};
use sealed_session::Algorithm;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Allocations and reallocations (a buffer growing) made by one call of
/// `f` (after a warm-up call, so one-time
/// costs such as seeding the thread's generator are not counted). The
/// counter is process-wide and the test harness has threads of its own, so
/// this is the least of several calls: `f` is deterministic, the noise is not.
fn allocations<T>(mut f: impl FnMut() -> T) -> usize {
    drop(f());
    (0..8)
        .map(|_| {
            let region = Region::new(GLOBAL);
            let out = f();
            let change = region.change();
            let count = change.allocations + change.reallocations;
            drop(out);
            count
        })
        .min()
        .unwrap_or(usize::MAX)
}

/// The `Cookie` header a browser sends back after `store.save` wrote `lines`.
fn cookie_header(lines: &[String]) -> String {
    lines
        .iter()
        .filter(|l| !l.contains("Max-Age=0"))
        .map(|l| l.split(';').next().unwrap())
        .collect::<Vec<_>>()
        .join("; ")
}

/// One test: the counter is process-wide, and tests run in parallel.
#[test]
fn allocations_per_call_and_per_request() {
    allocations_per_seal_and_open_of_s_and_l();
    allocations_per_get();
    allocations_per_axum_request();
    allocations_per_actix_request();
    allocations_per_rocket_request();
}

/// `get` reads a value in place: a `String` costs its own allocation and
/// nothing else, an integer nothing at all.
fn allocations_per_get() {
    let store = common::store(Algorithm::default(), Workload::L);
    let session = common::session(&store, Workload::L);
    let header = cookie_header(
        &sealed_session::__private::save_at(&store, &mut session.clone(), 1_800_000_000).unwrap(),
    );
    let session = load_at(&store, [header.as_str()], 1_800_000_000);
    let keys: Vec<String> = session.keys().map(str::to_owned).collect();
    assert_eq!(keys.len(), 150);
    let strings = allocations(|| {
        keys.iter()
            .map(|k| session.get::<String>(k).unwrap().unwrap())
            .collect::<Vec<_>>()
    });
    // The 150 strings and the vector holding them.
    println!("get of every L value as String: {strings} allocations");
    assert_eq!(strings, 151, "allocations to get every L value as String");
    let mut small = store.load(None::<&str>);
    small.insert("n", &u64::MAX).unwrap();
    small.insert("t", &(-5i32, true, 1.5f64)).unwrap();
    let scalars = allocations(|| {
        (
            small.get::<u64>("n").unwrap(),
            small.get::<(i32, bool, f64)>("t").unwrap(),
        )
    });
    assert_eq!(scalars, 0, "allocations to get scalars");
}

fn allocations_per_seal_and_open_of_s_and_l() {
    let now = 1_800_000_000;
    let mut report = Vec::new();
    for workload in [Workload::S, Workload::L] {
        for alg in Algorithm::ALL {
            let store = common::store(alg, workload);
            let session = common::session(&store, workload);
            let (text, chunks) = bench_seal(&store, &session).unwrap();
            let seal = allocations(|| bench_seal(&store, &session).unwrap());
            let open = allocations(|| bench_open(&store, &text, chunks.len()).unwrap());
            let mut saved = session.clone();
            let header = cookie_header(
                &sealed_session::__private::save_at(&store, &mut saved, now).unwrap(),
            );
            assert!(!load_at(&store, [header.as_str()], now).is_new());
            let load = allocations(|| load_at(&store, [header.as_str()], now));
            // The public save of a changed session (a clone made outside the
            // count each time, so every save has something to write).
            let save = {
                let mut fresh = session.clone();
                drop(save_at(&store, &mut fresh, now));
                (0..8)
                    .map(|_| {
                        let mut s = session.clone();
                        let region = Region::new(GLOBAL);
                        let lines = save_at(&store, &mut s, now).unwrap();
                        let change = region.change();
                        drop(lines);
                        change.allocations + change.reallocations
                    })
                    .min()
                    .unwrap_or(usize::MAX)
            };
            println!(
                "{} {:<20} seal: {seal:>2}  save: {save:>2}  open: {open:>2}  load: {load:>2} allocations ({} chunks)",
                workload.name(),
                alg.name(),
                chunks.len()
            );
            report.push((workload, alg, seal, save, open, load));
        }
    }
    for (workload, alg, seal, save, open, load) in report {
        let (seal_max, open_max, load_max) = match workload {
            Workload::L => (SEAL_MAX, OPEN_MAX, LOAD_MAX_L),
            _ => (SEAL_MAX, OPEN_MAX, LOAD_MAX_S),
        };
        let name = format!("{} {}", workload.name(), alg.name());
        assert!(seal <= seal_max, "{name}: {seal} allocations per seal");
        let save_max = if workload == Workload::L {
            SAVE_MAX_L
        } else {
            SAVE_MAX_S
        };
        assert!(save <= save_max, "{name}: {save} allocations per save");
        assert!(open <= open_max, "{name}: {open} allocations per open");
        assert!(load <= load_max, "{name}: {load} allocations per load");
    }
}

mod axum_app {
    use std::sync::atomic::{AtomicU64, Ordering};

    use axum::Router;
    use axum::body::Body;
    use axum::http::Request;
    use axum::routing::get;
    use sealed_session::CookieStore;
    use sealed_session::axum::{Session, SessionLayer};
    use tower::ServiceExt as _;

    static COUNTER: AtomicU64 = AtomicU64::new(0);

    /// The routes of benches/server.rs: `/hello` (no session), `/untouched`,
    /// `/read` (two values), `/write` (one value inserted); under the
    /// session layer when `store` is given, else under a layer that does
    /// nothing (what any layer costs in axum: each route boxed again).
    pub fn app(store: Option<CookieStore>) -> Router {
        let app = Router::new()
            .route("/hello", get(|| async { "hello" }))
            .route("/untouched", get(|| async { "hello" }))
            .route(
                "/read",
                get(|session: Session| async move {
                    let a: Option<String> = session.get("key_000").unwrap();
                    let b: Option<String> = session.get("username").unwrap();
                    a.unwrap_or_default() + &b.unwrap_or_default()
                }),
            )
            .route(
                "/write",
                get(|session: Session| async move {
                    session
                        .insert("n", &COUNTER.fetch_add(1, Ordering::Relaxed))
                        .unwrap();
                    "ok"
                }),
            );
        match store {
            Some(store) => app.layer(SessionLayer::new(store)),
            None => app.layer(tower::layer::util::Identity::new()),
        }
    }

    pub fn request(path: &str, cookie: &str) -> Request<Body> {
        Request::get(path)
            .header("cookie", cookie)
            .body(Body::empty())
            .unwrap()
    }

    /// Serves one request (built before the count) and returns the response
    /// status and its number of `Set-Cookie` lines.
    pub fn call(app: &Router, request: Request<Body>) -> (u16, usize) {
        let response = pollster::block_on(app.clone().oneshot(request)).unwrap();
        let lines = response.headers().get_all("set-cookie").iter().count();
        (response.status().as_u16(), lines)
    }
}

/// Allocations of one request through `app` (the request is built outside
/// the count; the least of several, as in [`allocations`]).
fn request_allocations(app: &axum::Router, path: &str, cookie: &str) -> (usize, usize) {
    let (status, lines) = axum_app::call(app, axum_app::request(path, cookie));
    assert_eq!(status, 200, "{path}");
    let count = (0..8)
        .map(|_| {
            let request = axum_app::request(path, cookie);
            let region = Region::new(GLOBAL);
            let out = axum_app::call(app, request);
            let change = region.change();
            assert_eq!(out.0, 200);
            change.allocations + change.reallocations
        })
        .min()
        .unwrap_or(usize::MAX);
    (count, lines)
}

fn allocations_per_axum_request() {
    let mut rows = Vec::new();
    for workload in [Workload::S, Workload::L] {
        let store = common::store(Algorithm::default(), workload);
        let cookie = common::cookie_header(&store, &common::session(&store, workload));
        let plain = axum_app::app(None);
        let layered = axum_app::app(Some(store));
        let (hello, _) = request_allocations(&plain, "/hello", &cookie);
        for path in PATHS {
            let (total, lines) = request_allocations(&layered, path, &cookie);
            rows.push(Row::new("axum", workload, path, hello, total, lines));
        }
    }
    check(&rows, AXUM_PINS);
}

const PATHS: [&str; 3] = ["/untouched", "/read", "/write"];

/// One framework's request to one route, over the same request to `/hello`
/// without the session layer.
struct Row {
    framework: &'static str,
    workload: &'static str,
    path: &'static str,
    added: usize,
    lines: usize,
}

impl Row {
    fn new(
        framework: &'static str,
        workload: Workload,
        path: &'static str,
        hello: usize,
        total: usize,
        lines: usize,
    ) -> Self {
        let added = total.saturating_sub(hello);
        println!(
            "{framework} {} {path:<10} {total:>3} allocations, {added:>2} over hello without the session layer, with the same Cookie header ({hello}); {lines} Set-Cookie",
            workload.name()
        );
        Row {
            framework,
            workload: workload.name(),
            path,
            added,
            lines,
        }
    }
}

/// The most allocations over hello for `/untouched`, `/read`, `/write`.
struct Pins {
    untouched: usize,
    read: usize,
    write: usize,
}

fn check(rows: &[Row], pins: Pins) {
    for row in rows {
        let (framework, workload, path) = (row.framework, row.workload, row.path);
        let max = match path {
            "/untouched" => pins.untouched,
            "/read" => pins.read,
            _ => pins.write,
        };
        assert!(
            row.added <= max,
            "{framework} {workload} {path}: {} allocations over hello",
            row.added
        );
        let expected_lines = match (path, workload) {
            ("/write", "L") => 3,
            ("/write", _) => 1,
            _ => 0,
        };
        // A write sets the session's cookies and deletes nothing it did not get.
        assert_eq!(row.lines, expected_lines, "{framework} {workload} {path}");
    }
}

fn allocations_per_actix_request() {
    let mut rows = Vec::new();
    for workload in [Workload::S, Workload::L] {
        let store = common::store(Algorithm::default(), workload);
        let cookie = common::cookie_header(&store, &common::session(&store, workload));
        actix_web::rt::System::new().block_on(async {
            let plain = actix_web::test::init_service(actix_app::app(None)).await;
            let layered = actix_web::test::init_service(actix_app::app(Some(store))).await;
            let (hello, _) = actix_app::allocations!(&plain, "/hello", cookie.as_str());
            for path in PATHS {
                let (total, lines) = actix_app::allocations!(&layered, path, cookie.as_str());
                rows.push(Row::new("actix-web", workload, path, hello, total, lines));
            }
        });
    }
    check(&rows, ACTIX_PINS);
}

fn allocations_per_rocket_request() {
    let mut rows = Vec::new();
    for workload in [Workload::S, Workload::L] {
        let store = common::store(Algorithm::default(), workload);
        let cookie = common::cookie_header(&store, &common::session(&store, workload));
        let plain = rocket_app::client(None);
        let layered = rocket_app::client(Some(store));
        let (hello, _) = rocket_app::allocations(&plain, "/hello", &cookie);
        for path in PATHS {
            let (total, lines) = rocket_app::allocations(&layered, path, &cookie);
            rows.push(Row::new("rocket", workload, path, hello, total, lines));
        }
    }
    check(&rows, ROCKET_PINS);
}

mod actix_app {
    use std::sync::atomic::{AtomicU64, Ordering};

    use actix_web::dev::ServiceResponse;
    use actix_web::{App, web};
    use sealed_session::CookieStore;
    use sealed_session::actix::{Session, SessionMiddleware};

    static COUNTER: AtomicU64 = AtomicU64::new(0);

    async fn read(session: Session) -> String {
        let a: Option<String> = session.get("key_000").unwrap();
        let b: Option<String> = session.get("username").unwrap();
        a.unwrap_or_default() + &b.unwrap_or_default()
    }

    async fn write(session: Session) -> &'static str {
        session
            .insert("n", &COUNTER.fetch_add(1, Ordering::Relaxed))
            .unwrap();
        "ok"
    }

    /// The routes of the axum app, under the session middleware when
    /// `store` is given, else under one that does nothing.
    pub fn app(
        store: Option<CookieStore>,
    ) -> App<
        impl actix_web::dev::ServiceFactory<
            actix_web::dev::ServiceRequest,
            Config = (),
            Response = ServiceResponse<impl actix_web::body::MessageBody>,
            Error = actix_web::Error,
            InitError = (),
        >,
    > {
        let app = App::new()
            .route("/hello", web::get().to(|| async { "hello" }))
            .route("/untouched", web::get().to(|| async { "hello" }))
            .route("/read", web::get().to(read))
            .route("/write", web::get().to(write));
        app.wrap(actix_web::middleware::Condition::new(
            store.is_some(),
            match store {
                Some(store) => SessionMiddleware::new(store),
                None => SessionMiddleware::new(super::common::store(
                    sealed_session::Algorithm::default(),
                    super::common::Workload::S,
                )),
            },
        ))
    }

    /// Allocations of one request (built outside the count; the least of
    /// several) and its number of `Set-Cookie` lines. A macro: the
    /// service's request type is not nameable from here.
    macro_rules! allocations {
        ($app:expr, $path:expr, $cookie:expr) => {{
            use actix_web::dev::Service as _;
            let (app, path, cookie) = ($app, $path, $cookie);
            let request = || {
                actix_web::test::TestRequest::get()
                    .uri(path)
                    .insert_header(("cookie", cookie))
                    .to_request()
            };
            let response = app.call(request()).await.unwrap();
            assert_eq!(response.status(), 200, "{path}");
            let lines = response.headers().get_all("set-cookie").count();
            drop(response);
            let mut least = usize::MAX;
            for _ in 0..8 {
                let request = request();
                let region = Region::new(GLOBAL);
                let response = app.call(request).await.unwrap();
                let status = response.status();
                drop(response);
                let change = region.change();
                assert_eq!(status, 200);
                least = least.min(change.allocations + change.reallocations);
            }
            (least, lines)
        }};
    }
    pub(crate) use allocations;
}

mod rocket_app {
    use std::sync::atomic::{AtomicU64, Ordering};

    use rocket::http::Header;
    use rocket::local::blocking::Client;
    use rocket::{get, routes};
    use sealed_session::CookieStore;
    use sealed_session::rocket::{Session, SessionFairing};

    use super::{GLOBAL, Region};

    static COUNTER: AtomicU64 = AtomicU64::new(0);

    #[get("/hello")]
    fn hello() -> &'static str {
        "hello"
    }

    #[get("/untouched")]
    fn untouched() -> &'static str {
        "hello"
    }

    #[get("/read")]
    fn read(session: Session) -> String {
        let a: Option<String> = session.get("key_000").unwrap();
        let b: Option<String> = session.get("username").unwrap();
        a.unwrap_or_default() + &b.unwrap_or_default()
    }

    #[get("/write")]
    fn write(session: Session) -> &'static str {
        session
            .insert("n", &COUNTER.fetch_add(1, Ordering::Relaxed))
            .unwrap();
        "ok"
    }

    /// The routes of the axum app, with the session fairing when `store`
    /// is given (Rocket has no per-route layer to stand in for it).
    pub fn client(store: Option<CookieStore>) -> Client {
        let config = rocket::Config {
            log_level: rocket::config::LogLevel::Off,
            ..rocket::Config::debug_default()
        };
        let rocket = rocket::custom(config).mount("/", routes![hello, untouched, read, write]);
        let rocket = match store {
            Some(store) => rocket.attach(SessionFairing::new(store)),
            None => rocket,
        };
        Client::untracked(rocket).unwrap()
    }

    /// Allocations of one dispatch (the request is built outside the
    /// count; the least of several) and its number of `Set-Cookie` lines.
    pub fn allocations(client: &Client, path: &str, cookie: &str) -> (usize, usize) {
        let request = || {
            client
                .get(path.to_owned())
                .header(Header::new("Cookie", cookie.to_owned()))
        };
        let response = request().dispatch();
        assert_eq!(response.status().code, 200, "{path}");
        let lines = response.headers().get("Set-Cookie").count();
        drop(response);
        let mut least = usize::MAX;
        for _ in 0..8 {
            let request = request();
            let region = Region::new(GLOBAL);
            let response = request.dispatch();
            let status = response.status().code;
            drop(response);
            let change = region.change();
            assert_eq!(status, 200);
            least = least.min(change.allocations + change.reallocations);
        }
        (least, lines)
    }
}

/// Per whole request through the axum layer (`oneshot` on a `Router`),
/// over the same request to `hello` under a layer that does nothing.
///
/// Untouched: the request's sessions record (an `Arc`: the stores, the
/// `Cookie` header values and, once made, the handles) and its entry in the
/// request's extensions; the header value's reference count (a value
/// built from a `&str`, as here, becomes shared on its first clone; one
/// hyper parsed already is). No handle is made: the handler asked for none.
/// (Was 7: a handle per store, the list of handles twice, the layer's list
/// to finish.)
///
/// Read (two string values of S or L): the above, the handle (an `Arc`)
/// and the list of handles, the load (`LOAD_MAX_*`), the two `String`s
/// read and the handler's concatenation, the response's `Vary` (its
/// `String`, the list of emits, the header operations and their
/// conversion, the header value). (Was 18, then 17 when the bound-first
/// save order stopped collecting its emits twice.)
///
/// Write (one value inserted and saved; S: one `Set-Cookie` line; L:
/// three, and no deletion, as the request carried exactly those chunks):
/// the load, the save (`SAVE_MAX_*`), the `Set-Cookie` lines moved into
/// header values and the response's `Cache-Control` and `Vary`. (Was 29.)
const AXUM_PINS: Pins = Pins {
    untouched: 4,
    read: 16,
    write: 27,
};
/// The same through the actix-web middleware, over `hello` under a
/// middleware that does nothing (`Condition` with the session middleware
/// off): the same allocations of this crate as in axum, the write of L
/// one fewer.
const ACTIX_PINS: Pins = Pins {
    untouched: 4,
    read: 16,
    write: 26,
};
/// The same through the Rocket fairing (local blocking client), over
/// `hello` of the same routes without the fairing. Rocket keeps the
/// request's sessions record in its request-local cache; the `Cookie`
/// header is copied (once, shared by the request's sessions) only when a
/// guard asks for a session, since Rocket lends its headers for the
/// request's lifetime and a handle outlives it. Untouched: the record, the
/// fairing's two boxed futures (`async_trait`) and the request-local cache
/// entry. Write: S 37, L 52; Rocket copies each `Set-Cookie` line into its
/// own header again.
const ROCKET_PINS: Pins = Pins {
    untouched: 5,
    read: 18,
    write: 52,
};

/// Seal, for any number of items: the sealed buffer and the base64url text
/// (each at its exact size: the payload's length is computed before it is
/// written) and the chunk lengths. (Was 5: a separate CBOR buffer and a
/// heap-built associated data.)
const SEAL_MAX: usize = 3;
/// `CookieStore::save` of a changed session: the seal above, the list of
/// lines, and one allocation per line at its exact length: S has 1 line, L
/// 3 (a session not loaded from cookies deletes none: it was 1 + 1 and
/// 3 + 2 when every unused chunk index of the budget was deleted).
const SAVE_MAX_S: usize = 5;
const SAVE_MAX_L: usize = 7;
/// Open (the envelope's text to a session), for any number of items: the
/// decoded buffer, which becomes the session's plaintext, and the index of
/// its data entries, sized from the data map's header. (Was 12 for S and
/// 327 for L: a `ciborium::Value` tree, one or more allocations per value,
/// and a copy of the store name.)
const OPEN_MAX: usize = 2;
/// `CookieStore::load` from the `Cookie` header: the open above and nothing
/// else for one cookie (the chunk values are borrowed from the header and a
/// single chunk is opened where it lies). (Was 17 allocations, then 7.)
const LOAD_MAX_S: usize = 2;
/// L: three chunk cookies joined into one buffer of exactly their length.
/// (Was 336 allocations, then 13.)
const LOAD_MAX_L: usize = 3;
