//! The bank protocol: text lines a person can type with `nc`.
//!
//! ```text
//! C: TICKET <name> <service_ms>    ask for service of that length
//! B: TICKET <n>                     the slip: ticket number n (increasing)
//! B: CALL <n> <teller>              your turn, at that teller
//! C: HERE <n>                       the customer reached the counter
//! B: PAUSE <n>                      the time slice is over (rr, mlfq): back in line, until the next CALL
//! B: DONE <n>                       service finished; the bank closes the connection
//! B: ERR <reason>                   a line it could not take; the connection is closed
//! ```
//!
//! Under FCFS and SJF a visit is these lines once each. Under round robin
//! and MLFQ, a turn at the counter is a time slice: when it is over and
//! service is still owed, the teller says `PAUSE <n>` instead of `DONE`. The
//! customer then waits again, as they waited for their first call, says
//! nothing until the next `CALL <n> <teller>` (perhaps at another teller),
//! answers it with `HERE <n>`, and is served the rest, a slice at a time,
//! until `DONE`. Every ticket still ends once: served, or abandoned.
//!
//! Every line is UTF-8, ends with `\n` (a `\r` before it is forgiven, for
//! telnet), and is at most [`MAX_LINE`] bytes long. A byte-order mark
//! ([`BOM`]) that an editor or a Windows tool puts before the first line of
//! a connection is not part of it. Parsing never panics: a line either
//! parses or gives a [`ProtocolError`] whose text is the reason sent back
//! after `ERR`.
//!
//! Nothing a client sends reaches a screen unchecked. A [`Name`] holds only
//! letters and digits of any script with their marks, and a few joining
//! characters; a reason that quotes a client's word quotes it through
//! [`printable`], which escapes what does not show as itself (a client's own
//! backslash included, so an escape is never mistaken for text) and keeps
//! the reason short enough for one line. A property test feeds this module
//! hundreds of thousands of random and mutated lines to hold it to that.

use std::fmt;

/// The longest line either side may send, in bytes, without its `\n`: the
/// longest free text a timeline keeps, since refusals' reasons are lines.
pub use timeline::name::MAX_LINE;

/// The protocol in brief, as the `bank` binary's `--help` shows it.
pub const IN_BRIEF: &str = "\
The protocol, a line each way, as nc sends them:
  C: TICKET <name> <service_ms>   ask for service of that length
  B: TICKET <n>                   the slip: ticket number n
  B: CALL <n> <teller>            your turn, at that teller
  C: HERE <n>                     at the counter: the service starts
  B: PAUSE <n>                    rr, mlfq: the time slice is over; wait for the next CALL, answer HERE again
  B: DONE <n>                     served; the bank hangs up
  B: ERR <reason>                 a line it could not take; the bank hangs up";

/// The UTF-8 byte-order mark. Before a connection's first line it is not
/// part of the line: some editors and Windows tools start every text with it.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The longest service a customer may ask for: one hour.
pub const MAX_SERVICE_MS: f64 = 3_600_000.0;

pub use timeline::name::{Name, NameError};
use timeline::visible::as_shown;
pub use timeline::visible::printable;
pub use timeline::{TellerNo, TicketNo};

/// What a customer says to the bank.
#[derive(Clone, Debug, PartialEq)]
pub enum Request {
    /// `TICKET <name> <service_ms>`: take a slip and join the queue.
    Ticket {
        /// Who is asking.
        name: Name,
        /// How long their business takes at the counter, in milliseconds.
        service_ms: f64,
    },
    /// `HERE <n>`: the customer with ticket `n` has reached the counter.
    Here(TicketNo),
}

/// What the bank says to a customer.
#[derive(Clone, Debug, PartialEq)]
pub enum Reply {
    /// `TICKET <n>`: the slip.
    Ticket(TicketNo),
    /// `CALL <n> <teller>`: your turn, at that teller.
    Call(TicketNo, TellerNo),
    /// `DONE <n>`: service finished.
    Done(TicketNo),
    /// `PAUSE <n>`: the time slice is over and service is still owed (round
    /// robin, MLFQ): back in line, to wait for the next `CALL` and answer
    /// it with `HERE` again.
    Pause(TicketNo),
    /// `ERR <reason>`: the line was refused and the connection is closing.
    Err(String),
}

