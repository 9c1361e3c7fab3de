//! The `compare` binary: four styles on one axis, trace files read back,
//! the Chrome file and the report, scale runs and their chart, refusals, bad
//! flags, and no child process left behind.
//!
//! Every run here is sped up (`--speed`) or tiny, so each test takes a few
//! seconds at most, even on a loaded machine.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use assert_cmd::cargo::cargo_bin_cmd;
use serde_json::Value;
use unicode_width::UnicodeWidthStr;

/// The four styles' labels, in the lecture's order.
const STYLES: [&str; 4] = [
    "sync-blocking 同步阻塞",
    "sync-nonblocking 同步非阻塞",
    "async-blocking 异步阻塞",
    "async-nonblocking 异步非阻塞",
];

/// Runs compare with `args` (colour off), expects `code`; returns stdout and stderr.
fn compare(args: &[&str], code: i32) -> (String, String) {
    finish(cargo_bin_cmd!("compare"), args, code)
}

/// Runs `command` with `args` (colour off, no bank from the environment),
/// expects `code`; returns stdout and stderr.
fn finish(mut command: assert_cmd::Command, args: &[&str], code: i32) -> (String, String) {
    let out = command
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("BANK_QUEUE_BANK")
        .timeout(Duration::from_secs(120))
        .assert()
        .code(code);
    let output = out.get_output();
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The line index of the first line starting with `start`.
fn line_of(text: &str, start: &str) -> usize {
    text.lines()
        .position(|l| l.starts_with(start))
        .unwrap_or_else(|| panic!("no line starts with {start:?} in:\n{text}"))
}

/// The text after `label` on the first line starting with it, below the
/// first line that `is_header`.
fn row_after<'a>(text: &'a str, is_header: impl Fn(&str) -> bool, label: &str) -> &'a str {
    let header = text
        .lines()
        .position(is_header)
        .unwrap_or_else(|| panic!("no such table in:\n{text}"));
    let line = text
        .lines()
        .skip(header)
        .find(|l| l.starts_with(label))
        .unwrap_or_else(|| panic!("no table row for {label:?} in:\n{text}"));
    &line[label.len()..]
}

/// The metrics table's row of `label`: its numbers, in column order.
fn table_row(text: &str, label: &str) -> Vec<f64> {
    let header = |l: &str| l.contains("turnaround") && l.contains("tellers'");
    row_after(text, header, label)
        .split_whitespace()
        .map(|cell| cell.parse().unwrap_or(f64::NAN))
        .collect()
}

/// The teller-loss table's row of `label`: the total, then each part's ms
/// and share (%), then the reactions while arriving and after, as text.
fn loss_row<'a>(text: &'a str, label: &str) -> Vec<&'a str> {
    let header = |l: &str| l.starts_with("where the tellers' time went");
    row_after(text, header, label).split_whitespace().collect()
}

/// Checks a teller-loss row: the four parts add up to the total, and their
/// shares to 100%, as far as the shown roundings allow. Returns the shares.
fn parts_add_up(row: &[&str], label: &str) -> [f64; 4] {
    assert_eq!(row.len(), 11, "{label}: {row:?}");
    let number = |cell: &str| -> f64 { cell.trim_end_matches('%').parse().unwrap_or(f64::NAN) };
    let total = number(row[0]);
    let parts: Vec<f64> = [1, 3, 5, 7].iter().map(|&i| number(row[i])).collect();
    let shares: Vec<f64> = [2, 4, 6, 8].iter().map(|&i| number(row[i])).collect();
    let sum: f64 = parts.iter().sum();
    // Each shown value is rounded: at most half a unit of its last digit.
    assert!(
        (sum - total).abs() <= 2.5,
        "{label}: {parts:?} add up to {sum}, not {total}"
    );
    let shares_sum: f64 = shares.iter().sum();
    assert!(
        (shares_sum - 100.0).abs() <= 2.0,
        "{label}: shares {shares:?}"
    );
    [shares[0], shares[1], shares[2], shares[3]]
}

