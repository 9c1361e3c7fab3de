//! # 异步阻塞 async-blocking: took a numbered slip, but cannot leave the bank, so waits
//!
//! > 领了一张小纸条,假如在这段时间里他不能离开银行做其它的事情,那么很显然,这个人
//! > 被阻塞在了这个等待的操作上面……它不是在处理消息时阻塞,而是在等待消息通知时被阻塞。
//! > They took a slip, but may not leave the bank meanwhile, so they are blocked
//! > on the wait... blocked not while handling the message, but while waiting
//! > for the notification.
//!
//! Here the slip is real: every customer's socket is **registered** with one
//! `mio::Poll` (epoll on Linux), which will notify when the bank writes to
//! any of them. That is the asynchronous part: nobody reads until told to.
//! But the single thread that holds all the slips does nothing but wait for
//! those notifications: it is **blocked in `poll()`** for everyone at once.
//! Nobody runs an errand while in the bank.
//!
//! What to watch in the timeline:
//! - every customer's lane is `-` (blocked 阻塞) from ticket to call, like
//!   sync-blocking: no errand while waiting, no polls;
//! - reactions are fast: epoll wakes the thread the moment a call arrives;
//! - but the trace's `thread` is the same for every customer, and
//!   `threads_peak` stays flat however many customers come: one thread, one
//!   epoll, every socket;
//! - with `--policy rr`, a `PAUSE` puts the customer back to `Waiting`: the
//!   socket stays registered, and the same `poll()` brings the next call.
//!
//! Run it:
//!
//! ```text
//! cargo run -p async-blocking
//! cargo run -p async-blocking -- --customers 200 --tellers 8 --service 20 --arrival-gap 1
//! cargo run -p async-blocking -- --policy rr --quantum 100
//! ```
//!
//! The loop follows mio's `examples/tcp_server.rs`: register, `poll()`, and
//! on each event read until `WouldBlock` (epoll here is edge-triggered: a
//! byte left unread would never be announced again).

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io::{self, ErrorKind, Write};
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

use bank::protocol::{Reply, TicketNo};
use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token};
use scene::customer::{self, Lines, TurnEnd, VisitError};
use scene::demo::{self, Failure, Setup};
use timeline::record;
use timeline::scenario::Customer;
use timeline::style::Style;
use tracing::Span;

/// This demo's style.
pub const STYLE: Style = Style::AsyncBlocking;

/// Brings every customer through the bank on this one thread, and returns
/// when all have left.
pub fn customers(setup: &Setup) -> Vec<Failure> {
    match Lobby::new(setup) {
        Ok(lobby) => lobby.run(),
        Err(err) => vec![Failure::of_run(format!(
            "cannot create the epoll instance: {err}"
        ))],
    }
}

/// Where a customer is in their visit.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Stage {
    /// The connection is being made (a non-blocking `connect`).
    Connecting,
    /// `TICKET` sent; the slip has not come back yet.
    AwaitingTicket,
    /// Holding ticket `n`; the socket is registered, the call awaited.
    Waiting(TicketNo),
    /// At the counter with ticket `n`, awaiting `DONE` (or `PAUSE`: then
    /// `Waiting` again).
    AtCounter(TicketNo),
    /// Out of the bank: the errand runs until this moment.
    Errand { until: Instant, started: Instant },
}

/// One customer, as the lobby keeps track of them.
struct Visitor {
    /// Who they are.
    who: Customer,
    /// Their lane in the timeline: entered whenever the loop acts for them.
    lane: Span,
    /// Their socket, registered with the lobby's `Poll` (`None` once out).
    socket: Option<TcpStream>,
    /// Bytes from the bank not yet cut into lines.
    lines: Lines,
    /// Where they are in the visit.
    stage: Stage,
    /// Their ticket, once issued.
    ticket: Option<TicketNo>,
}

/// The one thread that holds everyone's slips.
struct Lobby<'a> {
    /// The scenario and the bank's address.
    setup: &'a Setup,
    /// The epoll instance every socket is registered with.
    poll: Poll,
    /// Everyone who has arrived, by customer id (the `Token`).
    visitors: Vec<Option<Visitor>>,
    /// Errands running after the bank, soonest first: (end, customer id).
    errands: BinaryHeap<Reverse<(Instant, usize)>>,
    /// Index of the next customer to arrive.
    next_arrival: usize,
    /// Customers not yet gone.
    remaining: usize,
    /// Visits that went wrong.
    failures: Vec<Failure>,
}

