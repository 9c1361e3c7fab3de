//! # 进程 Processes for real: create, join, isolation, daemon, terminate, zombies and orphans
//!
//! Sections 6 to 11 of the lecture, run for real on Linux: every child here
//! is a real process made with `fork()` (what Python's `multiprocessing`
//! does on Linux), every signal is really sent, every child is really
//! waited for, and every fact printed (a PID, a parent, a state, an exit
//! status) is read from the kernel at that moment: `getpid()`, `getppid()`,
//! `/proc/<pid>/stat`, the status `waitpid()` returns.
//!
//! One module per idea, in the lecture's order:
//!
//! - [`spawn`]: `start()` returns at once while the child runs (section 9);
//! - [`join`]: joining inside the loop (one after another) or after all
//!   have started (side by side);
//! - [`isolation`]: a child's copy of a global is its own; a thread's is not
//!   (section 10); [`memory`]: what the copy really costs (copy-on-write);
//! - [`daemon`]: a daemonic child stops with its parent; a normal one is
//!   waited for; what `PR_SET_PDEATHSIG` changes when the parent is killed;
//! - [`terminate`]: SIGTERM, the zombie moment, `is_alive()`, `exitcode`;
//! - [`zombie`] and [`orphan`]: section 11.
//!
//! And the machinery they share: [`fork`] (the one `unsafe`), [`watch`] (the
//! parent's waits, which sample the others' states), [`report`] (child to
//! parent through a pipe), [`cleanup`] (nothing left behind), [`history`] and
//! [`picture`] (what was seen, drawn as swimlanes), [`live`] (`--live`: the
//! timeline growing on the terminal while the processes live).
//!
//! Run it:
//!
//! ```text
//! cargo run -p processes -- all
//! cargo run -p processes -- join --work-ms 300
//! cargo run -p processes -- terminate --json
//! cargo run -p processes -- zombie --live --work-ms 3000
//! ```

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use nix::unistd::getpid;
use serde::Serialize;

pub mod cleanup;
pub mod daemon;
pub mod fork;
pub mod history;
pub mod isolation;
pub mod join;
pub mod live;
pub mod memory;
pub mod narrator;
pub mod orphan;
pub mod picture;
pub mod procfs;
pub mod report;
pub mod spawn;
pub mod status;
pub mod stop;
pub mod terminate;
pub mod watch;
pub mod zombie;

use history::History;
use live::Live;
use narrator::Narrator;
use stop::Stop;
use watch::Signals;

/// The command line.
#[derive(Debug, Parser)]
#[command(
    name = "processes",
    about = "进程 Processes for real: create, join, isolation, daemon, terminate, zombies and orphans",
    after_help = "Walkthrough: docs/07-processes.md"
)]
pub struct Cli {
    /// Which idea to show.
    #[command(subcommand)]
    pub demo: Demo,
    /// Print the facts observed as JSON on stdout (the narration goes to stderr).
    #[arg(long, global = true)]
    pub json: bool,
    /// How long a child's work takes, in ms: a sleep, like the lecture's time.sleep(1).
    #[arg(
        long,
        global = true,
        default_value_t = 1000,
        value_parser = clap::value_parser!(u64).range(10..=10_000)
    )]
    pub work_ms: u64,
    /// Draw each scene's timeline while the processes live, redrawn in place
    /// on the terminal (stderr); what they say is printed when the run ends.
    #[arg(long, global = true)]
    pub live: bool,
}

/// The ideas, in the lecture's order.
#[derive(Clone, Copy, Debug, Subcommand)]
pub enum Demo {
    /// A parent starts a child; start() returns at once while the child works.
    Spawn,
    /// Five children joined inside the loop (one after another) or after all have started (side by side).
    Join,
    /// The parent sets a global to 100, the child its copy to 0; then a thread, which shares it.
    Isolation,
    /// What fork() really copies (copy-on-write), and what a thread shares, from /proc/<pid>/smaps_rollup.
    Memory,
    /// A daemonic child stops with its parent, a normal one is waited for; then the parent is SIGKILLed.
    Daemon,
    /// A child stopped with SIGTERM: alive, zombie, reaped; its exit status and Python's exitcode.
    Terminate,
    /// A child exits and its parent does not wait yet: state Z until the wait.
    Zombie,
    /// The parent exits first; the child is adopted by the nearest subreaper.
    Orphan,
    /// All of the above, in order, for a class.
    All,
}

