//! A run as it stood at one moment: what a live view shows while the run
//! goes on, and what a replay shows at the player's time.
//!
//! Both ask the same question: "at `at_ms`, where was everyone, and what
//! had the figures come to?" The answer is computed one way, here, from the
//! moments recorded up to that time ([`cut`]):
//!
//! - every lane's stretches end at `at_ms`; a visit still going on then
//!   reaches it, in the state it was in (in line, called, at the counter,
//!   on the errand after `DONE`), and is not marked abandoned: it was not;
//! - an errand is recorded when it ends; one under way at `at_ms` is cut
//!   there, so a replay paused in the middle of an errand shows it;
//! - the figures are [`metrics::compute`]'s over the customers who had
//!   finished by then (served, or gone), and the looks at sockets so far.
//!   The process's figures (CPU, memory, threads) are the whole run's: they
//!   are known only at its end, and stay at zero before it, as does the
//!   efficiency (`NaN` until every customer has finished).
//!
//! At or after the last recorded moment of a whole trace, the answer is
//! the trace itself: its lanes as every picture draws them, its metrics.

use std::collections::HashSet;

use crate::model::{self, LaneView, Segment};
use crate::scenario::Scenario;
use crate::state::{MarkKind, State};
use crate::style::Style;
use crate::trace::{CustomerRecord, LaneRecord, Metrics, Outcome, Trace};
use crate::{Event, Kind, Lane, metrics};

/// A run at one moment.
#[derive(Clone, Debug, PartialEq)]
pub struct SoFar {
    /// The moment, in ms from the run's start.
    pub at_ms: f64,
    /// Every lane, customers then tellers, cut at `at_ms`.
    pub lanes: Vec<LaneView>,
    /// The figures of what had happened by then (see the module header).
    pub metrics: Metrics,
    /// Where the customers were.
    pub count: Count,
}

/// Where the customers were at a moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Count {
    /// Not come in yet.
    pub not_yet: usize,
    /// In the bank, waiting for their turn or called and not at the counter yet.
    pub waiting: usize,
    /// At the counter, being served.
    pub at_counter: usize,
    /// Done with the bank: served, or gone without.
    pub done: usize,
}

/// The whole `trace` as it stood at `at_ms` (for a replay).
pub fn at(trace: &Trace, at_ms: f64) -> SoFar {
    let last_ms = trace.events.last().map_or(0.0, |e| ms(e.t_us));
    if at_ms >= last_ms && !trace.customers.is_empty() {
        // The end: the run as every picture draws it.
        let customers = &trace.customers;
        let finished: HashSet<u32> = customers.iter().map(|c| c.id).collect();
        return SoFar {
            at_ms,
            lanes: model::lanes(trace),
            metrics: trace.metrics.clone(),
            count: count(customers, &finished, at_ms),
        };
    }
    cut(
        trace.style,
        &trace.scenario,
        &trace.events,
        &trace.lanes,
        at_ms,
        &trace.metrics,
    )
}

/// A run still going on, from the `events` recorded until `at_ms` (for a
/// live view): `ideal_makespan_ms` is the scenario's ideal, for the
/// efficiency once everyone has finished.
pub fn recording(
    style: Style,
    scenario: &Scenario,
    events: &[Event],
    at_ms: f64,
    ideal_makespan_ms: f64,
) -> SoFar {
    let whole = Metrics {
        ideal_makespan_ms,
        ..Metrics::default()
    };
    cut(style, scenario, events, &[], at_ms, &whole)
}

/// The moments of `events` up to `at_ms`, an errand under way then cut there.
pub fn cut_events(events: &[Event], at_ms: f64) -> Vec<Event> {
    let at_us = (at_ms.max(0.0) * 1000.0) as u64;
    events
        .iter()
        .filter_map(|e| match e.kind {
            Kind::Errand { dur_us, cpu_us } if e.t_us > at_us => {
                let start_us = e.t_us.saturating_sub(dur_us);
                let done_us = at_us.saturating_sub(start_us);
                // A computed errand's CPU time, in the share of it done by then.
                let cpu_us = cpu_us.map(|cpu| {
                    let share = done_us as f64 / dur_us.max(1) as f64;
                    (cpu as f64 * share).round() as u64
                });
                (start_us < at_us).then(|| Event {
                    t_us: at_us,
                    kind: Kind::Errand {
                        dur_us: done_us,
                        cpu_us,
                    },
                    ..e.clone()
                })
            }
            _ => (e.t_us <= at_us).then(|| e.clone()),
        })
        .collect()
}

