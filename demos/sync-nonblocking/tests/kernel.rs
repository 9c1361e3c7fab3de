//! The kernel's view of sync-nonblocking (`--kernel on`): between two looks
//! at the socket, a customer's thread is asleep, on the phone (a timed
//! errand) or holding it idle: blocked 阻塞 in a sleep, not running.

use assert_cmd::cargo::cargo_bin_cmd;
use testkit::kernel;
use timeline::{Lane, LaneKind, State};

#[test]
fn waits_between_looks_are_spent_mostly_asleep() {
    let trace = kernel::sampled_run(
        cargo_bin_cmd!("sync-nonblocking"),
        &[
            "--customers",
            "4",
            "--tellers",
            "1",
            "--service",
            "150",
            "--arrival-gap",
            "10",
            "--errand",
            "100",
            "--poll-every",
            "20",
        ],
    );
    let lanes = kernel::lanes(&trace);
    let mut checked = 0;
    for c in &trace.customers {
        let row = lanes
            .iter()
            .find(|l| l.lane == Lane::Customer(c.id))
            .expect("every customer has a row");
        let Some(called) = c.noticed_ms else { continue };
        // From the ticket to the call: errand slices, idle slices, looks.
        let waiting: Vec<(f64, f64)> =
            kernel::stretches_in(row, &[State::InLine, State::Idle, State::Errand])
                .into_iter()
                .map(|(a, b)| (a, b.min(called)))
                .filter(|(a, b)| b - a > 0.0)
                .collect();
        if waiting.iter().map(|(a, b)| b - a).sum::<f64>() < 100.0 {
            continue;
        }
        let label = format!("{}'s thread", c.name);
        let thread = kernel::lane(&lanes, LaneKind::Thread, &label)
            .unwrap_or_else(|| panic!("no lane {label:?}"));
        let spent = kernel::time_within(thread, &waiting);
        let asleep = kernel::share(&spent, |state, call| {
            state == State::Blocked && matches!(call, Some("clock_nanosleep" | "nanosleep"))
        });
        assert!(asleep > 0.5, "{label} while waiting: {spent:?}");
        checked += 1;
    }
    assert!(checked >= 2, "at least two customers waited");
}
