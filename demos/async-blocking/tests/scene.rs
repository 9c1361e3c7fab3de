//! async-blocking 异步阻塞: one thread blocked in epoll for every customer.

use scene::demo::Run;
use testkit::scene::{
    check_errands_computed, check_every_visit, computed, computed_stretches, crowd,
    customer_threads, lecture_scene,
};
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

/// The one thread computes everyone's errands, a slice at a time, in turn:
/// concurrency without parallelism. No two stretches of computing ever
/// overlap, whoever's they are; and they interleave, each errand taking
/// its turns among the others.
#[test]
fn computed_errands_take_turns_on_the_one_thread_and_never_overlap() {
    let trace = run(computed(lecture_scene(), 5.0)).trace;
    check_errands_computed(&trace);
    assert_eq!(customer_threads(&trace).len(), 1);

    let mut stretches = computed_stretches(&trace);
    stretches.sort_by(|a, b| a.1.total_cmp(&b.1));
    for pair in stretches.windows(2) {
        let ((first, _, end, _), (next, start, _, _)) = (pair[0], pair[1]);
        // Times are recorded to the microsecond.
        assert!(
            start >= end - 0.002,
            "customer {first}'s stretch ends at {end} ms, customer {next}'s starts at {start} ms"
        );
    }
    // Turns: some customer computes both before and after another one.
    let order: Vec<u32> = stretches.iter().map(|s| s.0).collect();
    let interleaved = order.windows(3).any(|w| w[0] == w[2] && w[0] != w[1]);
    assert!(interleaved, "errands take turns: {order:?}");
    // A call that comes while a slice computes waits for the slice's end,
    // never for whole errands.
    let slice = trace.scenario.yield_every_ms;
    let errand = trace.scenario.customers[0].errand_ms;
    assert!(
        trace.metrics.max_reaction_ms < errand / 2.0,
        "max reaction {} ms, slices of {slice} ms",
        trace.metrics.max_reaction_ms
    );
}

/// Slept errands are timers, and the one thread waits for all of them at
/// once: they overlap, unlike computed ones (the check above can fail).
#[test]
fn slept_errands_overlap_in_time() {
    let trace = run(lecture_scene()).trace;
    check_every_visit(&trace);
    let mut stretches: Vec<(f64, f64)> = trace
        .events
        .iter()
        .filter_map(|e| match e.kind {
            Kind::Errand {
                dur_us,
                cpu_us: None,
            } => {
                let end = e.t_us as f64 / 1000.0;
                Some((end - dur_us as f64 / 1000.0, end))
            }
            _ => None,
        })
        .collect();
    stretches.sort_by(|a, b| a.0.total_cmp(&b.0));
    assert!(
        stretches.windows(2).any(|w| w[1].0 < w[0].1 - 1.0),
        "{stretches:?}"
    );
}

/// With `--yield-every 0` a turn is a whole errand: one after another, each
/// in one stretch.
#[test]
fn never_yielding_computes_each_errand_whole_one_after_another() {
    let trace = run(computed(lecture_scene(), 0.0)).trace;
    check_errands_computed(&trace);
    let stretches = computed_stretches(&trace);
    assert_eq!(stretches.len(), trace.customers.len(), "{stretches:?}");
    // Meanwhile calls come, and wait unread for the errand being computed.
    let errand = trace.scenario.customers[0].errand_ms;
    assert!(
        trace.metrics.max_reaction_ms >= errand / 2.0,
        "max reaction {} ms, errands of {errand} ms",
        trace.metrics.max_reaction_ms
    );
}

#[test]
fn every_policy_calls_in_its_order_and_a_pause_sends_the_customer_back_to_waiting() {
    testkit::scene::check_policies(Style::AsyncBlocking, async_blocking::customers);
}
