//! Arbitrary bytes as a sealed cookie value under a fixed keyring: never
//! panics and never opens. A forged value that authenticates is a crash.
#![no_main]

use std::sync::LazyLock;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use libfuzzer_sys::fuzz_target;
use sealed_session::{__private, CookieStore};

mod common;

/// Every key of the test vectors (so the seeds, real sealed values, get past
/// the key-id and algorithm checks), plus one fixed pair per algorithm,
/// under a cookie name no vector uses: nothing can authenticate.
static STORE: LazyLock<CookieStore> = LazyLock::new(|| {
    let config = [common::VECTOR_KEYS, &common::every_algorithm_config()].join("\n");
    let keyring = sealed_session::Keyring::from_config(&config).expect("keyring");
    // Room for the three-chunk vectors.
    CookieStore::builder(common::NAME, keyring).allow_non_host_name()
        .with_size_limit(16 * 1024).allow_large_cookie_header()
        .build()
        .expect("store")
});

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    // Bit 0: the bytes are the text itself, or the binary envelope that is
    // base64url-encoded first (so the fuzzer reaches the header checks and
    // the ciphers directly). Bits 1-2: the chunk count it arrives in.
    let text = if mode & 1 == 0 {
        String::from_utf8_lossy(rest).into_owned()
    } else {
        URL_SAFE_NO_PAD.encode(rest)
    };
    let chunks = usize::from((mode >> 1) & 3) + 1;
    if let Ok(payload) = __private::open_envelope(&STORE, &text, chunks) {
        panic!(
            "a forged value authenticated: {} payload bytes",
            payload.len()
        );
    }
    let cookie = format!("{}={text}", common::NAME);
    let session = __private::load_at(&STORE, [cookie.as_str()], common::NOW);
    assert!(
        common::is_fresh(&session),
        "a forged cookie loaded a session"
    );
});
