//! The 10,000-customer benchmark (issue 15): where the tellers' time goes
//! when a crowd walks in, and whether the asynchronous styles keep them busy.
//!
//! ```sh
//! cargo bench -p compare --bench scale
//! ```
//!
//! It runs exactly the issue's command, in the bench profile (optimised, as
//! `--release`):
//!
//! ```text
//! compare --scale 10000 --tellers 8 --service 10 --arrival-gap 0.1 --errand 20 --repeat 3
//! ```
//!
//! every style three times against a fresh bank, one run at a time (about
//! ten minutes, six of them sync-nonblocking's), and prints the medians as
//! `compare` does: the scale table (turnaround, time lost, tellers'
//! efficiency, peak RSS...) and where the tellers' time went (overrun,
//! reaction, gap, idle; the reactions' p50/p99 while customers arrive and
//! after), taken whole from the run of median makespan. Then the targets
//! (`compare::targets`), each met or missed; any missed, it exits 1 and
//! says which. The machine's load average is printed before and after,
//! read from `/proc/loadavg`: on a busy machine the figures are the load's
//! as much as the code's.
//!
//! It is not part of `.ci/run`: it takes minutes, and its figures mean
//! something only on a quiet machine.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::FromArgMatches as _;
use compare::cli::{self, Cli, Mode};
use compare::runs::Launcher;
use compare::{scale_runs, targets};

/// The issue's command, word for word.
const COMMAND: [&str; 13] = [
    "compare",
    "--scale",
    "10000",
    "--tellers",
    "8",
    "--service",
    "10",
    "--arrival-gap",
    "0.1",
    "--errand",
    "20",
    "--repeat",
    "3",
];

/// Columns of the printed tables.
const WIDTH: usize = 120;

fn main() -> ExitCode {
    match bench() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(err) => {
            eprintln!("bench scale: {err}");
            ExitCode::from(2)
        }
    }
}

/// Runs the command and checks the targets: whether every one was met.
fn bench() -> Result<bool, String> {
    let matches = cli::command()
        .try_get_matches_from(COMMAND)
        .map_err(|err| err.to_string())?;
    let cli = Cli::from_arg_matches(&matches).map_err(|err| err.to_string())?;
    let Mode::Scale(counts) = cli.mode(&matches).map_err(|err| err.to_string())? else {
        return Err("the issue's command is not a --scale run".to_owned());
    };
    // The same open-file limit as `compare` gives its children.
    let _ = scene::limits::raise_open_files();
    // The children are the `compare` binary Cargo built beside this bench.
    let launcher = Launcher::of(PathBuf::from(env!("CARGO_BIN_EXE_compare")), None)?;
    let plan = scale_runs::Plan {
        args: &cli.shared,
        counts: &counts,
        repeat: cli.repeat,
        peer: None,
        keep_smallest: false,
    };
    println!("bench scale: {}", COMMAND.join(" "));
    println!("load average before: {}", load_average());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| format!("cannot start the runtime: {err}"))?;
    let results = runtime.block_on(scale_runs::run(&launcher, &plan))?;
    println!("load average after: {}\n", load_average());
    // The tables are styled; anstream keeps the styles for a terminal only.
    anstream::print!("{}", scale_runs::tables(&results.points, cli.repeat, WIDTH));

    let mut every_one_met = true;
    println!("\nTargets, on the medians of {} runs:", cli.repeat);
    for &n in &counts {
        for verdict in targets::check(&results.points, n) {
            let word = if verdict.met { "met   " } else { "MISSED" };
            println!("  {word} {}: {}", verdict.target, verdict.measured);
            if !verdict.met {
                eprintln!(
                    "bench scale: target missed: {}: {}",
                    verdict.target, verdict.measured
                );
            }
            every_one_met &= verdict.met;
        }
    }
    Ok(every_one_met)
}

/// The machine's load averages over 1, 5 and 15 minutes, and its number of
/// CPUs, as the kernel says them.
fn load_average() -> String {
    let cpus = std::thread::available_parallelism().map_or(0, usize::from);
    match std::fs::read_to_string("/proc/loadavg") {
        Ok(text) => {
            let load: Vec<&str> = text.split_whitespace().take(3).collect();
            format!("{} (1, 5, 15 min) on {cpus} CPUs", load.join(", "))
        }
        Err(err) => format!("unknown (/proc/loadavg: {err})"),
    }
}
