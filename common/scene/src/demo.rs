//! The driver every demo runs: scenario, bank, customers, recording, then the
//! picture and the files.
//!
//! A demo supplies only its [`Customers`]: a function that brings every
//! customer of the scenario through the bank in its own style of waiting, and
//! returns when all have left. Everything around that is the same for the
//! four styles, so their runs can be compared fairly:
//!
//! 1. [`main`] parses the [shared flags](crate::flags), installs `tracing`,
//!    and listens for Ctrl-C ([`Interrupt`]);
//! 2. [`run_watched`] starts a bank in this process (unless `--bank` names
//!    one), makes room for every customer's socket, starts the clock, lets
//!    the customers in on a thread of their own, and watches: for the last
//!    of them to leave, for Ctrl-C, and to keep the
//!    [progress bar](crate::progress) up to date;
//! 3. the recorded moments become a [`Trace`]: customers, tellers, metrics;
//! 4. [`main`] draws the swimlane and writes `--trace` and `--chrome`: the
//!    same for a run that went to its end, one where visits failed, and one
//!    cut short by Ctrl-C. A file written to standard output (`--trace -`)
//!    has it to itself: the swimlane then goes to stderr.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{CommandFactory, FromArgMatches, Parser};
use crossbeam::channel::{self, Receiver};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use crate::flags::SharedArgs;
use crate::interrupt::{Interrupt, Signal};
use crate::kernel;
use crate::limits::{self, Limits, Needs, NoRoom};
use crate::live::Live;
use crate::process;
use crate::process::{PeakThreads, Usage};
use crate::progress::Progress;
use bank::ideal;
use bank::protocol::TicketNo;
use bank::{self, Embedded};
use pictures::live::Pace;
use pictures::{chrome, swimlane};
use timeline::output;
use timeline::scenario::{Customer, Scenario};
use timeline::style::Style;
use timeline::trace::{CustomerRecord, LaneRecord, Outcome, Trace};
use timeline::{Event, Kind, Lane, Recorder, metrics, model, plural, record};

/// What a style's customers get to know before they walk in.
#[derive(Clone, Debug)]
pub struct Setup {
    /// The scenario as run.
    pub scenario: Scenario,
    /// Where the bank listens.
    pub bank: SocketAddr,
    /// The run's time zero: arrivals are counted from here.
    pub origin: Instant,
    /// Whether the kernel is sampled (`--kernel`): then a style whose
    /// customers are tasks records each task's polls
    /// ([`Polls`](crate::kernel::polls::Polls)).
    pub kernel: bool,
}

impl Setup {
    /// The moment customer `c` walks in.
    pub fn arrival(&self, c: &Customer) -> Instant {
        self.origin + millis(c.arrive_ms)
    }

    /// sync-nonblocking's errand slice between two looks.
    pub fn poll_every(&self) -> Duration {
        millis(self.scenario.poll_every_ms)
    }

    /// The async styles, with computed errands: CPU time an errand computes
    /// before it hands its thread back to the event loop; `None` for
    /// `--yield-every 0`: never, until it is done.
    pub fn yield_every(&self) -> Option<Duration> {
        Some(millis(self.scenario.yield_every_ms)).filter(|d| !d.is_zero())
    }
}

/// A duration of `ms` milliseconds (fractions kept to the nanosecond).
pub fn millis(ms: f64) -> Duration {
    Duration::from_secs_f64(ms.max(0.0) / 1000.0)
}

/// A visit that went wrong, or a run that could not go on, and why.
#[derive(Debug)]
pub struct Failure {
    /// The customer's index in the scenario; `None` when the whole run
    /// failed (a runtime that would not start), not one customer.
    pub customer: Option<u32>,
    /// What went wrong, for the user.
    pub error: String,
}

impl Failure {
    /// Customer `id`'s visit went wrong.
    pub fn of(id: u32, error: impl fmt::Display) -> Failure {
        Failure {
            customer: Some(id),
            error: error.to_string(),
        }
    }

