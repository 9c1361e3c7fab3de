//! # What the tool prints: problems, answers, JSON
//!
//! Every subcommand prints one of three things:
//!
//! - the **problem** (a `--seed` run without `--solve`): the jobs or
//!   programs and the rules, and what to work out;
//! - the **answer**: the execution order (or the trace), the Gantt chart,
//!   and the numbers, each table ending with the definitions it uses;
//! - the answer as **JSON** (`--json`), for scripts and autograders.
//!
//! The text holds colour escapes (see [`crate::gantt`]); print it through
//! `anstream` so they reach only a terminal.

use std::fmt::Write as _;

use serde::Serialize;

use crate::gantt::{self, Cell, Look, Row};
use crate::jobs::Job;
use crate::measures::{self, Averages, Measures};
use crate::mlfq::{Happening, MlfqJob, MlfqRun, Rules};
use crate::states::{AfterIo, Instruction, Machine, ProcessState, Seen, StatesRun, Switch};
use crate::ticks::Ticks;

/// The definitions, stated under every table of measures.
pub const DEFINITIONS: &str = "response = first run - arrival; turnaround = completion - arrival; \
wait = ticks ready (就绪) but not running";

/// The jobs as a table: id, arrival, length (and I/O frequency, if any).
pub fn job_list(arrivals: &[u32], lengths: &[u32], io_every: Option<&[u32]>) -> String {
    let mut out = String::new();
    let _ = write!(out, "  job  arrival  length");
    if io_every.is_some() {
        let _ = write!(out, "  I/O every");
    }
    out.push('\n');
    for (id, (arrival, length)) in arrivals.iter().zip(lengths).enumerate() {
        let _ = write!(out, "  {id:>3}  {arrival:>7}  {length:>6}");
        if let Some(every) = io_every.and_then(|e| e.get(id)) {
            let every = if *every == 0 {
                "never".to_string()
            } else {
                every.to_string()
            };
            let _ = write!(out, "  {every:>9}");
        }
        out.push('\n');
    }
    out
}

/// [`job_list`] of plain jobs.
pub fn jobs_list(jobs: &[Job]) -> String {
    let arrivals: Vec<u32> = jobs.iter().map(|j| j.arrival).collect();
    let lengths: Vec<u32> = jobs.iter().map(|j| j.length).collect();
    job_list(&arrivals, &lengths, None)
}

/// [`job_list`] of MLFQ jobs.
pub fn mlfq_list(jobs: &[MlfqJob]) -> String {
    let arrivals: Vec<u32> = jobs.iter().map(|j| j.arrival).collect();
    let lengths: Vec<u32> = jobs.iter().map(|j| j.length).collect();
    let every: Vec<u32> = jobs.iter().map(|j| j.io_every).collect();
    job_list(&arrivals, &lengths, Some(&every))
}

/// The execution order: who held the CPU from when to when.
pub fn execution_order(run: &Ticks) -> String {
    let mut out = String::from("Execution order (who holds the CPU, from time to time):\n");
    for stretch in run.stretches() {
        let who = match stretch.job {
            Some(job) => format!("job {job}"),
            None => "idle".to_string(),
        };
        let done = if stretch.finished { "  done" } else { "" };
        let _ = writeln!(
            out,
            "  {:>4} -> {:>4}  {who}{done}",
            stretch.start, stretch.end
        );
    }
    out
}

/// The chart's legend for jobs without I/O.
const JOB_LEGEND: &str = "█ running 运行   · ready 就绪";

/// The Gantt chart of a run, with its legend; MLFQ charts show queue numbers.
pub fn chart(run: &Ticks, numbered: bool) -> String {
    let legend = if numbered {
        "1 2 3… running in queue 1, 2, 3… 运行   · ready 就绪   ░ blocked on I/O 阻塞"
    } else {
        JOB_LEGEND
    };
    format!(
        "Gantt chart (one column per tick):\n{}{legend}\n",
        gantt::draw(&gantt::chart_rows(run, numbered))
    )
}

