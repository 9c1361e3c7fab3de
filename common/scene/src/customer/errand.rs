//! The customer's own work: the phone call, the cigarette.
//!
//! It is a timed activity, done in stretches on the customer's own thread;
//! the waiting around it is what the demos are about. Each stretch is
//! recorded, so the timeline shows how much got done while waiting.

use std::time::{Duration, Instant};

use timeline::record;

/// A customer's own work (the phone call, the cigarette), done in stretches
/// on the customer's own thread. It is a timed activity: the waiting around
/// it is what the demos are about.
#[derive(Debug)]
pub struct Errand {
    /// Work still to do.
    left: Duration,
}

impl Errand {
    /// An errand of `length`.
    pub fn new(length: Duration) -> Errand {
        Errand { left: length }
    }

    /// Whether it is all done.
    pub fn is_done(&self) -> bool {
        self.left.is_zero()
    }

    /// Works on it for `at_most` (less if less is left), recording the stretch.
    /// Returns how much of `at_most` it filled.
    pub fn work(&mut self, at_most: Duration) -> Duration {
        let stretch = self.left.min(at_most);
        if stretch.is_zero() {
            return stretch;
        }
        let started = Instant::now();
        std::thread::sleep(stretch);
        record::errand(started.elapsed());
        self.left -= stretch;
        stretch
    }

    /// Does all that is left.
    pub fn finish(&mut self) {
        self.work(self.left);
    }
}
