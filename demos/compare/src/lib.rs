//! # compare: the four ways to wait, side by side
//!
//! The lecture's lesson is in the differences. The same customers walk into
//! the same bank four times, once per style of waiting:
//!
//! | style | 中文 | while waiting for the call |
//! |---|---|---|
//! | sync-blocking | 同步阻塞 | a thread per customer, blocked in `read()` |
//! | sync-nonblocking | 同步非阻塞 | a thread per customer, an errand slice, a look, again |
//! | async-blocking | 异步阻塞 | one thread blocked in `epoll` for every customer |
//! | async-nonblocking | 异步非阻塞 | a task per customer; the errand runs while the call is awaited |
//!
//! and `compare` puts the four runs in one picture, on one time axis, under
//! the ideal schedule (what the bank could do if every customer reacted at
//! once), with a table of what each achieved and what it cost (the
//! customer's view first: turnaround and time lost, the lecture's), and a
//! table of where the tellers' time went.
//!
//! A tour, in the order a run goes:
//!
//! - [`cli`]: the flags: the shared scene flags of every demo, trace files,
//!   `--scale`, `--chrome`, `--html`, `--chart`, `--trace-dir`; and the
//!   hidden child mode;
//! - [`runs`]: each style in a child process of its own (`compare` started
//!   again in the hidden mode), one after another, never two at once, and a
//!   bank in a process of its own when the customers need the room;
//! - [`child`]: what a child process does: one style's customers through
//!   the shared driver, or a bank alone;
//! - [`picture`]: the terminal picture: the ideal schedule and every run's
//!   swimlane on one axis; a summary instead of thousands of rows;
//! - the metrics table and the teller-loss table are drawn by
//!   `pictures::table`;
//! - [`scale_runs`]: every style at growing numbers of customers (C10K), runs
//!   that cannot fit refused before they start; the scale table and its
//!   teller-loss table;
//! - [`peer`]: the Python asyncio customers a student would write, as a
//!   yardstick for async-nonblocking;
//! - [`targets`]: what the 10,000-customer benchmark
//!   (`cargo bench -p compare --bench scale`) holds the styles to.
//!
//! Why a process per style: CPU time, peak memory, threads and context
//! switches are counted per process. In one process, the second style
//! would inherit the first one's allocator arenas and pay for its
//! leftovers; in its own process each style's figures are its own.
//!
//! The outline of the program follows; each step lives in its module.

pub mod child;
pub mod cli;
pub mod peer;
pub mod picture;
pub mod runs;
pub mod scale_runs;
pub mod targets;

use std::future::Future;
use std::io::{IsTerminal as _, Write as _};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use bank::ideal;
use pictures::scale::{Ending, Point};
use pictures::terminal::{Found, Stream};
use pictures::{chrome, html};
use scene::limits::{self, Limits, Needs};
use timeline::Scenario;
use timeline::output;
use timeline::plural;
use timeline::scenario::ErrandWork;
use timeline::style::Style;
use timeline::trace::Trace;
use tokio::signal::unix::{SignalKind, signal};

use crate::cli::{Cli, Mode};
use crate::peer::Peer;
use crate::runs::Launcher;

/// Exit code: a run failed or lost customers, or a file could not be written.
const FAILED: u8 = 1;
/// Exit code: a bad flag or file, or no run fits this machine.
const BAD_INPUT: u8 = 2;
/// Exit code: interrupted (128 + SIGINT, as a shell reports it).
const INTERRUPTED: u8 = 130;

/// The whole program: parse the flags; a child does its task; the parent
/// runs (or reads) the runs and shows them, until done or interrupted.
pub fn main() -> ExitCode {
    let (cli, mode) = cli::parse();
    if let Mode::Child(task) = mode {
        return child::main(task);
    }
    // Raised here, the open-file limit is also every child's.
    let _ = limits::raise_open_files();
    // One thread: children are started from it, and die when it does.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    // With --live the children draw on the terminal: one stopped midway
    // must not leave it taken.
    let found = (cli.shared.live && mode == Mode::Styles)
        .then(|| Found::now(Stream::Stderr))
        .flatten();
    runtime.block_on(until_interrupted(parent(cli, mode), found))
}

