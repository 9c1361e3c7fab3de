//! What the figures cost: `metrics::compute` on the records of a crowd, the
//! time lost and where the tellers' time went among them.
//!
//! `compare --scale` computes them once per run, in the run's own process,
//! after the customers are gone; reading an older trace computes them again.
//! Target: under 50 ms for 10,000 customers at 8 tellers, each with ten
//! errand slices (sync-nonblocking's shape): nothing beside a run of 13 s.
//!
//! ```text
//! cargo bench -p timeline --bench metrics
//! ```

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use timeline::metrics;
use timeline::model;
use timeline::scenario::{Generate, ServiceTime};
use timeline::trace::{CallRecord, CustomerRecord, Outcome, Trace};
use timeline::{Event, Kind, Lane, Style};

/// Customers in the crowd.
const CUSTOMERS: u32 = 10_000;
/// Tellers serving them.
const TELLERS: u32 = 8;
/// Errand slices per customer, each recorded as a moment.
const SLICES: u64 = 10;

/// The records of a crowd served first come, first served: 10 ms each, a
/// customer every 0.1 ms, a reaction of 0.2 ms, errands in slices of 10 ms.
fn crowd() -> Trace {
    let scenario = Generate {
        customers: CUSTOMERS,
        tellers: TELLERS,
        service: ServiceTime::Fixed(10.0),
        arrival_gap_ms: 0.1,
        ..Generate::default()
    }
    .scenario();
    let mut free = vec![0.0f64; TELLERS as usize];
    let mut customers = Vec::new();
    let mut events = Vec::new();
    for c in &scenario.customers {
        let (i, at) = free
            .iter()
            .copied()
            .enumerate()
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap_or((0, 0.0));
        let called = at.max(c.arrive_ms) + 0.05;
        let here = called + 0.2;
        let done = here + c.service_ms + 0.3;
        free[i] = done;
        for slice in 1..=SLICES {
            events.push(Event {
                t_us: (c.arrive_ms * 1000.0) as u64 + slice * 10_000,
                lane: Lane::Customer(c.id),
                kind: Kind::Errand {
                    dur_us: 10_000,
                    cpu_us: None,
                },
                thread: 0,
            });
        }
        customers.push(CustomerRecord {
            id: c.id,
            name: c.name.to_string(),
            ticket: Some(u64::from(c.id) + 1),
            arrive_ms: Some(c.arrive_ms),
            called_ms: Some(called),
            noticed_ms: Some(called),
            at_counter_ms: Some(here),
            done_ms: Some(done),
            leave_ms: Some(done.max(c.arrive_ms + 100.0)),
            teller: Some(i as u32 + 1),
            polls: SLICES,
            errand_ms: 100.0,
            errand_cpu_ms: None,
            errand_while_waiting_ms: 0.0,
            outcome: Outcome::Served,
            calls: vec![CallRecord {
                teller: i as u32 + 1,
                called_ms: called,
                noticed_ms: Some(called),
                at_counter_ms: Some(here),
                end_ms: Some(done),
                paused: false,
            }],
            response_ms: Some(called - c.arrive_ms),
            wait_ms: Some(called - c.arrive_ms),
            turnaround_ms: Some(done.max(c.arrive_ms + 100.0) - c.arrive_ms),
        });
    }
    let tellers = model::tellers(&scenario, &customers, &events);
    Trace::of_records(
        Style::SyncNonblocking,
        true,
        scenario,
        customers,
        tellers,
        events,
    )
}

fn compute(c: &mut Criterion) {
    let trace = crowd();
    c.bench_function("metrics of 10,000 customers at 8 tellers", |b| {
        b.iter(|| metrics::compute(black_box(&trace), 12_500.0, Default::default()));
    });
}

criterion_group!(benches, compute);
criterion_main!(benches);
