//! Faults on the path between the demo and the browser: a response cut
//! anywhere (a proxy or the network dropping the connection) and a jar that
//! applied only some of a response's `Set-Cookie` lines. The client is left
//! with its previous cookies or the new complete set, and any other mix
//! loads as a fresh session, never as something else. Over real HTTP: the
//! demo on loopback, a cutting TCP proxy in front of it, reqwest's jar.
//! (A failing disk or key file during `rotate --in-place` is tested in
//! `tests/cli.rs`.)

// Test code: a failed expectation is a panic with a message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod e2e_support;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::thread::JoinHandle;

use e2e_support::race::{Snapshot, State, Written, two_chunk_session};
use e2e_support::{Demo, DemoOptions};
use reqwest::{StatusCode, Url};

/// Where in the response the proxy stops, from the whole response.
type Cut = fn(&Response) -> usize;

/// A response as the demo sent it.
struct Response {
    bytes: Vec<u8>,
    /// Just past the blank line that ends the header block.
    header_end: usize,
}

impl Response {
    /// Offsets of the `Set-Cookie` lines: (start, just past their CRLF).
    fn set_cookie_lines(&self) -> Vec<(usize, usize)> {
        let head = String::from_utf8_lossy(&self.bytes[..self.header_end]).to_ascii_lowercase();
        let mut lines = Vec::new();
        let mut at = 0;
        while let Some(found) = head[at..].find("\r\nset-cookie:") {
            let start = at + found + 2;
            let end = start + head[start..].find("\r\n").expect("a CRLF") + 2;
            lines.push((start, end));
            at = end - 2;
        }
        lines
    }
}

