//! The page plays too: play/pause, a time slider and a speed, with a "now"
//! line across every run's picture; each stretch is drawn up to the
//! slider's time, each mark once it has happened, and a table gives every
//! run's figures so far.
//!
//! The figures are not computed in the browser: they are
//! [`timeline::so_far`]'s, at [`SAMPLES`] moments evenly spread over the
//! axis (and at the end), written into the page as JSON; the script shows
//! the last sample at or before the slider's time. What the script does is
//! drawing only: the stretches carry their times (`data-s`, `data-e`), the
//! marks theirs (`data-t`), and the axis maps a time to an x as
//! `timelines::Frame::x` does.
//!
//! With scripts off, the player stays hidden (`hidden`) and the page is the
//! whole picture, as without it. The script is inline: no URL at all. A
//! crowd's summary (more than 60 customers) is not cut, only crossed by the
//! "now" line.

use std::fmt::Write as _;

use timeline::so_far;

use super::timelines::{Frame, GUTTER, RIGHT, WIDTH};
use super::{PageRun, esc};
use crate::replay::{FIGURES, figures_of};
use crate::swimlane::number;

/// How many moments of the run the figures so far are written for.
pub(super) const SAMPLES: usize = 160;

/// The player: its controls and its figures so far (hidden until the
/// script shows them), its data, and its script.
pub(super) fn player(page: &mut String, frame: &Frame, runs: &[PageRun]) {
    if runs.is_empty() {
        return;
    }
    let end = frame.end_ms;
    let step = (end / 1000.0).max(0.001);
    put!(
        page,
        "<section id=\"player\" hidden data-end=\"{end}\" data-x0=\"{GUTTER}\" \
         data-plot=\"{}\">\n<h2>Play it 回放</h2>\n\
         <p class=\"controls\"><button type=\"button\" id=\"play\">play</button> \
         <input type=\"range\" id=\"now\" min=\"0\" max=\"{end}\" step=\"{step}\" value=\"{end}\" \
         aria-label=\"time (ms)\"> <output id=\"now-ms\">{} ms</output> \
         <label>speed <select id=\"speed\">",
        WIDTH - GUTTER - RIGHT,
        number(end)
    );
    for (value, shown) in [
        (0.25, "0.25×"),
        (0.5, "0.5×"),
        (1.0, "1×"),
        (2.0, "2×"),
        (4.0, "4×"),
    ] {
        let selected = if value == 1.0 { " selected" } else { "" };
        put!(page, "<option value=\"{value}\"{selected}>{shown}</option>");
    }
    put!(
        page,
        "</select></label></p>\n<table class=\"metrics so-far\">\n<thead><tr><th>so far</th>"
    );
    for (head, unit) in FIGURES {
        put!(page, "<th>{head} {unit}</th>");
    }
    put!(page, "</tr></thead>\n<tbody>\n");
    for (i, run) in runs.iter().enumerate() {
        put!(page, "<tr data-run=\"{i}\"><td>{}</td>", esc(&run.title()));
        for _ in FIGURES {
            put!(page, "<td></td>");
        }
        put!(page, "</tr>\n");
    }
    put!(page, "</tbody>\n</table>\n</section>\n");
    put!(
        page,
        "<script type=\"application/json\" id=\"so-far\">{}</script>\n<script>{SCRIPT}</script>\n",
        samples(frame, runs)
    );
}

/// The figures so far of every run at every sample, as JSON:
/// `{"at": [ms...], "runs": [[[cells...] per sample] per run]}`.
fn samples(frame: &Frame, runs: &[PageRun]) -> String {
    let at: Vec<f64> = (0..=SAMPLES)
        .map(|i| frame.end_ms * i as f64 / SAMPLES as f64)
        .collect();
    let cells: Vec<Vec<[String; 9]>> = runs
        .iter()
        .map(|run| {
            at.iter()
                .map(|&t| figures_of(&so_far::at(run.trace, t)))
                .collect()
        })
        .collect();
    let json = serde_json::json!({ "at": at, "runs": cells });
    // `</` never closes the script early: JSON lets it be written `<\/`.
    json.to_string().replace("</", "<\\/")
}

/// The player's script: drawing only (see the module header). It runs once
/// the whole page is read: the pictures come after the player.
const SCRIPT: &str = r#"
document.addEventListener('DOMContentLoaded', function () {
  var box = document.getElementById('player');
  var data = JSON.parse(document.getElementById('so-far').textContent);
  var end = +box.dataset.end, x0 = +box.dataset.x0, plot = +box.dataset.plot;
  var slider = document.getElementById('now'), shown = document.getElementById('now-ms');
  var button = document.getElementById('play'), speed = document.getElementById('speed');
  function x(t) { return x0 + Math.min(Math.max(t / end, 0), 1) * plot; }
  var bars = document.querySelectorAll('svg.timeline rect[data-s]');
  var marks = document.querySelectorAll('svg.timeline [data-t]');
  var lines = [];
  document.querySelectorAll('svg.timeline').forEach(function (svg) {
    var line = document.createElementNS(svg.namespaceURI, 'line');
    line.setAttribute('class', 'now');
    line.setAttribute('y1', '0');
    line.setAttribute('y2', svg.viewBox.baseVal.height);
    svg.appendChild(line);
    lines.push(line);
  });
  var rows = document.querySelectorAll('#player tr[data-run]');
  function show(t) {
    bars.forEach(function (bar) {
      var s = +bar.dataset.s, e = Math.min(+bar.dataset.e, t);
      if (s > t) { bar.style.display = 'none'; return; }
      bar.style.display = '';
      bar.setAttribute('width', Math.max(x(e) - x(s), 0.6).toFixed(1));
    });
    marks.forEach(function (mark) { mark.style.display = +mark.dataset.t > t ? 'none' : ''; });
    lines.forEach(function (line) { line.setAttribute('x1', x(t)); line.setAttribute('x2', x(t)); });
    var i = 0;
    while (i + 1 < data.at.length && data.at[i + 1] <= t) { i++; }
    rows.forEach(function (row) {
      var cells = data.runs[+row.dataset.run][i];
      row.querySelectorAll('td').forEach(function (td, j) { if (j > 0) { td.textContent = cells[j - 1]; } });
    });
    shown.textContent = (Math.round(t * 10) / 10) + ' ms';
  }
  var playing = false, last = 0;
  function frame(now) {
    if (!playing) { return; }
    var t = +slider.value + (now - last) * +speed.value;
    last = now;
    if (t >= end) { t = end; playing = false; button.textContent = 'play'; }
    slider.value = t;
    show(t);
    if (playing) { requestAnimationFrame(frame); }
  }
  button.addEventListener('click', function () {
    playing = !playing;
    button.textContent = playing ? 'pause' : 'play';
    if (playing) {
      if (+slider.value >= end) { slider.value = 0; }
      last = performance.now();
      requestAnimationFrame(frame);
    }
  });
  slider.addEventListener('input', function () { show(+slider.value); });
  var start = new URLSearchParams(location.search).get('t');
  if (start !== null) { slider.value = Math.min(Math.max(+start, 0), end); }
  box.hidden = false;
  show(+slider.value);
});
"#;
