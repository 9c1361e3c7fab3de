//! The kernel sampler: a thread that reads every other thread's state from
//! `/proc/self/task/<tid>/` about every millisecond, and turns what it reads
//! into stretches of running (运行), ready (就绪) and blocked (阻塞).
//!
//! Each round it lists `/proc/self/task/` and, for each thread but itself,
//! reads three files (kept open, read again from offset 0 with `pread`, so a
//! round costs three system calls a thread):
//!
//! - `stat`: the thread's state, `R` (runnable: on a CPU or waiting for
//!   one), `S` (asleep, woken by an event), `D` (asleep, not even by a
//!   signal), and so on;
//! - `schedstat`: the nanoseconds it has spent on a CPU and waiting in a run
//!   queue, since it began;
//! - `syscall`, for a thread that is not runnable: the system call it sleeps
//!   in (named by [`syscalls`](super::syscalls)).
//!
//! The stretch from one round to the next takes the state read at its end:
//! blocked for a sleeping thread, noting its system call; running for a
//! runnable one. Whether a runnable thread was really on a CPU is known
//! only afterwards: the kernel adds a wait in the run queue to `schedstat`
//! when the wait ends, as the thread reaches a CPU. So when the run-queue
//! time has grown by `w` since the last round, the `w` before the thread's
//! latest time on a CPU is painted again, as ready, over what had been
//! painted running (never over a sleep). Every stretch is as fine as a
//! round: about a millisecond, more when the machine is busy or the threads
//! are many (a round of 200 threads takes longer than that); the sampler
//! counts its rounds, so the trace says how fine it was.
//!
//! The sampler's own thread is left out of the lanes, and its CPU time is
//! measured so the run's figures can leave it out too.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use timeline::State;
use timeline::model::{Note, Segment};
use timeline::trace::{LaneRecord, SamplerFigures};
use timeline::{Lane, Scenario};

use super::syscalls::InCall;
use super::threads::Role;
use crate::process::Usage;

/// Watches every thread of this process until stopped.
#[derive(Debug)]
pub struct Sampler {
    /// Tells the sampler thread to stop.
    stop: Arc<AtomicBool>,
    /// The sampler thread; it returns what it saw.
    thread: JoinHandle<Sampled>,
}

/// What a sampler saw, and what it cost.
#[derive(Clone, Debug, Default)]
pub struct Sampled {
    /// Every thread seen (but the sampler), in order of first sight.
    pub threads: Vec<ThreadSeen>,
    /// Rounds, samples, its own CPU time.
    pub figures: SamplerFigures,
    /// Most threads alive at once, the sampler's own included.
    pub threads_peak: u64,
    /// The sampler thread's own usage, to be taken out of the customers'.
    pub usage: Usage,
}

/// One thread, as the sampler saw it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ThreadSeen {
    /// The kernel's thread id.
    pub tid: u32,
    /// The kernel's name for it, as last read (`customer-3`, `bank`).
    pub comm: String,
    /// Its stretches of states, each with the words for it (a system call).
    pub stretches: Vec<(Segment, Option<String>)>,
    /// Times it was read.
    pub samples: u64,
}

/// Where one thread's counters stood at one round.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Reading {
    /// When (ms from the run's origin).
    at_ms: f64,
    /// Time on a CPU so far (ns).
    cpu_ns: u64,
    /// Time waiting in a run queue so far (ns).
    wait_ns: u64,
}

/// A thread being watched: its files, kept open, and its lane so far.
struct Watched {
    /// `/proc/self/task/<tid>/stat`: its state.
    stat: File,
    /// `.../schedstat`: its CPU and run-queue time.
    schedstat: File,
    /// `.../syscall`: the call it sleeps in.
    syscall: File,
    /// `.../comm`: its name, which a thread may change (async-blocking's
    /// scene thread becomes `epoll`).
    comm: File,
    /// The previous round's counters.
    last: Option<Reading>,
    /// What was seen so far.
    seen: ThreadSeen,
}

/// How many rounds pass between two readings of the threads' names.
const NAME_EVERY: u64 = 16;

impl Sampler {
    /// How often every thread is read.
    pub const EVERY: Duration = Duration::from_millis(1);

