//! Ctrl-C: a run cut short keeps what it recorded.
//!
//! In a classroom, a lecturer stops a long run with Ctrl-C. Left alone,
//! SIGINT ends the process on the spot, and everything recorded so far is
//! lost with it. So a demo listens: the first Ctrl-C (or SIGTERM) becomes a
//! message to the run, which stops where it is, and the demo prints and
//! writes what it has (see [`demo::run_watched`](crate::demo::run_watched)).
//! A second one ends the process at once, from the signal handler itself, in
//! case whatever follows the first is stuck. (A file being written at that
//! moment is not half-written, since it is renamed into place whole, but
//! its temporary file, `.bank-queue-XXXXXXXX.tmp` beside it, stays: see
//! [`output`](timeline::output).)
//!
//! The handlers are `signal-hook`'s: one sets a flag, one ends the process
//! if the flag was already set, one wakes a thread that passes the signal
//! on. Nothing here runs in a signal handler but theirs.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crossbeam::channel::{self, Receiver};
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::flag;
use signal_hook::iterator::Signals;

pub use bank::signal::Signal;

/// Where a run hears that it must stop.
#[derive(Debug)]
pub struct Interrupt {
    /// The signals, in the order they came.
    signals: Receiver<Signal>,
    /// Set, the next signal ends the process at once. The first signal sets
    /// it (in the handler), and so does [`Interrupt::hurry`].
    armed: Arc<AtomicBool>,
    /// Threads this listener keeps running (the signal thread), so that a
    /// run does not count them as its customers'.
    threads: u64,
}

impl Interrupt {
    /// Listens for Ctrl-C (SIGINT) and SIGTERM for the rest of the process:
    /// the first one is passed to the run watched with this; a second one
    /// exits at once with 128 + its number.
    ///
    /// Install it once, in a program's `main`: a signal's handling belongs
    /// to the whole process, not to one run (tests never install it).
    pub fn on_signals() -> io::Result<Interrupt> {
        let armed = Arc::new(AtomicBool::new(false));
        for signal in [SIGINT, SIGTERM] {
            // The order matters: the shutdown looks at the flag before the
            // next action sets it, so the first signal only arms it.
            flag::register_conditional_shutdown(signal, 128 + signal, armed.clone())?;
            flag::register(signal, armed.clone())?;
        }
        // A signal that comes before anyone listens waits in `Signals`.
        let mut signals = Signals::new([SIGINT, SIGTERM])?;
        let (tell, told) = channel::bounded(1);
        std::thread::Builder::new()
            .name("signals".into())
            .spawn(move || {
                for number in signals.forever() {
                    let signal = match number {
                        SIGTERM => Signal::Terminate,
                        _ => Signal::Interrupt,
                    };
                    // The first one is what counts; a full channel already holds it.
                    let _ = tell.try_send(signal);
                }
            })?;
        Ok(Interrupt {
            signals: told,
            armed,
            threads: 1,
        })
    }

    /// An interruption that comes when `signals` receives one: for tests,
    /// and for tools that stop a run for reasons of their own. It installs
    /// no handler and ends no process.
    pub fn by(signals: Receiver<Signal>) -> Interrupt {
        Interrupt {
            signals,
            armed: Arc::new(AtomicBool::new(false)),
            threads: 0,
        }
    }

    /// From now on, the next signal ends the process at once: the run is
    /// over, and what is left (drawing, writing files) should not make
    /// anyone press Ctrl-C twice.
    pub fn hurry(&self) {
        self.armed.store(true, Ordering::SeqCst);
    }

    /// Where the signals arrive.
    pub(crate) fn signals(&self) -> Receiver<Signal> {
        self.signals.clone()
    }

    /// Threads the listener keeps, not the customers'.
    pub(crate) fn threads(&self) -> u64 {
        self.threads
    }
}
