//! The Redis backend of the revocation list against a real `redis-server`
//! started by each test on a free loopback port (killed, restarted, and
//! partitioned through a loopback relay): several lists stand for several
//! instances, each with its own cookie store under the same keys.

// Test code: a failed expectation is a panic with a message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod e2e_support;

use std::time::{Duration, Instant, SystemTime};

use e2e_support::free_port;
use e2e_support::redis_server::{RedisServer, Relay};
use proptest::prelude::*;
use sealed_session::revocation::{RevocationError, RevocationList, RevocationOptions};
use sealed_session::{CookieStore, Keyring, LoadError};

const LIFETIME: Duration = Duration::from_secs(3600);

fn options(prefix: &str) -> RevocationOptions {
    RevocationOptions::new(LIFETIME)
        .with_key_prefix(prefix)
        .with_heartbeat(Duration::from_millis(100))
        .with_reconnect_max_delay(Duration::from_millis(200))
        .with_command_timeout(Duration::from_millis(500))
}

/// An instance: a list and a store that checks it.
struct Instance {
    list: RevocationList,
    store: CookieStore,
}

impl Instance {
    async fn start(url: &str, keys: &str, options: RevocationOptions) -> Instance {
        let list = RevocationList::redis(url, options).await.unwrap();
        Instance::with(list, keys)
    }

    fn with(list: RevocationList, keys: &str) -> Instance {
        let store = CookieStore::builder("__Host-s", Keyring::from_config(keys).unwrap())
            .with_max_age(LIFETIME)
            .with_revocation_check(list.check(|s| s.get::<String>("user").ok().flatten()))
            .build()
            .unwrap();
        Instance { list, store }
    }

    /// A cookie header for a fresh session of `user`.
    fn login(&self, user: &str) -> String {
        let mut session = self.store.load(None::<&str>);
        session.insert("user", user).unwrap();
        self.store.save(&mut session).unwrap()[0]
            .split(';')
            .next()
            .unwrap()
            .to_owned()
    }

    fn accepts(&self, cookie: &str) -> bool {
        match self.store.load(Some(cookie)).load_error() {
            None => true,
            Some(LoadError::Invalid) => false,
            Some(other) => panic!("unexpected load error {other:?}"),
        }
    }
}

fn keys() -> String {
    Keyring::generate_entry(Default::default())
        .unwrap()
        .to_string()
}

/// Polls `done` every millisecond until it holds or `limit` passes;
/// returns how long it took.
async fn within(limit: Duration, what: &str, mut done: impl FnMut() -> bool) -> Duration {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    start.elapsed()
}

