//! The teller's stopwatch: a service timed to a precise deadline.
//!
//! A teller that serves a 10 ms errand must be free again after 10 ms, not
//! 11: otherwise every style of waiting looks alike, because the bank wastes
//! more time than the customers do. tokio's own timer rounds every sleep up
//! to the next whole millisecond, so a 10 ms service would take about 10.8 ms.
//!
//! A Linux `timerfd` has no such grain. We arm one on `CLOCK_MONOTONIC` for
//! the exact moment the service ends (the moment `HERE` was read, plus the
//! service) and hand its file descriptor to tokio's reactor ([`AsyncFd`]):
//! the same epoll that waits for the customers' sockets wakes the teller
//! when the timer's descriptor becomes readable. The lecture's lobby manager
//! (大堂经理) again: the teller does not watch the clock, the reactor tells
//! it when the time is up.
//!
//! Almost: waking up takes time. A thread asleep until a given moment runs
//! again some tens of microseconds after it (`cargo bench -p bank --bench
//! deadline` measures this machine's floor, a bare `clock_nanosleep`: about
//! 30 to 50 µs at the median here, on a virtual machine), and a teller wakes
//! through the reactor and the runtime's scheduler too. So the timer is
//! armed [`WATCH`] (50 µs) early, and the teller watches the clock for what
//! is left, if anything: a busy wait, bounded by `WATCH`, that holds a CPU.
//! Measured at 10,000 customers (`benches/service.rs`), it brings the median
//! end of a 10 ms service from about 65 µs late to about 35 µs late, for
//! 4 to 7 µs of CPU per service (40 to 70 ms in a run of 13 s).
//!
//! Whatever the way, a deadline never ends early: [`Deadline::passed`]
//! returns only once `Instant::now()` has reached it.

use std::io;
use std::os::fd::{AsFd, AsRawFd, RawFd};
use std::time::{Duration, Instant};

use nix::sys::time::TimeSpec;
use nix::sys::timerfd::{ClockId, Expiration, TimerFd, TimerFlags, TimerSetTimeFlags};
use nix::time::clock_gettime;
use tokio::io::Interest;
use tokio::io::unix::AsyncFd;

/// A service's end: an instant, and a one-shot timer armed for it when
/// made, that a task can await.
#[derive(Debug)]
pub struct Deadline {
    /// The instant the service ends.
    due: Instant,
    /// How long before `due` the timer fires; the rest is watched on the
    /// clock (see [`WATCH`]).
    watch: Duration,
    /// The timer's descriptor, registered with the reactor; `None` when the
    /// deadline was already due when it was made, or when the system
    /// refused a timer (then tokio's coarser timer stands in).
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
    /// A deadline `after` from now, armed at once, its end watched for [`WATCH`].
    pub fn after(after: Duration) -> Deadline {
        Deadline::at(Instant::now() + after, WATCH)
    }

    /// A deadline at the instant `due`, armed at once: its timer fires
    /// `watch` before `due`, and [`passed`](Deadline::passed) watches the
    /// clock for the rest (`Duration::ZERO`: the timer alone).
    ///
    /// The timer is armed for an absolute moment (`TFD_TIMER_ABSTIME`), so
    /// the time it takes to arm it (a few system calls) does not lengthen
    /// the wait: a service timed from the moment `HERE` was read ends at
    /// that moment plus the service, not plus the service and the arming.
    ///
    /// If the system refuses a timer (out of file descriptors, say), the
    /// deadline is kept by tokio's timer instead: late by up to a
    /// millisecond, never early.
    pub fn at(due: Instant, watch: Duration) -> Deadline {
        let timer = match arm(due.checked_sub(watch).unwrap_or(due)) {
            Ok(timer) => timer,
            Err(err) => {
                tracing::warn!("no service timer ({err}); using tokio's timer");
                None
            }
        };
        Deadline { due, watch, timer }
    }

    /// The instant this deadline ends.
    pub fn due(&self) -> Instant {
        self.due
    }

    /// Waits until the deadline has passed: it returns only once
    /// `Instant::now()` has reached it, never before; and says how long it
    /// watched the clock (busy, on the CPU) at the end. Cancel-safe.
    ///
    /// The timer's descriptor becoming readable is the reactor's word that
    /// the time (less the watch) has come. The clock is read to be sure, and
    /// the descriptor itself is read only when the clock disagrees (a stale
    /// readiness); otherwise it is left as it is, and closed when the
    /// deadline is dropped, after the service's last line.
    pub async fn passed(&self) -> Duration {
        let wake = self.due.checked_sub(self.watch).unwrap_or(self.due);
        let timer_rang = match &self.timer {
            Some(timer) => match rung(timer, wake).await {
                Ok(()) => true,
                Err(err) => {
                    tracing::warn!("the service timer failed ({err}); using tokio's timer");
                    false
                }
            },
            None => false,
        };
        // No timer (refused, or broken): tokio's, unless the time has come.
        if !timer_rang && Instant::now() < wake {
            tokio::time::sleep_until(wake.into()).await;
        }
        watch_until(self.due)
    }
}