/// Runs `program` until it ends, or until Ctrl-C (SIGINT) or SIGTERM: then
/// `program` is dropped, which kills every child it had started, and the
/// terminal is given back as `found` (if a child may have taken it).
async fn until_interrupted(
    program: impl Future<Output = ExitCode>,
    found: Option<Found>,
) -> ExitCode {
    let (Ok(mut interrupt), Ok(mut terminate)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) else {
        eprintln!("warning: cannot watch for Ctrl-C; the children die with compare anyway");
        return program.await;
    };
    let give_back = || {
        if let Some(found) = &found {
            found.give_back();
        }
    };
    tokio::select! {
        code = program => code,
        _ = interrupt.recv() => {
            give_back();
            eprintln!("\ncompare: interrupted; every run is stopped");
            ExitCode::from(INTERRUPTED)
        }
        _ = terminate.recv() => {
            give_back();
            eprintln!("compare: terminated; every run is stopped");
            ExitCode::from(INTERRUPTED)
        }
    }
}

/// The parent's work, by mode.
async fn parent(cli: Cli, mode: Mode) -> ExitCode {
    match mode {
        Mode::Styles => four_styles(&cli).await,
        Mode::Files(files) => trace_files(&cli, &files).await,
        Mode::Replay(files, speed) => replay(&cli, &files, speed).await,
        Mode::Scale(counts) => at_scale(&cli, &counts).await,
        Mode::Child(_) => unreachable!("a child's task is done in main"),
    }
}

/// Where the customers of the four styles find their bank.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BankPlace {
    /// The bank `--bank` names, shared by the four runs in turn.
    Given(SocketAddr),
    /// A bank inside each style's process: its tellers are recorded too.
    Inside,
    /// A fresh bank in a process of its own for each run: the crowd and the
    /// bank's end of every socket would not fit in one process.
    OwnProcess,
}

impl BankPlace {
    /// Inside when the open files allow it, else in its own process.
    fn choose(scenario: &Scenario, given: Option<SocketAddr>) -> BankPlace {
        if let Some(addr) = given {
            return BankPlace::Given(addr);
        }
        let inside = Needs {
            style: Style::AsyncNonblocking,
            customers: u32::try_from(scenario.customers.len()).unwrap_or(u32::MAX),
            tellers: scenario.tellers,
            embedded_bank: true,
        };
        if inside.open_files() <= Limits::now().open_files {
            BankPlace::Inside
        } else {
            BankPlace::OwnProcess
        }
    }

    /// The intro's words for it.
    fn words(self) -> String {
        match self {
            BankPlace::Given(addr) => format!("the bank at {addr}"),
            BankPlace::Inside => "the bank inside each style's process".to_owned(),
            BankPlace::OwnProcess => {
                "a fresh bank in a process of its own for each style (too many sockets for one \
                 process)"
                    .to_owned()
            }
        }
    }
}

/// The four styles on the scene of the shared flags, one after another,
/// each in its own process; then the picture, the table and the files.
async fn four_styles(cli: &Cli) -> ExitCode {
    let scenario = match cli.shared.scenario() {
        Ok(scenario) => scenario,
        Err(err) => return fail(BAD_INPUT, err),
    };
    let launcher = match Launcher::new(cli.trace_dir.clone()) {
        Ok(launcher) => launcher,
        Err(err) => return fail(BAD_INPUT, err),
    };
    let launcher = match (cli.shared.live, Stream::Stderr.is_terminal()) {
        (true, true) => launcher.live(),
        (true, false) => {
            eprintln!(
                "--live needs a terminal (stderr is not a terminal): the runs go on without the \
                 live view"
            );
            launcher
        }
        (false, _) => launcher,
    };
    let file = match launcher.scenario_file(&scenario, "scene") {
        Ok(file) => file,
        Err(err) => return fail(FAILED, err),
    };
    let place = BankPlace::choose(&scenario, cli.shared.bank);
    let customers = u32::try_from(scenario.customers.len()).unwrap_or(u32::MAX);
    let kernel = cli.shared.kernel.wanted(scenario.customers.len());

    let mut runs: Vec<(Trace, String)> = Vec::new();
    let mut trouble = Vec::new();
    let mut refused = 0;
    for (i, style) in Style::ALL.into_iter().enumerate() {
        let needs = Needs {
            style,
            customers,
            tellers: scenario.tellers,
            embedded_bank: place == BankPlace::Inside,
        };
        if let Err(refusal) = Limits::now().check(&needs) {
            eprintln!("{style}: refused before starting: {refusal}");
            refused += 1;
            continue;
        }
        if std::io::stderr().is_terminal() {
            eprintln!("compare: {style} ({} of 4)", i + 1);
        }
        let bank = match place {
            BankPlace::OwnProcess => match launcher.bank(&file).await {
                Ok(bank) => Some(bank),
                Err(err) => {
                    trouble.push(format!("{style}: {err}"));
                    continue;
                }
            },
            _ => None,
        };
        let addr = match (place, &bank) {
            (BankPlace::Given(addr), _) => Some(addr),
            (_, Some(bank)) => Some(bank.addr()),
            _ => None,
        };
        let trace_file = launcher.trace_file(style.name());
        let finished = launcher
            .customers(style, &file, addr, &trace_file, false, kernel)
            .await;
        if let Some(bank) = bank {
            bank.close().await;
        }
        match finished {
            Ok(finished) => {
                if !(finished.all_served && finished.trace.complete) {
                    // Served is what counts: an incomplete trace may not
                    // have marked every customer it lost as abandoned.
                    trouble.push(format!(
                        "{style}: {} of {} were not served",
                        customers.saturating_sub(finished.trace.metrics.served),
                        plural::count(customers, "customer")
                    ));
                }
                runs.push((finished.trace, style.scene().to_owned()));
            }
            Err(err) => trouble.push(err),
        }
    }
    if refused == Style::ALL.len() {
        return ExitCode::from(BAD_INPUT);
    }

    let intro = vec![format!(
        "compare: {}: the same customers for every style, each style in a process of its \
             own, one after another; {}.",
        scene_words(&scenario),
        place.words()
    )];
    let labels: Vec<String> = runs
        .iter()
        .map(|(t, _)| format!("{} {}", t.style.name(), t.style.chinese()))
        .collect();
    let written = show(cli, &intro, &runs, &labels, &[]);
    say_kept(&launcher);
    finish(written && trouble.is_empty() && refused == 0, &trouble)
}

