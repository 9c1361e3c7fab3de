//! Lanes: the rows of a timeline, each of one kind.
//!
//! Every lesson draws rows that are each in one state at a time: the bank
//! scene's customers and tellers, the OS threads and tokio tasks under them,
//! processes made with `fork`, jobs on a simulated CPU. A [`Lane`] says which
//! row a moment or a stretch belongs to: its [`LaneKind`] and its number. In
//! a trace file a lane is written as `kind-number` (`customer-3`,
//! `thread-12`), or `bank` for the bank's front door.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::TellerNo;

/// A row of the timeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Lane {
    /// The bank itself: tickets issued, lines refused, customers who left the queue.
    Bank,
    /// A teller (柜员), numbered from 1.
    Teller(TellerNo),
    /// A customer, by index in the scenario (from 0).
    Customer(u32),
    /// An OS thread of the customers' process, by its kernel thread id.
    Thread(u32),
    /// A tokio task, by the customer it carries (their index in the scenario).
    Task(u32),
    /// A process, by its process id.
    Process(u32),
    /// A job on a simulated CPU, numbered from 0 as the problem lists them.
    Job(u32),
}

/// What kind of thing a lane follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LaneKind {
    /// The bank's front door.
    Bank,
    /// A teller.
    Teller,
    /// A customer.
    Customer,
    /// An OS thread.
    Thread,
    /// A tokio task.
    Task,
    /// A process.
    Process,
    /// A job on a simulated CPU.
    Job,
}

impl LaneKind {
    /// Every kind, in the order pictures list their lanes.
    pub const ALL: [LaneKind; 7] = [
        LaneKind::Customer,
        LaneKind::Teller,
        LaneKind::Bank,
        LaneKind::Thread,
        LaneKind::Task,
        LaneKind::Process,
        LaneKind::Job,
    ];

    /// The word for the kind, as written before a lane's number: `customer`.
    pub fn word(self) -> &'static str {
        match self {
            LaneKind::Bank => "bank",
            LaneKind::Teller => "teller",
            LaneKind::Customer => "customer",
            LaneKind::Thread => "thread",
            LaneKind::Task => "task",
            LaneKind::Process => "process",
            LaneKind::Job => "job",
        }
    }
}

impl Lane {
    /// The kind of thing this lane follows.
    pub fn kind(self) -> LaneKind {
        match self {
            Lane::Bank => LaneKind::Bank,
            Lane::Teller(_) => LaneKind::Teller,
            Lane::Customer(_) => LaneKind::Customer,
            Lane::Thread(_) => LaneKind::Thread,
            Lane::Task(_) => LaneKind::Task,
            Lane::Process(_) => LaneKind::Process,
            Lane::Job(_) => LaneKind::Job,
        }
    }

    /// The lane's number within its kind (`None` for the bank).
    pub fn number(self) -> Option<u32> {
        match self {
            Lane::Bank => None,
            Lane::Teller(n)
            | Lane::Customer(n)
            | Lane::Thread(n)
            | Lane::Task(n)
            | Lane::Process(n)
            | Lane::Job(n) => Some(n),
        }
    }

    /// The lane of `kind` numbered `n` (the bank has no number).
    pub fn of(kind: LaneKind, n: u32) -> Lane {
        match kind {
            LaneKind::Bank => Lane::Bank,
            LaneKind::Teller => Lane::Teller(n),
            LaneKind::Customer => Lane::Customer(n),
            LaneKind::Thread => Lane::Thread(n),
            LaneKind::Task => Lane::Task(n),
            LaneKind::Process => Lane::Process(n),
            LaneKind::Job => Lane::Job(n),
        }
    }
}

impl fmt::Display for Lane {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.number() {
            None => f.write_str(self.kind().word()),
            Some(n) => write!(f, "{}-{n}", self.kind().word()),
        }
    }
}

impl FromStr for Lane {
    type Err = String;
    fn from_str(s: &str) -> Result<Lane, String> {
        let bad = || {
            let shown = crate::visible::quoted(s, 64);
            format!("not a lane: {shown} (bank, or a kind and a number: customer-3)")
        };
        if s == LaneKind::Bank.word() {
            return Ok(Lane::Bank);
        }
        let (word, n) = s.rsplit_once('-').ok_or_else(bad)?;
        let kind = LaneKind::ALL
            .into_iter()
            .find(|k| *k != LaneKind::Bank && k.word() == word)
            .ok_or_else(bad)?;
        n.parse().map(|n| Lane::of(kind, n)).map_err(|_| bad())
    }
}

impl Serialize for Lane {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Lane {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Lane, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_lane_is_written_as_its_kind_and_number_and_read_back() {
        let lanes = [
            Lane::Bank,
            Lane::Teller(1),
            Lane::Customer(0),
            Lane::Thread(4711),
            Lane::Task(3),
            Lane::Process(99),
            Lane::Job(2),
        ];
        for lane in lanes {
            let text = lane.to_string();
            assert_eq!(text.parse::<Lane>(), Ok(lane), "{text}");
        }
        assert_eq!(Lane::Customer(3).to_string(), "customer-3");
        assert_eq!(Lane::Thread(12).to_string(), "thread-12");
        for bad in [
            "",
            "customer",
            "customer-",
            "customer-x",
            "robot-3",
            "bank-1",
        ] {
            assert!(bad.parse::<Lane>().is_err(), "{bad:?}");
        }
    }
}
