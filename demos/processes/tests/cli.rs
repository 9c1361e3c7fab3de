//! The `processes` binary on real runs: each test runs it in a process of
//! its own (the test harness has threads, and a process with threads must
//! not fork), reads the facts it printed with `--json`, and checks them
//! against each other and against what this test process knows (its own
//! PID, the demo's PID). Every run also checks that nothing the demo
//! started is left: the demo runs as the leader of a new process group,
//! which all its descendants inherit, and afterwards `/proc` must list no
//! process in that group, alive or zombie.
//!
//! Timing assertions have slack for a loaded 2-core machine: a sleep of
//! `--work-ms` takes at least that long, and the overheads measured are a
//! few milliseconds where hundreds are allowed.

use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::cargo::cargo_bin;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde_json::Value;

/// The demo, as the leader of a process group of its own.
fn demo(args: &[&str]) -> Command {
    let mut command = Command::new(cargo_bin!("processes"));
    command.args(args).process_group(0);
    command
}

/// Runs the demo with `args` and `--json`, expects success within a
/// minute and nothing left behind, and returns the facts and the stderr.
fn facts(args: &[&str]) -> (Value, String) {
    let out = assert_cmd::Command::from_std(demo(args))
        .arg("--json")
        .timeout(Duration::from_secs(60))
        .assert()
        .success();
    let out = out.get_output();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let json: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|err| panic!("stdout is JSON ({err}); stderr:\n{stderr}"));
    // The demo's own lane is the first lane of any of its timelines.
    let demo = first_pid(&json).unwrap_or_else(|| panic!("a timeline: {json}"));
    assert_eq!(
        left_in_group(demo),
        Vec::<i32>::new(),
        "left behind by {args:?}"
    );
    (json, stderr)
}

/// The PID of the first lane of the first timeline in `json`.
fn first_pid(json: &Value) -> Option<i32> {
    match json {
        Value::Object(map) => {
            if let Some(pid) = map.get("lanes").and_then(|l| l[0]["pid"].as_i64()) {
                return i32::try_from(pid).ok();
            }
            map.values().find_map(first_pid)
        }
        Value::Array(items) => items.iter().find_map(first_pid),
        _ => None,
    }
}

/// Every process in the group `leader` leads, as `/proc` lists them now.
fn left_in_group(leader: i32) -> Vec<i32> {
    let mut left = Vec::new();
    for entry in std::fs::read_dir("/proc").expect("/proc lists") {
        let Some(pid) = entry
            .ok()
            .and_then(|e| e.file_name().to_str().and_then(|n| n.parse::<i32>().ok()))
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // After the command name: state, ppid, pgrp.
        let pgrp = stat
            .rfind(')')
            .and_then(|at| stat[at + 1..].split_whitespace().nth(2))
            .and_then(|p| p.parse::<i32>().ok());
        if pgrp == Some(leader) {
            left.push(pid);
        }
    }
    left
}

/// A number in the facts.
fn num(json: &Value, pointer: &str) -> f64 {
    json.pointer(pointer)
        .and_then(Value::as_f64)
        .unwrap_or_else(|| panic!("{pointer} is a number in {json}"))
}

/// A yes or no in the facts.
fn yes(json: &Value, pointer: &str) -> bool {
    json.pointer(pointer)
        .and_then(Value::as_bool)
        .unwrap_or_else(|| panic!("{pointer} is a boolean in {json}"))
}

#[test]
fn spawn_start_returns_at_once_and_the_child_names_its_parent() {
    let (json, _) = facts(&["spawn", "--work-ms", "300"]);
    let parent = num(&json, "/parent/pid");
    assert_eq!(num(&json, "/parent/ppid"), f64::from(std::process::id()));
    assert_eq!(num(&json, "/child/ppid"), parent, "the child's getppid()");
    assert_eq!(num(&json, "/child/pid"), num(&json, "/child_pid_from_fork"));
    assert_ne!(num(&json, "/child/pid"), parent);
    let returned = num(&json, "/start_returned_ms");
    let took = num(&json, "/start_took_ms");
    let done = num(&json, "/child_done_ms");
    assert!(took < 150.0, "{json}");
    // The child may start its work before fork() has returned in the parent,
    // but not before the parent called it.
    assert!(done - (returned - took) >= 300.0, "{json}");
    assert!(
        done - returned > 150.0,
        "start() returned long before: {json}"
    );
    assert_eq!(
        json["child_ended"],
        serde_json::json!({"exited": {"code": 0}})
    );
}

#[test]
fn join_inside_the_loop_takes_five_works_and_after_all_about_one() {
    let (json, _) = facts(&["join", "--work-ms", "300"]);
    let inside = num(&json, "/inside_loop_ms");
    let after = num(&json, "/after_all_ms");
    assert_eq!(num(&json, "/work_ms"), 300.0);
    assert!(inside >= 5.0 * 300.0, "one after another: {inside} ms");
    assert!(after >= 300.0, "{after} ms");
    assert!(after < 3.0 * 300.0, "side by side: {after} ms");
    for part in 0..2 {
        let lanes = json["timelines"][part]["lanes"].as_array().expect("lanes");
        assert_eq!(lanes.len(), 6, "the parent and five children");
        for child in &lanes[1..] {
            let marks: Vec<&str> = child["marks"]
                .as_array()
                .expect("marks")
                .iter()
                .filter_map(|m| m["what"].as_str())
                .collect();
            assert_eq!(marks.first(), Some(&"forked"), "{child}");
            assert_eq!(marks.last(), Some(&"reaped"), "{child}");
        }
    }
}

