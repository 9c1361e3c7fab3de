//! # 异步非阻塞 async-nonblocking: asks the lobby manager to fetch them, and goes out to smoke
//!
//! > 这个人突然发觉自己烟瘾犯了,需要出去抽根烟,于是他告诉大堂经理说,排到我这个
//! > 号码的时候麻烦到外面通知我一下,那么他就没有被阻塞在这个等待的操作上面。
//! > The customer feels like a cigarette, tells the lobby manager "please come
//! > and fetch me when my number is up", and goes out: not blocked on the wait.
//!
//! Every customer is a **tokio task**, not a thread: a few worker threads run
//! all of them. A task that awaits the call is parked, and its thread moves on
//! to other tasks. When the `CALL` line arrives, epoll tells tokio's reactor,
//! and the reactor wakes exactly that task: the lobby manager (大堂经理)
//! fetching the customer. Meanwhile the same task's errand has been running:
//! `tokio::join!` awaits the visit and the errand at once.
//!
//! What to watch in the timeline:
//! - `=` (errand 运行) from the moment the customer walks in: the errand
//!   starts on arrival, alongside the visit, and overlaps the wait. `-`
//!   (blocked) follows only when the wait outlasts the errand (try
//!   `--errand 100`); when the call comes first, whatever is left of the
//!   errand shows after `DONE`;
//! - no `?`: nobody polls; reactions are a fraction of a millisecond;
//! - `threads_peak` does not grow with `--customers`: tasks are not threads;
//! - with `--policy rr`, a `PAUSE` parks the task on the same await until
//!   the next call, and the errand goes on meanwhile.
//!
//! Run it:
//!
//! ```text
//! cargo run -p async-nonblocking
//! cargo run -p async-nonblocking -- --customers 200 --tellers 8 --service 20 --arrival-gap 1
//! cargo run -p async-nonblocking -- --policy rr --quantum 100
//! ```

use std::collections::HashMap;
use std::io::ErrorKind;
use std::net::SocketAddr;
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

use bank::protocol::{Reply, TicketNo};
use scene::customer::{self, Lines, TurnEnd, VisitError};
use scene::demo::{self, Failure, Setup};
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
        let task = tasks.spawn(
            attend(c, setup.bank)
                .instrument(lane)
                .with_current_subscriber(),
        );
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

/// One customer's story: the visit and the errand run at the same time.
async fn attend(c: Customer, bank: SocketAddr) -> Result<(), Failure> {
    record::arrive();
    let mut ticket = None;
    let (result, ()) = tokio::join!(visit(&c, bank, &mut ticket), errand(&c));
    if result.is_err() {
        record::abandon(ticket);
    }
    record::leave();
    result.map_err(|err| Failure::of(c.id, err))
}

/// At the bank: take a ticket, await the call, get served. Every `.await`
/// here parks the task; none of them holds a thread.
async fn visit(
    c: &Customer,
    bank: SocketAddr,
    ticket: &mut Option<TicketNo>,
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

    loop {
        // The lesson: this await frees the thread; the reactor wakes us on CALL.
        record::wait(STYLE.wait_how());
        let (call, unread) = next_reply(&socket, &mut lines).await?;
        let teller = customer::expect_call(call, n)?;
        record::noticed_call(n, teller, unread);

        socket.write_all(customer::here_line(n).as_bytes()).await?;
        record::at_counter(n);

        // DONE, or PAUSE (round robin, MLFQ): then await the next call.
        let (end, unread) = next_reply(&socket, &mut lines).await?;
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

/// The cigarette: the customer's own work, timed, while the visit is awaited.
async fn errand(c: &Customer) {
    if c.errand_ms <= 0.0 {
        return;
    }
    let started = Instant::now();
    tokio::time::sleep(demo::millis(c.errand_ms)).await;
    record::errand(started.elapsed());
}
