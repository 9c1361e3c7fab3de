//! The `scheduling` binary: its answers, `--answer` grading and exit codes,
//! the JSON's shape, seeded problems, and bad flags.

use assert_cmd::cargo::cargo_bin_cmd;
use serde_json::Value;

/// Runs `scheduling` with `args` (colour off), expects exit code `code`,
/// and returns stdout and stderr.
fn scheduling(args: &[&str], code: i32) -> (String, String) {
    let out = cargo_bin_cmd!("scheduling")
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .assert()
        .code(code);
    let output = out.get_output();
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// [`scheduling`] with a command line's words (no quoting: none has a space).
fn run(line: &str, code: i32) -> (String, String) {
    scheduling(&line.split_whitespace().collect::<Vec<&str>>(), code)
}

/// The JSON `scheduling LINE --json` prints.
fn json(line: &str) -> Value {
    let (stdout, _) = run(&format!("{line} --json"), 0);
    serde_json::from_str(&stdout).unwrap_or_else(|err| panic!("not JSON ({err}): {stdout}"))
}

/// The keys of a JSON object, sorted.
fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    keys.sort_unstable();
    keys
}

#[test]
fn jobs_prints_the_order_the_chart_and_the_measures() {
    let (out, _) = run("jobs --policy fcfs --jobs 8,3,5", 0);
    let lines: Vec<&str> = out.lines().collect();
    for expected in [
        "     0 ->    8  job 0  done",
        "     8 ->   11  job 1  done",
        "    11 ->   16  job 2  done",
        "job 0   ████████",
        "job 1   ········███",
        "job 2   ···········█████",
        "    0        0       8         0           8     0",
        "    1        0       3         8          11     8",
        "    2        0       5        11          16    11",
        "  average                   6.33       11.67  6.33",
    ] {
        assert!(lines.contains(&expected), "no line {expected:?} in:\n{out}");
    }
    assert!(out.contains("turnaround = completion - arrival"), "{out}");
}

#[test]
fn jobs_json_has_every_job_and_the_averages() {
    // scheduler.py -p RR -q 1 -l 3,5,8 -c
    let answer = json("jobs --policy rr --quantum 1 --jobs 3,5,8");
    assert_eq!(keys(&answer), ["average", "jobs"]);
    let jobs = answer["jobs"].as_array().expect("jobs is a list");
    assert_eq!(jobs.len(), 3);
    assert_eq!(
        keys(&jobs[0]),
        ["arrival", "id", "length", "response", "turnaround", "wait"]
    );
    let numbers: Vec<[u64; 3]> = jobs
        .iter()
        .map(|j| ["response", "turnaround", "wait"].map(|k| j[k].as_u64().unwrap_or(u64::MAX)))
        .collect();
    assert_eq!(numbers, [[0, 7, 4], [1, 12, 7], [2, 16, 8]]);
    assert_eq!(keys(&answer["average"]), ["response", "turnaround", "wait"]);
    // Printed in the order the definitions go: who, then the measures.
    let (raw, _) = run("jobs --policy fcfs --jobs 2 --json", 0);
    assert_eq!(
        raw.trim_end(),
        r#"{"jobs":[{"id":0,"arrival":0,"length":2,"response":0,"turnaround":2,"wait":0}],"average":{"response":0.0,"turnaround":2.0,"wait":0.0}}"#
    );
    assert_eq!(answer["average"]["response"], 1.0);
}

#[test]
fn arrivals_are_given_as_arrival_colon_length() {
    let answer = json("jobs --policy stcf --jobs 0:8,2:3");
    assert_eq!(answer["jobs"][1]["arrival"], 2);
    assert_eq!(answer["jobs"][0]["turnaround"], 11);
    assert_eq!(answer["jobs"][1]["turnaround"], 3);
}

