//! A bank that survives its customers: garbage, hang-ups, silence, customers
//! who never come to the counter, and more customers than it has room for.
//!
//! Each test runs a real bank ([`Embedded`] on a loopback port) and plays its
//! customers with plain blocking sockets, or with a demo's own customers.
//! Timeouts in these banks are short so that the tests are quick; every check
//! is on counts and orderings, or on lower bounds of time (a timeout never
//! fires early), never on exact milliseconds. Every read has a deadline, so a
//! broken bank fails a test instead of hanging it.
//!
//! `docs/bank-guarantees.md` lists which promise each test holds the bank to.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use bank::Config;
use bank::policy::{PolicyKind, Slices};
use bank::protocol::{BOM, MAX_LINE, ProtocolError, Reply, Request, TicketNo};
use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, TestRunner};
use scene::demo;
use testkit::client::{Client, PATIENCE, bank, recorded_bank, recorded_bank_of, recorded_until};
use testkit::scene::crowd;
use timeline::style::Style;
use timeline::trace::Outcome;
use timeline::{Event, Kind, Lane, Recorder};

/// The bank's own moments (front door and tellers), in order.
fn bank_side(events: &[Event]) -> impl Iterator<Item = &Event> {
    events
        .iter()
        .filter(|e| matches!(e.lane, Lane::Bank | Lane::Teller(_)))
}

/// For each ticket the bank issued, how many times it ended (served or abandoned).
fn endings(events: &[Event]) -> BTreeMap<TicketNo, u32> {
    let mut ends: BTreeMap<TicketNo, u32> = BTreeMap::new();
    for e in bank_side(events) {
        match (e.lane, &e.kind) {
            (Lane::Bank, Kind::Ticket { ticket }) => {
                ends.entry(*ticket).or_default();
            }
            (
                _,
                Kind::Served { ticket, .. }
                | Kind::Abandon {
                    ticket: Some(ticket),
                },
            ) => {
                *ends.entry(*ticket).or_default() += 1;
            }
            _ => {}
        }
    }
    ends
}

/// The reasons of every `reject` the bank recorded.
fn rejects(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            Kind::Reject { reason } => Some(reason.clone()),
            _ => None,
        })
        .collect()
}

/// What the bank must answer to `line` sent as a customer's first line: its
/// slip, or the refusal the protocol gives.
fn expected_answer(line: &[u8]) -> Result<(), String> {
    // A byte-order mark that starts a connection is not part of its line.
    let line = line.strip_prefix(BOM).unwrap_or(line);
    let request = if line.len() > MAX_LINE + 1 {
        Err(ProtocolError::TooLong)
    } else {
        Request::from_bytes(line)
    };
    match request {
        Ok(Request::Ticket { .. }) => Ok(()),
        Ok(Request::Here(_)) => Err("take a TICKET first".to_owned()),
        Err(err) => Err(err.to_string()),
    }
}

