//! The figures of a run, computed from its customer records.
//!
//! - wait = called − arrive; reaction = at_counter − called;
//! - errand while waiting = errand done between the ticket and the call;
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
    let reactions: Vec<f64> = served.iter().filter_map(|c| c.reaction_ms()).collect();
    Metrics {
        makespan_ms,
        ideal_makespan_ms,
        efficiency: if makespan_ms > 0.0 {
            ideal_makespan_ms / makespan_ms
        } else {
            0.0
        },
        mean_wait_ms: mean(served.iter().filter_map(|c| c.wait_ms())),
        mean_reaction_ms: mean(reactions.iter().copied()),
        max_reaction_ms: reactions.iter().copied().fold(0.0, f64::max),
        errand_while_waiting_ms: mean(served.iter().map(|c| c.errand_while_waiting_ms)),
        mean_turnaround_ms: mean(
            served
                .iter()
                .filter_map(|c| Some(c.leave_ms? - c.arrive_ms?)),
        ),
        polls: customers.iter().map(|c| c.polls).sum(),
        served: count(served.len()),
        abandoned: count(customers.len() - served.len()),
        process,
        sampler: None,
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

    fn visit(id: u32, arrive: f64, called: f64, here: f64, done: f64) -> CustomerRecord {
        CustomerRecord {
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
        }
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
    }
}
