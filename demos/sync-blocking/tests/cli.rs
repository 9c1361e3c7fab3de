//! The `sync-blocking` binary: a thread per customer, as the process sees it; Ctrl-C
//! and SIGTERM keep what was recorded.

use assert_cmd::cargo::{cargo_bin, cargo_bin_cmd};

#[path = "../../cli_support.rs"]
mod cli_support;

#[test]
fn the_process_holds_a_thread_per_customer() {
    let (_, json) = cli_support::traced_run(
        cargo_bin_cmd!("sync-blocking"),
        &[
            "--customers",
            "24",
            "--arrival-gap",
            "1",
            "--service",
            "20",
            "--tellers",
            "4",
        ],
    );
    let peak = json["metrics"]["threads_peak"]
        .as_u64()
        .expect("threads_peak");
    // All 24 customer threads were alive at once: the last arrives (at 23 ms)
    // long before the first has finished its errand (after 1 s).
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

#[test]
fn ctrl_c_stops_the_run_and_keeps_what_it_recorded() {
    let took = cli_support::ctrl_c_midway(cargo_bin!("sync-blocking"));
    eprintln!("sync-blocking: {took:?} from Ctrl-C to exit");
}

#[test]
fn sigterm_stops_the_run_like_ctrl_c_with_its_own_exit_code() {
    cli_support::stopped_midway(
        cargo_bin!("sync-blocking"),
        nix::sys::signal::Signal::SIGTERM,
    );
}
