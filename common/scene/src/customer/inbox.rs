//! A customer's inbox: the bank's lines as they reach the socket, with the
//! kernel's stamp of *when* they reached it.
//!
//! The stamp is what makes a slow reaction visible from the customer's side:
//! a `CALL` that sat unread in the socket for 120 ms (because the customer
//! was busy with an errand slice and had not looked) says so, even when the
//! bank runs in another process and its own records are out of reach.

use std::io::{self, IoSliceMut, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime};

use nix::sys::socket::{ControlMessageOwned, MsgFlags, recvmsg, setsockopt, sockopt};
use nix::sys::time::TimeSpec;

use super::VisitError;
use bank::protocol::{MAX_LINE, ProtocolError, Reply, decode_line};

/// Asks the kernel to stamp every segment that reaches the socket `fd` with the
/// wall-clock time of its arrival (`SO_TIMESTAMPNS`), so that
/// [`Lines::read_once`] can tell how long a line sat unread in the socket.
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
        probe.read_once(keeper.as_fd())?;
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
/// Reads made with [`Lines::read_once`] keep the kernel's stamp of when
/// each chunk reached the socket; [`Lines::next_reply`] then tells,
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

    /// Reads once from the socket `fd`, with `recvmsg()`: a `read()` that
    /// also hands over the kernel's stamp of when the bytes reached the socket
    /// (if [`stamp_arrivals`] asked for one). It blocks, or says `WouldBlock`,
    /// exactly as the socket is set to; `Ok(0)` means the bank closed the
    /// connection.
    pub fn read_once(&mut self, fd: BorrowedFd<'_>) -> io::Result<usize> {
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

    /// The next complete line from the bank, if one has arrived, with how
    /// long it sat unread: from when the chunk that completed it reached the
    /// socket (the kernel's stamp) to now, as it is taken. `None` when that
    /// chunk carried no stamp.
    pub fn next_reply(&mut self) -> Result<Option<(Reply, Option<Duration>)>, VisitError> {
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

    /// Reads with [`Lines::read_once`] until a whole line has arrived (on a
    /// blocking socket), and returns it with how long it sat unread.
    pub fn read_reply(
        &mut self,
        fd: BorrowedFd<'_>,
    ) -> Result<(Reply, Option<Duration>), VisitError> {
        loop {
            if let Some(stamped) = self.next_reply()? {
                return Ok(stamped);
            }
            match self.read_once(fd) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_arrive_in_pieces_and_come_out_whole() {
        let mut lines = Lines::new();
        lines.take(b"TICK", None);
        assert!(lines.next_reply().expect("no error yet").is_none());
        lines.take(b"ET 4\nCALL 4 2\n", None);
        assert_eq!(
            lines.next_reply().expect("a line").expect("whole"),
            (Reply::Ticket(4), None)
        );
        assert_eq!(
            lines.next_reply().expect("a line").expect("whole"),
            (Reply::Call(4, 2), None)
        );
        assert!(lines.next_reply().expect("no error").is_none());
    }

    #[test]
    fn an_endless_line_is_an_error() {
        let mut lines = Lines::new();
        lines.take(&[b'x'; 600], None);
        assert!(matches!(
            lines.next_reply(),
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
        lines.take(b" 2\nDONE 4\n", None);
        let (reply, unread) = lines.next_reply().expect("a line").expect("whole");
        assert_eq!(reply, Reply::Ticket(4));
        let unread = unread.expect("stamped");
        assert!(
            unread >= Duration::from_secs(10) && unread < Duration::from_secs(20),
            "the stamp of the chunk with the newline, not the first one: {unread:?}"
        );
        assert_eq!(
            lines.next_reply().expect("a line").expect("whole"),
            (Reply::Call(4, 2), None),
            "completed by bytes without a stamp"
        );
        assert_eq!(
            lines.next_reply().expect("a line").expect("whole"),
            (Reply::Done(4), None)
        );
        assert!(lines.chunks.is_empty() && lines.buf.is_empty());
        lines.take(b"CALL 5 1\n", Some(long_ago));
        let (_, unread) = lines.next_reply().expect("a line").expect("whole");
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
        let (reply, unread) = lines.read_reply(customer.as_fd()).expect("a line");
        assert_eq!(reply, Reply::Call(4, 2));
        let unread = unread.expect("the kernel stamped the segment");
        assert!(unread >= Duration::from_millis(25), "unread {unread:?}");
    }

    #[test]
    fn a_line_read_at_once_sat_there_hardly_at_all() {
        let (customer, mut bank) = stamped_loopback();
        let mut lines = Lines::new();
        bank.write_all(b"TICKET 7\n").expect("write");
        let (reply, unread) = lines.read_reply(customer.as_fd()).expect("a line");
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
            lines.read_reply(customer.as_fd()).expect("a line"),
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
            .read_once(customer.as_fd())
            .expect_err("nothing to read yet");
        assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
        drop(bank);
        customer.set_nonblocking(false).expect("blocking again");
        assert_eq!(lines.read_once(customer.as_fd()).expect("the end"), 0);
        assert!(matches!(
            lines.read_reply(customer.as_fd()),
            Err(VisitError::Closed)
        ));
    }
}
