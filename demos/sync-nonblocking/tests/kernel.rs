//! The kernel's view of sync-nonblocking (`--kernel on`): between two looks
//! at the socket, a customer's thread is asleep, on the phone (a timed
//! errand) or holding it idle: blocked 阻塞 in a sleep, not running.

use assert_cmd::cargo::cargo_bin_cmd;
use testkit::kernel;
use timeline::State;

#[test]
fn waits_between_looks_are_spent_mostly_asleep() {
    let (trace, lanes) = kernel::sampled_queue(
        cargo_bin_cmd!("sync-nonblocking"),
        &["--errand", "100", "--poll-every", "20"],
    );
    // From the ticket to the call: errand slices, idle slices, looks.
    let waiting = [State::InLine, State::Idle, State::Errand];
    let waited = kernel::own_threads_while(&trace, &lanes, &waiting);
    for (label, spent) in &waited {
        let asleep = kernel::share(spent, |state, call| {
            state == State::Blocked && matches!(call, Some("clock_nanosleep" | "nanosleep"))
        });
        assert!(asleep > 0.5, "{label} while waiting: {spent:?}");
    }
    assert!(waited.len() >= 2, "at least two customers waited");
}
