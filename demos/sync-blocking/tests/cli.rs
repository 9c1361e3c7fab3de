//! The `sync-blocking` binary: a thread per customer, as the process sees it; Ctrl-C
//! and SIGTERM keep what was recorded.

use assert_cmd::cargo::{cargo_bin, cargo_bin_cmd};

use testkit::cli;

#[test]
fn the_process_holds_a_thread_per_customer() {
    let (_, json) = cli::traced_run(
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
fn computed_errands_are_recorded_in_the_trace_and_summed_up_under_the_picture() {
    let (stdout, json) = cli::traced_run(
        cargo_bin_cmd!("sync-blocking"),
        &[
            "--customers",
            "2",
            "--service",
            "20",
            "--errand",
            "100",
            "--errand-work",
            "cpu",
            "--yield-every",
            "3",
        ],
    );
    assert_eq!(json["scenario"]["errand_work"], "cpu");
    assert_eq!(json["scenario"]["yield_every_ms"], 3.0);
    for c in json["customers"].as_array().expect("customers") {
        let cpu = c["errand_cpu_ms"].as_f64().expect("errand_cpu_ms");
        assert!((99.9..=102.0).contains(&cpu), "{c}");
    }
    let stretches: Vec<_> = json["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["kind"] == "errand")
        .collect();
    assert!(
        !stretches.is_empty() && stretches.iter().all(|e| e["cpu_us"].is_u64()),
        "{stretches:?}"
    );
    for key in ["parallel ", "ready "] {
        assert!(
            stdout.lines().any(|l| l.starts_with(key)),
            "a {key}line:\n{stdout}"
        );
    }
}

#[test]
fn a_bad_flag_exits_2_and_names_it() {
    cargo_bin_cmd!("sync-blocking")
        .args(["--tellers", "0"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--tellers"));
    cargo_bin_cmd!("sync-blocking")
        .args(["--errand-work", "gpu"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--errand-work"));
}

#[test]
fn ctrl_c_stops_the_run_and_keeps_what_it_recorded() {
    let took = cli::ctrl_c_midway(cargo_bin!("sync-blocking"));
    eprintln!("sync-blocking: {took:?} from Ctrl-C to exit");
}

#[test]
fn sigterm_stops_the_run_like_ctrl_c_with_its_own_exit_code() {
    cli::stopped_midway(
        cargo_bin!("sync-blocking"),
        nix::sys::signal::Signal::SIGTERM,
    );
}

/// Runs `sync-blocking` in a shell (bash, for `ulimit -u`) that first lowers a limit.
fn under_ulimit(limit: &str, args: &[&str]) -> assert_cmd::assert::Assert {
    assert_cmd::Command::new("bash")
        .arg("-c")
        .arg(format!("ulimit {limit} && exec \"$0\" \"$@\""))
        .arg(cargo_bin!("sync-blocking"))
        .args(args)
        .env_remove("BANK_QUEUE_BANK")
        .timeout(std::time::Duration::from_secs(60))
        .assert()
}

/// The largest `--customers` a refusal names.
fn largest_named(stderr: &str) -> u32 {
    stderr
        .split("--customers ")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("the refusal names a --customers count: {stderr}"))
}

#[test]
fn a_run_that_needs_more_open_files_than_allowed_is_refused_before_it_starts() {
    let out = under_ulimit("-n 256", &["--customers", "500"]).code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(stderr.contains("RLIMIT_NOFILE"), "{stderr}");
    assert!(stderr.contains("--bank"), "the way out is named: {stderr}");
    assert!(
        out.get_output().stdout.is_empty(),
        "nothing ran, nothing drawn"
    );
    // The largest run it names does fit: it runs, quickly.
    let largest = largest_named(&stderr);
    assert!((50..250).contains(&largest), "{stderr}");
    let largest = largest.to_string();
    under_ulimit("-n 256", &["--customers", &largest, "--speed", "100"]).success();
}

#[test]
fn a_run_that_needs_more_threads_than_allowed_is_refused_and_names_the_limit() {
    // RLIMIT_NPROC is one of the thread limits the check reads.
    let out = under_ulimit("-u 300", &["--customers", "1000"]).code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(stderr.contains("threads"), "{stderr}");
    assert!(stderr.contains("RLIMIT_NPROC"), "{stderr}");
    assert!(largest_named(&stderr) < 300, "{stderr}");
}

#[test]
fn without_width_the_picture_fits_the_terminal_it_is_drawn_on() {
    // Narrower than the default of 100: only the terminal's size says so.
    for columns in [45u16, 72] {
        let screen = cli::stdout_on_a_terminal(
            cargo_bin!("sync-blocking"),
            &["--customers", "3", "--speed", "20"],
            columns,
        );
        let widest = screen
            .lines()
            .map(|l| unicode_width::UnicodeWidthStr::width(l.trim_end_matches('\r')))
            .max()
            .unwrap_or(0);
        assert!(
            widest <= usize::from(columns) && widest > 40,
            "{columns} columns, the widest line {widest}:\n{screen}"
        );
    }
}