impl Response {
    /// The session values the response sets, in chunk order.
    fn session_values(&self) -> Vec<String> {
        let written = Written {
            status: StatusCode::OK,
            set_cookies: self
                .set_cookie_lines()
                .iter()
                .map(|&(start, end)| {
                    let line = String::from_utf8_lossy(&self.bytes[start..end - 2]);
                    line["set-cookie:".len()..].trim().to_owned()
                })
                .collect(),
        };
        written
            .session_values()
            .into_iter()
            .map(str::to_owned)
            .collect()
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Reads a request (headers and a `Content-Length` body) from `stream`.
fn read_request(stream: &mut TcpStream) -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        if let Some(end) = find(&bytes, b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&bytes[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map_or(0, |v| v.trim().parse().expect("a length"));
            if bytes.len() >= end + 4 + length {
                return bytes;
            }
        }
        let n = stream.read(&mut buf).expect("reading the request");
        assert!(n > 0, "the client closed mid-request");
        bytes.extend_from_slice(&buf[..n]);
    }
}

/// A proxy for one request: forwards it to `upstream` (asking it to close
/// the connection after answering), then passes on the first `cut` bytes
/// of the response and closes. Returns the URL to send the request to and
/// the response as the demo sent it.
fn cutting_proxy(upstream: &Url, cut: Cut) -> (Url, JoinHandle<Response>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("binding the proxy");
    let port = listener.local_addr().expect("local_addr").port();
    let upstream = (
        upstream.host_str().expect("a host").to_owned(),
        upstream.port().expect("a port"),
    );
    let handle = std::thread::spawn(move || {
        let (mut client, _) = listener.accept().expect("accepting the client");
        let request = read_request(&mut client);
        let line_end = find(&request, b"\r\n").expect("a request line") + 2;
        let mut forwarded = request[..line_end].to_vec();
        forwarded.extend_from_slice(b"connection: close\r\n");
        forwarded.extend_from_slice(&request[line_end..]);
        let mut demo = TcpStream::connect(upstream).expect("connecting to the demo");
        demo.write_all(&forwarded).expect("forwarding the request");
        let mut bytes = Vec::new();
        demo.read_to_end(&mut bytes).expect("reading the response");
        let header_end = find(&bytes, b"\r\n\r\n").expect("a header block") + 4;
        let response = Response { bytes, header_end };
        let cut = cut(&response).min(response.bytes.len());
        // The client may already have given up (a cut header block is an
        // error for it as soon as the connection ends).
        let _ = client.write_all(&response.bytes[..cut]);
        let _ = client.shutdown(Shutdown::Both);
        response
    });
    let url = Url::parse(&format!("http://127.0.0.1:{port}/")).expect("a URL");
    (url, handle)
}

/// The cut points: inside the status line, inside and after each of the
/// first two `Set-Cookie` lines, before the blank line, after the headers,
/// in the middle of the body, and nowhere.
fn cuts() -> Vec<(&'static str, Cut)> {
    vec![
        ("in the status line", |_| 5),
        ("inside Set-Cookie line 1", |r| {
            r.set_cookie_lines()[0].0 + 20
        }),
        ("after Set-Cookie line 1", |r| r.set_cookie_lines()[0].1),
        ("inside Set-Cookie line 2", |r| {
            r.set_cookie_lines()[1].0 + 20
        }),
        ("after Set-Cookie line 2", |r| r.set_cookie_lines()[1].1),
        ("before the blank line", |r| r.header_end - 2),
        ("after the headers", |r| r.header_end),
        ("in the body", |r| {
            r.header_end + (r.bytes.len() - r.header_end) / 2
        }),
        ("nowhere", |r| r.bytes.len()),
    ]
}

/// Sends one request through a cutting proxy from the snapshot's cookies
/// and checks the jar holds the previous cookies (headers cut) or exactly
/// the response's (headers whole); returns the jar's state and whether the
/// headers were whole.
fn cut_request(
    snapshot: &Snapshot,
    (method, path, form): (&str, &str, &[(&str, &str)]),
    cut: Cut,
) -> (State, bool) {
    let client = snapshot.jar();
    let (proxy, upstream) = cutting_proxy(&snapshot.base, cut);
    let url = proxy.join(path).expect("a path");
    let request = match method {
        "POST" => client.http.post(url).form(form),
        _ => client.http.get(url),
    };
    let result = request.send().and_then(|r| {
        let status = r.status();
        r.bytes().map(|_| status)
    });
    let response = upstream.join().expect("the proxy thread");
    let set_cookies = response.set_cookie_lines().len();
    assert!(set_cookies >= 2, "a response that writes several cookies");
    // Byte for byte: the cookies before, or exactly the response's set.
    let jar: Vec<String> = client
        .session_cookies()
        .into_iter()
        .map(|(_, v)| v)
        .collect();
    let previous: Vec<String> = snapshot.chunks.iter().map(|(_, v)| v.clone()).collect();
    let headers_whole = cut(&response) >= response.header_end;
    let expected = if headers_whole {
        response.session_values()
    } else {
        previous
    };
    assert_eq!(jar, expected, "{method} {path}: the jar's session cookies");
    let whole = cut(&response) >= response.bytes.len();
    assert_eq!(result.is_ok(), whole, "{method} {path}: {result:?}");
    (client.state(), headers_whole)
}

#[test]
fn a_response_cut_anywhere_leaves_the_previous_cookies_or_the_new_complete_set() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let demo = Demo::start(&DemoOptions::default(), dir.path());
    let (client, before) = two_chunk_session(&demo, "cut");
    let mut cleared = before.clone();
    cleared.notes.clear();
    let mut added = before.clone();
    added.notes.push("one more".to_owned());
    // A session with the "Notes cleared" flash pending (one chunk) beside
    // the old `session.1` (a jar that missed the deletion, or a racing
    // response's orphan: it never opens with the new chunk 0): `/`
    // consumes the flash, a response with cookies (the chunk, and the
    // deletion of the orphan the request carried) and a body.
    let flashed = {
        let snapshot = Snapshot::of(&client);
        let lines = headers_then_close(&snapshot, "/notes/clear", "");
        let lines: Vec<&str> = lines
            .iter()
            .map(String::as_str)
            .filter(|l| !l.contains("Max-Age=0"))
            .collect();
        let jar = snapshot.apply_lines(&lines);
        Snapshot {
            chunks: jar.session_cookies(),
            ..snapshot
        }
    };
    let mut outcomes = Vec::new();
    for (name, cut) in cuts() {
        // Clearing the notes (one chunk written, the second deleted) and
        // adding one (both rewritten): 303s without a body.
        let snapshot = Snapshot::of(&client);
        let form = [("csrf_token", snapshot.csrf.as_str())];
        let (state, whole) = cut_request(&snapshot, ("POST", "/notes/clear", &form), cut);
        assert_eq!(
            state,
            *if whole { &cleared } else { &before },
            "clear, cut {name}"
        );
        outcomes.push(format!("clear, cut {name}: new cookies {whole}"));

        let form = [("csrf_token", snapshot.csrf.as_str()), ("note", "one more")];
        let (state, whole) = cut_request(&snapshot, ("POST", "/notes", &form), cut);
        assert_eq!(
            state,
            *if whole { &added } else { &before },
            "add, cut {name}"
        );
        outcomes.push(format!("add, cut {name}: new cookies {whole}"));

        let (state, whole) = cut_request(&flashed, ("GET", "/", &[]), cut);
        assert_eq!(state, cleared, "flash, cut {name}");
        outcomes.push(format!("flash, cut {name}: new cookies {whole}"));
    }
    eprintln!("{outcomes:#?}");
}

