//! One customer's line to the bank: reading requests, writing replies, and
//! closing politely.
//!
//! The bank never trusts what comes in. Lines are cut by a codec that stops
//! at [`MAX_LINE`] bytes, so a client that never sends `\n` cannot make the
//! bank buffer without end (a byte-order mark before the first line is
//! dropped, see [`BOM`]); the bytes are then checked as UTF-8 and parsed by
//! [`protocol`](crate::protocol). Whatever goes wrong becomes a [`Refusal`],
//! whose text is what the customer reads after `ERR`: it never echoes a
//! client's bytes except through [`protocol::printable`](crate::protocol::printable).
//!
//! When the bank closes, every connection hears it at once: whoever is
//! listening to it (the front door, a teller) hears [`Refusal::Closing`],
//! and tells the customer `ERR closing: the bank is closing` as it would
//! refuse a bad line.
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
use tokio_util::bytes::{Buf, Bytes, BytesMut};
use tokio_util::codec::{AnyDelimiterCodec, AnyDelimiterCodecError, Decoder, FramedRead};
use tokio_util::sync::CancellationToken;

use crate::protocol::{BOM, MAX_LINE, ProtocolError, Reply, Request, TicketNo};
use timeline::plural;
use timeline::record;

/// How long a closing connection waits for the customer to hang up.
const LINGER: Duration = Duration::from_secs(2);

/// How long a connection still waits for the customer to hang up once the
/// bank itself is closing: long enough for a customer who reads to hang up
/// after the last line, short enough to close the bank within a second.
const CLOSING_LINGER: Duration = Duration::from_millis(200);

/// How much a closing connection reads and throws away at most.
const LINGER_BYTES: usize = 64 * 1024;

/// A customer's connection, from the bank's side.
pub(crate) struct Connection {
    /// Incoming lines, cut at `\n`, each at most `MAX_LINE + 1` bytes (a `\r` may precede the `\n`).
    lines: FramedRead<OwnedReadHalf, LineCodec>,
    /// Where replies go.
    out: OwnedWriteHalf,
    /// This connection's place in the bank (or among those being turned
    /// away): given back when the socket is closed, not before.
    _place: OwnedSemaphorePermit,
    /// Cancelled when the bank closes: [`Connection::hear`] then says so,
    /// and a lingering close cuts its wait short.
    closing: CancellationToken,
}

/// What the bank heard on a connection.
#[derive(Debug, PartialEq)]
pub(crate) enum Heard {
    /// A well-formed request (it may still come at the wrong moment).
    Request(Request),
    /// A line the bank cannot take; or no line, because the bank is closing
    /// ([`Refusal::Closing`]). Either way, the customer is told why and shown out.
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
    /// The bank is closing (Ctrl-C, SIGTERM, or the end of a demo's run):
    /// every customer still inside hears it, whatever they were doing.
    Closing,
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
            Refusal::Closing => f.write_str("closing: the bank is closing"),
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
    /// Takes over an accepted socket, with its place in the bank; `closing`
    /// is cancelled when the bank closes.
    pub(crate) fn new(
        stream: TcpStream,
        place: OwnedSemaphorePermit,
        closing: CancellationToken,
    ) -> Connection {
        // Replies are tiny and each one matters at once: without this, Nagle's
        // algorithm could hold a CALL back until the TICKET before it is acknowledged.
        if let Err(err) = stream.set_nodelay(true) {
            tracing::debug!("cannot set TCP_NODELAY: {err}");
        }
        let (read, out) = stream.into_split();
        Connection {
            lines: FramedRead::new(read, LineCodec::new()),
            out,
            _place: place,
            closing,
        }
    }

