//! The CSRF attacks and the legitimate requests, over real HTTP, shared by
//! `tests/csrf_axum.rs`, `tests/csrf_actix.rs` and `tests/csrf_rocket.rs`.
//! Each serves the same app:
//!
//! - `GET /token`: a masked token for the session (creates the secret);
//! - `GET /state`: `count=N user=U` (reads only);
//! - `POST|PUT|PATCH|DELETE /count`: increments `count` and echoes
//!   `METHOD LEN BODY`, so a test sees the body the handler got;
//! - `POST /login`: `regenerate_id` and `user=alice`;
//! - `POST /hooks/ping`: exempt; increments `count` too;
//!
//! with a form limit of `LIMIT` bytes and an `x-csrf-reason` response header
//! that the app adds from the refusal's `Reason` extension.

use std::net::SocketAddr;
use std::sync::Arc;

use reqwest::cookie::Jar;
use reqwest::{Method, StatusCode};
use sealed_session::csrf::CsrfConfig;
use sealed_session::{CookieStore, Keyring};

/// The form limit every test app configures.
pub const LIMIT: usize = 16 * 1024;

/// The store every test app serves, over plain HTTP.
pub fn store() -> CookieStore {
    let keyring = Keyring::generate(Default::default()).unwrap();
    CookieStore::builder("session", keyring)
        .with_secure(false)
        .build()
        .unwrap()
}

/// The CSRF configuration every test app uses: the body limit `LIMIT`,
/// `/hooks/` exempt, and `TRUSTED` a trusted origin.
pub fn config() -> CsrfConfig {
    CsrfConfig::new()
        .with_body_limit(LIMIT)
        .with_exempt_path("/hooks/")
        .unwrap()
        .with_trusted_origin(TRUSTED)
        .unwrap()
}

/// A browser-like client: its own cookie jar, no redirects.
pub struct Client {
    http: reqwest::Client,
    jar: Arc<Jar>,
    base: String,
}

pub struct Reply {
    pub status: StatusCode,
    pub reason: Option<String>,
    pub set_cookie: usize,
    pub body: String,
}

impl Client {
    pub fn new(addr: SocketAddr) -> Self {
        let jar = Arc::new(Jar::default());
        let http = reqwest::Client::builder()
            .cookie_provider(Arc::clone(&jar))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Client {
            http,
            jar,
            base: format!("http://{addr}"),
        }
    }

    /// The `Cookie` header the jar sends.
    pub fn cookie_header(&self) -> String {
        use reqwest::cookie::CookieStore as _;
        let url = self.base.parse().unwrap();
        self.jar
            .cookies(&url)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<(&str, Vec<u8>)>,
    ) -> Reply {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some((content_type, body)) = body {
            request = request.header("content-type", content_type).body(body);
        }
        let response = request.send().await.unwrap();
        Reply {
            status: response.status(),
            reason: response
                .headers()
                .get("x-csrf-reason")
                .map(|v| v.to_str().unwrap().to_owned()),
            set_cookie: response.headers().get_all("set-cookie").iter().count(),
            body: response.text().await.unwrap(),
        }
    }

    pub async fn token(&self) -> String {
        let reply = self.send(Method::GET, "/token", &[], None).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        assert_eq!(reply.body.len(), 86);
        reply.body
    }

    pub async fn state(&self) -> String {
        let reply = self.send(Method::GET, "/state", &[], None).await;
        assert_eq!(reply.status, StatusCode::OK);
        reply.body
    }

    /// A POST /count with this token in an urlencoded form field.
    pub async fn post_form(&self, token: &str, headers: &[(&str, &str)]) -> Reply {
        let body = format!("note=hello+world&csrf_token={token}&more=%21");
        self.send(
            Method::POST,
            "/count",
            headers,
            Some((FORM, body.into_bytes())),
        )
        .await
    }
}

const FORM: &str = "application/x-www-form-urlencoded";

