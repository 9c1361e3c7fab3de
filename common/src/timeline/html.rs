//! The HTML report: several runs, their metrics and the scale table in one
//! self-contained page (no network, no script to build).
//!
//! This first version holds only the page's frame and its signature; the
//! swimlanes, the table and the chart follow.

use crate::scale::Point;
use crate::trace::Trace;

/// The whole page for `traces` (one swimlane each, on one time axis) and the
/// scale table `scale` (may be empty).
pub fn report(traces: &[&Trace], scale: &[Point]) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>bank-queue: {} runs</title></head><body><p>{} runs, {} scale points</p></body></html>\n",
        traces.len(),
        traces.len(),
        scale.len()
    )
}
