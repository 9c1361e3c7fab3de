//! # Four policies on jobs: FCFS, SJF, STCF, round robin
//!
//! > 先来先服务(FCFS)调度算法是一种最简单的调度算法 ……
//! > 短作业(进程)优先调度算法(SJ/PF)是指对短作业或短进程优先调度的算法 ……
//! > 时间片轮转(Round Robin,RR)法 …… 如果一个进程在被调度选中之后用完了系统规定的
//! > 时间片,但又未完成要求的任务,则它自行释放自己所占有的CPU而排到就绪队列的末尾
//!
//! A job here is only an arrival time and a length (the ticks of CPU it
//! needs); it does no I/O. One CPU, one tick at a time, and before every
//! tick the policy says who runs:
//!
//! | policy | 中文 | who runs next | pre-empts? |
//! |---|---|---|---|
//! | [`Policy::Fcfs`] | 先来先服务 | the earliest arrival | no: a job runs to completion |
//! | [`Policy::Sjf`] | 短作业优先 | the shortest job | no |
//! | [`Policy::Stcf`] | 最短剩余时间优先 | the job with the least work left | yes, by a shorter newcomer |
//! | [`Policy::Rr`] | 时间片轮转 | the head of the ready queue, for one slice | yes, when its slice is used up |
//!
//! Ties, stated once (OSTEP's `scheduler.py` takes every job at time 0 and
//! breaks ties by the order the jobs were given; with arrivals we keep to
//! that): equal candidates go by arrival, then by the order given. STCF
//! never pre-empts the running job for a tie.
//!
//! Round robin, where the lecture says nothing: a job whose slice runs out
//! goes to the tail of the ready queue *before* a job arriving at that same
//! tick, as in OSTEP's `mlfq.py` (so one-queue MLFQ is exactly RR).
//!
//! What to watch: with all jobs at 0, SJF's mean turnaround is never worse
//! than FCFS's (short jobs no longer wait behind a long one); RR gives the
//! best response and, with a slice at least the longest job, becomes FCFS
//! (则轮转法变成了先来先服务法).
//!
//! ```text
//! cargo run -p scheduling -- jobs --policy sjf --jobs 8,3,5
//! cargo run -p scheduling -- jobs --policy rr --quantum 2 --jobs 0:8,2:3,4:5
//! ```

use std::collections::VecDeque;

use crate::ticks::{JobTicks, Tick, Ticks};

/// A job: when it arrives and how much CPU it needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Job {
    /// The tick at which the job enters the system.
    pub arrival: u32,
    /// The ticks of CPU it needs to complete (at least 1).
    pub length: u32,
}

/// Who runs next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    /// First come, first served (先来先服务): runs each job to completion in
    /// the order they arrived.
    Fcfs,
    /// Shortest job first (短作业优先): when the CPU is free, the shortest
    /// job that has arrived; then it runs to completion.
    Sjf,
    /// Shortest time-to-completion first: before every tick, the job with
    /// the least work left, pre-empting the running job for a shorter one.
    Stcf,
    /// Round robin (时间片轮转): the head of the ready queue runs for one
    /// slice; if it is not done, it goes to the tail.
    Rr {
        /// The time slice, in ticks (at least 1).
        quantum: u32,
    },
}

/// Where a job is, as the scheduler sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Outstanding {
    /// Ticks of CPU still needed; 0 once done.
    left: u32,
    /// Whether it has arrived.
    arrived: bool,
}

impl Outstanding {
    /// Arrived and not done: it could use the CPU (running or 就绪 ready).
    fn wants_cpu(&self) -> bool {
        self.arrived && self.left > 0
    }
}

