//! async-nonblocking 异步非阻塞: a tokio task per customer; the errand runs while the call is awaited.

use scene::demo::Run;
use testkit::scene::{
    check_errands_computed, check_every_visit, computed, crowd, customer_threads, lecture_scene,
    ticket_to_call_ms,
};
use timeline::scenario::Customer;
use timeline::style::Style;
use timeline::{Kind, Lane, Scenario};

/// Runs this style's customers on `scenario` against a bank of their own.
fn run(scenario: Scenario) -> Run {
    testkit::scene::run(
        Style::AsyncNonblocking,
        async_nonblocking::customers,
        scenario,
    )
}

#[test]
fn the_errand_runs_while_the_call_is_awaited() {
    let trace = run(lecture_scene()).trace;
    check_every_visit(&trace);
    let waits = ticket_to_call_ms(&trace);
    for c in &trace.customers {
        let errand = trace.scenario.customers[c.id as usize].errand_ms;
        let wait = waits[&c.id];
        let expected = errand.min(wait);
        assert!(
            (c.errand_while_waiting_ms - expected).abs() <= 10.0,
            "{}: errand while waiting {} ms, expected about min({errand}, {wait})",
            c.name,
            c.errand_while_waiting_ms
        );
        assert_eq!(c.polls, 0);
    }
    assert_eq!(trace.metrics.polls, 0);
    assert!(
        trace.metrics.mean_reaction_ms <= 5.0,
        "{}",
        trace.metrics.mean_reaction_ms
    );
    assert!(
        trace.metrics.max_reaction_ms <= 25.0,
        "{}",
        trace.metrics.max_reaction_ms
    );
}

#[test]
fn tasks_are_not_threads() {
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get()) as usize;
    for n in [4, 40] {
        let trace = run(crowd(n)).trace;
        check_every_visit(&trace);
        let threads = customer_threads(&trace);
        assert!(
            threads.len() <= workers,
            "{n} customers ran on {} threads, the runtime has {workers} workers",
            threads.len()
        );
    }
}

#[test]
fn a_computed_errand_runs_in_the_task_while_the_call_is_awaited() {
    let trace = run(computed(lecture_scene(), 5.0)).trace;
    check_errands_computed(&trace);
    let threads = customer_threads(&trace);
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    assert!(threads.len() <= workers, "{threads:?}");
}

/// One teller; 张三 is served first (100 ms, no errand) while 李四, holding
/// ticket 2, computes a 400 ms errand in his task. His call comes at about
/// 100 ms, mid-errand: a task that yields every few milliseconds notices it
/// within a slice; one that never yields (`--yield-every 0`) only when the
/// errand is done, and the CALL sits unread in his socket meanwhile.
#[test]
fn a_task_that_never_yields_leaves_its_call_unread_until_its_errand_is_done() {
    let (never, often) = (
        run(caller_mid_errand(0.0)).trace,
        run(caller_mid_errand(2.0)).trace,
    );
    for trace in [&never, &often] {
        check_errands_computed(trace);
    }
    let li = |trace: &timeline::Trace| {
        let ticket = trace
            .events
            .iter()
            .find(|e| e.lane == Lane::Customer(1) && matches!(e.kind, Kind::Ticket { .. }))
            .map(|e| e.t_us as f64 / 1000.0)
            .expect("李四 took a ticket");
        let unread = trace
            .events
            .iter()
            .find_map(|e| match (e.lane, &e.kind) {
                (Lane::Customer(1), Kind::Called { unread_us, .. }) => *unread_us,
                _ => None,
            })
            .map(|us| us as f64 / 1000.0);
        (ticket, trace.customers[1].clone(), unread)
    };

    // Never yielding: the errand, 400 ms of CPU, runs from the ticket on
    // and takes at least as long on the wall clock; only then is the call
    // noticed.
    let (ticket, c, unread) = li(&never);
    let noticed = c.noticed_ms.unwrap_or(0.0);
    assert!(
        noticed >= ticket + 400.0 - 1.0,
        "ticket at {ticket} ms, call noticed at {noticed} ms"
    );
    assert!(
        c.reaction_ms().unwrap_or(0.0) >= 200.0,
        "reaction {:?} ms",
        c.reaction_ms()
    );
    assert!(
        unread.is_some_and(|ms| ms >= 200.0),
        "the CALL sat unread in the socket: {unread:?} ms"
    );
    // The call came while the task computed: inside a stretch of its
    // errand (when the errand began after the ticket depends on the load).
    let called = c.called_ms.unwrap_or(f64::NAN);
    let computing = never.events.iter().any(|e| match (e.lane, &e.kind) {
        (Lane::Customer(1), Kind::Errand { dur_us, .. }) => {
            let (from, to) = (
                e.t_us.saturating_sub(*dur_us) as f64 / 1000.0,
                e.t_us as f64 / 1000.0,
            );
            from < called && called < to
        }
        _ => false,
    });
    assert!(computing, "computing when called at {called} ms");

    // Yielding every 2 ms: noticed mid-errand, within a few slices.
    let (_, c, _) = li(&often);
    let reaction = c.reaction_ms().unwrap_or(f64::MAX);
    assert!(reaction < 100.0, "reaction {reaction} ms");
    let noticed = c.noticed_ms.unwrap_or(0.0);
    assert!(
        c.leave_ms.unwrap_or(0.0) > noticed,
        "the errand goes on after the call"
    );
}

/// The scene of the test above, yielding every `yield_every_ms`.
fn caller_mid_errand(yield_every_ms: f64) -> Scenario {
    let mut scenario = computed(lecture_scene(), yield_every_ms);
    scenario.tellers = 1;
    let customer = |id: u32, service_ms, errand_ms| Customer {
        id,
        name: timeline::name::Name::new(["张三", "李四"][id as usize]).expect("a valid name"),
        // 30 ms apart, so that even on a loaded machine 张三 takes the
        // first ticket and 李四 is called while computing.
        arrive_ms: 30.0 * f64::from(id),
        service_ms,
        errand_ms,
    };
    scenario.customers = vec![customer(0, 100.0, 0.0), customer(1, 10.0, 400.0)];
    scenario
}

#[test]
fn every_policy_calls_in_its_order_and_a_pause_sends_the_customer_back_to_waiting() {
    testkit::scene::check_policies(Style::AsyncNonblocking, async_nonblocking::customers);
}
