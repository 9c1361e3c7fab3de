//! 并行 parallelism, measured: two customers computing their errands at once,
//! each on a thread of its own, keep two cores busy. The run's CPU time then
//! exceeds its wall time, which one thread alone could never do.
//!
//! The machine is shared: when other work holds its cores, two threads
//! cannot both run, and the test says so with a `skipped:` line instead of
//! failing; a run on a machine that was free enough must show it.

use std::time::Duration;

use scene::process::Usage;
use testkit::scene::{check_errands_computed, computed};
use timeline::metrics::Computing;
use timeline::scenario::{Generate, ServiceTime};
use timeline::style::Style;

/// CPUs at once that count as parallel: one thread alone makes at most 1.
const PARALLEL: f64 = 1.3;

/// Other work, in cores busy on average during a run, that may keep our
/// two threads from running at once (a free machine stays well below).
const BUSY: f64 = 0.4;

#[test]
fn two_customers_computing_at_once_use_more_cpu_time_than_wall_time() {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cores < 2 {
        testkit::skipped("parallelism needs two cores, and this machine has one");
        return;
    }
    // Two customers, served at once by two tellers in a moment, then 400 ms
    // of computing each.
    let scenario = computed(
        Generate {
            customers: 2,
            tellers: 2,
            service: ServiceTime::Fixed(5.0),
            arrival_gap_ms: 0.0,
            errand_ms: 400.0,
            ..Generate::default()
        }
        .scenario(),
        5.0,
    );
    let mut seen = Vec::new();
    for _ in 0..3 {
        let (machine, ours) = (busy_ms(), Usage::process());
        let trace = testkit::scene::run(
            Style::SyncBlocking,
            sync_blocking::customers,
            scenario.clone(),
        )
        .trace;
        let ours = Usage::process().since(ours);
        check_errands_computed(&trace);
        let c = Computing::of(&trace).expect("computed errands");
        let at_once = c.cpus_at_once();
        // What the rest of the machine kept busy meanwhile, in cores.
        let others = (busy_ms() - machine - ours.user_ms - ours.sys_ms).max(0.0) / c.wall_ms;
        if at_once >= PARALLEL {
            assert!(
                c.cpu_ms > c.wall_ms,
                "{} ms of CPU in {} ms",
                c.cpu_ms,
                c.wall_ms
            );
            return;
        }
        assert!(
            others >= BUSY,
            "a free machine (other work kept {others:.2} cores busy) ran two computing \
             customers at {at_once:.2} CPUs at once: {} ms of CPU in {} ms",
            c.cpu_ms,
            c.wall_ms
        );
        seen.push(format!(
            "{at_once:.2} CPUs at once while others kept {others:.2} busy"
        ));
        std::thread::sleep(Duration::from_millis(500));
    }
    testkit::skipped(&format!(
        "other work held this machine's cores, so two threads could not compute at once: {}",
        seen.join("; ")
    ));
}

/// CPU time the whole machine has spent busy so far, in ms, from
/// `/proc/stat` (its first line: every core's ticks, busy or idle).
fn busy_ms() -> f64 {
    let stat = std::fs::read_to_string("/proc/stat").expect("Linux has /proc/stat");
    let ticks: Vec<f64> = stat
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .skip(1)
        .filter_map(|t| t.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal: all but idle and
    // iowait are busy (guest time is counted in user already).
    let busy: f64 = [0, 1, 2, 5, 6, 7]
        .iter()
        .filter_map(|&i| ticks.get(i))
        .sum();
    let per_second = nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK)
        .ok()
        .flatten()
        .map_or(100.0, |t| t as f64);
    busy * 1000.0 / per_second
}
