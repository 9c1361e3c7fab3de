//! The teller loss (part 6 of the page): where the tellers' time beyond
//! the services asked went, one row per run under the ideal schedule's:
//! overrun, reaction, gap and idle, each in ms and as a share of the total,
//! a bar of the four, and the reactions during and after the arrivals. The
//! best of each column (the lowest) is marked.

use std::fmt::Write as _;

use super::metrics_table::{Better, best, cell, heading_cell};
use super::{PageRun, esc, ms};
use crate::look;
use timeline::State;
use timeline::metrics::teller_loss;
use timeline::schedule::Schedule;
use timeline::trace::{Reactions, TellerLoss};

/// One part of the total.
pub(super) struct Part {
    /// Its heading.
    pub(super) head: &'static str,
    /// What it means, for the heading's tooltip and the bar's.
    pub(super) explain: &'static str,
    /// Its colour in a bar: a teller state's (serving, calling) where the
    /// part is time in that state, else its own. A fill, not a class: the
    /// scale chart's own file carries no state colours.
    pub(super) colour: fn() -> &'static str,
    /// Its ms.
    pub(super) value: fn(&TellerLoss) -> f64,
}

/// The four parts, in the order they add up.
pub(super) const PARTS: [Part; 4] = [
    Part {
        head: "overrun",
        explain: "serving longer than the service asked: the bank's timers",
        colour: || look::look(State::Serving).colour,
        value: |l| l.overrun_ms,
    },
    Part {
        head: "reaction",
        explain: "from CALL to HERE: the teller waited for a called customer",
        colour: || look::look(State::Calling).colour,
        value: |l| l.reaction_ms,
    },
    Part {
        head: "gap",
        explain: "free while someone waited to be called: from DONE to the next CALL",
        colour: || "#9c755f",
        value: |l| l.gap_ms,
    },
    Part {
        head: "idle",
        explain: "free with nobody waiting",
        colour: || "#c9ced3",
        value: |l| l.idle_ms,
    },
];

/// A phase of the calls, and its reactions.
struct Phase {
    /// The heading over its columns.
    name: &'static str,
    /// Which calls, for the tooltips.
    calls: &'static str,
    /// Its reactions.
    reactions: fn(&TellerLoss) -> Reactions,
}

/// The phases: while customers were arriving, then after.
static PHASES: [Phase; 2] = [
    Phase {
        name: "reaction while arriving",
        calls: "the calls made up to the last arrival",
        reactions: |l| l.reaction_arriving,
    },
    Phase {
        name: "reaction after",
        calls: "the calls made after the last arrival",
        reactions: |l| l.reaction_after,
    },
];

/// A percentile shown of each phase.
struct Percentile {
    /// Its heading.
    head: &'static str,
    /// Its name, for the tooltips.
    words: &'static str,
    /// Its value.
    value: fn(&Reactions) -> f64,
}

/// The percentiles shown: the median and the 99th.
static PERCENTILES: [Percentile; 2] = [
    Percentile {
        head: "p50",
        words: "the median",
        value: |r| r.p50_ms,
    },
    Percentile {
        head: "p99",
        words: "the 99th percentile",
        value: |r| r.p99_ms,
    },
];

/// A column of reactions: one percentile of one phase.
type ReactionColumn = (&'static Phase, &'static Percentile);

/// Every column of reactions, phase by phase.
fn reaction_columns() -> impl Iterator<Item = ReactionColumn> {
    PHASES
        .iter()
        .flat_map(|phase| PERCENTILES.iter().map(move |p| (phase, p)))
}

/// A column of reactions' value in `loss`: `NaN` (shown `–`) when the phase
/// had no calls.
fn reaction(loss: &TellerLoss, (phase, percentile): ReactionColumn) -> f64 {
    let reactions = (phase.reactions)(loss);
    if reactions.calls == 0 {
        f64::NAN
    } else {
        (percentile.value)(&reactions)
    }
}

/// Width of the bar of the four parts, in px.
const BAR_W: f64 = 180.0;

