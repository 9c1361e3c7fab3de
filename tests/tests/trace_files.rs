//! The trace file and the Chrome file: what every style writes, and what tools read.

use bank_queue_tests::run;
use pictures::chrome;
use serde_json::Value;
use testkit::scene::lecture_scene;
use timeline::style::Style;
use timeline::trace::{SCHEMA, Trace};

#[test]
fn the_trace_follows_the_schema_and_round_trips() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for style in [Style::SyncNonblocking, Style::AsyncNonblocking] {
        let trace = run(style, lecture_scene()).trace;
        let path = dir.path().join(format!("{style}.json"));
        trace.write(&path).expect("the trace can be written");

        let json: Value = serde_json::from_str(&std::fs::read_to_string(&path).expect("written"))
            .expect("the trace is JSON");
        assert_eq!(json["schema"], SCHEMA);
        assert_eq!(json["complete"], true);
        assert_eq!(json["style"], style.name());
        for key in [
            "makespan_ms",
            "ideal_makespan_ms",
            "efficiency",
            "mean_wait_ms",
            "mean_reaction_ms",
            "errand_while_waiting_ms",
            "polls",
            "threads_peak",
            "cpu_user_ms",
            "cpu_sys_ms",
            "max_rss_kib",
            "ctx_switches_voluntary",
            "ctx_switches_involuntary",
            "mean_turnaround_ms",
            "mean_lost_ms",
        ] {
            assert!(json["metrics"][key].is_number(), "metrics.{key}");
        }
        let loss = &json["metrics"]["teller_loss"];
        for key in ["total_ms", "overrun_ms", "reaction_ms", "gap_ms", "idle_ms"] {
            assert!(loss[key].is_number(), "metrics.teller_loss.{key}");
        }
        for phase in ["reaction_arriving", "reaction_after"] {
            for key in ["calls", "p50_ms", "p99_ms"] {
                assert!(
                    loss[phase][key].is_number(),
                    "metrics.teller_loss.{phase}.{key}"
                );
            }
        }
        let customer = &json["customers"][0];
        for key in [
            "id",
            "name",
            "ticket",
            "arrive_ms",
            "called_ms",
            "at_counter_ms",
            "done_ms",
            "leave_ms",
            "teller",
            "polls",
            "errand_while_waiting_ms",
        ] {
            assert!(!customer[key].is_null(), "customers[0].{key}");
        }
        assert_eq!(customer["outcome"], "served");
        assert!(
            json["tellers"][0]["busy"][0]
                .as_array()
                .is_some_and(|b| b.len() == 2)
        );
        let kinds = [
            "arrive",
            "ticket",
            "wait",
            "poll",
            "errand",
            "called",
            "at_counter",
            "served",
            "leave",
            "abandon",
            "reject",
        ];
        for e in json["events"].as_array().expect("events") {
            assert!(e["t_us"].is_u64() && e["lane"].is_string());
            assert!(kinds.contains(&e["kind"].as_str().expect("a kind")), "{e}");
        }

        let back = Trace::read(&path).expect("the trace reads back");
        assert_eq!(back, trace, "{style}: the trace round-trips");
    }
}

#[test]
fn a_trace_of_another_schema_is_refused() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("old.json");
    let mut trace = run(Style::AsyncBlocking, lecture_scene()).trace;
    trace.schema = "bank-queue/trace/0".into();
    trace.write(&path).expect("written");
    let err = Trace::read(&path).expect_err("the schema is checked");
    assert!(err.contains("bank-queue/trace/0"), "{err}");
}

#[test]
fn the_chrome_file_names_a_lane_for_every_customer_and_teller() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let trace = run(Style::SyncBlocking, lecture_scene()).trace;
    let path = dir.path().join("run.chrome.json");
    chrome::write(&[&trace], &path).expect("the Chrome file can be written");
    let json: Value = serde_json::from_str(&std::fs::read_to_string(&path).expect("written"))
        .expect("the Chrome file is JSON");
    let events = json["traceEvents"].as_array().expect("traceEvents");
    let names: Vec<&str> = events
        .iter()
        .filter(|e| e["ph"] == "M" && e["name"] == "thread_name")
        .filter_map(|e| e["args"]["name"].as_str())
        .collect();
    for c in &trace.customers {
        assert!(
            names.iter().any(|n| n.contains(&c.name)),
            "a lane for {}: {names:?}",
            c.name
        );
    }
    for t in &trace.tellers {
        let label = format!("teller {}", t.id);
        assert!(
            names.iter().any(|n| n.contains(&label)),
            "a lane for {label}"
        );
    }
    assert!(
        events
            .iter()
            .any(|e| e["ph"] == "X" && e["dur"].as_f64().is_some_and(|d| d >= 0.0))
    );
}
