//! The bank protocol, against a real bank on a loopback port.
//!
//! Each test starts its own bank ([`Embedded`] on `127.0.0.1:0`, or [`serve`]
//! on a runtime) and plays customers with plain blocking sockets, the way a
//! person with `nc` would. Every read has a timeout, so a broken bank fails a
//! test instead of hanging it. Times are checked as lower bounds only, and
//! "nothing happened" is checked over a short window: such a check can miss
//! a bug on a slow day, but never fails a correct bank.

use std::io::ErrorKind;
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use bank::policy::{PolicyKind, Slices};
use bank::protocol::{Reply, TicketNo};
use bank::{Config, Embedded, serve};
use testkit::client::{Client, PATIENCE, bank, bank_of, recorded_bank_of, recorded_until};
use timeline::{Event, Kind, Lane, Recorder};

/// Bytes that look random, the same on every run.
fn noise(len: usize) -> Vec<u8> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..len)
        .map(|_| {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (x >> 56) as u8
        })
        .collect()
}

/// Everything `recorder` has recorded until `found` holds of it, or panics
/// The moments recorded on `lane`, as kinds.
fn on_lane(events: &[Event], lane: Lane) -> Vec<Kind> {
    events
        .iter()
        .filter(|e| e.lane == lane)
        .map(|e| e.kind.clone())
        .collect()
}

#[test]
fn a_full_visit_and_tickets_called_in_order() {
    let bank = bank_of(1);
    let mut ana = Client::enter(bank.addr());
    let mut bo = Client::enter(bank.addr());
    let mut cy = Client::enter(bank.addr());

    let a = ana.take_ticket("ana", 20);
    let b = bo.take_ticket("张三", 20);
    // Lines may end with \r\n, as telnet sends them.
    cy.send_bytes(b"TICKET cy 20\r\n");
    let Reply::Ticket(c) = cy.reply() else {
        panic!("cy wanted a ticket")
    };
    assert!(a < b && b < c, "tickets {a}, {b}, {c} must increase");

    assert_eq!(ana.called(), (a, 1));
    assert!(bo.hears_nothing(), "one teller, and ana is not done");
    ana.be_served(a);

    assert_eq!(bo.called(), (b, 1), "first come, first served");
    assert!(cy.hears_nothing(), "bo is not done yet");
    bo.be_served(b);

    assert_eq!(cy.called(), (c, 1));
    cy.send_bytes(format!("HERE {c}\r\n").as_bytes());
    assert_eq!(cy.reply(), Reply::Done(c));
    cy.hung_up();
}

#[test]
fn the_teller_waits_for_here_then_serves_the_full_time() {
    let bank = bank_of(1);
    let mut slow = Client::enter(bank.addr());
    let mut next = Client::enter(bank.addr());
    let s = slow.take_ticket("slow", 150);
    let n = next.take_ticket("next", 10);
    assert_eq!(slow.called(), (s, 1));

    // The slow customer takes their time: the teller keeps waiting for them.
    std::thread::sleep(Duration::from_millis(300));
    assert!(next.hears_nothing(), "the teller must wait for HERE");

    let here = Instant::now();
    slow.send(&format!("HERE {s}"));
    assert_eq!(slow.reply(), Reply::Done(s));
    let took = here.elapsed();
    assert!(
        took >= Duration::from_millis(150),
        "served for {took:?}, asked 150 ms"
    );
    slow.hung_up();

    assert_eq!(next.called(), (n, 1));
    next.be_served(n);
}

#[test]
fn bad_lines_are_refused_while_others_are_served() {
    let bank = bank_of(2);
    let mut good = Client::enter(bank.addr());
    let g = good.take_ticket("good", 30);
    assert_eq!(good.called().0, g);

    let mut random = noise(200);
    random.push(b'\n');
    let overlong = format!("{}\n", "x".repeat(300));
    let cases: [(&str, &[u8], &str); 10] = [
        ("random bytes", &random, ""),
        ("unknown command", b"HELLO bank\n", "unknown command HELLO"),
        (
            "overlong line",
            overlong.as_bytes(),
            "longer than 256 bytes",
        ),
        ("negative service", b"TICKET a -5\n", "service_ms"),
        ("service not a number", b"TICKET a x\n", "service_ms"),
        ("wrong arity", b"TICKET a\n", "usage: TICKET"),
        ("invalid UTF-8", b"TICKET \xff\xfe 5\n", "not UTF-8"),
        (
            "escape sequence in a name",
            b"TICKET \x1b[31mred 5\n",
            "control characters",
        ),
        ("HERE without a ticket", b"HERE 1\n", "TICKET first"),
        ("empty line", b"\n", "empty line"),
    ];
    for (what, bytes, reason) in cases {
        let mut bad = Client::enter(bank.addr());
        bad.send_bytes(bytes);
        let got = bad.refused();
        assert!(
            got.contains(reason),
            "{what}: ERR {got:?}, wanted {reason:?}"
        );
    }

    // Called by the second teller, the customer answers with another number.
    let mut wrong = Client::enter(bank.addr());
    let w = wrong.take_ticket("wrong", 10);
    assert_eq!(wrong.called(), (w, 2));
    wrong.send(&format!("HERE {}", w + 100));
    let reason = wrong.refused();
    assert!(
        reason.contains(&format!("not {}", w + 100)),
        "ERR {reason:?}"
    );

    // Through all this, the good customer is still served, and so is a newcomer.
    good.be_served(g);
    let mut late = Client::enter(bank.addr());
    let l = late.take_ticket("late", 10);
    late.called();
    late.be_served(l);
}

