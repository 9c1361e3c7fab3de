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
use crate::style::Style;
use crate::trace::{CallRecord, CustomerRecord, Outcome, TellerRecord, Trace};
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
    /// Each call as the customer saw it, in order.
    calls: Vec<Noticed>,
    /// `DONE` read, and how long it had sat unread in the socket (ms).
    served: Option<(f64, Option<f64>)>,
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

/// One call as the customer saw it.
#[derive(Clone, Copy)]
struct Noticed {
    /// When they read `CALL`, and from which teller.
    noticed: f64,
    /// The teller who called.
    teller: TellerNo,
    /// How long the `CALL` had sat unread in the socket when read (ms).
    unread: Option<f64>,
    /// `HERE` sent.
    at_counter: Option<f64>,
    /// `PAUSE` read, and how long it had sat unread (ms).
    paused: Option<(f64, Option<f64>)>,
}

/// One call as the teller recorded it.
#[derive(Clone, Copy)]
struct Called {
    /// When the teller sent `CALL`, and which teller.
    called: f64,
    /// The teller.
    teller: TellerNo,
    /// When the teller got `HERE`.
    at_counter: Option<f64>,
    /// When the teller sent `PAUSE` or `DONE`, and whether it was `PAUSE`.
    end: Option<(f64, bool)>,
}

/// A run's trace from its moments alone: each customer's record and each
/// teller's day rebuilt from them ([`customers`], [`tellers`]), the figures
/// not worked out yet (see [`Trace::of_records`]).
pub fn trace(style: Style, complete: bool, scenario: Scenario, events: Vec<Event>) -> Trace {
    let customers = customers(&scenario, &events);
    let tellers = tellers(&scenario, &customers, &events);
    Trace::of_records(style, complete, scenario, customers, tellers, events)
}

/// Builds one record per scenario customer from the recorded moments.
pub fn customers(scenario: &Scenario, events: &[Event]) -> Vec<CustomerRecord> {
    let mut seen: Vec<Seen> = scenario.customers.iter().map(|_| Seen::default()).collect();
    // What the tellers recorded, by ticket: every call, in order.
    let mut bank: HashMap<TicketNo, Vec<Called>> = HashMap::new();
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
                    } => s.calls.push(Noticed {
                        noticed: t,
                        teller,
                        unread: unread_us.map(ms),
                        at_counter: None,
                        paused: None,
                    }),
                    Kind::AtCounter { .. } => {
                        if let Some(call) = s.calls.last_mut() {
                            call.at_counter = Some(t);
                        }
                    }
                    Kind::Paused { unread_us, .. } => {
                        if let Some(call) = s.calls.last_mut() {
                            call.paused = Some((t, unread_us.map(ms)));
                        }
                    }
                    Kind::Served { unread_us, .. } => s.served = Some((t, unread_us.map(ms))),
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
                let calls = bank.entry(ticket).or_default();
                match e.kind {
                    Kind::Called { teller, .. } => calls.push(Called {
                        called: t,
                        teller,
                        at_counter: None,
                        end: None,
                    }),
                    Kind::AtCounter { .. } => {
                        if let Some(call) = calls.last_mut() {
                            call.at_counter = Some(t);
                        }
                    }
                    Kind::Paused { .. } | Kind::Served { .. } => {
                        let paused = matches!(e.kind, Kind::Paused { .. });
                        if let Some(call) = calls.last_mut().filter(|c| c.end.is_none()) {
                            call.end = Some((t, paused));
                        }
                    }
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
            let at_bank = s
                .ticket
                .and_then(|(n, _)| bank.remove(&n))
                .unwrap_or_default();
            record_of(c, s, &at_bank)
        })
        .collect()
}

