//! Where the tellers' time went: the teller time beyond the services asked,
//! cut into overrun, reaction, gap and idle ([`TellerLoss`]).
//!
//! Each teller's day, from the run's start (0) to the makespan, is measured
//! in whole microseconds and every moment of it is given to exactly one
//! kind of time, in this order:
//!
//! | kind     | when                                            | becomes  |
//! |----------|-------------------------------------------------|----------|
//! | serving  | a serving stretch (`HERE` to `DONE`)            | the services asked, and the overrun |
//! | calling  | a calling stretch (`CALL` to `HERE`)            | reaction |
//! | free     | neither, while some customer waited to be called | gap     |
//! | free     | neither, and nobody waiting                      | idle    |
//!
//! So the four kinds fill each teller's day exactly, and `overrun +
//! reaction + gap + idle` is `tellers × makespan − Σ services asked` to the
//! microsecond. The stretches are lists, not one call per customer: a visit
//! served in several slices (round robin's `PAUSE`, then `CALL` again) adds
//! more serving and calling stretches to a teller's day, and more waiting
//! stretches to the customer's, and is measured the same way.

use super::span::{self, Span};
use super::waiting;
use crate::scenario::Scenario;
use crate::schedule::Schedule;
use crate::trace::{Outcome, Reactions, TellerLoss, Trace};

/// One teller's day, as stretches.
#[derive(Debug, Default)]
struct Day {
    /// Serving a customer, from `HERE` to `DONE` (or to `PAUSE`).
    serving: Vec<Span>,
    /// Waiting for a called customer, from `CALL` to `HERE`.
    calling: Vec<Span>,
}

/// Everything the breakdown is measured from.
#[derive(Debug)]
struct Days {
    /// Each teller's day.
    tellers: Vec<Day>,
    /// Every stretch in which a customer waited to be called, whoever it was.
    waiting: Vec<Span>,
    /// Σ services asked by the customers served.
    asked: i64,
    /// The end of every teller's day: the last `DONE`.
    makespan: i64,
    /// When the last customer walked in: calls made up to it were made
    /// while customers were still arriving.
    last_arrival: i64,
}

/// The breakdown of a run from its records: the tellers' serving and
/// calling stretches, the customers' waits, the services the served asked.
pub fn of_run(trace: &Trace, makespan_ms: f64) -> TellerLoss {
    let day = |serving: &[[f64; 2]], calling: &[[f64; 2]]| Day {
        serving: serving.iter().map(|&[a, b]| Span::of_ms(a, b)).collect(),
        calling: calling.iter().map(|&[a, b]| Span::of_ms(a, b)).collect(),
    };
    let mut tellers: Vec<Day> = trace
        .tellers
        .iter()
        .map(|t| day(&t.busy, &t.calling))
        .collect();
    let count = usize::try_from(trace.scenario.tellers).unwrap_or(usize::MAX);
    if tellers.len() < count {
        tellers.resize_with(count, Day::default);
    }
    let asked = trace
        .customers
        .iter()
        .filter(|c| c.outcome == Outcome::Served)
        .filter_map(|c| trace.scenario.customers.get(c.id as usize))
        .map(|c| span::us(c.service_ms))
        .sum();
    measure(&Days {
        tellers,
        waiting: trace.customers.iter().flat_map(waiting).collect(),
        asked,
        makespan: span::us(makespan_ms),
        last_arrival: last(trace.customers.iter().filter_map(|c| c.arrive_ms)),
    })
}

