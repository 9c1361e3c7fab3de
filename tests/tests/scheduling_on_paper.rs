//! The real bank's rules and the paper's: the ideal schedule of the bank
//! (`bank::ideal`, with one teller) gives exactly `scheduling`'s answer
//! (`demos/scheduling`, OSTEP's conventions) on the same jobs, for FCFS,
//! SJF, round robin and MLFQ.
//!
//! The same problem is built both ways: a job arriving at tick A with a
//! length of L ticks is a customer who walks in at A ms and asks for L ms of
//! service; one CPU is one teller. The bank's ideal schedule is then read
//! tick by tick (who is at the counter from t to t + 1), and compared with
//! the simulator's ticks, and so are each job's response, turnaround and
//! wait.
//!
//! The conventions agree where both have the rule (ties go in the order of
//! arrival, then the order given; a slice that runs out queues its job
//! before a newcomer of the same moment; a job cut short in an MLFQ keeps
//! its place at the head of its queue and the rest of its slice; the boost
//! comes every B ticks from the start, empties the lower queues into the
//! top one, the lowest first, and renews every slice). Where they cannot
//! match, there is nothing to compare: the simulator's STCF (the bank does
//! not take a counter from a customer for a shorter newcomer), its jobs'
//! I/O (a customer's errand is not done at the counter), an MLFQ allotment
//! of more than one slice, `--stay-after-io` and `--io-bump` (rules about
//! I/O), and more than one teller (the simulator has one CPU).

use bank::ideal;
use bank::policy::{PolicyKind, Slices};
use proptest::prelude::*;
use scheduling::jobs::{self, Job};
use scheduling::measures::{self, Measures};
use scheduling::mlfq::{self, MlfqJob, Rules};
use scheduling::ticks::{Tick, Ticks};
use timeline::Scenario;

/// The jobs `(arrival, length)` as customers of a bank of one teller
/// following `policy`: milliseconds for ticks.
fn one_teller(policy: PolicyKind, slices: Option<Slices>, jobs: &[(u32, u32)]) -> Scenario {
    testkit::scene::jobs(policy, slices, 1, jobs)
}

/// Who holds the CPU (the counter) in each tick, by job, read off the
/// simulator's ticks.
fn sim_runs(ticks: &Ticks) -> Vec<Option<usize>> {
    (0..ticks.ticks() as usize)
        .map(|t| {
            ticks
                .rows
                .iter()
                .position(|row| matches!(row.ticks.get(t), Some(Tick::Running { .. })))
        })
        .collect()
}

/// Who is at the counter in each tick, by customer, read off the bank's
/// ideal schedule; and each customer's measures, as the simulator defines
/// them (response = first turn − arrival, turnaround = end − arrival,
/// wait = turnaround − length, since nobody does I/O).
fn bank_runs(scenario: &Scenario) -> (Vec<Option<usize>>, Vec<Measures>) {
    let schedule = ideal::schedule(scenario);
    let tick = |ms: f64| {
        assert_eq!(ms.fract(), 0.0, "whole ticks in, whole ticks out: {ms}");
        ms as usize
    };
    let mut runs = vec![None; tick(schedule.makespan_ms)];
    for v in &schedule.turns {
        for slot in &mut runs[tick(v.start_ms)..tick(v.end_ms)] {
            assert_eq!(*slot, None, "one customer at the counter at a time");
            *slot = Some(v.customer as usize);
        }
    }
    let measures = scenario
        .customers
        .iter()
        .map(|c| {
            let mine = schedule.turns.iter().filter(|v| v.customer == c.id);
            let first = mine
                .clone()
                .map(|v| v.start_ms)
                .fold(f64::INFINITY, f64::min);
            let last = mine.map(|v| v.end_ms).fold(0.0, f64::max);
            let turnaround = tick(last) - tick(c.arrive_ms);
            Measures {
                response: (tick(first) - tick(c.arrive_ms)) as u32,
                turnaround: turnaround as u32,
                wait: (turnaround - tick(c.service_ms)) as u32,
            }
        })
        .collect();
    (runs, measures)
}

/// The bank and the simulator agree, tick by tick and job by job.
fn agree(bank: &Scenario, paper: &Ticks) -> Result<(), TestCaseError> {
    let (runs, measures) = bank_runs(bank);
    prop_assert_eq!(&runs, &sim_runs(paper), "who runs in each tick");
    prop_assert_eq!(
        measures,
        measures::of_run(paper),
        "response, turnaround, wait"
    );
    Ok(())
}