/// The display column of the first mark on the `name` row under the
/// heading that starts with `section`.
fn first_mark(text: &str, section: &str, name: &str) -> usize {
    let start = line_of(text, section);
    let line = text
        .lines()
        .skip(start + 1)
        .find(|l| l.trim_start().starts_with(name))
        .unwrap_or_else(|| panic!("no {name} row under {section}:\n{text}"));
    let after = line.find(name).expect("the row holds its name") + name.len();
    let rest = &line[after..];
    let mark = rest.len() - rest.trim_start().len();
    line[..after + mark].width()
}

/// The display column of time 0: the axis ruler's first `|`.
fn time_zero(text: &str) -> usize {
    let ruler = text
        .lines()
        .find(|l| l.trim_start().starts_with("|...."))
        .unwrap_or_else(|| panic!("no axis ruler in:\n{text}"));
    ruler.len() - ruler.trim_start().len()
}

#[test]
fn four_styles_under_the_ideal_on_one_axis_with_one_table() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let chrome = dir.path().join("all.chrome.json");
    let html = dir.path().join("report.html");
    let (out, err) = compare(
        &[
            "--speed",
            "4",
            "--width",
            "100",
            "--chrome",
            chrome.to_str().expect("a UTF-8 path"),
            "--html",
            html.to_str().expect("a UTF-8 path"),
        ],
        0,
    );

    // The ideal schedule, then the four styles, in the lecture's order.
    let ideal = line_of(&out, "ideal 理想 (makespan");
    let mut at = ideal;
    for style in STYLES {
        let here = line_of(&out, &format!("{style} (makespan"));
        assert!(here > at, "{style} comes after the one before:\n{out}");
        at = here;
    }
    // One axis: one step for the whole picture, and every row's track
    // starts in the ruler's first column, time 0. The ideal's teller 1
    // serves from time 0; every style's teller 1 calls its first customer a
    // moment later (generous slack for a loaded machine: 10 columns, 100 ms).
    assert_eq!(out.matches("one column = ").count(), 1, "{out}");
    let zero = time_zero(&out);
    let picture: Vec<&str> = out
        .lines()
        .skip_while(|l| !l.contains("|...."))
        .skip(1)
        .take_while(|l| !l.contains("|...."))
        .collect();
    // Customers' rows ("  张三 #1") and tellers' ("  teller 1"), not wrapped headings.
    let rows: Vec<&&str> = picture
        .iter()
        .filter(|l| l.starts_with("  teller ") || (l.starts_with("  ") && l.contains(" #")))
        .collect();
    assert!(
        rows.len() >= 5 * 2 + 4 * 6,
        "every section's rows: {rows:?}"
    );
    for row in rows {
        let label: String = row
            .chars()
            .scan(0, |w, c| {
                *w += unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
                (*w <= zero).then_some(c)
            })
            .collect();
        assert!(
            label.ends_with(' ') && label.width() == zero,
            "{row:?}: its track starts at column {zero}"
        );
    }
    assert_eq!(first_mark(&out, "ideal 理想", "teller 1"), zero, "{out}");
    for style in STYLES {
        let first = first_mark(&out, style, "teller 1");
        assert!(
            (zero..zero + 10).contains(&first),
            "{style}'s teller 1 starts at column {first}, time 0 is column {zero}:\n{out}"
        );
    }
    for line in out.lines() {
        assert!(line.width() <= 100, "{line:?} is wider than 100 columns");
    }
    for word in ["阻塞", "运行", "就绪", "张三"] {
        assert!(out.contains(word), "{word} in:\n{out}");
    }

    // The table: a row per style, with what each style is known for.
    // Columns: turnaround lost wait errand tellers'-efficiency polls threads
    // CPU RSS switches: the customer's view first.
    let rows: Vec<Vec<f64>> = STYLES.iter().map(|s| table_row(&out, s)).collect();
    for (style, row) in STYLES.iter().zip(&rows) {
        assert_eq!(row.len(), 10, "{style}: {row:?}");
        assert!(row[4] > 0.0 && row[4] <= 1.05, "{style} efficiency {row:?}");
        assert!(row[9] > 0.0, "{style} switched contexts: {row:?}");
    }
    assert!(rows[1][5] > 0.0, "sync-nonblocking polls: {:?}", rows[1]);
    assert_eq!(rows[0][5], 0.0, "sync-blocking never polls");
    assert!(
        rows[2][6] < rows[0][6],
        "async-blocking has fewer threads than sync-blocking: {rows:?}"
    );
    assert!(
        rows[3][3] > rows[0][3],
        "async-nonblocking does its errand while waiting, sync-blocking does not: {rows:?}"
    );
    // The lecture's ranking, in the customer's view: 同步阻塞 效率最低,
    // 异步非阻塞 效率更高.
    assert!(
        rows[3][0] < rows[0][0] && rows[3][1] < rows[0][1],
        "async-nonblocking's customers finish sooner and lose less than sync-blocking's: {rows:?}"
    );

    // Where the tellers' time went: the parts add up, the ideal's is all
    // idle, and sync-nonblocking's slow noticing shows as reaction.
    let ideal = loss_row(&out, "ideal 理想");
    assert_eq!(parts_add_up(&ideal, "ideal"), [0.0, 0.0, 0.0, 100.0]);
    let shares: Vec<[f64; 4]> = STYLES
        .iter()
        .map(|s| parts_add_up(&loss_row(&out, s), s))
        .collect();
    assert!(
        shares[1][1] > shares[0][1],
        "sync-nonblocking loses more of the tellers' time to reaction: {shares:?}"
    );

    // The Chrome file: a process per style, named, with complete events.
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&chrome).expect("written"))
        .expect("the Chrome file is JSON");
    let events = doc["traceEvents"].as_array().expect("traceEvents");
    let processes: Vec<(u64, &str)> = events
        .iter()
        .filter(|e| e["name"] == "process_name")
        .map(|e| {
            (
                e["pid"].as_u64().expect("a pid"),
                e["args"]["name"].as_str().expect("a name"),
            )
        })
        .collect();
    let expected: Vec<(u64, &str)> = (1..).zip(STYLES).collect();
    assert_eq!(processes, expected);
    for pid in 1..=4u64 {
        assert!(
            events.iter().any(|e| e["pid"] == pid && e["ph"] == "X"),
            "process {pid} has complete events"
        );
    }
    assert!(
        events
            .iter()
            .any(|e| e["name"] == "thread_name" && e["args"]["name"] == "张三 #1")
    );
    let page = std::fs::read_to_string(&html).expect("the report is written");
    assert!(page.starts_with("<!DOCTYPE html>"), "{page:.200}");
    assert!(err.contains("wrote the HTML report"), "{err}");
}

