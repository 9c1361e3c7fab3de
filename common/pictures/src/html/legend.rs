//! The legend (part 3 of the page): the colours and marks of the timelines
//! in the lecture's words, and the CSS class and the tooltip word of each
//! state.

use std::fmt::Write as _;

use super::timelines::MANY;
use super::{PageRun, esc};
use timeline::model::LaneView;
use timeline::{MarkKind, State};

use crate::look::{BOTH_SIDES_OF_THE_COUNTER, look, mark};

/// The colours and marks, in the lecture's words, English and Chinese: for
/// runs of the bank scene, its states, marks and lines always; then every
/// other state and mark the runs' lanes use.
pub(super) fn legend(page: &mut String, runs: &[PageRun]) {
    let lanes: Vec<&LaneView> = runs.iter().flat_map(|r| &r.lanes).collect();
    put!(page, "<h2>Legend 图例</h2>\n<div class=\"legend\">\n");
    let scene = [
        State::InLine,
        State::Idle,
        State::Errand,
        State::Unnoticed,
        State::AtCounter,
        State::Calling,
    ];
    for state in scene {
        let shown = look(state);
        let meaning = if state == State::AtCounter {
            BOTH_SIDES_OF_THE_COUNTER
        } else {
            shown.meaning
        };
        legend_entry(
            page,
            &format!("key {}", shown.class),
            "",
            shown.chinese,
            meaning,
        );
    }
    let scene_marks = [MarkKind::Poll, MarkKind::Abandon];
    for kind in scene_marks {
        mark_entry(page, kind);
    }
    states_and_marks_used(page, &lanes, &scene, &scene_marks);
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

/// The legend of lanes of any kind: the states and marks they use.
pub(super) fn legend_of_lanes(page: &mut String, lanes: &[&LaneView]) {
    put!(page, "<h2>Legend 图例</h2>\n<div class=\"legend\">\n");
    states_and_marks_used(page, lanes, &[], &[]);
    put!(page, "</div>\n");
}

/// An entry for each state and mark `lanes` use, but those in `done`.
fn states_and_marks_used(
    page: &mut String,
    lanes: &[&LaneView],
    done: &[State],
    marks_done: &[MarkKind],
) {
    for state in State::ALL {
        let used = lanes
            .iter()
            .any(|l| l.segments.iter().any(|s| s.state == state));
        if used
            && !done.contains(&state)
            && !(state == State::Serving && done.contains(&State::AtCounter))
        {
            let shown = look(state);
            legend_entry(
                page,
                &format!("key {}", shown.class),
                "",
                shown.chinese,
                shown.meaning,
            );
        }
    }
    for kind in crate::look::MARKS {
        let used = lanes.iter().any(|l| l.marks.iter().any(|m| m.kind == kind));
        if used && !marks_done.contains(&kind) {
            mark_entry(page, kind);
        }
    }
}

/// A mark's legend entry: a tick for a poll, a cross for an abandon, the
/// glyph for the others.
fn mark_entry(page: &mut String, kind: MarkKind) {
    let shown = mark(kind);
    match kind {
        MarkKind::Poll => legend_entry(page, "key tick", "", shown.chinese, shown.meaning),
        MarkKind::Abandon => legend_entry(page, "key cross", "✕", shown.chinese, shown.meaning),
        _ => {
            let sample = shown.glyph.to_string();
            let key = format!("key glyph {}", shown.class);
            legend_entry(page, &key, &sample, shown.chinese, shown.meaning);
        }
    }
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

/// The CSS class of a state: its colour (from [the table](crate::look)).
pub(super) fn class(state: State) -> &'static str {
    look(state).class
}

/// A state in a tooltip: short English and the lecture's word.
pub(super) fn word(state: State) -> String {
    let shown = look(state);
    format!("{} {}", shown.name, shown.chinese)
}
