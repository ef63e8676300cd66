//! `Cookie` header parsing: which pairs are this store's chunks.

use super::CookieStore;
use crate::session::Session;

impl CookieStore {
    /// [`CookieStore::load`] at a given time (seconds since the Unix epoch).
    pub(crate) fn load_at<I>(&self, cookie_headers: I, now: u64) -> Session
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let max = self.inner.max_chunks;
        let mut first: Vec<Option<String>> = vec![None; max];
        let mut last: Vec<Option<String>> = vec![None; max];
        let mut duplicates = false;
        for header in cookie_headers {
            for pair in header.as_ref().split(';') {
                let Some((name, value)) = pair.split_once('=') else {
                    continue;
                };
                let Some(index) = self.chunk_index(name.trim_matches([' ', '\t'])) else {
                    continue;
                };
                let value = value.trim_matches([' ', '\t']);
                if let (Some(f), Some(l)) = (first.get_mut(index), last.get_mut(index)) {
                    if f.is_none() {
                        *f = Some(value.to_owned());
                    } else {
                        duplicates = true;
                    }
                    // Reuse the buffer: a header repeating one of our names
                    // thousands of times costs no allocation per repeat.
                    let l = l.get_or_insert_with(String::new);
                    l.clear();
                    l.push_str(value);
                }
            }
        }
        if first.iter().all(Option::is_none) {
            return self.fresh_load(now);
        }
        let mut result = self.open_chunks(&first, now);
        if duplicates && result.is_err() {
            result = self.open_chunks(&last, now);
        }
        let present = first.iter().filter(|c| c.is_some()).count();
        self.finish_load(result, present, now)
    }

    /// The chunk index of a cookie name, if it is exactly one of ours.
    pub(super) fn chunk_index(&self, name: &str) -> Option<usize> {
        self.inner.chunk_names.iter().position(|n| n == name)
    }
}
