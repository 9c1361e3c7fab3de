//! The `async-blocking` binary: threads do not grow with customers; bad files are named.

use assert_cmd::cargo::cargo_bin_cmd;

fn threads_peak(customers: u32) -> u64 {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let trace = dir.path().join("run.json");
    cargo_bin_cmd!("async-blocking")
        .args([
            "--arrival-gap",
            "1",
            "--service",
            "10",
            "--tellers",
            "4",
            "--errand",
            "50",
        ])
        .args(["--customers", &customers.to_string(), "--trace"])
        .arg(&trace)
        .env("NO_COLOR", "1")
        .assert()
        .success();
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&trace).expect("the trace is written"))
            .expect("the trace is JSON");
    json["metrics"]["threads_peak"]
        .as_u64()
        .expect("threads_peak")
}

#[test]
fn threads_do_not_grow_with_customers() {
    let (few, many) = (threads_peak(4), threads_peak(60));
    assert_eq!(
        few, many,
        "4 customers: {few} threads; 60 customers: {many} threads"
    );
}

#[test]
fn a_bad_scenario_file_names_line_and_column() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("scene.toml");
    std::fs::write(
        &path,
        "[[customer]]\nname = \"张三\"\narrive_ms = 0\nservice_ms = 100\ncolour = \"red\"\n",
    )
    .expect("written");
    cargo_bin_cmd!("async-blocking")
        .arg("--scenario")
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("line 5, column 1"))
        .stderr(predicates::str::contains("colour"));
    std::fs::write(
        &path,
        "[[customer]]\nname = \"张三\"\narrive_ms = 0\nservice_ms = -100\n",
    )
    .expect("written");
    cargo_bin_cmd!("async-blocking")
        .arg("--scenario")
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("line 4, column 14"));
}
