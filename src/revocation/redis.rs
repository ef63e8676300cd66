//! The Redis backend: where the state lives in Redis, the write script,
//! the full load, and one-time tokens.
//!
//! Layout (prefix `P`, default `sealed-session:revocation`):
//!
//! | key | type | content |
//! |---|---|---|
//! | `P:valid-from` | hash | user -> valid-from (Unix seconds) |
//! | `P:valid-from:expiry` | sorted set | user, scored by the entry's expiry |
//! | `P:denied` | hash | session id (32 hex digits) -> denied until |
//! | `P:denied:expiry` | sorted set | session id, scored by its expiry |
//! | `P:once:<sha256 hex>` | string with `EX` | a consumed one-time token |
//! | `P:changes` | channel | each change, in its text form |

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{AsyncCommands as _, Client, Script};
use tokio::task::AbortHandle;

use super::copy::{Change, LocalCopy};
use super::health::Health;
use super::message::{self, parse_id, parse_secs};
use super::{RevocationError, RevocationOptions};
use crate::session::unix_secs;

/// Writes an entry (keeping the later time), drops up to 256 expired
/// entries of the same kind, and publishes the change, atomically (one
/// script: a reader never sees the entry without the message on its way).
const WRITE: &str = r"
local stale = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[4], 'LIMIT', 0, 256)
if #stale > 0 then
  redis.call('HDEL', KEYS[1], unpack(stale))
  redis.call('ZREM', KEYS[2], unpack(stale))
end
local current = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
if tonumber(ARGV[2]) > current then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
end
redis.call('PUBLISH', ARGV[5], ARGV[6])
return 1
";

/// The names of the keys and the channel under a prefix.
#[derive(Clone, Debug)]
pub(crate) struct Keys {
    pub(crate) valid_from: String,
    pub(crate) valid_from_expiry: String,
    pub(crate) denied: String,
    pub(crate) denied_expiry: String,
    pub(crate) once: String,
    pub(crate) channel: String,
}

impl Keys {
    fn new(prefix: &str) -> Self {
        Keys {
            valid_from: format!("{prefix}:valid-from"),
            valid_from_expiry: format!("{prefix}:valid-from:expiry"),
            denied: format!("{prefix}:denied"),
            denied_expiry: format!("{prefix}:denied:expiry"),
            once: format!("{prefix}:once:"),
            channel: format!("{prefix}:changes"),
        }
    }
}

/// The connection for writes (a connection manager: it reconnects by
/// itself) and the handle of the task that follows the channel.
pub(crate) struct RedisBackend {
    manager: ConnectionManager,
    keys: Keys,
    script: Script,
    options: RevocationOptions,
    follower: AbortHandle,
}

impl Drop for RedisBackend {
    fn drop(&mut self) {
        self.follower.abort();
    }
}

