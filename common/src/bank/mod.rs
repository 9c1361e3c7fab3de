//! The bank (银行): a real TCP server on tokio, where customers take a ticket
//! and wait to be called.
//!
//! This is the scene of the lecture, section 5. The bank is always the same,
//! whatever the style of the customers waiting in it; only the customers
//! change from demo to demo. It speaks the [`protocol`](crate::protocol):
//!
//! ```text
//! C: TICKET 张三 3000      B: TICKET 1       the slip (小纸条): the bank will call
//!                          B: CALL 1 2       your turn, at teller 2
//! C: HERE 1                                  reached the counter; service starts
//!                          B: DONE 1         service finished; the bank hangs up
//! ```
//!
//! Its parts, by role (the layout follows tokio's `mini-redis`):
//!
//! - `listener`: the doors: accepts connections, one task per customer;
//! - `handler`: the front door: reads the request, issues the ticket, and
//!   watches the waiting customer until they are called (or leave);
//! - `lobby`: the queue, the ticket machine and the bell; the lobby manager
//!   (大堂经理) who brings a called customer to the counter;
//! - `teller`: the tellers (柜台), one task each: call, wait for `HERE`,
//!   serve, say `DONE`;
//! - [`deadline`]: the teller's stopwatch, a `timerfd` in tokio's reactor;
//! - `connection`: lines in, lines out, refusals, a polite hang-up.
//!
//! Two ways to run it: [`serve`] on a runtime you already have (the `bank`
//! binary does), or [`Embedded`], a bank on a thread of its own inside a demo.
//!
//! Every moment is recorded with the [timeline](crate::timeline)'s `record` helpers: the
//! front door on the bank's lane (`ticket`, `reject`, `abandon` of a waiting
//! customer), each teller on its own (`called`, `at_counter`, `served`,
//! `abandon` of a called customer).

mod connection;
pub mod deadline;
mod embedded;
mod handler;
mod listener;
mod lobby;
mod teller;

use std::future::Future;
use std::io;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tracing::Instrument;
use tracing::instrument::WithSubscriber;

pub use embedded::Embedded;

use crate::policy::{Policy, PolicyKind};
use crate::protocol::TellerNo;
use crate::timeline::record;
use lobby::Lobby;
use teller::Teller;

/// How a bank is set up. Build one with struct-update syntax,
/// `Config { tellers: 3, ..Config::default() }`, so new settings keep old code working.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    /// How many tellers serve at once (at least 1).
    pub tellers: u32,
    /// How a free teller chooses the next ticket.
    pub policy: PolicyKind,
}

impl Default for Config {
    /// The lecture's bank: two tellers, first come first served.
    fn default() -> Config {
        Config {
            tellers: 2,
            policy: PolicyKind::Fcfs,
        }
    }
}

impl Config {
    /// Refuses a bank that could never serve anyone.
    fn check(&self) -> io::Result<()> {
        if self.tellers == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a bank needs at least one teller",
            ));
        }
        Ok(())
    }
}

/// Serves on `listener` until `shutdown` resolves. (Used by the bank binary.)
///
/// Spawns the tellers and the customers' tasks on the current tokio runtime,
/// carrying the current `tracing` dispatcher into each; when `shutdown`
/// resolves, they are all stopped and every connection is closed.
pub async fn serve(
    listener: TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    config.check()?;
    serve_with(listener, config.tellers, config.policy.build(), shutdown).await
}