/// One connection of garbage of kind `kind`; checks the bank's answer.
/// Returns whether an `ERR` came back.
fn garbage(addr: SocketAddr, kind: u32, rng: &mut fastrand::Rng) -> bool {
    let mut client = Client::enter(addr);
    let random_line = |rng: &mut fastrand::Rng, len: usize| -> Vec<u8> {
        (0..len)
            .map(|_| match rng.u8(..) {
                b'\n' => b' ',
                b => b,
            })
            .collect()
    };
    let line: Vec<u8> = match kind {
        0 => {
            let len = rng.usize(1..300);
            random_line(rng, len)
        }
        1 => vec![b'A' + rng.u8(0..26); rng.usize(MAX_LINE + 2..3000)],
        2 => {
            let bad = [
                "TICKET ana -5",
                "TICKET ana 0",
                "TICKET ana NaN",
                "TICKET ana inf",
                "TICKET ana 1e999",
                "TICKET ana 99999999999",
                "TICKET ana 0x10",
                "HERE -1",
                "HERE 1.5",
                "HERE 99999999999999999999999",
            ];
            bad[rng.usize(..bad.len())].as_bytes().to_vec()
        }
        3 => {
            let mut line = b"TICKET ".to_vec();
            line.extend([0xff, 0xfe, 0xc3, 0x28, 0xe2, 0x82][rng.usize(0..6)..].iter());
            line.extend(b" 50");
            line
        }
        4 => {
            let names = [
                "\x1b[31mred",
                "a\x07b",
                "x\x1b]0;title\x07",
                "tab\there",
                "\x7f",
            ];
            format!("TICKET {} 50", names[rng.usize(..names.len())]).into_bytes()
        }
        5 => return false, // connects and hangs up at once
        6 => {
            client.send_bytes(b"TICKET half");
            return false; // half a line, then gone
        }
        _ => {
            // An endless line: no newline at all.
            let len = rng.usize(MAX_LINE + 2..1000);
            client.send_bytes(&random_line(rng, len));
            assert_eq!(client.refused(), ProtocolError::TooLong.to_string());
            return true;
        }
    };
    client.send_bytes(&line);
    client.send_bytes(b"\n");
    match expected_answer(&line) {
        Ok(()) => {
            // A random line that is a valid TICKET: take the slip and leave.
            assert!(matches!(client.reply(), Reply::Ticket(_)), "{line:?}");
            false
        }
        Err(reason) => {
            assert_eq!(client.refused(), reason, "{line:?}");
            true
        }
    }
}

#[test]
fn a_thousand_garbage_connections_do_not_stop_fifty_customers() {
    // 8 garbage connections at a time plus 50 customers: within any limit,
    // but raise it as the demos do.
    let _ = scene::limits::raise_open_files();
    let scene = crowd(50);
    let bank = bank(Config {
        tellers: scene.tellers,
        idle_timeout: Duration::from_secs(5),
        ..Config::default()
    });
    let addr = bank.addr();

    // Garbage keeps coming until the customers are done and 1,000 have come.
    let customers_done = Arc::new(AtomicBool::new(false));
    let gangs: Vec<_> = (0..8u64)
        .map(|gang| {
            let customers_done = customers_done.clone();
            std::thread::spawn(move || {
                let mut rng = fastrand::Rng::with_seed(gang);
                let (mut sent, mut refused) = (0u32, 0u32);
                while sent < 125 || !customers_done.load(Ordering::Relaxed) {
                    refused += u32::from(garbage(addr, sent % 8, &mut rng));
                    sent += 1;
                }
                (sent, refused)
            })
        })
        .collect();

    let run = demo::run_recorded(
        Style::AsyncNonblocking,
        async_nonblocking::customers,
        scene,
        Some(addr),
    )
    .expect("the customers can start");
    customers_done.store(true, Ordering::Relaxed);
    let (mut sent, mut refused) = (0, 0);
    for gang in gangs {
        let (s, r) = gang.join().expect("every garbage answer was right");
        sent += s;
        refused += r;
    }

    assert!(run.failures.is_empty(), "{:?}", run.failures);
    let served = run
        .trace
        .customers
        .iter()
        .filter(|c| c.outcome == Outcome::Served)
        .count();
    assert_eq!(served, 50, "all fifty served");
    assert!(sent >= 1000, "{sent} garbage connections");
    assert!(refused >= 600, "{refused} of {sent} got ERR");
    eprintln!("{sent} garbage connections, {refused} refused with ERR, 50 customers served");

    // And the bank is still open for business.
    let mut late = Client::enter(addr);
    let t = late.take_ticket("late", 5);
    assert_eq!(late.called().0, t);
    late.be_served(t);
}

/// Where a customer who hangs up early does so.
#[derive(Clone, Copy, Debug)]
enum HangUp {
    /// Connects, then leaves without a word.
    BeforeTicket,
    /// Half a `TICKET` line, then gone.
    MidTicketLine,
    /// Takes the slip and leaves the queue.
    AfterSlip,
    /// Called to the counter, and never comes.
    AfterCall,
    /// Half a `HERE` line, then gone.
    MidHere,
    /// At the counter, gone before `DONE`.
    DuringService,
    /// Paused after a turn (round robin), and gone while back in line.
    AfterPause,
    /// Paused after a turn, called again, and never comes.
    AtTheNextCall,
}