/// Why a line could not be taken. Its text is what follows `ERR`.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ProtocolError {
    /// The line was longer than [`MAX_LINE`] bytes.
    #[error("line longer than {MAX_LINE} bytes")]
    TooLong,
    /// The line was not UTF-8.
    #[error("line is not UTF-8")]
    NotUtf8,
    /// The line was empty.
    #[error("empty line")]
    Empty,
    /// The first word is not a command this side knows.
    #[error("unknown command {0}")]
    UnknownCommand(String),
    /// A command had the wrong number of words.
    #[error("usage: {0}")]
    Arity(&'static str),
    /// A number did not parse or was out of range.
    #[error("{0}")]
    BadNumber(String),
    /// A name broke the rules of [`Name`].
    #[error(transparent)]
    BadName(#[from] NameError),
    /// The line held a control character (an escape sequence, say).
    #[error("control characters are not allowed")]
    ControlCharacter,
}

impl Request {
    /// Reads one line's bytes as received (with or without its `\n`): the
    /// whole way from a socket to a request, used by the bank for every line.
    pub fn from_bytes(line: &[u8]) -> Result<Request, ProtocolError> {
        decode_line(line).and_then(Request::parse)
    }

    /// Parses one line from a customer (without its `\n`).
    pub fn parse(line: &str) -> Result<Request, ProtocolError> {
        let mut words = words_of(line)?;
        let command = words.next().ok_or(ProtocolError::Empty)?;
        match command {
            "TICKET" => {
                const USAGE: &str = "TICKET <name> <service_ms>";
                let (Some(name), Some(ms), None) = (words.next(), words.next(), words.next())
                else {
                    return Err(ProtocolError::Arity(USAGE));
                };
                Ok(Request::Ticket {
                    name: Name::new(name)?,
                    service_ms: parse_service_ms(ms)?,
                })
            }
            "HERE" => {
                let (Some(n), None) = (words.next(), words.next()) else {
                    return Err(ProtocolError::Arity("HERE <n>"));
                };
                Ok(Request::Here(parse_number(n, "ticket")?))
            }
            other => Err(ProtocolError::UnknownCommand(printable(other, QUOTE_BYTES))),
        }
    }
}

impl fmt::Display for Request {
    /// The line as sent, without its `\n`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Request::Ticket { name, service_ms } => write!(f, "TICKET {name} {service_ms}"),
            Request::Here(n) => write!(f, "HERE {n}"),
        }
    }
}

impl Reply {
    /// Parses one line from the bank (without its `\n`).
    pub fn parse(line: &str) -> Result<Reply, ProtocolError> {
        let mut words = words_of(line)?;
        let command = words.next().ok_or(ProtocolError::Empty)?;
        let one_number = |mut words: std::str::SplitAsciiWhitespace<'_>, usage| match (
            words.next(),
            words.next(),
        ) {
            (Some(n), None) => parse_number(n, "ticket"),
            _ => Err(ProtocolError::Arity(usage)),
        };
        match command {
            "TICKET" => one_number(words, "TICKET <n>").map(Reply::Ticket),
            "DONE" => one_number(words, "DONE <n>").map(Reply::Done),
            "PAUSE" => one_number(words, "PAUSE <n>").map(Reply::Pause),
            "CALL" => {
                let (Some(n), Some(t), None) = (words.next(), words.next(), words.next()) else {
                    return Err(ProtocolError::Arity("CALL <n> <teller>"));
                };
                Ok(Reply::Call(
                    parse_number(n, "ticket")?,
                    parse_number(t, "teller")?,
                ))
            }
            // The reason is shown to the user as the bank made it (already
            // safe to show); a hostile bank's is escaped whole (bidirectional
            // overrides, say), never a safe one a second time.
            "ERR" => Ok(Reply::Err(
                as_shown(line.trim_start().trim_start_matches("ERR").trim(), MAX_LINE).into_owned(),
            )),
            other => Err(ProtocolError::UnknownCommand(printable(other, QUOTE_BYTES))),
        }
    }
}

