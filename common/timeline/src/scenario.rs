//! The scenario as run: who came to the bank, when, for how long, with what
//! errand (slept or computed), and how the bank chose whom to call.
//!
//! This is plain data, the part of a trace file that says what was asked
//! for; the timeline of what happened is measured against it (the lanes of
//! its customers, the ideal schedule). Where a scenario comes from (flags, a
//! TOML file, a generator) is the scene's business; how a policy picks the
//! next ticket is the bank's.

use serde::{Deserialize, Serialize};

use crate::name::Name;

/// Everything a run needs to know about the bank and its customers.
///
/// All times are in the run's own milliseconds: a scenario run with
/// `--speed 10` has already been divided by 10 (see [`Scenario::speed_up`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Scenario {
    /// How many tellers serve at once.
    pub tellers: u32,
    /// How the bank picks the next ticket.
    pub policy: PolicyKind,
    /// sync-nonblocking: errand slice between two looks at the socket.
    pub poll_every_ms: f64,
    /// How every errand is done: slept away, or computed on a CPU. (Traces
    /// written before computed errands existed read as slept.)
    #[serde(default)]
    pub errand_work: ErrandWork,
    /// The async styles, with computed errands: CPU time an errand computes
    /// before it hands its thread back to the event loop (0: never, until
    /// it is done). (Traces written before it read as the default.)
    #[serde(default = "defaults::yield_every_ms")]
    pub yield_every_ms: f64,
    /// How many times faster than written this scenario runs (1 = as written).
    pub speed: f64,
    /// The seed a generated scenario came from, if it was generated.
    pub seed: Option<u64>,
    /// The customers, in order of arrival.
    pub customers: Vec<Customer>,
}

/// One customer of the scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Customer {
    /// Index in the scenario, from 0: the customer's lane.
    pub id: u32,
    /// The name on the ticket.
    pub name: Name,
    /// When they walk in, from the run's start.
    pub arrive_ms: f64,
    /// How long their business takes at the counter.
    pub service_ms: f64,
    /// Their own work (the phone call, the cigarette).
    pub errand_ms: f64,
}

/// The policies this build knows, by the name given to `--policy`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum PolicyKind {
    /// First come, first served (先来先服务).
    #[default]
    Fcfs,
}

/// How a customer's errand is done: what `--errand-work` names.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum ErrandWork {
    /// Time passing: the phone call, the cigarette. The customer's thread
    /// sleeps; no CPU is used, so any number of errands fit on any machine.
    #[default]
    Sleep,
    /// Real computation: an errand of 1000 ms is 1000 ms of its thread's
    /// CPU time (`CLOCK_THREAD_CPUTIME_ID`), however long the wall clock
    /// takes when more threads compute than there are cores.
    Cpu,
}

impl ErrandWork {
    /// The word `--errand-work` takes and the trace file holds: `sleep`, `cpu`.
    pub fn name(self) -> &'static str {
        match self {
            ErrandWork::Sleep => "sleep",
            ErrandWork::Cpu => "cpu",
        }
    }
}

impl std::fmt::Display for ErrandWork {
    /// The work as its flag names it: `sleep`, `cpu`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The lecture-sized default scene: 6 customers, 2 tellers, errands long enough to show.
pub mod defaults {
    /// Customers in a generated scene.
    pub const CUSTOMERS: u32 = 6;
    /// Tellers serving at once.
    pub const TELLERS: u32 = 2;
    /// Service time at the counter.
    pub const SERVICE_MS: f64 = 400.0;
    /// Time between two arrivals.
    pub const ARRIVAL_GAP_MS: f64 = 100.0;
    /// Each customer's own work.
    pub const ERRAND_MS: f64 = 1000.0;
    /// sync-nonblocking: errand slice between two looks.
    pub const POLL_EVERY_MS: f64 = 150.0;
    /// The async styles, with computed errands: CPU time between two yields
    /// to the event loop. Short enough that a call waits at most a few
    /// milliseconds for a look; long enough that a yield (a few
    /// microseconds) costs well under 1% of the work.
    pub const YIELD_EVERY_MS: f64 = 5.0;

    /// [`YIELD_EVERY_MS`], for serde's `default`.
    pub fn yield_every_ms() -> f64 {
        YIELD_EVERY_MS
    }
    /// Seed of the generator.
    pub const SEED: u64 = 1;
}

/// Service time: fixed, or drawn uniformly from a range.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ServiceTime {
    /// Every customer needs this long.
    Fixed(f64),
    /// Each customer needs a time drawn uniformly from `low..=high`.
    Range(f64, f64),
}

/// The shape of a generated scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Generate {
    /// How many customers.
    pub customers: u32,
    /// How many tellers.
    pub tellers: u32,
    /// Service time per customer.
    pub service: ServiceTime,
    /// Time between two arrivals (fractions allowed).
    pub arrival_gap_ms: f64,
    /// Each customer's errand.
    pub errand_ms: f64,
    /// sync-nonblocking's errand slice.
    pub poll_every_ms: f64,
    /// Seed for the service times drawn from a range.
    pub seed: u64,
}

impl Default for Generate {
    fn default() -> Generate {
        Generate {
            customers: defaults::CUSTOMERS,
            tellers: defaults::TELLERS,
            service: ServiceTime::Fixed(defaults::SERVICE_MS),
            arrival_gap_ms: defaults::ARRIVAL_GAP_MS,
            errand_ms: defaults::ERRAND_MS,
            poll_every_ms: defaults::POLL_EVERY_MS,
            seed: defaults::SEED,
        }
    }
}

