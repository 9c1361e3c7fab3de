//! # The command line: three subcommands, one way to quiz
//!
//! - `scheduling jobs`: FCFS, SJF, STCF or round robin on jobs;
//! - `scheduling states`: processes of `cpu` and `io` instructions, their
//!   states tick by tick;
//! - `scheduling mlfq`: the multilevel feedback queue.
//!
//! Each takes its problem from the flags (`--jobs`, `--program`, `--job`)
//! or makes one up from `--seed`. A given problem is answered at once; a
//! seeded one is only posed, until `--solve`. `--answer` grades the
//! student's numbers, `--json` prints the answer for scripts.
//!
//! Exit codes: 0 done (and, with `--answer`, every number right); 1 some
//! number of `--answer` wrong; 2 a bad flag (clap names it).

use std::fmt::Write as _;
use std::io::Write as _;
use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};

use crate::answer::{self, Answer};
use crate::jobs::{self, Job, Policy};
use crate::measures::{self, Measure, Measures};
use crate::mlfq::{self, MlfqJob, Rules};
use crate::states::{self, AfterIo, Instruction, Machine, Switch};
use crate::{problem, report};

/// What `--help` says first.
const ABOUT: &str = "Who goes next (进程调度): the lecture's scheduling policies on one CPU, \
tick by tick: FCFS 先来先服务, SJF 短作业优先, STCF, round robin 时间片轮转 and the \
multilevel feedback queue 多级反馈队列; and the process states 运行 running, 就绪 ready, \
阻塞 blocked. Exact answers, equal to OSTEP's homework simulators on the same inputs.";

/// What `--help` says last.
const AFTER_HELP: &str = "\
Definitions:
  response   = first run - arrival
  turnaround = completion - arrival
  wait       = ticks ready (就绪) but not running

Examples:
  scheduling jobs --policy fcfs --jobs 8,3,5
  scheduling jobs --policy rr --quantum 2 --jobs 0:8,2:3,4:5
  scheduling states --program io,io,cpu --program cpu,cpu
  scheduling mlfq --job 0:30:0 --job 5:8:0 --quantum 4
  scheduling jobs --policy sjf --seed 7                  a problem to work out
  scheduling jobs --policy sjf --seed 7 --answer \"turnaround=...\"

Exit codes: 0 done (with --answer: all right); 1 some of --answer wrong; 2 a bad flag.

Walkthrough: docs/06-scheduling.md";

/// Most jobs or processes one problem may have.
const MOST_JOBS: usize = 26;

/// The longest a job may be, and the latest it may arrive, in ticks.
const MOST_TICKS: u32 = 10_000;

/// `scheduling`'s command line.
#[derive(Parser, Debug)]
#[command(name = "scheduling", version, about = ABOUT, after_help = AFTER_HELP)]
pub struct Cli {
    /// Which simulator to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The three simulators.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// FCFS, SJF, STCF or round robin on jobs (arrival and length only):
    /// the execution order, a Gantt chart, and every job's response,
    /// turnaround and wait.
    #[command(after_help = AFTER_HELP)]
    Jobs(JobsArgs),
    /// Processes of cpu and io instructions on one CPU: every tick, each
    /// process's state (运行 running, 就绪 ready, 阻塞 blocked, done); then
    /// the total time and how busy the CPU and the I/O device were.
    #[command(after_help = AFTER_HELP)]
    States(StatesArgs),
    /// The multilevel feedback queue (多级反馈队列): which job runs at which
    /// queue level, tick by tick, and every job's response and turnaround.
    #[command(after_help = AFTER_HELP)]
    Mlfq(MlfqArgs),
}

/// The flags every simulator shares: where the problem comes from, and
/// what to print.
#[derive(Args, Debug)]
pub struct Quiz {
    /// Make up a random problem from this seed (the same seed, the same
    /// problem); it is only posed, not answered, unless --solve.
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,

    /// With --seed: print the answer, not only the problem.
    #[arg(long)]
    pub solve: bool,