/// Waits until `timer`, armed for `wake`, has rung.
async fn rung(timer: &AsyncFd<Timer>, wake: Instant) -> io::Result<()> {
    loop {
        let mut ready = timer.readable().await?;
        if Instant::now() >= wake {
            return Ok(());
        }
        // Readable before its time: a stale readiness. Reading the timer
        // tells (`WouldBlock` clears the readiness: wait again).
        match ready.try_io(|timer| timer.get_ref().0.wait().map_err(io::Error::from)) {
            Ok(fired) => return fired,
            Err(_would_block) => continue,
        }
    }
}

/// Watches the clock until `due` (a busy wait, which holds the CPU);
/// returns how long it watched.
fn watch_until(due: Instant) -> Duration {
    let start = Instant::now();
    let mut now = start;
    while now < due {
        std::hint::spin_loop();
        now = Instant::now();
    }
    now - start
}

/// How long before a service's end its timer fires, so that the teller
/// watches the clock for the rest rather than count on waking up on time.
///
/// Chosen by measurement (`benches/service.rs`, 10,000 customers, medians
/// of three runs each): 0 µs ends services 65 µs late at the median; 30 µs,
/// 38 µs late for 0.7 µs of CPU per service; 50 µs, 33 µs late for 6 µs;
/// 100 µs, 31 µs late for 18 µs. Past the machine's own wake-up latency (its
/// floor, about 33 µs then), a longer watch only burns CPU.
pub const WATCH: Duration = Duration::from_micros(50);

/// A timerfd armed for `due`, in the reactor; `None` when `due` has come.
fn arm(due: Instant) -> io::Result<Option<AsyncFd<Timer>>> {
    let Some(expiry) = monotonic(due)? else {
        // Already due. (A zero expiry would disarm a timerfd rather than fire it.)
        return Ok(None);
    };
    let timer = TimerFd::new(
        ClockId::CLOCK_MONOTONIC,
        TimerFlags::TFD_NONBLOCK | TimerFlags::TFD_CLOEXEC,
    )?;
    timer.set(
        Expiration::OneShot(expiry),
        TimerSetTimeFlags::TFD_TIMER_ABSTIME,
    )?;
    in_reactor(Timer(timer)).map(Some)
}

/// The instant `due` as a `CLOCK_MONOTONIC` time, the clock a timerfd counts
/// on; `None` when it has already come.
///
/// `Instant` does not show its clock's reading, so the distance from now to
/// `due` is carried over to a reading of `CLOCK_MONOTONIC` taken just
/// *after* `Instant::now()`: the result can only be later than `due` (by the
/// few nanoseconds between the two readings), never earlier.
fn monotonic(due: Instant) -> io::Result<Option<TimeSpec>> {
    let now = Instant::now();
    let clock = Duration::from(clock_gettime(nix::time::ClockId::CLOCK_MONOTONIC)?);
    let ahead = due.saturating_duration_since(now);
    if ahead.is_zero() {
        return Ok(None);
    }
    Ok(Some(TimeSpec::from_duration(clock + ahead)))
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
    sleep_until(Instant::now() + duration).await;
}

/// Sleeps until the instant `due` (give or take the wake-up latency), never
/// less: it returns only once `Instant::now()` has reached `due`.
pub async fn sleep_until(due: Instant) {
    Deadline::at(due, WATCH).passed().await;
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
    fn the_end_is_watched_for_at_most_the_watch_and_never_ends_early() {
        runtime().block_on(async {
            for _ in 0..20 {
                let due = Instant::now() + Duration::from_millis(2);
                let watched = Deadline::at(due, WATCH).passed().await;
                assert!(Instant::now() >= due, "ended before its deadline");
                // Longer only if this thread lost the CPU while it watched.
                assert!(watched <= WATCH + Duration::from_millis(50), "{watched:?}");
                let unwatched = Deadline::at(due + Duration::from_millis(2), Duration::ZERO);
                assert_eq!(unwatched.passed().await, Duration::ZERO);
                assert!(Instant::now() >= unwatched.due());
            }
        });
    }

    #[test]
    fn a_deadline_nearer_than_its_watch_is_watched_not_left_to_tokio() {
        runtime().block_on(async {
            let due = Instant::now() + Duration::from_millis(5);
            // No timer at all: the whole wait is within the watch.
            let watched = Deadline::at(due, Duration::from_millis(10)).passed().await;
            assert!(Instant::now() >= due);
            assert!(watched >= Duration::from_millis(1), "{watched:?}");
        });
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
            let deadline = Deadline::after(Duration::from_secs(3600));
            let waited = tokio::time::timeout(Duration::from_millis(20), deadline.passed()).await;
            assert!(waited.is_err(), "an hour has not passed");
        });
    }
}
