//! The ideal schedule: the same scenario and policy, with instant reactions
//! and exact service times.
//!
//! No real run can beat it: every teller starts serving the moment it calls,
//! serves exactly as long as the policy's turn says, and a `PAUSE` sends the
//! customer back to the queue at that instant. A run's `efficiency` (the
//! tellers') is this makespan divided by the real one, so 1.0 is the
//! physical limit and the gap is what the waiting style (and the machine)
//! cost the tellers, under the same policy: slices and preemptions exactly
//! as the policy says.
//!
//! The simulation goes from moment to moment. At each, in this order (the
//! order OSTEP's `mlfq.py` keeps within a tick, so that one teller gives
//! exactly `scheduling`'s answer): turns whose time is up end, a ticket
//! still owed service going back to the queue; MLFQ's boost, if due; the
//! customers who walk in now take their tickets, in ticket order; the
//! policy takes back the counters it wants (a newcomer to a higher queue);
//! and every free teller, the lowest number first, calls the next turn.

use std::collections::HashMap;
use std::time::Duration;

use crate::policy::{Policy, Waiting};
use crate::protocol::millis;
use timeline::Scenario;
pub use timeline::schedule::{Schedule, Turn};
use timeline::{TellerNo, TicketNo};

/// A teller's turn in progress.
#[derive(Clone, Copy, Debug)]
struct Serving {
    /// The ticket served.
    ticket: TicketNo,
    /// Since when.
    start: Duration,
    /// When the turn is up, unless the policy takes the counter back sooner.
    until: Duration,
}

/// The simulated bank at one moment.
struct Bank<'a> {
    /// Who goes next.
    policy: Box<dyn Policy>,
    /// Each teller's turn in progress, teller 1 first.
    tellers: Vec<Option<Serving>>,
    /// Service still owed, by ticket, to everyone in the bank.
    owed: HashMap<TicketNo, Duration>,
    /// Each ticket's customer (their index in the scenario).
    customer_of: &'a HashMap<TicketNo, u32>,
    /// The turns served so far.
    turns: Vec<Turn>,
}

impl Bank<'_> {
    /// Teller `teller` (from 0) ends its turn at `now`: the ticket leaves,
    /// or goes back to the queue still owed the rest.
    fn end_turn(&mut self, teller: usize, now: Duration) {
        let Some(s) = self.tellers[teller].take() else {
            return;
        };
        let served = now - s.start;
        if !served.is_zero() {
            self.turns.push(Turn {
                customer: self.customer_of.get(&s.ticket).copied().unwrap_or(0),
                teller: TellerNo::try_from(teller + 1).unwrap_or(TellerNo::MAX),
                start_ms: ms(s.start),
                end_ms: ms(now),
            });
        }
        let left = self
            .owed
            .get(&s.ticket)
            .map_or(Duration::ZERO, |owed| owed.saturating_sub(served));
        if left.is_zero() {
            self.owed.remove(&s.ticket);
            self.policy.forget(s.ticket);
        } else {
            self.owed.insert(s.ticket, left);
            let waiting = Waiting {
                ticket: s.ticket,
                remaining: left,
            };
            self.policy.requeue(waiting, served);
        }
    }

    /// Whether anyone is in the bank: waiting, or at a counter.
    fn busy(&self) -> bool {
        !self.owed.is_empty()
    }
}

