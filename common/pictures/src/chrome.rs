//! The Chrome trace-event exporter: a recorded run as a file that opens in
//! Perfetto (<https://ui.perfetto.dev>) or `chrome://tracing`.
//!
//! Where the terminal swimlane squeezes a run into a hundred columns, this
//! file keeps every microsecond: zoom in on one customer's reaction, or see
//! every poll of sync-nonblocking as a tick.
//!
//! How the bank maps onto the viewer's words:
//!
//! - a **process** per run (pid 1, 2, ...), named after its style, `sync-blocking 同步阻塞`:
//!   with several runs in one file, the four styles lie one above another;
//! - a **thread** per lane (a "track" in Perfetto): the customers first, in
//!   scenario order (`张三 #1`), then the tellers (`teller 1`), then, if the
//!   bank itself recorded anything, a `bank` track;
//! - a **slice** (`"ph": "X"`, a complete event) per stretch of one state:
//!   `blocked`, `running (errand)`, `ready`, `at the counter` on a customer's
//!   track, `calling` and `serving` on a teller's; its args name the ticket,
//!   the teller and the state in Chinese;
//! - an **instant** (`"ph": "i"`, scoped to its thread) per poll that found
//!   nothing, and per arrival, leaving and abandon.
//!
//! Times in the file are microseconds (`ts`, `dur`), as the format wants;
//! `displayTimeUnit` asks the viewer to show milliseconds. The format is
//! Google's "Trace Event Format" (the JSON object form).
//!
//! The file is written as it is made, one event at a time: a run polled every
//! millisecond gives millions of events and a file of hundreds of megabytes,
//! and holding it all in memory first would cost gigabytes. Only the current
//! event is ever a JSON value; `Events` writes it out, with the commas
//! between events, and the document's brackets are written around them.

use std::collections::HashMap;
use std::io::{self, Write};
use std::path::Path;

use serde_json::{Map, Value, json};

use timeline::model::{self, LaneView, Owners, Segment};
use timeline::output;
use timeline::trace::{CustomerRecord, Outcome, Trace};
use timeline::{Kind, Lane};
use timeline::{MarkKind, State};

use crate::look::{look, mark};

/// Milliseconds to the file's microseconds, kept to whole nanoseconds.
fn us(ms: f64) -> f64 {
    (ms * 1_000_000.0).round() / 1000.0
}

/// A metadata event (`"ph": "M"`): a process or thread name, or a sort index.
fn metadata(what: &str, pid: usize, tid: usize, args: Value) -> Value {
    json!({ "name": what, "ph": "M", "pid": pid, "tid": tid, "args": args })
}

/// Whether a recorded moment becomes an instant of its own: walking in,
/// leaving, giving up, a refused line. (The others start or end a slice.)
fn instant(kind: &Kind) -> bool {
    matches!(
        kind,
        Kind::Arrive | Kind::Leave | Kind::Abandon { .. } | Kind::Reject { .. }
    )
}

/// The process name a run gets by default: its style, in both languages.
pub fn default_name(trace: &Trace) -> String {
    format!("{} {}", trace.style.name(), trace.style.chinese())
}

/// The `traceEvents` array as it is being written: each event goes straight
/// to the writer.
struct Events<'w, W: Write> {
    /// Where the document goes: a buffered file, or a `Vec<u8>` for [`document_named`].
    out: &'w mut W,
    /// Whether an event has been written, so the next one needs a comma first.
    any: bool,
}

impl<W: Write> Events<'_, W> {
    /// Writes one event into the array.
    fn push(&mut self, event: Value) -> io::Result<()> {
        if self.any {
            self.out.write_all(b",")?;
        }
        self.any = true;
        serde_json::to_writer(&mut *self.out, &event)?;
        Ok(())
    }
}

