//! `cargo run -p scheduling`: who goes next, tick by tick.
//!
//! The lecture is in `lib.rs` and its modules; this file only hands the
//! command line to [`scheduling::cli`].

fn main() -> std::process::ExitCode {
    scheduling::cli::main()
}
