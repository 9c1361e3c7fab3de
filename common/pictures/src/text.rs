//! Text laid out for a terminal: by display width, not by `char` count.
//!
//! 张三 takes four columns, not two; an emoji two. Every picture and table
//! measures, pads, cuts and wraps its words here, so that columns line up
//! whatever script a name is written in. Widths come from
//! [`unicode_width`]; wrapping is [`textwrap`]'s, breaking at spaces (and
//! inside a word only when the word alone is too wide).

use unicode_width::{UnicodeWidthChar as _, UnicodeWidthStr as _};

/// Display columns `text` takes.
pub fn width(text: &str) -> usize {
    text.width()
}

/// `text` padded with spaces on the right to `columns` display columns.
pub fn pad(text: &str, columns: usize) -> String {
    format!("{text}{}", " ".repeat(columns.saturating_sub(width(text))))
}

/// `text` padded with spaces on the left to `columns` display columns:
/// right-aligned, as numbers in a table.
pub fn pad_left(text: &str, columns: usize) -> String {
    format!("{}{text}", " ".repeat(columns.saturating_sub(width(text))))
}

/// `text` cut to at most `columns` display columns; when cut, it ends with
/// `tail` (`..` for a terminal, `…` on a page), which counts in the width.
pub fn fit(text: &str, columns: usize, tail: &str) -> String {
    if width(text) <= columns {
        return text.to_owned();
    }
    let keep = columns.saturating_sub(width(tail));
    let mut out = String::new();
    let mut used = 0;
    for ch in text.chars() {
        let w = ch.width().unwrap_or(0);
        if used + w > keep {
            break;
        }
        used += w;
        out.push(ch);
    }
    // A tail wider than the room left is cut too: nothing passes `columns`.
    for ch in tail.chars() {
        let w = ch.width().unwrap_or(0);
        if used + w > columns {
            break;
        }
        used += w;
        out.push(ch);
    }
    out
}

/// Splits `text` into lines of at most `columns` display columns, breaking
/// at spaces (inside a word only when it alone is too wide); lines after
/// the first start with `indent` spaces (at most half the width).
pub fn wrap(text: &str, columns: usize, indent: usize) -> Vec<String> {
    let columns = columns.max(1);
    let indent = " ".repeat(indent.min(columns / 2));
    let options = textwrap::Options::new(columns)
        .subsequent_indent(&indent)
        .word_separator(textwrap::WordSeparator::AsciiSpace)
        .word_splitter(textwrap::WordSplitter::NoHyphenation)
        .wrap_algorithm(textwrap::WrapAlgorithm::FirstFit);
    let lines: Vec<String> = textwrap::wrap(text, options)
        .into_iter()
        .map(|line| line.into_owned())
        .collect();
    if lines.is_empty() {
        vec![String::new()]
    } else {
        lines
    }
}

/// How wide the picture is drawn: `asked` (a `--width` flag) when given;
/// else the width of the terminal that standard output is, as the kernel
/// reports it; else `$COLUMNS`; else 100.
pub fn picture_width(asked: Option<u32>) -> usize {
    asked
        .map(|w| w as usize)
        .or_else(|| {
            terminal_size::terminal_size_of(std::io::stdout()).map(|(w, _)| usize::from(w.0))
        })
        .or_else(|| std::env::var("COLUMNS").ok()?.parse().ok())
        .unwrap_or(100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_characters_take_two_columns() {
        assert_eq!(width("张三"), 4);
        assert_eq!(pad("张三", 6), "张三  ");
        assert_eq!(pad_left("42", 5), "   42");
        assert_eq!(pad("too wide", 3), "too wide");
    }

    #[test]
    fn cut_text_ends_with_its_tail_and_never_passes_the_width() {
        assert_eq!(fit("Alice", 10, ".."), "Alice");
        assert_eq!(fit("Alexandria", 6, ".."), "Alex..");
        assert_eq!(fit("张三李四王五", 7, ".."), "张三..");
        assert_eq!(fit("Alexandria", 6, "…"), "Alexa…");
        assert_eq!(fit("Alexandria", 1, ".."), ".");
        assert_eq!(fit("Alexandria", 0, ".."), "");
    }

    #[test]
    fn lines_break_at_spaces_and_later_lines_are_indented() {
        let lines = wrap("one column = 50 ms; 6 customers, 2 tellers", 20, 4);
        assert_eq!(
            lines,
            ["one column = 50 ms;", "    6 customers, 2", "    tellers"]
        );
        assert!(lines.iter().all(|l| width(l) <= 20));
        // A word alone wider than the line is broken.
        let long = wrap("abcdefghij", 4, 0);
        assert_eq!(long, ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("", 10, 2), [""]);
        // Wide characters are measured by their columns.
        assert!(
            wrap("张三 李四 王五 赵六", 9, 0)
                .iter()
                .all(|l| width(l) <= 9)
        );
    }
}
