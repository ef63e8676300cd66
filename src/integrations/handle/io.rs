//! Loading and saving a request's session for its handle: lazily from the
//! request, with a bound store's session checked against its primary's
//! (SECURITY.md, "Cookie injection"), and bound to it again when saved.

use super::{Emit, Raw, Session, Shared, Source, State};
use crate::SessionId;
use crate::store::{HeaderUpdate, SaveError};

/// The request's session, loaded on first use.
pub(super) fn loaded<'a>(shared: &Shared, state: &'a mut State) -> &'a mut crate::Session {
    let State {
        session, source, ..
    } = state;
    session.get_or_insert_with(|| {
        let session = load(shared, source);
        let _ = shared.loaded_id.set(session.id());
        session
    })
}

fn load(shared: &Shared, source: &Source) -> crate::Session {
    let cookies = || source.cookies.iter().map(Raw::text);
    match (&source.header, &shared.primary) {
        (Some(value), _) => shared.store.load_header(Some(&value.text())),
        (None, Some(primary)) => {
            let id = primary.loaded_id();
            (shared.store).load_bound_to(cookies(), (primary.name(), id))
        }
        (None, None) => shared.store.load(cookies()),
    }
}

impl Session {
    /// The id the session was loaded with. A handler that runs under this
    /// session's lock (inside [`Session::with`]) has loaded it already, so
    /// a bound session loaded from there does not lock it again.
    fn loaded_id(&self) -> SessionId {
        if let Some(id) = self.shared.loaded_id.get() {
            return *id;
        }
        // Loading sets it.
        let id = self.access(false, |s| s.id());
        self.shared.loaded_id.get().copied().unwrap_or(id)
    }

    /// Whether this session's store is bound to another store's session.
    pub(in crate::integrations) fn is_bound(&self) -> bool {
        self.shared.primary.is_some()
    }
}

pub(super) fn save(shared: &Shared, session: &mut crate::Session) -> Result<Emit, SaveError> {
    let store = &shared.store;
    if let Some(primary) = &shared.primary {
        primary
            .access(true, |p| store.bind(session, p))
            .map_err(|_| SaveError::Encode)?;
    }
    match (shared.via_header, store.header_name()) {
        (true, Some(name)) => {
            let value = match store.save_header(session)? {
                HeaderUpdate::Set(value) => value,
                HeaderUpdate::Clear => String::new(),
                _ => return Ok(Emit::default()),
            };
            Ok(Emit {
                set_cookie: Vec::new(),
                header: Some((name.to_owned(), value)),
                vary: None,
            })
        }
        _ => Ok(Emit {
            set_cookie: store.save(session)?,
            header: None,
            vary: None,
        }),
    }
}
