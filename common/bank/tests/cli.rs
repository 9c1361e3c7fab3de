//! The `bank` binary as a classroom meets it: flags, limits, timeouts, and a
//! log that no client can write escape sequences into.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::Command;

use assert_cmd::cargo::cargo_bin_cmd;
use bank::max_customers_within;
use testkit::bank_process::{BankProcess, PATIENCE};

/// The binary under test.
const BANK: &str = env!("CARGO_BIN_EXE_bank");

/// A client on a blocking socket, as `nc` would be.
struct Nc(BufReader<TcpStream>);

impl Nc {
    fn connect(addr: SocketAddr) -> Nc {
        let stream = TcpStream::connect(addr).expect("the bank listens");
        stream
            .set_read_timeout(Some(PATIENCE))
            .expect("a fresh socket takes a timeout");
        Nc(BufReader::new(stream))
    }
    fn type_bytes(&mut self, bytes: &[u8]) {
        self.0
            .get_mut()
            .write_all(bytes)
            .expect("the bank takes our bytes");
    }
    fn line(&mut self) -> String {
        let mut line = String::new();
        self.0
            .read_line(&mut line)
            .expect("the bank answers in time");
        line.trim_end().to_owned()
    }
    /// Connects and asks for a ticket, again while the bank says it is busy
    /// (a place frees up only once a connection that left is fully closed).
    fn take_ticket(addr: SocketAddr, name: &str) -> (Nc, String) {
        let deadline = std::time::Instant::now() + PATIENCE;
        loop {
            let mut nc = Nc::connect(addr);
            nc.type_bytes(format!("TICKET {name} 20\n").as_bytes());
            let slip = nc.line();
            if !slip.starts_with("ERR busy") || std::time::Instant::now() > deadline {
                return (nc, slip);
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    /// Everything until the bank hangs up.
    fn rest(&mut self) -> String {
        let mut rest = String::new();
        let _ = self.0.read_to_string(&mut rest);
        rest
    }
}

#[test]
fn bad_flags_exit_2_naming_the_flag() {
    for (flag, value) in [
        ("--max-customers", "0"),
        ("--idle-timeout", "0"),
        ("--idle-timeout", "-1"),
        ("--here-timeout", "soon"),
        ("--here-timeout", "100000"),
        ("--quantum", "0"),
        ("--queues", "3"),
    ] {
        let out = cargo_bin_cmd!("bank")
            .args([flag, value])
            .assert()
            .code(2)
            .get_output()
            .clone();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(flag), "{flag} {value}: {stderr}");
    }
}

#[test]
fn a_cap_past_the_open_file_limit_is_refused_before_the_bank_opens() {
    let out = cargo_bin_cmd!("bank")
        .args(["--listen", "127.0.0.1:0", "--max-customers", "4294967295"])
        .assert()
        .code(2)
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("RLIMIT_NOFILE"), "{stderr}");
    assert!(
        stderr.contains("The largest that fits is --max-customers "),
        "{stderr}"
    );
    assert!(out.stdout.is_empty(), "the bank never opened");
}

#[test]
fn the_bank_raises_its_open_file_limit_and_makes_room_to_match() {
    // The hard limit, which the bank may raise its soft limit to.
    let hard = scene::limits::raise_open_files().expect("the limits can be read");
    // Start the bank with a low soft limit, as on many laptops.
    let mut low = Command::new("sh");
    low.args(["-c", "ulimit -S -n 256 && exec \"$0\" \"$@\""])
        .arg(env!("CARGO_BIN_EXE_bank"))
        .args(["--listen", "127.0.0.1:0", "--tellers", "3"]);
    let bank = BankProcess::spawn(low);
    let room = format!("room for {} customers", max_customers_within(hard, 3));
    assert!(
        bank.welcome.contains(&room),
        "{room:?} in {:?}",
        bank.welcome
    );
}

#[test]
fn listening_beyond_loopback_is_warned_about() {
    let mut open = Command::new(env!("CARGO_BIN_EXE_bank"));
    open.args(["--listen", "0.0.0.0:0"]);
    let mut bank = BankProcess::spawn(open);
    bank.wait_for_log(&["warning: listening on 0.0.0.0:", "not a loopback address"]);
    // The default stays on loopback, quietly; so do loopback's other names.
    let home = BankProcess::start(BANK, &[]);
    assert!(home.addr.ip().is_loopback());
    let log = home.close_and_read_log();
    assert!(!log.iter().any(|l| l.contains("warning")), "{log:#?}");
    for listen in ["localhost:0", "[::1]:0", "[::ffff:127.0.0.1]:0"] {
        let mut named = Command::new(env!("CARGO_BIN_EXE_bank"));
        named.args(["--listen", listen]);
        let bank = BankProcess::spawn(named);
        assert!(
            bank.addr.ip().to_canonical().is_loopback(),
            "{listen}: {}",
            bank.addr
        );
        let log = bank.close_and_read_log();
        assert!(
            !log.iter().any(|l| l.contains("warning")),
            "{listen}: {log:#?}"
        );
    }
}

#[test]
fn a_demo_finds_the_bank_by_its_host_name() {
    let bank = BankProcess::start(BANK, &["--tellers", "2"]);
    let named = bank::cli::socket_addr(&format!("localhost:{}", bank.addr.port()))
        .expect("localhost is a name for loopback");
    assert_eq!(named, bank.addr);
    let scene = timeline::scenario::Generate {
        customers: 4,
        ..timeline::scenario::Generate::default()
    }
    .scenario()
    .speed_up(8.0);
    let run = scene::demo::run_recorded(
        async_nonblocking::STYLE,
        async_nonblocking::customers,
        scene,
        Some(named),
    )
    .expect("the customers find the bank");
    assert!(run.failures.is_empty(), "{:?}", run.failures);
    assert_eq!(run.trace.metrics.served, 4);
}

#[test]
fn names_of_every_script_a_byte_order_mark_and_reasons_escaped_once() {
    let bank = BankProcess::start(BANK, &["--tellers", "1"]);
    // Names with marks, composed or not: the bank takes them, in NFC.
    let names = [
        ("नमस्ते", "नमस्ते"),
        ("e\u{301}", "\u{e9}"),
        ("\u{30b7}\u{3099}ョン・スミス", "ジョン・スミス"),
    ];
    for (typed, _) in names {
        let mut nc = Nc::connect(bank.addr);
        nc.type_bytes(format!("TICKET {typed} 5\n").as_bytes());
        assert!(nc.line().starts_with("TICKET "), "{typed}");
    }
    // A byte-order mark before the first line is not part of it.
    let mut nc = Nc::connect(bank.addr);
    nc.type_bytes(b"\xEF\xBB\xBFTICKET ana 5\n");
    assert!(nc.line().starts_with("TICKET "), "the BOM is ignored");
    drop(nc);
    // Reasons quote a client's word with one escaping: a character that
    // does not show as `\u{..}`, a backslash the client typed as `\\`.
    let replies = [
        (
            "TICKET a😀 5",
            "a name holds letters, digits, their marks, '-', '_' and middle dots only, not 😀",
        ),
        (
            "TICKET \u{3164} 5",
            "a name holds only characters that show, not \\u{3164}",
        ),
        ("HI\u{202e}", "unknown command HI\\u{202e}"),
        ("HI\\u{202e}", "unknown command HI\\\\u{202e}"),
    ];
    for (line, reason) in replies {
        let mut nc = Nc::connect(bank.addr);
        nc.type_bytes(format!("{line}\n").as_bytes());
        assert_eq!(nc.line(), format!("ERR {reason}"), "{line}");
    }
    let log = bank.close_and_read_log();
    for (_, nfc) in names {
        let name = format!("name={nfc}");
        assert!(log.iter().any(|l| l.contains(&name)), "{name} in {log:#?}");
    }
    for (line, reason) in replies {
        // The reason, then the visit it was part of: `  (peer=...)`.
        let logged = format!("reject      reason={reason}  (");
        assert!(
            log.iter().any(|l| l.contains(&logged)),
            "{line}: {logged} in {log:#?}"
        );
    }
}

#[test]
fn a_visit_by_hand_and_the_limits_set_by_flags() {
    let mut bank = BankProcess::start(
        BANK,
        &[
            "--tellers",
            "1",
            "--max-customers",
            "2",
            "--idle-timeout",
            "0.3",
            "--here-timeout",
            "0.3",
        ],
    );
    let mut ana = Nc::connect(bank.addr);
    ana.type_bytes("TICKET 张三 20\n".as_bytes());
    assert_eq!(ana.line(), "TICKET 1");
    assert_eq!(ana.line(), "CALL 1 1");
    ana.type_bytes(b"HERE 1\n");
    assert_eq!(ana.line(), "DONE 1");
    assert_eq!(ana.rest(), "");
    drop(ana);
    bank.wait_for_log(&["served", "ticket=1"]);

    // A silent client is shown out after --idle-timeout.
    let mut silent = Nc::connect(bank.addr);
    assert_eq!(silent.line(), "ERR timeout: no complete line within 0.3 s");
    drop(silent);

    // A called customer who never says HERE, after --here-timeout.
    let (mut mute, slip) = Nc::take_ticket(bank.addr, "mute");
    assert_eq!(slip, "TICKET 2");
    assert_eq!(mute.line(), "CALL 2 1");
    // Meanwhile the bank is full: two customers inside at most.
    let (mut waiting, slip) = Nc::take_ticket(bank.addr, "waiting");
    assert_eq!(slip, "TICKET 3");
    let mut third = Nc::connect(bank.addr);
    assert_eq!(
        third.line(),
        "ERR busy: 2 customers already in the bank; try again later"
    );
    assert_eq!(
        mute.line(),
        "ERR timeout: no HERE for ticket 2 within 0.3 s"
    );
    assert_eq!(waiting.line(), "CALL 3 1", "the teller moved on");
    waiting.type_bytes(b"HERE 3\n");
    assert_eq!(waiting.line(), "DONE 3");

    let log = bank.close_and_read_log();
    for moment in [
        "ticket",
        "called",
        "at_counter",
        "served",
        "abandon",
        "reject",
    ] {
        assert!(
            log.iter().any(|l| l.contains(moment)),
            "{moment} in the log: {log:#?}"
        );
    }
}

#[test]
fn a_round_robin_bank_by_hand_pauses_between_slices_and_logs_each_pause() {
    let mut bank = BankProcess::start(
        BANK,
        &["--tellers", "1", "--policy", "rr", "--quantum", "30"],
    );
    assert!(
        bank.welcome.contains("1 teller, rr, quantum 30 ms,"),
        "{}",
        bank.welcome
    );
    let mut ana = Nc::connect(bank.addr);
    ana.type_bytes("TICKET 张三 70\n".as_bytes());
    assert_eq!(ana.line(), "TICKET 1");
    // 70 ms in slices of 30: PAUSE, PAUSE, DONE; each CALL answered by hand.
    for end in ["PAUSE 1", "PAUSE 1", "DONE 1"] {
        assert_eq!(ana.line(), "CALL 1 1");
        ana.type_bytes(b"HERE 1\n");
        assert_eq!(ana.line(), end);
    }
    assert_eq!(ana.rest(), "");
    bank.wait_for_log(&["served", "ticket=1"]);
    let log = bank.close_and_read_log();
    let pauses = log.iter().filter(|l| l.contains("paused")).count();
    assert_eq!(pauses, 2, "each PAUSE in the log: {log:#?}");
}

#[test]
fn no_escape_sequence_from_a_client_reaches_the_log_or_a_reply() {
    let bank = BankProcess::start(BANK, &["--tellers", "1"]);
    let hostile: [&[u8]; 7] = [
        b"TICKET \x1b[31mred 5\n",
        b"\x1b]0;pwned\x07\n",
        "HELLO\u{202e}dlrow\n".as_bytes(),
        "TICKET a\u{200b}b 5\n".as_bytes(),
        b"TICKET ana \x1b[2J\n",
        b"HERE \x9b31m\n",
        b"\x1b[31mTICKET\x1b[0m ana 5\n",
    ];
    for line in hostile {
        let mut nc = Nc::connect(bank.addr);
        nc.type_bytes(line);
        let reply = nc.line();
        assert!(reply.starts_with("ERR "), "{line:?}: {reply:?}");
        assert!(
            !reply
                .chars()
                .any(|c| c.is_control() || c == '\u{202e}' || c == '\u{200b}'),
            "{line:?}: {reply:?}"
        );
    }
    let log = bank.close_and_read_log();
    let rejects = log.iter().filter(|l| l.contains("reject")).count();
    assert_eq!(
        rejects,
        hostile.len(),
        "every line refused, and logged: {log:#?}"
    );
    for line in &log {
        assert!(
            !line
                .chars()
                .any(|c| c.is_control() || c == '\u{202e}' || c == '\u{200b}'),
            "a raw character reached the log: {line:?}"
        );
    }
}
