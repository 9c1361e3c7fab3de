//! The policies on random queues, run by the ideal schedule (the same
//! policy objects the bank calls through): whatever the arrivals, the
//! services and the number of tellers, every ticket is served once with
//! its full service; round robin with a slice at least the longest service
//! is FCFS (则轮转法变成了先来先服务法); an MLFQ of one queue is round robin;
//! SJF never calls a longer waiting ticket before a shorter one.
//!
//! Times are whole milliseconds, so the schedules compare exactly.

use std::collections::BTreeMap;
use std::time::Duration;

use bank::ideal::{self, Schedule};
use bank::policy::{self, PolicyKind, Slices, Waiting};
use proptest::prelude::*;

/// Random customers: up to 12, arriving within 300 ms, each owed 1 to 200 ms.
fn jobs() -> impl Strategy<Value = Vec<(u32, u32)>> {
    prop::collection::vec((0u32..300, 1u32..200), 1..12)
}

/// A policy and its slices: quantum 1 to 100 ms, 1 to 4 queues, a boost or none.
fn any_policy() -> impl Strategy<Value = (PolicyKind, Option<Slices>)> {
    (0..4usize, 1u32..100, 1u32..5, prop::option::of(50u32..400)).prop_map(
        |(which, quantum, queues, boost)| {
            let kind = [
                PolicyKind::Fcfs,
                PolicyKind::Sjf,
                PolicyKind::Rr,
                PolicyKind::Mlfq,
            ][which];
            let mlfq = kind == PolicyKind::Mlfq;
            let slices = Slices::of(
                kind,
                kind.takes_turns().then_some(f64::from(quantum)),
                mlfq.then_some(queues),
                boost.filter(|_| mlfq).map(f64::from),
            );
            (
                kind,
                slices.expect("each policy gets only its own parameters"),
            )
        },
    )
}

