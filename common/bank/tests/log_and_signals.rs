//! The bank never stalls on its own log, and closes when told.
//!
//! A real `bank` process whose log (stderr) goes where a classroom sends it:
//! a terminal paused with Ctrl-S (a pseudo-terminal stopped with
//! `tcflow(TCOOFF)`, as XOFF does), a pipe nobody reads, a pipe closed
//! after its first line (`bank 2>&1 | head -n 1`). Meanwhile thirty
//! customers must be served, each within [`PATIENCE`]; afterwards the log
//! says how many lines it dropped. And Ctrl-C or SIGTERM closes the bank
//! within a second (checked with generous slack), telling every customer
//! still inside `ERR closing`, with the demos' exit codes.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::fd::OwnedFd;
use std::process::{Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use nix::fcntl::{FcntlArg, fcntl};
use nix::pty::openpty;
use nix::sys::signal::Signal;
use nix::sys::termios::{FlowArg, tcflow};
use testkit::bank_process::{BankProcess, PATIENCE, address_in};
use wait_timeout::ChildExt;

/// The binary under test.
const BANK: &str = env!("CARGO_BIN_EXE_bank");

/// How long a closing bank may take, from the signal to its exit: it
/// promises a second; a loaded two-core machine gets three.
const CLOSES_WITHIN: Duration = Duration::from_secs(3);

/// Garbage lines enough to fill a small pipe (or a terminal's buffer), the
/// batch the log's writer holds and its whole queue, so that lines are
/// dropped: each is refused, and each refusal is a log line.
const FLOOD: usize = 2 * bank::outbox::Outbox::CAPACITY + 400;

/// The bank binary with `args`, on a free loopback port.
fn bank_command(args: &[&str]) -> Command {
    let mut bank = Command::new(BANK);
    bank.args(["--listen", "127.0.0.1:0"]).args(args);
    bank
}

/// A connection to the bank, as `nc` would make it.
fn connect(addr: SocketAddr) -> BufReader<TcpStream> {
    let stream = TcpStream::connect(addr).expect("the bank listens");
    stream
        .set_read_timeout(Some(PATIENCE))
        .expect("a fresh socket takes a timeout");
    BufReader::new(stream)
}

/// The next line from the bank, without its `\n`.
fn hear(conn: &mut BufReader<TcpStream>) -> Result<String, String> {
    let mut line = String::new();
    match conn.read_line(&mut line) {
        Ok(0) => Err("the bank hung up".to_owned()),
        Ok(_) => Ok(line.trim_end().to_owned()),
        Err(err) => Err(format!("no line within {PATIENCE:?}: {err}")),
    }
}

/// Sends `line` and its `\n`.
fn say(conn: &mut BufReader<TcpStream>, line: &str) {
    conn.get_mut()
        .write_all(format!("{line}\n").as_bytes())
        .expect("the bank takes our line");
}

/// One whole visit: ticket, call, `HERE`, `DONE`.
fn visit(addr: SocketAddr, name: &str) -> Result<(), String> {
    let mut conn = connect(addr);
    say(&mut conn, &format!("TICKET {name} 20"));
    let slip = hear(&mut conn)?;
    let ticket = slip
        .strip_prefix("TICKET ")
        .ok_or_else(|| format!("wanted a slip, got {slip}"))?;
    let call = hear(&mut conn)?;
    if !call.starts_with(&format!("CALL {ticket} ")) {
        return Err(format!("wanted the call for ticket {ticket}, got {call}"));
    }
    say(&mut conn, &format!("HERE {ticket}"));
    let done = hear(&mut conn)?;
    if done != format!("DONE {ticket}") {
        return Err(format!("wanted DONE {ticket}, got {done}"));
    }
    Ok(())
}

/// Thirty customers at once, each served within [`PATIENCE`] a line.
fn thirty_customers_are_served(addr: SocketAddr) {
    let visits: Vec<_> = (0..30)
        .map(|n| std::thread::spawn(move || visit(addr, &format!("customer-{n}"))))
        .collect();
    for (n, visit) in visits.into_iter().enumerate() {
        let served = visit.join().expect("a customer's thread does not panic");
        assert_eq!(served, Ok(()), "customer {n}");
    }
}

/// `n` connections, one after another, each with a line the bank refuses
/// (and logs); each gets its `ERR` within [`PATIENCE`].
fn flood(addr: SocketAddr, n: usize) {
    for i in 0..n {
        let mut conn = connect(addr);
        say(&mut conn, &format!("HELLO-{i}-{}", "x".repeat(30)));
        let reply = hear(&mut conn).unwrap_or_else(|err| panic!("garbage line {i}: {err}"));
        assert!(reply.starts_with("ERR unknown command"), "{reply}");
    }
}

/// Reads `from` on a thread of its own, chunk by chunk, until it ends.
fn read_on_the_side(from: OwnedFd) -> Receiver<String> {
    let (tx, rx) = mpsc::channel();
    let mut from = std::fs::File::from(from);
    std::thread::spawn(move || {
        let mut chunk = [0u8; 4096];
        // A terminal says EIO once nobody has it open any more; a pipe, 0.
        while let Ok(n @ 1..) = from.read(&mut chunk) {
            let text = String::from_utf8_lossy(&chunk[..n]).replace('\r', "");
            if tx.send(text).is_err() {
                break;
            }
        }
    });
    rx
}

/// Adds to `seen` what `chunks` brings until `seen` holds `words`; panics
/// after [`PATIENCE`].
fn read_until(chunks: &Receiver<String>, seen: &mut String, words: &str) {
    let deadline = Instant::now() + PATIENCE;
    while !seen.contains(words) {
        let left = deadline.saturating_duration_since(Instant::now());
        match chunks.recv_timeout(left) {
            Ok(chunk) => seen.push_str(&chunk),
            Err(_) => panic!("never saw {words:?}; saw:\n{seen}"),
        }
    }
}

/// Everything `chunks` still brings, until its output ends.
fn read_to_end(chunks: &Receiver<String>, seen: &mut String) {
    while let Ok(chunk) = chunks.recv_timeout(PATIENCE) {
        seen.push_str(&chunk);
    }
}

/// The number in the log's note of lines dropped (`… 733 log lines dropped`).
fn dropped_in(log: &str) -> usize {
    let note = log
        .lines()
        .find(|line| line.starts_with("… ") && line.ends_with(" dropped"))
        .unwrap_or_else(|| panic!("no note of the lines dropped in:\n{log}"));
    note.split(' ')
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count in {note:?}"))
}

#[test]
fn a_paused_terminal_costs_log_lines_never_a_customer() {
    let pty = openpty(None, None).expect("a pseudo-terminal");
    // Ctrl-S: the terminal takes no more output until Ctrl-Q.
    tcflow(&pty.slave, FlowArg::TCOOFF).expect("output stops");
    let terminal = pty.slave.try_clone().expect("a terminal end to give");
    let mut bank =
        BankProcess::spawn_logging_to(bank_command(&["--tellers", "6"]), terminal.into());
    let screen = read_on_the_side(pty.master);

    thirty_customers_are_served(bank.addr);
    flood(bank.addr, FLOOD);
    assert!(
        screen.recv_timeout(Duration::from_millis(100)).is_err(),
        "nothing reached the paused terminal"
    );

    // Ctrl-Q: the log goes on, and says what it dropped.
    tcflow(&pty.slave, FlowArg::TCOON).expect("output resumes");
    let mut seen = String::new();
    read_until(&screen, &mut seen, " log lines dropped");
    let dropped = dropped_in(&seen);
    assert!(dropped > 0 && dropped < FLOOD, "{dropped} dropped");

    // Paused again, Ctrl-C still closes the bank at once.
    tcflow(&pty.slave, FlowArg::TCOOFF).expect("output stops");
    thirty_customers_are_served(bank.addr);
    let (status, took) = bank.stop_with(Signal::SIGINT);
    eprintln!("closed {took:?} after Ctrl-C, with its terminal paused");
    assert_eq!(status.code(), Some(130), "{status}");
    assert!(took < CLOSES_WITHIN, "{took:?}");
}

#[test]
fn a_pipe_nobody_reads_costs_log_lines_never_a_customer() {
    let (read, write) = nix::unistd::pipe().expect("a pipe");
    // The smallest pipe Linux makes (a page): full after a few dozen lines.
    fcntl(&write, FcntlArg::F_SETPIPE_SZ(4096)).expect("a pipe can be made small");
    let mut bank = BankProcess::spawn_logging_to(bank_command(&["--tellers", "6"]), write.into());

    flood(bank.addr, FLOOD);
    thirty_customers_are_served(bank.addr);

    // Someone reads at last: the log moves, says what it dropped, and ends
    // with the closing line.
    let log = read_on_the_side(read);
    let mut seen = String::new();
    read_until(&log, &mut seen, " log lines dropped");
    let (status, took) = bank.stop_with(Signal::SIGTERM);
    assert_eq!(status.code(), Some(143), "{status}");
    assert!(took < CLOSES_WITHIN, "{took:?}");
    read_to_end(&log, &mut seen);
    let dropped = dropped_in(&seen);
    let refused = seen.lines().filter(|l| l.contains(" reject ")).count();
    assert!(
        refused + dropped >= FLOOD,
        "every refusal logged or counted: {refused} logged, {dropped} dropped"
    );
    assert_eq!(
        seen.lines().last(),
        Some("bank closed by SIGTERM with 0 customers in the bank")
    );
}

#[test]
fn a_log_pipe_closed_after_one_line_ends_the_log_not_the_bank() {
    // `bank 2>&1 | head -n 1`: stdout and stderr into one pipe, whose
    // reader reads one line and leaves.
    let (read, write) = nix::unistd::pipe().expect("a pipe");
    let mut child = bank_command(&["--tellers", "6"])
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(write.try_clone().expect("a second end"))
        .stderr(write)
        .spawn()
        .expect("the bank starts");
    let mut head = BufReader::new(std::fs::File::from(read));
    let mut first = String::new();
    head.read_line(&mut first).expect("the first line comes");
    let addr = address_in(&first);
    drop(head);

    thirty_customers_are_served(addr);
    assert!(
        child
            .try_wait()
            .expect("the bank can be waited for")
            .is_none(),
        "the bank is still open"
    );
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(i32::try_from(child.id()).expect("a pid fits an i32")),
        Signal::SIGTERM,
    )
    .expect("our child can be signalled");
    let status = child
        .wait_timeout(CLOSES_WITHIN)
        .expect("the bank can be waited for")
        .expect("the bank closes within the bound");
    assert_eq!(
        status.code(),
        Some(143),
        "no panic (101), no death by SIGPIPE: {status}"
    );
}

