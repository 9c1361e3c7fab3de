//! A teller (柜员): one task that calls the next ticket, waits for the
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
//! A turn is the policy's: the whole service (FCFS, SJF), or at most a time
//! slice (round robin, MLFQ). When the slice is over and service is still
//! owed, the teller says `PAUSE` instead of `DONE`, and the customer goes
//! back to the lobby to wait for their next `CALL`. The policy may also want
//! the counter back sooner (MLFQ: a newcomer to a higher queue, a boost): it
//! cancels the turn's *cut*, and the teller says `PAUSE` at once, having
//! served what the clock says. A cut that comes before the customer's `HERE`
//! takes effect when they arrive: the protocol has the customer answer
//! every `CALL` before anything else is said to them.
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
            let Next { turn, seat, cut } = tokio::select! {
                () = self.closing.cancelled() => return,
                next = self.lobby.next() => next,
            };
            match self.call_over(seat).await {
                Some(customer) => self.serve(customer, turn, &cut).await,
                // They hung up just as the call went out.
                None => {
                    self.lobby.finish(turn.ticket);
                    record::abandon(Some(turn.ticket));
                }
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
    /// (or `PAUSE` when the turn ends with service still owed: its slice is
    /// over, or `cut` was cancelled).
    async fn serve(&self, mut customer: Customer, turn: Turn, cut: &CancellationToken) {
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
                self.lobby.finish(ticket);
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
            let attended = match attend(&mut customer, &deadline, cut).await {
                Ok(attended) => attended,
                Err(trouble) => return self.give_up(customer, trouble),
            };
            let woke = Instant::now();
            // The lesson's rule: a service never ends before its time, unless
            // the policy cut the turn short (and then it says PAUSE).
            debug_assert!(
                attended.cut_short || woke >= deadline.due(),
                "service {ticket} ended early"
            );
            let served = if attended.cut_short {
                (woke - here).min(turn.serve_for)
            } else {
                turn.serve_for
            };
            let said = self.end_turn(customer, served).await;
            note_timing(ticket, served, here, woke, said, attended.watched);
            // Only now is the timer closed: after the line, not before it.
            drop(deadline);
        }
        .instrument(visit)
        .await;
    }

    /// The turn is over after `served`: `DONE` and goodbye when nothing more
    /// is owed; otherwise `PAUSE`, and back to the queue (round robin, MLFQ).
    /// Returns when the line was written.
    async fn end_turn(&self, mut customer: Customer, served: Duration) -> Instant {
        let ticket = customer.ticket;
        customer.owed = customer.owed.saturating_sub(served);
        if customer.owed.is_zero() {
            self.lobby.finish(ticket);
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
        record::paused(ticket);
        let paused = customer.conn.say(&Reply::Pause(ticket)).await;
        let said = Instant::now();
        if paused.is_err() {
            self.lobby.finish(ticket);
            record::abandon(Some(ticket));
            return said;
        }
        let seat = self.lobby.requeue(ticket, customer.owed, served);
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
        self.lobby.finish(ticket);
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

/// How a turn's service ended, when the customer stayed for it.
struct Attended {
    /// The policy cut the turn short (its `cut` was cancelled) before its
    /// deadline: the teller served what the clock says, and says `PAUSE`.
    cut_short: bool,
    /// How long the teller watched the clock at the end of a full turn
    /// (see [`deadline::WATCH`]); zero for a turn cut short.
    watched: Duration,
}

/// The service: the teller's time until `deadline`, while keeping an ear on
/// the customer (who may hang up meanwhile) and an eye on the turn's `cut`.
async fn attend(
    customer: &mut Customer,
    deadline: &Deadline,
    cut: &CancellationToken,
) -> Result<Attended, Trouble> {
    let ticket = customer.ticket;
    tokio::select! {
        biased;
        watched = deadline.passed() => Ok(Attended { cut_short: false, watched }),
        () = cut.cancelled() => Ok(Attended { cut_short: true, watched: Duration::ZERO }),
        heard = customer.conn.hear() => Err(match heard {
            Heard::Gone => Trouble::Gone,
            Heard::Refused(why) => Trouble::Refused(why),
            Heard::Request(_) => Trouble::Refused(Refusal::BeingServed(ticket)),
        }),
    }
}