/// The table of where the tellers' time went: the ideal schedule's row
/// (when given, for the first run's scene), then one per run.
pub(super) fn teller_loss_table(page: &mut String, runs: &[PageRun], ideal: Option<&Schedule>) {
    if runs.is_empty() {
        return;
    }
    let ideal_loss = ideal
        .zip(runs.first())
        .map(|(schedule, run)| teller_loss::of_schedule(&run.trace.scenario, schedule));
    put!(
        page,
        "<h2>Where the tellers' time went 柜员的时间</h2>\n<table class=\"metrics loss\">\n"
    );
    loss_headings(page, &["<th>run</th>"]);
    put!(page, "<tbody>\n");
    let losses: Vec<Option<&TellerLoss>> = runs
        .iter()
        .map(|r| r.trace.metrics.teller_loss.as_ref())
        .collect();
    let of_runs = |value: &dyn Fn(&TellerLoss) -> f64| {
        let values = losses.iter().flatten().map(|l| value(l));
        best(values, Better::Lower, ms)
    };
    let bests = Bests {
        total: of_runs(&|l| l.total_ms),
        parts: PARTS.iter().map(|p| of_runs(&p.value)).collect(),
        reactions: reaction_columns()
            .map(|column| of_runs(&|l| reaction(l, column)))
            .collect(),
    };
    if let Some(loss) = &ideal_loss {
        loss_row(page, "ideal 理想", Some(loss), None);
    }
    for (run, loss) in runs.iter().zip(&losses) {
        loss_row(page, &run.title(), *loss, Some(&bests));
    }
    put!(
        page,
        "</tbody>\n</table>\n<p class=\"note\">The tellers' view in detail: their time beyond \
         the services asked (tellers × makespan − Σ services asked) is overrun (serving longer \
         than asked: the bank's timers), reaction (from CALL to HERE), gap (free while someone \
         waited to be called: from DONE to the next CALL) and idle (free with nobody waiting); \
         they add up to the total exactly. The ideal schedule loses only idle time. The \
         reactions are split at the last arrival: while customers were still arriving, and \
         after. The lowest of each column is highlighted.</p>\n"
    );
}

/// The best value of each column, as shown, among the runs.
pub(super) struct Bests {
    /// Of the total.
    total: Option<String>,
    /// Of each part.
    parts: Vec<Option<String>>,
    /// Of each reaction column.
    reactions: Vec<Option<String>>,
}

/// One row: `label`, then its cells.
fn loss_row(page: &mut String, label: &str, loss: Option<&TellerLoss>, bests: Option<&Bests>) {
    put!(page, "<tr><td>{}</td>", esc(label));
    loss_cells(page, loss, bests);
    put!(page, "</tr>\n");
}

/// The headings of the teller-loss columns, after `labels` (the label
/// columns' `<th>`s, as HTML), each explained in its tooltip, in two rows:
/// what the columns are about over them, then each column's own heading.
pub(super) fn loss_headings(page: &mut String, labels: &[&str]) {
    put!(
        page,
        "<thead><tr class=\"views\"><th colspan=\"{}\"></th>\
         <th colspan=\"{}\">the tellers' time beyond the services asked</th>",
        labels.len(),
        2 + PARTS.len()
    );
    for phase in &PHASES {
        put!(
            page,
            "<th colspan=\"{}\">{} (ms)</th>",
            PERCENTILES.len(),
            phase.name
        );
    }
    put!(page, "</tr>\n<tr>");
    for label in labels {
        page.push_str(label);
    }
    heading_cell(
        page,
        "total ms",
        "tellers × makespan − Σ services asked: the four parts add up to it",
    );
    for part in &PARTS {
        heading_cell(page, &format!("{} ms", part.head), part.explain);
    }
    put!(page, "<th>where it went<span class=\"sub\">");
    for part in &PARTS {
        put!(
            page,
            "<span class=\"part\"><span class=\"swatch\" style=\"background: {}\"></span>{}</span> ",
            (part.colour)(),
            part.head
        );
    }
    put!(page, "</span></th>");
    for (phase, percentile) in reaction_columns() {
        let explain = format!("{} reaction to {}", percentile.words, phase.calls);
        heading_cell(page, percentile.head, &explain);
    }
    put!(page, "</tr></thead>\n");
}

