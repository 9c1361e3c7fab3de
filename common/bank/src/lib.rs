//! # bank: the bank (银行), a real TCP server on tokio, where customers take a ticket
//! and wait to be called.
//!
//! This is the scene of the lecture, section 5. The bank is always the same,
//! whatever the style of the customers waiting in it; only the customers
//! change from demo to demo. It speaks the [`protocol`]:
//!
//! ```text
//! C: TICKET 张三 3000      B: TICKET 1       the slip (小纸条): the bank will call
//!                          B: CALL 1 2       your turn, at teller 2
//! C: HERE 1                                  reached the counter; service starts
//!                          B: DONE 1         service finished; the bank hangs up
//! ```
//!
//! Under round robin and MLFQ a turn is a time slice: `PAUSE 1` sends the
//! customer back to the queue, and `CALL`, `HERE` come again, until `DONE`.
//!
//! Its parts, by role (the layout follows tokio's `mini-redis`):
//!
//! - `listener`: the doors: accepts connections, one task per customer;
//! - `handler`: the front door: reads the request, issues the ticket, and
//!   watches the waiting customer until they are called (or leave);
//! - `lobby`: the queue, the ticket machine and the bell; the lobby manager
//!   (大堂经理) who brings a called customer to the counter;
//! - `teller`: the tellers (柜台), one task each: call, wait for `HERE`,
//!   serve, say `DONE` (or `PAUSE`, when the policy's turn is over first);
//! - the boost (MLFQ's `--boost`): a task of its own that sends everyone
//!   back to the top queue every so often;
//! - [`deadline`]: the teller's stopwatch, a `timerfd` in tokio's reactor;
//! - `connection`: lines in, lines out, refusals, a polite hang-up.
//!
//! And around the server:
//!
//! - [`protocol`]: the text lines, parsed and printed;
//! - [`policy`]: which ticket a free teller calls next, and for how long
//!   (FCFS, SJF, round robin, MLFQ);
//! - [`ideal`]: the ideal schedule, the same policy with instant customers;
//! - [`room`]: how many customers fit in the process's open-file limit;
//! - [`cli`], [`log`] and [`outbox`]: the `bank` binary's flags, its log
//!   lines, and the queue that keeps a paused terminal from holding it up;
//! - [`signal`]: what stops a program (SIGINT, SIGTERM) and its exit code.
//!
//! Two ways to run it: [`serve`] on a runtime you already have (the `bank`
//! binary does), or [`Embedded`], a bank on a thread of its own inside a demo.
//!
//! It survives its customers (`docs/bank-guarantees.md` lists each promise
//! and the test that holds the bank to it): a bad line gets `ERR` and only
//! that connection closes; at most [`Config::max_customers`] connections are
//! open at once, and the next hears `ERR busy`; a connection that never sends
//! a whole first line is dropped after [`Config::idle_timeout`]; a called
//! customer who never says `HERE` is abandoned after [`Config::here_timeout`]
//! and the teller calls the next ticket. Every ticket ends served or
//! abandoned, once.
//!
//! Every moment is recorded with the [`timeline`] crate's `record` helpers: the
//! front door on the bank's lane (`ticket`, `reject`, `abandon` of a waiting
//! customer), each teller on its own (`called`, `at_counter`, `served`,
//! `abandon` of a called customer).

pub mod cli;
mod connection;
pub mod deadline;
mod embedded;
mod handler;
pub mod ideal;
mod listener;
mod lobby;
pub mod log;
pub mod outbox;
pub mod policy;
pub mod protocol;
pub mod room;
pub mod signal;
mod teller;

use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;
use tracing::instrument::WithSubscriber;

pub use embedded::Embedded;
pub use room::max_customers_within;

use crate::policy::{PolicyKind, Slices};
use listener::Doors;
use lobby::Lobby;
use teller::Teller;
use timeline::Scenario;
use timeline::record;
use timeline::scenario::ErrandWork;

