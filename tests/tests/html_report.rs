//! The HTML report (`compare --html FILE`): built from real runs of the four
//! styles and real scale points, checked for its structure, then opened in
//! a real headless browser whose screenshot must show the picture.
//!
//! The browser is Debian's `chromium` (or `chromium-browser`, `google-chrome`
//! on `PATH`); `.ci/run` installs it. Where none can be found, the browser
//! test prints `skipped: <why>` straight to the terminal's stderr (past the
//! test harness's capture, so it is seen even when the test passes) and
//! returns: a skip is never silent. A browser that is found but fails is a
//! failure.

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use bank_queue_tests::run;
use pictures::html;
use pictures::scale::{Ending, Point};
use scene::limits::{Limits, Needs};
use testkit::scene::{crowd, lecture_scene};
use timeline::style::Style;
use timeline::trace::Trace;
use wait_timeout::ChildExt as _;

/// The longest the browser may take for one page before it is killed.
const BROWSER_TIMEOUT: Duration = Duration::from_secs(90);

/// The report's input and output, built once for every test here.
struct Report {
    /// One real run per style, on the lecture's scene sped up.
    traces: Vec<Trace>,
    /// Real scale points: every style at two small sizes, and one refusal.
    scale: Vec<Point>,
    /// The page.
    html: String,
}

/// Runs the four styles, then each at two sizes, and renders the page.
fn report() -> &'static Report {
    static REPORT: OnceLock<Report> = OnceLock::new();
    REPORT.get_or_init(|| {
        let traces: Vec<Trace> = Style::ALL
            .iter()
            .map(|&style| run(style, lecture_scene()).trace)
            .collect();
        let mut scale = Vec::new();
        for customers in [6, 18] {
            for style in Style::ALL {
                let trace = run(style, crowd(customers)).trace;
                scale.push(Point {
                    runner: style.name().to_owned(),
                    customers,
                    result: Ending::Ran {
                        complete: trace.complete,
                        metrics: Box::new(trace.metrics),
                    },
                });
            }
        }
        // A run that a small classroom machine (60 threads per process) would
        // refuse, as the limits check words it.
        let small = Limits {
            threads: 60,
            threads_because: "a classroom machine's limit, for this test".to_owned(),
            ..Limits::now()
        };
        let needs = Needs {
            style: Style::SyncBlocking,
            customers: 54,
            tellers: 2,
            embedded_bank: true,
        };
        let refusal = small
            .check(&needs)
            .expect_err("54 customers' threads do not fit in 60 with the base threads");
        scale.push(Point {
            runner: Style::SyncBlocking.name().to_owned(),
            customers: needs.customers,
            result: Ending::Refused {
                reason: refusal.to_string(),
            },
        });
        let refs: Vec<&Trace> = traces.iter().collect();
        let ideal = bank::ideal::schedule(&refs[0].scenario);
        let html = html::report(&refs, Some(&ideal), &scale);
        Report {
            traces,
            scale,
            html,
        }
    })
}

