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
    name.strip_prefix(base)
        .and_then(|rest| rest.strip_prefix('.'))
        .and_then(|index| {
            index
                .parse::<usize>()
                .ok()
                .filter(|i| *i > 0 && i.to_string() == index)
        })
        .is_some()
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
