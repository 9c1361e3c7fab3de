//! # The measures: response, turnaround, wait
//!
//! Three numbers say how well a schedule treated a job. Each is read off
//! the job's row of the [`Ticks`], so it is exactly what the Gantt
//! chart shows:
//!
//! - **response** = first run − arrival: how long until the job first got
//!   the CPU (what an interactive user feels);
//! - **turnaround** = completion − arrival: how long the job was in the
//!   system in all (what a batch user feels);
//! - **wait** = the ticks the job was ready but not running (就绪 but not
//!   运行). Ticks blocked on I/O are not waiting for the CPU, so for a job
//!   without I/O, wait = turnaround − length.
//!
//! These are the definitions of OSTEP's simulators (`scheduler.py`,
//! `mlfq.py`), and so the numbers they print.

use serde::Serialize;

use crate::ticks::{JobTicks, Tick, Ticks};

/// The three measures of one job.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Measures {
    /// First run − arrival.
    pub response: u32,
    /// Completion − arrival.
    pub turnaround: u32,
    /// Ticks ready but not running.
    pub wait: u32,
}

/// The mean of each measure over all jobs.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Averages {
    /// Mean response.
    pub response: f64,
    /// Mean turnaround.
    pub turnaround: f64,
    /// Mean wait.
    pub wait: f64,
}

/// One of the three measures, by name: what `--answer` grades.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Measure {
    /// First run − arrival.
    Response,
    /// Completion − arrival.
    Turnaround,
    /// Ticks ready but not running.
    Wait,
}

impl Measure {
    /// All three, in the order they are printed.
    pub const ALL: [Measure; 3] = [Measure::Response, Measure::Turnaround, Measure::Wait];

    /// The name used in `--answer` and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Measure::Response => "response",
            Measure::Turnaround => "turnaround",
            Measure::Wait => "wait",
        }
    }

    /// This measure of a job.
    pub fn of(self, measures: &Measures) -> u32 {
        match self {
            Measure::Response => measures.response,
            Measure::Turnaround => measures.turnaround,
            Measure::Wait => measures.wait,
        }
    }
}

/// The measures of one job's row. A job that never ran (a run cut short)
/// counts as running and completing at the end of the row.
pub fn of_lane(row: &JobTicks) -> Measures {
    let end = u32::try_from(row.ticks.len()).unwrap_or(u32::MAX);
    let first_run = row.first_run().unwrap_or(end);
    let completion = row.completion().unwrap_or(end);
    Measures {
        response: first_run.saturating_sub(row.arrival),
        turnaround: completion.saturating_sub(row.arrival),
        wait: row.count(Tick::is_ready),
    }
}

/// The measures of every job, in job order.
pub fn of_run(run: &Ticks) -> Vec<Measures> {
    run.rows.iter().map(of_lane).collect()
}

/// The mean of each measure (0 for no jobs).
pub fn averages(all: &[Measures]) -> Averages {
    let mean = |measure: Measure| {
        let sum: f64 = all.iter().map(|m| f64::from(measure.of(m))).sum();
        if all.is_empty() {
            0.0
        } else {
            sum / all.len() as f64
        }
    };
    Averages {
        response: mean(Measure::Response),
        turnaround: mean(Measure::Turnaround),
        wait: mean(Measure::Wait),
    }
}
