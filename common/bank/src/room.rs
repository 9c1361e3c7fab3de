//! How many customers a bank has room for.
//!
//! Every customer in the bank holds a socket, and a process may open only so
//! many files (`RLIMIT_NOFILE`). The soft limit can be raised up to the hard
//! one by the process itself ([`raise_open_files`], called at start by the
//! `bank` binary and by every demo); past the hard limit only the
//! administrator can help. A bank past its room turns newcomers away with
//! `ERR busy` rather than running out of files and failing everyone.

use std::os::fd::AsFd;

use nix::fcntl::{FcntlArg, fcntl};
use nix::sys::resource::{Resource, getrlimit, setrlimit};

use crate::listener;

/// How many customers a bank can hold at once when its process may open
/// `open_files` files and it has `tellers` tellers: one socket per customer,
/// after what the bank itself needs (standard streams, the runtime's
/// descriptors, a timer per teller) and room to tell latecomers it is busy.
pub fn max_customers_within(open_files: u64, tellers: u32) -> u32 {
    let own = BANK_FILES + u64::from(tellers) + listener::TURNING_AWAY_AT_ONCE as u64;
    u32::try_from(open_files.saturating_sub(own)).unwrap_or(u32::MAX)
}

/// The files a bank of `tellers` that lets in `max_customers` opens as it
/// serves, beyond those it holds from the start: a socket per customer and
/// a timer per teller (the few newcomers being turned away come and go).
pub(crate) fn files_opened(max_customers: u32, tellers: u32) -> u64 {
    u64::from(max_customers) + u64::from(tellers)
}

/// The most files [`reserve_files`] makes room for: a table of 65,536
/// descriptors takes about 520 KiB of kernel memory; a machine allowed a
/// million open files would otherwise give 8 MiB to a bank that may never
/// see more than a classroom.
pub const RESERVED_AT_MOST: u64 = 1 << 16;

/// Files a bank holds whatever its size: standard streams, the listener, the
/// runtime's epoll and wake-up descriptors, with room to spare.
const BANK_FILES: u64 = 64;

/// Raises the soft open-file limit to the hard limit; returns the new soft
/// limit. Call it once at start, before any socket is opened.
pub fn raise_open_files() -> nix::Result<u64> {
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE)?;
    if soft < hard {
        setrlimit(Resource::RLIMIT_NOFILE, hard, hard)?;
    }
    Ok(hard)
}

/// Open files this process may have now (the soft `RLIMIT_NOFILE`; 1024,
/// the usual default, if it cannot be read).
pub fn open_files() -> u64 {
    getrlimit(Resource::RLIMIT_NOFILE).map_or(1024, |(soft, _)| soft)
}

/// Makes room in this process's table of open files for `more` files
/// beyond those open now (up to the open-file limit, and to
/// [`RESERVED_AT_MOST`] in all), now rather than as they are opened; returns
/// how many the table holds. A table that holds them already is left alone.
///
/// Linux grows a process's descriptor table by doubling it, as descriptors
/// are opened: at 64, 128, 256... In a process with more than one thread,
/// each growth waits for an RCU grace period (`synchronize_rcu`), and every
/// thread of the process that opens a file meanwhile (a `socket()`, an
/// `accept()`, a timer) waits with it. Measured here, a crowd of 10,000
/// sockets opened in one second met six such stalls, of 5 to 15 ms each, in
/// the customers' process and in the bank's. Opening one descriptor at the
/// top of the table, and closing it at once, grows the table in one step,
/// with one such stall, before the crowd comes; a table never shrinks.
pub fn reserve_files(more: u64) -> std::io::Result<u64> {
    let held = table_size()?;
    let wanted = open_now()?
        .saturating_add(more)
        .min(open_files())
        .min(RESERVED_AT_MOST);
    if wanted <= held {
        return Ok(held);
    }
    let top = i32::try_from(wanted - 1).unwrap_or(i32::MAX);
    let any = std::fs::File::open("/dev/null")?;
    // The lowest free descriptor at `top` or above: the table grows to hold it.
    let high = fcntl(any.as_fd(), FcntlArg::F_DUPFD_CLOEXEC(top))?;
    nix::unistd::close(high)?;
    table_size()
}

/// How many descriptors this process's table holds now (`FDSize` in
/// `/proc/self/status`), open or not.
fn table_size() -> std::io::Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("FDSize:"))
        .and_then(|size| size.trim().parse().ok())
        .ok_or_else(|| std::io::Error::other("no FDSize in /proc/self/status"))
}

/// How many descriptors this process has open now.
fn open_now() -> std::io::Result<u64> {
    // Less the one that reads the directory.
    Ok((std::fs::read_dir("/proc/self/fd")?.count() as u64).saturating_sub(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_for_files_is_made_up_to_the_limit_and_never_taken_back() {
        // Other tests open files meanwhile: only lower bounds hold.
        let limit = open_files().min(RESERVED_AT_MOST);
        let room = reserve_files(300).expect("room for 300 more files");
        assert!(room >= 300.min(limit), "{room}");
        assert!(table_size().expect("FDSize") >= room);
        assert!(reserve_files(0).expect("nothing more to reserve") >= room);
        let most = reserve_files(u64::MAX).expect("room up to the limit");
        assert!(most >= limit, "{most} < {limit}");
        // The descriptor that made the room was closed: the top is free.
        let file = std::fs::File::open("/dev/null").expect("/dev/null");
        let fd = std::os::fd::AsRawFd::as_raw_fd(&file);
        assert!(u64::try_from(fd).expect("a descriptor") < limit - 1, "{fd}");
    }

    #[test]
    fn the_room_for_customers_leaves_the_bank_its_own_files() {
        assert_eq!(max_customers_within(20_000, 2), 20_000 - 64 - 2 - 64);
        assert_eq!(
            files_opened(max_customers_within(20_000, 2), 2) + BANK_FILES + 64,
            20_000,
            "the bank's own files and the newcomers turned away"
        );
        assert_eq!(max_customers_within(100, 8), 0);
        assert_eq!(max_customers_within(u64::MAX, 1), u32::MAX);
    }
}