#[test]
fn computed_errands_are_named_and_each_run_says_how_many_cpus_it_kept_busy() {
    let (stdout, _) = compare(
        &[
            "--customers",
            "2",
            "--service",
            "20",
            "--errand",
            "60",
            "--errand-work",
            "cpu",
            "--yield-every",
            "2",
            "--width",
            "120",
        ],
        0,
    );
    assert!(
        stdout.contains("errands computed, yielding every 2 ms"),
        "{stdout}"
    );
    for style in STYLES {
        let heading = stdout
            .lines()
            .find(|l| l.starts_with(style))
            .unwrap_or_else(|| panic!("a heading for {style}:\n{stdout}"));
        assert!(heading.contains("CPUs at once"), "{heading}");
    }
}

#[test]
fn kept_traces_are_compared_again_from_their_files() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let kept = dir.path().join("runs");
    let kept_arg = kept.to_str().expect("a UTF-8 path");
    compare(
        &["--customers", "3", "--speed", "8", "--trace-dir", kept_arg],
        0,
    );
    // Each file holds its style, waiting its own way.
    for (style, how) in [
        "sync-blocking",
        "sync-nonblocking",
        "async-blocking",
        "async-nonblocking",
    ]
    .into_iter()
    .zip(["read", "poll", "epoll", "await"])
    {
        let trace: Value = serde_json::from_str(
            &std::fs::read_to_string(kept.join(format!("{style}.json"))).expect("kept"),
        )
        .expect("a trace is JSON");
        assert_eq!(trace["style"], style);
        assert_eq!(trace["metrics"]["served"], 3);
        let waits: Vec<&Value> = trace["events"]
            .as_array()
            .expect("events")
            .iter()
            .filter(|e| e["kind"] == "wait")
            .collect();
        assert!(!waits.is_empty(), "{style} waited");
        assert!(
            waits.iter().all(|e| e["how"] == how),
            "{style} waits by {how}"
        );
    }

    // Read back: any files, even one style twice, labelled by file.
    let a = kept.join("async-nonblocking.json");
    let b = kept.join("sync-blocking.json");
    let copy = dir.path().join("again.json");
    std::fs::copy(&a, &copy).expect("a copy");
    let (out, _) = compare(
        &[
            a.to_str().expect("UTF-8"),
            b.to_str().expect("UTF-8"),
            copy.to_str().expect("UTF-8"),
        ],
        0,
    );
    let first = line_of(&out, "async-nonblocking 异步非阻塞 (makespan");
    let second = line_of(&out, "sync-blocking 同步阻塞 (makespan");
    let third = line_of(&out, "async-nonblocking 异步非阻塞 (again.json) (makespan");
    assert!(line_of(&out, "ideal 理想") < first && first < second && second < third);
    assert_eq!(
        table_row(&out, "async-nonblocking 异步非阻塞 "),
        table_row(&out, "async-nonblocking 异步非阻塞 (again.json)"),
        "the same file, the same figures"
    );

    // The report on stdout (`--html -`): the page is all stdout carries,
    // the picture and the table go to stderr.
    let chrome = dir.path().join("both.chrome.json");
    let (page, err) = compare(
        &[
            a.to_str().expect("UTF-8"),
            b.to_str().expect("UTF-8"),
            "--html",
            "-",
            "--chrome",
            chrome.to_str().expect("UTF-8"),
        ],
        0,
    );
    assert!(
        page.starts_with("<!DOCTYPE html>"),
        "{}",
        &page[..page.len().min(200)]
    );
    assert!(
        page.trim_end().ends_with("</html>"),
        "the page whole, and nothing after it"
    );
    assert!(
        err.contains("sync-blocking 同步阻塞 (makespan"),
        "the picture on stderr: {err}"
    );
    assert!(
        err.contains("compare: wrote the HTML report to - ("),
        "{err}"
    );
    assert!(chrome.exists(), "the other file where it was asked");

    // A file that is not a trace: a clear error naming it, exit 2.
    let bad = dir.path().join("notes.json");
    std::fs::write(&bad, "{\"hello\": 1}").expect("written");
    let (_, err) = compare(
        &[a.to_str().expect("UTF-8"), bad.to_str().expect("UTF-8")],
        2,
    );
    assert!(
        err.contains("notes.json") && err.contains("not a bank-queue trace"),
        "{err}"
    );
    let (_, err) = compare(&["/no/such/trace.json"], 2);
    assert!(err.contains("/no/such/trace.json"), "{err}");
}