/// Three customers inside, one of each kind, and `signal`: each hears
/// `ERR closing`, then the hang-up; the bank exits with `code`, soon, and
/// its last log line says there were three.
fn a_signal_closes_the_bank_telling_everyone_inside(signal: Signal, code: i32, said: &str) {
    let mut bank = BankProcess::start(BANK, &["--tellers", "1"]);
    // First in: in the doorway, without a word yet (accepted before the
    // others, since a listener's queue is first in, first out).
    let mut doorway = connect(bank.addr);
    let mut served = connect(bank.addr);
    say(&mut served, "TICKET 张三 600000");
    assert_eq!(hear(&mut served), Ok("TICKET 1".to_owned()));
    assert_eq!(hear(&mut served), Ok("CALL 1 1".to_owned()));
    say(&mut served, "HERE 1");
    let mut queued = connect(bank.addr);
    say(&mut queued, "TICKET 李四 1000");
    assert_eq!(hear(&mut queued), Ok("TICKET 2".to_owned()));
    bank.wait_for_log(&["at_counter", "ticket=1"]);

    let (status, took) = bank.stop_with(signal);
    eprintln!("closed {took:?} after {signal}");
    assert_eq!(status.code(), Some(code), "{status}");
    assert!(took < CLOSES_WITHIN, "{took:?}");
    for (who, conn) in [
        ("in the doorway", &mut doorway),
        ("at the counter", &mut served),
        ("in the queue", &mut queued),
    ] {
        assert_eq!(
            hear(conn),
            Ok("ERR closing: the bank is closing".to_owned()),
            "the customer {who}"
        );
        assert_eq!(
            hear(conn),
            Err("the bank hung up".to_owned()),
            "the customer {who}"
        );
    }
    let log = bank.rest_of_log();
    assert_eq!(
        log.last().map(String::as_str),
        Some(format!("bank closed by {said} with 3 customers in the bank").as_str()),
        "{log:#?}"
    );
}

#[test]
fn ctrl_c_closes_the_bank_telling_everyone_inside() {
    a_signal_closes_the_bank_telling_everyone_inside(Signal::SIGINT, 130, "Ctrl-C (SIGINT)");
}

#[test]
fn sigterm_closes_the_bank_telling_everyone_inside() {
    a_signal_closes_the_bank_telling_everyone_inside(Signal::SIGTERM, 143, "SIGTERM");
}
