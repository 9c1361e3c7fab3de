//! The outbox: lines for an output that may be slow, paused or gone (a
//! terminal, a pipe), written by a thread of their own, so that whoever has
//! a line to say never waits for the output.
//!
//! The bank logs from its tellers' and customers' tasks. A terminal paused
//! with Ctrl-S (XOFF), or a pipe nobody reads once its 64 KiB are full,
//! makes every `write()` to it block: if the bank wrote its log itself, the
//! tasks would block one after another, and the whole bank with them, its
//! Ctrl-C included. So a line only goes into a queue of at most
//! [`Outbox::CAPACITY`] lines, and a writer thread takes the lines out and
//! writes them. When the queue is full, the line is dropped and counted;
//! once the output moves again, the count is written where the lines went
//! missing: `… 733 log lines dropped`.
//!
//! When the output is gone for good (a closed pipe: `bank 2>&1 | head -n 1`),
//! the writer stops and every line from then on is dropped: the log ends,
//! the bank goes on. (A Rust program ignores SIGPIPE, so writing to a
//! closed pipe is an `EPIPE` error, not a death.)

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, Write};
use std::os::fd::AsFd;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use timeline::plural;
use tracing_subscriber::fmt::MakeWriter;

/// Lines on their way to one output; clones share the queue. When the last
/// clone is dropped, the writer writes what is left and ends.
#[derive(Clone, Debug)]
pub struct Outbox {
    /// The queue; dropping the last clone of this tells the writer.
    handle: Arc<Handle>,
}

/// The handles' share of the queue: the writer holds [`Shared`] alone, so
/// this is dropped with the last [`Outbox`].
#[derive(Debug)]
struct Handle {
    /// The queue, shared with the writer thread.
    shared: Arc<Shared>,
}

/// What the writer thread and those with lines to say share.
#[derive(Debug)]
struct Shared {
    /// The lines not yet written, and the count of those dropped.
    queue: Mutex<Queue>,
    /// Rung when a line is queued (the writer wakes) and when the writer
    /// has written all it had (a [`Outbox::flush`] wakes).
    bell: Condvar,
    /// What the lines are, for the note on those dropped: "log line".
    noun: &'static str,
}

/// The queue behind the lock.
#[derive(Debug, Default)]
struct Queue {
    /// Lines, and notes of lines dropped, in the order they came.
    entries: VecDeque<Entry>,
    /// Lines dropped since the last note: the queue was full.
    dropped: u64,
    /// The writer has taken entries out and is writing them.
    writing: bool,
    /// The output is gone (or the writer could not start): lines are dropped unsaid.
    gone: bool,
    /// Every [`Outbox`] is gone: no more lines will come.
    ended: bool,
}

/// One thing to write.
#[derive(Debug)]
enum Entry {
    /// A line, without its `\n`.
    Line(String),
    /// That many lines were dropped here.
    Dropped(u64),
}

impl Outbox {
    /// The most lines that wait to be written; past that, lines are
    /// dropped and counted. About 200 KiB of log: minutes of a busy class.
    pub const CAPACITY: usize = 1024;

