//! A `bank` process for the tests: started on a free loopback port, its log
//! read line by line, and killed when the test is done with it.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use wait_timeout::ChildExt;

/// How long a test waits for the bank to say something.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// The `bank` binary, running.
pub struct BankProcess {
    /// The process; killed on drop.
    child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its log (stderr), line by line, as it is written.
    log: Receiver<String>,
    /// Log lines read so far.
    pub seen: Vec<String>,
    /// The line it printed at start.
    pub welcome: String,
}

impl BankProcess {
    /// Starts the `bank` binary at `bin` (`env!("CARGO_BIN_EXE_bank")` in the
    /// bank's own tests) as `bank --listen 127.0.0.1:0` with `args`, and
    /// waits until it says where it listens.
    pub fn start(bin: &str, args: &[&str]) -> BankProcess {
        let mut bank = Command::new(bin);
        bank.args(["--listen", "127.0.0.1:0"]).args(args);
        BankProcess::spawn(bank)
    }

    /// Starts the bank as `command` says, and waits until it says where it listens.
    pub fn spawn(command: Command) -> BankProcess {
        BankProcess::spawn_logging_to(command, Stdio::piped())
    }

    /// [`BankProcess::spawn`], with the bank's log (stderr) going to `log`:
    /// read line by line if it is [`Stdio::piped`], else not read here.
    pub fn spawn_logging_to(mut command: Command, log: Stdio) -> BankProcess {
        let mut child = command
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("the bank binary starts");
        let stdout = child.stdout.take().expect("stdout is piped");
        let (tx, log) = mpsc::channel();
        if let Some(stderr) = child.stderr.take() {
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            });
        }
        let mut welcome = String::new();
        BufReader::new(stdout)
            .read_line(&mut welcome)
            .expect("the bank prints its welcome line");
        let addr = address_in(&welcome);
        BankProcess {
            child,
            addr,
            log,
            seen: Vec::new(),
            welcome,
        }
    }

    /// Waits until a log line holds every one of `words`; panics after [`PATIENCE`].
    pub fn wait_for_log(&mut self, words: &[&str]) {
        let deadline = Instant::now() + PATIENCE;
        while !self
            .seen
            .iter()
            .any(|line| words.iter().all(|word| line.contains(word)))
        {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.log.recv_timeout(left) {
                Ok(line) => self.seen.push(line),
                Err(RecvTimeoutError::Timeout) => {
                    panic!(
                        "the bank never logged {words:?}; it logged {:#?}",
                        self.seen
                    )
                }
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("the bank ended without logging {words:?}: {:#?}", self.seen)
                }
            }
        }
    }

    /// Kills the bank with SIGKILL, as `kill -9` would: no chance to close
    /// anything itself; the kernel closes its sockets.
    pub fn kill(&mut self) {
        self.child.kill().expect("the bank can be killed");
        self.child.wait().expect("the killed bank is reaped");
    }

    /// Sends the bank `signal` (SIGINT or SIGTERM, as Ctrl-C or `kill`
    /// would), and waits for it to exit: returns how, and how long it took
    /// from the signal. Panics if it is still running after [`PATIENCE`].
    pub fn stop_with(&mut self, signal: Signal) -> (ExitStatus, Duration) {
        let pid = Pid::from_raw(i32::try_from(self.child.id()).expect("a pid fits an i32"));
        kill(pid, signal).expect("our own child can be signalled");
        let sent = Instant::now();
        match self
            .child
            .wait_timeout(PATIENCE)
            .expect("the bank can be waited for")
        {
            Some(status) => (status, sent.elapsed()),
            None => panic!("the bank was still running {PATIENCE:?} after {signal}"),
        }
    }

    /// Everything the bank logged from now until its log closes (it has
    /// exited), after what was read so far.
    pub fn rest_of_log(mut self) -> Vec<String> {
        let mut seen = std::mem::take(&mut self.seen);
        while let Ok(line) = self.log.recv_timeout(PATIENCE) {
            seen.push(line);
        }
        seen
    }

    /// Closes the bank as `kill` would (SIGTERM), and returns everything it
    /// logged. Its log is written by a thread of its own, a moment after the
    /// fact: closed this way, the bank writes out what it logged before its
    /// closing line, where SIGKILL would lose the last lines.
    pub fn close_and_read_log(mut self) -> Vec<String> {
        let (status, _) = self.stop_with(Signal::SIGTERM);
        assert_eq!(
            status.code(),
            Some(143),
            "SIGTERM closes the bank: {status}"
        );
        // The pipe closes with the process: read what is left in it.
        self.rest_of_log()
    }
}

/// Where the bank listens, as its welcome line says (`bank open on ADDR ...`).
pub fn address_in(welcome: &str) -> SocketAddr {
    welcome
        .strip_prefix("bank open on ")
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|addr| addr.parse().ok())
        .unwrap_or_else(|| panic!("no address in the welcome line {welcome:?}"))
}

impl Drop for BankProcess {
    fn drop(&mut self) {
        // Already gone is fine.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
