//! The `sync-nonblocking` binary: looks are counted, flags are checked, Ctrl-C keeps
//! what was recorded, and the progress bar shows only on a terminal.

use assert_cmd::cargo::{cargo_bin, cargo_bin_cmd};

use testkit::cli;

#[test]
fn the_swimlane_and_the_trace_show_the_looks() {
    let (stdout, json) = cli::traced_run(cargo_bin_cmd!("sync-nonblocking"), &["--speed", "5"]);
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

#[test]
fn ctrl_c_stops_the_run_and_keeps_what_it_recorded() {
    let took = cli::ctrl_c_midway(cargo_bin!("sync-nonblocking"));
    eprintln!("sync-nonblocking: {took:?} from Ctrl-C to exit");
}

#[test]
fn piped_stderr_gets_no_progress_bar() {
    let out = cargo_bin_cmd!("sync-nonblocking")
        .args(cli::LONG_ENOUGH_FOR_A_BAR)
        .env_remove("RUST_LOG")
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        stderr.is_empty(),
        "a run of over a second, piped, writes nothing on stderr: {stderr:?}"
    );
}

#[test]
fn a_terminal_gets_a_progress_bar_that_is_cleared_at_the_end() {
    let (screen, stdout) =
        cli::stderr_on_a_terminal(cargo_bin!("sync-nonblocking"), &cli::LONG_ENOUGH_FOR_A_BAR);
    assert!(
        screen.contains("/12 finished · ") && screen.contains(" served · "),
        "{screen:?}"
    );
    assert!(
        screen.ends_with("\r\u{1b}[2K"),
        "the bar's line is cleared before the swimlane: {screen:?}"
    );
    assert!(!stdout.contains("finished ·"), "the bar stays off stdout");
    assert!(stdout.contains("同步非阻塞"), "the swimlane is on stdout");
}
