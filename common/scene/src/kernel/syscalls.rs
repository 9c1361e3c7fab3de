//! System call numbers, named: what `/proc/self/task/<tid>/syscall` means.
//!
//! The kernel says which system call a sleeping thread is in by its number
//! (`45 0x7 ...` on x86_64: `recvfrom`), and numbers differ between
//! architectures. This is a small table of the calls a thread of these
//! demos waits in, and a few neighbours, taken from the `libc` crate's
//! `SYS_*` constants for the architecture being built, so it is right on
//! x86_64 and aarch64 alike (aarch64 has no `poll`, `epoll_wait`, `select`
//! or `pause`: its C library calls `ppoll`, `epoll_pwait`, `pselect6`).
//! A number not in the table is shown as `syscall 123`.

use std::borrow::Cow;

use nix::libc;

/// The calls a waiting thread is found in, by number, for this architecture.
const NAMES: &[(libc::c_long, &str)] = &[
    (libc::SYS_read, "read"),
    (libc::SYS_write, "write"),
    (libc::SYS_readv, "readv"),
    (libc::SYS_writev, "writev"),
    (libc::SYS_recvfrom, "recvfrom"),
    (libc::SYS_recvmsg, "recvmsg"),
    (libc::SYS_sendto, "sendto"),
    (libc::SYS_sendmsg, "sendmsg"),
    (libc::SYS_connect, "connect"),
    (libc::SYS_accept, "accept"),
    (libc::SYS_accept4, "accept4"),
    (libc::SYS_ppoll, "ppoll"),
    (libc::SYS_pselect6, "pselect6"),
    (libc::SYS_epoll_pwait, "epoll_pwait"),
    (libc::SYS_epoll_pwait2, "epoll_pwait2"),
    (libc::SYS_futex, "futex"),
    (libc::SYS_nanosleep, "nanosleep"),
    (libc::SYS_clock_nanosleep, "clock_nanosleep"),
    (libc::SYS_sched_yield, "sched_yield"),
    (libc::SYS_wait4, "wait4"),
    (libc::SYS_waitid, "waitid"),
    (libc::SYS_rt_sigtimedwait, "rt_sigtimedwait"),
    (libc::SYS_rt_sigsuspend, "rt_sigsuspend"),
    (libc::SYS_io_uring_enter, "io_uring_enter"),
    (libc::SYS_close, "close"),
    (libc::SYS_openat, "openat"),
    (libc::SYS_mmap, "mmap"),
    (libc::SYS_munmap, "munmap"),
    (libc::SYS_exit, "exit"),
    #[cfg(target_arch = "x86_64")]
    (libc::SYS_poll, "poll"),
    #[cfg(target_arch = "x86_64")]
    (libc::SYS_select, "select"),
    #[cfg(target_arch = "x86_64")]
    (libc::SYS_epoll_wait, "epoll_wait"),
    #[cfg(target_arch = "x86_64")]
    (libc::SYS_pause, "pause"),
];

/// The name of system call `number` on this architecture: `recvfrom`, or
/// `syscall 123` for one not in the table.
// `c_long` is `i64` on the 64-bit machines this runs on, but not everywhere.
#[allow(clippy::useless_conversion)]
pub fn name(number: i64) -> Cow<'static, str> {
    NAMES
        .iter()
        .find(|&&(n, _)| i64::from(n) == number)
        .map_or_else(
            || Cow::Owned(format!("syscall {number}")),
            |&(_, name)| Cow::Borrowed(name),
        )
}

/// What a thread's `syscall` file says about it: the call it is in, that it
/// is blocked in the kernel outside any call (`-1`: a page fault, say), or
/// that it is running (and so in no call that can be read).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InCall {
    /// In this system call, by number.
    Call(i64),
    /// Blocked in the kernel, but not in a system call.
    Kernel,
    /// On its way to or on a CPU: the kernel does not say.
    Running,
}

impl InCall {
    /// Reads the text of `/proc/self/task/<tid>/syscall`: `45 0x7 ...`,
    /// `-1 0x... 0x...`, or `running`. `None` for anything else.
    pub fn parse(text: &str) -> Option<InCall> {
        let first = text.split_whitespace().next()?;
        if first == "running" {
            return Some(InCall::Running);
        }
        match first.parse::<i64>().ok()? {
            -1 => Some(InCall::Kernel),
            n if n >= 0 => Some(InCall::Call(n)),
            _ => None,
        }
    }

    /// The words for a stretch in this call: `recvfrom`, `in the kernel`;
    /// `None` when running.
    pub fn words(&self) -> Option<Cow<'static, str>> {
        match self {
            InCall::Call(n) => Some(name(*n)),
            InCall::Kernel => Some(Cow::Borrowed("in the kernel")),
            InCall::Running => None,
        }
    }
}

#[cfg(test)]
// As in `name`: `c_long` is `i64` here, not everywhere.
#[allow(clippy::useless_conversion)]
mod tests {
    use super::*;

    #[test]
    fn the_calls_of_waiting_are_named_and_others_numbered() {
        assert_eq!(name(i64::from(libc::SYS_recvfrom)), "recvfrom");
        assert_eq!(name(i64::from(libc::SYS_epoll_pwait)), "epoll_pwait");
        assert_eq!(
            name(i64::from(libc::SYS_clock_nanosleep)),
            "clock_nanosleep"
        );
        assert_eq!(name(999_999), "syscall 999999");
        #[cfg(target_arch = "x86_64")]
        {
            // The numbers the kernel's x86_64 table gives, as a check on libc's.
            assert_eq!(name(45), "recvfrom");
            assert_eq!(name(47), "recvmsg");
            assert_eq!(name(232), "epoll_wait");
            assert_eq!(name(230), "clock_nanosleep");
            assert_eq!(name(202), "futex");
        }
        #[cfg(target_arch = "aarch64")]
        {
            assert_eq!(name(207), "recvfrom");
            assert_eq!(name(22), "epoll_pwait");
            assert_eq!(name(115), "clock_nanosleep");
        }
        let mut numbers: Vec<_> = NAMES.iter().map(|(n, _)| n).collect();
        numbers.sort_unstable();
        numbers.dedup();
        assert_eq!(numbers.len(), NAMES.len(), "one name per number");
    }

    #[test]
    fn the_syscall_file_is_read_in_its_three_forms() {
        let recvfrom = format!(
            "{} 0x7 0x7f00 0x400 0x0 0x0 0x0 0x7ffd 0x7f01",
            libc::SYS_recvfrom
        );
        assert_eq!(
            InCall::parse(&recvfrom),
            Some(InCall::Call(i64::from(libc::SYS_recvfrom)))
        );
        assert_eq!(InCall::parse("-1 0x7ffd 0x7f01\n"), Some(InCall::Kernel));
        assert_eq!(InCall::parse("running\n"), Some(InCall::Running));
        assert_eq!(InCall::parse(""), None);
        assert_eq!(InCall::parse("-7 0x0"), None);
        assert_eq!(InCall::Running.words(), None);
        assert_eq!(InCall::Kernel.words().as_deref(), Some("in the kernel"));
    }
}
