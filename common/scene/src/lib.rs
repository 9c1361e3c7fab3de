//! # scene: the bank scene, as every demo runs it
//!
//! The lecture (section 5 of the course notes on processes) explains
//! synchronous/asynchronous and blocking/non-blocking with a customer waiting
//! for their turn at a bank. The [`bank`] crate is the bank; the
//! [`timeline`] crate records what happens and [`pictures`] draws it. This
//! crate is everything else a demo of the scene needs, so that the four
//! demos hold only their way of waiting:
//!
//! - [`flags`]: the shared command-line flags, one `clap::Args` for every demo;
//! - [`scenario_file`]: a scenario read from a TOML file, with named
//!   customers (a generated one comes from the flags);
//! - [`customer`]: what every customer sends and reads, whatever its style;
//! - [`demo`]: the driver every demo binary runs: scenario, bank, customers,
//!   recording, then the picture and the files;
//! - [`limits`]: what the machine lets one process hold, and whether a run fits;
//! - [`process`]: what a run costs the machine (CPU, memory, threads, switches);
//! - [`kernel`]: every thread of the customers' process as the kernel sees
//!   it (running, ready, blocked, in which system call), and each task's polls;
//! - [`progress`]: the progress bar of a long run, on a terminal only;
//! - [`live`]: `--live`, the run drawn while it happens;
//! - [`interrupt`]: Ctrl-C, which cuts a run short but keeps what it recorded.
//!
//! A demo crate supplies one function, its customers' way of waiting, and
//! calls [`demo::main`] from its binary.

pub mod customer;
pub mod demo;
pub mod flags;
pub mod interrupt;
pub mod kernel;
pub mod limits;
pub mod live;
pub mod process;
pub mod progress;
pub mod scenario_file;