/// Trace files played again in the terminal, from `speed` on; without a
/// terminal, one line says so and they are shown side by side instead.
async fn replay(cli: &Cli, files: &[PathBuf], speed: f64) -> ExitCode {
    let runs = match read_traces(files).await {
        Ok(runs) => runs,
        Err(err) => return fail(BAD_INPUT, err),
    };
    let labels = file_labels(files, &runs);
    let named: Vec<(String, &Trace)> = labels
        .iter()
        .cloned()
        .zip(runs.iter().map(|(t, _)| t))
        .collect();
    // The player has the runtime's only thread until the user quits: it
    // reads every key itself (Ctrl-C too) and gives the terminal back.
    let played = pictures::replay::play(&named, speed);
    match played {
        Ok(()) => ExitCode::SUCCESS,
        Err(pictures::terminal::NoTerminal::NotATerminal(stream)) => {
            eprintln!(
                "--replay needs a terminal ({stream} is not a terminal): the runs are shown whole \
                 instead"
            );
            trace_files(cli, files).await
        }
        Err(err) => fail(FAILED, format!("--replay: {err}")),
    }
}

/// The traces in `files`, each with what its style does.
async fn read_traces(files: &[PathBuf]) -> Result<Vec<(Trace, String)>, String> {
    let mut runs = Vec::new();
    for path in files {
        let trace = runs::read_trace(path).await?;
        let mut about = trace.style.scene().to_owned();
        if !trace.complete {
            about.push_str(" [an interrupted run: what was recorded]");
        }
        runs.push((trace, about));
    }
    Ok(runs)
}

/// Trace files, side by side: any runs, of any style, from any machine.
async fn trace_files(cli: &Cli, files: &[PathBuf]) -> ExitCode {
    let runs = match read_traces(files).await {
        Ok(runs) => runs,
        Err(err) => return fail(BAD_INPUT, err),
    };
    let labels = file_labels(files, &runs);
    let same = runs.windows(2).all(|w| w[0].0.scenario == w[1].0.scenario);
    let intro = vec![if same {
        format!(
            "compare: {} of one scene: {}.",
            plural::count(runs.len(), "trace file"),
            scene_words(&runs[0].0.scenario)
        )
    } else {
        format!(
            "compare: {} trace files of different scenes: no ideal schedule is drawn; each \
             tellers' efficiency is against its own scene's ideal.",
            runs.len()
        )
    }];
    let written = show(cli, &intro, &runs, &labels, &[]);
    finish(written, &[])
}