/// One customer's record: their calls, from the tellers' records of them
/// when the bank ran here, else from what the customer saw; their measures.
fn record_of(c: &crate::scenario::Customer, s: Seen, at_bank: &[Called]) -> CustomerRecord {
    let served = s.served.is_some() && s.abandoned.is_none();
    let mut calls: Vec<CallRecord> = Vec::new();
    for i in 0..at_bank.len().max(s.calls.len()) {
        let (bank, noticed) = (at_bank.get(i), s.calls.get(i));
        // The customer's view of the turn's end: PAUSE read, or for the
        // last call DONE read.
        let read_end = noticed
            .and_then(|n| n.paused)
            .or(if i + 1 == s.calls.len() {
                s.served
            } else {
                None
            });
        // The bank's own record when it ran here; otherwise the customer's
        // notice, less the time the line sat unread in their socket (it
        // cannot have reached it before they were back in line); the end
        // likewise, when PAUSE or DONE reached the socket.
        let back_in_line = calls.last().and_then(|p| p.end_ms).or(s.arrive);
        let at_counter = bank
            .and_then(|b| b.at_counter)
            .or(noticed.and_then(|n| n.at_counter));
        let Some((teller, called_ms)) = bank
            .map(|b| (b.teller, b.called))
            .or_else(|| noticed.map(|n| (n.teller, reached(n.noticed, n.unread, back_in_line))))
        else {
            continue;
        };
        let call = CallRecord {
            teller,
            called_ms,
            noticed_ms: noticed.map(|n| n.noticed),
            at_counter_ms: at_counter,
            end_ms: bank
                .and_then(|b| b.end)
                .map(|(t, _)| t)
                .or_else(|| read_end.map(|(read, unread)| reached(read, unread, at_counter))),
            paused: match bank.and_then(|b| b.end) {
                Some((_, paused)) => paused,
                None => noticed.is_some_and(|n| n.paused.is_some()),
            },
        };
        calls.push(call);
    }
    let first = calls.first();
    let done = if served {
        calls.last().and_then(|call| call.end_ms)
    } else {
        None
    };
    // The stretches in line: from the ticket (or arrival) to the first call,
    // and from each PAUSE to the next call; the last one, of a customer
    // never called again, to their leaving.
    let mut in_line: Vec<(f64, f64)> = Vec::new();
    let mut back = s.ticket.map(|(_, t)| t);
    for call in &calls {
        if let Some(from) = back {
            in_line.push((from, call.called_ms));
        }
        back = call.end_ms.filter(|_| call.paused);
    }
    if let Some(from) = back.filter(|_| !served) {
        in_line.push((from, s.leave.unwrap_or(f64::INFINITY)));
    }
    let errand_while_waiting = in_line
        .iter()
        .map(|&(from, to)| {
            s.errands
                .iter()
                .map(|&(a, b)| (b.min(to) - a.max(from)).max(0.0))
                .sum::<f64>()
        })
        .sum();
    let since_arrival = |t: Option<f64>| Some(t? - s.arrive?);
    // Time in line counts from arrival, as the response does.
    let wait = first.and_then(|f| {
        let before = since_arrival(Some(f.called_ms))?;
        let again: f64 = calls
            .windows(2)
            .map(|w| w[1].called_ms - w[0].end_ms.unwrap_or(w[1].called_ms))
            .sum();
        Some(before + again)
    });
    CustomerRecord {
        id: c.id,
        name: c.name.to_string(),
        ticket: s.ticket.map(|(n, _)| n),
        arrive_ms: s.arrive,
        called_ms: first.map(|f| f.called_ms),
        noticed_ms: first.and_then(|f| f.noticed_ms),
        at_counter_ms: first.and_then(|f| f.at_counter_ms),
        done_ms: done,
        leave_ms: s.leave,
        teller: first.map(|f| f.teller),
        polls: s.polls,
        errand_ms: s.errands.iter().map(|(a, b)| b - a).sum(),
        errand_cpu_ms: s.errand_cpu,
        errand_while_waiting_ms: errand_while_waiting,
        outcome: if served {
            Outcome::Served
        } else {
            Outcome::Abandoned
        },
        response_ms: since_arrival(first.map(|f| f.called_ms)),
        wait_ms: wait,
        turnaround_ms: since_arrival(s.leave),
        calls,
    }
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
            Kind::Served { .. } | Kind::Paused { .. } => {
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
        for call in customers.iter().flat_map(|c| &c.calls) {
            let Some(here) = call.at_counter_ms else {
                continue;
            };
            let r = record(&mut records, call.teller);
            r.calling.push([call.called_ms, here]);
            if let Some(end) = call.end_ms {
                r.busy.push([here, end]);
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
            // Every turn served: one per call, so a ticket served in slices
            // is written at each of them.
            tags: trace
                .customers
                .iter()
                .flat_map(|c| c.calls.iter().map(move |call| (c, call)))
                .filter(|(_, call)| call.teller == t.id)
                .filter_map(|(c, call)| {
                    Some((call.at_counter_ms?, call.end_ms?, c.ticket?.to_string()))
                })
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

/// Whose call each of the tellers' stretches was: a teller's calling
/// stretch starts at one of a customer's `called_ms`, its serving stretch
/// at the `at_counter_ms` of the same call. Pictures look a stretch up to
/// name the customer in it.
pub struct Owners<'a> {
    /// By (teller, whether the stretch is calling, its start as whole nanoseconds).
    by_start: HashMap<(TellerNo, bool, i64), &'a CustomerRecord>,
}

impl<'a> Owners<'a> {
    /// The owners of every call of `customers`.
    pub fn of(customers: &'a [CustomerRecord]) -> Owners<'a> {
        let mut by_start = HashMap::new();
        for c in customers {
            for call in &c.calls {
                for (calling, t) in [(true, Some(call.called_ms)), (false, call.at_counter_ms)] {
                    if let Some(t) = t.filter(|t| t.is_finite()) {
                        by_start
                            .entry((call.teller, calling, instant_key(t)))
                            .or_insert(c);
                    }
                }
            }
        }
        Owners { by_start }
    }

    /// The customer of teller `teller`'s stretch `segment` (calling or
    /// serving), if it was one of theirs.
    pub fn of_stretch(&self, teller: TellerNo, segment: &Segment) -> Option<&'a CustomerRecord> {
        let calling = segment.state == State::Calling;
        self.by_start
            .get(&(teller, calling, instant_key(segment.start_ms)))
            .copied()
    }
}

/// A time as whole nanoseconds: the same recorded instant always gives the
/// same key, in whichever record it was copied.
fn instant_key(ms: f64) -> i64 {
    // `as` saturates; times are finite here.
    (ms * 1_000_000.0).round() as i64
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
            let turns: Vec<_> = schedule.turns.iter().filter(|v| v.teller == id).collect();
            LaneView {
                lane: Lane::Teller(id),
                label: format!("teller {id}"),
                segments: turns
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
                tags: turns
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
/// until the counter, served until `PAUSE` (then waiting again, until the
/// next call) or `DONE`; errands painted over the waits and after `DONE`.
fn customer_segments(
    c: &CustomerRecord,
    errands: &[(f64, f64)],
    errand_ms: f64,
    abandoned: Option<f64>,
) -> Vec<Segment> {
    let Some(arrive) = c.arrive_ms else {
        return Vec::new();
    };
    let last = [c.leave_ms, c.done_ms, abandoned]
        .into_iter()
        .flatten()
        .chain(c.calls.iter().flat_map(|call| {
            [Some(call.called_ms), call.at_counter_ms, call.end_ms]
                .into_iter()
                .flatten()
        }))
        .chain(errands.iter().map(|e| e.1))
        .fold(arrive, f64::max);
    let stop = |t: Option<f64>| t.unwrap_or(abandoned.unwrap_or(last));
    let mut base = Vec::new();
    // In line from arrival, and again from each PAUSE, until the next call.
    let mut in_line_from = Some(arrive);
    for call in &c.calls {
        if let Some(from) = in_line_from.take() {
            base.push(Segment {
                start_ms: from,
                end_ms: call.called_ms,
                state: State::InLine,
            });
        }
        base.push(Segment {
            start_ms: call.called_ms,
            end_ms: stop(call.at_counter_ms),
            state: State::Unnoticed,
        });
        if let Some(here) = call.at_counter_ms {
            base.push(Segment {
                start_ms: here,
                end_ms: stop(call.end_ms),
                state: State::AtCounter,
            });
            in_line_from = call.end_ms.filter(|_| call.paused);
        }
    }
    // Never called (again): in line until they gave up.
    if let Some(from) = in_line_from {
        base.push(Segment {
            start_ms: from,
            end_ms: stop(None),
            state: State::InLine,
        });
    }
    let bank_end = base.last().map_or(arrive, |s| s.end_ms);
    // Paint the errands: over the stretches in line, and after the bank.
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

    /// The lecture's scene with `customers` customers.
    fn scene(customers: u32) -> Scenario {
        crate::scenario::Generate {
            customers,
            ..crate::scenario::Generate::default()
        }
        .scenario()
    }

    fn at(t_ms: u64, lane: Lane, kind: Kind) -> Event {
        Event::at_ms(t_ms, lane, kind)
    }

    #[test]
    fn a_visit_takes_the_banks_times_and_the_customers_errands() {
        let scenario = scene(1);
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
        let scenario = scene(1);
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
        let scenario = scene(3);
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
        let scenario = scene(3);
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

    /// One customer served in two slices of 100 ms by teller 1, then 2:
    /// called at 10 and 300, `PAUSE` at 111, `DONE` at 441; as the tellers
    /// recorded it (when `bank`) and as the customer saw it, each line
    /// read 5 ms after it came.
    fn two_slices(bank: bool) -> Vec<Event> {
        let (c, t1, t2) = (Lane::Customer(0), Lane::Teller(1), Lane::Teller(2));
        let called = |teller, unread_us| Kind::Called {
            ticket: 1,
            teller,
            unread_us,
        };
        let at_counter = Kind::AtCounter { ticket: 1 };
        let paused = |unread_us| Kind::Paused {
            ticket: 1,
            unread_us,
        };
        let served = |unread_us| Kind::Served {
            ticket: 1,
            unread_us,
        };
        let mut events = vec![
            at(0, c, Kind::Arrive),
            at(1, c, Kind::Ticket { ticket: 1 }),
            at(15, c, called(1, Some(5_000))),
            at(15, c, at_counter.clone()),
            at(116, c, paused(Some(5_000))),
            at(305, c, called(2, Some(5_000))),
            at(341, c, at_counter.clone()),
            at(446, c, served(Some(5_000))),
            at(450, c, Kind::Leave),
        ];
        if bank {
            events.extend([
                at(10, t1, called(1, None)),
                at(11, t1, at_counter.clone()),
                at(111, t1, paused(None)),
                at(300, t2, called(2, None)),
                at(341, t2, at_counter),
                at(441, t2, served(None)),
            ]);
        }
        events.sort_by_key(|e| e.t_us);
        events
    }

    #[test]
    fn a_visit_in_slices_has_a_call_per_slice_and_waits_between_them() {
        let scenario = scene(1);
        for bank in [true, false] {
            let events = two_slices(bank);
            let records = customers(&scenario, &events);
            let r = &records[0];
            let calls: Vec<_> = r
                .calls
                .iter()
                .map(|c| (c.teller, c.called_ms, c.end_ms, c.paused))
                .collect();
            assert_eq!(
                calls,
                [(1, 10.0, Some(111.0), true), (2, 300.0, Some(441.0), false)],
                "bank in this process: {bank}"
            );
            assert_eq!(r.outcome, Outcome::Served);
            assert_eq!(
                (r.called_ms, r.teller, r.done_ms),
                (Some(10.0), Some(1), Some(441.0))
            );
            assert_eq!(r.response_ms, Some(10.0));
            assert_eq!(r.wait_ms, Some(10.0 + 189.0), "in line before each call");
            assert_eq!(r.turnaround_ms, Some(450.0));
            assert_eq!(r.teller_at(200.0), None, "in line between the slices");
            assert_eq!(r.teller_at(400.0), Some(2));

            let tellers = tellers(&scenario, &records, &events);
            assert_eq!(
                tellers[0].busy.len() + tellers[1].busy.len(),
                2,
                "a stretch per slice"
            );
            let trace = Trace {
                schema: crate::trace::SCHEMA.to_owned(),
                complete: true,
                style: crate::Style::SyncBlocking,
                scenario: scenario.clone(),
                metrics: crate::trace::Metrics::default(),
                customers: records,
                tellers,
                events,
                lanes: Vec::new(),
            };
            let lanes = lanes(&trace);
            let states: Vec<State> = lanes[0].segments.iter().map(|s| s.state).collect();
            use State::*;
            assert_eq!(
                states,
                [InLine, Unnoticed, AtCounter, InLine, Unnoticed, AtCounter],
                "bank in this process: {bank}"
            );
            let tags: Vec<&str> = lanes[1..]
                .iter()
                .flat_map(|l| &l.tags)
                .map(|t| t.2.as_str())
                .collect();
            assert_eq!(tags, ["1", "1"], "the ticket at each slice");
        }
    }

    #[test]
    fn a_wait_is_in_line_while_errand_is_left_and_idle_once_it_is_done() {
        let mut c = CustomerRecord {
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
            calls: Vec::new(),
            response_ms: None,
            wait_ms: None,
            turnaround_ms: None,
        };
        // The one call, from the visit's own times.
        c.fill_in();
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
