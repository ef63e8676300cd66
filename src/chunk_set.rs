//! Sets of chunk indices: which of a store's cookies a client may hold.

/// Indices below this are held exactly; any at or above it share one bit.
const EXACT: usize = 63;

/// A set of chunk indices: the store's cookies the client may hold, so a
/// save deletes only those. Indices `0..63` are exact; the rest (budgets
/// of over 250 KB, which no browser sends) share the last bit, so the set
/// contains every index from 63 on as soon as it holds one: a save then
/// deletes them all, which may delete a cookie the client does not have
/// but never keeps one it has. One word keeps a `Session` small.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct ChunkSet(u64);

impl ChunkSet {
    fn bit(index: usize) -> u64 {
        1 << index.min(EXACT)
    }

    pub(crate) fn insert(&mut self, index: usize) {
        self.0 |= Self::bit(index);
    }

    /// Adds the indices `0..n`.
    pub(crate) fn insert_below(&mut self, n: usize) {
        (0..n.min(EXACT + 1)).for_each(|i| self.insert(i));
    }

    pub(crate) fn contains(&self, index: usize) -> bool {
        self.0 & Self::bit(index) != 0
    }
}

#[cfg(test)]
mod tests {
    use super::ChunkSet;

    #[test]
    fn chunk_set_is_exact_below_63_and_covers_every_higher_index_at_once() {
        let mut set = ChunkSet::default();
        for i in [0, 1, 31, 62] {
            assert!(!set.contains(i));
            set.insert(i);
            assert!(set.contains(i));
        }
        assert!(!set.contains(2) && !set.contains(61) && !set.contains(63));
        set.insert(200);
        assert!(set.contains(63) && set.contains(64) && set.contains(254));
        let mut below = ChunkSet::default();
        below.insert_below(3);
        assert!((0..3).all(|i| below.contains(i)) && !below.contains(3));
        let mut all = ChunkSet::default();
        all.insert_below(255);
        assert!((0..255).all(|i| all.contains(i)));
    }
}
