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
    /// The time slices of a policy that takes turns (round robin, MLFQ);
    /// `None` for FCFS and SJF, and in traces written before the bank had
    /// any other policy than FCFS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slices: Option<Slices>,
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

/// The policies this build knows, by the name given to `--policy`: the
/// four rules of the lecture's section 3 (进程调度).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum PolicyKind {
    /// First come, first served (先来先服务): tickets in the order taken,
    /// each served in full.
    #[default]
    Fcfs,
    /// Shortest job first (短作业优先): the shortest service stated in
    /// `TICKET` among those waiting, served in full.
    Sjf,
    /// Round robin (时间片轮转): turns of one time slice, then `PAUSE` and
    /// back to the end of the queue.
    Rr,
    /// Multilevel feedback queue (多级反馈队列): a newcomer enters the top
    /// queue; a slice used up sends a customer one queue down, where slices
    /// are twice as long; a newcomer to a higher queue takes the counter.
    Mlfq,
}

/// The time slices of a policy that takes turns (round robin, MLFQ), as run.
///
/// Round robin is an MLFQ of one queue: the same three numbers say both.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Slices {
    /// Round robin's slice, and MLFQ's top queue's (时间片): each queue below
    /// has twice the slice of the one above.
    pub quantum_ms: f64,
    /// How many queues (多级): 1 for round robin.
    pub queues: u32,
    /// MLFQ: every this long from the run's start, every customer goes back
    /// to the top queue with a fresh slice, so that none waits for ever
    /// below; `None`: never.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boost_ms: Option<f64>,
}

/// A parameter given to a policy that does not take it: its time slice
/// (FCFS, SJF), its queues or its boost (all but MLFQ).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Misfit {
    /// A quantum for a policy without slices.
    #[error("only rr and mlfq take a quantum")]
    Quantum,
    /// Queues for a policy with one queue or none.
    #[error("only mlfq has several queues")]
    Queues,
    /// A boost for a policy without levels to be boosted from.
    #[error("only mlfq boosts")]
    Boost,
}

impl Slices {
    /// The slices `policy` runs with, from what was asked (`None`: not
    /// asked, so the default: [`defaults::QUANTUM_MS`], and for MLFQ
    /// [`defaults::QUEUES`] queues and no boost). `None` for a policy without
    /// slices; a parameter the policy does not take is refused.
    pub fn of(
        policy: PolicyKind,
        quantum_ms: Option<f64>,
        queues: Option<u32>,
        boost_ms: Option<f64>,
    ) -> Result<Option<Slices>, Misfit> {
        let takes = |asked: bool, misfit: Misfit, taken: bool| {
            if asked && !taken { Err(misfit) } else { Ok(()) }
        };
        let (sliced, levels) = (policy.takes_turns(), policy == PolicyKind::Mlfq);
        takes(quantum_ms.is_some(), Misfit::Quantum, sliced)?;
        takes(queues.is_some(), Misfit::Queues, levels)?;
        takes(boost_ms.is_some(), Misfit::Boost, levels)?;
        Ok(sliced.then(|| Slices {
            quantum_ms: quantum_ms.unwrap_or(defaults::QUANTUM_MS),
            queues: if levels {
                queues.unwrap_or(defaults::QUEUES).max(1)
            } else {
                1
            },
            boost_ms,
        }))
    }

    /// The slices in a few words, as `policy` takes them: `quantum 100 ms`
    /// (round robin), `3 queues of 100/200/400 ms, boost every 1000 ms`.
    pub fn words(&self, policy: PolicyKind) -> String {
        let ms = |ms: f64| format!("{}", (ms * 1000.0).round() / 1000.0);
        if policy == PolicyKind::Rr {
            return format!("quantum {} ms", ms(self.quantum_ms));
        }
        let slices: Vec<String> = (0..self.queues).map(|l| ms(self.slice_ms(l))).collect();
        let mut words = format!(
            "{} of {} ms",
            crate::plural::count(self.queues, "queue"),
            slices.join("/")
        );
        if let Some(boost) = self.boost_ms {
            words.push_str(&format!(", boost every {} ms", ms(boost)));
        }
        words
    }

    /// The slice of queue `level` (0 is the top): the quantum, doubled once
    /// per level down (第i+1个队列的时间片要比第i个队列的时间片长一倍).
    pub fn slice_ms(&self, level: u32) -> f64 {
        self.quantum_ms * 2f64.powi(i32::try_from(level).unwrap_or(i32::MAX))
    }
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
    /// Round robin's time slice, and MLFQ's top queue's: the lecture's
    /// "几十毫秒至几百毫秒", a quarter of the default service.
    pub const QUANTUM_MS: f64 = 100.0;
    /// MLFQ's queues: slices of 100, 200 and 400 ms by default.
    pub const QUEUES: u32 = 3;
    /// Seed of the generator.
    pub const SEED: u64 = 1;
}

