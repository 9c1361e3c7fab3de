//! Who goes next, and for how long: the scheduling policy (调度算法).
//!
//! In the bank the teller is the CPU and the customers are the processes,
//! so the lecture's section 3 (进程调度) is the bank's rule for calling:
//!
//! | policy | 中文 | a free teller calls | for |
//! |---|---|---|---|
//! | [`Fcfs`] | 先来先服务 | the ticket taken first | the whole service |
//! | [`Sjf`] | 短作业优先 | the shortest service stated in `TICKET` | the whole service |
//! | [`RoundRobin`] | 时间片轮转 | the head of the queue | one slice, then `PAUSE` and the tail |
//! | [`Mlfq`] | 多级反馈队列 | the head of the highest non-empty queue | that queue's slice |
//!
//! The bank ([`lobby`](crate::lobby)) and the ideal schedule
//! ([`ideal`](crate::ideal)) both choose through this one small interface,
//! so a policy written once is run for real and simulated alike.
//!
//! A ticket is *waiting* from [`Policy::enqueue`] until a teller takes it
//! with [`Policy::next`], and *at a counter* from then on: until its turn
//! ends with `PAUSE` ([`Policy::requeue`], waiting again) or for good
//! ([`Policy::forget`]: `DONE`, or given up). A [`Turn`] says how long the
//! teller may serve before it must stop. Under FCFS and SJF that is the
//! whole service, and a ticket is called once; under round robin and MLFQ
//! it is a time slice, and a ticket is called as many times as it takes.
//!
//! MLFQ also takes a counter back before the slice is over:
//! [`Policy::to_pause`] names the tickets at a counter that the policy no
//! longer ranks among the first `tellers` (a newcomer to a higher queue
//! came in, rule (3) of the lecture; or a boost reshuffled everyone), and
//! the bank's teller says `PAUSE` early to each. The rest of the slice is
//! kept, and the ticket its place: at the head of its queue, where it is
//! called again first once its queue's turn comes (as in OSTEP's
//! `mlfq.py`, and in `scheduling mlfq`; the lecture sends it to the tail).

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::time::Duration;

use crate::protocol::millis;
use timeline::TicketNo;
pub use timeline::scenario::{PolicyKind, Slices};

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
    /// How long to serve it in this turn: the whole remaining service, or
    /// at most a time slice (round robin, MLFQ).
    pub serve_for: Duration,
}

/// A scheduling policy: a queue with an opinion about who goes next.
pub trait Policy: Send {
    /// A short name for traces and tables, such as `"fcfs"`.
    fn name(&self) -> &'static str;
    /// A new ticket joins the queue.
    fn enqueue(&mut self, waiting: Waiting);
    /// The next turn for a free teller, if anyone waits. Its ticket is at a
    /// counter from now until [`requeue`](Policy::requeue) or
    /// [`forget`](Policy::forget).
    fn next(&mut self) -> Option<Turn>;
    /// A ticket's turn ended with `PAUSE` after `served` of it: the ticket
    /// waits again, still owed `waiting.remaining`. (Only a policy whose
    /// turns can be shorter than the service sees this.)
    fn requeue(&mut self, waiting: Waiting, served: Duration) {
        let _ = served;
        self.enqueue(waiting);
    }
    /// A ticket left its counter for good: served in full, or given up.
    fn forget(&mut self, ticket: TicketNo) {
        let _ = ticket;
    }
    /// A ticket gave up (its customer left): the policy forgets it,
    /// wherever it is. `true` if it was waiting; `false` if it was at a
    /// counter, or unknown.
    fn remove(&mut self, ticket: TicketNo) -> bool;
    /// The tickets at a counter that must give it up now, in a bank of
    /// `tellers` counters: none, unless the policy preempts (MLFQ).
    fn to_pause(&self, tellers: usize) -> Vec<TicketNo> {
        let _ = tellers;
        Vec::new()
    }
    /// Every ticket back to the top queue with a fresh slice (MLFQ's boost;
    /// nothing for the others).
    fn boost(&mut self) {}
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

/// Shortest job first (短作业优先): the waiting ticket with the shortest
/// service, as its customer stated it in `TICKET`, is called next and
/// served in full (non-preemptive). Equal services go in ticket order.
#[derive(Debug, Default)]
pub struct Sjf {
    /// The waiting tickets, shortest service first, then by ticket.
    queue: BTreeSet<(Duration, TicketNo)>,
    /// Each waiting ticket's service, to find it when its customer leaves.
    service: HashMap<TicketNo, Duration>,
}

impl Policy for Sjf {
    fn name(&self) -> &'static str {
        "sjf"
    }

    fn enqueue(&mut self, waiting: Waiting) {
        self.queue.insert((waiting.remaining, waiting.ticket));
        self.service.insert(waiting.ticket, waiting.remaining);
    }

