//! # The timeline: what every job did in every tick
//!
//! A scheduler answers one question, again and again: who gets the CPU for
//! the next tick? Its whole history is therefore a table with a row per job
//! and a column per tick, each cell saying what that job was doing then:
//!
//! | mark | the job | 中文 |
//! |---|---|---|
//! | `Running` | holds the CPU this tick (at some queue level, for MLFQ) | 运行 |
//! | `Ready` | has arrived and could run, but another job holds the CPU | 就绪 |
//! | `Blocked` | waits for its I/O to finish; it could not run even on a free CPU | 阻塞 |
//! | `Absent` | has not arrived yet, or is already done | |
//!
//! Every policy in this crate (`jobs`, `mlfq`) writes such a table, and
//! everything else is read off it: the Gantt chart draws it, the execution
//! order is its runs of `Running`, and the measures (response, turnaround,
//! wait) count its cells. So the chart and the numbers can never disagree.
//!
//! Time is counted in ticks from 0: tick `t` is the interval from time `t`
//! to time `t + 1`. A job that runs in ticks 0 to 7 starts at time 0 and
//! completes at time 8.

use serde::Serialize;

/// What one job was doing during one tick.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    /// Not in the system: not arrived yet, or already done.
    Absent,
    /// Arrived and runnable, but another job holds the CPU (就绪).
    Ready,
    /// Holds the CPU (运行). `level` is the MLFQ queue it runs from, 0 for
    /// the top queue; the single-queue policies always say 0.
    Running {
        /// The queue the job was taken from: 0 is the highest priority.
        level: usize,
    },
    /// Waiting for its I/O to complete (阻塞).
    Blocked,
}

/// One job: what it asked for, and what it did in every tick.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lane {
    /// The tick at which the job entered the system.
    pub arrival: u32,
    /// How many ticks of CPU the job needs in all.
    pub length: u32,
    /// What the job did in tick 0, 1, 2, ... up to the end of the run.
    pub marks: Vec<Mark>,
}

/// A whole run: one lane per job, every lane as long as the run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timeline {
    /// The jobs' lanes, in the order the jobs were given (job 0 first).
    pub lanes: Vec<Lane>,
}

/// A stretch of consecutive ticks in which one job held the CPU: one entry
/// of the execution order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Stretch {
    /// The job that ran, or `None` if the CPU was idle (no job was ready).
    pub job: Option<usize>,
    /// The queue level it ran at (0 for the single-queue policies).
    pub level: usize,
    /// The first tick of the stretch.
    pub start: u32,
    /// The time it ended: the first tick after it.
    pub end: u32,
    /// Whether the job completed at `end`.
    pub finished: bool,
}

impl Timeline {
    /// How many ticks the run lasted: when the last job completed.
    pub fn ticks(&self) -> u32 {
        let longest = self.lanes.iter().map(|lane| lane.marks.len()).max();
        u32::try_from(longest.unwrap_or(0)).unwrap_or(u32::MAX)
    }

    /// The job holding the CPU in tick `t`, with its level; `None` if idle.
    pub fn running_at(&self, t: u32) -> Option<(usize, usize)> {
        self.lanes
            .iter()
            .enumerate()
            .find_map(|(job, lane)| match lane.marks.get(t as usize) {
                Some(Mark::Running { level }) => Some((job, *level)),
                _ => None,
            })
    }

    /// The execution order: who held the CPU, from when to when, with the
    /// idle stretches too. A job that keeps the CPU from one slice to the
    /// next (nobody else was ready) shows as one stretch.
    pub fn stretches(&self) -> Vec<Stretch> {
        let mut stretches: Vec<Stretch> = Vec::new();
        for t in 0..self.ticks() {
            let (job, level) = match self.running_at(t) {
                Some((job, level)) => (Some(job), level),
                None => (None, 0),
            };
            match stretches.last_mut() {
                Some(last) if last.job == job && last.level == level && last.end == t => {
                    last.end = t + 1;
                }
                _ => stretches.push(Stretch {
                    job,
                    level,
                    start: t,
                    end: t + 1,
                    finished: false,
                }),
            }
        }
        for stretch in &mut stretches {
            if let Some(job) = stretch.job {
                stretch.finished = self.lanes[job].completion() == Some(stretch.end);
            }
        }
        stretches
    }
}

impl Lane {
    /// The lane of a job that has done nothing yet.
    pub fn new(arrival: u32, length: u32) -> Lane {
        Lane {
            arrival,
            length,
            marks: Vec::new(),
        }
    }

    /// The first tick the job ran in, if it ever ran.
    pub fn first_run(&self) -> Option<u32> {
        let at = self.marks.iter().position(Mark::is_running)?;
        u32::try_from(at).ok()
    }

    /// When the job completed: the end of the last tick it ran in.
    pub fn completion(&self) -> Option<u32> {
        let at = self.marks.iter().rposition(Mark::is_running)?;
        u32::try_from(at + 1).ok()
    }

    /// How many ticks the job spent in a given state.
    pub fn count(&self, wanted: fn(&Mark) -> bool) -> u32 {
        let n = self.marks.iter().filter(|mark| wanted(mark)).count();
        u32::try_from(n).unwrap_or(u32::MAX)
    }
}

impl Mark {
    /// Whether the job held the CPU.
    pub fn is_running(&self) -> bool {
        matches!(self, Mark::Running { .. })
    }

    /// Whether the job was ready but not running.
    pub fn is_ready(&self) -> bool {
        matches!(self, Mark::Ready)
    }

    /// Whether the job was waiting for its I/O.
    pub fn is_blocked(&self) -> bool {
        matches!(self, Mark::Blocked)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const R: Mark = Mark::Running { level: 0 };
    const W: Mark = Mark::Ready;
    const A: Mark = Mark::Absent;

    /// Two jobs: job 0 runs ticks 0-1 and 4, job 1 arrives at 1 and runs 2-3.
    fn two_jobs() -> Timeline {
        Timeline {
            lanes: vec![
                Lane {
                    arrival: 0,
                    length: 3,
                    marks: vec![R, R, W, W, R],
                },
                Lane {
                    arrival: 1,
                    length: 2,
                    marks: vec![A, W, R, R, A],
                },
            ],
        }
    }

    #[test]
    fn first_run_and_completion_are_read_off_the_marks() {
        let run = two_jobs();
        assert_eq!(run.lanes[0].first_run(), Some(0));
        assert_eq!(run.lanes[0].completion(), Some(5));
        assert_eq!(run.lanes[1].first_run(), Some(2));
        assert_eq!(run.lanes[1].completion(), Some(4));
        assert_eq!(run.lanes[0].count(Mark::is_ready), 2);
    }

    #[test]
    fn the_execution_order_merges_consecutive_ticks_of_one_job() {
        let order: Vec<(Option<usize>, u32, u32, bool)> = two_jobs()
            .stretches()
            .iter()
            .map(|s| (s.job, s.start, s.end, s.finished))
            .collect();
        assert_eq!(
            order,
            [
                (Some(0), 0, 2, false),
                (Some(1), 2, 4, true),
                (Some(0), 4, 5, true)
            ]
        );
    }
}