/// Service time: fixed, drawn uniformly from a range, or given one by one.
#[derive(Clone, Debug, PartialEq)]
pub enum ServiceTime {
    /// Every customer needs this long.
    Fixed(f64),
    /// Each customer needs a time drawn uniformly from `low..=high`.
    Range(f64, f64),
    /// Customer `i` needs the `i`-th of these (round again when there are
    /// more customers): the jobs of a problem on paper, `8,3,5`, as
    /// `800,300,500`.
    Each(Vec<f64>),
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
                let service_ms = match &self.service {
                    ServiceTime::Fixed(ms) => *ms,
                    // Whole milliseconds keep generated scenarios easy to read.
                    ServiceTime::Range(low, high) => (low + rng.f64() * (high - low)).round(),
                    ServiceTime::Each(list) => list
                        .get(id as usize % list.len().max(1))
                        .copied()
                        .unwrap_or(defaults::SERVICE_MS),
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
            slices: None,
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
            PolicyKind::Sjf => "sjf",
            PolicyKind::Rr => "rr",
            PolicyKind::Mlfq => "mlfq",
        }
    }

    /// The policy with its slices, in a few words: `fcfs`, `rr, quantum 100
    /// ms`, `mlfq, 3 queues of 100/200/400 ms, boost every 1000 ms`.
    pub fn words(self, slices: Option<&Slices>) -> String {
        match slices {
            Some(slices) => format!("{}, {}", self.name(), slices.words(self)),
            None => self.name().to_owned(),
        }
    }

    /// Whether customers take turns of a time slice (round robin, MLFQ):
    /// a teller may then say `PAUSE` before the service is done, and a
    /// customer is called more than once.
    pub fn takes_turns(self) -> bool {
        matches!(self, PolicyKind::Rr | PolicyKind::Mlfq)
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
        if let Some(slices) = &mut self.slices {
            slices.quantum_ms /= speed;
            if let Some(boost) = &mut slices.boost_ms {
                *boost /= speed;
            }
        }
        self.speed *= speed;
        self
    }

    /// The policy as run, in a few words: `fcfs`, `rr, quantum 100 ms`,
    /// `mlfq, 3 queues of 100/200/400 ms, boost every 1000 ms`.
    pub fn policy_words(&self) -> String {
        self.policy.words(self.slices.as_ref())
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
        let jobs = Generate {
            customers: 4,
            service: ServiceTime::Each(vec![800.0, 300.0, 500.0]),
            ..Generate::default()
        }
        .scenario();
        let services: Vec<f64> = jobs.customers.iter().map(|c| c.service_ms).collect();
        assert_eq!(
            services,
            [800.0, 300.0, 500.0, 800.0],
            "one by one, then round again"
        );
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
            policy: PolicyKind::Mlfq,
            slices: Slices::of(PolicyKind::Mlfq, Some(100.0), Some(2), Some(1000.0))
                .expect("mlfq takes all three"),
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
        let slices = s.slices.expect("still sliced");
        assert_eq!((slices.quantum_ms, slices.boost_ms), (10.0, Some(100.0)));
        assert_eq!(
            s.policy_words(),
            "mlfq, 2 queues of 10/20 ms, boost every 100 ms"
        );
    }

    #[test]
    fn each_policy_takes_only_its_own_parameters() {
        use PolicyKind::*;
        assert_eq!(Slices::of(Fcfs, None, None, None), Ok(None));
        assert_eq!(
            Slices::of(Sjf, Some(100.0), None, None),
            Err(Misfit::Quantum)
        );
        assert_eq!(Slices::of(Rr, None, Some(3), None), Err(Misfit::Queues));
        assert_eq!(
            Slices::of(Rr, Some(50.0), None, Some(9.0)),
            Err(Misfit::Boost)
        );
        let rr = Slices::of(Rr, None, None, None).expect("rr has a default slice");
        assert_eq!(
            rr,
            Some(Slices {
                quantum_ms: defaults::QUANTUM_MS,
                queues: 1,
                boost_ms: None
            })
        );
        let mlfq = Slices::of(Mlfq, Some(4.0), None, None)
            .expect("mlfq's queues default")
            .expect("mlfq has slices");
        assert_eq!(mlfq.queues, defaults::QUEUES);
        let doubling: Vec<f64> = (0..3).map(|l| mlfq.slice_ms(l)).collect();
        assert_eq!(doubling, [4.0, 8.0, 16.0], "each twice the one above");
    }

    #[test]
    fn a_scenario_written_before_policies_had_slices_reads_as_fcfs() {
        let old = r#"{"tellers":2,"policy":"fcfs","poll_every_ms":150.0,"speed":1.0,"seed":1,"customers":[]}"#;
        let s: Scenario = serde_json::from_str(old).expect("an old scenario reads");
        assert_eq!((s.policy, s.slices), (PolicyKind::Fcfs, None));
        let written = serde_json::to_string(&s).unwrap_or_default();
        assert!(
            !written.contains("slices"),
            "and writes no slices: {written}"
        );
        let rr = Scenario {
            policy: PolicyKind::Rr,
            slices: Slices::of(PolicyKind::Rr, Some(25.0), None, None).unwrap_or_default(),
            ..s
        };
        let text = serde_json::to_string(&rr).unwrap_or_default();
        assert!(
            text.contains(r#""policy":"rr","slices":{"quantum_ms":25.0,"queues":1}"#),
            "{text}"
        );
        assert_eq!(serde_json::from_str::<Scenario>(&text).ok(), Some(rr));
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
