//! The trace file: one JSON object that holds a whole run.
//!
//! Every demo writes the same schema ([`SCHEMA`]), so `compare` and any other
//! tool can read any of them. It is written where [`output`](crate::output)
//! says: a regular file whole or not at all (a temporary file beside it,
//! then renamed over it), a pipe or a device as a stream, `-` to stdout.
//!
//! A trace read back may come from another machine, and its text ends up on a
//! screen (a swimlane, a report): [`Trace::read`] refuses one whose names
//! break the rules of [`Name`] or whose reasons hold characters that are not
//! printable, so no escape sequence travels in a trace file either.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::model::{Note, Segment};
use crate::name::{MAX_LINE, Name};
use crate::output;
use crate::scenario::Scenario;
use crate::style::Style;
use crate::visible::{quoted, shows_as_is};
use crate::{Event, Kind, Lane};
use crate::{TellerNo, TicketNo};

/// The schema this build writes and reads.
pub const SCHEMA: &str = "bank-queue/trace/1";

/// A whole run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Trace {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// `false` when the run was interrupted: what was recorded is kept.
    pub complete: bool,
    /// Which of the four styles ran.
    pub style: Style,
    /// The scenario as run (already sped up by `scenario.speed`).
    pub scenario: Scenario,
    /// The figures of the run.
    pub metrics: Metrics,
    /// One record per customer, in scenario order.
    pub customers: Vec<CustomerRecord>,
    /// One record per teller.
    pub tellers: Vec<TellerRecord>,
    /// The raw timeline, in time order.
    pub events: Vec<Event>,
    /// Lanes measured beside the scene's moments: each thread of the
    /// customers' process as the kernel saw it (`--kernel`), in the order
    /// pictures list them. Absent from traces written without them (and
    /// from older ones), which read as none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lanes: Vec<LaneRecord>,
}

/// A lane measured outside the scene's moments, kept whole: its label, its
/// stretches of states and the notes over them. A thread sampled from the
/// kernel is one: `running`, `ready` and `blocked` stretches, each blocked
/// one noting the system call the thread was in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LaneRecord {
    /// Which lane (`thread-4711`: a thread by its kernel thread id).
    pub lane: Lane,
    /// What it is, for people: `张三's thread`, `tokio worker 1`, `bank`.
    pub label: String,
    /// Its states over time, in order, not overlapping.
    pub segments: Vec<Segment>,
    /// Words about some stretches (the system call a blocked thread was
    /// in), shown in hovers and a Chrome slice's args, not in the terminal.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Note>,
}

/// How a customer's visit ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Reached the counter and got `DONE`.
    Served,
    /// Left (or was lost) before `DONE`.
    Abandoned,
}

