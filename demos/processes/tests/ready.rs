//! `R` in `/proc/<pid>/stat` means running *or* ready: the watcher tells
//! the two apart with `/proc/<pid>/schedstat`. Three processes that only
//! compute, all kept on one CPU, cannot all run at once: each is seen
//! ready (就绪) at some looks and running (运行) at others.

use std::process::{Child, Command};
use std::time::{Duration, Instant};

use nix::sched::{CpuSet, sched_setaffinity};
use nix::unistd::Pid;
use processes::history::{ProcessState, Schedstat};
use processes::procfs;

/// Busy children, killed when the test ends however it ends.
struct Busy(Vec<Child>);

impl Drop for Busy {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[test]
fn a_process_in_r_is_seen_ready_while_others_hold_the_cpu() {
    let mut one_cpu = CpuSet::new();
    one_cpu.set(0).expect("CPU 0 exists");
    let busy = Busy(
        (0..3)
            .map(|_| {
                let child = Command::new("sh")
                    .args(["-c", "while :; do :; done"])
                    .spawn()
                    .expect("sh starts");
                let pid = Pid::from_raw(i32::try_from(child.id()).expect("a pid fits"));
                sched_setaffinity(pid, &one_cpu).expect("a child can be kept on CPU 0");
                child
            })
            .collect(),
    );
    let pids: Vec<Pid> = busy
        .0
        .iter()
        .map(|c| Pid::from_raw(i32::try_from(c.id()).expect("a pid fits")))
        .collect();
    // Look every 2 ms (the watcher's tick) for up to 2 s, until every
    // child has been seen both ways.
    let mut before: Vec<Option<Schedstat>> = pids.iter().map(|&p| procfs::schedstat(p)).collect();
    let mut seen = vec![(0u32, 0u32); pids.len()];
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(2)
        && !seen
            .iter()
            .all(|&(running, ready)| running > 0 && ready > 0)
    {
        std::thread::sleep(Duration::from_millis(2));
        for (i, &pid) in pids.iter().enumerate() {
            let stat = procfs::stat(pid).expect("stat reads").expect("alive");
            let now = procfs::schedstat(pid);
            if stat.state == 'R' {
                match ProcessState::on_cpu_or_ready(before[i], now) {
                    ProcessState::Running => seen[i].0 += 1,
                    ProcessState::Ready => seen[i].1 += 1,
                    other => panic!("an R process is running or ready, not {other:?}"),
                }
            }
            before[i] = now;
        }
    }
    assert!(
        seen.iter()
            .all(|&(running, ready)| running > 0 && ready > 0),
        "three computing processes on one CPU: each seen (running, ready) {seen:?} times"
    );
    drop(busy);
}

#[test]
fn ready_is_more_waiting_than_running_since_the_last_look() {
    let at = |on_cpu_ns, run_queue_ns| {
        Some(Schedstat {
            on_cpu_ns,
            run_queue_ns,
        })
    };
    let ready = ProcessState::on_cpu_or_ready(at(1_000, 1_000), at(1_500, 3_000));
    let running = ProcessState::on_cpu_or_ready(at(1_000, 1_000), at(3_000, 1_500));
    assert_eq!(
        (ready, running),
        (ProcessState::Ready, ProcessState::Running)
    );
    // No counters to compare: what the letter says, running.
    assert_eq!(
        ProcessState::on_cpu_or_ready(None, at(1, 1)),
        ProcessState::Running
    );
}
