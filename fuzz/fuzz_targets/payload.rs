//! Arbitrary bytes straight into the strict CBOR payload decoder, as if a
//! key had leaked: never panics, never allocates more than the stated
//! multiple of the input, never accepts nesting beyond the depth limit, and
//! what it accepts is canonical (re-encoding gives the input back).
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
/// `tests/resource_bounds.rs` asserts (derivation there): a map entry takes
/// at least 2 input bytes and costs a 64-byte `(Value, Value)` plus a
/// 16-byte key span, each in a `Vec` that may be at 2x capacity and is
/// briefly held twice while it grows: (64 + 16) * 3 / 2 = 120 per byte.
const PER_BYTE: usize = 128;
/// Fixed overhead: the reader, empty containers, BTreeMap nodes of short inputs.
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
});
