//! async-nonblocking 异步非阻塞: a tokio task per customer; the errand runs while the call is awaited.

use scene::demo::Run;
use testkit::scene::{
    check_every_visit, crowd, customer_threads, lecture_scene, ticket_to_call_ms,
};
use timeline::Scenario;
use timeline::style::Style;

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
fn every_policy_calls_in_its_order_and_a_pause_sends_the_customer_back_to_waiting() {
    testkit::scene::check_policies(Style::AsyncNonblocking, async_nonblocking::customers);
}