/// Up to six jobs, arriving in ticks 0 to 19, each 1 to 12 ticks long, in
/// order of arrival (the order given is then the order of the tickets).
fn jobs() -> impl Strategy<Value = Vec<(u32, u32)>> {
    prop::collection::vec((0u32..20, 1u32..13), 1..7).prop_map(|mut jobs| {
        jobs.sort_by_key(|&(arrival, _)| arrival);
        jobs
    })
}

/// The jobs as the simulator's `jobs` takes them.
fn paper_jobs(jobs: &[(u32, u32)]) -> Vec<Job> {
    jobs.iter()
        .map(|&(arrival, length)| Job { arrival, length })
        .collect()
}

#[test]
fn the_pages_examples_come_out_the_same() {
    // docs/06-scheduling.md: 8, 3 and 5 ticks at 0; a short job coming at 5
    // into the MLFQ of slices 4, 8, 16 while a long one is in queue 2.
    let three = [(0, 8), (0, 3), (0, 5)];
    for (kind, policy, quantum) in [
        (PolicyKind::Fcfs, jobs::Policy::Fcfs, None),
        (PolicyKind::Sjf, jobs::Policy::Sjf, None),
        (PolicyKind::Rr, jobs::Policy::Rr { quantum: 1 }, Some(1.0)),
        (PolicyKind::Rr, jobs::Policy::Rr { quantum: 8 }, Some(8.0)),
    ] {
        let slices = Slices::of(kind, quantum, None, None).expect("its own parameters");
        let paper = jobs::schedule(policy, &paper_jobs(&three));
        agree(&one_teller(kind, slices, &three), &paper).expect("the same answer");
    }
    let two = [(0, 30), (5, 8)];
    let slices = Slices::of(PolicyKind::Mlfq, Some(4.0), Some(3), None).expect("mlfq");
    let rules = Rules {
        quanta: Rules::doubling(3, 4),
        allotment: 1,
        io_time: 5,
        boost: None,
        stay_after_io: false,
        io_bump: false,
    };
    let paper = mlfq::schedule(&rules, &mlfq_jobs(&two)).ticks;
    agree(&one_teller(PolicyKind::Mlfq, slices, &two), &paper).expect("the same answer");
}

/// The jobs as the simulator's `mlfq` takes them: no I/O.
fn mlfq_jobs(jobs: &[(u32, u32)]) -> Vec<MlfqJob> {
    jobs.iter()
        .map(|&(arrival, length)| MlfqJob {
            arrival,
            length,
            io_every: 0,
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn fcfs_and_sjf_match_the_paper(jobs in jobs()) {
        for (kind, policy) in [(PolicyKind::Fcfs, jobs::Policy::Fcfs), (PolicyKind::Sjf, jobs::Policy::Sjf)] {
            let paper = jobs::schedule(policy, &paper_jobs(&jobs));
            agree(&one_teller(kind, None, &jobs), &paper)?;
        }
    }

    #[test]
    fn round_robin_matches_the_paper(jobs in jobs(), quantum in 1u32..6) {
        let slices = Slices::of(PolicyKind::Rr, Some(f64::from(quantum)), None, None).expect("rr");
        let paper = jobs::schedule(jobs::Policy::Rr { quantum }, &paper_jobs(&jobs));
        agree(&one_teller(PolicyKind::Rr, slices, &jobs), &paper)?;
    }

    #[test]
    fn mlfq_matches_the_paper(
        jobs in jobs(),
        quantum in 1u32..5,
        queues in 1usize..4,
        boost in prop::option::of(3u32..30),
    ) {
        let slices = Slices::of(
            PolicyKind::Mlfq,
            Some(f64::from(quantum)),
            Some(queues as u32),
            boost.map(f64::from),
        )
        .expect("mlfq takes all three");
        let rules = Rules {
            quanta: Rules::doubling(queues, quantum),
            allotment: 1,
            io_time: 5,
            boost,
            stay_after_io: false,
            io_bump: false,
        };
        let paper = mlfq::schedule(&rules, &mlfq_jobs(&jobs)).ticks;
        agree(&one_teller(PolicyKind::Mlfq, slices, &jobs), &paper)?;
    }
}