/// `(content type, body)` of a multipart form with a text field, a file and
/// the token field (last, after the file, as a form may order it).
pub fn multipart(token: Option<&str>) -> (String, Vec<u8>) {
    let boundary = "----sealedsessionBoundary7MA4YWxkTrZu0gW";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.bin\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend((0..=255u8).cycle().take(3000));
    body.extend_from_slice(b"\r\n");
    if let Some(token) = token {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A client with a session holding a secret and `count=1`.
async fn prepared(addr: SocketAddr) -> (Client, String) {
    let client = Client::new(addr);
    let token = client.token().await;
    let ok = client.post_form(&token, &[]).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert_eq!(client.state().await, "count=1 user=-");
    (client, token)
}

/// Asserts a 403 with `reason`, no `Set-Cookie`, and the session unchanged.
async fn refused(client: &Client, reply: Reply, reason: &str, before: &str) {
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    assert_eq!(reply.reason.as_deref(), Some(reason), "{}", reply.body);
    assert!(reply.body.contains(reason), "{}", reply.body);
    assert_eq!(reply.set_cookie, 0, "a refusal changed the cookies");
    assert_eq!(
        client.state().await,
        before,
        "a refusal changed the session"
    );
}

pub async fn missing_token_is_refused(addr: SocketAddr) {
    let (client, _) = prepared(addr).await;
    let reply = client
        .send(
            Method::POST,
            "/count",
            &[],
            Some((FORM, b"note=x".to_vec())),
        )
        .await;
    refused(&client, reply, "missing-token", "count=1 user=-").await;
    let reply = client.send(Method::POST, "/count", &[], None).await;
    refused(&client, reply, "missing-token", "count=1 user=-").await;
    let reply = client.post_form("", &[]).await;
    refused(&client, reply, "missing-token", "count=1 user=-").await;
}

pub async fn forged_and_malformed_tokens_are_refused(addr: SocketAddr) {
    let (client, token) = prepared(addr).await;
    // Same length and alphabet, other bytes (all zero: mask and secret).
    let forged = "A".repeat(token.len());
    assert_ne!(forged, token);
    let reply = client.post_form(&forged, &[]).await;
    refused(&client, reply, "wrong-token", "count=1 user=-").await;
    // The mask half alone changed: the unmasked secret is wrong.
    let flipped = format!(
        "{}{}",
        if token.starts_with('A') { 'B' } else { 'A' },
        &token[1..]
    );
    let reply = client.post_form(&flipped, &[]).await;
    refused(&client, reply, "wrong-token", "count=1 user=-").await;
    let reply = client.post_form(&token[..40], &[]).await;
    refused(&client, reply, "malformed-token", "count=1 user=-").await;
    let reply = client
        .post_form("x", &[("x-csrf-token", &format!("{}=", &token[1..]))])
        .await;
    refused(&client, reply, "malformed-token", "count=1 user=-").await;
}

pub async fn another_sessions_token_is_refused(addr: SocketAddr) {
    let (client, _) = prepared(addr).await;
    let other = Client::new(addr);
    let stolen = other.token().await;
    let reply = client.post_form(&stolen, &[]).await;
    refused(&client, reply, "wrong-token", "count=1 user=-").await;
    let reply = client.post_form("", &[("x-csrf-token", &stolen)]).await;
    refused(&client, reply, "wrong-token", "count=1 user=-").await;
    // A client with no session at all holds no secret.
    let fresh = Client::new(addr);
    let reply = fresh.post_form(&stolen, &[]).await;
    refused(&fresh, reply, "no-secret", "count=0 user=-").await;
}

pub async fn stale_token_after_regenerate_id_is_refused(addr: SocketAddr) {
    let (client, before_login) = prepared(addr).await;
    let login = client
        .send(
            Method::POST,
            "/login",
            &[("x-csrf-token", &before_login)],
            None,
        )
        .await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.body);
    assert_eq!(client.state().await, "count=1 user=alice");
    let reply = client.post_form(&before_login, &[]).await;
    refused(&client, reply, "no-secret", "count=1 user=alice").await;
    // A token rendered after the login works; the old one stays dead.
    let fresh = client.token().await;
    let reply = client.post_form(&before_login, &[]).await;
    refused(&client, reply, "wrong-token", "count=1 user=alice").await;
    let ok = client.post_form(&fresh, &[]).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert_eq!(client.state().await, "count=2 user=alice");
}

pub async fn cross_origin_requests_are_refused(addr: SocketAddr) {
    let (client, token) = prepared(addr).await;
    for origin in [
        "http://evil.example",
        "null",
        &format!("http://{addr}.evil.example"),
    ] {
        let reply = client.post_form(&token, &[("origin", origin)]).await;
        refused(&client, reply, "cross-origin", "count=1 user=-").await;
    }
    for site in ["cross-site", "same-site"] {
        let reply = client.post_form(&token, &[("sec-fetch-site", site)]).await;
        refused(&client, reply, "cross-site", "count=1 user=-").await;
    }
    // The page's own origin, and a browser's same-origin verdict, pass.
    let own = format!("http://{addr}");
    let ok = client.post_form(&token, &[("origin", &own)]).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    let ok = client
        .post_form(
            &token,
            &[("origin", &own), ("sec-fetch-site", "same-origin")],
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert_eq!(client.state().await, "count=3 user=-");
}

pub async fn json_needs_the_header(addr: SocketAddr) {
    let (client, token) = prepared(addr).await;
    let json = format!("{{\"note\":\"hi\",\"csrf_token\":\"{token}\"}}");
    let reply = client
        .send(
            Method::POST,
            "/count",
            &[],
            Some(("application/json", json.clone().into_bytes())),
        )
        .await;
    refused(&client, reply, "missing-token", "count=1 user=-").await;
    // text/plain is what a cross-site form can send without a preflight.
    let reply = client
        .send(
            Method::POST,
            "/count",
            &[],
            Some(("text/plain", format!("csrf_token={token}").into_bytes())),
        )
        .await;
    refused(&client, reply, "missing-token", "count=1 user=-").await;
    let ok = client
        .send(
            Method::POST,
            "/count",
            &[("x-csrf-token", &token)],
            Some(("application/json", json.clone().into_bytes())),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(ok.body, format!("POST {} {json}", json.len()));
    assert_eq!(client.state().await, "count=2 user=-");
}

pub async fn right_token_is_accepted_and_the_body_arrives_whole(addr: SocketAddr) {
    let (client, token) = prepared(addr).await;
    let form = format!("note=hello+world&csrf_token={token}&more=%21");
    let ok = client.post_form(&token, &[]).await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(ok.body, format!("POST {} {form}", form.len()));
    // A new token per render; each verifies.
    let second = client.token().await;
    assert_ne!(second, token);
    let ok = client.post_form(&second, &[]).await;
    assert_eq!(ok.status, StatusCode::OK);
    let (content_type, body) = multipart(Some(&token));
    let ok = client
        .send(
            Method::POST,
            "/count",
            &[],
            Some((&content_type, body.clone())),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert!(
        ok.body.starts_with(&format!("POST {} ", body.len())),
        "{}",
        &ok.body[..40]
    );
    let (content_type, body) = multipart(None);
    let reply = client
        .send(Method::POST, "/count", &[], Some((&content_type, body)))
        .await;
    refused(&client, reply, "missing-token", "count=4 user=-").await;
    for method in [Method::PUT, Method::PATCH, Method::DELETE] {
        let reply = client.send(method.clone(), "/count", &[], None).await;
        refused(&client, reply, "missing-token", "count=4 user=-").await;
    }
    for method in [Method::PUT, Method::PATCH, Method::DELETE] {
        let ok = client
            .send(
                method.clone(),
                "/count",
                &[("X-CSRF-Token", &token)],
                Some(("text/plain", b"abc".to_vec())),
            )
            .await;
        assert_eq!(ok.status, StatusCode::OK);
        assert_eq!(ok.body, format!("{method} 3 abc"));
    }
    assert_eq!(client.state().await, "count=7 user=-");
}

pub async fn large_forms_need_the_header_and_exempt_routes_pass(addr: SocketAddr) {
    let (client, token) = prepared(addr).await;
    // The field after more than the limit: not searched that far.
    let big = format!("note={}&csrf_token={token}", "x".repeat(LIMIT));
    let reply = client
        .send(
            Method::POST,
            "/count",
            &[],
            Some((FORM, big.clone().into_bytes())),
        )
        .await;
    refused(&client, reply, "body-too-large", "count=1 user=-").await;
    let ok = client
        .send(
            Method::POST,
            "/count",
            &[("x-csrf-token", &token)],
            Some((FORM, big.clone().into_bytes())),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(ok.body, format!("POST {} {big}", big.len()));
    // The field first: found within the limit, and the whole form (four
    // times the limit) reaches the handler.
    let first = format!("csrf_token={token}&note={}", "y".repeat(4 * LIMIT));
    let ok = client
        .send(
            Method::POST,
            "/count",
            &[],
            Some((FORM, first.clone().into_bytes())),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(ok.body, format!("POST {} {first}", first.len()));
    let ok = client.send(Method::POST, "/hooks/ping", &[], None).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert_eq!(client.state().await, "count=4 user=-");
}

/// The origin every test app trusts (an admin subdomain, a separate front
/// end: `with_trusted_origin`).
pub const TRUSTED: &str = "https://admin.example.test";

pub async fn trusted_origins_pass_whatever_fetch_metadata_says(addr: SocketAddr) {
    let (client, token) = prepared(addr).await;
    for site in ["same-site", "cross-site", "same-origin"] {
        let ok = client
            .post_form(&token, &[("origin", TRUSTED), ("sec-fetch-site", site)])
            .await;
        assert_eq!(ok.status, StatusCode::OK, "{site}: {}", ok.body);
    }
    // A sibling that is not listed (user content) is refused as same-site;
    // a look-alike of the trusted origin too.
    for origin in [
        "https://user-content.example.test",
        "https://admin.example.test:8443",
        "http://admin.example.test",
        "https://admin.example.test.evil",
    ] {
        let reply = client
            .post_form(
                &token,
                &[("origin", origin), ("sec-fetch-site", "same-site")],
            )
            .await;
        refused(&client, reply, "cross-site", "count=4 user=-").await;
    }
    // Trusted, but the token is still required.
    let reply = client
        .post_form("", &[("origin", TRUSTED), ("sec-fetch-site", "same-site")])
        .await;
    refused(&client, reply, "missing-token", "count=4 user=-").await;
}

/// Sends the head of a POST announcing a 1 MiB form and the first `sent`
/// bytes of its body, never the rest, with `cookie` if given; the status
/// line and the time it took from the last byte sent, or `None` if no
/// answer came within `wait`.
pub async fn stalled_post(
    addr: SocketAddr,
    cookie: Option<&str>,
    sent: usize,
    wait: std::time::Duration,
) -> Option<(String, std::time::Duration)> {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let cookie = cookie
        .map(|c| format!("Cookie: {c}\r\n"))
        .unwrap_or_default();
    let head = format!(
        "POST /count HTTP/1.1\r\nHost: {addr}\r\n{cookie}Content-Type: {FORM}\r\nContent-Length: {}\r\n\r\n",
        1 << 20
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&vec![b'x'; sent]).await.unwrap();
    let started = std::time::Instant::now();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(wait, async {
        let mut buf = [0u8; 1024];
        while !answer.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = stream.read(&mut buf).await.unwrap();
            if n == 0 {
                break;
            }
            answer.extend_from_slice(&buf[..n]);
        }
    })
    .await;
    read.ok()?;
    let text = String::from_utf8_lossy(&answer).into_owned();
    Some((
        text.lines().next().unwrap_or_default().to_owned(),
        started.elapsed(),
    ))
}

pub async fn anonymous_post_is_refused_before_the_body_is_read(addr: SocketAddr) {
    anonymous_stalled_post_is_refused(addr, 0).await;
}

/// An anonymous POST whose body stalls after `sent` bytes is refused.
pub async fn anonymous_stalled_post_is_refused(addr: SocketAddr, sent: usize) {
    let wait = std::time::Duration::from_secs(10);
    let (status, took) = stalled_post(addr, None, sent, wait)
        .await
        .expect("no answer while the body was outstanding");
    assert!(status.contains(" 403 "), "{status}");
    println!("anonymous POST, {sent} of 1048576 body bytes sent: {status:?} after {took:?}");
    // A session without a secret (it has a value, but no page with a token
    // was ever rendered for it) is refused the same way.
    let client = Client::new(addr);
    let reply = client.send(Method::POST, "/hooks/ping", &[], None).await;
    assert_eq!(reply.status, StatusCode::OK);
    let cookie = client.cookie_header();
    let (status, _) = stalled_post(addr, Some(&cookie), sent, wait)
        .await
        .expect("no answer while the body was outstanding");
    assert!(status.contains(" 403 "), "{status}");
}

/// POSTs a 1 MiB form without a session, body sent in full; the reply.
pub async fn anonymous_megabyte_post(addr: SocketAddr) -> Reply {
    let client = Client::new(addr);
    let body = format!("note={}", "x".repeat((1 << 20) - 5));
    let reply = client
        .send(Method::POST, "/count", &[], Some((FORM, body.into_bytes())))
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.reason.as_deref(), Some("no-secret"));
    reply
}

/// Uploads a `size`-byte file in a multipart form whose first field is the
/// token, to `POST /upload`, which answers `TOTAL [HELD]`: the bytes the
/// handler streamed, and (where the app can count them) the bytes read
/// from the connection before it got the first of them (what the check
/// held).
pub async fn token_first_upload(addr: SocketAddr, size: usize) -> (usize, Option<usize>) {
    let (client, token) = prepared(addr).await;
    let boundary = "----sealedsessionUpload";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.bin\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend((0..=255u8).cycle().take(size));
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let len = body.len();
    let content_type = format!("multipart/form-data; boundary={boundary}");
    let reply = client
        .send(Method::POST, "/upload", &[], Some((&content_type, body)))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let mut words = reply.body.split(' ');
    let total: usize = words.next().unwrap().parse().unwrap();
    let held: Option<usize> = words.next().map(|h| h.parse().unwrap());
    assert_eq!(total, len, "the handler got the whole body");
    println!("token-first upload of {len} bytes: {held:?} bytes read before the handler ran");
    (total, held)
}

pub async fn multipart_filename_cannot_pose_as_the_token(addr: SocketAddr) {
    let (client, token) = prepared(addr).await;
    let boundary = "b0undary";
    let part = |disposition: &[u8], content: &[u8]| {
        let mut p = format!("--{boundary}\r\nContent-Disposition: ").into_bytes();
        p.extend_from_slice(disposition);
        p.extend_from_slice(b"\r\n\r\n");
        p.extend_from_slice(content);
        p.extend_from_slice(b"\r\n");
        p
    };
    let content_type = format!("multipart/form-data; boundary={boundary}");
    // The token only in a part whose filename says `; name=csrf_token`.
    let mut body = part(
        b"form-data; name=\"upload\"; filename=\"a; name=csrf_token\"",
        token.as_bytes(),
    );
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let reply = client
        .send(Method::POST, "/count", &[], Some((&content_type, body)))
        .await;
    refused(&client, reply, "missing-token", "count=1 user=-").await;
    // A Latin-1 filename before the token field does not stop the search.
    let mut body = part(
        b"form-data; name=\"photo\"; filename=\"caf\xe9.jpg\"",
        b"\xff\xd8\xff",
    );
    body.extend(part(b"form-data; name=\"csrf_token\"", token.as_bytes()));
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let ok = client
        .send(Method::POST, "/count", &[], Some((&content_type, body)))
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert_eq!(client.state().await, "count=2 user=-");
}
