//! Worked examples pinned to OSTEP's homework simulators.
//!
//! Every expected number here was printed by `scheduler.py`,
//! `process-run.py` or `mlfq.py` (from OSTEP's `ostep-homework`) on the
//! command line given in the comment above it; the tests hold the numbers,
//! so they stand without Python. Queue numbers: `mlfq.py`'s PRIORITY 2 of 3
//! queues is our queue 1 (the highest); `-Q` lists the top queue's slice
//! first, as `--quanta` does.

use scheduling::jobs::{self, Job, Policy};
use scheduling::measures::{self, Measures};
use scheduling::mlfq::{self, MlfqJob, Rules};
use scheduling::states::{self, AfterIo, Instruction, Machine, ProcessState, Seen, Switch};
use scheduling::ticks::Ticks;

/// Jobs of these lengths, all arriving at 0, as `scheduler.py -l` takes them.
fn at_zero(lengths: &[u32]) -> Vec<Job> {
    lengths
        .iter()
        .map(|&length| Job { arrival: 0, length })
        .collect()
}

/// (response, turnaround, wait) of every job, in job order.
fn numbers(run: &Ticks) -> Vec<(u32, u32, u32)> {
    measures::of_run(run)
        .iter()
        .map(
            |&Measures {
                 response,
                 turnaround,
                 wait,
             }| (response, turnaround, wait),
        )
        .collect()
}

/// The averages, as the simulators print them (two decimals).
fn averages(run: &Ticks) -> [String; 3] {
    let avg = measures::averages(&measures::of_run(run));
    [avg.response, avg.turnaround, avg.wait].map(|x| format!("{x:.2}"))
}

