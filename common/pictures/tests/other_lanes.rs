//! Lanes that are not bank customers go through every picture: three
//! processes (a parent that waits, two children, one a zombie for a while
//! before it is reaped) and a job on a simulated CPU, drawn as a swimlane,
//! an HTML page and a Chrome trace, each naming every lane and state.

use pictures::look::{look, mark};
use pictures::{chrome, html, swimlane};
use serde_json::Value;
use timeline::model::{LaneView, Segment};
use timeline::{Lane, Mark, MarkKind, State};

/// A stretch of `state` from `start_ms` to `end_ms`.
fn stretch(start_ms: f64, end_ms: f64, state: State) -> Segment {
    Segment {
        start_ms,
        end_ms,
        state,
    }
}

/// A parent that forks two children and waits for them; the second child
/// exits early and stays a zombie until its parent reaps it; and a job.
fn lanes() -> Vec<LaneView> {
    let parent = LaneView::plain(
        Lane::Process(100),
        "parent 100".to_owned(),
        vec![
            stretch(0.0, 10.0, State::Running),
            stretch(10.0, 300.0, State::Blocked),
            stretch(300.0, 320.0, State::Running),
        ],
        Vec::new(),
    );
    let first = LaneView::plain(
        Lane::Process(101),
        "child 101".to_owned(),
        vec![
            stretch(10.0, 60.0, State::Running),
            stretch(60.0, 250.0, State::Blocked),
        ],
        vec![Mark {
            at_ms: 250.0,
            kind: MarkKind::Reaped,
        }],
    );
    let second = LaneView::plain(
        Lane::Process(102),
        "child 102".to_owned(),
        vec![
            stretch(12.0, 100.0, State::Running),
            stretch(100.0, 280.0, State::Zombie),
        ],
        vec![
            Mark {
                at_ms: 90.0,
                kind: MarkKind::Signal,
            },
            Mark {
                at_ms: 280.0,
                kind: MarkKind::Reaped,
            },
        ],
    );
    let job = LaneView::plain(
        Lane::Job(0),
        "job A".to_owned(),
        vec![
            stretch(0.0, 100.0, State::Ready),
            stretch(100.0, 200.0, State::Running),
            stretch(200.0, 260.0, State::Blocked),
        ],
        Vec::new(),
    );
    vec![parent, first, second, job]
}

/// Every state these lanes use.
const USED: [State; 4] = [State::Running, State::Blocked, State::Zombie, State::Ready];

#[test]
fn the_swimlane_draws_every_lane_with_its_glyphs_and_a_legend_of_what_it_uses() {
    let lanes = lanes();
    let drawn = swimlane::draw(
        "fork and wait",
        &lanes,
        &swimlane::Options {
            width: 80,
            ..Default::default()
        },
    );
    // What a terminal without colour shows.
    let picture = anstream::adapter::strip_str(&drawn).to_string();
    assert!(picture.starts_with("fork and wait"), "{picture}");
    assert!(picture.contains("3 processes, 1 job"), "{picture}");
    let row = |label: &str| {
        picture
            .lines()
            .find(|l| l.starts_with(label))
            .unwrap_or_else(|| panic!("a row for {label}: {picture}"))
            .to_owned()
    };
    let zombie = row("child 102");
    assert!(zombie.contains(look(State::Zombie).glyph), "{zombie}");
    assert!(zombie.contains(mark(MarkKind::Reaped).glyph), "{zombie}");
    assert!(zombie.contains(mark(MarkKind::Signal).glyph), "{zombie}");
    assert!(row("parent 100").contains(look(State::Blocked).glyph));
    let job = row("job A");
    assert!(job.contains(look(State::Ready).glyph) && job.contains(look(State::Running).glyph));
    // The processes come before the job, with a gap between the kinds.
    let at = |label: &str| picture.find(label).unwrap_or(usize::MAX);
    assert!(at("parent 100") < at("child 102") && at("child 102") < at("job A"));
    for state in USED {
        assert!(
            picture.contains(look(state).chinese),
            "{state:?}: {picture}"
        );
        assert!(
            picture.contains(look(state).meaning),
            "{state:?}: {picture}"
        );
    }
    // None of the bank scene's words: this picture has no customer.
    assert!(!picture.contains(look(State::InLine).meaning), "{picture}");
    assert!(!picture.contains(mark(MarkKind::Poll).meaning), "{picture}");
}

#[test]
fn the_html_page_names_every_lane_and_colours_every_state() {
    let page = html::lanes_page("fork and wait", &lanes());
    for label in ["parent 100", "child 101", "child 102", "job A"] {
        assert!(page.contains(label), "{label}");
    }
    for state in USED {
        let shown = look(state);
        assert!(
            page.contains(&format!("class=\"st {}\"", shown.class)),
            "{state:?} drawn"
        );
        assert!(page.contains(shown.meaning), "{state:?} in the legend");
        assert!(
            page.contains(&format!("--{}: {}", shown.class, shown.colour)),
            "{state:?}'s colour"
        );
    }
    assert!(
        page.contains("child 102 · zombie 僵尸 · 100–280 ms"),
        "a tooltip"
    );
    assert!(page.contains(mark(MarkKind::Reaped).meaning));
    assert!(!page.contains("http"), "nothing to fetch");
}

#[test]
fn the_chrome_trace_has_a_track_per_lane_and_a_slice_per_stretch() {
    let doc = chrome::document_of_lanes("fork and wait", &lanes());
    let events = doc["traceEvents"].as_array().cloned().unwrap_or_default();
    let names: Vec<&str> = events
        .iter()
        .filter(|e| e["name"] == "thread_name")
        .filter_map(|e| e["args"]["name"].as_str())
        .collect();
    assert_eq!(names, ["parent 100", "child 101", "child 102", "job A"]);
    let slices: Vec<&Value> = events.iter().filter(|e| e["ph"] == "X").collect();
    assert_eq!(slices.len(), 3 + 2 + 2 + 3, "one slice per stretch");
    let zombie = slices
        .iter()
        .find(|e| e["name"] == look(State::Zombie).name)
        .expect("the zombie stretch");
    assert_eq!(zombie["cat"], "process");
    assert_eq!(zombie["args"]["state_zh"], "僵尸");
    assert_eq!(zombie["ts"], 100_000.0);
    let job = slices.iter().filter(|e| e["cat"] == "job").count();
    assert_eq!(job, 3);
    let reaped = events
        .iter()
        .filter(|e| e["ph"] == "i" && e["name"] == mark(MarkKind::Reaped).name)
        .count();
    assert_eq!(reaped, 2);
}