#[test]
fn states_json_has_the_totals_and_every_tick() {
    // process-run.py -l 1:0,4:100 -c -p
    let answer = json("states --program io --program cpu,cpu,cpu,cpu");
    assert_eq!(keys(&answer), ["cpu_busy", "io_busy", "ticks", "total"]);
    assert_eq!(
        [&answer["total"], &answer["cpu_busy"], &answer["io_busy"]],
        [7, 6, 5]
    );
    let ticks = answer["ticks"].as_array().expect("ticks is a list");
    assert_eq!(ticks.len(), 7);
    assert_eq!(
        keys(&ticks[0]),
        ["cpu_busy", "io_done", "ios_in_flight", "processes", "time"]
    );
    assert_eq!(
        ticks[0]["processes"],
        serde_json::json!(["run:io", "ready"])
    );
    assert_eq!(ticks[6]["io_done"], true);
    assert_eq!(
        ticks[6]["processes"],
        serde_json::json!(["run:io_done", "done"])
    );
}

#[test]
fn states_prints_every_tick_and_how_busy_cpu_and_io_were() {
    let (out, _) = run(
        "states --program io --program cpu,cpu,cpu,cpu --switch on-end",
        0,
    );
    assert!(out.contains("  2   blocked       ready"), "{out}");
    assert!(out.contains("  7*  run:io_done   ready"), "{out}");
    assert!(out.contains("total       11 ticks"), "{out}");
    assert!(out.contains("CPU busy     6 ticks  (54.55%)"), "{out}");
    assert!(out.contains("I/O busy     5 ticks  (45.45%)"), "{out}");
}

#[test]
fn mlfq_traces_levels_and_doubles_the_slices() {
    // mlfq.py -l 0,30,0:5,8,0 -Q 4,8,16 -c
    let line = "mlfq --job 0:30:0 --job 5:8:0 --quantum 4";
    let (out, _) = run(line, 0);
    assert!(out.contains("slices 4, 8, 16 ticks"), "{out}");
    assert!(
        out.contains("job 0 used up its time in queue 1: down to queue 2"),
        "{out}"
    );
    assert!(out.contains("job 1 arrives, in queue 1"), "{out}");
    let answer = json(line);
    assert_eq!(answer["jobs"][0]["turnaround"], 38);
    assert_eq!(answer["jobs"][1]["turnaround"], 15);
    // The same queues spelled out.
    let spelled = json("mlfq --job 0:30:0 --job 5:8:0 --quanta 4,8,16");
    assert_eq!(answer, spelled);
}

#[test]
fn a_right_answer_exits_0() {
    let (out, _) = run(
        "jobs --policy sjf --jobs 8,3,5 --answer turnaround=16,3,8;response=8,0,3;wait=8,0,3",
        0,
    );
    assert!(out.contains("9 of 9 right."), "{out}");
}

#[test]
fn a_wrong_answer_exits_1_and_names_the_right_value() {
    let (out, _) = run(
        "jobs --policy fcfs --jobs 8,3,5 --answer turnaround=8,11,15",
        1,
    );
    assert!(out.contains("turnaround job 0     8  right"), "{out}");
    assert!(
        out.contains("turnaround job 2    15  wrong: it is 16"),
        "{out}"
    );
    assert!(out.contains("2 of 3 right."), "{out}");
}

#[test]
fn states_and_mlfq_grade_too() {
    let (out, _) = run(
        "states --program io --program cpu --answer total=7;cpu_busy=4",
        1,
    );
    assert!(
        out.contains("cpu_busy             4  wrong: it is 3"),
        "{out}"
    );
    let (out, _) = run(
        "mlfq --job 0:30:0 --job 5:8:0 --quantum 4 --answer response=0,0",
        0,
    );
    assert!(out.contains("2 of 2 right."), "{out}");
}