    /// An outbox writing to `out`, with a writer thread of its own;
    /// `noun` says what its lines are ("log line").
    pub fn start(out: File, noun: &'static str) -> Outbox {
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue::default()),
            bell: Condvar::new(),
            noun,
        });
        let writer = std::thread::Builder::new()
            .name(format!("{noun} writer"))
            .spawn({
                let shared = shared.clone();
                move || shared.write_to(out)
            });
        if writer.is_err() {
            // No thread, no output: the lines are dropped, and nobody waits.
            shared.lock().gone = true;
        }
        Outbox {
            handle: Arc::new(Handle { shared }),
        }
    }

    /// An outbox for this process's standard output.
    pub fn stdout(noun: &'static str) -> io::Result<Outbox> {
        let out = io::stdout().as_fd().try_clone_to_owned()?;
        Ok(Outbox::start(File::from(out), noun))
    }

    /// An outbox for this process's standard error.
    pub fn stderr(noun: &'static str) -> io::Result<Outbox> {
        let out = io::stderr().as_fd().try_clone_to_owned()?;
        Ok(Outbox::start(File::from(out), noun))
    }

    /// Queues `line` (without its `\n`), or drops and counts it when the
    /// queue is full. Never waits for the output.
    pub fn line(&self, line: impl Into<String>) {
        let shared = &self.handle.shared;
        let mut queue = shared.lock();
        if queue.gone {
            return;
        }
        if queue.entries.len() >= Outbox::CAPACITY {
            queue.dropped += 1;
            return;
        }
        if queue.dropped > 0 {
            let dropped = std::mem::take(&mut queue.dropped);
            queue.entries.push_back(Entry::Dropped(dropped));
        }
        queue.entries.push_back(Entry::Line(line.into()));
        drop(queue);
        shared.bell.notify_all();
    }

    /// Waits until every line queued so far is written (and every drop
    /// said), or the output is gone, but `within` at most; returns whether
    /// all was written.
    pub fn flush(&self, within: Duration) -> bool {
        let shared = &self.handle.shared;
        let until = Instant::now() + within;
        let mut queue = shared.lock();
        loop {
            if queue.gone {
                return false;
            }
            if queue.entries.is_empty() && queue.dropped == 0 && !queue.writing {
                return true;
            }
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            queue = match shared.bell.wait_timeout(queue, left) {
                Ok((queue, _)) => queue,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.shared.lock().ended = true;
        self.shared.bell.notify_all();
    }
}

impl Shared {
    /// The queue. Every change to it is one step under the lock, so a
    /// poisoned lock still holds a whole queue.
    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The writer thread: takes whatever is queued, writes it in one go,
    /// and again, until the output is gone or every [`Outbox`] is (then
    /// the output is closed).
    fn write_to(&self, mut out: File) {
        while let Some(batch) = self.next_batch() {
            let mut bytes = Vec::new();
            for entry in batch {
                match entry {
                    Entry::Line(line) => bytes.extend_from_slice(line.as_bytes()),
                    Entry::Dropped(n) => {
                        let lines = plural::count(n, self.noun);
                        bytes.extend_from_slice(format!("… {lines} dropped").as_bytes());
                    }
                }
                bytes.push(b'\n');
            }
            if let Err(_gone) = write_all_waiting(&mut out, &bytes) {
                let mut queue = self.lock();
                queue.gone = true;
                queue.entries.clear();
                queue.writing = false;
                drop(queue);
                self.bell.notify_all();
                return;
            }
        }
    }

    /// Waits for something to write, and takes all of it: the lines queued,
    /// or, once they are written, the note of those dropped meanwhile.
    /// `None` once all is written and no more lines can come.
    fn next_batch(&self) -> Option<Vec<Entry>> {
        let mut queue = self.lock();
        queue.writing = false;
        loop {
            if !queue.entries.is_empty() {
                queue.writing = true;
                return Some(queue.entries.drain(..).collect());
            }
            if queue.dropped > 0 {
                // The output moved again, and took every line before the
                // drops: say so now, before any line after them.
                queue.writing = true;
                return Some(vec![Entry::Dropped(std::mem::take(&mut queue.dropped))]);
            }
            if queue.ended {
                return None;
            }
            // All written: a flush waiting for that may go on.
            self.bell.notify_all();
            queue = self
                .bell
                .wait(queue)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

/// Writes all of `bytes`, waiting for the output as long as it takes
/// (this is the writer's own thread: nobody else waits). An output that is
/// non-blocking (a terminal another program set so) says `WouldBlock`
/// instead of waiting: then wait for it to take bytes again, with `poll`.
fn write_all_waiting(out: &mut File, mut bytes: &[u8]) -> io::Result<()> {
    while !bytes.is_empty() {
        match out.write(bytes) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => bytes = &bytes[n..],
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                let mut ready = [PollFd::new(out.as_fd(), PollFlags::POLLOUT)];
                poll(&mut ready, PollTimeout::NONE)?;
            }
            Err(err) => return Err(err),
        }
    }
    Ok(())
}

impl<'a> MakeWriter<'a> for Outbox {
    type Writer = LineOut<'a>;

    fn make_writer(&'a self) -> LineOut<'a> {
        LineOut {
            outbox: self,
            line: Vec::new(),
        }
    }
}

/// One log line as `tracing-subscriber` writes it (it formats each event
/// whole, then writes it): collected, then queued whole when dropped.
#[derive(Debug)]
pub struct LineOut<'a> {
    /// Where the line goes.
    outbox: &'a Outbox,
    /// The line's bytes so far.
    line: Vec<u8>,
}

impl Write for LineOut<'_> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.line.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for LineOut<'_> {
    fn drop(&mut self) {
        let line = String::from_utf8_lossy(&self.line);
        let line = line.strip_suffix('\n').unwrap_or(&line);
        if !line.is_empty() {
            self.outbox.line(line);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    /// A pipe: the outbox writes into one end, the test reads the other.
    fn pipe() -> (File, File) {
        let (read, write) = nix::unistd::pipe().expect("a pipe");
        (File::from(read), File::from(write))
    }

    #[test]
    fn lines_come_out_in_order() {
        let (mut read, write) = pipe();
        let outbox = Outbox::start(write, "log line");
        for n in 0..10 {
            outbox.line(format!("line {n}"));
        }
        drop(outbox);
        let mut text = String::new();
        read.read_to_string(&mut text)
            .expect("the pipe reads to its end");
        let expected: String = (0..10).map(|n| format!("line {n}\n")).collect();
        assert_eq!(
            text, expected,
            "all written, in order, before the writer ended"
        );
    }

    #[test]
    fn a_stuck_output_drops_lines_and_says_how_many_where() {
        let (mut read, write) = pipe();
        let outbox = Outbox::start(write, "log line");
        // Fill the pipe (64 KiB), the batch the writer holds and the queue;
        // nobody reads meanwhile, and no `line` call waits.
        let said = 200 + Outbox::CAPACITY * 3;
        let started = Instant::now();
        let long = "x".repeat(1000);
        for n in 0..said {
            outbox.line(format!("{n} {long}"));
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "queueing never waits for the output: {:?}",
            started.elapsed()
        );
        assert!(!outbox.flush(Duration::from_millis(50)), "the pipe is full");
        let reader = std::thread::spawn(move || {
            let mut text = String::new();
            read.read_to_string(&mut text).expect("the pipe reads");
            text
        });
        assert!(
            outbox.flush(Duration::from_secs(10)),
            "the output moved again"
        );
        outbox.line("after");
        // The last outbox gone, the writer closes the pipe: the reader ends.
        drop(outbox);
        let text = reader.join().expect("the reader ends");
        let lines: Vec<&str> = text.lines().collect();
        let note = lines
            .iter()
            .position(|l| l.starts_with("… "))
            .unwrap_or_else(|| panic!("a note of the lines dropped in {} lines", lines.len()));
        let dropped: usize = lines[note]
            .trim_start_matches("… ")
            .split(' ')
            .next()
            .and_then(|n| n.parse().ok())
            .expect("the note counts");
        assert!(
            lines[note].ends_with("log lines dropped"),
            "{}",
            lines[note]
        );
        assert_eq!(
            lines.len() - 1 + dropped,
            said + 1,
            "every line written or counted"
        );
        assert_eq!(
            lines.last(),
            Some(&"after"),
            "the line after the drops comes after the note"
        );
        let before: Vec<usize> = lines[..note]
            .iter()
            .map(|l| {
                l.split(' ')
                    .next()
                    .and_then(|n| n.parse().ok())
                    .expect("numbered")
            })
            .collect();
        assert!(
            before.windows(2).all(|w| w[1] == w[0] + 1),
            "in order, none lost before the note"
        );
    }

    #[test]
    fn a_closed_output_ends_the_writing_not_the_writer() {
        let (read, write) = pipe();
        drop(read);
        let outbox = Outbox::start(write, "log line");
        outbox.line("nobody reads this");
        assert!(!outbox.flush(Duration::from_secs(10)), "the output is gone");
        // And from then on, lines are dropped at once.
        for _ in 0..10 * Outbox::CAPACITY {
            outbox.line("still nobody");
        }
        assert!(!outbox.flush(Duration::ZERO));
    }
}
