//! # 进程调度 scheduling: who goes next
//!
//! > 要想多个进程交替运行,操作系统必须对这些进程进行调度,这个调度也不是随即进行的,
//! > 而是需要遵循一定的法则,由此就有了进程的调度算法。
//! > For processes to take turns, the operating system must schedule them, and
//! > not at random but by rules: hence scheduling algorithms.
//!
//! Section 3 of the lecture names four rules: first come, first served
//! (FCFS 先来先服务), shortest job first (SJF 短作业优先), round robin
//! (RR 时间片轮转) and the multilevel feedback queue (多级反馈队列). This
//! crate runs them on one CPU, tick by tick, and prints exactly what
//! happens: who runs when, a Gantt chart, and the numbers a textbook asks
//! for. Students work a problem out on paper, then check it with
//! `--answer`; the numbers equal those of OSTEP's homework simulators
//! (`scheduler.py`, `process-run.py`, `mlfq.py`) on the same inputs.
//!
//! What to watch:
//! - `jobs`: a long job first makes everyone wait (FCFS); SJF fixes the
//!   average turnaround, RR the response; a slice as long as the longest
//!   job turns RR back into FCFS;
//! - `states`: while one process is blocked on I/O (阻塞), another runs:
//!   the CPU and the device are busy at once;
//! - `mlfq`: a long job sinks queue by queue (its digit in the chart grows)
//!   while a short or interactive one stays on top.
//!
//! A tour, one concept per module:
//!
//! - [`ticks`]: what every job did in every tick, the one record all
//!   else is read from;
//! - [`measures`]: response, turnaround and wait, read off the ticks;
//! - [`jobs`]: FCFS, SJF, STCF and round robin;
//! - [`states`]: processes of `cpu` and `io` instructions, 运行/就绪/阻塞;
//! - [`mlfq`]: the multilevel feedback queue;
//! - [`gantt`]: the chart;
//! - [`problem`]: random problems from a seed;
//! - [`answer`]: grading a student's numbers;
//! - [`report`]: the text and JSON the tool prints;
//! - [`cli`]: the flags.
//!
//! Run it:
//!
//! ```text
//! cargo run -p scheduling -- jobs --policy fcfs --jobs 8,3,5
//! cargo run -p scheduling -- states --program io,io,cpu --program cpu,cpu
//! cargo run -p scheduling -- mlfq --job 0:30:0 --job 5:8:0 --quantum 4
//! cargo run -p scheduling -- jobs --policy sjf --seed 7
//! ```
//!
//! Walkthrough: `docs/06-scheduling.md`.

pub mod answer;
pub mod cli;
pub mod gantt;
pub mod jobs;
pub mod measures;
pub mod mlfq;
pub mod problem;
pub mod report;
pub mod states;
pub mod ticks;
