//! The figures of a run, computed from its records (its customers' visits,
//! its tellers' days, its moments), so that a trace file from any build
//! gets them when read.
//!
//! The customer's view, the lecture's:
//!
//! - turnaround = leave − arrive: the customer's whole business, errand included;
//! - lost = the time from arrival to `DONE` spent neither on the errand nor
//!   at the counter (where the two overlap, as when async-nonblocking's
//!   errand runs on at the counter, that time is counted once);
//! - response = the first call − arrive; wait = all the time in line:
//!   called − arrive, and each `PAUSE` to the next call (without a `PAUSE`,
//!   the response); errand while waiting = errand done in line, from the
//!   ticket on.
//!
//! The tellers' view:
//!
//! - makespan = the last `DONE`; the tellers' efficiency = ideal makespan / makespan;
//! - reaction = at_counter − called, for every call;
//! - the teller loss: where their time beyond the services asked went
//!   ([`teller_loss`]).
//!
//! With computed errands ([`Computing`]): CPUs at once = the customers' CPU
//! time / the run's wall time (above 1 only in parallel, 并行), and the time
//! errands waited for a CPU = their stretches' wall time − their CPU time
//! (就绪, ready).

pub mod span;
pub mod teller_loss;

use std::collections::HashMap;

use crate::model;
use crate::scenario::ErrandWork;
use crate::trace::{CustomerRecord, Metrics, Outcome, ProcessFigures, Trace};
use span::Span;

