//! `cargo run -p sync-blocking`: 同步阻塞, a thread per customer, blocked in `read()`.
//!
//! The lecture is in `lib.rs`; this file only hands it to the shared driver,
//! which parses the flags, installs tracing, runs the scene and prints it.

fn main() -> std::process::ExitCode {
    scene::demo::main(sync_blocking::STYLE, sync_blocking::customers)
}
