//! The `bank` binary's flags, its log lines and how it closes: what
//! `main.rs` needs beyond [`crate::serve`].
//!
//! The log is for a lecturer watching the bank on a projector while the class
//! plays customers with `nc`: one line per moment of the timeline, in plain
//! words (`ticket`, `called`, `at_counter`, `served`, `abandon`, `reject`),
//! with who did it (the bank's front door or a teller) and for whom.
//!
//! The flags are set for a classroom: the bank listens on loopback unless
//! `--listen` says otherwise (and warns when it does); it lets in as many
//! customers as its open-file limit allows (`--max-customers`); a student has
//! a minute to type their `TICKET` line (`--idle-timeout`) and half a minute
//! to answer a `CALL` with `HERE` (`--here-timeout`), so that one who walked
//! away does not hold a teller, and the room behind them, for long.
//!
//! Whatever its terminal does, the bank goes on: its log and its welcome
//! line go through an [`outbox::Outbox`] each, so a paused terminal or a
//! pipe nobody reads costs log lines (counted), never a customer's turn;
//! and Ctrl-C or SIGTERM closes it within a second, telling every customer
//! still inside `ERR closing: the bank is closing`.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use clap::Parser;
use timeline::plural;
use timeline::scenario::Misfit;
use timeline::visible::quoted;

use crate::policy::{PolicyKind, Slices};
use crate::protocol::MAX_SERVICE_MS;
use crate::signal::Signal;
use crate::{Closed, Config, max_customers_within};

/// The port the bank listens on when none is given.
pub const DEFAULT_PORT: u16 = 7878;

/// The bank alone: a TCP server that a class can queue at with `nc`, and that
/// the demos can share with `--bank ADDR`.
#[derive(Debug, Parser)]
#[command(
    name = "bank",
    version,
    after_help = after_help()
)]
pub struct Args {
    /// Where to listen: HOST:PORT, or a bare PORT on the loopback address.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:7878", value_parser = socket_addr)]
    pub listen: SocketAddr,

    /// How many tellers serve at once (1 to 1000).
    #[arg(
        long,
        value_name = "N",
        default_value_t = 2,
        value_parser = clap::value_parser!(u32).range(1..=1000)
    )]
    pub tellers: u32,

    /// Who goes next, and for how long.
    #[command(flatten)]
    pub policy: PolicyArgs,

    /// How many customers may be in the bank at once; the next one hears
    /// `ERR busy`. [default: as many as the open-file limit allows]
    #[arg(
        long,
        value_name = "N",
        allow_negative_numbers = true,
        value_parser = clap::value_parser!(u32).range(1..)
    )]
    pub max_customers: Option<u32>,

    /// Seconds a new connection has to send its TICKET line before it is
    /// shown out (fractions allowed).
    #[arg(long, value_name = "SECS", default_value = "60", allow_negative_numbers = true,
          value_parser = seconds)]
    pub idle_timeout: Duration,

    /// Seconds a teller waits for HERE after CALL before giving the ticket
    /// up and calling the next (fractions allowed).
    #[arg(long, value_name = "SECS", default_value = "30", allow_negative_numbers = true,
          value_parser = seconds)]
    pub here_timeout: Duration,
}

/// The scheduling policy's flags: the same for the bank and for every demo
/// (`scene::flags` flattens them in), where they count the scenario's
/// milliseconds, before `--speed`.
#[derive(clap::Args, Clone, Debug, Default, PartialEq)]
pub struct PolicyArgs {
    /// Who goes next (进程调度): fcfs first come first served, sjf shortest
    /// job first, rr round robin, mlfq multilevel feedback queue [default:
    /// fcfs, or the scenario file's]
    #[arg(long, value_enum, value_name = "POLICY")]
    pub policy: Option<PolicyKind>,

