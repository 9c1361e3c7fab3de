//! The kernel's view of a run: every thread of the customers' process, as
//! the kernel sees it, drawn as a lane under the customers.
//!
//! A customer's row tells the scene from the protocol's times (waiting in
//! line, on the errand, at the counter); it cannot say what the machine did
//! meanwhile. These lanes can, because they are read from the kernel: a
//! thread is running (运行) on a CPU, ready (就绪) to run but waiting for a
//! CPU, or blocked (阻塞) asleep until an event, in a system call the lanes
//! name (`recvfrom`, `epoll_wait`, `clock_nanosleep`). So a sync-blocking
//! customer waiting in line has a thread asleep in `recvfrom`, and an
//! async-nonblocking customer waiting in line has no thread at all: its
//! task is on a thread only while it is polled.
//!
//! - [`sampler`]: the thread that reads `/proc/self/task/<tid>/` about every
//!   millisecond and paints each thread's stretches;
//! - [`syscalls`]: system call numbers, named, for x86_64 and aarch64;
//! - [`threads`]: which thread is which, for the lanes' labels;
//! - [`polls`]: a tokio task's polls, recorded on the task's lane.
//!
//! What sampling costs is measured with release binaries, the same run
//! with and without it (every run's summary says how often each thread was
//! read and what the sampler's own CPU time was; its efficiency line says
//! what the customers lost):
//!
//! ```text
//! cargo build --release -p sync-blocking
//! for n in 6 32 200; do for k in off on; do
//!   target/release/sync-blocking --customers $n --tellers 8 --service 20 \
//!     --arrival-gap 1 --kernel $k | grep -E '^(makespan|CPU|kernel)'
//! done; done
//! ```
//!
//! Sampling is on for runs of up to [`Sampling::AUTO_UP_TO`] customers,
//! and chosen with `--kernel on|off|auto`: a thread lane per customer thread
//! is a picture for a class, not for ten thousand customers, and reading
//! hundreds of threads every millisecond costs a CPU of its own (the
//! sampler's cost is in every run's summary).

pub mod polls;
pub mod sampler;
pub mod syscalls;
pub mod threads;

pub use sampler::{Sampled, Sampler};

/// Whether to sample the kernel: the value of `--kernel`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Sampling {
    /// On for runs of up to [`Sampling::AUTO_UP_TO`] customers.
    #[default]
    Auto,
    /// Always.
    On,
    /// Never.
    Off,
}

impl Sampling {
    /// The most customers `auto` samples the kernel for.
    pub const AUTO_UP_TO: usize = 32;

    /// Whether a run of `customers` samples the kernel.
    pub fn wanted(self, customers: usize) -> bool {
        match self {
            Sampling::Auto => customers <= Self::AUTO_UP_TO,
            Sampling::On => true,
            Sampling::Off => false,
        }
    }

    /// The flag's word for a choice made: `on` or `off`.
    pub fn word(on: bool) -> &'static str {
        if on { "on" } else { "off" }
    }
}
