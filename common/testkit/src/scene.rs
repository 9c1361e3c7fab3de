//! A style run in this process on a small, sped-up scene, and the checks
//! every style must pass.
//!
//! Every run records with its own recorder (installed with `with_default`,
//! never globally), so tests can run side by side. Bounds on times carry
//! generous slack: these tests run on loaded 2-core machines.

use std::collections::{BTreeSet, HashMap};
use std::net::SocketAddr;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

use scene::demo::{self, Customers, Run};
use timeline::scenario::{ErrandWork, Generate, PolicyKind, Scenario, ServiceTime, Slices};
use timeline::style::Style;
use timeline::trace::{CustomerRecord, Outcome, Trace};
use timeline::{Kind, Lane};

/// The lecture scene (6 customers, 2 tellers, 400 ms service, 100 ms apart,
/// 1 s errands, looks every 150 ms), run 4 times faster: about half a second.
pub fn lecture_scene() -> Scenario {
    Generate::default().scenario().speed_up(4.0)
}

/// A scene of `customers` arriving 5 ms apart, 2 tellers, 30 ms service,
/// 100 ms errands.
pub fn crowd(customers: u32) -> Scenario {
    Generate {
        customers,
        tellers: 2,
        service: ServiceTime::Fixed(30.0),
        arrival_gap_ms: 5.0,
        errand_ms: 100.0,
        poll_every_ms: 20.0,
        seed: 1,
    }
    .scenario()
}

/// `scenario` with its errands computed (`--errand-work cpu`), yielding
/// every `yield_every_ms` of CPU time in the async styles (0: never).
pub fn computed(mut scenario: Scenario, yield_every_ms: f64) -> Scenario {
    scenario.errand_work = ErrandWork::Cpu;
    scenario.yield_every_ms = yield_every_ms;
    scenario
}

/// Longest a test run may take before the whole test process gives up: a
/// lost ticket must fail the suite, not hang it.
const WATCHDOG: Duration = Duration::from_secs(120);

/// Runs `customers` (the way `style` waits) on `scenario` against a bank
/// started in this process.
pub fn run(style: Style, customers: Customers, scenario: Scenario) -> Run {
    run_at(style, customers, scenario, None)
}

/// Runs `style` on `scenario` against the bank at `bank`, which the run does
/// not record: it sees the customers' side only, as against a bank in
/// another process.
pub fn run_against(
    style: Style,
    customers: Customers,
    scenario: Scenario,
    bank: SocketAddr,
) -> Run {
    run_at(style, customers, scenario, Some(bank))
}

/// Runs `style` on `scenario`, against `bank` or one of its own; the
/// watchdog ends the test process if the run never ends.
fn run_at(style: Style, customers: Customers, scenario: Scenario, bank: Option<SocketAddr>) -> Run {
    let (finished, watch) = mpsc::channel::<()>();
    std::thread::spawn(move || {
        if let Err(RecvTimeoutError::Timeout) = watch.recv_timeout(WATCHDOG) {
            eprintln!("{style}: the run did not finish within {WATCHDOG:?}; giving up");
            std::process::exit(101);
        }
    });
    let run = demo::run_recorded(style, customers, scenario, bank)
        .expect("the bank and the customers can start on loopback");
    drop(finished);
    assert!(
        run.failures.is_empty(),
        "{style}: visits failed: {:?}",
        run.failures
    );
    run
}

