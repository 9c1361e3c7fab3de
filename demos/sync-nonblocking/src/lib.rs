//! # 同步非阻塞 sync-nonblocking: on the phone, keeps looking up to check the queue
//!
//! > 想象一下你一边打着电话一边还需要抬头看到底队伍排到你了没有……这个程序需要
//! > 在这两种不同的行为之间来回的切换,效率可想而知是低下的。
//! > Imagine you are on the phone and must keep looking up to see whether the
//! > queue has reached you... the program switches back and forth between the
//! > two, and you can guess how efficient that is.
//!
//! Every customer still has a thread of their own, but their socket is in
//! **non-blocking** mode (`O_NONBLOCK`). The thread works on its errand for a
//! slice of `--poll-every` milliseconds, then looks once: `read()` returns at
//! once, with the call or with `WouldBlock` ("nothing yet"). Nothing ever
//! blocks in the bank, and nothing tells the customer either: they only learn
//! of the call at their next look.
//!
//! What to watch in the timeline:
//! - `=` (办事, on the errand) while waiting, cut by `?` (查看) marks: each a
//!   look (轮询, polling) that found nothing, counted in `polls`;
//! - `!` (未察觉, called but not noticed) after each call: the teller has
//!   called and waits (`~`, 叫号), but the customer is still on the phone.
//!   The reaction is up to one slice long: the tellers' efficiency drops
//!   below 1, while the customer, on the phone, loses next to nothing;
//! - each customer's thread, on its kernel lane, is `.` (阻塞) nearly all
//!   the time: asleep in `clock_nanosleep` through each slice of the (slept)
//!   errand; a look is a few microseconds of running, too short to draw;
//! - shorter slices (`--poll-every 10`) react faster but look far more
//!   often: watch `polls` grow, and the voluntary context switches with
//!   them. A look that says `EAGAIN` switches nothing: each switch is the
//!   sleep that starts a slice;
//! - with `--policy rr`, every time slice begins with such a reaction: the
//!   shorter the bank's `--quantum`, the more calls, and the more `!`.
//!
//! With `--errand-work cpu` the phone call is real computing: each slice
//! between two looks is `--poll-every` of the thread's own CPU time. With
//! more computing threads than cores, a slice takes longer on the wall
//! clock (the thread waits for a CPU, 就绪: see the `ready` line), and so
//! does the reaction to a call.
//!
//! Run it:
//!
//! ```text
//! cargo run -p sync-nonblocking
//! cargo run -p sync-nonblocking -- --poll-every 20
//! cargo run -p sync-nonblocking -- --errand-work cpu
//! cargo run -p sync-nonblocking -- --policy rr --quantum 100
//! ```

use std::io::{ErrorKind, Write};
use std::net::TcpStream;
use std::os::fd::AsFd;
use std::time::Duration;

use bank::protocol::{Reply, TicketNo};
use scene::customer::{self, Directions, Errand, Lines, TurnEnd, VisitError};
use scene::demo::{Failure, Setup};
use timeline::record;
use timeline::scenario::Customer;
use timeline::style::Style;

/// This demo's style.
pub const STYLE: Style = Style::SyncNonblocking;

/// Brings every customer through the bank, one OS thread each, and returns
/// when all have left.
pub fn customers(setup: &Setup) -> Vec<Failure> {
    customer::thread_per_customer(setup, visit)
}

/// At the bank: take a ticket, then alternate errand slices and looks until
/// the call comes; at the counter, the same until `DONE`, or until a `PAUSE`
/// (round robin, MLFQ) sends the customer back to looking for the next call.
fn visit(
    c: &Customer,
    way: Directions,
    errand: &mut Errand,
    ticket: &mut Option<TicketNo>,
) -> Result<(), VisitError> {
    let every = way.poll_every;
    let (mut socket, mut lines, n) = customer::walk_in(c, way.bank, ticket)?;

    // From here on, no read() may block: it answers now, call or no call.
    socket.set_nonblocking(true)?;
    loop {
        record::wait(STYLE.wait_how());
        let (call, unread) = look_until_reply(&socket, &mut lines, errand, every)?;
        let teller = customer::expect_call(call, n)?;
        record::noticed_call(n, teller, unread);

        // The bank reads each line before it answers, so the send buffer is
        // empty and this short write completes even in non-blocking mode.
        socket.write_all(customer::here_line(n).as_bytes())?;
        record::at_counter(n);

        let (end, unread) = look_until_reply(&socket, &mut lines, errand, every)?;
        match customer::expect_end(end, n)? {
            TurnEnd::Done => {
                record::noticed_done(n, unread);
                return Ok(());
            }
            TurnEnd::Paused => record::noticed_pause(n, unread),
        }
    }
}

/// The style itself: a slice of errand (or of idle phone-holding once the
/// errand is done), then one look at the socket; again and again. Returns
/// the line with how long it sat unread in the socket before the look.
fn look_until_reply(
    socket: &TcpStream,
    lines: &mut Lines,
    errand: &mut Errand,
    every: Duration,
) -> Result<(Reply, Option<Duration>), VisitError> {
    loop {
        // A line may already be here, read along with the previous one.
        if let Some(stamped) = lines.next_reply()? {
            return Ok(stamped);
        }
        let worked = errand.work(every);
        if worked < every {
            // Errand done (or nearly): the customer just keeps looking up.
            std::thread::sleep(every - worked);
        }
        // The look: a non-blocking read (recvmsg(), to get the kernel's
        // stamp of when the line arrived along with it).
        match lines.read_once(socket.as_fd()) {
            Err(err) if err.kind() == ErrorKind::WouldBlock => record::poll(false),
            Err(err) => return Err(err.into()),
            Ok(0) => return Err(VisitError::Closed),
            Ok(_) => match lines.next_reply()? {
                Some(stamped) => {
                    record::poll(true);
                    return Ok(stamped);
                }
                // Half a line so far: it counts as a look that found nothing.
                None => record::poll(false),
            },
        }
    }
}
