//! The ideal schedule: the same scenario and policy, with instant reactions
//! and exact service times.
//!
//! No real run can beat it: every teller starts serving the moment it calls,
//! and serves exactly as long as asked. A run's `efficiency` (the tellers')
//! is this makespan divided by the real one, so 1.0 is the physical limit
//! and the gap is what the waiting style (and the machine) cost the tellers.

use std::collections::HashMap;
use std::time::Duration;

use crate::policy::Waiting;
use timeline::Scenario;
use timeline::TellerNo;
pub use timeline::schedule::{Schedule, Visit};

/// Runs the scenario's policy with instant reactions and exact service times.
pub fn schedule(scenario: &Scenario) -> Schedule {
    let mut policy = crate::policy::queue(scenario.policy);
    // Tickets follow arrival order, as at the real bank's door.
    let mut arrivals: Vec<_> = scenario.customers.iter().collect();
    arrivals.sort_by(|a, b| a.arrive_ms.total_cmp(&b.arrive_ms).then(a.id.cmp(&b.id)));
    let by_ticket: HashMap<u64, &timeline::scenario::Customer> =
        arrivals.iter().zip(1..).map(|(c, n)| (n, *c)).collect();
    let mut next_arrival = 0;
    let mut free_at = vec![0.0_f64; scenario.tellers.max(1) as usize];
    let mut visits = Vec::with_capacity(arrivals.len());

    loop {
        // The teller free soonest takes the next turn (the lowest number on a tie).
        let (teller, &free) = free_at
            .iter()
            .enumerate()
            .min_by(|a, b| a.1.total_cmp(b.1))
            .expect("a bank has at least one teller");
        let mut now = free;
        if policy.is_empty() {
            match arrivals.get(next_arrival) {
                Some(c) => now = now.max(c.arrive_ms),
                None => break,
            }
        }
        while let Some(c) = arrivals.get(next_arrival).filter(|c| c.arrive_ms <= now) {
            next_arrival += 1;
            policy.enqueue(Waiting {
                ticket: next_arrival as u64,
                remaining: Duration::from_secs_f64(c.service_ms / 1000.0),
            });
        }
        let Some(turn) = policy.next() else { continue };
        let customer = by_ticket[&turn.ticket];
        let end = now + turn.serve_for.as_secs_f64() * 1000.0;
        visits.push(Visit {
            customer: customer.id,
            teller: TellerNo::try_from(teller + 1).unwrap_or(TellerNo::MAX),
            start_ms: now,
            end_ms: end,
        });
        free_at[teller] = end;
    }
    Schedule {
        makespan_ms: visits.iter().map(|v| v.end_ms).fold(0.0, f64::max),
        visits,
    }
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
        let starts: Vec<_> = s.visits.iter().map(|v| v.start_ms).collect();
        assert_eq!(starts, [0.0, 100.0, 400.0, 500.0, 800.0, 900.0]);
        assert_eq!(s.visits[2].teller, 1);
        assert_eq!(s.visits[3].teller, 2);
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
