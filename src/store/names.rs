//! Cookie and chunk names: chunk `i > 0` of `NAME` is `NAME.i`, and how many
//! chunks a size budget allows.

use super::MAX_COOKIE_LEN;

/// Whether `name` is the name of a chunk (index 1 or more) of `base`.
/// Whether two stores' cookie names would claim each other's cookies
/// (`auth` and `auth.1`).
pub(crate) fn names_collide(a: &str, b: &str) -> bool {
    is_chunk_of(a, b) || is_chunk_of(b, a)
}

pub(super) fn is_chunk_of(name: &str, base: &str) -> bool {
    chunk_index(name, base, usize::MAX).is_some_and(|i| i > 0)
}

/// The chunk index `name` has for the cookie name `base`: 0 for `base`
/// itself, `i` for `base.i` with `i` in decimal without leading zeros and
/// `1 <= i < max`; `None` for any other name (`base.01`, `base.0`,
/// `base.x`, `basex`). Parsed, not looked up: O(1) per cookie beyond the
/// name's bytes, whatever the chunk budget.
pub(crate) fn chunk_index(name: &str, base: &str, max: usize) -> Option<usize> {
    let rest = name.strip_prefix(base)?;
    if rest.is_empty() {
        return (max > 0).then_some(0);
    }
    let digits = rest.strip_prefix('.')?;
    // At most 20 digits fit a u64; `starts_with('0')` refuses `0` and `01`.
    if digits.is_empty() || digits.len() > 20 || digits.starts_with('0') {
        return None;
    }
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let index: usize = digits.parse().ok()?;
    (index < max).then_some(index)
}

pub(super) fn chunk_name(name: &str, index: usize) -> String {
    if index == 0 {
        name.to_owned()
    } else {
        format!("{name}.{index}")
    }
}

/// How many chunks `size_limit` bytes can hold at most for `name`.
pub(super) fn chunks_for(name: &str, size_limit: usize) -> usize {
    // Chunk names grow by at most 4 bytes (".255"); count the worst case.
    let capacity = MAX_COOKIE_LEN - name.len() - 5;
    size_limit.div_ceil(capacity).max(1)
}