/// Each customer's turns, `(teller, start, end)`, in time order.
fn turns_of(schedule: &Schedule) -> BTreeMap<u32, Vec<(u32, f64, f64)>> {
    let mut turns: BTreeMap<u32, Vec<(u32, f64, f64)>> = BTreeMap::new();
    for v in &schedule.turns {
        turns
            .entry(v.customer)
            .or_default()
            .push((v.teller, v.start_ms, v.end_ms));
    }
    for t in turns.values_mut() {
        t.sort_by(|a, b| a.1.total_cmp(&b.1));
    }
    turns
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn every_ticket_is_served_once_with_its_full_service(
        (policy, slices) in any_policy(),
        tellers in 1u32..4,
        jobs in jobs(),
    ) {
        let scenario = testkit::scene::jobs(policy, slices, tellers, &jobs);
        let schedule = ideal::schedule(&scenario);
        let turns = turns_of(&schedule);
        prop_assert_eq!(turns.len(), scenario.customers.len(), "everyone served");
        for c in &scenario.customers {
            let mine = &turns[&c.id];
            let served: f64 = mine.iter().map(|(_, start, end)| end - start).sum();
            prop_assert!((served - c.service_ms).abs() < 1e-6, "{} served {served} of {}", c.name, c.service_ms);
            prop_assert!(mine[0].1 >= c.arrive_ms, "not before arriving");
            prop_assert!(mine.windows(2).all(|w| w[0].2 <= w[1].1), "one counter at a time");
            if !policy.takes_turns() {
                prop_assert_eq!(mine.len(), 1, "FCFS and SJF serve in one turn");
            }
        }
        for teller in 1..=tellers {
            let mut mine: Vec<_> = schedule.turns.iter().filter(|v| v.teller == teller).collect();
            mine.sort_by(|a, b| a.start_ms.total_cmp(&b.start_ms));
            prop_assert!(mine.windows(2).all(|w| w[0].end_ms <= w[1].start_ms), "one customer at a time");
        }
        let last = schedule.turns.iter().map(|v| v.end_ms).fold(0.0, f64::max);
        prop_assert_eq!(schedule.makespan_ms, last);
    }

    #[test]
    fn round_robin_with_a_slice_at_least_the_longest_service_is_fcfs(
        tellers in 1u32..4,
        jobs in jobs(),
        longer in 0u32..50,
    ) {
        let longest = jobs.iter().map(|&(_, service)| service).max().unwrap_or(1);
        let rr = Slices::of(PolicyKind::Rr, Some(f64::from(longest + longer)), None, None)
            .expect("rr takes a quantum");
        let round_robin = ideal::schedule(&testkit::scene::jobs(PolicyKind::Rr, rr, tellers, &jobs));
        let fcfs = ideal::schedule(&testkit::scene::jobs(PolicyKind::Fcfs, None, tellers, &jobs));
        prop_assert_eq!(round_robin, fcfs);
    }

    #[test]
    fn an_mlfq_of_one_queue_is_round_robin(
        tellers in 1u32..4,
        jobs in jobs(),
        quantum in 1u32..100,
    ) {
        let q = Some(f64::from(quantum));
        let mlfq = Slices::of(PolicyKind::Mlfq, q, Some(1), None).expect("mlfq");
        let rr = Slices::of(PolicyKind::Rr, q, None, None).expect("rr");
        prop_assert_eq!(
            ideal::schedule(&testkit::scene::jobs(PolicyKind::Mlfq, mlfq, tellers, &jobs)),
            ideal::schedule(&testkit::scene::jobs(PolicyKind::Rr, rr, tellers, &jobs))
        );
    }

    #[test]
    fn sjf_never_calls_a_longer_waiting_ticket_before_a_shorter_one(
        tellers in 1u32..4,
        jobs in jobs(),
    ) {
        let scenario = testkit::scene::jobs(PolicyKind::Sjf, None, tellers, &jobs);
        let schedule = ideal::schedule(&scenario);
        let start: BTreeMap<u32, (f64, u32)> = schedule
            .turns
            .iter()
            .map(|v| (v.customer, (v.start_ms, v.teller)))
            .collect();
        for v in &schedule.turns {
            let called = &scenario.customers[v.customer as usize];
            // Waiting when v was called: arrived, and called later (or at
            // the same moment by a teller who chose after this one).
            for w in &scenario.customers {
                let (w_start, w_teller) = start[&w.id];
                let waiting = w.arrive_ms <= v.start_ms
                    && (w_start > v.start_ms || (w_start == v.start_ms && w_teller > v.teller));
                prop_assert!(
                    !waiting || called.service_ms <= w.service_ms,
                    "{} ({} ms) called at {} before {} ({} ms)",
                    called.name, called.service_ms, v.start_ms, w.name, w.service_ms
                );
            }
        }
    }

    #[test]
    fn sjf_takes_the_shortest_of_those_waiting_whoever_came_and_went(
        moves in prop::collection::vec((0u8..3, 1u64..100), 1..60),
    ) {
        let mut sjf = policy::queue(PolicyKind::Sjf, None);
        let mut waiting: BTreeMap<u64, u64> = BTreeMap::new();
        let mut next_ticket = 1;
        for (what, n) in moves {
            match what {
                // A newcomer owed n ms.
                0 => {
                    sjf.enqueue(Waiting { ticket: next_ticket, remaining: Duration::from_millis(n) });
                    waiting.insert(next_ticket, n);
                    next_ticket += 1;
                }
                // Someone leaves the queue.
                1 => {
                    let ticket = n % next_ticket;
                    prop_assert_eq!(sjf.remove(ticket), waiting.remove(&ticket).is_some());
                }
                // A free teller calls.
                _ => {
                    let shortest = waiting.values().min().copied();
                    let turn = sjf.next();
                    prop_assert_eq!(turn.map(|t| t.serve_for.as_millis() as u64), shortest);
                    if let Some(turn) = turn {
                        prop_assert_eq!(waiting.remove(&turn.ticket), shortest, "its own service, whole");
                        let first_of_equals = waiting.iter().all(|(&t, &ms)| ms > turn.serve_for.as_millis() as u64 || t > turn.ticket);
                        prop_assert!(first_of_equals, "equal services in ticket order");
                    }
                }
            }
            prop_assert_eq!(sjf.len(), waiting.len());
        }
    }
}
