//! A crowd in a timeline: too many customers (or tellers) to draw row by
//! row, so the run shows how many of them are in each state at each moment
//! (a stacked area, hover for the numbers), strips of when the polls and the
//! abandons happened, then a few representative customers in full.

use std::fmt::Write as _;

use super::legend::{class, word};
use super::row::{cover, customer_row, state_index};
use super::timelines::{COLUMN, Frame, GUTTER, RIGHT, ROW, WIDTH};
use super::{PageRun, fixed, group, ms};
use timeline::State;
use timeline::model::LaneView;
use timeline::trace::{CustomerRecord, Outcome};

// A crowd's geometry, in the SVG's own units.

/// Height of a crowd's stacked area.
const AREA: f64 = 120.0;
/// Height of a crowd's strip of polls or abandons.
const STRIP: f64 = 22.0;
/// Width of a hover band over an area, in pixels.
const BAND: f64 = 9.0;

/// A crowd of lanes summarised as counts per state over time.
pub(super) struct Crowd<'a> {
    /// The lanes counted.
    pub(super) lanes: &'a [&'a LaneView],
    /// The states stacked, bottom first.
    pub(super) states: &'a [State],
    /// What the lanes are, for captions: "customers".
    pub(super) what: &'a str,
}

/// A crowd of customers: the stacked area of their states, a strip of their
/// polls, then a few representatives in full. Returns the next free y.
pub(super) fn crowd_rows(
    out: &mut String,
    frame: &Frame,
    y: f64,
    run: &PageRun,
    customers: &[LaneView],
) -> f64 {
    let lanes: Vec<&LaneView> = customers.iter().collect();
    let mut y = area(
        out,
        frame,
        y,
        &Crowd {
            lanes: &lanes,
            states: &[
                State::InLine,
                State::Idle,
                State::Errand,
                State::Unnoticed,
                State::AtCounter,
            ],
            what: "customers",
        },
    );
    let polls: Vec<f64> = customers
        .iter()
        .flat_map(|l| l.polls())
        .filter(|t| t.is_finite())
        .collect();
    if !polls.is_empty() {
        y = strip(out, frame, y, &polls, "poll", "polls 查看");
    }
    let abandons: Vec<f64> = customers.iter().filter_map(|l| l.abandoned_ms()).collect();
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
pub(super) fn area(out: &mut String, frame: &Frame, y: f64, crowd: &Crowd) -> f64 {
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
    let waits = by(|c| c.wait_ms);
    // Every call costs a reaction: the slowest of them.
    let reactions = by(|c| {
        c.calls
            .iter()
            .filter_map(|call| call.reaction_ms())
            .reduce(f64::max)
    });
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::html::report;
    use crate::html::tests::points;
    use timeline::TellerNo;
    use timeline::model;
    use timeline::scenario::{Generate, ServiceTime};
    use timeline::style::Style;
    use timeline::trace::Trace;
    use timeline::{Event, Kind, Lane, WaitHow};

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
                        let dur_us = us(slice);
                        at(
                            t,
                            me,
                            Kind::Errand {
                                dur_us,
                                cpu_us: None,
                            },
                        );
                        at(t, me, Kind::Poll { found: false });
                    }
                }
                Style::AsyncNonblocking => {
                    let end = (c.arrive_ms + c.errand_ms).min(called);
                    let dur_us = us(end - c.arrive_ms);
                    at(
                        end,
                        me,
                        Kind::Errand {
                            dur_us,
                            cpu_us: None,
                        },
                    );
                }
                _ => {}
            }
            at(here, me, call);
            at(here, me, Kind::AtCounter { ticket });
            at(here, teller, Kind::AtCounter { ticket });
            let served = Kind::Served {
                ticket,
                unread_us: None,
            };
            at(done, teller, served.clone());
            at(done, me, served);
            let dur_us = us(c.errand_ms);
            at(
                done + c.errand_ms,
                me,
                Kind::Errand {
                    dur_us,
                    cpu_us: None,
                },
            );
            at(done + c.errand_ms, me, Kind::Leave);
        }
        events.sort_by_key(|e| e.t_us);
        // The same bank with instant reactions: the ideal makespan.
        let mut ideal_free = [0.0f64; 8];
        for c in &scenario.customers {
            if let Some(free) = ideal_free.iter_mut().min_by(|a, b| a.total_cmp(b)) {
                *free = free.max(c.arrive_ms) + c.service_ms;
            }
        }
        let ideal = ideal_free.into_iter().fold(0.0, f64::max);
        let mut trace = model::trace(style, true, scenario, events);
        trace.metrics = timeline::metrics::compute(&trace, ideal, Default::default());
        trace
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
        let page = report(&refs, Some(&crate::html::tests::kept(refs[0])), &points());
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
        // Every teller still has a row, drawn as stacked shares of each state.
        assert_eq!(page.matches("<g class=\"lane teller\">").count(), 5 * 8);
        assert!(page.contains("too many to draw one by one"));
        assert!(page.contains("<g class=\"dense\">"));
        // The areas count the customers: the peak of a crowd that all came
        // within the first second is at least the 8 at the counters.
        assert!(page.contains(&format!("<path class=\"area {}\"", class(State::InLine))));
        assert!(page.contains(&format!("<path class=\"area {}\"", class(State::Errand))));
        assert!(page.contains("<rect class=\"band\""));
        assert!(page.contains("polls 查看"));
        assert_eq!(page.matches(">abandoned 放弃</text>").count(), 1);
        assert!(page.contains(">gave up</text>") || page.contains("gave up"));
        eprintln!("4 × 10,000 customers: a page of {} bytes", page.len());
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
