//! What every customer does, whatever their style of waiting: the lines they
//! send, how they read the bank's lines, and what can go wrong.
//!
//! The styles differ only in *how they wait* for the bank's next line; the
//! lines themselves are the same for all four, so they live here.

use std::fmt;
use std::io::{self, IoSliceMut, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime};

use nix::sys::socket::{ControlMessageOwned, MsgFlags, recvmsg, setsockopt, sockopt};
use nix::sys::time::TimeSpec;

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
    let (slip, _) = lines.read_reply_stamped(socket.as_fd())?;
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

/// Asks the kernel to stamp every segment that reaches the socket `fd` with the
/// wall-clock time of its arrival (`SO_TIMESTAMPNS`), so that
/// [`Lines::read_stamped`] can tell how long a line sat unread in the socket.
///
/// It changes nothing else: plain `read()`s still work, and the way the
/// socket is waited on (blocking, non-blocking, epoll, tokio) is untouched.
///
/// Linux switches stamping on for the whole system a moment after the first
/// socket asks (a deferred static key), and segments that arrive before
/// that carry no stamp. So the first call in a process also waits until
/// stamps do come (a fraction of a millisecond; it gives up after 100 ms),
/// and keeps one stamped socket open for the life of the process so that
/// stamping stays on between customers.
pub fn stamp_arrivals(fd: BorrowedFd<'_>) -> io::Result<()> {
    setsockopt(&fd, sockopt::ReceiveTimestampns, &true)?;
    static KEEPER: OnceLock<Option<TcpStream>> = OnceLock::new();
    // If the probe cannot run, stamps may only be missing for the first lines.
    KEEPER.get_or_init(|| stamping_switched_on().ok());
    Ok(())
}

/// Waits until the kernel stamps TCP segments on arrival, with a loopback
/// pair of its own; returns the stamped end, to be kept open.
fn stamping_switched_on() -> io::Result<TcpStream> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    let keeper = TcpStream::connect(listener.local_addr()?)?;
    let (mut sender, _) = listener.accept()?;
    setsockopt(&keeper, sockopt::ReceiveTimestampns, &true)?;
    let mut probe = Lines::new();
    let give_up = Instant::now() + Duration::from_millis(100);
    while Instant::now() < give_up {
        sender.write_all(b"\n")?;
        probe.read_stamped(keeper.as_fd())?;
        if probe.chunks.iter().any(|chunk| chunk.arrived.is_some()) {
            break;
        }
        probe.chunks.clear();
        probe.buf.clear();
        std::thread::sleep(Duration::from_micros(200));
    }
    Ok(keeper)
}

/// A customer's inbox: bytes read from the socket, cut into lines.
///
/// It holds at most one line plus what arrived after it; a line longer than
/// the protocol allows is an error rather than a growing buffer.
///
/// Reads made with [`Lines::read_stamped`] keep the kernel's stamp of when
/// each chunk reached the socket; [`Lines::next_reply_stamped`] then tells,
/// with each line, how long it had been there unread.
#[derive(Debug)]
pub struct Lines {
    /// Bytes received and not yet taken as lines.
    buf: Vec<u8>,
    /// The chunks `buf` was read in, oldest first, each with where it ends
    /// in `buf` and when it reached the socket (if the kernel said).
    chunks: Vec<Chunk>,
    /// Room for the control message that carries the kernel's stamp.
    cmsg: Vec<u8>,
}

/// One read's worth of bytes in the inbox.
#[derive(Debug, Clone, Copy)]
struct Chunk {
    /// Where it ends in [`Lines::buf`] (exclusive).
    end: usize,
    /// The kernel's stamp of its arrival (`CLOCK_REALTIME`), when there was one.
    arrived: Option<SystemTime>,
}

impl Default for Lines {
    fn default() -> Lines {
        Lines::new()
    }
}

impl Lines {
    /// An empty inbox.
    pub fn new() -> Lines {
        Lines {
            buf: Vec::with_capacity(MAX_LINE + 1),
            chunks: Vec::new(),
            cmsg: nix::cmsg_space!(TimeSpec),
        }
    }

    /// Reads once from `src`. `Ok(0)` means the bank closed the connection;
    /// a non-blocking source's `WouldBlock` is passed through untouched.
    /// What it reads carries no arrival stamp.
    pub fn read_from(&mut self, src: &mut impl Read) -> io::Result<usize> {
        let mut chunk = [0u8; MAX_LINE + 1];
        let n = src.read(&mut chunk)?;
        self.push(&chunk[..n]);
        Ok(n)
    }

