//! From raw moments to what a person reads: each customer's visit, each
//! teller's day, and the state of every lane over time.
//!
//! A customer's lane is in one of these [states](State), from the
//! protocol's times and the customer's errands:
//!
//! | state       | from                         | to                           |
//! |-------------|------------------------------|------------------------------|
//! | `InLine`    | arrival                      | the call (errands painted over it), while errand is left |
//! | `Idle`      | the end of the errand        | the call                     |
//! | `Unnoticed` | the bank's `CALL`            | the customer's `HERE`        |
//! | `AtCounter` | `HERE`                       | `DONE`                       |
//! | `Errand`    | an errand's start            | its end                      |
//!
//! **Waiting in line or idle.** From arrival to the call, every moment not
//! spent on the errand is a wait. It is *waiting in line* (`InLine`, 排队)
//! while some of the customer's errand is still to be done: the wait keeps
//! them from it (sync-blocking's customer, who runs the errand only after
//! `DONE`, waits in line all along). It is *idle* (`Idle`, 空等) once the
//! errand recorded so far covers the whole errand of their scenario (or they
//! have none): the wait keeps them from nothing (async-nonblocking's
//! customer back from the cigarette before the call). Neither word says
//! what the kernel does with the thread: that is on the thread's own lane.
//!
//! A teller's lane is in `Calling` (sent `CALL`, waits for `HERE`) or
//! `Serving`. Lanes measured outside the scene's moments come from the
//! trace's [`lanes`](crate::trace::Trace::lanes) (the threads the kernel
//! was asked about) and from `polled` moments (a tokio task's polls); lanes
//! of lessons without a bank (processes, jobs) are built by whoever measures
//! them, as [`LaneView`]s of the same shape.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::{Event, Kind, Lane};
use crate::scenario::Scenario;
use crate::schedule::Schedule;
use crate::state::{Mark, MarkKind, State};
use crate::trace::{CustomerRecord, Outcome, TellerRecord, Trace};
use crate::{TellerNo, TicketNo};

/// A stretch of one state, in milliseconds from the run's start.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    /// Start (inclusive).
    pub start_ms: f64,
    /// End (exclusive).
    pub end_ms: f64,
    /// What the lane was doing.
    pub state: State,
}

/// Words about a stretch of a lane: the system call a blocked thread was
/// in, the thread a task was polled on. Shown where there is room for words
/// (a hover, a Chrome slice's args), never drawn in the terminal.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Note {
    /// Start of the stretch it is about (ms).
    pub start_ms: f64,
    /// End of that stretch (ms).
    pub end_ms: f64,
    /// What to say: `recvfrom`, `on tokio worker 1`.
    pub text: String,
}

/// One row of a picture: its label, its states, and its instant marks.
#[derive(Clone, Debug, PartialEq)]
pub struct LaneView {
    /// Which lane.
    pub lane: Lane,
    /// What to print before the row: "张三 #3", "teller 1", "child 4712".
    pub label: String,
    /// States over time, in order, not overlapping.
    pub segments: Vec<Segment>,
    /// Moments drawn over the stretches, in time order: a customer's looks
    /// that found nothing and where an abandoned customer left (their
    /// `abandon`, else their `leave`, else the end of their last stretch);
    /// a process's signals and its reaping.
    pub marks: Vec<Mark>,
    /// The customer's ticket, if any.
    pub ticket: Option<TicketNo>,
    /// How the visit ended, for customers.
    pub outcome: Option<Outcome>,
    /// Short texts to write over a stretch, from its start: on a teller's
    /// row, the ticket it serves (start ms, end ms, text).
    pub tags: Vec<(f64, f64, String)>,
    /// Words about stretches, in time order, for hovers and slices' args
    /// only: a thread's system call, a task's thread.
    pub notes: Vec<Note>,
}

