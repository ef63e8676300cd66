//! A request's sessions, made when something first asks for one. The
//! layer records what the request carried (shared, not copied) and the
//! stores; the handles are created by the first extractor or guard that
//! asks, so a request whose handler never uses a session allocates no
//! handle, no list of handles, and nothing to finish.

use std::fmt;
use std::sync::{Arc, OnceLock};

use super::{CookieHeaders, Raw, Session};
use crate::store::CookieStore;

/// Every session of a request, by cookie name: the layer's stores
/// (`SessionLayer::new(a).with_store(b)` in axum,
/// `SessionMiddleware::new(a).with_store(b)` in actix-web), like hertz's
/// `DefaultMany`. Also an extractor.
///
/// Each session is independent: its own cookies, its own subkeys (bound to
/// its name), loaded lazily and saved separately. The handles themselves
/// are made when something first asks for one: a request whose handler
/// never uses a session costs one shared allocation, whatever the number
/// of stores.
///
/// ```
/// # #[cfg(feature = "axum")] use sealed_session::axum::Sessions;
///# #[cfg(all(not(feature = "axum"), feature = "actix"))] use sealed_session::actix::Sessions;
///# #[cfg(not(any(feature = "axum", feature = "actix")))] use sealed_session::rocket::Sessions;
/// fn theme(sessions: &Sessions) -> Result<String, sealed_session::ValueError> {
///     let Some(prefs) = sessions.get("__Host-prefs") else {
///         return Ok("light".into());
///     };
///     Ok(prefs.get("theme")?.unwrap_or_else(|| "light".into()))
/// }
/// ```
#[derive(Clone)]
pub struct Sessions {
    request: Arc<Pending>,
}

/// One layer's (or fairing's) part of a request, until and after its
/// sessions are made.
struct Pending {
    stores: Arc<[CookieStore]>,
    /// The sessions of an enclosing layer (an earlier fairing in Rocket):
    /// a store both have is loaded and saved once, by the outer one.
    outer: Option<Sessions>,
    /// What the request carried: set when the layer starts (axum,
    /// actix-web) or by the first request guard (Rocket, whose headers
    /// borrow the request).
    source: OnceLock<Source>,
    made: OnceLock<Made>,
}

/// The request's `Cookie` header values and, for each store with header
/// transport, that header's value.
#[derive(Default)]
pub(crate) struct Source {
    cookies: CookieHeaders,
    /// By store, in the order of `stores`; empty when no store has header
    /// transport (the usual case: nothing to allocate).
    transports: Vec<Option<Raw>>,
}

impl Source {
    /// What `stores` need of a request: its `Cookie` header values and the
    /// values `header` gives for the stores' transport headers.
    pub(crate) fn new(
        stores: &[CookieStore],
        cookies: CookieHeaders,
        header: impl Fn(&str) -> Option<Raw>,
    ) -> Self {
        let transports = if stores.iter().any(|s| s.header_name().is_some()) {
            stores
                .iter()
                .map(|s| s.header_name().and_then(&header))
                .collect()
        } else {
            Vec::new()
        };
        Source {
            cookies,
            transports,
        }
    }
}

struct Made {
    /// The outer sessions, then this layer's own.
    all: Box<[Session]>,
    /// Where this layer's own sessions start in `all` (Rocket finishes
    /// them all at once instead).
    #[cfg_attr(not(any(feature = "axum", feature = "actix", test)), allow(dead_code))]
    own: usize,
}

impl fmt::Debug for Sessions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.names()).finish()
    }
}

impl Sessions {
    /// A request's sessions of `stores` (after those of `outer`), made on
    /// first use from `source`, or from what [`Sessions::provide`] gives
    /// later when `source` is `None`.
    pub(crate) fn begin(
        stores: &Arc<[CookieStore]>,
        outer: Option<&Sessions>,
        source: Option<Source>,
    ) -> Self {
        let pending = Pending {
            stores: Arc::clone(stores),
            outer: outer.cloned(),
            source: OnceLock::new(),
            made: OnceLock::new(),
        };
        if let Some(source) = source {
            let _ = pending.source.set(source);
        }
        Sessions {
            request: Arc::new(pending),
        }
    }

