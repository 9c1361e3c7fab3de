//! Text from outside, shown safely: which characters show as themselves on a
//! screen, and the one escaping used for all the others.
//!
//! A client's words reach a terminal (the bank's log, a refusal's reason, a
//! customer's error message) and a web page. Whatever does not show as
//! itself is written as an escape instead: control characters (`\u{1b}`,
//! `\t`), format characters such as bidirectional overrides, and the
//! characters Unicode says are invisible ([`is_default_ignorable`], such as
//! the zero-width space and the Hangul filler U+3164, a letter that shows
//! as a blank). A combining mark shows as itself after the visible
//! character it combines with, and is escaped elsewhere (first, after a
//! space or after an escape), where it would combine with whatever came
//! before it.
//!
//! There is one escaping, and a reader can always tell an escape from text:
//! [`printable`] writes a backslash the text held as `\\`, so `\u{1b}` in
//! its output is always an escape, and `\\u{1b}` always the six characters
//! a client typed. Text that is already safe to show (a reason the bank
//! made with [`printable`]) is shown as it is, never escaped twice: see
//! [`shows_as_is`] and [`as_shown`].

use std::borrow::Cow;

use unicode_normalization::char::is_combining_mark;

/// Whether `c` is a `Default_Ignorable_Code_Point` (Unicode's
/// `DerivedCoreProperties.txt`): a character that shows nothing unless a
/// font says otherwise, such as the zero-width space, the bidirectional
/// controls, the variation selectors, the tag characters, and four letters
/// that are blanks: the Hangul fillers U+115F, U+1160, U+3164 and U+FFA0.
pub fn is_default_ignorable(c: char) -> bool {
    /// The property's ranges (unchanged since Unicode 14.0), in order.
    const RANGES: [(char, char); 17] = [
        ('\u{00AD}', '\u{00AD}'),
        ('\u{034F}', '\u{034F}'),
        ('\u{061C}', '\u{061C}'),
        ('\u{115F}', '\u{1160}'),
        ('\u{17B4}', '\u{17B5}'),
        ('\u{180B}', '\u{180F}'),
        ('\u{200B}', '\u{200F}'),
        ('\u{202A}', '\u{202E}'),
        ('\u{2060}', '\u{206F}'),
        ('\u{3164}', '\u{3164}'),
        ('\u{FE00}', '\u{FE0F}'),
        ('\u{FEFF}', '\u{FEFF}'),
        ('\u{FFA0}', '\u{FFA0}'),
        ('\u{FFF0}', '\u{FFF8}'),
        ('\u{1BCA0}', '\u{1BCA3}'),
        ('\u{1D173}', '\u{1D17A}'),
        ('\u{E0000}', '\u{E0FFF}'),
    ];
    RANGES.iter().any(|&(low, high)| (low..=high).contains(&c))
}

/// Whether `c` is a mark (Unicode general category M: `Mn`, `Mc`, `Me`): an
/// accent, a vowel sign, a virama, which combines with the letter before it.
pub fn is_mark(c: char) -> bool {
    is_combining_mark(c)
}

/// Whether `c` shows as itself on a screen, `after_visible` telling whether
/// the character before it did and was not a space.
///
/// In ASCII: a space or a visible character (a backslash too: [`printable`]
/// doubles it). Beyond ASCII: what `char::escape_debug` leaves alone (it
/// escapes control and format characters and unassigned code points), less
/// the default-ignorable ones (it leaves the Hangul fillers alone); and a
/// combining mark after a visible character, where `str::escape_debug`
/// leaves it too.
fn shows_as_itself(c: char, after_visible: bool) -> bool {
    if c.is_ascii() {
        return c == ' ' || c.is_ascii_graphic();
    }
    if is_default_ignorable(c) {
        return false;
    }
    if c.escape_debug().eq(std::iter::once(c)) {
        return true;
    }
    // `char::escape_debug` escapes every grapheme extender (a combining mark,
    // say); `str::escape_debug` only one that comes first. Ask it about `c`
    // after a letter.
    after_visible && {
        let mut pair = String::from("x");
        pair.push(c);
        pair.escape_debug().to_string() == pair
    }
}

/// Text from the other side made safe to show, with the one escaping: a
/// backslash is written `\\`, and every character that does not show as
/// itself (see the module's introduction) as an escape such as `\u{1b}` or
/// `\t`; the result is cut to at most `max_bytes` bytes, ending with `…`
/// when cut, never inside an escape.
///
/// ```
/// use timeline::visible::printable;
/// assert_eq!(printable("张三 \u{1b}[31m", 64), "张三 \\u{1b}[31m");
/// assert_eq!(printable("typed \\u{1b}", 64), "typed \\\\u{1b}");
/// assert_eq!(printable("e\u{301}", 64), "e\u{301}", "a mark after its letter");
/// assert_eq!(printable("\u{301}e", 64), "\\u{301}e", "a mark with no letter");
/// assert_eq!(printable("abcdefgh", 6), "abc…");
/// ```
pub fn printable(text: &str, max_bytes: usize) -> String {
    escape(text, max_bytes, None)
}

/// [`printable`] between double quotes, a `"` inside escaped as `\"`: for
/// a message that names text which may hold spaces (a flag's value, say),
/// so that where it starts and ends is plain. At most `max_bytes` bytes.
///
/// ```
/// use timeline::visible::quoted;
/// assert_eq!(quoted("soon", 64), "\"soon\"");
/// assert_eq!(quoted("say \"hi\"", 64), "\"say \\\"hi\\\"\"");
/// ```
pub fn quoted(text: &str, max_bytes: usize) -> String {
    format!(
        "\"{}\"",
        escape(text, max_bytes.saturating_sub(2), Some('"'))
    )
}