/// Runs the scenario's policy with instant reactions and exact service times.
pub fn schedule(scenario: &Scenario) -> Schedule {
    // Tickets follow arrival order, as at the real bank's door.
    let mut arrivals: Vec<_> = scenario.customers.iter().collect();
    arrivals.sort_by(|a, b| a.arrive_ms.total_cmp(&b.arrive_ms).then(a.id.cmp(&b.id)));
    let customer_of: HashMap<TicketNo, u32> = (1..).zip(arrivals.iter().map(|c| c.id)).collect();
    let boost = scenario
        .slices
        .and_then(|s| s.boost_ms)
        .map(millis)
        .filter(|every| !every.is_zero());
    let mut next_boost = boost;
    let mut next_arrival = 0;
    let mut bank = Bank {
        policy: crate::policy::queue(scenario.policy, scenario.slices.as_ref()),
        tellers: vec![None; scenario.tellers.max(1) as usize],
        owed: HashMap::new(),
        customer_of: &customer_of,
        turns: Vec::with_capacity(arrivals.len()),
    };

    loop {
        // The next moment anything happens (a boost only matters to someone).
        let moments = [
            bank.tellers.iter().flatten().map(|s| s.until).min(),
            arrivals.get(next_arrival).map(|c| millis(c.arrive_ms)),
            next_boost.filter(|_| bank.busy()),
        ];
        let Some(now) = moments.into_iter().flatten().min() else {
            break;
        };
        // 1. Turns whose time is up.
        for teller in 0..bank.tellers.len() {
            if bank.tellers[teller].is_some_and(|s| s.until == now) {
                bank.end_turn(teller, now);
            }
        }
        // 2. The boost, if due now; the next one at the next multiple.
        if let (Some(due), Some(every)) = (next_boost, boost) {
            if due == now {
                bank.policy.boost();
            }
            if due <= now {
                next_boost = Some(first_multiple_after(now, every));
            }
        }
        // 3. Newcomers, in ticket order.
        while let Some(c) = arrivals
            .get(next_arrival)
            .filter(|c| millis(c.arrive_ms) <= now)
        {
            next_arrival += 1;
            let ticket = next_arrival as TicketNo;
            let owed = millis(c.service_ms);
            bank.owed.insert(ticket, owed);
            bank.policy.enqueue(Waiting {
                ticket,
                remaining: owed,
            });
        }
        // 4. The counters the policy wants back.
        for ticket in bank.policy.to_pause(bank.tellers.len()) {
            let at = bank
                .tellers
                .iter()
                .position(|s| s.is_some_and(|s| s.ticket == ticket));
            if let Some(teller) = at {
                bank.end_turn(teller, now);
            }
        }
        // 5. Every free teller, the lowest number first, calls the next turn.
        for slot in bank.tellers.iter_mut().filter(|s| s.is_none()) {
            let Some(turn) = bank.policy.next() else {
                break;
            };
            *slot = Some(Serving {
                ticket: turn.ticket,
                start: now,
                until: now + turn.serve_for,
            });
        }
    }
    Schedule {
        makespan_ms: bank.turns.iter().map(|v| v.end_ms).fold(0.0, f64::max),
        turns: bank.turns,
    }
}

/// The first multiple of `every` after `now`: boosts come at `every`,
/// twice `every`, ... from the start.
fn first_multiple_after(now: Duration, every: Duration) -> Duration {
    let k = now.as_nanos() / every.as_nanos() + 1;
    Duration::from_nanos(u64::try_from(k * every.as_nanos()).unwrap_or(u64::MAX))
}

/// A duration in milliseconds, as a schedule counts (whole milliseconds
/// exactly).
fn ms(d: Duration) -> f64 {
    d.as_nanos() as f64 / 1e6
}

#[cfg(test)]
mod tests {
    use super::*;
    use timeline::scenario::{Generate, ServiceTime};

    #[test]
    fn the_lecture_scene_has_a_known_ideal() {
        // 6 customers 100 ms apart, 2 tellers, 400 ms each:
        // 0-400 | 100-500 | 400-800 | 500-900 | 800-1200 | 900-1300.
        let s = schedule(&Generate::default().scenario());
        assert_eq!(s.makespan_ms, 1300.0);
        let starts: Vec<_> = s.turns.iter().map(|v| v.start_ms).collect();
        assert_eq!(starts, [0.0, 100.0, 400.0, 500.0, 800.0, 900.0]);
        assert_eq!(s.turns[2].teller, 1);
        assert_eq!(s.turns[3].teller, 2);
    }

    #[test]
    fn idle_tellers_wait_for_late_arrivals() {
        let s = schedule(
            &Generate {
                customers: 3,
                tellers: 4,
                arrival_gap_ms: 1000.0,
                ..Generate::default()
            }
            .scenario(),
        );
        assert_eq!(s.makespan_ms, 2400.0);
    }

    #[test]
    fn the_big_scene_of_the_scale_benchmark() {
        // 10,000 customers, 8 tellers, 10 ms each, arriving over the first second.
        let s = schedule(
            &Generate {
                customers: 10_000,
                tellers: 8,
                service: ServiceTime::Fixed(10.0),
                arrival_gap_ms: 0.1,
                ..Generate::default()
            }
            .scenario(),
        );
        // 100 s of service over 8 tellers, plus the first tellers' wait for arrivals.
        assert!(
            (12_500.0..12_501.0).contains(&s.makespan_ms),
            "{}",
            s.makespan_ms
        );
    }
}
