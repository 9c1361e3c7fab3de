//! The HTML report: several runs side by side in one self-contained page, for
//! a projector, a browser with no network, or a file mailed to a student.
//!
//! The page, top to bottom (one function each, in this order in the file):
//!
//! 1. `head`: the title, and all the CSS in one `<style>`;
//! 2. `header`: what was compared, and the scenario in one line;
//! 3. `legend`: the colours and marks with the lecture's words (blocked
//!    阻塞, running 运行, ready 就绪, ...): the same states, meanings and
//!    colours as the terminal swimlane (red `-`, green `=`, yellow `!`,
//!    blue `#`, magenta `~`, the `?` of a poll, the `x` of an abandon);
//! 4. `timelines`: one SVG per run, one above another on ONE time axis
//!    (the same millisecond at the same x in every picture), with the ideal
//!    schedule ([`crate::sim`]) on top. Each run is headed by its style, its
//!    mechanism and its key figures, and has a row per customer, then one per
//!    teller. Hovering a stretch shows who, which ticket, which state, from
//!    when to when and at which teller: a native SVG `<title>` tooltip, so no
//!    script is needed. A dashed line marks the ideal makespan, a solid one
//!    the run's own.
//!
//!    A crowd (more than `MANY` = 60 customers) is not drawn row by row: the
//!    run shows how many customers are blocked, running, ready and at the
//!    counter at each moment (a stacked area, hover for the numbers), strips
//!    of when the polls and the abandons happened, then a few representative
//!    customers in full (the first and last in, the median and the longest
//!    wait, the slowest reaction, the most polls, the first who gave up). A
//!    row with more stretches than `DETAILED` (a teller's day among 10,000
//!    customers) is drawn a few pixels at a time as each state's share of
//!    that time, stacked (so a teller's calling time still shows among its
//!    services). So 4 runs of 10,000 customers make a page of a few hundred
//!    kilobytes;
//! 5. `metrics_table`: one row per run, the best value of each column marked;
//! 6. `scale_section`, only when there are scale points: a chart in four
//!    panels (efficiency, peak threads, peak RSS, CPU time) against the
//!    number of customers on a log scale, one line per runner, refused and
//!    failed runs marked and explained in numbered notes; then the table.
//!
//! Everything is inline and there is no URL at all (no font, no script, no
//! image to fetch): the page opens in a classroom without network. Every
//! text that comes from a trace or a scale point (names, runner names,
//! reasons) goes through `esc`.

use std::collections::HashMap;
use std::fmt::Write as _;

use unicode_width::{UnicodeWidthChar as _, UnicodeWidthStr as _};

use super::Lane;
use super::model::{self, LaneView, Segment, State};
use super::swimlane::{self, Axis};
use crate::protocol::TellerNo;
use crate::scale::{Outcome as Ending, Point};
use crate::scenario::Scenario;
use crate::sim;
use crate::style::Style;
use crate::trace::{CustomerRecord, Metrics, Outcome, Trace};

/// Appends formatted text to a `String` (writing to a `String` cannot fail).
macro_rules! put {
    ($out:expr, $($arg:tt)*) => {{
        let _ = write!($out, $($arg)*);
    }};
}

/// With more customers than this, a run is summarised instead of drawn row by row.
const MANY: usize = 60;

/// With more tellers than this, the tellers are summarised too.
const MANY_TELLERS: usize = 16;

/// A row with more stretches than this is drawn as shares of time per few pixels.
const DETAILED: usize = 400;

// The geometry of a timeline, in the SVG's own units (it scales to the window).

/// Width of every timeline picture.
const WIDTH: f64 = 1280.0;
/// The label column at the left.
const GUTTER: f64 = 210.0;
/// Room right of the time axis.
const RIGHT: f64 = 20.0;
/// Height of the time axis at the top of each picture.
const AXIS: f64 = 24.0;
/// Height of one lane's row.
const ROW: f64 = 17.0;
/// Height of the bar inside a row.
const BAR: f64 = 11.0;
/// Height of a crowd's stacked area.
const AREA: f64 = 120.0;
/// Height of a crowd's strip of polls or abandons.
const STRIP: f64 = 22.0;
/// Width of a column of a dense row or of an area, in pixels.
const COLUMN: f64 = 3.0;
/// Width of a hover band over an area, in pixels.
const BAND: f64 = 9.0;
/// The widest label in the left column, in display columns (张三 takes two).
const LABEL_COLUMNS: usize = 24;

/// The whole page for `traces` (one timeline each, on one time axis, under
/// the ideal schedule of the first run's scenario) and the scale table
/// `scale` (may be empty: then no chart).
pub fn report(traces: &[&Trace], scale: &[Point]) -> String {
    let runs: Vec<Run> = traces
        .iter()
        .enumerate()
        .map(|(i, &trace)| Run {
            number: i + 1,
            trace,
            lanes: model::lanes(trace),
        })
        .collect();
    let ideal = traces.first().map(|t| sim::ideal(&t.scenario));
    let frame = Frame::fit(&runs, ideal.as_ref());

    let mut page = String::new();
    head(&mut page, traces);
    put!(page, "<body>\n");
    header(&mut page, traces);
    legend(&mut page, &runs);
    timelines(&mut page, &frame, &runs, ideal.as_ref());
    metrics_table(&mut page, &runs);
    if !scale.is_empty() {
        scale_section(&mut page, scale);
    }
    put!(
        page,
        "<footer>made by bank-queue · times are milliseconds from each run's start</footer>\n\
         </body>\n</html>\n"
    );
    page
}

/// One run as the page draws it.
struct Run<'a> {
    /// Its place on the page, from 1 (the same style may come twice).
    number: usize,
    /// What was recorded.
    trace: &'a Trace,
    /// Its rows: customers, then tellers.
    lanes: Vec<LaneView>,
}

impl Run<'_> {
    /// "2. sync-nonblocking 同步非阻塞".
    fn title(&self) -> String {
        let style = self.trace.style;
        format!("{}. {} {}", self.number, style.name(), style.chinese())
    }
}

// ---------------------------------------------------------------------------
// 1. head

/// `<!DOCTYPE>`, `<head>`, the title and the style sheet.
fn head(page: &mut String, traces: &[&Trace]) {
    let styles: Vec<&str> = traces.iter().map(|t| t.style.name()).collect();
    let title = if styles.is_empty() {
        "bank-queue report".to_owned()
    } else {
        format!("bank-queue: {}", styles.join(", "))
    };
    put!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>\n{CSS}</style>\n</head>\n",
        esc(&title)
    );
}

/// The style sheet. The state colours are the terminal's, on a white page.
const CSS: &str = r#":root {
  --blocked: #d64541; --running: #3ba55c; --ready: #f2b200; --counter: #2f6db5;
  --calling: #b04fc4; --poll: #9a6b00; --abandon: #ff1a1a; --ink: #1f2328; --dim: #5c6670;
  --rule: #d8dee4; --best: #dff3df;
}
* { box-sizing: border-box; }
body { margin: 0 auto; padding: 20px 24px 40px; max-width: 1340px; color: var(--ink); background: #fff;
  font: 15px/1.45 system-ui, "Segoe UI", "Noto Sans", "DejaVu Sans", "Noto Sans CJK SC",
    "PingFang SC", "Microsoft YaHei", sans-serif; }