    /// rr: the time slice; mlfq: the top queue's, each queue below twice
    /// the one above; in ms [default: 100]
    #[arg(long, value_name = "MS", allow_negative_numbers = true, value_parser = positive_ms)]
    pub quantum: Option<f64>,

    /// mlfq: how many queues, from 1 to 8 [default: 3]
    #[arg(long, value_name = "N", allow_negative_numbers = true,
          value_parser = clap::value_parser!(u32).range(1..=8))]
    pub queues: Option<u32>,

    /// mlfq: every MS, every customer goes back to the top queue [default: never]
    #[arg(long, value_name = "MS", allow_negative_numbers = true, value_parser = positive_ms)]
    pub boost: Option<f64>,
}

impl PolicyArgs {
    /// The policy these flags ask for, and its slices, over `otherwise`
    /// (a scenario file's, or FCFS): `--policy` replaces it whole, with
    /// only the flags' parameters; without `--policy`, each of `--quantum`,
    /// `--queues`, `--boost` replaces one of its parameters. A flag the
    /// policy does not take is refused, by name.
    pub fn over(
        &self,
        otherwise: (PolicyKind, Option<Slices>),
    ) -> Result<(PolicyKind, Option<Slices>), String> {
        let kind = self.policy.unwrap_or(otherwise.0);
        let asked = Slices::of(kind, self.quantum, self.queues, self.boost).map_err(|misfit| {
            let flag = match misfit {
                Misfit::Quantum => "--quantum",
                Misfit::Queues => "--queues",
                Misfit::Boost => "--boost",
            };
            format!("{flag} does not fit --policy {kind}: {misfit}")
        })?;
        let slices = match (self.policy, otherwise.1) {
            (None, Some(file)) => asked.map(|_| Slices {
                quantum_ms: self.quantum.unwrap_or(file.quantum_ms),
                queues: self.queues.unwrap_or(file.queues),
                boost_ms: self.boost.or(file.boost_ms),
            }),
            _ => asked,
        };
        Ok((kind, slices))
    }
}

/// Milliseconds above 0 and at most an hour: a time slice, or a boost's period.
pub fn positive_ms(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(ms) if ms.is_finite() && ms > 0.0 && ms <= MAX_SERVICE_MS => Ok(ms),
        _ => Err(format!(
            "expected milliseconds above 0 and at most {MAX_SERVICE_MS}"
        )),
    }
}

/// What `--help` says after the flags: the protocol, and where to read more.
fn after_help() -> String {
    format!(
        "{}\n\nWhat the bank promises, and the test behind each promise: \
         docs/bank-guarantees.md.\nThe scene it serves: docs/00-overview.md; \
         its policies: docs/06-scheduling.md.",
        crate::protocol::IN_BRIEF
    )
}

/// The longest timeout the flags take: a day.
const LONGEST_TIMEOUT_SECS: f64 = 86_400.0;

/// Reads a timeout in seconds: above 0, at most a day, fractions allowed.
pub fn seconds(text: &str) -> Result<Duration, String> {
    let secs: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{} is not a number of seconds", quoted(text, 80)))?;
    if !(secs > 0.0 && secs <= LONGEST_TIMEOUT_SECS) {
        return Err(format!(
            "{text} is out of range: above 0 and at most {LONGEST_TIMEOUT_SECS} seconds"
        ));
    }
    Ok(Duration::from_secs_f64(secs))
}

