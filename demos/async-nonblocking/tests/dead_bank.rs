//! The real `async-nonblocking` binary when its bank dies mid-run: it exits
//! non-zero, says which visits failed and why, and still writes its trace,
//! marked incomplete.
//!
//! The bank runs in this test's process (`--bank` points the demo at it) and
//! is closed once the first customer has been served: every customer still
//! inside hears `ERR closing`, and their connections close; those who come
//! later find nobody listening. (`common/bank/tests/killed.rs` kills a real
//! `bank` process under each style, without a word.)

use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use bank::{Config, Embedded};
use timeline::{Kind, Lane, Recorder};

/// How long anything here may take before the test fails.
const PATIENCE: Duration = Duration::from_secs(30);

#[test]
fn a_run_whose_bank_dies_exits_non_zero_and_keeps_its_trace() {
    let recorder = Recorder::new();
    let origin = Instant::now();
    let bank = tracing::subscriber::with_default(recorder.subscriber(), || {
        Embedded::start(
            Config {
                tellers: 1,
                ..Config::default()
            },
            SocketAddr::from(([127, 0, 0, 1], 0)),
        )
    })
    .expect("a bank on a free loopback port");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let trace = dir.path().join("run.json");
    let mut demo = Command::new(env!("CARGO_BIN_EXE_async-nonblocking"))
        .args(["--customers", "8", "--tellers", "1", "--service", "200"])
        .args(["--arrival-gap", "5", "--errand", "20", "--bank"])
        .arg(bank.addr().to_string())
        .arg("--trace")
        .arg(&trace)
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the demo starts");

    // Once the teller calls the second ticket, the first has been served.
    let deadline = Instant::now() + PATIENCE;
    let mut events = Vec::new();
    while !events.iter().any(|e: &timeline::Event| {
        e.lane == Lane::Teller(1) && matches!(e.kind, Kind::Called { ticket: 2, .. })
    }) {
        assert!(Instant::now() < deadline, "the second call never came");
        std::thread::sleep(Duration::from_millis(5));
        events.extend(recorder.take(origin));
    }
    bank.stop();

    let deadline = Instant::now() + PATIENCE;
    let status = loop {
        if let Some(status) = demo.try_wait().expect("the demo can be waited for") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = demo.kill();
            panic!("the demo still runs {PATIENCE:?} after its bank died");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(
        &mut demo.stderr.take().expect("stderr is piped"),
        &mut stderr,
    )
    .expect("the demo's stderr is text");

    assert_eq!(status.code(), Some(1), "a failed run exits 1: {stderr}");
    assert!(
        stderr.contains("the bank refused: ERR closing: the bank is closing"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&trace).expect("the trace is still written"))
            .expect("the trace is JSON");
    assert_eq!(json["complete"], false, "marked incomplete");
    let outcomes: Vec<&str> = json["customers"]
        .as_array()
        .expect("customers")
        .iter()
        .filter_map(|c| c["outcome"].as_str())
        .collect();
    assert_eq!(outcomes.len(), 8);
    assert!(outcomes.contains(&"served") && outcomes.contains(&"abandoned"));
}
