//! A real HTTP client with a cookie jar (reqwest), shared by the framework
//! integration tests (`tests/axum.rs`, `tests/actix.rs`).

use std::net::SocketAddr;
use std::sync::Arc;

use reqwest::StatusCode;
use reqwest::cookie::{CookieStore as _, Jar};
use reqwest::header::{HeaderMap, SET_COOKIE};

/// reqwest with its own cookie jar, not following redirects.
pub struct Client {
    http: reqwest::Client,
    jar: Arc<Jar>,
    base: String,
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

    pub async fn get(&self, path: &str) -> (StatusCode, HeaderMap, String) {
        let url = format!("{}{path}", self.base);
        parts(self.http.get(url).send().await.unwrap()).await
    }

    pub async fn post(&self, path: &str) -> (StatusCode, HeaderMap, String) {
        let url = format!("{}{path}", self.base);
        parts(self.http.post(url).send().await.unwrap()).await
    }

    /// The `Cookie` header the jar would send now.
    pub fn cookie_header(&self) -> String {
        self.jar
            .cookies(&self.base.parse().unwrap())
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    }

    /// The names of the cookies in the jar, sorted.
    pub fn cookie_names(&self) -> Vec<String> {
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

/// GETs `url` with exactly these `Cookie` header fields and no jar.
pub async fn get_with_cookies(url: &str, cookies: &[&str]) -> (StatusCode, HeaderMap, String) {
    let mut request = reqwest::Client::new().get(url);
    for cookie in cookies {
        request = request.header("cookie", *cookie);
    }
    parts(request.send().await.unwrap()).await
}

/// GETs `url` with these `Cookie` header fields given as raw bytes (which
/// may be outside ASCII, as a client or proxy may send), and no jar.
pub async fn get_with_raw_cookies(url: &str, cookies: &[&[u8]]) -> (StatusCode, String) {
    let mut request = reqwest::Client::new().get(url);
    for cookie in cookies {
        let value = reqwest::header::HeaderValue::from_bytes(cookie).unwrap();
        request = request.header("cookie", value);
    }
    let (status, _, body) = parts(request.send().await.unwrap()).await;
    (status, body)
}

async fn parts(response: reqwest::Response) -> (StatusCode, HeaderMap, String) {
    let status = response.status();
    let headers = response.headers().clone();
    (status, headers, response.text().await.unwrap())
}

/// The `Set-Cookie` header values of a response.
pub fn set_cookies(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}