/// The run of `scenario` from `events` (and the kernel's `recorded` lanes)
/// cut at `at_ms`; `whole` holds the whole run's ideal makespan.
fn cut(
    style: Style,
    scenario: &Scenario,
    events: &[Event],
    recorded: &[LaneRecord],
    at_ms: f64,
    whole: &Metrics,
) -> SoFar {
    let events = cut_events(events, at_ms);
    // The kernel's lanes up to now: stretches after it dropped, one under
    // way cut there.
    let recorded: Vec<LaneRecord> = recorded
        .iter()
        .map(|l| LaneRecord {
            segments: l
                .segments
                .iter()
                .filter(|s| s.start_ms < at_ms)
                .map(|s| Segment {
                    end_ms: s.end_ms.min(at_ms),
                    ..*s
                })
                .collect(),
            ..l.clone()
        })
        .collect();
    let customers = model::customers(scenario, &events);
    let tellers = model::tellers(scenario, &customers, &events);
    // Who had finished with the bank, and how: their lane says they left.
    let mut finished = HashSet::new();
    let mut gone = HashSet::new();
    for e in &events {
        if let Lane::Customer(id) = e.lane {
            match e.kind {
                Kind::Leave => {
                    finished.insert(id);
                }
                Kind::Abandon { .. } => {
                    finished.insert(id);
                    gone.insert(id);
                }
                _ => {}
            }
        }
    }
    let ended: Vec<CustomerRecord> = customers
        .iter()
        .filter(|c| c.outcome == Outcome::Served || gone.contains(&c.id))
        .cloned()
        .collect();
    let polls = customers.iter().map(|c| c.polls).sum();
    let everyone = customers.len();
    let mut trace = Trace::of_records(style, false, scenario.clone(), customers, tellers, events);
    trace.lanes = recorded;
    // The figures of those who had finished: measured over them alone.
    let all = std::mem::replace(&mut trace.customers, ended);
    let mut metrics = metrics::compute(&trace, whole.ideal_makespan_ms, Default::default());
    trace.customers = all;
    metrics.polls = polls;
    if finished.len() < everyone {
        metrics.efficiency = f64::NAN;
    }
    trace.metrics = metrics.clone();
    let mut lanes = model::lanes(&trace);
    for lane in &mut lanes {
        match lane.lane {
            Lane::Customer(id) => {
                let Some(c) = trace.customers.get(id as usize) else {
                    continue;
                };
                if finished.contains(&id) {
                    continue;
                }
                // Still in the bank, or not come yet: not abandoned.
                lane.outcome = None;
                lane.marks.retain(|m| m.kind != MarkKind::Abandon);
                if let Some((state, since)) = customer_now(c) {
                    reach(lane, state, since, at_ms);
                }
            }
            Lane::Teller(id) => {
                // A call or a service under way: the customer's record says
                // which, whether the bank's lanes were recorded or not.
                let open = trace.customers.iter().find_map(|c| {
                    let called = c.called_ms?;
                    let open = c.teller == Some(id)
                        && c.done_ms.is_none()
                        && !gone.contains(&c.id)
                        && !finished.contains(&c.id);
                    open.then_some(match c.at_counter_ms {
                        None => (State::Calling, called),
                        Some(here) => (State::Serving, here),
                    })
                });
                if let Some((state, since)) = open {
                    reach(lane, state, since, at_ms);
                }
            }
            _ => {}
        }
    }
    SoFar {
        at_ms,
        lanes,
        metrics,
        count: count(&trace.customers, &finished, at_ms),
    }
}

