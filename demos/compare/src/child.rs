//! Inside a child process: one style's customers, or a bank alone.
//!
//! `compare` starts itself again (`std::env::current_exe()`) with the hidden
//! `--child ROLE` flag for every run, so that each style has a process of its
//! own: its CPU time, its peak memory, its threads and its context switches
//! are its own, and one style's leftovers (threads, sockets, allocator
//! arenas) cannot weigh on the next. The parent hands over the scenario as a
//! JSON file, so every child meets exactly the same customers.
//!
//! A child never outlives its parent: it asks the kernel to kill it when the
//! parent dies (`PR_SET_PDEATHSIG`), whatever the parent died of.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::process::ExitCode;

use bank::{self, Config};
use nix::sys::prctl;
use nix::sys::signal::Signal;
use scene::demo::{self, Customers, Watch};
use scene::live::Live;
use timeline::Recorder;
use timeline::Scenario;
use timeline::style::Style;

use crate::cli::{ChildTask, Role};

/// The environment variable through which the parent tells its pid.
pub const PARENT_PID: &str = "BANK_QUEUE_COMPARE_PARENT";

/// The connection backlog of a bank process: arrivals can come ten to a
/// millisecond, and a connection the kernel drops is retried only a second later.
const BACKLOG: u32 = 4096;

/// Runs the child's task; the exit code tells the parent how it went
/// (0 all served, 1 a visit or the run failed, 2 the task cannot be run here).
pub fn main(task: ChildTask) -> ExitCode {
    stay_with_parent();
    let scenario = match read_scenario(&task.scenario) {
        Ok(scenario) => scenario,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(2);
        }
    };
    match task.role {
        Role::Bank => serve_bank(&scenario),
        Role::Customers(style) => run_customers(style, scenario, &task),
    }
}

/// The customers of each style, as its crate gives them.
pub fn customers(style: Style) -> Customers {
    match style {
        Style::SyncBlocking => sync_blocking::customers,
        Style::SyncNonblocking => sync_nonblocking::customers,
        Style::AsyncBlocking => async_blocking::customers,
        Style::AsyncNonblocking => async_nonblocking::customers,
    }
}

/// Dies with the parent: the kernel sends SIGKILL when the parent goes. If
/// the parent is already gone (it died before this line), leaves now.
fn stay_with_parent() {
    if let Err(err) = prctl::set_pdeathsig(Signal::SIGKILL) {
        eprintln!("warning: cannot tie this child to compare ({err})");
    }
    let parent = std::env::var(PARENT_PID)
        .ok()
        .and_then(|pid| pid.parse::<i32>().ok());
    if let Some(parent) = parent {
        if nix::unistd::getppid().as_raw() != parent {
            std::process::exit(1);
        }
    }
}

/// The scenario the parent wrote.
fn read_scenario(path: &Path) -> Result<Scenario, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|err| format!("cannot read the scenario {}: {err}", path.display()))?;
    serde_json::from_str(&text)
        .map_err(|err| format!("{} is not a scenario: {err}", path.display()))
}

/// One style's customers: the shared driver's [`demo::run`], recorded, and
/// the trace written where the parent reads it.
fn run_customers(style: Style, scenario: Scenario, task: &ChildTask) -> ExitCode {
    if let Err(refusal) = demo::fits(style, &scenario, task.bank.is_none()) {
        eprintln!("error: {refusal}");
        return ExitCode::from(2);
    }
    // Recorded as every demo records (without `tracing-subscriber`'s
    // registry, which cannot hold ten thousand sync customers' threads).
    let recorder = Recorder::new();
    demo::install(&recorder, style, &scenario);
    // A bar on stderr, when it is a terminal: the parent's stderr is ours;
    // or, with --live, the run drawn there as it happens.
    let live = task
        .live
        .then(|| {
            Live::open(
                style,
                &scenario,
                bank::ideal::schedule(&scenario).makespan_ms,
            )
        })
        .flatten();
    let how_many = scenario.customers.len();
    let watch = Watch::of_command(None, live, task.kernel.wanted(how_many), how_many);
    let run = match demo::run_watched(
        style,
        customers(style),
        scenario,
        task.bank,
        &recorder,
        watch,
    ) {
        Ok(run) => run,
        Err(err) => {
            eprintln!("error: {style} cannot run: {err}");
            return ExitCode::FAILURE;
        }
    };
    let mut trace = run.trace;
    if task.brief {
        // The figures stay; the thousands of rows behind them go.
        trace.customers.clear();
        trace.tellers.clear();
        trace.events.clear();
        trace.lanes.clear();
    }
    let mut code = ExitCode::SUCCESS;
    if let Some(path) = &task.trace {
        if let Err(err) = trace.write(path) {
            eprintln!("error: cannot write the trace to {}: {err}", path.display());
            code = ExitCode::FAILURE;
        }
    }
    for failure in run.failures.iter().take(3) {
        eprintln!("{style}: {failure}");
    }
    if run.failures.len() > 3 {
        eprintln!(
            "{style}: ... and {} more failed visits",
            run.failures.len() - 3
        );
    }
    if !run.failures.is_empty() {
        code = ExitCode::FAILURE;
    }
    code
}

/// A bank alone, for customers in another process: listens on a free
/// loopback port, prints the address on stdout (the parent reads it), and
/// serves until it is killed.
fn serve_bank(scenario: &Scenario) -> ExitCode {
    // Its end of every customer's socket is here.
    let _ = scene::limits::raise_open_files();
    // A runtime of several threads, like the `bank` binary's. One thread
    // costs the bank less CPU, and the tellers more time: measured at
    // 10,000 customers (async-nonblocking, two cores, load about 2), a
    // current-thread bank took 0.7 to 0.8 s of CPU instead of 1.2 to 1.3 s,
    // and its tellers' gaps between two customers grew from about 0.9 s in
    // all to 1.4 to 2.1 s (makespan 13.0 to 13.3 s instead of 12.95 s).
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: the bank cannot start its runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    // Room for every customer of the scenario at once, and patience with
    // the slowest reaction its style allows.
    let config = Config::for_scenario(scenario);
    let served = runtime.block_on(async {
        let socket = tokio::net::TcpSocket::new_v4()?;
        socket.bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))?;
        let listener = socket.listen(BACKLOG)?;
        // stdout is line-buffered: the parent gets this line at once.
        println!("{}", listener.local_addr()?);
        bank::serve(listener, config, std::future::pending()).await
    });
    match served {
        Ok(_closed) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: the bank stopped: {err}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_crate_is_the_style_it_is_run_as() {
        assert_eq!(sync_blocking::STYLE, Style::SyncBlocking);
        assert_eq!(sync_nonblocking::STYLE, Style::SyncNonblocking);
        assert_eq!(async_blocking::STYLE, Style::AsyncBlocking);
        assert_eq!(async_nonblocking::STYLE, Style::AsyncNonblocking);
    }
}