/// How a bank is set up. Build one with struct-update syntax,
/// `Config { tellers: 3, ..Config::default() }`, so new settings keep old code working.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Config {
    /// How many tellers serve at once (at least 1).
    pub tellers: u32,
    /// How a free teller chooses the next ticket.
    pub policy: PolicyKind,
    /// The time slices of round robin and MLFQ (their defaults when
    /// `None`); MLFQ's boost, if any, counts from the bank's opening.
    pub slices: Option<Slices>,
    /// How many connections may be open at once (at least 1), counted from
    /// accept to the end of the closing handshake. Every connection holds a
    /// socket, and a process may open only so many files: past the cap a
    /// newcomer hears `ERR busy` and is closed, rather than the bank running
    /// out of files and failing everyone.
    pub max_customers: u32,
    /// How long a new connection may take to send its first complete line
    /// (above zero). A client that connects and says nothing, or half a
    /// line, would otherwise hold its place in the bank for ever. Only the
    /// first line is timed: waiting in the queue is not idleness.
    pub idle_timeout: Duration,
    /// How long a teller waits for `HERE` after `CALL` (above zero). A
    /// customer who never comes to the counter would otherwise hold the
    /// teller, and everyone behind them, for ever; past it the ticket is
    /// abandoned and the teller calls the next one.
    pub here_timeout: Duration,
}

impl Config {
    /// [`Config::max_customers`] by default: more connections than any machine
    /// this runs on can open (20,000 files at most), so that a run sized by
    /// `scene::limits` is never turned away by a default cap. The
    /// `bank` binary sets a cap from its own open-file limit instead.
    pub const DEFAULT_MAX_CUSTOMERS: u32 = 100_000;

    /// [`Config::idle_timeout`] by default: a person with `nc` has a minute to
    /// type their `TICKET` line; a program sends it at once.
    pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);

    /// [`Config::here_timeout`] by default: twice the longest `--poll-every`
    /// (60 s), so that no demo customer who reacts as its style allows is
    /// ever given up.
    pub const DEFAULT_HERE_TIMEOUT: Duration = Duration::from_secs(120);

    /// The bank a demo runs for `scenario`: its tellers and policy, room for
    /// every one of its customers at once, and patience with the slowest
    /// well-behaved reaction, however slowly the scenario is played.
    pub fn for_scenario(scenario: &Scenario) -> Config {
        let customers = u32::try_from(scenario.customers.len()).unwrap_or(u32::MAX);
        // A sync-nonblocking customer notices the call within one errand
        // slice. Computed errands may hold a customer longer: a task that
        // never yields (`--yield-every 0`) looks only when its errand is
        // done, and a slice of computing waits its turn for a CPU. All the
        // scene's computing, done on one core, bounds both.
        let mut slowest_ms = scenario.poll_every_ms.max(0.0);
        if scenario.errand_work == ErrandWork::Cpu {
            slowest_ms += scenario
                .customers
                .iter()
                .map(|c| c.errand_ms.max(0.0))
                .sum::<f64>();
        }
        let slowest_look =
            Duration::try_from_secs_f64(slowest_ms / 1000.0).unwrap_or(Duration::MAX);
        Config {
            tellers: scenario.tellers,
            policy: scenario.policy,
            slices: scenario.slices,
            max_customers: customers.max(1),
            idle_timeout: Config::DEFAULT_IDLE_TIMEOUT,
            here_timeout: Config::DEFAULT_HERE_TIMEOUT.max(slowest_look.saturating_mul(2)),
        }
    }
}

impl Default for Config {
    /// The lecture's bank: two tellers, first come first served, and the
    /// default limits above.
    fn default() -> Config {
        Config {
            tellers: 2,
            policy: PolicyKind::Fcfs,
            slices: None,
            max_customers: Config::DEFAULT_MAX_CUSTOMERS,
            idle_timeout: Config::DEFAULT_IDLE_TIMEOUT,
            here_timeout: Config::DEFAULT_HERE_TIMEOUT,
        }
    }
}

impl Config {
    /// Refuses a bank that could never serve anyone.
    fn check(&self) -> io::Result<()> {
        let refuse = |why: &str| Err(io::Error::new(io::ErrorKind::InvalidInput, why));
        if self.tellers == 0 {
            return refuse("a bank needs at least one teller");
        }
        if self.max_customers == 0 {
            return refuse("a bank must let at least one customer in");
        }
        if self.idle_timeout.is_zero() || self.here_timeout.is_zero() {
            return refuse("a bank's timeouts must be above zero");
        }
        if let Some(slices) = self.slices {
            let positive = |ms: f64| ms.is_finite() && ms > 0.0;
            if !positive(slices.quantum_ms) || !slices.boost_ms.is_none_or(positive) {
                return refuse("a bank's time slices and boost must be above zero");
            }
        }
        Ok(())
    }
}

