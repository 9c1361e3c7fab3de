//! The scenario: who comes to the bank, when, for how long, and with what errand.
//!
//! A scenario is either generated from the shared flags ([`Generate`]) or read
//! from a TOML file with named customers ([`Scenario::from_toml`]):
//!
//! ```toml
//! tellers = 2            # optional: --tellers overrides it
//! poll_every_ms = 150    # optional: --poll-every overrides it
//!
//! [[customer]]
//! name = "张三"
//! arrive_ms = 0
//! service_ms = 400
//! errand_ms = 1000
//! ```
//!
//! An unknown key or a bad value is an error that names its line and column.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::policy::PolicyKind;
use crate::protocol::{MAX_SERVICE_MS, Name};

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
            speed: 1.0,
            seed: Some(self.seed),
            customers,
        }
    }
}

/// A scenario file, as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    /// Tellers, if the file says (the flag wins over it).
    tellers: Option<Count>,
    /// sync-nonblocking's slice, if the file says (the flag wins over it).
    poll_every_ms: Option<PositiveMs>,
    /// How the bank picks the next ticket: FCFS unless the file says.
    #[serde(default)]
    policy: PolicyKind,
    /// The `[[customer]]` tables.
    #[serde(rename = "customer", default)]
    customers: Vec<FileCustomer>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileCustomer {
    /// The name on the ticket.
    name: Name,
    /// When they walk in.
    arrive_ms: Ms,
    /// How long their business takes at the counter.
    service_ms: PositiveMs,
    /// Their own work; none if left out.
    #[serde(default)]
    errand_ms: Ms,
}

/// A time in milliseconds that is finite and not negative.
#[derive(Clone, Copy, Default, Deserialize)]
#[serde(try_from = "f64")]
struct Ms(f64);

impl TryFrom<f64> for Ms {
    type Error = String;
    fn try_from(ms: f64) -> Result<Ms, String> {
        if ms.is_finite() && (0.0..=MAX_SERVICE_MS * 24.0).contains(&ms) {
            Ok(Ms(ms))
        } else {
            Err(format!(
                "{ms} is not a time in milliseconds from 0 to one day"
            ))
        }
    }
}

/// A time in milliseconds above zero and at most an hour.
#[derive(Clone, Copy, Deserialize)]
#[serde(try_from = "f64")]
struct PositiveMs(f64);

impl TryFrom<f64> for PositiveMs {
    type Error = String;
    fn try_from(ms: f64) -> Result<PositiveMs, String> {
        if ms.is_finite() && ms > 0.0 && ms <= MAX_SERVICE_MS {
            Ok(PositiveMs(ms))
        } else {
            Err(format!(
                "{ms} must be above 0 and at most {MAX_SERVICE_MS} ms"
            ))
        }
    }
}

/// A count from 1 to 1000.
#[derive(Clone, Copy, Deserialize)]
#[serde(try_from = "i64")]
struct Count(u32);

impl TryFrom<i64> for Count {
    type Error = String;
    fn try_from(n: i64) -> Result<Count, String> {
        match u32::try_from(n) {
            Ok(n @ 1..=1000) => Ok(Count(n)),
            _ => Err(format!("{n} must be from 1 to 1000")),
        }
    }
}

/// Why a scenario file could not be used.
#[derive(Debug)]
pub enum ScenarioError {
    /// The file could not be read.
    Read(std::path::PathBuf, std::io::Error),
    /// The file is not a valid scenario; the message names line and column.
    Invalid(std::path::PathBuf, String),
}

impl std::fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ScenarioError::Read(path, err) => {
                write!(f, "cannot read scenario {}: {err}", path.display())
            }
            ScenarioError::Invalid(path, why) => {
                write!(f, "bad scenario {}: {}", path.display(), why.trim_end())
            }
        }
    }
}

impl std::error::Error for ScenarioError {}

impl Scenario {
    /// Reads a scenario file. `tellers` and `poll_every_ms` fill in what the
    /// file leaves out.
    pub fn from_file(
        path: &Path,
        tellers: u32,
        poll_every_ms: f64,
    ) -> Result<Scenario, ScenarioError> {
        let text = std::fs::read_to_string(path)
            .map_err(|err| ScenarioError::Read(path.to_owned(), err))?;
        Scenario::from_toml(&text, tellers, poll_every_ms)
            .map_err(|why| ScenarioError::Invalid(path.to_owned(), why))
    }

