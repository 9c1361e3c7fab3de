//! The `sync-nonblocking` binary: looks are counted, and flags are checked.

use assert_cmd::cargo::cargo_bin_cmd;

#[test]
fn the_swimlane_and_the_trace_show_the_looks() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let trace = dir.path().join("run.json");
    let out = cargo_bin_cmd!("sync-nonblocking")
        .args(["--speed", "5", "--trace"])
        .arg(&trace)
        .env("NO_COLOR", "1")
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(stdout.contains('?'), "empty looks are marked:\n{stdout}");
    assert!(stdout.contains("同步非阻塞"));
    assert!(
        !stdout.contains('\u{1b}'),
        "no colour when NO_COLOR is set and stdout is piped"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&trace).expect("the trace is written"))
            .expect("the trace is JSON");
    assert!(json["metrics"]["polls"].as_u64().expect("polls") > 0);
    assert!(
        json["metrics"]["threads_peak"]
            .as_u64()
            .expect("threads_peak")
            >= 6
    );
}

#[test]
fn a_bad_slice_exits_2_and_names_it() {
    cargo_bin_cmd!("sync-nonblocking")
        .args(["--poll-every", "0"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--poll-every"));
}