/// What every style must get right, whatever its way of waiting, in a
/// scene under first come, first served.
pub fn check_every_visit(trace: &Trace) {
    let style = trace.style;
    check_served_once_in_full(trace);

    // FCFS: the calls go out in ticket order.
    let mut by_call: Vec<_> = trace
        .customers
        .iter()
        .map(|c| (c.called_ms.unwrap_or(f64::NAN), c.ticket.unwrap_or(0)))
        .collect();
    by_call.sort_by(|a, b| a.0.total_cmp(&b.0));
    let tickets: Vec<u64> = by_call.iter().map(|(_, t)| *t).collect();
    assert!(
        tickets.windows(2).all(|w| w[0] < w[1]),
        "{style}: calls in ticket order, got {tickets:?}"
    );

    // The figures agree with the records.
    let m = &trace.metrics;
    assert_eq!(m.served as usize, trace.customers.len());
    assert_eq!(m.abandoned, 0);
    assert!(m.ideal_makespan_ms > 0.0 && m.makespan_ms >= m.ideal_makespan_ms * 0.99);
    assert!(
        m.efficiency > 0.0 && m.efficiency <= 1.01,
        "{style}: tellers' efficiency {}",
        m.efficiency
    );
    assert!(m.process.threads_peak >= 1);
    // The customer's time lost is part of the time from arrival to HERE.
    assert!(
        m.mean_lost_ms >= 0.0 && m.mean_lost_ms <= m.mean_wait_ms + m.mean_reaction_ms + 0.01,
        "{style}: lost {} of wait {} + reaction {}",
        m.mean_lost_ms,
        m.mean_wait_ms,
        m.mean_reaction_ms
    );
    // Where the tellers' time went: four parts that add up to the total,
    // to the microsecond, on a real run.
    let loss = m.teller_loss.as_ref().expect("measured from the records");
    let us = timeline::metrics::span::us;
    let parts = [loss.overrun_ms, loss.reaction_ms, loss.gap_ms, loss.idle_ms];
    assert_eq!(
        parts.iter().map(|&p| us(p)).sum::<i64>(),
        us(loss.total_ms),
        "{style}: {loss:?}"
    );
    assert!(
        parts[1..].iter().all(|&p| p >= 0.0),
        "{style}: only the overrun could be negative: {loss:?}"
    );
    let calls = loss.reaction_arriving.calls + loss.reaction_after.calls;
    assert_eq!(
        calls as usize,
        trace.customers.len(),
        "{style}: a call each"
    );
}

/// Every customer served exactly once, their times in order, and served in
/// full: the turns at the counter (one, or one per slice) add up to the
/// service asked, and every turn but the last ended with `PAUSE`.
fn check_served_once_in_full(trace: &Trace) {
    let style = trace.style;
    assert!(trace.complete, "{style}: the run is complete");
    assert_eq!(trace.customers.len(), trace.scenario.customers.len());

    // Served exactly once each.
    let mut served: HashMap<u32, u32> = HashMap::new();
    for e in &trace.events {
        if let (Lane::Customer(id), Kind::Served { .. }) = (e.lane, &e.kind) {
            *served.entry(id).or_default() += 1;
        }
    }
    for c in &trace.customers {
        assert_eq!(c.outcome, Outcome::Served, "{style}: {} is served", c.name);
        assert_eq!(
            served.get(&c.id),
            Some(&1),
            "{style}: {} served once",
            c.name
        );
    }

    // arrive ≤ called ≤ at_counter ≤ done ≤ leave.
    for c in &trace.customers {
        let times = [
            c.arrive_ms,
            c.called_ms,
            c.at_counter_ms,
            c.done_ms,
            c.leave_ms,
        ];
        let times: Vec<f64> = times
            .iter()
            .map(|t| t.unwrap_or_else(|| panic!("{style}: {} has every time: {times:?}", c.name)))
            .collect();
        assert!(
            times.windows(2).all(|w| w[0] <= w[1]),
            "{style}: {} arrive ≤ called ≤ at_counter ≤ done ≤ leave: {times:?}",
            c.name
        );
        // The teller waits for HERE each time, then serves: all of the
        // service, in one turn or several.
        let turns: f64 = c.calls.iter().filter_map(|call| call.served_ms()).sum();
        let asked = trace.scenario.customers[c.id as usize].service_ms;
        assert!(
            turns >= asked * 0.99,
            "{style}: {} served {turns} of {asked} ms",
            c.name
        );
        let paused: Vec<bool> = c.calls.iter().map(|call| call.paused).collect();
        assert!(
            paused
                .split_last()
                .is_some_and(|(last, before)| !last && before.iter().all(|&p| p)),
            "{style}: {} paused after every turn but the last: {paused:?}",
            c.name
        );
    }
}

/// How much longer than its slice a turn may last, measured from the
/// bank's `HERE` to its `PAUSE`: the teller's deadline is precise, but on a
/// loaded machine its thread may run late. (That a turn is no longer than
/// the policy grants is checked exactly by counting the turns.)
const SLICE_SLACK_MS: f64 = 200.0;

