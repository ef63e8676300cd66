//! The soak's figures, summed over the clients, and their table.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use super::client::Tally;

pub struct Figures {
    pub clients: usize,
    pub requests: u64,
    pub by_status: BTreeMap<u16, u64>,
    pub instances: BTreeMap<String, u64>,
    pub retried_posts: u64,
    pub bad_gateway_at: Vec<Instant>,
    pub writes_acknowledged: u64,
    pub reads_checked: u64,
    pub min_rounds: u64,
    pub unexpected: Vec<String>,
    pub lost: Vec<String>,
    pub final_key_ids: Vec<String>,
    latencies: Vec<Duration>,
    elapsed: Duration,
    setup: Duration,
}

impl Figures {
    pub fn from_tallies(tallies: Vec<Tally>, elapsed: Duration, setup: Duration) -> Figures {
        let mut f = Figures {
            clients: tallies.len(),
            requests: 0,
            by_status: BTreeMap::new(),
            instances: BTreeMap::new(),
            retried_posts: 0,
            bad_gateway_at: Vec::new(),
            writes_acknowledged: 0,
            reads_checked: 0,
            min_rounds: u64::MAX,
            unexpected: Vec::new(),
            lost: Vec::new(),
            final_key_ids: Vec::new(),
            latencies: Vec::new(),
            elapsed,
            setup,
        };
        for t in tallies {
            f.requests += t.requests;
            for (status, n) in t.by_status {
                *f.by_status.entry(status).or_default() += n;
            }
            for (instance, n) in t.by_instance {
                *f.instances.entry(instance).or_default() += n;
            }
            f.retried_posts += t.retried_posts;
            f.bad_gateway_at.extend(t.bad_gateway_at);
            f.writes_acknowledged += t.writes_acknowledged;
            f.reads_checked += t.reads_checked;
            f.min_rounds = f.min_rounds.min(t.rounds);
            f.unexpected.extend(t.unexpected);
            f.lost.extend(t.lost);
            f.final_key_ids.push(t.final_key_id.unwrap_or_default());
            f.latencies.extend(t.latencies);
        }
        f.latencies.sort_unstable();
        f
    }

    /// The latency at `per_mille`/1000 (nearest rank).
    fn percentile(&self, per_mille: usize) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        let rank = (self.latencies.len() * per_mille).div_ceil(1000);
        self.latencies[rank.clamp(1, self.latencies.len()) - 1]
    }

    pub fn table(&self) -> String {
        let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
        let statuses: Vec<String> = self
            .by_status
            .iter()
            .map(|(s, n)| format!("{s}: {n}"))
            .collect();
        let instances: Vec<String> = self
            .instances
            .iter()
            .map(|(i, n)| format!("{i}: {n}"))
            .collect();
        let rows = [
            ("clients", self.clients.to_string()),
            (
                "setup (register + log in)",
                format!("{:.1} s", self.setup.as_secs_f64()),
            ),
            ("load", format!("{:.1} s", self.elapsed.as_secs_f64())),
            ("requests (setup and load)", self.requests.to_string()),
            ("requests under load", self.latencies.len().to_string()),
            (
                "requests/s under load",
                format!(
                    "{:.0}",
                    self.latencies.len() as f64 / self.elapsed.as_secs_f64()
                ),
            ),
            ("responses by status", statuses.join(", ")),
            ("responses by instance", instances.join(", ")),
            ("POSTs retried after a 502", self.retried_posts.to_string()),
            ("writes acknowledged", self.writes_acknowledged.to_string()),
            ("reads checked", self.reads_checked.to_string()),
            ("unexpected responses", self.unexpected.len().to_string()),
            ("sessions lost", self.lost.len().to_string()),
            ("latency p50 (under load)", ms(self.percentile(500))),
            ("latency p99 (under load)", ms(self.percentile(990))),
            ("latency max (under load)", ms(self.percentile(1000))),
        ];
        let mut out = String::from("| figure | value |\n|---|---|\n");
        for (name, value) in rows {
            let _ = writeln!(out, "| {name} | {value} |");
        }
        out
    }
}