    fn next(&mut self) -> Option<Turn> {
        let (serve_for, ticket) = self.queue.pop_first()?;
        self.service.remove(&ticket);
        Some(Turn { ticket, serve_for })
    }

    fn remove(&mut self, ticket: TicketNo) -> bool {
        match self.service.remove(&ticket) {
            Some(service) => self.queue.remove(&(service, ticket)),
            None => false,
        }
    }

    fn len(&self) -> usize {
        self.queue.len()
    }
}

/// Round robin (时间片轮转): the line of FCFS, with turns of one slice at
/// most; if that does not finish a ticket, `PAUSE`, and it goes to the tail
/// (排到就绪队列的末尾). With a slice at least the longest service, it is
/// FCFS (则轮转法变成了先来先服务法).
#[derive(Debug)]
pub struct RoundRobin {
    /// The waiting tickets, head first.
    line: Fcfs,
    /// The time slice.
    quantum: Duration,
}

impl RoundRobin {
    /// An empty queue whose turns last at most `quantum`.
    pub fn new(quantum: Duration) -> RoundRobin {
        RoundRobin {
            line: Fcfs::default(),
            quantum,
        }
    }
}

impl Policy for RoundRobin {
    fn name(&self) -> &'static str {
        "rr"
    }

    fn enqueue(&mut self, waiting: Waiting) {
        self.line.enqueue(waiting);
    }

    fn next(&mut self) -> Option<Turn> {
        let turn = self.line.next()?;
        Some(Turn {
            serve_for: turn.serve_for.min(self.quantum),
            ..turn
        })
    }

    fn remove(&mut self, ticket: TicketNo) -> bool {
        self.line.remove(ticket)
    }

    fn len(&self) -> usize {
        self.line.len()
    }
}

/// The multilevel feedback queue (多级反馈队列), by the lecture's rules:
///
/// 1. several queues, the first the highest; each queue's slice is twice
///    the one above;
/// 2. a newcomer joins the tail of the first queue; a ticket that uses up
///    its slice moves to the tail of the next queue down (in the last, it
///    goes round robin);
/// 3. a queue is served only when every queue above is empty, and a
///    newcomer to a higher queue takes a counter from a ticket of a lower
///    one ([`Policy::to_pause`]).
///
/// The customer need not say how long their business takes: the policy
/// learns it. And, every so often, a boost brings everyone back to the
/// top, so that no long business waits below for ever.
///
/// A ticket at a counter keeps its place in its queue: the first `tellers`
/// tickets in the queues' order are the ones that should be at a counter.
#[derive(Debug)]
pub struct Mlfq {
    /// Each queue's tickets in order, the top queue first; a ticket at a
    /// counter stays in its place.
    queues: Vec<VecDeque<TicketNo>>,
    /// Each queue's time slice, the top queue's first.
    slices: Vec<Duration>,
    /// Where each ticket the policy knows stands.
    standing: HashMap<TicketNo, Standing>,
    /// The tickets at a counter.
    at_counter: HashSet<TicketNo>,
}

/// One ticket's standing in the MLFQ.
#[derive(Clone, Copy, Debug)]
struct Standing {
    /// Its queue: 0 is the top.
    level: usize,
    /// What is left of its slice at that level.
    slice_left: Duration,
    /// Service still owed.
    remaining: Duration,
    /// A boost came while it was at a counter: its turn was given under the
    /// old standing, so it must pause, and starts afresh.
    boosted: bool,
}

impl Mlfq {
    /// Empty queues with these slices, the top queue's first (at least one).
    pub fn new(slices: Vec<Duration>) -> Mlfq {
        let slices = if slices.is_empty() {
            vec![millis(timeline::scenario::defaults::QUANTUM_MS)]
        } else {
            slices
        };
        Mlfq {
            queues: vec![VecDeque::new(); slices.len()],
            slices,
            standing: HashMap::new(),
            at_counter: HashSet::new(),
        }
    }

    /// The tickets in the order they should be served: queue by queue from
    /// the top, each from its head.
    fn order(&self) -> impl Iterator<Item = TicketNo> + '_ {
        self.queues.iter().flatten().copied()
    }

    /// Takes `ticket` out of its queue.
    fn unqueue(&mut self, ticket: TicketNo, level: usize) {
        if let Some(queue) = self.queues.get_mut(level) {
            if let Some(at) = queue.iter().position(|&t| t == ticket) {
                queue.remove(at);
            }
        }
    }
}

