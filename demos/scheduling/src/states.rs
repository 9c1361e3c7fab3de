//! # 进程三态: running, ready, blocked, on one CPU
//!
//! > 就绪(Ready)状态 …… 只要获得处理机便可立即执行
//! > 执行/运行(Running)状态 …… 其程序正在处理机上执行
//! > 阻塞(Blocked)状态 …… 由于等待某个事件发生而无法执行时,便放弃处理机而处于阻塞状态
//! > …… 例如,等待I/O完成
//!
//! A process here is a program of instructions, each taking one tick of
//! CPU: `cpu` (compute) or `io` (start an I/O). The I/O then runs on the
//! device for `io_length` ticks while the process is blocked (阻塞), and
//! when it completes the process needs one more tick of CPU, `io_done`, to
//! handle the completion. So `io` costs two ticks of CPU and `io_length`
//! of waiting. Meanwhile the CPU can run another process: that overlap is
//! the whole point of having processes (多道技术).
//!
//! Two switches, as in OSTEP's `process-run.py`:
//!
//! - [`Switch`]: does the CPU go to another process when the running one
//!   starts an I/O (`OnIo`, `-S SWITCH_ON_IO`), or only when it ends
//!   (`OnEnd`, `-S SWITCH_ON_END`, the CPU idles through the I/O)?
//! - [`AfterIo`]: when an I/O completes, does its process take the CPU at
//!   once (`Immediate`, `-I IO_RUN_IMMEDIATE`), or wait its turn (`Later`,
//!   `-I IO_RUN_LATER`: it takes the CPU only if nobody else is using it)?
//!
//! Conventions, those of `process-run.py`, so the numbers equal its:
//!
//! - ticks are numbered from 1; process 0 holds the CPU at the start;
//! - at the start of a tick, the I/Os that complete then make their
//!   processes ready (in process order), then the process holding the CPU
//!   executes one instruction;
//! - an `io` executed in tick `t` keeps its process blocked in ticks
//!   `t + 1` to `t + io_length`, and completes at the start of tick
//!   `t + io_length + 1`;
//! - when the CPU is given up, it goes to the next ready process after the
//!   one that gave it up, in process order, wrapping round;
//! - the CPU is busy in a tick if it executed an instruction; the I/O
//!   device is busy in a tick if any I/O is in flight (started before that
//!   tick and not yet completed).
//!
//! ```text
//! cargo run -p scheduling -- states --program io,io,cpu --program cpu,cpu,cpu
//! ```

use serde::Serialize;

/// One instruction of a program.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Instruction {
    /// Compute for one tick.
    Cpu,
    /// Start an I/O (one tick of CPU).
    Io,
    /// Handle a completed I/O (one tick of CPU; added after every `io`).
    IoDone,
}

/// When the CPU leaves the running process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Switch {
    /// When it starts an I/O or ends (`SWITCH_ON_IO`).
    OnIo,
    /// Only when it ends (`SWITCH_ON_END`).
    OnEnd,
}

/// What a process does when its I/O completes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AfterIo {
    /// Waits its turn: takes the CPU only if nobody else holds it
    /// (`IO_RUN_LATER`).
    Later,
    /// Takes the CPU at once; the running process becomes ready
    /// (`IO_RUN_IMMEDIATE`).
    Immediate,
}

/// How the machine behaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Machine {
    /// When the CPU leaves the running process.
    pub switch: Switch,
    /// What a process does when its I/O completes.
    pub after_io: AfterIo,
    /// How many ticks an I/O keeps its process blocked.
    pub io_length: u32,
}

/// A process's state (进程状态).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProcessState {
    /// Holds the CPU (运行).
    Running,
    /// Could run, waits for the CPU (就绪).
    Ready,
    /// Waits for its I/O (阻塞).
    Blocked,
    /// Has executed its whole program.
    Done,
}

/// What a process was doing in one tick, as the table shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seen {
    /// It executed this instruction.
    Ran(Instruction),
    /// It was in this state and executed nothing.
    In(ProcessState),
}

/// One tick of the run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// The tick's number, from 1.
    pub time: u32,
    /// Whether an I/O completed at the start of this tick.
    pub io_done: bool,
    /// What each process was doing, in process order.
    pub processes: Vec<Seen>,
    /// Whether the CPU executed an instruction.
    pub cpu_busy: bool,
    /// How many I/Os were in flight.
    pub ios_in_flight: usize,
}

/// A whole run and its totals.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatesRun {
    /// Every tick, in order.
    pub steps: Vec<Step>,
    /// Ticks until every process was done.
    pub total: u32,
    /// Ticks in which the CPU executed an instruction.
    pub cpu_busy: u32,
    /// Ticks in which at least one I/O was in flight.
    pub io_busy: u32,
}

