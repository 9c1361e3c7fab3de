//! How precisely the bank times its services at scale, and what the machine
//! itself allows: the issue-15 measurement, as a benchmark.
//!
//! ```text
//! cargo bench -p bank --bench service                         # 10,000 async-blocking customers
//! cargo bench -p bank --bench service -- --style sync-blocking --customers 1000
//! cargo bench -p bank --bench service -- --runtime current    # the bank on a current-thread runtime
//! ```
//!
//! The scene of `compare --scale`: 8 tellers, 10 ms services, a customer every
//! 0.1 ms, a 20 ms errand. The bank runs in this process, on a tokio runtime
//! built as the `bank` binary and `compare`'s bank process build theirs; the
//! customers run in a child process (this program again), as in a scale run.
//!
//! It prints, each as median / p99 / max:
//!
//! - **the floor**: how late a bare `clock_nanosleep(TIMER_ABSTIME)` wakes on
//!   an idle thread, before the run (the machine at rest) and beside it (the
//!   same thread, while the bank serves): no program that sleeps can end a
//!   service more precisely than this; and, beside it, how late a task on
//!   the bank's runtime wakes from a bare timerfd deadline;
//! - **the loopback at rest**: a line written to a socket, to the kernel's
//!   stamp in the peer's socket, to a thread blocked in `read()`, and to a
//!   task on the bank's runtime (as `HERE` reaches a teller);
//! - **the bank**, from its own clock (the `bank::timing` events of its
//!   tellers): from reading `HERE` to writing `DONE`, less the service owed,
//!   split into the wake-up after the deadline and the write of `DONE`. A
//!   negative figure would be a service ended early: the run fails then;
//! - **the customers' view**: from writing `HERE` to `DONE` reaching their
//!   socket (the kernel's stamp), less the service; what it adds to the
//!   bank's figure, ticket by ticket, is the loopback trip both ways and the
//!   bank's wake-up to read `HERE`;
//! - **the reactions** (the call reaching the customer's socket to their
//!   `HERE`) while customers still arrive and after, and the efficiency;
//! - the bank's CPU time, of it the time spent watching the clock at the
//!   end of services ([`bank::deadline::WATCH`]), and the load average.
//!
//! `--turns FILE` writes every turn at the counter, one line each: when its
//! line was written (µs from the start), ticket, and the nanoseconds of
//! service owed, of `HERE` to waking, and of `HERE` to `DONE` written.

use std::process::{Command, ExitCode};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use bank::Config;
use nix::sys::resource::{UsageWho, getrusage};
use nix::sys::time::TimeSpec;
use nix::time::{ClockId, ClockNanosleepFlags, clock_gettime, clock_nanosleep};
use scene::demo::{self, Customers};
use timeline::scenario::{Generate, ServiceTime};
use timeline::style::Style;
use timeline::trace::Trace;
use timeline::{Recorder, Scenario};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// The environment variable that makes this program the customers' process.
const CHILD: &str = "BANK_SERVICE_BENCH_CHILD";

/// What to run: the scene and the bank's runtime.
#[derive(Clone, Debug)]
struct Plan {
    /// Whose customers.
    style: Style,
    /// How many.
    customers: u32,
    /// Tellers.
    tellers: u32,
    /// Service, ms.
    service_ms: f64,
    /// Between two arrivals, ms.
    gap_ms: f64,
    /// Errand, ms.
    errand_ms: f64,
    /// The bank's runtime: `multi` (as the `bank` binary) or `current`.
    runtime: String,
    /// Where to keep the customers' trace, if anywhere.
    keep: Option<String>,
    /// Where to write the bank's turns, one line each, if anywhere.
    turns: Option<String>,
}