    /// Reads once from the socket `fd` with `recvmsg()`: the same read as
    /// [`Lines::read_from`] (it blocks, or says `WouldBlock`, exactly as the
    /// socket is set to; `Ok(0)` means the bank closed the connection), but it
    /// also keeps the kernel's stamp of when the bytes reached the socket, if
    /// [`stamp_arrivals`] asked for one.
    pub fn read_stamped(&mut self, fd: BorrowedFd<'_>) -> io::Result<usize> {
        let mut chunk = [0u8; MAX_LINE + 1];
        let (n, arrived) = {
            let mut iov = [IoSliceMut::new(&mut chunk)];
            let msg = recvmsg::<()>(
                fd.as_raw_fd(),
                &mut iov,
                Some(&mut self.cmsg),
                MsgFlags::empty(),
            )?;
            // A truncated control message (`cmsgs()` fails) only loses the stamp.
            let arrived = msg
                .cmsgs()
                .ok()
                .into_iter()
                .flatten()
                .find_map(|m| match m {
                    ControlMessageOwned::ScmTimestampns(ts) => wall_clock(ts),
                    _ => None,
                });
            (msg.bytes, arrived)
        };
        self.take(&chunk[..n], arrived);
        Ok(n)
    }

    /// Takes bytes that were read some other way (an async read, say).
    /// They carry no arrival stamp.
    pub fn push(&mut self, bytes: &[u8]) {
        self.take(bytes, None);
    }

    /// Appends one chunk that reached the socket at `arrived`.
    fn take(&mut self, bytes: &[u8], arrived: Option<SystemTime>) {
        if bytes.is_empty() {
            return;
        }
        self.buf.extend_from_slice(bytes);
        self.chunks.push(Chunk {
            end: self.buf.len(),
            arrived,
        });
    }

    /// The next complete line from the bank, if one has arrived.
    pub fn next_reply(&mut self) -> Result<Option<Reply>, VisitError> {
        Ok(self.next_reply_stamped()?.map(|(reply, _unread)| reply))
    }

    /// The next complete line from the bank, if one has arrived, with how
    /// long it sat unread: from when the chunk that completed it reached the
    /// socket (the kernel's stamp) to now, as it is taken. `None` when that
    /// chunk carried no stamp.
    pub fn next_reply_stamped(&mut self) -> Result<Option<(Reply, Option<Duration>)>, VisitError> {
        let Some(end) = self.buf.iter().position(|&b| b == b'\n') else {
            if self.buf.len() > MAX_LINE + 1 {
                return Err(VisitError::Garbled(ProtocolError::TooLong));
            }
            return Ok(None);
        };
        let arrived = self
            .chunks
            .iter()
            .find(|chunk| chunk.end > end)
            .and_then(|chunk| chunk.arrived);
        // A wall clock stepped back since the stamp leaves the time unknown.
        let unread = arrived.and_then(|at| SystemTime::now().duration_since(at).ok());
        let line: Vec<u8> = self.buf.drain(..=end).collect();
        let taken = line.len();
        self.chunks.retain_mut(|chunk| {
            chunk.end = chunk.end.saturating_sub(taken);
            chunk.end > 0
        });
        let text = decode_line(&line).map_err(VisitError::Garbled)?;
        let reply = Reply::parse(text).map_err(VisitError::Garbled)?;
        Ok(Some((reply, unread)))
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

    /// Reads with [`Lines::read_stamped`] (blocking) until a whole line has
    /// arrived, and returns it with how long it sat unread in the socket.
    pub fn read_reply_stamped(
        &mut self,
        fd: BorrowedFd<'_>,
    ) -> Result<(Reply, Option<Duration>), VisitError> {
        loop {
            if let Some(stamped) = self.next_reply_stamped()? {
                return Ok(stamped);
            }
            match self.read_stamped(fd) {
                Ok(0) => return Err(VisitError::Closed),
                Ok(_) => {}
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) => return Err(err.into()),
            }
        }
    }
}

