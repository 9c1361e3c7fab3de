//! # 多级反馈队列 MLFQ: the multilevel feedback queue
//!
//! > (1) 应设置多个就绪队列,并为各个队列赋予不同的优先级。…… 第i+1个队列的时间片要比
//! > 第i个队列的时间片长一倍。
//! > (2) 当一个新进程进入内存后,首先将它放入第一队列的末尾 …… 如果它在一个时间片结束时
//! > 尚未完成,调度程序便将该进程转入第二队列的末尾 …… 在第n队列便采取按时间片轮转的方式运行。
//! > (3) 仅当第一队列空闲时,调度程序才调度第二队列中的进程运行 ……
//!
//! The scheduler does not need to know how long a job is: it learns. Every
//! job starts in queue 1, the highest priority and the shortest slice. A job
//! that uses up its allotment of slices at a level moves down one level,
//! where slices are longer; the lowest queue is plain round robin. Before
//! every tick the CPU goes to the head of the highest non-empty queue, so a
//! job arriving in a higher queue takes the CPU at the next tick.
//!
//! The knobs, as in OSTEP's `mlfq.py`:
//!
//! - `quanta`: each level's slice, top first. The lecture doubles it level
//!   by level (10, 20, 40); `mlfq.py`'s own default is 10 at every level.
//! - `allotment`: how many slices a job may use at a level before it moves
//!   down (OSTEP's `-a`, default 1: the lecture's rule).
//! - `io_every`: a job issues an I/O after every `io_every` ticks of CPU
//!   (0: never); the I/O takes `io_time` ticks, blocked (阻塞), and then the
//!   job joins the tail of its queue again.
//! - `boost`: every `boost` ticks, every job goes back to queue 1 (so a long
//!   job cannot starve, and a job that changed its ways is believed again).
//! - `stay_after_io` (OSTEP's `-S`): an I/O resets the job's slice and
//!   allotment at its level, so a job that always does I/O before its slice
//!   ends stays up forever (the rule that lets a job game the scheduler).
//! - `io_bump` (OSTEP's `-I`): a job back from I/O goes to the *head* of
//!   its queue instead of the tail.
//!
//! The order of things at each tick, which decides ties (OSTEP's order):
//! first the boost, then the jobs arriving at this tick (in the order
//! given), then the I/O completing at this tick; then the head of the
//! highest non-empty queue runs for one tick. A job whose slice ends is
//! queued before a job arriving at that same tick.
//!
//! Where this differs from the lecture's words: rule (3) says a newcomer to
//! a higher queue pre-empts the running job and puts it back at the *tail*
//! of its queue. Here (and in `mlfq.py`) the newcomer does take the CPU at
//! once, but the pre-empted job stays at the *head* of its queue with what
//! is left of its slice, and resumes first when its level's turn comes.
//!
//! ```text
//! cargo run -p scheduling -- mlfq --job 0:30:0 --job 5:8:0 --quantum 4
//! ```

use std::collections::VecDeque;

use crate::ticks::{JobTicks, Tick, Ticks};

/// A job for the MLFQ: when it arrives, how long it runs, how often it
/// does I/O.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MlfqJob {
    /// The tick at which the job enters the system.
    pub arrival: u32,
    /// The ticks of CPU it needs to complete (at least 1).
    pub length: u32,
    /// It issues an I/O after every this many ticks of CPU; 0 for never.
    pub io_every: u32,
}

/// The scheduler's rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rules {
    /// Each queue's time slice in ticks, queue 1 (the highest) first; at
    /// least one queue, every slice at least 1 tick.
    pub quanta: Vec<u32>,
    /// How many slices a job may use at one level before it moves down.
    pub allotment: u32,
    /// How many ticks an I/O keeps a job blocked.
    pub io_time: u32,
    /// Every this many ticks, all jobs go back to queue 1; `None` for never.
    pub boost: Option<u32>,
    /// An I/O resets the job's slice and allotment at its level (`-S`).
    pub stay_after_io: bool,
    /// A job back from I/O joins the head of its queue, not the tail (`-I`).
    pub io_bump: bool,
}

