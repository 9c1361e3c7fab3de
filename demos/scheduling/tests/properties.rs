//! Properties every schedule has, checked on random job sets: the work is
//! all done, the CPU never idles while a job is ready, and the textbook's
//! comparisons between policies hold.

use proptest::prelude::*;
use scheduling::jobs::{self, Job, Policy};
use scheduling::measures;
use scheduling::mlfq::{self, MlfqJob, Rules};
use scheduling::states::{self, AfterIo, Instruction, Machine, ProcessState, Seen, Switch};
use scheduling::ticks::{Tick, Ticks};

/// One to eight jobs, arriving within 20 ticks, 1 to 15 ticks long.
fn job_sets() -> impl Strategy<Value = Vec<Job>> {
    prop::collection::vec(
        (0..20u32, 1..16u32).prop_map(|(arrival, length)| Job { arrival, length }),
        1..8,
    )
}

/// One to eight jobs, all arriving at 0.
fn jobs_at_zero() -> impl Strategy<Value = Vec<Job>> {
    prop::collection::vec(
        (1..16u32).prop_map(|length| Job { arrival: 0, length }),
        1..8,
    )
}

/// Any of the four policies, round robin with a slice of 1 to 6.
fn policies() -> impl Strategy<Value = Policy> {
    prop_oneof![
        Just(Policy::Fcfs),
        Just(Policy::Sjf),
        Just(Policy::Stcf),
        (1..7u32).prop_map(|quantum| Policy::Rr { quantum }),
    ]
}

/// Mean turnaround of a run.
fn mean_turnaround(run: &Ticks) -> f64 {
    measures::averages(&measures::of_run(run)).turnaround
}

