//! The runs: each style in a child process of its own, one after another,
//! and a bank in a process of its own when the customers need the room.
//!
//! Runs never overlap: on a machine with two cores, two runs at once would
//! take CPU from each other, and each would measure the other's noise.
//!
//! Every child is started with `kill_on_drop`: whatever way `compare`
//! leaves a run (done, an error, a panic, Ctrl-C dropping the whole
//! program), the child's handle is dropped and the child is killed. The
//! child in turn dies with its parent ([`child`](crate::child)), so not
//! even a `kill -9` of `compare` leaves one behind. (The Python peer cannot
//! be asked to: after a `kill -9`, it ends when its bank, gone, hangs up.)

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tempfile::TempDir;
use timeline::Scenario;
use timeline::output::{self, Place};
use timeline::style::Style;
use timeline::trace::Trace;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::child::PARENT_PID;
use scene::kernel::Sampling;

/// How long a bank process may take to say where it listens.
const BANK_START: Duration = Duration::from_secs(20);

/// Starts the child processes, and keeps the files they share with the parent.
#[derive(Debug)]
pub struct Launcher {
    /// The `compare` program (this very one, but in the scale benchmark):
    /// children are `compare` again, in a hidden mode.
    exe: PathBuf,
    /// Scenario files and traces nobody asked to keep; removed at the end.
    scratch: TempDir,
    /// Where to keep every run's trace (`--trace-dir`), if anywhere.
    keep: Option<PathBuf>,
    /// The traces kept there so far, to say at the end what was written.
    kept: Mutex<Vec<PathBuf>>,
    /// Whether each style's child draws its run live on the terminal.
    live: bool,
}

/// A finished run of one style.
#[derive(Debug)]
pub struct Finished {
    /// What the child recorded.
    pub trace: Trace,
    /// Whether the child said every visit went well (exit code 0).
    pub all_served: bool,
}

/// A bank in a process of its own.
#[derive(Debug)]
pub struct BankProcess {
    /// The process: killed when this is dropped.
    child: Child,
    /// Where it listens.
    addr: SocketAddr,
}

impl Launcher {
    /// A launcher that keeps traces in `keep` (created if missing).
    pub fn new(keep: Option<PathBuf>) -> Result<Launcher, String> {
        let exe = std::env::current_exe()
            .map_err(|err| format!("cannot find this program to start its runs: {err}"))?;
        Launcher::of(exe, keep)
    }

    /// A launcher whose children are the `compare` program at `exe`: for a
    /// program that is not `compare` itself (the scale benchmark).
    pub fn of(exe: PathBuf, keep: Option<PathBuf>) -> Result<Launcher, String> {
        let scratch = tempfile::Builder::new()
            .prefix("bank-queue-compare")
            .tempdir()
            .map_err(|err| format!("cannot make a temporary directory: {err}"))?;
        if let Some(dir) = &keep {
            std::fs::create_dir_all(dir)
                .map_err(|err| format!("--trace-dir {}: {err}", dir.display()))?;
        }
        Ok(Launcher {
            exe,
            scratch,
            keep,
            kept: Mutex::default(),
            live: false,
        })
    }

    /// The same launcher, its customers' children drawing their runs live
    /// (`--live`) on the terminal they share with this process.
    pub fn live(self) -> Launcher {
        Launcher { live: true, ..self }
    }

    /// Writes `scenario` for the children to read; `stem` names the file.
    pub fn scenario_file(&self, scenario: &Scenario, stem: &str) -> Result<PathBuf, String> {
        let path = self.scratch.path().join(format!("{stem}.scenario.json"));
        let json = serde_json::to_vec(scenario)
            .map_err(|err| format!("cannot write the scenario: {err}"))?;
        std::fs::write(&path, json)
            .map_err(|err| format!("cannot write {}: {err}", path.display()))?;
        Ok(path)
    }

    /// Where the run named `stem` writes its trace: the kept directory if
    /// there is one, else the scratch one.
    pub fn trace_file(&self, stem: &str) -> PathBuf {
        let dir = self.keep.as_deref().unwrap_or(self.scratch.path());
        dir.join(format!("{stem}.json"))
    }

    /// Whether traces are kept (`--trace-dir`).
    pub fn keeps_traces(&self) -> bool {
        self.keep.is_some()
    }

    /// The directory of `--trace-dir` and the traces kept in it, in the
    /// order they were written; `None` without `--trace-dir`.
    pub fn kept(&self) -> Option<(&Path, Vec<PathBuf>)> {
        let kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        Some((self.keep.as_deref()?, kept.clone()))
    }