/// Runs `customers` (the way `style` waits) under each policy on a small
/// scene of one teller, and checks from the trace what the policy promises:
/// calls in its order, turns no longer than its slices (plus slack), every
/// customer served once with all their service, and every `PAUSE` handled
/// in the style's way (noticed on the customer's lane, then a wait, a call
/// and a `HERE` again). Every check is on orders and counts, or on bounds
/// that a late thread cannot break.
pub fn check_policies(style: Style, customers: Customers) {
    use PolicyKind::*;
    // Two come while the first is at the counter for 150 ms: FCFS calls
    // them in the order they came, SJF the shorter first.
    let three = [(0, 150), (5, 45), (10, 30)];
    for policy in [Fcfs, Sjf] {
        let trace = run(style, customers, jobs(policy, None, 1, &three)).trace;
        check_served_once_in_full(&trace);
        check_calls_in_the_policys_order(&trace);
        if policy == Sjf {
            check_shortest_first(&trace);
        }
    }

    // Round robin, slices of 50 ms: 100, 50 and 60 ms, all there before the
    // first slice ends; the calls go round and round.
    let quantum = 50.0;
    let slices = Slices::of(Rr, Some(quantum), None, None).expect("rr takes a quantum");
    let rr = [(0, 100), (2, 50), (4, 60)];
    let trace = run(style, customers, jobs(Rr, slices, 1, &rr)).trace;
    check_served_once_in_full(&trace);
    check_pauses_handled(&trace);
    check_calls_in_the_policys_order(&trace);
    let turns: Vec<usize> = trace.customers.iter().map(|c| c.calls.len()).collect();
    assert_eq!(turns, [2, 1, 2], "{style} under rr: a turn per slice begun");
    check_turns_at_most(&trace, |_| quantum);

    // MLFQ, slices of 100 and 200 ms: the long customer is in its second
    // queue's slice (from 100 ms on) when the short one walks in (at 150 ms),
    // and is paused for them.
    let quantum = 100.0;
    let slices = Slices::of(Mlfq, Some(quantum), Some(2), None).expect("mlfq");
    let mlfq = [(0, 350), (150, 30)];
    let trace = run(style, customers, jobs(Mlfq, slices, 1, &mlfq)).trace;
    check_served_once_in_full(&trace);
    check_pauses_handled(&trace);
    check_turns_at_most(&trace, |first| if first { quantum } else { 2.0 * quantum });
    let (long, short) = (&trace.customers[0], &trace.customers[1]);
    let newcomer_called = short.called_ms.unwrap_or(f64::NAN);
    // The long customer's turn under way when the newcomer walked in.
    let cut = long
        .calls
        .iter()
        .rfind(|call| call.called_ms < newcomer_called)
        .unwrap_or_else(|| panic!("{style}: the long customer came first"));
    // Without the newcomer taking the counter, their call would have waited
    // for the end of that turn's whole slice: a deadline never comes early.
    let slice_end = cut.at_counter_ms.unwrap_or(0.0) + 2.0 * quantum;
    assert!(
        cut.paused && cut.end_ms.is_some_and(|end| end < slice_end) && newcomer_called < slice_end,
        "{style} under mlfq: the newcomer's call cut a turn of the second queue short: \
         {cut:?}, the newcomer called at {newcomer_called}"
    );
    assert!(
        short.done_ms < long.done_ms,
        "{style} under mlfq: the newcomer served first"
    );
}

/// SJF: every call went to the shortest of those waiting when the teller
/// became free (their tickets issued before the turn before it ended).
fn check_shortest_first(trace: &Trace) {
    let issued = |ticket: Option<u64>| {
        let issue = trace.events.iter().find(|e| {
            e.lane == Lane::Bank
                && matches!(e.kind, Kind::Ticket { ticket: t } if Some(t) == ticket)
        });
        issue.map_or(f64::INFINITY, |e| e.t_us as f64 / 1000.0)
    };
    let service = |c: &CustomerRecord| trace.scenario.customers[c.id as usize].service_ms;
    let mut by_call: Vec<&CustomerRecord> = trace.customers.iter().collect();
    by_call.sort_by(|a, b| {
        a.called_ms
            .unwrap_or(0.0)
            .total_cmp(&b.called_ms.unwrap_or(0.0))
    });
    for pair in by_call.windows(2) {
        let (before, called) = (pair[0], pair[1]);
        let free = before.done_ms.unwrap_or(0.0);
        for other in trace.customers.iter() {
            let waiting = issued(other.ticket) < free && other.called_ms > called.called_ms;
            assert!(
                !waiting || service(called) <= service(other),
                "{} under sjf: {} called before the shorter {}",
                trace.style,
                called.name,
                other.name
            );
        }
    }
}

