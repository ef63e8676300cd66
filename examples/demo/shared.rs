//! Where the demo keeps what instances share: accounts and "sign out of all
//! devices". Three setups, one API for the handlers:
//!
//! - default: accounts in memory, sign-outs in an in-process
//!   [`RevocationList`] (one instance);
//! - `--users FILE`: accounts and sign-out times in a file that instances
//!   on one machine share (read on each request that needs them);
//! - `--redis URL`: accounts in a Redis hash, sign-outs in a
//!   [`RevocationList`] shared through Redis (instances on any machines).

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use redis::AsyncCommands as _;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use sealed_session::revocation::{RevocationError, RevocationList};

use crate::App;
use crate::errors::{AppError, blocking};

/// The Redis hash of accounts: name -> argon2 PHC string.
const ACCOUNTS: &str = "sealed-session-demo:accounts";

/// Where accounts live.
pub(crate) enum Accounts {
    /// [`crate::users::Users`]: in memory or in the users file.
    Local,
    Redis(ConnectionManager),
}

/// Where sign-out times live.
pub(crate) enum SignOuts {
    /// The users file, checked by [`crate::signed_in::SignedIn`].
    File,
    /// A revocation list, checked by the session store itself
    /// (`with_revocation_check`).
    List(RevocationList),
}

/// Accounts in Redis: a connection that reconnects by itself, and waits up
/// to 5 s for an answer (a busy machine is slow, not down).
pub(crate) async fn redis_accounts(url: &str) -> Result<Accounts, crate::BoxError> {
    let client = redis::Client::open(url)?;
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(Duration::from_secs(5)))
        .set_response_timeout(Some(Duration::from_secs(5)));
    Ok(Accounts::Redis(
        ConnectionManager::new_with_config(client, config).await?,
    ))
}

impl App {
    /// The password hash of `name`, if registered.
    pub(crate) async fn lookup_account(
        self: &Arc<Self>,
        name: &str,
    ) -> Result<Option<String>, AppError> {
        match &self.accounts {
            Accounts::Local => {
                let (app, name) = (Arc::clone(self), name.to_owned());
                blocking(move || app.users.lookup(&name)).await
            }
            Accounts::Redis(conn) => conn
                .clone()
                .hget(ACCOUNTS, name)
                .await
                .map_err(|e| AppError(e.to_string())),
        }
    }

    /// Adds an account; `false` if the name is taken (the first
    /// registration wins, also between instances).
    pub(crate) async fn add_account(
        self: &Arc<Self>,
        name: &str,
        hash: String,
    ) -> Result<bool, AppError> {
        match &self.accounts {
            Accounts::Local => {
                let (app, name) = (Arc::clone(self), name.to_owned());
                blocking(move || app.users.add(&name, hash)).await
            }
            Accounts::Redis(conn) => conn
                .clone()
                .hset_nx(ACCOUNTS, name, hash)
                .await
                .map_err(|e| AppError(e.to_string())),
        }
    }

    /// Records that `name` signed out of all devices now. `Ok(Err(_))`:
    /// the shared store is unreachable and nothing was recorded (the user
    /// is told to retry).
    pub(crate) async fn sign_out_everywhere(
        self: &Arc<Self>,
        name: &str,
    ) -> Result<Result<(), RevocationError>, AppError> {
        match &self.sign_outs {
            SignOuts::File => {
                let (app, name) = (Arc::clone(self), name.to_owned());
                blocking(move || app.users.sign_out_everywhere(&name)).await?;
                Ok(Ok(()))
            }
            SignOuts::List(list) => Ok(list.sign_out_everywhere(name, SystemTime::now()).await),
        }
    }

    /// When `name` last signed out of all devices, for the file setup (a
    /// revocation list is asked by the store itself).
    pub(crate) async fn file_signed_out_at(
        self: &Arc<Self>,
        name: &str,
    ) -> Result<Option<SystemTime>, AppError> {
        match &self.sign_outs {
            SignOuts::File => {
                let (app, name) = (Arc::clone(self), name.to_owned());
                blocking(move || app.users.signed_out_at(&name)).await
            }
            SignOuts::List(_) => Ok(None),
        }
    }
}
