//! Scale: every style at growing numbers of customers, the C10K problem.
//!
//! A handful of customers cost any style nothing worth measuring; ten
//! thousand show what each way of waiting costs. A thread per customer
//! (sync-blocking, sync-nonblocking) means ten thousand stacks and a
//! scheduler juggling them; one thread in `epoll` (async-blocking) or a few
//! running tasks (async-nonblocking) do not grow with the crowd.
//!
//! For each number of customers and each runner, in turn:
//!
//! 1. check that the run fits this machine ([`Limits::check`]): one that
//!    would pass a limit (threads, open files) is *refused* before it
//!    starts, with a message naming the limit and the largest run that fits;
//! 2. start a fresh bank in a process of its own (ten thousand customers
//!    and the bank's end of their sockets do not fit in one process's
//!    open-file limit), run the customers in another, and close the bank;
//! 3. keep the run's figures; with `--repeat K`, run it K times and keep
//!    the median of each figure (and the teller loss of the run of median
//!    makespan, whole: its parts add up).
//!
//! Then two tables, a runner's name over a row per number of customers:
//! the scale table (the customer's view, the tellers', the machine's) and
//! where the tellers' time went.

use std::collections::BTreeSet;
use std::io::IsTerminal as _;

use pictures::scale::{Ending, Point};
use scene::flags::SharedArgs;
use scene::kernel::Sampling;
use scene::limits::{Limits, Needs};
use timeline::Scenario;
use timeline::plural;
use timeline::style::Style;
use timeline::trace::{Metrics, ProcessFigures, TellerLoss, Trace};

use crate::peer::{self, Peer};
use crate::runs::Launcher;
use pictures::table::{self, Column, Table};

/// What to run.
#[derive(Clone, Copy, Debug)]
pub struct Plan<'a> {
    /// The scene, but for its number of customers.
    pub args: &'a SharedArgs,
    /// The numbers of customers.
    pub counts: &'a [u32],
    /// Runs per point; the median of each figure is kept.
    pub repeat: u32,
    /// The Python peer, if it runs too.
    pub peer: Option<&'a Peer>,
    /// Keep the full traces of the smallest scene (for a report's swimlanes).
    pub keep_smallest: bool,
}

/// What a scale run found.
#[derive(Debug, Default)]
pub struct Results {
    /// A point per runner and number of customers.
    pub points: Vec<Point>,
    /// The full traces of the smallest scene, when asked for.
    pub smallest: Vec<Trace>,
}

/// Who runs: a style's customers, or the Python peer's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Runner {
    /// One of the four styles, in a child process.
    Style(Style),
    /// The Python asyncio peer.
    Python,
}

impl Runner {
    /// The name in the table.
    fn name(self) -> &'static str {
        match self {
            Runner::Style(style) => style.name(),
            Runner::Python => peer::RUNNER,
        }
    }

    /// The style whose needs stand for the runner's: the peer, like
    /// async-nonblocking, has a socket per customer and no thread each.
    fn needs_like(self) -> Style {
        match self {
            Runner::Style(style) => style,
            Runner::Python => Style::AsyncNonblocking,
        }
    }
}

/// Runs the plan, one run at a time.
pub async fn run(launcher: &Launcher, plan: &Plan<'_>) -> Result<Results, String> {
    let counts: BTreeSet<u32> = plan.counts.iter().copied().collect();
    let smallest = counts.first().copied();
    let mut runners: Vec<Runner> = Style::ALL.into_iter().map(Runner::Style).collect();
    if plan.peer.is_some() {
        runners.push(Runner::Python);
    }
    let mut results = Results::default();
    for &n in &counts {
        let scenario = SharedArgs {
            customers: n,
            ..plan.args.clone()
        }
        .scenario()
        .map_err(|err| err.to_string())?;
        let file = launcher.scenario_file(&scenario, &format!("scale-{n}"))?;
        for &runner in &runners {
            let needs = Needs {
                style: runner.needs_like(),
                customers: n,
                tellers: scenario.tellers,
                embedded_bank: false,
            };
            if let Err(refusal) = Limits::now().check(&needs) {
                results.points.push(Point {
                    runner: runner.name().to_owned(),
                    customers: n,
                    result: Ending::Refused {
                        reason: refusal.message,
                    },
                });
                continue;
            }
            let mut figures = Vec::new();
            let mut complete = true;
            let mut failure = None;
            for round in 0..plan.repeat {
                announce(runner, n, round, plan.repeat);
                let keep = plan.keep_smallest && Some(n) == smallest && round == 0;
                match once(launcher, plan, runner, &scenario, &file, round, keep).await {
                    Ok((metrics, all_served, trace)) => {
                        complete &= all_served;
                        figures.push(metrics);
                        results.smallest.extend(trace);
                    }
                    Err(err) => {
                        failure = Some(err);
                        break;
                    }
                }
            }
            results.points.push(Point {
                runner: runner.name().to_owned(),
                customers: n,
                result: match failure {
                    Some(error) => Ending::Failed { error },
                    None => Ending::Ran {
                        complete,
                        metrics: Box::new(median(&figures)),
                    },
                },
            });
        }
    }
    Ok(results)
}