/// What one customer of the hang-up test did: the ticket they got (if any)
/// and whether they stayed to the end.
struct Visit {
    /// Their ticket, once issued.
    ticket: Option<TicketNo>,
    /// Served to the end.
    stayed: bool,
}

/// One customer owed `service_ms`: stays to `DONE`, or hangs up at `leave`.
fn visit(addr: SocketAddr, id: usize, leave: Option<HangUp>, service_ms: u32) -> Visit {
    let mut c = Client::enter(addr);
    let name = format!("c{id}");
    let gone = |ticket| Visit {
        ticket,
        stayed: false,
    };
    match leave {
        Some(HangUp::BeforeTicket) => return gone(None),
        Some(HangUp::MidTicketLine) => {
            c.send_bytes(format!("TICKET {name}").as_bytes());
            return gone(None);
        }
        _ => {}
    }
    let service = if matches!(leave, Some(HangUp::DuringService)) {
        2_000
    } else {
        service_ms
    };
    let t = c.take_ticket(&name, service);
    if matches!(leave, Some(HangUp::AfterSlip)) {
        return gone(Some(t));
    }
    assert_eq!(c.called().0, t);
    match leave {
        Some(HangUp::AfterCall) => return gone(Some(t)),
        Some(HangUp::MidHere) => {
            c.send_bytes(b"HER");
            return gone(Some(t));
        }
        Some(HangUp::DuringService) => {
            c.send(&format!("HERE {t}"));
            return gone(Some(t));
        }
        Some(HangUp::AfterPause | HangUp::AtTheNextCall) => {
            c.send(&format!("HERE {t}"));
            assert_eq!(
                c.reply(),
                Reply::Pause(t),
                "a turn shorter than the service"
            );
            if matches!(leave, Some(HangUp::AtTheNextCall)) {
                assert_eq!(c.called().0, t);
            }
            return gone(Some(t));
        }
        _ => {}
    }
    c.be_served_in_turns(t);
    Visit {
        ticket: Some(t),
        stayed: true,
    }
}

#[test]
fn when_one_in_ten_hangs_up_every_ticket_ends_once_and_the_queue_moves() {
    let points = [
        HangUp::BeforeTicket,
        HangUp::MidTicketLine,
        HangUp::AfterSlip,
        HangUp::AfterCall,
        HangUp::MidHere,
        HangUp::DuringService,
    ];
    let events = one_in_ten_hang_up(Config::default(), &points, 5);

    // First come, first served, hang-ups or not: calls go out in ticket order.
    let calls: Vec<TicketNo> = bank_side(&events)
        .filter_map(|e| match e.kind {
            Kind::Called { ticket, .. } => Some(ticket),
            _ => None,
        })
        .collect();
    assert!(
        calls.windows(2).all(|w| w[0] < w[1]),
        "calls in ticket order: {calls:?}"
    );
}

#[test]
fn under_round_robin_too_every_ticket_ends_once_whoever_hangs_up_between_turns() {
    // Slices of 10 ms: everyone who stays (25 ms of service) is paused
    // twice; the leavers leave at every point, also after a PAUSE.
    let config = Config {
        policy: PolicyKind::Rr,
        slices: Slices::of(PolicyKind::Rr, Some(10.0), None, None).expect("rr takes a quantum"),
        ..Config::default()
    };
    let points = [
        HangUp::AfterPause,
        HangUp::AtTheNextCall,
        HangUp::AfterSlip,
        HangUp::AfterCall,
        HangUp::MidHere,
        HangUp::DuringService,
    ];
    let events = one_in_ten_hang_up(config, &points, 25);
    let pauses = bank_side(&events)
        .filter(|e| matches!(e.kind, Kind::Paused { .. }))
        .count();
    assert!(
        pauses >= 180,
        "ninety served in three turns each: {pauses} PAUSEs"
    );
}

