//! The HTML report: several runs side by side in one self-contained page, for
//! a projector, a browser with no network, or a file mailed to a student.
//!
//! The page, top to bottom (one module each, in this order below):
//!
//! 1. `head`: the title, and all the CSS in one `<style>` (`drawing.css`,
//!    `report.css`, `chart.css`);
//! 2. `header`: what was compared, and the scenario in one line;
//! 3. `legend`: the colours and marks with the lecture's words (blocked
//!    阻塞, running 运行, ready 就绪, ...): the same states, meanings and
//!    colours as the terminal swimlane (red `-`, green `=`, yellow `!`,
//!    blue `#`, magenta `~`, the `?` of a poll, the `x` of an abandon);
//! 4. `timelines`: one SVG per run, one above another on ONE time axis
//!    (the same millisecond at the same x in every picture), with the ideal
//!    schedule (`bank::ideal`) on top. Each run is headed by its style, its
//!    mechanism and its key figures, and has a row per customer, then one per
//!    teller (`row`). Hovering a stretch shows who, which ticket, which state,
//!    from when to when and at which teller: a native SVG `<title>` tooltip,
//!    so no script is needed. A dashed line marks the ideal makespan, a solid
//!    one the run's own.
//!
//!    A crowd (more than `MANY` = 60 customers) is not drawn row by row
//!    (`crowd`): the run shows how many customers are blocked, running, ready
//!    and at the counter at each moment (a stacked area, hover for the
//!    numbers), strips of when the polls and the abandons happened, then a
//!    few representative customers in full (the first and last in, the median
//!    and the longest wait, the slowest reaction, the most polls, the first
//!    who gave up). A row with more stretches than `DETAILED` (a teller's day
//!    among 10,000 customers) is drawn a few pixels at a time as each state's
//!    share of that time, stacked (so a teller's calling time still shows
//!    among its services). So 4 runs of 10,000 customers make a page of a few
//!    hundred kilobytes;
//! 5. `metrics_table`: the metrics table, one row per run, its columns
//!    grouped by view (the customer's first, then the tellers', then the
//!    machine's), the best value of each column marked by its own meaning,
//!    and a sentence saying which view each column is;
//! 6. `teller_loss`: where the tellers' time beyond the services asked
//!    went (overrun, reaction, gap, idle, in ms, as shares and as a bar),
//!    under the ideal schedule's, and the reactions during and after the
//!    arrivals;
//! 7. `scale`, only when there are scale points: a chart of panels against
//!    the number of customers on a log scale (the customer's view, the
//!    tellers' and where their time went, then the machine's), one line per
//!    runner, refused and failed runs marked and explained in numbered
//!    notes; then the tables. The same chart also stands alone as an SVG
//!    file ([`scale_chart_svg`], `compare --chart`), for a page that can
//!    show an image but not a report.
//!
//! This module puts them together ([`report`]) and holds what they share:
//! the `PageRun` each of them draws, `esc`, and the numbers written for people.
//!
//! The page plays, too (`player`): play/pause, a time slider and a speed;
//! the swimlanes drawn up to the slider's time under a "now" line, and each
//! run's figures so far. Its script is inline, and with scripts off the page
//! is the whole picture.
//!
//! Everything is inline and there is no URL at all (no font, no script
//! file, no image to fetch): the page opens in a classroom without network. Every
//! text that comes from a trace or a scale point (names, runner names,
//! reasons) goes through `esc`.

use std::fmt::Write as _;

use crate::scale::Point;
use timeline::model::{self, LaneView};
use timeline::schedule::Schedule;
use timeline::trace::Trace;

/// Appends formatted text to a `String` (writing to a `String` cannot fail).
macro_rules! put {
    ($out:expr, $($arg:tt)*) => {{
        let _ = write!($out, $($arg)*);
    }};
}

// The parts of the page, top to bottom.
// 1. The `<head>`: the title and the style sheet.
mod head;
// 2. The header: what was compared, and the scenario.
mod header;
// 3. The legend: colours and marks in the lecture's words.
mod legend;
// ... and the player, hidden without a script: a slider over the time axis.
mod player;
// 4. The timelines: one time axis, the ideal schedule, then each run...
mod timelines;
// ... a row per lane: its stretches, polls and abandon mark,
mod row;
// ... or, for a crowd, its summary: counts per state, representatives.
mod crowd;
// 5. The metrics table.
mod metrics_table;
// 6. Where the tellers' time went.
mod teller_loss;
// 7. The scale chart and tables.
mod scale_chart;

use head::head;
use header::header;
use legend::legend;
use metrics_table::metrics_table;
pub use scale_chart::scale_chart_svg;
use scale_chart::scale_section;
use teller_loss::teller_loss_table;
use timelines::{Frame, timelines};

