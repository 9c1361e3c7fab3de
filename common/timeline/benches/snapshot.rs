//! What a live view's copies of the recording cost: one
//! [`Recorder::snapshot`] at 6, 200 and 10,000 customers' worth of
//! recorded moments, and what a snapshot every frame costs the threads that
//! record, event by event.
//!
//! (a) **One snapshot.** Every customer's visit is recorded (arrive,
//! ticket, wait, called, at the counter, served, errand, leave: 9 moments),
//! either each from a thread of its own (sync-blocking: a buffer per
//! customer) or all from one thread (sync-nonblocking, async: one buffer).
//! Then, from another thread, three snapshots are timed: the *first*, which
//! copies everything (a live view's first frame, or one opened late); a
//! frame with *nothing new* (what every frame pays at least: each buffer
//! looked at); and a frame after *one more visit* (the copy of what is new,
//! and the snapshot kept in time order).
//!
//! (b) **The recording's hot path.** One thread records `poll` moments as
//! fast as it can (sync-nonblocking's one thread, looking at thousands of
//! sockets) and times each one; this is done without a live view, with
//! one that snapshots every frame (15 a second, the live view's
//! [pace](../../pictures/src/live.rs)), and with one that snapshots every
//! millisecond. A snapshot locks each buffer while it copies from it, a
//! slice of at most [`Snapshot::SLICE`] moments at a time, so a recording
//! thread can only ever wait for one slice's copy (printed first): the tail
//! of the distribution (p99.99, max) is where it would show. Each event's time includes two readings of the clock;
//! their own cost is printed as the floor.
//!
//! ```text
//! cargo bench -p timeline --bench snapshot
//! cargo bench -p timeline --bench snapshot -- 5000000   # events per way in (b) (default 3,000,000)
//! ```
//!
//! On a loaded machine every figure moves with the load: read (b) against
//! its floor and its own "no live view" line, and repeat.

use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Barrier, Mutex, PoisonError};
use std::time::{Duration, Instant};

use timeline::{Recorder, Snapshot, WaitHow, record};

/// The customers' numbers (a).
const CUSTOMERS: [u32; 3] = [6, 200, 10_000];

/// How many times each snapshot of (a) is timed (a fresh recording each).
const ROUNDS: usize = 15;

/// A live view's time between frames: `pictures::live::Pace::EVERY`.
const FRAME: Duration = Duration::from_millis(66);

/// Events recorded in (b) between two drains of the recorder (the drain is
/// not timed): the recording a live view copies from stays this size.
const CHUNK: usize = 1_000_000;

/// Records one customer's visit, as a style's customer and the bank's
/// teller record it: 9 moments on the customer's lane.
fn visit(customer: u32) {
    let ticket = u64::from(customer) + 1;
    record::customer(customer, "bench").in_scope(|| {
        record::arrive();
        record::ticket(ticket);
        record::wait(WaitHow::Read);
        record::noticed_call(ticket, 1, Some(Duration::from_micros(20)));
        record::at_counter(ticket);
        record::noticed_done(ticket, None);
        record::errand(Duration::from_micros(500), None);
        record::poll(true);
        record::leave();
    });
}

/// Where each customer of (a) records from.
#[derive(Clone, Copy)]
enum Layout {
    /// Each from a thread of its own, all alive at once.
    ThreadEach,
    /// All from one thread.
    OneThread,
}

impl Layout {
    /// How the layout is named in the table.
    fn words(self) -> &'static str {
        match self {
            Layout::ThreadEach => "a thread each",
            Layout::OneThread => "one thread",
        }
    }
}

/// A recording of `customers` visits, recorded the `layout` way.
fn recording(customers: u32, layout: Layout, dispatch: &tracing::Dispatch) {
    match layout {
        Layout::OneThread => {
            tracing::dispatcher::with_default(dispatch, || (0..customers).for_each(visit));
        }
        Layout::ThreadEach => {
            // All alive at once, so that each has a buffer of its own (an
            // ended thread's buffer is handed to the next thread).
            let all = Barrier::new(customers as usize);
            std::thread::scope(|s| {
                for customer in 0..customers {
                    let all = &all;
                    std::thread::Builder::new()
                        .stack_size(64 * 1024)
                        .spawn_scoped(s, move || {
                            tracing::dispatcher::with_default(dispatch, || visit(customer));
                            all.wait();
                        })
                        .expect("a small thread starts");
                }
            });
        }
    }
}