/// A hundred customers, one every 2 ms, each owed `service_ms`, at a bank
/// of three tellers set up as `config`; ten of them hang up, at least one
/// at each of `points` and the rest at random ones among them. Checks that
/// every ticket the bank issued ends exactly once, and that exactly the
/// ninety who stayed are served; returns what the bank recorded.
fn one_in_ten_hang_up(config: Config, points: &[HangUp], service_ms: u32) -> Vec<Event> {
    let recorder = Recorder::new();
    let origin = Instant::now();
    let bank = recorded_bank(
        Config {
            tellers: 3,
            ..config
        },
        &recorder,
    );
    let addr = bank.addr();

    let mut rng = fastrand::Rng::with_seed(4);
    let mut plans: Vec<Option<HangUp>> = vec![None; 100];
    // Ten leave, at least one at each point, the rest at random points.
    let mut leavers: Vec<usize> = (0..100).collect();
    rng.shuffle(&mut leavers);
    for (k, &who) in leavers.iter().take(10).enumerate() {
        let point = points.get(k).copied();
        plans[who] = Some(point.unwrap_or(points[rng.usize(..points.len())]));
    }
    let visits: Vec<_> = plans
        .iter()
        .enumerate()
        .map(|(id, &leave)| {
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(id as u64 * 2));
                visit(addr, id, leave, service_ms)
            })
        })
        .collect();
    let visits: Vec<Visit> = visits
        .into_iter()
        .map(|v| v.join().expect("every customer's visit went as planned"))
        .collect();

    let issued: BTreeSet<TicketNo> = visits.iter().filter_map(|v| v.ticket).collect();
    let mut events = Vec::new();
    recorded_until(&recorder, origin, &mut events, |events| {
        let ends = endings(events);
        issued.iter().all(|t| ends.get(t).is_some_and(|&n| n > 0))
    });
    bank.stop();
    events.extend(recorder.take(origin));

    let ends = endings(&events);
    assert_eq!(
        ends.keys().copied().collect::<BTreeSet<_>>(),
        issued,
        "the bank issued exactly the tickets the customers got"
    );
    for (ticket, times) in &ends {
        assert_eq!(*times, 1, "ticket {ticket} ends once, served or abandoned");
    }
    let served: BTreeSet<TicketNo> = bank_side(&events)
        .filter_map(|e| match e.kind {
            Kind::Served { ticket, .. } => Some(ticket),
            _ => None,
        })
        .collect();
    let stayed: BTreeSet<TicketNo> = visits
        .iter()
        .filter(|v| v.stayed)
        .filter_map(|v| v.ticket)
        .collect();
    assert_eq!(stayed.len(), 90, "ninety stayed and were served");
    assert_eq!(served, stayed, "served: exactly those who stayed");
    events
}

#[test]
fn a_closing_bank_tells_everyone_inside_and_ends_every_ticket_once() {
    let recorder = Recorder::new();
    let origin = Instant::now();
    let bank = recorded_bank_of(1, &recorder);
    let addr = bank.addr();
    // One in the doorway (first in: accepted before the others), one at
    // the counter for ten minutes, one in the queue behind.
    let mut doorway = Client::enter(addr);
    let mut served = Client::enter(addr);
    let s = served.take_ticket("served", 600_000);
    assert_eq!(served.called(), (s, 1));
    served.send(&format!("HERE {s}"));
    let mut queued = Client::enter(addr);
    let q = queued.take_ticket("queued", 10);
    let mut seen = Vec::new();
    recorded_until(&recorder, origin, &mut seen, |events| {
        events
            .iter()
            .any(|e| matches!(e.kind, Kind::AtCounter { .. }))
    });

    let closing = Instant::now();
    bank.stop();
    let took = closing.elapsed();
    // Half a second of grace at most; a loaded machine gets more slack.
    assert!(took < Duration::from_secs(3), "closed in {took:?}");
    for (who, client) in [
        ("doorway", &mut doorway),
        ("counter", &mut served),
        ("queue", &mut queued),
    ] {
        assert_eq!(client.refused(), "closing: the bank is closing", "{who}");
    }
    seen.extend(recorder.take(origin));
    assert_eq!(
        endings(&seen),
        BTreeMap::from([(s, 1), (q, 1)]),
        "both tickets abandoned, once each"
    );
    let told = rejects(&seen)
        .into_iter()
        .filter(|r| r == "closing: the bank is closing")
        .count();
    assert_eq!(told, 3, "each refusal recorded");
}

