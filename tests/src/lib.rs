//! # bank-queue-tests: what no single package can test alone
//!
//! The tests here run across the workspace: every command of every page in
//! `docs/` (`tests/tests/docs.rs`), trace files written by each style and read
//! back (`tests/tests/trace_files.rs`), and the HTML report of all four opened in
//! a real browser (`tests/tests/html_report.rs`). Each style's own tests live in
//! its package (`cargo test -p sync-blocking`); the helpers every test
//! shares are in `testkit`.

use scene::demo::{Customers, Run};
use timeline::Scenario;
use timeline::Style;

/// The customers function of each style's demo crate.
pub fn customers_of(style: Style) -> Customers {
    match style {
        Style::SyncBlocking => sync_blocking::customers,
        Style::SyncNonblocking => sync_nonblocking::customers,
        Style::AsyncBlocking => async_blocking::customers,
        Style::AsyncNonblocking => async_nonblocking::customers,
    }
}

/// Runs `style`'s own customers on `scenario` against a bank started in
/// this process (see [`testkit::scene::run`]).
pub fn run(style: Style, scenario: Scenario) -> Run {
    testkit::scene::run(style, customers_of(style), scenario)
}