/// The whole page for `traces` (one timeline each, on one time axis, under
/// `ideal`, the ideal schedule of the first run's scenario, when given) and
/// the scale table `scale` (may be empty: then no chart).
pub fn report(traces: &[&Trace], ideal: Option<&Schedule>, scale: &[Point]) -> String {
    let runs: Vec<PageRun> = traces
        .iter()
        .enumerate()
        .map(|(i, &trace)| PageRun {
            number: i + 1,
            trace,
            lanes: model::lanes(trace),
        })
        .collect();
    let frame = Frame::fit(&runs, ideal);

    let mut page = String::new();
    head(&mut page, traces);
    put!(page, "<body>\n");
    header(&mut page, traces);
    legend(&mut page, &runs);
    player::player(&mut page, &frame, &runs);
    timelines(&mut page, &frame, &runs, ideal);
    metrics_table(&mut page, &runs);
    teller_loss_table(&mut page, &runs, ideal);
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

/// A page of lanes of any kind (processes, threads, jobs on a CPU) under
/// `title`: the legend of what they use, and one timeline with a row per
/// lane, grouped by kind. Self-contained, like [`report`].
pub fn lanes_page(title: &str, lanes: &[LaneView]) -> String {
    let lanes: Vec<&LaneView> = lanes.iter().collect();
    let last = lanes
        .iter()
        .flat_map(|l| {
            l.segments
                .iter()
                .map(|s| s.end_ms)
                .chain(l.marks.iter().map(|m| m.at_ms))
        })
        .filter(|t| t.is_finite())
        .fold(0.0, f64::max);
    let frame = Frame::reaching(last);
    let mut page = String::new();
    head::head_titled(&mut page, title);
    put!(page, "<body>\n<h1>{}</h1>\n", esc(title));
    legend::legend_of_lanes(&mut page, &lanes);
    put!(page, "<h2>Timeline 时间线</h2>\n");
    timelines::lanes_timeline(&mut page, &frame, &lanes);
    put!(
        page,
        "<footer>made by bank-queue · times are milliseconds from the start</footer>\n\
         </body>\n</html>\n"
    );
    page
}

/// One run as the page draws it.
struct PageRun<'a> {
    /// Its place on the page, from 1 (the same style may come twice).
    number: usize,
    /// What was recorded.
    trace: &'a Trace,
    /// Its rows: customers, then tellers.
    lanes: Vec<LaneView>,
}

impl PageRun<'_> {
    /// "2. sync-nonblocking 同步非阻塞".
    fn title(&self) -> String {
        let style = self.trace.style;
        format!("{}. {} {}", self.number, style.name(), style.chinese())
    }
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

/// `text` cut to `columns` display columns, ending with `…` when cut.
fn fit(text: &str, columns: usize) -> String {
    crate::text::fit(text, columns, "…")
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
    use crate::scale::Ending;
    use crate::swimlane::tests::small_scene;
    use timeline::trace::Metrics;

    /// The schedule `trace` itself kept, standing in for an ideal one: the
    /// pictures draw whatever schedule they are given.
    pub(crate) fn kept(trace: &Trace) -> Schedule {
        let turns: Vec<timeline::schedule::Turn> = trace
            .customers
            .iter()
            .flat_map(|c| c.calls.iter().map(move |call| (c.id, call)))
            .filter_map(|(customer, call)| {
                Some(timeline::schedule::Turn {
                    customer,
                    teller: call.teller,
                    start_ms: call.at_counter_ms?,
                    end_ms: call.end_ms?,
                })
            })
            .collect();
        Schedule {
            makespan_ms: turns.iter().map(|v| v.end_ms).fold(0.0, f64::max),
            turns,
        }
    }

    /// A scale point of `runner` that ran to the end with these figures.
    pub(super) fn ran(runner: &str, customers: u32, efficiency: f64, threads: u64) -> Point {
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
    pub(super) fn points() -> Vec<Point> {
        let mut points = Vec::new();
        for customers in [100, 1000, 10_000] {
            points.push(ran("async-nonblocking", customers, 0.98, 6));
            points.push(ran("python-asyncio", customers, 0.9, 2));
        }
        // Where the tellers' time went, measured once (the peer never is).
        if let Ending::Ran { metrics, .. } = &mut points[0].result {
            metrics.teller_loss = Some(timeline::trace::TellerLoss {
                total_ms: 100.0,
                overrun_ms: 50.0,
                reaction_ms: 10.0,
                gap_ms: 15.0,
                idle_ms: 25.0,
                ..Default::default()
            });
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
        let page = report(&[&trace], Some(&crate::html::tests::kept(&trace)), &points);
        for raw in ["<img", "<script>alert", "<b>bold", "<svg onload", "\"><svg"] {
            assert!(!page.contains(raw), "{raw} reached the page unescaped");
        }
        assert_eq!(
            page.matches("<script").count(),
            2,
            "the player's data and script only"
        );
        assert!(page.contains("&lt;img src=x onerror=alert(1)&gt;&amp;&quot;&#39;"));
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert_eq!(esc("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&#39;");
    }

    #[test]
    fn nothing_is_fetched_from_outside() {
        let trace = small_scene();
        let page = report(
            &[&trace, &trace],
            Some(&crate::html::tests::kept(&trace)),
            &points(),
        );
        for outside in [
            "http:", "https:", "//", "src=", "href=", "url(", "@import", "<link", "<script",
            "<img", "<iframe", "xmlns",
        ] {
            let inside_css_or_text = outside == "//" && !page.contains("\"//");
            // The player's own two scripts are inline: no `src=`, checked above.
            let inline_script = outside == "<script"
                && page.matches("<script").count() == 2
                && page.contains("<script type=\"application/json\" id=\"so-far\">")
                && page.contains("<script>\ndocument.addEventListener(");
            assert!(
                inside_css_or_text || inline_script || !page.contains(outside),
                "the page refers outside: {outside}"
            );
        }
        assert!(page.contains("<style>"));
    }

    #[test]
    fn an_empty_report_is_still_a_page() {
        let page = report(&[], None, &[]);
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
}