    /// The run itself went wrong, not one customer's visit.
    pub fn of_run(error: impl fmt::Display) -> Failure {
        Failure {
            customer: None,
            error: error.to_string(),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.customer {
            Some(id) => write!(f, "customer {id}: {}", self.error),
            None => write!(f, "the run: {}", self.error),
        }
    }
}

/// A style's way of bringing all customers through the bank; returns the
/// customers whose visits failed (they are recorded as abandoned).
pub type Customers = fn(&Setup) -> Vec<Failure>;

/// A run, ended or cut short.
#[derive(Debug)]
pub struct Run {
    /// Everything recorded, with its metrics.
    pub trace: Trace,
    /// Visits that went wrong.
    pub failures: Vec<Failure>,
    /// Set when the run was cut short (by Ctrl-C): its trace is what was
    /// recorded until then.
    pub interrupted: Option<Interrupted>,
}

/// A run cut short.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interrupted {
    /// What stopped it.
    pub by: Signal,
    /// How long after its start: the trace ends there.
    pub after: Duration,
}

/// How a run is watched while it goes on. The default watches for nothing
/// and draws nothing: the run goes to its end.
#[derive(Default)]
pub struct Watch<'a> {
    /// Cuts the run short when it fires (Ctrl-C, in a demo binary).
    pub interrupt: Option<&'a Interrupt>,
    /// Shows how far the run has got (on a terminal, in a demo binary).
    pub progress: Option<Progress>,
    /// Samples every thread of this process from the kernel, for lanes of
    /// their own in the trace ([`kernel`](crate::kernel)).
    pub kernel: bool,
    /// Draws the run while it happens (`--live`, on a terminal).
    pub live: Option<Live>,
}

impl<'a> Watch<'a> {
    /// How a command line's run of `customers` is watched: the live view if
    /// it opened, or else the progress bar on stderr (one or the other), and
    /// the kernel's threads if `kernel`.
    pub fn of_command(
        interrupt: Option<&'a Interrupt>,
        live: Option<Live>,
        kernel: bool,
        customers: usize,
    ) -> Watch<'a> {
        let progress = live
            .is_none()
            .then(|| Progress::on_stderr(customers))
            .flatten();
        Watch {
            interrupt,
            progress,
            kernel,
            live,
        }
    }
}

/// Runs `customers` on `scenario`, against the bank at `bank` or one started
/// here, recording with `recorder`, which must be part of the current
/// `tracing` subscriber (see [`run_recorded`] for a run that installs it).
/// It goes to its end: see [`run_watched`] for one that Ctrl-C can cut short.
pub fn run(
    style: Style,
    customers: Customers,
    scenario: Scenario,
    bank: Option<SocketAddr>,
    recorder: &Recorder,
) -> std::io::Result<Run> {
    run_watched(style, customers, scenario, bank, recorder, Watch::default())
}

