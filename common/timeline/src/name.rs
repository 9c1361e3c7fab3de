//! The names on lanes: the only text a timeline takes as it is.
//!
//! A timeline's words come from outside: customers name themselves over a
//! socket, a trace file may come from another machine. Every picture draws
//! them, so a [`Name`] follows strict rules that make it show as itself
//! anywhere; any other text from outside is passed through
//! [`printable`](crate::visible::printable) first.

use std::fmt;

use unicode_normalization::UnicodeNormalization as _;

use crate::visible::{is_default_ignorable, is_mark, printable};

/// The longest line of free text a timeline keeps (a refusal's reason), in
/// bytes: the bank protocol's line, which is where such text comes from
/// (`bank::protocol` uses this constant as its own `MAX_LINE`).
pub const MAX_LINE: usize = 256;

/// A customer's name: 1–32 characters, in Unicode's composed form (NFC):
/// letters and digits of any script, the marks that combine with them, `-`,
/// `_`, and the middle dots that join the parts of a name (`·`, `・`, `･`);
/// at least one letter or digit, and nothing that does not show.
///
/// In detail, [`Name::new`] takes a character when it is
///
/// - a letter or digit (`char::is_alphanumeric`);
/// - a mark (general category M: an accent, a vowel sign, a virama) right
///   after a letter, a digit or another mark, at most [`Name::MAX_MARKS`]
///   on one letter (the limit Unicode's security mechanisms, UTS #39,
///   suggest, against marks stacked over the lines around);
/// - `-`, `_`, or a middle dot: U+00B7 `·` (Catalan `l·l`), U+30FB `・`
///   (ジョン・スミス) and its half-width U+FF65, the joining punctuation
///   Unicode lets into identifiers (`Other_ID_Continue`);
///
/// and not `Default_Ignorable_Code_Point` ([`is_default_ignorable`]):
/// Unicode's invisible characters, among them four letters that show as
/// blanks (the Hangul fillers, U+3164 and its kin) and the variation
/// selectors. So every letter of a name shows, and a name shows as it is
/// wherever it goes: a terminal, a log line, a report.
///
/// Nothing else gets in, so no control character or escape sequence from a
/// client can ever reach a terminal, a log line or a report.
#[derive(
    Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct Name(String);

impl Name {
    /// The longest name, in characters (after composing it to NFC).
    pub const MAX_CHARS: usize = 32;

    /// The most marks one letter may carry.
    pub const MAX_MARKS: usize = 4;

    /// The punctuation a name may hold besides letters, digits and marks.
    pub const JOINERS: [char; 5] = ['-', '_', '\u{B7}', '\u{30FB}', '\u{FF65}'];

    /// Checks `s`, composed to NFC, and keeps it when it is a valid name.
    pub fn new(s: &str) -> Result<Name, NameError> {
        let bad = |why: String| Err(NameError(why));
        let name: String = s.nfc().collect();
        let count = name.chars().count();
        if count == 0 {
            return bad("a name cannot be empty".into());
        }
        if count > Self::MAX_CHARS {
            return bad(format!(
                "a name has at most {} characters, this one has {count}",
                Self::MAX_CHARS
            ));
        }
        // Marks on the letter just seen; `None` where no letter is before.
        let mut marks: Option<usize> = None;
        let mut letters = false;
        for c in name.chars() {
            let one = printable(&c.to_string(), 40);
            if is_default_ignorable(c) {
                return bad(format!("a name holds only characters that show, not {one}"));
            } else if is_mark(c) {
                match &mut marks {
                    None => {
                        return bad(format!("a mark goes after the letter it marks, not {one}"));
                    }
                    Some(n) if *n == Self::MAX_MARKS => {
                        return bad(format!("at most {} marks on one letter", Self::MAX_MARKS));
                    }
                    Some(n) => *n += 1,
                }
            } else if c.is_alphanumeric() {
                letters = true;
                marks = Some(0);
            } else if Self::JOINERS.contains(&c) {
                marks = None;
            } else {
                return bad(format!(
                    "a name holds letters, digits, their marks, '-', '_' and middle dots only, not {one}"
                ));
            }
        }
        if !letters {
            return bad("a name needs a letter or a digit".into());
        }
        Ok(Name(name))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Name {
    type Error = NameError;
    fn try_from(s: String) -> Result<Name, NameError> {
        Name::new(&s)
    }
}

impl From<Name> for String {
    fn from(n: Name) -> String {
        n.0
    }
}

/// Why a text is not a [`Name`]; its message says which rule it breaks.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct NameError(String);
