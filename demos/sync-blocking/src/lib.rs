//! # 同步阻塞 sync-blocking: stands in line and does nothing else
//!
//! > 效率最低。拿上面的例子来说,就是你专心排队,什么别的事都不做。
//! > The least efficient: you stand in line, fully absorbed, and do nothing else.
//!
//! Every customer gets a thread of their own. The thread takes a ticket, then
//! calls `read()` on its socket and is **blocked** there: the kernel takes it
//! off the CPU until the bank's `CALL` line arrives. Only after `DONE`, once
//! out of the bank, does the customer start their errand.
//!
//! What to watch in the timeline:
//! - every customer's row is `-` (排队, waiting in line) from ticket to call:
//!   no `=` (办事, on the errand) while waiting, no `?` (查看, a look);
//! - under the customers, each customer's thread has a kernel lane (read
//!   from `/proc`): `.` (阻塞 blocked) all the while, in `recvmsg()` as the
//!   HTML report's hover and Perfetto name it: the lecture's blocked process;
//! - reactions are immediate (the blocked `read()` returns the moment the call
//!   arrives), so the tellers lose no time: the tellers' efficiency is close
//!   to 1;
//! - but the errands all come *after* the bank, so each customer's whole
//!   business (the turnaround) takes wait + service + errand, and the whole
//!   wait is `lost`: the lecture's 效率最低 is the customer's view;
//! - `threads_peak` grows with `--customers`: one thread per customer;
//! - with `--policy rr`, each `PAUSE` sends the thread back into the same
//!   blocking `read()`: `#` (办理, at the counter) stretches cut by `-`, no
//!   time lost to notice a call.
//!
//! With `--errand-work cpu` the errand is real computing, still after the
//! bank: 1000 ms of the customer's thread's CPU time. Then many threads
//! compute at once. Two cores run two of them at the same instant
//! (parallelism, 并行): the run's CPU time exceeds its wall time, and the
//! `parallel` line under the picture says by how much. Six threads on two
//! cores also take turns (多道, multiprogramming): each waits for a CPU part
//! of the time, and the `ready` line (就绪) says how long.
//!
//! Run it:
//!
//! ```text
//! cargo run -p sync-blocking
//! cargo run -p sync-blocking -- --customers 12 --tellers 3
//! cargo run -p sync-blocking -- --errand-work cpu
//! cargo run -p sync-blocking -- --policy rr --quantum 100
//! ```

use std::io::Write;
use std::os::fd::AsFd;

use bank::protocol::TicketNo;
use scene::customer::{self, Directions, Errand, TurnEnd, VisitError};
use scene::demo::{Failure, Setup};
use timeline::record;
use timeline::scenario::Customer;
use timeline::style::Style;

/// This demo's style.
pub const STYLE: Style = Style::SyncBlocking;

/// Brings every customer through the bank, one OS thread each, and returns
/// when all have left.
pub fn customers(setup: &Setup) -> Vec<Failure> {
    customer::thread_per_customer(setup, visit)
}

/// At the bank: take a ticket, wait in `read()` for the call, get served.
/// Under round robin or MLFQ a `PAUSE` ends a turn early: the customer
/// blocks in `read()` again until the next call. The errand is left
/// untouched: it waits until the customer is out.
fn visit(
    c: &Customer,
    way: Directions,
    _errand: &mut Errand,
    ticket: &mut Option<TicketNo>,
) -> Result<(), VisitError> {
    let (mut socket, mut lines, n) = customer::walk_in(c, way.bank, ticket)?;

    loop {
        // The lesson: this read() blocks the thread until the bank calls. (It is
        // recvmsg(): a read() that also hands over the kernel's arrival stamp.)
        record::wait(STYLE.wait_how());
        let (call, unread) = lines.read_reply(socket.as_fd())?;
        let teller = customer::expect_call(call, n)?;
        record::noticed_call(n, teller, unread);

        socket.write_all(customer::here_line(n).as_bytes())?;
        record::at_counter(n);

        let (end, unread) = lines.read_reply(socket.as_fd())?;
        match customer::expect_end(end, n)? {
            TurnEnd::Done => {
                record::noticed_done(n, unread);
                return Ok(());
            }
            TurnEnd::Paused => record::noticed_pause(n, unread),
        }
    }
}
