//! `compare --replay` on a pseudo-terminal, its screen read through a
//! terminal emulator: pause holds, a step moves one column, and the
//! customers' rows at a paused moment are the trace cut at that moment.

use std::time::Duration;

use assert_cmd::cargo::cargo_bin;
use pictures::live::Board;
use ratatui_test::render_rows;
use testkit::tty::Tty;
use timeline::scenario::Generate;
use timeline::so_far;
use timeline::style::Style;
use timeline::trace::Trace;
use timeline::{Event, Kind, Lane, WaitHow, metrics, model};

mod ratatui_test {
    //! The rows a board draws, as the replay draws them, without a terminal.
    use pictures::live::Board;
    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;
    use ratatui::widgets::Widget;
    use unicode_width::UnicodeWidthStr;

    /// `board` drawn `columns` × `rows`, a line per row.
    pub fn render_rows(board: &Board, columns: u16, rows: u16) -> Vec<String> {
        let area = Rect::new(0, 0, columns, rows);
        let mut buf = Buffer::empty(area);
        board.render(area, &mut buf);
        (0..rows)
            .map(|y| {
                let mut line = String::new();
                let mut x = 0;
                while x < columns {
                    let symbol = buf[(x, y)].symbol();
                    line.push_str(symbol);
                    x += u16::try_from(symbol.width().max(1)).unwrap_or(1);
                }
                line.trim_end().to_owned()
            })
            .collect()
    }
}

/// Two customers and a teller over 2 s: 张三 served 200..1000, 李四 in line
/// from 100, on an errand 300..700, called at 1000, served 1100..1900.
fn recorded() -> Trace {
    let scenario = Generate {
        customers: 2,
        tellers: 1,
        ..Generate::default()
    }
    .scenario();
    let at = Event::at_ms;
    let (zhang, li, teller) = (Lane::Customer(0), Lane::Customer(1), Lane::Teller(1));
    let called = |ticket| Kind::Called {
        ticket,
        teller: 1,
        unread_us: None,
    };
    let served = |ticket| Kind::Served {
        ticket,
        unread_us: None,
    };
    let events = vec![
        at(0, zhang, Kind::Arrive),
        at(0, zhang, Kind::Ticket { ticket: 1 }),
        at(0, zhang, Kind::Wait { how: WaitHow::Read }),
        at(100, li, Kind::Arrive),
        at(100, li, Kind::Ticket { ticket: 2 }),
        at(200, teller, called(1)),
        at(200, zhang, called(1)),
        at(200, zhang, Kind::AtCounter { ticket: 1 }),
        at(200, teller, Kind::AtCounter { ticket: 1 }),
        at(
            700,
            li,
            Kind::Errand {
                dur_us: 400_000,
                cpu_us: None,
            },
        ),
        at(1000, teller, served(1)),
        at(1000, zhang, served(1)),
        at(1000, zhang, Kind::Leave),
        at(1000, teller, called(2)),
        at(1100, li, called(2)),
        at(1100, li, Kind::AtCounter { ticket: 2 }),
        at(1100, teller, Kind::AtCounter { ticket: 2 }),
        at(1900, teller, served(2)),
        at(1900, li, served(2)),
        at(1900, li, Kind::Leave),
    ];
    let mut trace = model::trace(Style::SyncBlocking, true, scenario, events);
    trace.metrics = metrics::compute(&trace, 1800.0, Default::default());
    trace
}

/// The rows of the lanes on a screen (their labels start them).
fn lane_rows(screen: &[String]) -> Vec<String> {
    screen
        .iter()
        .filter(|l| ["张三", "李四", "teller"].iter().any(|n| l.starts_with(n)))
        .cloned()
        .collect()
}

/// The status line's time and column: `at 250 ms of ... one column = 25 ms`.
fn time_and_step(screen: &[String]) -> Option<(f64, f64)> {
    let status = screen.iter().find(|l| l.starts_with("at "))?;
    let at = status.split_whitespace().nth(1)?.parse().ok()?;
    let step = status
        .split("one column = ")
        .nth(1)?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    Some((at, step))
}

#[test]
fn pause_holds_a_step_is_one_column_and_the_rows_are_the_trace_at_that_time() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("sync-blocking.json");
    let trace = recorded();
    trace.write(&path).expect("the trace is written");
    let file = path.to_string_lossy().into_owned();
    let (columns, rows) = (90, 24);
    let mut tty = Tty::start(
        &cargo_bin("compare"),
        &["--replay", &file, "--speed", "0.5"],
        columns,
        rows,
        false,
    );
    tty.wait_for(Duration::from_secs(20), |s| {
        s.iter().any(|l| l.contains("playing"))
    });
    assert_eq!(tty.taken(), (true, true));

    // Space pauses; two screens a moment apart are the same.
    tty.type_keys(b" ");
    let paused = tty.wait_for(Duration::from_secs(5), |s| {
        s.iter().any(|l| l.contains("paused"))
    });
    std::thread::sleep(Duration::from_millis(400));
    assert_eq!(tty.screen(), paused, "pause holds");

    // Home, then five steps: five columns from the start.
    tty.type_keys(b"\x1b[H");
    for _ in 0..5 {
        tty.type_keys(b"\x1b[C");
    }
    let five = tty.wait_for(Duration::from_secs(5), |s| {
        time_and_step(s).is_some_and(|(at, step)| (at - 5.0 * step).abs() < 1e-6)
    });
    let (at, step) = time_and_step(&five).expect("the status line");
    // The customers' rows are the trace cut at that time, as a board draws it.
    let expected = |at_ms: f64| {
        let cut = so_far::at(&trace, at_ms);
        let board = Board {
            title: String::new(),
            runs: vec![("sync-blocking 同步阻塞".to_owned(), cut.lanes.as_slice())],
            until_ms: 1900.0,
            now_ms: at_ms,
            caption: Vec::new(),
            status: String::new(),
            keys: Vec::new(),
            colour: false,
        };
        lane_rows(&render_rows(&board, columns, rows))
    };
    assert_eq!(lane_rows(&five), expected(at), "at {at} ms");
    assert!(lane_rows(&five).len() == 3);

    // One step on: one column later, and the rows follow.
    tty.type_keys(b"\x1b[C");
    let six = tty.wait_for(Duration::from_secs(5), |s| {
        time_and_step(s).is_some_and(|(t, _)| t > at)
    });
    let (later, _) = time_and_step(&six).expect("the status line");
    assert!((later - at - step).abs() < 1e-6, "{at} + {step} = {later}");
    assert_eq!(lane_rows(&six), expected(later));
    let filled = |rows: &[String]| -> usize {
        rows.iter()
            .map(|l| l.chars().filter(|c| "-=!#~".contains(*c)).count())
            .sum()
    };
    assert!(
        filled(&lane_rows(&six)) > filled(&lane_rows(&five)),
        "the lanes grew"
    );

    // q quits, and the terminal is given back.
    tty.type_keys(b"q");
    let out = tty.wait(Duration::from_secs(5));
    assert!(out.status.success());
    assert_eq!(tty.taken(), (false, false));
    assert!(tty.echoes(), "raw mode is off");
}

#[test]
fn without_a_terminal_replay_says_so_and_shows_the_runs_whole() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("sync-blocking.json");
    recorded().write(&path).expect("the trace is written");
    let out = assert_cmd::Command::new(cargo_bin("compare"))
        .arg("--replay")
        .arg(&path)
        .env("NO_COLOR", "1")
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr);
    assert!(stderr.starts_with("--replay needs a terminal"), "{stderr}");
    assert!(String::from_utf8_lossy(&out.get_output().stdout).contains("张三"));
}
