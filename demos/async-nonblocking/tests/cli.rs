//! The `async-nonblocking` binary: the lecture on its own, tasks that are not threads,
//! and Ctrl-C, which keeps what was recorded.

use assert_cmd::cargo::{cargo_bin, cargo_bin_cmd};
use unicode_width::UnicodeWidthStr;

use testkit::cli;

#[test]
fn with_no_flags_it_shows_the_lesson() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let chrome = dir.path().join("run.chrome.json");
    // The default scene, run 4 times faster for the test.
    let out = cargo_bin_cmd!("async-nonblocking")
        .args(["--speed", "4", "--chrome"])
        .arg(&chrome)
        .env("NO_COLOR", "1")
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    for needed in [
        "异步非阻塞",
        "张三",
        "teller 1",
        "teller 2",
        "阻塞",
        "就绪",
        "运行",
        "efficiency",
    ] {
        assert!(
            stdout.contains(needed),
            "{needed:?} missing from:\n{stdout}"
        );
    }
    let widest = stdout
        .lines()
        .map(UnicodeWidthStr::width)
        .max()
        .unwrap_or(0);
    assert!(
        widest <= 100,
        "fits a 100-column terminal, widest line {widest}"
    );
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&chrome).expect("the Chrome file is written"),
    )
    .expect("the Chrome file is JSON");
    assert!(
        json["traceEvents"]
            .as_array()
            .is_some_and(|e| !e.is_empty())
    );
}

#[test]
fn threads_do_not_grow_with_customers() {
    let few = cli::threads_peak(cargo_bin_cmd!("async-nonblocking"), 4);
    let many = cli::threads_peak(cargo_bin_cmd!("async-nonblocking"), 60);
    assert_eq!(
        few, many,
        "4 customers: {few} threads; 60 customers: {many} threads"
    );
}

#[test]
fn a_bad_speed_exits_2_and_names_it() {
    cargo_bin_cmd!("async-nonblocking")
        .args(["--speed", "0"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--speed"));
}

#[test]
fn ctrl_c_stops_the_run_and_keeps_what_it_recorded() {
    let took = cli::ctrl_c_midway(cargo_bin!("async-nonblocking"));
    eprintln!("async-nonblocking: {took:?} from Ctrl-C to exit");
}