/// One customer's visit. Times are milliseconds from the run's start.
///
/// A visit is one call to the counter under FCFS and SJF, and one call per
/// time slice under round robin and MLFQ, each but the last ended by a
/// `PAUSE`: [`calls`](CustomerRecord::calls) holds them all. The fields
/// `called_ms`, `noticed_ms`, `at_counter_ms` and `teller` are those of the
/// first call, and `done_ms` the end of the last, the `DONE`.
///
/// `called_ms`, `at_counter_ms` and `done_ms` (and a call's `end_ms`) are the
/// bank's view (when the teller sent `CALL`, got `HERE`, sent `PAUSE` or
/// `DONE`) when the bank ran in this process, and the customer's view
/// otherwise; `noticed_ms` is always the customer's: when they learned of
/// the call. With the bank elsewhere, `called_ms` is `noticed_ms` less the
/// time the `CALL` line sat unread in the customer's socket (the `unread_us`
/// of their `called` event, from the kernel's arrival stamp), or
/// `noticed_ms` itself when that is unknown; and `done_ms` is likewise when
/// `DONE` reached the socket (the `unread_us` of their `served` event), not
/// when the customer got round to reading it.
///
/// The three measures of scheduling (`docs/06-scheduling.md`), for this
/// customer: `response_ms`, `wait_ms`, `turnaround_ms`. They are `None` in a
/// trace written before they were recorded, until [`Trace::read`] fills
/// them in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CustomerRecord {
    /// Index in the scenario.
    pub id: u32,
    /// The name on the ticket.
    pub name: String,
    /// The ticket number, once one was issued.
    pub ticket: Option<TicketNo>,
    /// Walked in.
    pub arrive_ms: Option<f64>,
    /// The teller called the ticket (the first time).
    pub called_ms: Option<f64>,
    /// The customer learned of the (first) call.
    pub noticed_ms: Option<f64>,
    /// The customer reached the counter (`HERE`, the first time).
    pub at_counter_ms: Option<f64>,
    /// The service finished (`DONE`).
    pub done_ms: Option<f64>,
    /// The customer was finished: served or gone, and errand done.
    pub leave_ms: Option<f64>,
    /// The teller who called them (the first time).
    pub teller: Option<TellerNo>,
    /// Looks at the socket that found nothing (sync-nonblocking).
    pub polls: u64,
    /// Errand done in all, on the wall clock: its stretches, end to end.
    pub errand_ms: f64,
    /// A computed errand's (`--errand-work cpu`) CPU time in all, from its
    /// thread's CPU clock: what of `errand_ms` it really ran on a CPU; the
    /// rest it waited for one. Left out for an errand that slept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errand_cpu_ms: Option<f64>,
    /// Errand done while in line: between taking the ticket and the first
    /// call, and between each `PAUSE` and the next call.
    pub errand_while_waiting_ms: f64,
    /// Served or abandoned.
    pub outcome: Outcome,
    /// Every call to a counter, in order: one, or one per time slice.
    #[serde(default)]
    pub calls: Vec<CallRecord>,
    /// Response (响应时间): the first call − arrival. How long until the bank
    /// first turned to them.
    #[serde(default)]
    pub response_ms: Option<f64>,
    /// Wait: all the time in line, from arrival to the first call and from
    /// each `PAUSE` to the next call: wanting a counter, and not called to
    /// one (the time a call then goes unnoticed is the reaction, counted
    /// apart). Without a `PAUSE`, the same as the response.
    #[serde(default)]
    pub wait_ms: Option<f64>,
    /// Turnaround (周转时间): leave − arrival, the customer's whole business,
    /// errand included.
    #[serde(default)]
    pub turnaround_ms: Option<f64>,
}

/// One call of a customer to a counter: from the teller's `CALL` to the
/// `PAUSE` or `DONE` that ended the turn. Times as in [`CustomerRecord`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct CallRecord {
    /// The teller who called.
    pub teller: TellerNo,
    /// The teller sent `CALL`.
    pub called_ms: f64,
    /// The customer learned of the call, if they did.
    pub noticed_ms: Option<f64>,
    /// The customer reached the counter (`HERE`), if they did.
    pub at_counter_ms: Option<f64>,
    /// The turn ended (`PAUSE` or `DONE`); `None` when it never did (the
    /// customer was given up, or the run was cut short).
    pub end_ms: Option<f64>,
    /// Whether it ended with `PAUSE`: the service not done, back in line.
    pub paused: bool,
}

impl CallRecord {
    /// Time from the call to the counter: at_counter − called.
    pub fn reaction_ms(&self) -> Option<f64> {
        Some(self.at_counter_ms? - self.called_ms)
    }

    /// Time served in this turn: end − at_counter.
    pub fn served_ms(&self) -> Option<f64> {
        Some(self.end_ms? - self.at_counter_ms?)
    }
}

impl CustomerRecord {
    /// Time from the first call to the counter: at_counter − called.
    pub fn reaction_ms(&self) -> Option<f64> {
        Some(self.at_counter_ms? - self.called_ms?)
    }

    /// The teller that had this customer's ticket at `t_ms`: called by it
    /// and not yet paused or done; `None` while in line.
    pub fn teller_at(&self, t_ms: f64) -> Option<TellerNo> {
        self.calls
            .iter()
            .find(|c| c.called_ms <= t_ms && c.end_ms.is_none_or(|end| t_ms < end))
            .map(|c| c.teller)
    }

