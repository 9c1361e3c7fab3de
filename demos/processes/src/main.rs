//! `cargo run -p processes -- <demo>`: processes for real, as the lecture's
//! sections 6 to 11 describe them.
//!
//! The lecture is in `lib.rs` and one module per idea; this file only hands
//! over to it.

fn main() -> std::process::ExitCode {
    processes::main()
}
