//! async-blocking 异步阻塞: one thread blocked in epoll for every customer.

use scene::demo::Run;
use testkit::scene::{check_every_visit, crowd, customer_threads, lecture_scene};
use timeline::Scenario;
use timeline::style::Style;
use timeline::{Kind, WaitHow};

/// Runs this style's customers on `scenario` against a bank of their own.
fn run(scenario: Scenario) -> Run {
    testkit::scene::run(Style::AsyncBlocking, async_blocking::customers, scenario)
}

#[test]
fn customers_hold_a_slip_and_do_nothing_else() {
    let trace = run(lecture_scene()).trace;
    check_every_visit(&trace);
    for c in &trace.customers {
        assert_eq!(
            c.errand_while_waiting_ms, 0.0,
            "{}: no errand in the bank",
            c.name
        );
        assert_eq!(c.polls, 0);
        assert!(
            c.reaction_ms().unwrap_or(f64::MAX) < 50.0,
            "{}: epoll wakes at once",
            c.name
        );
    }
    assert!(
        trace
            .events
            .iter()
            .filter(|e| matches!(e.kind, Kind::Wait { .. }))
            .all(|e| e.kind
                == Kind::Wait {
                    how: WaitHow::Epoll
                })
    );
}

#[test]
fn one_thread_serves_every_customer_however_many_come() {
    for n in [4, 40] {
        let trace = run(crowd(n)).trace;
        check_every_visit(&trace);
        let threads = customer_threads(&trace);
        assert_eq!(threads.len(), 1, "{n} customers, threads {threads:?}");
    }
}

#[test]
fn every_policy_calls_in_its_order_and_a_pause_sends_the_customer_back_to_waiting() {
    testkit::scene::check_policies(Style::AsyncBlocking, async_blocking::customers);
}