impl Args {
    /// The bank these flags ask for, in a process that may open `open_files`
    /// files; refused (with the largest `--max-customers` that fits) when the
    /// cap asked for needs more.
    pub fn config(&self, open_files: u64) -> Result<Config, String> {
        let fits = max_customers_within(open_files, self.tellers);
        if fits == 0 {
            return Err(format!(
                "this process may open only {open_files} files (RLIMIT_NOFILE, ulimit -n): \
                 not enough for a bank with {} tellers; raise it with ulimit -n",
                self.tellers
            ));
        }
        let max_customers = match self.max_customers {
            Some(asked) if asked > fits => {
                return Err(format!(
                    "--max-customers {asked} needs about {} open files (a socket per customer, \
                     and the bank's own), but this process may open {open_files} \
                     (RLIMIT_NOFILE, ulimit -n). The largest that fits is --max-customers {fits}.",
                    u64::from(asked) + (open_files - u64::from(fits)),
                ));
            }
            Some(asked) => asked,
            None => fits,
        };
        let (policy, slices) = self.policy.over((PolicyKind::Fcfs, None))?;
        Ok(Config {
            tellers: self.tellers,
            policy,
            slices,
            max_customers,
            idle_timeout: self.idle_timeout,
            here_timeout: self.here_timeout,
        })
    }
}

/// Reads a bank's address (the bank's `--listen`, a demo's `--bank`):
/// `HOST:PORT`, where HOST is an IP address (`[::1]` for IPv6) or a name to
/// look up (`localhost`), or a bare `PORT`, meaning the loopback address
/// 127.0.0.1.
///
/// A name with several addresses means its first IPv4 one when it has one
/// (`localhost` is 127.0.0.1, where the bank listens by default), else its
/// first: the bank's `--listen` and a demo's `--bank` read the same name as
/// the same address.
pub fn socket_addr(text: &str) -> Result<SocketAddr, String> {
    let usage = "expected HOST:PORT or a port, such as localhost:7878, 127.0.0.1:7878 or 7878";
    if let Ok(port) = text.parse::<u16>() {
        return Ok(SocketAddr::from((Ipv4Addr::LOCALHOST, port)));
    }
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Ok(addr);
    }
    let shown = quoted(text, 80);
    let addrs: Vec<SocketAddr> = std::net::ToSocketAddrs::to_socket_addrs(text)
        .map_err(|err| format!("{shown}: {err}; {usage}"))?
        .collect();
    addrs
        .iter()
        .find(|addr| addr.is_ipv4())
        .or_else(|| addrs.first())
        .copied()
        .ok_or_else(|| format!("{shown} names no address; {usage}"))
}

/// The warning to print when the bank would be reachable from other
/// machines, or `None` on a loopback address (an IPv4 one written as IPv6,
/// `[::ffff:127.0.0.1]`, too).
pub fn exposure_warning(addr: SocketAddr) -> Option<String> {
    (!addr.ip().to_canonical().is_loopback()).then(|| {
        format!(
            "warning: listening on {addr}, which is not a loopback address: \
             anyone who can reach this machine can queue at this bank"
        )
    })
}

