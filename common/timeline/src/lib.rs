//! # timeline: what happened, on which lane, and when
//!
//! Every lesson of bank-queue is told as a timeline: rows ("lanes") that
//! are each in one state at a time, and moments on them. A customer waits,
//! runs an errand, is called, is served; a teller calls and serves. This
//! crate records such moments, keeps them in a trace file, and turns them
//! into stretches of states that any picture can draw. It knows nothing of
//! the bank's server or of tokio: a lesson that has no bank can use it too.
//!
//! A tour, in the order a run uses it:
//!
//! - [`lane`]: the rows, each of one kind (customer, teller, thread, task,
//!   process, job), and [`state`]: the one vocabulary of their states and marks;
//! - [`record`]: the scene's moments, one function per [`Kind`], and the
//!   spans that say which [`Lane`] a moment belongs to;
//! - [`Recorder`]: the `tracing` layer (or the standalone subscriber) that
//!   keeps the moments, per thread, without a lock on the way;
//! - [`model`]: from raw moments to each customer's visit, each teller's
//!   day, and the stretches of states of every lane ([`model::LaneView`]);
//! - [`trace`]: the trace file (schema `bank-queue/trace/1`), written and
//!   read back; [`metrics`]: its figures;
//! - [`so_far`]: a run as it stood at one moment, for a live view and a
//!   replay: lanes cut there, the figures of what had happened by then;
//! - [`scenario`] and [`style`]: the run as asked for, as plain data;
//!   [`schedule`]: the tellers' turns, as the ideal schedule has them;
//! - [`name`] and [`visible`]: the names on lanes, and any other text from
//!   outside shown safely, with one escaping;
//! - [`output`]: how every file a run writes reaches the place it names: a
//!   file replaced whole, a device or a pipe written through, `-`;
//! - [`plural`]: counts said in words, "1 teller", "3 tellers".

mod event;
pub mod lane;
pub mod metrics;
pub mod model;
pub mod name;
pub mod output;
pub mod plural;
pub mod record;
mod recorder;
pub mod scenario;
pub mod schedule;
pub mod so_far;
pub mod state;
pub mod style;
pub mod trace;
pub mod visible;

pub use event::{Event, Kind, TellerNo, TicketNo, WaitHow};
pub use lane::{Lane, LaneKind};
pub use recorder::{Recorder, Snapshot, Standalone, Tally};
pub use scenario::Scenario;
pub use state::{Mark, MarkKind, State};
pub use style::Style;
pub use trace::Trace;
