//! Work that really runs: arithmetic on a CPU, measured by the thread's own
//! CPU clock.
//!
//! An errand of `--errand-work cpu` is not a sleep. Its thread computes
//! until the kernel's CPU clock for that thread (`CLOCK_THREAD_CPUTIME_ID`)
//! has advanced by the errand's length. That clock only runs while the
//! thread is on a CPU: an errand of 1000 ms is 1000 ms of computing, however
//! long the wall clock takes when more threads compute than there are cores.
//! The difference is the time the thread was ready (就绪) but not running.
//!
//! The work is real: a pseudo-random walk (a 64-bit linear congruential
//! generator) whose every step goes through [`std::hint::black_box`], so the
//! optimizer can neither skip it nor fold it into a formula. The clock is
//! read between rounds of about 50 to 100 µs of it; each reading is a system
//! call, so reading after every step would measure the clock, not the work.

use std::hint::black_box;
use std::time::Duration;

use nix::time::{ClockId, clock_gettime};

/// The CPU time this thread has used so far.
pub fn thread_time() -> Duration {
    // Linux has had a CPU clock per thread since 2.6.12, and asking for the
    // calling thread's cannot name a thread that does not exist: this call
    // does not fail on any system this runs on.
    clock_gettime(ClockId::CLOCK_THREAD_CPUTIME_ID)
        .map(Duration::from)
        .expect("Linux keeps a CPU clock for every thread (CLOCK_THREAD_CPUTIME_ID)")
}

/// Computes until this thread has used `cpu` more CPU time; returns the CPU
/// time it used, which is `cpu` and at most one round more.
pub fn compute(cpu: Duration) -> Duration {
    let start = thread_time();
    let mut state = black_box(start.subsec_nanos().into());
    let mut steps = FIRST_ROUND;
    let mut at = start;
    loop {
        let used = at.saturating_sub(start);
        if used >= cpu {
            black_box(state);
            return used;
        }
        state = round(state, steps);
        let now = thread_time();
        let took = now.saturating_sub(at);
        at = now;
        // Keep a round between ROUND.0 and ROUND.1, whatever the machine
        // and the build (a debug build steps several times slower).
        if took < ROUND.0 && steps < MAX_ROUND {
            steps *= 2;
        } else if took > ROUND.1 && steps > 1 {
            steps /= 2;
        }
    }
}

/// How long a round of work between two readings of the clock should take.
const ROUND: (Duration, Duration) = (Duration::from_micros(50), Duration::from_micros(100));

/// Steps in the first round: a few microseconds on any machine.
const FIRST_ROUND: u32 = 1024;

/// The most steps a round may grow to (some tens of milliseconds).
const MAX_ROUND: u32 = 1 << 24;

/// `steps` steps of the walk from `state`.
fn round(mut state: u64, steps: u32) -> u64 {
    for _ in 0..steps {
        // Knuth's MMIX constants; black_box makes every step a real one.
        state = black_box(
            state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407),
        );
    }
    state
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn computing_uses_the_cpu_time_asked_for_and_little_more() {
        for ms in [1, 30] {
            let asked = Duration::from_millis(ms);
            let before = thread_time();
            let used = compute(asked);
            let measured = thread_time().saturating_sub(before);
            assert!(used >= asked, "asked {asked:?}, used {used:?}");
            // One round is at most ~100 µs; a preempted round still counts
            // only the CPU time it got.
            assert!(
                used <= asked + Duration::from_millis(5),
                "asked {asked:?}, used {used:?}"
            );
            assert!(measured >= used, "{measured:?} < {used:?}");
        }
    }

    #[test]
    fn the_thread_clock_stands_still_while_the_thread_sleeps() {
        let (before, wall) = (thread_time(), Instant::now());
        std::thread::sleep(Duration::from_millis(50));
        assert!(wall.elapsed() >= Duration::from_millis(50));
        assert!(
            thread_time().saturating_sub(before) < Duration::from_millis(10),
            "a sleeping thread uses no CPU"
        );
    }
}