#[test]
fn a_jar_that_applied_only_some_set_cookie_lines_opens_the_old_or_new_session_or_nothing() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let demo = Demo::start(&DemoOptions::default(), dir.path());
    let (client, before) = two_chunk_session(&demo, "partial");
    let snapshot = Snapshot::of(&client);
    // The response of a clear (one chunk written, `session.1` deleted) and
    // of an add (both chunks rewritten), read from a raw connection that
    // is closed as soon as the headers are in, as a client that goes away.
    let mut cleared = before.clone();
    cleared.notes.clear();
    let mut added = before.clone();
    added.notes.push("partial".to_owned());
    let cases = [("/notes/clear", "", cleared), ("/notes", "partial", added)];
    let mut fresh = 0;
    for (path, note, after) in cases {
        let lines = headers_then_close(&snapshot, path, note);
        assert!(
            lines.len() >= 2,
            "{path}: several Set-Cookie lines: {lines:?}"
        );
        // Every subset of the lines, applied in order.
        for mask in 0..(1u32 << lines.len()) {
            let subset: Vec<&str> = (0..lines.len())
                .filter(|i| mask & (1 << i) != 0)
                .map(|i| lines[i].as_str())
                .collect();
            let state = snapshot.apply_lines(&subset).state();
            if subset.len() == lines.len() {
                assert_eq!(state, after, "{path}: every line");
            } else if subset.is_empty() {
                assert_eq!(state, before, "{path}: no line");
            } else if state.is_fresh() {
                assert!(state.load_error.is_some(), "{path} {subset:?}: {state:?}");
                fresh += 1;
            } else {
                assert!(
                    state == before || state == after,
                    "{path}: lines {subset:?} opened as something else: {state:?}"
                );
            }
        }
    }
    assert!(fresh > 0, "some partial sets are rejected");
}

/// A POST from the snapshot's cookies over a raw connection that reads the
/// response's header block and closes; the `Set-Cookie` values.
fn headers_then_close(snapshot: &Snapshot, path: &str, note: &str) -> Vec<String> {
    let csrf = &snapshot.csrf;
    let body = if note.is_empty() {
        format!("csrf_token={csrf}")
    } else {
        format!("csrf_token={csrf}&note={note}")
    };
    let host = snapshot.base.host_str().expect("a host");
    let port = snapshot.base.port().expect("a port");
    let request = format!(
        "POST {path} HTTP/1.1\r\nhost: {host}:{port}\r\ncookie: {}\r\n\
         content-type: application/x-www-form-urlencoded\r\ncontent-length: {}\r\n\r\n{body}",
        snapshot.cookie_header(),
        body.len()
    );
    let mut stream = TcpStream::connect((host, port)).expect("connecting to the demo");
    stream.write_all(request.as_bytes()).expect("sending");
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while find(&head, b"\r\n\r\n").is_none() {
        let n = stream.read(&mut byte).expect("reading the headers");
        assert!(n > 0, "the demo closed before the headers ended");
        head.push(byte[0]);
    }
    drop(stream);
    let head = String::from_utf8(head).expect("ASCII headers");
    assert!(head.starts_with("HTTP/1.1 303"), "{head}");
    head.split("\r\n")
        .filter_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("set-cookie")
                .then(|| value.trim().to_owned())
        })
        .collect()
}
