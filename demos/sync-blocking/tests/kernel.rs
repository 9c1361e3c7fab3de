//! The kernel's view of sync-blocking (`--kernel on`): while a customer
//! waits in line, their own thread is asleep in a receive, blocked 阻塞.

use assert_cmd::cargo::cargo_bin_cmd;
use testkit::kernel;
use timeline::State;

#[test]
fn a_customer_waiting_in_line_has_a_thread_blocked_in_a_receive() {
    let (trace, lanes) =
        kernel::sampled_queue(cargo_bin_cmd!("sync-blocking"), &["--errand", "50"]);
    let waited = kernel::own_threads_while(&trace, &lanes, &[State::InLine]);
    for (label, spent) in &waited {
        let receiving = kernel::share(spent, |state, call| {
            state == State::Blocked && matches!(call, Some("recvmsg" | "recvfrom" | "read"))
        });
        assert!(receiving > 0.5, "{label} while in line: {spent:?}");
    }
    assert!(waited.len() >= 2, "at least two customers waited in line");
}
