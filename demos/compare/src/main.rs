//! `cargo run -p compare`: the four ways to wait, side by side.
//!
//! The program is told in `lib.rs`; this file only starts it.

fn main() -> std::process::ExitCode {
    compare::main()
}