    /// Gives this layer and the outer ones what the request carried, where
    /// they do not have it yet (Rocket: from the first request guard).
    #[cfg(feature = "rocket")]
    pub(crate) fn provide(
        &self,
        cookies: impl FnOnce() -> CookieHeaders,
        header: &dyn Fn(&str) -> Option<Raw>,
    ) {
        // Read from the request once, and only if some layer needs it.
        let mut cookies = Some(cookies);
        let read = std::cell::OnceCell::new();
        let mut next = Some(self);
        while let Some(sessions) = next {
            let pending = &sessions.request;
            pending.source.get_or_init(|| {
                let cookies = read.get_or_init(|| cookies.take().map(|f| f()).unwrap_or_default());
                Source::new(&pending.stores, cookies.clone(), header)
            });
            next = pending.outer.as_ref();
        }
    }

    /// This layer's own sessions, to finish into the response; none when
    /// nothing asked for them (then nothing can have changed).
    #[cfg(any(feature = "axum", feature = "actix", test))]
    pub(crate) fn own(&self) -> &[Session] {
        self.request
            .made
            .get()
            .and_then(|made| made.all.get(made.own..))
            .unwrap_or_default()
    }

    /// Every session made for the request, the outer layers' included;
    /// none when nothing asked for them.
    #[cfg(feature = "rocket")]
    pub(crate) fn made_all(&self) -> &[Session] {
        self.request.made.get().map_or(&[], |made| &made.all)
    }

    fn made(&self) -> &Made {
        self.request.made.get_or_init(|| self.make())
    }

    fn make(&self) -> Made {
        let pending = &*self.request;
        let outer = pending.outer.as_ref().map_or(&[][..], |o| &o.made().all);
        // Without a source (a Rocket request no guard has provided for),
        // the request carried nothing this layer can see.
        let none = Source::default();
        let source = pending.source.get().unwrap_or(&none);
        let mut all = Vec::with_capacity(outer.len() + pending.stores.len());
        all.extend(outer.iter().cloned());
        for (index, store) in pending.stores.iter().enumerate() {
            if all.iter().any(|s: &Session| s.name() == store.name()) {
                continue;
            }
            let transport = source.transports.get(index).cloned().flatten();
            let primary = store
                .bound_to()
                .and_then(|name| all.iter().find(|s| s.name() == name).cloned());
            let session = Session::new(store.clone(), source.cookies.clone(), transport, primary);
            all.push(session);
        }
        Made {
            all: all.into_boxed_slice(),
            own: outer.len(),
        }
    }
}

impl Sessions {
    /// The session stored under cookie `name`, if the layer has that store.
    ///
    /// ```
    /// # #[cfg(feature = "axum")] use sealed_session::axum::Sessions;
    ///# #[cfg(all(not(feature = "axum"), feature = "actix"))] use sealed_session::actix::Sessions;
    ///# #[cfg(not(any(feature = "axum", feature = "actix")))] use sealed_session::rocket::Sessions;
    /// fn user(sessions: &Sessions) -> Option<String> {
    ///     sessions.get("__Host-auth")?.get("user").ok().flatten()
    /// }
    /// ```
    #[must_use]
    pub fn get(&self, name: &str) -> Option<Session> {
        self.made().all.iter().find(|s| s.name() == name).cloned()
    }

    /// The first store's session: the one the `Session` extractor gives.
    ///
    /// ```
    /// # #[cfg(feature = "axum")] use sealed_session::axum::Sessions;
    ///# #[cfg(all(not(feature = "axum"), feature = "actix"))] use sealed_session::actix::Sessions;
    ///# #[cfg(not(any(feature = "axum", feature = "actix")))] use sealed_session::rocket::Sessions;
    /// fn main_session_name(sessions: &Sessions) -> Option<String> {
    ///     sessions.primary().map(|s| s.name().to_owned())
    /// }
    /// ```
    #[must_use]
    pub fn primary(&self) -> Option<Session> {
        self.made().all.first().cloned()
    }

    /// The cookie names, in the order the stores were added.
    ///
    /// ```
    /// # #[cfg(feature = "axum")] use sealed_session::axum::Sessions;
    ///# #[cfg(all(not(feature = "axum"), feature = "actix"))] use sealed_session::actix::Sessions;
    ///# #[cfg(not(any(feature = "axum", feature = "actix")))] use sealed_session::rocket::Sessions;
    /// fn names(sessions: &Sessions) -> Vec<&str> {
    ///     sessions.names().collect()
    /// }
    /// ```
    pub fn names(&self) -> impl Iterator<Item = &str> + '_ {
        self.made().all.iter().map(Session::name)
    }
}