/// The cells of `loss` (`not measured` without one): the total, each part
/// with its share, the bar, the reactions; its best values marked when
/// `bests` is given.
pub(super) fn loss_cells(page: &mut String, loss: Option<&TellerLoss>, bests: Option<&Bests>) {
    let Some(loss) = loss else {
        let span = 2 + PARTS.len() + reaction_columns().count();
        put!(
            page,
            "<td colspan=\"{span}\" class=\"why\">not measured: the runner sees the bank \
             only from outside</td>"
        );
        return;
    };
    cell(
        page,
        &ms(loss.total_ms),
        bests.and_then(|b| b.total.as_ref()),
    );
    put!(page, "</td>");
    for (i, part) in PARTS.iter().enumerate() {
        let value = (part.value)(loss);
        let best = bests.and_then(|b| b.parts.get(i)).and_then(Option::as_ref);
        cell(page, &ms(value), best);
        put!(
            page,
            "<span class=\"sub\">{:.0}%</span></td>",
            100.0 * loss.share(value)
        );
    }
    put!(page, "<td>{}</td>", bar(loss));
    for (i, column) in reaction_columns().enumerate() {
        let best = bests
            .and_then(|b| b.reactions.get(i))
            .and_then(Option::as_ref);
        cell(page, &ms(reaction(loss, column)), best);
        put!(page, "</td>");
    }
}

/// The four parts side by side in one bar, each as wide as its share.
fn bar(loss: &TellerLoss) -> String {
    let mut svg = format!(
        "<svg class=\"loss-bar\" width=\"{BAR_W:.0}\" height=\"14\" viewBox=\"0 0 {BAR_W:.0} 14\">"
    );
    let mut x = 0.0;
    for part in &PARTS {
        let value = (part.value)(loss);
        let w = BAR_W * loss.share(value).clamp(0.0, 1.0);
        if w > 0.0 {
            put!(
                svg,
                "<rect fill=\"{}\" x=\"{x:.1}\" y=\"1\" width=\"{w:.1}\" height=\"12\">\
                 <title>{}: {} ms ({:.0}%), {}</title></rect>",
                (part.colour)(),
                part.head,
                ms(value),
                100.0 * loss.share(value),
                esc(part.explain)
            );
        }
        x += w;
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use crate::html::report;
    use crate::swimlane::tests::small_scene;
    use timeline::style::Style;
    use timeline::trace::TellerLoss;

    /// The loss table of a page.
    fn loss_table(page: &str) -> &str {
        page.split("<table class=\"metrics loss\">")
            .nth(1)
            .and_then(|t| t.split("</table>").next())
            .expect("a teller-loss table")
    }

    #[test]
    fn the_ideal_comes_first_and_the_lowest_of_each_column_is_marked() {
        let mut slow = small_scene();
        slow.style = Style::SyncNonblocking;
        slow.metrics.teller_loss = Some(TellerLoss {
            total_ms: 1000.0,
            overrun_ms: 10.0,
            reaction_ms: 700.0,
            gap_ms: 40.0,
            idle_ms: 250.0,
            ..TellerLoss::default()
        });
        let mut fast = small_scene();
        fast.metrics.teller_loss = Some(TellerLoss {
            total_ms: 300.0,
            overrun_ms: 30.0,
            reaction_ms: 1.0,
            gap_ms: 20.0,
            idle_ms: 249.0,
            ..TellerLoss::default()
        });
        let page = report(&[&slow, &fast], Some(&crate::html::tests::kept(&slow)), &[]);
        let table = loss_table(&page);
        let rows: Vec<&str> = table.split("<tr>").skip(2).collect();
        assert_eq!(rows.len(), 3, "the ideal, then each run");
        assert!(rows[0].starts_with("<td>ideal 理想</td>"), "{}", rows[0]);
        assert!(!rows[0].contains("best"), "the ideal is not a contestant");
        let best = |ms: &str| format!("<td class=\"best\" title=\"best\">{ms}<span");
        assert!(
            rows[1].contains(&best("10")),
            "the lowest overrun: {}",
            rows[1]
        );
        assert!(rows[2].contains(&best("1")), "the lowest reaction");
        assert!(rows[2].contains("<td class=\"best\" title=\"best\">300</td>"));
        assert!(!rows[1].contains(&best("700")));
        // Shares, and a bar as long as the parts.
        assert!(
            rows[1].contains("<span class=\"sub\">70%</span>"),
            "{}",
            rows[1]
        );
        assert_eq!(rows[1].matches("<rect ").count(), 4);
        // Without phases, the reactions are not measured: shown –.
        assert!(rows[1].contains("<td>–</td>"));
    }

    #[test]
    fn a_run_without_a_teller_loss_says_so() {
        let mut trace = small_scene();
        trace.metrics.teller_loss = None;
        let page = report(&[&trace], None, &[]);
        assert!(loss_table(&page).contains("not measured"));
    }
}