    /// Parses a scenario from TOML text; the error names line and column.
    pub fn from_toml(text: &str, tellers: u32, poll_every_ms: f64) -> Result<Scenario, String> {
        let file: File = toml::from_str(text).map_err(|err| err.to_string())?;
        if file.customers.is_empty() {
            return Err("a scenario needs at least one [[customer]]".into());
        }
        let mut customers: Vec<Customer> = file
            .customers
            .into_iter()
            .map(|c| Customer {
                id: 0,
                name: c.name,
                arrive_ms: c.arrive_ms.0,
                service_ms: c.service_ms.0,
                errand_ms: c.errand_ms.0,
            })
            .collect();
        // Lanes follow the order of arrival; equal arrivals keep the file's order.
        customers.sort_by(|a, b| a.arrive_ms.total_cmp(&b.arrive_ms));
        for (id, c) in customers.iter_mut().enumerate() {
            c.id = u32::try_from(id).map_err(|_| "too many customers".to_owned())?;
        }
        Ok(Scenario {
            tellers: file.tellers.map_or(tellers, |t| t.0),
            policy: file.policy,
            poll_every_ms: file.poll_every_ms.map_or(poll_every_ms, |p| p.0),
            speed: 1.0,
            seed: None,
            customers,
        })
    }

    /// The same scenario run `speed` times faster: every time divided by `speed`.
    pub fn speed_up(mut self, speed: f64) -> Scenario {
        for c in &mut self.customers {
            c.arrive_ms /= speed;
            c.service_ms /= speed;
            c.errand_ms /= speed;
        }
        self.poll_every_ms /= speed;
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
    fn a_file_names_its_customers_and_is_sorted_by_arrival() {
        let text = r#"
            tellers = 3
            [[customer]]
            name = "李四"
            arrive_ms = 50
            service_ms = 100
            [[customer]]
            name = "张三"
            arrive_ms = 0
            service_ms = 300.5
            errand_ms = 900
        "#;
        let s = Scenario::from_toml(text, 2, 150.0).expect("a valid scenario");
        assert_eq!(s.tellers, 3);
        assert_eq!(s.poll_every_ms, 150.0);
        assert_eq!(s.customers[0].name.as_str(), "张三");
        assert_eq!(s.customers[0].id, 0);
        assert_eq!(s.customers[1].errand_ms, 0.0);
    }

    #[test]
    fn a_bad_file_names_line_and_column() {
        let unknown = "[[customer]]\nname = \"a\"\narrive_ms = 0\nservice_ms = 1\nspeed = 2\n";
        let err = Scenario::from_toml(unknown, 2, 150.0).expect_err("unknown key");
        assert!(
            err.contains("line 5, column 1") && err.contains("speed"),
            "{err}"
        );
        let bad_name = "[[customer]]\nname = \"a b\"\narrive_ms = 0\nservice_ms = 1\n";
        let err = Scenario::from_toml(bad_name, 2, 150.0).expect_err("bad name");
        assert!(
            err.contains("line 2, column 8") && err.contains("letters"),
            "{err}"
        );
        let bad_count = "tellers = 0\n[[customer]]\nname = \"a\"\narrive_ms = 0\nservice_ms = 1\n";
        let err = Scenario::from_toml(bad_count, 2, 150.0).expect_err("no tellers");
        assert!(err.contains("line 1, column 11"), "{err}");
        let err = Scenario::from_toml("", 2, 150.0).expect_err("nobody");
        assert!(err.contains("at least one"), "{err}");
    }

    #[test]
    fn speeding_up_divides_every_time() {
        let s = Generate::default().scenario().speed_up(10.0);
        assert_eq!(s.customers[1].arrive_ms, 10.0);
        assert_eq!(s.customers[0].service_ms, 40.0);
        assert_eq!(s.poll_every_ms, 15.0);
        assert_eq!(s.speed, 10.0);
    }
}
