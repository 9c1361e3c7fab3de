//! A teller (柜台): one task that calls the next ticket, waits for the
//! customer to reach the counter, serves them, and starts over.
//!
//! The teller's day has three waits, and only the last is its own work:
//!
//! 1. for someone to be in the queue (the lobby's bell);
//! 2. after `CALL`, for the customer's `HERE`: the customer's reaction time.
//!    This is the teller time a slow style of waiting wastes, and the
//!    difference between the four demos reaches the makespan through it.
//!    It has a limit, the bank's `here_timeout`: a customer who never comes
//!    is told `ERR timeout`, their ticket is abandoned, and the teller calls
//!    the next one at once;
//! 3. the service itself, timed to a precise [`deadline`](super::deadline)
//!    from the moment `HERE` was read; `DONE` is never written before it.
//!
//! The end of a service is the one moment the bank must keep precisely, and
//! tellers tend to reach it together: called together, serving services of
//! the same length, they stay in step, and their deadlines fall within
//! microseconds of each other. The runtime runs one task at a time on each
//! of its threads, so whatever a teller does after its deadline (hang up,
//! call the next ticket, and that customer's front-door task with it) makes
//! the tellers behind it later. So a teller whose time is up writes `DONE`
//! first, yields to the others, and only then tidies up. Measured at 10,000
//! customers (`benches/service.rs`), a teller that finished just after seven
//! others was about 210 µs late before, about 110 µs after; the timer is
//! closed last, after `DONE`, for the same reason.
//!
//! A customer who hangs up or speaks out of turn at the counter is given up
//! at once, and the teller calls the next ticket.
//!
//! `called` and `served` are recorded as the line is sent (just before the
//! write), so that on the timeline they always come before the customer's
//! own record of hearing it, even across threads. Everything recorded here
//! lands on this teller's lane (the task runs inside a [`record::teller`]
//! span), except refusals, which go on the bank's lane like all others.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;
use tracing::instrument::WithSubscriber;
use tracing::{Instrument, Span};

use super::connection::{Heard, Refusal};
use super::deadline::{self, Deadline};
use super::handler;
use super::lobby::{Call, Customer, Lobby, Next, SeatCall};
use crate::policy::Turn;
use crate::protocol::{Reply, Request, TellerNo, TicketNo};
use timeline::record;

/// One teller of the bank.
pub(crate) struct Teller {
    /// The teller's number, from 1, as on the sign above the counter.
    id: TellerNo,
    /// Where the customers wait.
    lobby: Arc<Lobby>,
    /// The bank's own lane, where refusals are recorded.
    front_door: Span,
    /// How long to wait for a called customer's `HERE` before giving up.
    here_timeout: Duration,
    /// Cancelled when the bank closes: the teller calls no one after that.
    closing: CancellationToken,
}

/// Why a visit ended before its service was done.
enum Trouble {
    /// The customer hung up.
    Gone,
    /// The customer said something the bank refuses.
    Refused(Refusal),
}

impl Teller {
    /// Teller `id`, serving the customers of `lobby`, waiting at most
    /// `here_timeout` for each to come to the counter, until `closing` is
    /// cancelled.
    pub(crate) fn new(
        id: TellerNo,
        lobby: Arc<Lobby>,
        front_door: Span,
        here_timeout: Duration,
        closing: CancellationToken,
    ) -> Teller {
        Teller {
            id,
            lobby,
            front_door,
            here_timeout,
            closing,
        }
    }

    /// The teller's working day: call, serve, repeat, until the bank
    /// closes. (A customer at the counter then hears `ERR closing` from
    /// their connection, and the teller gives them up.)
    pub(crate) async fn work(self) {
        loop {
            let Next { turn, seat } = tokio::select! {
                () = self.closing.cancelled() => return,
                next = self.lobby.next() => next,
            };
            match self.call_over(seat).await {
                Some(customer) => self.serve(customer, turn).await,
                // They hung up just as the call went out.
                None => record::abandon(Some(turn.ticket)),
            }
        }
    }

    /// Sends the call to a waiting customer's seat; they come to the counter
    /// with their connection, unless they have just left.
    async fn call_over(&self, seat: SeatCall) -> Option<Customer> {
        let (counter, arrival): (Call, _) = oneshot::channel();
        seat.send(counter).ok()?;
        arrival.await.ok()
    }

