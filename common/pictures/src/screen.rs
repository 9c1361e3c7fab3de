//! The screen: where a program's own words go (its swimlanes, its tables).
//!
//! Standard output, unless a file the program writes goes there (`--trace
//! -`): then standard output carries that file alone, and the words go to
//! standard error. Either way [`anstream`] decides the colours: none when
//! the stream is not a terminal or `NO_COLOR` is set.

use std::io::Write;
use std::path::Path;

/// Where a program's own words (its swimlanes, its tables) go when it
/// writes `files`: to stdout, or to stderr when one of the files goes to
/// stdout, which then carries that file alone. Coloured as
/// [`anstream`] decides for the stream chosen.
pub fn for_outputs<P: AsRef<Path>>(files: impl IntoIterator<Item = P>) -> Box<dyn Write> {
    if files
        .into_iter()
        .any(|path| timeline::output::is_stdout(path.as_ref()))
    {
        Box::new(anstream::stderr())
    } else {
        Box::new(anstream::stdout())
    }
}