/// The measures of every job, their averages and the definitions.
pub fn measures_table(run: &Ticks) -> String {
    let all = measures::of_run(run);
    let mut out = String::from("  job  arrival  length  response  turnaround  wait\n");
    for (id, (row, m)) in run.rows.iter().zip(&all).enumerate() {
        let _ = writeln!(
            out,
            "  {id:>3}  {:>7}  {:>6}  {:>8}  {:>10}  {:>4}",
            row.arrival, row.length, m.response, m.turnaround, m.wait
        );
    }
    let avg = measures::averages(&all);
    let _ = writeln!(
        out,
        "  {:<20}  {:>8.2}  {:>10.2}  {:>4.2}",
        "average", avg.response, avg.turnaround, avg.wait
    );
    let _ = writeln!(out, "{DEFINITIONS}");
    out
}

/// One job in the JSON answer.
#[derive(Serialize)]
struct JobJson {
    /// The job's number, from 0 in the order given.
    id: usize,
    /// When it arrived.
    arrival: u32,
    /// The ticks of CPU it needed.
    length: u32,
    /// Its measures, flattened beside the above.
    #[serde(flatten)]
    measures: Measures,
}

/// The JSON answer of `jobs` and `mlfq`.
#[derive(Serialize)]
struct MeasuresJson {
    /// Every job, in job order.
    jobs: Vec<JobJson>,
    /// The mean of each measure.
    average: Averages,
}

/// The answer for jobs and MLFQ as JSON: every job's measures, and the
/// averages: `{"jobs":[{"id","arrival","length","response","turnaround",
/// "wait"}],"average":{"response","turnaround","wait"}}`.
pub fn measures_json(run: &Ticks) -> String {
    let all = measures::of_run(run);
    let jobs = run
        .rows
        .iter()
        .zip(&all)
        .enumerate()
        .map(|(id, (row, &measures))| JobJson {
            id,
            arrival: row.arrival,
            length: row.length,
            measures,
        })
        .collect();
    to_json(&MeasuresJson {
        jobs,
        average: measures::averages(&all),
    })
}

/// `value` as one line of JSON.
fn to_json(value: &impl Serialize) -> String {
    serde_json::to_string(value).unwrap_or_else(|err| format!("{{\"error\":\"{err}\"}}"))
}

/// An MLFQ's rules, in one paragraph.
pub fn rules(rules: &Rules) -> String {
    let quanta: Vec<String> = rules.quanta.iter().map(u32::to_string).collect();
    let mut out = format!(
        "{} queue{} (queue 1 the highest), slices {} ticks; allotment {} slice{} per level; \
         I/O takes {} ticks",
        rules.quanta.len(),
        plural(rules.quanta.len()),
        quanta.join(", "),
        rules.allotment,
        plural(rules.allotment as usize),
        rules.io_time
    );
    match rules.boost {
        Some(every) => {
            let _ = write!(out, "; boost every {every} ticks");
        }
        None => out.push_str("; no boost"),
    }
    if rules.stay_after_io {
        out.push_str("; an I/O resets the slice and allotment (stay after I/O)");
    }
    if rules.io_bump {
        out.push_str("; back from I/O to the head of the queue (I/O bump)");
    }
    out.push('\n');
    out
}