/// [`run`], watched: it may be cut short by `watch.interrupt`, and its
/// progress is drawn on `watch.progress`.
///
/// The customers go through the bank on a thread of their own (the scene),
/// while this thread watches: for the last of them to leave, for the
/// interruption, and for the next tick of the progress bar.
///
/// An interrupted run returns at once, with what was recorded until then:
/// its trace has `complete: false`; every visit still going on ends at the
/// cut, abandoned (their connections close with the process, and the bank
/// drops their tickets); its `ideal_makespan_ms` is the ideal for the
/// customers it served, so that its tellers' efficiency still compares like
/// with like; and its process figures include an embedded bank's share. Its
/// customers, and a bank started for them, are stopped where they are
/// (blocked in a `read()`, or held by the [frozen](Recorder::freeze)
/// recorder at their next moment), and nothing waits for them: a demo's
/// exit, which comes next, ends them all.
pub fn run_watched(
    style: Style,
    customers: Customers,
    scenario: Scenario,
    bank: Option<SocketAddr>,
    recorder: &Recorder,
    mut watch: Watch<'_>,
) -> std::io::Result<Run> {
    let embedded = match bank {
        Some(_) => None,
        None => Some(Embedded::start(
            bank::Config::for_scenario(&scenario),
            SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        )?),
    };
    let bank = match (&embedded, bank) {
        (Some(embedded), _) => embedded.addr(),
        (None, Some(addr)) => addr,
        (None, None) => unreachable!("either a bank was given or one was started"),
    };
    // Threads that are not the customers': the sampler, this one (it only
    // watches), the embedded bank's, and the one that listens for signals.
    let helper_threads =
        2 + u64::from(embedded.is_some()) + watch.interrupt.map_or(0, Interrupt::threads);
    // Room in the descriptor table for every customer's socket (each style
    // opens one per customer), made before the clock starts: grown as the
    // crowd connects, the table would stop every thread opening a file for
    // 5 to 15 ms at each doubling (`bank::room::reserve_files`), with `CALL`s
    // waiting meanwhile. Without the room, a run is only slower.
    let _ = bank::room::reserve_files(scenario.customers.len() as u64);
    let origin = Instant::now();
    // One sampler: the kernel's, which counts threads as it reads them, or
    // the one that only counts them.
    let sampler = match watch.kernel {
        true => Watcher::Kernel(kernel::Sampler::start(origin)?),
        false => Watcher::Count(PeakThreads::start()?),
    };
    let before = Usage::process();
    let watching = Usage::thread();
    let setup = Setup {
        scenario,
        bank,
        origin,
        kernel: watch.kernel,
    };

    // The scene: the customers come, go through the bank, and leave; then
    // the bank closes. Its end, however it comes, disconnects `ended`.
    let (end, ended) = channel::bounded::<()>(0);
    let scene = spawn_in_timeline(std::thread::Builder::new().name("scene".into()), {
        let setup = setup.clone();
        move || {
            let _end = end;
            let failures = customers(&setup);
            (failures, embedded.map(Embedded::stop))
        }
    })?;
    let interrupted = wait_for_the_end(&ended, &mut watch, recorder, setup.origin);
    if interrupted.is_some() {
        // Whoever comes to record next stops there: see `Recorder::freeze`.
        recorder.freeze();
    }
    let cut = setup.origin.elapsed();
    if let Some(progress) = watch.progress {
        progress.clear();
    }
    // The terminal is given back before anything else is printed.
    drop(watch.live);
    let (failures, bank_usage) = match interrupted {
        None => scene
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
        // The scene is not waited for: see above.
        Some(_) => (Vec::new(), None),
    };

    let (threads_peak, sampler_usage, sampled) = match sampler {
        Watcher::Count(sampler) => {
            let (peak, usage) = sampler.stop();
            (peak, usage, None)
        }
        Watcher::Kernel(sampler) => {
            let sampled = sampler.stop();
            (sampled.threads_peak, sampled.usage, Some(sampled))
        }
    };
    let mut helpers = vec![sampler_usage, Usage::thread().since(watching)];
    helpers.extend(bank_usage.flatten().map(|u| Usage::from_rusage(&u)));
    let figures = process::figures(before, &helpers, threads_peak, helper_threads);
    let mut events = recorder.take(setup.origin);
    if interrupted.is_some() {
        end_visits_at(record::micros(cut), &mut events);
    }
    let complete = failures.is_empty() && interrupted.is_none();
    let mut trace = model::trace(style, complete, setup.scenario, events);
    let ideal = match interrupted {
        None => ideal::schedule(&trace.scenario),
        Some(_) => ideal::schedule(&served_part(&trace.scenario, &trace.customers)),
    };
    trace.metrics = metrics::compute(&trace, ideal.makespan_ms, figures);
    trace.metrics.sampler = sampled.as_ref().map(|s| s.figures);
    let mut lanes = sampled.map_or_else(Vec::new, |s| s.lanes(&trace.scenario));
    if interrupted.is_some() {
        cut_lanes_at(cut.as_secs_f64() * 1000.0, &mut lanes);
    }
    trace.lanes = lanes;
    Ok(Run {
        trace,
        failures,
        interrupted: interrupted.map(|by| Interrupted { by, after: cut }),
    })
}

/// The thread that watches the process while the run goes on.
enum Watcher {
    /// Counts threads only.
    Count(PeakThreads),
    /// Reads every thread from the kernel (and counts them too).
    Kernel(kernel::Sampler),
}

/// Leaves out of `lanes` what was sampled after `cut_ms`: a run cut short
/// ends there, on every lane.
fn cut_lanes_at(cut_ms: f64, lanes: &mut Vec<LaneRecord>) {
    for lane in lanes.iter_mut() {
        lane.segments.retain(|s| s.start_ms < cut_ms);
        lane.notes.retain(|n| n.start_ms < cut_ms);
        for s in &mut lane.segments {
            s.end_ms = s.end_ms.min(cut_ms);
        }
        for n in &mut lane.notes {
            n.end_ms = n.end_ms.min(cut_ms);
        }
    }
    lanes.retain(|l| !l.segments.is_empty());
}

