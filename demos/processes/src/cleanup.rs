//! Nothing left behind: the demo makes itself a *subreaper*
//! (`PR_SET_CHILD_SUBREAPER`), so every process it started, at any depth,
//! whose parent dies is handed to it instead of to init. When the demo is
//! stopped midway (Ctrl-C, SIGTERM, a failure), it kills every descendant
//! and waits for each one it is parent of, until `/proc` shows none left.

use std::time::{Duration, Instant};

use nix::sys::prctl;
use nix::sys::signal::{Signal, kill};
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::getpid;

use crate::procfs;
use crate::stop::Stop;

/// Makes this process the subreaper of all it starts.
pub fn become_subreaper() -> Result<(), Stop> {
    prctl::set_child_subreaper(true)?;
    if prctl::get_child_subreaper()? {
        Ok(())
    } else {
        Err(Stop::failed("PR_SET_CHILD_SUBREAPER did not stick"))
    }
}

/// Kills every descendant with SIGKILL and reaps them; returns how many
/// processes it killed or reaped. An orphan whose parent was killed comes to
/// us (we are its subreaper), so the loop goes on until `/proc` lists no
/// descendant and `waitpid()` says we have no child left, for 5 s at most.
pub fn kill_and_reap_all() -> Result<usize, Stop> {
    let me = getpid();
    let give_up = Instant::now() + Duration::from_secs(5);
    let mut ended = Vec::new();
    loop {
        let left = procfs::descendants(me)?;
        for &pid in &left {
            // One may have ended since the list was read: ESRCH is fine.
            let _ = kill(pid, Signal::SIGKILL);
            if !ended.contains(&pid) {
                ended.push(pid);
            }
        }
        let mut children = true;
        loop {
            match waitpid(None, Some(WaitPidFlag::WNOHANG)) {
                Ok(WaitStatus::StillAlive) => break,
                Ok(_) => {}
                Err(nix::Error::ECHILD) => {
                    children = false;
                    break;
                }
                Err(err) => return Err(err.into()),
            }
        }
        if left.is_empty() && !children {
            return Ok(ended.len());
        }
        if Instant::now() > give_up {
            return Err(Stop::failed(format!(
                "after 5 s, {} descendants are still there",
                left.len()
            )));
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}
