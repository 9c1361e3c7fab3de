//! The shared flags: one `clap::Args` that every demo flattens into its own
//! command line, so `--customers 20 --tellers 3` means the same everywhere.
//!
//! Every value is checked while parsing; a bad one stops the program with a
//! message that names the flag and exit code 2 (clap's usage error).

use std::net::SocketAddr;
use std::ops::RangeInclusive;
use std::path::PathBuf;

use clap::Args;

use crate::kernel::Sampling;
use crate::scenario_file::ScenarioError;
use bank::cli::PolicyArgs;
use bank::protocol::MAX_SERVICE_MS;
use timeline::scenario::{ErrandWork, Generate, Scenario, ServiceTime, defaults};

/// The flags every demo understands.
#[derive(Args, Clone, Debug, PartialEq)]
pub struct SharedArgs {
    /// Number of customers in a generated scenario.
    #[arg(long, allow_negative_numbers = true, value_name = "N", default_value_t = defaults::CUSTOMERS,
          value_parser = count(1..=100_000))]
    pub customers: u32,

    /// Tellers serving at once [default: 2, or the scenario file's].
    #[arg(long, allow_negative_numbers = true, value_name = "N", value_parser = count(1..=1000))]
    pub tellers: Option<u32>,

    /// Service time at the counter, in ms: fixed (400), a uniform range
    /// (200..600), or each customer's in turn (800,300,500).
    #[arg(long, allow_negative_numbers = true, value_name = "MS|A..B|A,B,..", default_value = "400", value_parser = parse_service)]
    pub service: ServiceTime,

    /// Time between two arrivals, in ms (fractions allowed: 0.1).
    #[arg(long, allow_negative_numbers = true, value_name = "MS", default_value_t = defaults::ARRIVAL_GAP_MS,
          value_parser = millis(0.0, 60_000.0))]
    pub arrival_gap: f64,

    /// Each customer's own work (the phone call, the cigarette), in ms.
    #[arg(long, allow_negative_numbers = true, value_name = "MS", default_value_t = defaults::ERRAND_MS,
          value_parser = millis(0.0, MAX_SERVICE_MS))]
    pub errand: f64,

    /// How each errand is done: sleep (time passing) or cpu (real computing,
    /// measured in the thread's CPU time).
    #[arg(long, value_enum, value_name = "WORK", default_value_t = ErrandWork::Sleep)]
    pub errand_work: ErrandWork,

    /// sync-nonblocking: errand slice between two looks at the socket, in ms [default: 150].
    #[arg(long, allow_negative_numbers = true, value_name = "MS", value_parser = positive_millis(60_000.0))]
    pub poll_every: Option<f64>,

    /// The async styles, with --errand-work cpu: CPU time an errand computes
    /// before it hands its thread back to the event loop, in ms (0: never).
    #[arg(long, allow_negative_numbers = true, value_name = "MS", default_value_t = defaults::YIELD_EVERY_MS,
          value_parser = millis(0.0, 60_000.0))]
    pub yield_every: f64,

    /// Seed for a generated scenario, so a run can be repeated.
    #[arg(long, allow_negative_numbers = true, value_name = "S", default_value_t = defaults::SEED)]
    pub seed: u64,

    /// A TOML scenario with named customers, instead of a generated one.
    #[arg(long, allow_negative_numbers = true, value_name = "FILE",
          conflicts_with_all = ["customers", "service", "arrival_gap", "errand", "seed"])]
    pub scenario: Option<PathBuf>,

    /// Who goes next, and for how long: the bank's policy.
    #[command(flatten)]
    pub policy: PolicyArgs,

    /// Run X times faster than the scenario's clock.
    #[arg(long, allow_negative_numbers = true, value_name = "X", default_value_t = 1.0, value_parser = positive(10_000.0))]
    pub speed: f64,

    /// Use a bank already running at ADDR (HOST:PORT, such as
    /// localhost:7878, or a bare PORT on loopback) instead of starting one
    /// in this process.
    #[arg(
        long,
        allow_negative_numbers = true,
        value_name = "ADDR",
        env = "BANK_QUEUE_BANK",
        value_parser = bank::cli::socket_addr
    )]
    pub bank: Option<SocketAddr>,

    /// Write the trace file (JSON) to FILE (`-`: to stdout, and the swimlane to stderr).
    #[arg(long, allow_negative_numbers = true, value_name = "FILE")]
    pub trace: Option<PathBuf>,

    /// Write a Chrome trace-event file to FILE, to open in Perfetto (`-`: to stdout).
    #[arg(long, allow_negative_numbers = true, value_name = "FILE")]
    pub chrome: Option<PathBuf>,

    /// Draw every thread of the customers' process as the kernel sees it,
    /// sampled from /proc about every millisecond: running 运行, ready 就绪,
    /// blocked 阻塞 (the HTML report and Perfetto name the system call); and
    /// each tokio task's polls. The process states are these lanes' only; a
    /// customer's row shows the scene's. `auto`: on for up to 32 customers.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = Sampling::Auto)]
    pub kernel: Sampling,

    /// Width of the swimlane in columns [default: the terminal's, or 100].
    #[arg(long, allow_negative_numbers = true, value_name = "COLS", value_parser = count(40..=1000))]
    pub width: Option<u32>,

    /// Draw the run while it happens, on the terminal (with --speed 0.25, slowly
    /// enough to follow one customer); the usual picture follows.
    #[arg(long)]
    pub live: bool,

    /// After the picture, a table of each customer: arrival, service, turns
    /// at the counter, and response, wait and turnaround under the policy.
    #[arg(long)]
    pub per_customer: bool,
}

