//! # memory: what a forked child really copies, and what a thread shares
//!
//! > 在UNIX中,子进程的初始地址空间是父进程的一个副本,提示:子进程和父进程是可以有只读的共享内存区的。
//!
//! `fork()` does not copy the parent's memory at once: parent and child
//! share every page, marked read-only, and the kernel copies a page only
//! when one of them writes to it (copy-on-write). The kernel's own counts
//! in `/proc/<pid>/smaps_rollup` show it: right after the fork the child's
//! 64 MiB buffer is *shared*; once the child has written to half of it,
//! that half is *private* to the child: 32 MiB really copied. A thread
//! copies nothing: it writes the process's own pages.
//!
//! What to watch:
//! - the child after the fork: `shared` ≈ 64 MiB, `private` ≈ 0, and `pss`
//!   (each shared page counted half) ≈ half of `rss`;
//! - the child after writing half: `private` ≈ 32 MiB, `shared` ≈ 32 MiB;
//! - the thread's write: the process's `private` and `rss` do not grow.
//!
//! Run it: `cargo run -p processes -- memory`

use std::time::Duration;

use serde::Serialize;

use crate::history::History;
use crate::narrator::Narrator;
use crate::procfs::{self, Memory};
use crate::report;
use crate::show;
use crate::stop::Stop;
use crate::watch::{Signals, Watch};

/// The buffer the parent fills before the fork.
const BUFFER: usize = 64 << 20;

/// A page: the unit the kernel copies.
const PAGE: usize = 4096;

/// How long the child waits for the parent to have read its own counts.
const PATIENCE: Duration = Duration::from_secs(10);

/// What `memory` observed, in KiB.
#[derive(Debug, Serialize)]
pub struct Facts {
    /// The buffer's size.
    pub buffer_kib: u64,
    /// The parent, its buffer written, before the fork.
    pub parent_before_fork: Memory,
    /// The child right after the fork.
    pub child_after_fork: Memory,
    /// The child after writing one byte in each page of the buffer's first half.
    pub child_after_writing_half: Memory,
    /// The parent meanwhile: the half the child copied is now its own alone.
    pub parent_while_child_lives: Memory,
    /// The process before a thread writes half of the buffer.
    pub before_thread: Memory,
    /// The process after the thread has written half of the buffer.
    pub after_thread_wrote_half: Memory,
    /// What was seen, lane by lane.
    pub timeline: History,
}

/// Runs the demo.
pub fn run(signals: &Signals, narrator: Narrator) -> Result<Facts, Stop> {
    let mut watch = Watch::new(signals, narrator, "memory: copy-on-write", "parent");
    let mut buffer = vec![1u8; BUFFER];
    let parent_before_fork = procfs::memory("self")?;
    watch.say(&format!(
        "a {} MiB buffer, written: {}",
        BUFFER >> 20,
        show_mib(parent_before_fork)
    ));

    let (mut inbox, outbox) = report::pipe()?;
    let (mut go, told) = report::pipe()?;
    let pid = watch.start("child", || {
        let counts = (|| -> Result<[Memory; 2], Stop> {
            let after_fork = procfs::memory("self")?;
            narrator.say(
                "child",
                &format!("right after fork(): {}", show_mib(after_fork)),
            );
            write_half(&mut buffer, 2);
            let after_writing = procfs::memory("self")?;
            narrator.say(
                "child",
                &format!("after writing half: {}", show_mib(after_writing)),
            );
            Ok([after_fork, after_writing])
        })();
        match counts {
            Ok(counts) if outbox.send(&counts).is_ok() => i32::from(go.wait(PATIENCE).is_err()),
            _ => 1,
        }
    })?;
    drop(outbox);
    let [child_after_fork, child_after_writing_half]: [Memory; 2] = watch.recv(&mut inbox)?;
    let parent_while_child_lives = procfs::memory("self")?;
    watch.say(&format!(
        "meanwhile, the parent: {}",
        show_mib(parent_while_child_lives)
    ));
    told.send(&"done")?;
    let ended = watch.join(pid)?;
    watch.say(&format!("child {pid} {ended}"));

    let before_thread = procfs::memory("self")?;
    std::thread::scope(|scope| scope.spawn(|| write_half(&mut buffer, 3)).join())
        .map_err(|_| Stop::failed("the thread panicked"))?;
    let after_thread_wrote_half = procfs::memory("self")?;
    watch.say(&format!(
        "a thread wrote half: before {}; after {}",
        show_mib(before_thread),
        show_mib(after_thread_wrote_half)
    ));
    let timeline = watch.into_history();
    show(&narrator, &[&timeline]);
    Ok(Facts {
        buffer_kib: (BUFFER >> 10) as u64,
        parent_before_fork,
        child_after_fork,
        child_after_writing_half,
        parent_while_child_lives,
        before_thread,
        after_thread_wrote_half,
        timeline,
    })
}

/// Writes `value` into one byte of each page of the first half of `buffer`.
fn write_half(buffer: &mut [u8], value: u8) {
    for at in (0..buffer.len() / 2).step_by(PAGE) {
        buffer[at] = value;
    }
    std::hint::black_box(buffer);
}

/// The counts in MiB, as one line.
fn show_mib(memory: Memory) -> String {
    let mib = |kib: u64| kib as f64 / 1024.0;
    format!(
        "rss {:.1} MiB, pss {:.1}, shared {:.1}, private {:.1}",
        mib(memory.rss_kib),
        mib(memory.pss_kib),
        mib(memory.shared_dirty_kib),
        mib(memory.private_dirty_kib)
    )
}