impl fmt::Display for Reply {
    /// The line as sent, without its `\n`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reply::Ticket(n) => write!(f, "TICKET {n}"),
            Reply::Call(n, t) => write!(f, "CALL {n} {t}"),
            Reply::Done(n) => write!(f, "DONE {n}"),
            Reply::Pause(n) => write!(f, "PAUSE {n}"),
            Reply::Err(reason) => write!(f, "ERR {reason}"),
        }
    }
}

/// Checks a raw line (without `\n`) and splits it into words.
///
/// A trailing `\r` is dropped; any other control character is refused so that
/// nothing a client types can reach a terminal unescaped.
fn words_of(line: &str) -> Result<std::str::SplitAsciiWhitespace<'_>, ProtocolError> {
    let line = line.strip_suffix('\r').unwrap_or(line);
    if line.len() > MAX_LINE {
        return Err(ProtocolError::TooLong);
    }
    if line.trim().is_empty() {
        return Err(ProtocolError::Empty);
    }
    if line.chars().any(|c| c.is_control() && c != '\t') {
        return Err(ProtocolError::ControlCharacter);
    }
    Ok(line.split_ascii_whitespace())
}

/// Decodes a line's bytes, refusing overlong or non-UTF-8 input.
pub fn decode_line(bytes: &[u8]) -> Result<&str, ProtocolError> {
    let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    if bytes.len() > MAX_LINE + 1 {
        return Err(ProtocolError::TooLong);
    }
    std::str::from_utf8(bytes).map_err(|_| ProtocolError::NotUtf8)
}

fn parse_number<T: std::str::FromStr>(word: &str, what: &str) -> Result<T, ProtocolError> {
    word.parse().map_err(|_| {
        ProtocolError::BadNumber(format!(
            "{what} must be a whole number, not {}",
            printable(word, QUOTE_BYTES)
        ))
    })
}

fn parse_service_ms(word: &str) -> Result<f64, ProtocolError> {
    let ms: f64 = word.parse().map_err(|_| {
        ProtocolError::BadNumber(format!(
            "service_ms must be a number, not {}",
            printable(word, QUOTE_BYTES)
        ))
    })?;
    if !(ms.is_finite() && ms > 0.0 && ms <= MAX_SERVICE_MS) {
        return Err(ProtocolError::BadNumber(format!(
            "service_ms must be above 0 and at most {MAX_SERVICE_MS}, not {}",
            printable(word, QUOTE_BYTES)
        )));
    }
    Ok(ms)
}

/// Milliseconds, as the protocol and the scenarios count them (fractions
/// allowed), as a duration to the nanosecond; anything not above zero is
/// zero. (`service_ms` is kept in (0, one hour], so it neither truncates
/// nor saturates.)
pub fn millis(ms: f64) -> std::time::Duration {
    std::time::Duration::from_nanos((ms.max(0.0) * 1e6).round() as u64)
}

/// How many bytes of a client's word a reason quotes at most: enough to
/// recognise the word, and short enough that every reason fits in a line.
const QUOTE_BYTES: usize = 40;

#[cfg(test)]
mod tests {
    use super::*;
    use unicode_normalization::UnicodeNormalization as _;

    #[test]
    fn requests_round_trip() {
        for line in ["TICKET 张三 400", "TICKET ana_1 0.5", "HERE 7"] {
            let parsed = Request::parse(line).expect("a valid line");
            assert_eq!(parsed.to_string(), line);
        }
    }

