//! The front door (门口): one task per customer, from their first line until
//! a teller calls them to the counter.
//!
//! A customer walks in and asks for a ticket; the bank gives them a slip
//! (小纸条, `TICKET n`) and a seat in the lobby. While they wait, this task
//! keeps watching their connection: a customer who hangs up, or says anything
//! before being called, leaves the queue at once, and the queue moves on.
//! When a teller calls, the customer walks to that teller's counter, taking
//! their connection with them, and this task is done.
//!
//! The first line must come within the bank's idle timeout: a client that
//! connects and says nothing, or half a line, is told `ERR timeout` and shown
//! out before it ever gets a ticket, so it never holds a teller. Once the
//! customer holds a ticket, nothing is timed here: waiting in the queue, however
//! long, is what a customer is meant to do.
//!
//! Everything recorded here lands on the bank's lane (the task runs inside
//! the [`record::bank`] span).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::oneshot::error::RecvError;
use tracing::Instrument;
use tracing::field::Empty;

use super::connection::{Connection, Heard, Refusal};
use super::lobby::{Call, Customer, Lobby, Seat};
use crate::protocol::{Reply, Request, TicketNo};
use timeline::record;

/// Welcomes the customer who just connected from `peer`; they have
/// `idle_timeout` to ask for a ticket.
pub(crate) async fn welcome(
    conn: Connection,
    peer: SocketAddr,
    lobby: Arc<Lobby>,
    idle_timeout: Duration,
) {
    // For log readers only (the timeline ignores this span): who this visit is.
    let visit = tracing::debug_span!("visit", %peer, name = Empty);
    async move {
        if let Some((customer, seat)) = hand_out_ticket(conn, &lobby, idle_timeout).await {
            wait_for_call(customer, seat, lobby).await;
        }
    }
    .instrument(visit)
    .await;
}

/// Reads the first line, within `idle_timeout`: it must be
/// `TICKET <name> <service_ms>`. Anything else is refused. Returns the
/// customer, slip in hand, and their seat.
async fn hand_out_ticket(
    mut conn: Connection,
    lobby: &Lobby,
    idle_timeout: Duration,
) -> Option<(Customer, Seat)> {
    let Ok(first) = tokio::time::timeout(idle_timeout, conn.hear()).await else {
        conn.refuse(&Refusal::Idle(idle_timeout));
        return None;
    };
    let (name, service_ms) = match first {
        Heard::Request(Request::Ticket { name, service_ms }) => (name, service_ms),
        Heard::Request(Request::Here(_)) => {
            conn.refuse(&Refusal::NoTicket);
            return None;
        }
        Heard::Refused(why) => {
            conn.refuse(&why);
            return None;
        }
        Heard::Gone => return None,
    };
    tracing::Span::current().record("name", tracing::field::display(&name));
    let owed = crate::protocol::millis(service_ms);
    let (ticket, seat) = lobby.take_ticket(owed);
    // Recorded as it is sent, so it comes before the customer's own record.
    record::ticket(ticket);
    if conn.say(&Reply::Ticket(ticket)).await.is_err() {
        walk_out(lobby, ticket);
        return None;
    }
    let customer = Customer {
        ticket,
        name,
        owed,
        conn,
    };
    Some((customer, seat))
}

/// What can happen to a customer waiting in the lobby.
enum InLobby {
    /// A teller's call reached the seat (or the bank is closing: `Err`).
    Called(Result<Call, RecvError>),
    /// The customer said something, or hung up.
    Heard(Heard),
}

/// A customer with a ticket waits in the lobby until a teller calls them,
/// and leaves the queue if they hang up or speak out of turn.
///
/// Also where a preempted customer waits again (after `PAUSE`).
pub(crate) async fn wait_for_call(mut customer: Customer, mut seat: Seat, lobby: Arc<Lobby>) {
    let ticket = customer.ticket;
    let event = tokio::select! {
        // Listen first: a line that came before the call is out of turn,
        // even if the call arrives in the same instant.
        biased;
        heard = customer.conn.hear() => InLobby::Heard(heard),
        call = &mut seat => InLobby::Called(call),
    };
    let why = match event {
        InLobby::Called(Ok(call)) => return go_to_counter(customer, call),
        InLobby::Called(Err(_closing)) => return customer.conn.close(),
        InLobby::Heard(Heard::Gone) => return walk_out(&lobby, ticket),
        InLobby::Heard(Heard::Refused(why)) => why,
        InLobby::Heard(Heard::Request(Request::Ticket { .. })) => Refusal::SecondTicket(ticket),
        InLobby::Heard(Heard::Request(Request::Here(said))) if said == ticket => {
            Refusal::NotCalledYet(ticket)
        }
        InLobby::Heard(Heard::Request(Request::Here(said))) => Refusal::WrongTicket {
            said,
            holds: ticket,
        },
    };
    // Out of the queue first, so that no teller calls someone being turned away.
    let was_waiting = lobby.leave(ticket);
    customer.conn.refuse(&why);
    if was_waiting {
        record::abandon(Some(ticket));
    }
}

/// The customer walks over to the calling teller's counter.
fn go_to_counter(customer: Customer, call: Call) {
    if let Err(customer) = call.send(customer) {
        // The teller is gone: only when the bank is closing.
        customer.conn.close();
    }
}

/// The customer with `ticket` left the lobby before being called.
fn walk_out(lobby: &Lobby, ticket: TicketNo) {
    if lobby.leave(ticket) {
        record::abandon(Some(ticket));
    }
    // Otherwise a teller had called them already: that teller finds them gone
    // and records the abandon on its own lane.
}