/// Every job ran exactly its length, never before it arrived, and left no
/// tick with a ready job and an idle CPU.
fn check_sound(run: &Ticks) -> Result<(), TestCaseError> {
    for (id, row) in run.rows.iter().enumerate() {
        prop_assert_eq!(
            row.count(Tick::is_running),
            row.length,
            "job {} ran its length",
            id
        );
        let before = &row.ticks[..(row.arrival as usize).min(row.ticks.len())];
        prop_assert!(
            before.iter().all(|m| *m == Tick::Absent),
            "job {} not before it arrives",
            id
        );
    }
    for t in 0..run.ticks() {
        let someone_ready = run.rows.iter().any(|l| l.ticks[t as usize] == Tick::Ready);
        prop_assert!(
            !someone_ready || run.running_at(t).is_some(),
            "tick {} idles while a job is ready",
            t
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn every_policy_does_all_the_work_and_never_idles_with_a_job_ready(
        jobs in job_sets(), policy in policies()
    ) {
        let run = jobs::schedule(policy, &jobs);
        check_sound(&run)?;
        // Without I/O, a job is ready whenever it is in the system and not
        // running: wait = turnaround - length.
        for (row, m) in run.rows.iter().zip(measures::of_run(&run)) {
            prop_assert_eq!(m.wait, m.turnaround - row.length);
        }
    }

    #[test]
    fn sjf_never_has_a_worse_mean_turnaround_than_fcfs_for_jobs_arriving_together(
        jobs in jobs_at_zero()
    ) {
        let sjf = mean_turnaround(&jobs::schedule(Policy::Sjf, &jobs));
        let fcfs = mean_turnaround(&jobs::schedule(Policy::Fcfs, &jobs));
        prop_assert!(sjf <= fcfs, "SJF {} > FCFS {}", sjf, fcfs);
    }

    #[test]
    fn stcf_is_sjf_when_jobs_arrive_together(jobs in jobs_at_zero()) {
        prop_assert_eq!(
            jobs::schedule(Policy::Stcf, &jobs),
            jobs::schedule(Policy::Sjf, &jobs)
        );
    }

    #[test]
    fn stcf_has_the_best_mean_turnaround_of_all(jobs in job_sets(), policy in policies()) {
        let stcf = mean_turnaround(&jobs::schedule(Policy::Stcf, &jobs));
        let other = mean_turnaround(&jobs::schedule(policy, &jobs));
        prop_assert!(stcf <= other + 1e-9, "STCF {} > {:?} {}", stcf, policy, other);
    }

    #[test]
    fn round_robin_with_a_slice_at_least_the_longest_job_is_fcfs(
        jobs in job_sets(), extra in 0..5u32
    ) {
        let longest = jobs.iter().map(|j| j.length).max().unwrap_or(1);
        let rr = Policy::Rr { quantum: longest + extra };
        prop_assert_eq!(jobs::schedule(rr, &jobs), jobs::schedule(Policy::Fcfs, &jobs));
    }

    #[test]
    fn mlfq_with_one_queue_is_round_robin_with_that_slice(
        jobs in job_sets(), quantum in 1..7u32, allotment in 1..4u32
    ) {
        let rules = Rules {
            quanta: vec![quantum],
            allotment,
            io_time: 5,
            boost: None,
            stay_after_io: false,
            io_bump: false,
        };
        let mlfq_jobs: Vec<MlfqJob> = jobs
            .iter()
            .map(|j| MlfqJob { arrival: j.arrival, length: j.length, io_every: 0 })
            .collect();
        let mlfq = mlfq::schedule(&rules, &mlfq_jobs);
        prop_assert_eq!(mlfq.ticks, jobs::schedule(Policy::Rr { quantum }, &jobs));
    }

    #[test]
    fn mlfq_does_all_the_work_and_waits_only_when_ready(
        list in prop::collection::vec((0..30u32, 1..60u32, 0..10u32), 1..5),
        queues in 1..5usize,
        quantum in 1..9u32,
        allotment in 1..4u32,
        io_time in 0..8u32,
        boost in prop::option::of(5..60u32),
        stay_after_io: bool,
        io_bump: bool,
    ) {
        let rules = Rules {
            quanta: Rules::doubling(queues, quantum),
            allotment,
            io_time,
            boost,
            stay_after_io,
            io_bump,
        };
        let jobs: Vec<MlfqJob> = list
            .iter()
            .map(|&(arrival, length, io_every)| MlfqJob { arrival, length, io_every })
            .collect();
        let run = mlfq::schedule(&rules, &jobs);
        check_sound(&run.ticks)?;
        // A job's time in the system is running + blocked + ready.
        for (row, m) in run.ticks.rows.iter().zip(measures::of_run(&run.ticks)) {
            let blocked = row.count(Tick::is_blocked);
            prop_assert_eq!(m.wait, m.turnaround - row.length - blocked);
        }
    }

    #[test]
    fn states_cpu_busy_plus_idle_is_the_total(
        programs in prop::collection::vec(
            prop::collection::vec(prop_oneof![Just(Instruction::Cpu), Just(Instruction::Io)], 1..8),
            1..5,
        ),
        io_length in 0..8u32,
        on_end: bool,
        immediate: bool,
    ) {
        let machine = Machine {
            switch: if on_end { Switch::OnEnd } else { Switch::OnIo },
            after_io: if immediate { AfterIo::Immediate } else { AfterIo::Later },
            io_length,
        };
        let run = states::run(machine, &programs);
        let idle = run.steps.iter().filter(|t| !t.cpu_busy).count() as u32;
        prop_assert_eq!(run.steps.len() as u32, run.total);
        prop_assert_eq!(run.cpu_busy + idle, run.total);
        prop_assert!(run.io_busy <= run.total);
        // Every instruction ran, each in one tick of CPU (io and io_done).
        let work: usize = programs.iter().map(|p| states::expand(p).len()).sum();
        prop_assert_eq!(run.cpu_busy as usize, work);
        // Switching on I/O, the CPU never idles while a process is ready.
        if machine.switch == Switch::OnIo {
            for tick in &run.steps {
                let ready = tick.processes.contains(&Seen::In(ProcessState::Ready));
                prop_assert!(!ready || tick.cpu_busy, "tick {} idles with a process ready", tick.time);
            }
        }
    }
}