#[test]
fn speaking_out_of_turn_in_the_queue_is_refused_and_the_queue_moves_on() {
    let bank = bank_of(1);
    let mut first = Client::enter(bank.addr());
    let f = first.take_ticket("first", 10);
    assert_eq!(first.called().0, f);

    let mut twice = Client::enter(bank.addr());
    let t = twice.take_ticket("twice", 10);
    twice.send("TICKET twice 10");
    assert!(
        twice
            .refused()
            .contains(&format!("already hold ticket {t}"))
    );

    let mut eager = Client::enter(bank.addr());
    let e = eager.take_ticket("eager", 10);
    eager.send(&format!("HERE {e}"));
    assert!(eager.refused().contains("not been called yet"));

    let mut patient = Client::enter(bank.addr());
    let p = patient.take_ticket("patient", 10);
    first.be_served(f);
    assert_eq!(patient.called(), (p, 1), "the refused ones left the queue");
    patient.be_served(p);
}

#[test]
fn a_customer_who_leaves_the_queue_is_abandoned_and_the_next_is_called() {
    let recorder = Recorder::new();
    let origin = Instant::now();
    let bank = recorded_bank_of(1, &recorder);
    let mut ana = Client::enter(bank.addr());
    let mut bo = Client::enter(bank.addr());
    let mut cy = Client::enter(bank.addr());
    let a = ana.take_ticket("ana", 10);
    let b = bo.take_ticket("bo", 10);
    let c = cy.take_ticket("cy", 10);
    assert_eq!(ana.called().0, a);

    drop(bo);
    let mut events = Vec::new();
    recorded_until(&recorder, origin, &mut events, |events| {
        on_lane(events, Lane::Bank).contains(&Kind::Abandon { ticket: Some(b) })
    });

    ana.be_served(a);
    assert_eq!(cy.called(), (c, 1), "bo's ticket is skipped");
    cy.be_served(c);

    bank.stop();
    events.extend(recorder.take(origin));
    let front_door = on_lane(&events, Lane::Bank);
    for t in [a, b, c] {
        assert!(
            front_door.contains(&Kind::Ticket { ticket: t }),
            "ticket {t}: {front_door:?}"
        );
    }
    let teller = on_lane(&events, Lane::Teller(1));
    assert_eq!(
        teller,
        [
            Kind::Called {
                ticket: a,
                teller: 1,
                unread_us: None,
            },
            Kind::AtCounter { ticket: a },
            Kind::Served {
                ticket: a,
                unread_us: None,
            },
            Kind::Called {
                ticket: c,
                teller: 1,
                unread_us: None,
            },
            Kind::AtCounter { ticket: c },
            Kind::Served {
                ticket: c,
                unread_us: None,
            },
        ]
    );
}

#[test]
fn a_called_customer_who_leaves_is_given_up_at_once() {
    let recorder = Recorder::new();
    let origin = Instant::now();
    let bank = recorded_bank_of(1, &recorder);
    let mut gone = Client::enter(bank.addr());
    let mut next = Client::enter(bank.addr());
    let g = gone.take_ticket("gone", 10_000);
    let n = next.take_ticket("next", 10);
    assert_eq!(gone.called().0, g);

    drop(gone);
    assert_eq!(next.called(), (n, 1), "the teller moves on");
    next.be_served(n);

    bank.stop();
    let events = recorder.take(origin);
    let teller = on_lane(&events, Lane::Teller(1));
    assert_eq!(
        teller[..2],
        [
            Kind::Called {
                ticket: g,
                teller: 1,
                unread_us: None,
            },
            Kind::Abandon { ticket: Some(g) }
        ]
    );
}