/// The breakdown of a schedule (the ideal one): its turns are the tellers'
/// serving, nobody is ever called in vain, and each customer waits from
/// arrival to their turn.
pub fn of_schedule(scenario: &Scenario, schedule: &Schedule) -> TellerLoss {
    let mut tellers: Vec<Day> = (0..scenario.tellers.max(1))
        .map(|_| Day::default())
        .collect();
    let mut waiting = Vec::new();
    let mut asked = 0;
    for v in &schedule.turns {
        let Some(day) = (v.teller as usize)
            .checked_sub(1)
            .and_then(|i| tellers.get_mut(i))
        else {
            continue;
        };
        day.serving.push(Span::of_ms(v.start_ms, v.end_ms));
        if let Some(c) = scenario.customers.get(v.customer as usize) {
            waiting.push(Span::of_ms(c.arrive_ms, v.start_ms));
            asked += span::us(c.service_ms);
        }
    }
    measure(&Days {
        tellers,
        waiting,
        asked,
        makespan: span::us(schedule.makespan_ms),
        last_arrival: last(scenario.customers.iter().map(|c| c.arrive_ms)),
    })
}

/// The latest of `arrivals` (ms), in µs; 0 without any.
fn last(arrivals: impl Iterator<Item = f64>) -> i64 {
    span::us(arrivals.fold(0.0, f64::max))
}

/// Gives every moment of every teller's day to one kind of time, and adds
/// them up (see the module's table).
fn measure(days: &Days) -> TellerLoss {
    let day = Span {
        from: 0,
        to: days.makespan.max(0),
    };
    let waiting = span::union(days.waiting.iter().copied(), day);
    let someone_waiting = span::covered(&waiting);
    let (mut serving, mut calling, mut gap, mut idle) = (0, 0, 0, 0);
    for teller in &days.tellers {
        let served = span::covered(&span::union(teller.serving.iter().copied(), day));
        let busy = span::union(teller.serving.iter().chain(&teller.calling).copied(), day);
        let busy_len = span::covered(&busy);
        let free_while_waiting = someone_waiting - span::shared(&waiting, &busy);
        serving += served;
        calling += busy_len - served;
        gap += free_while_waiting;
        idle += day.duration() - busy_len - free_while_waiting;
    }
    let tellers = i64::try_from(days.tellers.len()).unwrap_or(i64::MAX);
    let total = tellers * day.duration() - days.asked;
    let overrun = serving - days.asked;
    debug_assert_eq!(overrun + calling + gap + idle, total);
    let (mut arriving, mut after) = (Vec::new(), Vec::new());
    for call in days.tellers.iter().flat_map(|t| &t.calling) {
        let phase = if call.from <= days.last_arrival {
            &mut arriving
        } else {
            &mut after
        };
        phase.push(call.duration());
    }
    TellerLoss {
        total_ms: span::ms(total),
        overrun_ms: span::ms(overrun),
        reaction_ms: span::ms(calling),
        gap_ms: span::ms(gap),
        idle_ms: span::ms(idle),
        reaction_arriving: reactions(arriving),
        reaction_after: reactions(after),
    }
}

