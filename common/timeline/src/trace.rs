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

use crate::name::{MAX_LINE, Name};
use crate::output;
use crate::scenario::Scenario;
use crate::style::Style;
use crate::visible::{quoted, shows_as_is};
use crate::{Event, Kind};
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
    /// Errand done in all.
    pub errand_ms: f64,
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
    /// the customers it served, so efficiency still compares like with like.
    pub ideal_makespan_ms: f64,
    /// ideal / actual makespan (1.0 is the physical limit).
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
    /// Looks at a socket that found nothing, in all.
    pub polls: u64,
    /// Customers served.
    pub served: u32,
    /// Customers who left before `DONE`.
    pub abandoned: u32,
    /// What the customers' side cost the machine.
    #[serde(flatten)]
    pub process: ProcessFigures,
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
        Ok(trace)
    }

    /// Checks every piece of free text a trace holds: customers' names must
    /// be valid [`Name`]s, and refusal reasons printable and at most a line
    /// long. (The scenario's names are checked as it is read.)
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

    use crate::Lane;

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
        let trace = trace_with("张三", "unknown command \\u{1b}[31m");
        assert_eq!(round_trip(&trace), Ok(trace));
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
