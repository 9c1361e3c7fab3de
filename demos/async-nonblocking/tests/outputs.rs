//! Where `--trace` and `--chrome` go: a file replaced whole, a link followed,
//! a FIFO or a device written in place, standard output however it is named
//! (`-`, `/dev/stdout`, a link to `/proc/self/fd/1`), as root and as a
//! normal user. Nothing but a regular file is ever replaced, and an error
//! names the path given, never a temporary file.
//!
//! Device nodes and links are made in a temporary directory: no test here
//! names the machine's own `/dev`, except `/dev/stdout` as the user nobody,
//! who could not replace it even if the demo tried.

use std::os::unix::fs::{FileTypeExt, PermissionsExt, symlink};
use std::os::unix::process::CommandExt;
use std::process::{Command, Output, Stdio};

use nix::sys::stat::{Mode, SFlag, makedev, mknod};
use nix::unistd::mkfifo;
use testkit::cli::names_in;
use timeline::trace::Trace;

/// A short run of the demo (three customers, sped up) with `args`, colour
/// off; waits for it, and returns what it did.
fn demo(args: &[&str], set_up: impl FnOnce(&mut Command)) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_async-nonblocking"));
    command
        .args(["--customers", "3", "--speed", "8"])
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("RUST_LOG")
        .env_remove("BANK_QUEUE_BANK")
        .stdin(Stdio::null());
    set_up(&mut command);
    command.output().expect("the demo runs")
}

/// The trace a run printed on stdout: all of stdout, and a whole trace.
fn trace_on_stdout(out: &Output) -> Trace {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|err| {
        panic!(
            "stdout is a trace and nothing else ({err}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// stdout and stderr, for a failed assertion's message.
fn said(out: &Output) -> String {
    format!(
        "{}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Whether this test runs as root (then it makes devices, and plays nobody).
fn root() -> bool {
    nix::unistd::geteuid().is_root()
}

#[test]
fn a_trace_on_stdout_is_all_stdout_carries() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let chrome = dir.path().join("run.chrome.json");
    // `demo --trace - | ...`: stdout is a pipe, read here.
    let out = demo(
        &["--trace", "-", "--chrome", chrome.to_str().expect("UTF-8")],
        |_| {},
    );
    assert!(out.status.success(), "{}", said(&out));
    let trace = trace_on_stdout(&out);
    assert_eq!(trace.metrics.served, 3);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("异步非阻塞"),
        "the swimlane went to stderr: {stderr}"
    );
    let words: Vec<String> = stderr
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    let chrome_said = format!("chrome written to {}", chrome.display());
    for written in ["trace written to -", &chrome_said] {
        assert!(
            words.iter().any(|l| l == written),
            "{written:?} on stderr: {stderr}"
        );
    }
    assert!(chrome.exists());
}

#[test]
fn two_files_on_stdout_are_refused_before_the_run() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let to_stdout = dir.path().join("stdout");
    symlink("/proc/self/fd/1", &to_stdout).expect("a link");
    let out = demo(
        &[
            "--trace",
            "-",
            "--chrome",
            to_stdout.to_str().expect("UTF-8"),
        ],
        |_| {},
    );
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--trace and --chrome both go to standard output"),
        "{stderr}"
    );
}

#[test]
fn a_link_to_stdout_a_fifo_and_a_link_to_a_file_are_written_through() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    // A link to this process's stdout, as /dev/stdout is.
    let to_stdout = dir.path().join("stdout");
    symlink("/proc/self/fd/1", &to_stdout).expect("a link");
    let out = demo(&["--trace", to_stdout.to_str().expect("UTF-8")], |_| {});
    assert!(out.status.success(), "{}", said(&out));
    assert_eq!(trace_on_stdout(&out).metrics.served, 3);
    let link = std::fs::symlink_metadata(&to_stdout).expect("still there");
    assert!(link.file_type().is_symlink(), "the link stays a link");

    // A link to a regular file: the file is replaced, the link stays.
    let file = dir.path().join("real.json");
    std::fs::write(&file, "old").expect("written");
    let to_file = dir.path().join("link.json");
    symlink("real.json", &to_file).expect("a link");
    let out = demo(&["--trace", to_file.to_str().expect("UTF-8")], |_| {});
    assert!(out.status.success(), "{}", said(&out));
    assert_eq!(
        Trace::read(&file)
            .expect("the target holds the trace")
            .metrics
            .served,
        3
    );
    assert!(
        std::fs::symlink_metadata(&to_file)
            .expect("there")
            .file_type()
            .is_symlink()
    );

    // A FIFO: written as a stream to whoever reads it.
    let fifo = dir.path().join("pipe");
    mkfifo(&fifo, Mode::from_bits_truncate(0o600)).expect("a FIFO");
    let reader = std::thread::spawn({
        let fifo = fifo.clone();
        move || std::fs::read(fifo).expect("the FIFO reads")
    });
    let out = demo(&["--trace", fifo.to_str().expect("UTF-8")], |_| {});
    assert!(out.status.success(), "{}", said(&out));
    // Checked first: a FIFO replaced by a file would leave the reader
    // waiting for ever.
    assert!(
        std::fs::symlink_metadata(&fifo)
            .expect("there")
            .file_type()
            .is_fifo()
    );
    let through: Trace =
        serde_json::from_slice(&reader.join().expect("read")).expect("a trace came through");
    assert_eq!(through.metrics.served, 3);
    assert_eq!(
        names_in(dir.path()),
        ["link.json", "pipe", "real.json", "stdout"]
    );
}

