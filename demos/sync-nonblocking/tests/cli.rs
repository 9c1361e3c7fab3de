//! The `sync-nonblocking` binary: looks are counted, and flags are checked.

use assert_cmd::cargo::cargo_bin_cmd;

#[path = "../../cli_support.rs"]
mod cli_support;

#[test]
fn the_swimlane_and_the_trace_show_the_looks() {
    let (stdout, json) =
        cli_support::traced_run(cargo_bin_cmd!("sync-nonblocking"), &["--speed", "5"]);
    assert!(stdout.contains('?'), "empty looks are marked:\n{stdout}");
    assert!(stdout.contains("同步非阻塞"));
    assert!(
        !stdout.contains('\u{1b}'),
        "no colour when NO_COLOR is set and stdout is piped"
    );
    assert!(json["metrics"]["polls"].as_u64().expect("polls") > 0);
    let peak = json["metrics"]["threads_peak"]
        .as_u64()
        .expect("threads_peak");
    assert!(peak >= 6, "a thread per customer: {peak}");
}

#[test]
fn a_bad_slice_exits_2_and_names_it() {
    cargo_bin_cmd!("sync-nonblocking")
        .args(["--poll-every", "0"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--poll-every"));
}