    /// Waits for the next line and says what it was; or, once the bank is
    /// closing, says [`Refusal::Closing`]: whoever listens then refuses the
    /// customer with it (`ERR closing`), as it would a bad line.
    ///
    /// Cancel-safe: a partly received line stays buffered, so this can race
    /// against a call or a deadline in `tokio::select!`.
    pub(crate) async fn hear(&mut self) -> Heard {
        tokio::select! {
            biased;
            () = self.closing.cancelled() => Heard::Refused(Refusal::Closing),
            frame = self.lines.next() => match frame {
                None => Heard::Gone,
                Some(frame) => understand(frame),
            },
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

    /// The lingering close: end our side, drain theirs for a while (a
    /// shorter while once the bank is closing).
    async fn linger(self) {
        let Connection {
            lines,
            mut out,
            _place,
            closing,
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
        let patience = async {
            tokio::select! {
                () = tokio::time::sleep(LINGER) => {}
                () = closing.cancelled() => tokio::time::sleep(CLOSING_LINGER).await,
            }
        };
        // Either way, the socket is closed (and its place given back) when this task ends.
        tokio::select! {
            () = drain => {}
            () = patience => {}
        }
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

/// The codec every connection cuts its lines with: lines of at most
/// `MAX_LINE + 1` bytes (a `\r` may come before the `\n`), and a
/// byte-order mark before the first one dropped.
struct LineCodec {
    /// Cuts the lines.
    lines: AnyDelimiterCodec,
    /// Nothing was decoded yet: a [`BOM`] here is not part of the first line.
    at_start: bool,
}

impl LineCodec {
    /// A codec for a new connection.
    fn new() -> LineCodec {
        LineCodec {
            lines: AnyDelimiterCodec::new_with_max_length(b"\n".to_vec(), Vec::new(), MAX_LINE + 1),
            at_start: true,
        }
    }

    /// Drops a [`BOM`] at the start of the connection. `false` while the
    /// bytes so far may still be the start of one (more must come first).
    fn skip_bom(&mut self, buf: &mut BytesMut, eof: bool) -> bool {
        if !self.at_start {
            return true;
        }
        if !eof && buf.len() < BOM.len() && BOM.starts_with(buf) {
            return false;
        }
        if buf.starts_with(BOM) {
            buf.advance(BOM.len());
        }
        self.at_start = false;
        true
    }
}

impl Decoder for LineCodec {
    type Item = Bytes;
    type Error = AnyDelimiterCodecError;

    fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Bytes>, Self::Error> {
        if !self.skip_bom(buf, false) {
            return Ok(None);
        }
        self.lines.decode(buf)
    }

    fn decode_eof(&mut self, buf: &mut BytesMut) -> Result<Option<Bytes>, Self::Error> {
        self.skip_bom(buf, true);
        self.lines.decode_eof(buf)
    }
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
        let mut codec = LineCodec::new();
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
        let stream = stream.strip_prefix(BOM).unwrap_or(stream);
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
    /// without a final `\n`, with or without a byte-order mark first.
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
        (
            prop::collection::vec(line, 0..6),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(|(lines, end, bom)| {
                let mut stream = if bom { BOM.to_vec() } else { Vec::new() };
                stream.extend(lines.join(&b'\n'));
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
            Refusal::Closing,
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
        assert_eq!(Refusal::Closing.to_string(), "closing: the bank is closing");
    }

    #[test]
    fn a_byte_order_mark_starts_a_connection_unheard_and_only_there() {
        let bom_ticket = [BOM, b"TICKET ana 5\n", BOM, b"HERE 1\n"].concat();
        let heard = heard_in_pieces(&bom_ticket, &[1, 2, 4]);
        assert!(
            matches!(&heard[0], Heard::Request(Request::Ticket { .. })),
            "{heard:?}"
        );
        assert!(
            matches!(
                &heard[1],
                Heard::Refused(Refusal::Garbled(ProtocolError::UnknownCommand(_)))
            ),
            "a mark after the start is text: {heard:?}"
        );
        // Half a mark, then the end: the bytes are a line of their own.
        let half = heard_in_pieces(&BOM[..2], &[]);
        assert_eq!(half[0], Heard::Refused(ProtocolError::NotUtf8.into()));
    }
}
