//! What a run costs the machine: CPU time, memory, context switches, threads.
//!
//! The lecture says the sync-nonblocking customer "switches back and forth"
//! and that this costs; here is where the cost is counted. Figures come from
//! `getrusage(2)` (for the whole process, or for one thread) and from
//! `/proc/self/status`.
//!
//! Peak threads cannot be read after the fact, so a [`Sampler`] thread looks
//! at the thread count every few milliseconds. Its own CPU time and context
//! switches are measured too, so they can be taken out of the run's figures.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use nix::sys::resource::{UsageWho, getrusage};

use crate::trace::ProcessFigures;

/// CPU time and context switches of a process or a thread, at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Usage {
    /// CPU time in user mode, in milliseconds.
    pub user_ms: f64,
    /// CPU time in the kernel, in milliseconds.
    pub sys_ms: f64,
    /// Voluntary context switches (gave up the CPU to wait).
    pub voluntary: u64,
    /// Involuntary context switches (preempted).
    pub involuntary: u64,
    /// Peak resident memory in KiB (meaningful for the process only).
    pub max_rss_kib: u64,
}

impl Usage {
    /// The whole process so far.
    pub fn process() -> Usage {
        Usage::of(UsageWho::RUSAGE_SELF)
    }

    /// The calling thread so far.
    pub fn thread() -> Usage {
        Usage::of(UsageWho::RUSAGE_THREAD)
    }

    fn of(who: UsageWho) -> Usage {
        // getrusage can only fail for a bad `who`, and both used here exist on Linux.
        let Ok(u) = getrusage(who) else {
            return Usage::default();
        };
        let ms = |tv: nix::sys::time::TimeVal| tv.tv_sec() as f64 * 1e3 + tv.tv_usec() as f64 / 1e3;
        Usage {
            user_ms: ms(u.user_time()),
            sys_ms: ms(u.system_time()),
            voluntary: u64::try_from(u.voluntary_context_switches()).unwrap_or(0),
            involuntary: u64::try_from(u.involuntary_context_switches()).unwrap_or(0),
            max_rss_kib: u64::try_from(u.max_rss()).unwrap_or(0),
        }
    }

    /// What was spent between `earlier` and `self`.
    pub fn since(self, earlier: Usage) -> Usage {
        Usage {
            user_ms: (self.user_ms - earlier.user_ms).max(0.0),
            sys_ms: (self.sys_ms - earlier.sys_ms).max(0.0),
            voluntary: self.voluntary.saturating_sub(earlier.voluntary),
            involuntary: self.involuntary.saturating_sub(earlier.involuntary),
            max_rss_kib: self.max_rss_kib,
        }
    }

    /// `self` with `other`'s share taken out (a helper thread's, say).
    pub fn without(self, other: Usage) -> Usage {
        Usage {
            max_rss_kib: self.max_rss_kib,
            ..self.since(other)
        }
    }
}

/// How many threads the process has now, from `/proc/self/status`.
pub fn threads_now() -> u64 {
    status_field("Threads:").unwrap_or(0)
}

/// Peak resident memory of the process (`VmHWM`), in KiB.
pub fn peak_rss_kib() -> u64 {
    status_field("VmHWM:").unwrap_or_else(|| Usage::process().max_rss_kib)
}

fn status_field(key: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(key))?;
    line[key.len()..].split_whitespace().next()?.parse().ok()
}

/// Watches the process's thread count until stopped.
pub struct Sampler {
    /// Tells the sampler thread to stop.
    stop: Arc<AtomicBool>,
    /// Most threads seen so far.
    peak: Arc<AtomicU64>,
    /// The sampler thread; it returns its own usage.
    thread: JoinHandle<Usage>,
}

impl Sampler {
    /// How often the thread count is read.
    pub const EVERY: Duration = Duration::from_millis(2);

    /// Starts watching.
    pub fn start() -> std::io::Result<Sampler> {
        let stop = Arc::new(AtomicBool::new(false));
        let peak = Arc::new(AtomicU64::new(threads_now()));
        let thread = std::thread::Builder::new().name("sampler".into()).spawn({
            let (stop, peak) = (stop.clone(), peak.clone());
            move || {
                while !stop.load(Ordering::Relaxed) {
                    peak.fetch_max(threads_now(), Ordering::Relaxed);
                    std::thread::sleep(Self::EVERY);
                }
                Usage::thread()
            }
        })?;
        Ok(Sampler { stop, peak, thread })
    }

    /// The most threads seen so far, this sampler's own included.
    pub fn peak(&self) -> u64 {
        self.peak.load(Ordering::Relaxed).max(threads_now())
    }

    /// Stops watching; returns the peak (sampler included) and the sampler's own usage.
    pub fn stop(self) -> (u64, Usage) {
        let peak = self.peak();
        self.stop.store(true, Ordering::Relaxed);
        let own = self.thread.join().unwrap_or_default();
        (peak, own)
    }
}

/// The customers' figures: the process's usage since `start`, without the
/// helper threads' usage (`helpers`, e.g. the sampler and an embedded bank),
/// and the thread peak without those `helper_threads`.
pub fn figures(
    start: Usage,
    helpers: &[Usage],
    threads_peak: u64,
    helper_threads: u64,
) -> ProcessFigures {
    let spent = helpers
        .iter()
        .fold(Usage::process().since(start), |u, h| u.without(*h));
    ProcessFigures {
        threads_peak: threads_peak.saturating_sub(helper_threads),
        cpu_user_ms: spent.user_ms,
        cpu_sys_ms: spent.sys_ms,
        max_rss_kib: peak_rss_kib(),
        ctx_switches_voluntary: spent.voluntary,
        ctx_switches_involuntary: spent.involuntary,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sampler_sees_a_burst_of_threads() {
        let sampler = Sampler::start().expect("a thread can be spawned");
        let before = threads_now();
        let barrier = std::sync::Barrier::new(9);
        std::thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| {
                    barrier.wait();
                    std::thread::sleep(Duration::from_millis(30));
                });
            }
            barrier.wait();
            std::thread::sleep(Duration::from_millis(15));
        });
        let (peak, own) = sampler.stop();
        assert!(peak >= before + 8, "peak {peak}, before {before}");
        assert!(own.voluntary > 0, "the sampler slept, so it switched");
    }

    #[test]
    fn usage_grows_with_work_and_a_thread_sees_its_own() {
        let start = Usage::process();
        let t0 = Usage::thread();
        let mut x = 0u64;
        for i in 0..20_000_000u64 {
            x = x.wrapping_mul(31).wrapping_add(i);
        }
        std::hint::black_box(x);
        let spent = Usage::thread().since(t0);
        assert!(spent.user_ms + spent.sys_ms > 0.0);
        // The kernel splits user and system time separately for the process and
        // for a thread (scaled from ticks), so only their sums are comparable.
        let process = Usage::process().since(start);
        assert!(
            process.user_ms + process.sys_ms >= spent.user_ms + spent.sys_ms - 5.0,
            "process {process:?}, thread {spent:?}"
        );
        assert!(peak_rss_kib() > 0);
    }
}
