//! The background task that keeps the copy in step: subscribe, load the
//! whole state, apply each published change, ping to notice a silent cut,
//! and on any failure mark the copy disconnected, wait, and start over.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use futures_util::StreamExt as _;
use redis::Client;
use redis::aio::ConnectionManager;
use tokio::sync::oneshot;

use super::copy::LocalCopy;
use super::health::Health;
use super::message;
use super::redis::{Keys, load_all, timed};
use super::{RevocationError, RevocationOptions};
use crate::observe::event;
use crate::session::unix_secs;

/// What the task needs; `ready` reports the first load's outcome to the
/// constructor.
pub(crate) struct Follower {
    pub(crate) client: Client,
    pub(crate) manager: ConnectionManager,
    pub(crate) keys: Keys,
    pub(crate) options: RevocationOptions,
    pub(crate) copy: Arc<LocalCopy>,
    pub(crate) health: Arc<Health>,
    pub(crate) ready: Option<oneshot::Sender<Result<(), RevocationError>>>,
}

const FIRST_RETRY: Duration = Duration::from_millis(50);

/// Runs until aborted (when the last clone of the list is dropped).
pub(crate) async fn follow(mut f: Follower) {
    let mut delay = FIRST_RETRY;
    loop {
        let outcome = follow_once(&mut f, &mut delay).await;
        if let Some(ready) = f.ready.take() {
            // The constructor reports the first failure; nothing to follow.
            let _ = ready.send(outcome);
            return;
        }
        if let Err(_e) = outcome {
            event!(warn, error = %_e, "revocation copy cut off from Redis; keeping its last state");
        }
        f.health.mark_down();
        tokio::time::sleep(delay).await;
        delay = delay.saturating_mul(2).min(f.options.reconnect_max_delay);
    }
}

/// One connection's life: returns when it fails.
async fn follow_once(f: &mut Follower, delay: &mut Duration) -> Result<(), RevocationError> {
    let timeout = f.options.command_timeout;
    let mut pubsub = timed(timeout, f.client.get_async_pubsub()).await?;
    timed(timeout, pubsub.subscribe(&f.keys.channel)).await?;
    // Subscribed first, loaded second: a change published in between is
    // both in the load and queued on the subscription (applying twice is
    // harmless), never in neither.
    let changes = load_all(&mut f.manager, &f.keys, timeout).await?;
    let options = &f.options;
    f.copy.apply_all(
        changes,
        |at| options.expiry_of(at),
        unix_secs(SystemTime::now()),
    );
    f.health
        .reloads
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    f.health.mark_up();
    *delay = FIRST_RETRY;
    if let Some(ready) = f.ready.take() {
        let _ = ready.send(Ok(()));
    }
    event!(
        info,
        "revocation copy loaded from Redis and following its changes"
    );

    let (mut sink, mut stream) = pubsub.split();
    let mut heartbeat = tokio::time::interval(options.heartbeat);
    heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            message = stream.next() => {
                let Some(message) = message else {
                    return Err(RevocationError::Unavailable("the subscription closed".to_owned()));
                };
                let Ok(text) = message.get_payload::<String>() else { continue };
                if let Some(change) = message::decode(&text) {
                    f.copy.apply(change, |at| options.expiry_of(at), unix_secs(SystemTime::now()));
                    f.health.applied.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
            }
            _ = heartbeat.tick() => {
                timed(options.command_timeout, sink.ping::<redis::Value>()).await?;
            }
        }
    }
}