/// A process: its program and where it is in it.
#[derive(Clone, Debug)]
struct Process {
    /// Its program as the CPU executes it (see [`expand`]).
    program: Vec<Instruction>,
    /// The next instruction's index.
    next: usize,
    /// Its state.
    state: ProcessState,
    /// When each I/O it started completes.
    io_ends: Vec<u32>,
}

/// The program as the CPU executes it: every `io` followed by its `io_done`.
pub fn expand(program: &[Instruction]) -> Vec<Instruction> {
    program
        .iter()
        .flat_map(|&instruction| match instruction {
            Instruction::Io => vec![Instruction::Io, Instruction::IoDone],
            other => vec![other],
        })
        .collect()
}

/// Runs `programs` (one per process, each `cpu` and `io` only, none empty)
/// on one CPU until every process is done.
pub fn run(machine: Machine, programs: &[Vec<Instruction>]) -> StatesRun {
    let mut procs: Vec<Process> = programs
        .iter()
        .map(|program| Process {
            program: expand(program),
            next: 0,
            state: ProcessState::Ready,
            io_ends: Vec::new(),
        })
        .collect();
    let mut steps = Vec::new();
    if procs.is_empty() {
        return StatesRun {
            steps,
            total: 0,
            cpu_busy: 0,
            io_busy: 0,
        };
    }
    // The process the CPU serves (or served last, if none is running now).
    let mut current = 0;
    procs[current].state = ProcessState::Running;
    let mut time = 0;

    while procs.iter().any(|p| p.state != ProcessState::Done) {
        time += 1;

        // I/Os completing now: their processes become ready, in order.
        let mut io_done = false;
        for id in 0..procs.len() {
            if !procs[id].io_ends.contains(&time) {
                continue;
            }
            io_done = true;
            procs[id].state = ProcessState::Ready;
            let cpu_free = !procs.iter().enumerate().any(|(other, p)| {
                other != id && matches!(p.state, ProcessState::Running | ProcessState::Ready)
            });
            let takes_cpu = match (machine.after_io, machine.switch) {
                (AfterIo::Immediate, _) => true,
                // The CPU waited through the I/O for this very process.
                (AfterIo::Later, Switch::OnEnd) => true,
                (AfterIo::Later, Switch::OnIo) => cpu_free,
            };
            if takes_cpu {
                if current != id && procs[current].state == ProcessState::Running {
                    procs[current].state = ProcessState::Ready;
                }
                current = id;
                procs[id].state = ProcessState::Running;
            }
        }

        // The running process executes one instruction.
        let p = &mut procs[current];
        let executed = (p.state == ProcessState::Running)
            .then(|| p.program.get(p.next).copied())
            .flatten();
        if executed.is_some() {
            p.next += 1;
        }

        let in_flight = procs
            .iter()
            .flat_map(|p| &p.io_ends)
            .filter(|&&end| end > time)
            .count();
        steps.push(Step {
            time,
            io_done,
            processes: procs
                .iter()
                .enumerate()
                .map(|(id, p)| match executed {
                    Some(instruction) if id == current => Seen::Ran(instruction),
                    _ => Seen::In(p.state),
                })
                .collect(),
            cpu_busy: executed.is_some(),
            ios_in_flight: in_flight,
        });

        // An `io` blocks its process; with OnIo the CPU moves on.
        if executed == Some(Instruction::Io) {
            let p = &mut procs[current];
            p.state = ProcessState::Blocked;
            p.io_ends.push(time + machine.io_length + 1);
            if machine.switch == Switch::OnIo {
                current = next_ready(&mut procs, current);
            }
        }
        // A process at the end of its program is done; the CPU moves on.
        let p = &mut procs[current];
        if p.state == ProcessState::Running && p.next == p.program.len() {
            p.state = ProcessState::Done;
            current = next_ready(&mut procs, current);
        }
    }

    let count = |busy: fn(&Step) -> bool| {
        let n = steps.iter().filter(|t| busy(t)).count();
        u32::try_from(n).unwrap_or(u32::MAX)
    };
    StatesRun {
        cpu_busy: count(|t| t.cpu_busy),
        io_busy: count(|t| t.ios_in_flight > 0),
        total: time,
        steps,
    }
}

/// Gives the CPU to the first ready process after `current`, in process
/// order, wrapping round; returns the process the CPU now serves (still
/// `current` if none is ready).
fn next_ready(procs: &mut [Process], current: usize) -> usize {
    let n = procs.len();
    let found = (1..=n)
        .map(|step| (current + step) % n)
        .find(|&id| procs[id].state == ProcessState::Ready);
    match found {
        Some(id) => {
            procs[id].state = ProcessState::Running;
            id
        }
        None => current,
    }
}
