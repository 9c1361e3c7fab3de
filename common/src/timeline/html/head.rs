//! The `<head>` (part 1 of the page): its title, and the whole style sheet
//! inline, so that nothing is fetched.

use std::fmt::Write as _;

use super::esc;
use crate::trace::Trace;

/// `<!DOCTYPE>`, `<head>`, the title and the style sheet.
pub(super) fn head(page: &mut String, traces: &[&Trace]) {
    let styles: Vec<&str> = traces.iter().map(|t| t.style.name()).collect();
    let title = if styles.is_empty() {
        "bank-queue report".to_owned()
    } else {
        format!("bank-queue: {}", styles.join(", "))
    };
    put!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>\n{CSS}</style>\n</head>\n",
        esc(&title)
    );
}

/// The style sheet. The state colours are the terminal's, on a white page.
/// It lives in `report.css`, beside this file, to be read as CSS.
const CSS: &str = include_str!("report.css");