/// A scene of `tellers` under `policy` (with `slices`), its customers
/// `(arrival, service)` in whole milliseconds, as run (not sped up), taken in
/// order of arrival; no errand, looking every 20 ms. The jobs of a problem
/// on paper, as customers.
pub fn jobs(
    policy: PolicyKind,
    slices: Option<Slices>,
    tellers: u32,
    customers: &[(u32, u32)],
) -> Scenario {
    let mut customers = customers.to_vec();
    customers.sort_by_key(|&(arrival, _)| arrival);
    let mut scenario = Generate {
        customers: u32::try_from(customers.len()).unwrap_or(u32::MAX),
        tellers,
        errand_ms: 0.0,
        poll_every_ms: 20.0,
        ..Generate::default()
    }
    .scenario();
    for (c, &(arrive_ms, service_ms)) in scenario.customers.iter_mut().zip(&customers) {
        (c.arrive_ms, c.service_ms) = (f64::from(arrive_ms), f64::from(service_ms));
    }
    scenario.policy = policy;
    scenario.slices = slices;
    scenario
}

/// The tickets the tellers called, in the order they called them.
fn calls(trace: &Trace) -> Vec<u64> {
    let mut calls: Vec<(f64, u64)> = trace
        .customers
        .iter()
        .flat_map(|c| {
            c.calls
                .iter()
                .map(|call| (call.called_ms, c.ticket.unwrap_or(0)))
        })
        .collect();
    calls.sort_by(|a, b| a.0.total_cmp(&b.0));
    calls.into_iter().map(|(_, ticket)| ticket).collect()
}

/// The tellers called in the policy's order: the order of the turns of the
/// ideal schedule of the same scene, with the customers arriving as the
/// bank issued their tickets (customers who walk in a few milliseconds
/// apart may reach the door in either order).
fn check_calls_in_the_policys_order(trace: &Trace) {
    let mut scenario = trace.scenario.clone();
    for (c, record) in scenario.customers.iter_mut().zip(&trace.customers) {
        let issued = trace.events.iter().find(|e| {
            e.lane == Lane::Bank
                && matches!(e.kind, Kind::Ticket { ticket } if Some(ticket) == record.ticket)
        });
        c.arrive_ms = issued.map_or(c.arrive_ms, |e| e.t_us as f64 / 1000.0);
    }
    let mut turns = bank::ideal::schedule(&scenario).turns;
    turns.sort_by(|a, b| a.start_ms.total_cmp(&b.start_ms));
    let ideal: Vec<u64> = turns
        .iter()
        .filter_map(|v| trace.customers.get(v.customer as usize)?.ticket)
        .collect();
    assert_eq!(
        calls(trace),
        ideal,
        "{} under {}: tickets called in the policy's order",
        trace.style,
        trace.scenario.policy
    );
}

/// Every turn lasted at most its slice (plus slack): `slice(first)` for a
/// customer's first turn (`true`) or a later one.
fn check_turns_at_most(trace: &Trace, slice: impl Fn(bool) -> f64) {
    for c in &trace.customers {
        for (i, call) in c.calls.iter().enumerate() {
            let served = call.served_ms().unwrap_or(f64::MAX);
            let most = slice(i == 0);
            assert!(
                served <= most + SLICE_SLACK_MS,
                "{}: {} served {served} ms in turn {i}, slice {most} ms",
                trace.style,
                c.name
            );
        }
    }
}

