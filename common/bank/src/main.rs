//! # bank: the bank alone (银行)
//!
//! The bank of the lecture's scene as a server of its own: customers take a
//! ticket (the slip, 小纸条), wait, are called to a teller (柜台), say they
//! are there, are served, and leave. A class can play the customers by hand:
//!
//! ```text
//! cargo run -p bank -- --listen 7878 --tellers 2     # the bank
//! nc 127.0.0.1 7878                                  # a customer
//! TICKET 张三 3000        → TICKET 1
//!                         → CALL 1 1
//! HERE 1                  → DONE 1   (3 s later)
//! ```
//!
//! The demos can share it too (`--bank 127.0.0.1:7878`), which keeps the
//! bank's sockets out of the customers' process for very large runs.
//! Every moment is logged on stderr; `RUST_LOG` chooses what is shown. The
//! log and the welcome line on stdout go through outboxes
//! ([`bank::outbox`]): a paused terminal or a pipe nobody reads never holds
//! up a customer. Ctrl-C (SIGINT) or SIGTERM closes the bank within a
//! second: every customer still inside hears `ERR closing`, the log's last
//! line says how many there were, and the exit code is 130 or 143, like the
//! demos'; a second signal ends it at once. What it promises its customers,
//! and the tests that hold it to that: `docs/bank-guarantees.md`.

use std::cell::Cell;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use bank::cli::{self, Args};
use bank::outbox::Outbox;
use bank::signal::Signal;
use bank::{room, serve};
use clap::Parser;
use tokio::net::TcpListener;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::oneshot;

/// How long the bank, about to exit, waits for its outputs (both together)
/// to take what is left, the closing line: a paused terminal gets no longer.
const LAST_WORDS: Duration = Duration::from_millis(250);

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let (Ok(screen), Ok(log)) = (Outbox::stdout("line"), Outbox::stderr("log line")) else {
        // Without its standard streams, the bank has no way to say anything.
        return ExitCode::FAILURE;
    };
    let code = run(&args, &screen, &log).await;
    let until = Instant::now() + LAST_WORDS;
    for out in [&screen, &log] {
        out.flush(until.saturating_duration_since(Instant::now()));
    }
    code
}

/// The bank's life: check the flags, open, serve until a signal, close.
/// Says everything through `screen` (stdout) and `log` (stderr).
async fn run(args: &Args, screen: &Outbox, log: &Outbox) -> ExitCode {
    // Watched from the start: a signal before the bank opens closes it as it opens.
    let signals = watch_signals(log);
    // Every customer holds a socket: take all the files the system allows.
    if let Err(err) = room::raise_open_files() {
        log.line(format!("warning: cannot raise the open-file limit ({err})"));
    }
    let config = match args.config(room::open_files()) {
        Ok(config) => config,
        Err(err) => {
            log.line(format!("error: {err}"));
            return ExitCode::from(2);
        }
    };
    bank::log::install(log);
    if let Some(warning) = cli::exposure_warning(args.listen) {
        log.line(warning);
    }
    let listener = match TcpListener::bind(args.listen).await {
        Ok(listener) => listener,
        Err(err) => {
            log.line(format!("error: cannot listen on {}: {err}", args.listen));
            return ExitCode::FAILURE;
        }
    };
    let addr = listener.local_addr().unwrap_or(args.listen);
    screen.line(cli::welcome_line(addr, &config));
    let stopped_by = Cell::new(None);
    let shutdown = async {
        // Signals that cannot be watched never come: then serve until killed.
        match signals.await {
            Ok(signal) => stopped_by.set(Some(signal)),
            Err(_) => std::future::pending().await,
        }
    };
    match serve(listener, config, shutdown).await {
        Ok(closed) => {
            let by = stopped_by.get().unwrap_or(Signal::Interrupt);
            log.line(cli::closing_line(by, closed));
            ExitCode::from(by.exit_code())
        }
        Err(err) => {
            log.line(format!("error: the bank stopped: {err}"));
            ExitCode::FAILURE
        }
    }
}

/// Listens for Ctrl-C (SIGINT) and SIGTERM: the first one is sent on the
/// channel returned (the bank closes); a second one ends the process at
/// once, with 128 + its number. When the signals cannot be watched, says so
/// on `log` and never sends.
fn watch_signals(log: &Outbox) -> oneshot::Receiver<Signal> {
    let (tell, told) = oneshot::channel();
    let (Ok(mut interrupt), Ok(mut terminate)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) else {
        log.line("warning: cannot watch for Ctrl-C or SIGTERM; stop the bank with kill -9");
        // `tell` is dropped unused: the bank runs until it is killed.
        return told;
    };
    tokio::spawn(async move {
        let mut tell = Some(tell);
        loop {
            let signal = tokio::select! {
                _ = interrupt.recv() => Signal::Interrupt,
                _ = terminate.recv() => Signal::Terminate,
            };
            match tell.take() {
                Some(first) => {
                    let _ = first.send(signal);
                }
                None => std::process::exit(i32::from(signal.exit_code())),
            }
        }
    });
    told
}
