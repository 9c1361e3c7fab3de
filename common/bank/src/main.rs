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
//! Every moment is logged on stderr; `RUST_LOG` chooses what is shown.
//! Ctrl-C closes the bank. What it promises its customers, and the tests that
//! hold it to that: `docs/bank-guarantees.md`.

use std::process::ExitCode;

use bank::cli::{self, Args};
use bank::{room, serve};
use clap::Parser;
use tokio::net::TcpListener;

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    // Every customer holds a socket: take all the files the system allows.
    if let Err(err) = room::raise_open_files() {
        eprintln!("warning: cannot raise the open-file limit ({err})");
    }
    let config = match args.config(room::open_files()) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(2);
        }
    };
    bank::log::install();
    if let Some(warning) = cli::exposure_warning(args.listen) {
        eprintln!("{warning}");
    }
    let listener = match TcpListener::bind(args.listen).await {
        Ok(listener) => listener,
        Err(err) => {
            eprintln!("error: cannot listen on {}: {err}", args.listen);
            return ExitCode::FAILURE;
        }
    };
    let addr = listener.local_addr().unwrap_or(args.listen);
    println!("{}", cli::welcome_line(addr, &config));
    match serve(listener, config, ctrl_c()).await {
        Ok(()) => {
            eprintln!("bank closed");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: the bank stopped: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Resolves on Ctrl-C. If the signal cannot be watched, never resolves (the
/// bank then runs until it is killed) rather than closing at once.
async fn ctrl_c() {
    if let Err(err) = tokio::signal::ctrl_c().await {
        eprintln!("warning: cannot watch for Ctrl-C ({err}); stop the bank with kill");
        std::future::pending::<()>().await;
    }
}
