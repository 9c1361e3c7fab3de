//! The lobby (大堂): the ticket machine, the queue, and the bell that tells a
//! free teller someone is waiting.
//!
//! The lobby holds no sockets. A waiting customer keeps their own connection
//! (their front-door task watches it, see [`handler`](super::handler)); the
//! lobby keeps only their *seat*: the place where a teller's call will reach
//! them. Which seat is called next, and for how long, is not the lobby's
//! decision but the [`Policy`]'s.
//!
//! A policy may also want a counter back before the turn is over (MLFQ: a
//! newcomer to a higher queue, or a boost). The lobby gives every turn a
//! *cut*, a token its teller watches while serving; after anything that
//! changes the queue it asks the policy whom to pause, and cancels their
//! cuts. The teller then says `PAUSE` at once.
//!
//! Everything here sits behind one short-lived lock, never held across an
//! `.await`: taking a ticket, leaving the queue and calling the next ticket
//! are each one step, so a customer who walks out and a teller who calls them
//! cannot both think they own the ticket.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::{Notify, oneshot};
use tokio_util::sync::CancellationToken;

use super::connection::Connection;
use crate::policy::{Policy, Turn, Waiting};
use crate::protocol::{Name, TicketNo};

/// A customer who holds a ticket, and what the bank knows about them.
pub(crate) struct Customer {
    /// The number on their slip (小纸条).
    pub(crate) ticket: TicketNo,
    /// Their name, for the log.
    pub(crate) name: Name,
    /// Service still owed to them.
    pub(crate) owed: Duration,
    /// Their connection: it travels with them from the lobby to the counter.
    pub(crate) conn: Connection,
}

/// A teller's call, on its way to a waiting customer: the way to that
/// teller's counter. The customer walks over by sending themselves through it.
pub(crate) type Call = oneshot::Sender<Customer>;

/// A waiting customer's seat: where the call will reach them.
pub(crate) type Seat = oneshot::Receiver<Call>;

/// The other end of a [`Seat`], kept by the lobby until a teller calls it.
pub(crate) type SeatCall = oneshot::Sender<Call>;

/// The lobby of one bank.
pub(crate) struct Lobby {
    /// The queue and the ticket machine, behind one lock.
    queue: Mutex<Queue>,
    /// Rung when a ticket joins the queue, to wake a free teller.
    bell: Notify,
}

/// What the lobby's lock protects.
struct Queue {
    /// The last ticket number issued (0: none yet).
    last_ticket: TicketNo,
    /// Who is called next.
    policy: Box<dyn Policy>,
    /// The seats of everyone in the queue, by ticket.
    seats: HashMap<TicketNo, SeatCall>,
    /// The cut of every turn at a counter, by ticket: cancelled when the
    /// policy wants that counter back.
    cuts: HashMap<TicketNo, CancellationToken>,
    /// How many counters the bank has: the policy's preemptions count them.
    tellers: usize,
}

/// The next ticket for a free teller: whom to call, for how long, and where.
pub(crate) struct Next {
    /// The policy's turn: the ticket and how long to serve it now.
    pub(crate) turn: Turn,
    /// Where that ticket's customer waits for the call.
    pub(crate) seat: SeatCall,
    /// Cancelled when the policy wants the counter back before the turn is
    /// over: the teller then says `PAUSE` at once.
    pub(crate) cut: CancellationToken,
}

impl Lobby {
    /// An empty lobby of a bank with `tellers` counters, whose queue
    /// follows `policy`.
    pub(crate) fn new(policy: Box<dyn Policy>, tellers: u32) -> Lobby {
        Lobby {
            queue: Mutex::new(Queue {
                last_ticket: 0,
                policy,
                seats: HashMap::new(),
                cuts: HashMap::new(),
                tellers: usize::try_from(tellers).unwrap_or(usize::MAX),
            }),
            bell: Notify::new(),
        }
    }

    /// Issues the next ticket for a customer owed `owed` of service and
    /// queues it; returns the number and the customer's seat.
    pub(crate) fn take_ticket(&self, owed: Duration) -> (TicketNo, Seat) {
        let (ticket, seat) = {
            let mut queue = self.lock();
            queue.last_ticket += 1;
            let ticket = queue.last_ticket;
            let seat = queue.sit(ticket, owed);
            queue.preempt();
            (ticket, seat)
        };
        self.bell.notify_one();
        (ticket, seat)
    }

    /// Queues `ticket` again after a turn that ended with `PAUSE`, `served`
    /// of it, still owed `owed`.
    pub(crate) fn requeue(&self, ticket: TicketNo, owed: Duration, served: Duration) -> Seat {
        let seat = {
            let mut queue = self.lock();
            queue.cuts.remove(&ticket);
            let seat = queue.sit_again(ticket, owed, served);
            queue.preempt();
            seat
        };
        self.bell.notify_one();
        seat
    }

