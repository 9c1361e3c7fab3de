//! # Counting in words
//!
//! "1 teller", "3 tellers", "0 customers": every line that counts people or
//! things says the word in the number its count asks for. Every word we count
//! takes a plain "s" (customer, teller, thread), or "es" after a hiss
//! (process, box).

use std::fmt::Display;

/// `word` in the number `count` asks for: "teller" for one, "tellers" for
/// any other count, zero included.
pub fn noun<N: PartialEq + From<u8>>(count: N, word: &str) -> String {
    if count == N::from(1) {
        word.to_owned()
    } else if ["s", "x", "z", "ch", "sh"]
        .iter()
        .any(|end| word.ends_with(end))
    {
        format!("{word}es")
    } else {
        format!("{word}s")
    }
}

/// The count and its word: "1 teller", "3 tellers".
pub fn count<N: Copy + Display + PartialEq + From<u8>>(count: N, word: &str) -> String {
    format!("{count} {}", noun(count, word))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_is_singular_and_every_other_count_plural() {
        assert_eq!(count(1usize, "teller"), "1 teller");
        assert_eq!(count(2u32, "teller"), "2 tellers");
        assert_eq!(count(0u64, "customer"), "0 customers");
        assert_eq!(noun(1.0, "customer"), "customer");
        assert_eq!(noun(1_000.0, "customer"), "customers");
        assert_eq!(count(3u32, "process"), "3 processes");
    }
}
