//! The `async-blocking` binary: threads do not grow with customers; bad files are named;
//! Ctrl-C keeps what was recorded.

use assert_cmd::cargo::{cargo_bin, cargo_bin_cmd};

use testkit::cli;

#[test]
fn threads_do_not_grow_with_customers() {
    let few = cli::threads_peak(cargo_bin_cmd!("async-blocking"), 4);
    let many = cli::threads_peak(cargo_bin_cmd!("async-blocking"), 60);
    assert_eq!(
        few, many,
        "4 customers: {few} threads; 60 customers: {many} threads"
    );
}

#[test]
fn a_bad_scenario_file_names_line_and_column() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("scene.toml");
    let cases = [
        (
            "[[customer]]\nname = \"张三\"\narrive_ms = 0\nservice_ms = 100\ncolour = \"red\"\n",
            "line 5, column 1",
        ),
        (
            "[[customer]]\nname = \"张三\"\narrive_ms = 0\nservice_ms = -100\n",
            "line 4, column 14",
        ),
    ];
    for (text, place) in cases {
        std::fs::write(&path, text).expect("written");
        cargo_bin_cmd!("async-blocking")
            .arg("--scenario")
            .arg(&path)
            .assert()
            .code(2)
            .stderr(predicates::str::contains(place));
    }
}

#[test]
fn ctrl_c_stops_the_run_and_keeps_what_it_recorded() {
    let took = cli::ctrl_c_midway(cargo_bin!("async-blocking"));
    eprintln!("async-blocking: {took:?} from Ctrl-C to exit");
}