impl LaneView {
    /// A lane of any kind with these stretches and marks, and nothing of a
    /// bank visit: for lanes measured outside the bank scene.
    pub fn plain(lane: Lane, label: String, segments: Vec<Segment>, marks: Vec<Mark>) -> LaneView {
        LaneView {
            lane,
            label,
            segments,
            marks,
            ticket: None,
            outcome: None,
            tags: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// The note on the stretch `segment`, if any (one that starts and ends
    /// with it).
    pub fn note_on(&self, segment: &Segment) -> Option<&str> {
        let at = self
            .notes
            .partition_point(|n| n.start_ms < segment.start_ms);
        self.notes[at..]
            .iter()
            .take_while(|n| n.start_ms == segment.start_ms)
            .find(|n| n.end_ms == segment.end_ms)
            .map(|n| n.text.as_str())
    }

    /// When this lane's marks of `kind` happened.
    pub fn marks_of(&self, kind: MarkKind) -> impl Iterator<Item = f64> + '_ {
        self.marks
            .iter()
            .filter(move |m| m.kind == kind)
            .map(|m| m.at_ms)
    }

    /// Looks at the socket that found nothing (ms).
    pub fn polls(&self) -> impl Iterator<Item = f64> + '_ {
        self.marks_of(MarkKind::Poll)
    }

    /// Where an abandoned customer left (ms); `None` for everyone else.
    pub fn abandoned_ms(&self) -> Option<f64> {
        self.marks_of(MarkKind::Abandon).next()
    }
}

fn ms(t_us: u64) -> f64 {
    t_us as f64 / 1000.0
}

/// What one customer's lane recorded.
#[derive(Default)]
struct Seen {
    /// Walked in.
    arrive: Option<f64>,
    /// The ticket taken, and when.
    ticket: Option<(TicketNo, f64)>,
    /// When the customer read the call, and from which teller.
    noticed: Option<(f64, TellerNo)>,
    /// How long the `CALL` had sat unread in the socket when noticed (ms).
    unread: Option<f64>,
    /// `HERE` sent.
    at_counter: Option<f64>,
    /// `DONE` read.
    served: Option<f64>,
    /// How long the `DONE` had sat unread in the socket when read (ms).
    done_unread: Option<f64>,
    /// Gave the ticket up.
    abandoned: Option<f64>,
    /// Finished, errand included.
    leave: Option<f64>,
    /// Looks at the socket that found nothing.
    polls: u64,
    /// Errand stretches, `(start, end)`.
    errands: Vec<(f64, f64)>,
    /// CPU time of the computed errand's stretches (ms), if it was computed.
    errand_cpu: Option<f64>,
}

/// What the tellers recorded about one ticket.
#[derive(Default, Clone, Copy)]
struct AtBank {
    /// When a teller sent `CALL`, and which teller.
    called: Option<(f64, TellerNo)>,
    /// When the teller got `HERE`.
    at_counter: Option<f64>,
    /// When the teller sent `DONE`.
    served: Option<f64>,
    /// When the teller gave the ticket up.
    abandoned: Option<f64>,
}

