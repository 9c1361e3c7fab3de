//! Text that reaches a person's screen: the names on lanes, and free text
//! quoted from elsewhere.
//!
//! A timeline's words come from outside: customers name themselves over a
//! socket, a trace file may come from another machine, a bank quotes what a
//! client typed. Every picture draws them, so the timeline keeps only text
//! that shows as itself: a [`Name`] follows strict rules, and any other text
//! is passed through [`printable`] first.

use std::fmt;

/// The longest line of free text a timeline keeps (a refusal's reason), in
/// bytes: the bank protocol's line, which is where such text comes from
/// (`bank::protocol` uses this constant as its own `MAX_LINE`).
pub const MAX_LINE: usize = 256;

/// A customer's name: 1–32 letters (any script), digits, `-` and `_`.
///
/// Nothing else gets in, so no control character or escape sequence from a
/// client can ever reach a terminal, a log line or a report.
#[derive(
    Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct Name(String);

impl Name {
    /// The longest name, in characters.
    pub const MAX_CHARS: usize = 32;

    /// Checks `s` and keeps it when it is a valid name.
    pub fn new(s: &str) -> Result<Name, NameError> {
        let count = s.chars().count();
        if count == 0 {
            return Err(NameError("a name cannot be empty".into()));
        }
        if count > Self::MAX_CHARS {
            return Err(NameError(format!(
                "a name has at most {} characters, this one has {count}",
                Self::MAX_CHARS
            )));
        }
        if let Some(bad) = s
            .chars()
            .find(|&c| !(c.is_alphanumeric() || c == '-' || c == '_'))
        {
            return Err(NameError(format!(
                "a name holds letters, digits, '-' and '_' only, not {:?}",
                bad.escape_default().to_string()
            )));
        }
        Ok(Name(s.to_owned()))
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

/// Text from the other side made safe to show: every character that is not
/// printable (control characters, escape sequences, bidirectional overrides,
/// zero-width characters) is written as an escape such as `\u{1b}`, and the
/// result is cut to at most `max_bytes` bytes, ending with `…` when cut.
///
/// ```
/// use timeline::name::printable;
/// assert_eq!(printable("张三 \u{1b}[31m", 64), "张三 \\u{1b}[31m");
/// assert_eq!(printable("abcdefgh", 6), "abc…");
/// ```
pub fn printable(text: &str, max_bytes: usize) -> String {
    const CUT: &str = "…";
    let mut shown = String::with_capacity(text.len().min(max_bytes));
    // The longest prefix, ending between two characters' pieces, that still
    // leaves room for the `…`: where to cut if the rest does not fit.
    let mut cut_at = 0;
    for c in text.chars() {
        if is_printable(c) {
            shown.push(c);
        } else {
            shown.extend(c.escape_debug());
        }
        if shown.len() > max_bytes {
            shown.truncate(cut_at);
            if shown.len() + CUT.len() <= max_bytes {
                shown.push_str(CUT);
            }
            return shown;
        }
        if shown.len() + CUT.len() <= max_bytes {
            cut_at = shown.len();
        }
    }
    shown
}

/// Whether `c` shows as itself on a terminal: in ASCII, a space or a visible
/// character (quotes and backslash included); beyond, whatever
/// `char::escape_debug` leaves alone (it escapes control and format
/// characters, such as bidirectional overrides and zero-width spaces).
pub fn is_printable(c: char) -> bool {
    if c.is_ascii() {
        return c == ' ' || c.is_ascii_graphic();
    }
    c.escape_debug().eq(std::iter::once(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_rules() {
        for ok in ["张三", "ana_1", "Bob-2", "c50"] {
            assert_eq!(Name::new(ok).map(|n| n.to_string()), Ok(ok.to_owned()));
        }
        let err = |s: &str| Name::new(s).expect_err(s).to_string();
        assert!(err("").contains("empty"));
        assert!(err(&"x".repeat(33)).contains("at most 32"));
        assert!(err("a b").contains("letters"));
        assert!(err("a\u{1b}[31m").contains("letters"));
    }
}
