//! # pictures: every timeline, drawn
//!
//! A run recorded by the [`timeline`] crate becomes lanes of states; this
//! crate draws them, for any lanes, in every form a class uses:
//!
//! - [`look`]: how every state and mark is shown: glyph, colour, CSS
//!   class, English and Chinese words; the one table every picture reads;
//! - [`swimlane`]: the terminal picture, a row per lane and a column per
//!   step of time, with a legend in English and Chinese;
//! - [`html`]: one self-contained HTML page of several runs: SVG swimlanes,
//!   the metrics table, where the tellers' time went, the scale chart;
//! - [`chrome`]: a Chrome trace-event file that opens in Perfetto;
//! - [`live`]: runs at one moment as a moving picture (a live view, a
//!   replay), drawn with ratatui; [`replay`]: recorded runs played again
//!   with a player's keys; [`terminal`]: the terminal taken over for them
//!   and always given back;
//! - [`table`]: terminal tables, aligned by display width: the metrics
//!   table of runs under the ideal schedule's row (the customer's view
//!   first), and where the tellers' time went;
//! - [`text`]: width, padding, cutting and wrapping, by display width;
//! - [`screen`]: where a program's words go: stdout, or stderr when stdout
//!   carries a file;
//! - [`scale`]: the rows of the scale table that `compare --scale`
//!   fills and the pictures draw.
//!
//! It knows nothing of the bank's server or of tokio: it reads traces.

pub mod chrome;
pub mod html;
pub mod live;
pub mod look;
pub mod replay;
pub mod scale;
pub mod screen;
pub mod swimlane;
pub mod table;
pub mod terminal;
pub mod text;