/// Builds one record per scenario customer from the recorded moments.
pub fn customers(scenario: &Scenario, events: &[Event]) -> Vec<CustomerRecord> {
    let mut seen: Vec<Seen> = scenario.customers.iter().map(|_| Seen::default()).collect();
    let mut bank: HashMap<TicketNo, AtBank> = HashMap::new();
    for e in events {
        let t = ms(e.t_us);
        match e.lane {
            Lane::Customer(id) => {
                let Some(s) = seen.get_mut(id as usize) else {
                    continue;
                };
                match e.kind {
                    Kind::Arrive => s.arrive = Some(t),
                    Kind::Ticket { ticket } => s.ticket = Some((ticket, t)),
                    Kind::Called {
                        teller, unread_us, ..
                    } => {
                        s.noticed = Some((t, teller));
                        s.unread = unread_us.map(ms);
                    }
                    Kind::AtCounter { .. } => s.at_counter = Some(t),
                    Kind::Served { unread_us, .. } => {
                        s.served = Some(t);
                        s.done_unread = unread_us.map(ms);
                    }
                    Kind::Abandon { .. } => s.abandoned = Some(t),
                    Kind::Leave => s.leave = Some(t),
                    Kind::Poll { found: false } => s.polls += 1,
                    Kind::Errand { dur_us, cpu_us } => {
                        s.errands.push((t - ms(dur_us), t));
                        if let Some(cpu) = cpu_us {
                            *s.errand_cpu.get_or_insert(0.0) += ms(cpu);
                        }
                    }
                    _ => {}
                }
            }
            Lane::Teller(_) => {
                let Some(ticket) = e.kind.ticket() else {
                    continue;
                };
                let b = bank.entry(ticket).or_default();
                match e.kind {
                    Kind::Called { teller, .. } => b.called = Some((t, teller)),
                    Kind::AtCounter { .. } => b.at_counter = Some(t),
                    Kind::Served { .. } => b.served = Some(t),
                    Kind::Abandon { .. } => b.abandoned = Some(t),
                    _ => {}
                }
            }
            _ => {}
        }
    }
    scenario
        .customers
        .iter()
        .zip(seen)
        .map(|(c, s)| {
            let b = s
                .ticket
                .and_then(|(n, _)| bank.get(&n).copied())
                .unwrap_or_default();
            // The bank's own record of the call when it ran here; otherwise
            // the customer's notice, less the time the line sat unread in
            // their socket (it cannot have reached it before they arrived).
            let called = b.called.or_else(|| {
                s.noticed
                    .map(|(noticed, teller)| (reached(noticed, s.unread, s.arrive), teller))
            });
            let at_counter = b.at_counter.or(s.at_counter);
            // The same for `DONE`: when it reached the socket, not when the
            // customer looked (it cannot have come before their `HERE`).
            let done = b.served.or_else(|| {
                s.served
                    .map(|read| reached(read, s.done_unread, s.at_counter))
            });
            let served = s.served.is_some() && s.abandoned.is_none();
            let waiting = match (s.ticket, called) {
                (Some((_, from)), Some((to, _))) => Some((from, to)),
                (Some((_, from)), None) => Some((from, s.leave.unwrap_or(f64::INFINITY))),
                _ => None,
            };
            let errand_while_waiting = waiting.map_or(0.0, |(from, to)| {
                s.errands
                    .iter()
                    .map(|&(a, b)| (b.min(to) - a.max(from)).max(0.0))
                    .sum()
            });
            CustomerRecord {
                id: c.id,
                name: c.name.to_string(),
                ticket: s.ticket.map(|(n, _)| n),
                arrive_ms: s.arrive,
                called_ms: called.map(|(t, _)| t),
                noticed_ms: s.noticed.map(|(t, _)| t),
                at_counter_ms: at_counter,
                done_ms: if served { done } else { None },
                leave_ms: s.leave,
                teller: called.map(|(_, teller)| teller),
                polls: s.polls,
                errand_ms: s.errands.iter().map(|(a, b)| b - a).sum(),
                errand_cpu_ms: s.errand_cpu,
                errand_while_waiting_ms: errand_while_waiting,
                outcome: if served {
                    Outcome::Served
                } else {
                    Outcome::Abandoned
                },
            }
        })
        .collect()
}

/// Builds one record per teller: from the tellers' own lanes when the bank
/// ran in this process, otherwise from what the customers saw.
pub fn tellers(
    scenario: &Scenario,
    customers: &[CustomerRecord],
    events: &[Event],
) -> Vec<TellerRecord> {
    let mut open: HashMap<TellerNo, (f64, Option<f64>)> = HashMap::new();
    let mut records: HashMap<TellerNo, TellerRecord> = HashMap::new();
    fn record(records: &mut HashMap<TellerNo, TellerRecord>, id: TellerNo) -> &mut TellerRecord {
        records.entry(id).or_insert_with(|| TellerRecord {
            id,
            busy: Vec::new(),
            calling: Vec::new(),
        })
    }
    for e in events {
        let Lane::Teller(id) = e.lane else { continue };
        let t = ms(e.t_us);
        match e.kind {
            Kind::Called { .. } => {
                open.insert(id, (t, None));
            }
            Kind::AtCounter { .. } => {
                if let Some((called, here)) = open.get_mut(&id) {
                    *here = Some(t);
                    record(&mut records, id).calling.push([*called, t]);
                }
            }
            Kind::Served { .. } => {
                if let Some((_, Some(here))) = open.remove(&id) {
                    record(&mut records, id).busy.push([here, t]);
                }
            }
            Kind::Abandon { .. } => {
                if let Some((called, here)) = open.remove(&id) {
                    let r = record(&mut records, id);
                    match here {
                        Some(here) => r.busy.push([here, t]),
                        None => r.calling.push([called, t]),
                    }
                }
            }
            _ => {}
        }
    }
    if records.is_empty() {
        // The bank ran elsewhere: rebuild the tellers' days from the customers.
        for c in customers {
            let (Some(teller), Some(called), Some(here)) = (c.teller, c.called_ms, c.at_counter_ms)
            else {
                continue;
            };
            let r = record(&mut records, teller);
            r.calling.push([called, here]);
            if let Some(done) = c.done_ms {
                r.busy.push([here, done]);
            }
        }
    }
    let count = records
        .keys()
        .copied()
        .max()
        .unwrap_or(0)
        .max(scenario.tellers);
    (1..=count)
        .map(|id| {
            let mut r = records.remove(&id).unwrap_or(TellerRecord {
                id,
                busy: Vec::new(),
                calling: Vec::new(),
            });
            r.busy.sort_by(|a, b| a[0].total_cmp(&b[0]));
            r.calling.sort_by(|a, b| a[0].total_cmp(&b[0]));
            r
        })
        .collect()
}

