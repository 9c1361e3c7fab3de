//! The scale section (part 7 of the page, only when there are scale
//! points): a chart of eight panels against the number of customers on a
//! log scale, two by two and view by view: the customer's (mean
//! turnaround, mean time lost), the tellers' (their efficiency, and where
//! their time went: a bar per runner, stacked by part), the machine's (peak
//! threads, peak RSS, CPU time, context switches); one line per runner,
//! refused and failed runs marked and explained in numbered notes; then the
//! scale table and the scale's teller-loss table.
//!
//! The chart also stands alone, as an SVG file (`compare --chart`): the same
//! drawing, with its style sheet inside it and its notes under the panels, so
//! that a page showing images (docs on GitHub) can show a real run's chart.

use std::fmt::Write as _;

use super::teller_loss::{PARTS, loss_cells, loss_headings};
use super::timelines::WIDTH;
use super::{esc, fixed, group, mib, ms, ratio};
use crate::scale::{Ending, Point};
use crate::text::wrap;
use timeline::plural;
use timeline::style::Style;
use timeline::trace::{Metrics, TellerLoss};

/// One panel of the scale chart.
struct ChartPanel {
    /// Its title.
    title: &'static str,
    /// What it draws.
    drawn: Drawn,
}

/// What a panel draws.
enum Drawn {
    /// A line per runner through one figure.
    Line {
        /// A log scale (figures that grow by orders of magnitude) or a linear one.
        log: bool,
        /// The figure plotted.
        figure: Figure,
    },
    /// A bar per runner at each number of customers: the teller loss,
    /// stacked by part, each as its share of the total.
    TellerLoss,
}

/// A figure of a run, as a panel plots it.
#[derive(Clone, Copy)]
struct Figure {
    /// Its value.
    value: fn(&Metrics) -> f64,
    /// The value as text, for tooltips and ticks.
    show: fn(f64) -> String,
}

/// The panels, left to right, top to bottom: a row per view.
const PANELS: [ChartPanel; 8] = [
    ChartPanel {
        title: "turnaround, mean (ms): arrival to finished",
        drawn: Drawn::Line {
            log: true,
            figure: Figure {
                value: |m| m.mean_turnaround_ms,
                show: ms,
            },
        },
    },
    ChartPanel {
        title: "time lost, mean (ms): neither errand nor counter",
        drawn: Drawn::Line {
            log: true,
            figure: Figure {
                value: |m| m.mean_lost_ms,
                show: ms,
            },
        },
    },
    ChartPanel {
        title: "tellers' efficiency (ideal ÷ makespan; 1 is the limit)",
        drawn: Drawn::Line {
            log: false,
            figure: Figure {
                value: |m| m.efficiency,
                show: ratio,
            },
        },
    },
    ChartPanel {
        title: "where the tellers' time went",
        drawn: Drawn::TellerLoss,
    },
    ChartPanel {
        title: "peak threads",
        drawn: Drawn::Line {
            log: true,
            figure: Figure {
                value: |m| m.process.threads_peak as f64,
                show: group,
            },
        },
    },
    ChartPanel {
        title: "peak RSS (MiB)",
        drawn: Drawn::Line {
            log: true,
            figure: Figure {
                value: |m| m.process.max_rss_kib as f64 / 1024.0,
                show: |v| fixed(v, 1),
            },
        },
    },
    ChartPanel {
        title: "CPU time, user + sys (ms)",
        drawn: Drawn::Line {
            log: true,
            figure: Figure {
                value: |m| m.process.cpu_ms(),
                show: ms,
            },
        },
    },
    ChartPanel {
        title: "context switches",
        drawn: Drawn::Line {
            log: true,
            figure: Figure {
                value: |m| {
                    (m.process.ctx_switches_voluntary + m.process.ctx_switches_involuntary) as f64
                },
                show: group,
            },
        },
    },
];

/// The rows of panels.
const PANEL_ROWS: usize = PANELS.len().div_ceil(2);