#[test]
fn a_silent_or_half_line_client_is_shown_out_and_never_holds_a_teller() {
    let idle = Duration::from_secs(2);
    let recorder = Recorder::new();
    let origin = Instant::now();
    let bank = recorded_bank(
        Config {
            tellers: 1,
            idle_timeout: idle,
            ..Config::default()
        },
        &recorder,
    );
    let addr = bank.addr();

    let before = Instant::now();
    let mut silent = Client::enter(addr);
    let mut half = Client::enter(addr);
    half.send_bytes(b"TICKET ha");

    // Someone who came after them is served by the one teller meanwhile,
    // and so is someone who types their line slowly, in pieces.
    let mut real = Client::enter(addr);
    let t = real.take_ticket("real", 10);
    assert_eq!(real.called(), (t, 1), "the silent ones hold no teller");
    real.be_served(t);
    let mut slow = Client::enter(addr);
    slow.send_bytes(b"TICK");
    std::thread::sleep(Duration::from_millis(50));
    slow.send_bytes(b"ET slow 5\n");
    let Reply::Ticket(s) = slow.reply() else {
        panic!("a line typed in pieces is one line")
    };
    assert_eq!(slow.called(), (s, 1));
    slow.be_served(s);

    let within = format!("timeout: no complete line within {} s", idle.as_secs());
    assert_eq!(silent.refused(), within);
    assert_eq!(half.refused(), within);
    assert!(before.elapsed() >= idle, "not before the timeout");

    bank.stop();
    let events = recorder.take(origin);
    assert_eq!(
        rejects(&events),
        [within.clone(), within],
        "recorded as refusals"
    );
    let tickets: Vec<_> = bank_side(&events)
        .filter_map(|e| e.kind.ticket())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(tickets, [t, s], "no ticket for the silent ones");
}

#[test]
fn a_called_customer_who_never_says_here_is_abandoned_and_the_teller_moves_on() {
    let here = Duration::from_millis(400);
    let recorder = Recorder::new();
    let origin = Instant::now();
    let bank = recorded_bank(
        Config {
            tellers: 1,
            here_timeout: here,
            ..Config::default()
        },
        &recorder,
    );
    let mut mute = Client::enter(bank.addr());
    let mut next = Client::enter(bank.addr());
    let m = mute.take_ticket("mute", 10);
    let n = next.take_ticket("next", 10);
    assert_eq!(mute.called(), (m, 1));

    // The mute customer says nothing; the teller gives up and calls the next.
    assert_eq!(next.called(), (n, 1));
    let reason = mute.refused();
    assert_eq!(
        reason,
        format!("timeout: no HERE for ticket {m} within 0.4 s")
    );
    next.be_served(n);

    bank.stop();
    let events = recorder.take(origin);
    let teller: Vec<(u64, Kind)> = events
        .iter()
        .filter(|e| e.lane == Lane::Teller(1))
        .map(|e| (e.t_us, e.kind.clone()))
        .collect();
    let kinds: Vec<&Kind> = teller.iter().map(|(_, k)| k).collect();
    assert_eq!(
        kinds,
        [
            &Kind::Called {
                ticket: m,
                teller: 1,
                unread_us: None
            },
            &Kind::Abandon { ticket: Some(m) },
            &Kind::Called {
                ticket: n,
                teller: 1,
                unread_us: None
            },
            &Kind::AtCounter { ticket: n },
            &Kind::Served {
                ticket: n,
                unread_us: None
            },
        ],
        "abandoned, and the next ticket called at once"
    );
    let waited = Duration::from_micros(teller[1].0 - teller[0].0);
    assert!(
        waited >= here,
        "the teller waited the whole timeout: {waited:?}"
    );
    assert_eq!(rejects(&events), [reason], "the reason is on the timeline");
}