    /// Starts watching; stretches are timed in ms from `origin`.
    pub fn start(origin: Instant) -> std::io::Result<Sampler> {
        let stop = Arc::new(AtomicBool::new(false));
        let thread = std::thread::Builder::new().name("sampler".into()).spawn({
            let stop = stop.clone();
            move || watch(origin, &stop)
        })?;
        Ok(Sampler { stop, thread })
    }

    /// Stops watching; returns what was seen. (A sampler that panicked saw
    /// nothing.)
    pub fn stop(self) -> Sampled {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().unwrap_or_default()
    }
}

/// The sampler thread: a round every [`Sampler::EVERY`] until `stop`.
fn watch(origin: Instant, stop: &AtomicBool) -> Sampled {
    // Wake on time: the default 50 µs of timer slack is 5% of a round.
    let _ = nix::sys::prctl::set_timerslack(1_000);
    let own = u32::try_from(nix::unistd::gettid().as_raw()).unwrap_or(0);
    let started = origin.elapsed();
    let mut watched: BTreeMap<u32, Watched> = BTreeMap::new();
    let mut done: Vec<ThreadSeen> = Vec::new();
    let mut figures = SamplerFigures {
        every_ms: Sampler::EVERY.as_secs_f64() * 1000.0,
        ..SamplerFigures::default()
    };
    let mut threads_peak = 0;
    let mut next = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        let tids = threads_now();
        threads_peak = threads_peak.max(tids.len() as u64);
        let at_ms = origin.elapsed().as_secs_f64() * 1000.0;
        // Threads that ended since the last round: their lanes are whole.
        let gone: Vec<u32> = watched
            .keys()
            .filter(|tid| tids.binary_search(tid).is_err())
            .copied()
            .collect();
        for tid in gone {
            if let Some(w) = watched.remove(&tid) {
                done.push(w.seen);
            }
        }
        for &tid in tids.iter().filter(|&&tid| tid != own) {
            let w = match watched.entry(tid) {
                Entry::Occupied(seen) => seen.into_mut(),
                Entry::Vacant(new) => match Watched::open(tid) {
                    Some(w) => new.insert(w),
                    // Gone before it could be opened.
                    None => continue,
                },
            };
            if figures.rounds % NAME_EVERY == 0 {
                w.read_name();
            }
            if w.sample(at_ms).is_none() {
                // It ended between the listing and the reading.
                if let Some(w) = watched.remove(&tid) {
                    done.push(w.seen);
                }
                continue;
            }
            figures.samples += 1;
        }
        figures.rounds += 1;
        next += Sampler::EVERY;
        let now = Instant::now();
        if next > now {
            std::thread::sleep(next - now);
        } else {
            // Behind (a busy machine, many threads): start again from now.
            next = now;
        }
    }
    for mut w in watched.into_values() {
        w.read_name();
        done.push(w.seen);
    }
    figures.sampled_ms = (origin.elapsed() - started).as_secs_f64() * 1000.0;
    let usage = Usage::thread();
    figures.cpu_ms = usage.user_ms + usage.sys_ms;
    Sampled {
        threads: done,
        figures,
        threads_peak: threads_peak.max(1),
        usage,
    }
}

/// The ids of this process's threads now, in order.
fn threads_now() -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else {
        return Vec::new();
    };
    let mut tids: Vec<u32> = dir
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse().ok())
        .collect();
    tids.sort_unstable();
    tids
}

/// Reads a whole small `/proc` file from its start into `buf`; returns the
/// text, or `None` when the thread is gone (or the file unreadable).
fn read_from_start<'b>(file: &File, buf: &'b mut [u8]) -> Option<&'b str> {
    let n = file.read_at(buf, 0).ok()?;
    if n == 0 {
        return None;
    }
    std::str::from_utf8(buf.get(..n)?).ok()
}

impl Watched {
    /// Opens thread `tid`'s files; `None` if it is already gone.
    fn open(tid: u32) -> Option<Watched> {
        let file = |name: &str| File::open(format!("/proc/self/task/{tid}/{name}")).ok();
        let mut w = Watched {
            stat: file("stat")?,
            schedstat: file("schedstat")?,
            syscall: file("syscall")?,
            comm: file("comm")?,
            last: None,
            seen: ThreadSeen {
                tid,
                ..ThreadSeen::default()
            },
        };
        w.read_name();
        Some(w)
    }