#[test]
fn the_page_holds_every_part_and_nothing_from_outside() {
    let Report {
        traces,
        scale,
        html,
    } = report();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.trim_end().ends_with("</html>"));
    for outside in ["http://", "https://", "src=", "<link", "url(", "@import"] {
        assert!(
            !html.contains(outside),
            "the page refers outside: {outside}"
        );
    }
    // The player's two scripts are inline: its data, and the code that
    // draws it; neither loads anything.
    assert_eq!(
        html.matches("<script").count(),
        2,
        "the player's scripts only"
    );
    assert!(html.contains("<script type=\"application/json\" id=\"so-far\">"));
    assert_eq!(
        html.matches("<script>").count(),
        1,
        "one script of code, inline"
    );

    // The ideal schedule, then one picture per run, on one time axis.
    assert_eq!(html.matches("<svg class=\"timeline ideal\"").count(), 1);
    assert_eq!(html.matches("<svg class=\"timeline run\"").count(), 4);
    let ideal_at = html.find("timeline ideal").expect("an ideal picture");
    let axes: Vec<&str> = html
        .match_indices("<g class=\"axis\">")
        .map(|(at, _)| {
            let rest = &html[at..];
            &rest[..rest.find("</g>").expect("the axis group closes")]
        })
        .collect();
    assert_eq!(axes.len(), 5);
    assert!(
        axes.windows(2).all(|w| w[0] == w[1]),
        "every picture has the same time axis"
    );
    for (i, trace) in traces.iter().enumerate() {
        let style = trace.style;
        let heading = format!(
            "{}. {} <span class=\"zh\" lang=\"zh\">{}</span>",
            i + 1,
            style.name(),
            style.chinese()
        );
        let at = html
            .find(&heading)
            .unwrap_or_else(|| panic!("a heading for {style}"));
        assert!(at > ideal_at, "the ideal comes above the runs");
        assert!(html.contains(style.mechanism()), "{style}'s mechanism");
        for c in &trace.customers {
            assert!(html.contains(&c.name), "{style}: a row for {}", c.name);
        }
    }
    // A bar with a tooltip for every stretch of every lane.
    let bars = html.matches("<rect class=\"st ").count();
    let stretches: usize = traces
        .iter()
        .map(|t| {
            timeline::model::lanes(t)
                .iter()
                .map(|l| l.segments.len())
                .sum::<usize>()
        })
        .sum();
    assert!(bars >= stretches, "{bars} bars for {stretches} stretches");
    assert!(html.contains("<title>张三 #"), "tooltips name the customer");
    assert!(
        html.contains("class=\"poll\""),
        "sync-nonblocking's polls are marked"
    );
    // The scene's own words; the lecture's process states (阻塞 运行 就绪)
    // belong to the kernel's lanes.
    for word in ["排队", "办事", "未察觉", "叫号", "查看", "放弃"] {
        assert!(html.contains(word), "the legend names {word}");
    }

    // The metrics table: a row per run, best values marked.
    let table = section(html, "<table class=\"metrics\">");
    for (i, trace) in traces.iter().enumerate() {
        let row = format!(
            "<tr><td>{}. {} {}",
            i + 1,
            trace.style.name(),
            trace.style.chinese()
        );
        assert!(table.contains(&row), "a metrics row for {}", trace.style);
    }
    assert_eq!(table.matches("<tr>").count(), 1 + traces.len());
    assert!(
        table.matches("class=\"best\"").count() >= 13,
        "a best per column"
    );
    assert!(
        table.find("turnaround") < table.find("tellers&#39; efficiency"),
        "the customer's view first"
    );

    // Where the tellers' time went: the ideal's row, then a row per run,
    // each with its bar of four parts.
    let losses = section(html, "<table class=\"metrics loss\">");
    assert!(losses.contains("<tr><td>ideal 理想</td>"));
    assert_eq!(
        losses.matches("<svg class=\"loss-bar\"").count(),
        1 + traces.len()
    );

    // The scale chart and table, with the refusal explained.
    assert_eq!(html.matches("<svg class=\"scale-chart\"").count(), 1);
    let chart = section(html, "<svg class=\"scale-chart\"");
    assert_eq!(
        chart.matches("<polyline class=\"series\"").count(),
        4 * 7,
        "a line per runner per panel of lines"
    );
    assert_eq!(
        chart.matches("class=\"refused\"").count(),
        8,
        "the refusal in every panel"
    );
    let table = section(html, "<table class=\"scale\">");
    assert_eq!(table.matches("<tr").count(), 1 + scale.len());
    assert!(table.contains("refused: sync-blocking with 54 customers"));
    assert!(html.contains("<ol class=\"notes\">"));
}

/// The part of `html` from `start` to the end of that element.
fn section<'a>(html: &'a str, start: &str) -> &'a str {
    let from = html
        .find(start)
        .unwrap_or_else(|| panic!("{start} in the page"));
    let tag = start[1..].split([' ', '>']).next().unwrap_or("");
    let close = format!("</{tag}>");
    let to = html[from..]
        .find(&close)
        .map_or(html.len(), |at| from + at + close.len());
    &html[from..to]
}

