//! A bank inside a demo: on an OS thread of its own, with its own
//! current-thread tokio runtime.
//!
//! A demo measures what its customers' waiting costs the machine (CPU time,
//! context switches). The bank works too, and its share must not be counted
//! as the customers'. Keeping the bank on one thread of its own lets
//! [`Embedded::stop`] report exactly that thread's usage, to be taken out.

use std::net::SocketAddr;
use std::sync::mpsc;
use std::thread::JoinHandle;

use tokio::sync::oneshot;

use super::{Config, serve};
use nix::sys::resource::{Usage, UsageWho, getrusage};

/// A bank on its own OS thread running a current-thread tokio runtime,
/// recording into the tracing dispatcher that is current on the thread that
/// calls [`start`](Embedded::start).
#[derive(Debug)]
pub struct Embedded {
    /// Where the bank listens.
    addr: SocketAddr,
    /// Tells the bank to close (sending, or dropping it). `None` once used.
    close: Option<oneshot::Sender<()>>,
    /// The bank's thread; it returns its own usage. `None` once joined.
    thread: Option<JoinHandle<Option<Usage>>>,
}

impl Embedded {
    /// Binds `listen` (use 127.0.0.1:0 for "any free port") and starts
    /// serving before returning.
    pub fn start(config: Config, listen: SocketAddr) -> std::io::Result<Embedded> {
        config.check()?;
        let listener = std::net::TcpListener::bind(listen)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let dispatch = tracing::dispatcher::get_default(tracing::Dispatch::clone);
        let (close, closed) = oneshot::channel();
        let (ready, is_ready) = mpsc::sync_channel(1);
        let thread = std::thread::Builder::new()
            .name("bank".into())
            .spawn(move || {
                tracing::dispatcher::with_default(&dispatch, || {
                    run_bank(listener, config, closed, ready)
                })
            })?;
        let mut bank = Embedded {
            addr,
            close: Some(close),
            thread: Some(thread),
        };
        match is_ready.recv() {
            Ok(Ok(())) => Ok(bank),
            Ok(Err(err)) => Err(err),
            Err(_) => {
                // The thread ended without a word: it panicked. Say why.
                bank.join();
                Err(std::io::Error::other(
                    "the bank thread ended while starting",
                ))
            }
        }
    }

    /// Where the bank listens: the address to give customers.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops the bank, joins its thread, and returns that thread's own
    /// CPU/context-switch usage (`getrusage(RUSAGE_THREAD)` on the bank
    /// thread just before it exits; `None` if the kernel would not say), so
    /// a run can leave the bank's share out of the customers' figures.
    pub fn stop(mut self) -> Option<Usage> {
        self.join()
    }

    /// Closes the bank and waits for its thread; a panic there goes on here.
    fn join(&mut self) -> Option<Usage> {
        drop(self.close.take());
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(usage)) => usage,
            Some(Err(panic)) => std::panic::resume_unwind(panic),
            None => None,
        }
    }
}

impl Drop for Embedded {
    /// A bank forgotten without [`stop`](Embedded::stop) still closes, and
    /// its thread does not outlive it.
    fn drop(&mut self) {
        drop(self.close.take());
        if let Some(thread) = self.thread.take() {
            // Nothing to report to from here; `stop` is the way to hear about it.
            let _ = thread.join();
        }
    }
}

/// The bank thread's life: build a runtime, say it is ready, serve until
/// told to close, then measure what the thread spent.
fn run_bank(
    listener: std::net::TcpListener,
    config: Config,
    closed: oneshot::Receiver<()>,
    ready: mpsc::SyncSender<std::io::Result<()>>,
) -> Option<Usage> {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            let _ = ready.send(Err(err));
            return this_thread();
        }
    };
    let served = runtime.block_on(async {
        // Registering with the reactor needs the runtime, hence here.
        let listener = match tokio::net::TcpListener::from_std(listener) {
            Ok(listener) => listener,
            Err(err) => {
                let _ = ready.send(Err(err));
                return Ok(());
            }
        };
        let _ = ready.send(Ok(()));
        // Closing: `stop` sends, or drops the sender; either way, close.
        serve(listener, config, async {
            let _ = closed.await;
        })
        .await
        .map(drop)
    });
    // Dropping the runtime drops every task still running: connections close.
    drop(runtime);
    if let Err(err) = served {
        tracing::error!("the bank stopped: {err}");
    }
    this_thread()
}

/// What the calling thread has spent so far.
fn this_thread() -> Option<Usage> {
    getrusage(UsageWho::RUSAGE_THREAD).ok()
}