/// Computes the metrics of a run from the records of `trace` (its scenario,
/// customers, tellers and events; its own `metrics` are not read), against
/// the ideal makespan, with the process figures measured around it.
pub fn compute(trace: &Trace, ideal_makespan_ms: f64, process: ProcessFigures) -> Metrics {
    let customers = &trace.customers;
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
        mean_lost_ms: mean_lost_ms(trace),
        teller_loss: Some(teller_loss::of_run(trace, makespan_ms)),
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

/// Gives a trace read from a file the figures its build did not compute
/// (the time lost and the teller loss came later), from its records. A
/// trace that has them, or has no records to compute them from (a brief
/// one), is left as it is.
pub fn fill_in(trace: &mut Trace) {
    if trace.metrics.teller_loss.is_some() || trace.customers.is_empty() {
        return;
    }
    trace.metrics.mean_lost_ms = mean_lost_ms(trace);
    trace.metrics.teller_loss = Some(teller_loss::of_run(trace, trace.metrics.makespan_ms));
}

/// The mean, over the served, of the time each lost: see the module's header.
fn mean_lost_ms(trace: &Trace) -> f64 {
    let errands: HashMap<u32, Vec<(f64, f64)>> = model::errands(&trace.events);
    mean(
        trace
            .customers
            .iter()
            .filter(|c| c.outcome == Outcome::Served)
            .filter_map(|c| lost_ms(c, errands.get(&c.id).map_or(&[], Vec::as_slice))),
    )
}

/// The time `c` spent in the bank neither on an errand (`errands`) nor at
/// the counter, from arrival to `DONE`; `None` for a visit that has no
/// such window.
fn lost_ms(c: &CustomerRecord, errands: &[(f64, f64)]) -> Option<f64> {
    let window = Span::of_ms(c.arrive_ms?, c.done_ms?);
    let busy = span::union(
        errands
            .iter()
            .map(|&(a, b)| Span::of_ms(a, b))
            .chain(at_counter(c)),
        window,
    );
    Some(span::ms(window.duration() - span::covered(&busy)))
}

/// The stretches in which `c` waited to be called: from arrival to the
/// first call, and from each `PAUSE` to the next call; the last one, of a
/// customer never called (again), to leaving (or for ever).
fn waiting(c: &CustomerRecord) -> Vec<Span> {
    let Some(arrive) = c.arrive_ms else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut back = Some(arrive);
    for call in &c.calls {
        if let Some(from) = back {
            out.push(Span::of_ms(from, call.called_ms));
        }
        back = call.end_ms.filter(|_| call.paused);
    }
    if let Some(from) = back {
        out.push(Span::of_ms(from, c.leave_ms.unwrap_or(f64::INFINITY)));
    }
    out
}

/// The stretches `c` spent at the counter: each turn's `HERE` to its
/// `PAUSE` or `DONE` (or to leaving, for a turn cut short).
fn at_counter(c: &CustomerRecord) -> Vec<Span> {
    c.calls
        .iter()
        .filter_map(|call| {
            Some(Span::of_ms(
                call.at_counter_ms?,
                call.end_ms.or(c.leave_ms)?,
            ))
        })
        .collect()
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

    use proptest::prelude::*;

    use crate::scenario::Generate;
    use crate::{Event, Kind, Lane, Style};

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
            errand_cpu_ms: None,
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

    /// A trace of `customers` (each asking `service_ms`) at `tellers`
    /// tellers, whose days are rebuilt from the visits, with `events`.
    fn trace_of(
        customers: Vec<CustomerRecord>,
        service_ms: f64,
        tellers: u32,
        events: Vec<Event>,
    ) -> Trace {
        let mut scenario = Generate {
            customers: u32::try_from(customers.len()).unwrap_or(u32::MAX),
            tellers,
            ..Generate::default()
        }
        .scenario();
        for c in &mut scenario.customers {
            c.service_ms = service_ms;
        }
        let tellers = model::tellers(&scenario, &customers, &events);
        Trace::of_records(
            Style::SyncBlocking,
            true,
            scenario,
            customers,
            tellers,
            events,
        )
    }

    /// An errand of `customer` from `from_ms` to `to_ms`, as recorded: at its end.
    fn errand(customer: u32, from_ms: u64, to_ms: u64) -> Event {
        Event {
            t_us: to_ms * 1000,
            lane: Lane::Customer(customer),
            kind: Kind::Errand {
                dur_us: (to_ms - from_ms) * 1000,
                cpu_us: None,
            },
            thread: 0,
        }
    }

    #[test]
    fn figures_follow_their_definitions() {
        let mut gone = visit(2, 0.0, 0.0, 0.0, 0.0);
        gone.outcome = Outcome::Abandoned;
        gone.teller = None;
        let trace = trace_of(
            vec![
                visit(0, 0.0, 0.0, 2.0, 402.0),
                visit(1, 100.0, 402.0, 406.0, 806.0),
                gone,
            ],
            400.0,
            1,
            // Customer 1 is on an errand from 150 to 300 while in line.
            vec![errand(1, 150, 300)],
        );
        let m = compute(&trace, 800.0, ProcessFigures::default());
        assert_eq!(m.makespan_ms, 806.0);
        assert!((m.efficiency - 800.0 / 806.0).abs() < 1e-12);
        assert_eq!(m.mean_wait_ms, 151.0);
        assert_eq!(m.mean_reaction_ms, 3.0);
        assert_eq!(m.max_reaction_ms, 4.0);
        assert_eq!(m.polls, 6, "the abandoned customer's looks count too");
        assert_eq!((m.served, m.abandoned), (2, 1));
        assert_eq!(m.mean_turnaround_ms, (412.0 + 716.0) / 2.0);
        assert_eq!(m.mean_response_ms, Some(m.mean_wait_ms), "one call each");
        // Lost: 2 ms (arrival to HERE) for the first; for the second, 306 ms
        // from arrival to HERE, less the errand's 150.
        assert_eq!(m.mean_lost_ms, (2.0 + 156.0) / 2.0);
        let loss = m.teller_loss.expect("measured");
        assert_eq!(loss.total_ms, 806.0 - 800.0);
        assert_eq!(loss.reaction_ms, 2.0 + 4.0);
        assert_eq!(loss.overrun_ms, 0.0);
        assert_eq!(loss.gap_ms + loss.idle_ms, 0.0);
    }

    #[test]
    fn an_errand_that_runs_on_at_the_counter_is_not_counted_twice() {
        // Errand from arrival (0) to 700, over the whole visit (called at
        // 100, at the counter from 101 to 501): nothing was lost.
        let trace = trace_of(
            vec![visit(0, 0.0, 100.0, 101.0, 501.0)],
            400.0,
            1,
            vec![errand(0, 0, 700)],
        );
        assert_eq!(mean_lost_ms(&trace), 0.0);
        // Without the errand, all but the counter was lost: 101 ms.
        let idle = trace_of(vec![visit(0, 0.0, 100.0, 101.0, 501.0)], 400.0, 1, vec![]);
        assert_eq!(mean_lost_ms(&idle), 101.0);
    }

    #[test]
    fn a_trace_without_the_newer_figures_gets_them_and_a_brief_one_is_left_alone() {
        let mut old = trace_of(vec![visit(0, 0.0, 10.0, 12.0, 412.0)], 400.0, 1, vec![]);
        old.metrics.makespan_ms = 412.0;
        fill_in(&mut old);
        assert_eq!(old.metrics.mean_lost_ms, 12.0);
        let loss = old.metrics.teller_loss.clone().expect("filled in");
        assert_eq!(loss.reaction_ms, 2.0);
        // Filled in once: figures already there are kept as they are.
        old.metrics.mean_lost_ms = 99.0;
        fill_in(&mut old);
        assert_eq!(old.metrics.mean_lost_ms, 99.0);
        let mut brief = old.clone();
        brief.customers.clear();
        brief.metrics.teller_loss = None;
        fill_in(&mut brief);
        assert_eq!(
            brief.metrics.teller_loss, None,
            "nothing to compute it from"
        );
    }

    /// A scene at `tellers` tellers, first come first served, with a
    /// `(arrival gap, overrun, reaction, gap before the call)` per customer
    /// in whole µs, each asking 1 ms, as the bank would have served them.
    fn served_scene(tellers: u32, visits: &[(u32, u32, u32, u32)]) -> Trace {
        let ms = |us: u64| us as f64 / 1000.0;
        let mut free = vec![0u64; tellers as usize];
        let mut arrive = 0u64;
        let mut customers = Vec::new();
        for (id, &(gap_in, overrun, reaction, gap)) in (0u32..).zip(visits) {
            arrive += u64::from(gap_in);
            let (i, at) = free
                .iter()
                .copied()
                .enumerate()
                .min_by_key(|&(_, at)| at)
                .expect("a teller");
            let called = at.max(arrive) + u64::from(gap);
            let here = called + u64::from(reaction);
            let done = here + 1000 + u64::from(overrun);
            free[i] = done;
            let mut c = visit(id, ms(arrive), ms(called), ms(here), ms(done));
            c.teller = Some(i as u32 + 1);
            c.calls[0].teller = i as u32 + 1;
            customers.push(c);
        }
        trace_of(customers, 1.0, tellers, vec![])
    }

    proptest! {
        #[test]
        fn the_four_parts_add_up_to_the_total_to_the_microsecond(
            tellers in 1u32..5,
            visits in prop::collection::vec(
                (0u32..3000, 0u32..500, 0u32..800, 0u32..300),
                1..40,
            ),
        ) {
            let trace = served_scene(tellers, &visits);
            let m = compute(&trace, 0.0, ProcessFigures::default());
            let loss = m.teller_loss.expect("measured");
            let parts = [loss.overrun_ms, loss.reaction_ms, loss.gap_ms, loss.idle_ms];
            let sum: i64 = parts.iter().map(|&p| span::us(p)).sum();
            prop_assert_eq!(sum, span::us(loss.total_ms));
            prop_assert_eq!(
                span::us(loss.total_ms),
                i64::from(tellers) * span::us(m.makespan_ms) - 1000 * visits.len() as i64
            );
            prop_assert!(parts.iter().all(|&p| p >= 0.0), "{:?}", loss);
            let overrun: i64 = visits.iter().map(|v| i64::from(v.1)).sum();
            let reaction: i64 = visits.iter().map(|v| i64::from(v.2)).sum();
            let gap: i64 = visits.iter().map(|v| i64::from(v.3)).sum();
            prop_assert_eq!(span::us(loss.overrun_ms), overrun);
            prop_assert_eq!(span::us(loss.reaction_ms), reaction);
            prop_assert!(span::us(loss.gap_ms) >= gap, "every gap before a call is in: {:?}", loss);
            let calls = loss.reaction_arriving.calls + loss.reaction_after.calls;
            prop_assert_eq!(calls as usize, visits.len());
        }
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
        let mut trace = Trace::of_records(
            crate::style::Style::SyncBlocking,
            true,
            crate::scenario::Generate::default().scenario(),
            customers,
            Vec::new(),
            Vec::new(),
        );
        trace.metrics = compute(&trace, 800.0, process);
        assert_eq!(Computing::of(&trace), None, "errands that slept");

        trace.scenario.errand_work = ErrandWork::Cpu;
        let c = Computing::of(&trace).expect("computed errands");
        assert_eq!(c.wall_ms, 1000.0, "to the last leave, past the makespan");
        assert_eq!(c.cpus_at_once(), 1.6);
        assert_eq!((c.errand_cpu_ms, c.errand_wall_ms), (450.0, 550.0));
        assert_eq!(c.errands_waited_ms(), 100.0);
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
        let trace = trace_of(vec![sliced], 200.0, 1, vec![]);
        let m = compute(&trace, 400.0, ProcessFigures::default());
        assert_eq!(m.mean_response_ms, Some(10.0));
        assert_eq!(m.mean_wait_ms, 200.0, "in line before each call");
        assert_eq!(
            m.mean_reaction_ms, 20.0,
            "0 and 40 ms: every call costs one"
        );
        assert_eq!(m.max_reaction_ms, 40.0);
        // At the counter 10-110 and 340-440, nothing else: in line or
        // called the rest of the way to DONE.
        assert_eq!(m.mean_lost_ms, 440.0 - 200.0);
        // The teller's 440 ms less the 200 asked: waiting from the PAUSE
        // to the next call is a gap (someone waited), its call a reaction.
        let loss = m.teller_loss.expect("measured");
        assert_eq!(loss.total_ms, 240.0);
        assert_eq!(loss.reaction_ms, 40.0);
        assert_eq!(loss.gap_ms, 10.0 + 190.0);
        assert_eq!(loss.overrun_ms + loss.idle_ms, 0.0);
    }
}
