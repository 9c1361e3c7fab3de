//! sync-nonblocking 同步非阻塞: errand slices, each followed by a look that says `WouldBlock`.

use bank_queue_tests::{check_every_visit, crowd, lecture_scene, run, threads_per_customer};
use common::style::Style;
use common::timeline::{Kind, Lane};

#[test]
fn customers_work_between_looks_and_react_within_a_slice() {
    let scenario = lecture_scene();
    let slice = scenario.poll_every_ms;
    let trace = run(Style::SyncNonblocking, scenario).trace;
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
    let trace = run(Style::SyncNonblocking, crowd(10)).trace;
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
