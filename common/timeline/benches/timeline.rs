//! What recording costs: the timeline layer's price per event, from one
//! thread and from two at once, and from one while a live view copies the
//! recording ([`Recorder::snapshot`]) far more often than it ever would.
//!
//! The recording must not change what it records. Target: under 150 ns per
//! event, and two threads recording at once no more than 1.5x slower per
//! event than one (each thread appends to its own buffer: no shared lock);
//! a live view's copies no more than 1.1x slower than none.
//!
//! ```text
//! cargo bench -p timeline --bench timeline
//! ```

use std::hint::black_box;
use std::sync::Barrier;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use timeline::{Recorder, Snapshot, record};

/// Events recorded between two drains of the recorder (the drain is not timed).
const CHUNK: u64 = 50_000;

/// Records `iters` poll events in a customer's lane on this thread, returning
/// the time spent recording only.
fn record_events(recorder: &Recorder, lane: u32, iters: u64) -> Duration {
    let span = record::customer(lane, "bench");
    let _in_lane = span.enter();
    let mut spent = Duration::ZERO;
    let mut left = iters;
    while left > 0 {
        let n = left.min(CHUNK);
        let start = Instant::now();
        for i in 0..n {
            record::poll(black_box(i % 2 == 0));
        }
        spent += start.elapsed();
        left -= n;
        if lane == 0 {
            // One thread drains for both, outside the timed stretch.
            black_box(recorder.take(Instant::now()).len());
        }
    }
    spent
}

fn one_thread(c: &mut Criterion) {
    let recorder = Recorder::new();
    let dispatch = tracing::Dispatch::new(recorder.subscriber());
    let mut group = c.benchmark_group("timeline");
    group.throughput(Throughput::Elements(1));
    group.bench_function("one thread, per event", |b| {
        tracing::dispatcher::with_default(&dispatch, || {
            b.iter_custom(|iters| record_events(&recorder, 0, iters));
        });
    });
    group.bench_function("two threads at once, per event", |b| {
        b.iter_custom(|iters| {
            let barrier = Barrier::new(2);
            std::thread::scope(|s| {
                let workers: Vec<_> = (0..2)
                    .map(|lane| {
                        let (dispatch, recorder, barrier) = (&dispatch, &recorder, &barrier);
                        s.spawn(move || {
                            tracing::dispatcher::with_default(dispatch, || {
                                barrier.wait();
                                record_events(recorder, lane, iters)
                            })
                        })
                    })
                    .collect();
                // Both threads record `iters` events at the same time; the
                // slower one's time is the time per event of the pair.
                workers
                    .into_iter()
                    .map(|w| w.join().expect("a bench thread does not panic"))
                    .max()
                    .unwrap_or_default()
            })
        });
    });
    group.bench_function("one thread, per event, snapshot every ms", |b| {
        b.iter_custom(|iters| {
            let done = AtomicBool::new(false);
            std::thread::scope(|s| {
                let (recorder, done) = (&recorder, &done);
                // A live view redraws 10 to 20 times a second; this one
                // copies 1000 times a second, and starts again from nothing
                // whenever the recorder is drained.
                s.spawn(move || {
                    let mut snapshot = Snapshot::new();
                    while !done.load(Ordering::Relaxed) {
                        recorder.snapshot(&mut snapshot);
                        if snapshot.len() > 4 * CHUNK as usize {
                            snapshot = Snapshot::new();
                        }
                        std::thread::sleep(Duration::from_millis(1));
                    }
                });
                let spent = tracing::dispatcher::with_default(&dispatch, || {
                    record_events(recorder, 0, iters)
                });
                done.store(true, Ordering::Relaxed);
                spent
            })
        });
    });
    group.finish();
}

criterion_group!(benches, one_thread);
criterion_main!(benches);
