//! The `sealed-session` CLI's `inspect` and `seal`, run as the real binary:
//! `inspect` shows the payload losslessly (every CBOR item the payload
//! allows has one JSON form) and `seal` reads that form back, so inspecting
//! a test vector's cookie and sealing the output with its nonce gives the
//! same cookie.
#![cfg(feature = "cli")]
// Test helpers outside #[test] functions: clippy.toml's allow-*-in-tests
// does not reach them in an integration-test crate.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use assert_cmd::Command;
use sealed_session::Keyring;
use serde_json::{Value as Json, json};

const BIN: &str = env!("CARGO_BIN_EXE_sealed-session");
const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/test-vectors/v1");

/// Runs the CLI with the key list in `$SEALED_KEYS`; exit code and stdout.
fn run(keys: &str, args: &[&str], stdin: &str) -> (Option<i32>, String) {
    let out = Command::new(BIN)
        .env("SEALED_KEYS", keys)
        .args(args)
        .args(["--keys-env", "SEALED_KEYS"])
        .write_stdin(stdin)
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        out.status.code() != Some(2),
        "usage error for {args:?}: {stderr}"
    );
    (out.status.code(), String::from_utf8(out.stdout).unwrap())
}

fn inspect(keys: &str, name: &str, extra: &[&str], cookie: &str) -> (Option<i32>, Json) {
    let mut args = vec!["inspect", "--name", name];
    args.extend(extra);
    let (code, out) = run(keys, &args, cookie);
    (code, serde_json::from_str(&out).unwrap())
}

fn seal(keys: &str, name: &str, extra: &[&str], description: &Json) -> String {
    let mut args = vec!["seal", "--name", name];
    args.extend(extra);
    let (code, out) = run(keys, &args, &description.to_string());
    assert_eq!(code, Some(0), "seal {description}");
    out.trim_end().to_owned()
}

/// The entry of `keys` whose key id is `id`.
fn entry_with_id<'a>(keys: &'a str, id: &str) -> &'a str {
    keys.lines()
        .find(|e| Keyring::from_config(e).unwrap().primary_id().to_string() == id)
        .unwrap()
}

#[test]
fn inspect_then_seal_gives_the_same_cookie_for_every_vector_that_opens() {
    let mut checked = 0;
    for file in ["positive.json", "chunked.json", "payload.json"] {
        let text = std::fs::read_to_string(format!("{VECTORS}/{file}")).unwrap();
        let vectors: Json = serde_json::from_str(&text).unwrap();
        for v in vectors["vectors"].as_array().unwrap() {
            if v["expected"] != "ok" {
                continue;
            }
            let name = v["name"].as_str().unwrap();
            let cookie_name = v["cookie-name"].as_str().unwrap();
            let header = match v.get("cookies") {
                Some(cookies) => {
                    let cookies: Vec<&str> = cookies
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|c| c.as_str().unwrap())
                        .collect();
                    cookies.join("; ")
                }
                None => v["cookie-header"].as_str().unwrap().to_owned(),
            };
            let limit = v["size-limit"].to_string();
            let store = ["--size-limit", limit.as_str()];
            let at = v["now"].to_string();
            let mut opening = store.to_vec();
            opening.extend(["--at", at.as_str()]);
            let keys = v["keys"].as_str().unwrap();
            let (code, shown) = inspect(keys, cookie_name, &opening, &header);
            assert_eq!(code, Some(0), "{file}: {name}: {shown}");
            // Sealed again by the entry that sealed it, with its nonce.
            let entry = entry_with_id(keys, shown["key_id"].as_str().unwrap());
            let nonce = v["nonce"].as_str().unwrap();
            let mut sealing = store.to_vec();
            sealing.extend(["--nonce", nonce]);
            let again = seal(entry, cookie_name, &sealing, &shown);
            if name == "cookie-longer-than-4096-opens" {
                // Hand-built as one cookie past 4096 bytes; a writer splits
                // it in two. The same payload either way:
                let (_, reread) = inspect(keys, cookie_name, &opening, &again);
                assert_eq!(reread["cookies"], 2);
                assert_eq!(reread["data"], shown["data"], "{file}: {name}");
            } else {
                assert_eq!(again, header, "{file}: {name}");
            }
            checked += 1;
        }
    }
    // positive.json (15) + chunked.json (3) + the `ok` ones of payload.json
    // (12) when this was written; more vectors only add to it.
    assert!(checked >= 30, "{checked} vectors");
}

