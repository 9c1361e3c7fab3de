//! `cargo run -p async-nonblocking`: 异步非阻塞, a tokio task per customer, errand while the call is awaited.
//!
//! The lecture is in `lib.rs`; this file only hands it to the shared driver,
//! which parses the flags, installs tracing, runs the scene and prints it.

fn main() -> std::process::ExitCode {
    scene::demo::main(async_nonblocking::STYLE, async_nonblocking::customers)
}