h1 { font-size: 26px; margin: 0 0 2px; }
h2 { font-size: 19px; margin: 26px 0 4px; border-bottom: 1px solid var(--rule); padding-bottom: 2px; }
h3 { font-size: 16px; margin: 16px 0 0; }
h3 .zh { font-weight: 600; }
h3 .scene, .mechanism, .scenario, .note, footer { color: var(--dim); font-weight: normal; }
.scenario { margin: 0 0 8px; }
.mechanism { margin: 0; font-size: 14px; }
.figures { margin: 2px 0 4px; font-size: 14px; }
.figures span { margin-right: 16px; white-space: nowrap; }
.figures b { font-weight: 600; }
.warn { color: #b00020; font-weight: 600; }
.legend { display: grid; grid-template-columns: repeat(auto-fill, minmax(400px, 1fr)); gap: 2px 24px;
  margin: 4px 0 6px; font-size: 14px; }
.legend .zh { font-weight: 700; margin-right: 4px; }
.key { display: inline-block; width: 26px; height: 13px; margin-right: 7px; vertical-align: -2px;
  border-radius: 2px; }
.key.line { height: 0; border-top: 2px solid var(--ink); border-radius: 0; vertical-align: 4px; }
.key.dashed { border-top-style: dashed; }
.key.tick { background: linear-gradient(90deg, transparent 11px, var(--poll) 11px, var(--poll) 14px, transparent 14px); }
.key.cross { color: var(--abandon); font-weight: 900; text-align: center; line-height: 13px; }
.blocked { background: var(--blocked); fill: var(--blocked); }
.running { background: var(--running); fill: var(--running); }
.ready { background: var(--ready); fill: var(--ready); }
.counter, .serving { background: var(--counter); fill: var(--counter); }
.calling { background: var(--calling); fill: var(--calling); }
svg { display: block; width: 100%; height: auto; margin: 4px 0 0; }
svg text { font-size: 12px; fill: var(--ink); }
svg .axis text { fill: var(--dim); font-size: 11px; }
svg .grid, svg .grid line { stroke: #eceff2; stroke-width: 1; }
svg .tick { stroke: #9aa4ad; stroke-width: 1; }
svg .why { fill: var(--dim); font-size: 10px; }
svg .tag { fill: #fff; font-size: 10px; font-weight: 700; pointer-events: none; }
svg .poll { stroke: var(--poll); stroke-width: 1.6; fill: none; }
svg .abandon { stroke: var(--abandon); stroke-width: 2.4; fill: none; }
svg .makespan { stroke: var(--ink); stroke-width: 1.5; }
svg .ideal-line { stroke: var(--ink); stroke-width: 1.2; stroke-dasharray: 5 4; }
svg .caption { fill: var(--dim); font-size: 11px; }
svg .teller rect.st { stroke: #fff; stroke-width: 0.8; }
svg .teller .dense rect.st { stroke: none; }
svg rect.st:hover, svg path.area:hover { stroke: #000; stroke-width: 1.5; }
svg rect.band { fill: transparent; }
svg rect.band:hover { fill: rgba(0, 0, 0, 0.08); }
table { border-collapse: collapse; margin: 8px 0; font-size: 14px; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 9px; border-bottom: 1px solid var(--rule); text-align: right; white-space: nowrap; }
th { font-weight: 600; vertical-align: bottom; border-bottom: 2px solid var(--ink); white-space: normal; }
table.metrics th { max-width: 7.5em; }
th[title] { text-decoration: underline dotted var(--dim); cursor: help; }
td:first-child, th:first-child { text-align: left; white-space: nowrap; }
td.best { background: var(--best); font-weight: 700; }
td .sub { color: var(--dim); font-size: 12px; display: block; }
td.why { text-align: left; color: var(--dim); white-space: normal; }
td.runner, th.runner { text-align: left; }
table.scale tr.next td { border-top: 2px solid var(--rule); }
svg.scale-chart text { font-size: 12px; }
svg.scale-chart .panel-title { font-size: 14px; font-weight: 600; }
svg.scale-chart .frame { fill: #fbfcfd; stroke: var(--rule); }
svg.scale-chart .series { fill: none; stroke-width: 2.2; }
svg.scale-chart .refused { stroke: #7a8591; stroke-width: 2.2; fill: none; }
svg.scale-chart .failed { stroke: #b00020; stroke-width: 2.2; fill: #fff; }
ol.notes { font-size: 14px; color: var(--dim); margin: 4px 0; }
footer { margin-top: 24px; font-size: 12px; }
"#;

// ---------------------------------------------------------------------------
// 2. header

/// The page's title, the runs it holds, and the scenario in one line.
fn header(page: &mut String, traces: &[&Trace]) {
    put!(
        page,
        "<h1>Waiting at the bank <span lang=\"zh\">银行排队</span></h1>\n"
    );
    let Some(first) = traces.first() else {
        put!(page, "<p class=\"scenario\">No runs to show.</p>\n");
        return;
    };
    put!(
        page,
        "<p class=\"scenario\"><b>Scenario:</b> {}</p>\n",
        esc(&scenario_line(&first.scenario))
    );
    if traces.iter().any(|t| t.scenario != first.scenario) {
        put!(
            page,
            "<p class=\"warn\">The runs had different scenarios: each run says its own; \
             the ideal schedule is run 1's.</p>\n"
        );
    }
}

/// A scenario in one line: customers, tellers, policy, service, arrivals,
/// errand, polling, speed, seed.
fn scenario_line(s: &Scenario) -> String {
    let mut parts = vec![
        format!("{} customers", group(s.customers.len() as f64)),
        format!("{} tellers", s.tellers),
        s.policy.build().name().to_uppercase(),
    ];
    let service: Vec<f64> = s.customers.iter().map(|c| c.service_ms).collect();
    if let Some(text) = spread(&service) {
        parts.push(format!("service {text}"));
    }
    let gaps: Vec<f64> = s
        .customers
        .windows(2)
        .map(|w| w[1].arrive_ms - w[0].arrive_ms)
        .collect();
    if let (Some(text), Some(last)) = (spread(&gaps), s.customers.last()) {
        if text.contains('–') {
            parts.push(format!("arriving over {} ms", ms(last.arrive_ms)));
        } else {
            parts.push(format!("arriving every {text}"));
        }
    }
    let errand: Vec<f64> = s.customers.iter().map(|c| c.errand_ms).collect();
    match spread(&errand) {
        Some(text) if errand.iter().any(|&e| e > 0.0) => parts.push(format!("errand {text}")),
        _ => parts.push("no errand".to_owned()),
    }
    parts.push(format!(
        "sync-nonblocking looks every {} ms",
        ms(s.poll_every_ms)
    ));
    if s.speed != 1.0 {
        parts.push(format!(
            "run {}× faster than written (times are the run's own)",
            fixed(s.speed, 2)
        ));
    }
    if let Some(seed) = s.seed {
        parts.push(format!("seed {seed}"));
    }
    parts.join(" · ")
}

/// "400 ms" when all values are equal, "50–150 ms" when they spread; `None` for none.
fn spread(values: &[f64]) -> Option<String> {
    let low = values.iter().copied().fold(f64::INFINITY, f64::min);
    let high = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if values.is_empty() {
        None
    } else if high - low <= 1e-9 * high.abs().max(1.0) {
        Some(format!("{} ms", ms(low)))
    } else {
        Some(format!("{}–{} ms", ms(low), ms(high)))
    }
}

// ---------------------------------------------------------------------------
// 3. legend

/// The colours and marks, in the lecture's words, English and Chinese.
fn legend(page: &mut String, runs: &[Run]) {
    put!(page, "<h2>Legend 图例</h2>\n<div class=\"legend\">\n");
    for state in [State::Blocked, State::Errand, State::Ready, State::Counter] {
        let (english, chinese) = state.label();
        let english = if state == State::Counter {
            "served at the counter (teller's row: serves)"
        } else {
            english
        };
        legend_entry(page, &format!("key {}", class(state)), "", chinese, english);
    }
    let (english, chinese) = State::Calling.label();
    legend_entry(page, "key calling", "", chinese, english);
    legend_entry(
        page,
        "key tick",
        "",
        "查看",
        "poll: looked at the socket, nothing yet",
    );
    legend_entry(
        page,
        "key cross",
        "✕",
        "放弃",
        "abandoned: left before DONE",
    );
    legend_entry(
        page,
        "key line dashed",
        "",
        "理想",
        "ideal makespan: instant reactions, exact service",
    );
    legend_entry(
        page,
        "key line",
        "",
        "完成",
        "makespan: the run's last DONE",
    );
    put!(page, "</div>\n");
    put!(
        page,
        "<p class=\"note\">Hover over a stretch for who, which ticket, which state, from when \
         to when, and the teller."
    );
    if runs.iter().any(|r| r.trace.customers.len() > MANY) {
        put!(
            page,
            " Runs of more than {MANY} customers show how many customers are in each state at \
             each moment (a stacked area: hover for the numbers) and a few representative \
             customers in full."
        );
    }
    put!(page, "</p>\n");
}

/// One legend entry: a sample, the Chinese term, the English meaning.
fn legend_entry(page: &mut String, key: &str, sample: &str, chinese: &str, english: &str) {
    put!(
        page,
        "<div><span class=\"{key}\">{sample}</span><span class=\"zh\" lang=\"zh\">{}</span>{}</div>\n",
        esc(chinese),
        esc(english)
    );
}

/// The CSS class of a state: its colour.
fn class(state: State) -> &'static str {
    match state {
        State::Blocked => "blocked",
        State::Errand => "running",
        State::Ready => "ready",
        State::Counter => "counter",
        State::Calling => "calling",
        State::Serving => "serving",
    }
}

/// A state in a tooltip: short English and the lecture's word.
fn word(state: State) -> String {
    let english = match state {
        State::Blocked => "blocked",
        State::Errand => "running (errand)",
        State::Ready => "ready",
        State::Counter => "at the counter",
        State::Calling => "calling",
        State::Serving => "serving",
    };
    format!("{english} {}", state.label().1)
}

// ---------------------------------------------------------------------------
// 4. timelines

/// The one time axis every timeline shares.
struct Frame {
    /// The axis ends here: a whole number of ticks past the last moment of any run.
    end_ms: f64,
    /// Between two ticks: a nice number (1, 2, 2.5, 5 × a power of ten).
    tick_ms: f64,
}

impl Frame {
    /// The axis that holds every run and the ideal schedule.
    fn fit(runs: &[Run], ideal: Option<&sim::Schedule>) -> Frame {
        let last = runs
            .iter()
            .map(|r| swimlane::end_ms(r.trace, &r.lanes))
            .chain(ideal.map(|s| s.makespan_ms))
            .filter(|t| t.is_finite())
            .fold(0.0, f64::max);
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
    fn x(&self, t_ms: f64) -> f64 {
        let share = if t_ms.is_finite() {
            (t_ms / self.end_ms).clamp(0.0, 1.0)
        } else {
            1.0
        };
        GUTTER + share * Frame::plot_width()
    }

    /// How many columns of `px` pixels the axis has.
    fn columns(px: f64) -> usize {
        (Frame::plot_width() / px).ceil() as usize
    }
}

/// The ideal schedule, then every run, each with its heading and its picture.
fn timelines(page: &mut String, frame: &Frame, runs: &[Run], ideal: Option<&sim::Schedule>) {
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
fn ideal_timeline(page: &mut String, frame: &Frame, schedule: &sim::Schedule, trace: &Trace) {
    put!(
        page,
        "<section class=\"ideal\">\n<h3>ideal schedule <span class=\"zh\">理想调度</span> \
         <span class=\"scene\">— the same customers, every call answered at once: no run can \
         beat it</span></h3>\n<p class=\"figures\"><span><b>makespan</b> {} ms</span></p>\n",
        ms(schedule.makespan_ms)
    );
    let tellers = schedule
        .visits
        .iter()
        .map(|v| v.teller)
        .max()
        .unwrap_or(0)
        .max(trace.scenario.tellers);
    let mut body = String::new();
    let mut y = AXIS + 4.0;
    for teller in 1..=tellers {
        let visits: Vec<&sim::Visit> = schedule
            .visits
            .iter()
            .filter(|v| v.teller == teller)
            .collect();
        let segments: Vec<Segment> = visits
            .iter()
            .map(|v| Segment {
                start_ms: v.start_ms,
                end_ms: v.end_ms,
                state: State::Serving,
            })
            .collect();
        let who = |v: &sim::Visit| match trace.customers.get(v.customer as usize) {
            Some(c) => named(c),
            None => format!("customer {}", v.customer + 1),
        };
        let tags: Vec<(f64, f64, String)> = visits
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
            let v = visits[i];
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
                polls: &[],
                abandoned_ms: None,
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
fn run_timeline(page: &mut String, frame: &Frame, run: &Run, first: &Scenario) {
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
    let figures = [
        ("makespan", format!("{} ms", ms(m.makespan_ms))),
        ("efficiency", ratio(m.efficiency)),
        ("mean wait", format!("{} ms", ms(m.mean_wait_ms))),
        ("mean reaction", format!("{} ms", ms(m.mean_reaction_ms))),
        (
            "errand while waiting",
            format!("{} ms", ms(m.errand_while_waiting_ms)),
        ),
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

    let (customers, tellers) = run
        .lanes
        .split_at(trace.customers.len().min(run.lanes.len()));
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
        let lanes: Vec<&LaneView> = tellers.iter().collect();
        y = area(
            &mut body,
            frame,
            y,
            &Crowd {
                lanes: &lanes,
                states: &[State::Calling, State::Serving],
                what: "tellers",
            },
        );
    } else {
        let owners = stretch_owners(&trace.customers);
        for lane in tellers {
            teller_row(&mut body, frame, y, lane, &owners);
            y += ROW;
        }
    }
    let lines = [
        (m.ideal_makespan_ms, "ideal-line", "ideal makespan"),
        (m.makespan_ms, "makespan", "makespan"),
    ];
    picture(page, frame, "timeline run", y + 4.0, &body, &lines);
    put!(page, "</section>\n");
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

/// What one row needs to be drawn.
struct RowDraw<'a> {
    /// `customer` or `teller`: the row's group class.
    kind: &'a str,
    /// The text in the left column (fitted to it here; whole in its tooltip).
    label: &'a str,
    /// Small grey words before the label: why this customer is shown.
    note: Option<&'a str>,
    /// The lane's stretches, in time order.
    segments: &'a [Segment],
    /// The tooltip of stretch `i`.
    tip: &'a dyn Fn(usize) -> String,
    /// Looks at the socket that found nothing (ms).
    polls: &'a [f64],
    /// Where an abandoned customer left (ms).
    abandoned_ms: Option<f64>,
    /// Texts to write over stretches (a teller's ticket numbers): start, end, text.
    tags: &'a [(f64, f64, String)],
}

/// A customer's row: their stretches, polls and abandon mark.
fn customer_row(
    out: &mut String,
    frame: &Frame,
    y: f64,
    lane: &LaneView,
    record: &CustomerRecord,
    note: Option<&str>,
) {
    let mut label = lane.label.clone();
    if record.outcome == Outcome::Abandoned {
        label.push_str(" (abandoned)");
    }
    let name = named(record);
    let tip = |i: usize| {
        let seg = &lane.segments[i];
        let mut text = format!(
            "{name} · {} · {}–{} ms",
            word(seg.state),
            ms(seg.start_ms),
            ms(seg.end_ms)
        );
        match (seg.state, record.teller) {
            (State::Ready | State::Counter, Some(teller)) => put!(text, " · teller {teller}"),
            (State::Blocked | State::Errand, _)
                if record.called_ms.is_none_or(|c| c > seg.start_ms) =>
            {
                text.push_str(" · waits for the call")
            }
            _ => {}
        }
        text
    };
    lane_row(
        out,
        frame,
        y,
        &RowDraw {
            kind: "customer",
            label: &label,
            note,
            segments: &lane.segments,
            tip: &tip,
            polls: &lane.polls,
            abandoned_ms: lane.abandoned_ms,
            tags: &[],
        },
    );
}

/// A teller's row: calling and serving, each service tagged with its ticket.
fn teller_row(
    out: &mut String,
    frame: &Frame,
    y: f64,
    lane: &LaneView,
    owners: &HashMap<(TellerNo, bool, i64), &CustomerRecord>,
) {
    let Lane::Teller(teller) = lane.lane else {
        return;
    };
    let tip = |i: usize| {
        let seg = &lane.segments[i];
        let key = (
            teller,
            seg.state == State::Calling,
            instant_key(seg.start_ms),
        );
        let whom = owners
            .get(&key)
            .map(|c| format!(" {}", named(c)))
            .unwrap_or_default();
        format!(
            "teller {teller} · {}{whom} · {}–{} ms",
            word(seg.state),
            ms(seg.start_ms),
            ms(seg.end_ms)
        )
    };
    lane_row(
        out,
        frame,
        y,
        &RowDraw {
            kind: "teller",
            label: &lane.label,
            note: None,
            segments: &lane.segments,
            tip: &tip,
            polls: &[],
            abandoned_ms: None,
            tags: &lane.tags,
        },
    );
}

/// "张三 #1": a customer's name and ticket.
fn named(c: &CustomerRecord) -> String {
    match c.ticket {
        Some(n) => format!("{} #{n}", c.name),
        None => c.name.clone(),
    }
}

/// A time as whole nanoseconds: the same recorded instant always gives the
/// same key, in whichever record it was copied.
fn instant_key(ms: f64) -> i64 {
    (ms * 1_000_000.0).round() as i64
}

/// Which customer a teller's stretch concerns, by (teller, whether it is
/// the calling stretch, its start): a calling stretch starts at the
/// customer's `called_ms`, a serving one at their `at_counter_ms`.
fn stretch_owners(customers: &[CustomerRecord]) -> HashMap<(TellerNo, bool, i64), &CustomerRecord> {
    let mut owners = HashMap::new();
    for c in customers {
        let Some(teller) = c.teller else { continue };
        for (calling, t) in [(true, c.called_ms), (false, c.at_counter_ms)] {
            if let Some(t) = t.filter(|t| t.is_finite()) {
                owners.entry((teller, calling, instant_key(t))).or_insert(c);
            }
        }
    }
    owners
}

/// Draws one row at `y`: label, bars with tooltips, tags, polls, abandon mark.
fn lane_row(out: &mut String, frame: &Frame, y: f64, row: &RowDraw) {
    let mid = y + ROW / 2.0;
    let full = esc(row.label);
    put!(
        out,
        "<g class=\"lane {}\">\n<text x=\"{:.0}\" y=\"{:.1}\" text-anchor=\"end\" dominant-baseline=\"central\">{}\
         <title>{full}</title></text>\n",
        row.kind,
        GUTTER - 8.0,
        mid,
        esc(&fit(row.label, LABEL_COLUMNS))
    );
    if let Some(note) = row.note {
        put!(
            out,
            "<text class=\"why\" x=\"4\" y=\"{mid:.1}\" dominant-baseline=\"central\">{}\
             <title>{}</title></text>\n",
            esc(&fit(note, 18)),
            esc(note)
        );
    }
    let top = y + (ROW - BAR) / 2.0;
    for bar in bars(row.segments, frame) {
        let x = frame.x(bar.start_ms);
        let width = (frame.x(bar.end_ms) - x).max(0.6);
        match bar.index {
            Some(i) => put!(
                out,
                "<rect class=\"st {}\" x=\"{x:.1}\" y=\"{top:.1}\" width=\"{width:.1}\" \
                 height=\"{BAR}\"><title>{}</title></rect>\n",
                class(bar.shares[0].0),
                esc(&(row.tip)(i))
            ),
            None => dense_bar(out, row.label, &bar, x, width, top),
        }
    }
    for (start, end, text) in row.tags {
        let (x0, x1) = (frame.x(*start), frame.x(*end));
        let needs = 6.5 * text.chars().count() as f64 + 4.0;
        if x1 - x0 >= needs {
            put!(
                out,
                "<text class=\"tag\" x=\"{:.1}\" y=\"{mid:.1}\" dominant-baseline=\"central\">{}</text>\n",
                x0 + 2.0,
                esc(text)
            );
        }
    }
    poll_marks(out, frame, top, row);
    if let Some(t) = row.abandoned_ms {
        let x = frame.x(t);
        put!(
            out,
            "<path class=\"abandon\" d=\"M{:.1} {:.1}l8 8m0 -8l-8 8\"><title>{}: abandoned 放弃 at {} ms, \
             left before DONE</title></path>\n",
            x - 4.0,
            mid - 4.0,
            esc(row.label),
            ms(t)
        );
    }
    put!(out, "</g>\n");
}

/// A row's polls: one short tick each (one per pixel at most), in one path.
fn poll_marks(out: &mut String, frame: &Frame, top: f64, row: &RowDraw) {
    let polls: Vec<f64> = row
        .polls
        .iter()
        .copied()
        .filter(|t| t.is_finite())
        .collect();
    if polls.is_empty() {
        return;
    }
    let mut d = String::new();
    let mut last_x = f64::NEG_INFINITY;
    for &t in &polls {
        let x = frame.x(t);
        if x - last_x >= 1.0 {
            put!(d, "M{x:.1} {:.1}v{:.0}", top - 2.0, BAR + 4.0);
            last_x = x;
        }
    }
    let times = if polls.len() <= 12 {
        let list: Vec<String> = polls.iter().map(|&t| ms(t)).collect();
        format!(" at {} ms", list.join(", "))
    } else {
        String::new()
    };
    put!(
        out,
        "<path class=\"poll\" d=\"{d}\"><title>{}: {} polls 查看 found nothing{times}</title></path>\n",
        esc(row.label),
        polls.len()
    );
}

/// A dense row's bar: the share of time of each state, stacked from the
/// bottom (what no state covers, the lane's idle time, is left blank), with
/// one tooltip for the whole bar.
fn dense_bar(out: &mut String, label: &str, bar: &Bar, x: f64, width: f64, top: f64) {
    let shares: Vec<String> = bar
        .shares
        .iter()
        .map(|&(state, share)| format!("{} {:.0}%", word(state), share * 100.0))
        .collect();
    let tip = format!(
        "{label} · {}–{} ms · {} of the time · {} stretches here, too many to draw one by one",
        ms(bar.start_ms),
        ms(bar.end_ms),
        shares.join(" · "),
        group(bar.stretches as f64)
    );
    put!(out, "<g class=\"dense\"><title>{}</title>", esc(&tip));
    let mut bottom = top + BAR;
    for &(state, share) in &bar.shares {
        let height = BAR * share;
        bottom -= height;
        put!(
            out,
            "<rect class=\"st {}\" x=\"{x:.1}\" y=\"{bottom:.2}\" width=\"{width:.1}\" height=\"{height:.2}\"/>",
            class(state)
        );
    }
    put!(out, "</g>\n");
}

/// One bar of a row: a stretch, or in a dense row, a run of columns where
/// the states share the time alike.
struct Bar {
    /// Start, in ms.
    start_ms: f64,
    /// End, in ms.
    end_ms: f64,
    /// The stretch it draws (`None`: a dense row's merged columns).
    index: Option<usize>,
    /// Each state's share of the bar's time, in `State::ALL` order; a
    /// single stretch is one state with all of it.
    shares: Vec<(State, f64)>,
    /// How many stretches began under it.
    stretches: usize,
}

/// The bars of a row: each stretch, or, beyond `DETAILED` stretches, the
/// share of time of each state in each `COLUMN` pixels, merged with the
/// next columns while the shares stay within `ALIKE` of each other.
fn bars(segments: &[Segment], frame: &Frame) -> Vec<Bar> {
    let drawable = |s: &&Segment| s.start_ms.is_finite() && s.end_ms.is_finite();
    if segments.len() <= DETAILED {
        return segments
            .iter()
            .enumerate()
            .filter(|(_, s)| drawable(s) && s.end_ms >= s.start_ms)
            .map(|(i, s)| Bar {
                start_ms: s.start_ms,
                end_ms: s.end_ms,
                index: Some(i),
                shares: vec![(s.state, 1.0)],
                stretches: 1,
            })
            .collect();
    }
    let n = Frame::columns(COLUMN);
    let width = frame.end_ms / n as f64;
    let cover = cover(segments.iter().filter(drawable), frame, n);
    let mut starts = vec![0usize; n];
    for s in segments.iter().filter(drawable) {
        starts[((s.start_ms / width).max(0.0) as usize).min(n - 1)] += 1;
    }
    // Each run of alike columns: (first, last, time of each state).
    let mut runs: Vec<(usize, usize, [f64; State::ALL.len()])> = Vec::new();
    for (c, column) in cover.iter().enumerate() {
        if column.iter().all(|&t| t <= 0.0) {
            continue;
        }
        // Alike: next to the run, and each state's share near the run's mean.
        let alike = runs.last().is_some_and(|(first, last, time)| {
            let span = (last + 1 - first) as f64 * width;
            *last + 1 == c
                && time
                    .iter()
                    .zip(column)
                    .all(|(t, now)| (t / span - now / width).abs() <= ALIKE)
        });
        match runs.last_mut() {
            Some((_, last, time)) if alike => {
                *last = c;
                for (t, now) in time.iter_mut().zip(column) {
                    *t += now;
                }
            }
            _ => runs.push((c, c, *column)),
        }
    }
    runs.into_iter()
        .map(|(first, last, time)| {
            let span = (last + 1 - first) as f64 * width;
            Bar {
                start_ms: first as f64 * width,
                end_ms: (last + 1) as f64 * width,
                index: None,
                shares: State::ALL
                    .iter()
                    .zip(time)
                    .filter(|(_, t)| *t > 0.0)
                    .map(|(&state, t)| (state, (t / span).min(1.0)))
                    .collect(),
                stretches: starts[first..=last].iter().sum(),
            }
        })
        .collect()
}

/// How far apart two columns' shares of a state may be for one bar to draw both.
const ALIKE: f64 = 0.1;

/// How long each state covers each of `n` equal columns of the axis, in ms
/// summed over all `segments` (indexed like `State::ALL`). Whole columns are
/// added through a difference array, so a long stretch costs no more than a
/// short one.
fn cover<'s>(
    segments: impl IntoIterator<Item = &'s Segment>,
    frame: &Frame,
    n: usize,
) -> Vec<[f64; State::ALL.len()]> {
    let width = frame.end_ms / n as f64;
    let mut cover = vec![[0.0; State::ALL.len()]; n];
    let mut whole = vec![[0.0; State::ALL.len()]; n + 1];
    for seg in segments {
        let (a, b) = (seg.start_ms.max(0.0), seg.end_ms.min(frame.end_ms));
        if b <= a {
            continue;
        }
        let k = state_index(seg.state);
        let first = ((a / width) as usize).min(n - 1);
        let last = ((b / width) as usize).min(n - 1);
        if first == last {
            cover[first][k] += b - a;
        } else {
            cover[first][k] += (first + 1) as f64 * width - a;
            cover[last][k] += b - last as f64 * width;
            whole[first + 1][k] += width;
            whole[last][k] -= width;
        }
    }
    let mut running = [0.0; State::ALL.len()];
    for (column, change) in cover.iter_mut().zip(&whole) {
        for k in 0..running.len() {
            running[k] += change[k];
            column[k] += running[k];
        }
    }
    cover
}

/// Where `state` is in `State::ALL`.
fn state_index(state: State) -> usize {
    State::ALL
        .iter()
        .position(|&s| s == state)
        .expect("State::ALL lists every state")
}

/// A crowd of lanes summarised as counts per state over time.
struct Crowd<'a> {
    /// The lanes counted.
    lanes: &'a [&'a LaneView],
    /// The states stacked, bottom first.
    states: &'a [State],
    /// What the lanes are, for captions: "customers".
    what: &'a str,
}

/// A crowd of customers: the stacked area of their states, a strip of their
/// polls, then a few representatives in full. Returns the next free y.
fn crowd_rows(out: &mut String, frame: &Frame, y: f64, run: &Run, customers: &[LaneView]) -> f64 {
    let lanes: Vec<&LaneView> = customers.iter().collect();
    let mut y = area(
        out,
        frame,
        y,
        &Crowd {
            lanes: &lanes,
            states: &[State::Blocked, State::Errand, State::Ready, State::Counter],
            what: "customers",
        },
    );
    let polls: Vec<f64> = customers
        .iter()
        .flat_map(|l| l.polls.iter().copied())
        .filter(|t| t.is_finite())
        .collect();
    if !polls.is_empty() {
        y = strip(out, frame, y, &polls, "poll", "polls 查看");
    }
    let abandons: Vec<f64> = customers.iter().filter_map(|l| l.abandoned_ms).collect();
    if !abandons.is_empty() {
        y = strip(out, frame, y, &abandons, "abandon", "abandoned 放弃");
    }
    y += 4.0;
    put!(
        out,
        "<text class=\"caption\" x=\"4\" y=\"{:.1}\">a few customers in full (of {}):</text>\n",
        y + 10.0,
        group(customers.len() as f64)
    );
    y += 16.0;
    for (i, why) in representatives(&run.trace.customers) {
        if let (Some(lane), Some(record)) = (customers.get(i), run.trace.customers.get(i)) {
            customer_row(out, frame, y, lane, record, Some(&why));
            y += ROW;
        }
    }
    y
}

/// The stacked area of a crowd: how many of its lanes are in each state, on
/// average over each few pixels, with hover bands that give the numbers.
/// Returns the next free y.
fn area(out: &mut String, frame: &Frame, y: f64, crowd: &Crowd) -> f64 {
    let n = Frame::columns(COLUMN);
    let width_ms = frame.end_ms / n as f64;
    let cover = cover(crowd.lanes.iter().flat_map(|l| l.segments.iter()), frame, n);
    // Mean count of lanes in each stacked state, per column.
    let counts: Vec<Vec<f64>> = cover
        .iter()
        .map(|column| {
            crowd
                .states
                .iter()
                .map(|&s| column[state_index(s)] / width_ms)
                .collect()
        })
        .collect();
    let peak = counts
        .iter()
        .map(|c| c.iter().sum::<f64>())
        .fold(0.0, f64::max)
        .max(1.0);
    let top = y + 16.0;
    let bottom = top + AREA;
    let level = |count: f64| bottom - count / peak * AREA;
    put!(
        out,
        "<text class=\"caption\" x=\"4\" y=\"{:.1}\">{} by state (all {}):</text>\n\
         <text class=\"caption\" x=\"{:.0}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\n\
         <text class=\"caption\" x=\"{:.0}\" y=\"{bottom:.1}\" text-anchor=\"end\">0</text>\n\
         <line class=\"tick\" x1=\"{GUTTER}\" x2=\"{:.0}\" y1=\"{bottom:.1}\" y2=\"{bottom:.1}\"/>\n",
        y + 10.0,
        crowd.what,
        group(crowd.lanes.len() as f64),
        GUTTER - 8.0,
        top + 4.0,
        group(peak.round()),
        GUTTER - 8.0,
        WIDTH - RIGHT,
    );
    let x_of = |c: usize| GUTTER + (c as f64 + 0.5) * COLUMN;
    let mut below = vec![0.0; n];
    for (k, &state) in crowd.states.iter().enumerate() {
        let above: Vec<f64> = below.iter().zip(&counts).map(|(b, c)| b + c[k]).collect();
        if above.iter().zip(&below).all(|(a, b)| a - b < 1e-9) {
            below = above;
            continue;
        }
        let mut d = String::new();
        for (c, &count) in above.iter().enumerate() {
            let verb = if c == 0 { 'M' } else { 'L' };
            put!(d, "{verb}{:.1} {:.1}", x_of(c), level(count));
        }
        for c in (0..n).rev() {
            put!(d, "L{:.1} {:.1}", x_of(c), level(below[c]));
        }
        put!(
            out,
            "<path class=\"area {}\" d=\"{d}Z\"><title>{} {}</title></path>\n",
            class(state),
            crowd.what,
            word(state)
        );
        below = above;
    }
    hover_bands(out, frame, top, bottom, crowd, &cover);
    bottom + 4.0
}

/// Transparent bands over an area, each with the mean counts under it.
fn hover_bands(
    out: &mut String,
    frame: &Frame,
    top: f64,
    bottom: f64,
    crowd: &Crowd,
    cover: &[[f64; State::ALL.len()]],
) {
    let per_band = (BAND / COLUMN).round().max(1.0) as usize;
    let width_ms = frame.end_ms / cover.len() as f64;
    for (b, columns) in cover.chunks(per_band).enumerate() {
        let first = b * per_band;
        let (from, to) = (
            first as f64 * width_ms,
            (first + columns.len()) as f64 * width_ms,
        );
        let span = to - from;
        let parts: Vec<String> = crowd
            .states
            .iter()
            .map(|&s| {
                let k = state_index(s);
                let mean = columns.iter().map(|c| c[k]).sum::<f64>() / span;
                format!("{} {}", word(s), fixed(mean, 1))
            })
            .collect();
        let x = frame.x(from);
        put!(
            out,
            "<rect class=\"band\" x=\"{x:.1}\" y=\"{top:.1}\" width=\"{:.1}\" height=\"{:.1}\">\
             <title>{}–{} ms, {} on average: {}</title></rect>\n",
            frame.x(to) - x,
            bottom - top,
            ms(from),
            ms(to),
            crowd.what,
            parts.join(" · ")
        );
    }
}

/// A strip of small bars under a crowd's area: how many of `times` (polls
/// that found nothing, or abandons) fell in each few pixels. `class` gives
/// the colour, `caption` the name at the left. Returns the next free y.
fn strip(
    out: &mut String,
    frame: &Frame,
    y: f64,
    times: &[f64],
    class: &str,
    caption: &str,
) -> f64 {
    let n = Frame::columns(COLUMN);
    let width_ms = frame.end_ms / n as f64;
    let mut counts = vec![0usize; n];
    for &t in times {
        counts[((t / width_ms).max(0.0) as usize).min(n - 1)] += 1;
    }
    let peak = counts.iter().copied().max().unwrap_or(0).max(1) as f64;
    let bottom = y + STRIP;
    let mut d = String::new();
    for (c, &count) in counts.iter().enumerate().filter(|(_, n)| **n > 0) {
        let h = (count as f64 / peak * (STRIP - 4.0)).max(1.5);
        put!(
            d,
            "M{:.1} {bottom:.1}v{:.1}",
            GUTTER + (c as f64 + 0.5) * COLUMN,
            -h
        );
    }
    put!(
        out,
        "<text class=\"caption\" x=\"{:.0}\" y=\"{:.1}\" text-anchor=\"end\">{caption}</text>\n\
         <path class=\"{class}\" d=\"{d}\" style=\"stroke-width:{:.1}\"><title>{caption}: {} in all; \
         the tallest bar is {} in {} ms</title></path>\n",
        GUTTER - 8.0,
        bottom - 4.0,
        COLUMN - 0.6,
        group(times.len() as f64),
        peak,
        ms(width_ms)
    );
    bottom + 2.0
}

/// The customers a crowd shows in full, in scenario order, each with why:
/// the first and the last to arrive, the median and the longest wait, the
/// slowest reaction, the most polls, the first who gave up.
fn representatives(customers: &[CustomerRecord]) -> Vec<(usize, String)> {
    let mut picks: Vec<(usize, &str)> = Vec::new();
    let by = |key: fn(&CustomerRecord) -> Option<f64>| {
        let mut keyed: Vec<(usize, f64)> = customers
            .iter()
            .enumerate()
            .filter_map(|(i, c)| Some((i, key(c).filter(|v| v.is_finite())?)))
            .collect();
        keyed.sort_by(|a, b| a.1.total_cmp(&b.1));
        keyed
    };
    let arrivals = by(|c| c.arrive_ms);
    let waits = by(CustomerRecord::wait_ms);
    let reactions = by(CustomerRecord::reaction_ms);
    if let Some(&(i, _)) = arrivals.first() {
        picks.push((i, "first in"));
    }
    if let Some(&(i, _)) = waits.get(waits.len() / 2) {
        picks.push((i, "median wait"));
    }
    if let Some(&(i, _)) = waits.last() {
        picks.push((i, "longest wait"));
    }
    if let Some(&(i, _)) = reactions.last() {
        picks.push((i, "slowest reaction"));
    }
    let most_polls = customers
        .iter()
        .enumerate()
        .filter(|(_, c)| c.polls > 0)
        .max_by_key(|(_, c)| c.polls);
    if let Some((i, _)) = most_polls {
        picks.push((i, "most polls"));
    }
    if let Some(i) = customers
        .iter()
        .position(|c| c.outcome == Outcome::Abandoned)
    {
        picks.push((i, "gave up"));
    }
    if let Some(&(i, _)) = arrivals.last() {
        picks.push((i, "last in"));
    }
    if picks.is_empty() {
        // Nobody even arrived: show the first few as they are.
        picks.extend((0..customers.len().min(3)).map(|i| (i, "recorded")));
    }
    let mut out: Vec<(usize, String)> = Vec::new();
    for (i, why) in picks {
        match out.iter_mut().find(|(j, _)| *j == i) {
            Some((_, whys)) => {
                whys.push_str(", ");
                whys.push_str(why);
            }
            None => out.push((i, why.to_owned())),
        }
    }
    out.sort_by_key(|(i, _)| *i);
    out
}

// ---------------------------------------------------------------------------
// 5. metrics table

/// Which way a column is better.
#[derive(Clone, Copy, PartialEq)]
enum Better {
    /// Less is better (time, cost).
    Lower,
    /// More is better (efficiency, errand done).
    Higher,
}

/// One column of the metrics table.
struct Column {
    /// The heading.
    head: &'static str,
    /// What it means, for the heading's tooltip.
    explain: &'static str,
    /// Which way is better.
    better: Better,
    /// Its value in a run.
    value: fn(&Metrics) -> f64,
    /// The value as shown: values that show alike are alike (both best, or neither).
    show: fn(f64) -> String,
    /// A second, smaller line under the value.
    detail: Option<fn(&Metrics) -> String>,
}

/// The metrics table's columns, after the run's name.
const COLUMNS: [Column; 11] = [
    Column {
        head: "makespan ms",
        explain: "from the start to the last DONE: how long the bank was busy",
        better: Better::Lower,
        value: |m| m.makespan_ms,
        show: ms,
        detail: None,
    },
    Column {
        head: "efficiency",
        explain: "ideal makespan ÷ makespan: 1.00 is the physical limit",
        better: Better::Higher,
        value: |m| m.efficiency,
        show: ratio,
        detail: None,
    },
    Column {
        head: "mean wait ms",
        explain: "called − arrived, mean over the served",
        better: Better::Lower,
        value: |m| m.mean_wait_ms,
        show: ms,
        detail: None,
    },
    Column {
        head: "mean reaction ms",
        explain: "at the counter − called: how long a call went unnoticed, mean over the served",
        better: Better::Lower,
        value: |m| m.mean_reaction_ms,
        show: ms,
        detail: None,
    },
    Column {
        head: "errand while waiting ms",
        explain: "own work done between the ticket and the call, per served customer",
        better: Better::Higher,
        value: |m| m.errand_while_waiting_ms,
        show: ms,
        detail: None,
    },
    Column {
        head: "polls",
        explain: "looks at a socket that found nothing, in all",
        better: Better::Lower,
        value: |m| m.polls as f64,
        show: group,
        detail: None,
    },
    Column {
        head: "peak threads",
        explain: "most threads alive at once on the customers' side",
        better: Better::Lower,
        value: |m| m.process.threads_peak as f64,
        show: group,
        detail: None,
    },
    Column {
        head: "CPU ms",
        explain: "CPU time of the customers' side: user + system",
        better: Better::Lower,
        value: |m| m.process.cpu_user_ms + m.process.cpu_sys_ms,
        show: ms,
        detail: Some(|m| {
            format!(
                "{} + {}",
                ms(m.process.cpu_user_ms),
                ms(m.process.cpu_sys_ms)
            )
        }),
    },
    Column {
        head: "peak RSS MiB",
        explain: "peak resident memory of the process",
        better: Better::Lower,
        value: |m| m.process.max_rss_kib as f64,
        show: |kib| mib(kib as u64),
        detail: None,
    },
    Column {
        head: "switches vol.",
        explain: "voluntary context switches: a thread gave up the CPU to wait",
        better: Better::Lower,
        value: |m| m.process.ctx_switches_voluntary as f64,
        show: group,
        detail: None,
    },
    Column {
        head: "switches invol.",
        explain: "involuntary context switches: the scheduler took a thread off the CPU",
        better: Better::Lower,
        value: |m| m.process.ctx_switches_involuntary as f64,
        show: group,
        detail: None,
    },
];

/// One row per run, one column per figure; the best value of each column
/// (when there are several runs) is marked.
fn metrics_table(page: &mut String, runs: &[Run]) {
    if runs.is_empty() {
        return;
    }
    put!(
        page,
        "<h2>Metrics 指标</h2>\n<p class=\"note\">Hover a heading for its meaning.{}</p>\n\
         <table class=\"metrics\">\n<thead><tr><th>run</th>",
        if runs.len() > 1 {
            " The best value of each column is highlighted."
        } else {
            ""
        }
    );
    for column in &COLUMNS {
        put!(
            page,
            "<th title=\"{}\">{}</th>",
            esc(column.explain),
            esc(column.head)
        );
    }
    put!(page, "</tr></thead>\n<tbody>\n");
    // The best value of each column, as shown (none with a single run).
    let best: Vec<Option<String>> = COLUMNS
        .iter()
        .map(|column| {
            let values = runs
                .iter()
                .map(|r| (column.value)(&r.trace.metrics))
                .filter(|v| v.is_finite());
            let pick = match column.better {
                Better::Lower => values.fold(f64::INFINITY, f64::min),
                Better::Higher => values.fold(f64::NEG_INFINITY, f64::max),
            };
            (runs.len() > 1 && pick.is_finite()).then(|| (column.show)(pick))
        })
        .collect();
    for run in runs {
        let m = &run.trace.metrics;
        put!(page, "<tr><td>{}", esc(&run.title()));
        if m.abandoned > 0 {
            put!(
                page,
                " <span class=\"warn\">({} abandoned)</span>",
                m.abandoned
            );
        }
        put!(page, "</td>");
        for (column, best) in COLUMNS.iter().zip(&best) {
            let text = (column.show)((column.value)(m));
            let mark = if best.as_ref() == Some(&text) {
                " class=\"best\" title=\"best\""
            } else {
                ""
            };
            put!(page, "<td{mark}>{}", esc(&text));
            if let Some(detail) = column.detail {
                put!(page, "<span class=\"sub\">{}</span>", esc(&detail(m)));
            }
            put!(page, "</td>");
        }
        put!(page, "</tr>\n");
    }
    put!(page, "</tbody>\n</table>\n");
}

// ---------------------------------------------------------------------------
// 6. scale

/// One panel of the scale chart.
struct Panel {
    /// Its title.
    title: &'static str,
    /// A log scale (costs that grow by orders of magnitude) or a linear one.
    log: bool,
    /// The value plotted.
    value: fn(&Metrics) -> f64,
    /// The value as text, for tooltips.
    show: fn(f64) -> String,
}

/// The four panels, left to right, top to bottom.
const PANELS: [Panel; 4] = [
    Panel {
        title: "efficiency (ideal ÷ makespan; 1 is the limit)",
        log: false,
        value: |m| m.efficiency,
        show: ratio,
    },
    Panel {
        title: "peak threads",
        log: true,
        value: |m| m.process.threads_peak as f64,
        show: group,
    },
    Panel {
        title: "peak RSS (MiB)",
        log: true,
        value: |m| m.process.max_rss_kib as f64 / 1024.0,
        show: |v| fixed(v, 1),
    },
    Panel {
        title: "CPU time, user + sys (ms)",
        log: true,
        value: |m| m.process.cpu_user_ms + m.process.cpu_sys_ms,
        show: ms,
    },
];

/// Width of a panel of the scale chart.
const PANEL_W: f64 = 620.0;
/// Height of a panel.
const PANEL_H: f64 = 270.0;
/// Left margin of a panel's plot (y labels).
const PANEL_LEFT: f64 = 64.0;
/// Top margin of a panel's plot (its title).
const PANEL_TOP: f64 = 28.0;
/// Bottom margin of a panel's plot (x labels).
const PANEL_BOTTOM: f64 = 40.0;
/// Height of the runners' key above the panels.
const KEY_H: f64 = 30.0;

/// The scale points as the chart and the table draw them.
struct Chart<'a> {
    /// The points, as given.
    points: &'a [Point],
    /// The runners, in order of first appearance: the order of lines and colours.
    runners: Vec<&'a str>,
    /// Numbered notes on the points that did not run to the end: (point index, text).
    notes: Vec<(usize, String)>,
    /// The customers' axis, shared by the four panels.
    customers: Scale,
}

/// The scale chart, its notes, and the scale table.
fn scale_section(page: &mut String, points: &[Point]) {
    put!(
        page,
        "<h2>Scale 规模</h2>\n<p class=\"note\">Each runner at growing numbers of customers. \
         The number of customers is on a log scale; so are threads, memory and CPU time. \
         Hover a point for its value.</p>\n"
    );
    // Customers on a log scale, with room on both sides so that the first
    // and the last points are not on the frame.
    let customers = points.iter().map(|p| f64::from(p.customers.max(1)));
    let chart = Chart {
        points,
        runners: runners(points),
        notes: scale_notes(points),
        customers: Scale {
            low: customers.clone().fold(f64::INFINITY, f64::min) / 1.6,
            high: customers.fold(0.0, f64::max) * 1.6,
            log: true,
        },
    };
    scale_chart(page, &chart);
    if !chart.notes.is_empty() {
        put!(page, "<ol class=\"notes\">\n");
        for (_, text) in &chart.notes {
            put!(page, "<li>{}</li>\n", esc(text));
        }
        put!(page, "</ol>\n");
    }
    scale_table(page, &chart);
}

/// The runners in order of first appearance.
fn runners(scale: &[Point]) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for p in scale {
        if !out.contains(&p.runner.as_str()) {
            out.push(&p.runner);
        }
    }
    out
}

/// The colour of a runner: the four styles keep theirs, others take the next.
fn runner_colour(runners: &[&str], runner: &str) -> &'static str {
    const PALETTE: [&str; 10] = [
        "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#b07aa1", "#edc948", "#9c755f",
        "#ff9da7", "#5c6670",
    ];
    let index = match Style::ALL.iter().position(|s| s.name() == runner) {
        Some(i) => i,
        None => {
            let others = runners
                .iter()
                .filter(|r| Style::ALL.iter().all(|s| s.name() != **r));
            4 + others.take_while(|r| **r != runner).count()
        }
    };
    PALETTE[index % PALETTE.len()]
}

/// A runner's marker: circle, square, triangle, diamond, by its place.
fn marker(index: usize, x: f64, y: f64) -> String {
    match index % 4 {
        0 => format!(
            "M{:.1} {y:.1}a4.5 4.5 0 1 0 9 0a4.5 4.5 0 1 0 -9 0Z",
            x - 4.5
        ),
        1 => format!("M{:.1} {:.1}h8v8h-8Z", x - 4.0, y - 4.0),
        2 => format!("M{x:.1} {:.1}l5 9h-10Z", y - 5.5),
        _ => format!("M{x:.1} {:.1}l5 5l-5 5l-5 -5Z", y - 5.0),
    }
}

/// Numbered notes on the points that did not run to the end: (point index, text).
fn scale_notes(scale: &[Point]) -> Vec<(usize, String)> {
    scale
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let what = match &p.result {
                Ending::Ran { complete: true, .. } => return None,
                Ending::Ran {
                    complete: false, ..
                } => "incomplete: some customers were lost or the run was interrupted".to_owned(),
                Ending::Refused { reason } => format!("refused: {reason}"),
                Ending::Failed { error } => format!("failed: {error}"),
            };
            Some((
                i,
                format!(
                    "{} at {} customers — {what}",
                    p.runner,
                    group(f64::from(p.customers))
                ),
            ))
        })
        .collect()
}

/// A scale for one axis of a panel: data to pixels.
struct Scale {
    /// Lowest value shown.
    low: f64,
    /// Highest value shown.
    high: f64,
    /// Logarithmic.
    log: bool,
}

impl Scale {
    /// A scale holding `values` (log: from the power of ten below the least
    /// positive value to the one above the largest).
    fn fit(values: &[f64], log: bool) -> Scale {
        let finite: Vec<f64> = values
            .iter()
            .copied()
            .filter(|v| v.is_finite() && (!log || *v > 0.0))
            .collect();
        let low = finite.iter().copied().fold(f64::INFINITY, f64::min);
        let high = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if log {
            if finite.is_empty() {
                return Scale {
                    low: 1.0,
                    high: 10.0,
                    log,
                };
            }
            let low = 10f64.powf(low.log10().floor());
            let mut high = 10f64.powf(high.log10().ceil());
            if high <= low {
                high = low * 10.0;
            }
            Scale { low, high, log }
        } else {
            let high = if finite.is_empty() {
                1.0
            } else {
                high.max(1.0)
            };
            Scale {
                low: 0.0,
                high,
                log,
            }
        }
    }

    /// Where `v` lies, from 0 (low) to 1 (high), clamped.
    fn at(&self, v: f64) -> f64 {
        let share = if self.log {
            let v = v.max(self.low);
            (v.log10() - self.low.log10()) / (self.high.log10() - self.low.log10())
        } else {
            (v - self.low) / (self.high - self.low)
        };
        if share.is_finite() {
            share.clamp(0.0, 1.0)
        } else {
            0.0
        }
    }

    /// The values to label: powers of ten (with 2 and 5 when only one
    /// decade shows), or quarters on a linear scale.
    fn ticks(&self) -> Vec<f64> {
        if self.log {
            let decades = (self.high / self.low).log10().round().max(1.0) as i32;
            let mantissas: &[f64] = if decades <= 1 {
                &[1.0, 2.0, 5.0]
            } else {
                &[1.0]
            };
            let mut ticks = Vec::new();
            for e in 0..=decades {
                for m in mantissas {
                    let v = self.low * 10f64.powi(e) * m;
                    if v <= self.high * 1.0001 {
                        ticks.push(v);
                    }
                }
            }
            ticks
        } else {
            (0..=4)
                .map(|i| self.low + (self.high - self.low) * f64::from(i) / 4.0)
                .collect()
        }
    }
}

/// The chart: a key of runners, then four panels in a 2 × 2 grid.
fn scale_chart(page: &mut String, chart: &Chart) {
    let height = KEY_H + 2.0 * PANEL_H;
    put!(
        page,
        "<svg class=\"scale-chart\" viewBox=\"0 0 {WIDTH} {height:.0}\" role=\"img\">\n"
    );
    let mut x = PANEL_LEFT;
    for (i, runner) in chart.runners.iter().enumerate() {
        let colour = runner_colour(&chart.runners, runner);
        put!(
            page,
            "<line x1=\"{x:.0}\" x2=\"{:.0}\" y1=\"14\" y2=\"14\" stroke=\"{colour}\" stroke-width=\"2.2\"/>\
             <path d=\"{}\" fill=\"{colour}\"/><text x=\"{:.0}\" y=\"18\">{}</text>\n",
            x + 28.0,
            marker(i, x + 14.0, 14.0),
            x + 34.0,
            esc(runner)
        );
        x += 44.0 + 7.5 * runner.chars().count() as f64;
    }
    for (i, panel) in PANELS.iter().enumerate() {
        let left = (i % 2) as f64 * (WIDTH / 2.0) + 10.0;
        let top = KEY_H + (i / 2) as f64 * PANEL_H;
        scale_panel(page, chart, panel, left, top);
    }
    put!(page, "</svg>\n");
}

/// Where a panel's plot lies, and its two scales.
struct Plot<'a> {
    /// Left edge.
    x0: f64,
    /// Right edge.
    x1: f64,
    /// Top edge.
    y0: f64,
    /// Bottom edge.
    y1: f64,
    /// Customers, across (shared by the panels).
    xs: &'a Scale,
    /// The panel's value, up.
    ys: Scale,
}

impl Plot<'_> {
    /// The x of a number of customers.
    fn x(&self, customers: f64) -> f64 {
        self.x0 + self.xs.at(customers) * (self.x1 - self.x0)
    }

    /// The y of a value.
    fn y(&self, value: f64) -> f64 {
        self.y1 - self.ys.at(value) * (self.y1 - self.y0)
    }
}

/// One panel, its top left corner at (`left`, `top`): its frame and axes,
/// then for each runner its line and the marks of its runs that did not run.
fn scale_panel(page: &mut String, chart: &Chart, panel: &Panel, left: f64, top: f64) {
    let values: Vec<f64> = chart
        .points
        .iter()
        .filter_map(|p| match &p.result {
            Ending::Ran { metrics, .. } => Some((panel.value)(metrics)),
            _ => None,
        })
        .collect();
    let plot = Plot {
        x0: left + PANEL_LEFT,
        x1: left + PANEL_W - 16.0,
        y0: top + PANEL_TOP,
        y1: top + PANEL_H - PANEL_BOTTOM,
        xs: &chart.customers,
        ys: Scale::fit(&values, panel.log),
    };
    put!(
        page,
        "<g class=\"panel\"><text class=\"panel-title\" x=\"{:.0}\" y=\"{:.0}\">{}</text>\n",
        plot.x0,
        top + 18.0,
        esc(panel.title),
    );
    panel_axes(page, chart, panel, &plot);
    for (r, runner) in chart.runners.iter().enumerate() {
        panel_series(page, chart, panel, &plot, r, runner);
        panel_misses(page, chart, &plot, r, runner);
    }
    put!(page, "</g>\n");
}

/// A panel's frame, its value ticks, and its customers ticks: the numbers of
/// customers that were run (or, when there are many, the powers of ten).
fn panel_axes(page: &mut String, chart: &Chart, panel: &Panel, plot: &Plot) {
    let Plot { x0, x1, y0, y1, .. } = *plot;
    put!(
        page,
        "<rect class=\"frame\" x=\"{x0:.0}\" y=\"{y0:.0}\" width=\"{:.0}\" height=\"{:.0}\"/>\n",
        x1 - x0,
        y1 - y0
    );
    for v in plot.ys.ticks() {
        let y = plot.y(v);
        put!(
            page,
            "<line class=\"grid\" x1=\"{x0:.0}\" x2=\"{x1:.0}\" y1=\"{y:.1}\" y2=\"{y:.1}\"/>\
             <text x=\"{:.0}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\n",
            x0 - 6.0,
            y + 4.0,
            (panel.show)(v)
        );
    }
    let mut counts: Vec<f64> = chart
        .points
        .iter()
        .map(|p| f64::from(p.customers))
        .collect();
    counts.sort_by(f64::total_cmp);
    counts.dedup();
    if counts.len() > 8 {
        counts = powers_of_ten(plot.xs);
    }
    for v in counts {
        let x = plot.x(v);
        put!(
            page,
            "<line class=\"grid\" x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{y0:.0}\" y2=\"{y1:.0}\"/>\
             <text x=\"{x:.1}\" y=\"{:.0}\" text-anchor=\"middle\">{}</text>\n",
            y1 + 16.0,
            group(v)
        );
    }
    put!(
        page,
        "<text class=\"caption\" x=\"{:.0}\" y=\"{:.0}\" text-anchor=\"middle\">customers (log scale)</text>\n",
        (x0 + x1) / 2.0,
        y1 + 32.0
    );
}

/// A runner's line through the runs that ran, each a marker with a tooltip
/// (hollow when the run was incomplete).
fn panel_series(
    page: &mut String,
    chart: &Chart,
    panel: &Panel,
    plot: &Plot,
    index: usize,
    runner: &str,
) {
    let colour = runner_colour(&chart.runners, runner);
    let mut ran: Vec<(f64, f64, bool)> = chart
        .points
        .iter()
        .filter(|p| p.runner == runner)
        .filter_map(|p| match &p.result {
            Ending::Ran { complete, metrics } => {
                let v = (panel.value)(metrics);
                v.is_finite()
                    .then_some((f64::from(p.customers), v, *complete))
            }
            _ => None,
        })
        .collect();
    ran.sort_by(|a, b| a.0.total_cmp(&b.0));
    if ran.len() > 1 {
        let points: Vec<String> = ran
            .iter()
            .map(|&(c, v, _)| format!("{:.1},{:.1}", plot.x(c), plot.y(v)))
            .collect();
        put!(
            page,
            "<polyline class=\"series\" stroke=\"{colour}\" points=\"{}\"/>\n",
            points.join(" ")
        );
    }
    for (c, v, complete) in ran {
        let fill = if complete { colour } else { "#fff" };
        put!(
            page,
            "<path d=\"{}\" fill=\"{fill}\" stroke=\"{colour}\" stroke-width=\"1.5\">\
             <title>{} · {} customers · {}{}</title></path>\n",
            marker(index, plot.x(c), plot.y(v)),
            esc(runner),
            group(c),
            (panel.show)(v),
            if complete { "" } else { " (incomplete)" }
        );
    }
}

/// A runner's runs that were refused (a grey ✕) or failed (a red ring), at
/// the bottom of the panel, each with the number of its note.
fn panel_misses(page: &mut String, chart: &Chart, plot: &Plot, index: usize, runner: &str) {
    for (n, (i, text)) in chart.notes.iter().enumerate() {
        let Some(p) = chart.points.get(*i) else {
            continue;
        };
        if p.runner != runner || matches!(p.result, Ending::Ran { .. }) {
            continue;
        }
        let x = plot.x(f64::from(p.customers));
        // One above another when several runners missed at the same size.
        let y = plot.y1 - 10.0 - 14.0 * index as f64;
        let (class, shape) = match p.result {
            Ending::Refused { .. } => (
                "refused",
                format!("M{:.1} {:.1}l8 8m0 -8l-8 8", x - 4.0, y - 4.0),
            ),
            _ => (
                "failed",
                format!("M{:.1} {y:.1}a5 5 0 1 0 10 0a5 5 0 1 0 -10 0Z", x - 5.0),
            ),
        };
        put!(
            page,
            "<path class=\"{class}\" d=\"{shape}\"><title>{}</title></path>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\">{}</text>\n",
            esc(text),
            x + 7.0,
            y + 4.0,
            n + 1
        );
    }
}

/// Powers of ten within a log scale.
fn powers_of_ten(xs: &Scale) -> Vec<f64> {
    let mut v = 10f64.powf(xs.low.log10().ceil());
    let mut out = Vec::new();
    while v <= xs.high {
        out.push(v);
        v *= 10.0;
    }
    out
}

/// The scale table: one row per run, by number of customers then runner.
fn scale_table(page: &mut String, chart: &Chart) {
    let mut rows: Vec<&Point> = chart.points.iter().collect();
    let place = |p: &Point| {
        chart
            .runners
            .iter()
            .position(|r| *r == p.runner)
            .unwrap_or(0)
    };
    rows.sort_by(|a, b| a.customers.cmp(&b.customers).then(place(a).cmp(&place(b))));
    put!(
        page,
        "<table class=\"scale\">\n<thead><tr><th>customers</th><th class=\"runner\">runner</th><th>makespan ms</th>\
         <th>efficiency</th><th>peak threads</th><th>peak RSS MiB</th><th>CPU ms (user + sys)</th>\
         <th>result</th></tr></thead>\n<tbody>\n"
    );
    let mut last = None;
    for p in rows {
        // A rule above each new number of customers.
        let next = if last.is_some_and(|n| n != p.customers) {
            " class=\"next\""
        } else {
            ""
        };
        last = Some(p.customers);
        put!(
            page,
            "<tr{next}><td>{}</td><td class=\"runner\">{}</td>",
            group(f64::from(p.customers)),
            esc(&p.runner)
        );
        match &p.result {
            Ending::Ran { complete, metrics } => {
                let m = metrics;
                put!(
                    page,
                    "<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"why\">{}</td>",
                    ms(m.makespan_ms),
                    ratio(m.efficiency),
                    group(m.process.threads_peak as f64),
                    mib(m.process.max_rss_kib),
                    ms(m.process.cpu_user_ms + m.process.cpu_sys_ms),
                    if *complete { "ran" } else { "incomplete" }
                );
            }
            Ending::Refused { reason } => {
                put!(
                    page,
                    "<td colspan=\"6\" class=\"why\">refused: {}</td>",
                    esc(reason)
                );
            }
            Ending::Failed { error } => {
                put!(
                    page,
                    "<td colspan=\"6\" class=\"why\">failed: {}</td>",
                    esc(error)
                );
            }
        }
        put!(page, "</tr>\n");
    }
    put!(page, "</tbody>\n</table>\n");
}

// ---------------------------------------------------------------------------
// Text

/// `text` made safe for HTML text and attribute values.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(ch),
        }
    }
    out
}