    /// Grade your numbers, job by job: "turnaround=8,11,16", several
    /// measures separated by ";" ("response=0,8,11;wait=0,8,11"). For
    /// states: "total=N;cpu_busy=N;io_busy=N". Exit code 1 if any is wrong.
    #[arg(long, value_name = "NAME=N,N,...", value_parser = answer::parse,
          conflicts_with = "json")]
    pub answer: Option<Answer>,

    /// Print the answer as JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `scheduling jobs`.
#[derive(Args, Debug)]
pub struct JobsArgs {
    /// Who runs next: fcfs (先来先服务), sjf (短作业优先), stcf (shortest
    /// time-to-completion first, pre-emptive), rr (时间片轮转).
    #[arg(long, value_enum)]
    pub policy: PolicyName,

    /// With --policy rr: the time slice, in ticks [default: 1].
    #[arg(long, value_name = "Q", value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub quantum: Option<u32>,

    /// The jobs: their lengths, all arriving at 0 ("8,3,5"), or
    /// ARRIVAL:LENGTH pairs ("0:8,2:3,4:5"). Job 0 is the first given.
    #[arg(long, value_name = "LIST", value_parser = parse_jobs,
          required_unless_present = "seed", conflicts_with = "seed")]
    pub jobs: Option<JobList>,

    /// Where the problem comes from, and what to print.
    #[command(flatten)]
    pub quiz: Quiz,
}

/// The policies by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PolicyName {
    /// First come, first served (先来先服务).
    Fcfs,
    /// Shortest job first (短作业优先), non-pre-emptive.
    Sjf,
    /// Shortest time-to-completion first, pre-emptive.
    Stcf,
    /// Round robin (时间片轮转).
    Rr,
}

/// A `--jobs` list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobList(pub Vec<Job>);

/// `scheduling states`.
#[derive(Args, Debug)]
pub struct StatesArgs {
    /// A process's program: cpu and io instructions, comma-separated
    /// ("io,io,cpu"). Repeat for each process; process 0 is the first.
    #[arg(long = "program", value_name = "PROGRAM", value_parser = parse_program,
          required_unless_present = "seed", conflicts_with = "seed")]
    pub programs: Vec<Vec<Instruction>>,

    /// How many ticks an I/O keeps its process blocked.
    #[arg(long, value_name = "T", default_value_t = 5,
          value_parser = clap::value_parser!(u32).range(0..=1_000))]
    pub io_length: u32,

    /// When the CPU leaves the running process: on-io (when it starts an
    /// I/O, or ends) or on-end (only when it ends).
    #[arg(long, value_enum, default_value_t = SwitchName::OnIo)]
    pub switch: SwitchName,

    /// When an I/O completes, its process runs: later (when it is its
    /// turn) or immediate (at once, taking the CPU).
    #[arg(long, value_enum, default_value_t = AfterIoName::Later)]
    pub after_io: AfterIoName,

    /// Where the problem comes from, and what to print.
    #[command(flatten)]
    pub quiz: Quiz,
}

/// `--switch`'s values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SwitchName {
    /// Switch when the running process starts an I/O or ends.
    OnIo,
    /// Switch only when the running process ends.
    OnEnd,
}

/// `--after-io`'s values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AfterIoName {
    /// The process waits its turn.
    Later,
    /// The process takes the CPU at once.
    Immediate,
}