#[test]
fn inspect_shows_every_item_losslessly_and_seal_reads_it_back() {
    let keys = Keyring::generate_entry(Default::default()).unwrap();
    let data = json!({
        "big": [{"int": "18446744073709551615"}, {"int": "-18446744073709551616"}, 9007199254740991_u64, {"int": "9007199254740992"}, -3],
        "bignum": [{"tag": 2, "value": {"bytes": "AQ"}}, {"tag": 3, "value": {"bytes": "AAE"}}],
        "bytes": {"bytes": "3q2-7w"},
        "floats": [{"float": 1.0}, {"float": -0.0}, {"float": 1.5}, {"float": "NaN"}, {"float": "-NaN"}, {"float": "Infinity"}, {"float": "-Infinity"}, {"float": 1e300}],
        "keys": {"map": [["1", "text key"], [1, "integer key"], [{"bytes": "AA"}, null]]},
        "nested": {"map": [["b", 1], ["a", {"map": [[2, true], [1, false]]}]]},
        "tag-largest": {"tag": "18446744073709551615", "value": 0},
        "text": "plain \u{1f600}"
    });
    let description = json!({
        "id": "000102030405060708090a0b0c0d0e0f",
        "issued_at_unix": 1_767_225_600_u64,
        "expires_at_unix": u64::MAX,
        "max_age": 2_592_000,
        "data": data,
        "flashes": {"_flash": ["saved", {"float": 0.5}]}
    });
    let cookie = seal(&keys, "sid", &[], &description);
    let (code, shown) = inspect(&keys, "sid", &["--at", "1767225600"], &cookie);
    assert_eq!(code, Some(0), "{shown}");
    // expires_at = 2^64 - 1 opens, and is shown as such (no RFC 3339 form).
    assert_eq!(shown["expires_at_unix"], json!(u64::MAX));
    assert_eq!(shown["expires_at"], Json::Null);
    assert_eq!(shown["issued_at"], "2026-01-01T00:00:00Z");
    assert_eq!(shown["max_age"], 2_592_000);
    assert_eq!(shown["id"], "000102030405060708090a0b0c0d0e0f");
    assert_eq!(shown["idle_deadline_unix"], Json::Null);
    // Every item as written, in wire order (nested maps unsorted, text "1"
    // and integer 1 two keys, bignums with their tags, NaN signs kept).
    assert_eq!(shown["data"], description["data"]);
    assert_eq!(shown["flashes"], description["flashes"]);
    assert_eq!(
        serde_json::to_string(&shown["data"]["nested"]).unwrap(),
        serde_json::to_string(&description["data"]["nested"]).unwrap()
    );
    // And back: the output of inspect seals to a cookie that shows the same.
    let again = seal(&keys, "sid", &[], &shown);
    let (_, reshown) = inspect(&keys, "sid", &["--at", "1767225600"], &again);
    assert_eq!(reshown["data"], shown["data"]);
}

#[test]
fn seal_refuses_what_a_store_would_not_open() {
    let keys = Keyring::generate_entry(Default::default()).unwrap();
    for (bad, why) in [
        (
            json!({"data": {"x": {"float": 1, "int": 2}}}),
            "two wrapper keys",
        ),
        (
            json!({"data": {"x": {"map": [[1]]}}}),
            "an entry without a value",
        ),
        (
            json!({"data": {"x": {"int": "18446744073709551616"}}}),
            "past 2^64 - 1",
        ),
        (
            json!({"issued_at_unix": 10, "expires_at_unix": 5, "data": {"x": 1}}),
            "expires before issued",
        ),
        (json!({"flashes": {"b": []}}), "an empty bucket"),
        (json!({"data": {}, "colour": 1}), "an unknown field"),
    ] {
        let out = Command::new(BIN)
            .env("SEALED_KEYS", &keys)
            .args(["seal", "--name", "sid", "--keys-env", "SEALED_KEYS"])
            .write_stdin(bad.to_string())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{why}");
        assert!(out.stdout.is_empty(), "{why}");
        assert!(!out.stderr.is_empty(), "{why}");
    }
}

#[test]
fn inspect_opens_with_the_store_default_budget_unless_told() {
    // A three-chunk vector sealed for a 12 KiB budget: a default store
    // (6144 bytes, two chunks) refuses it, and so does inspect by default.
    let text = std::fs::read_to_string(format!("{VECTORS}/chunked.json")).unwrap();
    let vectors: Json = serde_json::from_str(&text).unwrap();
    let v = vectors["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["cookies"].as_array().is_some_and(|c| c.len() == 3))
        .unwrap();
    let cookies: Vec<&str> = v["cookies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    let keys = v["keys"].as_str().unwrap();
    let at = v["now"].to_string();
    let header = cookies.join("; ");
    let (code, shown) = inspect(keys, "session", &["--at", &at], &header);
    assert_eq!((code, &shown["status"]), (Some(1), &json!("invalid")));
    let limit = v["size-limit"].to_string();
    let (code, _) = inspect(
        keys,
        "session",
        &["--at", &at, "--size-limit", &limit],
        &header,
    );
    assert_eq!(code, Some(0));
}