/// Says which run starts, when someone is watching stderr.
fn announce(runner: Runner, n: u32, round: u32, repeat: u32) {
    if std::io::stderr().is_terminal() {
        let round = if repeat > 1 {
            format!(" (run {} of {repeat})", round + 1)
        } else {
            String::new()
        };
        eprintln!(
            "compare: {} with {}{round}",
            runner.name(),
            plural::count(n, "customer")
        );
    }
}

/// One run against a fresh bank: its figures, whether everyone was served,
/// and its full trace when `keep` asks for it.
async fn once(
    launcher: &Launcher,
    plan: &Plan<'_>,
    runner: Runner,
    scenario: &Scenario,
    file: &std::path::Path,
    round: u32,
    keep: bool,
) -> Result<(Metrics, bool, Option<Trace>), String> {
    let n = scenario.customers.len();
    let bank = launcher.bank(file).await?;
    let outcome = match runner {
        Runner::Style(style) => {
            let mut stem = format!("{}-{n}", style.name());
            if plan.repeat > 1 {
                stem.push_str(&format!("-{}", round + 1));
            }
            let trace_file = launcher.trace_file(&stem);
            let brief = !(keep || launcher.keeps_traces());
            // `auto` samples the kernel only for a run whose lanes are
            // kept: a brief run's figures would carry the sampler's cost
            // and no picture.
            let kernel = match plan.args.kernel {
                Sampling::Auto => !brief && Sampling::Auto.wanted(n),
                chosen => chosen.wanted(n),
            };
            launcher
                .customers(style, file, Some(bank.addr()), &trace_file, brief, kernel)
                .await
                .map(|finished| {
                    let m = finished.trace.metrics.clone();
                    let everyone =
                        finished.all_served && finished.trace.complete && m.served as usize == n;
                    (m, everyone, keep.then_some(finished.trace))
                })
        }
        Runner::Python => match plan.peer {
            Some(peer) => peer
                .run(launcher, bank.addr(), scenario, file)
                .await
                .map(|(m, everyone)| (m, everyone, None)),
            None => Err("the Python peer was not found".to_owned()),
        },
    };
    bank.close().await;
    outcome
}