/// `scheduling mlfq`.
#[derive(Args, Debug)]
pub struct MlfqArgs {
    /// A job: START:LENGTH:IO_EVERY (it issues an I/O after every IO_EVERY
    /// ticks of CPU; 0 or left out: never). Repeat for each job.
    #[arg(long = "job", value_name = "START:LENGTH:IO_EVERY", value_parser = parse_mlfq_job,
          required_unless_present = "seed", conflicts_with = "seed")]
    pub jobs: Vec<MlfqJob>,

    /// How many queues (levels of priority), 1 to 9.
    #[arg(long, value_name = "N", default_value_t = 3,
          value_parser = clap::value_parser!(u32).range(1..=9), conflicts_with = "quanta")]
    pub queues: u32,

    /// Queue 1's time slice; each queue below has twice the slice of the one
    /// above (第i+1个队列的时间片要比第i个队列的时间片长一倍).
    #[arg(long, value_name = "Q", default_value_t = 10,
          value_parser = clap::value_parser!(u32).range(1..=10_000), conflicts_with = "quanta")]
    pub quantum: u32,

    /// Every queue's slice instead, queue 1 first ("10,20,40"); the number
    /// of values is the number of queues.
    #[arg(long, value_name = "Q,Q,...", value_delimiter = ',', num_args = 1..=9,
          value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub quanta: Option<Vec<u32>>,

    /// How many slices a job may use at one level before it moves down.
    #[arg(long, value_name = "A", default_value_t = 1,
          value_parser = clap::value_parser!(u32).range(1..=1_000))]
    pub allotment: u32,

    /// How many ticks an I/O keeps its job blocked.
    #[arg(long, value_name = "T", default_value_t = 5,
          value_parser = clap::value_parser!(u32).range(0..=10_000))]
    pub io_time: u32,

    /// Every B ticks, every job goes back to queue 1 (priority boost).
    #[arg(long, value_name = "B", value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub boost: Option<u32>,

    /// An I/O resets the job's slice and allotment at its level, so a job
    /// that does I/O before its slice ends never moves down (OSTEP's -S).
    #[arg(long)]
    pub stay_after_io: bool,

    /// A job back from I/O goes to the head of its queue, not the tail
    /// (OSTEP's -I).
    #[arg(long)]
    pub io_bump: bool,

    /// Where the problem comes from, and what to print.
    #[command(flatten)]
    pub quiz: Quiz,
}

/// Parses the command line and runs it; the binary's `main`.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(code) => code,
        Err(err) => err.exit(),
    }
}

/// What a run produced: the text (or JSON) to print, and the exit code.
struct Printed {
    /// What to print on stdout.
    text: String,
    /// The exit code.
    code: ExitCode,
}

/// Runs a parsed command line: prints its output and returns the exit
/// code, or the clap error of a flag that does not fit the problem.
pub fn run(cli: &Cli) -> Result<ExitCode, clap::Error> {
    let outcome = match &cli.command {
        Command::Jobs(args) => jobs_command(args)?,
        Command::States(args) => states_command(args)?,
        Command::Mlfq(args) => mlfq_command(args)?,
    };
    let _ = write!(anstream::stdout(), "{}", outcome.text);
    Ok(outcome.code)
}

/// A usage error (exit code 2) of `subcommand`, saying `message`.
fn usage(subcommand: &str, kind: ErrorKind, message: String) -> clap::Error {
    let mut cli = Cli::command();
    cli.build();
    match cli.find_subcommand_mut(subcommand) {
        Some(sub) => sub.error(kind, message),
        None => cli.error(kind, message),
    }
}

/// Refuses more than [`MOST_JOBS`] uses of a repeated `flag`.
fn at_most(subcommand: &str, flag: &str, count: usize) -> Result<(), clap::Error> {
    if count <= MOST_JOBS {
        return Ok(());
    }
    Err(usage(
        subcommand,
        ErrorKind::TooManyValues,
        format!("{flag}: at most {MOST_JOBS} of them, not {count}"),
    ))
}