/// Runs the command line and says how it ended: 0, 1 if something failed,
/// 130 after Ctrl-C and 143 after SIGTERM (bad flags: 2, from clap).
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let signals = match Signals::take() {
        Ok(signals) => signals,
        Err(stop) => {
            eprintln!("processes: {stop}");
            return ExitCode::FAILURE;
        }
    };
    let live = if cli.live { Live::open() } else { None };
    let narrator = Narrator::new(cli.json, live);
    // A panic must not leave children behind either: it ends the run like a
    // failure, with the same cleanup.
    let result = cleanup::become_subreaper().and_then(|()| {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            run(&cli, &signals, narrator)
        }))
        .unwrap_or_else(|_| Err(Stop::failed("a demo panicked")))
    });
    // A stopped run's processes are gone before the live view ends: none is
    // left to say a line that nobody would print.
    let result = result.map_err(|stop| (stop, cleanup::kill_and_reap_all()));
    narrator.end_live();
    match result {
        Ok(facts) => {
            if cli.json {
                println!("{facts:#}");
            }
            ExitCode::SUCCESS
        }
        Err((stop, cleanup)) => {
            eprintln!("processes: {stop}");
            match cleanup {
                Ok(n) => eprintln!("processes: killed and reaped {n} descendant(s); none is left"),
                Err(err) => eprintln!("processes: {err}"),
            }
            match stop {
                Stop::Interrupted(signal) => ExitCode::from(128 + signal as u8),
                Stop::Failed(_) => ExitCode::FAILURE,
            }
        }
    }
}

/// Runs the demo(s) the command line names, told by `narrator`, and
/// returns the facts seen.
pub fn run(cli: &Cli, signals: &Signals, narrator: Narrator) -> Result<serde_json::Value, Stop> {
    let work = cli.work_ms;
    let one = |demo: Demo| -> Result<serde_json::Value, Stop> {
        let narrator = narrator.restarted();
        match demo {
            Demo::Spawn => facts(spawn::run(signals, narrator, work)),
            Demo::Join => facts(join::run(signals, narrator, work)),
            Demo::Isolation => facts(isolation::run(signals, narrator)),
            Demo::Memory => facts(memory::run(signals, narrator)),
            Demo::Daemon => facts(daemon::run(signals, narrator, work)),
            Demo::Terminate => facts(terminate::run(signals, narrator, work)),
            Demo::Zombie => facts(zombie::run(signals, narrator, work)),
            Demo::Orphan => facts(orphan::run(signals, narrator, work)),
            Demo::All => Err(Stop::failed("`all` is not one demo")),
        }
    };
    let facts = match cli.demo {
        Demo::All => {
            let mut all = serde_json::Map::new();
            for (name, demo) in [
                ("spawn", Demo::Spawn),
                ("join", Demo::Join),
                ("isolation", Demo::Isolation),
                ("memory", Demo::Memory),
                ("daemon", Demo::Daemon),
                ("terminate", Demo::Terminate),
                ("zombie", Demo::Zombie),
                ("orphan", Demo::Orphan),
            ] {
                narrator.print(&format!("\n== processes {name}\n"));
                all.insert(name.to_string(), one(demo)?);
            }
            serde_json::Value::Object(all)
        }
        demo => one(demo)?,
    };
    nothing_left_behind()?;
    Ok(facts)
}

/// The facts of one demo as JSON.
fn facts(observed: Result<impl Serialize, Stop>) -> Result<serde_json::Value, Stop> {
    serde_json::to_value(observed?).map_err(|err| Stop::failed(format!("facts as JSON: {err}")))
}

/// Prints the pictures of `histories`, all on one time scale, unless the
/// narration is going to stderr.
pub fn show(narrator: &Narrator, histories: &[&History]) {
    if narrator.json() {
        return;
    }
    let end = histories.iter().map(|h| h.end_ms()).fold(0.0, f64::max);
    let width = pictures::text::picture_width(None);
    for history in histories {
        narrator.draw(&picture::draw(history, end, width));
    }
}

/// A demo that ends well has waited for every process it started: checks
/// in `/proc` that no descendant is left, zombie or alive.
fn nothing_left_behind() -> Result<(), Stop> {
    let left = procfs::descendants(getpid())?;
    if left.is_empty() {
        Ok(())
    } else {
        Err(Stop::failed(format!("processes left behind: {left:?}")))
    }
}