#[test]
fn past_the_cap_a_newcomer_hears_busy_and_the_bank_goes_on() {
    let recorder = Recorder::new();
    let origin = Instant::now();
    let bank = recorded_bank(
        Config {
            tellers: 1,
            max_customers: 3,
            ..Config::default()
        },
        &recorder,
    );
    let addr = bank.addr();
    let mut inside: Vec<Client> = (0..3).map(|_| Client::enter(addr)).collect();
    let tickets: Vec<TicketNo> = inside
        .iter_mut()
        .enumerate()
        .map(|(i, c)| c.take_ticket(&format!("in{i}"), 5))
        .collect();

    let busy = "busy: 3 customers already in the bank; try again later";
    for _ in 0..3 {
        assert_eq!(Client::enter(addr).refused(), busy);
    }

    // One is served and leaves: their place frees up once the connection is closed.
    let mut first = inside.remove(0);
    assert_eq!(first.called().0, tickets[0]);
    first.be_served(tickets[0]);
    drop(first);
    let deadline = Instant::now() + PATIENCE;
    let (mut newcomer, n) = loop {
        let mut c = Client::enter(addr);
        c.send("TICKET newcomer 5");
        match c.reply() {
            Reply::Ticket(n) => break (c, n),
            Reply::Err(reason) if reason == busy && Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(20));
            }
            other => panic!("wanted a ticket once a place was free, got {other}"),
        }
    };
    for (c, &t) in inside.iter_mut().zip(&tickets[1..]) {
        assert_eq!(c.called().0, t);
        c.be_served(t);
    }
    assert_eq!(newcomer.called().0, n);
    newcomer.be_served(n);

    bank.stop();
    let events = recorder.take(origin);
    assert!(
        rejects(&events).iter().filter(|r| *r == busy).count() >= 3,
        "the busy ones are on the timeline"
    );
}

#[test]
fn any_first_line_through_a_real_socket_gets_what_the_protocol_says() {
    let bank = bank(Config {
        tellers: 4,
        ..Config::default()
    });
    let addr = bank.addr();
    let valid = [
        "TICKET 张三 400",
        "HERE 3",
        "TICKET ana_1 0.5\r",
        "TICKET a 1",
    ];
    let line = prop_oneof![
        prop::collection::vec(any::<u8>().prop_filter("one line", |b| *b != b'\n'), 0..300),
        (
            prop::sample::select(valid.to_vec()),
            prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4)
        )
            .prop_map(|(line, edits)| {
                let mut bytes = line.as_bytes().to_vec();
                for (at, b) in edits {
                    let b = if b == b'\n' { b' ' } else { b };
                    bytes.insert(at.index(bytes.len() + 1), b);
                }
                bytes
            }),
        // A byte-order mark first, as some editors and Windows tools send.
        prop::sample::select(valid.to_vec()).prop_map(|line| [BOM, line.as_bytes()].concat()),
    ];
    let mut runner = TestRunner::new(ProptestConfig {
        cases: 300,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    runner
        .run(&line, |line| {
            let mut client = Client::enter(addr);
            client.send_bytes(&line);
            client.send_bytes(b"\n");
            match expected_answer(&line) {
                Ok(()) => prop_assert!(matches!(client.reply(), Reply::Ticket(_))),
                Err(reason) => prop_assert_eq!(client.refused(), reason),
            }
            Ok(())
        })
        .expect("the bank answers every line as the protocol says");
}