impl<'a> Lobby<'a> {
    fn new(setup: &'a Setup) -> io::Result<Lobby<'a>> {
        let count = setup.scenario.customers.len();
        Ok(Lobby {
            setup,
            poll: Poll::new()?,
            visitors: (0..count).map(|_| None).collect(),
            errands: BinaryHeap::new(),
            next_arrival: 0,
            remaining: count,
            failures: Vec::new(),
        })
    }

    /// The event loop: block in `poll()` until a socket is ready or the next
    /// arrival or errand is due; handle what is ready; again.
    fn run(mut self) -> Vec<Failure> {
        let mut events = Events::with_capacity(1024);
        while self.remaining > 0 {
            let timeout = self
                .next_deadline()
                .map(|t| t.saturating_duration_since(Instant::now()));
            // The lesson: the only thread blocks here, for all customers at once.
            if let Err(err) = self.poll.poll(&mut events, timeout) {
                if err.kind() == ErrorKind::Interrupted {
                    continue;
                }
                self.give_up_on_everyone(&err);
                break;
            }
            for event in events.iter() {
                self.on_ready(event.token().0);
            }
            self.admit_arrivals();
            self.finish_errands();
        }
        self.failures
    }

    /// The next moment something is due without any socket event.
    fn next_deadline(&self) -> Option<Instant> {
        let arrival = self
            .setup
            .scenario
            .customers
            .get(self.next_arrival)
            .map(|c| self.setup.arrival(c));
        let errand = self.errands.peek().map(|Reverse((t, _))| *t);
        arrival.into_iter().chain(errand).min()
    }

    /// Customers whose arrival time has come walk in and start connecting.
    fn admit_arrivals(&mut self) {
        let now = Instant::now();
        while let Some(c) = self.setup.scenario.customers.get(self.next_arrival) {
            if self.setup.arrival(c) > now {
                break;
            }
            self.next_arrival += 1;
            let lane = record::customer(c.id, c.name.as_str());
            lane.in_scope(record::arrive);
            let mut visitor = Visitor {
                who: c.clone(),
                lane,
                socket: None,
                lines: Lines::new(),
                stage: Stage::Connecting,
                ticket: None,
            };
            let id = c.id as usize;
            match TcpStream::connect(self.setup.bank).and_then(|mut socket| {
                // The kernel notes when each line reaches the socket.
                customer::stamp_arrivals(socket.as_fd())?;
                self.poll.registry().register(
                    &mut socket,
                    Token(id),
                    Interest::READABLE | Interest::WRITABLE,
                )?;
                Ok(socket)
            }) {
                Ok(socket) => {
                    visitor.socket = Some(socket);
                    self.visitors[id] = Some(visitor);
                }
                Err(err) => self.fail(visitor, err.into()),
            }
        }
    }

    /// A socket is ready: move its customer's visit along.
    fn on_ready(&mut self, id: usize) {
        let Some(mut visitor) = self.visitors.get_mut(id).and_then(Option::take) else {
            return;
        };
        let lane = visitor.lane.clone();
        let result = lane.in_scope(|| step(&mut visitor));
        match result {
            Ok(()) if matches!(visitor.stage, Stage::Errand { .. }) => self.leave_bank(visitor),
            Ok(()) => self.visitors[id] = Some(visitor),
            Err(err) => self.fail(visitor, err),
        }
    }

    /// Out of the bank (served or not): deregister, and start the errand.
    fn leave_bank(&mut self, mut visitor: Visitor) {
        if let Some(mut socket) = visitor.socket.take() {
            // Closing the socket removes it from epoll anyway; deregistering
            // first keeps the bookkeeping explicit.
            let _ = self.poll.registry().deregister(&mut socket);
        }
        let now = Instant::now();
        let until = now + demo::millis(visitor.who.errand_ms);
        visitor.stage = Stage::Errand {
            until,
            started: now,
        };
        let id = visitor.who.id as usize;
        self.errands.push(Reverse((until, id)));
        self.visitors[id] = Some(visitor);
    }

    /// Errands that are over: the customer is finished and leaves.
    fn finish_errands(&mut self) {
        let now = Instant::now();
        while let Some(&Reverse((until, id))) = self.errands.peek() {
            if until > now {
                break;
            }
            self.errands.pop();
            let Some(visitor) = self.visitors[id].take() else {
                continue;
            };
            visitor.lane.in_scope(|| {
                if let Stage::Errand { started, .. } = visitor.stage {
                    if visitor.who.errand_ms > 0.0 {
                        record::errand(started.elapsed());
                    }
                }
                record::leave();
            });
            self.remaining -= 1;
        }
    }

    /// A visit went wrong: the ticket is abandoned, the customer goes.
    fn fail(&mut self, visitor: Visitor, err: VisitError) {
        visitor.lane.in_scope(|| record::abandon(visitor.ticket));
        self.failures.push(Failure::of(visitor.who.id, err));
        self.leave_bank(visitor);
    }

    /// `poll()` itself failed: nobody can be told of their call any more.
    fn give_up_on_everyone(&mut self, err: &io::Error) {
        for visitor in self.visitors.iter_mut().filter_map(Option::take) {
            visitor.lane.in_scope(|| {
                record::abandon(visitor.ticket);
                record::leave();
            });
            self.failures
                .push(Failure::of(visitor.who.id, format!("poll() failed: {err}")));
        }
    }
}

/// One readiness event for one customer: finish connecting, or read every
/// line that has arrived (until `WouldBlock`) and act on each.
fn step(v: &mut Visitor) -> Result<(), VisitError> {
    let Some(socket) = v.socket.as_mut() else {
        return Ok(());
    };
    if v.stage == Stage::Connecting {
        // A writable event after a non-blocking connect: connected, or failed.
        if let Some(err) = socket.take_error()? {
            return Err(err.into());
        }
        match socket.peer_addr() {
            Ok(_) => {}
            Err(err) if err.kind() == ErrorKind::NotConnected => return Ok(()),
            Err(err) => return Err(err.into()),
        }
        socket.set_nodelay(true)?;
        socket.write_all(customer::ticket_line(&v.who).as_bytes())?;
        v.stage = Stage::AwaitingTicket;
    }
    // Each read is recvmsg(): the bytes, and the kernel's stamp of their arrival.
    let closed = loop {
        match v.lines.read_once(socket.as_fd()) {
            Ok(0) => break true,
            Ok(_) => {}
            Err(err) if err.kind() == ErrorKind::WouldBlock => break false,
            Err(err) if err.kind() == ErrorKind::Interrupted => {}
            Err(err) => return Err(err.into()),
        }
    };
    while let Some((reply, unread)) = v.lines.next_reply()? {
        on_reply(v, reply, unread)?;
        if matches!(v.stage, Stage::Errand { .. }) {
            return Ok(());
        }
    }
    if closed {
        return Err(VisitError::Closed);
    }
    Ok(())
}

/// What the customer does with one line from the bank, which sat `unread`
/// in the socket before this thread got round to it.
fn on_reply(v: &mut Visitor, reply: Reply, unread: Option<Duration>) -> Result<(), VisitError> {
    match v.stage {
        Stage::AwaitingTicket => {
            let n = customer::expect_ticket(reply)?;
            v.ticket = Some(n);
            record::ticket(n);
            record::wait(STYLE.wait_how());
            v.stage = Stage::Waiting(n);
        }
        Stage::Waiting(n) => {
            let teller = customer::expect_call(reply, n)?;
            record::noticed_call(n, teller, unread);
            let socket = v.socket.as_mut().ok_or(VisitError::Closed)?;
            socket.write_all(customer::here_line(n).as_bytes())?;
            record::at_counter(n);
            v.stage = Stage::AtCounter(n);
        }
        Stage::AtCounter(n) => match customer::expect_end(reply, n)? {
            TurnEnd::Done => {
                record::noticed_done(n, unread);
                let now = Instant::now();
                v.stage = Stage::Errand {
                    until: now,
                    started: now,
                };
            }
            // The slice is over: back to waiting, the socket still registered.
            TurnEnd::Paused => {
                record::noticed_pause(n, unread);
                record::wait(STYLE.wait_how());
                v.stage = Stage::Waiting(n);
            }
        },
        Stage::Connecting | Stage::Errand { .. } => {}
    }
    Ok(())
}
