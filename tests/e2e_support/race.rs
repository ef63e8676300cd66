//! For the tests of racing and cut responses: a session's cookies at one
//! moment, the `Set-Cookie` lines of responses sent from that moment, and
//! jars built from any mix of them, opened by the demo.

use reqwest::blocking::Client as HttpClient;
use reqwest::{StatusCode, Url};

use super::{COOKIE, Client, Demo, chunk_index};

pub const PASSWORD: &str = "correct horse battery";

/// What the demo shows of a session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct State {
    pub user: Option<String>,
    pub session_id: String,
    pub notes: Vec<String>,
    pub load_error: Option<String>,
}

impl State {
    /// A logged-out session with nothing in it, as a rejected cookie gives
    /// (its id is new each time, so states are not compared).
    pub fn is_fresh(&self) -> bool {
        self.user.is_none() && self.notes.is_empty()
    }
}

impl Client {
    /// The session as the demo opens it: `/whoami`, and the notes from `/`
    /// when logged in. `/` may consume a flash: call it on a throwaway jar
    /// when that matters.
    pub fn state(&self) -> State {
        let me = self.whoami();
        let user = me["user"].as_str().map(str::to_owned);
        let notes = if user.is_some() {
            let index = self.get("/");
            assert_eq!(index.status, StatusCode::OK, "{index:?}");
            notes(&index.body)
        } else {
            Vec::new()
        };
        State {
            user,
            session_id: me["session_id"].as_str().unwrap_or_default().to_owned(),
            notes,
            load_error: me["load_error"].as_str().map(str::to_owned),
        }
    }
}

/// The notes listed on the demo's index page.
pub fn notes(body: &str) -> Vec<String> {
    let Some(start) = body.find("<ol class=\"notes\">") else {
        return Vec::new();
    };
    let list = &body[start..];
    let list = &list[..list.find("</ol>").unwrap_or(list.len())];
    list.split("<li>")
        .skip(1)
        .map(|item| item.split("</li>").next().unwrap_or_default().to_owned())
        .collect()
}

/// A note of about 1900 characters: two of them need two cookies.
pub fn long_note(n: usize) -> String {
    let head = format!("long note {n}: ");
    let fill: String = "lorem ipsum dolor sit amet "
        .chars()
        .cycle()
        .take(1900)
        .collect();
    head + &fill
}

/// A logged-in client of `demo` whose session holds two long notes, in two
/// chunks, and its state.
pub fn two_chunk_session(demo: &Demo, user: &str) -> (Client, State) {
    let client = Client::new(&demo.url);
    client.register(user, PASSWORD);
    client.login(user, PASSWORD);
    for n in 0..2 {
        let page = client.add_note(&long_note(n));
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    }
    assert_eq!(client.session_cookie_names(), ["session", "session.1"]);
    let state = client.state();
    assert_eq!(state.notes.len(), 2, "{state:?}");
    (client, state)
}

/// A session's cookies at one moment and a CSRF token valid for them.
pub struct Snapshot {
    pub base: Url,
    pub chunks: Vec<(String, String)>,
    pub csrf: String,
}

/// One response's status and `Set-Cookie` lines.
#[derive(Clone, Debug)]
pub struct Written {
    pub status: StatusCode,
    pub set_cookies: Vec<String>,
}

impl Written {
    /// The session cookies it sets (not deletes), values in chunk order.
    pub fn session_values(&self) -> Vec<&str> {
        let mut set: Vec<(usize, &str)> = self
            .set_cookies
            .iter()
            .filter(|line| !line.to_ascii_lowercase().contains("max-age=0"))
            .filter_map(|line| line.split(';').next()?.split_once('='))
            .filter(|(name, _)| *name == COOKIE || name.starts_with("session."))
            .map(|(name, value)| (chunk_index(name), value))
            .collect();
        set.sort_by_key(|(i, _)| *i);
        set.into_iter().map(|(_, v)| v).collect()
    }
}

impl Snapshot {
    /// The client's session cookies after a `GET /` (which may write
    /// them), with the CSRF token of that page.
    pub fn of(client: &Client) -> Snapshot {
        let index = client.get("/");
        assert_eq!(index.status, StatusCode::OK, "{index:?}");
        Snapshot {
            base: client.base.clone(),
            chunks: client.session_cookies(),
            csrf: index.csrf(),
        }
    }

    pub fn cookie_header(&self) -> String {
        self.chunks
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// A new jar holding the snapshot's cookies.
    pub fn jar(&self) -> Client {
        let client = Client::new(&self.base);
        for (name, value) in &self.chunks {
            client.set_cookie(name, value);
        }
        client
    }

    /// The snapshot's jar after `lines` (whole `Set-Cookie` values), in
    /// order, as a browser applies a response.
    pub fn apply_lines(&self, lines: &[&str]) -> Client {
        let client = self.jar();
        for line in lines {
            client.jar.add_cookie_str(line, &self.base);
        }
        client
    }

    /// The snapshot's jar after every line of each response, in order.
    pub fn apply(&self, responses: &[&Written]) -> Client {
        let lines: Vec<&str> = responses
            .iter()
            .flat_map(|w| w.set_cookies.iter().map(String::as_str))
            .collect();
        self.apply_lines(&lines)
    }

    /// A jar with exactly these chunk values (`session`, `session.1`, ...).
    pub fn with_chunks(&self, values: &[&str]) -> Client {
        let client = Client::new(&self.base);
        for (i, value) in values.iter().enumerate() {
            let name = match i {
                0 => COOKIE.to_owned(),
                i => format!("{COOKIE}.{i}"),
            };
            client.set_cookie(&name, value);
        }
        client
    }
}

/// Sends the POSTs `(path, note)` at once (one thread each), all with the
/// snapshot's cookies and CSRF token, as two tabs or a double submit do;
/// returns each response's `Set-Cookie` lines.
pub fn race<const N: usize>(snapshot: &Snapshot, posts: &[(&str, &str); N]) -> [Written; N] {
    let http = HttpClient::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .expect("building the HTTP client");
    let cookie = snapshot.cookie_header();
    let barrier = std::sync::Barrier::new(N);
    std::thread::scope(|scope| {
        let handles: Vec<_> = posts
            .iter()
            .map(|(path, note)| {
                let (http, cookie, barrier) = (&http, &cookie, &barrier);
                scope.spawn(move || {
                    let mut form = vec![("csrf_token", snapshot.csrf.as_str())];
                    if !note.is_empty() {
                        form.push(("note", note));
                    }
                    let request = http
                        .post(snapshot.base.join(path).expect("a path"))
                        .header("cookie", cookie)
                        .form(&form);
                    barrier.wait();
                    let response = request.send().expect("a racing POST");
                    let set_cookies = response
                        .headers()
                        .get_all("set-cookie")
                        .iter()
                        .map(|v| v.to_str().expect("ASCII").to_owned())
                        .collect();
                    let written = Written {
                        status: response.status(),
                        set_cookies,
                    };
                    assert_eq!(written.status, StatusCode::SEE_OTHER, "{path}: {written:?}");
                    written
                })
            })
            .collect();
        let written: Vec<Written> = handles
            .into_iter()
            .map(|h| h.join().expect("a racing thread"))
            .collect();
        written.try_into().expect("N responses")
    })
}
