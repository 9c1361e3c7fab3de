//! sync-nonblocking 同步非阻塞: errand slices, each followed by a look that says `WouldBlock`.

use scene::demo::Run;
use std::net::SocketAddr;
use testkit::client::bank_of;
use testkit::scene::{
    check_errands_computed, check_every_visit, computed, crowd, lecture_scene, threads_per_customer,
};
use timeline::Scenario;
use timeline::scenario::{Generate, ServiceTime};
use timeline::style::Style;
use timeline::{Kind, Lane};

/// Runs this style's customers on `scenario` against a bank of their own.
fn run(scenario: Scenario) -> Run {
    testkit::scene::run(
        Style::SyncNonblocking,
        sync_nonblocking::customers,
        scenario,
    )
}

/// Runs this style's customers on `scenario` against the bank at `bank`.
fn run_against(scenario: Scenario, bank: SocketAddr) -> Run {
    testkit::scene::run_against(
        Style::SyncNonblocking,
        sync_nonblocking::customers,
        scenario,
        bank,
    )
}

#[test]
fn customers_work_between_looks_and_react_within_a_slice() {
    let scenario = lecture_scene();
    let slice = scenario.poll_every_ms;
    let trace = run(scenario).trace;
    check_every_visit(&trace);

    assert!(trace.metrics.polls > 0, "empty looks are counted");
    let empty_looks = trace
        .events
        .iter()
        .filter(|e| e.kind == Kind::Poll { found: false })
        .count() as u64;
    assert_eq!(trace.metrics.polls, empty_looks);

    for c in &trace.customers {
        let wait = c.called_ms.unwrap_or(0.0) - c.arrive_ms.unwrap_or(0.0);
        if wait > 2.0 * slice {
            assert!(
                c.polls >= 1,
                "{} waited {wait} ms and looked in vain",
                c.name
            );
            assert!(
                c.errand_while_waiting_ms >= slice * 0.9,
                "{} got errand done while waiting: {}",
                c.name,
                c.errand_while_waiting_ms
            );
        }
        // The call is noticed at the next look: at most one slice later, plus slack.
        let reaction = c.reaction_ms().unwrap_or(f64::MAX);
        assert!(
            reaction <= slice + 60.0,
            "{}: reaction {reaction} ms, slice {slice} ms",
            c.name
        );
    }
    // Someone was called mid-slice: the teller waited for them.
    assert!(
        trace.metrics.max_reaction_ms > 1.0,
        "{}",
        trace.metrics.max_reaction_ms
    );
}

#[test]
fn every_look_is_on_the_customers_own_thread() {
    let trace = run(crowd(10)).trace;
    check_every_visit(&trace);
    let threads = threads_per_customer(&trace);
    assert_eq!(threads.len(), 10);
    assert!(threads.values().all(|t| t.len() == 1), "{threads:?}");
    let polled_lanes: std::collections::BTreeSet<_> = trace
        .events
        .iter()
        .filter(|e| matches!(e.kind, Kind::Poll { .. }))
        .map(|e| e.lane)
        .collect();
    assert!(polled_lanes.iter().all(|l| matches!(l, Lane::Customer(_))));
}