#[test]
fn isolation_the_child_writes_its_copy_the_thread_writes_ours() {
    let (json, _) = facts(&["isolation"]);
    assert_eq!(num(&json, "/parent_set"), 100.0);
    assert_eq!(num(&json, "/child_set"), 0.0);
    assert_eq!(num(&json, "/parent_sees_after_child"), 100.0);
    assert_eq!(num(&json, "/thread_set"), 0.0);
    assert_eq!(num(&json, "/main_sees_after_thread"), 0.0);
    let addresses = json["addresses"].as_array().expect("addresses");
    assert_eq!(addresses.len(), 3);
    assert!(addresses.iter().all(|a| *a == addresses[0]), "{json}");
}

#[test]
fn memory_a_forked_child_shares_until_it_writes_and_a_thread_copies_nothing() {
    let (json, _) = facts(&["memory"]);
    let buffer = num(&json, "/buffer_kib");
    let kib = |at: &str, field: &str| num(&json, &format!("/{at}/{field}_kib"));
    // Right after fork(): the buffer is shared, and counted half in pss.
    assert!(
        kib("child_after_fork", "shared_dirty") >= 0.9 * buffer,
        "{json}"
    );
    assert!(
        kib("child_after_fork", "private_dirty") < 0.1 * buffer,
        "{json}"
    );
    assert!(kib("child_after_fork", "pss") < 0.75 * kib("child_after_fork", "rss"));
    // Writing half copies half.
    let copied =
        kib("child_after_writing_half", "private_dirty") - kib("child_after_fork", "private_dirty");
    assert!(
        (0.45 * buffer..0.6 * buffer).contains(&copied),
        "{copied} KiB: {json}"
    );
    // A thread's write copies nothing.
    let grew =
        kib("after_thread_wrote_half", "private_dirty") - kib("before_thread", "private_dirty");
    assert!(grew < 0.05 * buffer, "{grew} KiB: {json}");
}

#[test]
fn daemon_stops_with_its_parent_and_pdeathsig_outlives_sigkill() {
    let (json, _) = facts(&["daemon", "--work-ms", "300"]);
    assert!(yes(&json, "/daemon/stopped_with_parent"), "{json}");
    assert_eq!(num(&json, "/daemon/ended/killed/signal"), 15.0);
    assert!(yes(&json, "/normal/waited_for"), "{json}");
    assert_eq!(num(&json, "/normal/exit_code"), 0.0);
    assert_eq!(num(&json, "/parent/ended/exited/code"), 0.0);

    let demo = f64::from(first_pid(&json).expect("the demo's lane"));
    assert_eq!(num(&json, "/parent_killed/parent_ended/killed/signal"), 9.0);
    assert_eq!(num(&json, "/parent_killed/pdeathsig"), 15.0);
    assert!(yes(
        &json,
        "/parent_killed/pdeathsig_child_died_with_parent"
    ));
    assert_eq!(
        num(&json, "/parent_killed/python_style_ppid_before"),
        num(&json, "/parent_killed/parent")
    );
    assert!(yes(&json, "/parent_killed/python_style_survived"), "{json}");
    assert_eq!(num(&json, "/parent_killed/python_style_ppid_after"), demo);
    assert_eq!(
        num(&json, "/parent_killed/python_style_ended/killed/signal"),
        15.0
    );
}

#[test]
fn terminate_is_alive_until_the_wait_and_exitcode_is_minus_15() {
    let (json, _) = facts(&["terminate", "--work-ms", "50"]);
    assert!(yes(&json, "/alive_before"));
    assert!(yes(&json, "/alive_after_signal_before_wait"), "{json}");
    assert_eq!(json["state_before_wait"], "Z");
    assert_eq!(num(&json, "/status_before_wait/killed/signal"), 15.0);
    assert!(!yes(&json, "/alive_after_wait"));
    assert!(yes(&json, "/gone_after_wait"));
    assert_eq!(num(&json, "/signal"), 15.0);
    assert_eq!(num(&json, "/exitcode"), -15.0);
}

#[test]
fn zombie_shows_z_until_the_wait_and_is_gone_after() {
    let (json, _) = facts(&["zombie", "--work-ms", "200"]);
    let states: Vec<&str> = json["states_seen"]
        .as_array()
        .expect("states_seen")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let asleep = states.iter().position(|s| *s == "S");
    let zombie = states.iter().position(|s| *s == "Z");
    assert!(
        matches!((asleep, zombie), (Some(s), Some(z)) if s < z),
        "S then Z: {states:?}"
    );
    assert_eq!(
        states.last(),
        Some(&"Z"),
        "still Z until the wait: {states:?}"
    );
    assert!(num(&json, "/zombie_ms") >= 200.0, "{json}");
    assert!(
        json["stat_as_zombie"]
            .as_str()
            .is_some_and(|s| s.contains(") Z ")),
        "{json}"
    );
    assert_eq!(num(&json, "/ended/exited/code"), 0.0);
    assert!(yes(&json, "/gone_after_wait"));
}