/// The median and the 99th percentile of `reactions` (µs), by nearest rank.
fn reactions(mut reactions: Vec<i64>) -> Reactions {
    reactions.sort_unstable();
    let rank = |p: f64| {
        // The smallest value with at least p of them at or below it.
        let n = reactions.len() as f64;
        let at = ((p * n).ceil() as usize).clamp(1, reactions.len().max(1)) - 1;
        reactions.get(at).copied().map_or(0.0, span::ms)
    };
    Reactions {
        calls: u32::try_from(reactions.len()).unwrap_or(u32::MAX),
        p50_ms: rank(0.5),
        p99_ms: rank(0.99),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::Turn;

    fn span(from: i64, to: i64) -> Span {
        Span { from, to }
    }

    /// One teller, two customers asking 100 µs each. The first waits from 0,
    /// is called at 10, reaches the counter at 30 and is done at 140
    /// (overrun 10); the second, in since 100, waits through the free time
    /// from 140 to the call at 150, is here at 155 and done at 260 (overrun 5).
    #[test]
    fn every_moment_goes_to_one_kind_of_time() {
        let loss = measure(&Days {
            tellers: vec![Day {
                serving: vec![span(30, 140), span(155, 260)],
                calling: vec![span(10, 30), span(150, 155)],
            }],
            waiting: vec![span(0, 10), span(100, 150)],
            asked: 200,
            makespan: 260,
            last_arrival: 100,
        });
        assert_eq!(loss.total_ms, span::ms(260 - 200));
        assert_eq!(loss.overrun_ms, span::ms(215 - 200));
        assert_eq!(loss.reaction_ms, span::ms(25));
        assert_eq!(
            loss.gap_ms,
            span::ms(10 + 10),
            "0-10 before the first call, 140-150 before the second"
        );
        assert_eq!(loss.idle_ms, span::ms(0));
        assert_eq!(
            (loss.reaction_arriving.calls, loss.reaction_after.calls),
            (1, 1)
        );
        assert_eq!(loss.reaction_arriving.p50_ms, span::ms(20));
        assert_eq!(loss.reaction_after.p99_ms, span::ms(5));
    }

    #[test]
    fn a_teller_calling_while_serving_is_serving_and_time_past_the_makespan_is_not_counted() {
        let loss = measure(&Days {
            tellers: vec![
                Day {
                    // Stretches rebuilt from the customers' side may overlap.
                    serving: vec![span(0, 50), span(40, 120)],
                    calling: vec![span(30, 60)],
                },
                Day::default(),
            ],
            waiting: vec![span(20, 90)],
            asked: 100,
            makespan: 100,
            last_arrival: 20,
        });
        assert_eq!(loss.overrun_ms, span::ms(0), "serving 0-100, asked 100");
        assert_eq!(loss.reaction_ms, 0.0, "the call fell while serving");
        assert_eq!(loss.gap_ms, span::ms(70), "the second teller, 20-90");
        assert_eq!(loss.idle_ms, span::ms(30));
        assert_eq!(loss.total_ms, span::ms(2 * 100 - 100));
    }

    #[test]
    fn percentiles_are_by_nearest_rank() {
        let r = reactions((1..=200).rev().collect());
        assert_eq!(
            (r.calls, r.p50_ms, r.p99_ms),
            (200, span::ms(100), span::ms(198))
        );
        // Where p × n is not whole, the rank rounds up: of three, the 2nd and the 3rd.
        let three = reactions(vec![30, 10, 20]);
        assert_eq!((three.p50_ms, three.p99_ms), (span::ms(20), span::ms(30)));
        let one = reactions(vec![7]);
        assert_eq!((one.p50_ms, one.p99_ms), (span::ms(7), span::ms(7)));
        assert_eq!(reactions(Vec::new()), Reactions::default());
    }

    #[test]
    fn the_ideal_schedule_loses_only_idle_time() {
        // The lecture's scene: a customer every 100 ms, 400 ms each, two
        // tellers each serving back to back from their first customer on.
        let scenario = crate::scenario::Generate::default().scenario();
        let turns = [
            (0, 1, 0.0),
            (1, 2, 100.0),
            (2, 1, 400.0),
            (3, 2, 500.0),
            (4, 1, 800.0),
            (5, 2, 900.0),
        ];
        let served: Vec<Turn> = turns
            .iter()
            .map(|&(customer, teller, start_ms)| Turn {
                customer,
                teller,
                start_ms,
                end_ms: start_ms + 400.0,
            })
            .collect();
        let schedule = Schedule {
            makespan_ms: 1300.0,
            turns: served,
        };
        let loss = of_schedule(&scenario, &schedule);
        assert_eq!(loss.total_ms, 2.0 * 1300.0 - 6.0 * 400.0);
        assert_eq!(
            (loss.overrun_ms, loss.reaction_ms, loss.gap_ms),
            (0.0, 0.0, 0.0),
            "a free teller takes whoever waits at once"
        );
        assert_eq!(loss.idle_ms, loss.total_ms);
    }
}