/// The MLFQ's trace: arrivals, runs, I/O, slices used, boosts, completions.
pub fn trace(run: &MlfqRun) -> String {
    let mut out = String::from("Trace:\n");
    for &(at, event) in &run.happenings {
        let what = match event {
            Happening::Boost => "boost: every job back to queue 1".to_string(),
            Happening::Arrive { job } => format!("job {job} arrives, in queue 1"),
            Happening::IoDone { job, level } => {
                format!("job {job}'s I/O completes: ready in queue {}", level + 1)
            }
            Happening::Run { job, level, end } => format!(
                "job {job} runs in queue {} for {} tick{} (to {end})",
                level + 1,
                end - at,
                plural((end - at) as usize)
            ),
            Happening::IoStart { job, until } => {
                format!("job {job} starts an I/O: blocked until {until}")
            }
            Happening::SliceUsed { job, level, now_at } if now_at == level => {
                format!("job {job} used a slice in queue {}: stays there", level + 1)
            }
            Happening::SliceUsed { job, level, now_at } => format!(
                "job {job} used up its time in queue {}: down to queue {}",
                level + 1,
                now_at + 1
            ),
            Happening::Finish { job } => format!("job {job} done"),
            Happening::Idle { end } => format!("idle (no job ready) until {end}"),
        };
        let _ = writeln!(out, "  [time {at:>4}] {what}");
    }
    out
}

/// A process's program, as given: `io, io, cpu`.
pub fn program(program: &[Instruction]) -> String {
    let words: Vec<&str> = program.iter().map(|&i| instruction(i)).collect();
    words.join(", ")
}

/// An instruction's name.
fn instruction(instruction: Instruction) -> &'static str {
    match instruction {
        Instruction::Cpu => "cpu",
        Instruction::Io => "io",
        Instruction::IoDone => "io_done",
    }
}

/// How the machine behaves, in one line.
pub fn machine(machine: &Machine) -> String {
    let switch = match machine.switch {
        Switch::OnIo => "the CPU switches when a process starts an I/O or ends",
        Switch::OnEnd => "the CPU switches only when a process ends",
    };
    let after = match machine.after_io {
        AfterIo::Later => "after its I/O a process waits its turn",
        AfterIo::Immediate => "after its I/O a process runs at once",
    };
    format!(
        "{switch}; {after}; an I/O takes {} tick{}\n",
        machine.io_length,
        plural(machine.io_length as usize)
    )
}

/// What a process was doing in a tick, as the table and JSON say it.
pub fn seen(seen: Seen) -> String {
    match seen {
        Seen::Ran(i) => format!("run:{}", instruction(i)),
        Seen::In(ProcessState::Running) => "running".into(),
        Seen::In(ProcessState::Ready) => "ready".into(),
        Seen::In(ProcessState::Blocked) => "blocked".into(),
        Seen::In(ProcessState::Done) => "done".into(),
    }
}

/// The states answer: every tick's table, the chart, and the totals.
pub fn states_answer(run: &StatesRun) -> String {
    let processes = run.steps.first().map_or(0, |t| t.processes.len());
    let mut out = String::from("time");
    for id in 0..processes {
        let _ = write!(out, "  {:<12}", format!("process {id}"));
    }
    out.push_str("  CPU  I/O\n");
    for tick in &run.steps {
        let star = if tick.io_done { '*' } else { ' ' };
        let _ = write!(out, "{:>3}{star}", tick.time);
        for &s in &tick.processes {
            let _ = write!(out, "  {:<12}", seen(s));
        }
        let cpu = if tick.cpu_busy { "1" } else { "" };
        let ios = match tick.ios_in_flight {
            0 => String::new(),
            n => n.to_string(),
        };
        let _ = write!(out, "  {cpu:>3}  {ios:>3}");
        trim_line_end(&mut out);
        out.push('\n');
    }
    out.push_str("* an I/O completed at the start of this tick\n");
    out.push_str("run = 运行 running, ready = 就绪, blocked = 阻塞, done = 完成\n\n");

    let mut rows: Vec<Row> = (0..processes)
        .map(|id| Row {
            label: format!("process {id}"),
            cells: run
                .steps
                .iter()
                .map(|t| state_cell(t.processes[id]))
                .collect(),
        })
        .collect();
    rows.push(Row {
        label: "CPU".into(),
        cells: run
            .steps
            .iter()
            .map(|t| {
                if t.cpu_busy {
                    state_cell(Seen::Ran(Instruction::Cpu))
                } else {
                    EMPTY
                }
            })
            .collect(),
    });
    rows.push(Row {
        label: "I/O".into(),
        cells: run
            .steps
            .iter()
            .map(|t| {
                if t.ios_in_flight > 0 {
                    state_cell(Seen::In(ProcessState::Blocked))
                } else {
                    EMPTY
                }
            })
            .collect(),
    });
    let _ = write!(
        out,
        "Gantt chart (one column per tick, tick 1 first):\n{}{STATES_LEGEND}\n\n",
        gantt::draw(&rows)
    );
    let _ = writeln!(out, "total     {:>4} ticks", run.total);
    let _ = writeln!(
        out,
        "CPU busy  {:>4} ticks  {}",
        run.cpu_busy,
        percent(run.cpu_busy, run.total)
    );
    let _ = writeln!(
        out,
        "I/O busy  {:>4} ticks  {}",
        run.io_busy,
        percent(run.io_busy, run.total)
    );
    out
}