    /// `ticket` left its counter for good: `DONE`, or given up.
    pub(crate) fn finish(&self, ticket: TicketNo) {
        let mut queue = self.lock();
        queue.cuts.remove(&ticket);
        queue.policy.forget(ticket);
    }

    /// Every customer back to the top queue, at a counter or not (MLFQ's
    /// boost): those at a counter are paused.
    pub(crate) fn boost(&self) {
        let mut queue = self.lock();
        queue.policy.boost();
        queue.preempt();
    }

    /// The customer with `ticket` walks out of the queue. `true` if they were
    /// still waiting; `false` if a teller has already called them (the
    /// teller will then find them gone).
    pub(crate) fn leave(&self, ticket: TicketNo) -> bool {
        let mut queue = self.lock();
        queue.seats.remove(&ticket);
        queue.policy.remove(ticket)
    }

    /// Waits until someone is in the queue, and takes the one the policy
    /// chooses.
    pub(crate) async fn next(&self) -> Next {
        loop {
            let (next, more_wait) = {
                let mut queue = self.lock();
                (queue.next(), !queue.policy.is_empty())
            };
            if more_wait {
                // The bell keeps one ring at most: if two tickets were taken
                // while every teller was busy, wake a colleague for the second.
                self.bell.notify_one();
            }
            if let Some(next) = next {
                return next;
            }
            self.bell.notified().await;
        }
    }

    /// How many tickets wait in the queue.
    #[cfg(test)]
    pub(crate) fn waiting(&self) -> usize {
        self.lock().policy.len()
    }

    /// The lock. A panic elsewhere cannot leave the queue half-changed (each
    /// change is one call), so a poisoned lock is still good to use.
    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Queue {
    /// Seats a new ticket.
    fn sit(&mut self, ticket: TicketNo, owed: Duration) -> Seat {
        self.policy.enqueue(Waiting {
            ticket,
            remaining: owed,
        });
        self.seat(ticket)
    }

    /// Seats a ticket that has been served in part, `served` in its last turn.
    fn sit_again(&mut self, ticket: TicketNo, owed: Duration, served: Duration) -> Seat {
        let waiting = Waiting {
            ticket,
            remaining: owed,
        };
        self.policy.requeue(waiting, served);
        self.seat(ticket)
    }

    /// Cuts the turns the policy wants back now.
    fn preempt(&self) {
        for ticket in self.policy.to_pause(self.tellers) {
            if let Some(cut) = self.cuts.get(&ticket) {
                cut.cancel();
            }
        }
    }

    /// Makes the seat where `ticket` will be called.
    fn seat(&mut self, ticket: TicketNo) -> Seat {
        let (call, seat) = oneshot::channel();
        self.seats.insert(ticket, call);
        seat
    }

    /// The policy's next turn and its seat, if anyone waits.
    fn next(&mut self) -> Option<Next> {
        while let Some(turn) = self.policy.next() {
            // Every queued ticket has a seat (both change under this one
            // lock); skipping a seatless one keeps the bank going regardless.
            if let Some(seat) = self.seats.remove(&turn.ticket) {
                let cut = CancellationToken::new();
                self.cuts.insert(turn.ticket, cut.clone());
                return Some(Next { turn, seat, cut });
            }
            tracing::error!(ticket = turn.ticket, "a queued ticket had no seat");
            self.policy.forget(turn.ticket);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::PolicyKind;
    use crate::test_runtime as runtime;

    #[test]
    fn tickets_count_up_and_the_departed_are_skipped() {
        let lobby = Lobby::new(crate::policy::queue(PolicyKind::Fcfs, None), 2);
        let ms = Duration::from_millis;
        let (one, _seat1) = lobby.take_ticket(ms(10));
        let (two, _seat2) = lobby.take_ticket(ms(20));
        let (three, _seat3) = lobby.take_ticket(ms(30));
        assert_eq!((one, two, three), (1, 2, 3));
        assert!(lobby.leave(2));
        assert!(!lobby.leave(2), "gone already");
        runtime().block_on(async {
            let first = lobby.next().await;
            assert_eq!((first.turn.ticket, first.turn.serve_for), (1, ms(10)));
            assert_eq!(lobby.next().await.turn.ticket, 3);
        });
        assert_eq!(lobby.waiting(), 0);
        assert!(!lobby.leave(1), "already called");
    }

    #[test]
    fn a_free_teller_wakes_when_a_ticket_is_taken() {
        let lobby =
            std::sync::Arc::new(Lobby::new(crate::policy::queue(PolicyKind::Fcfs, None), 2));
        runtime().block_on(async {
            let teller = tokio::spawn({
                let lobby = lobby.clone();
                async move { lobby.next().await.turn.ticket }
            });
            tokio::task::yield_now().await;
            let (ticket, _seat) = lobby.take_ticket(Duration::from_millis(1));
            let called = tokio::time::timeout(Duration::from_secs(5), teller)
                .await
                .expect("the teller wakes up")
                .expect("the teller does not panic");
            assert_eq!(called, ticket);
        });
    }
}
