//! What the kernel says about a process, read from `/proc`: its state
//! letter and parent in `/proc/<pid>/stat` (what `ps` shows as `STAT` and
//! `PPID`), its time on a CPU and waiting for one in `/proc/<pid>/schedstat`, how many threads this process has in `/proc/self/status`, and
//! which processes descend from one.

use std::io;

use nix::unistd::Pid;

use crate::history::Schedstat;

/// The fields of `/proc/<pid>/stat` this demo reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stat {
    /// The state letter: `R` running or runnable, `S` sleeping (blocked,
    /// waiting for something), `D` blocked uninterruptibly, `Z` zombie
    /// (exited, not yet waited for), `T` stopped.
    pub state: char,
    /// The parent as the kernel has it now (it changes when the parent dies).
    pub ppid: Pid,
    /// The process group: a demo's processes share the demo's group.
    pub pgrp: Pid,
}

/// Reads `/proc/<pid>/stat`. `Ok(None)` means there is no such process (any
/// more): it was reaped, or never existed.
pub fn stat(pid: Pid) -> io::Result<Option<Stat>> {
    read_stat(pid)?.map(|text| parse_stat(&text)).transpose()
}

/// Reads `/proc/<pid>/schedstat`: time on a CPU, time waiting for one.
/// `None` if the process is gone, or the kernel keeps no such counters.
pub fn schedstat(pid: Pid) -> Option<Schedstat> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/schedstat")).ok()?;
    let mut fields = text.split_whitespace().map(|f| f.parse::<u64>().ok());
    Some(Schedstat {
        on_cpu_ns: fields.next()??,
        run_queue_ns: fields.next()??,
    })
}

/// The start of `/proc/<pid>/stat`, as the kernel writes it: `pid (comm)
/// state ppid`. `None` if the process is gone.
pub fn stat_line(pid: Pid) -> io::Result<Option<String>> {
    Ok(read_stat(pid)?.map(|text| text.split(' ').take(4).collect::<Vec<_>>().join(" ")))
}

/// The text of `/proc/<pid>/stat`, or `None` if the process is gone.
fn read_stat(pid: Pid) -> io::Result<Option<String>> {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(text) => Ok(Some(text)),
        // ESRCH: the process went away between opening the file and reading it.
        Err(err)
            if err.kind() == io::ErrorKind::NotFound
                || err.raw_os_error() == Some(nix::libc::ESRCH) =>
        {
            Ok(None)
        }
        Err(err) => Err(err),
    }
}

/// Parses a `stat` line: `pid (comm) state ppid pgrp ...`. The command name
/// may hold spaces and parentheses, so the fields are counted from the last
/// `)`.
fn parse_stat(text: &str) -> io::Result<Stat> {
    let bad = || {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("unexpected stat: {text}"),
        )
    };
    let after = text.rfind(')').map(|at| &text[at + 1..]).ok_or_else(bad)?;
    let mut fields = after.split_whitespace();
    let state = fields
        .next()
        .and_then(|s| s.chars().next())
        .ok_or_else(bad)?;
    let mut number = || -> io::Result<Pid> {
        fields
            .next()
            .and_then(|f| f.parse().ok())
            .map(Pid::from_raw)
            .ok_or_else(bad)
    };
    let ppid = number()?;
    let pgrp = number()?;
    Ok(Stat { state, ppid, pgrp })
}

/// How many threads this process has now: the `Threads:` line of
/// `/proc/self/status`.
pub fn threads() -> io::Result<u32> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("Threads:"))
        .and_then(|n| n.trim().parse().ok())
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "no Threads: line"))
}

/// How much memory a process holds, from `/proc/<pid>/smaps_rollup`, in KiB.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Memory {
    /// Resident: every page in RAM that it maps, shared or not.
    pub rss_kib: u64,
    /// Proportional: each page divided by the number of processes sharing it.
    pub pss_kib: u64,
    /// Written-to pages it shares with another process (after `fork()`,
    /// until one of them writes).
    pub shared_dirty_kib: u64,
    /// Written-to pages that are its own alone.
    pub private_dirty_kib: u64,
}

/// Reads `/proc/<pid>/smaps_rollup` (`/proc/self/...` for this process).
pub fn memory(pid: &str) -> io::Result<Memory> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))?;
    let field = |name: &str| -> u64 {
        text.lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    Ok(Memory {
        rss_kib: field("Rss:"),
        pss_kib: field("Pss:"),
        shared_dirty_kib: field("Shared_Dirty:"),
        private_dirty_kib: field("Private_Dirty:"),
    })
}

/// Every process whose chain of parents leads to `ancestor` (not
/// `ancestor` itself), as `/proc` shows them now. Zombies count: they are
/// still processes until someone waits for them.
pub fn descendants(ancestor: Pid) -> io::Result<Vec<Pid>> {
    let mut parent_of = Vec::new();
    for entry in std::fs::read_dir("/proc")? {
        let Ok(entry) = entry else { continue };
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse().ok()) else {
            continue;
        };
        let pid = Pid::from_raw(pid);
        // A process can end while the list is read: it is no descendant then.
        if let Ok(Some(stat)) = stat(pid) {
            parent_of.push((pid, stat.ppid));
        }
    }
    let mut found = vec![ancestor];
    let mut grew = true;
    while grew {
        grew = false;
        for &(pid, ppid) in &parent_of {
            if found.contains(&ppid) && !found.contains(&pid) {
                found.push(pid);
                grew = true;
            }
        }
    }
    found.remove(0);
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_name_with_spaces_and_parentheses_is_skipped_whole() {
        let stat = parse_stat("42 (a) b (c) S 7 42 42 0 -1").expect("parses");
        assert_eq!(
            stat,
            Stat {
                state: 'S',
                ppid: Pid::from_raw(7),
                pgrp: Pid::from_raw(42)
            }
        );
    }

    #[test]
    fn this_process_has_the_parent_getppid_names() {
        let me = stat(nix::unistd::getpid()).expect("reads").expect("exists");
        assert_eq!(me.ppid, nix::unistd::getppid());
    }
}
