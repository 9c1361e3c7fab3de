//! The shared timeline: how every demo says what happens, how it is recorded,
//! and how a recorded run is drawn.
//!
//! - [`record`]: the vocabulary, one function per [`Kind`] of moment;
//! - [`Recorder`]: the `tracing` layer that keeps them, per thread;
//! - [`model`]: from raw moments to customers, tellers and the states of each lane;
//! - [`swimlane`]: the terminal picture; [`chrome`]: a Chrome trace for Perfetto;
//!   [`html`]: a self-contained HTML report of several runs.

pub mod chrome;
mod event;
pub mod html;
pub mod model;
pub mod record;
mod recorder;
pub mod swimlane;

pub use event::{Event, Kind, Lane, WaitHow};
pub use recorder::{Recorder, Standalone, Tally};
