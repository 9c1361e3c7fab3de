//! The legend (part 3 of the page): the colours and marks of the timelines
//! in the lecture's words, and the CSS class and the tooltip word of each
//! state.

use std::fmt::Write as _;

use super::timelines::MANY;
use super::{Run, esc};
use timeline::model::State;

/// The colours and marks, in the lecture's words, English and Chinese.
pub(super) fn legend(page: &mut String, runs: &[Run]) {
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
pub(super) fn class(state: State) -> &'static str {
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
pub(super) fn word(state: State) -> String {
    format!("{} {}", state.name(), state.label().1)
}