/// A time after every session issued so far (times are whole seconds).
fn after_now() -> SystemTime {
    SystemTime::now() + Duration::from_secs(1)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_out_on_one_instance_is_refused_on_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let redis = RedisServer::start(dir.path(), false);
    let keys = keys();
    let mut instances = Vec::new();
    for _ in 0..3 {
        instances.push(Instance::start(&redis.url(), &keys, options("t1")).await);
    }
    let [a, b, c] = &instances[..] else {
        unreachable!()
    };
    let alice = a.login("alice");
    let bob = b.login("bob");
    let anon = {
        let mut session = c.store.load(None::<&str>);
        session.insert("cart", &3).unwrap();
        c.store.save(&mut session).unwrap()[0]
            .split(';')
            .next()
            .unwrap()
            .to_owned()
    };
    assert!(
        instances
            .iter()
            .all(|i| i.accepts(&alice) && i.accepts(&bob))
    );

    a.list
        .sign_out_everywhere("alice", after_now())
        .await
        .unwrap();
    // The writing instance refuses at once.
    assert!(!a.accepts(&alice));
    let took = within(Duration::from_secs(1), "alice refused on b and c", || {
        !b.accepts(&alice) && !c.accepts(&alice)
    })
    .await;
    eprintln!("sign-out applied on the two other instances after {took:?}");
    assert!(
        instances
            .iter()
            .all(|i| i.accepts(&bob) && i.accepts(&anon))
    );

    // Denying one session id: that session (any copy) only.
    let session = c.store.load(Some(anon.as_str()));
    c.list
        .deny(session.id(), session.expires_at())
        .await
        .unwrap();
    within(
        Duration::from_secs(1),
        "denied id refused everywhere",
        || instances.iter().all(|i| !i.accepts(&anon)),
    )
    .await;
    assert!(instances.iter().all(|i| i.accepts(&bob)));
    for i in &instances {
        assert_eq!(i.list.status().entries, 2);
        assert!(i.list.status().connected);
        assert_eq!(i.list.status().outages, 0);
    }
    assert!(b.list.status().applied >= 2, "{:?}", b.list.status());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_time_tokens_are_consumed_once_across_instances() {
    let dir = tempfile::tempdir().unwrap();
    let redis = RedisServer::start(dir.path(), false);
    let a = RevocationList::redis(&redis.url(), options("t2"))
        .await
        .unwrap();
    let b = RevocationList::redis(&redis.url(), options("t2"))
        .await
        .unwrap();
    let ttl = Duration::from_secs(1);
    let mut tasks = Vec::new();
    for i in 0..16 {
        let list = if i % 2 == 0 { a.clone() } else { b.clone() };
        tasks.push(tokio::spawn(async move {
            list.consume_once("state-5f1c", ttl).await
        }));
    }
    let mut winners = 0;
    for task in tasks {
        winners += usize::from(task.await.unwrap().unwrap());
    }
    assert_eq!(winners, 1, "exactly one consumer wins");
    assert_eq!(b.consume_once("state-other", ttl).await, Ok(true));
    // Only the digest is stored, never the token.
    let client = redis::Client::open(redis.url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let stored: Vec<String> = redis::cmd("KEYS")
        .arg("t2:once:*")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(stored.len(), 2);
    assert!(
        stored
            .iter()
            .all(|k| !k.contains("state") && k.len() == "t2:once:".len() + 64),
        "{stored:?}"
    );
    // After its lifetime the token is forgotten.
    within(Duration::from_secs(3), "token expired", || {
        let ttl: i64 = redis::cmd("TTL")
            .arg(&stored[0])
            .query(&mut client.get_connection().unwrap())
            .unwrap();
        ttl == -2
    })
    .await;
    assert_eq!(a.consume_once("state-5f1c", ttl).await, Ok(true));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_outage_keeps_the_copy_and_writes_report_errors() {
    let dir = tempfile::tempdir().unwrap();
    let mut redis = RedisServer::start(dir.path(), true);
    let keys = keys();
    let a = Instance::start(&redis.url(), &keys, options("t3")).await;
    let b = Instance::start(&redis.url(), &keys, options("t3")).await;
    let alice = a.login("alice");
    let bob = a.login("bob");
    let carol = a.login("carol");
    a.list
        .sign_out_everywhere("alice", after_now())
        .await
        .unwrap();
    within(Duration::from_secs(1), "alice refused on b", || {
        !b.accepts(&alice)
    })
    .await;

    redis.kill();
    within(Duration::from_secs(2), "both see the outage", || {
        !a.list.status().connected && !b.list.status().connected
    })
    .await;
    // Serving goes on from the last state.
    for i in [&a, &b] {
        assert!(!i.accepts(&alice));
        assert!(i.accepts(&bob));
        assert_eq!(i.list.status().outages, 1);
    }
    // A write during the outage is an error the application sees, and
    // nothing is recorded.
    let err = a
        .list
        .sign_out_everywhere("bob", after_now())
        .await
        .unwrap_err();
    assert!(matches!(err, RevocationError::Unavailable(_)), "{err:?}");
    assert!(a.accepts(&bob));
    assert_eq!(a.list.status().write_errors, 1);
    assert!(matches!(
        b.list.consume_once("t", Duration::from_secs(5)).await,
        Err(RevocationError::Unavailable(_))
    ));
    // Still counted as one outage however long it lasts.
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(a.list.status().outages, 1);
    assert!(a.list.status().disconnected_for.unwrap() >= Duration::from_millis(600));

    redis.restart();
    within(Duration::from_secs(3), "both resync", || {
        a.list.status().connected && b.list.status().connected
    })
    .await;
    assert!(b.list.status().reloads >= 2);
    // A write through one instance applies on the other again (the write
    // connection reconnects on its own; its first use may still fail).
    let mut attempts = 0;
    while b
        .list
        .sign_out_everywhere("carol", after_now())
        .await
        .is_err()
    {
        attempts += 1;
        assert!(attempts < 20, "writes keep failing after the restart");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    within(Duration::from_secs(1), "carol refused on a", || {
        !a.accepts(&carol)
    })
    .await;
    assert!(!a.accepts(&alice) && !b.accepts(&alice));
    assert!(a.accepts(&bob) && b.accepts(&bob));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partitioned_instance_recovers_a_missed_sign_out_by_reloading() {
    let dir = tempfile::tempdir().unwrap();
    let redis = RedisServer::start(dir.path(), false);
    let relay = Relay::start(redis.port);
    let keys = keys();
    let a = Instance::start(&redis.url(), &keys, options("t4")).await;
    let b = Instance::start(&relay.url(), &keys, options("t4")).await;
    let alice = a.login("alice");

    relay.cut();
    within(Duration::from_secs(2), "b sees the partition", || {
        !b.list.status().connected
    })
    .await;
    a.list
        .sign_out_everywhere("alice", after_now())
        .await
        .unwrap();
    assert!(!a.accepts(&alice));
    // The documented staleness: b cannot know yet.
    assert!(b.accepts(&alice));
    let applied_before = b.list.status().applied;

    relay.heal();
    let took = within(
        Duration::from_secs(3),
        "alice refused on b after healing",
        || !b.accepts(&alice) && b.list.status().connected,
    )
    .await;
    eprintln!("the partitioned instance caught up {took:?} after healing");
    let status = b.list.status();
    assert!(status.connected);
    // By the reload, not by a message: the message was lost in the cut.
    assert_eq!(status.applied, applied_before, "{status:?}");
    assert!(status.reloads >= 2, "{status:?}");
    assert!(status.outages >= 1, "{status:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_that_lost_its_data_does_not_undo_a_sign_out() {
    let dir = tempfile::tempdir().unwrap();
    let mut redis = RedisServer::start(dir.path(), false);
    let keys = keys();
    let a = Instance::start(&redis.url(), &keys, options("t5")).await;
    let alice = a.login("alice");
    a.list
        .sign_out_everywhere("alice", after_now())
        .await
        .unwrap();
    redis.kill();
    redis.restart();
    within(Duration::from_secs(3), "a resyncs", || {
        a.list.status().connected && a.list.status().reloads >= 2
    })
    .await;
    assert!(!a.accepts(&alice));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fail_closed_refuses_every_session_once_cut_off_too_long() {
    let dir = tempfile::tempdir().unwrap();
    let mut redis = RedisServer::start(dir.path(), false);
    let keys = keys();
    let a = Instance::start(
        &redis.url(),
        &keys,
        options("t6").with_fail_closed_after(Duration::from_millis(300)),
    )
    .await;
    let bob = a.login("bob");
    assert!(a.accepts(&bob));
    redis.kill();
    within(Duration::from_secs(2), "outage seen", || {
        !a.list.status().connected
    })
    .await;
    within(Duration::from_secs(2), "fail closed", || !a.accepts(&bob)).await;
    assert!(a.list.status().disconnected_for.unwrap() > Duration::from_millis(300));
    redis.restart();
    within(Duration::from_secs(3), "open again after resync", || {
        a.accepts(&bob)
    })
    .await;
    assert!(a.list.status().connected);
}

#[test]
fn outside_a_tokio_runtime_it_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let redis = RedisServer::start(dir.path(), false);
    let err = pollster::block_on(RevocationList::redis(&redis.url(), options("t8"))).unwrap_err();
    assert_eq!(err, RevocationError::NoRuntime);
    // Built on tokio, then awaited elsewhere: the write is an error too.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let list = runtime
        .block_on(RevocationList::redis(&redis.url(), options("t8")))
        .unwrap();
    assert_eq!(
        pollster::block_on(list.sign_out_everywhere("alice", SystemTime::now())),
        Err(RevocationError::NoRuntime)
    );
    assert_eq!(
        pollster::block_on(list.consume_once("t", Duration::from_secs(1))),
        Err(RevocationError::NoRuntime)
    );
    assert_eq!(list.valid_from("alice"), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn construction_fails_without_redis_and_dropping_unsubscribes() {
    let unreachable = format!("redis://127.0.0.1:{}/", free_port());
    let err = RevocationList::redis(&unreachable, options("t7"))
        .await
        .unwrap_err();
    assert!(matches!(err, RevocationError::Unavailable(_)), "{err:?}");
    let err = RevocationList::redis("http://user:secret@x/", options("t7"))
        .await
        .unwrap_err();
    assert_eq!(err, RevocationError::InvalidUrl);
    assert!(!err.to_string().contains("secret"));

    let dir = tempfile::tempdir().unwrap();
    let redis = RedisServer::start(dir.path(), false);
    let list = RevocationList::redis(&redis.url(), options("t7"))
        .await
        .unwrap();
    let clone = list.clone();
    let client = redis::Client::open(redis.url()).unwrap();
    let subscribers = || -> i64 {
        let (_, n): (String, i64) = redis::cmd("PUBSUB")
            .arg("NUMSUB")
            .arg("t7:changes")
            .query(&mut client.get_connection().unwrap())
            .unwrap();
        n
    };
    assert_eq!(subscribers(), 1);
    drop(list);
    assert_eq!(subscribers(), 1, "a clone keeps it alive");
    drop(clone);
    within(Duration::from_secs(2), "unsubscribed", || {
        subscribers() == 0
    })
    .await;
}

#[derive(Clone, Debug)]
enum Op {
    SignOut { on: usize, user: usize },
    Deny { on: usize, session: usize },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0usize..3, 0usize..4).prop_map(|(on, user)| Op::SignOut { on, user }),
        (0usize..3, 0usize..8).prop_map(|(on, session)| Op::Deny { on, session }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// Random writes on random instances: once every instance is in step,
    /// each accepts exactly the sessions the model keeps (0 wrongly kept,
    /// 0 wrongly refused), whoever wrote what.
    #[test]
    fn every_instance_converges_on_the_model(ops in proptest::collection::vec(op(), 1..12)) {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        runtime.block_on(async {
            let dir = tempfile::tempdir().unwrap();
            let redis = RedisServer::start(dir.path(), false);
            let keys = keys();
            let mut instances = Vec::new();
            for _ in 0..3 {
                instances.push(Instance::start(&redis.url(), &keys, options("p")).await);
            }
            // Eight sessions of four users, issued before any sign-out.
            let users = ["ann", "ben", "cid", "dee"];
            let sessions: Vec<(usize, String)> =
                (0..8).map(|i| (i % 4, instances[i % 3].login(users[i % 4]))).collect();
            let mut signed_out = [false; 4];
            let mut denied = [false; 8];
            let at = after_now();
            for op in ops {
                match op {
                    Op::SignOut { on, user } => {
                        instances[on].list.sign_out_everywhere(users[user], at).await.unwrap();
                        signed_out[user] = true;
                    }
                    Op::Deny { on, session } => {
                        let s = instances[on].store.load(Some(sessions[session].1.as_str()));
                        // A session of a signed-out user no longer opens; deny
                        // by the id it carries all the same.
                        let id = s.load_error().map_or(s.id(), |_| {
                            instances[(on + 1) % 3].store.load(Some(sessions[session].1.as_str())).id()
                        });
                        instances[on].list.deny(id, SystemTime::now() + LIFETIME).await.unwrap();
                        denied[session] = true;
                    }
                }
            }
            let expected: Vec<bool> = sessions
                .iter()
                .enumerate()
                .map(|(i, (user, _))| !(signed_out[*user] || denied[i]))
                .collect();
            within(Duration::from_secs(2), "instances converge", || {
                instances.iter().all(|inst| {
                    sessions.iter().zip(&expected).all(|((_, c), &keep)| inst.accepts(c) == keep)
                })
            })
            .await;
        });
    }
}
