//! How precisely a teller's service ends: a 10 ms service timed by a timerfd
//! in the reactor (what the bank uses) against `tokio::time::sleep`.
//!
//! The bank must not waste its tellers' time, or every style looks alike.
//! tokio's timer rounds each sleep up to the next millisecond; the timerfd
//! deadline should end within a fraction of a millisecond of 10 ms.
//!
//! ```text
//! cargo bench -p bank --bench deadline
//! ```

use std::time::{Duration, Instant};

use bank::deadline;
use criterion::{Criterion, criterion_group, criterion_main};

const SERVICE: Duration = Duration::from_millis(10);

fn services(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread runtime can be built");
    let mut group = c.benchmark_group("a 10 ms service");
    group.sample_size(30);
    group.bench_function("timerfd deadline (the bank)", |b| {
        b.iter_custom(|iters| {
            runtime.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    deadline::sleep(SERVICE).await;
                }
                start.elapsed()
            })
        });
    });
    group.bench_function("tokio::time::sleep", |b| {
        b.iter_custom(|iters| {
            runtime.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    tokio::time::sleep(SERVICE).await;
                }
                start.elapsed()
            })
        });
    });
    group.finish();
}

criterion_group!(benches, services);
criterion_main!(benches);
