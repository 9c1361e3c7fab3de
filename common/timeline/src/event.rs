//! One recorded moment: when, on which lane, what happened.

use serde::{Deserialize, Serialize};

use crate::lane::Lane;

/// A ticket number, as printed on the slip (the bank's `TICKET <n>`).
pub type TicketNo = u64;

/// A teller's number, counted from 1 as a bank counts its windows.
pub type TellerNo = u32;

/// How a customer waits for the call: the four styles' mechanisms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WaitHow {
    /// Blocked in `read()` on its own socket (sync-blocking).
    Read,
    /// Looks at its non-blocking socket between errand slices (sync-nonblocking).
    Poll,
    /// Its socket is registered with one `epoll` that a thread blocks in (async-blocking).
    Epoll,
    /// A task awaits the call while the errand runs (async-nonblocking).
    Await,
}

impl WaitHow {
    /// The word recorded in the timeline.
    pub fn as_str(self) -> &'static str {
        match self {
            WaitHow::Read => "read",
            WaitHow::Poll => "poll",
            WaitHow::Epoll => "epoll",
            WaitHow::Await => "await",
        }
    }

    /// Reads back [`WaitHow::as_str`].
    pub fn from_word(word: &str) -> Option<WaitHow> {
        Some(match word {
            "read" => WaitHow::Read,
            "poll" => WaitHow::Poll,
            "epoll" => WaitHow::Epoll,
            "await" => WaitHow::Await,
            _ => return None,
        })
    }
}

/// What happened. The same word means the same thing on every lane, seen
/// from that lane: `called` on a customer's lane is the moment the customer
/// learned of the call; on a teller's lane, the moment the teller sent it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Kind {
    /// A customer walks in (connects to the bank).
    Arrive,
    /// A ticket: taken by a customer, or issued by the bank.
    Ticket {
        /// The ticket number.
        ticket: TicketNo,
    },
    /// A customer starts waiting for the call, in its style's way.
    Wait {
        /// The mechanism it waits with.
        how: WaitHow,
    },
    /// A customer looked at its socket once (sync-nonblocking).
    Poll {
        /// Whether the look found the call (`false`: the read said `WouldBlock`).
        found: bool,
    },
    /// A stretch of the customer's own errand has been done; it ended now.
    Errand {
        /// How long the stretch lasted on the wall clock, in microseconds.
        dur_us: u64,
        /// A computed errand's stretch (`--errand-work cpu`) only: the CPU
        /// time its thread spent computing it, in microseconds, from the
        /// thread's own CPU clock. Less than `dur_us` by the time the thread
        /// waited for a CPU (or was interrupted) meanwhile.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cpu_us: Option<u64>,
    },
    /// The call: sent by a teller, or received by a customer.
    Called {
        /// The ticket called.
        ticket: TicketNo,
        /// The teller who calls.
        teller: TellerNo,
        /// Customer lane only: how long the `CALL` line had sat unread in the
        /// customer's socket when they took it, in microseconds (the kernel's
        /// arrival stamp to the moment of reading), when known. The call was
        /// sent about this long before the customer noticed it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        unread_us: Option<u64>,
    },
    /// The customer reached the counter: `HERE` sent, or received by the teller.
    AtCounter {
        /// The ticket served.
        ticket: TicketNo,
    },
    /// The service finished: `DONE` sent by the teller, or received by the customer.
    Served {
        /// The ticket served.
        ticket: TicketNo,
        /// Customer lane only: how long the `DONE` line had sat unread in the
        /// customer's socket when they took it, in microseconds, when known
        /// (as `unread_us` on `called`). The service ended about this long
        /// before the customer noticed it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        unread_us: Option<u64>,
    },
    /// A turn at the counter ended with the service not done (round robin,
    /// MLFQ): `PAUSE` sent by the teller, or received by the customer, who
    /// is back in line until the next `CALL`.
    Paused {
        /// The ticket paused.
        ticket: TicketNo,
        /// Customer lane only: how long the `PAUSE` line had sat unread in
        /// the customer's socket when they took it, in microseconds, when
        /// known (as `unread_us` on `called`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        unread_us: Option<u64>,
    },
    /// A ticket was given up: the customer left before `DONE`.
    Abandon {
        /// The ticket, when one had been issued.
        ticket: Option<TicketNo>,
    },
    /// A customer is finished: served (or gave up) and their errand done.
    Leave,
    /// The bank refused a line with `ERR`.
    Reject {
        /// The reason sent after `ERR`.
        reason: String,
    },
    /// A tokio task was polled: a thread ran it for a while, until it
    /// returned `Pending` (or finished); the poll ended now. On a task's
    /// lane. Between two polls the task holds no thread.
    Polled {
        /// How long the poll lasted, in microseconds.
        dur_us: u64,
        /// The kernel's id of the thread that polled it (its thread lane).
        tid: u32,
    },
}