/// Each customer's errand stretches, `(start, end)` in ms, by customer id.
pub fn errands(events: &[Event]) -> HashMap<u32, Vec<(f64, f64)>> {
    let mut errands: HashMap<u32, Vec<(f64, f64)>> = HashMap::new();
    for e in events {
        if let (Lane::Customer(id), Kind::Errand { dur_us, .. }) = (e.lane, &e.kind) {
            let t = ms(e.t_us);
            errands.entry(id).or_default().push((t - ms(*dur_us), t));
        }
    }
    errands
}

/// The rows of a picture of `trace`: every customer, then every teller.
pub fn lanes(trace: &Trace) -> Vec<LaneView> {
    let mut errands = errands(&trace.events);
    let mut polls: HashMap<u32, Vec<f64>> = HashMap::new();
    let mut abandoned_at: HashMap<u32, f64> = HashMap::new();
    for e in &trace.events {
        let Lane::Customer(id) = e.lane else { continue };
        let t = ms(e.t_us);
        match e.kind {
            Kind::Poll { found: false } => polls.entry(id).or_default().push(t),
            Kind::Abandon { .. } => {
                abandoned_at.entry(id).or_insert(t);
            }
            _ => {}
        }
    }
    let mut views: Vec<LaneView> = trace
        .customers
        .iter()
        .map(|c| {
            let errands = errands.remove(&c.id).unwrap_or_default();
            let abandoned = abandoned_at.get(&c.id).copied();
            let errand_ms = trace
                .scenario
                .customers
                .get(c.id as usize)
                .map_or(0.0, |planned| planned.errand_ms);
            let segments = customer_segments(c, &errands, errand_ms, abandoned);
            let abandoned_ms = (c.outcome == Outcome::Abandoned)
                .then(|| {
                    abandoned
                        .or(c.leave_ms)
                        .or_else(|| segments.last().map(|s| s.end_ms))
                })
                .flatten()
                .filter(|t| t.is_finite());
            let mut marks: Vec<Mark> = polls
                .remove(&c.id)
                .unwrap_or_default()
                .into_iter()
                .map(|at_ms| Mark {
                    at_ms,
                    kind: MarkKind::Poll,
                })
                .chain(abandoned_ms.map(|at_ms| Mark {
                    at_ms,
                    kind: MarkKind::Abandon,
                }))
                .collect();
            marks.sort_by(|a, b| a.at_ms.total_cmp(&b.at_ms));
            LaneView {
                lane: Lane::Customer(c.id),
                label: match c.ticket {
                    Some(n) => format!("{} #{n}", c.name),
                    None => c.name.clone(),
                },
                segments,
                marks,
                ticket: c.ticket,
                outcome: Some(c.outcome),
                tags: Vec::new(),
                notes: Vec::new(),
            }
        })
        .collect();
    views.extend(trace.tellers.iter().map(|t| {
        let mut segments: Vec<Segment> = t
            .calling
            .iter()
            .map(|&[s, e]| (s, e, State::Calling))
            .chain(t.busy.iter().map(|&[s, e]| (s, e, State::Serving)))
            .map(|(start_ms, end_ms, state)| Segment {
                start_ms,
                end_ms,
                state,
            })
            .collect();
        segments.sort_by(|a, b| a.start_ms.total_cmp(&b.start_ms));
        LaneView {
            lane: Lane::Teller(t.id),
            label: format!("teller {}", t.id),
            segments,
            marks: Vec::new(),
            ticket: None,
            outcome: None,
            tags: trace
                .customers
                .iter()
                .filter(|c| c.teller == Some(t.id))
                .filter_map(|c| Some((c.at_counter_ms?, c.done_ms?, c.ticket?.to_string())))
                .collect(),
            notes: Vec::new(),
        }
    }));
    views.extend(trace.lanes.iter().map(|l| LaneView {
        notes: l.notes.clone(),
        ..LaneView::plain(l.lane, l.label.clone(), l.segments.clone(), Vec::new())
    }));
    views.extend(task_lanes(trace));
    views
}

