//! How precisely a teller's service can end on this machine: how late each
//! way of waiting for a 10 ms deadline wakes, beside the floor, a bare
//! `clock_nanosleep(TIMER_ABSTIME)` on an idle thread.
//!
//! The bank must not waste its tellers' time, or every style looks alike;
//! and it may never end a service early. Each way below waits for the same
//! absolute deadline, 10 ms after the moment the service started, and
//! reports how late it woke (median, p99, max, in µs) and, for the ones
//! that spin, the CPU time each service cost.
//!
//! ```text
//! cargo bench -p bank --bench deadline
//! cargo bench -p bank --bench deadline -- 1000     # 1000 services per way (default 300)
//! ```
//!
//! On a loaded machine every figure moves with the load: read them against
//! the floor of the same run, and repeat.

use std::time::{Duration, Instant};

use bank::deadline::{self, Deadline};
use nix::sys::time::TimeSpec;
use nix::time::{ClockId, ClockNanosleepFlags, clock_gettime, clock_nanosleep};

/// The service every way times.
const SERVICE: Duration = Duration::from_millis(10);

/// How late each of `count` waits woke, in µs, and the CPU time (µs) the
/// process spent per wait; `wait` waits until the deadline it is given.
fn late_on_thread(count: usize, mut wait: impl FnMut(Instant)) -> (Vec<f64>, f64) {
    let cpu_before = process_cpu();
    let mut late = Vec::with_capacity(count);
    for _ in 0..count {
        let due = Instant::now() + SERVICE;
        wait(due);
        let woke = Instant::now();
        assert!(woke >= due, "woke {:?} before the deadline", due - woke);
        late.push((woke - due).as_secs_f64() * 1e6);
    }
    let cpu = (process_cpu() - cpu_before).as_secs_f64() * 1e6 / count as f64;
    (late, cpu)
}

/// This process's CPU time so far. Only one way runs at a time, and the
/// threads it does not use sleep, so the difference is that way's cost,
/// wherever a runtime ran its task.
fn process_cpu() -> Duration {
    clock_gettime(ClockId::CLOCK_PROCESS_CPUTIME_ID)
        .map(Duration::from)
        .unwrap_or_default()
}

/// `due` as the `CLOCK_MONOTONIC` time `clock_nanosleep` wants: `Instant`
/// is that clock on Linux, so the distance from now carries over.
fn monotonic(due: Instant) -> TimeSpec {
    let now = clock_gettime(ClockId::CLOCK_MONOTONIC).map_or(Duration::ZERO, Duration::from);
    TimeSpec::from_duration(now + due.saturating_duration_since(Instant::now()))
}

/// A bare absolute sleep until `due` (EINTR: sleeps again).
fn nanosleep_until(due: Instant) {
    let asked = monotonic(due);
    while clock_nanosleep(
        ClockId::CLOCK_MONOTONIC,
        ClockNanosleepFlags::TIMER_ABSTIME,
        &asked,
    )
    .is_err()
    {}
}

/// Prints one way's figures.
fn report(way: &str, (mut late, cpu_us): (Vec<f64>, f64)) {
    late.sort_by(f64::total_cmp);
    let at = |p: f64| late[((late.len() - 1) as f64 * p).round() as usize];
    println!(
        "{way:<58} late: median {:7.1} µs  p99 {:7.1} µs  max {:7.1} µs   CPU {:6.1} µs per service",
        at(0.5),
        at(0.99),
        at(1.0),
        cpu_us
    );
}

/// The last stretch a spinning way watches the clock for, instead of
/// sleeping: the bank's own.
const SPIN: Duration = deadline::WATCH;

/// Watches the clock until `due` (a busy wait: it holds the CPU).
fn spin_until(due: Instant) {
    while Instant::now() < due {
        std::hint::spin_loop();
    }
}

/// A timerfd read on a plain thread, blocking: the kernel's path alone.
fn timerfd_until(due: Instant) {
    use nix::sys::timerfd::{
        ClockId as TfdClock, Expiration, TimerFd, TimerFlags, TimerSetTimeFlags,
    };
    let timer =
        TimerFd::new(TfdClock::CLOCK_MONOTONIC, TimerFlags::TFD_CLOEXEC).expect("a timerfd");
    timer
        .set(
            Expiration::OneShot(monotonic(due)),
            TimerSetTimeFlags::TFD_TIMER_ABSTIME,
        )
        .expect("the timerfd is armed");
    timer.wait().expect("the timerfd fires");
}

/// A clock of its own: a thread that sleeps until each deadline it is
/// sent and then wakes the task that waits for it (through a oneshot),
/// the "dedicated timer thread" way.
struct ClockThread {
    /// Deadlines to keep, each with the way to tell its task.
    orders: std::sync::mpsc::Sender<(Instant, tokio::sync::oneshot::Sender<()>)>,
}