impl Plan {
    /// The plan from the command line (`cargo bench` adds `--bench`: ignored).
    fn from_args(args: &[String]) -> Result<Plan, String> {
        let mut plan = Plan {
            style: Style::AsyncBlocking,
            customers: 10_000,
            tellers: 8,
            service_ms: 10.0,
            gap_ms: 0.1,
            errand_ms: 20.0,
            runtime: "multi".to_owned(),
            keep: None,
            turns: None,
        };
        let mut args = args.iter();
        while let Some(flag) = args.next() {
            if flag == "--bench" {
                continue;
            }
            let value = args.next().ok_or(format!("{flag} needs a value"))?;
            let number = || value.parse::<f64>().map_err(|e| format!("{flag}: {e}"));
            match flag.as_str() {
                "--style" => {
                    plan.style = Style::ALL
                        .into_iter()
                        .find(|s| s.name() == value)
                        .ok_or(format!("no style {value}"))?;
                }
                "--customers" => plan.customers = number()? as u32,
                "--tellers" => plan.tellers = number()? as u32,
                "--service" => plan.service_ms = number()?,
                "--arrival-gap" => plan.gap_ms = number()?,
                "--errand" => plan.errand_ms = number()?,
                "--runtime" => plan.runtime = value.clone(),
                "--keep-trace" => plan.keep = Some(value.clone()),
                "--turns" => plan.turns = Some(value.clone()),
                _ => return Err(format!("unknown flag {flag}")),
            }
        }
        Ok(plan)
    }

    /// The same flags again, for the child.
    fn to_args(&self) -> Vec<String> {
        [
            ("--style", self.style.name().to_owned()),
            ("--customers", self.customers.to_string()),
            ("--tellers", self.tellers.to_string()),
            ("--service", self.service_ms.to_string()),
            ("--arrival-gap", self.gap_ms.to_string()),
            ("--errand", self.errand_ms.to_string()),
        ]
        .into_iter()
        .flat_map(|(f, v)| [f.to_owned(), v])
        .collect()
    }

    /// The scene, the same in both processes.
    fn scenario(&self) -> Scenario {
        Generate {
            customers: self.customers,
            tellers: self.tellers,
            service: ServiceTime::Fixed(self.service_ms),
            arrival_gap_ms: self.gap_ms,
            errand_ms: self.errand_ms,
            ..Generate::default()
        }
        .scenario()
    }
}

/// The measurement, or (in the child process) the customers.
fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let plan = match Plan::from_args(&args) {
        Ok(plan) => plan,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(2);
        }
    };
    match std::env::var(CHILD) {
        Ok(addr) => customers(&plan, &addr),
        Err(_) => match measure(&plan) {
            Ok(true) => ExitCode::SUCCESS,
            Ok(false) => ExitCode::FAILURE,
            Err(err) => {
                eprintln!("error: {err}");
                ExitCode::FAILURE
            }
        },
    }
}