/// Runs compare under an open-file limit of 256 (soft and hard), so that
/// runs are refused at the same sizes on any machine.
fn compare_with_256_files(args: &[&str], code: i32) -> (String, String) {
    let mut shell = assert_cmd::Command::new("sh");
    shell
        .arg("-c")
        .arg("ulimit -n 256 && exec \"$0\" \"$@\"")
        .arg(assert_cmd::cargo::cargo_bin!("compare"));
    finish(shell, args, code)
}

#[test]
fn scale_runs_every_style_and_refuses_what_cannot_fit() {
    // 256 open files: 20 customers fit; 1000 sockets cannot, for any style.
    // Each point twice, for its medians.
    let (out, _) = compare_with_256_files(
        &[
            "--scale",
            "1000,20",
            "--repeat",
            "2",
            "--poll-every",
            "5",
            "--tellers",
            "4",
            "--service",
            "5",
            "--arrival-gap",
            "1",
            "--errand",
            "10",
        ],
        0,
    );
    let losses = line_of(&out, "customers  total");
    for style in STYLES {
        // Under the style's name, a row per number of customers.
        let first = line_of(&out, style);
        let rows: Vec<Vec<&str>> = out
            .lines()
            .skip(first + 1)
            .take(2)
            .map(|l| l.split_whitespace().collect())
            .collect();
        // Rows in growing order: 20, then 1000.
        assert_eq!(rows[0][..2], ["20", "20"], "{style}: all 20 served:\n{out}");
        assert_eq!(rows[1], ["1000", "refused"], "{style}:\n{out}");
        // customers served turnaround lost makespan ideal tellers'-efficiency...
        let efficiency: f64 = rows[0][6].parse().expect("an efficiency");
        assert!(
            efficiency > 0.0 && efficiency <= 1.05,
            "{style}: {efficiency}"
        );
        // Where the tellers' time went, for the run that ran only.
        let heading = losses
            + out
                .lines()
                .skip(losses)
                .position(|l| l.starts_with(style))
                .expect("the style in the teller-loss table");
        let runs: Vec<&str> = out
            .lines()
            .skip(heading + 1)
            .take_while(|l| l.starts_with(' '))
            .collect();
        assert_eq!(runs.len(), 1, "{style}: only the run of 20:\n{out}");
        let row: Vec<&str> = runs[0].split_whitespace().collect();
        assert_eq!(row[0], "20");
        parts_add_up(&row[1..], style);
    }
    assert!(out.contains("median of 2 runs"), "{out}");
    assert!(
        out.contains("RLIMIT_NOFILE"),
        "the refusal names the limit:\n{out}"
    );
    assert!(
        out.contains("--customers 192"),
        "and the largest run that fits:\n{out}"
    );

    // Nothing fits at all: exit 2, with the reason.
    let (out, _) = compare_with_256_files(&["--scale", "1000"], 2);
    assert_eq!(
        out.matches("refused").count(),
        8,
        "four rows, four reasons:\n{out}"
    );
}