/// The median of each figure over several runs of one point (the figures
/// of a single run are its own).
pub fn median(runs: &[Metrics]) -> Metrics {
    let f = |get: fn(&Metrics) -> f64| middle(runs.iter().map(get).collect());
    let n = |get: fn(&Metrics) -> u64| {
        middle(runs.iter().map(|m| get(m) as f64).collect()).round() as u64
    };
    let p =
        |get: fn(&ProcessFigures) -> f64| middle(runs.iter().map(|m| get(&m.process)).collect());
    let pn = |get: fn(&ProcessFigures) -> u64| {
        middle(runs.iter().map(|m| get(&m.process) as f64).collect()).round() as u64
    };
    // The CPU time shown is the median of the runs' totals (the sum of two
    // medians is not one); it is split in the ratio of the two medians.
    let cpu_ms = p(ProcessFigures::cpu_ms);
    let (user, sys) = (p(|p| p.cpu_user_ms), p(|p| p.cpu_sys_ms));
    let user_share = if user + sys > 0.0 {
        user / (user + sys)
    } else {
        0.0
    };
    Metrics {
        makespan_ms: f(|m| m.makespan_ms),
        ideal_makespan_ms: f(|m| m.ideal_makespan_ms),
        efficiency: f(|m| m.efficiency),
        mean_wait_ms: f(|m| m.mean_wait_ms),
        // A trace of before had none: every visit was one call, so it was the wait.
        mean_response_ms: Some(f(|m| m.mean_response_ms.unwrap_or(m.mean_wait_ms))),
        mean_reaction_ms: f(|m| m.mean_reaction_ms),
        max_reaction_ms: f(|m| m.max_reaction_ms),
        errand_while_waiting_ms: f(|m| m.errand_while_waiting_ms),
        mean_turnaround_ms: f(|m| m.mean_turnaround_ms),
        mean_lost_ms: f(|m| m.mean_lost_ms),
        // Its parts add up to its total: taken whole, from the median run.
        teller_loss: median_run(runs).and_then(|m| m.teller_loss.clone()),
        polls: n(|m| m.polls),
        // The fewest served: a customer lost in any run is not hidden.
        served: runs.iter().map(|m| m.served).min().unwrap_or(0),
        abandoned: runs.iter().map(|m| m.abandoned).max().unwrap_or(0),
        process: ProcessFigures {
            threads_peak: pn(|p| p.threads_peak),
            cpu_user_ms: cpu_ms * user_share,
            cpu_sys_ms: cpu_ms * (1.0 - user_share),
            max_rss_kib: pn(|p| p.max_rss_kib),
            ctx_switches_voluntary: pn(|p| p.ctx_switches_voluntary),
            ctx_switches_involuntary: pn(|p| p.ctx_switches_involuntary),
        },
        // What watching cost is one run's figure, not a scale table's.
        sampler: None,
    }
}

/// The run of median makespan (the faster of the two middle ones for an
/// even count): where a whole is kept rather than a median per figure.
fn median_run(runs: &[Metrics]) -> Option<&Metrics> {
    let mut by_makespan: Vec<&Metrics> = runs.iter().collect();
    by_makespan.sort_by(|a, b| a.makespan_ms.total_cmp(&b.makespan_ms));
    by_makespan
        .get(by_makespan.len().saturating_sub(1) / 2)
        .copied()
}