/// Every `PAUSE` a teller sent was handled in the customer's own way: they
/// noticed it on their lane, waited again, and answered the next `CALL`
/// with `HERE`.
fn check_pauses_handled(trace: &Trace) {
    let style = trace.style;
    let mut any = false;
    for c in &trace.customers {
        let lane = Lane::Customer(c.id);
        let count = |f: fn(&Kind) -> bool| {
            trace
                .events
                .iter()
                .filter(|e| e.lane == lane && f(&e.kind))
                .count()
        };
        let pauses = c.calls.iter().filter(|call| call.paused).count();
        any |= pauses > 0;
        assert_eq!(
            count(|k| matches!(k, Kind::Paused { .. })),
            pauses,
            "{style}: {} noticed every PAUSE",
            c.name
        );
        assert_eq!(
            count(|k| matches!(k, Kind::Wait { .. })),
            pauses + 1,
            "{style}: {} waited again after each",
            c.name
        );
        assert_eq!(
            count(|k| matches!(k, Kind::AtCounter { .. })),
            pauses + 1,
            "{style}: {} answered every CALL",
            c.name
        );
    }
    assert!(any, "{style}: the scene has PAUSEs to handle");
}

/// What every style must get right when the errands are computed, besides
/// [`check_every_visit`]: each
/// customer's errand ran on a CPU for as long as asked, by its thread's CPU
/// clock, and hardly longer (the clock is read every ~100 µs of work);
/// never longer than it took on the wall clock; and the process's CPU time,
/// from `getrusage`, a clock the errands never read, covers them all. (Only
/// from below: tests run side by side in one process, so its CPU time may
/// hold other tests' work too.)
pub fn check_errands_computed(trace: &Trace) {
    check_every_visit(trace);
    let style = trace.style;
    assert_eq!(trace.scenario.errand_work, ErrandWork::Cpu, "{style}");
    let mut all = 0.0;
    for c in &trace.customers {
        let asked = trace.scenario.customers[c.id as usize].errand_ms;
        let cpu = match c.errand_cpu_ms {
            Some(cpu) => cpu,
            None if asked == 0.0 => 0.0,
            None => panic!("{style}: {}'s errand was computed", c.name),
        };
        // Each stretch's CPU time is recorded to the microsecond, rounded down.
        assert!(
            cpu >= asked * 0.998 - 0.05 && cpu <= asked + 2.0,
            "{style}: {} computed {cpu} ms of CPU for an errand of {asked} ms",
            c.name
        );
        assert!(
            c.errand_ms >= cpu - 0.01,
            "{style}: {}'s errand took {} ms on the wall clock, less than its {cpu} ms of CPU",
            c.name,
            c.errand_ms
        );
        all += cpu;
    }
    let process = trace.metrics.process.cpu_ms();
    assert!(
        process >= all * 0.97,
        "{style}: the process used {process} ms of CPU, its errands {all} ms"
    );
}

/// The errand stretches of `trace` that were computed: `(customer, start
/// ms, end ms, CPU ms)`, in the order they ended.
pub fn computed_stretches(trace: &Trace) -> Vec<(u32, f64, f64, f64)> {
    trace
        .events
        .iter()
        .filter_map(|e| match (e.lane, &e.kind) {
            (Lane::Customer(id), Kind::Errand { dur_us, cpu_us }) => {
                let end = e.t_us as f64 / 1000.0;
                Some((
                    id,
                    end - *dur_us as f64 / 1000.0,
                    end,
                    (*cpu_us)? as f64 / 1000.0,
                ))
            }
            _ => None,
        })
        .collect()
}

/// The OS threads (as numbered in the trace) that recorded each customer's moments.
pub fn threads_per_customer(trace: &Trace) -> HashMap<u32, BTreeSet<u32>> {
    let mut threads: HashMap<u32, BTreeSet<u32>> = HashMap::new();
    for e in &trace.events {
        if let Lane::Customer(id) = e.lane {
            threads.entry(id).or_default().insert(e.thread);
        }
    }
    threads
}

/// All OS threads that recorded any customer's moments.
pub fn customer_threads(trace: &Trace) -> BTreeSet<u32> {
    threads_per_customer(trace)
        .into_values()
        .flatten()
        .collect()
}

/// Time each customer spent between ticket and call, from the raw events.
pub fn ticket_to_call_ms(trace: &Trace) -> HashMap<u32, f64> {
    let mut ticket_at = HashMap::new();
    for e in &trace.events {
        if let (Lane::Customer(id), Kind::Ticket { .. }) = (e.lane, &e.kind) {
            ticket_at.insert(id, e.t_us as f64 / 1000.0);
        }
    }
    trace
        .customers
        .iter()
        .filter_map(|c| Some((c.id, c.called_ms? - ticket_at.get(&c.id)?)))
        .collect()
}
