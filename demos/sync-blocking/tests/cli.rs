//! The `sync-blocking` binary: a thread per customer, as the process sees it.

use assert_cmd::cargo::cargo_bin_cmd;

#[test]
fn the_process_holds_a_thread_per_customer() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let trace = dir.path().join("run.json");
    cargo_bin_cmd!("sync-blocking")
        .args([
            "--customers",
            "24",
            "--arrival-gap",
            "1",
            "--service",
            "20",
            "--tellers",
            "4",
        ])
        .args(["--errand", "100", "--speed", "2", "--trace"])
        .arg(&trace)
        .env("NO_COLOR", "1")
        .assert()
        .success();
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&trace).expect("the trace is written"))
            .expect("the trace is JSON");
    let peak = json["metrics"]["threads_peak"]
        .as_u64()
        .expect("threads_peak");
    // 24 customer threads were alive at once (each waits in line, then does its errand).
    assert!(peak >= 24, "threads_peak {peak}");
}

#[test]
fn a_bad_flag_exits_2_and_names_it() {
    cargo_bin_cmd!("sync-blocking")
        .args(["--tellers", "0"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--tellers"));
}