/// The state a customer still in the bank is in, and since when.
fn customer_now(c: &CustomerRecord) -> Option<(State, f64)> {
    let arrived = c.arrive_ms?;
    Some(match (c.called_ms, c.at_counter_ms, c.done_ms) {
        (None, _, _) => (State::InLine, arrived),
        (Some(called), None, _) => (State::Unnoticed, called),
        (_, Some(here), None) => (State::AtCounter, here),
        // After DONE, what is left of the errand, until they leave.
        (_, _, Some(done)) => (State::Errand, done),
    })
}

/// Stretches `lane` to `at_ms` in `state`, begun at `since` at the latest.
fn reach(lane: &mut LaneView, state: State, since: f64, at_ms: f64) {
    let from = lane.segments.last().map_or(since, |s| s.end_ms.max(since));
    match lane.segments.last_mut() {
        Some(last) if last.state == state && last.end_ms >= since => {
            last.end_ms = last.end_ms.max(at_ms);
        }
        _ if at_ms > from => lane.segments.push(Segment {
            start_ms: from,
            end_ms: at_ms,
            state,
        }),
        _ => {}
    }
}

/// Where the customers of `customers` were at `at_ms`, `finished` being
/// those who had left.
fn count(customers: &[CustomerRecord], finished: &HashSet<u32>, at_ms: f64) -> Count {
    let mut count = Count::default();
    for c in customers {
        let done_by = |t: Option<f64>| t.is_some_and(|t| t <= at_ms);
        if finished.contains(&c.id) || done_by(c.done_ms) {
            count.done += 1;
        } else if !done_by(c.arrive_ms) {
            count.not_yet += 1;
        } else if done_by(c.at_counter_ms) {
            count.at_counter += 1;
        } else {
            count.waiting += 1;
        }
    }
    count
}