/// The line printed at start: where the bank is, and how to visit it by hand.
pub fn welcome_line(addr: SocketAddr, config: &Config) -> String {
    // A bank listening on every interface (0.0.0.0) is reached at loopback.
    let ip = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(std::net::Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    format!(
        "bank open on {addr} with {tellers}, {policy}, room for {max}; \
         try: nc {ip} {port}  then type  TICKET 张三 3000  (within {idle} s) and, \
         when called,  HERE <n>  (within {here} s)",
        tellers = plural::count(config.tellers, "teller"),
        policy = config.policy.words(config.slices.as_ref()),
        max = plural::count(config.max_customers, "customer"),
        port = addr.port(),
        idle = config.idle_timeout.as_secs_f64(),
        here = config.here_timeout.as_secs_f64(),
    )
}

/// The line the bank closes with: what closed it, and how many customers
/// were inside.
pub fn closing_line(by: Signal, closed: Closed) -> String {
    format!(
        "bank closed by {by} with {} in the bank",
        plural::count(closed.inside, "customer")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_closing_line_says_why_and_how_many() {
        let closed = |inside| Closed { inside };
        assert_eq!(
            closing_line(Signal::Interrupt, closed(3)),
            "bank closed by Ctrl-C (SIGINT) with 3 customers in the bank"
        );
        assert_eq!(
            closing_line(Signal::Terminate, closed(1)),
            "bank closed by SIGTERM with 1 customer in the bank"
        );
    }

    fn parse(args: &[&str]) -> Result<Args, clap::Error> {
        Args::try_parse_from(std::iter::once("bank").chain(args.iter().copied()))
    }

    #[test]
    fn defaults_are_a_loopback_bank_with_two_tellers() {
        let args = parse(&[]).expect("no flags is fine");
        assert_eq!(
            args.listen,
            SocketAddr::from((Ipv4Addr::LOCALHOST, DEFAULT_PORT))
        );
        assert_eq!(args.tellers, 2);
        assert_eq!(args.policy, PolicyArgs::default());
        assert_eq!(args.config(1024).map(|c| c.policy), Ok(PolicyKind::Fcfs));
        assert_eq!(args.max_customers, None);
        assert_eq!(args.idle_timeout, Duration::from_secs(60));
        assert_eq!(args.here_timeout, Duration::from_secs(30));
    }

    #[test]
    fn timeouts_take_seconds_with_fractions() {
        let args = parse(&["--idle-timeout", "0.5", "--here-timeout", "90"]).expect("valid");
        assert_eq!(args.idle_timeout, Duration::from_millis(500));
        assert_eq!(args.here_timeout, Duration::from_secs(90));
    }

    #[test]
    fn the_default_cap_is_what_the_open_files_allow() {
        let args = parse(&["--tellers", "4"]).expect("valid");
        let config = args.config(20_000).expect("fits");
        assert_eq!(config.max_customers, max_customers_within(20_000, 4));
        assert!(
            (19_000..20_000).contains(&config.max_customers),
            "{config:?}"
        );
        assert_eq!(config.tellers, 4);
        let asked = parse(&["--max-customers", "30"]).expect("valid");
        assert_eq!(asked.config(1024).expect("fits").max_customers, 30);
    }

    #[test]
    fn a_cap_past_the_open_files_is_refused_with_the_largest_that_fits() {
        let args = parse(&["--max-customers", "50000"]).expect("valid flags");
        let err = args
            .config(1024)
            .expect_err("50,000 sockets do not fit in 1024 files");
        let fits = max_customers_within(1024, 2);
        assert!(err.contains("RLIMIT_NOFILE"), "{err}");
        assert!(err.contains(&format!("--max-customers {fits}.")), "{err}");
        let exact = parse(&["--max-customers", &fits.to_string()]).expect("valid");
        assert!(exact.config(1024).is_ok());
        assert!(
            parse(&[]).expect("valid").config(10).is_err(),
            "no room at all"
        );
    }

    #[test]
    fn listen_takes_an_address_or_a_bare_port() {
        let at = |s| parse(&["--listen", s]).expect(s).listen;
        assert_eq!(at("9000"), SocketAddr::from((Ipv4Addr::LOCALHOST, 9000)));
        assert_eq!(at("0.0.0.0:80").to_string(), "0.0.0.0:80");
        assert_eq!(at("[::1]:7000").to_string(), "[::1]:7000");
        assert_eq!(
            at("localhost:7000"),
            SocketAddr::from((Ipv4Addr::LOCALHOST, 7000))
        );
    }

    #[test]
    fn bad_values_are_refused_naming_the_flag() {
        let cases: [&[&str]; 20] = [
            &["--tellers", "0"],
            &["--tellers", "1001"],
            &["--tellers", "two"],
            &["--listen", "nowhere"],
            &["--listen", "70000"],
            &["--listen", "127.0.0.1"],
            &["--policy", "lottery"],
            &["--quantum", "0"],
            &["--quantum", "soon"],
            &["--queues", "0"],
            &["--queues", "9"],
            &["--boost", "-5"],
            &["--max-customers", "0"],
            &["--max-customers", "-3"],
            &["--max-customers", "many"],
            &["--idle-timeout", "0"],
            &["--idle-timeout", "soon"],
            &["--here-timeout", "-1"],
            &["--here-timeout", "NaN"],
            &["--here-timeout", "1e9"],
        ];
        for args in cases {
            let err = parse(args).expect_err(args[1]);
            assert_eq!(err.exit_code(), 2, "{args:?}");
            assert!(err.to_string().contains(args[0]), "{args:?}: {err}");
        }
    }

    #[test]
    fn a_policy_takes_its_own_flags_and_refuses_the_others_by_name() {
        let config = |args: &[&str]| parse(args).expect("valid flags").config(1024);
        let rr = config(&["--policy", "rr", "--quantum", "25"]).expect("rr takes a quantum");
        assert_eq!(rr.policy, PolicyKind::Rr);
        assert_eq!(rr.slices.map(|s| (s.quantum_ms, s.queues)), Some((25.0, 1)));
        let mlfq = config(&["--policy", "mlfq", "--queues", "2", "--boost", "1000"])
            .expect("mlfq takes them all");
        let slices = mlfq.slices.expect("mlfq has slices");
        assert_eq!(
            (slices.quantum_ms, slices.queues, slices.boost_ms),
            (100.0, 2, Some(1000.0))
        );
        for (args, flag) in [
            (&["--quantum", "50"][..], "--quantum"),
            (&["--policy", "sjf", "--quantum", "50"], "--quantum"),
            (&["--policy", "rr", "--queues", "2"], "--queues"),
            (&["--policy", "rr", "--boost", "500"], "--boost"),
        ] {
            let err = config(args).expect_err(flag);
            assert!(err.starts_with(flag), "{args:?}: {err}");
        }
    }

    #[test]
    fn without_policy_the_flags_tune_the_files_policy() {
        let file = Slices::of(PolicyKind::Mlfq, Some(40.0), Some(2), None).expect("fits");
        let tune = |args: &[&str]| {
            parse(args)
                .expect("valid flags")
                .policy
                .over((PolicyKind::Mlfq, file))
        };
        let (kind, slices) = tune(&["--boost", "900"]).expect("mlfq boosts");
        assert_eq!(kind, PolicyKind::Mlfq);
        let slices = slices.expect("sliced");
        assert_eq!(
            (slices.quantum_ms, slices.queues, slices.boost_ms),
            (40.0, 2, Some(900.0))
        );
        let (kind, slices) = tune(&["--policy", "rr"]).expect("replaced whole");
        assert_eq!(
            (kind, slices.map(|s| s.quantum_ms)),
            (PolicyKind::Rr, Some(100.0))
        );
    }

    #[test]
    fn only_non_loopback_addresses_are_warned_about() {
        assert!(exposure_warning("127.0.0.1:1".parse().expect("an address")).is_none());
        assert!(exposure_warning("[::1]:1".parse().expect("an address")).is_none());
        assert!(exposure_warning("[::ffff:127.0.0.1]:1".parse().expect("an address")).is_none());
        assert!(exposure_warning("[::ffff:10.0.0.1]:1".parse().expect("an address")).is_some());
        assert!(exposure_warning("0.0.0.0:1".parse().expect("an address")).is_some());
    }

    #[test]
    fn the_welcome_line_shows_how_to_visit() {
        let config = Config {
            tellers: 1,
            max_customers: 500,
            here_timeout: Duration::from_millis(2500),
            ..Config::default()
        };
        let line = welcome_line("0.0.0.0:7878".parse().expect("an address"), &config);
        assert!(line.contains("nc 127.0.0.1 7878"), "{line}");
        assert!(line.contains("TICKET 张三 3000"), "{line}");
        assert!(line.contains("1 teller, fcfs,"), "{line}");
        assert!(line.contains("room for 500 customers"), "{line}");
        assert!(line.contains("(within 2.5 s)"), "{line}");
    }
}
