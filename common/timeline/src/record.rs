//! The timeline's vocabulary: one small function per thing that can happen.
//!
//! Demos and the bank never format strings for the timeline; they call these.
//! Each is an ordinary `tracing` event (target [`TARGET`], named after its
//! [`Kind`](super::Kind)), so any subscriber can show them: the
//! [`Recorder`](super::Recorder) turns them into the run's timeline, and a
//! `fmt` layer with `RUST_LOG=bank_queue=debug` prints them as log lines.
//!
//! The lane comes from the span the event happens in: enter a
//! [`customer`] span on a customer's thread (or instrument its task with it),
//! a [`teller`] span in a teller's task, and [`bank`] for the front door.
//!
//! ```
//! use timeline::record;
//! let span = record::customer(0, "张三");
//! let _in_lane = span.enter();
//! record::arrive();
//! record::ticket(1);
//! ```

use std::time::Duration;

use tracing::{Level, Span, event, span};

use super::WaitHow;
use crate::{TellerNo, TicketNo};

/// The `tracing` target of every timeline event and span.
pub const TARGET: &str = "bank_queue";

/// The lane of customer `id` (their index in the scenario) called `name`.
pub fn customer(id: u32, name: &str) -> Span {
    span!(target: TARGET, Level::INFO, "customer", customer = id, name)
}

/// The lane of teller `id` (from 1).
pub fn teller(id: TellerNo) -> Span {
    span!(target: TARGET, Level::INFO, "teller", teller = id)
}

/// The lane of the tokio task that carries customer `id`: its polls are
/// recorded on it ([`polled`]).
pub fn task(id: u32) -> Span {
    span!(target: TARGET, Level::INFO, "task", task = id)
}

/// The bank's own lane: the front door, where tickets are issued and bad lines refused.
pub fn bank() -> Span {
    span!(target: TARGET, Level::INFO, "bank", bank = true)
}

/// A customer walks in.
pub fn arrive() {
    event!(name: "arrive", target: TARGET, Level::DEBUG, {});
}

/// A ticket is taken (customer lane) or issued (bank lane).
pub fn ticket(ticket: TicketNo) {
    event!(name: "ticket", target: TARGET, Level::DEBUG, ticket);
}

/// A customer starts waiting for the call.
pub fn wait(how: WaitHow) {
    event!(name: "wait", target: TARGET, Level::DEBUG, how = how.as_str());
}

/// A customer looked at its socket once; `found` tells whether the call was there.
pub fn poll(found: bool) {
    event!(name: "poll", target: TARGET, Level::TRACE, found);
}

/// A poll of the current task that lasted `took` ended now, on the thread
/// whose kernel thread id is `tid`.
pub fn polled(took: Duration, tid: u32) {
    let dur_us = micros(took);
    event!(name: "polled", target: TARGET, Level::TRACE, dur_us, tid);
}

/// A stretch of the customer's errand that lasted `took` on the wall clock
/// ended now; `cpu` is the CPU time its thread spent computing it, for a
/// computed errand (recorded as `cpu_us`; left out for one that slept).
pub fn errand(took: Duration, cpu: Option<Duration>) {
    let dur_us = micros(took);
    let cpu_us = cpu.map(micros);
    event!(name: "errand", target: TARGET, Level::DEBUG, dur_us, cpu_us);
}

/// The call, on a teller's lane: `CALL` sent for `ticket`.
pub fn called(ticket: TicketNo, teller: TellerNo) {
    event!(name: "called", target: TARGET, Level::DEBUG, ticket, teller);
}

/// The call, on a customer's lane: the customer has just read `CALL` for
/// `ticket`. `unread` is how long the line had sat unread in their socket
/// (see `scene::customer::Lines::next_reply`),
/// when the kernel said; recorded as `unread_us`. Same event as [`called`].
pub fn noticed_call(ticket: TicketNo, teller: TellerNo, unread: Option<Duration>) {
    let unread_us = unread.map(micros);
    event!(name: "called", target: TARGET, Level::DEBUG, ticket, teller, unread_us);
}

/// The customer is at the counter: `HERE` sent (customer) or received (teller).
pub fn at_counter(ticket: TicketNo) {
    event!(name: "at_counter", target: TARGET, Level::DEBUG, ticket);
}

/// The service is finished, on a teller's lane: `DONE` sent for `ticket`.
pub fn served(ticket: TicketNo) {
    event!(name: "served", target: TARGET, Level::DEBUG, ticket);
}

/// The service is finished, on a customer's lane: the customer has just read
/// `DONE` for `ticket`. `unread` is how long the line had sat unread in their
/// socket, when the kernel said; recorded as `unread_us`, as for
/// [`noticed_call`]. Same event as [`served`].
pub fn noticed_done(ticket: TicketNo, unread: Option<Duration>) {
    let unread_us = unread.map(micros);
    event!(name: "served", target: TARGET, Level::DEBUG, ticket, unread_us);
}

/// A turn at the counter ended before the service was done, on a teller's
/// lane: `PAUSE` sent for `ticket` (round robin, MLFQ).
pub fn paused(ticket: TicketNo) {
    event!(name: "paused", target: TARGET, Level::DEBUG, ticket);
}

/// The turn ended, on a customer's lane: the customer has just read `PAUSE`
/// for `ticket`, and is back in line. `unread` is how long the line had sat
/// unread in their socket, when the kernel said; recorded as `unread_us`, as
/// for [`noticed_call`]. Same event as [`paused`].
pub fn noticed_pause(ticket: TicketNo, unread: Option<Duration>) {
    let unread_us = unread.map(micros);
    event!(name: "paused", target: TARGET, Level::DEBUG, ticket, unread_us);
}

/// A duration as the whole microseconds the timeline counts in. (A `None`
/// field records nothing, so an unknown `unread_us` is left out of an event.)
pub fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

/// A ticket (or a visit that never got one) was given up before `DONE`.
pub fn abandon(ticket: Option<TicketNo>) {
    match ticket {
        Some(ticket) => event!(name: "abandon", target: TARGET, Level::INFO, ticket),
        None => event!(name: "abandon", target: TARGET, Level::INFO, {}),
    }
}

/// A customer is finished: served or gone, and their errand done.
pub fn leave() {
    event!(name: "leave", target: TARGET, Level::DEBUG, {});
}

/// The bank refused a line with `ERR reason`.
pub fn reject(reason: &str) {
    event!(name: "reject", target: TARGET, Level::INFO, reason);
}