/// `text` cut to at most `columns` display columns, ending in `…` when cut.
fn fit(text: &str, columns: usize) -> String {
    if text.width() <= columns {
        return text.to_owned();
    }
    let mut out = String::new();
    let mut used = 0;
    for ch in text.chars() {
        let w = ch.width().unwrap_or(0);
        if used + w + 1 > columns {
            break;
        }
        used += w;
        out.push(ch);
    }
    out.push('…');
    out
}

/// A time in ms for people: whole above 100, else up to two decimals.
fn ms(value: f64) -> String {
    let decimals = if value.abs() >= 100.0 {
        0
    } else if value.abs() >= 10.0 {
        1
    } else {
        2
    };
    fixed(value, decimals)
}

/// A ratio with two decimals.
fn ratio(value: f64) -> String {
    if value.is_finite() {
        format!("{value:.2}")
    } else {
        "–".to_owned()
    }
}

/// KiB as MiB, always with one decimal (so a column of them aligns).
fn mib(kib: u64) -> String {
    format!("{:.1}", kib as f64 / 1024.0)
}

/// A whole number with thousands separated: 10,000.
fn group(value: f64) -> String {
    fixed(value, 0)
}

/// `value` with at most `decimals` decimals (trailing zeros dropped) and
/// thousands separated; `–` when it is not a number.
fn fixed(value: f64, decimals: usize) -> String {
    if !value.is_finite() {
        return "–".to_owned();
    }
    let text = format!("{:.*}", decimals, value.abs());
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let mut out = String::new();
    if value < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') {
        out.push('-');
    }
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    let fraction = fraction.trim_end_matches('0');
    if !fraction.is_empty() {
        out.push('.');
        out.push_str(fraction);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Generate, ServiceTime};
    use crate::timeline::swimlane::tests::small_scene;
    use crate::timeline::{Event, Kind, WaitHow};
    use crate::trace::SCHEMA;

    /// A run of `style` on a crowd of `customers` (8 tellers, 10 ms each,
    /// arriving 0.1 ms apart), made up as an FCFS bank whose customers react
    /// as the style does: no bank, no threads, just a big trace.
    fn crowd(style: Style, customers: u32) -> Trace {
        let scenario = Generate {
            customers,
            tellers: 8,
            service: ServiceTime::Fixed(10.0),
            arrival_gap_ms: 0.1,
            errand_ms: 100.0,
            poll_every_ms: 250.0,
            seed: 1,
        }
        .scenario();
        let reaction = match style {
            Style::SyncNonblocking => 5.0,
            _ => 0.2,
        };
        let us = |ms: f64| (ms * 1000.0).round() as u64;
        let mut events = Vec::new();
        let mut at = |t_ms: f64, lane: Lane, kind: Kind| {
            events.push(Event {
                t_us: us(t_ms),
                lane,
                kind,
                thread: 0,
            })
        };
        let mut free_at = [0.0f64; 8];
        for c in &scenario.customers {
            let (index, free) = free_at
                .iter()
                .copied()
                .enumerate()
                .min_by(|a, b| a.1.total_cmp(&b.1))
                .expect("eight tellers");
            let number = TellerNo::try_from(index + 1).expect("eight tellers");
            let (me, teller) = (Lane::Customer(c.id), Lane::Teller(number));
            let ticket = u64::from(c.id) + 1;
            let called = free.max(c.arrive_ms);
            let here = called + reaction;
            let done = here + c.service_ms;
            free_at[index] = done;
            at(c.arrive_ms, me, Kind::Arrive);
            at(c.arrive_ms, me, Kind::Ticket { ticket });
            let how = style.wait_how();
            at(c.arrive_ms, me, Kind::Wait { how });
            let call = Kind::Called {
                ticket,
                teller: number,
                unread_us: None,
            };
            at(called, teller, call.clone());
            match style {
                Style::SyncNonblocking => {
                    let slice = scenario.poll_every_ms;
                    let mut t = c.arrive_ms;
                    while t + slice < here {
                        t += slice;
                        at(t, me, Kind::Errand { dur_us: us(slice) });
                        at(t, me, Kind::Poll { found: false });
                    }
                }
                Style::AsyncNonblocking => {
                    let end = (c.arrive_ms + c.errand_ms).min(called);
                    let dur_us = us(end - c.arrive_ms);
                    at(end, me, Kind::Errand { dur_us });
                }
                _ => {}
            }
            at(here, me, call);
            at(here, me, Kind::AtCounter { ticket });
            at(here, teller, Kind::AtCounter { ticket });
            at(done, teller, Kind::Served { ticket });
            at(done, me, Kind::Served { ticket });
            let dur_us = us(c.errand_ms);
            at(done + c.errand_ms, me, Kind::Errand { dur_us });
            at(done + c.errand_ms, me, Kind::Leave);
        }
        events.sort_by_key(|e| e.t_us);
        let records = model::customers(&scenario, &events);
        let tellers = model::tellers(&scenario, &records, &events);
        let ideal = sim::ideal(&scenario).makespan_ms;
        Trace {
            schema: SCHEMA.to_owned(),
            complete: true,
            style,
            metrics: crate::metrics::compute(&records, ideal, Default::default()),
            scenario,
            customers: records,
            tellers,
            events,
        }
    }

    fn ran(runner: &str, customers: u32, efficiency: f64, threads: u64) -> Point {
        let mut metrics = Metrics {
            efficiency,
            makespan_ms: 1000.0,
            ..Metrics::default()
        };
        metrics.process.threads_peak = threads;
        metrics.process.max_rss_kib = 4096 + u64::from(customers);
        metrics.process.cpu_user_ms = f64::from(customers) / 10.0;
        Point {
            runner: runner.to_owned(),
            customers,
            result: Ending::Ran {
                complete: true,
                metrics: Box::new(metrics),
            },
        }
    }

    /// The scale points of a small `compare --scale`, with one of each
    /// ending: ran, incomplete, refused, failed.
    fn points() -> Vec<Point> {
        let mut points = Vec::new();
        for customers in [100, 1000, 10_000] {
            points.push(ran("async-nonblocking", customers, 0.98, 6));
            points.push(ran("python-asyncio", customers, 0.9, 2));
        }
        points.push(ran("sync-blocking", 100, 0.95, 116));
        points.push(Point {
            runner: "sync-blocking".to_owned(),
            customers: 1000,
            result: Ending::Ran {
                complete: false,
                metrics: Box::new(Metrics::default()),
            },
        });
        points.push(Point {
            runner: "sync-blocking".to_owned(),
            customers: 10_000,
            result: Ending::Refused {
                reason: "needs about 10016 threads".to_owned(),
            },
        });
        points.push(Point {
            runner: "python-asyncio".to_owned(),
            customers: 100_000,
            result: Ending::Failed {
                error: "python3 not found".to_owned(),
            },
        });
        points
    }

    #[test]
    fn every_text_from_outside_is_escaped() {
        let mut trace = small_scene();
        trace.customers[0].name = "<img src=x onerror=alert(1)>&\"'".to_owned();
        let points = vec![
            Point {
                runner: "<b>bold</b>".to_owned(),
                customers: 10,
                result: Ending::Refused {
                    reason: "<script>alert(1)</script>".to_owned(),
                },
            },
            ran("x\"><svg onload=alert(1)>", 10, 0.5, 2),
        ];
        let page = report(&[&trace], &points);
        for raw in ["<img", "<script", "<b>bold", "<svg onload", "\"><svg"] {
            assert!(!page.contains(raw), "{raw} reached the page unescaped");
        }
        assert!(page.contains("&lt;img src=x onerror=alert(1)&gt;&amp;&quot;&#39;"));
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert_eq!(esc("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&#39;");
    }

    #[test]
    fn nothing_is_fetched_from_outside() {
        let trace = small_scene();
        let page = report(&[&trace, &trace], &points());
        for outside in [
            "http:", "https:", "//", "src=", "href=", "url(", "@import", "<link", "<script",
            "<img", "<iframe", "xmlns",
        ] {
            let inside_css_or_text = outside == "//" && !page.contains("\"//");
            assert!(
                inside_css_or_text || !page.contains(outside),
                "the page refers outside: {outside}"
            );
        }
        assert!(page.contains("<style>"));
    }

    #[test]
    fn a_crowd_is_summarised_and_the_page_stays_small() {
        let mut traces: Vec<Trace> = Style::ALL.iter().map(|&s| crowd(s, 10_000)).collect();
        // One customer of the last run gave up (left before DONE).
        if let Some(c) = traces[3].customers.get_mut(500) {
            c.outcome = Outcome::Abandoned;
            c.done_ms = None;
        }
        let refs: Vec<&Trace> = traces.iter().collect();
        let page = report(&refs, &points());
        assert!(
            page.len() < 1_500_000,
            "4 × 10,000 customers make a page of {} bytes",
            page.len()
        );
        assert_eq!(page.matches("<svg class=\"timeline run\"").count(), 4);
        assert_eq!(page.matches("customers by state (all 10,000)").count(), 4);
        // A few representatives per run, not 10,000 rows.
        let rows = page.matches("<g class=\"lane customer\">").count();
        assert!((4..=4 * 8).contains(&rows), "{rows} customer rows");
        for why in [
            "first in",
            "median wait",
            "longest wait",
            "last in",
            "most polls",
        ] {
            assert!(page.contains(why), "a representative for {why}");
        }
        // Every teller still has a row, drawn by dominant state.
        assert_eq!(page.matches("<g class=\"lane teller\">").count(), 5 * 8);
        assert!(page.contains("too many to draw one by one"));
        assert!(page.contains("<g class=\"dense\">"));
        // The areas count the customers: the peak of a crowd that all came
        // within the first second is at least the 8 at the counters.
        assert!(page.contains("<path class=\"area blocked\""));
        assert!(page.contains("<path class=\"area running\""));
        assert!(page.contains("<rect class=\"band\""));
        assert!(page.contains("polls 查看"));
        assert_eq!(page.matches(">abandoned 放弃</text>").count(), 1);
        assert!(page.contains(">gave up</text>") || page.contains("gave up"));
        eprintln!("4 × 10,000 customers: a page of {} bytes", page.len());
    }

    #[test]
    fn a_dense_row_is_drawn_by_dominant_state_within_its_width() {
        let frame = Frame {
            end_ms: 1000.0,
            tick_ms: 100.0,
        };
        // 1000 stretches alternating calling (0.1 ms) and serving (0.9 ms).
        let segments: Vec<Segment> = (0..1000)
            .flat_map(|i| {
                let t = f64::from(i);
                [
                    Segment {
                        start_ms: t,
                        end_ms: t + 0.1,
                        state: State::Calling,
                    },
                    Segment {
                        start_ms: t + 0.1,
                        end_ms: t + 1.0,
                        state: State::Serving,
                    },
                ]
            })
            .collect();
        let drawn = bars(&segments, &frame);
        assert_eq!(drawn.len(), 1, "every column shares its time alike");
        let shares: Vec<(State, f64)> = drawn[0]
            .shares
            .iter()
            .map(|&(s, share)| (s, (share * 100.0).round() / 100.0))
            .collect();
        assert_eq!(shares, [(State::Calling, 0.1), (State::Serving, 0.9)]);
        assert_eq!(drawn[0].stretches, 2000);
        assert!((drawn[0].end_ms - 1000.0).abs() < 1e-6);
        // Where the calls grow long, a new bar begins.
        let mut slower = segments.clone();
        for s in slower.iter_mut().skip(1000) {
            let t = s.start_ms.floor();
            *s = match s.state {
                State::Calling => Segment {
                    start_ms: t,
                    end_ms: t + 0.5,
                    state: State::Calling,
                },
                _ => Segment {
                    start_ms: t + 0.5,
                    end_ms: t + 1.0,
                    state: State::Serving,
                },
            };
        }
        let drawn = bars(&slower, &frame);
        assert_eq!(
            drawn.len(),
            2,
            "two bars: {:?}",
            drawn
                .iter()
                .map(|b| (b.start_ms, b.end_ms))
                .collect::<Vec<_>>()
        );
        // Few stretches are drawn one by one.
        assert_eq!(bars(&segments[..10], &frame).len(), 10);
    }

    #[test]
    fn cover_counts_time_per_column() {
        let frame = Frame {
            end_ms: 100.0,
            tick_ms: 10.0,
        };
        let segments = [
            Segment {
                start_ms: 5.0,
                end_ms: 35.0,
                state: State::Blocked,
            },
            Segment {
                start_ms: 35.0,
                end_ms: 36.0,
                state: State::Ready,
            },
        ];
        let cover = cover(&segments, &frame, 10);
        let blocked: Vec<f64> = cover.iter().map(|c| c[0]).collect();
        assert_eq!(blocked[..5], [5.0, 10.0, 10.0, 5.0, 0.0]);
        assert_eq!(cover[3][state_index(State::Ready)], 1.0);
    }

    #[test]
    fn without_scale_points_there_is_no_chart() {
        let trace = small_scene();
        let page = report(&[&trace], &[]);
        assert!(!page.contains("<svg class=\"scale-chart\""));
        assert!(!page.contains("Scale 规模"));
        assert!(page.contains("<table class=\"metrics\">"));
        assert_eq!(page.matches("<svg class=\"timeline").count(), 2);
    }

    #[test]
    fn scale_points_make_a_chart_with_notes_and_a_table() {
        let trace = small_scene();
        let points = points();
        let page = report(&[&trace], &points);
        assert_eq!(page.matches("<svg class=\"scale-chart\"").count(), 1);
        // A line per runner with two or more points that ran, in each of the 4 panels.
        assert_eq!(page.matches("<polyline class=\"series\"").count(), 3 * 4);
        assert_eq!(page.matches("class=\"refused\"").count(), 4);
        assert_eq!(page.matches("class=\"failed\"").count(), 4);
        let notes = page
            .split("<ol class=\"notes\">")
            .nth(1)
            .and_then(|rest| rest.split("</ol>").next())
            .expect("notes under the chart");
        assert_eq!(notes.matches("<li>").count(), 3, "{notes}");
        assert!(
            notes
                .contains("sync-blocking at 10,000 customers — refused: needs about 10016 threads")
        );
        assert!(notes.contains("python-asyncio at 100,000 customers — failed: python3 not found"));
        assert!(notes.contains("sync-blocking at 1,000 customers — incomplete"));
        let table = page
            .split("<table class=\"scale\">")
            .nth(1)
            .expect("a scale table");
        assert_eq!(table.matches("<tr").count(), 1 + points.len());
        // Ordered by customers, then by runner in order of appearance.
        let at = |text: &str| table.find(text).unwrap_or(usize::MAX);
        assert!(
            at("<td>100</td><td class=\"runner\">async-nonblocking")
                < at("<td>100</td><td class=\"runner\">python-asyncio")
        );
        assert!(
            at("<td>100</td><td class=\"runner\">sync-blocking")
                < at("<tr class=\"next\"><td>1,000</td>")
        );
    }

    #[test]
    fn the_best_of_each_column_is_marked() {
        let fast = small_scene();
        let mut slow = small_scene();
        slow.style = Style::SyncBlocking;
        slow.metrics.makespan_ms = 2000.0;
        slow.metrics.efficiency = 0.5;
        slow.metrics.process.threads_peak = 9;
        let mut fast = fast;
        fast.metrics.makespan_ms = 1000.0;
        fast.metrics.efficiency = 0.9;
        fast.metrics.process.threads_peak = 3;
        let page = report(&[&slow, &fast], &[]);
        let table = page
            .split("<table class=\"metrics\">")
            .nth(1)
            .and_then(|t| t.split("</table>").next())
            .expect("a metrics table");
        let rows: Vec<&str> = table.split("<tr>").skip(2).collect();
        assert_eq!(rows.len(), 2);
        assert!(rows[0].starts_with("<td>1. sync-blocking 同步阻塞"));
        assert!(rows[1].contains("<td class=\"best\" title=\"best\">1,000</td>"));
        assert!(rows[1].contains("<td class=\"best\" title=\"best\">0.90</td>"));
        assert!(rows[1].contains("<td class=\"best\" title=\"best\">3</td>"));
        assert!(!rows[0].contains(">2,000</td>") || !rows[0].contains("best\">2,000"));
        // Equal figures (both runs have 0 polls... and the same scene) are both best.
        assert!(rows[0].matches("class=\"best\"").count() >= 1);
        // One run alone has no best.
        let alone = report(&[&fast], &[]);
        assert!(!alone.contains("class=\"best\""));
    }

    #[test]
    fn every_run_shares_one_time_axis_and_the_same_style_may_come_twice() {
        let short = small_scene();
        let mut long = small_scene();
        for c in &mut long.customers {
            c.leave_ms = c.leave_ms.map(|t| t * 3.0);
        }
        let page = report(&[&short, &long], &[]);
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

    #[test]
    fn an_empty_report_is_still_a_page() {
        let page = report(&[], &[]);
        assert!(page.starts_with("<!DOCTYPE html>"));
        assert!(page.contains("No runs to show."));
        assert!(!page.contains("<svg"));
    }

    #[test]
    fn numbers_read_well() {
        assert_eq!(fixed(12_345.678, 1), "12,345.7");
        assert_eq!(fixed(-1234.0, 0), "-1,234");
        assert_eq!(fixed(-0.001, 2), "0");
        assert_eq!(fixed(f64::NAN, 2), "–");
        assert_eq!(ms(0.2), "0.2");
        assert_eq!(ms(0.219), "0.22");
        assert_eq!(ms(41.26), "41.3");
        assert_eq!(ms(1412.4), "1,412");
        assert_eq!(fit("张三张三张三", 7), "张三张…");
        assert_eq!(fit("Alice", 7), "Alice");
    }

    #[test]
    fn the_wait_how_of_a_style_is_what_the_crowd_records() {
        // The synthetic crowd records the same mechanism word as real runs.
        let trace = crowd(Style::SyncBlocking, 3);
        assert!(
            trace
                .events
                .iter()
                .any(|e| e.kind == Kind::Wait { how: WaitHow::Read })
        );
    }
}