impl Policy for Mlfq {
    fn name(&self) -> &'static str {
        "mlfq"
    }

    fn enqueue(&mut self, waiting: Waiting) {
        self.standing.insert(
            waiting.ticket,
            Standing {
                level: 0,
                slice_left: self.slices[0],
                remaining: waiting.remaining,
                boosted: false,
            },
        );
        self.queues[0].push_back(waiting.ticket);
    }

    fn next(&mut self) -> Option<Turn> {
        let ticket = self.order().find(|t| !self.at_counter.contains(t))?;
        self.at_counter.insert(ticket);
        let s = self.standing.get(&ticket)?;
        Some(Turn {
            ticket,
            serve_for: s.slice_left.min(s.remaining),
        })
    }

    fn requeue(&mut self, waiting: Waiting, served: Duration) {
        let ticket = waiting.ticket;
        self.at_counter.remove(&ticket);
        let bottom = self.slices.len() - 1;
        let Some(s) = self.standing.get_mut(&ticket) else {
            // Not known (it cannot happen): it joins as a newcomer.
            return self.enqueue(waiting);
        };
        s.remaining = waiting.remaining;
        if std::mem::take(&mut s.boosted) {
            // Paused for a boost: its place and fresh slice are the boost's.
            return;
        }
        s.slice_left = s.slice_left.saturating_sub(served);
        if !s.slice_left.is_zero() {
            // Cut short: it keeps its place and the rest of its slice.
            return;
        }
        // Used up its slice: one queue down (or round again at the bottom), at the tail.
        let level = s.level;
        s.level = (level + 1).min(bottom);
        s.slice_left = self.slices[s.level];
        let down = s.level;
        self.unqueue(ticket, level);
        self.queues[down].push_back(ticket);
    }

    fn forget(&mut self, ticket: TicketNo) {
        self.at_counter.remove(&ticket);
        if let Some(s) = self.standing.remove(&ticket) {
            self.unqueue(ticket, s.level);
        }
    }

    fn remove(&mut self, ticket: TicketNo) -> bool {
        let waiting = self.standing.contains_key(&ticket) && !self.at_counter.contains(&ticket);
        self.forget(ticket);
        waiting
    }

    fn to_pause(&self, tellers: usize) -> Vec<TicketNo> {
        if self.at_counter.is_empty() {
            return Vec::new();
        }
        let first: HashSet<TicketNo> = self.order().take(tellers).collect();
        let mut pause: Vec<TicketNo> = self
            .at_counter
            .iter()
            .copied()
            .filter(|t| !first.contains(t) || self.standing.get(t).is_some_and(|s| s.boosted))
            .collect();
        pause.sort_unstable();
        pause
    }

    fn boost(&mut self) {
        // The lower queues empty into the top one, the lowest first (as
        // mlfq.py does); everyone starts afresh there.
        for level in (1..self.queues.len()).rev() {
            let moved = std::mem::take(&mut self.queues[level]);
            self.queues[0].extend(moved);
        }
        for (ticket, s) in &mut self.standing {
            s.level = 0;
            s.slice_left = self.slices[0];
            s.boosted = self.at_counter.contains(ticket);
        }
    }

    fn len(&self) -> usize {
        self.standing.len().saturating_sub(self.at_counter.len())
    }
}