#[test]
fn the_scale_chart_is_written_alone_as_an_svg_image() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let chart = dir.path().join("x.svg");
    let path = chart.to_str().expect("a UTF-8 path");
    let (_, err) = compare(&["--scale", "4,8", "--speed", "10", "--chart", path], 0);
    assert!(
        err.contains(&format!("compare: wrote the scale chart to {path} (")),
        "{err}"
    );
    let svg = std::fs::read_to_string(&chart).expect("the chart was written");
    assert!(
        svg.starts_with("<?xml") && svg.contains("<svg xmlns=\"http://www.w3.org/2000/svg\""),
        "{svg}"
    );
    assert!(svg.trim_end().ends_with("</svg>"));
    // Each style's line through its two runs, in each of the seven panels
    // of lines; and its two bars of where the tellers' time went.
    assert_eq!(svg.matches("<polyline class=\"series\"").count(), 4 * 7);
    assert!(svg.contains(">where the tellers&#39; time went</text>"));
    for style in STYLES {
        let name = style.split(' ').next().expect("a style's name");
        assert!(
            svg.contains(&format!(">{name}</text>")),
            "{name} in the key"
        );
        for n in [4, 8] {
            let bar = format!("<title>{name} · {n} customers · ");
            assert!(svg.contains(&bar), "{name}'s bar at {n} customers");
        }
    }

    // Without --scale there is no chart to draw.
    let (_, err) = compare(&["--chart", path], 2);
    assert!(err.contains("--chart"), "{err}");
}

