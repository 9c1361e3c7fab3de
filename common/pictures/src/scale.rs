//! The scale table: how each style fares as the bank gets crowded (the C10K
//! problem), one row per runner and number of customers.
//!
//! `compare --scale` fills it by running every style at growing numbers of
//! customers, each in its own process, against a bank in another process;
//! the terminal table and the HTML report's chart are both drawn from it.

use serde::{Deserialize, Serialize};

use timeline::trace::Metrics;

/// One run of the scale table: who waited, how many, and what it cost.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// Whose customers ran: a style's name (`async-nonblocking`), or a peer's
    /// (`python-asyncio`).
    pub runner: String,
    /// How many customers the run had.
    pub customers: u32,
    /// What happened.
    pub result: Ending,
}

/// How a run of the scale table ended.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ending {
    /// It ran; its figures (`complete` is false when customers were lost).
    Ran {
        /// Every customer served or abandoned, and the run not interrupted.
        complete: bool,
        /// The run's figures, as in its trace file.
        metrics: Box<Metrics>,
    },
    /// It was not started: it would pass a limit of the machine (the message names it).
    Refused {
        /// Why, and the largest run that fits.
        reason: String,
    },
    /// It started and failed.
    Failed {
        /// What went wrong.
        error: String,
    },
}