    /// A record from a trace written before calls and measures were
    /// recorded: its one call, and its measures, from its other fields.
    pub(crate) fn fill_in(&mut self) {
        if self.calls.is_empty() {
            if let (Some(teller), Some(called_ms)) = (self.teller, self.called_ms) {
                self.calls.push(CallRecord {
                    teller,
                    called_ms,
                    noticed_ms: self.noticed_ms,
                    at_counter_ms: self.at_counter_ms,
                    end_ms: self.done_ms,
                    paused: false,
                });
            }
        }
        let since_arrival = |t: Option<f64>| Some(t? - self.arrive_ms?);
        self.response_ms = self.response_ms.or(since_arrival(self.called_ms));
        // One call, so the time in line is the response.
        self.wait_ms = self.wait_ms.or(self.response_ms);
        self.turnaround_ms = self.turnaround_ms.or(since_arrival(self.leave_ms));
    }
}

/// One teller's day: when it waited for a called customer, and when it served.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TellerRecord {
    /// The teller's number, from 1.
    pub id: TellerNo,
    /// `[start_ms, end_ms]` of each service (from `HERE` to `DONE`).
    pub busy: Vec<[f64; 2]>,
    /// `[start_ms, end_ms]` of each wait for `HERE` after a `CALL`: teller time the customer's reaction cost.
    pub calling: Vec<[f64; 2]>,
}

/// The figures of a run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// From the run's start to the last `DONE`: how long the bank was busy.
    pub makespan_ms: f64,
    /// The simulator's makespan for the same scenario, with instant reactions.
    /// For an interrupted run (`complete: false` after Ctrl-C), the ideal for
    /// the customers it served, so the tellers' efficiency still compares
    /// like with like.
    pub ideal_makespan_ms: f64,
    /// The tellers' efficiency: ideal / actual makespan (1.0 is the
    /// physical limit). The tellers' view: how much of their day the way of
    /// waiting cost them, not how the customers fared.
    pub efficiency: f64,
    /// Mean time in line over the served: called − arrive, and under round
    /// robin and MLFQ each `PAUSE` to the next call too.
    pub mean_wait_ms: f64,
    /// Mean of the first call − arrive over the served: the response.
    /// Absent from traces written before it was (it was `mean_wait_ms`
    /// then: every visit was one call).
    #[serde(default)]
    pub mean_response_ms: Option<f64>,
    /// Mean of at_counter − called over the calls of the served.
    pub mean_reaction_ms: f64,
    /// Largest at_counter − called of any call.
    pub max_reaction_ms: f64,
    /// Mean errand done between ticket and call, per served customer.
    pub errand_while_waiting_ms: f64,
    /// Mean of leave − arrive: how long a customer's whole business took, errand included.
    pub mean_turnaround_ms: f64,
    /// Mean time lost, over the served: the time in the bank spent neither
    /// on the errand nor at the counter, from arrival to `DONE` (the
    /// customer's view of waiting). Added after the first traces: an older
    /// file gets it from its records when read.
    #[serde(default)]
    pub mean_lost_ms: f64,
    /// Looks at a socket that found nothing, in all.
    pub polls: u64,
    /// Customers served.
    pub served: u32,
    /// Customers who left before `DONE`.
    pub abandoned: u32,
    /// Where the tellers' time beyond the services asked went. `None` where
    /// it was not measured: the Python peer sees the bank only from outside.
    /// Added after the first traces: an older file gets it from its records
    /// when read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub teller_loss: Option<TellerLoss>,
    /// What the customers' side cost the machine.
    #[serde(flatten)]
    pub process: ProcessFigures,
    /// What sampling the kernel cost, when it was sampled (`--kernel`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sampler: Option<SamplerFigures>,
}

