//! sync-blocking 同步阻塞: a thread per customer, blocked in `read()`.

use scene::demo::Run;
use testkit::scene::{
    check_errands_computed, check_every_visit, computed, crowd, lecture_scene, threads_per_customer,
};
use timeline::Scenario;
use timeline::style::Style;
use timeline::{Kind, Lane, WaitHow};

/// Runs this style's customers on `scenario` against a bank of their own.
fn run(scenario: Scenario) -> Run {
    testkit::scene::run(Style::SyncBlocking, sync_blocking::customers, scenario)
}

#[test]
fn customers_block_and_do_nothing_else_while_waiting() {
    let trace = run(lecture_scene()).trace;
    check_every_visit(&trace);
    for c in &trace.customers {
        assert_eq!(
            c.errand_while_waiting_ms, 0.0,
            "{}: no errand in line",
            c.name
        );
        assert_eq!(c.polls, 0, "{}: no polls", c.name);
        // The whole errand comes after the bank.
        let errand = trace.scenario.customers[c.id as usize].errand_ms;
        let after = c.leave_ms.unwrap_or(0.0) - c.done_ms.unwrap_or(0.0);
        assert!(
            after >= errand * 0.99,
            "{}: errand {errand} ms after DONE, got {after}",
            c.name
        );
    }
    assert_eq!(trace.metrics.polls, 0);
    assert!(
        trace
            .events
            .iter()
            .all(|e| !matches!(e.kind, Kind::Poll { .. }))
    );
    assert!(
        trace
            .events
            .iter()
            .filter(|e| matches!(e.kind, Kind::Wait { .. }))
            .all(|e| e.kind == Kind::Wait { how: WaitHow::Read })
    );
}

#[test]
fn every_customer_has_a_thread_of_their_own() {
    let trace = run(crowd(16)).trace;
    check_every_visit(&trace);
    let threads = threads_per_customer(&trace);
    assert_eq!(threads.len(), 16);
    assert!(
        threads.values().all(|t| t.len() == 1),
        "one thread per customer: {threads:?}"
    );
    let distinct: std::collections::BTreeSet<_> = threads.values().flatten().collect();
    assert_eq!(distinct.len(), 16, "and no two customers share one");
    // The bank's tellers record on a thread of their own, apart from the customers'.
    let teller_threads: std::collections::BTreeSet<_> = trace
        .events
        .iter()
        .filter(|e| matches!(e.lane, Lane::Teller(_)))
        .map(|e| e.thread)
        .collect();
    assert!(teller_threads.is_disjoint(&distinct.into_iter().copied().collect()));
}

#[test]
fn a_computed_errand_still_comes_after_the_bank_and_takes_its_cpu_time() {
    let trace = run(computed(lecture_scene(), 5.0)).trace;
    check_errands_computed(&trace);
    for c in &trace.customers {
        assert_eq!(
            c.errand_while_waiting_ms, 0.0,
            "{}: no errand in line",
            c.name
        );
        // A thread computes no faster than the wall clock.
        let cpu = c.errand_cpu_ms.unwrap_or(0.0);
        let after = c.leave_ms.unwrap_or(0.0) - c.done_ms.unwrap_or(0.0);
        assert!(
            after >= cpu * 0.99,
            "{}: {cpu} ms of CPU after DONE, in {after} ms",
            c.name
        );
    }
}

#[test]
fn every_policy_calls_in_its_order_and_a_pause_sends_the_customer_back_to_waiting() {
    testkit::scene::check_policies(Style::SyncBlocking, sync_blocking::customers);
}