/// Every style at each number of customers; the table, and the report.
async fn at_scale(cli: &Cli, counts: &[u32]) -> ExitCode {
    let peer = if cli.python {
        match Peer::find(&cli.python_exe, cli.python_script.as_deref()) {
            Ok(peer) => Some(peer),
            Err(err) => return fail(BAD_INPUT, format!("--python: {err}")),
        }
    } else {
        None
    };
    if let Err(err) = cli.shared.scenario() {
        return fail(BAD_INPUT, err);
    }
    let launcher = match Launcher::new(cli.trace_dir.clone()) {
        Ok(launcher) => launcher,
        Err(err) => return fail(BAD_INPUT, err),
    };
    let plan = scale_runs::Plan {
        args: &cli.shared,
        counts,
        repeat: cli.repeat,
        peer: peer.as_ref(),
        keep_smallest: cli.html.is_some() || cli.shared.chrome.is_some(),
    };
    let results = match scale_runs::run(&launcher, &plan).await {
        Ok(results) => results,
        Err(err) => return fail(FAILED, err),
    };
    let width = width(cli);
    let mut out = String::new();
    if let Ok(scenario) = cli.shared.scenario() {
        out.push_str(&format!(
            "compare --scale: {}, with {} customers in turn.\n\n",
            scene_words(&Scenario {
                customers: Vec::new(),
                ..scenario
            }),
            counts
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    out.push_str(&scale_runs::tables(&results.points, cli.repeat, width));
    let _ = write!(screen(cli), "{out}");

    let runs: Vec<(Trace, String)> = results
        .smallest
        .into_iter()
        .map(|t| {
            let about = t.style.scene().to_owned();
            (t, about)
        })
        .collect();
    let labels: Vec<String> = runs
        .iter()
        .map(|(t, _)| format!("{} {}", t.style.name(), t.style.chinese()))
        .collect();
    let written = write_files(cli, &runs, &labels, &results.points);
    say_kept(&launcher);

    let ran = |p: &Point| matches!(p.result, Ending::Ran { .. } | Ending::Failed { .. });
    if !results.points.iter().any(ran) {
        return ExitCode::from(BAD_INPUT);
    }
    let all_served = results.points.iter().all(|p| {
        matches!(
            p.result,
            Ending::Ran { complete: true, .. } | Ending::Refused { .. }
        )
    });
    finish(written && all_served, &[])
}

/// Prints the picture and the table of `runs` (`(trace, what the style
/// does)`, with `labels` naming them in the picture, the table and the
/// Chrome file), then writes the files asked for. Returns whether every
/// file was written.
fn show(
    cli: &Cli,
    intro: &[String],
    runs: &[(Trace, String)],
    labels: &[String],
    points: &[Point],
) -> bool {
    let width = width(cli);
    let panels: Vec<picture::Panel> = runs
        .iter()
        .zip(labels)
        .map(|((trace, about), title)| picture::Panel {
            trace,
            title,
            about,
        })
        .collect();
    let mut out = picture::render(intro, &panels, width);
    out.push('\n');
    let scenario = runs.first().map(|(t, _)| &t.scenario);
    let same = runs.windows(2).all(|w| w[0].0.scenario == w[1].0.scenario);
    let schedule = scenario.filter(|_| same).map(|s| (s, ideal::schedule(s)));
    let rows: Vec<(String, &timeline::trace::Metrics)> = runs
        .iter()
        .zip(labels)
        .map(|((t, _), label)| (label.clone(), &t.metrics))
        .collect();
    let ideal = schedule.as_ref().map(|(s, schedule)| (*s, schedule));
    let in_turns = runs.iter().any(|(t, _)| t.scenario.policy.takes_turns());
    out.push_str(&pictures::table::metrics(ideal, &rows, in_turns).render(width));
    out.push('\n');
    out.push_str(&pictures::table::teller_loss(ideal, &rows).render(width));
    if cli.shared.per_customer {
        for ((trace, _), label) in runs.iter().zip(labels) {
            let table = pictures::table::customers(trace).render(width);
            out.push_str(&format!("\n{label}\n{table}"));
        }
    }
    // A closed stdout (a pager quit early) is not worth a panic.
    let _ = write!(screen(cli), "{out}");
    write_files(cli, runs, labels, points)
}

/// Where the picture and the tables go: stdout, or stderr when one of
/// `--chrome`, `--html` and `--chart` goes to stdout (`-`), which then
/// carries that file alone.
fn screen(cli: &Cli) -> Box<dyn std::io::Write> {
    pictures::screen::for_outputs(cli.files_written().map(|(_, path)| path))
}

/// Writes `--chrome`, `--html` and `--chart` if asked for; says where, or
/// what failed.
fn write_files(cli: &Cli, runs: &[(Trace, String)], labels: &[String], points: &[Point]) -> bool {
    let mut ok = true;
    if let Some(path) = &cli.shared.chrome {
        let named: Vec<(&Trace, &str)> = runs
            .iter()
            .zip(labels)
            .map(|((t, _), l)| (t, l.as_str()))
            .collect();
        ok &= report(chrome::write_named(&named, path), "Chrome trace", path);
    }
    if let Some(path) = &cli.html {
        let traces: Vec<&Trace> = runs.iter().map(|(t, _)| t).collect();
        // The ideal schedule of the first run's scene, above every run.
        let schedule = traces.first().map(|t| ideal::schedule(&t.scenario));
        let page = html::report(&traces, schedule.as_ref(), points);
        let written = output::write(path, |out| out.write_all(page.as_bytes()));
        ok &= report(written, "HTML report", path);
    }
    if let Some(path) = &cli.chart {
        let svg = html::scale_chart_svg(points);
        let written = output::write(path, |out| out.write_all(svg.as_bytes()));
        ok &= report(written, "scale chart", path);
    }
    ok
}

/// Says on stderr where a file went (and how many bytes it took), or why
/// it did not.
fn report(written: std::io::Result<u64>, what: &str, path: &Path) -> bool {
    match written {
        Ok(size) => {
            let size = match size {
                0..1_000_000 => format!("{} kB", size.div_ceil(1000)),
                _ => format!("{:.1} MB", size as f64 / 1e6),
            };
            eprintln!("compare: wrote the {what} to {} ({size})", path.display());
            true
        }
        Err(err) => {
            eprintln!(
                "error: cannot write the {what} to {}: {err}",
                path.display()
            );
            false
        }
    }
}

/// Says on stderr which traces `--trace-dir` kept, if it was given.
fn say_kept(launcher: &Launcher) {
    let Some((dir, kept)) = launcher.kept() else {
        return;
    };
    let name = |path: &PathBuf| {
        path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into(),
        )
    };
    let names = match kept.as_slice() {
        [] => String::new(),
        [first, .., last] if kept.len() > 4 => format!(": {} … {}", name(first), name(last)),
        all => format!(": {}", all.iter().map(name).collect::<Vec<_>>().join(", ")),
    };
    eprintln!(
        "compare: kept {} in {}{names}",
        plural::count(kept.len(), "trace file"),
        dir.display()
    );
}

/// Says what stopped the program; gives its exit code.
fn fail(code: u8, err: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {err}");
    ExitCode::from(code)
}

/// The exit code, after saying what went wrong.
fn finish(ok: bool, trouble: &[String]) -> ExitCode {
    for line in trouble {
        eprintln!("error: {line}");
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(FAILED)
    }
}

/// The scene in a few words: "6 customers, 2 tellers, fcfs, seed 1" (or
/// "..., rr, quantum 100 ms, ...").
fn scene_words(scenario: &Scenario) -> String {
    let mut words = Vec::new();
    if !scenario.customers.is_empty() {
        words.push(plural::count(scenario.customers.len(), "customer"));
    }
    words.push(plural::count(scenario.tellers, "teller"));
    words.push(scenario.policy_words());
    if let Some(seed) = scenario.seed {
        words.push(format!("seed {seed}"));
    }
    if scenario.speed != 1.0 {
        words.push(format!("{}× speed", scenario.speed));
    }
    if scenario.errand_work == ErrandWork::Cpu {
        words.push(if scenario.yield_every_ms > 0.0 {
            format!(
                "errands computed, yielding every {} ms",
                pictures::swimlane::number(scenario.yield_every_ms)
            )
        } else {
            "errands computed, never yielding".to_owned()
        });
    }
    words.join(", ")
}

/// Labels for runs read from `files`: the style and its Chinese term, and
/// the file's name unless it is just the style's (as `--trace-dir` names
/// them); where two labels would be the same, the file's folder too.
fn file_labels(files: &[PathBuf], runs: &[(Trace, String)]) -> Vec<String> {
    let label = |path: &Path, trace: &Trace, parts: usize| {
        let style = trace.style;
        let base = format!("{} {}", style.name(), style.chinese());
        let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned());
        if parts == 1 && stem.as_deref() == Some(style.name()) {
            return base;
        }
        let mut shown: Vec<String> = path
            .iter()
            .rev()
            .take(parts)
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        shown.reverse();
        format!("{base} ({})", shown.join("/"))
    };
    let mut labels: Vec<String> = files
        .iter()
        .zip(runs)
        .map(|(path, (trace, _))| label(path, trace, 1))
        .collect();
    for i in 0..labels.len() {
        let twins: Vec<usize> = (0..labels.len())
            .filter(|&j| labels[j] == labels[i])
            .collect();
        if twins.len() > 1 {
            for j in twins {
                labels[j] = label(&files[j], &runs[j].0, 2);
            }
        }
    }
    labels
}

/// The picture's width: `--width`, else the terminal's, else `$COLUMNS`, else 100.
fn width(cli: &Cli) -> usize {
    pictures::text::picture_width(cli.shared.width)
}