/// How a bank closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Closed {
    /// How many customers were in the bank when it closed (connections
    /// open, counted as [`Config::max_customers`] counts them). Each one
    /// still waiting or being served was told `ERR closing: the bank is
    /// closing` before their connection closed.
    pub inside: u32,
}

/// Serves on `listener` until `shutdown` resolves. (Used by the bank binary.)
///
/// Spawns the tellers and the customers' tasks on the current tokio runtime,
/// carrying the current `tracing` dispatcher into each. When `shutdown`
/// resolves, the bank stops taking newcomers, and every customer still
/// inside (in the doorway, in the queue, at a counter) is told
/// `ERR closing: the bank is closing` and shown out; it returns once they
/// are all gone, or after half a second whatever they do, and stops the
/// rest.
pub async fn serve(
    listener: TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()>,
) -> io::Result<Closed> {
    config.check()?;
    let front_door = record::bank();
    let policy = policy::queue(config.policy, config.slices.as_ref());
    let lobby = Arc::new(Lobby::new(policy, config.tellers));
    let closing = CancellationToken::new();
    let mut staff = JoinSet::new();
    if let Some(every) = config.slices.and_then(|s| s.boost_ms).map(protocol::millis) {
        staff.spawn(boosts(lobby.clone(), every, closing.clone()));
    }
    for id in 1..=config.tellers {
        let teller = Teller::new(
            id,
            lobby.clone(),
            front_door.clone(),
            config.here_timeout,
            closing.clone(),
        );
        staff.spawn(
            teller
                .work()
                .instrument(record::teller(id))
                .with_current_subscriber(),
        );
    }
    let doors = Doors::new(listener, &config, closing);
    doors.open(lobby, front_door, staff, shutdown).await
}

/// MLFQ's boost: every `every` from now, everyone back to the top queue,
/// until the bank closes.
async fn boosts(lobby: Arc<Lobby>, every: std::time::Duration, closing: CancellationToken) {
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    // A boost missed (a busy machine) is not made up for: the next comes on time.
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            () = closing.cancelled() => return,
            _ = ticks.tick() => lobby.boost(),
        }
    }
}

/// A current-thread runtime for the bank's unit tests.
#[cfg(test)]
pub(crate) fn test_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread runtime can be built in a test")
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_demo_bank_has_room_for_everyone_and_patience_for_the_slowest_look() {
        let scenario = timeline::scenario::Generate {
            customers: 300,
            poll_every_ms: 60_000.0,
            ..timeline::scenario::Generate::default()
        }
        .scenario()
        // Played twice as slowly: a look every two minutes.
        .speed_up(0.5);
        let config = Config::for_scenario(&scenario);
        assert_eq!(config.max_customers, 300);
        assert_eq!(config.tellers, scenario.tellers);
        assert!(
            config.here_timeout >= Duration::from_secs(240),
            "{config:?}"
        );
        assert!(config.check().is_ok());
        let quick = Config::for_scenario(&timeline::scenario::Generate::default().scenario());
        assert_eq!(quick.here_timeout, Config::DEFAULT_HERE_TIMEOUT);
    }

    #[test]
    fn a_demo_bank_waits_for_customers_whose_errands_compute() {
        // 100 customers of 2 minutes' computing each: one who never yields
        // may look only when everyone's computing is done, on one core.
        let mut scenario = timeline::scenario::Generate {
            customers: 100,
            errand_ms: 120_000.0,
            ..timeline::scenario::Generate::default()
        }
        .scenario();
        let slept = Config::for_scenario(&scenario);
        assert_eq!(slept.here_timeout, Config::DEFAULT_HERE_TIMEOUT);
        scenario.errand_work = ErrandWork::Cpu;
        let computed = Config::for_scenario(&scenario);
        assert!(
            computed.here_timeout >= Duration::from_secs(100 * 120),
            "{computed:?}"
        );
    }

    #[test]
    fn a_bank_that_could_let_no_one_in_or_wait_for_no_one_is_refused() {
        let zero = [
            Config {
                max_customers: 0,
                ..Config::default()
            },
            Config {
                idle_timeout: Duration::ZERO,
                ..Config::default()
            },
            Config {
                here_timeout: Duration::ZERO,
                ..Config::default()
            },
        ];
        for config in zero {
            assert!(config.check().is_err(), "{config:?}");
        }
        assert!(Config::default().check().is_ok());
    }
}