/// The three snapshots of (a), each timed `ROUNDS` times on a fresh
/// recording: (first, nothing new, one more visit) in µs, medians.
fn one_snapshot(customers: u32, layout: Layout) -> [f64; 3] {
    let mut times = [Vec::new(), Vec::new(), Vec::new()];
    for _ in 0..ROUNDS {
        let recorder = Recorder::new();
        // Standalone, as a demo records more than 4096 threads at once: the
        // registry would not take the 4097th (the buffers are the same).
        let dispatch = tracing::Dispatch::new(recorder.standalone());
        recording(customers, layout, &dispatch);
        let mut snapshot = Snapshot::new();
        let timed = |snapshot: &mut Snapshot| {
            let start = Instant::now();
            recorder.snapshot(snapshot);
            start.elapsed().as_secs_f64() * 1e6
        };
        times[0].push(timed(&mut snapshot));
        times[1].push(timed(&mut snapshot));
        tracing::dispatcher::with_default(&dispatch, || visit(customers));
        times[2].push(timed(&mut snapshot));
        assert_eq!(
            snapshot.len(),
            (customers as usize + 1) * 9,
            "every moment, once"
        );
        black_box(snapshot);
    }
    times.map(|mut t| quantile(&mut t, 0.5))
}

/// The `q` quantile of `values` (sorts them).
fn quantile<T: Copy + PartialOrd>(values: &mut [T], q: f64) -> T {
    values.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    at(values, q)
}

/// The `q` quantile of `sorted`.
fn at<T: Copy>(sorted: &[T], q: f64) -> T {
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

/// Who copies the recording while (b)'s thread records.
#[derive(Clone, Copy)]
enum Viewer {
    /// Nobody.
    None,
    /// A snapshot every `Duration`.
    Every(Duration),
}

/// What (b) saw: each event's time (ns), and each snapshot's (µs) with the
/// number of moments it copied.
struct HotPath {
    /// Every event's time, ns, the clock's two readings included.
    events: Vec<u32>,
    /// Every snapshot's time, µs.
    snapshots: Vec<f64>,
    /// Moments the snapshots copied, in all.
    copied: usize,
}

/// (b): one thread records `count` poll moments, each timed, while
/// `viewer` snapshots the recording.
fn hot_path(count: usize, viewer: Viewer) -> HotPath {
    let recorder = Recorder::new();
    let dispatch = tracing::Dispatch::new(recorder.subscriber());
    let done = AtomicBool::new(false);
    // Bumped at every drain: the viewer starts a fresh snapshot, as a live
    // view of a fresh recording would.
    let drains = AtomicU64::new(0);
    let snapshots = Mutex::new((Vec::new(), 0));
    let events = std::thread::scope(|s| {
        if let Viewer::Every(every) = viewer {
            let (recorder, done, drains, snapshots) = (&recorder, &done, &drains, &snapshots);
            s.spawn(move || {
                let mut snapshot = Snapshot::new();
                let mut seen = 0;
                let mut taken = Vec::new();
                let mut copied = 0;
                while !done.load(Ordering::Relaxed) {
                    std::thread::sleep(every);
                    let drained = drains.load(Ordering::Relaxed);
                    if drained != seen {
                        (snapshot, seen) = (Snapshot::new(), drained);
                    }
                    let before = snapshot.len();
                    let start = Instant::now();
                    recorder.snapshot(&mut snapshot);
                    taken.push(start.elapsed().as_secs_f64() * 1e6);
                    copied += snapshot.len() - before;
                }
                *snapshots.lock().unwrap_or_else(PoisonError::into_inner) = (taken, copied);
            });
        }
        let events = tracing::dispatcher::with_default(&dispatch, || {
            let span = record::customer(0, "bench");
            let _in_lane = span.enter();
            let mut times = Vec::with_capacity(count);
            while times.len() < count {
                let n = CHUNK.min(count - times.len());
                for i in 0..n {
                    let start = Instant::now();
                    record::poll(black_box(i % 2 == 0));
                    let took = start.elapsed();
                    times.push(u32::try_from(took.as_nanos()).unwrap_or(u32::MAX));
                }
                black_box(recorder.take(Instant::now()).len());
                drains.fetch_add(1, Ordering::Relaxed);
            }
            times
        });
        done.store(true, Ordering::Relaxed);
        events
    });
    let (snapshots, copied) = snapshots
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner);
    HotPath {
        events,
        snapshots,
        copied,
    }
}

