//! The peer a student would reach for: a short Python asyncio script whose
//! customers speak the same protocol to the same kind of bank.
//!
//! It is run as `python3 peers/python/asyncio_customers.py --bank ADDR
//! --scenario FILE`, where FILE is the scenario as run (JSON), and prints one
//! JSON object: the run's [`Metrics`], measured from inside the script. The
//! ideal makespan and the tellers' efficiency are left at 0; they are computed here,
//! from the same simulator as every other run's.

use std::io::ErrorKind;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use bank::ideal;
use timeline::Scenario;
use timeline::trace::Metrics;
use tokio::process::Command;

use crate::runs::Launcher;

/// The runner's name in the scale table.
pub const RUNNER: &str = "python-asyncio";

/// Where the script lies in this workspace.
const SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../peers/python/asyncio_customers.py"
);

/// The Python peer, found and ready to run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Peer {
    /// The interpreter (`python3`).
    python: String,
    /// The script.
    script: PathBuf,
}

impl Peer {
    /// Finds the script (`script`, or this workspace's) and checks that the
    /// interpreter runs; says what is missing otherwise.
    pub fn find(python: &str, script: Option<&Path>) -> Result<Peer, String> {
        let probe = std::process::Command::new(python)
            .args(["-c", "import sys; sys.exit(sys.version_info < (3, 10))"])
            .output();
        match probe {
            Ok(out) if out.status.success() => {}
            Ok(out) => {
                return Err(format!(
                    "{python} is not Python 3.10 or later ({}), which the peer's syntax \
                     needs: name another interpreter with --python-exe",
                    out.status
                ));
            }
            Err(err) if err.kind() == ErrorKind::NotFound => {
                return Err(format!(
                    "{python} is not installed (or not on PATH): install Python 3.10 or later, \
                     name the interpreter with --python-exe, or leave out --python"
                ));
            }
            Err(err) => return Err(format!("cannot run {python}: {err}")),
        }
        let script = script.map_or_else(|| PathBuf::from(SCRIPT), Path::to_owned);
        if !script.is_file() {
            return Err(format!(
                "the Python peer's script is not at {}: name it with --python-script FILE",
                script.display()
            ));
        }
        Ok(Peer {
            python: python.to_owned(),
            script,
        })
    }

    /// Runs the peer's customers of `scenario` (written at `file`) against
    /// the bank at `bank`; returns its figures, with the ideal makespan and
    /// the tellers' efficiency filled in, and whether every customer was served.
    pub async fn run(
        &self,
        launcher: &Launcher,
        bank: SocketAddr,
        scenario: &Scenario,
        file: &Path,
    ) -> Result<(Metrics, bool), String> {
        let mut command = Command::new(&self.python);
        command
            .arg(&self.script)
            .arg("--bank")
            .arg(bank.to_string())
            .arg("--scenario")
            .arg(file);
        let (status, stdout) = launcher.program(command).await?;
        let json = stdout
            .lines()
            .rev()
            .find(|l| l.trim_start().starts_with('{'))
            .unwrap_or("");
        let mut metrics: Metrics = serde_json::from_str(json).map_err(|err| {
            format!("{RUNNER} printed no metrics ({status}; {err}): {stdout:.200}")
        })?;
        metrics.ideal_makespan_ms = ideal::schedule(scenario).makespan_ms;
        metrics.efficiency = if metrics.makespan_ms > 0.0 {
            metrics.ideal_makespan_ms / metrics.makespan_ms
        } else {
            0.0
        };
        let everyone = metrics.served as usize == scenario.customers.len();
        Ok((metrics, status.success() && everyone))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_interpreter_or_script_is_named() {
        let err = Peer::find("no-such-python-here", None).expect_err("no such interpreter");
        assert!(
            err.contains("no-such-python-here") && err.contains("--python-exe"),
            "{err}"
        );
        let err =
            Peer::find("python3", Some(Path::new("/nowhere/peer.py"))).expect_err("no such script");
        assert!(err.contains("--python-script"), "{err}");
    }
}
