//! One lane's row in a timeline: its label, a bar per stretch with its
//! tooltip, a teller's ticket numbers, a customer's polls and abandon mark.
//! A row with too many stretches to draw one by one (a teller's day among
//! 10,000 customers) is drawn a few pixels at a time, as the share of that
//! time each state took, stacked.

use std::fmt::Write as _;

use super::legend::{class, word};
use super::timelines::{COLUMN, Frame, GUTTER, ROW};
use super::{esc, fit, group, ms};
use timeline::{Lane, Mark, MarkKind};

use crate::look::mark;
use timeline::State;
use timeline::model::{LaneView, Owners, Segment};
use timeline::trace::{CustomerRecord, Outcome};

/// A row with more stretches than this is drawn as shares of time per few pixels.
const DETAILED: usize = 400;

// A row's geometry, in the SVG's own units.

/// Height of the bar inside a row.
const BAR: f64 = 11.0;
/// The widest label in the left column, in display columns (张三 takes two).
const LABEL_COLUMNS: usize = 24;

/// What one row needs to be drawn.
pub(super) struct RowDraw<'a> {
    /// The lane's kind (`customer`, `teller`, `process`...): the row's group class.
    pub(super) kind: &'a str,
    /// The text in the left column (fitted to it here; whole in its tooltip).
    pub(super) label: &'a str,
    /// Small grey words before the label: why this customer is shown.
    pub(super) note: Option<&'a str>,
    /// The lane's stretches, in time order.
    pub(super) segments: &'a [Segment],
    /// The tooltip of stretch `i`.
    pub(super) tip: &'a dyn Fn(usize) -> String,
    /// Moments on the lane: polls, an abandon, signals, the reaping.
    pub(super) marks: &'a [Mark],
    /// Texts to write over stretches (a teller's ticket numbers): start, end, text.
    pub(super) tags: &'a [(f64, f64, String)],
}

/// A customer's row: their stretches, polls and abandon mark.
pub(super) fn customer_row(
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
        let in_bank = record.done_ms.is_none_or(|done| seg.start_ms < done);
        match (seg.state, record.teller_at(seg.start_ms)) {
            (State::Unnoticed | State::AtCounter, Some(teller)) => put!(text, " · teller {teller}"),
            (State::InLine | State::Idle, _) | (State::Errand, None) if in_bank => {
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
            marks: &lane.marks,
            tags: &[],
        },
    );
}

/// A row of any other kind (a thread, a process, a job): its stretches and
/// marks, each stretch's tooltip saying who, what and when.
pub(super) fn plain_row(out: &mut String, frame: &Frame, y: f64, lane: &LaneView) {
    let tip = |i: usize| {
        let seg = &lane.segments[i];
        let mut text = format!(
            "{} · {} · {}–{} ms",
            lane.label,
            word(seg.state),
            ms(seg.start_ms),
            ms(seg.end_ms)
        );
        if let Some(note) = lane.note_on(seg) {
            put!(text, " · {note}");
        }
        text
    };
    lane_row(
        out,
        frame,
        y,
        &RowDraw {
            kind: lane.lane.kind().word(),
            label: &lane.label,
            note: None,
            segments: &lane.segments,
            tip: &tip,
            marks: &lane.marks,
            tags: &lane.tags,
        },
    );
}

/// A teller's row: calling and serving, each service tagged with its ticket.
pub(super) fn teller_row(
    out: &mut String,
    frame: &Frame,
    y: f64,
    lane: &LaneView,
    owners: &Owners<'_>,
) {
    let Lane::Teller(teller) = lane.lane else {
        return;
    };
    let tip = |i: usize| {
        let seg = &lane.segments[i];
        let whom = owners
            .of_stretch(teller, seg)
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
            marks: &[],
            tags: &lane.tags,
        },
    );
}

/// "张三 #1": a customer's name and ticket.
pub(super) fn named(c: &CustomerRecord) -> String {
    match c.ticket {
        Some(n) => format!("{} #{n}", c.name),
        None => c.name.clone(),
    }
}

/// Draws one row at `y`: label, bars with tooltips, tags, polls, abandon mark.
pub(super) fn lane_row(out: &mut String, frame: &Frame, y: f64, row: &RowDraw) {
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
            // Its times, for the player to cut it at the slider's time.
            Some(i) => put!(
                out,
                "<rect class=\"st {}\" x=\"{x:.1}\" y=\"{top:.1}\" width=\"{width:.1}\" \
                 height=\"{BAR}\" data-s=\"{}\" data-e=\"{}\"><title>{}</title></rect>\n",
                class(bar.shares[0].0),
                bar.start_ms,
                bar.end_ms,
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
                "<text class=\"tag\" x=\"{:.1}\" y=\"{mid:.1}\" dominant-baseline=\"central\" \
                 data-t=\"{start}\">{}</text>\n",
                x0 + 2.0,
                esc(text)
            );
        }
    }
    poll_marks(out, frame, top, row);
    for m in row.marks.iter().filter(|m| m.at_ms.is_finite()) {
        let x = frame.x(m.at_ms);
        let shown = mark(m.kind);
        match m.kind {
            MarkKind::Poll => {}
            MarkKind::Abandon => put!(
                out,
                "<path class=\"abandon\" data-t=\"{}\" d=\"M{:.1} {:.1}l8 8m0 -8l-8 8\"><title>{}: abandoned 放弃 at {} ms, \
                 left before DONE</title></path>\n",
                m.at_ms,
                x - 4.0,
                mid - 4.0,
                esc(row.label),
                ms(m.at_ms)
            ),
            _ => put!(
                out,
                "<text class=\"mark {}\" x=\"{x:.1}\" y=\"{mid:.1}\" text-anchor=\"middle\" \
                 dominant-baseline=\"central\" data-t=\"{}\">{}<title>{}: {} {} at {} ms</title></text>\n",
                shown.class,
                m.at_ms,
                esc(&shown.glyph.to_string()),
                esc(row.label),
                shown.name,
                shown.chinese,
                ms(m.at_ms)
            ),
        }
    }
    put!(out, "</g>\n");
}

/// A row's polls: one short tick each (one per pixel at most), in one path.
fn poll_marks(out: &mut String, frame: &Frame, top: f64, row: &RowDraw) {
    let polls: Vec<f64> = row
        .marks
        .iter()
        .filter(|m| m.kind == MarkKind::Poll && m.at_ms.is_finite())
        .map(|m| m.at_ms)
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
pub(super) fn cover<'s>(
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
pub(super) fn state_index(state: State) -> usize {
    State::ALL
        .iter()
        .position(|&s| s == state)
        .expect("State::ALL lists every state")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dense_row_is_drawn_as_stacked_shares_of_each_state() {
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
                state: State::InLine,
            },
            Segment {
                start_ms: 35.0,
                end_ms: 36.0,
                state: State::Unnoticed,
            },
        ];
        let cover = cover(&segments, &frame, 10);
        let blocked: Vec<f64> = cover.iter().map(|c| c[0]).collect();
        assert_eq!(blocked[..5], [5.0, 10.0, 10.0, 5.0, 0.0]);
        assert_eq!(cover[3][state_index(State::Unnoticed)], 1.0);
    }
}
