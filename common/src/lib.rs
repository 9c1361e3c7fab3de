//! # bank-queue: common
//!
//! What every demo of the bank scene shares. The lecture (section 5 of the
//! course notes on processes) explains synchronous/asynchronous and
//! blocking/non-blocking with a customer waiting for their turn at a bank.
//! This crate holds the bank, the customers' scenario, and the timeline that
//! records how each style waits; the four demos hold only the waiting.
//!
//! A tour, in the order a run uses it:
//!
//! - [`flags`]: the shared command-line flags, one `clap::Args` for every demo;
//! - [`scenario`]: who comes, when, for how long, with what errand;
//! - [`protocol`]: the text lines the bank and its customers exchange;
//! - [`text`]: text from outside shown safely, with one escaping;
//! - [`policy`]: which ticket a free teller calls next (FCFS now);
//! - [`bank`]: the bank, a real TCP server on tokio, with tellers that wait
//!   for `HERE` and time each service to a precise deadline;
//! - [`timeline`]: the vocabulary every demo records with, the `tracing` layer
//!   that records it, and the pictures drawn from it;
//! - [`sim`]: the ideal schedule, with instant reactions, for comparison;
//! - [`process`]: what a run costs the machine (CPU, memory, threads, switches);
//! - [`limits`]: what the machine lets one process hold, and whether a run fits;
//! - [`trace`]: the trace file, one JSON object per run, and its metrics;
//! - [`output`]: how every file a run writes reaches the place it names:
//!   a file replaced whole, a device or a pipe written through, `-`;
//! - [`scale`]: the scale table, each style at growing numbers of customers;
//! - [`customer`]: what every customer sends and reads, whatever its style;
//! - [`demo`]: the driver every demo binary runs: scenario, bank, customers,
//!   recording, then the picture and the files;
//! - [`interrupt`]: Ctrl-C, which cuts a run short but keeps what it recorded;
//! - [`progress`]: the progress bar of a long run, on a terminal only;
//! - [`plural`]: "1 teller", "3 tellers": counts said in words.
//!
//! A demo crate supplies one function, its customers' way of waiting, and
//! calls [`demo::main`] from its binary.

pub mod bank;
pub mod customer;
pub mod demo;
pub mod flags;
pub mod interrupt;
pub mod limits;
pub mod metrics;
pub mod output;
pub mod plural;
pub mod policy;
pub mod process;
pub mod progress;
pub mod protocol;
pub mod scale;
pub mod scenario;
pub mod sim;
pub mod style;
pub mod text;
pub mod timeline;
pub mod trace;

pub use scenario::Scenario;
pub use style::Style;
pub use trace::Trace;
