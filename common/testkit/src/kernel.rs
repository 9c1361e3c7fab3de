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
use timeline::{LaneKind, State};

use crate::cli;

/// Runs `demo` with `args`, `--kernel on` and a trace; returns the trace.
pub fn sampled_run(demo: Command, args: &[&str]) -> Trace {
    let mut all = args.to_vec();
    all.extend(["--kernel", "on"]);
    let (_, json) = cli::traced_run(demo, &all);
    serde_json::from_value(json).expect("the trace reads back")
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
pub fn time_within(
    lane: &LaneView,
    windows: &[(f64, f64)],
) -> BTreeMap<(State, Option<String>), f64> {
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
pub fn share(
    spent: &BTreeMap<(State, Option<String>), f64>,
    keep: impl Fn(State, Option<&str>) -> bool,
) -> f64 {
    let total: f64 = spent.values().sum();
    let kept: f64 = spent
        .iter()
        .filter(|((state, note), _)| keep(*state, note.as_deref()))
        .map(|(_, ms)| ms)
        .sum();
    if total > 0.0 { kept / total } else { 0.0 }
}
