//! One customer's line to the bank: reading requests, writing replies, and
//! closing politely.
//!
//! The bank never trusts what comes in. Lines are cut by a codec that stops
//! at [`MAX_LINE`] bytes, so a client that never sends `\n` cannot make the
//! bank buffer without end; the bytes are then checked as UTF-8 and parsed by
//! [`protocol`](crate::protocol). Whatever goes wrong becomes a [`Refusal`],
//! whose text is what the customer reads after `ERR`: it never echoes a
//! client's bytes except through [`protocol::printable`](crate::protocol::printable).
//!
//! Each connection holds a permit of the bank's doors (`listener::Doors`) for
//! as long as its socket is open, lingering close included: that is how the
//! bank counts its customers exactly, and turns away the one too many.

use std::fmt;
use std::io;
use std::time::Duration;

use futures::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::OwnedSemaphorePermit;
use tokio_util::bytes::Bytes;
use tokio_util::codec::{AnyDelimiterCodec, AnyDelimiterCodecError, FramedRead};

use crate::protocol::{MAX_LINE, ProtocolError, Reply, Request, TicketNo};
use timeline::plural;
use timeline::record;

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
    /// This connection's place in the bank (or among those being turned
    /// away): given back when the socket is closed, not before.
    _place: OwnedSemaphorePermit,
}

/// What the bank heard on a connection.
#[derive(Debug, PartialEq)]
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
    /// The bank is full: `max_customers` connections are open already.
    Busy {
        /// How many customers the bank holds at most.
        inside: u32,
    },
    /// No complete first line within the idle timeout: a silent client, or
    /// half a line, must not hold a connection for ever.
    Idle(Duration),
    /// Called to the counter, and no `HERE` within the timeout: the teller
    /// gives up and calls the next ticket.
    NoHere {
        /// The ticket that was called.
        ticket: TicketNo,
        /// How long the teller waited.
        waited: Duration,
    },
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
            Refusal::Busy { inside } => {
                write!(
                    f,
                    "busy: {} already in the bank; try again later",
                    plural::count(*inside, "customer")
                )
            }
            Refusal::Idle(after) => {
                write!(f, "timeout: no complete line within {}", seconds(*after))
            }
            Refusal::NoHere { ticket, waited } => {
                write!(
                    f,
                    "timeout: no HERE for ticket {ticket} within {}",
                    seconds(*waited)
                )
            }
        }
    }
}

/// A duration in seconds as a person reads it: `30 s`, `0.25 s`.
fn seconds(d: Duration) -> String {
    format!("{} s", d.as_millis() as f64 / 1000.0)
}

impl From<ProtocolError> for Refusal {
    fn from(err: ProtocolError) -> Refusal {
        Refusal::Garbled(err)
    }
}

impl Connection {
    /// Takes over an accepted socket, with its place in the bank.
    pub(crate) fn new(stream: TcpStream, place: OwnedSemaphorePermit) -> Connection {
        // Replies are tiny and each one matters at once: without this, Nagle's
        // algorithm could hold a CALL back until the TICKET before it is acknowledged.
        if let Err(err) = stream.set_nodelay(true) {
            tracing::debug!("cannot set TCP_NODELAY: {err}");
        }
        let (read, out) = stream.into_split();
        Connection {
            lines: FramedRead::new(read, line_codec()),
            out,
            _place: place,
        }
    }

    /// Waits for the next line and says what it was.
    ///
    /// Cancel-safe: a partly received line stays buffered, so this can race
    /// against a call or a deadline in `tokio::select!`.
    pub(crate) async fn hear(&mut self) -> Heard {
        match self.lines.next().await {
            None => Heard::Gone,
            Some(frame) => understand(frame),
        }
    }

    /// Writes one reply line.
    pub(crate) async fn say(&mut self, reply: &Reply) -> io::Result<()> {
        let line = format!("{reply}\n");
        self.out.write_all(line.as_bytes()).await
    }

    /// Records the refusal on the current lane, then sends `ERR <why>` and
    /// closes, in a task of its own: whoever refuses (a teller, say) goes on
    /// at once, even if the client never reads.
    pub(crate) fn refuse(self, why: &Refusal) {
        let reason = why.to_string();
        record::reject(&reason);
        tokio::spawn(self.say_last(Reply::Err(reason)));
    }

    /// Sends a last line (within [`LINGER`]), then closes politely.
    async fn say_last(mut self, reply: Reply) {
        match tokio::time::timeout(LINGER, self.say(&reply)).await {
            Ok(Ok(())) => self.linger().await,
            Ok(Err(err)) => tracing::debug!("could not send {reply}: {err}"),
            Err(_) => tracing::debug!("could not send {reply} within {LINGER:?}"),
        }
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
        let Connection {
            lines,
            mut out,
            _place,
        } = self;
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
        // Either way, the socket is closed (and its place given back) when this task ends.
        let _ = tokio::time::timeout(LINGER, drain).await;
    }
}

/// What one frame from the codec means: a line's bytes, or the codec's
/// complaint about them. Every frame is a request or a refusal; a broken
/// socket is the customer gone.
fn understand(frame: Result<Bytes, AnyDelimiterCodecError>) -> Heard {
    match frame {
        Err(AnyDelimiterCodecError::Io(_)) => Heard::Gone,
        Err(AnyDelimiterCodecError::MaxChunkLengthExceeded) => {
            Heard::Refused(ProtocolError::TooLong.into())
        }
        Ok(bytes) => match Request::from_bytes(&bytes) {
            Ok(request) => Heard::Request(request),
            Err(err) => Heard::Refused(err.into()),
        },
    }
}