/// Width of a panel of the scale chart.
const PANEL_W: f64 = 620.0;
/// Height of a panel.
const PANEL_H: f64 = 270.0;
/// Left margin of a panel's plot (y labels).
const PANEL_LEFT: f64 = 64.0;
/// Top margin of a panel's plot (its title, and the runners' markers over
/// the teller loss's bars).
const PANEL_TOP: f64 = 34.0;
/// Bottom margin of a panel's plot (x labels).
const PANEL_BOTTOM: f64 = 40.0;
/// Height of the runners' key above the panels.
const KEY_H: f64 = 30.0;
/// Space between the panels and the notes, in the chart's own file.
const NOTES_GAP: f64 = 16.0;
/// Height of a line of the notes, in the chart's own file.
const NOTE_LINE_H: f64 = 19.0;
/// Display columns of a line of the notes: a conservative guess at how many
/// characters of 13 px fit across the chart (the file cannot measure text).
const NOTE_COLUMNS: usize = 160;

/// The style sheet of the chart's own file: the rules the page's chart uses,
/// from the same files as the page's style sheet (`head.rs`).
const CHART_CSS: &str = concat!(include_str!("drawing.css"), include_str!("chart.css"));

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
pub(super) fn scale_section(page: &mut String, points: &[Point]) {
    put!(
        page,
        "<h2>Scale 规模</h2>\n<p class=\"note\">Each runner at growing numbers of customers. \
         The number of customers is on a log scale; so are threads, memory and CPU time. \
         Hover a point for its value.</p>\n"
    );
    let chart = Chart::new(points);
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

/// The scale chart alone, as a standalone SVG document (`compare --chart`):
/// the page's drawing at its own size on a white ground, with its style
/// sheet inside it (the page's rules for it, its variables defined on the
/// root), the hover details of every point, and the numbered notes on the
/// runs that did not run to the end as lines under the panels. Nothing in it
/// refers outside (no script, no link, fonts by family name only), so it
/// shows wherever an SVG image does, as an `<img>` on GitHub too.
pub fn scale_chart_svg(points: &[Point]) -> String {
    let chart = Chart::new(points);
    let notes: Vec<Vec<String>> = chart
        .notes
        .iter()
        .enumerate()
        .map(|(n, (_, text))| wrap(&format!("{}. {text}", n + 1), NOTE_COLUMNS, 0))
        .collect();
    let lines = notes.iter().map(Vec::len).sum::<usize>();
    let mut height = KEY_H + PANEL_ROWS as f64 * PANEL_H;
    if lines > 0 {
        height += NOTES_GAP + NOTE_LINE_H * lines as f64;
    }
    let mut svg = String::new();
    put!(
        svg,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <svg xmlns=\"http://www.w3.org/2000/svg\" class=\"scale-chart\" \
         width=\"{WIDTH}\" height=\"{height:.0}\" viewBox=\"0 0 {WIDTH} {height:.0}\" role=\"img\">\n\
         <title>compare --scale: turnaround, time lost, tellers' efficiency, where the \
         tellers' time went, peak threads, peak RSS, CPU time and context switches against \
         the number of customers</title>\n\
         <style>\n{CHART_CSS}</style>\n\
         <rect width=\"{WIDTH}\" height=\"{height:.0}\" fill=\"#fff\"/>\n"
    );
    chart_drawing(&mut svg, &chart);
    if lines > 0 {
        put!(svg, "<g class=\"notes\">\n");
        let mut y = KEY_H + PANEL_ROWS as f64 * PANEL_H + NOTES_GAP;
        for note in &notes {
            for (i, line) in note.iter().enumerate() {
                // Lines after a note's first one start under its text, not its number.
                let x = if i == 0 {
                    PANEL_LEFT
                } else {
                    PANEL_LEFT + 18.0
                };
                put!(
                    svg,
                    "<text x=\"{x:.0}\" y=\"{:.0}\">{}</text>\n",
                    y + 13.0,
                    esc(line.trim())
                );
                y += NOTE_LINE_H;
            }
        }
        put!(svg, "</g>\n");
    }
    put!(svg, "</svg>\n");
    svg
}

impl<'a> Chart<'a> {
    /// The chart of `points`: its runners, its notes, and the customers'
    /// axis on a log scale, with room on both sides so that the first and
    /// the last points are not on the frame.
    fn new(points: &'a [Point]) -> Chart<'a> {
        let customers = points.iter().map(|p| f64::from(p.customers.max(1)));
        Chart {
            points,
            runners: runners(points),
            notes: scale_notes(points),
            customers: Scale {
                low: customers.clone().fold(f64::INFINITY, f64::min) / 1.6,
                high: customers.fold(0.0, f64::max) * 1.6,
                log: true,
            },
        }
    }
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
                    "{} at {} {} — {what}",
                    p.runner,
                    group(f64::from(p.customers)),
                    plural::noun(p.customers, "customer")
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

/// The chart in the page, styled by the page's style sheet.
fn scale_chart(page: &mut String, chart: &Chart) {
    let height = KEY_H + PANEL_ROWS as f64 * PANEL_H;
    put!(
        page,
        "<svg class=\"scale-chart\" viewBox=\"0 0 {WIDTH} {height:.0}\" role=\"img\">\n"
    );
    chart_drawing(page, chart);
    put!(page, "</svg>\n");
}

/// What the chart draws, in the page or in its own file: a key of runners,
/// then four panels in a 2 × 2 grid.
fn chart_drawing(page: &mut String, chart: &Chart) {
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
/// then for each runner its line (or its bars) and the marks of its runs
/// that did not run.
fn scale_panel(page: &mut String, chart: &Chart, panel: &ChartPanel, left: f64, top: f64) {
    let (ys, show): (Scale, fn(f64) -> String) = match panel.drawn {
        Drawn::Line {
            log,
            figure: Figure { value, show },
        } => {
            let values: Vec<f64> = chart
                .points
                .iter()
                .filter_map(|p| match &p.result {
                    Ending::Ran { metrics, .. } => Some(value(metrics)),
                    _ => None,
                })
                .collect();
            (Scale::fit(&values, log), show)
        }
        Drawn::TellerLoss => (
            Scale {
                low: 0.0,
                high: 1.0,
                log: false,
            },
            percent,
        ),
    };
    let plot = Plot {
        x0: left + PANEL_LEFT,
        x1: left + PANEL_W - 16.0,
        y0: top + PANEL_TOP,
        y1: top + PANEL_H - PANEL_BOTTOM,
        xs: &chart.customers,
        ys,
    };
    put!(
        page,
        "<g class=\"panel\"><text class=\"panel-title\" x=\"{:.0}\" y=\"{:.0}\">{}</text>\n",
        plot.x0,
        top + 18.0,
        esc(panel.title),
    );
    panel_axes(page, chart, show, &plot);
    match panel.drawn {
        Drawn::Line { figure, .. } => {
            for (r, runner) in chart.runners.iter().enumerate() {
                panel_series(page, chart, figure, &plot, r, runner);
            }
        }
        Drawn::TellerLoss => {
            loss_key(page, &plot, top + 18.0);
            loss_bars(page, chart, &plot);
        }
    }
    for (r, runner) in chart.runners.iter().enumerate() {
        panel_misses(page, chart, &plot, r, runner);
    }
    put!(page, "</g>\n");
}

/// A share as a whole percentage.
fn percent(share: f64) -> String {
    format!("{:.0}%", 100.0 * share)
}

/// The key of the parts of the teller loss, on the title's line, right of it.
fn loss_key(page: &mut String, plot: &Plot, baseline: f64) {
    // Each: a swatch, its name, a space; laid out to end at the plot's right.
    let room = |head: &str| 10.0 + 4.0 + 7.5 * head.len() as f64 + 12.0;
    let mut x = plot.x1 - PARTS.iter().map(|p| room(p.head)).sum::<f64>();
    for part in &PARTS {
        put!(
            page,
            "<rect x=\"{x:.0}\" y=\"{:.0}\" width=\"10\" height=\"10\" fill=\"{}\"/>\
             <text x=\"{:.0}\" y=\"{baseline:.0}\">{}</text>\n",
            baseline - 9.0,
            (part.colour)(),
            x + 14.0,
            part.head
        );
        x += room(part.head);
    }
}

/// At each number of customers, a bar per runner, side by side in the
/// runners' order, stacked by part of the teller loss (each its share of
/// the total), outlined in the runner's colour with its marker on top. A
/// runner whose loss was not measured (the Python peer) has an empty
/// outline. Bars narrow when the numbers of customers lie close together.
fn loss_bars(page: &mut String, chart: &Chart, plot: &Plot) {
    let mut xs: Vec<f64> = chart
        .points
        .iter()
        .map(|p| plot.x(f64::from(p.customers)))
        .collect();
    xs.sort_by(f64::total_cmp);
    xs.dedup();
    let room = xs
        .windows(2)
        .map(|w| w[1] - w[0])
        .fold(plot.x1 - plot.x0, f64::min);
    let runners = chart.runners.len().max(1) as f64;
    let bar = (0.8 * room / runners).clamp(2.0, 14.0);
    let height = plot.y1 - plot.y0;
    for p in chart.points {
        let Ending::Ran { metrics, complete } = &p.result else {
            continue;
        };
        let r = chart
            .runners
            .iter()
            .position(|r| *r == p.runner)
            .unwrap_or(0);
        let colour = runner_colour(&chart.runners, &p.runner);
        let left =
            plot.x(f64::from(p.customers)) + (r as f64 - (runners - 1.0) / 2.0) * bar - bar / 2.0;
        let about = format!(
            "{} · {} {}{}",
            p.runner,
            group(f64::from(p.customers)),
            plural::noun(p.customers, "customer"),
            if *complete { "" } else { " (incomplete)" }
        );
        let frame = format!(
            "<rect x=\"{left:.1}\" y=\"{:.1}\" width=\"{bar:.1}\" height=\"{height:.1}\" \
             fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.2\"",
            plot.y0
        );
        match &metrics.teller_loss {
            Some(loss) => {
                stacked_bar(page, loss, (left, bar, plot.y1, height), &about);
                put!(page, "{frame}/>\n");
            }
            None => put!(
                page,
                "{frame} stroke-dasharray=\"3 3\"><title>{} · where the tellers' time went: \
                 not measured</title></rect>\n",
                esc(&about)
            ),
        }
        put!(
            page,
            "<path d=\"{}\" fill=\"{colour}\"/>\n",
            marker(r, left + bar / 2.0, plot.y0 - 6.0)
        );
    }
}

/// One bar, `(left, width, bottom, height)`: the parts of `loss` from the
/// bottom up, each as tall as its share, with its figures on hover.
fn stacked_bar(
    page: &mut String,
    loss: &TellerLoss,
    (left, width, bottom, height): (f64, f64, f64, f64),
    about: &str,
) {
    let mut y = bottom;
    for part in &PARTS {
        let value = (part.value)(loss);
        let share = loss.share(value);
        let h = height * share.clamp(0.0, 1.0);
        if h <= 0.0 {
            continue;
        }
        y -= h;
        put!(
            page,
            "<rect x=\"{left:.1}\" y=\"{y:.1}\" width=\"{width:.1}\" height=\"{h:.1}\" \
             fill=\"{}\"><title>{} · {}: {} ms, {} of {} ms</title></rect>\n",
            (part.colour)(),
            esc(about),
            part.head,
            ms(value),
            percent(share),
            ms(loss.total_ms)
        );
    }
}

/// A panel's frame, its value ticks, and its customers ticks: the numbers of
/// customers that were run (or, when there are many, the powers of ten).
fn panel_axes(page: &mut String, chart: &Chart, show: fn(f64) -> String, plot: &Plot) {
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
            show(v)
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
/// (hollow when the run was incomplete), of `figure`.
fn panel_series(
    page: &mut String,
    chart: &Chart,
    Figure { value, show }: Figure,
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
                let v = value(metrics);
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
             <title>{} · {} {} · {}{}</title></path>\n",
            marker(index, plot.x(c), plot.y(v)),
            esc(runner),
            group(c),
            plural::noun(c, "customer"),
            show(v),
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

/// The scale table: one row per run, by number of customers then runner,
/// the customer's view first; then the teller loss of each run that ran.
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
        "<table class=\"scale\">\n<thead><tr><th>customers</th><th class=\"runner\">runner</th>\
         <th>turnaround ms</th><th>time lost ms</th><th>makespan ms</th>\
         <th>tellers' efficiency</th><th>peak threads</th><th>peak RSS MiB</th>\
         <th>CPU ms (user + sys)</th><th>switches</th><th>result</th></tr></thead>\n<tbody>\n"
    );
    let mut last = None;
    for &p in &rows {
        scale_row_start(page, p, &mut last);
        match &p.result {
            Ending::Ran { complete, metrics } => {
                let m = metrics;
                put!(
                    page,
                    "<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
                     <td>{}</td><td class=\"why\">{}</td>",
                    ms(m.mean_turnaround_ms),
                    ms(m.mean_lost_ms),
                    ms(m.makespan_ms),
                    ratio(m.efficiency),
                    group(m.process.threads_peak as f64),
                    mib(m.process.max_rss_kib),
                    ms(m.process.cpu_ms()),
                    group(
                        (m.process.ctx_switches_voluntary + m.process.ctx_switches_involuntary)
                            as f64
                    ),
                    if *complete { "ran" } else { "incomplete" }
                );
            }
            Ending::Refused { reason } => {
                put!(
                    page,
                    "<td colspan=\"9\" class=\"why\">refused: {}</td>",
                    esc(reason)
                );
            }
            Ending::Failed { error } => {
                put!(
                    page,
                    "<td colspan=\"9\" class=\"why\">failed: {}</td>",
                    esc(error)
                );
            }
        }
        put!(page, "</tr>\n");
    }
    put!(page, "</tbody>\n</table>\n");
    put!(
        page,
        "<p class=\"note\">Where the tellers' time went, run by run (see the table above the \
         scale section):</p>\n<table class=\"scale loss\">\n"
    );
    loss_headings(
        page,
        &["<th>customers</th>", "<th class=\"runner\">runner</th>"],
    );
    put!(page, "<tbody>\n");
    let mut last = None;
    for &p in &rows {
        let Ending::Ran { metrics, .. } = &p.result else {
            continue;
        };
        scale_row_start(page, p, &mut last);
        loss_cells(page, metrics.teller_loss.as_ref(), None);
        put!(page, "</tr>\n");
    }
    put!(page, "</tbody>\n</table>\n");
}

/// A row of a scale table up to its runner: a rule above each new number
/// of customers (`last` is the previous row's).
fn scale_row_start(page: &mut String, p: &Point, last: &mut Option<u32>) {
    let next = if last.is_some_and(|n| n != p.customers) {
        " class=\"next\""
    } else {
        ""
    };
    *last = Some(p.customers);
    put!(
        page,
        "<tr{next}><td>{}</td><td class=\"runner\">{}</td>",
        group(f64::from(p.customers)),
        esc(&p.runner)
    );
}

#[cfg(test)]
mod tests {
    use super::{CHART_CSS, NOTE_COLUMNS, runner_colour, scale_chart_svg};
    use crate::html::report;
    use crate::html::tests::{points, ran};
    use crate::scale::{Ending, Point};
    use crate::swimlane::tests::small_scene;

    #[test]
    fn without_scale_points_there_is_no_chart() {
        let trace = small_scene();
        let page = report(&[&trace], Some(&crate::html::tests::kept(&trace)), &[]);
        assert!(!page.contains("<svg class=\"scale-chart\""));
        assert!(!page.contains("Scale 规模"));
        assert!(page.contains("<table class=\"metrics\">"));
        assert_eq!(page.matches("<svg class=\"timeline").count(), 2);
    }

    #[test]
    fn scale_points_make_a_chart_with_notes_and_a_table() {
        let trace = small_scene();
        let points = points();
        let page = report(&[&trace], Some(&crate::html::tests::kept(&trace)), &points);
        assert_eq!(page.matches("<svg class=\"scale-chart\"").count(), 1);
        // A line per runner with two or more points that ran, in each of the
        // 7 panels of lines; the misses marked in all 8.
        assert_eq!(page.matches("<polyline class=\"series\"").count(), 3 * 7);
        assert_eq!(page.matches("class=\"refused\"").count(), 8);
        assert_eq!(page.matches("class=\"failed\"").count(), 8);
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
        let (table, losses) = table
            .split_once("<table class=\"scale loss\">")
            .expect("two tables");
        assert_eq!(table.matches("<tr").count(), 1 + points.len());
        let ran = points
            .iter()
            .filter(|p| matches!(p.result, Ending::Ran { .. }))
            .count();
        assert_eq!(
            losses.matches("<tr").count(),
            2 + ran,
            "a row per run that ran"
        );
        assert_eq!(
            losses.matches("not measured").count(),
            ran - 1,
            "all but the one point with a teller loss"
        );
        assert_eq!(losses.matches("<svg class=\"loss-bar\"").count(), 1);
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

    /// Checks that `svg` is one well-formed XML element, `<svg>`, after an
    /// XML declaration: every tag closed in order, every attribute quoted,
    /// every `&` an entity. Panics naming the first fault.
    fn assert_well_formed(svg: &str) {
        let body = svg
            .strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
            .expect("an XML declaration first");
        let mut open: Vec<&str> = Vec::new();
        let mut roots = 0;
        let mut rest = body;
        while let Some(at) = rest.find('<') {
            assert_entities(&rest[..at]);
            let tag_end = rest[at..].find('>').expect("every tag ends") + at;
            let tag = &rest[at + 1..tag_end];
            rest = &rest[tag_end + 1..];
            if let Some(name) = tag.strip_prefix('/') {
                assert_eq!(open.pop(), Some(name), "</{name}> closes the open tag");
                continue;
            }
            assert!(!tag.contains('<'), "no < inside a tag: {tag}");
            assert_eq!(tag.matches('"').count() % 2, 0, "quoted attributes: {tag}");
            assert_entities(tag);
            let name = tag
                .split([' ', '/', '\n'])
                .next()
                .expect("split yields at least one part");
            assert!(
                !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric()),
                "a tag name: {tag}"
            );
            if open.is_empty() {
                roots += 1;
                assert_eq!(name, "svg", "the root element");
            }
            if !tag.ends_with('/') {
                open.push(name);
            }
        }
        assert_eq!(rest.trim(), "", "nothing after the root");
        assert!(open.is_empty(), "unclosed: {open:?}");
        assert_eq!(roots, 1, "one root element");
    }

    /// Checks that every `&` in `text` starts an entity.
    fn assert_entities(text: &str) {
        for (at, _) in text.match_indices('&') {
            let entity = text[at + 1..].split(';').next().unwrap_or("");
            assert!(
                ["amp", "lt", "gt", "quot", "#39"].contains(&entity),
                "an entity at {}",
                &text[at..]
            );
        }
    }

    #[test]
    fn the_well_formedness_check_finds_faults() {
        let head = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
        assert_well_formed(&format!(
            "{head}<svg a=\"1\"><g><text>&amp;</text></g><path/></svg>"
        ));
        for bad in [
            "<svg><g></svg>",
            "<svg><g></text></g></svg>",
            "<svg a=\"1></svg>",
            "<svg>AT&T</svg>",
            "<svg/><svg/>",
            "<g></g>",
        ] {
            let svg = format!("{head}{bad}");
            let caught = std::panic::catch_unwind(|| assert_well_formed(&svg));
            assert!(caught.is_err(), "{bad} passed");
        }
    }

    #[test]
    fn the_chart_alone_is_a_well_formed_svg_file_that_refers_nowhere() {
        let svg = scale_chart_svg(&points());
        assert_well_formed(&svg);
        let root = svg.lines().nth(1).expect("the root tag on the second line");
        assert!(
            root.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""),
            "{root}"
        );
        assert!(root.contains(" width=\"1280\" height=\""), "{root}");
        assert_eq!(svg.matches("http").count(), 1, "only the namespace");
        for outside in ["<script", "href", "url(", "@import", "src="] {
            assert!(!svg.contains(outside), "{outside} in the chart");
        }
        assert_eq!(svg.matches("<style>").count(), 1);
        assert!(svg.contains("<rect width=\"1280\""), "a white ground");
        // An empty chart is still a file.
        assert_well_formed(&scale_chart_svg(&[]));
    }

    #[test]
    fn the_chart_alone_has_its_style_sheet_and_its_variables() {
        // The style sheet stays text in XML, and the page's chart rules are in it.
        assert!(!CHART_CSS.contains(['<', '&']), "{CHART_CSS}");
        for rule in [
            "svg text {",
            "svg .grid",
            "svg .caption",
            "svg.scale-chart .series",
        ] {
            assert!(CHART_CSS.contains(rule), "{rule}");
        }
        // From the same files as the page's style sheet.
        let page = report(&[], None, &points());
        assert!(page.contains(include_str!("drawing.css")));
        assert!(page.contains(include_str!("chart.css")));
        // Every variable it uses is defined in it: nothing comes from the page.
        for (at, _) in CHART_CSS.match_indices("var(--") {
            let name = CHART_CSS[at + 4..]
                .split(')')
                .next()
                .expect("split yields at least one part");
            assert!(CHART_CSS.contains(&format!("{name}:")), "{name} is defined");
        }
    }

    #[test]
    fn the_chart_alone_has_a_line_per_runner_and_every_note() {
        let points = points();
        let svg = scale_chart_svg(&points);
        let runners = ["async-nonblocking", "python-asyncio", "sync-blocking"];
        assert_eq!(svg.matches("<polyline class=\"series\"").count(), 3 * 7);
        for runner in runners {
            let colour = runner_colour(&runners, runner);
            let series = format!("<polyline class=\"series\" stroke=\"{colour}\"");
            assert_eq!(
                svg.matches(&series).count(),
                7,
                "{runner}: one line per panel of lines"
            );
            assert!(
                svg.contains(&format!("\">{runner}</text>")),
                "{runner} in the key"
            );
        }
        // The hover details of every point that ran, in each panel.
        let ran = points
            .iter()
            .filter(|p| matches!(p.result, Ending::Ran { .. }))
            .count();
        assert!(svg.matches("<title>").count() > ran * 7);
        let notes = svg
            .split("<g class=\"notes\">")
            .nth(1)
            .and_then(|rest| rest.split("</g>").next())
            .expect("the notes under the panels");
        assert!(notes.contains(
            ">2. sync-blocking at 10,000 customers — refused: needs about 10016 threads</text>"
        ));
        assert!(notes.contains(">3. python-asyncio at 100,000 customers — failed:"));
        assert!(notes.contains(">1. sync-blocking at 1,000 customers — incomplete"));
        // Without notes, no room for them.
        let all_ran = scale_chart_svg(&points[..6]);
        assert!(!all_ran.contains("class=\"notes\""));
        assert!(
            all_ran.contains(" height=\"1110\""),
            "the key and four rows of panels"
        );
    }

    #[test]
    fn a_long_note_wraps_within_the_chart() {
        let reason = "sync-blocking with 30000 customers needs about 30016 threads (one per \
                      customer), but this process may have about 15000 (kernel.threads-max). \
                      The largest run that fits is --customers 14984; async-blocking and \
                      async-nonblocking need no thread per customer.";
        let points = vec![
            ran("sync-blocking", 100, 0.9, 104),
            Point {
                runner: "sync-blocking".to_owned(),
                customers: 30_000,
                result: Ending::Refused {
                    reason: reason.to_owned(),
                },
            },
        ];
        let svg = scale_chart_svg(&points);
        assert_well_formed(&svg);
        let notes = svg
            .split("<g class=\"notes\">")
            .nth(1)
            .and_then(|rest| rest.split("</g>").next())
            .expect("the note under the panels");
        let lines: Vec<&str> = notes
            .lines()
            .filter_map(|l| l.split('>').nth(1)?.strip_suffix("</text"))
            .collect();
        assert_eq!(lines.len(), 2, "{notes}");
        assert!(lines.iter().all(|l| l.chars().count() <= NOTE_COLUMNS));
        assert_eq!(
            lines.join(" "),
            format!("1. sync-blocking at 30,000 customers — refused: {reason}")
        );
    }

    #[test]
    fn the_teller_loss_is_a_bar_per_run_stacked_by_part_and_the_unmeasured_are_outlines() {
        let points = points();
        let svg = scale_chart_svg(&points);
        let panel = svg
            .split("where the tellers&#39; time went</text>")
            .nth(1)
            .and_then(|rest| rest.split("</g>").next())
            .expect("the teller-loss panel");
        // The one measured run: four parts, from the bottom up, as tall as
        // their shares of the plot (50%, 10%, 15%, 25%).
        let parts: Vec<f64> = panel
            .split("<rect ")
            .filter(|r| r.contains("<title>async-nonblocking · 100 customers · "))
            .filter_map(|r| r.split("height=\"").nth(1)?.split('"').next()?.parse().ok())
            .collect();
        assert_eq!(parts.len(), 4, "{panel}");
        let plot: f64 = parts.iter().sum();
        for (height, share) in parts.iter().zip([0.5, 0.1, 0.15, 0.25]) {
            assert!((height / plot - share).abs() < 0.01, "{parts:?}");
        }
        assert!(panel.contains("overrun: 50 ms, 50% of 100 ms"));
        // The others ran without one: a dashed outline each.
        let ran = points
            .iter()
            .filter(|p| matches!(p.result, Ending::Ran { .. }))
            .count();
        assert_eq!(panel.matches("stroke-dasharray").count(), ran - 1);
        assert_eq!(panel.matches("not measured").count(), ran - 1);
        // The parts' key, in the order they stack.
        let key: Vec<usize> = ["overrun", "reaction", "gap", "idle"]
            .iter()
            .map(|part| panel.find(&format!(">{part}</text>")).unwrap_or(usize::MAX))
            .collect();
        assert!(key.windows(2).all(|w| w[0] < w[1]), "{key:?}");
    }
}
