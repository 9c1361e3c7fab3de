//! The Python peer (`peers/python/asyncio_customers.py`) against a real bank.
//!
//! `compare` runs that script beside the Rust demos, as the asyncio customers a
//! student would write, and reads what it prints as a [`Metrics`]. These tests
//! hold it to that contract: every customer of a small sped-up scene is served
//! (the bank's own record agrees), the figures are consistent with each other
//! and with the ideal schedule, a customer the bank refuses is counted as
//! abandoned with a clear message and no traceback, and a bad argument exits 2.
//!
//! Without `python3` on the PATH, each test says `skipped: python3 not found`
//! on stderr and passes: the Rust side is all a machine without Python can check.

use std::collections::{BTreeSet, HashMap};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use bank::ideal;
use testkit::client::{recorded_bank, recorded_bank_of};
use timeline::scenario::{Generate, PolicyKind, Scenario, ServiceTime, Slices};
use timeline::trace::Metrics;
use timeline::{Event, Kind, Lane, Recorder};

/// Longest the script may run before it is killed and the test fails.
const PATIENCE: Duration = Duration::from_secs(60);

/// The script, found from this package's directory.
fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../peers/python/asyncio_customers.py")
}

/// Whether a usable `python3` is on the PATH; says why not on stderr.
fn have_python() -> bool {
    let probe = std::process::Command::new("python3")
        .args(["-c", "import sys; sys.exit(sys.version_info < (3, 10))"])
        .output();
    match probe {
        Ok(out) if out.status.success() => true,
        Ok(_) => {
            testkit::skipped("python3 is older than 3.10, which the peer's syntax needs");
            false
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            testkit::skipped("python3 not found");
            false
        }
        Err(err) => panic!("python3 is on the PATH but cannot be run: {err}"),
    }
}

/// The scene: 20 customers 5 ms apart, 3 tellers, 50 ms service (about 0.4 s
/// in all), and 1 s errands, longer than anyone's wait: the calls all come
/// while the customers are out (written 4 times slower, run at `--speed 4`).
fn scene() -> Scenario {
    Generate {
        customers: 20,
        tellers: 3,
        service: ServiceTime::Fixed(200.0),
        arrival_gap_ms: 20.0,
        errand_ms: 4000.0,
        ..Generate::default()
    }
    .scenario()
    .speed_up(4.0)
}

/// Runs the script with `args`, killed after [`PATIENCE`].
fn python(args: &[&std::ffi::OsStr]) -> Output {
    assert_cmd::Command::new("python3")
        .arg(script())
        .args(args)
        .timeout(PATIENCE)
        .output()
        .expect("python3 ran a moment ago, so it can run the script")
}

/// Writes `scenario` (a serialised [`Scenario`], maybe edited) where the
/// script can read it, and runs the script against `bank`.
fn run_peer(bank: SocketAddr, scenario: &serde_json::Value) -> Output {
    let dir = tempfile::tempdir().expect("a temporary directory can be made");
    let file = dir.path().join("scenario.json");
    let json = serde_json::to_vec(scenario).expect("a JSON value serialises");
    std::fs::write(&file, json).expect("the temporary directory is writable");
    python(&[
        "--bank".as_ref(),
        bank.to_string().as_ref(),
        "--scenario".as_ref(),
        file.as_os_str(),
    ])
}

/// What the script printed, checked to be exactly a [`Metrics`].
fn metrics_of(out: &Output) -> Metrics {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let printed: serde_json::Value = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|err| panic!("one JSON object on stdout ({err}): {stdout}\n{stderr}"));
    // Every field of Metrics and none else, so a new field cannot be forgotten here.
    let expected = serde_json::to_value(Metrics::default()).expect("Metrics serialises");
    let keys = |v: &serde_json::Value| -> BTreeSet<String> {
        v.as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    };
    assert_eq!(keys(&printed), keys(&expected), "the fields of Metrics");
    serde_json::from_value(printed).expect("the fields have Metrics' types")
}

/// The longest time a teller waited for `HERE` after its `CALL`, in ms: the
/// customer's reaction as the bank paid for it.
fn longest_teller_wait_ms(events: &[Event]) -> f64 {
    let mut called = HashMap::new();
    let mut longest = 0.0_f64;
    for e in events {
        match (e.lane, &e.kind) {
            (Lane::Teller(_), Kind::Called { ticket, .. }) => {
                called.insert(*ticket, e.t_us);
            }
            (Lane::Teller(_), Kind::AtCounter { ticket }) => {
                let waited = e
                    .t_us
                    .saturating_sub(called.get(ticket).copied().unwrap_or(e.t_us));
                longest = longest.max(waited as f64 / 1000.0);
            }
            _ => {}
        }
    }
    longest
}

