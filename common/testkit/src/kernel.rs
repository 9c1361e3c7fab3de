//! The kernel's lanes of a real run, read back: a demo binary run with
//! `--kernel on`, and how long each thread spent in which state (and which
//! system call) while its customer was in a given state.
//!
//! Sampling is a measurement, not a count: tests built on these compare
//! shares of time (a majority) over stretches of a hundred milliseconds or
//! more, never a number of samples.

use std::collections::BTreeMap;

use assert_cmd::Command;

use timeline::model::{self, LaneView};
use timeline::trace::Trace;
use timeline::{Lane, LaneKind, State};

use crate::cli;

/// Runs `demo` with `args`, `--kernel on` and a trace; returns the trace.
pub fn sampled_run(demo: Command, args: &[&str]) -> Trace {
    let mut all = args.to_vec();
    all.extend(["--kernel", "on"]);
    let (_, json) = cli::traced_run(demo, &all);
    serde_json::from_value(json).expect("the trace reads back")
}

/// Time spent in each state, with the note on it (a system call), in ms.
pub type Spent = BTreeMap<(State, Option<String>), f64>;

/// A queue: four customers 10 ms apart, one teller, 150 ms services, so
/// everyone after the first waits 140 ms or more.
pub const QUEUE: [&str; 8] = [
    "--customers",
    "4",
    "--tellers",
    "1",
    "--service",
    "150",
    "--arrival-gap",
    "10",
];

/// Runs `demo` on the [`QUEUE`] with `more` flags and `--kernel on`;
/// returns the trace and its lanes.
pub fn sampled_queue(demo: Command, more: &[&str]) -> (Trace, Vec<LaneView>) {
    let args: Vec<&str> = QUEUE.iter().chain(more).copied().collect();
    let trace = sampled_run(demo, &args);
    let lanes = lanes(&trace);
    (trace, lanes)
}

/// For each customer who spent 100 ms or more in `states` before noticing
/// their call: the label of their own thread's lane, and the time that
/// thread spent in each state (and call) meanwhile. Panics if such a
/// customer has no thread lane.
pub fn own_threads_while(
    trace: &Trace,
    lanes: &[LaneView],
    states: &[State],
) -> Vec<(String, Spent)> {
    let mut out = Vec::new();
    for c in &trace.customers {
        let Some(row) = lanes.iter().find(|l| l.lane == Lane::Customer(c.id)) else {
            continue;
        };
        let until = c.noticed_ms.unwrap_or(f64::INFINITY);
        let waits: Vec<(f64, f64)> = stretches_in(row, states)
            .into_iter()
            .map(|(a, b)| (a, b.min(until)))
            .filter(|(a, b)| b > a)
            .collect();
        if waits.iter().map(|(a, b)| b - a).sum::<f64>() < 100.0 {
            continue;
        }
        let label = format!("{}'s thread", c.name);
        let thread =
            lane(lanes, LaneKind::Thread, &label).unwrap_or_else(|| panic!("no lane {label:?}"));
        let spent = time_within(thread, &waits);
        out.push((label, spent));
    }
    out
}

/// Every lane of `trace`, as the pictures see them.
pub fn lanes(trace: &Trace) -> Vec<LaneView> {
    model::lanes(trace)
}

/// The lane labelled `label`, of `kind`.
pub fn lane<'a>(lanes: &'a [LaneView], kind: LaneKind, label: &str) -> Option<&'a LaneView> {
    lanes
        .iter()
        .find(|l| l.lane.kind() == kind && l.label == label)
}

/// Where `lane` was in any of `states`, as `(start, end)` ms.
pub fn stretches_in(lane: &LaneView, states: &[State]) -> Vec<(f64, f64)> {
    lane.segments
        .iter()
        .filter(|s| states.contains(&s.state))
        .map(|s| (s.start_ms, s.end_ms))
        .collect()
}

/// How long `lane` spent in each state, with the note on it (a system
/// call), within `windows`: `(state, note) → ms`.
pub fn time_within(lane: &LaneView, windows: &[(f64, f64)]) -> Spent {
    let mut spent = BTreeMap::new();
    for s in &lane.segments {
        let inside: f64 = windows
            .iter()
            .map(|&(a, b)| (s.end_ms.min(b) - s.start_ms.max(a)).max(0.0))
            .sum();
        if inside > 0.0 {
            let note = lane.note_on(s).map(str::to_owned);
            *spent.entry((s.state, note)).or_insert(0.0) += inside;
        }
    }
    spent
}

/// The share of the time in `spent` that `keep` says yes to (0 for none).
pub fn share(spent: &Spent, keep: impl Fn(State, Option<&str>) -> bool) -> f64 {
    let total: f64 = spent.values().sum();
    let kept: f64 = spent
        .iter()
        .filter(|((state, note), _)| keep(*state, note.as_deref()))
        .map(|(_, ms)| ms)
        .sum();
    if total > 0.0 { kept / total } else { 0.0 }
}
