//! The `bank` binary's flags and its log lines: what `main.rs` needs beyond
//! [`common::bank::serve`].
//!
//! The log is for a lecturer watching the bank on a projector while the class
//! plays customers with `nc`: one line per moment of the timeline, in plain
//! words (`ticket`, `called`, `at_counter`, `served`, `abandon`, `reject`),
//! with who did it (the bank's front door or a teller) and for whom.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, ToSocketAddrs};

use clap::Parser;
use common::policy::PolicyKind;

pub mod log;

/// The port the bank listens on when none is given.
pub const DEFAULT_PORT: u16 = 7878;

/// The bank alone: a TCP server that a class can queue at with `nc`, and that
/// the demos can share with `--bank ADDR`.
#[derive(Debug, Parser)]
#[command(name = "bank", version)]
pub struct Args {
    /// Where to listen: HOST:PORT, or a bare PORT on the loopback address.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:7878", value_parser = parse_listen)]
    pub listen: SocketAddr,

    /// How many tellers serve at once (1 to 1000).
    #[arg(
        long,
        value_name = "N",
        default_value_t = 2,
        value_parser = clap::value_parser!(u32).range(1..=1000)
    )]
    pub tellers: u32,

    /// How a free teller chooses the next ticket.
    #[arg(long, value_enum, default_value = "fcfs")]
    pub policy: PolicyKind,
}

/// Reads `--listen`: `HOST:PORT` (a name such as `localhost` is looked up),
/// or a bare port, meaning the loopback address.
pub fn parse_listen(text: &str) -> Result<SocketAddr, String> {
    if let Ok(port) = text.parse::<u16>() {
        return Ok(SocketAddr::from((Ipv4Addr::LOCALHOST, port)));
    }
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Ok(addr);
    }
    let usage = "expected HOST:PORT or a port, such as 127.0.0.1:7878 or 7878";
    match text.to_socket_addrs() {
        Ok(mut addrs) => addrs
            .next()
            .ok_or_else(|| format!("{text:?} names no address; {usage}")),
        Err(err) => Err(format!("{text:?}: {err}; {usage}")),
    }
}

/// The warning to print when the bank would be reachable from other
/// machines, or `None` on a loopback address.
pub fn exposure_warning(addr: SocketAddr) -> Option<String> {
    (!addr.ip().is_loopback()).then(|| {
        format!(
            "warning: listening on {addr}, which is not a loopback address: \
             anyone who can reach this machine can queue at this bank"
        )
    })
}

/// The line printed at start: where the bank is, and how to visit it by hand.
pub fn welcome_line(addr: SocketAddr, tellers: u32) -> String {
    // A bank listening on every interface (0.0.0.0) is reached at loopback.
    let ip = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(std::net::Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    format!(
        "bank open on {addr} with {tellers} teller{s}; try: nc {ip} {port}  then type  \
         TICKET 张三 3000  and, when called,  HERE <n>",
        s = if tellers == 1 { "" } else { "s" },
        port = addr.port(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(args.policy, PolicyKind::Fcfs);
    }

    #[test]
    fn listen_takes_an_address_or_a_bare_port() {
        let at = |s| parse(&["--listen", s]).expect(s).listen;
        assert_eq!(at("9000"), SocketAddr::from((Ipv4Addr::LOCALHOST, 9000)));
        assert_eq!(at("0.0.0.0:80").to_string(), "0.0.0.0:80");
        assert_eq!(at("[::1]:7000").to_string(), "[::1]:7000");
        assert!(at("localhost:7000").ip().is_loopback());
    }

    #[test]
    fn bad_values_are_refused_naming_the_flag() {
        let cases: [&[&str]; 7] = [
            &["--tellers", "0"],
            &["--tellers", "1001"],
            &["--tellers", "two"],
            &["--listen", "nowhere"],
            &["--listen", "70000"],
            &["--listen", "127.0.0.1"],
            &["--policy", "lottery"],
        ];
        for args in cases {
            let err = parse(args).expect_err(args[1]);
            assert_eq!(err.exit_code(), 2, "{args:?}");
            assert!(err.to_string().contains(args[0]), "{args:?}: {err}");
        }
    }

    #[test]
    fn only_non_loopback_addresses_are_warned_about() {
        assert!(exposure_warning("127.0.0.1:1".parse().expect("an address")).is_none());
        assert!(exposure_warning("[::1]:1".parse().expect("an address")).is_none());
        assert!(exposure_warning("0.0.0.0:1".parse().expect("an address")).is_some());
    }

    #[test]
    fn the_welcome_line_shows_how_to_visit() {
        let line = welcome_line("0.0.0.0:7878".parse().expect("an address"), 1);
        assert!(line.contains("nc 127.0.0.1 7878"), "{line}");
        assert!(line.contains("TICKET 张三 3000"), "{line}");
        assert!(line.contains("1 teller;"), "{line}");
    }
}