/// Against a bank whose moments the run cannot see (as in another process),
/// the end of each service comes from the customer's side: not when the
/// customer looked and found `DONE` (up to a slice later), but when `DONE`
/// reached their socket, by the kernel's stamp.
#[test]
fn against_a_bank_elsewhere_a_service_ends_when_done_arrived_not_when_noticed() {
    let (service, slice) = (60.0, 300.0);
    let scenario = Generate {
        customers: 3,
        tellers: 1,
        service: ServiceTime::Fixed(service),
        arrival_gap_ms: 10.0,
        errand_ms: 0.0,
        poll_every_ms: slice,
        seed: 1,
    }
    .scenario();
    // A bank in this process that records nowhere: the run's timeline holds
    // the customers' moments only.
    let bank = bank_of(1);
    let trace = run_against(scenario, bank.addr()).trace;
    bank.stop();
    check_every_visit(&trace);
    assert!(
        trace
            .events
            .iter()
            .all(|e| matches!(e.lane, Lane::Customer(_))),
        "only the customers' side was recorded"
    );

    for c in &trace.customers {
        // The customer read DONE at their first look after HERE: a whole
        // slice after sending it, well after the service ended.
        let read = trace
            .events
            .iter()
            .find(|e| e.lane == Lane::Customer(c.id) && matches!(e.kind, Kind::Served { .. }))
            .map(|e| e.t_us as f64 / 1000.0)
            .unwrap_or_else(|| panic!("{} read DONE", c.name));
        let (here, done) = (
            c.at_counter_ms.unwrap_or(f64::NAN),
            c.done_ms.unwrap_or(f64::NAN),
        );
        assert!(
            read - here >= slice * 0.9,
            "{}: DONE read {} ms after HERE, slice {slice} ms",
            c.name,
            read - here
        );
        // The service as the model tells it: about the service time, far from
        // a slice (halfway between the two, on a loaded machine).
        let served = done - here;
        assert!(
            served < (service + slice) / 2.0,
            "{}: served {served} ms, service {service} ms, slice {slice} ms",
            c.name
        );
    }
    // The tellers' days, rebuilt from the customers, say the same.
    let busy: Vec<f64> = trace
        .tellers
        .iter()
        .flat_map(|t| t.busy.iter().map(|[from, to]| to - from))
        .collect();
    assert_eq!(busy.len(), trace.customers.len());
    assert!(
        busy.iter().all(|&b| b < (service + slice) / 2.0),
        "busy {busy:?}"
    );
}

/// With `--errand-work cpu`, the slice between two looks is CPU time of
/// work: every look at the socket in the bank comes right after a stretch
/// of computing a whole slice long (or the errand's last bit), by the
/// thread's CPU clock, however long it took on the wall clock.
#[test]
fn with_computed_errands_each_look_follows_a_slice_of_computing() {
    let scenario = computed(lecture_scene(), 5.0);
    let slice = scenario.poll_every_ms;
    let trace = run(scenario).trace;
    check_errands_computed(&trace);

    let mut looks_after_work = 0;
    for c in &trace.customers {
        let asked = trace.scenario.customers[c.id as usize].errand_ms;
        let lane: Vec<&Kind> = trace
            .events
            .iter()
            .filter(|e| e.lane == Lane::Customer(c.id))
            .map(|e| &e.kind)
            .collect();
        // In the bank: from the ticket to DONE.
        let from = lane.iter().position(|k| matches!(k, Kind::Ticket { .. }));
        let to = lane.iter().position(|k| matches!(k, Kind::Served { .. }));
        let (Some(from), Some(to)) = (from, to) else {
            panic!("{} took a ticket and was served: {lane:?}", c.name)
        };
        let mut done = 0.0;
        for pair in lane[from..=to].windows(2) {
            let Kind::Errand { cpu_us, .. } = pair[0] else {
                continue;
            };
            let cpu = cpu_us.map_or(0.0, |us| us as f64 / 1000.0);
            done += cpu;
            assert!(
                matches!(pair[1], Kind::Poll { .. }),
                "{}: a look follows each slice of work, not {:?}",
                c.name,
                pair[1]
            );
            looks_after_work += 1;
            assert!(
                cpu >= slice * 0.99 || done >= asked * 0.99,
                "{}: a slice of {cpu} ms of CPU between two looks, {slice} asked",
                c.name
            );
            assert!(cpu <= slice + 2.0, "{}: a slice of {cpu} ms", c.name);
        }
    }
    assert!(
        looks_after_work >= trace.customers.len(),
        "{looks_after_work}"
    );
}

#[test]
fn every_policy_calls_in_its_order_and_a_pause_sends_the_customer_back_to_waiting() {
    testkit::scene::check_policies(Style::SyncNonblocking, sync_nonblocking::customers);
}