impl SharedArgs {
    /// The scenario these flags describe, sped up by `--speed`.
    pub fn scenario(&self) -> Result<Scenario, ScenarioError> {
        let tellers = self.tellers.unwrap_or(defaults::TELLERS);
        let poll_every = self.poll_every.unwrap_or(defaults::POLL_EVERY_MS);
        let mut scenario = match &self.scenario {
            Some(path) => crate::scenario_file::from_file(path, tellers, poll_every)?,
            None => Generate {
                customers: self.customers,
                tellers,
                service: self.service.clone(),
                arrival_gap_ms: self.arrival_gap,
                errand_ms: self.errand,
                poll_every_ms: poll_every,
                seed: self.seed,
            }
            .scenario(),
        };
        // Flags given on the command line win over the file.
        if let Some(tellers) = self.tellers {
            scenario.tellers = tellers;
        }
        if let Some(poll_every) = self.poll_every {
            scenario.poll_every_ms = poll_every;
        }
        scenario.errand_work = self.errand_work;
        scenario.yield_every_ms = self.yield_every;
        (scenario.policy, scenario.slices) = self
            .policy
            .over((scenario.policy, scenario.slices))
            .map_err(ScenarioError::Policy)?;
        Ok(scenario.speed_up(self.speed))
    }
}

/// A whole number within `range`.
fn count(range: RangeInclusive<u32>) -> impl Fn(&str) -> Result<u32, String> + Clone {
    move |s| match s.trim().parse::<u32>() {
        Ok(n) if range.contains(&n) => Ok(n),
        _ => Err(format!(
            "expected a whole number from {} to {}",
            range.start(),
            range.end()
        )),
    }
}

/// A number of milliseconds within `low..=high`.
fn millis(low: f64, high: f64) -> impl Fn(&str) -> Result<f64, String> + Clone {
    move |s| match s.trim().parse::<f64>() {
        Ok(ms) if ms.is_finite() && (low..=high).contains(&ms) => Ok(ms),
        _ => Err(format!("expected milliseconds from {low} to {high}")),
    }
}

/// A number of milliseconds above 0 and at most `high`.
fn positive_millis(high: f64) -> impl Fn(&str) -> Result<f64, String> + Clone {
    move |s| match s.trim().parse::<f64>() {
        Ok(ms) if ms.is_finite() && ms > 0.0 && ms <= high => Ok(ms),
        _ => Err(format!("expected milliseconds above 0 and at most {high}")),
    }
}

/// A factor above 0 and at most `high`.
fn positive(high: f64) -> impl Fn(&str) -> Result<f64, String> + Clone {
    move |s| match s.trim().parse::<f64>() {
        Ok(x) if x.is_finite() && x > 0.0 && x <= high => Ok(x),
        _ => Err(format!("expected a number above 0 and at most {high}")),
    }
}

