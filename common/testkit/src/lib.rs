//! # testkit: what the tests share
//!
//! Dev-only: every package's tests may use it, and nothing else does.
//!
//! - [`client`]: a customer played by hand against a real bank, as `nc` would;
//! - [`scene`]: a style run in this process on a small, sped-up scene, and
//!   the checks every style must pass;
//! - [`cli`]: a demo binary run with `--trace`, stopped with Ctrl-C, or
//!   given a terminal;
//! - [`kernel`]: a demo binary run with `--kernel on`, and the time its
//!   threads spent in each state while their customers waited;
//! - [`bank_process`]: the `bank` binary, started on a free port and read;
//! - [`tty`]: a program on a pseudo-terminal of its own, its screen read
//!   through a terminal emulator and keys typed into it;
//! - [`skipped`]: how a test that cannot run here says so.

pub mod bank_process;
pub mod cli;
pub mod client;
pub mod kernel;
pub mod scene;
pub mod tty;

/// Says that a test could not run here, and why, on the terminal: past the
/// harness's capture (which would hide an `eprintln!` of a passing test), so
/// a skip is never silent. `.ci/run` counts these lines as skipped tests.
pub fn skipped(why: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "skipped: {why}");
}
