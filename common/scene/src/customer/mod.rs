//! What every customer does, whatever their style of waiting: walk in, take
//! a ticket, read the bank's lines, do their errand, leave; and what can go
//! wrong on the way.
//!
//! A visit is a loop: wait for the `CALL`, answer `HERE`, and at the counter
//! read how the turn ends ([`expect_end`]): `DONE`, and the visit is over;
//! or `PAUSE` (round robin, MLFQ), and the customer waits again, in the
//! same way, for the next `CALL`.
//!
//! The styles differ only in *how they wait* for the bank's next line; the
//! rest is the same for all four, so it lives here:
//!
//! - this module: the crowd of the two sync styles (a thread per customer),
//!   the lines a customer sends, and the replies it expects;
//! - `inbox`: the bank's lines as they arrive, with the kernel's stamp;
//! - `errand`: the customer's own work, in recorded stretches, slept or
//!   computed (`--errand-work`);
//! - [`cpu`]: computing for real, measured by the thread's CPU clock.

pub mod cpu;
mod errand;
mod inbox;

use std::io::{self, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

pub use errand::Errand;
pub use inbox::{Lines, stamp_arrivals};

use crate::demo::{self, Failure, Setup};
use bank::protocol::{ProtocolError, Reply, TellerNo, TicketNo};
use timeline::record;
use timeline::scenario::{Customer, ErrandWork};

/// A visit to the bank in some style, on the customer's own thread: it may
/// work on the errand while it waits, and notes the ticket once it has one.
pub type Visit =
    fn(&Customer, Directions, &mut Errand, &mut Option<TicketNo>) -> Result<(), VisitError>;

/// What a customer thread is told as it sets out.
#[derive(Clone, Copy, Debug)]
pub struct Directions {
    /// Where the bank is.
    pub bank: SocketAddr,
    /// sync-nonblocking: how long to work between two looks at the socket.
    pub poll_every: Duration,
    /// How the errand is done: slept, or computed.
    pub errand_work: ErrandWork,
}

/// The thread-per-customer crowd of the two sync styles: each customer gets an
/// OS thread at their arrival time; returns when every thread has finished.
pub fn thread_per_customer(setup: &Setup, visit: Visit) -> Vec<Failure> {
    let mut threads = Vec::with_capacity(setup.scenario.customers.len());
    let mut failures = Vec::new();
    for c in &setup.scenario.customers {
        // The door opens for each customer at their arrival time.
        std::thread::sleep(setup.arrival(c).saturating_duration_since(Instant::now()));
        let (id, c) = (c.id, c.clone());
        let way = Directions {
            bank: setup.bank,
            poll_every: setup.poll_every(),
            errand_work: setup.scenario.errand_work,
        };
        match demo::spawn_recorded(format!("customer-{id}"), move || attend(&c, way, visit)) {
            Ok(thread) => threads.push((id, thread)),
            Err(err) => failures.push(Failure::of(
                id,
                format!("cannot start the customer's thread: {err}"),
            )),
        }
    }
    for (id, thread) in threads {
        match thread.join() {
            Ok(Ok(())) => {}
            Ok(Err(failure)) => failures.push(failure),
            // The panic's message was already printed by the thread itself;
            // the customer still counts as lost, so the run says so.
            Err(_) => failures.push(Failure::of(id, "the customer's thread panicked")),
        }
    }
    failures
}

/// The start of a visit for a customer on their own thread: walk in
/// (connect), take a ticket and get the slip. This short exchange blocks in
/// every style; the styles differ in how they wait *after* it. The ticket is
/// noted in `ticket` as soon as it is issued.
pub fn walk_in(
    c: &Customer,
    bank: SocketAddr,
    ticket: &mut Option<TicketNo>,
) -> Result<(TcpStream, Lines, TicketNo), VisitError> {
    let mut socket = TcpStream::connect(bank)?;
    socket.set_nodelay(true)?;
    // The kernel notes when each line reaches the socket: how long the call
    // then sits there unread is what the customer's reaction costs.
    stamp_arrivals(socket.as_fd())?;
    let mut lines = Lines::new();
    socket.write_all(ticket_line(c).as_bytes())?;
    let (slip, _) = lines.read_reply(socket.as_fd())?;
    let n = expect_ticket(slip)?;
    *ticket = Some(n);
    record::ticket(n);
    Ok((socket, lines, n))
}

/// One customer's whole story in their own lane: arrive, visit the bank in
/// the style given, finish the errand, leave. A failed visit is abandoned.
pub fn attend(c: &Customer, way: Directions, visit: Visit) -> Result<(), Failure> {
    let lane = record::customer(c.id, c.name.as_str());
    let _in_lane = lane.enter();
    record::arrive();
    let mut errand = Errand::of(c, way.errand_work);
    let mut ticket = None;
    let result = visit(c, way, &mut errand, &mut ticket);
    if result.is_err() {
        record::abandon(ticket);
    }
    // Whatever is left of the errand gets done after the bank.
    errand.finish();
    record::leave();
    result.map_err(|err| Failure::of(c.id, err))
}

/// The `TICKET` line a customer sends on arrival, with its `\n`.
pub fn ticket_line(c: &Customer) -> String {
    // Service is sent in whole microseconds' worth of milliseconds: enough
    // precision, and no float noise like 39.99999999 on the wire.
    format!(
        "TICKET {} {}\n",
        c.name,
        (c.service_ms * 1000.0).round() / 1000.0
    )
}

/// The `HERE` line for ticket `n`, with its `\n`.
pub fn here_line(n: TicketNo) -> String {
    format!("HERE {n}\n")
}

/// Why a visit could not be completed.
#[derive(Debug, thiserror::Error)]
pub enum VisitError {
    /// The socket failed (the bank is not there, or went away).
    #[error("connection to the bank failed: {0}")]
    Io(#[from] io::Error),
    /// The bank closed the connection before `DONE`.
    #[error("the bank closed the connection before DONE")]
    Closed,
    /// The bank refused a line: `ERR reason`.
    #[error("the bank refused: ERR {0}")]
    Refused(String),
    /// The bank sent a line that does not parse.
    #[error("the bank sent a bad line: {0}")]
    Garbled(#[source] ProtocolError),
    /// The bank sent a valid line, but not the one expected now.
    #[error("expected {expected} from the bank, got {got}")]
    Unexpected {
        /// What the customer waited for.
        expected: &'static str,
        /// What came instead.
        got: Reply,
    },
}

/// The slip: the reply to `TICKET` must be `TICKET n`.
pub fn expect_ticket(reply: Reply) -> Result<TicketNo, VisitError> {
    match reply {
        Reply::Ticket(n) => Ok(n),
        other => Err(unexpected("TICKET <n>", other)),
    }
}

/// The call: while waiting, the next line must be `CALL n teller` for our ticket.
pub fn expect_call(reply: Reply, ticket: TicketNo) -> Result<TellerNo, VisitError> {
    match reply {
        Reply::Call(n, teller) if n == ticket => Ok(teller),
        other => Err(unexpected("CALL for our ticket", other)),
    }
}

/// How a turn at the counter ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TurnEnd {
    /// `DONE`: served in full; the visit is over.
    Done,
    /// `PAUSE`: the time slice is over (round robin, MLFQ); back in line, to
    /// wait for the next `CALL` the way this customer waits.
    Paused,
}

/// The end of a turn: at the counter, the next line must be `DONE n` or
/// `PAUSE n` for our ticket.
pub fn expect_end(reply: Reply, ticket: TicketNo) -> Result<TurnEnd, VisitError> {
    match reply {
        Reply::Done(n) if n == ticket => Ok(TurnEnd::Done),
        Reply::Pause(n) if n == ticket => Ok(TurnEnd::Paused),
        other => Err(unexpected("DONE or PAUSE for our ticket", other)),
    }
}

fn unexpected(expected: &'static str, got: Reply) -> VisitError {
    match got {
        Reply::Err(reason) => VisitError::Refused(reason),
        got => VisitError::Unexpected { expected, got },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_err_reply_is_a_refusal() {
        let err = expect_call(Reply::Err("busy".into()), 3).expect_err("ERR is not a call");
        assert_eq!(err.to_string(), "the bank refused: ERR busy");
        assert!(
            expect_call(Reply::Call(4, 1), 3).is_err(),
            "someone else's call"
        );
    }

    #[test]
    fn a_wrong_reply_is_said_as_the_line_the_bank_sent() {
        let err = expect_call(Reply::Call(2, 1), 3).expect_err("someone else's call");
        assert_eq!(
            err.to_string(),
            "expected CALL for our ticket from the bank, got CALL 2 1"
        );
        let err = expect_end(Reply::Ticket(9), 3).expect_err("not DONE");
        assert_eq!(
            err.to_string(),
            "expected DONE or PAUSE for our ticket from the bank, got TICKET 9"
        );
        assert_eq!(expect_end(Reply::Pause(3), 3).ok(), Some(TurnEnd::Paused));
        assert!(
            expect_end(Reply::Pause(4), 3).is_err(),
            "someone else's pause"
        );
    }
}
