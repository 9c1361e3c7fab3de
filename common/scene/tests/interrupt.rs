//! Ctrl-C in the middle of a run, through the shared driver: the run stops
//! at the cut without waiting for the customers still in line, and keeps
//! what it recorded (the demos' CLI tests send a real SIGINT; this one
//! presses "Ctrl-C" through a channel, at a known point of the run).

use std::time::{Duration, Instant};

use bank::ideal;
use crossbeam::channel;
use scene::demo::{Watch, run_watched};
use scene::interrupt::{Interrupt, Signal};
use timeline::scenario::{Generate, ServiceTime};
use timeline::style::Style;
use timeline::trace::Outcome;
use timeline::{Kind, Lane, Recorder};

#[test]
fn an_interrupted_run_stops_at_the_cut_with_what_was_recorded() {
    // 12 customers, 2 tellers, 300 ms each: about 1.8 s in all.
    let scenario = Generate {
        customers: 12,
        tellers: 2,
        service: ServiceTime::Fixed(300.0),
        arrival_gap_ms: 2.0,
        errand_ms: 0.0,
        poll_every_ms: 20.0,
        seed: 1,
    }
    .scenario();
    let full_ideal = ideal::schedule(&scenario).makespan_ms;
    let recorder = Recorder::new();
    let (press, presses) = channel::bounded(1);
    let interrupt = Interrupt::by(presses);
    // "Ctrl-C" once two customers have been served, and the tellers
    // have had a moment to call the next two (300 ms services).
    std::thread::spawn({
        let recorder = recorder.clone();
        move || {
            let give_up = Instant::now() + Duration::from_secs(60);
            while recorder.tally().served < 2 && Instant::now() < give_up {
                std::thread::sleep(Duration::from_millis(1));
            }
            std::thread::sleep(Duration::from_millis(50));
            let _ = press.send(Signal::Interrupt);
        }
    });
    let watch = Watch {
        interrupt: Some(&interrupt),
        ..Watch::default()
    };
    let run = tracing::subscriber::with_default(recorder.subscriber(), || {
        run_watched(
            Style::SyncBlocking,
            sync_blocking::customers,
            scenario,
            None,
            &recorder,
            watch,
        )
    })
    .expect("the bank and the customers start on loopback");
    assert!(
        recorder.tally().finished < 12,
        "the run did not wait for the customers still in line"
    );

    let cut = run.interrupted.expect("the run was interrupted");
    assert_eq!(cut.by, Signal::Interrupt);
    let trace = &run.trace;
    assert!(!trace.complete);
    let served = trace
        .customers
        .iter()
        .filter(|c| c.outcome == Outcome::Served)
        .count();
    assert!((2..12).contains(&served), "{served} served");

    // The trace ends at the cut, where every visit still going on ends, abandoned.
    let cut_us =
        u64::try_from(cut.after.as_micros()).expect("a run of seconds fits in u64 microseconds");
    assert!(trace.events.iter().all(|e| e.t_us <= cut_us));
    for c in trace.customers.iter().filter(|c| c.arrive_ms.is_some()) {
        let abandoned_at_cut = trace.events.iter().any(|e| {
            e.lane == Lane::Customer(c.id)
                && e.t_us == cut_us
                && matches!(e.kind, Kind::Abandon { .. })
        });
        assert_eq!(
            abandoned_at_cut,
            c.outcome == Outcome::Abandoned,
            "{}: {:?}",
            c.name,
            c.outcome
        );
    }
    // Both tellers had called the next tickets: their days end at the cut.
    let cut_ms = cut_us as f64 / 1000.0;
    for teller in &trace.tellers {
        let last = teller
            .busy
            .iter()
            .chain(&teller.calling)
            .map(|span| span[1])
            .fold(0.0, f64::max);
        assert_eq!(last, cut_ms, "teller {}", teller.id);
    }
    // Efficiency compares the served with the ideal for them alone.
    assert!(trace.metrics.ideal_makespan_ms > 0.0);
    assert!(trace.metrics.ideal_makespan_ms < full_ideal);
}
