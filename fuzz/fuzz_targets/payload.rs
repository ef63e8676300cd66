//! Arbitrary bytes straight into the strict CBOR payload decoder, as if a
//! key had leaked: never panics, never allocates more than the stated
//! multiple of the input, never accepts nesting beyond the depth limit, and
//! what it accepts is canonical (re-encoding gives the input back).
//!
//! Differentially: the lazy path (one strict pass, then each value read
//! from its own bytes, as `Session::get` does) and the full decoder that
//! builds a `ciborium::Value` tree (kept for fuzzing and tests only) accept
//! exactly the same inputs and read exactly the same keys and values.
#![no_main]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use libfuzzer_sys::fuzz_target;
use sealed_session::__private;

/// Counts live heap bytes and their peak. A `realloc` is counted as the new
/// block allocated before the old one is freed (the worst case).
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grow(n: usize) {
    let live = LIVE.fetch_add(n, Relaxed) + n;
    PEAK.fetch_max(live, Relaxed);
}

// SAFETY: every call is forwarded unchanged to `System`; only counters are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grow(layout.size());
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            grow(new_size);
            LIVE.fetch_sub(layout.size(), Relaxed);
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// The decoder's allocation bound in bytes per input byte, the same one
/// `tests/resource_bounds.rs` asserts (derivation there): the entry index,
/// at most 24 bytes per input byte, plus the shared list of key spans of
/// large maps, 16 bytes per 2 input bytes held at up to 2x while growing
/// (and twice during a move): 24 + 24 = 48 per byte.
const PER_BYTE: usize = 48;
/// Fixed overhead: empty containers, the index of short inputs.
const FIXED: usize = 16 * 1024;

fuzz_target!(|data: &[u8]| {
    let base = LIVE.load(Relaxed);
    PEAK.store(base, Relaxed);
    let accepted = __private::decode_payload(data);
    let peak = PEAK.load(Relaxed) - base;
    assert!(
        peak <= PER_BYTE * data.len() + FIXED,
        "decoding {} bytes peaked at {peak} bytes",
        data.len()
    );
    if accepted {
        let depth = __private::payload_depth(data).expect("accepted once, accepted again");
        assert!(depth <= __private::MAX_DEPTH, "depth {depth} accepted");
        let again = __private::reencode_payload(data).expect("re-encodes");
        assert_eq!(again, data, "accepted a non-canonical encoding");
    }
    let lazy = __private::lazy_values(data);
    let tree = __private::tree_values(data);
    assert_eq!(accepted, lazy.is_some(), "an accepted value does not read");
    assert_eq!(
        accepted,
        tree.is_some(),
        "lazy pass and full decoder disagree"
    );
    if let (Some(lazy), Some(tree)) = (lazy, tree) {
        assert_eq!(lazy.len(), tree.len());
        for ((lk, lv), (tk, tv)) in lazy.iter().zip(&tree) {
            assert_eq!(lk, tk);
            // Compared through their encodings: NaN != NaN as a `Value`.
            assert_eq!(cbor(lv), cbor(tv), "value of {lk:?}");
        }
    }
});

fn cbor(v: &ciborium::Value) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::into_writer(v, &mut out).expect("a decoded value encodes");
    out
}