/// `scheduling jobs`.
fn jobs_command(args: &JobsArgs) -> Result<Printed, clap::Error> {
    let policy = match (args.policy, args.quantum) {
        (PolicyName::Rr, quantum) => Policy::Rr {
            quantum: quantum.unwrap_or(1),
        },
        (_, Some(_)) => {
            return Err(usage(
                "jobs",
                ErrorKind::ArgumentConflict,
                "--quantum applies only to --policy rr".into(),
            ));
        }
        (PolicyName::Fcfs, None) => Policy::Fcfs,
        (PolicyName::Sjf, None) => Policy::Sjf,
        (PolicyName::Stcf, None) => Policy::Stcf,
    };
    let jobs = match (&args.jobs, args.quiz.seed) {
        (Some(JobList(jobs)), _) => jobs.clone(),
        // Round robin's problems keep scheduler.py's setting: all at 0.
        (None, Some(seed)) => problem::jobs(seed, args.policy != PolicyName::Rr),
        (None, None) => Vec::new(),
    };
    let run = jobs::schedule(policy, &jobs);
    let title = format!(
        "{} on one CPU: {} job{}\n",
        policy_title(policy),
        jobs.len(),
        report::plural(jobs.len())
    );
    let problem = format!("{title}{}", report::jobs_list(&jobs));
    let answer = || {
        format!(
            "{title}\n{}\n{}\n{}",
            report::execution_order(&run),
            report::chart(&run, false),
            report::measures_table(&run)
        )
    };
    let all = measures::of_run(&run);
    let json = || report::measures_json(&run);
    let truth = |name: &str| per_job(&all, name);
    finish(
        &args.quiz,
        &measures_sheet("jobs", problem.clone(), &answer, &json, &truth),
    )
}

/// The policy's name, in English and in the lecture's words.
fn policy_title(policy: Policy) -> String {
    match policy {
        Policy::Fcfs => "FCFS 先来先服务".into(),
        Policy::Sjf => "SJF 短作业优先".into(),
        Policy::Stcf => "STCF 最短剩余时间优先".into(),
        Policy::Rr { quantum } => format!("RR 时间片轮转 (quantum {quantum})"),
    }
}

/// Everything a subcommand knows of its problem, for [`finish`] to print
/// what the quiz flags ask for.
struct Sheet<'a> {
    /// The subcommand, for usage errors.
    subcommand: &'static str,
    /// The problem as posed.
    problem: String,
    /// What to work out, and how to check it.
    hint: String,
    /// The whole answer, as text.
    answer: &'a dyn Fn() -> String,
    /// The answer as JSON.
    json: &'a dyn Fn() -> String,
    /// The measures `--answer` may name.
    known: Vec<&'static str>,
    /// The right numbers of a measure, by name.
    truth: &'a dyn Fn(&str) -> Option<Vec<u32>>,
    /// Names the i-th number of a measure ("job 2"); blank for one number.
    who: fn(usize) -> String,
}

/// The sheet of `jobs` and `mlfq`, whose answers are measures per job.
fn measures_sheet<'a>(
    subcommand: &'static str,
    problem: String,
    answer: &'a dyn Fn() -> String,
    json: &'a dyn Fn() -> String,
    truth: &'a dyn Fn(&str) -> Option<Vec<u32>>,
) -> Sheet<'a> {
    Sheet {
        subcommand,
        problem,
        hint: format!(
            "Work out each job's response, turnaround and wait, then check them: run this \
             again with\n  --answer \"response=...;turnaround=...;wait=...\"\n(one number \
             per job, in job order, each list comma-separated), or see the answer with \
             --solve.\n\n{}\n",
            report::DEFINITIONS
        ),
        answer,
        json,
        known: Measure::ALL.iter().map(|m| m.name()).collect(),
        truth,
        who: |i| format!("job {i}"),
    }
}

/// Every job's measure `name`, in job order; `None` if no measure has
/// that name.
fn per_job(all: &[Measures], name: &str) -> Option<Vec<u32>> {
    let measure = Measure::ALL.into_iter().find(|m| m.name() == name)?;
    Some(all.iter().map(|job| measure.of(job)).collect())
}