#[test]
fn orphan_is_adopted_by_the_demo_and_reaped() {
    let (json, _) = facts(&["orphan", "--work-ms", "100"]);
    let demo = num(&json, "/subreaper");
    assert_eq!(f64::from(first_pid(&json).expect("a lane")), demo);
    assert_eq!(num(&json, "/ppid_before"), num(&json, "/parent"));
    assert_eq!(num(&json, "/ppid_after"), demo, "{json}");
    assert_eq!(num(&json, "/ppid_in_proc_after"), demo);
    assert!(yes(&json, "/parent_exited_first"));
    assert!(yes(&json, "/reaped"));
    assert_eq!(num(&json, "/child_ended/exited/code"), 0.0);
}

#[test]
fn all_runs_every_demo_in_order_and_leaves_nothing() {
    let (json, _) = facts(&["all", "--work-ms", "50"]);
    let names: Vec<&String> = json.as_object().expect("an object").keys().collect();
    let mut sorted = names.clone();
    sorted.sort();
    let mut expected = [
        "daemon",
        "isolation",
        "join",
        "memory",
        "orphan",
        "spawn",
        "terminate",
        "zombie",
    ];
    expected.sort_unstable();
    assert_eq!(sorted, expected);
}

#[test]
fn without_json_it_narrates_and_draws_the_timeline() {
    let out = assert_cmd::Command::from_std(demo(&["spawn", "--work-ms", "50"]))
        .timeout(Duration::from_secs(60))
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    for words in [
        "start() returned",
        "hello bob",
        "我是父进程",
        "运行 running",
        "阻塞 blocked",
        "僵尸 zombie",
        "回收 reaped",
    ] {
        // The legend pads its Chinese words: any spaces between the two.
        let (chinese, english) = words.split_once(' ').unwrap_or((words, ""));
        let found = stdout.lines().any(|line| {
            line.split_once(chinese)
                .is_some_and(|(_, rest)| rest.trim_start().starts_with(english))
        });
        assert!(stdout.contains(words) || found, "{words:?} in:\n{stdout}");
    }
}

#[test]
fn bad_flags_exit_2() {
    for args in [
        &["spawn", "--nope"][..],
        &[][..],
        &["fork-bomb"][..],
        &["join", "--work-ms", "9"][..],
        &["join", "--work-ms", "10001"][..],
        &["join", "--work-ms", "a second"][..],
    ] {
        assert_cmd::Command::from_std(demo(args))
            .timeout(Duration::from_secs(60))
            .assert()
            .code(2);
    }
}

#[test]
fn work_ms_takes_its_bounds() {
    // isolation does no timed work: the bounds are checked, the run is quick.
    for bound in ["10", "10000"] {
        facts(&["isolation", "--work-ms", bound]);
    }
}

#[test]
fn ctrl_c_during_join_kills_and_reaps_every_child() {
    stopped_midway(&["join", "--work-ms", "10000"], 2, Signal::SIGINT);
}

#[test]
fn ctrl_c_during_daemon_kills_and_reaps_the_grandchildren_too() {
    stopped_midway(&["daemon", "--work-ms", "10000"], 4, Signal::SIGINT);
}

#[test]
fn sigterm_during_orphan_exits_143_and_leaves_nothing() {
    stopped_midway(&["orphan", "--work-ms", "10000"], 3, Signal::SIGTERM);
}

/// Starts the demo with `args`, waits until its group holds `processes`
/// processes (itself included), sends `signal` to the demo alone, and
/// expects it to exit 128 + the signal within 10 s with nothing left in
/// its group.
fn stopped_midway(args: &[&str], processes: usize, signal: Signal) {
    let mut child = demo(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the demo starts");
    let leader = i32::try_from(child.id()).expect("a pid fits an i32");
    let give_up = Instant::now() + Duration::from_secs(20);
    while left_in_group(leader).len() < processes {
        assert!(
            Instant::now() < give_up,
            "{args:?}: {processes} processes never ran"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    kill(Pid::from_raw(leader), signal).expect("our own child can be signalled");
    let sent = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting works") {
            break status;
        }
        if sent.elapsed() > Duration::from_secs(10) {
            let _ = kill(Pid::from_raw(-leader), Signal::SIGKILL);
            let _ = child.wait();
            panic!("{args:?}: still running 10 s after {signal}");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        use std::io::Read;
        let _ = pipe.read_to_string(&mut stderr);
    }
    assert_eq!(status.code(), Some(128 + signal as i32), "{stderr}");
    assert!(stderr.contains("none is left"), "{stderr}");
    assert_eq!(left_in_group(leader), Vec::<i32>::new(), "{stderr}");
}
