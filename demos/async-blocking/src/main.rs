//! `cargo run -p async-blocking`: 异步阻塞, one thread blocked in epoll for every customer.
//!
//! The lecture is in `lib.rs`; this file only hands it to the shared driver,
//! which parses the flags, installs tracing, runs the scene and prints it.

fn main() -> std::process::ExitCode {
    scene::demo::main(async_blocking::STYLE, async_blocking::customers)
}