impl ClockThread {
    /// Starts the clock's thread (timer slack 1 ns, as the floor's).
    fn start() -> ClockThread {
        let (orders, taken) =
            std::sync::mpsc::channel::<(Instant, tokio::sync::oneshot::Sender<()>)>();
        std::thread::spawn(move || {
            let _ = nix::sys::prctl::set_timerslack(1);
            // One service at a time in this bench: no need for a heap.
            for (due, ring) in taken {
                nanosleep_until(due);
                let _ = ring.send(());
            }
        });
        ClockThread { orders }
    }

    /// Waits, in a task, until the clock thread says `due` has come.
    async fn until(&self, due: Instant) {
        let (ring, rung) = tokio::sync::oneshot::channel();
        if self.orders.send((due, ring)).is_ok() {
            let _ = rung.await;
        }
    }
}

/// The ways a task on `runtime` (a flavour called `name`) can end services.
fn in_runtime(name: &str, runtime: &tokio::runtime::Runtime, count: usize) {
    let timerfd = runtime.block_on(async {
        tokio::spawn(late_in_task(count, |due| async move {
            Deadline::at(due, Duration::ZERO).passed().await;
        }))
        .await
        .expect("the task does not panic")
    });
    report(
        &format!("timerfd in tokio's reactor, no watch ({name})"),
        timerfd,
    );
    let mut arming = runtime.block_on(async {
        tokio::spawn(async move {
            (0..count)
                .map(|_| {
                    let start = Instant::now();
                    let deadline = Deadline::at(start + SERVICE, Duration::ZERO);
                    let took = start.elapsed();
                    drop(deadline);
                    took.as_secs_f64() * 1e6
                })
                .collect::<Vec<f64>>()
        })
        .await
        .expect("the task does not panic")
    });
    arming.sort_by(f64::total_cmp);
    println!(
        "{:<58} took: median {:7.1} µs  p99 {:7.1} µs",
        format!("arming a timer: create, set, register ({name})"),
        arming[arming.len() / 2],
        arming[(arming.len() - 1) * 99 / 100]
    );
    let tokio_sleep = runtime.block_on(async {
        tokio::spawn(late_in_task(count, |due| {
            tokio::time::sleep_until(due.into())
        }))
        .await
        .expect("the task does not panic")
    });
    report(&format!("tokio::time::sleep_until ({name})"), tokio_sleep);
    let clock = std::sync::Arc::new(ClockThread::start());
    let handed_over = runtime.block_on(async {
        let clock = clock.clone();
        tokio::spawn(async move {
            late_in_task(count, |due| {
                let clock = clock.clone();
                async move { clock.until(due).await }
            })
            .await
        })
        .await
        .expect("the task does not panic")
    });
    report(
        &format!("a clock thread, then a oneshot to the task ({name})"),
        handed_over,
    );
    let spun = runtime.block_on(async {
        tokio::spawn(late_in_task(count, |due| async move {
            Deadline::at(due, SPIN).passed().await;
        }))
        .await
        .expect("the task does not panic")
    });
    report(
        &format!("the bank's: timerfd {SPIN:?} early, then watch the clock ({name})"),
        spun,
    );
}

/// [`late_on_thread`] for a task: `wait` returns the future that waits.
async fn late_in_task<F: Future<Output = ()>>(
    count: usize,
    wait: impl Fn(Instant) -> F,
) -> (Vec<f64>, f64) {
    let cpu_before = process_cpu();
    let mut late = Vec::with_capacity(count);
    for _ in 0..count {
        let due = Instant::now() + SERVICE;
        wait(due).await;
        let woke = Instant::now();
        assert!(woke >= due, "woke {:?} before the deadline", due - woke);
        late.push((woke - due).as_secs_f64() * 1e6);
    }
    let cpu = process_cpu().saturating_sub(cpu_before).as_secs_f64() * 1e6 / count as f64;
    (late, cpu)
}

/// Every way in turn, on a thread, then on each flavour of tokio runtime.
fn main() {
    let count = std::env::args()
        .skip(1)
        .find_map(|a| a.parse::<usize>().ok())
        .unwrap_or(300);
    println!(
        "{count} services of {SERVICE:?} per way; load average {}",
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );
    let slack = nix::sys::prctl::get_timerslack().unwrap_or(-1);
    report(
        &format!("floor: clock_nanosleep, timer slack {slack} ns"),
        late_on_thread(count, nanosleep_until),
    );
    // Timer slack lets the kernel wake a sleeper up to 50 µs late, to batch
    // wake-ups; a timerfd has none, so the floor is measured without it too.
    if nix::sys::prctl::set_timerslack(1).is_ok() {
        report(
            "floor: clock_nanosleep, timer slack 1 ns",
            late_on_thread(count, nanosleep_until),
        );
    }
    report(
        "a timerfd read on a plain thread, timer slack 1 ns",
        late_on_thread(count, timerfd_until),
    );
    report(
        &format!("floor with a {SPIN:?} spin: clock_nanosleep, then spin"),
        late_on_thread(count, |due| {
            nanosleep_until(due - SPIN);
            spin_until(due);
        }),
    );
    let current = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread runtime can be built");
    in_runtime("current-thread", &current, count);
    let multi = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a multi-thread runtime can be built");
    in_runtime("multi-thread", &multi, count);
}
