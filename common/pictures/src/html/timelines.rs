//! The timelines (part 4 of the page): one time axis shared by every
//! picture (the same millisecond at the same x in each), the ideal schedule
//! on top, then each run under its heading, a row per customer (or, for a
//! crowd, its summary) and one per teller, with the makespan lines over them.

use std::fmt::Write as _;

use super::crowd::{Crowd, area, crowd_rows};
use super::header::scenario_line;
use super::row::{RowDraw, customer_row, lane_row, named, plain_row, teller_row};
use super::{PageRun, esc, group, ms, ratio};
use crate::swimlane::{self, Axis};
use timeline::Scenario;
use timeline::model::{LaneView, Owners, Segment};
use timeline::schedule::Schedule;
use timeline::trace::Trace;
use timeline::{LaneKind, State};

/// With more customers than this, a run is summarised instead of drawn row by row.
pub(super) const MANY: usize = 60;

/// With more tellers than this, the tellers are summarised too.
const MANY_TELLERS: usize = 16;

// The geometry of a timeline, in the SVG's own units (it scales to the window).

/// Width of every timeline picture.
pub(super) const WIDTH: f64 = 1280.0;
/// The label column at the left.
pub(super) const GUTTER: f64 = 210.0;
/// Room right of the time axis.
pub(super) const RIGHT: f64 = 20.0;
/// Height of the time axis at the top of each picture.
const AXIS: f64 = 24.0;
/// Height of one lane's row.
pub(super) const ROW: f64 = 17.0;
/// Width of a column of a dense row or of an area, in pixels.
pub(super) const COLUMN: f64 = 3.0;

/// The one time axis every timeline shares.
pub(super) struct Frame {
    /// The axis ends here: a whole number of ticks past the last moment of any run.
    pub(super) end_ms: f64,
    /// Between two ticks: a nice number (1, 2, 2.5, 5 × a power of ten).
    pub(super) tick_ms: f64,
}

impl Frame {
    /// The axis that holds every run and the ideal schedule.
    pub(super) fn fit(runs: &[PageRun], ideal: Option<&Schedule>) -> Frame {
        let last = runs
            .iter()
            .map(|r| swimlane::end_ms(r.trace, &r.lanes))
            .chain(ideal.map(|s| s.makespan_ms))
            .filter(|t| t.is_finite())
            .fold(0.0, f64::max);
        Frame::reaching(last)
    }

    /// The axis that reaches `last` ms.
    pub(super) fn reaching(last: f64) -> Frame {
        let tick_ms = Axis::fit(last, 10).step_ms;
        let ticks = (last / tick_ms).ceil().max(1.0);
        Frame {
            end_ms: ticks * tick_ms,
            tick_ms,
        }
    }

    /// Pixels of the time axis.
    fn plot_width() -> f64 {
        WIDTH - GUTTER - RIGHT
    }

    /// The x of the instant `t_ms` (clamped into the axis).
    pub(super) fn x(&self, t_ms: f64) -> f64 {
        let share = if t_ms.is_finite() {
            (t_ms / self.end_ms).clamp(0.0, 1.0)
        } else {
            1.0
        };
        GUTTER + share * Frame::plot_width()
    }

    /// How many columns of `px` pixels the axis has.
    pub(super) fn columns(px: f64) -> usize {
        (Frame::plot_width() / px).ceil() as usize
    }
}

/// The ideal schedule, then every run, each with its heading and its picture.
pub(super) fn timelines(
    page: &mut String,
    frame: &Frame,
    runs: &[PageRun],
    ideal: Option<&Schedule>,
) {
    if runs.is_empty() {
        return;
    }
    put!(page, "<h2>Timelines 时间线</h2>\n");
    if let (Some(schedule), Some(first)) = (ideal, runs.first()) {
        ideal_timeline(page, frame, schedule, first.trace);
    }
    for run in runs {
        run_timeline(page, frame, run, &runs[0].trace.scenario);
    }
}