    /// One turn at the counter: `CALL`, wait for `HERE`, serve, then `DONE`
    /// (or `PAUSE` when the policy's turn is shorter than what is owed).
    async fn serve(&self, mut customer: Customer, turn: Turn) {
        let ticket = customer.ticket;
        // For log readers only (the timeline ignores this span).
        let visit = tracing::debug_span!("visit", ticket, name = %customer.name);
        async move {
            record::called(ticket, self.id);
            if customer
                .conn
                .say(&Reply::Call(ticket, self.id))
                .await
                .is_err()
            {
                return record::abandon(Some(ticket));
            }
            let waited = self.here_timeout;
            let here = match tokio::time::timeout(waited, wait_for_here(&mut customer)).await {
                Ok(here) => here,
                Err(_) => Err(Trouble::Refused(Refusal::NoHere { ticket, waited })),
            };
            if let Err(trouble) = here {
                return self.give_up(customer, trouble);
            }
            record::at_counter(ticket);
            // The service is timed from here, the moment HERE was read.
            let here = Instant::now();
            let deadline = Deadline::at(here + turn.serve_for, deadline::WATCH);
            let watched = match attend(&mut customer, &deadline).await {
                Ok(watched) => watched,
                Err(trouble) => return self.give_up(customer, trouble),
            };
            let woke = Instant::now();
            // The lesson's rule: a service never ends before its time.
            debug_assert!(woke >= deadline.due(), "service {ticket} ended early");
            let said = self.end_turn(customer, turn.serve_for).await;
            note_timing(ticket, turn.serve_for, here, woke, said, watched);
            // Only now is the timer closed: after the line, not before it.
            drop(deadline);
        }
        .instrument(visit)
        .await;
    }

    /// The turn is over: `DONE` and goodbye when nothing more is owed;
    /// otherwise `PAUSE`, and back to the queue (preemptive policies only).
    /// Returns when the line was written.
    async fn end_turn(&self, mut customer: Customer, served: Duration) -> Instant {
        let ticket = customer.ticket;
        customer.owed = customer.owed.saturating_sub(served);
        if customer.owed.is_zero() {
            record::served(ticket);
            // The service is done whether or not they are still there to hear it.
            let _ = customer.conn.say(&Reply::Done(ticket)).await;
            let said = Instant::now();
            // Tellers whose services end now too say DONE before this one
            // tidies up and calls its next customer (see the module's notes).
            tokio::task::yield_now().await;
            customer.conn.close();
            return said;
        }
        let paused = customer.conn.say(&Reply::Pause(ticket)).await;
        let said = Instant::now();
        if paused.is_err() {
            record::abandon(Some(ticket));
            return said;
        }
        let seat = self.lobby.requeue(ticket, customer.owed);
        let waiting = handler::wait_for_call(customer, seat, self.lobby.clone());
        tokio::spawn(
            waiting
                .instrument(self.front_door.clone())
                .with_current_subscriber(),
        );
        said
    }

    /// Gives up on a customer: refuses them if they said something wrong
    /// or never came (the refusal is recorded on the bank's lane, its reason
    /// just before the abandon), and records the abandoned ticket. The
    /// teller does not wait for the `ERR` to be sent.
    fn give_up(&self, customer: Customer, trouble: Trouble) {
        let Customer { ticket, conn, .. } = customer;
        match trouble {
            Trouble::Refused(why) => self.front_door.in_scope(|| conn.refuse(&why)),
            Trouble::Gone => drop(conn),
        }
        record::abandon(Some(ticket));
    }
}

/// The `tracing` target of [`note_timing`]'s events.
pub(crate) const TIMING: &str = "bank::timing";

/// Notes how precisely a turn at the counter was timed: `here` when `HERE`
/// was read, `woke` when the teller ran again after its deadline, `said`
/// when the `DONE` (or `PAUSE`) line was written, for a turn of `served`,
/// of which the teller `watched` the clock at the end. A `TRACE` event of
/// target [`TIMING`], in nanoseconds (`RUST_LOG=bank::timing=trace` shows
/// them; `benches/service.rs` counts them).
fn note_timing(
    ticket: TicketNo,
    served: Duration,
    here: Instant,
    woke: Instant,
    said: Instant,
    watched: Duration,
) {
    let ns = |d: Duration| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
    tracing::trace!(
        target: TIMING,
        ticket,
        served_ns = ns(served),
        woke_ns = ns(woke - here),
        said_ns = ns(said - here),
        watched_ns = ns(watched),
    );
}

/// Waits for the called customer's `HERE` with their own ticket number.
async fn wait_for_here(customer: &mut Customer) -> Result<(), Trouble> {
    let holds = customer.ticket;
    match customer.conn.hear().await {
        Heard::Request(Request::Here(said)) if said == holds => Ok(()),
        Heard::Request(Request::Here(said)) => {
            Err(Trouble::Refused(Refusal::WrongTicket { said, holds }))
        }
        Heard::Request(Request::Ticket { .. }) => {
            Err(Trouble::Refused(Refusal::SecondTicket(holds)))
        }
        Heard::Refused(why) => Err(Trouble::Refused(why)),
        Heard::Gone => Err(Trouble::Gone),
    }
}

/// The service: the teller's time until `deadline`, while keeping an ear on
/// the customer (who may hang up meanwhile).
async fn attend(customer: &mut Customer, deadline: &Deadline) -> Result<Duration, Trouble> {
    let ticket = customer.ticket;
    tokio::select! {
        biased;
        watched = deadline.passed() => Ok(watched),
        heard = customer.conn.hear() => Err(match heard {
            Heard::Gone => Trouble::Gone,
            Heard::Refused(why) => Trouble::Refused(why),
            Heard::Request(_) => Trouble::Refused(Refusal::BeingServed(ticket)),
        }),
    }
}
