//! Fixed keys, stores and real sealed sessions shared by the fuzz targets.
#![allow(dead_code)]

use sealed_session::{__private, Algorithm, CookieStore, KeyPair, Keyring, Session};

/// The time every target loads and saves at (seconds since the Unix epoch),
/// so nothing expires while a campaign runs and runs are reproducible.
pub const NOW: u64 = 1_800_000_000;

/// The cookie name of every store.
pub const NAME: &str = "s";

/// A keyring with one fixed pair of `alg`.
pub fn keyring(alg: Algorithm) -> Keyring {
    Keyring::new(vec![pair(alg, 0x24)]).expect("keyring")
}

/// A fixed pair of `alg`; `seed` varies the key bytes. The bytes are
/// diverse (configuration text refuses placeholder keys such as one byte
/// repeated), so the pair's config entry parses too.
pub fn pair(alg: Algorithm, seed: u8) -> KeyPair {
    let bytes = |salt: u8| -> [u8; 32] {
        std::array::from_fn(|i| seed.wrapping_mul(37) ^ salt ^ (i as u8).wrapping_mul(29))
    };
    let block = bytes(0x66);
    let block = alg.encrypts().then_some(&block[..]);
    KeyPair::new(&bytes(0), block, alg).expect("pair")
}

/// A keyring holding one pair of every algorithm (XAES primary), so one
/// store exercises every algorithm's open path.
pub fn every_algorithm() -> Keyring {
    let pairs = Algorithm::ALL
        .iter()
        .enumerate()
        .map(|(i, alg)| pair(*alg, 0x30 + i as u8))
        .collect();
    Keyring::new(pairs).expect("keyring")
}

/// The keys of `test-vectors/v1` (public test keys), newest first.
pub const VECTOR_KEYS: &str = "\
xaes-256-gcm:ebPHHn9722cDpZdVD7ucpZBeokYPNCVkzV6Xvou2liw:C2nzZ6tBf0u1BGwbkMK9XRtO-imwrS0uR7IZ6OvikBM
xchacha20-poly1305:t72dxhQp-sWhFPQncg6jmC_qb5gs9-yyva_PmAuWWoQ:LL6LQ5gAU4Y_lJFb01oDhJrjSAzl4t2gzGpaw0MLRqs
aes-256-gcm:TslRBZR1lRzodaV2hN2G073x-Xr8KiDZZk2tz0FSW5yj_qXfDTwBy4YAXks4zpbI:UXjCHMssbOWYIXNzG6PsTS1gK_tpKhxQ_DELXWgdjzs
hmac-sha256:_ys2EMp72JdFhe8wNB5bZ3jkdePhiNJJWNxX7ieeO32BnGvJYOMsorKza4bNBrZS2eAhdinBggHLnhZyKWTZXg
xchacha20-poly1305:W9SQNOhW0lgcP9X7IjbF1npRvLGIzzKLg4BuxPtxK40:ZAi2Hs9o-Nb33nj2QHNh2NCbi1kLGSzEMkUSF_35pjc
xaes-256-gcm:8WkAoGM7xEzSPPJcyu25rJMzaVU7N1ktXYr2wBF5hWw:VGofur7FOIEAE1xeCxhbG0h8pi7FiOpZ7S3KGexGbCU
xaes-256-gcm:t5YlerpKaEkej1aShq3EANzwYR0fXuRWUldE66s2bEs:7qWfgw_jqDCG_Kv8fyY98mFGs-zvmqKHM0w25mqnv5g
hmac-sha256:GxBgL-tBA4MZJlOcnunXDwkH-pTJKSWtQhwQrShnNws";

/// [`every_algorithm`] as configuration text.
pub fn every_algorithm_config() -> String {
    Algorithm::ALL
        .iter()
        .enumerate()
        .map(|(i, alg)| pair(*alg, 0x30 + i as u8).to_config_entry().to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

/// A store for `NAME` with the default options.
pub fn store(keyring: Keyring) -> CookieStore {
    CookieStore::builder(NAME, keyring).allow_non_host_name().build().expect("store")
}

/// The algorithm selected by a fuzzer byte.
pub fn algorithm(selector: u8) -> Algorithm {
    Algorithm::ALL[usize::from(selector) % Algorithm::ALL.len()]
}

/// A real session saved by `store` at `NOW`: its `name=value` pairs (one
/// per chunk) and its sealed state.
pub struct Sealed {
    pub pairs: Vec<String>,
    pub state: Vec<u8>,
}

impl Sealed {
    pub fn new(store: &CookieStore, user: &str, filler: usize) -> Sealed {
        let mut session = __private::load_at(store, None::<&str>, NOW);
        session.insert("user", user).expect("insert");
        session.insert("n", &42u32).expect("insert");
        // Incompressible-looking filler so large sessions really span chunks.
        let filler: String = (0..filler)
            .map(|i| char::from(b'a' + ((i * 7 + user.len()) % 26) as u8))
            .collect();
        session.insert("filler", &filler).expect("insert");
        session.add_flash("hello").expect("flash");
        let lines = __private::save_at(store, &mut session, NOW).expect("save");
        let pairs = lines
            .iter()
            .map(|l| l.split(';').next().unwrap_or_default().to_owned())
            .filter(|p| !p.ends_with('='))
            .collect();
        Sealed {
            pairs,
            state: __private::session_state(&session),
        }
    }

    /// The sealed value (all chunks' values concatenated).
    pub fn text(&self) -> String {
        self.pairs
            .iter()
            .map(|p| p.split_once('=').map_or("", |(_, v)| v))
            .collect()
    }
}

/// Whether `session` is a fresh one (nothing loaded).
pub fn is_fresh(session: &Session) -> bool {
    session.is_new() && session.is_empty() && session.opened_with().is_none()
}
