//! The bank's doors: the accept loop, and how many may come in.
//!
//! Every connection that comes in gets its own front-door task
//! ([`handler::welcome`]); the loop itself only accepts, until the bank
//! closes. The tasks live in a [`JoinSet`], so closing the bank (dropping
//! the set) stops every visit still in progress.
//!
//! A bank holds one socket per customer, and a process may open only so many
//! files. So the doors count who is inside: each connection takes a permit
//! of a semaphore of [`Config::max_customers`] places and keeps it until its
//! socket is closed. When none is left, the newcomer is told `ERR busy` and
//! shown out, and the bank goes on serving those inside. Telling them takes
//! a socket too, for a moment: at most [`TURNING_AWAY_AT_ONCE`] are being told
//! at once, and past that a newcomer is simply hung up on.
//!
//! Closing is the same count the other way round: the doors shut (the
//! listener is closed, so newcomers are refused by the kernel), every
//! connection is told the bank is closing (a [`CancellationToken`] they all
//! hold), and the bank waits until every place is given back, which
//! happens as each socket closes, or [`CLOSING_GRACE`] at most.
//!
//! Before the doors open, the process's descriptor table is grown to hold
//! every socket the bank may have ([`room::reserve_files`]): grown as the
//! crowd comes in, it would stall the doors (and a teller arming its timer)
//! for an RCU grace period at each doubling, 5 to 15 ms each.

use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::task::{JoinError, JoinSet};
use tokio_util::sync::CancellationToken;
use tracing::instrument::WithSubscriber;
use tracing::{Instrument, Span};

use super::connection::{Connection, Refusal};
use super::handler;
use super::lobby::Lobby;
use super::{Closed, Config};
use crate::room;

/// How long the doors stay shut after a failed accept (out of file
/// descriptors, say) before the bank tries again.
const ACCEPT_RETRY: Duration = Duration::from_millis(100);

/// How many turned-away newcomers may be hearing `ERR busy` at once.
pub(crate) const TURNING_AWAY_AT_ONCE: usize = 64;

/// How long a closing bank waits for its customers to be told and gone,
/// at most: a customer who neither reads nor hangs up does not hold the
/// bank open.
pub(crate) const CLOSING_GRACE: Duration = Duration::from_millis(500);

/// The bank's doors: where it listens, and the places inside.
pub(crate) struct Doors {
    /// Where customers connect.
    listener: TcpListener,
    /// One permit per customer the bank may hold; a connection keeps its own
    /// until its socket is closed.
    places: Arc<Semaphore>,
    /// The cap, for the `ERR busy` line.
    max_customers: u32,
    /// Permits for newcomers being told `ERR busy`: that takes a socket too.
    turning_away: Arc<Semaphore>,
    /// How long a newcomer may take over their first line.
    idle_timeout: Duration,
    /// Cancelled when the bank closes; every connection holds a clone.
    closing: CancellationToken,
}

/// What woke the accept loop.
enum Doorbell {
    /// The bank closes.
    Closing,
    /// Someone came in (or accepting failed).
    Arrival(io::Result<(TcpStream, std::net::SocketAddr)>),
    /// A visit or a teller's task ended.
    Ended(Result<(), JoinError>),
}

impl Doors {
    /// The doors of a bank set up as `config`, on `listener`, with room
    /// made in the descriptor table for everyone it may let in; `closing`
    /// is cancelled when they close, and tells every connection.
    pub(crate) fn new(listener: TcpListener, config: &Config, closing: CancellationToken) -> Doors {
        let files = room::files_opened(config.max_customers, config.tellers);
        if let Err(err) = room::reserve_files(files) {
            // Without the room, only the crowd's arrival is slower.
            tracing::debug!("cannot make room for {files} files up front: {err}");
        }
        Doors {
            listener,
            places: Arc::new(Semaphore::new(config.max_customers as usize)),
            max_customers: config.max_customers,
            turning_away: Arc::new(Semaphore::new(TURNING_AWAY_AT_ONCE)),
            idle_timeout: config.idle_timeout,
            closing,
        }
    }

    /// Accepts customers into `lobby` until `shutdown` resolves, then
    /// closes the bank. `staff` are the tellers' tasks, watched so a
    /// crashed one is reported.
    pub(crate) async fn open(
        self,
        lobby: Arc<Lobby>,
        front_door: Span,
        mut staff: JoinSet<()>,
        shutdown: impl Future<Output = ()>,
    ) -> io::Result<Closed> {
        let mut visits = JoinSet::new();
        tokio::pin!(shutdown);
        loop {
            let bell = tokio::select! {
                () = &mut shutdown => Doorbell::Closing,
                arrival = self.listener.accept() => Doorbell::Arrival(arrival),
                Some(ended) = visits.join_next() => Doorbell::Ended(ended),
                Some(ended) = staff.join_next() => Doorbell::Ended(ended),
            };
            match bell {
                // Until the bank is closed, the tasks of the visits (and of
                // the tellers) still run: they tell their customers.
                Doorbell::Closing => return Ok(self.close().await),
                Doorbell::Arrival(Ok((stream, peer))) => {
                    let Ok(place) = self.places.clone().try_acquire_owned() else {
                        front_door.in_scope(|| self.turn_away(stream));
                        continue;
                    };
                    let conn = Connection::new(stream, place, self.closing.clone());
                    let visit = handler::welcome(conn, peer, lobby.clone(), self.idle_timeout);
                    visits.spawn(
                        visit
                            .instrument(front_door.clone())
                            .with_current_subscriber(),
                    );
                }
                Doorbell::Arrival(Err(err)) => {
                    tracing::warn!("cannot accept a connection: {err}; retrying shortly");
                    tokio::time::sleep(ACCEPT_RETRY).await;
                }
                Doorbell::Ended(Err(err)) if err.is_panic() => {
                    tracing::error!("a bank task panicked: {err}");
                }
                Doorbell::Ended(_) => {}
            }
        }
    }

    /// The bank is full: tell the newcomer so and show them out (or, when
    /// too many are being told already, just hang up).
    fn turn_away(&self, stream: TcpStream) {
        match self.turning_away.clone().try_acquire_owned() {
            Ok(place) => {
                Connection::new(stream, place, self.closing.clone()).refuse(&Refusal::Busy {
                    inside: self.max_customers,
                })
            }
            Err(_) => drop(stream),
        }
    }

    /// Closes the bank: shuts the doors, tells every connection, and waits
    /// until every place is given back (each socket closed), or
    /// [`CLOSING_GRACE`]. Says how many were inside.
    async fn close(self) -> Closed {
        let Doors {
            listener,
            places,
            max_customers,
            turning_away,
            closing,
            ..
        } = self;
        drop(listener);
        let free = u32::try_from(places.available_permits()).unwrap_or(max_customers);
        let inside = max_customers.saturating_sub(free);
        closing.cancel();
        let everyone_out = async {
            // Never closed, these semaphores: acquiring fails only if they were.
            let _ = places.acquire_many(max_customers).await;
            let _ = turning_away.acquire_many(TURNING_AWAY_AT_ONCE as u32).await;
        };
        // Past the grace, whoever is left is dropped with their task.
        let _ = tokio::time::timeout(CLOSING_GRACE, everyone_out).await;
        Closed { inside }
    }
}