/// What to print, as the quiz flags ask: the JSON; the answer (a given
/// problem, or `--solve`); the problem alone (`--seed`); and the grade of
/// `--answer` after either.
fn finish(quiz: &Quiz, sheet: &Sheet) -> Result<Printed, clap::Error> {
    if quiz.solve && quiz.seed.is_none() {
        // (clap's `requires` is not enforced on a flag of a flattened struct.)
        return Err(usage(
            sheet.subcommand,
            ErrorKind::MissingRequiredArgument,
            "--solve goes with --seed: a problem given by the flags is answered anyway".into(),
        ));
    }
    if quiz.json {
        return Ok(Printed {
            text: format!("{}\n", (sheet.json)()),
            code: ExitCode::SUCCESS,
        });
    }
    let show_answer = quiz.seed.is_none() || quiz.solve;
    let Some(given) = &quiz.answer else {
        let text = if show_answer {
            (sheet.answer)()
        } else {
            let seed = quiz.seed.unwrap_or_default();
            format!("Problem (seed {seed}): {}\n{}", sheet.problem, sheet.hint)
        };
        return Ok(Printed {
            text,
            code: ExitCode::SUCCESS,
        });
    };
    if let Some(why) = given.mismatch(&sheet.known, sheet.truth) {
        return Err(usage(
            sheet.subcommand,
            ErrorKind::InvalidValue,
            format!("--answer: {why}"),
        ));
    }
    let mut text = if show_answer {
        (sheet.answer)()
    } else {
        sheet.problem.clone()
    };
    let grade = given.grade(sheet.truth, sheet.who);
    let _ = write!(text, "\nYour answer:\n{}", grade.report);
    let code = if grade.all_right() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    };
    Ok(Printed { text, code })
}

/// `scheduling states`.
fn states_command(args: &StatesArgs) -> Result<Printed, clap::Error> {
    at_most("states", "--program", args.programs.len())?;
    let machine = Machine {
        switch: match args.switch {
            SwitchName::OnIo => Switch::OnIo,
            SwitchName::OnEnd => Switch::OnEnd,
        },
        after_io: match args.after_io {
            AfterIoName::Later => AfterIo::Later,
            AfterIoName::Immediate => AfterIo::Immediate,
        },
        io_length: args.io_length,
    };
    let programs = match args.quiz.seed {
        Some(seed) if args.programs.is_empty() => problem::programs(seed),
        _ => args.programs.clone(),
    };
    let run = states::run(machine, &programs);
    let mut problem = format!(
        "{} process{} on one CPU\n",
        programs.len(),
        if programs.len() == 1 { "" } else { "es" }
    );
    for (id, program) in programs.iter().enumerate() {
        let _ = writeln!(problem, "  process {id}: {}", report::program(program));
    }
    problem.push_str(&report::machine(&machine));
    let answer = || format!("{problem}\n{}", report::states_answer(&run));
    let json = || report::states_json(&run);
    let truth = |name: &str| match name {
        "total" => Some(vec![run.total]),
        "cpu_busy" => Some(vec![run.cpu_busy]),
        "io_busy" => Some(vec![run.io_busy]),
        _ => None,
    };
    let sheet = Sheet {
        subcommand: "states",
        problem: problem.clone(),
        hint: "Work out each process's state in every tick (every io is followed by an \
               io_done, one tick of CPU\nonce the I/O has completed), the total time, and \
               in how many ticks the CPU and the I/O device were busy;\nthen check them: \
               run this again with\n  --answer \"total=...;cpu_busy=...;io_busy=...\"\n\
               or see the answer with --solve.\n"
            .into(),
        answer: &answer,
        json: &json,
        known: vec!["total", "cpu_busy", "io_busy"],
        truth: &truth,
        who: |_| String::new(),
    };
    finish(&args.quiz, &sheet)
}

