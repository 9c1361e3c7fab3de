//! `--live`: the run drawn while it happens, so a class watches the
//! customers walk in, wait, get called and leave.
//!
//! The driver's watching thread (the one that waits for the scene to end)
//! draws a frame 15 times a second: it brings a [`Snapshot`] of the
//! recording up to date (each recording thread's buffer locked only for
//! the copy of its new moments), cuts the run at now with
//! [`timeline::so_far`], and draws it with [`pictures::live`] on the
//! scenario's whole time axis, so the lanes fill from left to right. No
//! customer waits for a frame: the customers record into their own buffers
//! and never look at the view. If drawing gets dear (thousands of lanes),
//! frames come further apart, so the view never takes more than about a
//! tenth of a CPU from the run it shows.
//!
//! With `--speed 0.25` the scenario itself is four times slower (see
//! [`Scenario::speed_up`]): every arrival, service and errand takes four
//! times as long, for real, so the figures are true for the slowed scene.
//!
//! It needs a terminal on stderr; without one it says so in one line and
//! the run goes on as usual. Ctrl-C stays the terminal's: it cuts the run
//! short as always, the terminal is given back, and the usual picture and
//! files follow.

use std::time::Instant;

use pictures::live::{self, Board, Pace};
use pictures::terminal::{Keys, Session, Stream, no_colour};
use timeline::style::Style;
use timeline::{Recorder, Scenario, Snapshot, so_far};

use crate::process;

/// A live view of one run, on stderr.
pub struct Live {
    /// The terminal, taken over until this is dropped.
    session: Session,
    /// The recording so far, copied a little at each frame.
    snapshot: Snapshot,
    /// Which style runs: the title, and the lanes' model.
    style: Style,
    /// The scenario as run (already slowed or sped up).
    scenario: Scenario,
    /// The scenario's ideal makespan, for the efficiency once all are done.
    ideal_ms: f64,
    /// Where the time axis ends: about where the run should, fixed so that
    /// the lanes fill it from left to right (pushed on if the run goes on).
    until_ms: f64,
    /// When the next frame is due.
    pace: Pace,
}

impl Live {
    /// A live view of `style`'s run of `scenario`, whose ideal makespan is
    /// `ideal_ms`; or, without a terminal on stderr, one line saying so and
    /// `None`.
    pub fn open(style: Style, scenario: &Scenario, ideal_ms: f64) -> Option<Live> {
        let session = match Session::open(Stream::Stderr, Keys::Terminal) {
            Ok(session) => session,
            Err(err) => {
                eprintln!("{}", live::needs_a_terminal(&err));
                return None;
            }
        };
        Some(Live {
            session,
            snapshot: Snapshot::new(),
            style,
            scenario: scenario.clone(),
            ideal_ms,
            until_ms: expected_end_ms(scenario, ideal_ms),
            pace: Pace::new(),
        })
    }

    /// Draws the run as it stands now, unless the last frame was too
    /// recent; `origin` is the run's time zero.
    pub fn frame(&mut self, recorder: &Recorder, origin: Instant) {
        if !self.pace.due() {
            return;
        }
        let started = Instant::now();
        recorder.snapshot(&mut self.snapshot);
        let now_ms = origin.elapsed().as_secs_f64() * 1000.0;
        let events = self.snapshot.events(origin);
        let so_far = so_far::recording(self.style, &self.scenario, &events, now_ms, self.ideal_ms);
        if now_ms > self.until_ms {
            self.until_ms = now_ms * 1.25;
        }
        let style = self.style;
        let speed = self.scenario.speed;
        let board = Board {
            title: format!(
                "{} {} — live{}: {}",
                style.name(),
                style.chinese(),
                speed_words(speed),
                style.scene()
            ),
            runs: vec![(String::new(), &so_far.lanes)],
            until_ms: self.until_ms,
            now_ms,
            caption: Vec::new(),
            status: format!(
                "{}   {} · threads {} · polls {}",
                live::seconds(now_ms),
                live::counts(&so_far.count),
                process::threads_now(),
                so_far.metrics.polls
            ),
            keys: vec![("Ctrl-C", "stop the run (the picture and the trace follow)")],
            colour: !no_colour(),
        };
        // A terminal gone away is no reason to stop the run: it goes on,
        // and its picture is printed at the end as usual.
        let _ = self
            .session
            .draw(|frame| frame.render_widget(&board, frame.area()));
        self.pace.drawn(started);
    }
}

/// ` at 0.25× speed`, or nothing at the scenario's own speed.
pub fn speed_words(speed: f64) -> String {
    if speed == 1.0 {
        String::new()
    } else {
        format!(" at {speed}× speed")
    }
}

/// About where a run of `scenario` ends: its ideal makespan, or the last
/// arrival's errand if later, and one more errand for the stragglers.
fn expected_end_ms(scenario: &Scenario, ideal_ms: f64) -> f64 {
    let errand = scenario
        .customers
        .iter()
        .map(|c| c.errand_ms)
        .fold(0.0, f64::max);
    let walk_out = scenario
        .customers
        .iter()
        .map(|c| c.arrive_ms + c.errand_ms)
        .fold(0.0, f64::max);
    (ideal_ms.max(walk_out) + errand).max(1.0)
}