/// Writes the events of one run, as process `pid` named `name`.
fn run<W: Write>(
    trace: &Trace,
    name_of_run: &str,
    pid: usize,
    out: &mut Events<'_, W>,
) -> io::Result<()> {
    let mut process = name_of_run.to_owned();
    if !trace.complete {
        process.push_str(" (interrupted)");
    }
    out.push(metadata("process_name", pid, 0, json!({ "name": process })))?;
    out.push(metadata(
        "process_sort_index",
        pid,
        0,
        json!({ "sort_index": pid }),
    ))?;

    let lanes: Vec<LaneView> = model::lanes(trace);
    // Threads are numbered from 1 in picture order: customers, then tellers.
    let mut tid_of: HashMap<Lane, usize> = lanes
        .iter()
        .enumerate()
        .map(|(i, l)| (l.lane, i + 1))
        .collect();
    let bank_tid = lanes.len() + 1;
    if trace
        .events
        .iter()
        .any(|e| e.lane == Lane::Bank && instant(&e.kind))
    {
        tid_of.insert(Lane::Bank, bank_tid);
    }
    let customers: HashMap<u32, &CustomerRecord> =
        trace.customers.iter().map(|c| (c.id, c)).collect();
    let owners = Owners::of(&trace.customers);

    for (i, lane) in lanes.iter().enumerate() {
        // A slice's bank details: the ticket, the teller, the customer.
        let visit = |seg: &Segment, args: &mut Map<String, Value>| match lane.lane {
            Lane::Customer(id) => {
                if let Some(ticket) = lane.ticket {
                    args.insert("ticket".into(), json!(ticket));
                }
                let called = matches!(seg.state, State::Unnoticed | State::AtCounter);
                let teller = customers.get(&id).and_then(|c| c.teller_at(seg.start_ms));
                if let (true, Some(teller)) = (called, teller) {
                    args.insert("teller".into(), json!(teller));
                }
            }
            Lane::Teller(teller) => {
                args.insert("teller".into(), json!(teller));
                if let Some(c) = owners.of_stretch(teller, seg) {
                    if let Some(ticket) = c.ticket {
                        args.insert("ticket".into(), json!(ticket));
                    }
                    args.insert("customer".into(), json!(c.name));
                }
            }
            _ => {}
        };
        lane_events(lane, pid, i + 1, &visit, out)?;
    }
    if tid_of.contains_key(&Lane::Bank) {
        out.push(metadata(
            "thread_name",
            pid,
            bank_tid,
            json!({ "name": "bank" }),
        ))?;
        out.push(metadata(
            "thread_sort_index",
            pid,
            bank_tid,
            json!({ "sort_index": bank_tid }),
        ))?;
    }

    // The moments a slice does not show: walking in, leaving, giving up.
    for e in &trace.events {
        if !instant(&e.kind) {
            continue;
        }
        let word = e.kind.word();
        let Some(&tid) = tid_of.get(&e.lane) else {
            continue;
        };
        let cat = e.lane.kind().word();
        let mut args = Map::new();
        match &e.kind {
            Kind::Abandon {
                ticket: Some(ticket),
            } => {
                args.insert("ticket".into(), json!(ticket));
            }
            Kind::Reject { reason } => {
                args.insert("reason".into(), json!(reason));
            }
            _ => {}
        }
        args.insert("thread".into(), json!(e.thread));
        out.push(json!({
            "name": word, "cat": cat, "ph": "i", "s": "t",
            "pid": pid, "tid": tid, "ts": e.t_us, "args": args,
        }))?;
    }
    Ok(())
}

/// Writes one lane as thread `tid` of process `pid`: its name, a slice per
/// stretch (its args the state's Chinese word and meaning, and whatever
/// `details` adds), and an instant per mark.
fn lane_events<W: Write>(
    lane: &LaneView,
    pid: usize,
    tid: usize,
    details: &dyn Fn(&Segment, &mut Map<String, Value>),
    out: &mut Events<'_, W>,
) -> io::Result<()> {
    let mut label = lane.label.clone();
    if lane.outcome == Some(Outcome::Abandoned) {
        label.push_str(" (abandoned)");
    }
    out.push(metadata("thread_name", pid, tid, json!({ "name": label })))?;
    out.push(metadata(
        "thread_sort_index",
        pid,
        tid,
        json!({ "sort_index": tid }),
    ))?;
    let cat = lane.lane.kind().word();
    for seg in &lane.segments {
        if !(seg.start_ms.is_finite() && seg.end_ms.is_finite()) {
            continue;
        }
        let shown = look(seg.state);
        let mut args = Map::new();
        args.insert("state_zh".into(), json!(shown.chinese));
        args.insert("meaning".into(), json!(shown.meaning));
        if let Some(note) = lane.note_on(seg) {
            args.insert("note".into(), json!(note));
        }
        details(seg, &mut args);
        out.push(json!({
            "name": shown.name,
            "cat": cat,
            "ph": "X",
            "pid": pid,
            "tid": tid,
            "ts": us(seg.start_ms),
            "dur": us((seg.end_ms - seg.start_ms).max(0.0)),
            "args": args,
        }))?;
    }
    for m in lane.marks.iter().filter(|m| m.at_ms.is_finite()) {
        // An abandon is written from the recorded moment (with its ticket).
        if m.kind == MarkKind::Abandon {
            continue;
        }
        let shown = mark(m.kind);
        let mut args = json!({ "zh": shown.chinese });
        if m.kind == MarkKind::Poll {
            args["found"] = json!(false);
        }
        out.push(json!({
            "name": shown.name, "cat": cat, "ph": "i", "s": "t",
            "pid": pid, "tid": tid, "ts": us(m.at_ms), "args": args,
        }))?;
    }
    Ok(())
}