fn ms(t_us: u64) -> f64 {
    t_us as f64 / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::WaitHow;
    use crate::scenario::Generate;

    fn at_ms(t_ms: u64, lane: Lane, kind: Kind) -> Event {
        Event::at_ms(t_ms, lane, kind)
    }

    /// Two customers, one teller: 张三 is served 100..500 and leaves after
    /// an errand at 700; 李四 comes at 50, runs an errand 60..260 while
    /// waiting, is called at 500 and reaches the counter at 520, served to 920.
    fn scene() -> Trace {
        let scenario = Generate {
            customers: 2,
            tellers: 1,
            ..Generate::default()
        }
        .scenario();
        let (zhang, li, teller) = (Lane::Customer(0), Lane::Customer(1), Lane::Teller(1));
        let called = |ticket| Kind::Called {
            ticket,
            teller: 1,
            unread_us: None,
        };
        let served = |ticket| Kind::Served {
            ticket,
            unread_us: None,
        };
        let events = vec![
            at_ms(0, zhang, Kind::Arrive),
            at_ms(0, zhang, Kind::Ticket { ticket: 1 }),
            at_ms(0, zhang, Kind::Wait { how: WaitHow::Read }),
            at_ms(50, li, Kind::Arrive),
            at_ms(50, li, Kind::Ticket { ticket: 2 }),
            at_ms(100, teller, called(1)),
            at_ms(100, zhang, called(1)),
            at_ms(100, zhang, Kind::AtCounter { ticket: 1 }),
            at_ms(100, teller, Kind::AtCounter { ticket: 1 }),
            at_ms(
                260,
                li,
                Kind::Errand {
                    dur_us: 200_000,
                    cpu_us: None,
                },
            ),
            at_ms(500, teller, served(1)),
            at_ms(500, zhang, served(1)),
            at_ms(500, teller, called(2)),
            at_ms(520, li, called(2)),
            at_ms(520, li, Kind::AtCounter { ticket: 2 }),
            at_ms(520, teller, Kind::AtCounter { ticket: 2 }),
            at_ms(
                700,
                zhang,
                Kind::Errand {
                    dur_us: 200_000,
                    cpu_us: None,
                },
            ),
            at_ms(700, zhang, Kind::Leave),
            at_ms(920, teller, served(2)),
            at_ms(920, li, served(2)),
            at_ms(920, li, Kind::Leave),
        ];
        let mut trace = model::trace(Style::SyncBlocking, true, scenario, events);
        trace.metrics = metrics::compute(&trace, 900.0, Default::default());
        trace
    }

    /// `lane`'s stretches as (start, end, state).
    fn stretches(so_far: &SoFar, lane: Lane) -> Vec<(f64, f64, State)> {
        so_far
            .lanes
            .iter()
            .find(|l| l.lane == lane)
            .map(|l| {
                l.segments
                    .iter()
                    .map(|s| (s.start_ms, s.end_ms, s.state))
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    fn every_lane_ends_at_the_moment_and_a_visit_under_way_reaches_it() {
        let trace = scene();
        let now = at(&trace, 300.0);
        assert_eq!(
            stretches(&now, Lane::Customer(0)),
            [
                (0.0, 100.0, State::InLine),
                (100.0, 300.0, State::AtCounter)
            ]
        );
        assert_eq!(
            stretches(&now, Lane::Customer(1)),
            [
                (50.0, 60.0, State::InLine),
                (60.0, 260.0, State::Errand),
                (260.0, 300.0, State::InLine)
            ]
        );
        assert_eq!(
            stretches(&now, Lane::Teller(1)),
            [
                (100.0, 100.0, State::Calling),
                (100.0, 300.0, State::Serving)
            ],
            "HERE came at once; the service is under way"
        );
        assert!(
            now.lanes
                .iter()
                .all(|l| l.outcome.is_none() && l.marks.is_empty()),
            "nobody is abandoned who is still in the bank"
        );
        let ends = now
            .lanes
            .iter()
            .flat_map(|l| l.segments.iter().map(|s| s.end_ms));
        assert!(ends.into_iter().all(|end| end <= 300.0));
        assert_eq!(
            now.count,
            Count {
                not_yet: 0,
                waiting: 1,
                at_counter: 1,
                done: 0
            }
        );
    }

    #[test]
    fn an_errand_under_way_is_cut_at_the_moment() {
        let now = at(&scene(), 160.0);
        assert_eq!(
            stretches(&now, Lane::Customer(1)),
            [(50.0, 60.0, State::InLine), (60.0, 160.0, State::Errand)]
        );
        // Before anyone came in, nothing at all.
        let start = at(&scene(), 0.0);
        assert_eq!(start.count.not_yet, 1, "李四 comes at 50");
        assert_eq!(stretches(&start, Lane::Customer(1)), []);
    }

    #[test]
    fn the_figures_so_far_count_only_what_had_happened() {
        let trace = scene();
        let early = at(&trace, 300.0);
        assert_eq!((early.metrics.served, early.metrics.abandoned), (0, 0));
        assert_eq!(early.metrics.makespan_ms, 0.0);
        assert!(
            early.metrics.efficiency.is_nan(),
            "not known before the end"
        );
        let middle = at(&trace, 600.0);
        assert_eq!((middle.metrics.served, middle.metrics.abandoned), (1, 0));
        assert_eq!(middle.metrics.makespan_ms, 500.0);
        assert_eq!(middle.metrics.mean_wait_ms, 100.0);
        assert_eq!(
            stretches(&middle, Lane::Customer(0)).last(),
            Some(&(500.0, 600.0, State::Errand)),
            "after DONE, the errand until they leave"
        );
        assert_eq!(middle.count.done, 1);
        let end = at(&trace, 920.0);
        assert_eq!(end.metrics, trace.metrics, "at the end, the run's own");
        assert_eq!(end.lanes, model::lanes(&trace));
        assert_eq!(end.count.done, 2);
    }

    #[test]
    fn a_recording_still_going_on_reads_the_same_as_the_trace_cut_there() {
        let trace = scene();
        let recorded: Vec<Event> = trace
            .events
            .iter()
            .filter(|e| e.t_us <= 300_000)
            .cloned()
            .collect();
        let live = recording(trace.style, &trace.scenario, &recorded, 300.0, 900.0);
        let replay = at(&trace, 300.0);
        assert_eq!(
            stretches(&live, Lane::Customer(0)),
            stretches(&replay, Lane::Customer(0))
        );
        assert_eq!(
            stretches(&live, Lane::Teller(1)),
            stretches(&replay, Lane::Teller(1))
        );
        assert_eq!(live.count, replay.count);
    }
}
