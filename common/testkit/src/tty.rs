//! A program on a terminal of its own, read as a person would read it: a
//! pseudo-terminal whose far end is the program's stdin, stderr and (unless
//! asked otherwise) stdout, and a terminal emulator (`vt100`) that turns
//! what the program draws into a screen of cells. Keys are typed into it;
//! the screen is read back as text.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use nix::pty::{OpenptyResult, Winsize, openpty};
use nix::sys::termios::{self, LocalFlags};

/// A program running on a pseudo-terminal.
pub struct Tty {
    /// The program.
    child: Option<Child>,
    /// Our end of the terminal: keys go in here.
    keys: std::fs::File,
    /// What the program drew, as a screen.
    screen: Arc<Mutex<vt100::Parser>>,
    /// The terminal's far end, kept to read its modes after the program exits.
    far_end: std::os::fd::OwnedFd,
}

impl Tty {
    /// Starts `program` with `args` (and `NO_COLOR` unless `colour`) on a
    /// terminal `columns` × `rows`; stdout goes to the terminal too unless
    /// `stdout_piped` (then [`Tty::wait`] returns it).
    pub fn start(
        program: &Path,
        args: &[&str],
        columns: u16,
        rows: u16,
        stdout_piped: bool,
    ) -> Tty {
        let size = Winsize {
            ws_row: rows,
            ws_col: columns,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        let OpenptyResult { master, slave } =
            openpty(Some(&size), None).expect("a pseudo-terminal");
        let far = |fd: &std::os::fd::OwnedFd| Stdio::from(fd.try_clone().expect("a terminal fd"));
        let mut command = Command::new(program);
        command
            .args(args)
            .env("NO_COLOR", "1")
            .env_remove("RUST_LOG")
            .env_remove("COLUMNS")
            .stdin(far(&slave))
            .stderr(far(&slave))
            .stdout(if stdout_piped {
                Stdio::piped()
            } else {
                far(&slave)
            });
        let child = command.spawn().expect("the program starts");
        drop(command);
        let screen = Arc::new(Mutex::new(vt100::Parser::new(rows, columns, 0)));
        let mut drawn = std::fs::File::from(master.try_clone().expect("the near end"));
        let parser = Arc::clone(&screen);
        std::thread::spawn(move || {
            let mut chunk = [0u8; 4096];
            // Linux says EIO once the last process on the far end has gone;
            // ours stays open, so this thread ends with the test.
            while let Ok(n @ 1..) = drawn.read(&mut chunk) {
                parser
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .process(&chunk[..n]);
            }
        });
        Tty {
            child: Some(child),
            keys: std::fs::File::from(master),
            screen,
            far_end: slave,
        }
    }

    /// The screen now, a line per row, trailing blanks trimmed.
    pub fn screen(&self) -> Vec<String> {
        let parser = self.screen.lock().unwrap_or_else(PoisonError::into_inner);
        parser
            .screen()
            .contents()
            .lines()
            .map(|l| l.trim_end().to_owned())
            .collect()
    }

    /// Whether the program has the alternate screen and the cursor hidden.
    pub fn taken(&self) -> (bool, bool) {
        let parser = self.screen.lock().unwrap_or_else(PoisonError::into_inner);
        let screen = parser.screen();
        (screen.alternate_screen(), screen.hide_cursor())
    }

    /// Whether the terminal echoes what is typed and edits lines (as a
    /// shell leaves it): both must be back once a program gives it back.
    pub fn echoes(&self) -> bool {
        let modes = termios::tcgetattr(&self.far_end).expect("the terminal's modes");
        modes
            .local_flags
            .contains(LocalFlags::ECHO | LocalFlags::ICANON)
    }

    /// Types `keys` (bytes, as a terminal sends them: `b" "`, `b"\x1b[C"`).
    pub fn type_keys(&mut self, keys: &[u8]) {
        self.keys.write_all(keys).expect("keys reach the terminal");
    }

    /// Waits up to `within` until the screen satisfies `seen`; returns it,
    /// or panics with the last screen.
    pub fn wait_for(&self, within: Duration, seen: impl Fn(&[String]) -> bool) -> Vec<String> {
        let give_up = Instant::now() + within;
        loop {
            let screen = self.screen();
            if seen(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < give_up,
                "not seen within {within:?}; the screen:\n{}",
                screen.join("\n")
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The program's pid.
    pub fn pid(&self) -> nix::unistd::Pid {
        let child = self.child.as_ref().expect("the program was started");
        nix::unistd::Pid::from_raw(i32::try_from(child.id()).expect("a pid fits an i32"))
    }

    /// Waits (up to `within`) for the program to exit; returns its output
    /// (stdout, if piped, and the exit status), and leaves a moment for the
    /// last of what it drew to reach the screen.
    pub fn wait(&mut self, within: Duration) -> Output {
        let child = self.child.take().expect("the program was started");
        let pid = nix::unistd::Pid::from_raw(i32::try_from(child.id()).expect("a pid"));
        let (sent, got) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = sent.send(child.wait_with_output());
        });
        let out = match got.recv_timeout(within) {
            Ok(out) => out.expect("the program's output"),
            Err(_) => {
                let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
                panic!(
                    "still running after {within:?}:\n{}",
                    self.screen().join("\n")
                );
            }
        };
        std::thread::sleep(Duration::from_millis(100));
        out
    }
}

impl Tty {
    /// Ctrl-C: SIGINT to the program (as the terminal sends it), then waits
    /// up to `within` for it to end. It must exit with 130 and give the
    /// terminal back as it found it: the shell's screen, the cursor, echo
    /// and line editing. Returns its output.
    pub fn ctrl_c(&mut self, within: Duration) -> Output {
        nix::sys::signal::kill(self.pid(), nix::sys::signal::Signal::SIGINT)
            .expect("a signal to our own child");
        let out = self.wait(within);
        assert_eq!(out.status.code(), Some(130), "{out:?}");
        assert_eq!(self.taken(), (false, false), "the shell's screen is back");
        assert!(self.echoes(), "echo and line editing are back");
        out
    }
}

/// Checks what a program run with `--live` but no terminal said on stderr:
/// one line, that the live view needs a terminal (the run goes on).
pub fn assert_live_needs_a_terminal(stderr: &[u8]) {
    let stderr = String::from_utf8_lossy(stderr);
    let said: Vec<&str> = stderr.lines().collect();
    assert_eq!(said.len(), 1, "{stderr}");
    assert!(said[0].starts_with("--live needs a terminal"), "{stderr}");
}

impl Drop for Tty {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