/// Writes lanes of any kind (processes, threads, jobs...) as one process
/// named `title`, a thread per lane in the order given.
fn lanes_only<W: Write>(
    title: &str,
    lanes: &[LaneView],
    out: &mut Events<'_, W>,
) -> io::Result<()> {
    out.push(metadata("process_name", 1, 0, json!({ "name": title })))?;
    for (i, lane) in lanes.iter().enumerate() {
        lane_events(lane, 1, i + 1, &|_, _| {}, out)?;
    }
    Ok(())
}

/// The Chrome trace-event document for lanes of any kind under `title`.
pub fn document_of_lanes(title: &str, lanes: &[LaneView]) -> Value {
    let mut bytes = Vec::new();
    stream_with(&mut bytes, |events| lanes_only(title, lanes, events))
        .expect("writing JSON into a Vec<u8> cannot fail");
    serde_json::from_slice(&bytes).expect("the events were written as JSON just now")
}

/// Writes [`document_of_lanes`] to `path` event by event, as [`write`] does.
pub fn write_lanes(title: &str, lanes: &[LaneView], path: &Path) -> io::Result<u64> {
    output::write(path, |mut out| {
        stream_with(&mut out, |events| lanes_only(title, lanes, events))?;
        out.write_all(b"\n")
    })
}