/// A fresh, empty queue that follows `kind`, with `slices` for round robin
/// and MLFQ (their defaults when `None`).
pub fn queue(kind: PolicyKind, slices: Option<&Slices>) -> Box<dyn Policy> {
    let slices = slices
        .copied()
        .or_else(|| Slices::of(kind, None, None, None).ok().flatten());
    let quantum = slices.map_or(Duration::ZERO, |s| millis(s.quantum_ms));
    match kind {
        PolicyKind::Fcfs => Box::new(Fcfs::default()),
        PolicyKind::Sjf => Box::new(Sjf::default()),
        PolicyKind::Rr => Box::new(RoundRobin::new(quantum)),
        PolicyKind::Mlfq => Box::new(Mlfq::new(
            slices
                .map(|s| {
                    (0..s.queues)
                        .map(|level| millis(s.slice_ms(level)))
                        .collect()
                })
                .unwrap_or_default(),
        )),
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
            assert_eq!(queue(*kind, None).name(), kind.name());
        }
    }

    fn waiting(ticket: TicketNo, ms: u64) -> Waiting {
        Waiting {
            ticket,
            remaining: Duration::from_millis(ms),
        }
    }

    /// The tickets `policy` calls, in order, serving each turn in full.
    fn calls(policy: &mut dyn Policy) -> Vec<TicketNo> {
        let mut order = Vec::new();
        while let Some(turn) = policy.next() {
            order.push(turn.ticket);
            policy.forget(turn.ticket);
        }
        order
    }

    #[test]
    fn fcfs_calls_in_ticket_order_and_skips_the_departed() {
        let mut q = queue(PolicyKind::Fcfs, None);
        for t in 1..=4 {
            q.enqueue(waiting(t, 10 * t));
        }
        assert!(q.remove(2));
        assert!(!q.remove(2));
        assert_eq!(q.len(), 3);
        let first = q.next().expect("someone waits");
        assert_eq!(
            (first.ticket, first.serve_for),
            (1, Duration::from_millis(10))
        );
        assert_eq!(calls(q.as_mut()), [3, 4]);
        assert!(q.is_empty());
    }

    #[test]
    fn sjf_calls_the_shortest_first_and_equals_in_ticket_order() {
        let mut q = queue(PolicyKind::Sjf, None);
        for (t, ms) in [(1, 80), (2, 30), (3, 50), (4, 30)] {
            q.enqueue(waiting(t, ms));
        }
        assert!(q.remove(3));
        let first = q.next().expect("someone waits");
        assert_eq!(
            (first.ticket, first.serve_for),
            (2, Duration::from_millis(30))
        );
        assert_eq!(calls(q.as_mut()), [4, 1]);
    }

    #[test]
    fn round_robin_serves_a_slice_and_sends_to_the_tail() {
        let mut q = RoundRobin::new(Duration::from_millis(20));
        q.enqueue(waiting(1, 50));
        q.enqueue(waiting(2, 10));
        let turn = q.next().expect("ticket 1");
        assert_eq!(
            (turn.ticket, turn.serve_for),
            (1, Duration::from_millis(20))
        );
        q.requeue(waiting(1, 30), turn.serve_for);
        let turn = q.next().expect("ticket 2");
        assert_eq!(
            (turn.ticket, turn.serve_for),
            (2, Duration::from_millis(10))
        );
        assert_eq!(q.next().map(|t| t.ticket), Some(1), "back from the tail");
    }

    #[test]
    fn mlfq_moves_down_on_a_used_slice_and_a_newcomer_above_takes_the_counter() {
        let ms = Duration::from_millis;
        let mut q = Mlfq::new(vec![ms(10), ms(20), ms(40)]);
        q.enqueue(waiting(1, 100));
        let turn = q.next().expect("ticket 1 in the top queue");
        assert_eq!(turn.serve_for, ms(10));
        q.requeue(waiting(1, 90), ms(10));
        let turn = q.next().expect("ticket 1, one queue down");
        assert_eq!(turn.serve_for, ms(20), "twice the slice");
        // A newcomer: the top queue is served first, so it wants the only counter.
        q.enqueue(waiting(2, 5));
        assert_eq!(q.to_pause(1), [1]);
        assert!(q.to_pause(2).is_empty(), "with two counters, room for both");
        q.requeue(waiting(1, 85), ms(5));
        assert_eq!(q.next().map(|t| t.ticket), Some(2));
        q.forget(2);
        let turn = q.next().expect("ticket 1 again");
        assert_eq!(
            (turn.ticket, turn.serve_for),
            (1, ms(15)),
            "the rest of its slice"
        );
        q.requeue(waiting(1, 70), ms(15));
        assert_eq!(
            q.next().map(|t| t.serve_for),
            Some(ms(40)),
            "the bottom queue"
        );
        q.requeue(waiting(1, 30), ms(40));
        assert_eq!(
            q.next().map(|t| t.serve_for),
            Some(ms(30)),
            "round robin at the bottom"
        );
    }

    #[test]
    fn a_boost_brings_everyone_back_to_the_top_and_pauses_the_counters() {
        let ms = Duration::from_millis;
        let mut q = Mlfq::new(vec![ms(10), ms(20)]);
        for t in 1..=2 {
            q.enqueue(waiting(t, 100));
        }
        for _ in 1..=2 {
            let turn = q.next().expect("a ticket");
            q.requeue(waiting(turn.ticket, 90), ms(10));
        }
        assert_eq!(q.next().map(|t| (t.ticket, t.serve_for)), Some((1, ms(20))));
        q.boost();
        assert_eq!(q.to_pause(2), [1], "at a counter under the old slice");
        q.requeue(waiting(1, 85), ms(5));
        assert!(q.to_pause(2).is_empty());
        let order: Vec<_> =
            std::iter::from_fn(|| q.next().map(|t| (t.ticket, t.serve_for))).collect();
        assert_eq!(
            order,
            [(1, ms(10)), (2, ms(10))],
            "fresh top slices, in their order"
        );
    }

    #[test]
    fn who_left_is_forgotten_wherever_they_were() {
        let ms = Duration::from_millis;
        let mut q = Mlfq::new(vec![ms(10)]);
        q.enqueue(waiting(1, 30));
        q.enqueue(waiting(2, 30));
        assert_eq!(q.next().map(|t| t.ticket), Some(1));
        assert!(!q.remove(1), "at a counter, not waiting");
        assert!(q.remove(2));
        assert!(q.is_empty() && q.next().is_none());
    }
}