/// Runs `jobs` on one CPU under `policy`, tick by tick, until every job is
/// done, and returns what each job did in each tick.
pub fn schedule(policy: Policy, jobs: &[Job]) -> Ticks {
    let mut progress: Vec<Outstanding> = jobs
        .iter()
        .map(|job| Outstanding {
            left: job.length,
            arrived: false,
        })
        .collect();
    let mut rows: Vec<JobTicks> = jobs
        .iter()
        .map(|job| JobTicks::new(job.arrival, job.length))
        .collect();
    // Round robin's ready queue, head first (the other policies choose
    // among all ready jobs each time).
    let mut queue: VecDeque<usize> = VecDeque::new();
    // The job holding the CPU, and what is left of its slice (round robin
    // only; the other policies carry a 0 they never read).
    let mut running: Option<(usize, u32)> = None;
    let mut now = 0;

    while progress.iter().any(|p| p.left > 0) {
        // 1. Jobs arriving now, in the order given.
        for (id, job) in jobs.iter().enumerate() {
            if job.arrival == now {
                progress[id].arrived = true;
                if matches!(policy, Policy::Rr { .. }) {
                    queue.push_back(id);
                }
            }
        }

        // 2. Who holds the CPU for this tick.
        running = match policy {
            Policy::Fcfs => running.or_else(|| {
                earliest(jobs, &progress, |id| (jobs[id].arrival, id)).map(|id| (id, 0))
            }),
            Policy::Sjf => running.or_else(|| {
                earliest(jobs, &progress, |id| {
                    (jobs[id].length, jobs[id].arrival, id)
                })
                .map(|id| (id, 0))
            }),
            Policy::Stcf => {
                // The running job keeps the CPU on a tie: it is first in the
                // ordering (false < true).
                let key = |id: usize| {
                    let incumbent = running.map(|(r, _)| r) == Some(id);
                    (progress[id].left, !incumbent, jobs[id].arrival, id)
                };
                earliest(jobs, &progress, key).map(|id| (id, 0))
            }
            Policy::Rr { quantum } => running.or_else(|| queue.pop_front().map(|id| (id, quantum))),
        };

        // 3. What every job does in this tick.
        for (id, row) in rows.iter_mut().enumerate() {
            let mark = match running {
                Some((r, _)) if r == id => Tick::Running { level: 0 },
                _ if progress[id].wants_cpu() => Tick::Ready,
                _ => Tick::Absent,
            };
            row.ticks.push(mark);
        }

        // 4. The tick's work: done, slice used up, or on to the next tick.
        if let Some((id, slice)) = running {
            progress[id].left -= 1;
            let slice = slice.saturating_sub(1);
            running = if progress[id].left == 0 {
                None
            } else if matches!(policy, Policy::Rr { .. }) && slice == 0 {
                // Slice used up: to the tail, before the next tick's arrivals.
                queue.push_back(id);
                None
            } else {
                Some((id, slice))
            };
        }
        now += 1;
    }
    Ticks { rows }
}

/// The ready job that comes first by `key`, if any job is ready.
fn earliest<K: Ord>(
    jobs: &[Job],
    progress: &[Outstanding],
    key: impl Fn(usize) -> K,
) -> Option<usize> {
    (0..jobs.len())
        .filter(|&id| progress[id].wants_cpu())
        .min_by_key(|&id| key(id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measures::{self, Measures};

    /// The measures of one job.
    fn job(response: u32, turnaround: u32, wait: u32) -> Measures {
        Measures {
            response,
            turnaround,
            wait,
        }
    }

    // The examples pinned to OSTEP's scheduler.py are in tests/reference.rs;
    // these are the cases it cannot run: jobs arriving at different times.

    #[test]
    fn stcf_preempts_for_a_shorter_newcomer() {
        // Job 0 (8 ticks) runs alone until job 1 (3 ticks) arrives at 2
        // with less left than job 0's 6: job 1 runs 2-5, then job 0 goes on.
        let jobs = [
            Job {
                arrival: 0,
                length: 8,
            },
            Job {
                arrival: 2,
                length: 3,
            },
        ];
        let stcf = measures::of_run(&schedule(Policy::Stcf, &jobs));
        assert_eq!(stcf, [job(0, 11, 3), job(0, 3, 0)]);
        // SJF does not pre-empt: job 1 waits for job 0.
        let sjf = measures::of_run(&schedule(Policy::Sjf, &jobs));
        assert_eq!(sjf, [job(0, 8, 0), job(6, 9, 6)]);
    }

    #[test]
    fn the_cpu_idles_until_the_first_arrival() {
        let jobs = [Job {
            arrival: 3,
            length: 2,
        }];
        let run = schedule(Policy::Fcfs, &jobs);
        assert_eq!(run.ticks(), 5);
        assert_eq!(run.rows[0].ticks[..3], [Tick::Absent; 3]);
        assert_eq!(measures::of_run(&run), [job(0, 2, 0)]);
    }

    #[test]
    fn a_preempted_job_queues_before_a_newcomer_of_the_same_tick() {
        // Job 0's 2-tick slice ends at 2, when job 1 arrives: job 0 is
        // queued first, so it runs again (2-4) before job 1 (4-5).
        let jobs = [
            Job {
                arrival: 0,
                length: 4,
            },
            Job {
                arrival: 2,
                length: 1,
            },
        ];
        let rr = measures::of_run(&schedule(Policy::Rr { quantum: 2 }, &jobs));
        assert_eq!(rr, [job(0, 4, 0), job(2, 3, 2)]);
    }
}
