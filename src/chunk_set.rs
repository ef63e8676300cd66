//! Sets of chunk indices: which of a store's cookies a client may hold.

/// A set of chunk indices (`0..=255`; a store has at most 255 chunks): the
/// store's cookies the client may hold, so a save deletes only those.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct ChunkSet([u64; 4]);

impl ChunkSet {
    pub(crate) fn insert(&mut self, index: usize) {
        if let Some(word) = self.0.get_mut(index / 64) {
            *word |= 1 << (index % 64);
        }
    }

    /// Adds the indices `0..n`.
    pub(crate) fn insert_below(&mut self, n: usize) {
        (0..n).for_each(|i| self.insert(i));
    }

    pub(crate) fn contains(&self, index: usize) -> bool {
        self.0
            .get(index / 64)
            .is_some_and(|word| word & (1 << (index % 64)) != 0)
    }
}

#[cfg(test)]
mod tests {
    use super::ChunkSet;

    #[test]
    fn chunk_set_holds_every_index_a_store_can_have() {
        let mut set = ChunkSet::default();
        for i in [0, 1, 63, 64, 200, 255] {
            assert!(!set.contains(i));
            set.insert(i);
            assert!(set.contains(i));
        }
        assert!(!set.contains(2) && !set.contains(65) && !set.contains(254));
        set.insert(256);
        assert!(!set.contains(256));
        let mut below = ChunkSet::default();
        below.insert_below(3);
        assert!((0..3).all(|i| below.contains(i)) && !below.contains(3));
    }
}