/// Waits until the scene ends (`ended` disconnects) or `watch.interrupt`
/// fires, bringing the progress bar up to date meanwhile. Returns the
/// interruption, if it came first.
fn wait_for_the_end(
    ended: &Receiver<()>,
    watch: &mut Watch<'_>,
    recorder: &Recorder,
    origin: Instant,
) -> Option<Signal> {
    let mut signals = watch
        .interrupt
        .map_or_else(channel::never, Interrupt::signals);
    let ticks = match (&watch.live, &watch.progress) {
        (Some(_), _) => channel::tick(Pace::EVERY),
        (None, Some(_)) => channel::tick(Progress::EVERY),
        (None, None) => channel::never(),
    };
    loop {
        crossbeam::select! {
            recv(ended) -> _ => return None,
            recv(signals) -> signal => match signal {
                Ok(signal) => return Some(signal),
                // Nobody is left to send one.
                Err(_) => signals = channel::never(),
            },
            recv(ticks) -> _ => {
                if let Some(progress) = &mut watch.progress {
                    progress.update(recorder.tally(), origin.elapsed());
                }
                if let Some(live) = &mut watch.live {
                    live.frame(recorder, origin);
                }
            }
        }
    }
}

/// Ends, at `cut_us`, every visit still going on when a run is cut short,
/// and leaves out what was recorded after: the trace ends at the cut.
///
/// A customer who had arrived and was not served yet is `abandon`ed there,
/// and so is a ticket a teller had called or was serving: their connections
/// close with the process, and the bank drops their tickets. Each such
/// moment goes on its own lane, with the thread that held the visit.
fn end_visits_at(cut_us: u64, events: &mut Vec<Event>) {
    events.retain(|e| e.t_us <= cut_us);
    // The lanes still busy: the ticket each holds, and the thread that last
    // recorded on it.
    let mut open: BTreeMap<Lane, (Option<TicketNo>, u32)> = BTreeMap::new();
    for e in events.iter() {
        match (e.lane, &e.kind) {
            (Lane::Bank, _) => {}
            (Lane::Customer(_), Kind::Arrive) => {
                open.insert(e.lane, (None, e.thread));
            }
            (Lane::Teller(_), Kind::Called { ticket, .. }) => {
                open.insert(e.lane, (Some(*ticket), e.thread));
            }
            (_, Kind::Served { .. } | Kind::Abandon { .. } | Kind::Leave)
            // A teller's turn ended with PAUSE: its customer is back in line.
            | (Lane::Teller(_), Kind::Paused { .. }) => {
                open.remove(&e.lane);
            }
            (_, kind) => {
                if let Some((held, thread)) = open.get_mut(&e.lane) {
                    *thread = e.thread;
                    if let Kind::Ticket { ticket } = kind {
                        *held = Some(*ticket);
                    }
                }
            }
        }
    }
    events.extend(open.into_iter().map(|(lane, (ticket, thread))| Event {
        t_us: cut_us,
        lane,
        kind: Kind::Abandon { ticket },
        thread,
    }));
}

/// The customers of `scenario` that a run cut short had served.
fn served_part(scenario: &Scenario, records: &[CustomerRecord]) -> Scenario {
    let served = |c: &&Customer| {
        records
            .get(c.id as usize)
            .is_some_and(|r| r.outcome == Outcome::Served)
    };
    Scenario {
        customers: scenario.customers.iter().filter(served).cloned().collect(),
        ..scenario.clone()
    }
}

/// [`run`] with a fresh recorder installed for this thread only: for tests
/// and for tools that run several styles in one process.
pub fn run_recorded(
    style: Style,
    customers: Customers,
    scenario: Scenario,
    bank: Option<SocketAddr>,
) -> std::io::Result<Run> {
    let recorder = Recorder::new();
    tracing::subscriber::with_default(recorder.subscriber(), || {
        run(style, customers, scenario, bank, &recorder)
    })
}

/// Spawns an OS thread that records into the same timeline as its parent.
///
/// `tracing`'s default subscriber is per thread when set with `with_default`
/// (as tests do), so a new thread must be handed the parent's explicitly.
pub fn spawn_recorded<T: Send + 'static>(
    name: String,
    f: impl FnOnce() -> T + Send + 'static,
) -> std::io::Result<std::thread::JoinHandle<T>> {
    spawn_in_timeline(
        std::thread::Builder::new()
            .name(name)
            // Customers need little stack; small stacks let thousands of them exist.
            .stack_size(128 * 1024),
        f,
    )
}