/// The longest a snapshot holds a buffer's lock: one slice's copy,
/// [`Snapshot::SLICE`] moments, in µs (median of `ROUNDS`). Timed as a
/// whole snapshot of one buffer holding one slice, so a little more.
fn one_slice() -> f64 {
    let mut times: Vec<f64> = (0..ROUNDS)
        .map(|_| {
            let recorder = Recorder::new();
            let dispatch = tracing::Dispatch::new(recorder.subscriber());
            tracing::dispatcher::with_default(&dispatch, || {
                record::customer(0, "bench")
                    .in_scope(|| (0..Snapshot::SLICE).for_each(|i| record::poll(i % 2 == 0)));
            });
            let mut snapshot = Snapshot::new();
            let start = Instant::now();
            recorder.snapshot(&mut snapshot);
            let took = start.elapsed().as_secs_f64() * 1e6;
            assert_eq!(snapshot.len(), Snapshot::SLICE);
            took
        })
        .collect();
    quantile(&mut times, 0.5)
}

/// Two readings of the clock back to back, `count` times, in ns: the floor
/// under every event time of (b).
fn clock_floor(count: usize) -> Vec<u32> {
    (0..count)
        .map(|_| {
            let start = Instant::now();
            let took = black_box(start).elapsed();
            u32::try_from(took.as_nanos()).unwrap_or(u32::MAX)
        })
        .collect()
}

/// One line of (b)'s table: an event's time at each quantile, and the max.
fn event_line(name: &str, times: &mut [u32]) -> String {
    times.sort_unstable();
    let q = |q| at(times, q);
    let (median, p99, p999, p9999, max) = (q(0.5), q(0.99), q(0.999), q(0.9999), q(1.0));
    format!("  {name:<28} {median:>7} {p99:>7} {p999:>7} {p9999:>8} {max:>9}")
}

fn main() {
    // `cargo bench` passes `--bench`; a number is the count for (b).
    let count = std::env::args()
        .skip(1)
        .find_map(|a| a.parse::<usize>().ok())
        .unwrap_or(3_000_000);

    println!("(a) one snapshot, median of {ROUNDS}, µs (a visit is 9 moments)");
    println!(
        "  {:<10} {:<14} {:>10} {:>12} {:>14}",
        "customers", "recorded from", "first", "nothing new", "one more visit"
    );
    for customers in CUSTOMERS {
        for layout in [Layout::ThreadEach, Layout::OneThread] {
            let [first, nothing, one] = one_snapshot(customers, layout);
            println!(
                "  {customers:<10} {:<14} {first:>10.1} {nothing:>12.1} {one:>14.1}",
                layout.words()
            );
        }
    }

    println!();
    println!("(b) the recording's hot path: one thread records {count} moments, ns per moment");
    println!(
        "  {:<28} {:>7} {:>7} {:>7} {:>8} {:>9}",
        "", "median", "p99", "p99.9", "p99.99", "max"
    );
    println!(
        "{}",
        event_line("the clock alone (floor)", &mut clock_floor(count))
    );
    println!(
        "  a snapshot holds a buffer's lock for one slice at most: {} moments, {:.0} µs",
        Snapshot::SLICE,
        one_slice()
    );
    for (name, viewer) in [
        ("no live view", Viewer::None),
        ("a snapshot every frame", Viewer::Every(FRAME)),
        (
            "a snapshot every ms",
            Viewer::Every(Duration::from_millis(1)),
        ),
    ] {
        let mut seen = hot_path(count, viewer);
        println!("{}", event_line(name, &mut seen.events));
        if !seen.snapshots.is_empty() {
            let n = seen.snapshots.len();
            let per = seen.copied / n;
            let median = quantile(&mut seen.snapshots, 0.5);
            let max = at(&seen.snapshots, 1.0);
            println!(
                "  {:<28} {n} snapshots, {per} moments each on average: median {median:.0} µs, max {max:.0} µs",
                "",
            );
        }
    }
}