impl RedisBackend {
    /// Connects, loads the state once (the copy is complete before the
    /// first request), and starts following the channel.
    pub(crate) async fn connect(
        url: &str,
        options: &RevocationOptions,
        copy: Arc<LocalCopy>,
        health: Arc<Health>,
    ) -> Result<Self, RevocationError> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(RevocationError::NoRuntime);
        }
        let client = Client::open(url).map_err(|_| RevocationError::InvalidUrl)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(options.command_timeout))
            .set_response_timeout(Some(options.command_timeout))
            .set_number_of_retries(1)
            .set_max_delay(options.reconnect_max_delay);
        let manager = timed(options.command_timeout, async {
            ConnectionManager::new_with_config(client.clone(), config).await
        })
        .await?;
        let keys = Keys::new(&options.key_prefix);
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
        let follower = tokio::spawn(super::sync::follow(super::sync::Follower {
            client,
            manager: manager.clone(),
            keys: keys.clone(),
            options: options.clone(),
            copy,
            health,
            ready: Some(ready_tx),
        }));
        let backend = RedisBackend {
            manager,
            keys,
            script: Script::new(WRITE),
            options: options.clone(),
            follower: follower.abort_handle(),
        };
        // The first subscribe-and-load decides whether the list starts.
        match tokio::time::timeout(options.command_timeout.saturating_mul(2), ready_rx).await {
            Ok(Ok(Ok(()))) => Ok(backend),
            Ok(Ok(Err(e))) => Err(e),
            Ok(Err(_)) | Err(_) => Err(RevocationError::Unavailable(
                "the first load of the revocation state did not finish".to_owned(),
            )),
        }
    }

    /// Stores and publishes a change.
    pub(crate) async fn write(&self, change: &Change) -> Result<(), RevocationError> {
        let now = unix_secs(SystemTime::now());
        let (hash, zset, member, value, expires) = match change {
            Change::ValidFrom { user, valid_from } => (
                &self.keys.valid_from,
                &self.keys.valid_from_expiry,
                user.to_string(),
                *valid_from,
                self.options.expiry_of(*valid_from),
            ),
            Change::Deny { id, until } => (
                &self.keys.denied,
                &self.keys.denied_expiry,
                id.to_string(),
                *until,
                *until,
            ),
        };
        let mut invocation = self.script.key(hash);
        invocation
            .key(zset)
            .arg(member)
            .arg(value)
            .arg(expires)
            .arg(now)
            .arg(&self.keys.channel)
            .arg(message::encode(change));
        let mut conn = self.manager.clone();
        timed(self.options.command_timeout, async {
            invocation.invoke_async::<i64>(&mut conn).await
        })
        .await
        .map(drop)
    }

    /// `SET P:once:<digest> 1 NX EX ttl`: `true` if it was set.
    pub(crate) async fn consume_once(
        &self,
        digest: &[u8; 32],
        ttl_secs: u64,
    ) -> Result<bool, RevocationError> {
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        let key = format!("{}{hex}", self.keys.once);
        let options = redis::SetOptions::default()
            .conditional_set(redis::ExistenceCheck::NX)
            .with_expiration(redis::SetExpiry::EX(ttl_secs));
        let mut conn = self.manager.clone();
        let set: Option<String> = timed(self.options.command_timeout, async {
            conn.set_options(key, 1, options).await
        })
        .await?;
        Ok(set.is_some())
    }
}

/// Every entry stored in Redis, as changes (malformed fields are skipped:
/// another writer under the prefix must not stop the load).
pub(crate) async fn load_all(
    conn: &mut ConnectionManager,
    keys: &Keys,
    timeout: Duration,
) -> Result<Vec<Change>, RevocationError> {
    let mut changes = Vec::new();
    for (field, value) in scan_hash(conn, &keys.valid_from, timeout).await? {
        if let (Some(valid_from), false) = (parse_secs(&value), field.is_empty()) {
            changes.push(Change::ValidFrom {
                user: field.into(),
                valid_from,
            });
        }
    }
    for (field, value) in scan_hash(conn, &keys.denied, timeout).await? {
        if let (Some(id), Some(until)) = (parse_id(&field), parse_secs(&value)) {
            changes.push(Change::Deny { id, until });
        }
    }
    Ok(changes)
}

/// A whole hash, by `HSCAN` pages (a large hash never blocks Redis the way
/// one `HGETALL` would).
async fn scan_hash(
    conn: &mut ConnectionManager,
    key: &str,
    timeout: Duration,
) -> Result<Vec<(String, String)>, RevocationError> {
    let mut cursor: u64 = 0;
    let mut all = Vec::new();
    loop {
        let (next, page): (u64, Vec<(String, String)>) = timed(timeout, async {
            redis::cmd("HSCAN")
                .arg(key)
                .arg(cursor)
                .arg("COUNT")
                .arg(1000)
                .query_async(conn)
                .await
        })
        .await?;
        all.extend(page);
        if next == 0 {
            return Ok(all);
        }
        cursor = next;
    }
}

/// Runs a Redis future with a deadline; both failures are `Unavailable`.
/// Outside a tokio runtime (where the deadline and the connection cannot
/// run) it is `NoRuntime`, not a panic.
pub(crate) async fn timed<T>(
    limit: Duration,
    future: impl Future<Output = redis::RedisResult<T>>,
) -> Result<T, RevocationError> {
    if tokio::runtime::Handle::try_current().is_err() {
        return Err(RevocationError::NoRuntime);
    }
    match tokio::time::timeout(limit, future).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(RevocationError::Unavailable(e.to_string())),
        Err(_) => Err(RevocationError::Unavailable(format!(
            "no answer within {} ms",
            limit.as_millis()
        ))),
    }
}
