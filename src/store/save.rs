//! Saving: the session -> sealed text split into chunks -> `Set-Cookie`
//! lines, with deletions for stale chunks.

use std::time::SystemTime;

use super::names::chunk_name;
use super::{CookieStore, Keys, MAX_COOKIE_LEN, SaveError};
use crate::chunk_set::ChunkSet;
use crate::observe::{bump, event};
use crate::payload::{Lifetimes, Payload};
use crate::session::{Session, unix_secs};

/// What [`CookieStore::save_at`] decided to write.
pub(super) enum Plan {
    Nothing,
    /// Delete these chunk indices (the ones the client may hold).
    Delete(ChunkSet),
    Write {
        text: String,
        chunk_lens: Vec<usize>,
        max_age: u64,
        /// The indices the client may hold that the write does not overwrite.
        delete: ChunkSet,
    },
}

impl CookieStore {
    /// Saves the session: returns the `Set-Cookie` header values to send.
    ///
    /// - Nothing changed (and no key re-seal or renewal is due): no lines.
    /// - Changed: the session's cookies, each within 4096 bytes of
    ///   `name=value`, plus a deletion for each further chunk of this store
    ///   that the request carried (a longer session's, or the orphans of a
    ///   response that raced this one) or an earlier save of this session
    ///   wrote. A chunk the request did not carry is left for a later
    ///   write: it never opens with other chunks (their count is
    ///   authenticated), and the store's chunk names are bounded.
    /// - Empty (cleared, destroyed, or its last flash consumed) after
    ///   having had a cookie: a deletion for each of those chunks.
    ///
    /// A session opened with an older key is re-sealed with the primary key,
    /// keeping its issued-at and expiry.
    ///
    /// # Errors
    ///
    /// [`SaveError::TooLarge`] (naming both sizes) when the session exceeds
    /// the budget; nothing is emitted then, so the client keeps its previous
    /// session. [`SaveError::WrongStore`] for another store's session.
    ///
    /// ```
    /// # let keyring = sealed_session::Keyring::from_config(&sealed_session::Keyring::generate_entry(Default::default())?)?;
    /// # let store = sealed_session::CookieStore::new("__Host-s", keyring)?;
    /// let mut session = store.load(None::<&str>);
    /// assert!(store.save(&mut session)?.is_empty()); // nothing to store yet
    /// session.insert("k", "v")?;
    /// let lines = store.save(&mut session)?;
    /// assert!(lines[0].starts_with("__Host-s="));
    /// assert!(lines[0].ends_with("; Path=/; Secure; HttpOnly; SameSite=Lax"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn save(&self, session: &mut Session) -> Result<Vec<String>, SaveError> {
        self.save_at(session, unix_secs(SystemTime::now()))
    }

    /// [`CookieStore::save`] at a given time (seconds since the Unix epoch).
    pub(crate) fn save_at(
        &self,
        session: &mut Session,
        now: u64,
    ) -> Result<Vec<String>, SaveError> {
        let lines = match self.plan_counted(session, now, true)? {
            Plan::Nothing => Vec::new(),
            Plan::Delete(delete) => self.deletions(delete, 0).collect(),
            Plan::Write {
                text,
                chunk_lens,
                max_age,
                delete,
            } => {
                let mut lines = Vec::with_capacity(self.inner.max_chunks);
                let mut rest = text.as_str();
                let digits = decimal(max_age);
                let max_age = digits.as_str();
                for (name, len) in self.inner.chunk_names.iter().zip(chunk_lens) {
                    let (piece, tail) = rest.split_at(len.min(rest.len()));
                    rest = tail;
                    // Built at its exact length: one allocation per line.
                    let parts = [
                        name.as_str(),
                        "=",
                        piece,
                        "; Max-Age=",
                        max_age,
                        &self.inner.attributes,
                    ];
                    let mut line = String::with_capacity(parts.iter().map(|p| p.len()).sum());
                    parts.iter().for_each(|p| line.push_str(p));
                    lines.push(line);
                }
                let written = lines.len();
                lines.extend(self.deletions(delete, written));
                lines
            }
        };
        Ok(lines)
    }

    /// The deletion lines of the indices in `delete` from `from` on, in order.
    fn deletions(&self, delete: ChunkSet, from: usize) -> impl Iterator<Item = String> + '_ {
        let all = self.inner.deletions.iter().enumerate().skip(from);
        all.filter(move |(i, _)| delete.contains(*i))
            .map(|(_, line)| line.clone())
    }

    /// Decides what to write and seals under `keys` (one snapshot for the
    /// whole save); updates the session's state only when it returns `Ok`.
    fn plan(
        &self,
        session: &mut Session,
        now: u64,
        cookies: bool,
        keys: &Keys,
    ) -> Result<Plan, SaveError> {
        if &*session.store_name != self.name() {
            return Err(SaveError::WrongStore {
                session: session.store_name.to_string(),
                store: self.name().to_owned(),
            });
        }
        if session.payload.id == [0; 16] {
            return Err(SaveError::Random);
        }
        let o = &self.inner.builder_options;
        if session.is_empty() {
            let had_cookie = session.chunks_loaded > 0 || !session.is_new;
            session.modified = false;
            // `destroyed` stays: values stored after this save (in the same
            // request) still make a new session, issued now (SECURITY.md
            // "Writing", step 1).
            if !had_cookie {
                return Ok(Plan::Nothing);
            }
            session.is_new = true;
            session.chunks_loaded = 0;
            session.sealed_len = 0;
            session.opened_with = None;
            // The client keeps what it has if a later save of this session
            // supersedes this one (the integrations send only the last).
            return Ok(Plan::Delete(session.client_chunks));
        }
        let max_age = session.payload.max_age.unwrap_or(o.max_age.as_secs());
        let p = &session.payload;
        let reseal = needs_reseal(session, keys);
        let rolling_due = o.rolling && p.expires_at.saturating_sub(now) < max_age / 2;
        let idle_due = o.idle_timeout.is_some_and(|idle| {
            p.idle_deadline
                .is_none_or(|d| d.saturating_sub(now) < idle.as_secs() / 2)
        });
        if !(session.modified || session.is_new || reseal || rolling_due || idle_due) {
            return Ok(Plan::Nothing);
        }
        // The new lifetimes go to the encoder and are committed only once
        // the seal succeeded: on any error the session is as it was.
        let mut lifetimes = p.lifetimes();
        // A destroyed session that gets new values is a new session: it must
        // not inherit the old one's issued-at and absolute expiry.
        if session.is_new || session.destroyed || lifetimes.expires_at == 0 || rolling_due {
            lifetimes.expires_at = now.checked_add(max_age).ok_or(SaveError::Encode)?;
        }
        if session.destroyed {
            lifetimes.issued_at = now;
        } else if session.is_new {
            lifetimes.issued_at = lifetimes.issued_at.min(now);
        }
        lifetimes.idle_deadline = match o.idle_timeout {
            Some(idle) => Some(now.checked_add(idle.as_secs()).ok_or(SaveError::Encode)?),
            None => None,
        };
        let (text, chunk_lens) = self.seal_with(keys, &session.payload, &lifetimes, cookies)?;
        let cookie_max_age = lifetimes.expires_at.saturating_sub(now);
        session.payload.set_lifetimes(lifetimes);
        session.is_new = false;
        session.modified = false;
        session.destroyed = false;
        let delete = session.client_chunks;
        session.client_chunks.insert_below(chunk_lens.len());
        session.chunks_loaded = chunk_lens.len();
        session.sealed_len = text.len();
        session.opened_with = Some((keys.primary, true));
        Ok(Plan::Write {
            text,
            chunk_lens,
            max_age: cookie_max_age,
            delete,
        })
    }

    /// Encodes `payload` with `lifetimes` and seals it under the primary
    /// key: the sealed text and its chunk lengths (one length when
    /// `cookies` is false: header transport). The payload's exact length is
    /// known first, so the budget is checked before any encoding work and
    /// the sealed buffer and the text are each allocated once, at their
    /// exact sizes. Also the benchmarks' "seal" (`__private::bench_seal`).
    #[cfg(any(test, fuzzing, feature = "unstable-internals"))]
    pub(crate) fn seal_payload(
        &self,
        payload: &Payload,
        lifetimes: &Lifetimes,
        cookies: bool,
    ) -> Result<(String, Vec<usize>), SaveError> {
        self.seal_with(&self.keys(), payload, lifetimes, cookies)
    }

    /// [`CookieStore::seal_payload`] under `keys`: the length is computed
    /// and the text sealed with the same keyring's primary.
    fn seal_with(
        &self,
        keys: &Keys,
        payload: &Payload,
        lifetimes: &Lifetimes,
        cookies: bool,
    ) -> Result<(String, Vec<usize>), SaveError> {
        let size_limit = self.inner.builder_options.size_limit;
        let seal_error = |e| match e {
            crate::envelope::SealError::Random => SaveError::Random,
            crate::envelope::SealError::Cipher => SaveError::Encode,
        };
        let payload_len = payload.encoded_len(lifetimes);
        let text_len = base64_len(keys.envelope.sealed_len(payload_len));
        let chunk_lens = if cookies {
            self.split(text_len)?
        } else {
            if text_len > size_limit {
                return Err(SaveError::TooLarge {
                    needed: text_len,
                    allowed: size_limit,
                });
            }
            vec![text_len]
        };
        let count = u8::try_from(chunk_lens.len()).map_err(|_| SaveError::Encode)?;
        // The payload is encoded straight into the sealed buffer (no copy).
        let mut sealing = keys.envelope.start(payload_len).map_err(seal_error)?;
        payload.encode_into(lifetimes, &mut sealing.buf);
        if sealing.payload_len() != payload_len {
            return Err(SaveError::Encode);
        }
        let text = sealing.finish(count).map_err(seal_error)?;
        Ok((text, chunk_lens))
    }

    /// Splits `text_len` bytes of value over chunk cookies, filling each to
    /// 4096 bytes of `name=value`; checks the budget on the exact bytes.
    pub(crate) fn split(&self, text_len: usize) -> Result<Vec<usize>, SaveError> {
        let mut lens = Vec::new();
        let mut left = text_len;
        let mut total = 0;
        for name in &self.inner.chunk_names {
            let take = left.min(MAX_COOKIE_LEN - name.len() - 1);
            lens.push(take);
            total += name.len() + 1 + take;
            left -= take;
            if left == 0 {
                break;
            }
        }
        let allowed = self.inner.builder_options.size_limit;
        if left > 0 || total > allowed {
            // Estimate what it would have needed, counting further chunk names.
            let mut needed = total;
            let mut index = lens.len();
            while left > 0 {
                let name_len = chunk_name(self.name(), index).len();
                let take = left.min(MAX_COOKIE_LEN - name_len - 1);
                needed += name_len + 1 + take;
                left -= take;
                index += 1;
            }
            return Err(SaveError::TooLarge { needed, allowed });
        }
        Ok(lens)
    }

    /// [`CookieStore::plan`], counted and traced.
    pub(super) fn plan_counted(
        &self,
        session: &mut Session,
        now: u64,
        cookies: bool,
    ) -> Result<Plan, SaveError> {
        let counters = &self.inner.counters;
        let keys = self.keys();
        let reseal = needs_reseal(session, &keys);
        let plan = self.plan(session, now, cookies, &keys);
        match &plan {
            Ok(Plan::Write {
                text, chunk_lens, ..
            }) => {
                bump(&counters.saves);
                if reseal {
                    bump(&counters.resealed);
                }
                event!(
                    debug,
                    cookie = self.name(),
                    bytes = text.len(),
                    chunks = chunk_lens.len(),
                    resealed = reseal,
                    "session saved"
                );
                let _ = (text, chunk_lens);
            }
            Ok(Plan::Delete(_)) => {
                event!(
                    debug,
                    cookie = self.name(),
                    "session emptied: cookies deleted"
                );
            }
            Ok(Plan::Nothing) => {}
            Err(SaveError::TooLarge { needed, allowed }) => {
                bump(&counters.too_large);
                event!(
                    warn,
                    cookie = self.name(),
                    needed,
                    allowed,
                    "session too large to save: the client keeps its previous cookies"
                );
                let _ = (needed, allowed);
            }
            Err(error) => {
                event!(warn, cookie = self.name(), error = %error, "session not saved");
                let _ = error;
            }
        }
        plan
    }
}

/// Whether the session was opened under a key that is not the primary of
/// `keys`: compared by id, so a session opened just before a reload
/// promoted another key is re-sealed too.
fn needs_reseal(session: &Session, keys: &Keys) -> bool {
    session
        .opened_with
        .is_some_and(|(key_id, _)| key_id != keys.primary)
}

/// `n` in decimal, on the stack.
fn decimal(n: u64) -> Digits {
    let mut buf = [0u8; 20];
    let mut at = buf.len();
    let mut n = n;
    loop {
        at -= 1;
        if let Some(d) = buf.get_mut(at) {
            *d = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 {
            break;
        }
    }
    Digits { buf, start: at }
}

/// A `u64` in decimal (at most 20 digits).
struct Digits {
    buf: [u8; 20],
    start: usize,
}

impl Digits {
    fn as_str(&self) -> &str {
        self.buf
            .get(self.start..)
            .and_then(|d| std::str::from_utf8(d).ok())
            .unwrap_or_default()
    }
}

/// The length of unpadded base64 of `n` bytes.
pub(super) fn base64_len(n: usize) -> usize {
    (n * 4).div_ceil(3)
}