/// The median (the mean of the two middle values for an even count; 0 for none).
fn middle(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match n {
        0 => 0.0,
        _ if n % 2 == 1 => values[n / 2],
        _ => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// What a scale run shows: the scale table, where the tellers' time went,
/// and async-nonblocking against the Python peer (when it ran), `width`
/// columns wide.
pub fn tables(points: &[Point], repeat: u32, width: usize) -> String {
    let mut out = table(points, repeat).render(width);
    out.push('\n');
    out.push_str(&loss_table(points).render(width));
    let against = against_peer(points);
    if !against.is_empty() {
        out.push('\n');
        for line in against
            .iter()
            .flat_map(|l| pictures::text::wrap(l, width, 2))
        {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

/// The columns of the scale table, after the number of customers: who was
/// served, the customer's view, the tellers', the machine's.
const COLUMNS: [Column; 10] = [
    Column {
        name: "served",
        unit: "",
    },
    Column {
        name: "turnaround",
        unit: "ms",
    },
    Column {
        name: "lost",
        unit: "ms",
    },
    Column {
        name: "makespan",
        unit: "ms",
    },
    Column {
        name: "ideal",
        unit: "ms",
    },
    Column {
        name: "tellers'",
        unit: "effic.",
    },
    Column {
        name: "threads",
        unit: "",
    },
    Column {
        name: "peak RSS",
        unit: "MiB",
    },
    Column {
        name: "CPU",
        unit: "ms",
    },
    Column {
        name: "switches",
        unit: "",
    },
];

/// The label column's heading: the rows of a runner are its sizes.
const CUSTOMERS: &str = "customers";

/// The scale table: under each runner's name, a row per number of
/// customers; refused and failed runs say so, with the reason under the
/// table, and so do runs that did not serve everyone.
pub fn table(points: &[Point], repeat: u32) -> Table {
    let mut notes = Vec::new();
    // "sync-blocking, 100 customers": the point a note is about.
    let about = |p: &Point| format!("{}, {}", p.runner, plural::count(p.customers, "customer"));
    let points: Vec<&Point> = points.iter().collect();
    let rows = by_runner(&points, |_, p| match &p.result {
        Ending::Ran { complete, metrics } => {
            let m = metrics;
            if !*complete {
                let lost = p.customers.saturating_sub(m.served);
                notes.push(format!("{}: {lost} not served.", about(p)));
            }
            vec![
                m.served.to_string(),
                pictures::swimlane::number(m.mean_turnaround_ms),
                pictures::swimlane::number(m.mean_lost_ms),
                pictures::swimlane::number(m.makespan_ms),
                pictures::swimlane::number(m.ideal_makespan_ms),
                format!("{:.2}", m.efficiency),
                m.process.threads_peak.to_string(),
                table::mib(m.process.max_rss_kib),
                table::cpu(m.process.cpu_ms()),
                (m.process.ctx_switches_voluntary + m.process.ctx_switches_involuntary).to_string(),
            ]
        }
        Ending::Refused { reason } => {
            notes.push(format!("{}: refused. {reason}", about(p)));
            vec!["refused".to_owned()]
        }
        Ending::Failed { error } => {
            notes.push(format!("{}: failed: {error}", about(p)));
            vec!["failed".to_owned()]
        }
    });
    let mut head = vec![
        "Every run against a fresh bank in a process of its own. The customer's view: \
         turnaround (arrival to finished, errand included) and lost (time in the bank neither \
         on the errand nor at the counter, from arrival to DONE), means over the served. The \
         tellers' view: makespan, the ideal's, and the tellers' efficiency (ideal / makespan). \
         The machine's: threads, peak RSS, CPU (user + sys) and context switches of the \
         customers' process; peak RSS includes the run's own recording: every moment of the \
         timeline, each of sync-nonblocking's polls among them."
            .to_owned(),
    ];
    if repeat > 1 {
        head.push(format!(
            "Each figure is the median of {repeat} runs; the teller loss is the whole of the \
             run of median makespan."
        ));
    }
    head.extend(notes);
    Table {
        corner: CUSTOMERS.to_owned(),
        columns: COLUMNS.to_vec(),
        rows,
        notes: head,
    }
}

/// The teller-loss table of the scale runs: under each runner's name, a
/// row per number of customers that ran; where the tellers' time went.
pub fn loss_table(points: &[Point]) -> Table {
    let ran: Vec<&Point> = points
        .iter()
        .filter(|p| matches!(p.result, Ending::Ran { .. }))
        .collect();
    let losses: Vec<Option<&TellerLoss>> = ran
        .iter()
        .map(|p| match &p.result {
            Ending::Ran { metrics, .. } => metrics.teller_loss.as_ref(),
            _ => None,
        })
        .collect();
    let cells = table::teller_loss_cells(&losses);
    let rows = by_runner(&ran, |i, _| cells.get(i).cloned().unwrap_or_default());
    let mut notes = vec![table::TELLER_LOSS_NOTE.to_owned()];
    let unmeasured: BTreeSet<&str> = points
        .iter()
        .filter_map(|p| match &p.result {
            Ending::Ran { metrics, .. } if metrics.teller_loss.is_none() => Some(p.runner.as_str()),
            _ => None,
        })
        .collect();
    for runner in unmeasured {
        notes.push(format!(
            "{runner}: not measured (-): it sees the bank only from outside, and cannot tell \
             when a line reached its socket."
        ));
    }
    Table {
        corner: CUSTOMERS.to_owned(),
        columns: table::TELLER_LOSS.to_vec(),
        rows,
        notes,
    }
}

/// The rows of a scale table: each runner's name, in order of first
/// appearance, as a heading over a row per point of theirs, labelled with
/// its number of customers and filled by `cells` (given the point's index
/// in `points`).
fn by_runner(
    points: &[&Point],
    mut cells: impl FnMut(usize, &Point) -> Vec<String>,
) -> Vec<(String, Vec<String>)> {
    let mut runners: Vec<&str> = Vec::new();
    for p in points {
        if !runners.contains(&p.runner.as_str()) {
            runners.push(&p.runner);
        }
    }
    let mut rows = Vec::new();
    for runner in runners {
        rows.push((runner_label(runner), Vec::new()));
        for (i, p) in points
            .iter()
            .enumerate()
            .filter(|(_, p)| p.runner == runner)
        {
            let label = pictures::text::pad_left(&p.customers.to_string(), CUSTOMERS.len());
            rows.push((label, cells(i, p)));
        }
    }
    rows
}

/// A runner's label: a style with its Chinese term, or the peer's name.
fn runner_label(runner: &str) -> String {
    Style::ALL
        .into_iter()
        .find(|s| s.name() == runner)
        .map_or_else(
            || runner.to_owned(),
            |s| format!("{} {}", s.name(), s.chinese()),
        )
}

/// async-nonblocking against the Python peer, at each number of customers
/// both ran: both turnarounds, ratios of CPU time and peak memory, and both
/// tellers' efficiencies.
pub fn against_peer(points: &[Point]) -> Vec<String> {
    let ran = |runner: &str, n: u32| {
        points.iter().find_map(|p| match &p.result {
            Ending::Ran { metrics, .. } if p.runner == runner && p.customers == n => {
                Some(metrics.as_ref())
            }
            _ => None,
        })
    };
    let counts: BTreeSet<u32> = points.iter().map(|p| p.customers).collect();
    let mut lines = Vec::new();
    for n in counts {
        let (Some(rust), Some(python)) =
            (ran(Style::AsyncNonblocking.name(), n), ran(peer::RUNNER, n))
        else {
            continue;
        };
        let cpu = |m: &Metrics| m.process.cpu_ms();
        let rss = |m: &Metrics| m.process.max_rss_kib as f64 / 1024.0;
        let ratio = |a: f64, b: f64| {
            if b > 0.0 {
                format!("{:.2}×", a / b)
            } else {
                "-".to_owned()
            }
        };
        lines.push(format!(
            "{}: async-nonblocking / {}: turnaround {:.0} / {:.0} ms; CPU {} ({:.0} / {:.0} \
             ms), peak RSS {} ({:.1} / {:.1} MiB); tellers' efficiency {:.2} / {:.2}",
            plural::count(n, "customer"),
            peer::RUNNER,
            rust.mean_turnaround_ms,
            python.mean_turnaround_ms,
            ratio(cpu(rust), cpu(python)),
            cpu(rust),
            cpu(python),
            ratio(rss(rust), rss(python)),
            rss(rust),
            rss(python),
            rust.efficiency,
            python.efficiency,
        ));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ran(makespan: f64, served: u32, rss: u64) -> Metrics {
        Metrics {
            makespan_ms: makespan,
            served,
            process: ProcessFigures {
                max_rss_kib: rss,
                ..ProcessFigures::default()
            },
            ..Metrics::default()
        }
    }

    #[test]
    fn the_median_is_taken_figure_by_figure() {
        let m = median(&[ran(30.0, 10, 100), ran(10.0, 9, 300), ran(20.0, 10, 200)]);
        assert_eq!(m.makespan_ms, 20.0);
        assert_eq!(m.process.max_rss_kib, 200);
        assert_eq!(m.served, 9, "a lost customer is not voted away");
        assert_eq!(
            median(&[ran(10.0, 1, 1), ran(20.0, 1, 2)]).makespan_ms,
            15.0
        );
        assert_eq!(median(&[]).makespan_ms, 0.0);
    }

    #[test]
    fn the_median_cpu_time_is_the_median_of_the_totals() {
        let cpu = |user_ms: f64, sys_ms: f64| Metrics {
            process: ProcessFigures {
                cpu_user_ms: user_ms,
                cpu_sys_ms: sys_ms,
                ..ProcessFigures::default()
            },
            ..Metrics::default()
        };
        // Totals 10, 10 and 11: the median is 10, though the median user
        // time (5) and the median sys time (6) add up to 11.
        let m = median(&[cpu(10.0, 0.0), cpu(0.0, 10.0), cpu(5.0, 6.0)]);
        assert!((m.process.cpu_ms() - 10.0).abs() < 1e-9, "{:?}", m.process);
        assert!(
            m.process.cpu_user_ms < m.process.cpu_sys_ms,
            "{:?}",
            m.process
        );
    }

    #[test]
    fn refused_and_failed_runs_say_why() {
        let points = vec![
            Point {
                runner: "sync-blocking".into(),
                customers: 100,
                result: Ending::Ran {
                    complete: true,
                    metrics: Box::new(ran(12.0, 100, 2048)),
                },
            },
            Point {
                runner: "sync-blocking".into(),
                customers: 30_000,
                result: Ending::Refused {
                    reason: "needs about 30016 threads".into(),
                },
            },
        ];
        let text = anstream::adapter::strip_str(&table(&points, 1).render(100)).to_string();
        assert!(text.contains("sync-blocking 同步阻塞"), "{text}");
        assert!(text.contains("refused"), "{text}");
        assert!(text.contains("30016 threads"), "{text}");
        assert_eq!(text.matches("sync-blocking 同步阻塞").count(), 1, "{text}");
    }

    #[test]
    fn the_median_keeps_the_teller_loss_of_the_median_run_whole() {
        let with_loss = |makespan: f64, total: f64| Metrics {
            makespan_ms: makespan,
            teller_loss: Some(TellerLoss {
                total_ms: total,
                overrun_ms: total / 2.0,
                idle_ms: total / 2.0,
                ..TellerLoss::default()
            }),
            ..Metrics::default()
        };
        let m = median(&[
            with_loss(30.0, 300.0),
            with_loss(10.0, 100.0),
            with_loss(20.0, 200.0),
        ]);
        let loss = m.teller_loss.expect("kept");
        assert_eq!(
            (loss.total_ms, loss.overrun_ms, loss.idle_ms),
            (200.0, 100.0, 100.0)
        );
        // Two runs: the faster one's, whole (not a mean that no run had).
        let two = median(&[with_loss(20.0, 200.0), with_loss(10.0, 100.0)]);
        assert_eq!(two.teller_loss.map(|l| l.total_ms), Some(100.0));
        assert_eq!(median(&[]).teller_loss, None);
    }

    #[test]
    fn the_loss_table_lists_each_runners_sizes_and_says_what_was_not_measured() {
        let measured = |n: u32| Point {
            runner: "async-nonblocking".into(),
            customers: n,
            result: Ending::Ran {
                complete: true,
                metrics: Box::new(Metrics {
                    teller_loss: Some(TellerLoss {
                        total_ms: 10.0,
                        gap_ms: 4.0,
                        idle_ms: 6.0,
                        ..TellerLoss::default()
                    }),
                    ..ran(12.0, n, 2048)
                }),
            },
        };
        let points = vec![
            measured(100),
            Point {
                runner: peer::RUNNER.into(),
                customers: 100,
                result: Ending::Ran {
                    complete: true,
                    metrics: Box::new(ran(12.0, 100, 2048)),
                },
            },
            measured(1000),
            Point {
                runner: peer::RUNNER.into(),
                customers: 1000,
                result: Ending::Refused {
                    reason: "no room".into(),
                },
            },
        ];
        let text = anstream::adapter::strip_str(&loss_table(&points).render(100)).to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("customers  total"), "{text}");
        assert_eq!(lines[2], "async-nonblocking 异步非阻塞", "{text}");
        assert!(lines[3].starts_with("      100     10"), "{text}");
        assert!(lines[4].starts_with("     1000     10"), "{text}");
        assert_eq!(lines[5], peer::RUNNER, "{text}");
        assert!(lines[6].starts_with("      100      -"), "{text}");
        assert!(
            lines[7].starts_with("Where the tellers' time went"),
            "the refused run has no row: {text}"
        );
        assert!(text.contains("python-asyncio: not measured"), "{text}");
    }

    #[test]
    fn a_run_that_did_not_serve_everyone_says_how_many_under_the_table() {
        let points = vec![Point {
            runner: "sync-blocking".into(),
            customers: 100,
            result: Ending::Ran {
                complete: false,
                metrics: Box::new(ran(12.0, 97, 2048)),
            },
        }];
        let text = anstream::adapter::strip_str(&table(&points, 1).render(100)).to_string();
        assert!(text.contains("      100      97"), "{text}");
        assert!(
            text.contains("sync-blocking, 100 customers: 3 not served."),
            "{text}"
        );
    }
}
