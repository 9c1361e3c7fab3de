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
//! Asynchronous here is the lecture's sense: the customer is told
//! (通知), by a notification mechanism, instead of looking. To POSIX and to
//! Stevens's *UNIX Network Programming* this is I/O multiplexing, which is
//! synchronous I/O: once told, the thread does the `read()` itself.
//!
//! What to watch in the timeline:
//! - every customer's row is `-` (排队, waiting in line) from ticket to
//!   call, like sync-blocking: no errand while waiting, no `?` (no looks);
//! - under the customers, one kernel lane, the `epoll thread`: `.` (阻塞
//!   blocked) in `epoll_wait` for everyone at once. The lecture's customer
//!   is one person blocked on the wait; here each customer waits because
//!   the one thread they share is blocked;
//! - reactions are fast: epoll wakes the thread the moment a call arrives;
//! - but the trace's `thread` is the same for every customer, and
//!   `threads_peak` stays flat however many customers come: one thread, one
//!   epoll, every socket;
//! - with `--policy rr`, a `PAUSE` puts the customer back to `Waiting`: the
//!   socket stays registered, and the same `poll()` brings the next call.
//!
//! With `--errand-work cpu` the errands, after the bank, are real computing,
//! and the one thread does them all itself: each turn of its loop computes
//! a slice of `--yield-every` ms (5) of CPU time of one customer's errand,
//! looks at the sockets without blocking, and moves on to the next
//! customer's slice. The errands take turns on one CPU: concurrency without
//! parallelism (并发, not 并行: the `parallel` line stays at 1 or below), and
//! a call that comes mid-slice waits, unread, for the slice's end. With
//! `--yield-every 0` each errand is computed whole, one after another, and
//! a call may wait for a whole errand.
//!
//! Run it:
//!
//! ```text
//! cargo run -p async-blocking
//! cargo run -p async-blocking -- --customers 200 --tellers 8 --service 20 --arrival-gap 1
//! cargo run -p async-blocking -- --errand-work cpu
//! cargo run -p async-blocking -- --policy rr --quantum 100
//! ```
//!
//! The loop follows mio's `examples/tcp_server.rs`: register, `poll()`, and
//! on each event read until `WouldBlock`. epoll here is edge-triggered: it
//! announces a socket when new bytes arrive, not while bytes lie unread. A
//! `CALL` left unread would be announced again only when the bank wrote
//! more, and the bank writes nothing until it hears `HERE`: the teller would
//! wait for the customer, the customer for the announcement, until the bank
//! gave up on them (`--here-timeout`). At scale, one turn of
//! the loop lets in at most `ADMIT_PER_TURN` newcomers before it looks at
//! the ready sockets again (docs/03-async-blocking.md, "One turn of the loop").

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::io::{self, ErrorKind, Write};
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

use bank::protocol::{Reply, TicketNo};
use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token};
use scene::customer::{self, Errand, Lines, TurnEnd, VisitError};
use scene::demo::{Failure, Setup};
use scene::kernel::threads;
use timeline::record;
use timeline::scenario::Customer;
use timeline::style::Style;
use tracing::Span;

/// This demo's style.
pub const STYLE: Style = Style::AsyncBlocking;

/// Brings every customer through the bank on this one thread, and returns
/// when all have left.
pub fn customers(setup: &Setup) -> Vec<Failure> {
    // Named for what it does, on the kernel's thread lanes: `epoll thread`.
    threads::name_this_thread(c"epoll");
    match EventLoop::new(setup) {
        Ok(event_loop) => event_loop.run(),
        Err(err) => vec![Failure::of_run(format!(
            "cannot create the epoll instance: {err}"
        ))],
    }
}

/// How many newcomers one turn of the loop lets in at most. Each costs a
/// `connect()` and an `epoll_ctl()` (about 20 µs here); after a stall,
/// hundreds can be due at once, and letting them all in before looking at
/// the ready sockets again would leave a `CALL` unread for milliseconds.
/// Those still due are let in on the next turns, whose `poll()` returns at
/// once (its timeout, the next arrival, has come). 16 newcomers are about
/// 0.3 ms of work: the longest a ready socket waits behind them.
const ADMIT_PER_TURN: usize = 16;

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
    /// Out of the bank since `started`, on the errand: a timer the loop
    /// waits for (slept), or turns of this thread's computing (computed).
    Errand { started: Instant },
}

/// One customer, as the event loop keeps track of them.
struct Visitor {
    /// Who they are.
    who: Customer,
    /// Their lane in the timeline: entered whenever the loop acts for them.
    lane: Span,
    /// Their socket, registered with the event loop's `Poll` (`None` once out).
    socket: Option<TcpStream>,
    /// Bytes from the bank not yet cut into lines.
    lines: Lines,
    /// Where they are in the visit.
    stage: Stage,
    /// Their ticket, once issued.
    ticket: Option<TicketNo>,
    /// Their errand, done after the bank.
    errand: Errand,
}

