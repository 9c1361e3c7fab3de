//! What every customer does, whatever their style of waiting: the lines they
//! send, how they read the bank's lines, and what can go wrong.
//!
//! The styles differ only in *how they wait* for the bank's next line; the
//! lines themselves are the same for all four, so they live here.

use std::fmt;
use std::io::{self, Read};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::demo::{self, Failure, Setup};
use crate::protocol::{MAX_LINE, ProtocolError, Reply, TellerNo, TicketNo, decode_line};
use crate::scenario::Customer;
use crate::timeline::record;

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
        };
        match demo::spawn_recorded(format!("customer-{id}"), move || attend(&c, way, visit)) {
            Ok(thread) => threads.push(thread),
            Err(err) => failures.push(Failure {
                customer: id,
                error: format!("cannot start the customer's thread: {err}"),
            }),
        }
    }
    for thread in threads {
        match thread.join() {
            Ok(Ok(())) => {}
            Ok(Err(failure)) => failures.push(failure),
            Err(_) => {} // a panic was already printed by the thread itself
        }
    }
    failures
}

/// One customer's whole story in their own lane: arrive, visit the bank in
/// the style given, finish the errand, leave. A failed visit is abandoned.
pub fn attend(c: &Customer, way: Directions, visit: Visit) -> Result<(), Failure> {
    let lane = record::customer(c.id, c.name.as_str());
    let _in_lane = lane.enter();
    record::arrive();
    let mut errand = Errand::new(demo::millis(c.errand_ms));
    let mut ticket = None;
    let result = visit(c, way, &mut errand, &mut ticket);
    if result.is_err() {
        record::abandon(ticket);
    }
    // Whatever is left of the errand gets done after the bank.
    errand.finish();
    record::leave();
    result.map_err(|err| Failure {
        customer: c.id,
        error: err.to_string(),
    })
}

/// A customer's own work (the phone call, the cigarette), done in stretches
/// on the customer's own thread. It is a timed activity: the waiting around
/// it is what the demos are about.
#[derive(Debug)]
pub struct Errand {
    /// Work still to do.
    left: Duration,
}

impl Errand {
    /// An errand of `length`.
    pub fn new(length: Duration) -> Errand {
        Errand { left: length }
    }

    /// Whether it is all done.
    pub fn is_done(&self) -> bool {
        self.left.is_zero()
    }

    /// Works on it for `at_most` (less if less is left), recording the stretch.
    /// Returns how much of `at_most` it filled.
    pub fn work(&mut self, at_most: Duration) -> Duration {
        let stretch = self.left.min(at_most);
        if stretch.is_zero() {
            return stretch;
        }
        let started = Instant::now();
        std::thread::sleep(stretch);
        record::errand(u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX));
        self.left -= stretch;
        stretch
    }

    /// Does all that is left.
    pub fn finish(&mut self) {
        self.work(self.left);
    }
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

/// A customer's inbox: bytes read from the socket, cut into lines.
///
/// It holds at most one line plus what arrived after it; a line longer than
/// the protocol allows is an error rather than a growing buffer.
#[derive(Debug, Default)]
pub struct Lines {
    /// Bytes received and not yet taken as lines.
    buf: Vec<u8>,
}

impl Lines {
    /// An empty inbox.
    pub fn new() -> Lines {
        Lines {
            buf: Vec::with_capacity(MAX_LINE + 1),
        }
    }

    /// Reads once from `src`. `Ok(0)` means the bank closed the connection;
    /// a non-blocking source's `WouldBlock` is passed through untouched.
    pub fn read_from(&mut self, src: &mut impl Read) -> io::Result<usize> {
        let mut chunk = [0u8; MAX_LINE + 1];
        let n = src.read(&mut chunk)?;
        self.push(&chunk[..n]);
        Ok(n)
    }