/// `scheduling mlfq`.
fn mlfq_command(args: &MlfqArgs) -> Result<Printed, clap::Error> {
    at_most("mlfq", "--job", args.jobs.len())?;
    let rules = Rules {
        quanta: match &args.quanta {
            Some(quanta) => quanta.clone(),
            None => Rules::doubling(args.queues as usize, args.quantum),
        },
        allotment: args.allotment,
        io_time: args.io_time,
        boost: args.boost,
        stay_after_io: args.stay_after_io,
        io_bump: args.io_bump,
    };
    let jobs = match args.quiz.seed {
        Some(seed) if args.jobs.is_empty() => problem::mlfq_jobs(seed),
        _ => args.jobs.clone(),
    };
    let run = mlfq::schedule(&rules, &jobs);
    let problem = format!(
        "MLFQ 多级反馈队列: {} job{}\n{}{}",
        jobs.len(),
        report::plural(jobs.len()),
        report::rules(&rules),
        report::mlfq_list(&jobs)
    );
    let answer = || {
        format!(
            "{problem}\n{}\n{}\n{}",
            report::trace(&run),
            report::chart(&run.ticks, true),
            report::measures_table(&run.ticks)
        )
    };
    let all = measures::of_run(&run.ticks);
    let json = || report::measures_json(&run.ticks);
    let truth = |name: &str| per_job(&all, name);
    finish(
        &args.quiz,
        &measures_sheet("mlfq", problem.clone(), &answer, &json, &truth),
    )
}

/// Parses `--jobs`: `8,3,5` or `0:8,2:3` (each item LENGTH or ARRIVAL:LENGTH).
pub fn parse_jobs(text: &str) -> Result<JobList, String> {
    let jobs = text
        .split(',')
        .map(|item| {
            let item = item.trim();
            let (arrival, length) = match item.split_once(':') {
                Some((arrival, length)) => (ticks(arrival, "an arrival")?, length),
                None => (0, item),
            };
            Ok(Job {
                arrival,
                length: length_of(length)?,
            })
        })
        .collect::<Result<Vec<Job>, String>>()?;
    if jobs.len() > MOST_JOBS {
        return Err(format!("at most {MOST_JOBS} jobs"));
    }
    Ok(JobList(jobs))
}

/// Parses one `--job` of the MLFQ: START:LENGTH or START:LENGTH:IO_EVERY.
pub fn parse_mlfq_job(text: &str) -> Result<MlfqJob, String> {
    let parts: Vec<&str> = text.split(':').map(str::trim).collect();
    let (start, length, every) = match parts[..] {
        [start, length] => (start, length, "0"),
        [start, length, every] => (start, length, every),
        _ => {
            return Err(format!(
                "`{text}` is not START:LENGTH:IO_EVERY (for example 0:20:5)"
            ));
        }
    };
    Ok(MlfqJob {
        arrival: ticks(start, "a start time")?,
        length: length_of(length)?,
        io_every: ticks(every, "an I/O frequency")?,
    })
}

/// Parses one `--program`: `cpu` and `io`, comma-separated.
pub fn parse_program(text: &str) -> Result<Vec<Instruction>, String> {
    let program = text
        .split(',')
        .map(|word| match word.trim() {
            "cpu" => Ok(Instruction::Cpu),
            "io" => Ok(Instruction::Io),
            other => Err(format!("`{other}` is not an instruction: use cpu or io")),
        })
        .collect::<Result<Vec<Instruction>, String>>()?;
    if program.len() > MOST_TICKS as usize {
        return Err(format!("at most {MOST_TICKS} instructions"));
    }
    Ok(program)
}

/// A number of ticks from 0 to [`MOST_TICKS`]; `what` names it in errors.
fn ticks(text: &str, what: &str) -> Result<u32, String> {
    match text.trim().parse::<u32>() {
        Ok(n) if n <= MOST_TICKS => Ok(n),
        _ => Err(format!(
            "`{text}` is not {what}: a whole number of ticks, 0 to {MOST_TICKS}"
        )),
    }
}

/// A job's length: 1 to [`MOST_TICKS`] ticks.
fn length_of(text: &str) -> Result<u32, String> {
    match ticks(text, "a length")? {
        0 => Err(format!(
            "`{text}` is not a length: a job needs at least 1 tick"
        )),
        n => Ok(n),
    }
}