/// The ideal schedule: the tellers' days with instant reactions and exact service.
fn ideal_timeline(page: &mut String, frame: &Frame, schedule: &Schedule, trace: &Trace) {
    put!(
        page,
        "<section class=\"ideal\">\n<h3>ideal schedule <span class=\"zh\">理想调度</span> \
         <span class=\"scene\">— the same customers, every call answered at once: no run can \
         beat it</span></h3>\n<p class=\"figures\"><span><b>makespan</b> {} ms</span></p>\n",
        ms(schedule.makespan_ms)
    );
    let tellers = schedule
        .turns
        .iter()
        .map(|v| v.teller)
        .max()
        .unwrap_or(0)
        .max(trace.scenario.tellers);
    let mut body = String::new();
    let mut y = AXIS + 4.0;
    for teller in 1..=tellers {
        let turns: Vec<&timeline::schedule::Turn> = schedule
            .turns
            .iter()
            .filter(|v| v.teller == teller)
            .collect();
        let segments: Vec<Segment> = turns
            .iter()
            .map(|v| Segment {
                start_ms: v.start_ms,
                end_ms: v.end_ms,
                state: State::Serving,
            })
            .collect();
        let who = |v: &timeline::schedule::Turn| match trace.customers.get(v.customer as usize) {
            Some(c) => named(c),
            None => format!("customer {}", v.customer + 1),
        };
        let tags: Vec<(f64, f64, String)> = turns
            .iter()
            .map(|v| {
                let ticket = trace
                    .customers
                    .get(v.customer as usize)
                    .and_then(|c| c.ticket)
                    .map_or_else(|| (v.customer + 1).to_string(), |t| t.to_string());
                (v.start_ms, v.end_ms, ticket)
            })
            .collect();
        let label = format!("teller {teller}");
        let tip = |i: usize| {
            let v = turns[i];
            format!(
                "ideal · {label} · serving {} · {}–{} ms",
                who(v),
                ms(v.start_ms),
                ms(v.end_ms)
            )
        };
        lane_row(
            &mut body,
            frame,
            y,
            &RowDraw {
                kind: "teller",
                label: &label,
                note: None,
                segments: &segments,
                tip: &tip,
                marks: &[],
                tags: &tags,
            },
        );
        y += ROW;
    }
    let lines = [(schedule.makespan_ms, "ideal-line", "ideal makespan")];
    picture(page, frame, "timeline ideal", y + 4.0, &body, &lines);
    put!(page, "</section>\n");
}

/// One run: its heading (style, mechanism, key figures; its scenario when it
/// differs from `first`, the header's) and its picture.
fn run_timeline(page: &mut String, frame: &Frame, run: &PageRun, first: &Scenario) {
    let trace = run.trace;
    let style = trace.style;
    let m = &trace.metrics;
    put!(
        page,
        "<section class=\"run\" id=\"run-{}\">\n<h3>{}. {} <span class=\"zh\" lang=\"zh\">{}</span> \
         <span class=\"scene\">— {}</span></h3>\n<p class=\"mechanism\">{}</p>\n",
        run.number,
        run.number,
        esc(style.name()),
        esc(style.chinese()),
        esc(style.scene()),
        esc(style.mechanism())
    );
    if !trace.complete {
        put!(
            page,
            "<p class=\"warn\">Interrupted run: this is what was recorded.</p>\n"
        );
    }
    if trace.scenario != *first {
        put!(
            page,
            "<p class=\"scenario\"><b>Scenario:</b> {}</p>\n",
            esc(&scenario_line(&trace.scenario))
        );
    }
    // The customer's view first, then the tellers', then the machine's.
    let figures = [
        ("turnaround", format!("{} ms", ms(m.mean_turnaround_ms))),
        ("time lost", format!("{} ms", ms(m.mean_lost_ms))),
        ("mean wait", format!("{} ms", ms(m.mean_wait_ms))),
        (
            "errand while waiting",
            format!("{} ms", ms(m.errand_while_waiting_ms)),
        ),
        ("makespan", format!("{} ms", ms(m.makespan_ms))),
        ("tellers' efficiency", ratio(m.efficiency)),
        ("mean reaction", format!("{} ms", ms(m.mean_reaction_ms))),
        ("polls", group(m.polls as f64)),
        ("peak threads", group(m.process.threads_peak as f64)),
    ];
    put!(page, "<p class=\"figures\">");
    for (name, value) in figures {
        put!(page, "<span><b>{name}</b> {}</span>", esc(&value));
    }
    if m.abandoned > 0 {
        put!(
            page,
            "<span class=\"warn\">{} abandoned</span>",
            m.abandoned
        );
    }
    put!(page, "</p>\n");

    let (customers, others) = run
        .lanes
        .split_at(trace.customers.len().min(run.lanes.len()));
    let (tellers, others): (Vec<&LaneView>, Vec<&LaneView>) = others
        .iter()
        .partition(|l| l.lane.kind() == LaneKind::Teller);
    let mut body = String::new();
    let mut y = AXIS + 4.0;
    if customers.len() > MANY {
        y = crowd_rows(&mut body, frame, y, run, customers);
    } else {
        for (lane, record) in customers.iter().zip(&trace.customers) {
            customer_row(&mut body, frame, y, lane, record, None);
            y += ROW;
        }
    }
    y += 6.0;
    if tellers.len() > MANY_TELLERS {
        y = area(
            &mut body,
            frame,
            y,
            &Crowd {
                lanes: &tellers,
                states: &[State::Calling, State::Serving],
                what: "tellers",
            },
        );
    } else {
        let owners = Owners::of(&trace.customers);
        for lane in tellers {
            teller_row(&mut body, frame, y, lane, &owners);
            y += ROW;
        }
    }
    y = plain_rows(&mut body, frame, y, &others);
    let lines = [
        (m.ideal_makespan_ms, "ideal-line", "ideal makespan"),
        (m.makespan_ms, "makespan", "makespan"),
    ];
    picture(page, frame, "timeline run", y + 4.0, &body, &lines);
    put!(page, "</section>\n");
}