/// The tickets the bank's tellers recorded as served.
fn served_by_tellers(events: &[Event]) -> BTreeSet<u64> {
    events
        .iter()
        .filter_map(|e| match (e.lane, &e.kind) {
            (Lane::Teller(_), Kind::Served { ticket, .. }) => Some(*ticket),
            _ => None,
        })
        .collect()
}

/// Runs the peer on `scenario` (of 20 customers) against a bank of its own
/// set up for it, which records; checks that the peer exits 0 and that
/// everyone was served, by its count and by the bank's. Returns what the
/// peer printed and what the bank recorded.
fn everyone_served(scenario: &Scenario) -> (Metrics, Vec<Event>) {
    let recorder = Recorder::new();
    let origin = Instant::now();
    let bank = recorded_bank(bank::Config::for_scenario(scenario), &recorder);
    let json = serde_json::to_value(scenario).expect("a scenario serialises");
    let out = run_peer(bank.addr(), &json);
    bank.stop();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "exit 0; stderr: {stderr}");
    let m = metrics_of(&out);
    assert_eq!((m.served, m.abandoned), (20, 0));
    let events = recorder.take(origin);
    assert_eq!(
        served_by_tellers(&events).len(),
        20,
        "the bank agrees: 20 tickets served"
    );
    (m, events)
}

#[test]
fn the_python_peer_serves_everyone_and_reports_consistent_figures() {
    if !have_python() {
        return;
    }
    let scenario = scene();
    let (m, events) = everyone_served(&scenario);

    // Against the ideal schedule (instant reactions, exact service).
    let ideal = ideal::schedule(&scenario).makespan_ms;
    assert!(
        m.makespan_ms >= ideal * 0.99 - 1.0,
        "makespan {} cannot beat the ideal {ideal}",
        m.makespan_ms
    );
    assert!(
        m.makespan_ms <= ideal * 5.0 + 5000.0,
        "makespan {} within a generous bound of the ideal {ideal}",
        m.makespan_ms
    );
    // Left for compare, which runs the simulator.
    assert_eq!((m.ideal_makespan_ms, m.efficiency), (0.0, 0.0));

    // The errand overlaps the wait, and does not delay the answer to CALL: a
    // customer who ran the errand first and looked afterwards would keep a
    // teller waiting most of an errand.
    assert!(m.errand_while_waiting_ms > 0.0, "{m:?}");
    let errand_ms = scenario.customers[0].errand_ms;
    let teller_waited = longest_teller_wait_ms(&events);
    assert!(
        teller_waited < errand_ms / 2.0,
        "a teller waited {teller_waited} ms for HERE; errands take {errand_ms} ms"
    );
    // What of the errand came before the call came after the ticket: ≤ the wait.
    assert!(m.errand_while_waiting_ms <= m.mean_wait_ms, "{m:?}");
    // A customer leaves served and with the errand done.
    let c = &scenario.customers[0];
    assert!(
        m.mean_turnaround_ms >= c.errand_ms.max(c.service_ms) * 0.99,
        "{m:?}"
    );
    assert!(0.0 <= m.mean_reaction_ms && m.mean_reaction_ms <= m.max_reaction_ms);
    // Time lost: of the time from arrival to HERE, what the errand did not fill.
    assert!(m.mean_lost_ms >= 0.0, "{m:?}");
    assert!(
        m.mean_lost_ms <= m.mean_wait_ms - m.errand_while_waiting_ms + m.mean_reaction_ms + 0.5,
        "{m:?}"
    );
    assert_eq!(
        m.teller_loss, None,
        "the tellers' days are the bank's: not seen"
    );
    assert_eq!(m.polls, 0, "nobody polls");

    let p = m.process;
    assert!(p.threads_peak >= 1);
    assert!(p.cpu_user_ms + p.cpu_sys_ms > 0.0, "{p:?}");
    assert!(p.max_rss_kib > 0, "{p:?}");
}

#[test]
fn under_round_robin_the_python_peer_waits_again_after_each_pause() {
    if !have_python() {
        return;
    }
    // 50 ms of service (as run) in slices of 12.5: everyone is paused three times.
    let scenario = Scenario {
        policy: PolicyKind::Rr,
        slices: Slices::of(PolicyKind::Rr, Some(12.5), None, None).expect("rr takes a quantum"),
        ..scene()
    };
    let (m, events) = everyone_served(&scenario);
    let pauses = events
        .iter()
        .filter(|e| matches!((e.lane, &e.kind), (Lane::Teller(_), Kind::Paused { .. })))
        .count();
    assert_eq!(pauses, 60, "three PAUSEs each, every one answered");
    let response = m.mean_response_ms.expect("the peer says its response");
    assert!(
        response <= m.mean_wait_ms,
        "{m:?}: the first call, then more waits"
    );
}