/// One run of `scheduler.py`: its command line, the same problem here,
/// and what it printed.
struct SchedulerPy {
    /// The reference command line.
    command: &'static str,
    /// The policy (`-p`, with `-q`).
    policy: Policy,
    /// The job lengths (`-l`), all arriving at 0.
    lengths: &'static [u32],
    /// Every job's (response, turnaround, wait), in job order.
    jobs: &'static [(u32, u32, u32)],
    /// The averages line, as printed.
    averages: [&'static str; 3],
}

/// `scheduler.py`'s answers on the lecture's examples.
const SCHEDULER_PY: [SchedulerPy; 8] = [
    SchedulerPy {
        command: "scheduler.py -p FIFO -l 8,3,5 -c",
        policy: Policy::Fcfs,
        lengths: &[8, 3, 5],
        jobs: &[(0, 8, 0), (8, 11, 8), (11, 16, 11)],
        averages: ["6.33", "11.67", "6.33"],
    },
    SchedulerPy {
        command: "scheduler.py -p FIFO -l 100,200,300 -c",
        policy: Policy::Fcfs,
        lengths: &[100, 200, 300],
        jobs: &[(0, 100, 0), (100, 300, 100), (300, 600, 300)],
        averages: ["133.33", "333.33", "133.33"],
    },
    // scheduler.py lists SJF's jobs in the order they ran; here in job order.
    SchedulerPy {
        command: "scheduler.py -p SJF -l 8,3,5 -c",
        policy: Policy::Sjf,
        lengths: &[8, 3, 5],
        jobs: &[(8, 16, 8), (0, 3, 0), (3, 8, 3)],
        averages: ["3.67", "9.00", "3.67"],
    },
    // Ties go by the order given: job 1 before job 3.
    SchedulerPy {
        command: "scheduler.py -p SJF -l 8,3,5,3 -c",
        policy: Policy::Sjf,
        lengths: &[8, 3, 5, 3],
        jobs: &[(11, 19, 11), (0, 3, 0), (6, 11, 6), (3, 6, 3)],
        averages: ["5.00", "9.75", "5.00"],
    },
    // Equal jobs: SJF is FIFO.
    SchedulerPy {
        command: "scheduler.py -p SJF -l 200,200,200 -c",
        policy: Policy::Sjf,
        lengths: &[200, 200, 200],
        jobs: &[(0, 200, 0), (200, 400, 200), (400, 600, 400)],
        averages: ["200.00", "400.00", "200.00"],
    },
    SchedulerPy {
        command: "scheduler.py -p RR -q 1 -l 3,5,8 -c",
        policy: Policy::Rr { quantum: 1 },
        lengths: &[3, 5, 8],
        jobs: &[(0, 7, 4), (1, 12, 7), (2, 16, 8)],
        averages: ["1.00", "11.67", "6.33"],
    },
    SchedulerPy {
        command: "scheduler.py -p RR -q 2 -l 4,1,3 -c",
        policy: Policy::Rr { quantum: 2 },
        lengths: &[4, 1, 3],
        jobs: &[(0, 7, 3), (2, 3, 2), (3, 8, 5)],
        averages: ["1.67", "6.00", "3.33"],
    },
    // A slice as long as the longest job: FIFO's numbers, the lecture's
    // 则轮转法变成了先来先服务法.
    SchedulerPy {
        command: "scheduler.py -p RR -q 8 -l 8,3,5 -c",
        policy: Policy::Rr { quantum: 8 },
        lengths: &[8, 3, 5],
        jobs: &[(0, 8, 0), (8, 11, 8), (11, 16, 11)],
        averages: ["6.33", "11.67", "6.33"],
    },
];

#[test]
fn jobs_give_scheduler_pys_numbers() {
    for case in &SCHEDULER_PY {
        let run = jobs::schedule(case.policy, &at_zero(case.lengths));
        assert_eq!(numbers(&run), case.jobs, "{}", case.command);
        assert_eq!(averages(&run), case.averages, "{}", case.command);
    }
}

/// `n` cpu instructions.
fn cpu(n: usize) -> Vec<Instruction> {
    vec![Instruction::Cpu; n]
}

/// `process-run.py`'s defaults: switch on I/O, run later, I/O of 5 ticks.
const DEFAULTS: Machine = Machine {
    switch: Switch::OnIo,
    after_io: AfterIo::Later,
    io_length: 5,
};

/// (total, CPU busy, I/O busy) of a states run.
fn totals(run: &states::StatesRun) -> (u32, u32, u32) {
    (run.total, run.cpu_busy, run.io_busy)
}

#[test]
fn two_cpu_bound_processes_take_turns_only_at_the_end() {
    // process-run.py -l 5:100,5:100 -c -p
    let run = states::run(DEFAULTS, &[cpu(5), cpu(5)]);
    assert_eq!(totals(&run), (10, 10, 0));
    assert_eq!(
        run.steps[5].processes,
        [Seen::In(ProcessState::Done), Seen::Ran(Instruction::Cpu)]
    );
}

#[test]
fn an_io_after_the_cpu_work_overlaps_nothing() {
    // process-run.py -l 4:100,1:0 -c -p
    let run = states::run(DEFAULTS, &[cpu(4), vec![Instruction::Io]]);
    assert_eq!(totals(&run), (11, 6, 5));
    // Tick 11 (starred): the I/O completed; io_done runs.
    let last = &run.steps[10];
    assert!(last.io_done);
    assert_eq!(last.processes[1], Seen::Ran(Instruction::IoDone));
}

#[test]
fn an_io_first_lets_the_other_process_run_meanwhile() {
    // process-run.py -l 1:0,4:100 -c -p
    let run = states::run(DEFAULTS, &[vec![Instruction::Io], cpu(4)]);
    assert_eq!(totals(&run), (7, 6, 5));
    assert_eq!(
        run.steps[1].processes,
        [Seen::In(ProcessState::Blocked), Seen::Ran(Instruction::Cpu)]
    );
    assert_eq!(run.steps[1].ios_in_flight, 1);
}

#[test]
fn switching_only_at_the_end_idles_the_cpu_through_the_io() {
    // process-run.py -l 1:0,4:100 -S SWITCH_ON_END -c -p
    let machine = Machine {
        switch: Switch::OnEnd,
        ..DEFAULTS
    };
    let run = states::run(machine, &[vec![Instruction::Io], cpu(4)]);
    assert_eq!(totals(&run), (11, 6, 5));
    assert_eq!(
        run.steps[1].processes,
        [
            Seen::In(ProcessState::Blocked),
            Seen::In(ProcessState::Ready)
        ]
    );
    assert!(!run.steps[1].cpu_busy);
}

#[test]
fn after_io_later_and_immediate() {
    let programs = [vec![Instruction::Io; 3], cpu(5), cpu(5), cpu(5)];
    // process-run.py -l 3:0,5:100,5:100,5:100 -S SWITCH_ON_IO -I IO_RUN_LATER -c -p
    let later = states::run(DEFAULTS, &programs);
    assert_eq!(totals(&later), (31, 21, 15));
    // Tick 7: process 0's I/O is done, but it waits its turn (ready).
    assert_eq!(later.steps[6].processes[0], Seen::In(ProcessState::Ready));
    // process-run.py -l 3:0,5:100,5:100,5:100 -S SWITCH_ON_IO -I IO_RUN_IMMEDIATE -c -p
    let machine = Machine {
        after_io: AfterIo::Immediate,
        ..DEFAULTS
    };
    let immediate = states::run(machine, &programs);
    assert_eq!(totals(&immediate), (21, 21, 15));
    assert_eq!(
        immediate.steps[6].processes[0],
        Seen::Ran(Instruction::IoDone)
    );
}

/// MLFQ rules with these slices and `mlfq.py`'s other defaults: allotment
/// 1, I/O of 5 ticks, no boost, neither -S nor -I.
fn slices(quanta: &[u32]) -> Rules {
    Rules {
        quanta: quanta.to_vec(),
        allotment: 1,
        io_time: 5,
        boost: None,
        stay_after_io: false,
        io_bump: false,
    }
}

/// `(start, length, io_every)` triples as MLFQ jobs, like `mlfq.py -l`.
fn mlfq_jobs(list: &[(u32, u32, u32)]) -> Vec<MlfqJob> {
    list.iter()
        .map(|&(arrival, length, io_every)| MlfqJob {
            arrival,
            length,
            io_every,
        })
        .collect()
}

/// (response, turnaround) of every job: what `mlfq.py` prints.
fn mlfq_numbers(rules: &Rules, list: &[(u32, u32, u32)]) -> Vec<(u32, u32)> {
    let run = mlfq::schedule(rules, &mlfq_jobs(list));
    numbers(&run.ticks)
        .into_iter()
        .map(|(response, turnaround, _)| (response, turnaround))
        .collect()
}

#[test]
fn a_short_newcomer_preempts_a_demoted_long_job() {
    // mlfq.py -l 0,200,0:100,20,0 -Q 10,20,40 -c
    let rules = slices(&[10, 20, 40]);
    assert_eq!(
        mlfq_numbers(&rules, &[(0, 200, 0), (100, 20, 0)]),
        [(0, 220), (0, 20)]
    );
}

#[test]
fn the_lectures_demotion_with_doubling_slices() {
    // mlfq.py -l 0,30,0:5,8,0 -Q 4,8,16 -c
    let rules = slices(&Rules::doubling(3, 4));
    assert_eq!(rules.quanta, [4, 8, 16]);
    assert_eq!(
        mlfq_numbers(&rules, &[(0, 30, 0), (5, 8, 0)]),
        [(0, 38), (0, 15)]
    );
}

#[test]
fn an_interactive_jobs_ticks_add_up_across_its_ios() {
    // mlfq.py -l 0,200,0:50,25,1 -Q 10,20,40 -i 5 -c
    let list = [(0, 200, 0), (50, 25, 1)];
    let rules = slices(&[10, 20, 40]);
    assert_eq!(mlfq_numbers(&rules, &list), [(0, 225), (0, 145)]);
    // Job 1 does an I/O after every tick, but without -S its slice is not
    // renewed by the I/O: after 10 ticks in queue 1 it has used the slice
    // up and moves down to queue 2. Job 0 sank to queue 3 long before.
    let run = mlfq::schedule(&rules, &mlfq_jobs(&list));
    let levels_of = |job: usize| -> Vec<usize> {
        (0..run.ticks.ticks())
            .filter_map(|t| run.ticks.running_at(t))
            .filter(|&(j, _)| j == job)
            .map(|(_, level)| level)
            .collect()
    };
    assert_eq!(levels_of(1), [[0; 10].as_slice(), &[1; 15]].concat());
    assert_eq!(levels_of(0).last(), Some(&2));
}

#[test]
fn a_boost_brings_every_job_back_to_the_top() {
    // mlfq.py -l 0,100,0:0,100,0:0,20,0 -Q 10,20,40 -B 50 -c
    let rules = Rules {
        boost: Some(50),
        ..slices(&[10, 20, 40])
    };
    assert_eq!(
        mlfq_numbers(&rules, &[(0, 100, 0), (0, 100, 0), (0, 20, 0)]),
        [(0, 160), (10, 220), (20, 80)]
    );
}

#[test]
fn staying_after_io_lets_a_job_game_the_scheduler() {
    let list = [(0, 100, 0), (0, 60, 9)];
    // mlfq.py -l 0,100,0:0,60,9 -Q 10,20,40 -i 1 -c
    let fair = Rules {
        io_time: 1,
        ..slices(&[10, 20, 40])
    };
    assert_eq!(mlfq_numbers(&fair, &list), [(0, 136), (10, 162)]);
    // mlfq.py -l 0,100,0:0,60,9 -Q 10,20,40 -i 1 -S -c
    let gamed = Rules {
        stay_after_io: true,
        ..fair
    };
    assert_eq!(mlfq_numbers(&gamed, &list), [(0, 160), (10, 76)]);
}

#[test]
fn io_bump_puts_a_job_back_at_the_head_of_its_queue() {
    // mlfq.py -l 0,30,0:0,20,2:0,20,2 -Q 5,10 -i 3 -I -c
    let rules = Rules {
        io_time: 3,
        io_bump: true,
        ..slices(&[5, 10])
    };
    assert_eq!(
        mlfq_numbers(&rules, &[(0, 30, 0), (0, 20, 2), (0, 20, 2)]),
        [(0, 60), (5, 73), (7, 74)]
    );
}

#[test]
fn an_allotment_of_two_slices_keeps_a_job_at_its_level_for_two() {
    // mlfq.py -l 0,50,0 -Q 10,20 -a 2 -c
    let rules = Rules {
        allotment: 2,
        ..slices(&[10, 20])
    };
    let run = mlfq::schedule(&rules, &mlfq_jobs(&[(0, 50, 0)]));
    assert_eq!(numbers(&run.ticks), [(0, 50, 0)]);
    // Two slices of 10 in queue 1, then queue 2.
    let levels: Vec<usize> = (0..50)
        .filter_map(|t| run.ticks.running_at(t).map(|(_, level)| level))
        .collect();
    assert!(levels[..20].iter().all(|&l| l == 0));
    assert!(levels[20..].iter().all(|&l| l == 1));
}