/// What the kernel sampler did and cost: the thread that reads every other
/// thread's state from `/proc/self/task/<tid>/`. Its CPU time is taken out
/// of the customers' figures ([`ProcessFigures`]); it is reported here so
/// the price of watching is seen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SamplerFigures {
    /// How often it meant to look at every thread, in ms.
    pub every_ms: f64,
    /// Times it looked at every thread.
    pub rounds: u64,
    /// Threads read in all (a round reads each thread once).
    pub samples: u64,
    /// Its own CPU time, user + system, in ms.
    pub cpu_ms: f64,
    /// How long it sampled, in ms.
    pub sampled_ms: f64,
}

impl SamplerFigures {
    /// Rounds per second of sampling: each thread's samples per second.
    pub fn rounds_per_second(&self) -> f64 {
        if self.sampled_ms > 0.0 {
            self.rounds as f64 * 1000.0 / self.sampled_ms
        } else {
            0.0
        }
    }
}

/// Where the tellers' time beyond the services asked went: the tellers'
/// view of a run, in four parts that add up to the total.
///
/// Each teller's day, from the run's start to the makespan, is cut into
/// four kinds of time, each moment counted once, in this order: serving
/// (from `HERE` to `DONE`), calling (from `CALL` to `HERE`), free while
/// someone was waiting to be called, and free with nobody waiting. The
/// services asked are taken out of the serving; what is left is the
/// overrun. So `overrun + reaction + gap + idle = total`, exactly: the
/// parts are counted in whole microseconds, the trace's own unit
/// (`timeline::metrics::teller_loss`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TellerLoss {
    /// tellers × makespan − Σ services asked by the customers served: the
    /// teller time not spent on a service as asked. The ideal schedule has
    /// some too: tellers with nobody to serve yet, or any more.
    pub total_ms: f64,
    /// Serving beyond the services asked: the bank's timers running late.
    /// The serving of a visit that did not end in `DONE` counts whole.
    pub overrun_ms: f64,
    /// From `CALL` to `HERE`: the tellers waited for a called customer.
    pub reaction_ms: f64,
    /// Free while someone was waiting to be called: from `DONE` to the next
    /// `CALL`, the bank's own time to call the next.
    pub gap_ms: f64,
    /// Free with nobody waiting: before the first arrivals, between
    /// customers, and while the last ones were served elsewhere.
    pub idle_ms: f64,
    /// Reactions to the calls made while customers were still arriving (up
    /// to the last arrival).
    pub reaction_arriving: Reactions,
    /// Reactions to the calls made after the last arrival.
    pub reaction_after: Reactions,
}

impl TellerLoss {
    /// `part` as a share of the total (0 when there is none).
    pub fn share(&self, part: f64) -> f64 {
        if self.total_ms > 0.0 {
            part / self.total_ms
        } else {
            0.0
        }
    }
}

/// How long the tellers waited for `HERE` after their calls: every `CALL`
/// of a phase, to the `HERE` (or to the customer giving up).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Reactions {
    /// How many calls.
    pub calls: u32,
    /// The median reaction (nearest rank); 0 without calls.
    pub p50_ms: f64,
    /// The 99th percentile (nearest rank): one call in a hundred waited longer.
    pub p99_ms: f64,
}

/// What a run cost its process, from `getrusage` and `/proc/self`.
///
/// When the bank runs embedded, its thread's share is taken out, and so is the
/// sampler's: these are the customers' costs.
///
/// The customers' CPU time is [`ProcessFigures::cpu_ms`], the sum of the two
/// `cpu_*_ms` fields. The kernel only estimates how a thread's time splits
/// into user and system time, so the helpers' time is taken out of the total
/// and the total is split in the whole process's ratio (see
/// `scene::process::customers_share`): read the
/// split as the process's, and the sum as the customers'.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ProcessFigures {
    /// Most threads alive at once on the customers' side.
    pub threads_peak: u64,
    /// The user-mode part of the customers' CPU time, in the process's ratio.
    pub cpu_user_ms: f64,
    /// The kernel part of the customers' CPU time, in the process's ratio.
    pub cpu_sys_ms: f64,
    /// Peak resident memory of the process, in KiB.
    pub max_rss_kib: u64,
    /// Times a thread gave up the CPU to wait (blocking calls, sleeps).
    pub ctx_switches_voluntary: u64,
    /// Times a thread was taken off the CPU by the scheduler.
    pub ctx_switches_involuntary: u64,
}