/// `400`, `200..600` or `800,300,500`: milliseconds above 0, at most an hour.
fn parse_service(s: &str) -> Result<ServiceTime, String> {
    let one = positive_millis(MAX_SERVICE_MS);
    if s.contains(',') {
        return s
            .split(',')
            .map(&one)
            .collect::<Result<Vec<f64>, String>>()
            .map(ServiceTime::Each);
    }
    match s.split_once("..") {
        None => one(s).map(ServiceTime::Fixed),
        Some((low, high)) => {
            let (low, high) = (one(low)?, one(high)?);
            if low > high {
                return Err(format!("the range {s} runs backwards: write LOW..HIGH"));
            }
            Ok(ServiceTime::Range(low, high))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser, Debug)]
    struct Cli {
        #[command(flatten)]
        shared: SharedArgs,
    }

    fn parse(args: &[&str]) -> Result<SharedArgs, clap::Error> {
        Cli::try_parse_from(std::iter::once("demo").chain(args.iter().copied())).map(|c| c.shared)
    }

    #[test]
    fn defaults_make_the_lecture_scene() {
        let s = parse(&[])
            .expect("no flags is fine")
            .scenario()
            .expect("a scenario");
        assert_eq!(s.customers.len(), 6);
        assert_eq!(s.tellers, 2);
        assert_eq!(s.poll_every_ms, 150.0);
        assert_eq!(s.errand_work, ErrandWork::Sleep, "errands sleep by default");
        assert_eq!(s.yield_every_ms, 5.0);
    }

    #[test]
    fn computed_errands_and_their_yields_are_recorded_in_the_scenario() {
        let s = parse(&["--errand-work", "cpu", "--yield-every", "0", "--speed", "2"])
            .expect("valid flags")
            .scenario()
            .expect("a scenario");
        assert_eq!(s.errand_work, ErrandWork::Cpu);
        assert_eq!(s.yield_every_ms, 0.0, "0: never yields");
        let s = parse(&["--yield-every", "8", "--speed", "2"])
            .expect("valid flags")
            .scenario()
            .expect("a scenario");
        assert_eq!(s.yield_every_ms, 4.0, "sped up like every time");
    }

    #[test]
    fn the_kernel_is_sampled_for_a_class_sized_run_unless_told() {
        let kernel = |args: &[&str]| parse(args).expect("valid flags").kernel;
        assert_eq!(kernel(&[]), Sampling::Auto);
        assert!(Sampling::Auto.wanted(32) && !Sampling::Auto.wanted(33));
        assert!(kernel(&["--kernel", "on"]).wanted(200));
        assert!(!kernel(&["--kernel", "off"]).wanted(6));
    }

    #[test]
    fn every_flag_is_checked_and_named() {
        let bad: &[(&[&str], &str)] = &[
            (&["--customers", "0"], "--customers"),
            (&["--customers", "many"], "--customers"),
            (&["--tellers", "0"], "--tellers"),
            (&["--tellers", "-1"], "--tellers"),
            (&["--service", "0"], "--service"),
            (&["--service", "9..3"], "--service"),
            (&["--service", "a..b"], "--service"),
            (&["--service", "800,0,500"], "--service"),
            (&["--service", "800,,500"], "--service"),
            (&["--arrival-gap", "-1"], "--arrival-gap"),
            (&["--arrival-gap", "inf"], "--arrival-gap"),
            (&["--errand", "NaN"], "--errand"),
            (&["--poll-every", "0"], "--poll-every"),
            (&["--errand-work", "spin"], "--errand-work"),
            (&["--errand-work", "CPU"], "--errand-work"),
            (&["--yield-every", "-1"], "--yield-every"),
            (&["--yield-every", "NaN"], "--yield-every"),
            (&["--seed", "-3"], "--seed"),
            (&["--speed", "0"], "--speed"),
            (&["--bank", "nowhere"], "--bank"),
            (&["--width", "5"], "--width"),
            (&["--kernel", "maybe"], "--kernel"),
            (&["--scenario", "x.toml", "--customers", "3"], "--customers"),
            (&["--policy", "lottery"], "--policy"),
            (&["--quantum", "0"], "--quantum"),
            (&["--queues", "99"], "--queues"),
            (&["--boost", "never"], "--boost"),
        ];
        for (args, flag) in bad {
            let err = parse(args).expect_err(&format!("{args:?} should be refused"));
            assert_eq!(err.exit_code(), 2, "{args:?}");
            assert!(err.to_string().contains(flag), "{args:?}: {err}");
        }
    }

    #[test]
    fn the_bank_may_be_named_by_host_name_or_port() {
        let bank = |text: &str| parse(&["--bank", text]).expect(text).bank;
        assert_eq!(
            bank("localhost:7878"),
            Some(SocketAddr::from(([127, 0, 0, 1], 7878)))
        );
        assert_eq!(bank("7878"), Some(SocketAddr::from(([127, 0, 0, 1], 7878))));
        assert_eq!(
            bank("[::1]:80"),
            Some(SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, 80)))
        );
        let err = parse(&["--bank", "localhost"])
            .expect_err("no port")
            .to_string();
        assert!(
            err.contains("--bank") && err.contains("\"localhost\""),
            "{err}"
        );
    }

    #[test]
    fn the_policy_and_its_slices_are_the_scenarios_and_sped_up_with_it() {
        let s = parse(&[
            "--policy",
            "mlfq",
            "--quantum",
            "40",
            "--boost",
            "2000",
            "--speed",
            "4",
        ])
        .expect("valid flags")
        .scenario()
        .expect("a scenario");
        assert_eq!(s.policy, timeline::scenario::PolicyKind::Mlfq);
        let slices = s.slices.expect("mlfq has slices");
        assert_eq!(
            (slices.quantum_ms, slices.queues, slices.boost_ms),
            (10.0, 3, Some(500.0))
        );
        let err = parse(&["--policy", "fcfs", "--quantum", "40"])
            .expect("each flag is valid alone")
            .scenario()
            .expect_err("fcfs has no slices");
        assert!(err.to_string().contains("--quantum"), "{err}");
    }

    #[test]
    fn ranges_fractions_and_speed() {
        let a = parse(&[
            "--service",
            "200..600",
            "--arrival-gap",
            "0.1",
            "--speed",
            "10",
        ])
        .expect("valid flags");
        assert_eq!(a.service, ServiceTime::Range(200.0, 600.0));
        let s = a.scenario().expect("a scenario");
        assert!((s.customers[1].arrive_ms - 0.01).abs() < 1e-9);
        assert!(
            s.customers
                .iter()
                .all(|c| (20.0..=60.0).contains(&c.service_ms))
        );
    }
}