impl Rules {
    /// The lecture's queues: `queues` levels, the top one's slice
    /// `quantum`, each one below twice the one above.
    pub fn doubling(queues: usize, quantum: u32) -> Vec<u32> {
        (0..queues)
            .scan(quantum, |slice, _| {
                let this = *slice;
                *slice = slice.saturating_mul(2);
                Some(this)
            })
            .collect()
    }
}

/// Something that happened, for the trace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Happening {
    /// Every job went back to queue 1.
    Boost,
    /// A job entered the system, at the tail of queue 1.
    Arrive {
        /// The job.
        job: usize,
    },
    /// A job's I/O completed; it is ready again at `level`.
    IoDone {
        /// The job.
        job: usize,
        /// The queue it rejoins.
        level: usize,
    },
    /// A job held the CPU from this event's time to `end`.
    Run {
        /// The job.
        job: usize,
        /// The queue it ran from.
        level: usize,
        /// The time it stopped.
        end: u32,
    },
    /// A job issued an I/O and is blocked until `until`.
    IoStart {
        /// The job.
        job: usize,
        /// When its I/O completes.
        until: u32,
    },
    /// A job used up one slice at `level`; `now_at` is its level from now on
    /// (one lower if that was its last slice there).
    SliceUsed {
        /// The job.
        job: usize,
        /// The queue where it used the slice.
        level: usize,
        /// The queue it is in now.
        now_at: usize,
    },
    /// A job completed.
    Finish {
        /// The job.
        job: usize,
    },
    /// No job was ready: the CPU idled until `end`.
    Idle {
        /// The time a job was ready again.
        end: u32,
    },
}

/// A run of the MLFQ: what each job did in each tick, and the trace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MlfqRun {
    /// The jobs' rows; a running mark says the queue level.
    pub ticks: Ticks,
    /// What happened, in order, each with the time it happened.
    pub happenings: Vec<(u32, Happening)>,
}

/// One job's standing with the scheduler.
#[derive(Clone, Copy, Debug)]
struct Standing {
    /// Its queue: 0 is queue 1, the highest.
    level: usize,
    /// Ticks left of its current slice.
    slice_left: u32,
    /// Slices left before it moves down.
    allotment_left: u32,
    /// Ticks of CPU it still needs.
    left: u32,
    /// When its I/O completes, while it is blocked.
    io_until: Option<u32>,
}