/// The customers' process: the style's customers against the bank at `addr`;
/// the trace goes to the file `BANK_SERVICE_BENCH_TRACE` names.
fn customers(plan: &Plan, addr: &str) -> ExitCode {
    let _ = bank::room::raise_open_files();
    let (Ok(addr), Ok(trace)) = (addr.parse(), std::env::var("BANK_SERVICE_BENCH_TRACE")) else {
        eprintln!("error: the child needs a bank address and a trace file");
        return ExitCode::from(2);
    };
    let customers: Customers = match plan.style {
        Style::SyncBlocking => sync_blocking::customers,
        Style::SyncNonblocking => sync_nonblocking::customers,
        Style::AsyncBlocking => async_blocking::customers,
        Style::AsyncNonblocking => async_nonblocking::customers,
    };
    let scenario = plan.scenario();
    let recorder = Recorder::new();
    demo::install(&recorder, plan.style, &scenario);
    let run = match demo::run(plan.style, customers, scenario, Some(addr), &recorder) {
        Ok(run) => run,
        Err(err) => {
            eprintln!("error: the customers cannot run: {err}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(err) = run.trace.write(std::path::Path::new(&trace)) {
        eprintln!("error: cannot write {trace}: {err}");
        return ExitCode::FAILURE;
    }
    if run.failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        eprintln!("{} failed visits", run.failures.len());
        ExitCode::FAILURE
    }
}

/// One turn's timing, from the bank's `bank::timing` event.
#[derive(Clone, Copy, Debug, Default)]
struct Turn {
    /// The ticket.
    ticket: u64,
    /// The service owed, ns.
    served_ns: u64,
    /// From reading `HERE` to running again after the deadline, ns.
    woke_ns: u64,
    /// From reading `HERE` to having written `DONE`, ns.
    said_ns: u64,
    /// How long the teller watched the clock (spun) at the end, ns.
    watched_ns: u64,
    /// When the event came, as the stopwatch saw it.
    at: Option<Instant>,
}

impl Visit for Turn {
    fn record_u64(&mut self, field: &Field, value: u64) {
        match field.name() {
            "ticket" => self.ticket = value,
            "served_ns" => self.served_ns = value,
            "woke_ns" => self.woke_ns = value,
            "said_ns" => self.said_ns = value,
            "watched_ns" => self.watched_ns = value,
            _ => {}
        }
    }
    fn record_debug(&mut self, _: &Field, _: &dyn std::fmt::Debug) {}
}

/// A subscriber that keeps the bank's `bank::timing` events and nothing else.
#[derive(Default)]
struct Stopwatch {
    /// Every turn noted so far.
    turns: Mutex<Vec<Turn>>,
}

impl Subscriber for Stopwatch {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.target() == "bank::timing"
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut turn = Turn {
            at: Some(Instant::now()),
            ..Turn::default()
        };
        event.record(&mut turn);
        self.turns
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(turn);
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

/// How late each bare `clock_nanosleep(TIMER_ABSTIME)` of `each` woke, in
/// µs, on this thread, until `stop` (or `count` sleeps).
fn floor(each: Duration, count: usize, stop: &AtomicBool) -> Vec<f64> {
    let mut late = Vec::with_capacity(count.min(10_000));
    let now = || clock_gettime(ClockId::CLOCK_MONOTONIC).map(Duration::from);
    while late.len() < count && !stop.load(Ordering::Relaxed) {
        let Ok(start) = now() else { break };
        let due = start + each;
        let asked = TimeSpec::from_duration(due);
        // EINTR only: then the sample is simply taken again.
        if clock_nanosleep(
            ClockId::CLOCK_MONOTONIC,
            ClockNanosleepFlags::TIMER_ABSTIME,
            &asked,
        )
        .is_err()
        {
            continue;
        }
        let Ok(woke) = now() else { break };
        late.push(us(woke.saturating_sub(due)));
    }
    late
}

/// A line's trip over loopback, at rest, `count` times, in µs: written →
/// in the reader's socket (the kernel's stamp), stamped → read by a thread
/// blocked in `read()`, and written → read by a task on `runtime` (as the
/// bank reads `HERE`).
fn loopback(runtime: &tokio::runtime::Runtime, count: usize) -> std::io::Result<[Vec<f64>; 3]> {
    use std::io::Write;
    use std::net::{TcpListener, TcpStream};
    use std::os::fd::AsFd;
    use std::time::SystemTime;
    use tokio::io::AsyncBufReadExt;

    let listener = TcpListener::bind("127.0.0.1:0")?;
    let pair = || -> std::io::Result<(TcpStream, TcpStream)> {
        let writer = TcpStream::connect(listener.local_addr()?)?;
        writer.set_nodelay(true)?;
        Ok((writer, listener.accept()?.0))
    };
    let since = |t0: SystemTime, t: SystemTime| us(t.duration_since(t0).unwrap_or_default());
    let (mut to_stamp, mut to_thread, mut to_task) = (Vec::new(), Vec::new(), Vec::new());

    // A thread blocked in read(), with the kernel's stamps.
    let (mut writer, reader) = pair()?;
    scene::customer::stamp_arrivals(reader.as_fd())?;
    let (heard, hear) = std::sync::mpsc::channel();
    let thread = std::thread::spawn(move || {
        let mut lines = scene::customer::Lines::new();
        for _ in 0..count {
            let Ok((_, unread)) = lines.read_reply(reader.as_fd()) else {
                break;
            };
            let _ = heard.send((SystemTime::now(), unread.unwrap_or_default()));
        }
    });
    for _ in 0..count {
        std::thread::sleep(Duration::from_millis(2));
        let t0 = SystemTime::now();
        writer.write_all(b"CALL 1 1\n")?;
        let Ok((read, unread)) = hear.recv() else {
            break;
        };
        to_stamp.push(since(t0, read) - us(unread));
        to_thread.push(us(unread));
    }
    let _ = thread.join();

    // A task on the bank's runtime, reading lines as the bank does; the
    // runtime is driven here (a current-thread one runs only in block_on),
    // and a thread writes, noting when each line was sent.
    let (mut writer, reader) = pair()?;
    reader.set_nonblocking(true)?;
    let (sent, sends) = std::sync::mpsc::channel();
    let writing = std::thread::spawn(move || -> std::io::Result<()> {
        for _ in 0..count {
            std::thread::sleep(Duration::from_millis(2));
            // Noted before the write, so it is there when the line is read.
            let _ = sent.send(SystemTime::now());
            writer.write_all(b"HERE 1\n")?;
        }
        Ok(())
    });
    runtime.block_on(async {
        let reader = tokio::net::TcpStream::from_std(reader)?;
        let mut lines = tokio::io::BufReader::new(reader).lines();
        while lines.next_line().await?.is_some() {
            let read = SystemTime::now();
            if let Ok(t0) = sends.try_recv() {
                to_task.push(since(t0, read));
            }
        }
        Ok::<(), std::io::Error>(())
    })?;
    writing
        .join()
        .map_err(|_| std::io::Error::other("the writer panicked"))??;
    Ok([to_stamp, to_thread, to_task])
}

/// A duration in µs.
fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// The `p`th percentile of `xs` (sorted in place), by linear interpolation.
fn pct(xs: &mut [f64], p: f64) -> f64 {
    if xs.is_empty() {
        return f64::NAN;
    }
    xs.sort_by(f64::total_cmp);
    let k = (xs.len() - 1) as f64 * p / 100.0;
    let (lo, hi) = (k.floor() as usize, k.ceil() as usize);
    xs[lo] + (xs[hi] - xs[lo]) * (k - lo as f64)
}

/// `median / p99 / max` of `xs`, in the unit given.
fn spread(xs: &mut [f64], unit: &str) -> String {
    let (p50, p99) = (pct(xs, 50.0), pct(xs, 99.0));
    let max = xs.last().copied().unwrap_or(f64::NAN);
    let digits = if unit == "ms" { 2 } else { 1 };
    format!(
        "median {p50:8.digits$} {unit}  p99 {p99:8.digits$} {unit}  max {max:8.digits$} {unit}  (n = {})",
        xs.len()
    )
}

/// The load average now, as `/proc/loadavg` says.
fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// CPU time of this whole process so far, in ms.
fn cpu_ms() -> f64 {
    let ms = |tv: nix::sys::time::TimeVal| tv.tv_sec() as f64 * 1e3 + tv.tv_usec() as f64 / 1e3;
    getrusage(UsageWho::RUSAGE_SELF).map_or(0.0, |u| ms(u.user_time()) + ms(u.system_time()))
}

/// The measurement: floor at rest, then the run with the floor beside it.
/// `Ok(false)` when a service ended early or customers were lost.
fn measure(plan: &Plan) -> Result<bool, String> {
    let _ = bank::room::raise_open_files();
    println!(
        "service bench: {} {} customers, {} tellers, {} ms services, a customer every {} ms, \
         {} ms errand; bank on a {}-thread runtime",
        plan.customers,
        plan.style.name(),
        plan.tellers,
        plan.service_ms,
        plan.gap_ms,
        plan.errand_ms,
        plan.runtime
    );
    println!("load average before: {}", load());

    // The floor at rest: no timer slack (the bank's timerfd has none either).
    let slack = nix::sys::prctl::get_timerslack().unwrap_or(-1);
    let never = AtomicBool::new(false);
    let mut at_rest = floor(Duration::from_millis(10), 200, &never);
    nix::sys::prctl::set_timerslack(1).map_err(|e| format!("PR_SET_TIMERSLACK: {e}"))?;
    let mut at_rest_exact = floor(Duration::from_millis(10), 200, &never);
    println!(
        "floor at rest, clock_nanosleep 10 ms, timer slack {slack} ns: {}",
        spread(&mut at_rest, "µs")
    );
    println!(
        "floor at rest, clock_nanosleep 10 ms, timer slack 1 ns:     {}",
        spread(&mut at_rest_exact, "µs")
    );

    let stopwatch = Arc::new(Stopwatch::default());
    tracing::subscriber::set_global_default(stopwatch.clone())
        .map_err(|e| format!("cannot install the stopwatch: {e}"))?;
    let scenario = plan.scenario();
    let runtime = match plan.runtime.as_str() {
        "multi" => tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build(),
        "current" => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build(),
        other => return Err(format!("--runtime multi or current, not {other}")),
    }
    .map_err(|e| format!("no runtime: {e}"))?;
    let [mut to_stamp, mut to_thread, mut to_task] =
        loopback(&runtime, 300).map_err(|e| format!("loopback: {e}"))?;
    println!("loopback at rest, one line one way:");
    println!(
        "  written -> in the peer's socket (kernel stamp): {}",
        spread(&mut to_stamp, "µs")
    );
    println!(
        "  stamped -> read by a thread blocked in read():  {}",
        spread(&mut to_thread, "µs")
    );
    println!(
        "  written -> read by a task on the bank's runtime: {}",
        spread(&mut to_task, "µs")
    );
    let listener = runtime
        .block_on(async {
            let socket = tokio::net::TcpSocket::new_v4()?;
            socket.bind(([127, 0, 0, 1], 0).into())?;
            socket.listen(4096)
        })
        .map_err(|e| format!("cannot listen: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let config = Config::for_scenario(&scenario);
    let (close, closed) = tokio::sync::oneshot::channel::<()>();
    // The floor inside the bank's runtime: a task that only sleeps on the
    // same kind of timer as a teller's, beside the tellers.
    let in_runtime = Arc::new(AtomicBool::new(false));
    let runtime_floor = runtime.spawn({
        let stop = in_runtime.clone();
        async move {
            let mut late = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let due = Instant::now() + Duration::from_millis(10);
                bank::deadline::Deadline::at(due, Duration::ZERO)
                    .passed()
                    .await;
                late.push(us(Instant::now() - due));
            }
            late
        }
    });
    let runtime_handle = runtime.handle().clone();
    let bank = std::thread::spawn(move || {
        runtime.block_on(bank::serve(listener, config, async {
            let _ = closed.await;
        }))
    });

    let trace_file = match &plan.keep {
        Some(path) => std::path::PathBuf::from(path),
        None => std::env::temp_dir().join(format!("service-bench-{}.json", std::process::id())),
    };
    let stop = Arc::new(AtomicBool::new(false));
    let beside = std::thread::spawn({
        let stop = stop.clone();
        move || {
            let _ = nix::sys::prctl::set_timerslack(1);
            floor(Duration::from_millis(10), usize::MAX, &stop)
        }
    });
    let cpu_before = cpu_ms();
    let started = Instant::now();
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let status = Command::new(exe)
        .args(plan.to_args())
        .env(CHILD, addr.to_string())
        .env("BANK_SERVICE_BENCH_TRACE", &trace_file)
        .status()
        .map_err(|e| format!("cannot start the customers: {e}"))?;
    let took = started.elapsed();
    let bank_cpu = cpu_ms() - cpu_before;
    stop.store(true, Ordering::Relaxed);
    in_runtime.store(true, Ordering::Relaxed);
    let mut beside = beside.join().map_err(|_| "the floor thread panicked")?;
    let mut runtime_floor = runtime_handle
        .block_on(runtime_floor)
        .map_err(|_| "the runtime's floor task failed")?;
    let _ = close.send(());
    match bank.join() {
        Ok(Ok(_closed)) => {}
        Ok(Err(err)) => return Err(format!("the bank failed: {err}")),
        Err(_) => return Err("the bank panicked".to_owned()),
    }
    println!("load average after:  {}", load());
    println!(
        "floor beside the run, clock_nanosleep 10 ms, slack 1 ns: {}",
        spread(&mut beside, "µs")
    );
    println!(
        "a task on the bank's runtime, timerfd 10 ms:             {}",
        spread(&mut runtime_floor, "µs")
    );

    let turns = stopwatch
        .turns
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    if let Some(path) = &plan.turns {
        let lines: String = turns
            .iter()
            .map(|t| {
                let at = t.at.map_or(0, |at| (at - started).as_micros());
                format!(
                    "{at} {} {} {} {}\n",
                    t.ticket, t.served_ns, t.woke_ns, t.said_ns
                )
            })
            .collect();
        std::fs::write(path, lines).map_err(|e| format!("{path}: {e}"))?;
    }
    let early: Vec<&Turn> = turns.iter().filter(|t| t.woke_ns < t.served_ns).collect();
    let late = |f: fn(&Turn) -> u64| -> Vec<f64> {
        turns
            .iter()
            .map(|t| (f(t) as f64 - t.served_ns as f64) / 1e3)
            .collect()
    };
    let mut done = late(|t| t.said_ns);
    let mut woke = late(|t| t.woke_ns);
    let mut write: Vec<f64> = turns
        .iter()
        .map(|t| (t.said_ns as f64 - t.woke_ns as f64) / 1e3)
        .collect();
    println!(
        "bank: HERE read -> DONE written, less the service: {}",
        spread(&mut done, "µs")
    );
    println!(
        "  of which the deadline's wake-up (late):          {}",
        spread(&mut woke, "µs")
    );
    println!(
        "  and the write of DONE:                           {}",
        spread(&mut write, "µs")
    );
    let arrivals_end =
        started + Duration::from_secs_f64(plan.gap_ms * f64::from(plan.customers) / 1e3);
    let (mut in_burst, mut later): (Vec<f64>, Vec<f64>) = (Vec::new(), Vec::new());
    for t in &turns {
        let late = (t.said_ns as f64 - t.served_ns as f64) / 1e3;
        match t.at {
            Some(at) if at <= arrivals_end => in_burst.push(late),
            _ => later.push(late),
        }
    }
    println!(
        "  while customers arrive:                          {}",
        spread(&mut in_burst, "µs")
    );
    println!(
        "  after:                                           {}",
        spread(&mut later, "µs")
    );
    println!(
        "  services ended before their time: {} of {}",
        early.len(),
        turns.len()
    );
    let watched_ms = turns.iter().map(|t| t.watched_ns as f64).sum::<f64>() / 1e6;
    println!(
        "bank CPU (this process, {:.1} s of run): {bank_cpu:.0} ms, of which watching the clock \
         (the last {:?} of each service) {watched_ms:.0} ms, {:.1} µs per service",
        took.as_secs_f64(),
        bank::deadline::WATCH,
        watched_ms * 1e3 / turns.len().max(1) as f64,
    );

    let trace = Trace::read(&trace_file)?;
    if plan.keep.is_none() {
        let _ = std::fs::remove_file(&trace_file);
    }
    let by_ticket: std::collections::HashMap<u64, Turn> =
        turns.iter().map(|t| (t.ticket, *t)).collect();
    let mut seen = Vec::new();
    let mut trips = Vec::new();
    let last_arrival = scenario
        .customers
        .iter()
        .map(|c| c.arrive_ms)
        .fold(0.0, f64::max);
    let (mut during, mut after) = (Vec::new(), Vec::new());
    for (c, plan_c) in trace.customers.iter().zip(&scenario.customers) {
        let (Some(here), Some(done_at), Some(called)) = (c.at_counter_ms, c.done_ms, c.called_ms)
        else {
            continue;
        };
        let customer = (done_at - here - plan_c.service_ms) * 1e3;
        seen.push(customer);
        if let Some(turn) = c.ticket.and_then(|t| by_ticket.get(&t)) {
            trips.push(customer - (turn.said_ns as f64 - turn.served_ns as f64) / 1e3);
        }
        let reaction = here - called;
        if called <= last_arrival {
            during.push(reaction);
        } else {
            after.push(reaction);
        }
    }
    println!(
        "customers: HERE written -> DONE in their socket, less the service: {}",
        spread(&mut seen, "µs")
    );
    println!(
        "  what that adds to the bank's figure (loopback both ways, bank reading HERE): {}",
        spread(&mut trips, "µs")
    );
    let mean = |xs: &[f64]| xs.iter().sum::<f64>() / xs.len().max(1) as f64;
    println!(
        "reaction while customers arrive (called by {last_arrival:.0} ms): mean {:.2} ms, {}",
        mean(&during),
        spread(&mut during, "ms")
    );
    println!(
        "reaction after:                                  mean {:.2} ms, {}",
        mean(&after),
        spread(&mut after, "ms")
    );
    let m = &trace.metrics;
    println!(
        "makespan {:.0} ms, ideal {:.0} ms, efficiency {:.3}; served {} of {}; customers' CPU {:.0} ms",
        m.makespan_ms,
        m.ideal_makespan_ms,
        m.efficiency,
        m.served,
        plan.customers,
        m.process.cpu_ms()
    );
    Ok(early.is_empty() && status.success() && m.served == plan.customers)
}
