//! How many customers a bank has room for.
//!
//! Every customer in the bank holds a socket, and a process may open only so
//! many files (`RLIMIT_NOFILE`). The soft limit can be raised up to the hard
//! one by the process itself ([`raise_open_files`], called at start by the
//! `bank` binary and by every demo); past the hard limit only the
//! administrator can help. A bank past its room turns newcomers away with
//! `ERR busy` rather than running out of files and failing everyone.

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_room_for_customers_leaves_the_bank_its_own_files() {
        assert_eq!(max_customers_within(20_000, 2), 20_000 - 64 - 2 - 64);
        assert_eq!(max_customers_within(100, 8), 0);
        assert_eq!(max_customers_within(u64::MAX, 1), u32::MAX);
    }
}
