//! What this machine lets one process hold: open files and threads, and
//! whether a run fits in them.
//!
//! Every customer holds a socket, and a blocking customer also holds a
//! thread. A run that needs more than the process may have would fail
//! half-way, with some customers in the bank and others refused at the door;
//! so a run is checked first, and refused before it starts with a message that
//! names the limit and the largest run that fits.
//!
//! - **Open files** (`RLIMIT_NOFILE`): the soft limit can be raised up to the
//!   hard one by the process itself, and [`raise_open_files`] does so at
//!   start. Past the hard limit only the administrator can help.
//! - **Threads**: each thread costs memory maps (its stack and guard page,
//!   and its share of the allocator's arenas: about [`MAPS_PER_THREAD`]), and
//!   a process may have at most `vm.max_map_count` maps; the kernel also caps
//!   threads (`kernel.threads-max`) and the user's processes
//!   (`RLIMIT_NPROC`). The lowest of these is the limit.

use nix::sys::resource::{Resource, getrlimit};

use timeline::style::Style;

/// Memory maps one more thread costs (measured: a Rust thread with a small
/// stack takes 2 to 4, so 4 is the safe count).
pub const MAPS_PER_THREAD: u64 = 4;

/// Files every run holds whatever its size: stdio, the runtimes' epoll and
/// wake-up descriptors, the arrival-stamp pair, the trace file being written.
const BASE_FILES: u64 = 64;

/// Threads every run has whatever its size: main, the sampler, an embedded
/// bank, tokio's workers and blocking pool, a progress bar.
const BASE_THREADS: u64 = 16;

pub use bank::room::raise_open_files;

/// Which of the machine's limits a run runs into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    /// `RLIMIT_NOFILE`: open files (sockets) per process.
    OpenFiles,
    /// Threads per process (memory maps, `threads-max` or `RLIMIT_NPROC`).
    Threads,
}

/// What this process may hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Open files allowed now (the soft `RLIMIT_NOFILE`).
    pub open_files: u64,
    /// Threads this process can still have in all, counting those it has.
    pub threads: u64,
    /// Which setting decides `threads`, for messages: `vm.max_map_count = 65530`.
    pub threads_because: String,
}

impl Limits {
    /// Reads the limits of this process, as they are now.
    pub fn now() -> Limits {
        let open_files = bank::room::open_files();
        let mut candidates: Vec<(u64, String)> = Vec::new();
        if let Some(max_maps) = proc_number("/proc/sys/vm/max_map_count") {
            let maps_now = std::fs::read_to_string("/proc/self/maps")
                .map(|m| m.lines().count() as u64)
                .unwrap_or(0);
            let threads_now = crate::process::threads_now();
            candidates.push((
                threads_now + max_maps.saturating_sub(maps_now) / MAPS_PER_THREAD,
                format!("vm.max_map_count = {max_maps}, {MAPS_PER_THREAD} maps per thread"),
            ));
        }
        if let Some(max) = proc_number("/proc/sys/kernel/threads-max") {
            candidates.push((max, format!("kernel.threads-max = {max}")));
        }
        if let Ok((soft, _)) = getrlimit(Resource::RLIMIT_NPROC) {
            candidates.push((soft, format!("RLIMIT_NPROC (ulimit -u) = {soft}")));
        }
        let (threads, threads_because) = candidates
            .into_iter()
            .min_by_key(|(n, _)| *n)
            .unwrap_or((u64::MAX, "no limit found".to_owned()));
        Limits {
            open_files,
            threads,
            threads_because,
        }
    }

    /// Checks that `needs` fits; if not, says which limit it passes and the
    /// largest run that fits.
    pub fn check(&self, needs: &Needs) -> Result<(), NoRoom> {
        if needs.open_files() > self.open_files {
            let largest = needs.largest_within(self.open_files, Needs::open_files);
            return Err(NoRoom {
                limit: Limit::OpenFiles,
                message: format!(
                    "{} with {} customers needs about {} open files ({}), but this process may \
                     open {} (RLIMIT_NOFILE, ulimit -n). The largest run that fits is \
                     --customers {largest}{}.",
                    needs.style,
                    needs.customers,
                    needs.open_files(),
                    needs.why_files(),
                    self.open_files,
                    if needs.embedded_bank {
                        "; or start the bank in its own process (cargo run -p bank) and pass \
                         --bank 127.0.0.1:7878, which halves the sockets here"
                    } else {
                        ""
                    },
                ),
            });
        }
        if needs.threads() > self.threads {
            let largest = needs.largest_within(self.threads, Needs::threads);
            return Err(NoRoom {
                limit: Limit::Threads,
                message: format!(
                    "{} with {} customers needs about {} threads (one per customer), but this \
                     process may have about {} ({}). The largest run that fits is \
                     --customers {largest}; async-blocking and async-nonblocking need no \
                     thread per customer.",
                    needs.style,
                    needs.customers,
                    needs.threads(),
                    self.threads,
                    self.threads_because,
                ),
            });
        }
        Ok(())
    }
}