/// Each tokio task's polls (its `polled` moments) as a lane: `Running`
/// while a thread polled it, nothing between, each stretch noting the
/// thread (by its lane's label, when the kernel was sampled). Labelled by
/// the customer the task carries.
fn task_lanes(trace: &Trace) -> Vec<LaneView> {
    let threads: HashMap<u32, &str> = trace
        .lanes
        .iter()
        .filter_map(|l| match l.lane {
            Lane::Thread(tid) => Some((tid, l.label.as_str())),
            _ => None,
        })
        .collect();
    let mut polls: std::collections::BTreeMap<u32, Vec<(f64, f64, u32)>> = Default::default();
    for e in &trace.events {
        if let (Lane::Task(n), Kind::Polled { dur_us, tid }) = (e.lane, &e.kind) {
            let end = ms(e.t_us);
            polls
                .entry(n)
                .or_default()
                .push((end - ms(*dur_us), end, *tid));
        }
    }
    polls
        .into_iter()
        .map(|(n, polls)| {
            let whose = trace
                .customers
                .get(n as usize)
                .map_or_else(|| format!("task {n}"), |c| format!("{}'s task", c.name));
            let mut view = LaneView::plain(Lane::Task(n), whose, Vec::new(), Vec::new());
            for (start_ms, end_ms, tid) in polls {
                view.segments.push(Segment {
                    start_ms,
                    end_ms,
                    state: State::Running,
                });
                let thread = threads
                    .get(&tid)
                    .map_or_else(|| format!("thread {tid}"), |label| (*label).to_owned());
                view.notes.push(Note {
                    start_ms,
                    end_ms,
                    text: format!("polled on {thread}"),
                });
            }
            view
        })
        .collect()
}

/// A schedule's tellers as lanes (the ideal one's, say): each serving
/// exactly when the schedule says, with the ticket number at the start of each service.
pub fn schedule_lanes(scenario: &Scenario, schedule: &Schedule) -> Vec<LaneView> {
    // Tickets follow arrival order, as in the simulator.
    let mut order: Vec<&crate::scenario::Customer> = scenario.customers.iter().collect();
    order.sort_by(|a, b| a.arrive_ms.total_cmp(&b.arrive_ms).then(a.id.cmp(&b.id)));
    let mut ticket = vec![0u64; scenario.customers.len()];
    for (n, c) in (1u64..).zip(&order) {
        if let Some(slot) = ticket.get_mut(c.id as usize) {
            *slot = n;
        }
    }
    (1..=scenario.tellers.max(1))
        .map(|id| {
            let visits: Vec<_> = schedule.visits.iter().filter(|v| v.teller == id).collect();
            LaneView {
                lane: Lane::Teller(id),
                label: format!("teller {id}"),
                segments: visits
                    .iter()
                    .map(|v| Segment {
                        start_ms: v.start_ms,
                        end_ms: v.end_ms,
                        state: State::Serving,
                    })
                    .collect(),
                marks: Vec::new(),
                ticket: None,
                outcome: None,
                tags: visits
                    .iter()
                    .map(|v| {
                        let n = ticket.get(v.customer as usize).copied().unwrap_or(0);
                        (v.start_ms, v.end_ms, n.to_string())
                    })
                    .collect(),
                notes: Vec::new(),
            }
        })
        .collect()
}