/// Runs `jobs` under `rules` until every job is done.
pub fn schedule(rules: &Rules, jobs: &[MlfqJob]) -> MlfqRun {
    let fresh = |level: usize, left: u32| Standing {
        level,
        slice_left: rules.quanta[level],
        allotment_left: rules.allotment,
        left,
        io_until: None,
    };
    let mut standing: Vec<Standing> = jobs.iter().map(|job| fresh(0, job.length)).collect();
    let mut queues: Vec<VecDeque<usize>> = vec![VecDeque::new(); rules.quanta.len()];
    let mut rows: Vec<JobTicks> = jobs
        .iter()
        .map(|job| JobTicks::new(job.arrival, job.length))
        .collect();
    let mut log = Log::default();
    let bottom = rules.quanta.len() - 1;
    let mut now: u32 = 0;

    while standing.iter().any(|s| s.left > 0) {
        // 1. The boost: the queues below the top emptied into it, the
        //    lowest first (mlfq.py's order), and every job not yet done
        //    starts afresh at the top, blocked ones and future ones too.
        if rules
            .boost
            .is_some_and(|every| now != 0 && now % every == 0)
        {
            for level in (1..queues.len()).rev() {
                let moved: Vec<usize> = queues[level].drain(..).collect();
                queues[0].extend(moved);
            }
            for s in standing.iter_mut().filter(|s| s.left > 0) {
                *s = Standing {
                    io_until: s.io_until,
                    ..fresh(0, s.left)
                };
            }
            log.push(now, Happening::Boost);
        }
        // 2. Arrivals, in the order given, at the tail of queue 1.
        for (id, job) in jobs.iter().enumerate() {
            if job.arrival == now {
                queues[standing[id].level].push_back(id);
                log.push(now, Happening::Arrive { job: id });
            }
        }
        // 3. The I/O completing now (at most one: one job runs per tick,
        //    and every I/O takes io_time), back to the tail of the job's
        //    queue (or, with io_bump, the head).
        for id in 0..jobs.len() {
            if standing[id].io_until == Some(now) {
                standing[id].io_until = None;
                let queue = &mut queues[standing[id].level];
                if rules.io_bump {
                    queue.push_front(id);
                } else {
                    queue.push_back(id);
                }
                let level = standing[id].level;
                log.push(now, Happening::IoDone { job: id, level });
            }
        }
        // 4. The head of the highest non-empty queue runs one tick.
        let chosen = queues
            .iter()
            .enumerate()
            .find_map(|(level, queue)| queue.front().map(|&id| (id, level)));
        for (id, row) in rows.iter_mut().enumerate() {
            let mark = match chosen {
                Some((running, level)) if running == id => Tick::Running { level },
                _ if standing[id].io_until.is_some() => Tick::Blocked,
                _ if queues.iter().any(|q| q.contains(&id)) => Tick::Ready,
                _ => Tick::Absent,
            };
            row.ticks.push(mark);
        }
        let Some((id, level)) = chosen else {
            log.push(now, Happening::Idle { end: now + 1 });
            now += 1;
            continue;
        };
        log.push(
            now,
            Happening::Run {
                job: id,
                level,
                end: now + 1,
            },
        );
        let job = &jobs[id];
        let s = &mut standing[id];
        s.left -= 1;
        s.slice_left -= 1;
        // What the tick left of the slice, before any reset below.
        let slice_ended = s.slice_left == 0;
        now += 1;

        // 5. Done?
        if s.left == 0 {
            queues[level].pop_front();
            log.push(now, Happening::Finish { job: id });
            continue;
        }
        // 6. Time for an I/O? Then off the queue, blocked.
        let ran = job.length - s.left;
        let issues_io = job.io_every > 0 && ran % job.io_every == 0;
        if issues_io {
            queues[level].pop_front();
            s.io_until = Some(now + rules.io_time);
            if rules.stay_after_io {
                s.slice_left = rules.quanta[level];
                s.allotment_left = rules.allotment;
            }
            log.push(
                now,
                Happening::IoStart {
                    job: id,
                    until: now + rules.io_time,
                },
            );
        }
        // 7. Slice used up? One allotment less; the last one moves the job
        //    down (the bottom queue starts it afresh). This looks at the
        //    slice as the tick left it: with stay_after_io, an I/O issued on
        //    the very tick the slice ends still uses up the slice, as in
        //    mlfq.py.
        if slice_ended {
            if !issues_io {
                queues[level].pop_front();
            }
            s.allotment_left = s.allotment_left.saturating_sub(1);
            if s.allotment_left == 0 {
                s.level = (level + 1).min(bottom);
                s.slice_left = rules.quanta[s.level];
                s.allotment_left = rules.allotment;
            } else {
                s.slice_left = rules.quanta[level];
            }
            if !issues_io {
                queues[s.level].push_back(id);
            }
            log.push(
                now,
                Happening::SliceUsed {
                    job: id,
                    level,
                    now_at: s.level,
                },
            );
        }
    }
    MlfqRun {
        ticks: Ticks { rows },
        happenings: log.happenings,
    }
}

/// The trace being written: consecutive ticks of one job at one level,
/// and consecutive idle ticks, become one event.
#[derive(Default)]
struct Log {
    /// What happened so far, each with its time.
    happenings: Vec<(u32, Happening)>,
}

impl Log {
    /// Adds `event` at time `at`, extending the last one if it is the same
    /// run or idle stretch going on.
    fn push(&mut self, at: u32, event: Happening) {
        if let Some((_, last)) = self.happenings.last_mut() {
            match (last, event) {
                (
                    Happening::Run { job, level, end },
                    Happening::Run {
                        job: next_job,
                        level: next_level,
                        end: next_end,
                    },
                ) if *job == next_job && *level == next_level && *end == at => {
                    *end = next_end;
                    return;
                }
                (Happening::Idle { end }, Happening::Idle { end: next_end }) if *end == at => {
                    *end = next_end;
                    return;
                }
                _ => {}
            }
        }
        self.happenings.push((at, event));
    }
}