/// Spawns the thread `builder` describes, recording into the current
/// thread's timeline.
fn spawn_in_timeline<T: Send + 'static>(
    builder: std::thread::Builder,
    f: impl FnOnce() -> T + Send + 'static,
) -> std::io::Result<std::thread::JoinHandle<T>> {
    let dispatch = tracing::dispatcher::get_default(|d| d.clone());
    builder.spawn(move || tracing::dispatcher::with_default(&dispatch, f))
}

/// Installs the timeline recorder for the whole process.
///
/// With `RUST_LOG` set, log lines go to stderr as well; that needs
/// `tracing-subscriber`'s registry, which holds spans for at most 4096
/// threads alive at once (tokio-rs/tracing#2856). Without it, the recorder
/// runs as a subscriber of its own, with no such limit, so a sync style can
/// have ten thousand customer threads.
pub fn install(recorder: &Recorder, style: Style, scenario: &Scenario) {
    if std::env::var_os("RUST_LOG").is_none() {
        // Fails only if a subscriber is already installed, and main installs the first.
        let _ = tracing::subscriber::set_global_default(recorder.standalone());
        return;
    }
    let threads = Needs {
        style,
        customers: u32::try_from(scenario.customers.len()).unwrap_or(u32::MAX),
        tellers: scenario.tellers,
        embedded_bank: false,
    }
    .threads();
    if threads > 4000 {
        eprintln!(
            "warning: RUST_LOG needs tracing's registry, which holds at most 4096 threads; \
             this run has about {threads}: unset RUST_LOG to record it all"
        );
    }
    tracing_subscriber::registry()
        .with(recorder.layer())
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_filter(EnvFilter::from_default_env()),
        )
        .init();
}

/// Raises the open-file limit as far as it goes, then checks that a run of
/// `style` on `scenario` fits in this process's limits.
pub fn fits(style: Style, scenario: &Scenario, embedded_bank: bool) -> Result<(), NoRoom> {
    // Failing to raise it only means the check below sees the lower limit.
    let _ = limits::raise_open_files();
    Limits::now().check(&Needs {
        style,
        customers: u32::try_from(scenario.customers.len()).unwrap_or(u32::MAX),
        tellers: scenario.tellers,
        embedded_bank,
    })
}

/// The command line of a demo: the shared flags, nothing else.
#[derive(Parser, Debug)]
struct Cli {
    #[command(flatten)]
    shared: SharedArgs,
}