/// A customer's states: waiting from arrival to the call (in line while
/// some of their `errand_ms` is left, idle once it is all done), unnoticed
/// until the counter, served until `DONE`; errands painted over the waits
/// and after `DONE`.
fn customer_segments(
    c: &CustomerRecord,
    errands: &[(f64, f64)],
    errand_ms: f64,
    abandoned: Option<f64>,
) -> Vec<Segment> {
    let Some(arrive) = c.arrive_ms else {
        return Vec::new();
    };
    let last = [
        c.leave_ms,
        c.done_ms,
        abandoned,
        c.at_counter_ms,
        c.called_ms,
    ]
    .into_iter()
    .flatten()
    .chain(errands.iter().map(|e| e.1))
    .fold(arrive, f64::max);
    let stop = |t: Option<f64>| t.unwrap_or(abandoned.unwrap_or(last));
    let called = stop(c.called_ms);
    let mut base = vec![Segment {
        start_ms: arrive,
        end_ms: called,
        state: State::InLine,
    }];
    if let Some(called) = c.called_ms {
        let here = stop(c.at_counter_ms);
        base.push(Segment {
            start_ms: called,
            end_ms: here,
            state: State::Unnoticed,
        });
        if let Some(here) = c.at_counter_ms {
            base.push(Segment {
                start_ms: here,
                end_ms: stop(c.done_ms),
                state: State::AtCounter,
            });
        }
    }
    let bank_end = base.last().map_or(arrive, |s| s.end_ms);
    // Paint the errands: over the blocked stretch, and after the bank.
    let mut out = Vec::new();
    for seg in base {
        if seg.state == State::InLine {
            out.extend(split(seg, errands));
        } else {
            out.push(seg);
        }
    }
    for &(a, b) in errands {
        let a = a.max(bank_end);
        if b > a {
            out.push(Segment {
                start_ms: a,
                end_ms: b,
                state: State::Errand,
            });
        }
    }
    out.retain(|s| s.end_ms > s.start_ms);
    out.sort_by(|a, b| a.start_ms.total_cmp(&b.start_ms));
    for seg in out.iter_mut().filter(|s| s.state == State::InLine) {
        if errand_done_by(errands, seg.start_ms) >= errand_ms - ERRAND_SLACK_MS {
            seg.state = State::Idle;
        }
    }
    out
}

/// How far short of the scenario's errand the recorded stretches may fall
/// and still count as the whole errand: stretches are recorded in whole
/// microseconds, and a sped-up errand may last a fraction of one more.
const ERRAND_SLACK_MS: f64 = 0.01;

/// How much errand was done before `t_ms`, from the recorded stretches.
fn errand_done_by(errands: &[(f64, f64)], t_ms: f64) -> f64 {
    errands
        .iter()
        .map(|&(a, b)| (b.min(t_ms) - a).max(0.0))
        .sum()
}

/// Splits a stretch in line where errands cover it.
fn split(seg: Segment, errands: &[(f64, f64)]) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut at = seg.start_ms;
    let mut covering: Vec<(f64, f64)> = errands
        .iter()
        .map(|&(a, b)| (a.max(seg.start_ms), b.min(seg.end_ms)))
        .filter(|(a, b)| b > a)
        .collect();
    covering.sort_by(|x, y| x.0.total_cmp(&y.0));
    for (a, b) in covering {
        if a > at {
            out.push(Segment {
                start_ms: at,
                end_ms: a,
                state: State::InLine,
            });
        }
        let a = a.max(at);
        if b > a {
            out.push(Segment {
                start_ms: a,
                end_ms: b,
                state: State::Errand,
            });
            at = b;
        }
    }
    if seg.end_ms > at {
        out.push(Segment {
            start_ms: at,
            end_ms: seg.end_ms,
            state: State::InLine,
        });
    }
    out
}

