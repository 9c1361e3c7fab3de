//! The command line: the shared flags, trace files to compare, the flags of
//! `compare` itself, and which of its modes a command line asks for.
//!
//! Four modes, one binary:
//!
//! - **the four styles** (no file, no `--scale`): run them on the scene the
//!   shared flags describe, and show them side by side;
//! - **trace files** (`compare a.json b.json`): show those runs instead;
//! - **scale** (`--scale 100,1000,10000`): every style at growing numbers
//!   of customers, as a table;
//! - **a child** (hidden `--child`): what `compare` runs in each of its
//!   child processes: one style's customers, or a bank. It is how `compare`
//!   gives every style a process of its own; people never type it.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use clap::error::ErrorKind;
use clap::parser::ValueSource;
use clap::{ArgMatches, CommandFactory, FromArgMatches, Parser, ValueEnum};
use scene::flags::SharedArgs;
use scene::kernel::Sampling;
use timeline::style::Style;

/// What `--help` says first.
const ABOUT: &str = "The four ways to wait, side by side: sync-blocking 同步阻塞, \
sync-nonblocking 同步非阻塞, async-blocking 异步阻塞 and async-nonblocking 异步非阻塞 \
meet the same customers, each style in a process of its own, one after another; \
then one picture on one time axis, under the ideal schedule, and what each cost.";