    /// Takes bytes that were read some other way (an async read, say).
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// The next complete line from the bank, if one has arrived.
    pub fn next_reply(&mut self) -> Result<Option<Reply>, VisitError> {
        let Some(end) = self.buf.iter().position(|&b| b == b'\n') else {
            if self.buf.len() > MAX_LINE + 1 {
                return Err(VisitError::Garbled(ProtocolError::TooLong));
            }
            return Ok(None);
        };
        let line: Vec<u8> = self.buf.drain(..=end).collect();
        let text = decode_line(&line).map_err(VisitError::Garbled)?;
        Reply::parse(text).map(Some).map_err(VisitError::Garbled)
    }

    /// Reads (blocking) until a whole line has arrived, and returns it.
    pub fn read_reply(&mut self, src: &mut impl Read) -> Result<Reply, VisitError> {
        loop {
            if let Some(reply) = self.next_reply()? {
                return Ok(reply);
            }
            if self.read_from(src)? == 0 {
                return Err(VisitError::Closed);
            }
        }
    }
}

/// Why a visit could not be completed.
#[derive(Debug)]
pub enum VisitError {
    /// The socket failed (the bank is not there, or went away).
    Io(io::Error),
    /// The bank closed the connection before `DONE`.
    Closed,
    /// The bank refused a line: `ERR reason`.
    Refused(String),
    /// The bank sent a line that does not parse.
    Garbled(ProtocolError),
    /// The bank sent a valid line, but not the one expected now.
    Unexpected {
        /// What the customer waited for.
        expected: &'static str,
        /// What came instead.
        got: Reply,
    },
}

impl fmt::Display for VisitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VisitError::Io(err) => write!(f, "connection to the bank failed: {err}"),
            VisitError::Closed => f.write_str("the bank closed the connection before DONE"),
            VisitError::Refused(reason) => write!(f, "the bank refused: ERR {reason}"),
            VisitError::Garbled(err) => write!(f, "the bank sent a bad line: {err}"),
            VisitError::Unexpected { expected, got } => {
                write!(f, "expected {expected} from the bank, got {got:?}")
            }
        }
    }
}

impl std::error::Error for VisitError {}

impl From<io::Error> for VisitError {
    fn from(err: io::Error) -> VisitError {
        VisitError::Io(err)
    }
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

/// The end: at the counter, the next line must be `DONE n` for our ticket.
pub fn expect_done(reply: Reply, ticket: TicketNo) -> Result<(), VisitError> {
    match reply {
        Reply::Done(n) if n == ticket => Ok(()),
        other => Err(unexpected("DONE for our ticket", other)),
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
    fn lines_arrive_in_pieces_and_come_out_whole() {
        let mut lines = Lines::new();
        let mut src: &[u8] = b"TICK";
        lines
            .read_from(&mut src)
            .expect("reading a slice cannot fail");
        assert!(lines.next_reply().expect("no error yet").is_none());
        let mut src: &[u8] = b"ET 4\nCALL 4 2\n";
        lines
            .read_from(&mut src)
            .expect("reading a slice cannot fail");
        assert_eq!(
            lines.next_reply().expect("a line").expect("whole"),
            Reply::Ticket(4)
        );
        assert_eq!(
            lines.next_reply().expect("a line").expect("whole"),
            Reply::Call(4, 2)
        );
        assert!(lines.next_reply().expect("no error").is_none());
    }

    #[test]
    fn a_closed_bank_and_an_endless_line_are_errors() {
        let mut lines = Lines::new();
        let mut empty: &[u8] = b"";
        assert!(matches!(
            lines.read_reply(&mut empty),
            Err(VisitError::Closed)
        ));
        let long = vec![b'x'; 600];
        let mut src: &[u8] = &long;
        assert!(matches!(
            lines.read_reply(&mut src),
            Err(VisitError::Garbled(ProtocolError::TooLong))
        ));
    }

    #[test]
    fn an_err_reply_is_a_refusal() {
        let err = expect_call(Reply::Err("busy".into()), 3).expect_err("ERR is not a call");
        assert_eq!(err.to_string(), "the bank refused: ERR busy");
        assert!(
            expect_call(Reply::Call(4, 1), 3).is_err(),
            "someone else's call"
        );
    }
}