    /// Reads the thread's name again (it may have changed).
    fn read_name(&mut self) {
        let mut buf = [0u8; 64];
        if let Some(text) = read_from_start(&self.comm, &mut buf) {
            self.seen.comm = text.trim_end_matches('\n').to_owned();
        }
    }

    /// Reads the thread at `at_ms` and paints the stretch since the last
    /// reading; `None` if the thread is gone.
    fn sample(&mut self, at_ms: f64) -> Option<()> {
        let mut buf = [0u8; 1024];
        let runnable = state_of(read_from_start(&self.stat, &mut buf)?)? == 'R';
        let (cpu_ns, wait_ns) = schedstat_of(read_from_start(&self.schedstat, &mut buf)?)?;
        let note = if runnable {
            None
        } else {
            read_from_start(&self.syscall, &mut buf)
                .and_then(InCall::parse)
                .and_then(|call| call.words())
                .map(String::from)
        };
        let now = Reading {
            at_ms,
            cpu_ns,
            wait_ns,
        };
        self.seen.samples += 1;
        if let Some(last) = self.last.replace(now) {
            self.seen.paint(last, now, runnable, note);
        }
        Some(())
    }
}

/// The state letter of a `stat` line: the field after the name, which is in
/// brackets and may itself hold brackets and spaces.
fn state_of(stat: &str) -> Option<char> {
    let (_, after_name) = stat.rsplit_once(')')?;
    after_name.trim_start().chars().next()
}

/// The first two numbers of `schedstat`: ns on a CPU, ns waiting in a run queue.
fn schedstat_of(text: &str) -> Option<(u64, u64)> {
    let mut numbers = text.split_whitespace().map(str::parse::<u64>);
    Some((numbers.next()?.ok()?, numbers.next()?.ok()?))
}

/// Nanoseconds as milliseconds.
fn ms(ns: u64) -> f64 {
    ns as f64 / 1e6
}

impl ThreadSeen {
    /// Paints the stretch from `last` to `now`: blocked (with `note`) for a
    /// thread asleep at `now`, running for a runnable one; then, when its
    /// run-queue time grew, that much time before its latest CPU time as
    /// ready (see the module header).
    fn paint(&mut self, last: Reading, now: Reading, runnable: bool, note: Option<String>) {
        if now.at_ms <= last.at_ms {
            return;
        }
        let state = if runnable {
            State::Running
        } else {
            State::Blocked
        };
        self.push(last.at_ms, now.at_ms, state, note);
        let waited = ms(now.wait_ns.saturating_sub(last.wait_ns));
        if waited > 0.0 {
            let ran = ms(now.cpu_ns.saturating_sub(last.cpu_ns)).min(now.at_ms - last.at_ms);
            let until = now.at_ms - ran;
            self.repaint_ready(until - waited, until);
        }
    }

    /// Adds a stretch, joining it to the last one when it goes on with the
    /// same state and words.
    fn push(&mut self, start_ms: f64, end_ms: f64, state: State, note: Option<String>) {
        if end_ms <= start_ms {
            return;
        }
        if let Some((last, last_note)) = self.stretches.last_mut() {
            if last.state == state && *last_note == note && last.end_ms == start_ms {
                last.end_ms = end_ms;
                return;
            }
        }
        let segment = Segment {
            start_ms,
            end_ms,
            state,
        };
        self.stretches.push((segment, note));
    }

    /// Paints `[from, to)` ready wherever it was painted running.
    fn repaint_ready(&mut self, from: f64, to: f64) {
        let mut tail = Vec::new();
        while self.stretches.last().is_some_and(|(s, _)| s.end_ms > from) {
            tail.extend(self.stretches.pop());
        }
        for (s, note) in tail.into_iter().rev() {
            let (a, b) = (s.start_ms, s.end_ms);
            let (x, y) = (from.max(a), to.min(b));
            if s.state != State::Running || x >= y {
                self.push(a, b, s.state, note);
                continue;
            }
            self.push(a, x, State::Running, None);
            self.push(x, y, State::Ready, None);
            self.push(y, b, State::Running, None);
        }
    }
}

