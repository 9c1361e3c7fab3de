//! A client of a real bank, played by a test the way a person with `nc`
//! would: plain blocking sockets, one line at a time.
//!
//! Every read has a deadline ([`PATIENCE`]), so a broken bank fails a test
//! instead of hanging it; "nothing happened" is watched over a short window
//! ([`QUIET`]): such a check can miss a bug on a slow day, but never fails a
//! correct bank.

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use bank::protocol::{MAX_LINE, Reply, TicketNo};
use bank::{Config, Embedded};
use timeline::visible::shows_as_is;
use timeline::{Event, Recorder};

/// How long a client waits for any expected line before the test fails.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// How long "nothing arrives" is watched for.
pub const QUIET: Duration = Duration::from_millis(150);

/// A bank set up as `config` on a free loopback port.
pub fn bank(config: Config) -> Embedded {
    Embedded::start(config, SocketAddr::from(([127, 0, 0, 1], 0)))
        .expect("a bank can start on a free loopback port")
}

/// A bank with `tellers` tellers and the default settings.
pub fn bank_of(tellers: u32) -> Embedded {
    bank(Config {
        tellers,
        ..Config::default()
    })
}

/// A bank that records into `recorder`.
pub fn recorded_bank(config: Config, recorder: &Recorder) -> Embedded {
    tracing::subscriber::with_default(recorder.subscriber(), || bank(config))
}

/// A bank with `tellers` tellers and the default settings, recording into `recorder`.
pub fn recorded_bank_of(tellers: u32, recorder: &Recorder) -> Embedded {
    recorded_bank(
        Config {
            tellers,
            ..Config::default()
        },
        recorder,
    )
}

