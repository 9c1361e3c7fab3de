//! The figures of a run, computed from its customer records.
//!
//! - response = the first call − arrive; wait = all the time in line:
//!   called − arrive, and each `PAUSE` to the next call (without a `PAUSE`,
//!   the response); reaction = at_counter − called, for every call;
//! - errand while waiting = errand done in line, from the ticket on;
//! - makespan = the last `DONE`; efficiency = ideal makespan / makespan;
//! - turnaround = leave − arrive: the customer's whole business, errand included.

use crate::trace::{CustomerRecord, Metrics, Outcome, ProcessFigures};

/// Computes the metrics of a run.
pub fn compute(
    customers: &[CustomerRecord],
    ideal_makespan_ms: f64,
    process: ProcessFigures,
) -> Metrics {
    let served: Vec<&CustomerRecord> = customers
        .iter()
        .filter(|c| c.outcome == Outcome::Served)
        .collect();
    let makespan_ms = served.iter().filter_map(|c| c.done_ms).fold(0.0, f64::max);
    let reactions: Vec<f64> = served
        .iter()
        .flat_map(|c| c.calls.iter().filter_map(|call| call.reaction_ms()))
        .collect();
    Metrics {
        makespan_ms,
        ideal_makespan_ms,
        efficiency: if makespan_ms > 0.0 {
            ideal_makespan_ms / makespan_ms
        } else {
            0.0
        },
        mean_wait_ms: mean(served.iter().filter_map(|c| c.wait_ms)),
        mean_response_ms: Some(mean(served.iter().filter_map(|c| c.response_ms))),
        mean_reaction_ms: mean(reactions.iter().copied()),
        max_reaction_ms: reactions.iter().copied().fold(0.0, f64::max),
        errand_while_waiting_ms: mean(served.iter().map(|c| c.errand_while_waiting_ms)),
        mean_turnaround_ms: mean(served.iter().filter_map(|c| c.turnaround_ms)),
        polls: customers.iter().map(|c| c.polls).sum(),
        served: count(served.len()),
        abandoned: count(customers.len() - served.len()),
        process,
    }
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = values.fold((0.0, 0u32), |(s, n), v| (s + v, n + 1));
    if n == 0 { 0.0 } else { sum / f64::from(n) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::CallRecord;

    fn visit(id: u32, arrive: f64, called: f64, here: f64, done: f64) -> CustomerRecord {
        let mut record = CustomerRecord {
            id,
            name: format!("c{id}"),
            ticket: Some(u64::from(id) + 1),
            arrive_ms: Some(arrive),
            called_ms: Some(called),
            noticed_ms: Some(called),
            at_counter_ms: Some(here),
            done_ms: Some(done),
            leave_ms: Some(done + 10.0),
            teller: Some(1),
            polls: 2,
            errand_ms: 30.0,
            errand_while_waiting_ms: 20.0,
            outcome: Outcome::Served,
            calls: Vec::new(),
            response_ms: None,
            wait_ms: None,
            turnaround_ms: None,
        };
        record.fill_in();
        record
    }

    #[test]
    fn figures_follow_their_definitions() {
        let mut gone = visit(2, 0.0, 0.0, 0.0, 0.0);
        gone.outcome = Outcome::Abandoned;
        let m = compute(
            &[
                visit(0, 0.0, 0.0, 2.0, 402.0),
                visit(1, 100.0, 402.0, 406.0, 806.0),
                gone,
            ],
            800.0,
            ProcessFigures::default(),
        );
        assert_eq!(m.makespan_ms, 806.0);
        assert!((m.efficiency - 800.0 / 806.0).abs() < 1e-12);
        assert_eq!(m.mean_wait_ms, 151.0);
        assert_eq!(m.mean_reaction_ms, 3.0);
        assert_eq!(m.max_reaction_ms, 4.0);
        assert_eq!(m.polls, 6, "the abandoned customer's looks count too");
        assert_eq!((m.served, m.abandoned), (2, 1));
        assert_eq!(m.mean_turnaround_ms, (412.0 + 716.0) / 2.0);
        assert_eq!(m.mean_response_ms, Some(m.mean_wait_ms), "one call each");
    }

    #[test]
    fn a_visit_in_slices_waits_between_them_and_reacts_to_each_call() {
        // Called at 10, served 10-110, PAUSE; called again at 300, at the
        // counter at 340, DONE at 440.
        let mut sliced = visit(0, 0.0, 10.0, 10.0, 440.0);
        let call = |called_ms, at: f64, end, paused| CallRecord {
            teller: 1,
            called_ms,
            noticed_ms: Some(at),
            at_counter_ms: Some(at),
            end_ms: Some(end),
            paused,
        };
        sliced.calls = vec![
            call(10.0, 10.0, 110.0, true),
            call(300.0, 340.0, 440.0, false),
        ];
        sliced.wait_ms = Some(10.0 + 190.0);
        let m = compute(&[sliced], 400.0, ProcessFigures::default());
        assert_eq!(m.mean_response_ms, Some(10.0));
        assert_eq!(m.mean_wait_ms, 200.0, "in line before each call");
        assert_eq!(
            m.mean_reaction_ms, 20.0,
            "0 and 40 ms: every call costs one"
        );
        assert_eq!(m.max_reaction_ms, 40.0);
    }
}