    #[test]
    fn replies_round_trip() {
        for line in [
            "TICKET 3",
            "CALL 3 2",
            "DONE 3",
            "PAUSE 4",
            "ERR line too long",
        ] {
            let parsed = Reply::parse(line).expect("a valid line");
            assert_eq!(parsed.to_string(), line);
        }
    }

    #[test]
    fn bad_requests_are_refused_with_a_reason() {
        let cases = [
            ("", "empty line"),
            ("HELLO", "unknown command HELLO"),
            ("TICKET ana", "usage: TICKET <name> <service_ms>"),
            ("TICKET ana -3", "service_ms must be above 0"),
            ("TICKET ana NaN", "service_ms must be above 0"),
            ("TICKET ana 1e9", "service_ms must be above 0"),
            ("TICKET a\u{1b}[31m 5", "control characters"),
            ("TICKET a;b 5", "letters, digits"),
            ("HERE x", "ticket must be a whole number"),
            ("HERE -1", "ticket must be a whole number"),
        ];
        for (line, reason) in cases {
            let err = Request::parse(line).expect_err(line).to_string();
            assert!(
                err.contains(reason),
                "{line:?} gave {err:?}, wanted {reason:?}"
            );
        }
    }

    #[test]
    fn names_follow_the_rules() {
        assert!(Name::new("张三").is_ok());
        assert!(Name::new("O-Brien_2").is_ok());
        assert!(Name::new(&"x".repeat(32)).is_ok());
        assert!(Name::new(&"x".repeat(33)).is_err());
        assert!(Name::new("").is_err());
        assert!(Name::new("a b").is_err());
        assert!(Name::new("tab\there").is_err());
    }

    #[test]
    fn names_hold_marks_of_any_script_composed_to_nfc() {
        for name in [
            "नमस्ते",
            "ジョン・スミス",
            "Zoë",
            "l·l",
            "ﾊﾞﾝｸ･ｲﾁ",
            "Nguyễn",
            "שָׁלוֹם",
        ] {
            assert_eq!(Name::new(name).map(String::from), Ok(name.nfc().collect()));
        }
        // A decomposed é is the composed one; so is a decomposed ジ.
        assert_eq!(
            Name::new("e\u{301}").map(String::from),
            Ok("\u{e9}".to_owned())
        );
        assert_eq!(
            Name::new("\u{30b7}\u{3099}ョン"),
            Name::new("ジョン"),
            "シ with its voiced mark is ジ"
        );
        // (q has no accented letters of its own: NFC keeps every mark.)
        let five_marks = format!("q{}", "\u{301}\u{302}\u{303}\u{304}\u{305}");
        assert!(Name::new(&five_marks[..five_marks.len() - 2]).is_ok());
        assert!(Name::new(&five_marks).is_err(), "marks stacked too high");
    }

    #[test]
    fn a_name_must_show_and_a_mark_needs_its_letter() {
        let refused = [
            ("\u{3164}", "only characters that show, not \\u{3164}"),
            ("ana\u{3164}", "only characters that show, not \\u{3164}"),
            ("\u{115f}\u{ffa0}", "only characters that show"),
            ("-", "a letter or a digit"),
            ("_·_", "a letter or a digit"),
            (
                "\u{301}a",
                "a mark goes after the letter it marks, not \\u{301}",
            ),
            ("a-\u{301}", "a mark goes after the letter"),
            ("a\u{200b}b", "not \\u{200b}"),
            ("a\u{fe0f}", "not \\u{fe0f}"),
        ];
        for (name, reason) in refused {
            let err = Name::new(name).expect_err(name).to_string();
            assert!(err.contains(reason), "{name:?}: {err}");
        }
    }

    #[test]
    fn a_client_word_is_quoted_with_one_escaping() {
        let reason = |line: &str| Request::parse(line).expect_err(line).to_string();
        assert!(
            reason("TICKET a😀 5").ends_with(", not 😀"),
            "{}",
            reason("TICKET a😀 5")
        );
        assert_eq!(reason("HI\\u{1b}"), "unknown command HI\\\\u{1b}");
        assert_eq!(reason("HI\u{202e}"), "unknown command HI\\u{202e}");
        assert_eq!(
            reason("HERE \\u{1b}"),
            "ticket must be a whole number, not \\\\u{1b}"
        );
    }

