//! The demos' command-line tests: run a demo binary with `--trace` and read
//! back what it wrote; stop one with Ctrl-C; give one a terminal.

use std::io::Read;
use std::path::Path;
use std::process::Stdio;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use nix::pty::{Winsize, openpty};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde_json::Value;
use timeline::trace::{Outcome, Trace};

/// Runs `demo` with `args` and `--trace FILE` (colour off), expects success
/// and a last line saying where the trace went, and returns what it printed
/// and the trace as JSON.
pub fn traced_run(mut demo: Command, args: &[&str]) -> (String, Value) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let trace = dir.path().join("run.json");
    let out = demo
        .args(args)
        .arg("--trace")
        .arg(&trace)
        .env("NO_COLOR", "1")
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert_eq!(
        stdout
            .lines()
            .last()
            .map(str::split_whitespace)
            .map(Iterator::collect),
        Some(vec!["trace", "written", "to", &*trace.to_string_lossy()]),
        "{stdout}"
    );
    let text = std::fs::read_to_string(&trace).expect("the trace is written");
    (
        stdout,
        serde_json::from_str(&text).expect("the trace is JSON"),
    )
}

/// The process's peak thread count for `customers` customers arriving 1 ms
/// apart, with 4 tellers, 10 ms services and 50 ms errands.
pub fn threads_peak(demo: Command, customers: u32) -> u64 {
    let customers = customers.to_string();
    let args = [
        "--arrival-gap",
        "1",
        "--service",
        "10",
        "--tellers",
        "4",
        "--errand",
        "50",
    ];
    let (_, json) = traced_run(demo, &[&args[..], &["--customers", &customers]].concat());
    json["metrics"]["threads_peak"]
        .as_u64()
        .expect("threads_peak")
}

/// Ctrl-C in the middle of a long run of `demo` (40 customers, 2 tellers,
/// 200 ms services: 4 s or more): it must stop soon, exit 130, and leave a
/// whole trace of what it recorded, with nothing else behind. Returns how
/// long it took from SIGINT to its exit.
pub fn ctrl_c_midway(demo: &Path) -> Duration {
    stopped_midway(demo, Signal::SIGINT)
}

/// [`ctrl_c_midway`], stopped with `signal` (SIGINT or SIGTERM).
pub fn stopped_midway(demo: &Path, signal: Signal) -> Duration {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (trace, chrome) = (
        dir.path().join("run.json"),
        dir.path().join("run.chrome.json"),
    );
    let child = std::process::Command::new(demo)
        .args(["--customers", "40", "--tellers", "2", "--service", "200"])
        .args(["--arrival-gap", "20", "--errand", "100"])
        .arg("--trace")
        .arg(&trace)
        .arg("--chrome")
        .arg(&chrome)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the demo starts");
    let pid = Pid::from_raw(i32::try_from(child.id()).expect("a pid fits an i32"));
    wait_until_customers_are_in(pid);

    kill(pid, signal).expect("a signal can be sent to our own child");
    let pressed = Instant::now();
    let (exited, exit) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = exited.send(child.wait_with_output());
    });
    let out = match exit.recv_timeout(Duration::from_secs(10)) {
        Ok(out) => out.expect("the demo's output is read"),
        Err(_) => {
            let _ = kill(pid, Signal::SIGKILL);
            panic!("the demo was still running 10 s after {signal}");
        }
    };
    let took = pressed.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let (code, said) = match signal {
        Signal::SIGTERM => (143, "interrupted by SIGTERM"),
        _ => (130, "interrupted by Ctrl-C"),
    };
    assert_eq!(out.status.code(), Some(code), "exit code; stderr: {stderr}");
    assert!(
        stderr.contains(said) && stderr.contains("customers served"),
        "{stderr}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    for (key, path) in [("trace", &trace), ("chrome", &chrome)] {
        let said = format!("{key} written to {}", path.display());
        assert!(
            stdout
                .lines()
                .any(|l| l.split_whitespace().collect::<Vec<_>>().join(" ") == said),
            "stdout says {said:?}: {stdout}"
        );
    }

    assert_eq!(
        names_in(dir.path()),
        ["run.chrome.json", "run.json"],
        "the two files, whole, and no temporary file"
    );
    let trace = Trace::read(&trace).expect("the trace reads back");
    assert!(!trace.complete, "an interrupted run is not complete");
    assert_eq!(trace.customers.len(), 40);
    let served = trace
        .customers
        .iter()
        .filter(|c| c.outcome == Outcome::Served)
        .count();
    let abandoned = trace
        .customers
        .iter()
        .filter(|c| c.outcome == Outcome::Abandoned)
        .count();
    assert_eq!(served + abandoned, 40, "every customer served or abandoned");
    assert!(served < 40, "cut short: {served} served");
    assert!(
        trace.customers.iter().any(|c| c.arrive_ms.is_some()),
        "customers were in the bank when it was stopped"
    );
    assert!(!trace.events.is_empty());
    let chrome: Value = serde_json::from_str(
        &std::fs::read_to_string(&chrome).expect("the Chrome trace is written"),
    )
    .expect("the Chrome trace is JSON");
    assert!(
        chrome["traceEvents"]
            .as_array()
            .is_some_and(|e| !e.is_empty())
    );
    took
}

