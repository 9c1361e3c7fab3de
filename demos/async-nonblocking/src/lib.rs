//! # 异步非阻塞 async-nonblocking: asks the lobby manager to tell them, and goes out to smoke
//!
//! > 这个人突然发觉自己烟瘾犯了,需要出去抽根烟,于是他告诉大堂经理说,排到我这个
//! > 号码的时候麻烦到外面通知我一下,那么他就没有被阻塞在这个等待的操作上面。
//! > The customer feels like a cigarette, tells the lobby manager "when my
//! > number comes up, please come out and tell me", and goes out: not
//! > blocked on the wait.
//!
//! Every customer is a **tokio task**, not a thread: a few worker threads run
//! all of them. A task that awaits the call is parked, and its thread moves on
//! to other tasks. When the `CALL` line arrives, epoll tells tokio's reactor,
//! and the reactor wakes exactly that task: the lobby manager (大堂经理)
//! telling the customer (通知). Meanwhile the same task's errand has been
//! running since the ticket: `tokio::join!` awaits the call and the errand at
//! once. What does not block is the task, the customer: the runtime's
//! worker threads do block, in `epoll_wait` (or a `futex`), whenever no
//! task needs them.
//!
//! What to watch in the timeline:
//! - `=` (办事, on the errand) from the moment the customer holds a ticket:
//!   the errand overlaps the wait. `:` (空等, idle) follows only when the
//!   wait outlasts the errand (try `--errand 100`); when the call comes
//!   first, whatever is left of the errand shows after `DONE`;
//! - no `?`: nobody polls; reactions are a fraction of a millisecond;
//! - under the customers, one kernel lane per task: `@` only where a worker
//!   thread polled it, a few short moments per visit; the workers' own lanes
//!   are mostly `.` (阻塞), in `epoll_wait` or a `futex`;
//! - `threads_peak` does not grow with `--customers`: tasks are not threads;
//! - with `--policy rr`, a `PAUSE` parks the task on the same await until
//!   the next call, and the errand goes on meanwhile.
//!
//! With `--errand-work cpu` the errand is real computing inside the task,
//! and computing holds the worker thread: the task hands it back to the
//! runtime every `--yield-every` ms (5) of CPU time (`yield_now`), and the
//! call is noticed at the next yield. With `--yield-every 0` it never
//! yields: the `CALL` sits unread (`!`) until the errand is done, and the
//! worker runs no other task meanwhile (tokio's "do not block the
//! executor"): other customers cannot even take their tickets.
//!
//! Run it:
//!
//! ```text
//! cargo run -p async-nonblocking
//! cargo run -p async-nonblocking -- --customers 200 --tellers 8 --service 20 --arrival-gap 1
//! cargo run -p async-nonblocking -- --errand-work cpu --yield-every 0
//! cargo run -p async-nonblocking -- --policy rr --quantum 100
//! ```

use std::collections::HashMap;
use std::io::ErrorKind;
use std::net::SocketAddr;
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

use bank::protocol::{Reply, TicketNo};
use scene::customer::{self, Errand, Lines, TurnEnd, VisitError};
use scene::demo::{Failure, Setup};
use scene::kernel::polls::Polls;
use timeline::record;
use timeline::scenario::Customer;
use timeline::style::Style;
use tokio::io::{AsyncWriteExt, Interest};
use tokio::net::TcpStream;
use tokio::task::JoinSet;
use tracing::Instrument;
use tracing::instrument::WithSubscriber;

/// This demo's style.
pub const STYLE: Style = Style::AsyncNonblocking;

/// Brings every customer through the bank, one tokio task each, and returns
/// when all have left.
pub fn customers(setup: &Setup) -> Vec<Failure> {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            return vec![Failure::of_run(format!(
                "cannot start the tokio runtime: {err}"
            ))];
        }
    };
    // The crowd is spawned from inside the runtime, so that `block_on`'s own
    // thread is not the one the customers' tasks start on.
    let crowd = runtime.spawn(crowd(setup.clone()).with_current_subscriber());
    runtime.block_on(async move {
        crowd
            .await
            .unwrap_or_else(|err| vec![Failure::of_run(format!("the crowd's task failed: {err}"))])
    })
}

/// Lets each customer in at their arrival time, as a task of their own.
async fn crowd(setup: Setup) -> Vec<Failure> {
    let mut tasks = JoinSet::new();
    // Whose task is whose: a task that panics says only its id.
    let mut whose = HashMap::new();
    for c in setup.scenario.customers.iter().cloned() {
        tokio::time::sleep_until(setup.arrival(&c).into()).await;
        let (id, lane) = (c.id, record::customer(c.id, c.name.as_str()));
        let errand = Errand::of(&c, setup.scenario.errand_work);
        // With `--kernel`, each poll of the task is recorded on a lane of its own.
        let visit = attend(c, setup.bank, errand, setup.yield_every()).instrument(lane);
        let task = tasks.spawn(Polls::new(visit, id, setup.kernel).with_current_subscriber());
        whose.insert(task.id(), id);
    }
    let mut failures = Vec::new();
    while let Some(done) = tasks.join_next().await {
        match done {
            Ok(Ok(())) => {}
            Ok(Err(failure)) => failures.push(failure),
            Err(err) => failures.push(match whose.get(&err.id()) {
                Some(&id) => Failure::of(id, format!("the customer's task failed: {err}")),
                None => Failure::of_run(format!("a customer's task failed: {err}")),
            }),
        }
    }
    failures
}

