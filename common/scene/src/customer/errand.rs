//! The customer's own work: the phone call, the cigarette; or, with
//! `--errand-work cpu`, real computing.
//!
//! It is done in stretches on the customer's own thread; the waiting around
//! it is what the demos are about. Each stretch is recorded, so the timeline
//! shows how much got done while waiting: its wall time, and for a computed
//! errand the CPU time its thread really spent on it (see [`cpu`](super::cpu)).

use std::time::{Duration, Instant};

use super::cpu;
use timeline::record;
use timeline::scenario::{Customer, ErrandWork};

/// A customer's own work, done in stretches on the customer's own thread:
/// slept (time passing) or computed (CPU time), as `--errand-work` says.
#[derive(Debug)]
pub struct Errand {
    /// Work still to do: wall time for a sleep, the thread's CPU time for a
    /// computation.
    left: Duration,
    /// How it is done.
    work: ErrandWork,
}

impl Errand {
    /// An errand of `length`, done as `work` says.
    pub fn new(length: Duration, work: ErrandWork) -> Errand {
        Errand { left: length, work }
    }

    /// Customer `c`'s errand, done as `work` says.
    pub fn of(c: &Customer, work: ErrandWork) -> Errand {
        Errand::new(crate::demo::millis(c.errand_ms), work)
    }

    /// Whether it is all done.
    pub fn is_done(&self) -> bool {
        self.left.is_zero()
    }

    /// What is left to do.
    pub fn left(&self) -> Duration {
        self.left
    }

    /// Whether it is computed (`--errand-work cpu`) rather than slept.
    pub fn is_computed(&self) -> bool {
        self.work == ErrandWork::Cpu
    }

    /// Works on it for `at_most` (less if less is left), on this thread,
    /// recording the stretch: sleeps, or computes until this thread has
    /// used that much CPU time. Returns how much of `at_most` it filled.
    pub fn work(&mut self, at_most: Duration) -> Duration {
        let stretch = self.left.min(at_most);
        if stretch.is_zero() {
            return stretch;
        }
        let started = Instant::now();
        let done = match self.work {
            ErrandWork::Sleep => {
                std::thread::sleep(stretch);
                record::errand(started.elapsed(), None);
                stretch
            }
            ErrandWork::Cpu => {
                let used = cpu::compute(stretch);
                record::errand(started.elapsed(), Some(used));
                used
            }
        };
        self.left = self.left.saturating_sub(done);
        done.min(at_most)
    }

    /// Does all that is left.
    pub fn finish(&mut self) {
        self.work(self.left);
    }

    /// What is left of a slept errand, taken whole to be waited out by a
    /// timer elsewhere (an async style's, which must not sleep its thread);
    /// the caller records the stretch with [`record::errand`] when the
    /// timer fires. `None` for a computed errand: no timer can do that.
    pub fn take_for_timer(&mut self) -> Option<Duration> {
        match self.work {
            ErrandWork::Sleep => Some(std::mem::take(&mut self.left)),
            ErrandWork::Cpu => None,
        }
    }
}
