//! `--live` on a terminal: a scene's timeline grows while its processes
//! live, read back through a terminal emulator; the terminal is given back
//! whole and the usual output follows, Ctrl-C included; without a terminal,
//! one line says so and the run goes on.

use std::time::Duration;

use assert_cmd::cargo::cargo_bin;
use testkit::tty::{Tty, assert_live_needs_a_terminal};

/// The zombie scene, its zombie left unwaited for 3 s: long enough to see.
const ZOMBIE: [&str; 4] = ["zombie", "--live", "--work-ms", "3000"];

/// The child's row on a screen (`child 4712  ...`), if it is drawn.
fn child_row(screen: &[String]) -> Option<&String> {
    screen.iter().find(|l| l.starts_with("child "))
}

/// How many times `glyph` is in the child's row.
fn in_child_row(screen: &[String], glyph: char) -> usize {
    child_row(screen).map_or(0, |row| row.chars().filter(|&c| c == glyph).count())
}

#[test]
fn the_zombie_is_on_the_screen_before_it_is_reaped_and_the_usual_output_follows() {
    let mut tty = Tty::start(&cargo_bin("processes"), &ZOMBIE, 100, 30, true);
    let status = |s: &[String], words: &str| s.iter().any(|l| l.contains(words));
    let first = tty.wait_for(Duration::from_secs(20), |s| {
        in_child_row(s, '%') > 0 && status(s, "zombies 1")
    });
    let whole = first.join("\n");
    assert_eq!(tty.taken(), (true, true), "the alternate screen, no cursor");
    assert!(!tty.echoes(), "nothing typed is echoed over the picture");
    assert!(
        whole.contains("live: zombie: exited"),
        "the title:\n{whole}"
    );
    // Not reaped yet: the zombie is counted, its row has no `]`, and the
    // parent's words under the lanes say it does not wait.
    assert!(status(&first, "reaped 0"), "{whole}");
    assert_eq!(in_child_row(&first, ']'), 0, "{whole}");
    // The zombie's row grows from left to right while the parent does not wait.
    let before = in_child_row(&first, '%');
    let later = tty.wait_for(Duration::from_secs(10), |s| {
        in_child_row(s, '%') > before + 3
    });
    assert!(status(&later, "zombies 1"), "{}", later.join("\n"));
    assert!(
        status(&later, "not waiting"),
        "the last words said, under the lanes:\n{}",
        later.join("\n")
    );

    let out = tty.wait(Duration::from_secs(30));
    assert!(out.status.success(), "{out:?}");
    assert_eq!(tty.taken(), (false, false), "the shell's screen is back");
    assert!(tty.echoes(), "echo and line editing are back");
    // The usual output: the narration in the order it was said, the
    // child's lines among the parent's, then the picture.
    let stdout = String::from_utf8_lossy(&out.stdout);
    let at = |words: &str| {
        stdout
            .find(words)
            .unwrap_or_else(|| panic!("{words:?} in:\n{stdout}"))
    };
    assert!(at("hello; I wait for my parent's word") < at("is in state S"));
    assert!(at("bye: exit(0)") < at("p.join(): child"));
    assert!(at("p.join(): child") < at("zombie: exited, not yet waited for"));
    assert!(stdout.contains("legend"), "{stdout}");
    assert!(!stdout.contains('\x1b'), "no escape sequence in a pipe");
}

#[test]
fn ctrl_c_in_the_live_view_gives_the_terminal_back_then_what_was_said() {
    let args = ["join", "--live", "--work-ms", "2000"];
    let mut tty = Tty::start(&cargo_bin("processes"), &args, 100, 30, true);
    tty.wait_for(Duration::from_secs(20), |s| {
        s.iter().any(|l| l.starts_with("child 1 "))
    });
    // Ctrl-C stays the terminal's: it sends SIGINT.
    let out = tty.ctrl_c(Duration::from_secs(10));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("(1) p.join() inside the loop"), "{stdout}");
    assert!(stdout.contains("hello bob"), "{stdout}");
    // stderr is the terminal: the usual last words, on the shell's screen.
    let screen = tty.screen().join("\n");
    assert!(screen.contains("interrupted by Ctrl-C"), "{screen}");
    assert!(screen.contains("none is left"), "{screen}");
}

#[test]
fn with_json_the_facts_alone_reach_stdout_and_the_narration_the_terminal_after() {
    let args = ["spawn", "--live", "--json", "--work-ms", "300"];
    let mut tty = Tty::start(&cargo_bin("processes"), &args, 100, 30, true);
    let out = tty.wait(Duration::from_secs(30));
    assert!(out.status.success(), "{out:?}");
    let facts: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("stdout holds the facts alone");
    assert!(facts["child_ended"].is_object(), "{facts}");
    let screen = tty.screen().join("\n");
    assert!(screen.contains("我是子进程"), "{screen}");
}

#[test]
fn without_a_terminal_live_says_so_in_one_line_and_the_run_goes_on() {
    let out = assert_cmd::Command::new(cargo_bin("processes"))
        .args(["zombie", "--live", "--work-ms", "10"])
        .env("NO_COLOR", "1")
        .timeout(Duration::from_secs(60))
        .assert()
        .success();
    assert_live_needs_a_terminal(&out.get_output().stderr);
    let stdout = String::from_utf8_lossy(&out.get_output().stdout);
    assert!(
        stdout.contains("p.join(): child") && stdout.contains("legend"),
        "{stdout}"
    );
}