/// One customer's story: once they hold a ticket, the wait and the errand
/// run at the same time; whatever is left of the errand after the bank
/// (or after a visit that failed) is done before they leave.
async fn attend(
    c: Customer,
    bank: SocketAddr,
    mut errand: Errand,
    yield_every: Option<Duration>,
) -> Result<(), Failure> {
    record::arrive();
    let mut ticket = None;
    let result = visit(&c, bank, &mut ticket, &mut errand, yield_every).await;
    if result.is_err() {
        record::abandon(ticket);
    }
    run_errand(&mut errand, yield_every).await;
    record::leave();
    result.map_err(|err| Failure::of(c.id, err))
}

/// At the bank: take a ticket, then await the call and get served while the
/// errand runs. Every `.await` here parks the task; none of them holds a
/// thread.
async fn visit(
    c: &Customer,
    bank: SocketAddr,
    ticket: &mut Option<TicketNo>,
    errand: &mut Errand,
    yield_every: Option<Duration>,
) -> Result<(), VisitError> {
    let mut socket = TcpStream::connect(bank).await?;
    socket.set_nodelay(true)?;
    // The kernel notes when each line reaches the socket.
    customer::stamp_arrivals(socket.as_fd())?;
    let mut lines = Lines::new();

    socket
        .write_all(customer::ticket_line(c).as_bytes())
        .await?;
    let (slip, _) = next_reply(&socket, &mut lines).await?;
    let n = customer::expect_ticket(slip)?;
    *ticket = Some(n);
    record::ticket(n);

    // The lesson: "tell me when my number is up", and out to smoke. The
    // task awaits the call and runs the errand at once: `join!` polls both
    // in this one task, and the reactor wakes it on CALL.
    let (served, ()) = tokio::join!(
        be_called_and_served(&mut socket, &mut lines, n),
        run_errand(errand, yield_every)
    );
    served
}

/// Awaits the call, comes to the counter, awaits `DONE`; after a `PAUSE`
/// (round robin, MLFQ), awaits the next call.
async fn be_called_and_served(
    socket: &mut TcpStream,
    lines: &mut Lines,
    n: TicketNo,
) -> Result<(), VisitError> {
    loop {
        // This await frees the thread; the reactor wakes the task on CALL.
        record::wait(STYLE.wait_how());
        let (call, unread) = next_reply(socket, lines).await?;
        let teller = customer::expect_call(call, n)?;
        record::noticed_call(n, teller, unread);

        socket.write_all(customer::here_line(n).as_bytes()).await?;
        record::at_counter(n);

        // DONE, or PAUSE (round robin, MLFQ): then await the next call.
        let (end, unread) = next_reply(socket, lines).await?;
        match customer::expect_end(end, n)? {
            TurnEnd::Done => {
                record::noticed_done(n, unread);
                return Ok(());
            }
            TurnEnd::Paused => record::noticed_pause(n, unread),
        }
    }
}

/// Awaits the bank's next line; returns it with how long it sat unread in
/// the socket before the task was woken and read it.
async fn next_reply(
    socket: &TcpStream,
    lines: &mut Lines,
) -> Result<(Reply, Option<Duration>), VisitError> {
    loop {
        if let Some(stamped) = lines.next_reply()? {
            return Ok(stamped);
        }
        // The await: the task is parked until the reactor says "readable".
        socket.readable().await?;
        // Then one read, recvmsg() to get the kernel's arrival stamp too;
        // `try_io` tells tokio if it found nothing after all (WouldBlock),
        // and the task awaits again.
        match socket.try_io(Interest::READABLE, || lines.read_once(socket.as_fd())) {
            Ok(0) => return Err(VisitError::Closed),
            Ok(_) => {}
            Err(err) if err.kind() == ErrorKind::WouldBlock => {}
            Err(err) => return Err(err.into()),
        }
    }
}

/// The cigarette, or real computing (`--errand-work cpu`): what is left of
/// the customer's errand, done in this task.
///
/// A slept errand is a timer: the task is parked, and holds no thread. A
/// computed errand holds its worker thread while it computes, so it hands
/// the thread back to the runtime every `yield_every` of CPU time
/// (`yield_now`): the runtime then runs other tasks, and polls this one
/// again, the visit beside the errand too, so a call that came meanwhile is
/// noticed. With `--yield-every 0` (`None`) it never yields: until the
/// errand is done, nothing else in this task runs (the call sits unread)
/// and nothing else runs on this worker (tokio's "do not block the
/// executor").
async fn run_errand(errand: &mut Errand, yield_every: Option<Duration>) {
    if let Some(length) = errand.take_for_timer() {
        if !length.is_zero() {
            let started = Instant::now();
            tokio::time::sleep(length).await;
            record::errand(started.elapsed(), None);
        }
        return;
    }
    while !errand.is_done() {
        errand.work(yield_every.unwrap_or(errand.left()));
        if !errand.is_done() {
            tokio::task::yield_now().await;
        }
    }
}
