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
use timeline::scenario::{ErrandWork, Generate, Scenario, ServiceTime};
use timeline::style::Style;
use timeline::trace::{Outcome, Trace};
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

/// What every style must get right, whatever its way of waiting.
pub fn check_every_visit(trace: &Trace) {
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
        // The teller waits for HERE, then serves the whole service.
        let service = c.done_ms.unwrap_or(0.0) - c.at_counter_ms.unwrap_or(0.0);
        let asked = trace.scenario.customers[c.id as usize].service_ms;
        assert!(
            service >= asked * 0.99,
            "{style}: {} served {service} of {asked} ms",
            c.name
        );
    }

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