    /// `compare` again, as a child that dies with this process.
    fn child(&self, role: &str, scenario: &Path) -> Command {
        let mut command = Command::new(&self.exe);
        command
            .arg("--child")
            .arg(role)
            .arg("--child-scenario")
            .arg(scenario)
            .env(PARENT_PID, std::process::id().to_string())
            // The shared flags read it; the child must use the bank it is given.
            .env_remove("BANK_QUEUE_BANK")
            .stdin(Stdio::null())
            .kill_on_drop(true);
        command
    }

    /// Starts a fresh bank in a process of its own, for `scenario`'s tellers
    /// and policy, and waits until it listens.
    pub async fn bank(&self, scenario: &Path) -> Result<BankProcess, String> {
        let mut child = self
            .child("bank", scenario)
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|err| format!("cannot start a bank process: {err}"))?;
        let stdout = child
            .stdout
            .take()
            .ok_or("the bank process has no stdout to read its address from")?;
        let mut first = String::new();
        let read =
            tokio::time::timeout(BANK_START, BufReader::new(stdout).read_line(&mut first)).await;
        let addr = match read {
            Ok(Ok(_)) => first.trim().parse::<SocketAddr>().ok(),
            _ => None,
        };
        match addr {
            Some(addr) => Ok(BankProcess { child, addr }),
            None => {
                let _ = child.kill().await;
                Err(format!(
                    "the bank process did not say where it listens (it said {})",
                    timeline::visible::quoted(first.trim(), 120)
                ))
            }
        }
    }

    /// Runs `style`'s customers on `scenario` in a child, against `bank` or
    /// a bank inside the child, and reads the trace it wrote to `trace`.
    /// `brief`: the child leaves customers, events and lanes out of the
    /// trace. `kernel`: the child samples the kernel (`--kernel on`).
    pub async fn customers(
        &self,
        style: Style,
        scenario: &Path,
        bank: Option<SocketAddr>,
        trace: &Path,
        brief: bool,
        kernel: bool,
    ) -> Result<Finished, String> {
        // A trace left from an earlier run must not pass for this one's. Only
        // a regular file goes (a link's target, if it leads to one), as only
        // a regular file is ever replaced: see `timeline::output`.
        if let Ok(Place::File(old)) = output::place(trace) {
            let _ = std::fs::remove_file(old);
        }
        let mut command = self.child(style.name(), scenario);
        command
            .arg("--child-trace")
            .arg(trace)
            .arg("--kernel")
            .arg(Sampling::word(kernel))
            .stdout(Stdio::null());
        if let Some(bank) = bank {
            command.arg("--child-bank").arg(bank.to_string());
        }
        if brief {
            command.arg("--child-brief");
        }
        if self.live {
            command.arg("--child-live");
        }
        let mut child = command
            .spawn()
            .map_err(|err| format!("cannot start the {style} process: {err}"))?;
        let status = child
            .wait()
            .await
            .map_err(|err| format!("lost the {style} process: {err}"))?;
        if status.code() == Some(2) {
            return Err(format!("{style} could not start (see the message above)"));
        }
        if !trace.exists() {
            return Err(format!(
                "{style} stopped without writing its trace ({})",
                describe(status)
            ));
        }
        let finished = Finished {
            trace: read_trace(trace).await?,
            all_served: status.success(),
        };
        if self.keeps_traces() {
            let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
            kept.push(trace.to_owned());
        }
        Ok(finished)
    }

    /// Runs `program` (the Python peer, say) as a child that dies with this
    /// process; returns its exit status and what it printed on stdout.
    pub async fn program(&self, mut command: Command) -> Result<(ExitStatus, String), String> {
        command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .kill_on_drop(true);
        let child = command
            .spawn()
            .map_err(|err| format!("cannot start {}: {err}", program_name(&command)))?;
        let out = child
            .wait_with_output()
            .await
            .map_err(|err| format!("lost {}: {err}", program_name(&command)))?;
        Ok((
            out.status,
            String::from_utf8_lossy(&out.stdout).into_owned(),
        ))
    }
}

impl BankProcess {
    /// Where the bank listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Closes the bank: kills the process and waits until it is gone.
    pub async fn close(mut self) {
        let _ = self.child.kill().await;
    }
}

/// Reads a trace file off the runtime's thread (a scale run's can be large).
pub async fn read_trace(path: &Path) -> Result<Trace, String> {
    let path = path.to_owned();
    tokio::task::spawn_blocking(move || Trace::read(&path))
        .await
        .map_err(|err| format!("reading a trace failed: {err}"))?
}

/// The program `command` runs, as a person reads it.
fn program_name(command: &Command) -> String {
    Path::new(command.as_std().get_program())
        .display()
        .to_string()
}

/// An exit status in words.
fn describe(status: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit code {code}"),
        (None, Some(signal)) => format!("killed by signal {signal}"),
        _ => status.to_string(),
    }
}