/// Adds to `seen` everything `recorder` records (times from `origin`) until
/// `found` holds of it; panics after [`PATIENCE`].
pub fn recorded_until(
    recorder: &Recorder,
    origin: Instant,
    seen: &mut Vec<Event>,
    found: impl Fn(&[Event]) -> bool,
) {
    let deadline = Instant::now() + PATIENCE;
    loop {
        seen.extend(recorder.take(origin));
        if found(seen) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "never recorded; recorded: {seen:#?}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A client of the bank.
pub struct Client {
    /// The connection, for writing.
    stream: TcpStream,
    /// The same connection, for reading lines.
    reader: BufReader<TcpStream>,
}

impl Client {
    /// Connects to the bank at `addr`.
    pub fn enter(addr: SocketAddr) -> Client {
        let stream = TcpStream::connect(addr).expect("the bank accepts connections");
        stream
            .set_read_timeout(Some(PATIENCE))
            .expect("a read timeout can be set on a fresh socket");
        stream
            .set_nodelay(true)
            .expect("TCP_NODELAY can be set on a fresh socket");
        let reader = BufReader::new(stream.try_clone().expect("a socket can be cloned"));
        Client { stream, reader }
    }

    /// Sends raw bytes. A bank that has already hung up may refuse them;
    /// what it said before that is still there to read.
    pub fn send_bytes(&mut self, bytes: &[u8]) {
        let _ = self.stream.write_all(bytes);
    }

    /// Sends one line (`\n` is added).
    pub fn send(&mut self, line: &str) {
        self.send_bytes(format!("{line}\n").as_bytes());
    }

    /// The next line from the bank (without `\n`), or `None` at the end of
    /// the stream. Panics if nothing comes within [`PATIENCE`].
    pub fn line(&mut self) -> Option<String> {
        let mut line = Vec::new();
        match self.reader.read_until(b'\n', &mut line) {
            Ok(0) => None,
            Ok(_) => {
                assert!(line.ends_with(b"\n"), "a whole line: {line:?}");
                line.pop();
                Some(String::from_utf8(line).expect("the bank speaks UTF-8"))
            }
            Err(err) => panic!("no line from the bank within {PATIENCE:?}: {err}"),
        }
    }

    /// The next reply, which must come.
    pub fn reply(&mut self) -> Reply {
        let line = self.line().expect("the bank replies before hanging up");
        Reply::parse(&line).unwrap_or_else(|err| panic!("the bank said {line:?}: {err}"))
    }

    /// Asks for a ticket for `service_ms` and returns its number.
    pub fn take_ticket(&mut self, name: &str, service_ms: u32) -> TicketNo {
        self.send(&format!("TICKET {name} {service_ms}"));
        match self.reply() {
            Reply::Ticket(n) => n,
            other => panic!("wanted a ticket, got {other}"),
        }
    }

    /// Waits for the call: the ticket and the teller.
    pub fn called(&mut self) -> (TicketNo, u32) {
        match self.reply() {
            Reply::Call(n, teller) => (n, teller),
            other => panic!("wanted a CALL, got {other}"),
        }
    }

    /// Says `HERE n`, waits for `DONE n` and the bank's hang-up.
    pub fn be_served(&mut self, ticket: TicketNo) {
        self.send(&format!("HERE {ticket}"));
        assert_eq!(self.reply(), Reply::Done(ticket));
        self.hung_up();
    }

    /// Says `HERE n` to every call until `DONE n` (under round robin or
    /// MLFQ, a `PAUSE n` comes between turns, then the next `CALL`), then
    /// waits for the bank's hang-up. Returns how many turns it took and
    /// the tellers who called, after the first call (already heard).
    pub fn be_served_in_turns(&mut self, ticket: TicketNo) -> (usize, Vec<u32>) {
        let mut tellers = Vec::new();
        loop {
            self.send(&format!("HERE {ticket}"));
            match self.reply() {
                Reply::Done(n) if n == ticket => {
                    self.hung_up();
                    return (tellers.len() + 1, tellers);
                }
                Reply::Pause(n) if n == ticket => {
                    let (n, teller) = self.called();
                    assert_eq!(n, ticket, "called again with our ticket");
                    tellers.push(teller);
                }
                other => panic!("wanted DONE or PAUSE {ticket}, got {other}"),
            }
        }
    }

    /// The bank has closed the connection: nothing more comes.
    pub fn hung_up(&mut self) {
        let mut rest = Vec::new();
        match self.reader.read_to_end(&mut rest) {
            Ok(_) => assert!(rest.is_empty(), "after the end, the bank sent {rest:?}"),
            // Closing with our bytes unread makes the kernel send a reset.
            Err(err) if err.kind() == ErrorKind::ConnectionReset => {}
            Err(err) => panic!("the bank did not hang up within {PATIENCE:?}: {err}"),
        }
    }

    /// Expects `ERR <reason>` (a well-formed line) and then the hang-up;
    /// returns the reason.
    pub fn refused(&mut self) -> String {
        let line = self.line().expect("an ERR line before the hang-up");
        assert_well_formed(&line);
        let reason = line
            .strip_prefix("ERR ")
            .unwrap_or_else(|| panic!("wanted ERR, got {line:?}"))
            .to_owned();
        self.hung_up();
        reason
    }

    /// Whether nothing arrives from the bank for [`QUIET`].
    pub fn hears_nothing(&mut self) -> bool {
        self.stream
            .set_read_timeout(Some(QUIET))
            .expect("a read timeout can be changed");
        let quiet = match self.reader.fill_buf() {
            // Bytes, or the end of the stream: either way, something happened.
            Ok(_) => false,
            Err(err) => matches!(err.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
        };
        self.stream
            .set_read_timeout(Some(PATIENCE))
            .expect("a read timeout can be changed");
        quiet
    }
}

/// A line from the bank fits the protocol and shows as it is on any terminal.
pub fn assert_well_formed(line: &str) {
    assert!(line.len() <= MAX_LINE, "{} bytes: {line:?}", line.len());
    assert!(shows_as_is(line), "nothing to escape in it: {line:?}");
}