#[test]
fn a_headless_browser_renders_the_page() {
    let Some(browser) = find_browser() else {
        testkit::skipped(
            "no chromium, chromium-browser or google-chrome on PATH (.ci/run installs chromium)",
        );
        return;
    };
    let report = report();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let page = dir.path().join("report.html");
    std::fs::write(&page, &report.html).expect("the page can be written");
    let url = format!("file://{}", page.display());
    let png = dir.path().join("report.png");

    // The screenshot and the DOM, each from a browser of its own, at once.
    let shot = Browser::start(
        &browser,
        dir.path(),
        "shot",
        &[format!("--screenshot={}", png.display()), url.clone()],
    );
    let dom = Browser::start(&browser, dir.path(), "dom", &["--dump-dom".to_owned(), url]);
    let dom = dom.finish();
    shot.finish();

    // The DOM the browser built holds the pictures and their bars.
    assert_eq!(
        dom.matches("<svg class=\"timeline run\"").count(),
        4,
        "{}",
        head(&dom)
    );
    assert!(dom.matches("<rect class=\"st ").count() > 50);
    assert!(dom.contains("<table class=\"metrics\">"));
    assert!(dom.contains("<svg class=\"scale-chart\""));

    let image = Image::read(&png);
    if let Some(keep) = std::env::var_os("BANK_QUEUE_KEEP_REPORT") {
        // To look at the page and its screenshot: BANK_QUEUE_KEEP_REPORT=DIR.
        let keep = PathBuf::from(keep);
        std::fs::create_dir_all(&keep).expect("the directory to keep the report in");
        std::fs::copy(&page, keep.join("report.html")).expect("the page can be kept");
        std::fs::copy(&png, keep.join("report.png")).expect("the screenshot can be kept");
    }
    assert!(
        image.width >= 1000 && image.height >= 1000,
        "{}×{}",
        image.width,
        image.height
    );
    let inked = image.share(|p| p.iter().any(|&c| c < 235));
    assert!(
        inked > 0.05,
        "only {:.1}% of the screenshot is not white",
        inked * 100.0
    );
    let colours = image.distinct_colours();
    assert!(colours > 50, "only {colours} distinct colours");
    // The legend's state colours, as the page's style sheet gives them.
    for (state, rgb) in [
        ("blocked", [0xd6, 0x45, 0x41]),
        ("running", [0x3b, 0xa5, 0x5c]),
        ("ready", [0xf2, 0xb2, 0x00]),
        ("at the counter", [0x2f, 0x6d, 0xb5]),
        ("calling", [0xb0, 0x4f, 0xc4]),
    ] {
        let near = image.share(|p| p.iter().zip(rgb).all(|(&a, b)| a.abs_diff(b) <= 8));
        assert!(
            near * (image.width * image.height) as f64 >= 100.0,
            "the colour of {state} ({rgb:02x?}) is on the screenshot"
        );
    }
}

#[test]
fn the_player_cuts_every_stretch_at_the_sliders_time() {
    let Some(browser) = find_browser() else {
        testkit::skipped(
            "no chromium, chromium-browser or google-chrome on PATH (.ci/run installs chromium)",
        );
        return;
    };
    let report = report();
    let attr = |tag: &str, name: &str| -> Option<f64> {
        let from = tag.find(&format!(" {name}=\""))? + name.len() + 3;
        tag[from..].split('"').next()?.parse().ok()
    };
    let player = section(&report.html, "<section id=\"player\"");
    let end = attr(player, "data-end").expect("the player's axis end");
    let (x0, plot) = (
        attr(player, "data-x0").expect("x0"),
        attr(player, "data-plot").expect("plot"),
    );
    let middle = end / 2.0;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let page = dir.path().join("report.html");
    std::fs::write(&page, &report.html).expect("the page can be written");
    // The slider starts where `?t=` says: the middle of the axis.
    let url = format!("file://{}?t={middle}", page.display());
    let dom = Browser::start(
        &browser,
        dir.path(),
        "player",
        &["--dump-dom".to_owned(), url],
    );
    let dom = dom.finish();

    assert!(
        dom.contains("<section id=\"player\" data-end"),
        "the script shows the player"
    );
    assert_eq!(
        dom.matches("<line class=\"now\"").count(),
        4 + 1,
        "a now line per picture"
    );
    let x = |t: f64| x0 + (t / end).clamp(0.0, 1.0) * plot;
    let (mut cut, mut hidden, mut whole) = (0, 0, 0);
    for tag in dom.split("<rect class=\"st ").skip(1) {
        let tag = tag.split('>').next().unwrap_or_default();
        let (Some(s), Some(e)) = (attr(tag, "data-s"), attr(tag, "data-e")) else {
            continue;
        };
        if s > middle {
            assert!(
                tag.contains("display: none"),
                "a stretch after the slider is hidden: {tag}"
            );
            hidden += 1;
            continue;
        }
        let (left, width) = (
            attr(tag, "x").expect("x"),
            attr(tag, "width").expect("width"),
        );
        let drawn_to = left + width;
        let expected = x(e.min(middle)).max(left + 0.6);
        assert!(
            (drawn_to - expected).abs() < 0.3,
            "the stretch {s}..{e} ends at x {drawn_to}, not {expected}"
        );
        if e > middle {
            cut += 1;
        } else {
            whole += 1;
        }
    }
    assert!(
        cut > 0 && hidden > 0 && whole > 0,
        "{cut} cut, {hidden} hidden, {whole} whole"
    );
    // The figures so far: a row per run.
    let so_far = section(&dom, "<table class=\"metrics so-far\">");
    assert_eq!(so_far.matches("<tr data-run=").count(), 4);
}