#[test]
fn a_customer_who_leaves_during_service_frees_the_teller() {
    let bank = bank_of(1);
    let mut gone = Client::enter(bank.addr());
    let mut next = Client::enter(bank.addr());
    let g = gone.take_ticket("gone", 60_000);
    let n = next.take_ticket("next", 10);
    assert_eq!(gone.called().0, g);
    gone.send(&format!("HERE {g}"));
    // Make sure the service has started before leaving.
    assert!(gone.hears_nothing());
    drop(gone);
    assert_eq!(next.called(), (n, 1), "no waiting out a minute of service");
    next.be_served(n);
}

#[test]
fn serve_runs_on_any_runtime_until_shutdown() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime can be built in a test");
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("a free loopback port");
    let addr = listener
        .local_addr()
        .expect("a bound listener has an address");
    let (close, closed) = tokio::sync::oneshot::channel::<()>();
    let config = Config {
        tellers: 3,
        ..Config::default()
    };
    let bank = runtime.spawn(serve(listener, config, async {
        let _ = closed.await;
    }));

    let mut customers: Vec<_> = (0..3).map(|_| Client::enter(addr)).collect();
    let tickets: Vec<_> = customers
        .iter_mut()
        .enumerate()
        .map(|(i, c)| c.take_ticket(&format!("c{i}"), 20))
        .collect();
    let mut tellers: Vec<_> = customers.iter_mut().map(|c| c.called().1).collect();
    tellers.sort_unstable();
    assert_eq!(tellers, [1, 2, 3], "three tellers serve at once");
    for (c, t) in customers.iter_mut().zip(tickets) {
        c.be_served(t);
    }

    close.send(()).expect("the bank is still open");
    let served = runtime
        .block_on(async { tokio::time::timeout(PATIENCE, bank).await })
        .expect("the bank closes when told")
        .expect("the bank's task does not panic");
    assert!(served.is_ok(), "{served:?}");
}

#[test]
fn stop_closes_the_bank_and_reports_its_own_thread() {
    let bank = bank_of(1);
    let addr = bank.addr();
    let mut one = Client::enter(addr);
    let t = one.take_ticket("one", 5);
    one.called();
    one.be_served(t);
    let mut waiting = Client::enter(addr);
    waiting.take_ticket("late", 5);
    let _ = waiting.called();

    let usage = bank.stop().expect("the kernel reports a thread's usage");
    assert!(
        usage.voluntary_context_switches() > 0,
        "the bank thread slept in epoll: {usage:?}"
    );
    // A customer still at the counter hears why the bank shows them out.
    assert_eq!(waiting.refused(), "closing: the bank is closing");
    assert!(TcpStream::connect(addr).is_err(), "nobody listens any more");
}

#[test]
fn a_bank_without_tellers_is_refused() {
    let config = Config {
        tellers: 0,
        ..Config::default()
    };
    let err = Embedded::start(config, SocketAddr::from(([127, 0, 0, 1], 0)))
        .expect_err("no tellers, no bank");
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
}

/// A bank of `tellers` that follows `policy` with these slices.
fn bank_with(tellers: u32, policy: PolicyKind, slices: Option<Slices>) -> Embedded {
    bank(Config {
        tellers,
        policy,
        slices,
        ..Config::default()
    })
}

/// Round robin's slices: `quantum_ms`, one queue.
fn round_robin(quantum_ms: f64) -> Option<Slices> {
    Slices::of(PolicyKind::Rr, Some(quantum_ms), None, None).expect("rr takes a quantum")
}

#[test]
fn round_robin_pauses_at_the_end_of_each_slice_and_calls_the_next_in_line() {
    let bank = bank_with(1, PolicyKind::Rr, round_robin(20.0));
    let mut long = Client::enter(bank.addr());
    let l = long.take_ticket("long", 50);
    assert_eq!(long.called(), (l, 1));
    let mut short = Client::enter(bank.addr());
    let s = short.take_ticket("short", 10);

    let here = Instant::now();
    long.send(&format!("HERE {l}"));
    assert_eq!(long.reply(), Reply::Pause(l), "20 of 50 ms served");
    assert!(here.elapsed() >= Duration::from_millis(20), "a whole slice");
    assert_eq!(short.called(), (s, 1), "the other ticket's turn");
    assert!(
        long.hears_nothing(),
        "back in line: nothing until the next CALL"
    );
    short.be_served(s);
    // 20 + 20 + 10: two more turns, the last one short.
    assert_eq!(long.called(), (l, 1));
    assert_eq!(long.be_served_in_turns(l), (2, vec![1]));
}