/// The kernel's `SCM_TIMESTAMPNS` as a wall-clock time (`None` if it is zero
/// or out of range).
fn wall_clock(ts: TimeSpec) -> Option<SystemTime> {
    let secs = u64::try_from(ts.tv_sec()).ok()?;
    let nanos = u64::try_from(ts.tv_nsec()).ok()?;
    if secs == 0 && nanos == 0 {
        return None;
    }
    SystemTime::UNIX_EPOCH
        .checked_add(Duration::from_secs(secs))?
        .checked_add(Duration::from_nanos(nanos))
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
    fn a_line_takes_the_stamp_of_the_chunk_that_completed_it() {
        let now = SystemTime::now();
        let (long_ago, a_while_ago) =
            (now - Duration::from_secs(20), now - Duration::from_secs(10));
        let mut lines = Lines::new();
        lines.take(b"TICK", Some(long_ago));
        lines.take(b"ET 4\nCALL 4", Some(a_while_ago));
        lines.push(b" 2\nDONE 4\n");
        let (reply, unread) = lines.next_reply_stamped().expect("a line").expect("whole");
        assert_eq!(reply, Reply::Ticket(4));
        let unread = unread.expect("stamped");
        assert!(
            unread >= Duration::from_secs(10) && unread < Duration::from_secs(20),
            "the stamp of the chunk with the newline, not the first one: {unread:?}"
        );
        assert_eq!(
            lines.next_reply_stamped().expect("a line").expect("whole"),
            (Reply::Call(4, 2), None),
            "completed by bytes without a stamp"
        );
        assert_eq!(
            lines.next_reply_stamped().expect("a line").expect("whole"),
            (Reply::Done(4), None)
        );
        assert!(lines.chunks.is_empty() && lines.buf.is_empty());
        lines.take(b"CALL 5 1\n", Some(long_ago));
        let (_, unread) = lines.next_reply_stamped().expect("a line").expect("whole");
        assert!(unread.expect("stamped") >= Duration::from_secs(20));
    }

    /// A connected loopback pair: (the customer's end, the bank's end).
    fn loopback() -> (TcpStream, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().expect("the listener's address");
        let customer = TcpStream::connect(addr).expect("connect");
        let (bank, _) = listener.accept().expect("accept");
        (customer, bank)
    }

    /// A loopback pair whose customer end has its arrivals stamped.
    fn stamped_loopback() -> (TcpStream, TcpStream) {
        let (customer, bank) = loopback();
        stamp_arrivals(customer.as_fd()).expect("SO_TIMESTAMPNS");
        (customer, bank)
    }

    #[test]
    fn a_line_left_in_the_socket_shows_how_long_it_sat_there() {
        let (customer, mut bank) = stamped_loopback();
        bank.write_all(b"CALL 4 2\n").expect("write");
        std::thread::sleep(Duration::from_millis(30));
        let mut lines = Lines::new();
        let (reply, unread) = lines.read_reply_stamped(customer.as_fd()).expect("a line");
        assert_eq!(reply, Reply::Call(4, 2));
        let unread = unread.expect("the kernel stamped the segment");
        assert!(unread >= Duration::from_millis(25), "unread {unread:?}");
    }

    #[test]
    fn a_line_read_at_once_sat_there_hardly_at_all() {
        let (customer, mut bank) = stamped_loopback();
        let mut lines = Lines::new();
        bank.write_all(b"TICKET 7\n").expect("write");
        let (reply, unread) = lines.read_reply_stamped(customer.as_fd()).expect("a line");
        assert_eq!(reply, Reply::Ticket(7));
        let unread = unread.expect("the kernel stamped the segment");
        assert!(unread < Duration::from_millis(20), "unread {unread:?}");
    }

    #[test]
    fn without_stamps_asked_for_the_time_unread_is_unknown() {
        let (customer, mut bank) = loopback();
        bank.write_all(b"DONE 3\n").expect("write");
        let mut lines = Lines::new();
        assert_eq!(
            lines.read_reply_stamped(customer.as_fd()).expect("a line"),
            (Reply::Done(3), None)
        );
    }

    #[test]
    fn a_stamped_read_passes_would_block_and_the_end_through() {
        let (customer, bank) = loopback();
        stamp_arrivals(customer.as_fd()).expect("SO_TIMESTAMPNS");
        let mut lines = Lines::new();
        customer.set_nonblocking(true).expect("O_NONBLOCK");
        let err = lines
            .read_stamped(customer.as_fd())
            .expect_err("nothing to read yet");
        assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
        drop(bank);
        customer.set_nonblocking(false).expect("blocking again");
        assert_eq!(lines.read_stamped(customer.as_fd()).expect("the end"), 0);
        assert!(matches!(
            lines.read_reply_stamped(customer.as_fd()),
            Err(VisitError::Closed)
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
