//! `start()`: a new process, made with `fork()` as on Linux Python's
//! `Process.start()` does by default. `fork()` copies the calling process:
//! the child begins life returning from the same call, with a copy of every
//! variable, open file and signal mask. This is the one place the workspace
//! lets `unsafe` in, and the argument for it is below.
//!
//! Why Python on Windows needs `if __name__ == '__main__':` there is no
//! `fork()` there, so `multiprocessing` uses the *spawn* start method: a
//! fresh interpreter that imports the parent's module to find the target
//! function. Code at the top level of that module runs again in the child,
//! and without the guard the child would start a child of its own, and so on.
//! With `fork()` nothing is imported again: the child is already a copy.

use std::io::Write;
use std::panic::AssertUnwindSafe;
use std::time::{Duration, Instant};

use nix::sys::signal::{SigSet, SigmaskHow, sigprocmask};
use nix::unistd::{ForkResult, Pid, fork};

use crate::procfs;
use crate::stop::Stop;

/// The exit code of a child whose body panicked.
const PANICKED: i32 = 101;

/// Starts a child process that runs `body` and exits with the code it
/// returns; returns the child's PID at once, while the child runs.
///
/// The child never comes back into the caller's code: when `body` is done
/// (or panics) it ends with `_exit()`, so nothing of the parent's that the
/// child got a copy of is dropped or flushed twice.
#[allow(unsafe_code, reason = "fork() and _exit(): see the SAFETY comments")]
pub fn start(body: impl FnOnce() -> i32) -> Result<Pid, Stop> {
    alone()?;
    // Whatever the parent has buffered would be written twice, once by each.
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    // SAFETY: `fork()` is unsound in a process with other threads, because
    // the child gets only the calling thread and any lock another thread held
    // (the allocator's, stdout's) stays locked forever in the child. `alone()`
    // has just read `Threads: 1` in /proc/self/status, and only this thread
    // could start another: between that check and this call it starts none.
    // So the process is single-threaded at the fork: no lock is held by
    // anyone but us, and we hold none here. The child is single-threaded too,
    // so it may allocate and print like any program; it runs `body` and then
    // `_exit()`s without ever returning into the parent's frames.
    match unsafe { fork() }? {
        ForkResult::Parent { child } => Ok(child),
        ForkResult::Child => {
            // The parent blocks SIGINT, SIGTERM and SIGCHLD to read them from
            // a signalfd; the child must die of SIGTERM like any process.
            let _ = sigprocmask(SigmaskHow::SIG_SETMASK, Some(&SigSet::empty()), None);
            let code = std::panic::catch_unwind(AssertUnwindSafe(body)).unwrap_or(PANICKED);
            let _ = std::io::stdout().flush();
            // SAFETY: `_exit()` has no precondition: it ends the process at
            // once, without running the parent's destructors or atexit
            // handlers, which is what a forked child must do. It never returns.
            unsafe { nix::libc::_exit(code) }
        }
    }
}

/// Makes sure this process has one thread, reading `Threads:` in
/// `/proc/self/status`. A thread that was just joined may be counted for a
/// moment longer, while the kernel finishes its exit, so the count is read
/// again every millisecond until it is 1, for a second at the most.
fn alone() -> Result<(), Stop> {
    let give_up = Instant::now() + Duration::from_secs(1);
    loop {
        let threads = procfs::threads()?;
        if threads == 1 {
            return Ok(());
        }
        if Instant::now() > give_up {
            return Err(Stop::failed(format!(
                "will not fork: this process has {threads} threads (fork copies only one)"
            )));
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}
