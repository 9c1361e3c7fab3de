//! # Random problems from a seed
//!
//! `--seed S` makes up a problem instead of taking one from the flags: the
//! same seed always makes the same problem (on every machine, in every
//! version of this file), so a lecturer can hand out "seed 7" and the class
//! gets the same exercise. The sizes are those a student can work out on
//! paper in a few minutes.
//!
//! The numbers come from [`fastrand`] seeded with `S`; nothing else is
//! random anywhere in the crate.

use fastrand::Rng;

use crate::jobs::Job;
use crate::mlfq::MlfqJob;
use crate::states::Instruction;

/// Three to five jobs of 1 to 10 ticks (`scheduler.py`'s lengths); with
/// `arrivals`, the first at 0 and each of the others 0 to 4 ticks after the
/// one before, else all at 0 (as in `scheduler.py`).
pub fn jobs(seed: u64, arrivals: bool) -> Vec<Job> {
    let mut rng = Rng::with_seed(seed);
    let count = rng.usize(3..=5);
    let mut arrival = 0;
    (0..count)
        .map(|i| {
            if arrivals && i > 0 {
                arrival += rng.u32(0..=4);
            }
            Job {
                arrival,
                length: rng.u32(1..=10),
            }
        })
        .collect()
}

/// Two or three processes of 2 to 5 instructions, each an `io` with one
/// chance in three, else `cpu`.
pub fn programs(seed: u64) -> Vec<Vec<Instruction>> {
    let mut rng = Rng::with_seed(seed);
    let count = rng.usize(2..=3);
    (0..count)
        .map(|_| {
            let length = rng.usize(2..=5);
            (0..length)
                .map(|_| {
                    if rng.u32(0..3) == 0 {
                        Instruction::Io
                    } else {
                        Instruction::Cpu
                    }
                })
                .collect()
        })
        .collect()
}

/// Two or three jobs: the first at 0, the others within 20 ticks; 5 to 40
/// ticks long; half of them doing an I/O every 2 to 9 ticks.
pub fn mlfq_jobs(seed: u64) -> Vec<MlfqJob> {
    let mut rng = Rng::with_seed(seed);
    let count = rng.usize(2..=3);
    (0..count)
        .map(|i| MlfqJob {
            arrival: if i == 0 { 0 } else { rng.u32(0..=20) },
            length: rng.u32(5..=40),
            io_every: if rng.bool() { rng.u32(2..=9) } else { 0 },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_always_makes_the_same_problem() {
        assert_eq!(jobs(7, true), jobs(7, true));
        assert_eq!(programs(7), programs(7));
        assert_eq!(mlfq_jobs(7), mlfq_jobs(7));
    }

    #[test]
    fn problems_stay_workable_on_paper() {
        for seed in 0..200 {
            let j = jobs(seed, false);
            assert!((3..=5).contains(&j.len()));
            assert!(
                j.iter()
                    .all(|job| job.arrival == 0 && (1..=10).contains(&job.length))
            );
            let p = programs(seed);
            assert!(p.iter().all(|program| (2..=5).contains(&program.len())));
            let m = mlfq_jobs(seed);
            assert_eq!(m[0].arrival, 0);
            assert!(m.iter().all(|job| (5..=40).contains(&job.length)));
        }
    }
}