/// The one thread that holds everyone's slips.
struct EventLoop<'a> {
    /// The scenario and the bank's address.
    setup: &'a Setup,
    /// The epoll instance every socket is registered with.
    poll: Poll,
    /// Everyone who has arrived, by customer id (the `Token`).
    visitors: Vec<Option<Visitor>>,
    /// Slept errands running after the bank, soonest first: (end, customer id).
    errands: BinaryHeap<Reverse<(Instant, usize)>>,
    /// Computed errands waiting for their next turn on this thread, in
    /// order: customer ids.
    turns: VecDeque<usize>,
    /// Index of the next customer to arrive.
    next_arrival: usize,
    /// Customers not yet gone.
    remaining: usize,
    /// Visits that went wrong.
    failures: Vec<Failure>,
}

impl<'a> EventLoop<'a> {
    fn new(setup: &'a Setup) -> io::Result<EventLoop<'a>> {
        let count = setup.scenario.customers.len();
        Ok(EventLoop {
            setup,
            poll: Poll::new()?,
            visitors: (0..count).map(|_| None).collect(),
            errands: BinaryHeap::new(),
            turns: VecDeque::new(),
            next_arrival: 0,
            remaining: count,
            failures: Vec::new(),
        })
    }

    /// The event loop: block in `poll()` until a socket is ready or the next
    /// arrival or errand is due; handle what is ready; again. With computed
    /// errands waiting for their turn, `poll()` only looks (it returns at
    /// once), and each turn of the loop ends with one slice of computing.
    fn run(mut self) -> Vec<Failure> {
        let mut events = Events::with_capacity(1024);
        while self.remaining > 0 {
            let timeout = if self.turns.is_empty() {
                self.next_deadline()
                    .map(|t| t.saturating_duration_since(Instant::now()))
            } else {
                Some(Duration::ZERO)
            };
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
            self.take_a_turn();
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

    /// Customers whose arrival time has come walk in and start connecting:
    /// at most [`ADMIT_PER_TURN`] of them, so that the loop goes back to
    /// the sockets that are ready before it lets in more.
    fn admit_arrivals(&mut self) {
        let now = Instant::now();
        for _ in 0..ADMIT_PER_TURN {
            let Some(c) = self.setup.scenario.customers.get(self.next_arrival) else {
                break;
            };
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
                errand: Errand::of(c, self.setup.scenario.errand_work),
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

    /// Out of the bank (served or not): deregister, and start the errand:
    /// a timer for a slept one, a place in the turns for a computed one.
    fn leave_bank(&mut self, mut visitor: Visitor) {
        if let Some(mut socket) = visitor.socket.take() {
            // Closing the socket removes it from epoll anyway; deregistering
            // first keeps the bookkeeping explicit.
            let _ = self.poll.registry().deregister(&mut socket);
        }
        let now = Instant::now();
        visitor.stage = Stage::Errand { started: now };
        let id = visitor.who.id as usize;
        match visitor.errand.take_for_timer() {
            Some(length) => self.errands.push(Reverse((now + length, id))),
            None => self.turns.push_back(id),
        }
        self.visitors[id] = Some(visitor);
    }

    /// One turn of computing: a slice (`--yield-every`) of the errand at the
    /// head of the turns, then back to the loop. This thread is the only
    /// one, so the errands take turns on it, one at a time: concurrency
    /// (并发), never parallelism (并行). Meanwhile nobody looks at the
    /// sockets: a call that comes during a slice waits, unread, until the
    /// slice ends. An errand not done goes to the back of the turns; with
    /// `--yield-every 0` a turn is a whole errand, one after another.
    fn take_a_turn(&mut self) {
        let Some(id) = self.turns.pop_front() else {
            return;
        };
        let Some(mut visitor) = self.visitors[id].take() else {
            return;
        };
        let slice = self.setup.yield_every().unwrap_or(visitor.errand.left());
        let lane = visitor.lane.clone();
        lane.in_scope(|| visitor.errand.work(slice));
        if visitor.errand.is_done() {
            lane.in_scope(record::leave);
            self.remaining -= 1;
        } else {
            self.turns.push_back(id);
            self.visitors[id] = Some(visitor);
        }
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
                if let Stage::Errand { started } = visitor.stage {
                    if visitor.who.errand_ms > 0.0 {
                        record::errand(started.elapsed(), None);
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
                v.stage = Stage::Errand {
                    started: Instant::now(),
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
