//! The `<head>` (part 1 of the page): its title, and the whole style sheet
//! inline, so that nothing is fetched.

use std::fmt::Write as _;

use super::esc;
use timeline::trace::Trace;

/// `<!DOCTYPE>`, `<head>`, the title and the style sheet.
pub(super) fn head(page: &mut String, traces: &[&Trace]) {
    let styles: Vec<&str> = traces.iter().map(|t| t.style.name()).collect();
    let title = if styles.is_empty() {
        "bank-queue report".to_owned()
    } else {
        format!("bank-queue: {}", styles.join(", "))
    };
    head_titled(page, &title);
}

/// [`head`] for a page titled `title`.
pub(super) fn head_titled(page: &mut String, title: &str) {
    put!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>\n{}{CSS}</style>\n</head>\n",
        esc(title),
        crate::look::css()
    );
}

/// The style sheet, after the states' and marks' colours, which come from
/// [the table](crate::look) (the terminal's, on a white page). It lives
/// beside this file, to be read as CSS, in three parts: what every
/// drawing shares (`drawing.css`), the page's own rules (`report.css`), and
/// the scale chart's (`chart.css`). The chart's file (`scale_chart_svg`)
/// holds the first and the last: one source for both.
const CSS: &str = concat!(
    include_str!("drawing.css"),
    include_str!("report.css"),
    include_str!("chart.css")
);