#[test]
fn a_seed_poses_the_same_problem_without_its_answer() {
    for command in [
        "jobs --policy sjf --seed 7",
        "states --seed 7",
        "mlfq --seed 7",
    ] {
        let (first, _) = run(command, 0);
        let (again, _) = run(command, 0);
        assert_eq!(first, again, "{command:?} is reproducible");
        assert!(first.starts_with("Problem (seed 7): "), "{first}");
        assert!(first.contains("--answer"), "{first}");
        for answer_only in [
            "Execution order",
            "Trace:",
            "Gantt chart",
            "CPU busy",
            "average",
        ] {
            assert!(
                !first.contains(answer_only),
                "{command:?} hides {answer_only}:\n{first}"
            );
        }
        let (answer, _) = run(&format!("{command} --solve"), 0);
        assert!(answer.contains("Gantt chart"), "{answer}");
    }
    let (seven, _) = run("mlfq --seed 7", 0);
    let (eight, _) = run("mlfq --seed 8", 0);
    assert_ne!(seven, eight);
}

#[test]
fn a_seeded_problem_is_graded_without_giving_the_rest_away() {
    let truth = json("jobs --policy rr --seed 3");
    let turnarounds: Vec<String> = truth["jobs"]
        .as_array()
        .expect("jobs")
        .iter()
        .map(|j| j["turnaround"].to_string())
        .collect();
    let answer = format!("turnaround={}", turnarounds.join(","));
    let (out, _) = run(&format!("jobs --policy rr --seed 3 --answer {answer}"), 0);
    assert!(out.contains(" right."), "{out}");
    assert!(!out.contains("Gantt chart"), "{out}");
}

#[test]
fn bad_flags_exit_2_naming_the_flag() {
    let cases = [
        ("jobs --policy lottery --jobs 1", "--policy"),
        ("jobs --policy rr --quantum 0 --jobs 1", "--quantum"),
        ("jobs --policy fcfs --quantum 2 --jobs 1", "--quantum"),
        ("jobs --policy fcfs --jobs 3,x", "--jobs"),
        ("jobs --policy fcfs --jobs 0", "--jobs"),
        ("jobs --policy fcfs", "--jobs"),
        ("jobs --policy fcfs --jobs 1 --answer speed=1", "--answer"),
        ("jobs --policy fcfs --jobs 1,2 --answer wait=1", "--answer"),
        ("jobs --policy fcfs --jobs 1 --solve", "--seed"),
        ("states --program cpu,disk", "--program"),
        ("states --program cpu --switch sometimes", "--switch"),
        ("mlfq --job 0:10:2:1", "--job"),
    ];
    for (line, flag) in cases {
        let (_, err) = run(line, 2);
        assert!(err.contains(flag), "{line}: the error names {flag}:\n{err}");
    }
    let (_, err) = run("mlfq --job 0:10 --queues 10", 2);
    assert!(err.contains("--queues"), "{err}");
    let (_, err) = run("mlfq --job 0:10 --quantum 4 --quanta 4,8", 2);
    assert!(
        err.contains("--quanta") && err.contains("--quantum"),
        "{err}"
    );
    let (_, err) = run("jobs --policy fcfs --jobs 1 --json --answer wait=0", 2);
    assert!(err.contains("--json") && err.contains("--answer"), "{err}");
}

#[test]
fn help_states_the_definitions_and_names_the_walkthrough() {
    for line in ["--help", "jobs --help", "states --help", "mlfq --help"] {
        let (out, _) = run(line, 0);
        assert!(out.contains("response   = first run - arrival"), "{out}");
        assert!(out.contains("turnaround = completion - arrival"), "{out}");
        assert!(out.contains("docs/06-scheduling.md"), "{out}");
    }
}

#[test]
fn colour_reaches_only_a_terminal() {
    let args = ["jobs", "--policy", "fcfs", "--jobs", "2,1"];
    let (plain, _) = scheduling(&args, 0);
    assert!(!plain.contains('\u{1b}'), "{plain}");
    let forced = cargo_bin_cmd!("scheduling")
        .args(args)
        .env_remove("NO_COLOR")
        .env("CLICOLOR_FORCE", "1")
        .assert()
        .success();
    let forced = String::from_utf8_lossy(&forced.get_output().stdout).into_owned();
    assert!(forced.contains('\u{1b}'), "{forced}");
}
