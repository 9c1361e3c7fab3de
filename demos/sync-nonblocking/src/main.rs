//! `cargo run -p sync-nonblocking`: 同步非阻塞, a thread per customer, looking at a non-blocking socket between errand slices.
//!
//! The lecture is in `lib.rs`; this file only hands it to the shared driver,
//! which parses the flags, installs tracing, runs the scene and prints it.

fn main() -> std::process::ExitCode {
    scene::demo::main(sync_nonblocking::STYLE, sync_nonblocking::customers)
}
