//! One customer's line to the bank: reading requests, writing replies, and
//! closing politely.
//!
//! The bank never trusts what comes in. Lines are cut by a codec that stops
//! at [`MAX_LINE`] bytes, so a client that never sends `\n` cannot make the
//! bank buffer without end; the bytes are then checked as UTF-8 and parsed by
//! [`protocol`](crate::protocol). Whatever goes wrong becomes a [`Refusal`],
//! whose text is what the customer reads after `ERR`.

use std::fmt;
use std::io;
use std::time::Duration;

use futures::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio_util::codec::{AnyDelimiterCodec, AnyDelimiterCodecError, FramedRead};

use crate::protocol::{MAX_LINE, ProtocolError, Reply, Request, TicketNo, decode_line};
use crate::timeline::record;

/// How long a closing connection waits for the customer to hang up.
const LINGER: Duration = Duration::from_secs(2);

/// How much a closing connection reads and throws away at most.
const LINGER_BYTES: usize = 64 * 1024;

/// A customer's connection, from the bank's side.
pub(crate) struct Connection {
    /// Incoming lines, cut at `\n`, each at most `MAX_LINE + 1` bytes (a `\r` may precede the `\n`).
    lines: FramedRead<OwnedReadHalf, AnyDelimiterCodec>,
    /// Where replies go.
    out: OwnedWriteHalf,
}

/// What the bank heard on a connection.
pub(crate) enum Heard {
    /// A well-formed request (it may still come at the wrong moment).
    Request(Request),
    /// A line the bank cannot take.
    Refused(Refusal),
    /// The customer hung up (or the connection broke).
    Gone,
}

/// Why the bank refuses a line: its text is sent after `ERR`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Refusal {
    /// The line itself is wrong: too long, not UTF-8, unknown, malformed.
    Garbled(ProtocolError),
    /// `HERE` from someone who never took a ticket.
    NoTicket,
    /// A second `TICKET` from someone who holds one.
    SecondTicket(TicketNo),
    /// `HERE` before the customer was called.
    NotCalledYet(TicketNo),
    /// `HERE` with another ticket's number.
    WrongTicket {
        /// The number the customer said.
        said: TicketNo,
        /// The number on their slip.
        holds: TicketNo,
    },
    /// Anything said while being served, before `DONE`.
    BeingServed(TicketNo),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Garbled(err) => err.fmt(f),
            Refusal::NoTicket => f.write_str("take a TICKET first"),
            Refusal::SecondTicket(n) => write!(f, "you already hold ticket {n}"),
            Refusal::NotCalledYet(n) => write!(f, "ticket {n} has not been called yet"),
            Refusal::WrongTicket { said, holds } => {
                write!(f, "you hold ticket {holds}, not {said}")
            }
            Refusal::BeingServed(n) => write!(f, "ticket {n} is being served: wait for DONE"),
        }
    }
}

impl From<ProtocolError> for Refusal {
    fn from(err: ProtocolError) -> Refusal {
        Refusal::Garbled(err)
    }
}

impl Connection {
    /// Takes over an accepted socket.
    pub(crate) fn new(stream: TcpStream) -> Connection {
        // Replies are tiny and each one matters at once: without this, Nagle's
        // algorithm could hold a CALL back until the TICKET before it is acknowledged.
        if let Err(err) = stream.set_nodelay(true) {
            tracing::debug!("cannot set TCP_NODELAY: {err}");
        }
        let (read, out) = stream.into_split();
        let codec =
            AnyDelimiterCodec::new_with_max_length(b"\n".to_vec(), Vec::new(), MAX_LINE + 1);
        Connection {
            lines: FramedRead::new(read, codec),
            out,
        }
    }

    /// Waits for the next line and says what it was.
    ///
    /// Cancel-safe: a partly received line stays buffered, so this can race
    /// against a call or a deadline in `tokio::select!`.
    pub(crate) async fn hear(&mut self) -> Heard {
        match self.lines.next().await {
            None | Some(Err(AnyDelimiterCodecError::Io(_))) => Heard::Gone,
            Some(Err(AnyDelimiterCodecError::MaxChunkLengthExceeded)) => {
                Heard::Refused(ProtocolError::TooLong.into())
            }
            Some(Ok(bytes)) => match decode_line(&bytes).and_then(Request::parse) {
                Ok(request) => Heard::Request(request),
                Err(err) => Heard::Refused(err.into()),
            },
        }
    }

    /// Writes one reply line.
    pub(crate) async fn say(&mut self, reply: &Reply) -> io::Result<()> {
        let line = format!("{reply}\n");
        self.out.write_all(line.as_bytes()).await
    }

    /// Records the refusal on the current lane, sends `ERR <why>`, and closes.
    pub(crate) async fn refuse(mut self, why: &Refusal) {
        let reason = why.to_string();
        record::reject(&reason);
        if let Err(err) = self.say(&Reply::Err(reason)).await {
            tracing::debug!("could not send ERR: {err}");
        }
        self.close();
    }

    /// Hangs up without holding the caller up.
    ///
    /// The bank sends its end-of-stream at once, then (in a task of its own)
    /// reads and drops whatever the customer still sends until they hang up
    /// too. Closing a socket with unread input would make the kernel send a
    /// reset, and a reset can destroy the last reply (`DONE`, `ERR`) before
    /// the customer has read it.
    pub(crate) fn close(self) {
        tokio::spawn(self.linger());
    }

    /// The lingering close: end our side, drain theirs for a while.
    async fn linger(self) {
        let Connection { lines, mut out } = self;
        if out.shutdown().await.is_err() {
            return;
        }
        let mut rest = lines.into_inner();
        let drain = async {
            let mut buf = [0u8; 4096];
            let mut total = 0;
            while total < LINGER_BYTES {
                match rest.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => total += n,
                }
            }
        };
        // Either way, the socket is closed when this task ends.
        let _ = tokio::time::timeout(LINGER, drain).await;
    }
}