/// The codec every connection cuts its lines with.
fn line_codec() -> AnyDelimiterCodec {
    // MAX_LINE + 1: a `\r` may come before the `\n`.
    AnyDelimiterCodec::new_with_max_length(b"\n".to_vec(), Vec::new(), MAX_LINE + 1)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use tokio_util::codec::Decoder;

    use super::*;

    /// What the bank hears from `stream` when it arrives in pieces cut at
    /// `cuts`, then ends: every line it takes, up to and with the first it
    /// refuses (after which it stops listening), or to the end.
    fn heard_in_pieces(stream: &[u8], cuts: &[usize]) -> Vec<Heard> {
        let mut codec = line_codec();
        let mut buf = tokio_util::bytes::BytesMut::new();
        let mut heard = Vec::new();
        let mut points: Vec<usize> = cuts.iter().map(|c| c % (stream.len() + 1)).collect();
        points.push(stream.len());
        points.sort_unstable();
        let mut from = 0;
        for to in points {
            buf.extend_from_slice(&stream[from..to]);
            from = to;
            loop {
                match codec.decode(&mut buf).transpose() {
                    None => break,
                    Some(frame) => {
                        heard.push(understand(frame));
                        if matches!(heard.last(), Some(Heard::Refused(_))) {
                            return heard;
                        }
                    }
                }
            }
        }
        if let Some(frame) = codec.decode_eof(&mut buf).transpose() {
            heard.push(understand(frame));
            if matches!(heard.last(), Some(Heard::Refused(_))) {
                return heard;
            }
        }
        heard.push(Heard::Gone);
        heard
    }

    /// What the bank should hear from `stream`, whole: line by line, a line
    /// longer than allowed refused as too long, the last unfinished line
    /// taken as it is when the stream ends.
    fn heard_whole(stream: &[u8]) -> Vec<Heard> {
        let mut heard = Vec::new();
        let mut lines = stream.split(|&b| b == b'\n').peekable();
        while let Some(line) = lines.next() {
            let last = lines.peek().is_none();
            if last && line.is_empty() {
                break;
            }
            let one = if line.len() > MAX_LINE + 1 {
                Heard::Refused(ProtocolError::TooLong.into())
            } else {
                understand(Ok(Bytes::copy_from_slice(line)))
            };
            let refused = matches!(one, Heard::Refused(_));
            heard.push(one);
            if refused {
                return heard;
            }
        }
        heard.push(Heard::Gone);
        heard
    }

    /// A stream of lines: good ones, garbage, overlong ones, with or
    /// without a final `\n`.
    fn stream() -> impl Strategy<Value = Vec<u8>> {
        let line = prop_oneof![
            prop::sample::select(vec![
                b"TICKET ana 5".to_vec(),
                b"HERE 1\r".to_vec(),
                "TICKET 张三 400".as_bytes().to_vec(),
            ]),
            prop::collection::vec(any::<u8>(), 0..40),
            (250..600usize).prop_map(|n| vec![b'x'; n]),
        ];
        (prop::collection::vec(line, 0..6), any::<bool>()).prop_map(|(lines, end)| {
            let mut stream = lines.join(&b'\n');
            if end {
                stream.push(b'\n');
            }
            stream
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 20_000, ..ProptestConfig::default() })]

        /// However TCP cuts the bytes, the bank hears the same lines, each a
        /// request or a refusal, and its reason fits in one printable line.
        #[test]
        fn the_lines_heard_do_not_depend_on_how_the_bytes_arrive(
            stream in stream(),
            cuts in prop::collection::vec(any::<usize>(), 0..8),
        ) {
            let heard = heard_in_pieces(&stream, &cuts);
            prop_assert_eq!(&heard, &heard_whole(&stream));
            for h in &heard {
                if let Heard::Refused(why) = h {
                    let line = Reply::Err(why.to_string()).to_string();
                    prop_assert!(line.len() <= MAX_LINE && !line.chars().any(char::is_control));
                }
            }
        }
    }

    #[test]
    fn every_refusal_fits_in_a_line() {
        let longest = Duration::from_secs(86_400);
        let refusals = [
            Refusal::NoTicket,
            Refusal::SecondTicket(TicketNo::MAX),
            Refusal::NotCalledYet(TicketNo::MAX),
            Refusal::WrongTicket {
                said: TicketNo::MAX,
                holds: TicketNo::MAX,
            },
            Refusal::BeingServed(TicketNo::MAX),
            Refusal::Busy { inside: u32::MAX },
            Refusal::Idle(longest),
            Refusal::NoHere {
                ticket: TicketNo::MAX,
                waited: longest,
            },
        ];
        for why in refusals {
            let line = Reply::Err(why.to_string()).to_string();
            assert!(line.len() <= MAX_LINE, "{line}");
        }
        assert_eq!(
            Refusal::NoHere {
                ticket: 3,
                waited: Duration::from_millis(300)
            }
            .to_string(),
            "timeout: no HERE for ticket 3 within 0.3 s"
        );
        assert_eq!(
            Refusal::Busy { inside: 1000 }.to_string(),
            "busy: 1000 customers already in the bank; try again later"
        );
    }
}
