//! The teller's stopwatch: a service timed to a precise deadline.
//!
//! A teller that serves a 10 ms errand must be free again after 10 ms, not
//! 11: otherwise every style of waiting looks alike, because the bank wastes
//! more time than the customers do. tokio's own timer rounds every sleep up
//! to the next whole millisecond, so a 10 ms service would take about 10.8 ms.
//!
//! A Linux `timerfd` has no such grain. We arm one on `CLOCK_MONOTONIC` for
//! the exact duration and hand its file descriptor to tokio's reactor
//! ([`AsyncFd`]): the same epoll that waits for the customers' sockets wakes
//! the teller when the timer's descriptor becomes readable. The lecture's
//! lobby manager (大堂经理) again: the teller does not watch the clock, the
//! reactor tells it when the time is up.

use std::io;
use std::os::fd::{AsFd, AsRawFd, RawFd};
use std::time::{Duration, Instant};

use nix::sys::time::TimeSpec;
use nix::sys::timerfd::{ClockId, Expiration, TimerFd, TimerFlags, TimerSetTimeFlags};
use tokio::io::Interest;
use tokio::io::unix::AsyncFd;

/// A one-shot timer, armed when made, that a task can await.
#[derive(Debug)]
pub struct Deadline {
    /// The timer's descriptor, registered with the reactor; `None` when the
    /// deadline was already due when it was made (a zero duration).
    timer: Option<AsyncFd<Timer>>,
}

/// A timerfd as tokio's reactor wants it: something with a raw descriptor.
#[derive(Debug)]
struct Timer(TimerFd);

impl AsRawFd for Timer {
    fn as_raw_fd(&self) -> RawFd {
        self.0.as_fd().as_raw_fd()
    }
}

impl Deadline {
    /// A deadline `after` from now, armed at once.
    ///
    /// Fails only when the system refuses a timer (out of file descriptors,
    /// say); [`sleep`] falls back to tokio's timer then.
    pub fn after(after: Duration) -> io::Result<Deadline> {
        if after.is_zero() {
            // A zero expiry would disarm a timerfd rather than fire it.
            return Ok(Deadline { timer: None });
        }
        let timer = TimerFd::new(
            ClockId::CLOCK_MONOTONIC,
            TimerFlags::TFD_NONBLOCK | TimerFlags::TFD_CLOEXEC,
        )?;
        timer.set(
            Expiration::OneShot(TimeSpec::from_duration(after)),
            TimerSetTimeFlags::empty(),
        )?;
        Ok(Deadline {
            timer: Some(in_reactor(Timer(timer))?),
        })
    }

    /// Waits until the deadline has passed. Cancel-safe: dropping the wait
    /// closes the timer.
    pub async fn passed(&self) -> io::Result<()> {
        let Some(timer) = &self.timer else {
            return Ok(());
        };
        loop {
            let mut ready = timer.readable().await?;
            // Reading the timer's expiry count says whether it really fired;
            // `WouldBlock` means the readiness was stale, so wait again.
            match ready.try_io(|timer| timer.get_ref().0.wait().map_err(io::Error::from)) {
                Ok(fired) => return fired,
                Err(_would_block) => continue,
            }
        }
    }
}

/// Registers `timer` with the current runtime's reactor (epoll).
#[allow(unsafe_code)]
fn in_reactor(timer: Timer) -> io::Result<AsyncFd<Timer>> {
    // SAFETY: tokio needs the descriptor to stay open, and to stay the same,
    // for as long as the `AsyncFd` owns `timer`. It does: `TimerFd` owns its
    // descriptor and closes it only when dropped, `Timer` never replaces it,
    // and nothing else can reach it while the `AsyncFd` holds the `Timer`.
    unsafe { AsyncFd::register_with_interest(timer, Interest::READABLE) }.map_err(io::Error::from)
}

/// Sleeps for exactly `duration` (give or take the wake-up latency, a few
/// tens of microseconds on an idle machine), never less.
pub async fn sleep(duration: Duration) {
    let start = Instant::now();
    match Deadline::after(duration) {
        Ok(deadline) => match deadline.passed().await {
            Ok(()) => return,
            Err(err) => tracing::warn!("the service timer failed ({err}); using tokio's timer"),
        },
        Err(err) => tracing::warn!("no service timer ({err}); using tokio's timer"),
    }
    tokio::time::sleep_until((start + duration).into()).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_runtime as runtime;

    /// How late, in microseconds, each of `count` sleeps of `each` woke up.
    async fn overshoots(count: usize, each: Duration) -> Vec<f64> {
        let mut late = Vec::with_capacity(count);
        for _ in 0..count {
            let start = Instant::now();
            sleep(each).await;
            let took = start.elapsed();
            assert!(
                took >= each,
                "woke after {took:?}, before the deadline {each:?}"
            );
            late.push((took - each).as_secs_f64() * 1e6);
        }
        late
    }

    #[test]
    fn a_service_never_ends_before_its_deadline_and_ends_soon_after() {
        let late = runtime().block_on(overshoots(40, Duration::from_millis(10)));
        let mean = late.iter().sum::<f64>() / late.len() as f64;
        eprintln!("timerfd: 10 ms services, mean overshoot {mean:.0} µs");
        // Generous: tokio's millisecond-grain timer overshoots by ~800 µs on
        // an idle machine; only a loaded machine comes near this bound.
        assert!(mean < 5_000.0, "mean overshoot {mean:.0} µs");
    }

    #[test]
    fn a_zero_or_tiny_deadline_is_due_at_once() {
        runtime().block_on(async {
            let start = Instant::now();
            sleep(Duration::ZERO).await;
            sleep(Duration::from_nanos(1)).await;
            assert!(start.elapsed() < Duration::from_secs(1));
        });
    }

    #[test]
    fn a_dropped_deadline_does_not_fire_later() {
        runtime().block_on(async {
            let deadline = Deadline::after(Duration::from_secs(3600)).expect("a timer");
            let waited = tokio::time::timeout(Duration::from_millis(20), deadline.passed()).await;
            assert!(waited.is_err(), "an hour has not passed");
        });
    }
}
