//! The bank process killed mid-run (`kill -9`): every style's customers
//! notice, each failed visit is reported with a clear message, nobody hangs,
//! and the run's trace says it is incomplete and still reads back.
//!
//! A real `bank` binary in its own process, and a real crowd of each style's
//! customers in this one (`scene::demo::run_recorded`, the demos' own
//! driver, with `--bank` pointing at that process).

use std::sync::mpsc;
use std::time::Duration;

use scene::demo::{self, Customers, Run};
use testkit::bank_process::BankProcess;
use timeline::scenario::{Generate, ServiceTime};
use timeline::style::Style;
use timeline::trace::{Outcome, Trace};

/// The binary under test.
const BANK: &str = env!("CARGO_BIN_EXE_bank");

/// Longest a run may take once its bank is dead: every customer must have
/// noticed long before.
const NOTICED_WITHIN: Duration = Duration::from_secs(60);

/// Runs `style`'s customers against a bank process, kills the bank once the
/// first service is over (its teller calls the second ticket), and returns
/// the run.
fn run_and_kill_the_bank(style: Style, customers: Customers) -> Run {
    let mut bank = BankProcess::start(BANK, &["--tellers", "1"]);
    // Twelve customers for one teller, 150 ms each: most are still waiting,
    // blocked, polling or awaiting, when the bank dies after the first.
    let scene = Generate {
        customers: 12,
        tellers: 1,
        service: ServiceTime::Fixed(150.0),
        arrival_gap_ms: 5.0,
        errand_ms: 30.0,
        poll_every_ms: 10.0,
        seed: 1,
    }
    .scenario();
    let addr = bank.addr;
    let (done, finished) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(demo::run_recorded(style, customers, scene, Some(addr)));
    });
    bank.wait_for_log(&[" called ", "ticket=2"]);
    bank.kill();
    match finished.recv_timeout(NOTICED_WITHIN) {
        Ok(run) => run.expect("the customers could start"),
        Err(_) => panic!("{style}: customers still waiting {NOTICED_WITHIN:?} after the bank died"),
    }
}

/// What every style must get right when its bank dies.
fn check_a_dead_bank_run(style: Style, run: &Run) {
    let trace = &run.trace;
    for failure in &run.failures {
        eprintln!("{style}: {failure}");
    }
    assert!(
        !trace.complete,
        "{style}: the trace says the run is incomplete"
    );
    assert!(!run.failures.is_empty(), "{style}: failures are reported");
    for failure in &run.failures {
        let clear = [
            "the bank closed the connection before DONE",
            "connection to the bank failed",
        ];
        assert!(
            clear.iter().any(|words| failure.error.contains(words)),
            "{style}: {failure} is not a clear message"
        );
        let id = failure
            .customer
            .unwrap_or_else(|| panic!("{style}: a visit failed, not the run: {failure}"));
        let record = &trace.customers[id as usize];
        assert_eq!(record.outcome, Outcome::Abandoned, "{style}: {record:?}");
    }
    let served = trace
        .customers
        .iter()
        .filter(|c| c.outcome == Outcome::Served)
        .count();
    assert!(served >= 1, "{style}: the first was served before the end");
    assert_eq!(
        served + run.failures.len(),
        trace.customers.len(),
        "{style}: every customer either served or reported"
    );

    // The trace is still written, and reads back as it was.
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("dead-bank.json");
    trace.write(&path).expect("an incomplete trace is written");
    let back = Trace::read(&path).expect("and reads back");
    assert_eq!(&back, trace);
    assert!(!back.complete);
}

#[test]
fn sync_blocking_customers_notice_a_dead_bank() {
    let run = run_and_kill_the_bank(sync_blocking::STYLE, sync_blocking::customers);
    check_a_dead_bank_run(sync_blocking::STYLE, &run);
}

#[test]
fn sync_nonblocking_customers_notice_a_dead_bank() {
    let run = run_and_kill_the_bank(sync_nonblocking::STYLE, sync_nonblocking::customers);
    check_a_dead_bank_run(sync_nonblocking::STYLE, &run);
}

#[test]
fn async_blocking_customers_notice_a_dead_bank() {
    let run = run_and_kill_the_bank(async_blocking::STYLE, async_blocking::customers);
    check_a_dead_bank_run(async_blocking::STYLE, &run);
}

#[test]
fn async_nonblocking_customers_notice_a_dead_bank() {
    let run = run_and_kill_the_bank(async_nonblocking::STYLE, async_nonblocking::customers);
    check_a_dead_bank_run(async_nonblocking::STYLE, &run);
}