/// The chart's legend for processes.
const STATES_LEGEND: &str =
    "█ running 运行 (CPU: busy)   · ready 就绪   ░ blocked 阻塞 (I/O: an I/O in flight)";

/// Drops the spaces at the end of the last line of `out`.
fn trim_line_end(out: &mut String) {
    let kept = out.trim_end_matches(' ').len();
    out.truncate(kept);
}

/// A blank cell.
const EMPTY: Cell = Cell {
    glyph: ' ',
    look: Look::Empty,
};

/// A process's chart cell for what it was doing.
fn state_cell(seen: Seen) -> Cell {
    match seen {
        Seen::Ran(_) | Seen::In(ProcessState::Running) => Cell {
            glyph: '█',
            look: Look::Running(0),
        },
        Seen::In(ProcessState::Ready) => Cell {
            glyph: '·',
            look: Look::Ready,
        },
        Seen::In(ProcessState::Blocked) => Cell {
            glyph: '░',
            look: Look::Blocked,
        },
        Seen::In(ProcessState::Done) => EMPTY,
    }
}

/// `part` of `whole` as a percentage, as `process-run.py` prints it.
fn percent(part: u32, whole: u32) -> String {
    if whole == 0 {
        return "(0.00%)".into();
    }
    format!("({:.2}%)", 100.0 * f64::from(part) / f64::from(whole))
}

/// One tick in the states' JSON answer.
#[derive(Serialize)]
struct TickJson {
    /// The tick's number, from 1.
    time: u32,
    /// Whether an I/O completed at its start.
    io_done: bool,
    /// What each process was doing: `run:cpu`, `run:io`, `run:io_done`,
    /// `ready`, `blocked` or `done`.
    processes: Vec<String>,
    /// Whether the CPU executed an instruction.
    cpu_busy: bool,
    /// How many I/Os were in flight.
    ios_in_flight: usize,
}

/// The JSON answer of `states`.
#[derive(Serialize)]
struct StatesJson {
    /// Ticks until every process was done.
    total: u32,
    /// Ticks the CPU was busy.
    cpu_busy: u32,
    /// Ticks the I/O device was busy.
    io_busy: u32,
    /// Every tick.
    ticks: Vec<TickJson>,
}

/// The states answer as JSON: `{"total","cpu_busy","io_busy","ticks":[...]}`.
pub fn states_json(run: &StatesRun) -> String {
    let ticks = run
        .steps
        .iter()
        .map(|t| TickJson {
            time: t.time,
            io_done: t.io_done,
            processes: t.processes.iter().map(|&s| seen(s)).collect(),
            cpu_busy: t.cpu_busy,
            ios_in_flight: t.ios_in_flight,
        })
        .collect();
    to_json(&StatesJson {
        total: run.total,
        cpu_busy: run.cpu_busy,
        io_busy: run.io_busy,
        ticks,
    })
}

/// "s" unless there is exactly one.
pub fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
