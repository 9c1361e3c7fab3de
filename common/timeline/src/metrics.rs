//! The figures of a run, computed from its customer records.
//!
//! - wait = called − arrive; reaction = at_counter − called;
//! - errand while waiting = errand done between the ticket and the call;
//! - makespan = the last `DONE`; efficiency = ideal makespan / makespan;
//! - turnaround = leave − arrive: the customer's whole business, errand included;
//! - with computed errands ([`Computing`]): CPUs at once = the customers' CPU
//!   time / the run's wall time (above 1 only in parallel, 并行), and the
//!   time errands waited for a CPU = their stretches' wall time − their CPU
//!   time (就绪, ready).

use crate::scenario::ErrandWork;
use crate::trace::{CustomerRecord, Metrics, Outcome, ProcessFigures, Trace};

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

/// What a run whose errands were computed (`--errand-work cpu`) did with
/// the CPUs: how many it kept busy at once, and how long its errands waited
/// for one. Every figure is read from the system: the CPU times from the
/// kernel's clocks (`getrusage`, each thread's CPU clock), the wall times
/// from the run's clock.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Computing {
    /// The customers' CPU time ([`ProcessFigures::cpu_ms`]).
    pub cpu_ms: f64,
    /// The run on the wall clock: from its start to the last customer's
    /// leave (the errands after the bank included, unlike the makespan).
    pub wall_ms: f64,
    /// The errands' CPU time in all, from their threads' CPU clocks.
    pub errand_cpu_ms: f64,
    /// The errands' stretches on the wall clock, in all.
    pub errand_wall_ms: f64,
}

impl Computing {
    /// The figures of `trace`, if its errands were computed.
    pub fn of(trace: &Trace) -> Option<Computing> {
        if trace.scenario.errand_work != ErrandWork::Cpu {
            return None;
        }
        let customers = &trace.customers;
        let last_leave = customers
            .iter()
            .filter_map(|c| c.leave_ms)
            .fold(0.0, f64::max);
        Some(Computing {
            cpu_ms: trace.metrics.process.cpu_ms(),
            wall_ms: last_leave.max(trace.metrics.makespan_ms),
            errand_cpu_ms: customers.iter().filter_map(|c| c.errand_cpu_ms).sum(),
            errand_wall_ms: customers
                .iter()
                .filter(|c| c.errand_cpu_ms.is_some())
                .map(|c| c.errand_ms)
                .sum(),
        })
    }

    /// CPUs busy at once, on average: CPU time / wall time. One thread can
    /// keep at most one CPU busy, so above 1 is parallelism (并行): threads
    /// computing at the same instant, on different cores.
    pub fn cpus_at_once(&self) -> f64 {
        if self.wall_ms > 0.0 {
            self.cpu_ms / self.wall_ms
        } else {
            0.0
        }
    }

    /// How long the errands, while under way, waited for a CPU (or were
    /// interrupted): their wall time less their CPU time. More computing
    /// threads than cores make it grow: each is ready (就绪) for part of
    /// the time, not running.
    pub fn errands_waited_ms(&self) -> f64 {
        (self.errand_wall_ms - self.errand_cpu_ms).max(0.0)
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
            errand_cpu_ms: None,
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

    #[test]
    fn computing_figures_come_only_with_computed_errands() {
        let mut first = visit(0, 0.0, 0.0, 2.0, 402.0);
        first.errand_ms = 300.0;
        first.errand_cpu_ms = Some(200.0);
        let mut second = visit(1, 100.0, 402.0, 406.0, 806.0);
        second.leave_ms = Some(1000.0);
        second.errand_ms = 250.0;
        second.errand_cpu_ms = Some(250.0);
        let customers = vec![first, second];
        let process = ProcessFigures {
            cpu_user_ms: 1500.0,
            cpu_sys_ms: 100.0,
            ..ProcessFigures::default()
        };
        let mut trace = Trace {
            schema: crate::trace::SCHEMA.to_owned(),
            complete: true,
            style: crate::style::Style::SyncBlocking,
            scenario: crate::scenario::Generate::default().scenario(),
            metrics: compute(&customers, 800.0, process),
            customers,
            tellers: Vec::new(),
            events: Vec::new(),
            lanes: Vec::new(),
        };
        assert_eq!(Computing::of(&trace), None, "errands that slept");

        trace.scenario.errand_work = ErrandWork::Cpu;
        let c = Computing::of(&trace).expect("computed errands");
        assert_eq!(c.wall_ms, 1000.0, "to the last leave, past the makespan");
        assert_eq!(c.cpus_at_once(), 1.6);
        assert_eq!((c.errand_cpu_ms, c.errand_wall_ms), (450.0, 550.0));
        assert_eq!(c.errands_waited_ms(), 100.0);
    }
}
