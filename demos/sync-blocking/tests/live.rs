//! `--live` on a terminal: the run drawn while it happens, the terminal
//! given back whole, and the usual picture and trace after it; Ctrl-C
//! included. The screen is read through a terminal emulator.

use std::time::Duration;

use assert_cmd::cargo::cargo_bin;
use testkit::tty::{Tty, assert_live_needs_a_terminal};
use timeline::trace::Trace;

/// Six customers slowed down four times: about 5 s, long enough to watch.
const SLOW_SCENE: [&str; 4] = ["--live", "--speed", "0.25", "--customers"];

/// The rows of the customers on a screen (their names start the rows).
fn customer_rows(screen: &[String]) -> Vec<&String> {
    screen
        .iter()
        .filter(|l| ["张三", "李四", "Alice"].iter().any(|n| l.starts_with(n)))
        .collect()
}

#[test]
fn the_live_view_grows_while_the_run_goes_and_gives_the_terminal_back() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let trace = dir.path().join("run.json");
    let trace_arg = trace.to_string_lossy().into_owned();
    let args = [&SLOW_SCENE[..], &["3", "--trace", &trace_arg]].concat();
    let mut tty = Tty::start(&cargo_bin("sync-blocking"), &args, 100, 30, true);
    let first = tty.wait_for(Duration::from_secs(20), |s| {
        s.iter().any(|l| l.contains("live at 0.25× speed")) && customer_rows(s).len() == 3
    });
    assert_eq!(tty.taken(), (true, true), "the alternate screen, no cursor");
    assert!(!tty.echoes(), "nothing typed is echoed over the picture");
    let status = |s: &[String]| {
        s.iter()
            .any(|l| l.contains("waiting") && l.contains("threads"))
    };
    assert!(status(&first), "a status line:\n{}", first.join("\n"));
    // The lanes grow from left to right: more glyphs a moment later.
    let glyphs = |s: &[String]| -> usize {
        customer_rows(s)
            .iter()
            .map(|l| l.chars().filter(|c| "-=!#".contains(*c)).count())
            .sum()
    };
    let before = glyphs(&first);
    let later = tty.wait_for(Duration::from_secs(10), |s| glyphs(s) > before + 3);
    assert!(status(&later));

    let out = tty.wait(Duration::from_secs(30));
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        tty.taken(),
        (false, false),
        "the shell's screen and cursor are back"
    );
    assert!(tty.echoes(), "echo and line editing are back");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("legend") && stdout.contains("trace       written to"),
        "{stdout}"
    );
    let trace = Trace::read(&trace).expect("the trace");
    assert!(trace.complete);
    // Slowed four times: a 400 ms service took 1.6 s, for real.
    let service = trace.customers[0]
        .done_ms
        .zip(trace.customers[0].at_counter_ms);
    assert!(
        service.is_some_and(|(done, here)| done - here >= 1600.0),
        "{service:?}"
    );
}

#[test]
fn ctrl_c_in_the_live_view_gives_the_terminal_back_then_the_picture_and_the_trace() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let trace = dir.path().join("run.json");
    let trace_arg = trace.to_string_lossy().into_owned();
    let args = [&SLOW_SCENE[..], &["6", "--trace", &trace_arg]].concat();
    let mut tty = Tty::start(&cargo_bin("sync-blocking"), &args, 100, 30, true);
    tty.wait_for(Duration::from_secs(20), |s| customer_rows(s).len() == 3);
    // Ctrl-C stays the terminal's: it sends SIGINT.
    let out = tty.ctrl_c(Duration::from_secs(10));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("interrupted run"), "{stdout}");
    let trace = Trace::read(&trace).expect("the trace of what was recorded");
    assert!(!trace.complete);
}

#[test]
fn without_a_terminal_live_says_so_in_one_line_and_the_run_goes_on() {
    let out = assert_cmd::Command::new(cargo_bin("sync-blocking"))
        .args(["--live", "--customers", "2", "--speed", "10"])
        .env("NO_COLOR", "1")
        .assert()
        .success();
    assert_live_needs_a_terminal(&out.get_output().stderr);
    assert!(String::from_utf8_lossy(&out.get_output().stdout).contains("legend"));
}
