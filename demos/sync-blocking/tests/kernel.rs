//! The kernel's view of sync-blocking (`--kernel on`): while a customer
//! waits in line, their own thread is asleep in a receive, blocked 阻塞.

use assert_cmd::cargo::cargo_bin_cmd;
use testkit::kernel;
use timeline::{Lane, LaneKind, State};

#[test]
fn a_customer_waiting_in_line_has_a_thread_blocked_in_a_receive() {
    // One teller, 150 ms services: everyone after the first waits in line
    // for 140 ms or more.
    let trace = kernel::sampled_run(
        cargo_bin_cmd!("sync-blocking"),
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
            "50",
        ],
    );
    let lanes = kernel::lanes(&trace);
    let mut checked = 0;
    for c in &trace.customers {
        let row = lanes
            .iter()
            .find(|l| l.lane == Lane::Customer(c.id))
            .expect("every customer has a row");
        let in_line = kernel::stretches_in(row, &[State::InLine]);
        if in_line.iter().map(|(a, b)| b - a).sum::<f64>() < 100.0 {
            continue;
        }
        let label = format!("{}'s thread", c.name);
        let thread = kernel::lane(&lanes, LaneKind::Thread, &label)
            .unwrap_or_else(|| panic!("no lane {label:?}"));
        let spent = kernel::time_within(thread, &in_line);
        let receiving = kernel::share(&spent, |state, call| {
            state == State::Blocked && matches!(call, Some("recvmsg" | "recvfrom" | "read"))
        });
        assert!(receiving > 0.5, "{label} while in line: {spent:?}");
        checked += 1;
    }
    assert!(checked >= 2, "at least two customers waited in line");
}
