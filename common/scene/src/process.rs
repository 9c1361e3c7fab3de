//! What a run costs the machine: CPU time, memory, context switches, threads.
//!
//! The lecture says the sync-nonblocking customer "switches back and forth"
//! and that this costs; here is where the cost is counted. Figures come from
//! `getrusage(2)` (for the whole process, or for one thread) and from
//! `/proc/self/status`.
//!
//! Peak threads cannot be read after the fact, so a [`PeakThreads`] thread looks
//! at the thread count every few milliseconds. Its own CPU time and context
//! switches are measured too, so they can be taken out of the run's figures.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use nix::sys::resource::{UsageWho, getrusage};

use timeline::trace::ProcessFigures;

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
        getrusage(who).map_or_else(|_| Usage::default(), |u| Usage::from_rusage(&u))
    }

    /// The figures `getrusage` returned (for a thread measured elsewhere,
    /// such as an embedded bank's).
    pub fn from_rusage(u: &nix::sys::resource::Usage) -> Usage {
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
pub struct PeakThreads {
    /// Tells the sampler thread to stop.
    stop: Arc<AtomicBool>,
    /// Most threads seen so far.
    peak: Arc<AtomicU64>,
    /// The sampler thread; it returns its own usage.
    thread: JoinHandle<Usage>,
}

impl PeakThreads {
    /// How often the thread count is read.
    pub const EVERY: Duration = Duration::from_millis(2);

    /// Starts watching.
    pub fn start() -> std::io::Result<PeakThreads> {
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
        Ok(PeakThreads { stop, peak, thread })
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
/// and the thread peak without those `helper_threads`. See [`customers_share`]
/// for how the CPU time is shared out.
pub fn figures(
    start: Usage,
    helpers: &[Usage],
    threads_peak: u64,
    helper_threads: u64,
) -> ProcessFigures {
    ProcessFigures {
        threads_peak: threads_peak.saturating_sub(helper_threads),
        max_rss_kib: peak_rss_kib(),
        ..customers_share(Usage::process().since(start), helpers)
    }
}

/// What is left of `process` when the `helpers`' CPU time and context
/// switches are taken out.
///
/// The kernel measures each thread's CPU time precisely, but it only
/// estimates how that time splits into user and system time: it scales
/// timer-tick samples, for each thread and for the whole process separately.
/// So a helper's user (or system) time may exceed the process's, and taking
/// them out one by one gives nonsense such as `user 0 ms sys 516 ms`. Only the
/// totals are taken out: the customers' CPU time is the process's user + sys
/// less the helpers' user + sys, at least 0. That total is then split into
/// user and system time in the process's own ratio: the split shown is the
/// whole process's, not the customers' alone.
///
/// Context switches are counted exactly per thread, so each kind is taken
/// out on its own.
pub fn customers_share(process: Usage, helpers: &[Usage]) -> ProcessFigures {
    let cpu = |u: &Usage| u.user_ms + u.sys_ms;
    let process_cpu = cpu(&process);
    let helpers_cpu: f64 = helpers.iter().map(cpu).sum();
    let cpu_ms = (process_cpu - helpers_cpu).max(0.0);
    let user_share = if process_cpu > 0.0 {
        process.user_ms / process_cpu
    } else {
        0.0
    };
    let switches = |kind: fn(&Usage) -> u64| {
        let helpers: u64 = helpers.iter().map(kind).sum();
        kind(&process).saturating_sub(helpers)
    };
    ProcessFigures {
        cpu_user_ms: cpu_ms * user_share,
        cpu_sys_ms: cpu_ms * (1.0 - user_share),
        ctx_switches_voluntary: switches(|u| u.voluntary),
        ctx_switches_involuntary: switches(|u| u.involuntary),
        ..ProcessFigures::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sampler_sees_a_burst_of_threads() {
        let sampler = PeakThreads::start().expect("a thread can be spawned");
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

    /// A usage of `user_ms` + `sys_ms` and `voluntary` switches.
    fn usage(user_ms: f64, sys_ms: f64, voluntary: u64) -> Usage {
        Usage {
            user_ms,
            sys_ms,
            voluntary,
            ..Usage::default()
        }
    }

    #[test]
    fn helpers_are_taken_out_of_the_total_and_the_split_follows_the_process() {
        // The process: 8 ms user + 2 ms sys. The helpers: 9 ms of "user" in all,
        // more than the process's 8, but only 9 of its 10 ms in total.
        let process = usage(8.0, 2.0, 100);
        let helpers = [usage(6.0, 0.0, 30), usage(3.0, 0.0, 20)];
        let share = customers_share(process, &helpers);
        let total = share.cpu_user_ms + share.cpu_sys_ms;
        assert!((total - 1.0).abs() < 1e-9, "{share:?}");
        assert!((share.cpu_user_ms - 0.8).abs() < 1e-9, "{share:?}");
        assert_eq!(share.ctx_switches_voluntary, 50);

        // Helpers that seem to have spent more than the process: nothing is left.
        let share = customers_share(process, &[usage(7.0, 4.0, 200)]);
        assert_eq!((share.cpu_user_ms, share.cpu_sys_ms), (0.0, 0.0));
        assert_eq!(share.ctx_switches_voluntary, 0);
    }
}