/// What `--help` says last.
const AFTER_HELP: &str = "\
Examples:
  cargo run -p compare                          the lecture's scene, four ways
  cargo run -p compare -- --customers 200 --tellers 8 --service 20 --arrival-gap 1
  cargo run -p compare -- --policy rr --quantum 100  the four styles under round robin
  cargo run -p compare -- --chrome all.json --html report.html --trace-dir runs/
  cargo run -p compare -- runs/*.json           compare trace files (any style, any machine)
  cargo run -p compare -- --replay runs/*.json  play them again: space, arrows, + -, q
  cargo run -p compare -- --live --speed 0.25   watch each style's run as it happens
  cargo run --release -p compare -- --scale 100,1000,10000 --tellers 8 --service 10 --arrival-gap 0.1
  cargo run --release -p compare -- --scale 100,1000,10000 --html scale.html --chart scale.svg

The bank runs inside each style's process when the machine's open-file limit
allows (its tellers are then recorded too), else in a process of its own;
with --scale always in its own process, a fresh one for every run.

Runs that would pass a limit of this machine (threads, open files) are refused
before they start, with a message naming the limit and the largest run that fits.

Exit codes: 0 every run served everyone (with --scale, refused runs are part of
the table); 1 a run failed or lost customers, a style was refused (without
--scale), or a file could not be written; 2 a bad flag or file, or no run fits
this machine at all; 130 interrupted (Ctrl-C): every child process is stopped.

Walkthrough: docs/05-compare.md (and docs/00-overview.md for the lecture).";

/// `compare`'s command line.
#[derive(Parser, Debug)]
#[command(name = "compare", version, about = ABOUT, after_help = AFTER_HELP)]
pub struct Cli {
    /// The scene every style meets (the same flags as every demo).
    #[command(flatten)]
    pub shared: SharedArgs,

    /// Trace files to compare instead of running the styles: written by any
    /// demo's --trace or by compare's --trace-dir, of any style, from any machine.
    #[arg(value_name = "TRACE.json", conflicts_with_all = ["scale", "trace_dir"])]
    pub files: Vec<PathBuf>,

    /// Run every style at each of these numbers of customers (the C10K
    /// question) and show a table: --scale 100,1000,10000.
    #[arg(long, value_name = "N,N,...", value_delimiter = ',', value_parser = customers_count,
          conflicts_with = "scenario")]
    pub scale: Option<Vec<u32>>,

    /// With --scale: run each point K times and report the median of each figure.
    #[arg(long, value_name = "K", default_value_t = 1, requires = "scale",
          value_parser = clap::value_parser!(u32).range(1..=99))]
    pub repeat: u32,

    /// With --scale: also run the Python asyncio peer (runner python-asyncio)
    /// on every scene, against the same kind of bank.
    #[arg(long, requires = "scale")]
    pub python: bool,

    /// The Python peer's script [default: peers/python/asyncio_customers.py
    /// of this workspace].
    #[arg(long, value_name = "FILE", requires = "python")]
    pub python_script: Option<PathBuf>,

    /// The Python interpreter that runs the peer.
    #[arg(
        long,
        value_name = "PROGRAM",
        default_value = "python3",
        requires = "python"
    )]
    pub python_exe: String,

    /// Keep every run's trace file in DIR (sync-blocking.json, ...; with
    /// --scale, sync-blocking-1000.json, ...), to compare again later.
    #[arg(long, value_name = "DIR")]
    pub trace_dir: Option<PathBuf>,

    /// Write a self-contained HTML report to FILE: the swimlanes, the table,
    /// and with --scale the scale chart.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,

    /// With --scale: write the scale chart alone to FILE, as an SVG image
    /// (for a page that shows images, such as the docs on GitHub).
    #[arg(long, value_name = "FILE", requires = "scale")]
    pub chart: Option<PathBuf>,

    /// Play the trace files in the terminal on one time axis, at --speed X,
    /// with keys: space pause/resume, ← → step a column, + - speed, Home/End, q quit.
    #[arg(long, requires = "files", conflicts_with_all = ["html", "chrome"])]
    pub replay: bool,

    /// Child process: draw the run live on the terminal (stderr).
    #[arg(long, hide = true, requires = "child")]
    pub child_live: bool,

    /// Child process: what to run (`bank`, or a style's customers).
    #[arg(long, hide = true, value_name = "ROLE", value_parser = parse_role,
          requires = "child_scenario")]
    pub child: Option<Role>,

    /// Child process: the scenario, as JSON.
    #[arg(long, hide = true, value_name = "FILE", requires = "child")]
    pub child_scenario: Option<PathBuf>,

    /// Child process: where to write the trace.
    #[arg(long, hide = true, value_name = "FILE", requires = "child")]
    pub child_trace: Option<PathBuf>,

    /// Child process: the bank to use instead of one in the same process.
    #[arg(long, hide = true, value_name = "ADDR", requires = "child")]
    pub child_bank: Option<SocketAddr>,

    /// Child process: write the trace without its customers and events (the
    /// metrics are all a scale table needs).
    #[arg(long, hide = true, requires = "child_trace")]
    pub child_brief: bool,
}

impl Cli {
    /// The files this run writes for its user, each with its flag:
    /// `--chrome`, `--html`, `--chart`.
    pub fn files_written(&self) -> impl Iterator<Item = (&'static str, &Path)> {
        [
            ("--chrome", &self.shared.chrome),
            ("--html", &self.html),
            ("--chart", &self.chart),
        ]
        .into_iter()
        .filter_map(|(flag, path)| Some((flag, path.as_deref()?)))
    }
}

/// What a child process is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// A bank alone: listens on a free loopback port and prints its address.
    Bank,
    /// One style's customers.
    Customers(Style),
}

/// What a command line asks for.
#[derive(Clone, Debug, PartialEq)]
pub enum Mode {
    /// Run the four styles on the shared flags' scene, side by side.
    Styles,
    /// Show these trace files side by side.
    Files(Vec<PathBuf>),
    /// Play these trace files in the terminal, starting at this speed.
    Replay(Vec<PathBuf>, f64),
    /// Every style at each of these numbers of customers.
    Scale(Vec<u32>),
    /// Be one of `compare`'s child processes.
    Child(ChildTask),
}

/// A child process's task.
#[derive(Clone, Debug, PartialEq)]
pub struct ChildTask {
    /// What to run.
    pub role: Role,
    /// The scenario, serialised by the parent: every child meets the same customers.
    pub scenario: PathBuf,
    /// Where a customers' child writes its trace.
    pub trace: Option<PathBuf>,
    /// The bank a customers' child uses (`None`: one in its own process).
    pub bank: Option<SocketAddr>,
    /// Leave customers and events out of the trace.
    pub brief: bool,
    /// Whether to sample the kernel (the parent passes `--kernel on|off`).
    pub kernel: Sampling,
    /// Draw the run live on the terminal.
    pub live: bool,
}

/// The flags that only a `--scale` run takes.
const SCALE_FLAGS: [&str; 5] = ["chart", "repeat", "python", "python_script", "python_exe"];

/// The scene flags: with trace files they would mean nothing, since every
/// file holds its own scenario.
const SCENE_FLAGS: [&str; 16] = [
    "customers",
    "tellers",
    "policy",
    "quantum",
    "queues",
    "boost",
    "service",
    "arrival_gap",
    "errand",
    "errand_work",
    "poll_every",
    "yield_every",
    "seed",
    "scenario",
    "speed",
    "bank",
];

/// The command, with the shared flags' help said as `compare` uses them.
pub fn command() -> clap::Command {
    let mut command = Cli::command()
        .mut_arg("bank", |a| {
            a.help("Use the bank already running at ADDR for every run, one after another")
        })
        .mut_arg("chrome", |a| {
            a.help("Write one Chrome trace-event file of every run to FILE (a process per run), for Perfetto")
        })
        .mut_arg("width", |a| {
            a.help("Width of the picture in columns [default: the terminal's, or 100]")
        })
        // One run's trace makes no sense here (see `Cli::mode`): --trace-dir keeps them all.
        .mut_arg("trace", |a| a.hide(true));
    for id in SCENE_FLAGS {
        command = command.mut_arg(id, |a| {
            a.help_heading("The scene (the same flags as every demo)")
        });
    }
    for id in [
        "scale",
        "repeat",
        "python",
        "python_script",
        "python_exe",
        "trace_dir",
        "html",
        "chart",
        "chrome",
        "width",
        "replay",
        "live",
        "per_customer",
    ] {
        command = command.mut_arg(id, |a| a.help_heading("Comparing"));
    }
    command
}

/// Parses the command line, or exits (code 2 for a bad one, 0 for `--help`).
pub fn parse() -> (Cli, Mode) {
    let matches = command().get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(err) => err.exit(),
    };
    match cli.mode(&matches) {
        Ok(mode) => (cli, mode),
        Err(err) => err.exit(),
    }
}

impl Cli {
    /// The mode asked for, after the checks clap's attributes cannot express.
    pub fn mode(&self, matches: &ArgMatches) -> Result<Mode, clap::Error> {
        let refuse = |message: String| command().error(ErrorKind::ArgumentConflict, message);
        let given = |id: &str| matches.value_source(id) == Some(ValueSource::CommandLine);
        if let Some(role) = self.child {
            let scenario = self
                .child_scenario
                .clone()
                .ok_or_else(|| refuse("--child needs --child-scenario".into()))?;
            return Ok(Mode::Child(ChildTask {
                role,
                scenario,
                trace: self.child_trace.clone(),
                bank: self.child_bank,
                brief: self.child_brief,
                kernel: self.shared.kernel,
                live: self.child_live,
            }));
        }
        if self.shared.trace.is_some() {
            return Err(refuse(
                "--trace writes one run, and compare makes several: keep them all with \
                 --trace-dir DIR"
                    .into(),
            ));
        }
        let files: Vec<(&str, Option<&Path>)> = self
            .files_written()
            .map(|(flag, path)| (flag, Some(path)))
            .collect();
        timeline::output::one_on_stdout(&files).map_err(refuse)?;
        if !self.files.is_empty() {
            if self.shared.live {
                return Err(refuse(
                    "--live draws runs as they happen; trace files are played again with \
                     --replay"
                        .into(),
                ));
            }
            // A replay's --speed is how fast it plays.
            let scene_flag = |id: &&&str| given(id) && !(self.replay && **id == "speed");
            if let Some(flag) = SCENE_FLAGS.iter().find(scene_flag) {
                return Err(refuse(format!(
                    "--{} does not apply to trace files: each holds the scenario it ran",
                    flag.replace('_', "-")
                )));
            }
            // clap waives `requires = "scale"` here, since files conflict
            // with --scale: the flags of a --scale run are refused by name.
            if let Some(flag) = SCALE_FLAGS.iter().find(|id| given(id)) {
                return Err(refuse(format!(
                    "--{} belongs to a --scale run; trace files hold runs already made",
                    flag.replace('_', "-")
                )));
            }
            if self.replay {
                return Ok(Mode::Replay(self.files.clone(), self.shared.speed));
            }
            return Ok(Mode::Files(self.files.clone()));
        }
        if let Some(counts) = &self.scale {
            if counts.is_empty() {
                return Err(refuse(
                    "--scale needs at least one number of customers".into(),
                ));
            }
            if self.shared.live {
                return Err(refuse(
                    "--live draws one run at a time; --scale makes many: run a style with \
                     --live instead"
                        .into(),
                ));
            }
            if self.shared.bank.is_some() {
                return Err(refuse(
                    "--scale starts a fresh bank for every run, so it takes no --bank \
                     (nor BANK_QUEUE_BANK)"
                        .into(),
                ));
            }
            if self.shared.per_customer {
                return Err(refuse(
                    "--per-customer shows each run's customers, and a --scale table keeps none"
                        .into(),
                ));
            }
            // Growing numbers, each once: the table reads top to bottom.
            let mut counts = counts.clone();
            counts.sort_unstable();
            counts.dedup();
            return Ok(Mode::Scale(counts));
        }
        Ok(Mode::Styles)
    }
}

/// A number of customers for `--scale`: the same range as `--customers`.
fn customers_count(text: &str) -> Result<u32, String> {
    match text.trim().parse::<u32>() {
        Ok(n) if (1..=100_000).contains(&n) => Ok(n),
        _ => Err("expected numbers of customers from 1 to 100000, separated by commas".into()),
    }
}

/// `bank`, or a style's name.
fn parse_role(text: &str) -> Result<Role, String> {
    if text == "bank" {
        return Ok(Role::Bank);
    }
    Style::from_str(text, false)
        .map(Role::Customers)
        .map_err(|_| {
            format!(
                "expected `bank` or a style, not {}",
                timeline::visible::quoted(text, 64)
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(args: &[&str]) -> Result<Mode, clap::Error> {
        let matches = command()
            .try_get_matches_from(std::iter::once("compare").chain(args.iter().copied()))?;
        let cli = Cli::from_arg_matches(&matches)?;
        cli.mode(&matches)
    }

    #[test]
    fn each_mode_from_its_command_line() {
        assert_eq!(mode(&[]).expect("no flags"), Mode::Styles);
        assert_eq!(
            mode(&["a.json", "b.json"]).expect("two files"),
            Mode::Files(vec!["a.json".into(), "b.json".into()])
        );
        assert_eq!(
            mode(&["--replay", "a.json", "--speed", "0.5"]).expect("a replay"),
            Mode::Replay(vec!["a.json".into()], 0.5)
        );
        assert_eq!(
            mode(&["--scale", "1000,100,1000", "--tellers", "8"]).expect("a scale"),
            Mode::Scale(vec![100, 1000])
        );
        let child = mode(&[
            "--child",
            "async-blocking",
            "--child-scenario",
            "s.json",
            "--child-trace",
            "t.json",
        ])
        .expect("a child");
        let Mode::Child(task) = child else {
            panic!("a child task, not {child:?}")
        };
        assert_eq!(task.role, Role::Customers(Style::AsyncBlocking));
    }

    #[test]
    fn bad_combinations_exit_2_naming_the_flag() {
        let bad: &[(&[&str], &str)] = &[
            (&["--scale", "0"], "--scale"),
            (&["--scale", "100,lots"], "--scale"),
            (&["--scale", "100", "--bank", "127.0.0.1:7878"], "--bank"),
            (&["--scale", "100", "--scenario", "s.toml"], "--scenario"),
            (&["--scale", "100", "--per-customer"], "--per-customer"),
            (&["a.json", "--customers", "5"], "--customers"),
            (&["a.json", "--errand-work", "cpu"], "--errand-work"),
            (&["a.json", "--yield-every", "0"], "--yield-every"),
            (&["a.json", "--policy", "rr"], "--policy"),
            (&["a.json", "--scale", "10"], "--scale"),
            (&["--trace", "t.json"], "--trace-dir"),
            (&["--repeat", "3"], "--scale"),
            (&["--scale", "10", "--repeat", "0"], "--repeat"),
            (&["--python"], "--scale"),
            (&["--chart", "x.svg"], "--chart"),
            (&["a.json", "--chart", "x.svg"], "--chart"),
            (&["a.json", "--repeat", "3"], "--repeat"),
            (&["a.json", "--python"], "--python"),
            (&["a.json", "--python-exe", "python3.12"], "--python-exe"),
            (&["--child", "nobody", "--child-scenario", "s"], "--child"),
            (&["--replay"], "--replay"),
            (&["a.json", "--live"], "--replay"),
            (&["a.json", "--replay", "--customers", "3"], "--customers"),
            (&["a.json", "--replay", "--html", "r.html"], "--html"),
            (&["--scale", "10", "--live"], "--live"),
            (&["a.json", "--replay", "--speed", "0"], "--speed"),
        ];
        for (args, flag) in bad {
            let err = mode(args).expect_err(&format!("{args:?} should be refused"));
            assert_eq!(err.exit_code(), 2, "{args:?}");
            assert!(err.to_string().contains(flag), "{args:?}: {err}");
        }
    }

    #[test]
    fn the_hidden_mode_stays_out_of_help() {
        let help = command().render_long_help().to_string();
        assert!(!help.contains("--child"), "{help}");
        for flag in [
            "--scale",
            "--html",
            "--chart",
            "--trace-dir",
            "--customers",
            "--python",
        ] {
            assert!(help.contains(flag), "{flag} in {help}");
        }
    }
}