/// The whole program of a demo binary: flags, run, picture, files.
///
/// Exit codes: 0 all served; 1 the run failed or a visit went wrong;
/// 2 a bad flag or scenario file; 130 cut short by Ctrl-C (143 by SIGTERM),
/// after showing and writing what was recorded. A second Ctrl-C exits at
/// once, with 130.
pub fn main(style: Style, customers: Customers) -> ExitCode {
    let command = Cli::command()
        .name(style.name())
        .about(format!(
            "{} {}: {}.\nHow it waits: {}.",
            style.name(),
            style.chinese(),
            style.scene(),
            style.mechanism()
        ))
        .after_help(format!(
            "Walkthrough: {}. Example: cargo run -p {} -- --customers 8 --tellers 3",
            style.walkthrough(),
            style.name()
        ));
    let args = match Cli::from_arg_matches(&command.get_matches()) {
        Ok(cli) => cli.shared,
        Err(err) => err.exit(),
    };
    let scenario = match args.scenario() {
        Ok(scenario) => scenario,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(2);
        }
    };
    let files = [
        ("--trace", args.trace.as_deref()),
        ("--chrome", args.chrome.as_deref()),
    ];
    if let Err(err) = output::one_on_stdout(&files) {
        eprintln!("error: {err}");
        return ExitCode::from(2);
    }
    if let Err(refusal) = fits(style, &scenario, args.bank.is_none()) {
        eprintln!("error: {refusal}");
        return ExitCode::from(2);
    }

    let recorder = Recorder::new();
    install(&recorder, style, &scenario);

    // Ctrl-C cuts the run short rather than losing it.
    let interrupt = match Interrupt::on_signals() {
        Ok(interrupt) => Some(interrupt),
        Err(err) => {
            eprintln!("warning: Ctrl-C will end the run without keeping it: {err}");
            None
        }
    };
    let live = args
        .live
        .then(|| Live::open(style, &scenario, ideal::schedule(&scenario).makespan_ms))
        .flatten();
    let how_many = scenario.customers.len();
    let watch = Watch::of_command(
        interrupt.as_ref(),
        live,
        args.kernel.wanted(how_many),
        how_many,
    );
    let run = match run_watched(style, customers, scenario, args.bank, &recorder, watch) {
        Ok(run) => run,
        Err(err) => {
            eprintln!("error: cannot run the bank scene: {err}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(interrupt) = &interrupt {
        interrupt.hurry();
    }
    show(&run, &args)
}

/// Draws `run` and writes its files, whether it went to its end, lost
/// visits, or was cut short; returns the program's exit code.
///
/// The swimlane and the lines saying which files were written go to stdout,
/// or to stderr when a file goes to stdout (`--trace -`): that file is then
/// all stdout carries, and can be piped on whole.
fn show(run: &Run, args: &SharedArgs) -> ExitCode {
    let width = pictures::text::picture_width(args.width);
    let files = [&args.trace, &args.chrome];
    let mut screen = pictures::screen::for_outputs(files.into_iter().flatten());
    let picture = swimlane::render(
        &run.trace,
        &swimlane::Options {
            width,
            ..Default::default()
        },
    );
    // A closed stdout (a pager quit early) is not worth a panic.
    let _ = write!(screen, "{picture}");
    if args.per_customer {
        let table = pictures::table::customers(&run.trace).render(width);
        let _ = write!(screen, "\n{table}");
    }

    // Each file written gets a line of the summary: `trace  written to run.json`.
    let mut code = ExitCode::SUCCESS;
    let mut written = Vec::new();
    if let Some(path) = &args.trace {
        match run.trace.write(path) {
            Ok(_) => written.push(("trace", path)),
            Err(err) => {
                eprintln!("error: cannot write the trace to {}: {err}", path.display());
                code = ExitCode::FAILURE;
            }
        }
    }
    if let Some(path) = &args.chrome {
        match chrome::write(&[&run.trace], path) {
            Ok(_) => written.push(("chrome", path)),
            Err(err) => {
                eprintln!(
                    "error: cannot write the Chrome trace to {}: {err}",
                    path.display()
                );
                code = ExitCode::FAILURE;
            }
        }
    }
    for (key, path) in written {
        let line = swimlane::summary_line(key, &format!("written to {}", path.display()), width);
        let _ = write!(screen, "{line}");
    }
    for failure in run.failures.iter().take(10) {
        eprintln!("{failure}");
    }
    if run.failures.len() > 10 {
        eprintln!("... and {} more failed visits", run.failures.len() - 10);
    }
    if !run.failures.is_empty() {
        code = ExitCode::FAILURE;
    }
    if let Some(cut) = run.interrupted {
        eprintln!(
            "interrupted by {} after {:.1} s: {} of {} served",
            cut.by,
            cut.after.as_secs_f64(),
            run.trace.metrics.served,
            plural::count(run.trace.customers.len(), "customer")
        );
        code = ExitCode::from(cut.by.exit_code());
    }
    code
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(t_us: u64, lane: Lane, kind: Kind) -> Event {
        Event {
            t_us,
            lane,
            kind,
            thread: 0,
        }
    }

    #[test]
    fn a_run_cut_between_turns_abandons_the_customer_not_the_teller() {
        let (c, t) = (Lane::Customer(0), Lane::Teller(1));
        let called = |lane| {
            at(
                10,
                lane,
                Kind::Called {
                    ticket: 1,
                    teller: 1,
                    unread_us: None,
                },
            )
        };
        let paused = |lane| {
            at(
                50,
                lane,
                Kind::Paused {
                    ticket: 1,
                    unread_us: None,
                },
            )
        };
        let mut events = vec![
            at(0, c, Kind::Arrive),
            at(1, c, Kind::Ticket { ticket: 1 }),
            called(t),
            called(c),
            at(11, t, Kind::AtCounter { ticket: 1 }),
            at(11, c, Kind::AtCounter { ticket: 1 }),
            paused(t),
            paused(c),
            at(
                99,
                c,
                Kind::Errand {
                    dur_us: 5,
                    cpu_us: None,
                },
            ),
        ];
        end_visits_at(80, &mut events);
        let abandoned: Vec<Lane> = events
            .iter()
            .filter(|e| matches!(e.kind, Kind::Abandon { .. }))
            .map(|e| e.lane)
            .collect();
        assert_eq!(
            abandoned,
            [c],
            "back in line at the cut: only the customer's visit is open"
        );
        assert!(events.iter().all(|e| e.t_us <= 80), "nothing after the cut");
    }
}
