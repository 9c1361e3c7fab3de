//! # The ticks: what every job did in every tick
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
pub enum Tick {
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
pub struct JobTicks {
    /// The tick at which the job entered the system.
    pub arrival: u32,
    /// How many ticks of CPU the job needs in all.
    pub length: u32,
    /// What the job did in tick 0, 1, 2, ... up to the end of the run.
    pub ticks: Vec<Tick>,
}

/// A whole run: one row per job, every row as long as the run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ticks {
    /// The jobs' rows, in the order the jobs were given (job 0 first).
    pub rows: Vec<JobTicks>,
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

impl Ticks {
    /// How many ticks the run lasted: when the last job completed.
    pub fn ticks(&self) -> u32 {
        let longest = self.rows.iter().map(|row| row.ticks.len()).max();
        u32::try_from(longest.unwrap_or(0)).unwrap_or(u32::MAX)
    }

    /// The job holding the CPU in tick `t`, with its level; `None` if idle.
    pub fn running_at(&self, t: u32) -> Option<(usize, usize)> {
        self.rows
            .iter()
            .enumerate()
            .find_map(|(job, row)| match row.ticks.get(t as usize) {
                Some(Tick::Running { level }) => Some((job, *level)),
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
                stretch.finished = self.rows[job].completion() == Some(stretch.end);
            }
        }
        stretches
    }
}

impl JobTicks {
    /// The row of a job that has done nothing yet.
    pub fn new(arrival: u32, length: u32) -> JobTicks {
        JobTicks {
            arrival,
            length,
            ticks: Vec::new(),
        }
    }

    /// The first tick the job ran in, if it ever ran.
    pub fn first_run(&self) -> Option<u32> {
        let at = self.ticks.iter().position(Tick::is_running)?;
        u32::try_from(at).ok()
    }

    /// When the job completed: the end of the last tick it ran in.
    pub fn completion(&self) -> Option<u32> {
        let at = self.ticks.iter().rposition(Tick::is_running)?;
        u32::try_from(at + 1).ok()
    }

    /// How many ticks the job spent in a given state.
    pub fn count(&self, wanted: fn(&Tick) -> bool) -> u32 {
        let n = self.ticks.iter().filter(|mark| wanted(mark)).count();
        u32::try_from(n).unwrap_or(u32::MAX)
    }
}

impl Tick {
    /// Whether the job held the CPU.
    pub fn is_running(&self) -> bool {
        matches!(self, Tick::Running { .. })
    }

    /// Whether the job was ready but not running.
    pub fn is_ready(&self) -> bool {
        matches!(self, Tick::Ready)
    }

    /// Whether the job was waiting for its I/O.
    pub fn is_blocked(&self) -> bool {
        matches!(self, Tick::Blocked)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const R: Tick = Tick::Running { level: 0 };
    const W: Tick = Tick::Ready;
    const A: Tick = Tick::Absent;

    /// Two jobs: job 0 runs ticks 0-1 and 4, job 1 arrives at 1 and runs 2-3.
    fn two_jobs() -> Ticks {
        Ticks {
            rows: vec![
                JobTicks {
                    arrival: 0,
                    length: 3,
                    ticks: vec![R, R, W, W, R],
                },
                JobTicks {
                    arrival: 1,
                    length: 2,
                    ticks: vec![A, W, R, R, A],
                },
            ],
        }
    }

    #[test]
    fn first_run_and_completion_are_read_off_the_marks() {
        let run = two_jobs();
        assert_eq!(run.rows[0].first_run(), Some(0));
        assert_eq!(run.rows[0].completion(), Some(5));
        assert_eq!(run.rows[1].first_run(), Some(2));
        assert_eq!(run.rows[1].completion(), Some(4));
        assert_eq!(run.rows[0].count(Tick::is_ready), 2);
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
