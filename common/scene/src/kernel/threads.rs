//! Which thread is which: a thread lane's label, from what the kernel
//! calls the thread (`/proc/self/task/<tid>/comm`) and the names the demos
//! give their threads.
//!
//! | `comm`            | label                | who                                   |
//! |-------------------|----------------------|---------------------------------------|
//! | (tid = pid)       | `main`               | the process's first thread: it watches the run |
//! | `customer-3`      | `张三's thread`       | the sync styles' thread of customer 3 |
//! | `epoll`           | `epoll thread`       | async-blocking's one thread           |
//! | `scene`           | `scene`              | lets the customers in, one by one     |
//! | `tokio-rt-worker` | `tokio worker 1`     | async-nonblocking's workers, by order of appearance |
//! | `bank`            | `bank`               | an embedded bank's thread (its runtime) |
//! | `signals`         | `signals`            | listens for Ctrl-C                    |
//!
//! Any other thread keeps the kernel's name for it, made printable.

use std::ffi::CStr;

use timeline::Scenario;
use timeline::visible::printable;

/// What a thread is, by the name the kernel has for it; the order in which
/// thread lanes are listed follows this.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// A customer's own thread (sync styles), by index in the scenario.
    Customer(u32),
    /// The process's first thread, which watches the run.
    Main,
    /// The thread that lets the customers in (async-blocking: and waits in epoll).
    Scene,
    /// async-blocking's one thread, blocked in epoll for everyone.
    Epoll,
    /// A tokio worker thread, numbered from 1 in order of appearance.
    TokioWorker(u32),
    /// An embedded bank's thread.
    Bank,
    /// The thread that listens for Ctrl-C.
    Signals,
    /// Any other thread, by the kernel's name for it.
    Other(String),
}

/// The kernel's names of tokio's worker threads: "tokio-rt-worker" (tokio
/// 1.4x and later), or "tokio-runtime-worker" cut to the 15 bytes a thread
/// name may have.
const TOKIO_WORKER: [&str; 2] = ["tokio-rt-worker", "tokio-runtime-w"];

impl Role {
    /// The role of thread `tid` of process `pid`, called `comm` by the
    /// kernel; `workers` counts tokio workers named so far (the next is one more).
    pub fn of(tid: u32, pid: u32, comm: &str, workers: &mut u32) -> Role {
        if tid == pid {
            return Role::Main;
        }
        if let Some(id) = comm.strip_prefix("customer-").and_then(|n| n.parse().ok()) {
            return Role::Customer(id);
        }
        match comm {
            "scene" => Role::Scene,
            "epoll" => Role::Epoll,
            "bank" => Role::Bank,
            "signals" => Role::Signals,
            worker if TOKIO_WORKER.contains(&worker) => {
                *workers += 1;
                Role::TokioWorker(*workers)
            }
            other => Role::Other(printable(other, 64)),
        }
    }

    /// The lane's label: what the thread is, in the scene's words.
    pub fn label(&self, scenario: &Scenario) -> String {
        match self {
            Role::Customer(id) => match scenario.customers.get(*id as usize) {
                Some(c) => format!("{}'s thread", c.name),
                None => format!("customer {id}'s thread"),
            },
            Role::Main => "main".to_owned(),
            Role::Scene => "scene".to_owned(),
            Role::Epoll => "epoll thread".to_owned(),
            Role::TokioWorker(n) => format!("tokio worker {n}"),
            Role::Bank => "bank".to_owned(),
            Role::Signals => "signals".to_owned(),
            Role::Other(name) => name.clone(),
        }
    }
}

/// Names the calling thread `name` for the kernel (at most 15 bytes are
/// kept), so that its lane says what it does. Best effort: a name the
/// kernel refuses leaves the old one.
pub fn name_this_thread(name: &CStr) {
    let _ = nix::sys::prctl::set_name(name);
}

#[cfg(test)]
mod tests {
    use super::*;
    use timeline::scenario::Generate;

    #[test]
    fn threads_are_named_for_what_they_are() {
        let scenario = Generate {
            customers: 2,
            ..Generate::default()
        }
        .scenario();
        let mut workers = 0;
        let mut role = |tid, comm: &str| Role::of(tid, 100, comm, &mut workers);
        let zhang = &scenario.customers[1].name;
        let cases = [
            (role(100, "sync-blocking"), "main".to_owned()),
            (role(101, "customer-1"), format!("{zhang}'s thread")),
            (role(102, "customer-7"), "customer 7's thread".to_owned()),
            (role(103, "epoll"), "epoll thread".to_owned()),
            (role(104, "tokio-runtime-w"), "tokio worker 1".to_owned()),
            (role(105, "tokio-rt-worker"), "tokio worker 2".to_owned()),
            (role(106, "bank"), "bank".to_owned()),
            (
                role(107, "odd\u{1b}[2Jname"),
                "odd\\u{1b}[2Jname".to_owned(),
            ),
        ];
        for (role, label) in cases {
            assert_eq!(role.label(&scenario), label, "{role:?}");
        }
        assert!(
            Role::Customer(9) < Role::Main,
            "customers' threads come first"
        );
    }
}
