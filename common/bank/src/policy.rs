//! Which ticket a free teller calls next: the scheduling policy.
//!
//! The lecture's section 3 lists the classic policies: first come first
//! served (先来先服务, FCFS), shortest job first (短作业优先, SJF), round robin
//! (时间片轮转, RR) and multilevel feedback queues (多级反馈队列, MLFQ). The
//! bank and the ideal-schedule simulator both choose through this one small
//! interface, so a policy written once is run for real and simulated alike.
//!
//! A [`Turn`] says how long to serve before the teller must stop. Under FCFS
//! that is the whole service; a preemptive policy (round robin) will return a
//! time slice and take the ticket back with [`Policy::requeue`].

use std::collections::VecDeque;
use std::time::Duration;

use timeline::TicketNo;
pub use timeline::scenario::PolicyKind;

/// A ticket in the queue, as the policy sees it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Waiting {
    /// The ticket number: also the order of arrival.
    pub ticket: TicketNo,
    /// Service still owed to this ticket.
    pub remaining: Duration,
}

/// The policy's answer to a free teller: whom to call, and for how long.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Turn {
    /// The ticket to call.
    pub ticket: TicketNo,
    /// How long to serve it in this turn (the whole remaining service under FCFS).
    pub serve_for: Duration,
}

/// A scheduling policy: a queue with an opinion about who goes next.
pub trait Policy: Send {
    /// A short name for traces and tables, such as `"fcfs"`.
    fn name(&self) -> &'static str;
    /// A ticket joins the queue.
    fn enqueue(&mut self, waiting: Waiting);
    /// A ticket that was served for part of its turn comes back (preemptive policies).
    fn requeue(&mut self, waiting: Waiting) {
        self.enqueue(waiting);
    }
    /// The next turn for a free teller, if anyone is waiting.
    fn next(&mut self) -> Option<Turn>;
    /// A waiting ticket gave up (its customer left); `true` if it was queued.
    fn remove(&mut self, ticket: TicketNo) -> bool;
    /// How many tickets wait.
    fn len(&self) -> usize;
    /// Whether nobody waits.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// First come, first served (先来先服务): tickets are called in the order they were taken.
#[derive(Debug, Default)]
pub struct Fcfs {
    /// The queue in ticket order.
    queue: VecDeque<Waiting>,
}

impl Policy for Fcfs {
    fn name(&self) -> &'static str {
        "fcfs"
    }

    fn enqueue(&mut self, waiting: Waiting) {
        self.queue.push_back(waiting);
    }

    fn next(&mut self) -> Option<Turn> {
        self.queue.pop_front().map(|w| Turn {
            ticket: w.ticket,
            serve_for: w.remaining,
        })
    }

    fn remove(&mut self, ticket: TicketNo) -> bool {
        match self.queue.iter().position(|w| w.ticket == ticket) {
            Some(at) => self.queue.remove(at).is_some(),
            None => false,
        }
    }

    fn len(&self) -> usize {
        self.queue.len()
    }
}

/// A fresh, empty queue that follows `kind`.
pub fn queue(kind: PolicyKind) -> Box<dyn Policy> {
    match kind {
        PolicyKind::Fcfs => Box::new(Fcfs::default()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_policy_is_said_as_its_flag_names_it() {
        use clap::ValueEnum as _;
        for kind in PolicyKind::value_variants() {
            let flag = kind
                .to_possible_value()
                .expect("every policy is a flag value");
            assert_eq!(kind.to_string(), flag.get_name());
        }
    }

    fn waiting(ticket: TicketNo, ms: u64) -> Waiting {
        Waiting {
            ticket,
            remaining: Duration::from_millis(ms),
        }
    }

    #[test]
    fn fcfs_calls_in_ticket_order_and_skips_the_departed() {
        let mut q = queue(PolicyKind::Fcfs);
        for t in 1..=4 {
            q.enqueue(waiting(t, 10 * t));
        }
        assert!(q.remove(2));
        assert!(!q.remove(2));
        let order: Vec<_> = std::iter::from_fn(|| q.next()).collect();
        assert_eq!(
            order.iter().map(|t| t.ticket).collect::<Vec<_>>(),
            [1, 3, 4]
        );
        assert_eq!(order[1].serve_for, Duration::from_millis(30));
        assert!(q.is_empty());
    }
}
