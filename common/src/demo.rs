//! The driver every demo runs: scenario, bank, customers, recording, then the
//! picture and the files.
//!
//! A demo supplies only its [`Customers`]: a function that brings every
//! customer of the scenario through the bank in its own style of waiting, and
//! returns when all have left. Everything around that is the same for the
//! four styles, so their runs can be compared fairly:
//!
//! 1. [`main`] parses the [shared flags](crate::flags) and installs `tracing`;
//! 2. [`run`] starts a bank in this process (unless `--bank` names one),
//!    starts the clock, lets the customers in, and stops the clock;
//! 3. the recorded moments become a [`Trace`]: customers, tellers, metrics;
//! 4. [`main`] draws the swimlane and writes `--trace` and `--chrome`.

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{CommandFactory, FromArgMatches, Parser};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use crate::bank::{self, Embedded};
use crate::flags::SharedArgs;
use crate::limits::{self, Limits, Needs, Refusal};
use crate::process::{Sampler, Usage};
use crate::scenario::{Customer, Scenario};
use crate::style::Style;
use crate::timeline::{Recorder, chrome, model, swimlane};
use crate::trace::{SCHEMA, Trace};
use crate::{metrics, process, sim};

/// What a style's customers get to know before they walk in.
#[derive(Clone, Debug)]
pub struct Setup {
    /// The scenario as run.
    pub scenario: Scenario,
    /// Where the bank listens.
    pub bank: SocketAddr,
    /// The run's time zero: arrivals are counted from here.
    pub origin: Instant,
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
}

/// A duration of `ms` milliseconds (fractions kept to the nanosecond).
pub fn millis(ms: f64) -> Duration {
    Duration::from_secs_f64(ms.max(0.0) / 1000.0)
}

/// A customer whose visit went wrong, and why.
#[derive(Debug)]
pub struct Failure {
    /// The customer's index in the scenario.
    pub customer: u32,
    /// What went wrong, for the user.
    pub error: String,
}

/// A style's way of bringing all customers through the bank; returns the
/// customers whose visits failed (they are recorded as abandoned).
pub type Customers = fn(&Setup) -> Vec<Failure>;

/// A finished run.
#[derive(Debug)]
pub struct Run {
    /// Everything recorded, with its metrics.
    pub trace: Trace,
    /// Visits that went wrong.
    pub failures: Vec<Failure>,
}

/// Runs `customers` on `scenario`, against the bank at `bank` or one started
/// here, recording with `recorder`, which must be part of the current
/// `tracing` subscriber (see [`run_recorded`] for a run that installs it).
pub fn run(
    style: Style,
    customers: Customers,
    scenario: Scenario,
    bank: Option<SocketAddr>,
    recorder: &Recorder,
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
    let sampler = Sampler::start()?;
    let before = Usage::process();
    let setup = Setup {
        scenario,
        bank,
        origin: Instant::now(),
    };

    let failures = customers(&setup);

    let (threads_peak, sampler_usage) = sampler.stop();
    let mut helpers = vec![sampler_usage];
    let mut helper_threads = 1;
    if let Some(embedded) = embedded {
        helpers.push(embedded.stop());
        helper_threads += 1;
    }
    let figures = process::figures(before, &helpers, threads_peak, helper_threads);
    let events = recorder.take(setup.origin);
    let customers = model::customers(&setup.scenario, &events);
    let tellers = model::tellers(&setup.scenario, &customers, &events);
    let ideal = sim::ideal(&setup.scenario);
    let trace = Trace {
        schema: SCHEMA.to_owned(),
        complete: failures.is_empty(),
        style,
        metrics: metrics::compute(&customers, ideal.makespan_ms, figures),
        scenario: setup.scenario,
        customers,
        tellers,
        events,
    };
    Ok(Run { trace, failures })
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
    let dispatch = tracing::dispatcher::get_default(|d| d.clone());
    std::thread::Builder::new()
        .name(name)
        // Customers need little stack; small stacks let thousands of them exist.
        .stack_size(128 * 1024)
        .spawn(move || tracing::dispatcher::with_default(&dispatch, f))
}

/// Raises the open-file limit as far as it goes, then checks that a run of
/// `style` on `scenario` fits in this process's limits.
pub fn fits(style: Style, scenario: &Scenario, embedded_bank: bool) -> Result<(), Refusal> {
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
/// 2 a bad flag or scenario file.
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
            "Walkthrough: docs/index.md. Example: cargo run -p {} -- --customers 8 --tellers 3",
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
    if let Err(refusal) = fits(style, &scenario, args.bank.is_none()) {
        eprintln!("error: {refusal}");
        return ExitCode::from(2);
    }

    let recorder = Recorder::new();
    tracing_subscriber::registry()
        .with(recorder.layer())
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_filter(EnvFilter::from_default_env()),
        )
        .init();

    let run = match run(style, customers, scenario, args.bank, &recorder) {
        Ok(run) => run,
        Err(err) => {
            eprintln!("error: cannot run the bank scene: {err}");
            return ExitCode::FAILURE;
        }
    };

    let width = args
        .width
        .map(|w| w as usize)
        .or_else(|| std::env::var("COLUMNS").ok()?.parse().ok())
        .unwrap_or(100);
    let picture = swimlane::render(&run.trace, &swimlane::Options { width });
    // A closed stdout (a pager quit early) is not worth a panic.
    let _ = write!(anstream::stdout(), "{picture}");

    let mut code = ExitCode::SUCCESS;
    if let Some(path) = &args.trace {
        if let Err(err) = run.trace.write(path) {
            eprintln!("error: cannot write the trace to {}: {err}", path.display());
            code = ExitCode::FAILURE;
        }
    }
    if let Some(path) = &args.chrome {
        if let Err(err) = chrome::write(&[&run.trace], path) {
            eprintln!(
                "error: cannot write the Chrome trace to {}: {err}",
                path.display()
            );
            code = ExitCode::FAILURE;
        }
    }
    for failure in run.failures.iter().take(10) {
        eprintln!("customer {}: {}", failure.customer, failure.error);
    }
    if run.failures.len() > 10 {
        eprintln!("... and {} more failed visits", run.failures.len() - 10);
    }
    if !run.failures.is_empty() {
        code = ExitCode::FAILURE;
    }
    code
}