#[test]
fn a_paused_customer_may_be_called_by_another_teller() {
    let bank = bank_with(2, PolicyKind::Rr, round_robin(30.0));
    let mut c: Vec<Client> = (0..3).map(|_| Client::enter(bank.addr())).collect();
    let t: Vec<TicketNo> = c
        .iter_mut()
        .enumerate()
        .map(|(i, c)| c.take_ticket(&format!("c{i}"), 100))
        .collect();
    // Everyone is served in full, turn by turn, wherever they are called.
    let visits: Vec<_> = c
        .into_iter()
        .zip(t)
        .map(|(mut c, t)| {
            std::thread::spawn(move || {
                let (_, first) = c.called();
                let (turns, then) = c.be_served_in_turns(t);
                (
                    turns,
                    std::iter::once(first).chain(then).collect::<Vec<_>>(),
                )
            })
        })
        .collect();
    let mut tellers = std::collections::BTreeSet::new();
    for visit in visits {
        let (turns, by) = visit.join().expect("every customer is served");
        assert_eq!(turns, 4, "100 ms in slices of 30: {by:?}");
        tellers.extend(by);
    }
    assert_eq!(tellers.len(), 2, "both tellers took turns");
}

#[test]
fn under_mlfq_a_newcomer_takes_the_counter_from_a_lower_queue() {
    // Slices of 20 and 40 ms; the long customer is in the second queue when
    // the newcomer comes.
    let slices = Slices::of(PolicyKind::Mlfq, Some(20.0), Some(2), None).expect("mlfq");
    let recorder = Recorder::new();
    let origin = Instant::now();
    let bank = testkit::client::recorded_bank(
        Config {
            tellers: 1,
            policy: PolicyKind::Mlfq,
            slices,
            ..Config::default()
        },
        &recorder,
    );
    let mut long = Client::enter(bank.addr());
    let l = long.take_ticket("long", 10_000);
    assert_eq!(long.called(), (l, 1));
    long.send(&format!("HERE {l}"));
    assert_eq!(long.reply(), Reply::Pause(l), "its top slice is used up");
    assert_eq!(long.called(), (l, 1), "alone: called again, one queue down");
    long.send(&format!("HERE {l}"));
    let mut newcomer = Client::enter(bank.addr());
    let n = newcomer.take_ticket("new", 5);
    let arrived = Instant::now();
    assert_eq!(long.reply(), Reply::Pause(l), "its 40 ms slice cut short");
    assert_eq!(newcomer.called(), (n, 1));
    assert!(arrived.elapsed() < Duration::from_secs(2), "called at once");
    newcomer.be_served(n);
    assert_eq!(long.called(), (l, 1), "the rest of its slice");

    let mut events = Vec::new();
    recorded_until(&recorder, origin, &mut events, |events| {
        events
            .iter()
            .filter(|e| matches!(e.kind, Kind::Called { ticket, .. } if ticket == l))
            .count()
            >= 3
    });
    bank.stop();
    let teller = on_lane(&events, Lane::Teller(1));
    let calls: Vec<TicketNo> = teller
        .iter()
        .filter_map(|k| match k {
            Kind::Called { ticket, .. } => Some(*ticket),
            _ => None,
        })
        .collect();
    assert_eq!(calls, [l, l, n, l], "every call recorded, in order");
    let pauses = teller
        .iter()
        .filter(|k| matches!(k, Kind::Paused { .. }))
        .count();
    assert_eq!(pauses, 2, "each PAUSE recorded on the teller's lane");
}

#[test]
fn a_boost_pauses_the_counter_and_everyone_starts_again_at_the_top() {
    // Slices of 30 and 60 ms, a boost every 150 ms: a long customer alone
    // is paused at the end of each slice, and at each boost.
    let slices =
        Slices::of(PolicyKind::Mlfq, Some(30.0), Some(2), Some(150.0)).expect("mlfq boosts");
    let bank = bank_with(1, PolicyKind::Mlfq, slices);
    let mut long = Client::enter(bank.addr());
    let l = long.take_ticket("long", 400);
    assert_eq!(long.called(), (l, 1));
    let (turns, _) = long.be_served_in_turns(l);
    // Without boosts: 30 + 60 × 6 + 10, 8 turns. The first boost (150 ms
    // after the bank opened, while the 400 ms are being served) cuts a turn
    // or shortens the next one to a top slice: more turns.
    assert!(turns > 8, "{turns} turns");
}