#[test]
fn a_customer_the_bank_refuses_is_abandoned_and_the_others_are_served() {
    if !have_python() {
        return;
    }
    let scenario = Generate {
        customers: 4,
        tellers: 2,
        service: ServiceTime::Fixed(20.0),
        arrival_gap_ms: 2.0,
        errand_ms: 10.0,
        ..Generate::default()
    }
    .scenario();
    let mut json = serde_json::to_value(&scenario).expect("a scenario serialises");
    // A space makes the TICKET line the wrong shape: the bank answers ERR.
    json["customers"][1]["name"] = "no way".into();
    let recorder = Recorder::new();
    let origin = Instant::now();
    let bank = recorded_bank_of(scenario.tellers, &recorder);
    let out = run_peer(bank.addr(), &json);
    bank.stop();

    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "exit 1; stderr: {stderr}");
    assert!(
        stderr.contains("1 of 4 customers were not served") && stderr.contains("ERR"),
        "names the count and the bank's reason: {stderr}"
    );
    assert!(!stderr.contains("Traceback"), "no traceback: {stderr}");
    let m = metrics_of(&out);
    assert_eq!((m.served, m.abandoned), (3, 1));
    let events = recorder.take(origin);
    assert_eq!(served_by_tellers(&events).len(), 3, "the bank agrees");
    assert!(
        events.iter().any(|e| matches!(e.kind, Kind::Reject { .. })),
        "the bank refused a line"
    );
}

/// With `--errand-work cpu`, the peer's errands compute on its one thread:
/// as much CPU time as asked, and a task that never yields holds up
/// everyone's calls, where one that yields every 2 ms does not.
#[test]
fn the_python_peer_computes_its_errands_and_never_yielding_holds_everyone_up() {
    if !have_python() {
        return;
    }
    // Two tellers; the first two customers' 50 ms services end while the
    // third computes its 300 ms errand.
    let run = |yield_every_ms: f64| {
        let mut scenario = Generate {
            customers: 3,
            tellers: 2,
            service: ServiceTime::Fixed(50.0),
            arrival_gap_ms: 1.0,
            errand_ms: 0.0,
            ..Generate::default()
        }
        .scenario();
        scenario.customers[2].errand_ms = 300.0;
        scenario.errand_work = timeline::scenario::ErrandWork::Cpu;
        scenario.yield_every_ms = yield_every_ms;
        let bank = recorded_bank_of(scenario.tellers, &Recorder::new());
        let out = run_peer(
            bank.addr(),
            &serde_json::to_value(&scenario).expect("a scenario serialises"),
        );
        bank.stop();
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        metrics_of(&out)
    };
    let (never, often) = (run(0.0), run(2.0));
    for m in [&never, &often] {
        assert_eq!(m.served, 3);
        assert!(m.process.cpu_ms() >= 300.0 * 0.97, "{m:?}");
    }
    // Never yielding, the errand holds the loop from its ticket (about 3 ms
    // on) for 300 ms of CPU time, no less on the wall clock: the first two
    // read their DONE (sent at about 50 ms) only then.
    assert!(never.makespan_ms >= 290.0, "{never:?}");
    // Yielding, they read it about when it comes.
    assert!(
        often.makespan_ms < never.makespan_ms * 0.8,
        "{often:?}\n{never:?}"
    );
}

#[test]
fn a_bad_argument_exits_2_and_names_it() {
    if !have_python() {
        return;
    }
    let dir = tempfile::tempdir().expect("a temporary directory can be made");
    let missing = dir.path().join("no-such-scenario.json");
    let cases: [(&[&std::ffi::OsStr], &str); 3] = [
        (&[], "--bank"),
        (
            &[
                "--bank".as_ref(),
                "nowhere".as_ref(),
                "--scenario".as_ref(),
                missing.as_os_str(),
            ],
            "--bank",
        ),
        (
            &[
                "--bank".as_ref(),
                "127.0.0.1:7878".as_ref(),
                "--scenario".as_ref(),
                missing.as_os_str(),
            ],
            "--scenario",
        ),
    ];
    for (args, named) in cases {
        let out = python(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: exit 2; {stderr}");
        assert!(stderr.contains(named), "{args:?} names {named}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}: nothing on stdout");
    }
}