    #[test]
    fn overlong_and_invalid_bytes_are_refused() {
        let long = "x".repeat(MAX_LINE + 5);
        assert_eq!(Request::parse(&long), Err(ProtocolError::TooLong));
        assert_eq!(decode_line(&[0xff, 0xfe]), Err(ProtocolError::NotUtf8));
        assert_eq!(decode_line(b"HERE 1\n"), Ok("HERE 1"));
    }
}

/// The protocol against what a room full of `nc` users (or a fuzzer) types:
/// random bytes, random text, and valid lines with bytes inserted, deleted,
/// replaced or repeated.
#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;
    use timeline::visible::{is_default_ignorable, is_mark, shows_as_is};
    use unicode_normalization::UnicodeNormalization as _;

    /// Lines a well-behaved customer sends, to be mutated.
    const VALID: &[&str] = &[
        "TICKET 张三 400",
        "HERE 3",
        "TICKET ana_1 0.5\r",
        "TICKET O-Brien 3600000",
        "HERE 18446744073709551615",
        "TICKET Zoë-2 1e3",
    ];

    /// One change to a line's bytes; positions wrap around the line's length.
    #[derive(Clone, Debug)]
    enum Edit {
        Insert(usize, u8),
        Delete(usize),
        Replace(usize, u8),
        /// Repeats a stretch of the line, from a position, some times.
        Repeat(usize, usize, usize),
    }

    fn edit() -> impl Strategy<Value = Edit> {
        // Bytes that matter most: separators, digits, signs, UTF-8 lead and
        // continuation bytes, escape and control bytes; and any byte.
        let byte = prop_oneof![
            prop::sample::select(
                b" \t\r\n-_.+eE0123456789\x1b\x7f\x00\xc3\xa4\xe5\xbc\xa0\xff".to_vec()
            ),
            any::<u8>(),
        ];
        prop_oneof![
            (any::<usize>(), byte.clone()).prop_map(|(at, b)| Edit::Insert(at, b)),
            any::<usize>().prop_map(Edit::Delete),
            (any::<usize>(), byte).prop_map(|(at, b)| Edit::Replace(at, b)),
            (any::<usize>(), 1..8usize, 1..40usize)
                .prop_map(|(at, len, n)| Edit::Repeat(at, len, n)),
        ]
    }

    fn apply(line: &str, edits: Vec<Edit>) -> Vec<u8> {
        let mut bytes = line.as_bytes().to_vec();
        for edit in edits {
            let at = |i: usize, len: usize| if len == 0 { 0 } else { i % len };
            match edit {
                Edit::Insert(i, b) => bytes.insert(at(i, bytes.len() + 1), b),
                Edit::Delete(i) if !bytes.is_empty() => {
                    bytes.remove(at(i, bytes.len()));
                }
                Edit::Replace(i, b) if !bytes.is_empty() => {
                    let i = at(i, bytes.len());
                    bytes[i] = b;
                }
                Edit::Repeat(i, len, n) if !bytes.is_empty() => {
                    let start = at(i, bytes.len());
                    let end = (start + len).min(bytes.len());
                    let stretch = bytes[start..end].repeat(n);
                    bytes.splice(end..end, stretch);
                }
                _ => {}
            }
        }
        bytes
    }

    /// What arrives on a line: every kind of nonsense, and near-misses.
    fn line_bytes() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            prop::collection::vec(any::<u8>(), 0..300),
            any::<String>().prop_map(String::into_bytes),
            "(TICKET|HERE|ticket|DONE|ERR|CALL|[A-Z]{1,8})( {1,2}[^ ]{0,40}){0,4}\r?"
                .prop_map(String::into_bytes),
            (
                prop::sample::select(VALID),
                prop::collection::vec(edit(), 1..6)
            )
                .prop_map(|(line, edits)| apply(line, edits)),
            (prop::sample::select(VALID), 240..300usize, any::<bool>()).prop_map(
                |(line, len, spaces)| {
                    let mut bytes = line.as_bytes().to_vec();
                    bytes.resize(len.max(bytes.len()), if spaces { b' ' } else { b'7' });
                    bytes
                }
            ),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 100_000, ..ProptestConfig::default() })]

        #[test]
        fn every_line_parses_or_earns_a_short_printable_err(line in line_bytes()) {
            match Request::from_bytes(&line) {
                Ok(request) => {
                    match &request {
                        Request::Ticket { name, service_ms } => {
                            prop_assert!(Name::new(name.as_str()).is_ok());
                            prop_assert!(*service_ms > 0.0 && *service_ms <= MAX_SERVICE_MS);
                        }
                        Request::Here(_) => {}
                    }
                    let again = request.to_string();
                    // A tiny service (1e-300) prints as a long decimal; the rest round-trip.
                    if again.len() <= MAX_LINE {
                        prop_assert_eq!(Request::parse(&again), Ok(request));
                    }
                }
                Err(err) => {
                    let reply = Reply::Err(err.to_string()).to_string();
                    prop_assert!(reply.len() <= MAX_LINE, "{} bytes: {}", reply.len(), reply);
                    prop_assert!(shows_as_is(&reply), "{:?}", reply);
                    prop_assert_eq!(Reply::parse(&reply), Ok(Reply::Err(err.to_string())));
                }
            }
            // The customers' side reads the bank's lines with the same care.
            if let Ok(Reply::Err(reason)) = decode_line(&line).and_then(Reply::parse) {
                prop_assert!(reason.len() <= MAX_LINE && shows_as_is(&reason), "{:?}", reason);
            }
        }
    }

    /// Letters (and digits) of many scripts, by block: Latin, Greek,
    /// Cyrillic, Armenian, Hebrew, Arabic, Devanagari, Bengali, Tamil, Thai,
    /// Georgian, Ethiopic, Hangul, Hiragana, Katakana, CJK, and digits of
    /// three scripts.
    const LETTERS: &[(char, char)] = &[
        ('a', 'z'),
        ('\u{C0}', '\u{FF}'),
        ('\u{3B1}', '\u{3C9}'),
        ('\u{430}', '\u{44F}'),
        ('\u{561}', '\u{586}'),
        ('\u{5D0}', '\u{5EA}'),
        ('\u{627}', '\u{64A}'),
        ('\u{915}', '\u{939}'),
        ('\u{995}', '\u{9B9}'),
        ('\u{B95}', '\u{BB9}'),
        ('\u{E01}', '\u{E2E}'),
        ('\u{10D0}', '\u{10FA}'),
        ('\u{1200}', '\u{1248}'),
        ('\u{AC00}', '\u{D7A3}'),
        ('\u{3041}', '\u{3096}'),
        ('\u{30A1}', '\u{30FA}'),
        ('\u{4E00}', '\u{9FFF}'),
        ('0', '9'),
        ('\u{660}', '\u{669}'),
        ('\u{966}', '\u{96F}'),
    ];

    /// Marks of the same scripts: Latin accents, Hebrew points, Arabic
    /// vowels, Devanagari and Bengali signs, Thai vowels and tones, and the
    /// Japanese voiced marks.
    const MARKS: &[(char, char)] = &[
        ('\u{300}', '\u{333}'),
        ('\u{5B0}', '\u{5BC}'),
        ('\u{64B}', '\u{652}'),
        ('\u{93E}', '\u{94D}'),
        ('\u{9BE}', '\u{9CD}'),
        ('\u{E34}', '\u{E3A}'),
        ('\u{E48}', '\u{E4B}'),
        ('\u{3099}', '\u{309A}'),
    ];

    /// A character from one of `blocks` that `keep` holds of.
    fn from_blocks(
        blocks: &'static [(char, char)],
        keep: fn(char) -> bool,
    ) -> impl Strategy<Value = char> {
        prop::sample::select(blocks)
            .prop_flat_map(|(low, high)| u32::from(low)..=u32::from(high))
            .prop_filter_map("an assigned character of the kind wanted", move |code| {
                char::from_u32(code).filter(|&c| keep(c))
            })
    }

    /// A letter or digit that shows, and up to `Name::MAX_MARKS` marks on it.
    fn cluster() -> impl Strategy<Value = String> {
        let letter = from_blocks(LETTERS, |c| c.is_alphanumeric() && !is_mark(c));
        let mark = from_blocks(MARKS, |c| is_mark(c) && !is_default_ignorable(c));
        (letter, prop::collection::vec(mark, 0..=Name::MAX_MARKS))
            .prop_map(|(letter, marks)| std::iter::once(letter).chain(marks).collect())
    }

    /// A name as a person of any of those scripts might write it: a few
    /// letters with or without their marks, parts joined by `-`, `_` or a
    /// middle dot; never more than [`Name::MAX_CHARS`] characters.
    fn name_of_any_script() -> impl Strategy<Value = String> {
        // At most 3 parts of 2 letters with 4 marks each, and 2 joiners: 32.
        let part = || prop::collection::vec(cluster(), 1..3).prop_map(|c| c.concat());
        let joiner = prop::sample::select(Name::JOINERS.to_vec());
        (part(), prop::collection::vec((joiner, part()), 0..3)).prop_map(|(first, rest)| {
            let mut name = first;
            for (joiner, part) in rest {
                name.push(joiner);
                name.push_str(&part);
            }
            name
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 20_000, ..ProptestConfig::default() })]

        /// A name of any script, with or without marks, is taken, composed
        /// or decomposed alike, and shows as it is wherever it goes.
        #[test]
        fn names_of_every_script_are_taken_and_show_as_they_are(name in name_of_any_script()) {
            let taken = Name::new(&name).map_err(|err| format!("{name:?}: {err}"));
            prop_assert_eq!(taken.clone().map(String::from), Ok(name.nfc().collect::<String>()));
            let decomposed: String = name.nfd().collect();
            prop_assert_eq!(Name::new(&decomposed).map_err(|err| format!("{name:?}: {err}")), taken.clone());
            if let Ok(taken) = taken {
                prop_assert!(shows_as_is(taken.as_str()), "{:?}", taken);
                let line = format!("TICKET {taken} 5");
                prop_assert_eq!(
                    Request::parse(&line),
                    Ok(Request::Ticket { name: taken, service_ms: 5.0 })
                );
            }
        }

        /// Anything else in a name, anywhere, is refused (an invisible
        /// letter too), with a reason that shows as it is.
        #[test]
        fn a_name_with_anything_else_is_refused(
            name in name_of_any_script(),
            at in any::<prop::sample::Index>(),
            intruder in prop_oneof![
                any::<char>().prop_filter("not a name's character", |&c| {
                    is_default_ignorable(c)
                        || !(c.is_alphanumeric() || is_mark(c) || Name::JOINERS.contains(&c))
                }),
                prop::sample::select(vec!['\u{3164}', '\u{115F}', '\u{FFA0}']).prop_map(|c| c),
            ],
        ) {
            let chars: Vec<char> = name.chars().collect();
            let at = at.index(chars.len() + 1);
            let mut spoiled: String = chars[..at].iter().collect();
            spoiled.push(intruder);
            spoiled.extend(&chars[at..]);
            let taken = Name::new(&spoiled);
            prop_assert!(taken.is_err(), "{:?} taken as {:?}", spoiled, taken);
            if let Err(err) = taken {
                prop_assert!(shows_as_is(&err.to_string()), "{:?}", err.to_string());
            }
            let blanks: String = std::iter::repeat_n(intruder, 3).collect();
            prop_assert!(Name::new(&blanks).is_err(), "{:?}", blanks);
        }
    }
}