/// Names for the first customers of a generated scene; later ones are `c7`, `c8`, ...
const NAMES: [&str; 6] = ["张三", "李四", "Alice", "王五", "Bob", "赵六"];

impl Generate {
    /// Builds the scenario: customer `i` arrives at `i × gap`.
    pub fn scenario(&self) -> Scenario {
        let mut rng = fastrand::Rng::with_seed(self.seed);
        let customers = (0..self.customers)
            .map(|id| {
                let service_ms = match self.service {
                    ServiceTime::Fixed(ms) => ms,
                    // Whole milliseconds keep generated scenarios easy to read.
                    ServiceTime::Range(low, high) => (low + rng.f64() * (high - low)).round(),
                };
                let name = match NAMES.get(id as usize) {
                    Some(name) => (*name).to_owned(),
                    None => format!("c{}", id + 1),
                };
                Customer {
                    id,
                    name: Name::new(&name).expect("generated names follow the rules"),
                    arrive_ms: f64::from(id) * self.arrival_gap_ms,
                    service_ms: service_ms.max(f64::MIN_POSITIVE),
                    errand_ms: self.errand_ms,
                }
            })
            .collect();
        Scenario {
            tellers: self.tellers,
            policy: PolicyKind::Fcfs,
            poll_every_ms: self.poll_every_ms,
            errand_work: ErrandWork::Sleep,
            yield_every_ms: defaults::YIELD_EVERY_MS,
            speed: 1.0,
            seed: Some(self.seed),
            customers,
        }
    }
}

impl std::fmt::Display for PolicyKind {
    /// The policy as its flag names it: `fcfs`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl PolicyKind {
    /// The policy's name, as `--policy` takes it and tables show it: `fcfs`.
    pub fn name(self) -> &'static str {
        match self {
            PolicyKind::Fcfs => "fcfs",
        }
    }
}

impl Scenario {
    /// The same scenario run `speed` times faster: every time divided by `speed`.
    pub fn speed_up(mut self, speed: f64) -> Scenario {
        for c in &mut self.customers {
            c.arrive_ms /= speed;
            c.service_ms /= speed;
            c.errand_ms /= speed;
        }
        self.poll_every_ms /= speed;
        self.yield_every_ms /= speed;
        self.speed *= speed;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_scenarios_are_repeatable_and_ranged() {
        let shape = Generate {
            customers: 50,
            service: ServiceTime::Range(100.0, 200.0),
            seed: 7,
            ..Generate::default()
        };
        let a = shape.scenario();
        assert_eq!(a, shape.scenario(), "same seed, same customers");
        assert!(
            a.customers
                .iter()
                .all(|c| (100.0..=200.0).contains(&c.service_ms))
        );
        assert_eq!(a.customers[0].name.as_str(), "张三");
        assert_eq!(a.customers[49].name.as_str(), "c50");
        assert_eq!(a.customers[3].arrive_ms, 300.0);
        let other = Generate { seed: 8, ..shape }.scenario();
        assert_ne!(a, other, "another seed, other service times");
    }
    #[test]
    fn speeding_up_divides_every_time() {
        let customer = |id: u32, arrive_ms: f64| Customer {
            id,
            name: Name::new("ana").expect("a valid name"),
            arrive_ms,
            service_ms: 400.0,
            errand_ms: 1000.0,
        };
        let s = Scenario {
            tellers: 2,
            policy: PolicyKind::Fcfs,
            poll_every_ms: 150.0,
            errand_work: ErrandWork::Cpu,
            yield_every_ms: 5.0,
            speed: 1.0,
            seed: None,
            customers: vec![customer(0, 0.0), customer(1, 100.0)],
        }
        .speed_up(10.0);
        assert_eq!(s.customers[1].arrive_ms, 10.0);
        assert_eq!(s.customers[0].service_ms, 40.0);
        assert_eq!(s.customers[0].errand_ms, 100.0);
        assert_eq!(s.poll_every_ms, 15.0);
        assert_eq!(s.yield_every_ms, 0.5);
        assert_eq!(s.errand_work, ErrandWork::Cpu, "the work is not a time");
        assert_eq!(s.speed, 10.0);
    }

    #[test]
    fn a_scenario_written_before_computed_errands_reads_as_slept() {
        let mut now = Generate::default().scenario();
        now.errand_work = ErrandWork::Cpu;
        now.yield_every_ms = 0.0;
        let json = serde_json::to_string(&now).unwrap_or_default();
        assert!(
            json.contains(r#""errand_work":"cpu""#) && json.contains(r#""yield_every_ms":0.0"#),
            "{json}"
        );
        let back: Scenario = serde_json::from_str(&json).expect("it reads back");
        assert_eq!(back, now);

        let old = json
            .replace(r#""errand_work":"cpu","#, "")
            .replace(r#""yield_every_ms":0.0,"#, "");
        assert!(
            !old.contains("errand_work") && !old.contains("yield_every"),
            "{old}"
        );
        let old: Scenario = serde_json::from_str(&old).expect("an old scenario reads");
        assert_eq!(old.errand_work, ErrandWork::Sleep);
        assert_eq!(old.yield_every_ms, defaults::YIELD_EVERY_MS);
    }
}