/// The first browser on `PATH`.
fn find_browser() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// A headless browser at work on one page.
struct Browser {
    /// What this run is for: names its files.
    what: &'static str,
    /// The running browser.
    child: std::process::Child,
    /// Where its standard output goes.
    stdout: PathBuf,
    /// Where its standard error goes.
    stderr: PathBuf,
    /// When it started.
    started: Instant,
}

impl Browser {
    /// Starts `browser` headless, with a fresh profile in `dir`, on `args`.
    fn start(browser: &Path, dir: &Path, what: &'static str, args: &[String]) -> Browser {
        let profile = dir.join(format!("profile-{what}"));
        let stdout = dir.join(format!("{what}.out"));
        let stderr = dir.join(format!("{what}.err"));
        let file =
            |path: &Path| std::fs::File::create(path).expect("a file in the temporary directory");
        let child = Command::new(browser)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--hide-scrollbars",
                "--window-size=1400,2400",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .args(args)
            .stdin(Stdio::null())
            .stdout(file(&stdout))
            .stderr(file(&stderr))
            .spawn()
            .unwrap_or_else(|err| panic!("{} cannot start: {err}", browser.display()));
        Browser {
            what,
            child,
            stdout,
            stderr,
            started: Instant::now(),
        }
    }

    /// Waits for the browser (killing it after [`BROWSER_TIMEOUT`]); returns its output.
    fn finish(mut self) -> String {
        let left = BROWSER_TIMEOUT.saturating_sub(self.started.elapsed());
        let status = self
            .child
            .wait_timeout(left)
            .expect("the browser can be waited for");
        let errors = std::fs::read_to_string(&self.stderr).unwrap_or_default();
        let Some(status) = status else {
            let _ = self.child.kill();
            let _ = self.child.wait();
            panic!(
                "the browser ({}) did not finish within {BROWSER_TIMEOUT:?}; its stderr:\n{errors}",
                self.what
            );
        };
        assert!(
            status.success(),
            "the browser ({}) failed: {status}; its stderr:\n{errors}",
            self.what
        );
        std::fs::read_to_string(&self.stdout).expect("the browser's output is text")
    }
}

/// The beginning of a long text, for messages.
fn head(text: &str) -> &str {
    let end = text.char_indices().nth(2000).map_or(text.len(), |(i, _)| i);
    &text[..end]
}

/// A decoded screenshot, 8-bit RGB.
struct Image {
    /// Pixels across.
    width: usize,
    /// Pixels down.
    height: usize,
    /// Red, green, blue for each pixel, row by row.
    rgb: Vec<[u8; 3]>,
}

impl Image {
    /// Decodes a PNG file (RGB or RGBA, 8 bits).
    fn read(path: &Path) -> Image {
        let bytes = std::fs::read(path).expect("the browser wrote a screenshot");
        let mut reader = png::Decoder::new(Cursor::new(bytes))
            .read_info()
            .expect("the screenshot is a PNG");
        let mut buffer = vec![
            0;
            reader
                .output_buffer_size()
                .expect("a screenshot fits in memory")
        ];
        let frame = reader.next_frame(&mut buffer).expect("the PNG decodes");
        assert_eq!(frame.bit_depth, png::BitDepth::Eight);
        let channels = match frame.color_type {
            png::ColorType::Rgb => 3,
            png::ColorType::Rgba => 4,
            other => panic!("a screenshot in colour, not {other:?}"),
        };
        let rgb = buffer[..frame.buffer_size()]
            .chunks_exact(channels)
            .map(|p| [p[0], p[1], p[2]])
            .collect();
        Image {
            width: frame.width as usize,
            height: frame.height as usize,
            rgb,
        }
    }

    /// The share of pixels for which `test` holds.
    fn share(&self, test: impl Fn(&[u8; 3]) -> bool) -> f64 {
        self.rgb.iter().filter(|p| test(p)).count() as f64 / self.rgb.len().max(1) as f64
    }

    /// How many different colours the image has.
    fn distinct_colours(&self) -> usize {
        let mut all: Vec<[u8; 3]> = self.rgb.clone();
        all.sort_unstable();
        all.dedup();
        all.len()
    }
}