/// What a run of one style needs from its process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Needs {
    /// Whose customers.
    pub style: Style,
    /// How many customers.
    pub customers: u32,
    /// Tellers, each holding a timer while it serves (only with the bank here).
    pub tellers: u32,
    /// Whether the bank runs in this process too (its end of every socket is here then).
    pub embedded_bank: bool,
}

impl Needs {
    /// Open files: a socket per customer, the bank's end of it when the bank
    /// is here, a timer per teller, and a base.
    pub fn open_files(&self) -> u64 {
        let customers = u64::from(self.customers);
        let bank = if self.embedded_bank {
            customers + u64::from(self.tellers)
        } else {
            0
        };
        BASE_FILES + customers + bank
    }

    /// Threads: one per customer for the synchronous styles, and a base.
    pub fn threads(&self) -> u64 {
        match self.style {
            Style::SyncBlocking | Style::SyncNonblocking => {
                BASE_THREADS + u64::from(self.customers)
            }
            Style::AsyncBlocking | Style::AsyncNonblocking => BASE_THREADS,
        }
    }

    /// What the open files are for, in words.
    fn why_files(&self) -> &'static str {
        if self.embedded_bank {
            "a socket per customer, and the bank's end of it, since the bank runs in this process"
        } else {
            "a socket per customer"
        }
    }

    /// The most customers for which `measure` stays within `limit`.
    fn largest_within(&self, limit: u64, measure: fn(&Needs) -> u64) -> u32 {
        let (mut low, mut high) = (0u32, self.customers);
        while low < high {
            let mid = low + (high - low).div_ceil(2);
            let fits = measure(&Needs {
                customers: mid,
                ..*self
            }) <= limit;
            if fits { low = mid } else { high = mid - 1 }
        }
        low
    }
}

/// A run that does not fit, and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct NoRoom {
    /// The limit it passes.
    pub limit: Limit,
    /// What to tell the user: the need, the limit, the largest run that fits.
    pub message: String,
}

/// A number in a `/proc/sys` file.
fn proc_number(path: &str) -> Option<u64> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(open_files: u64, threads: u64) -> Limits {
        Limits {
            open_files,
            threads,
            threads_because: "a test's limit".to_owned(),
        }
    }

    fn needs(style: Style, customers: u32, embedded_bank: bool) -> Needs {
        Needs {
            style,
            customers,
            tellers: 8,
            embedded_bank,
        }
    }

    #[test]
    fn an_embedded_bank_doubles_the_sockets() {
        let room = limits(20_000, 16_300);
        let err = room
            .check(&needs(Style::AsyncNonblocking, 10_000, true))
            .expect_err("20,000 sockets and more do not fit in 20,000 files");
        assert_eq!(err.limit, Limit::OpenFiles);
        assert!(err.message.contains("RLIMIT_NOFILE"), "{err}");
        assert!(err.message.contains("--bank"), "{err}");
        assert!(
            room.check(&needs(Style::AsyncNonblocking, 10_000, false))
                .is_ok()
        );
    }

    #[test]
    fn the_largest_run_named_is_the_largest_that_fits() {
        let room = limits(20_000, 16_300);
        let too_many = needs(Style::SyncBlocking, 17_000, false);
        let err = room
            .check(&too_many)
            .expect_err("17,000 threads do not fit");
        assert_eq!(err.limit, Limit::Threads);
        let largest: u32 = err
            .message
            .split("--customers ")
            .nth(1)
            .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|n| n.parse().ok())
            .expect("the message names a --customers count");
        assert!(
            room.check(&needs(Style::SyncBlocking, largest, false))
                .is_ok()
        );
        assert!(
            room.check(&needs(Style::SyncBlocking, largest + 1, false))
                .is_err()
        );
        assert!(
            room.check(&needs(Style::AsyncBlocking, 17_000, false))
                .is_ok(),
            "one thread waits for all"
        );
    }

    #[test]
    fn this_machine_has_limits_and_they_can_be_raised() {
        let raised = raise_open_files().expect("the soft limit can go up to the hard one");
        let now = Limits::now();
        assert_eq!(now.open_files, raised);
        assert!(now.threads > 100, "{now:?}");
    }
}