impl Kind {
    /// The ticket this moment concerns, if any.
    pub fn ticket(&self) -> Option<TicketNo> {
        match *self {
            Kind::Ticket { ticket }
            | Kind::Called { ticket, .. }
            | Kind::AtCounter { ticket }
            | Kind::Served { ticket, .. }
            | Kind::Paused { ticket, .. } => Some(ticket),
            Kind::Abandon { ticket } => ticket,
            _ => None,
        }
    }

    /// The word written as `kind` in the trace file.
    pub fn word(&self) -> &'static str {
        match self {
            Kind::Arrive => "arrive",
            Kind::Ticket { .. } => "ticket",
            Kind::Wait { .. } => "wait",
            Kind::Poll { .. } => "poll",
            Kind::Errand { .. } => "errand",
            Kind::Called { .. } => "called",
            Kind::AtCounter { .. } => "at_counter",
            Kind::Served { .. } => "served",
            Kind::Paused { .. } => "paused",
            Kind::Abandon { .. } => "abandon",
            Kind::Leave => "leave",
            Kind::Reject { .. } => "reject",
            Kind::Polled { .. } => "polled",
        }
    }
}

/// One recorded moment of a run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Microseconds since the run started.
    pub t_us: u64,
    /// The row it belongs to.
    pub lane: Lane,
    /// What happened, with its details.
    #[serde(flatten)]
    pub kind: Kind,
    /// Which OS thread recorded it, numbered from 0 in order of first use:
    /// shows who did the waiting (one thread per customer, or one for all).
    pub thread: u32,
}

impl Event {
    /// An event `t_ms` milliseconds into the run, recorded by thread 0: a
    /// scene written by hand (tests, fixtures, the docs' examples).
    pub fn at_ms(t_ms: u64, lane: Lane, kind: Kind) -> Event {
        Event {
            t_us: t_ms * 1000,
            lane,
            kind,
            thread: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The optional fields of a moment (how long `CALL`, `PAUSE` and `DONE` sat
    /// unread, a computed stretch's CPU time) are left out when unknown: a
    /// trace written before them reads, and writes back just as it was.
    /// When known, they are read and written back.
    #[test]
    fn optional_fields_are_written_only_when_known() {
        let cases = [
            (
                r#"{"t_us":9,"lane":"customer-0","kind":"called","ticket":1,"teller":2,"thread":0}"#,
                "unread_us",
            ),
            (
                r#"{"t_us":9,"lane":"customer-0","kind":"served","ticket":1,"thread":0}"#,
                "unread_us",
            ),
            (
                r#"{"t_us":9,"lane":"customer-0","kind":"paused","ticket":1,"thread":0}"#,
                "unread_us",
            ),
            (
                r#"{"t_us":9,"lane":"customer-0","kind":"errand","dur_us":5000,"thread":0}"#,
                "cpu_us",
            ),
        ];
        let round_trip = |json: &str| {
            let event: Event =
                serde_json::from_str(json).unwrap_or_else(|err| panic!("{json}: {err}"));
            (serde_json::to_string(&event).unwrap_or_default(), event)
        };
        for (old, field) in cases {
            let (written, without) = round_trip(old);
            assert_eq!(written, old, "traces written before {field} still read");
            let new = old.replace(r#","thread""#, &format!(r#","{field}":750,"thread""#));
            let (written, with) = round_trip(&new);
            assert_eq!(written, new, "{field} is read and written back");
            assert_ne!(with, without, "{field} is kept");
        }
    }
}
