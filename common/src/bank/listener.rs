//! The bank's doors: the accept loop.
//!
//! Every connection that comes in gets its own front-door task
//! ([`handler::welcome`]); the loop itself only accepts, until the bank
//! closes. The tasks live in a [`JoinSet`], so closing the bank (dropping
//! the set) stops every visit still in progress.

use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::task::{JoinError, JoinSet};
use tracing::instrument::WithSubscriber;
use tracing::{Instrument, Span};

use super::handler;
use super::lobby::Lobby;

/// How long the doors stay shut after a failed accept (out of file
/// descriptors, say) before the bank tries again.
const ACCEPT_RETRY: Duration = Duration::from_millis(100);

/// What woke the accept loop.
enum Doorbell {
    /// The bank closes.
    Closing,
    /// Someone came in (or accepting failed).
    Arrival(io::Result<(tokio::net::TcpStream, std::net::SocketAddr)>),
    /// A visit or a teller's task ended.
    Ended(Result<(), JoinError>),
}

/// Accepts customers on `listener` into `lobby` until `closing` resolves.
/// `staff` are the tellers' tasks, watched so a crashed one is reported.
pub(crate) async fn open_doors(
    listener: TcpListener,
    lobby: Arc<Lobby>,
    front_door: Span,
    mut staff: JoinSet<()>,
    closing: impl Future<Output = ()>,
) -> io::Result<()> {
    let mut visits = JoinSet::new();
    tokio::pin!(closing);
    loop {
        let bell = tokio::select! {
            () = &mut closing => Doorbell::Closing,
            arrival = listener.accept() => Doorbell::Arrival(arrival),
            Some(ended) = visits.join_next() => Doorbell::Ended(ended),
            Some(ended) = staff.join_next() => Doorbell::Ended(ended),
        };
        match bell {
            Doorbell::Closing => return Ok(()),
            Doorbell::Arrival(Ok((stream, peer))) => {
                let visit = handler::welcome(stream, peer, lobby.clone());
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