/// [`serve`] with any policy, also one that is not (yet) a [`PolicyKind`].
async fn serve_with(
    listener: TcpListener,
    tellers: TellerNo,
    policy: Box<dyn Policy>,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let front_door = record::bank();
    let lobby = Arc::new(Lobby::new(policy));
    let mut staff = JoinSet::new();
    for id in 1..=tellers {
        let teller = Teller::new(id, lobby.clone(), front_door.clone());
        staff.spawn(
            teller
                .work()
                .instrument(record::teller(id))
                .with_current_subscriber(),
        );
    }
    listener::open_doors(listener, lobby, front_door, staff, shutdown).await
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
    use std::collections::VecDeque;
    use std::io::{BufRead, BufReader, Write};
    use std::net::TcpStream;
    use std::time::Duration;

    use super::*;
    use crate::policy::{Turn, Waiting};
    use crate::protocol::TicketNo;

    /// A round robin in miniature: turns of at most `slice`, then to the back
    /// of the queue. Enough to show that the bank is ready for preemption.
    struct Slices {
        /// Waiting tickets, in order.
        queue: VecDeque<Waiting>,
        /// The longest turn.
        slice: Duration,
    }

    impl Policy for Slices {
        fn name(&self) -> &'static str {
            "slices"
        }
        fn enqueue(&mut self, waiting: Waiting) {
            self.queue.push_back(waiting);
        }
        fn next(&mut self) -> Option<Turn> {
            self.queue.pop_front().map(|w| Turn {
                ticket: w.ticket,
                serve_for: w.remaining.min(self.slice),
            })
        }
        fn remove(&mut self, ticket: TicketNo) -> bool {
            let before = self.queue.len();
            self.queue.retain(|w| w.ticket != ticket);
            self.queue.len() < before
        }
        fn len(&self) -> usize {
            self.queue.len()
        }
    }

    /// A customer on a blocking socket, with a timeout so a bug cannot hang the test.
    struct Client(BufReader<TcpStream>);

    impl Client {
        fn enter(addr: std::net::SocketAddr) -> Client {
            let stream = TcpStream::connect(addr).expect("the bank listens");
            stream
                .set_read_timeout(Some(Duration::from_secs(10)))
                .expect("a fresh socket takes a timeout");
            Client(BufReader::new(stream))
        }
        fn say(&mut self, line: &str) {
            writeln!(self.0.get_mut(), "{line}").expect("the bank takes our line");
        }
        fn hear(&mut self) -> String {
            let mut line = String::new();
            self.0
                .read_line(&mut line)
                .expect("the bank answers in time");
            line.trim_end().to_owned()
        }
    }

    #[test]
    fn a_preemptive_policy_pauses_and_calls_again() {
        let runtime = test_runtime();
        let listener = runtime
            .block_on(TcpListener::bind("127.0.0.1:0"))
            .expect("a free loopback port");
        let addr = listener
            .local_addr()
            .expect("a bound listener has an address");
        let (close, closed) = tokio::sync::oneshot::channel::<()>();
        let policy = Box::new(Slices {
            queue: VecDeque::new(),
            slice: Duration::from_millis(20),
        });
        let bank = std::thread::spawn(move || {
            runtime.block_on(serve_with(listener, 1, policy, async {
                let _ = closed.await;
            }))
        });

        let mut long = Client::enter(addr);
        long.say("TICKET long 50");
        assert_eq!(long.hear(), "TICKET 1");
        assert_eq!(long.hear(), "CALL 1 1");
        let mut short = Client::enter(addr);
        short.say("TICKET short 10");
        assert_eq!(short.hear(), "TICKET 2");

        long.say("HERE 1");
        assert_eq!(long.hear(), "PAUSE 1", "20 of 50 ms served");
        assert_eq!(short.hear(), "CALL 2 1", "the other ticket's turn");
        short.say("HERE 2");
        assert_eq!(short.hear(), "DONE 2");
        for (turn, end) in [(2, "PAUSE 1"), (3, "DONE 1")] {
            assert_eq!(long.hear(), "CALL 1 1", "turn {turn}");
            long.say("HERE 1");
            assert_eq!(long.hear(), end, "turn {turn}");
        }

        close.send(()).expect("the bank is still open");
        let served = bank.join().expect("the bank thread does not panic");
        assert!(served.is_ok(), "{served:?}");
    }
}