#[test]
fn devices_are_written_in_place_as_root() {
    if !root() {
        println!("skipped: making device nodes needs root");
        return;
    }
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (null, full) = (dir.path().join("null"), dir.path().join("full"));
    let mode = Mode::from_bits_truncate(0o666);
    mknod(&null, SFlag::S_IFCHR, mode, makedev(1, 3)).expect("a null device");
    mknod(&full, SFlag::S_IFCHR, mode, makedev(1, 7)).expect("a full device");

    let out = demo(&["--trace", null.to_str().expect("UTF-8")], |_| {});
    assert!(out.status.success(), "{}", said(&out));

    let out = demo(&["--chrome", full.to_str().expect("UTF-8")], |_| {});
    assert_eq!(
        out.status.code(),
        Some(1),
        "a device that takes nothing: {}",
        said(&out)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    let named = format!(
        "cannot write the Chrome trace to {}: No space left on device",
        full.display()
    );
    assert!(stderr.contains(&named), "{stderr}");

    for device in [&null, &full] {
        let meta = std::fs::symlink_metadata(device).expect("still there");
        assert!(
            meta.file_type().is_char_device(),
            "{} is still a device",
            device.display()
        );
    }
    assert_eq!(
        names_in(dir.path()),
        ["full", "null"],
        "no temporary file left"
    );
}

#[test]
fn dev_stdout_and_a_refused_file_as_a_normal_user() {
    if !root() {
        println!("skipped: playing the user nobody needs root");
        return;
    }
    const NOBODY: u32 = 65534;
    let as_nobody = |command: &mut Command| {
        command.uid(NOBODY).gid(NOBODY).current_dir("/");
    };
    let probe = demo(&["--help"], as_nobody);
    if !probe.status.success() {
        println!(
            "skipped: the user nobody cannot run the demo here: {}",
            said(&probe)
        );
        return;
    }
    let out = demo(&["--trace", "/dev/stdout"], as_nobody);
    assert!(out.status.success(), "{}", said(&out));
    assert_eq!(trace_on_stdout(&out).metrics.served, 3);

    // A directory nobody may write in: the error names the file asked for.
    let dir = tempfile::Builder::new()
        .prefix("not-for-nobody-")
        .tempdir()
        .expect("a temporary directory");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
        .expect("the directory's mode can be set");
    let file = dir.path().join("run.json");
    let out = demo(&["--trace", file.to_str().expect("UTF-8")], as_nobody);
    assert_eq!(out.status.code(), Some(1), "{}", said(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let named = format!(
        "error: cannot write the trace to {}: Permission denied (os error 13)",
        file.display()
    );
    assert!(
        stderr.lines().any(|l| l == named),
        "the file asked for, and no other: {stderr}"
    );
    assert!(names_in(dir.path()).is_empty());
}