#[test]
fn a_crowd_too_big_for_one_process_gets_a_bank_of_its_own() {
    // 150 customers and the bank's 150 ends exceed 256 files; 150 alone fit.
    let (out, _) = compare_with_256_files(
        &[
            "--customers",
            "150",
            "--tellers",
            "8",
            "--service",
            "4",
            "--arrival-gap",
            "0.5",
            "--errand",
            "10",
        ],
        0,
    );
    assert!(
        out.contains("a fresh bank in a process of its own for each style"),
        "{out}"
    );
    assert!(out.contains("of 150"), "a summary, not 150 rows:\n{out}");
    let customer_rows = out
        .lines()
        .filter(|l| l.starts_with("  c") && l[3..].starts_with(|c: char| c.is_ascii_digit()))
        .count();
    assert!(customer_rows <= 4 * 3, "a few customers per style:\n{out}");
    for style in STYLES {
        let row = table_row(&out, style);
        assert!(row[4] > 0.0 && row[4] <= 1.05, "{style}: {row:?}");
    }
}

#[test]
fn bad_flags_exit_2_naming_the_flag() {
    let cases: &[(&[&str], &str)] = &[
        (&["--scale", "0"], "--scale"),
        (&["--scale", "10,x"], "--scale"),
        (&["--scale", "10", "--bank", "127.0.0.1:9"], "--bank"),
        (&["a.json", "--customers", "3"], "--customers"),
        (&["--trace", "t.json"], "--trace-dir"),
        (&["--repeat", "2"], "--scale"),
        (&["--speed", "-1"], "--speed"),
        (&["--html"], "--html"),
        (
            &["--html", "-", "--chrome", "-"],
            "both go to standard output",
        ),
        (
            &[
                "--scale",
                "10",
                "--python",
                "--python-exe",
                "no-such-python",
            ],
            "no-such-python",
        ),
    ];
    for (args, flag) in cases {
        let (_, err) = compare(args, 2);
        assert!(err.contains(flag), "{args:?}: {err}");
    }
    let (out, _) = compare(&["--help"], 0);
    assert!(
        !out.contains("--child"),
        "the child mode stays hidden:\n{out}"
    );
    assert!(
        out.contains("--scale") && out.contains("Exit codes"),
        "{out}"
    );
}

/// The pids of the living children of `parent`.
fn children_of(parent: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| ppid(*pid) == Some(parent))
        .collect()
}

/// A process's parent, if it is alive (not a zombie).
fn ppid(pid: u32) -> Option<u32> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |key: &str| {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .map(|l| l[key.len()..].trim().to_owned())
    };
    if field("State:")?.starts_with('Z') {
        return None;
    }
    field("PPid:")?.parse().ok()
}

/// Whether `pid` is a living process.
fn alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists() && ppid(pid).is_some()
}

#[test]
fn ctrl_c_stops_every_child_and_exits_non_zero() {
    // A scale run holds two children at once: a bank, and the customers.
    let exe = assert_cmd::cargo::cargo_bin!("compare");
    let mut parent = std::process::Command::new(exe)
        .args(["--scale", "4", "--service", "5000", "--tellers", "1"])
        .env("NO_COLOR", "1")
        .env_remove("BANK_QUEUE_BANK")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("compare starts");
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen = Vec::new();
    while seen.len() < 2 && Instant::now() < deadline {
        seen = children_of(parent.id());
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(seen.len(), 2, "a bank and the customers: {seen:?}");

    // SIGINT to compare alone, as `kill -INT` would send (a terminal's
    // Ctrl-C would reach the whole process group).
    let pid = nix::unistd::Pid::from_raw(i32::try_from(parent.id()).expect("a pid"));
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT).expect("a signal is sent");
    let status = parent.wait().expect("compare exits");
    assert_eq!(status.code(), Some(130), "{status}");
    let deadline = Instant::now() + Duration::from_secs(10);
    while seen.iter().any(|&c| alive(c)) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let left: Vec<u32> = seen.into_iter().filter(|&c| alive(c)).collect();
    assert!(left.is_empty(), "children left behind: {left:?}");
}
