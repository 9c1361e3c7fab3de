//! Shared by the demos' command-line tests (each includes it with `#[path]`):
//! run a demo binary with `--trace` and read back what it wrote.

#![allow(dead_code, reason = "each test binary uses only part of this file")]

use assert_cmd::Command;
use serde_json::Value;

/// Runs `demo` with `args` and `--trace FILE` (colour off), expects success,
/// and returns what it printed and the trace as JSON.
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
