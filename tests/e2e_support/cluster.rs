//! Three demo instances that share keys and users, for the tests behind a
//! proxy.

use std::path::{Path, PathBuf};

use super::{Demo, DemoOptions, free_port};

/// The instances' names (their `X-Instance` header).
pub const INSTANCES: [&str; 3] = ["a", "b", "c"];

/// Demo instances with the same keys and a shared users file, each on its
/// own loopback port (kept across restarts, so a proxy's upstream list stays
/// valid).
pub struct Cluster {
    pub dir: PathBuf,
    pub users: PathBuf,
    pub ports: Vec<u16>,
    pub instances: Vec<Option<Demo>>,
    /// When set, the instances read (and watch) this key file instead of
    /// taking their keys from the environment.
    pub keys_file: Option<PathBuf>,
    /// Per instance, `--redis URL` instead of the users file.
    pub redis_urls: Vec<Option<String>>,
}

impl Cluster {
    pub fn start(dir: &Path, keys: &str) -> Cluster {
        Cluster::start_with_redis(dir, keys, INSTANCES.iter().map(|_| None).collect())
    }

    /// Instance `i` keeps accounts and sign-outs in Redis at `redis_urls[i]`
    /// when given (each may reach Redis its own way, e.g. through a relay).
    pub fn start_with_redis(dir: &Path, keys: &str, redis_urls: Vec<Option<String>>) -> Cluster {
        let mut cluster = Cluster {
            dir: dir.to_owned(),
            users: dir.join("users.tsv"),
            ports: INSTANCES.iter().map(|_| free_port()).collect(),
            instances: INSTANCES.iter().map(|_| None).collect(),
            keys_file: None,
            redis_urls,
        };
        for i in 0..INSTANCES.len() {
            cluster.restart(i, keys);
        }
        cluster
    }

    /// Instances that read their keys from `keys_file` and reload it when
    /// it changes: rotating the keys is a rewrite of that file.
    pub fn start_watching(dir: &Path, keys_file: &Path) -> Cluster {
        let mut cluster = Cluster {
            dir: dir.to_owned(),
            users: dir.join("users.tsv"),
            ports: INSTANCES.iter().map(|_| free_port()).collect(),
            instances: INSTANCES.iter().map(|_| None).collect(),
            keys_file: Some(keys_file.to_owned()),
            redis_urls: INSTANCES.iter().map(|_| None).collect(),
        };
        for i in 0..INSTANCES.len() {
            cluster.restart(i, "");
        }
        cluster
    }

    /// The process id of instance `i`, if it is running.
    pub fn pid(&self, i: usize) -> Option<u32> {
        self.instances[i].as_ref().map(|demo| demo.proc.pid())
    }

    /// Stops instance `i` (by pid).
    pub fn stop(&mut self, i: usize) {
        if let Some(mut old) = self.instances[i].take() {
            old.proc.stop();
        }
    }

    /// Stops instance `i` (if running) and starts it again on the same
    /// port with `keys` (or, for a watching cluster, its key file).
    pub fn restart(&mut self, i: usize, keys: &str) {
        self.stop(i);
        let demo = Demo::start(
            &DemoOptions {
                port: self.ports[i],
                session_keys: self.keys_file.is_none().then(|| keys.to_owned()),
                keys_file: self.keys_file.clone(),
                users_file: self.redis_urls[i].is_none().then(|| self.users.clone()),
                redis_url: self.redis_urls[i].clone(),
                instance: Some(INSTANCES[i].to_owned()),
                ..DemoOptions::default()
            },
            &self.dir,
        );
        self.instances[i] = Some(demo);
    }
}
