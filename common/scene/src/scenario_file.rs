//! A scenario file: who comes to the bank, when, for how long, and with what
//! errand, named one by one.
//!
//! A scenario is either generated from the shared flags
//! ([`timeline::scenario::Generate`]) or read from a TOML file with named
//! customers ([`from_file`], [`from_toml`]):
//!
//! ```toml
//! tellers = 2            # optional: --tellers overrides it
//! poll_every_ms = 150    # optional: --poll-every overrides it
//! policy = "rr"          # optional (fcfs unless said): --policy overrides it
//! quantum_ms = 100       # rr and mlfq, optional: --quantum overrides it
//! queues = 3             # mlfq, optional: --queues overrides it
//! boost_ms = 2000        # mlfq, optional: --boost overrides it
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

use serde::Deserialize;

use bank::protocol::MAX_SERVICE_MS;
use timeline::name::Name;
use timeline::scenario::{Customer, ErrandWork, Misfit, PolicyKind, Scenario, Slices, defaults};

/// A scenario file, as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    /// Tellers, if the file says (the flag wins over it).
    tellers: Option<Bounded<1000>>,
    /// sync-nonblocking's slice, if the file says (the flag wins over it).
    poll_every_ms: Option<PositiveMs>,
    /// How the bank picks the next ticket: FCFS unless the file says.
    #[serde(default)]
    policy: PolicyKind,
    /// Round robin's slice, MLFQ's top queue's (the flag wins over it).
    quantum_ms: Option<PositiveMs>,
    /// MLFQ's queues (the flag wins over it).
    queues: Option<Bounded<8>>,
    /// MLFQ's boost period (the flag wins over it).
    boost_ms: Option<PositiveMs>,
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

/// A count from 1 to `MOST`.
#[derive(Clone, Copy, Deserialize)]
#[serde(try_from = "i64")]
struct Bounded<const MOST: u32>(u32);

impl<const MOST: u32> TryFrom<i64> for Bounded<MOST> {
    type Error = String;
    fn try_from(n: i64) -> Result<Bounded<MOST>, String> {
        match u32::try_from(n) {
            Ok(n) if (1..=MOST).contains(&n) => Ok(Bounded(n)),
            _ => Err(format!("{n} must be from 1 to {MOST}")),
        }
    }
}

/// Why a scenario file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("cannot read scenario {}: {source}", .path.display())]
    Read {
        /// The file named.
        path: std::path::PathBuf,
        /// Why it could not be read.
        source: std::io::Error,
    },
    /// The file is not a valid scenario; the message names line and column.
    #[error("bad scenario {}: {}", .path.display(), .why.trim_end())]
    Invalid {
        /// The file named.
        path: std::path::PathBuf,
        /// What is wrong, and where.
        why: String,
    },
    /// A policy flag that does not fit the policy; the message names it.
    #[error("{0}")]
    Policy(String),
}

/// Reads a scenario file. `tellers` and `poll_every_ms` fill in what the
/// file leaves out.
pub fn from_file(path: &Path, tellers: u32, poll_every_ms: f64) -> Result<Scenario, ScenarioError> {
    let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Read {
        path: path.to_owned(),
        source,
    })?;
    from_toml(&text, tellers, poll_every_ms).map_err(|why| ScenarioError::Invalid {
        path: path.to_owned(),
        why,
    })
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
    let slices = Slices::of(
        file.policy,
        file.quantum_ms.map(|q| q.0),
        file.queues.map(|q| q.0),
        file.boost_ms.map(|b| b.0),
    )
    .map_err(|misfit| {
        let key = match misfit {
            Misfit::Quantum => "quantum_ms",
            Misfit::Queues => "queues",
            Misfit::Boost => "boost_ms",
        };
        format!("{key} does not fit policy = \"{}\": {misfit}", file.policy)
    })?;
    Ok(Scenario {
        tellers: file.tellers.map_or(tellers, |t| t.0),
        policy: file.policy,
        slices,
        poll_every_ms: file.poll_every_ms.map_or(poll_every_ms, |p| p.0),
        // How errands are done is the flags' to say (`--errand-work`).
        errand_work: ErrandWork::default(),
        yield_every_ms: defaults::YIELD_EVERY_MS,
        speed: 1.0,
        seed: None,
        customers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let s = from_toml(text, 2, 150.0).expect("a valid scenario");
        assert_eq!(s.tellers, 3);
        assert_eq!(s.poll_every_ms, 150.0);
        assert_eq!(s.customers[0].name.as_str(), "张三");
        assert_eq!(s.customers[0].id, 0);
        assert_eq!(s.customers[1].errand_ms, 0.0);
    }

    #[test]
    fn a_bad_file_names_line_and_column() {
        let unknown = "[[customer]]\nname = \"a\"\narrive_ms = 0\nservice_ms = 1\nspeed = 2\n";
        let err = from_toml(unknown, 2, 150.0).expect_err("unknown key");
        assert!(
            err.contains("line 5, column 1") && err.contains("speed"),
            "{err}"
        );
        let bad_name = "[[customer]]\nname = \"a b\"\narrive_ms = 0\nservice_ms = 1\n";
        let err = from_toml(bad_name, 2, 150.0).expect_err("bad name");
        assert!(
            err.contains("line 2, column 8") && err.contains("letters"),
            "{err}"
        );
        let bad_count = "tellers = 0\n[[customer]]\nname = \"a\"\narrive_ms = 0\nservice_ms = 1\n";
        let err = from_toml(bad_count, 2, 150.0).expect_err("no tellers");
        assert!(err.contains("line 1, column 11"), "{err}");
        let err = from_toml("", 2, 150.0).expect_err("nobody");
        assert!(err.contains("at least one"), "{err}");
    }

    #[test]
    fn a_file_may_name_its_policy_and_slices() {
        let one = "[[customer]]\nname = \"a\"\narrive_ms = 0\nservice_ms = 1\n";
        let rr = from_toml(
            &format!("policy = \"rr\"\nquantum_ms = 25\n{one}"),
            2,
            150.0,
        )
        .expect("rr with its slice");
        assert_eq!(rr.policy, PolicyKind::Rr);
        assert_eq!(rr.slices.map(|s| (s.quantum_ms, s.queues)), Some((25.0, 1)));
        let err = from_toml(&format!("policy = \"sjf\"\nqueues = 2\n{one}"), 2, 150.0)
            .expect_err("sjf has one queue");
        assert!(err.starts_with("queues does not fit"), "{err}");
        let err = from_toml(&format!("policy = \"mlfq\"\nqueues = 20\n{one}"), 2, 150.0)
            .expect_err("too many queues");
        assert!(err.contains("line 2"), "{err}");
    }
}