impl Sampled {
    /// Each thread seen as a lane, labelled for what it is (see
    /// [`threads`](super::threads)): the customers' own threads first, in
    /// the scenario's order, then the others.
    pub fn lanes(&self, scenario: &Scenario) -> Vec<LaneRecord> {
        let pid = std::process::id();
        let mut workers = 0;
        let mut roles: Vec<(Role, &ThreadSeen)> = self
            .threads
            .iter()
            .map(|t| (Role::of(t.tid, pid, &t.comm, &mut workers), t))
            .collect();
        roles.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.tid.cmp(&b.1.tid)));
        roles
            .into_iter()
            .filter(|(_, t)| !t.stretches.is_empty())
            .map(|(role, t)| LaneRecord {
                lane: Lane::Thread(t.tid),
                label: role.label(scenario),
                segments: t.stretches.iter().map(|(s, _)| *s).collect(),
                notes: t
                    .stretches
                    .iter()
                    .filter_map(|(s, note)| {
                        Some(Note {
                            start_ms: s.start_ms,
                            end_ms: s.end_ms,
                            text: note.clone()?,
                        })
                    })
                    .collect(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading(at_ms: f64, cpu_ms: f64, wait_ms: f64) -> Reading {
        Reading {
            at_ms,
            cpu_ns: (cpu_ms * 1e6) as u64,
            wait_ns: (wait_ms * 1e6) as u64,
        }
    }

    fn states(t: &ThreadSeen) -> Vec<(f64, f64, State, Option<&str>)> {
        t.stretches
            .iter()
            .map(|(s, n)| (s.start_ms, s.end_ms, s.state, n.as_deref()))
            .collect()
    }

    #[test]
    fn stat_and_schedstat_are_read_whatever_the_name() {
        assert_eq!(state_of("42 (sync-blocking) S 1 2 3"), Some('S'));
        assert_eq!(
            state_of("42 (a) b) (c) R 1 2 3"),
            Some('R'),
            "a name with brackets"
        );
        assert_eq!(state_of("42 (no end"), None);
        assert_eq!(
            schedstat_of("62803294 20171454 282\n"),
            Some((62_803_294, 20_171_454))
        );
        assert_eq!(schedstat_of("62803294"), None);
    }

    #[test]
    fn sleeps_join_up_and_a_wait_in_the_run_queue_is_painted_where_it_was() {
        let mut t = ThreadSeen::default();
        let recv = || Some("recvfrom".to_owned());
        // Asleep in recvfrom for 3 ms: one stretch.
        t.paint(
            reading(0.0, 0.0, 0.0),
            reading(1.0, 0.0, 0.0),
            false,
            recv(),
        );
        t.paint(
            reading(1.0, 0.0, 0.0),
            reading(2.0, 0.0, 0.0),
            false,
            recv(),
        );
        t.paint(
            reading(2.0, 0.0, 0.0),
            reading(3.0, 0.0, 0.0),
            false,
            recv(),
        );
        // Woken: runnable for 3 ms, but the kernel says nothing of the wait
        // until the thread reaches a CPU ...
        t.paint(reading(3.0, 0.0, 0.0), reading(4.0, 0.0, 0.0), true, None);
        t.paint(reading(4.0, 0.0, 0.0), reading(5.0, 0.0, 0.0), true, None);
        // ... at 5.5 ms, after 2.5 ms in the queue; it ran 0.5 ms since.
        t.paint(reading(5.0, 0.0, 0.0), reading(6.0, 0.5, 2.5), true, None);
        assert_eq!(
            states(&t),
            [
                (0.0, 3.0, State::Blocked, Some("recvfrom")),
                (3.0, 5.5, State::Ready, None),
                (5.5, 6.0, State::Running, None),
            ]
        );
        // A wait is never painted over a sleep.
        let mut t = ThreadSeen::default();
        t.paint(
            reading(0.0, 0.0, 0.0),
            reading(1.0, 0.0, 0.0),
            false,
            recv(),
        );
        t.paint(reading(1.0, 0.0, 0.0), reading(2.0, 0.2, 1.5), true, None);
        assert_eq!(
            states(&t),
            [
                (0.0, 1.0, State::Blocked, Some("recvfrom")),
                (1.0, 1.8, State::Ready, None),
                (1.8, 2.0, State::Running, None),
            ]
        );
    }
}