/// The names of the files in `dir`, sorted.
pub fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("the directory reads")
        .map(|entry| {
            entry
                .expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

/// Waits (10 s at most) until about ten customers are in the bank of the
/// demo `pid`, by its open sockets: one for each end of each customer's
/// connection (the bank runs in the same process), besides the few it
/// always has (the bank's listener, the signal pipe).
fn wait_until_customers_are_in(pid: Pid) {
    const SOCKETS: usize = 24;
    let give_up = Instant::now() + Duration::from_secs(10);
    loop {
        let sockets = std::fs::read_dir(format!("/proc/{pid}/fd"))
            .map(|fds| {
                fds.filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
                    .filter(|link| link.to_string_lossy().starts_with("socket:"))
                    .count()
            })
            .unwrap_or(0);
        if sockets >= SOCKETS {
            return;
        }
        assert!(
            Instant::now() < give_up,
            "the demo opened only {sockets} sockets in 10 s"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A scene of 12 customers, 2 tellers, 250 ms services, looks every 10 ms:
/// 1.5 s or more, long enough for a progress bar to appear.
pub const LONG_ENOUGH_FOR_A_BAR: [&str; 10] = [
    "--customers",
    "12",
    "--tellers",
    "2",
    "--service",
    "250",
    "--errand",
    "0",
    "--poll-every",
    "10",
];

/// Runs `demo` with `args` and its stderr on a terminal of 100 columns (a
/// pseudo-terminal); returns what the terminal got, and stdout.
pub fn stderr_on_a_terminal(demo: &Path, args: &[&str]) -> (String, String) {
    let size = Winsize {
        ws_row: 24,
        ws_col: 100,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    let pty = openpty(Some(&size), None).expect("a pseudo-terminal");
    let mut command = std::process::Command::new(demo);
    command
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::from(pty.slave));
    let child = command.spawn().expect("the demo starts");
    // Our copy of the terminal's far end goes with the command, so that the
    // screen's end is read once the demo has exited.
    drop(command);
    let screen = std::thread::spawn(move || {
        let mut master = std::fs::File::from(pty.master);
        let mut seen = Vec::new();
        let mut chunk = [0u8; 4096];
        // Linux says EIO once the last process on the far end has gone.
        while let Ok(n @ 1..) = master.read(&mut chunk) {
            seen.extend_from_slice(&chunk[..n]);
        }
        seen
    });
    let out = child.wait_with_output().expect("the demo runs");
    assert!(out.status.success(), "the demo ends well");
    let seen = screen.join().expect("the terminal is read");
    (
        String::from_utf8_lossy(&seen).into_owned(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// Runs `demo` with `args`, its standard output a terminal `columns` wide
/// (and `$COLUMNS` unset), and returns what the terminal showed.
pub fn stdout_on_a_terminal(demo: &Path, args: &[&str], columns: u16) -> String {
    let size = Winsize {
        ws_row: 50,
        ws_col: columns,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    let pty = openpty(Some(&size), None).expect("a pseudo-terminal");
    let mut command = std::process::Command::new(demo);
    command
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("RUST_LOG")
        .env_remove("COLUMNS")
        .stdout(Stdio::from(pty.slave))
        .stderr(Stdio::null());
    let mut child = command.spawn().expect("the demo starts");
    // Our copy of the terminal's far end goes with the command, so that the
    // screen's end is read once the demo has exited.
    drop(command);
    let mut master = std::fs::File::from(pty.master);
    let mut seen = Vec::new();
    let mut chunk = [0u8; 4096];
    // Linux says EIO once the last process on the far end has gone.
    while let Ok(n @ 1..) = master.read(&mut chunk) {
        seen.extend_from_slice(&chunk[..n]);
    }
    assert!(
        child.wait().expect("the demo runs").success(),
        "the demo ends well"
    );
    String::from_utf8_lossy(&seen).into_owned()
}
