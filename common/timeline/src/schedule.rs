//! A schedule of the tellers' turns: who was served at which counter, from
//! when to when.
//!
//! The ideal schedule of a scenario (every reaction instant, every service
//! exactly as long as asked) is one: the bank works it out
//! (`bank::ideal::schedule`), the pictures draw it above the real runs, and
//! a run's tellers' efficiency is measured against its makespan.

use crate::TellerNo;

/// One turn at a counter in the ideal schedule.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Turn {
    /// The customer's index in the scenario.
    pub customer: u32,
    /// The teller, from 1.
    pub teller: TellerNo,
    /// Called and served from.
    pub start_ms: f64,
    /// Served until.
    pub end_ms: f64,
}

/// The ideal schedule of a scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Schedule {
    /// When the last service ends.
    pub makespan_ms: f64,
    /// Every turn, in the order tellers took them.
    pub turns: Vec<Turn>,
}