impl ProcessFigures {
    /// The customers' CPU time: user + system.
    pub fn cpu_ms(&self) -> f64 {
        self.cpu_user_ms + self.cpu_sys_ms
    }
}

impl Trace {
    /// A trace of a run's records, its figures not worked out yet
    /// ([`Metrics::default`]): [`metrics::compute`](crate::metrics::compute)
    /// reads the records and gives them.
    pub fn of_records(
        style: Style,
        complete: bool,
        scenario: Scenario,
        customers: Vec<CustomerRecord>,
        tellers: Vec<TellerRecord>,
        events: Vec<Event>,
    ) -> Trace {
        Trace {
            schema: SCHEMA.to_owned(),
            complete,
            style,
            scenario,
            metrics: Metrics::default(),
            customers,
            tellers,
            events,
            lanes: Vec::new(),
        }
    }

    /// Writes the trace to `path` (a regular file whole or not at all; see
    /// [`output`]); returns how many bytes it took.
    pub fn write(&self, path: &Path) -> std::io::Result<u64> {
        output::write(path, |mut out| {
            serde_json::to_writer(&mut out, self)?;
            out.write_all(b"\n")
        })
    }

    /// Reads a trace file, checking its schema.
    pub fn read(path: &Path) -> Result<Trace, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|err| format!("cannot read {}: {err}", path.display()))?;
        let mut trace: Trace = serde_json::from_str(&text)
            .map_err(|err| format!("{} is not a bank-queue trace: {err}", path.display()))?;
        if trace.schema != SCHEMA {
            return Err(format!(
                "{} has schema {}; this build reads {SCHEMA}",
                path.display(),
                quoted(&trace.schema, 64)
            ));
        }
        trace.check_text().map_err(|why| {
            format!(
                "{} is refused: {why}, which must not reach a screen",
                path.display()
            )
        })?;
        // A trace written before visits had several calls.
        for c in &mut trace.customers {
            c.fill_in();
        }
        let m = &mut trace.metrics;
        m.mean_response_ms = m.mean_response_ms.or(Some(m.mean_wait_ms));
        // A file from an older build lacks the newer figures: computed here.
        crate::metrics::fill_in(&mut trace);
        Ok(trace)
    }

    /// Checks every piece of free text a trace holds: customers' names must
    /// be valid [`Name`]s; refusal reasons, and the labels and notes of its
    /// lanes (thread names come from the kernel, set by any program),
    /// printable and at most a line long. (The scenario's names are checked
    /// as it is read.)
    fn check_text(&self) -> Result<(), String> {
        for c in &self.customers {
            Name::new(&c.name).map_err(|err| {
                format!(
                    "customer {} has the name {} ({err})",
                    c.id,
                    quoted(&c.name, 64)
                )
            })?;
        }
        for l in &self.lanes {
            for text in std::iter::once(&l.label).chain(l.notes.iter().map(|n| &n.text)) {
                if text.len() > MAX_LINE || !shows_as_is(text) {
                    return Err(format!(
                        "the lane {} has the text {}",
                        l.lane,
                        quoted(text, 64)
                    ));
                }
            }
        }
        for e in &self.events {
            if let Kind::Reject { reason } = &e.kind {
                if reason.len() > MAX_LINE || !shows_as_is(reason) {
                    return Err(format!(
                        "the reject at {} µs has the reason {}",
                        e.t_us,
                        quoted(reason, 64)
                    ));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small trace with one customer called `name` and one reject for `reason`.
    fn trace_with(name: &str, reason: &str) -> Trace {
        Trace {
            schema: SCHEMA.to_owned(),
            complete: false,
            style: Style::SyncBlocking,
            scenario: crate::scenario::Generate::default().scenario(),
            metrics: Metrics {
                mean_response_ms: Some(0.0),
                ..Metrics::default()
            },
            customers: vec![CustomerRecord {
                id: 0,
                name: name.to_owned(),
                ticket: None,
                arrive_ms: None,
                called_ms: None,
                noticed_ms: None,
                at_counter_ms: None,
                done_ms: None,
                leave_ms: None,
                teller: None,
                polls: 0,
                errand_ms: 0.0,
                errand_cpu_ms: None,
                errand_while_waiting_ms: 0.0,
                outcome: Outcome::Abandoned,
                calls: Vec::new(),
                response_ms: None,
                wait_ms: None,
                turnaround_ms: None,
            }],
            tellers: Vec::new(),
            events: vec![Event {
                t_us: 7,
                lane: Lane::Bank,
                kind: Kind::Reject {
                    reason: reason.to_owned(),
                },
                thread: 0,
            }],
            lanes: Vec::new(),
        }
    }

    /// Writes `trace` and reads it back.
    fn round_trip(trace: &Trace) -> Result<Trace, String> {
        let dir = tempfile::tempdir().map_err(|err| err.to_string())?;
        let path = dir.path().join("trace.json");
        trace.write(&path).map_err(|err| err.to_string())?;
        Trace::read(&path)
    }

    #[test]
    fn a_trace_with_safe_text_reads_back() {
        let mut trace = trace_with("张三", "unknown command \\u{1b}[31m");
        trace.metrics.teller_loss = Some(TellerLoss::default());
        assert_eq!(round_trip(&trace), Ok(trace));
    }

    /// `trace` with one thread lane labelled `label`, blocked in `call`.
    fn with_thread_lane(mut trace: Trace, label: &str, call: &str) -> Trace {
        trace.lanes.push(LaneRecord {
            lane: Lane::Thread(4711),
            label: label.to_owned(),
            segments: vec![Segment {
                start_ms: 0.0,
                end_ms: 5.0,
                state: crate::State::Blocked,
            }],
            notes: vec![Note {
                start_ms: 0.0,
                end_ms: 5.0,
                text: call.to_owned(),
            }],
        });
        trace
    }

    #[test]
    fn lanes_are_an_addition_old_traces_still_read_and_names_are_snake_case() {
        let old = trace_with("张三", "empty line");
        let text = serde_json::to_string(&old).unwrap_or_default();
        assert!(!text.contains("\"lanes\""), "no lanes, no field: {text}");
        assert!(!text.contains("\"sampler\""), "no sampler, no field");
        assert_eq!(serde_json::from_str::<Trace>(&text).ok(), Some(old.clone()));

        let mut new = with_thread_lane(old, "张三's thread", "recvfrom");
        new.metrics.sampler = Some(SamplerFigures {
            every_ms: 1.0,
            rounds: 10,
            samples: 40,
            cpu_ms: 0.5,
            sampled_ms: 11.0,
        });
        new.metrics.teller_loss = Some(TellerLoss::default());
        let text = serde_json::to_string(&new).unwrap_or_default();
        assert!(
            text.contains(r#""lane":"thread-4711""#) && text.contains(r#""state":"blocked""#),
            "{text}"
        );
        assert!(text.contains(r#""text":"recvfrom""#), "{text}");
        assert_eq!(round_trip(&new), Ok(new));
    }

    #[test]
    fn a_lane_whose_label_or_note_carries_escapes_is_refused() {
        let base = trace_with("ana", "empty line");
        for (label, call) in [("evil\u{1b}[2J", "read"), ("main", "read\u{202e}")] {
            let err = round_trip(&with_thread_lane(base.clone(), label, call)).expect_err(label);
            assert!(err.contains("thread-4711"), "{err}");
            assert!(
                !err.chars().any(|c| c.is_control() || c == '\u{202e}'),
                "{err:?}"
            );
        }
    }

    #[test]
    fn a_trace_from_an_older_build_gets_the_newer_figures_from_its_records() {
        let mut trace = trace_with("张三", "empty line");
        let c = &mut trace.customers[0];
        (c.arrive_ms, c.called_ms, c.at_counter_ms) = (Some(0.0), Some(30.0), Some(40.0));
        (c.done_ms, c.leave_ms, c.teller) = (Some(440.0), Some(440.0), Some(1));
        c.outcome = Outcome::Served;
        trace.metrics.makespan_ms = 440.0;
        trace.tellers = vec![TellerRecord {
            id: 1,
            busy: vec![[40.0, 440.0]],
            calling: vec![[30.0, 40.0]],
        }];
        let mut json = serde_json::to_value(&trace).map_err(|err| err.to_string());
        // What an older build wrote: neither key.
        if let Ok(serde_json::Value::Object(file)) = &mut json {
            if let Some(serde_json::Value::Object(metrics)) = file.get_mut("metrics") {
                metrics.remove("mean_lost_ms");
                assert!(!metrics.contains_key("teller_loss"), "None is left out");
            }
        }
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("old.json");
        let text = json.map(|j| j.to_string()).expect("JSON");
        std::fs::write(&path, text).expect("written");
        let read = Trace::read(&path).expect("an older trace reads");
        assert_eq!(read.metrics.mean_lost_ms, 40.0, "arrival to HERE");
        let loss = read.metrics.teller_loss.expect("computed on reading");
        assert_eq!(loss.reaction_ms, 10.0);
        assert_eq!(loss.total_ms, 2.0 * 440.0 - 400.0);
    }

    #[test]
    fn a_trace_written_before_calls_reads_with_its_one_call_and_its_measures() {
        let mut trace = trace_with("张三", "busy");
        let c = &mut trace.customers[0];
        (c.arrive_ms, c.called_ms, c.at_counter_ms) = (Some(10.0), Some(30.0), Some(31.0));
        (c.done_ms, c.leave_ms, c.teller) = (Some(431.0), Some(500.0), Some(2));
        c.outcome = Outcome::Served;
        trace.metrics.mean_wait_ms = 20.0;
        // Written as a trace of before: no calls, no measures.
        let mut json = serde_json::to_value(&trace).unwrap_or_default();
        for key in ["calls", "response_ms", "wait_ms", "turnaround_ms"] {
            json["customers"][0].as_object_mut().map(|c| c.remove(key));
        }
        json["metrics"]
            .as_object_mut()
            .map(|m| m.remove("mean_response_ms"));
        let dir = tempfile::tempdir().expect("a scratch directory");
        let path = dir.path().join("old.json");
        std::fs::write(&path, json.to_string()).expect("written");
        let old = Trace::read(&path).expect("an old trace reads");
        let c = &old.customers[0];
        assert_eq!(
            c.calls,
            [CallRecord {
                teller: 2,
                called_ms: 30.0,
                noticed_ms: None,
                at_counter_ms: Some(31.0),
                end_ms: Some(431.0),
                paused: false,
            }]
        );
        assert_eq!((c.response_ms, c.wait_ms), (Some(20.0), Some(20.0)));
        assert_eq!(c.turnaround_ms, Some(490.0));
        assert_eq!(
            old.metrics.mean_response_ms,
            Some(20.0),
            "it was the mean wait"
        );
    }

    #[test]
    fn a_trace_carrying_escape_sequences_is_refused_without_showing_them() {
        let hostile = [
            ("\u{1b}[2J", "empty line", "customer 0"),
            ("ana\u{202e}", "empty line", "customer 0"),
            ("ana", "gotcha\u{1b}]0;pwned\u{7}", "reject at 7"),
            ("ana", "right\u{202e}left", "reject at 7"),
        ];
        for (name, reason, blamed) in hostile {
            let err = round_trip(&trace_with(name, reason)).expect_err(name);
            assert!(err.contains(blamed), "{err}");
            assert!(
                !err.chars().any(|c| c.is_control() || c == '\u{202e}'),
                "the message itself shows nothing raw: {err:?}"
            );
        }
        let long = "x".repeat(MAX_LINE + 1);
        assert!(round_trip(&trace_with("ana", &long)).is_err());
    }
}