/// When a line reached the customer's socket: when they read it, less the
/// time it sat there unread (if the kernel said), and not before
/// `not_before` (a line cannot come before what it answers).
fn reached(read: f64, unread: Option<f64>, not_before: Option<f64>) -> f64 {
    let sent = read - unread.unwrap_or(0.0);
    not_before.map_or(sent, |floor| sent.max(floor))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::WaitHow;

    fn at(t_ms: u64, lane: Lane, kind: Kind) -> Event {
        Event {
            t_us: t_ms * 1000,
            lane,
            kind,
            thread: 0,
        }
    }

    /// The lecture's scene with its first customer only.
    fn one_customer() -> Scenario {
        crate::scenario::Generate {
            customers: 1,
            ..crate::scenario::Generate::default()
        }
        .scenario()
    }

    #[test]
    fn a_visit_takes_the_banks_times_and_the_customers_errands() {
        let scenario = one_customer();
        let c = Lane::Customer(0);
        let t = Lane::Teller(1);
        let events = [
            at(0, c, Kind::Arrive),
            at(1, c, Kind::Ticket { ticket: 5 }),
            at(1, c, Kind::Wait { how: WaitHow::Poll }),
            at(
                50,
                c,
                Kind::Errand {
                    dur_us: 49_000,
                    cpu_us: None,
                },
            ),
            at(50, c, Kind::Poll { found: false }),
            at(
                60,
                t,
                Kind::Called {
                    ticket: 5,
                    teller: 1,
                    unread_us: None,
                },
            ),
            at(
                100,
                c,
                Kind::Errand {
                    dur_us: 50_000,
                    cpu_us: None,
                },
            ),
            at(100, c, Kind::Poll { found: true }),
            at(
                100,
                c,
                Kind::Called {
                    ticket: 5,
                    teller: 1,
                    unread_us: Some(39_000),
                },
            ),
            at(101, t, Kind::AtCounter { ticket: 5 }),
            at(
                501,
                t,
                Kind::Served {
                    ticket: 5,
                    unread_us: None,
                },
            ),
            at(
                502,
                c,
                Kind::Served {
                    ticket: 5,
                    unread_us: Some(300_000),
                },
            ),
            at(
                900,
                c,
                Kind::Errand {
                    dur_us: 398_000,
                    cpu_us: None,
                },
            ),
            at(900, c, Kind::Leave),
        ];
        let records = customers(&scenario, &events);
        let r = &records[0];
        assert_eq!(r.outcome, Outcome::Served);
        assert_eq!(
            r.called_ms,
            Some(60.0),
            "the bank's call, not the customer's notice"
        );
        assert_eq!(r.noticed_ms, Some(100.0));
        assert_eq!(r.reaction_ms(), Some(41.0));
        assert_eq!(
            r.done_ms,
            Some(501.0),
            "the bank's DONE, whatever the stamp"
        );
        assert_eq!(r.polls, 1);
        assert_eq!(r.errand_ms, 497.0);
        assert_eq!(r.errand_cpu_ms, None, "an errand that slept used no CPU");
        assert_eq!(
            r.errand_while_waiting_ms, 59.0,
            "from the ticket (1) to the call (60)"
        );
        let tellers = tellers(&scenario, &records, &events);
        assert_eq!(tellers.len(), 2);
        assert_eq!(tellers[0].calling, [[60.0, 101.0]]);
        assert_eq!(tellers[0].busy, [[101.0, 501.0]]);
        assert!(tellers[1].busy.is_empty());
    }

    #[test]
    fn a_computed_errand_counts_its_cpu_time_beside_its_wall_time() {
        let scenario = one_customer();
        let c = Lane::Customer(0);
        let stretch = |end_ms, dur_us, cpu_us| {
            at(
                end_ms,
                c,
                Kind::Errand {
                    dur_us,
                    cpu_us: Some(cpu_us),
                },
            )
        };
        let events = [
            at(0, c, Kind::Arrive),
            stretch(10, 10_000, 5_000),
            stretch(30, 10_000, 9_000),
            at(30, c, Kind::Leave),
        ];
        let r = &customers(&scenario, &events)[0];
        assert_eq!(r.errand_ms, 20.0, "the stretches on the wall clock");
        assert_eq!(r.errand_cpu_ms, Some(14.0), "what of them ran on a CPU");
    }

    #[test]
    fn without_the_banks_lanes_the_call_is_the_notice_less_the_time_unread() {
        let scenario = crate::scenario::Generate {
            customers: 3,
            ..crate::scenario::Generate::default()
        }
        .scenario();
        let noticed = |id: u32, t_ms: u64, ticket: TicketNo, unread_us: Option<u64>| {
            at(
                t_ms,
                Lane::Customer(id),
                Kind::Called {
                    ticket,
                    teller: 1,
                    unread_us,
                },
            )
        };
        let mut events = Vec::new();
        for (id, ticket) in [(0, 1), (1, 2), (2, 3)] {
            let c = Lane::Customer(id);
            events.push(at(10, c, Kind::Arrive));
            events.push(at(11, c, Kind::Ticket { ticket }));
        }
        events.extend([
            // Looked 40 ms after the CALL had reached the socket.
            noticed(0, 100, 1, Some(40_000)),
            at(101, Lane::Customer(0), Kind::AtCounter { ticket: 1 }),
            // No stamp from the kernel: the notice is all there is.
            noticed(1, 200, 2, None),
            at(201, Lane::Customer(1), Kind::AtCounter { ticket: 2 }),
            // A stamp that says "before they came in" (a wall clock that
            // jumped): the call cannot precede the arrival.
            noticed(2, 300, 3, Some(1_000_000)),
            at(301, Lane::Customer(2), Kind::AtCounter { ticket: 3 }),
        ]);
        events.sort_by_key(|e| e.t_us);
        let records = customers(&scenario, &events);
        let called: Vec<_> = records.iter().map(|r| r.called_ms).collect();
        assert_eq!(called, [Some(60.0), Some(200.0), Some(10.0)]);
        let noticed: Vec<_> = records.iter().map(|r| r.noticed_ms).collect();
        assert_eq!(noticed, [Some(100.0), Some(200.0), Some(300.0)]);
        assert_eq!(records[0].reaction_ms(), Some(41.0));
        assert_eq!(records[0].teller, Some(1));
        let tellers = tellers(&scenario, &records, &events);
        assert_eq!(
            tellers[0].calling,
            [[10.0, 301.0], [60.0, 101.0], [200.0, 201.0]],
            "the tellers' days, rebuilt from the customers' calls"
        );
    }

    #[test]
    fn without_the_banks_lanes_the_service_ends_when_done_reached_the_socket() {
        let scenario = crate::scenario::Generate {
            customers: 3,
            ..crate::scenario::Generate::default()
        }
        .scenario();
        let mut events = Vec::new();
        for (id, ticket, done_unread_us) in [
            // Read DONE 40 ms after it had reached the socket.
            (0, 1, Some(40_000)),
            // No stamp from the kernel: the reading is all there is.
            (1, 2, None),
            // A stamp from before the HERE (a wall clock that jumped): the
            // service cannot end before it began.
            (2, 3, Some(1_000_000)),
        ] {
            let c = Lane::Customer(id);
            let base = 100 * ticket;
            let done = Kind::Served {
                ticket,
                unread_us: done_unread_us,
            };
            let called = Kind::Called {
                ticket,
                teller: 1,
                unread_us: None,
            };
            events.extend([
                at(1, c, Kind::Arrive),
                at(2, c, Kind::Ticket { ticket }),
                at(base, c, called),
                at(base + 1, c, Kind::AtCounter { ticket }),
                at(base + 90, c, done),
                at(base + 95, c, Kind::Leave),
            ]);
        }
        events.sort_by_key(|e| e.t_us);
        let records = customers(&scenario, &events);
        let done: Vec<_> = records.iter().map(|r| r.done_ms).collect();
        assert_eq!(done, [Some(150.0), Some(290.0), Some(301.0)]);
        let tellers = tellers(&scenario, &records, &events);
        assert_eq!(
            tellers[0].busy,
            [[101.0, 150.0], [201.0, 290.0], [301.0, 301.0]],
            "the tellers' services, rebuilt from when DONE arrived"
        );
    }

    #[test]
    fn a_wait_is_in_line_while_errand_is_left_and_idle_once_it_is_done() {
        let c = CustomerRecord {
            id: 0,
            name: "张三".into(),
            ticket: Some(1),
            arrive_ms: Some(0.0),
            called_ms: Some(300.0),
            noticed_ms: Some(300.0),
            at_counter_ms: Some(300.0),
            done_ms: Some(400.0),
            leave_ms: Some(400.0),
            teller: Some(1),
            polls: 0,
            errand_ms: 100.0,
            errand_cpu_ms: None,
            errand_while_waiting_ms: 100.0,
            outcome: Outcome::Served,
        };
        let states = |errands: &[(f64, f64)], planned: f64| {
            customer_segments(&c, errands, planned, None)
                .iter()
                .map(|s| (s.start_ms, s.end_ms, s.state))
                .collect::<Vec<_>>()
        };
        // The whole 100 ms errand done by 150: in line before, idle after.
        assert_eq!(
            states(&[(50.0, 150.0)], 100.0),
            [
                (0.0, 50.0, State::InLine),
                (50.0, 150.0, State::Errand),
                (150.0, 300.0, State::Idle),
                (300.0, 400.0, State::AtCounter),
            ]
        );
        // Half of a 200 ms errand done: the rest still to do, so in line.
        assert_eq!(
            states(&[(50.0, 150.0)], 200.0)[2],
            (150.0, 300.0, State::InLine)
        );
        // No errand at all: nothing is left to do from the start.
        assert_eq!(states(&[], 0.0)[0], (0.0, 300.0, State::Idle));
    }

    #[test]
    fn errands_split_the_stretch_in_line() {
        let seg = Segment {
            start_ms: 0.0,
            end_ms: 100.0,
            state: State::InLine,
        };
        let parts = split(seg, &[(10.0, 20.0), (50.0, 200.0)]);
        let states: Vec<_> = parts
            .iter()
            .map(|s| (s.start_ms, s.end_ms, s.state))
            .collect();
        assert_eq!(
            states,
            [
                (0.0, 10.0, State::InLine),
                (10.0, 20.0, State::Errand),
                (20.0, 50.0, State::InLine),
                (50.0, 100.0, State::Errand),
            ]
        );
    }
}
