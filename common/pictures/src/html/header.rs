//! The header (part 2 of the page): the page's title, and the scenario
//! every run played, in one line.

use std::fmt::Write as _;

use super::{esc, fixed, group, ms};
use timeline::Scenario;
use timeline::plural;
use timeline::trace::Trace;

/// The page's title, the runs it holds, and the scenario in one line.
pub(super) fn header(page: &mut String, traces: &[&Trace]) {
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
pub(super) fn scenario_line(s: &Scenario) -> String {
    let mut parts = vec![
        format!(
            "{} {}",
            group(s.customers.len() as f64),
            plural::noun(s.customers.len(), "customer")
        ),
        plural::count(s.tellers, "teller"),
        s.policy.name().to_uppercase(),
    ];
    parts.extend(s.slices.map(|slices| slices.words(s.policy)));
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