/// Whether `text` can be shown as it is: every character shows as itself
/// where it stands (a backslash included). What [`printable`] makes always
/// can.
pub fn shows_as_is(text: &str) -> bool {
    let mut after_visible = false;
    text.chars().all(|c| {
        let shows = c == '\\' || shows_as_itself(c, after_visible);
        after_visible = !c.is_whitespace();
        shows
    })
}

/// `text` as it is when it [`shows_as_is`] (a reason the bank already made
/// safe, say, which must not be escaped a second time), else
/// [`printable`]`(text, max_bytes)`.
pub fn as_shown(text: &str, max_bytes: usize) -> Cow<'_, str> {
    if shows_as_is(text) && text.len() <= max_bytes {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(printable(text, max_bytes))
    }
}

/// The escaping behind [`printable`] and [`quoted`]; `quote`, when given,
/// is escaped too.
fn escape(text: &str, max_bytes: usize, quote: Option<char>) -> String {
    const CUT: &str = "…";
    let mut shown = String::with_capacity(text.len().min(max_bytes));
    // The longest prefix, ending between two characters' pieces, that still
    // leaves room for the `…`: where to cut if the rest does not fit.
    let mut cut_at = 0;
    let mut after_visible = false;
    for c in text.chars() {
        if c == '\\' || Some(c) == quote {
            shown.push('\\');
            shown.push(c);
            after_visible = false;
        } else if shows_as_itself(c, after_visible) {
            shown.push(c);
            after_visible = !c.is_whitespace();
        } else {
            // `escape_debug` writes `\t` for a tab and `\u{1b}` for most; a
            // character it would leave alone (a Hangul filler) gets `\u{..}`.
            if c.escape_debug().eq(std::iter::once(c)) {
                shown.extend(c.escape_unicode());
            } else {
                shown.extend(c.escape_debug());
            }
            after_visible = false;
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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn printable_escapes_and_cuts() {
        assert_eq!(printable("a\u{202e}b", 64), "a\\u{202e}b");
        assert_eq!(printable("tab\there", 64), "tab\\there");
        assert_eq!(printable("it's \"ok\" \\", 64), "it's \"ok\" \\\\");
        assert_eq!(printable("blank\u{3164}", 64), "blank\\u{3164}");
        assert_eq!(printable("a\u{200b}b", 64), "a\\u{200b}b");
        let cut = printable(&"\u{1b}".repeat(100), 40);
        assert!(cut.len() <= 40 && cut.ends_with('…'), "{cut}");
        assert!(
            cut.starts_with("\\u{1b}") && !cut.contains("\\u{1…"),
            "{cut}"
        );
        assert_eq!(printable("", 0), "");
        assert_eq!(printable("abc", 2), "", "no room even for …");
    }

    #[test]
    fn a_typed_backslash_is_never_mistaken_for_an_escape() {
        let typed = printable("\\u{1b}", 64);
        let real = printable("\u{1b}", 64);
        assert_eq!(typed, "\\\\u{1b}");
        assert_eq!(real, "\\u{1b}");
        assert_ne!(typed, real);
        assert!(shows_as_is(&typed) && shows_as_is(&real));
        assert_eq!(as_shown(&typed, 64), typed, "never escaped twice");
    }

    #[test]
    fn marks_show_after_their_letter_and_are_escaped_alone() {
        for text in ["नमस्ते", "e\u{301}", "ジョン", "Zoë", "ﾊﾞﾝｸ"] {
            assert_eq!(printable(text, 64), text);
            assert!(shows_as_is(text), "{text}");
        }
        assert_eq!(printable("\u{301}", 64), "\\u{301}");
        assert_eq!(printable("a \u{301}", 64), "a \\u{301}");
        assert_eq!(printable("\u{1b}\u{301}", 64), "\\u{1b}\\u{301}");
        assert!(!shows_as_is("\u{301}a"));
    }

    #[test]
    fn quoted_text_shows_where_it_starts_and_ends() {
        assert_eq!(quoted("a b", 64), "\"a b\"");
        assert_eq!(quoted("\"", 64), "\"\\\"\"");
        assert_eq!(quoted("\u{1b}", 64), "\"\\u{1b}\"");
        assert!(quoted(&"x".repeat(100), 20).len() <= 20);
    }

    #[test]
    fn the_hangul_fillers_are_the_only_default_ignorable_letters() {
        let letters: Vec<char> = (0..=u32::from(char::MAX))
            .filter_map(char::from_u32)
            .filter(|&c| is_default_ignorable(c) && c.is_alphanumeric())
            .collect();
        assert_eq!(letters, ['\u{115F}', '\u{1160}', '\u{3164}', '\u{FFA0}']);
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 20_000, ..ProptestConfig::default() })]

        /// Whatever the text, what `printable` makes shows as it is, is
        /// never longer than asked, and is not escaped again.
        #[test]
        fn printable_text_shows_as_is_and_stays_so(text in any::<String>(), max in 0..80usize) {
            let shown = printable(&text, max);
            prop_assert!(shown.len() <= max);
            prop_assert!(shows_as_is(&shown), "{:?}", shown);
            prop_assert_eq!(as_shown(&shown, max), shown.as_str());
            if shows_as_is(&text) && !text.contains('\\') && text.len() <= max {
                prop_assert_eq!(&shown, &text);
            }
        }
    }
}