/// Writes the document's settings, then whatever `fill` writes into its
/// `traceEvents`, then closes it.
fn stream_with<W: Write>(
    out: &mut W,
    fill: impl FnOnce(&mut Events<'_, W>) -> io::Result<()>,
) -> io::Result<()> {
    let other = json!({ "generator": "bank-queue", "schema": timeline::trace::SCHEMA });
    out.write_all(br#"{"displayTimeUnit":"ms","otherData":"#)?;
    serde_json::to_writer(&mut *out, &other)?;
    out.write_all(br#","traceEvents":["#)?;
    let mut events = Events { out, any: false };
    fill(&mut events)?;
    out.write_all(b"]}")
}

/// Writes the document for `runs` (one process per run, pids 1, 2, ... in
/// the order given) to `out`: the settings first, then the events, run by run.
fn stream(runs: &[(&Trace, &str)], out: &mut impl Write) -> io::Result<()> {
    stream_with(out, |events| {
        for (i, (trace, name)) in runs.iter().enumerate() {
            run(trace, name, i + 1, events)?;
        }
        Ok(())
    })
}

/// Hands `traces` to `then`, each named after its style ([`default_name`]).
fn named_by_style<T>(traces: &[&Trace], then: impl FnOnce(&[(&Trace, &str)]) -> T) -> T {
    let names: Vec<String> = traces.iter().map(|t| default_name(t)).collect();
    let runs: Vec<(&Trace, &str)> = traces
        .iter()
        .zip(&names)
        .map(|(t, n)| (*t, n.as_str()))
        .collect();
    then(&runs)
}

/// The Chrome trace-event document for one or more runs (one process per
/// run/style, pids 1, 2, ... in the order given), each named after its style.
pub fn document(traces: &[&Trace]) -> Value {
    named_by_style(traces, document_named)
}

/// [`document`] with a process name of your choosing per run: `compare`
/// names two runs of the same style after their files.
///
/// The same bytes [`write_named`] writes, read back: whole in memory, so for
/// tests and small runs; a file is better written with [`write_named`].
pub fn document_named(runs: &[(&Trace, &str)]) -> Value {
    let mut bytes = Vec::new();
    stream(runs, &mut bytes).expect("writing JSON into a Vec<u8> cannot fail");
    serde_json::from_slice(&bytes).expect("the events were written as JSON just now")
}

/// Writes [`document`] to `path` event by event (a regular file whole or
/// not at all; see [`output`]); returns how many bytes it took.
pub fn write(traces: &[&Trace], path: &Path) -> io::Result<u64> {
    named_by_style(traces, |runs| write_named(runs, path))
}

/// Writes [`document_named`] to `path` event by event, as [`write`] does.
pub fn write_named(runs: &[(&Trace, &str)], path: &Path) -> io::Result<u64> {
    output::write(path, |mut out| {
        stream(runs, &mut out)?;
        out.write_all(b"\n")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use timeline::style::Style;

    fn small_scene() -> Trace {
        crate::swimlane::tests::small_scene()
    }

    fn of_kind<'a>(doc: &'a Value, ph: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
        doc["traceEvents"]
            .as_array()
            .expect("traceEvents is an array")
            .iter()
            .filter(move |e| e["ph"] == ph)
    }

    #[test]
    fn every_lane_is_named_and_slices_are_sane() {
        let trace = small_scene();
        let text = serde_json::to_string(&document(&[&trace])).expect("a Value serializes");
        let doc: Value = serde_json::from_str(&text).expect("valid JSON");
        assert_eq!(doc["displayTimeUnit"], "ms");
        let names: Vec<(u64, String)> = of_kind(&doc, "M")
            .filter(|e| e["name"] == "thread_name")
            .map(|e| {
                (
                    e["tid"].as_u64().expect("tid"),
                    e["args"]["name"].as_str().expect("name").to_owned(),
                )
            })
            .collect();
        let lanes = model::lanes(&trace);
        for lane in &lanes {
            assert!(
                names.iter().any(|(_, n)| n.starts_with(&lane.label)),
                "{} has a named track in {names:?}",
                lane.label
            );
        }
        assert!(names.iter().any(|(_, n)| n == "Alice #3 (abandoned)"));
        assert!(names.iter().any(|(_, n)| n == "bank"));
        // Customers first, then tellers, in the sort order.
        let sort: Vec<u64> = of_kind(&doc, "M")
            .filter(|e| e["name"] == "thread_sort_index")
            .map(|e| e["args"]["sort_index"].as_u64().expect("sort index"))
            .collect();
        assert!(sort.windows(2).all(|w| w[0] < w[1]));
        let tid = |label: &str| {
            names
                .iter()
                .find(|(_, n)| n.starts_with(label))
                .map(|(t, _)| *t)
        };
        assert!(tid("张三 #1") < tid("teller 1"));

        let slices: Vec<&Value> = of_kind(&doc, "X").collect();
        assert!(!slices.is_empty());
        for x in &slices {
            assert!(x["dur"].as_f64().expect("dur is a number") >= 0.0);
            assert!(x["ts"].as_f64().expect("ts is a number") >= 0.0);
            assert!(["customer", "teller"].contains(&x["cat"].as_str().expect("cat")));
        }
        let serving = slices
            .iter()
            .find(|x| x["name"] == "serving" && x["tid"].as_u64() == tid("teller 2"))
            .expect("teller 2 serves");
        assert_eq!(serving["ts"], 600_000.0);
        assert_eq!(serving["dur"], 300_000.0);
        assert_eq!(serving["args"]["ticket"], 2);
        assert_eq!(serving["args"]["customer"], "李四");
        let polls = of_kind(&doc, "i").filter(|e| e["name"] == "poll").count();
        assert_eq!(polls, 4);
        for word in ["arrive", "leave", "abandon"] {
            assert!(of_kind(&doc, "i").any(|e| e["name"] == word && e["s"] == "t"));
        }
    }

    #[test]
    fn one_process_per_trace() {
        let a = small_scene();
        let mut b = small_scene();
        b.style = Style::AsyncNonblocking;
        let doc = document(&[&a, &b]);
        let processes: Vec<(u64, String)> = of_kind(&doc, "M")
            .filter(|e| e["name"] == "process_name")
            .map(|e| {
                (
                    e["pid"].as_u64().expect("pid"),
                    e["args"]["name"].as_str().expect("name").to_owned(),
                )
            })
            .collect();
        assert_eq!(
            processes,
            [
                (1, "sync-nonblocking 同步非阻塞".to_owned()),
                (2, "async-nonblocking 异步非阻塞".to_owned())
            ]
        );
        for e in doc["traceEvents"].as_array().expect("an array") {
            assert!([1, 2].contains(&e["pid"].as_u64().expect("every event has a pid")));
        }
    }

    #[test]
    fn two_runs_of_one_style_keep_their_own_names() {
        let a = small_scene();
        let b = small_scene();
        let doc = document_named(&[(&a, "monday.json"), (&b, "tuesday.json")]);
        let names: Vec<&str> = of_kind(&doc, "M")
            .filter(|e| e["name"] == "process_name")
            .map(|e| e["args"]["name"].as_str().expect("a name"))
            .collect();
        assert_eq!(names, ["monday.json", "tuesday.json"]);
        assert_eq!(document(&[&a]), document_named(&[(&a, &default_name(&a))]));
    }

    #[test]
    fn writes_a_file_that_parses() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let path = dir.path().join("run.json");
        let trace = small_scene();
        write(&[&trace], &path).expect("written");
        let text = std::fs::read_to_string(&path).expect("read back");
        let doc: Value = serde_json::from_str(&text).expect("valid JSON");
        assert_eq!(doc, document(&[&trace]));
        // An empty run is still a valid, empty picture.
        let empty = document(&[]);
        assert_eq!(empty["traceEvents"], json!([]));
    }
}