/// Rows for lanes of any kind, grouped by kind with a gap between groups;
/// returns the next free y.
fn plain_rows(body: &mut String, frame: &Frame, mut y: f64, lanes: &[&LaneView]) -> f64 {
    for kind in LaneKind::ALL {
        let group: Vec<&&LaneView> = lanes.iter().filter(|l| l.lane.kind() == kind).collect();
        if group.is_empty() {
            continue;
        }
        y += 6.0;
        for lane in group {
            plain_row(body, frame, y, lane);
            y += ROW;
        }
    }
    y
}

/// One picture of lanes of any kind, on `frame`'s axis.
pub(super) fn lanes_timeline(page: &mut String, frame: &Frame, lanes: &[&LaneView]) {
    let mut body = String::new();
    let y = plain_rows(&mut body, frame, AXIS - 2.0, lanes);
    picture(page, frame, "timeline lanes", y + 4.0, &body, &[]);
}

/// Wraps a picture's rows in its `<svg>`, under the time axis and its grid,
/// with the makespan lines on top.
fn picture(
    page: &mut String,
    frame: &Frame,
    class: &str,
    height: f64,
    body: &str,
    lines: &[(f64, &str, &str)],
) {
    put!(
        page,
        "<svg class=\"{class}\" viewBox=\"0 0 {WIDTH} {height:.0}\" role=\"img\">\n"
    );
    time_axis(page, frame, height);
    page.push_str(body);
    for &(t, class, name) in lines {
        if t.is_finite() && t > 0.0 {
            let x = frame.x(t);
            put!(
                page,
                "<line class=\"{class}\" x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{:.1}\" y2=\"{:.1}\">\
                 <title>{name}: {} ms</title></line>\n",
                AXIS - 4.0,
                height - 2.0,
                ms(t)
            );
        }
    }
    put!(page, "</svg>\n");
}

/// The shared time axis (tick labels in ms: the same in every picture), and
/// a light grid down the picture.
fn time_axis(page: &mut String, frame: &Frame, height: f64) {
    let ticks = (frame.end_ms / frame.tick_ms).round() as usize;
    let xs: Vec<(f64, f64)> = (0..=ticks)
        .map(|i| {
            let t = i as f64 * frame.tick_ms;
            (t, frame.x(t))
        })
        .collect();
    put!(page, "<g class=\"grid\">");
    for &(_, x) in &xs {
        put!(
            page,
            "<line x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{AXIS}\" y2=\"{height:.0}\"/>"
        );
    }
    put!(page, "</g>\n<g class=\"axis\">");
    for (i, &(t, x)) in xs.iter().enumerate() {
        let (anchor, unit) = if i == ticks {
            ("end", " ms")
        } else {
            ("middle", "")
        };
        put!(
            page,
            "<line class=\"tick\" x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{:.0}\" y2=\"{AXIS}\"/>\
             <text x=\"{x:.1}\" y=\"14\" text-anchor=\"{anchor}\">{}{unit}</text>",
            AXIS - 5.0,
            ms(t)
        );
    }
    put!(page, "</g>\n");
}

#[cfg(test)]
mod tests {
    use crate::html::report;
    use crate::swimlane::tests::small_scene;

    #[test]
    fn every_run_shares_one_time_axis_and_the_same_style_may_come_twice() {
        let short = small_scene();
        let mut long = small_scene();
        for c in &mut long.customers {
            c.leave_ms = c.leave_ms.map(|t| t * 3.0);
        }
        let page = report(
            &[&short, &long],
            Some(&crate::html::tests::kept(&short)),
            &[],
        );
        let axes: Vec<&str> = page
            .split("<g class=\"axis\">")
            .skip(1)
            .map(|rest| rest.split("</g>").next().unwrap_or(""))
            .collect();
        assert_eq!(axes.len(), 3, "the ideal and two runs");
        assert!(axes.windows(2).all(|w| w[0] == w[1]));
        let end: f64 = axes[0]
            .rsplit("\">")
            .next()
            .and_then(|last| last.split(" ms<").next())
            .and_then(|n| n.replace(',', "").parse().ok())
            .expect("the last tick is labelled in ms");
        assert!(end >= 2400.0, "the axis holds the longer run: {}", axes[0]);
        assert!(page.contains("1. sync-nonblocking"));
        assert!(page.contains("2. sync-nonblocking"));
    }
}
