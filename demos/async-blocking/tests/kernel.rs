//! The kernel's view of async-blocking (`--kernel on`): one thread for
//! everyone, asleep in epoll while the customers wait in line.

use assert_cmd::cargo::cargo_bin_cmd;
use testkit::kernel;
use timeline::{LaneKind, State};

#[test]
fn the_one_thread_waits_for_everyone_in_epoll() {
    let (_, lanes) = kernel::sampled_queue(cargo_bin_cmd!("async-blocking"), &["--errand", "50"]);
    let in_line: Vec<(f64, f64)> = lanes
        .iter()
        .filter(|l| l.lane.kind() == LaneKind::Customer)
        .flat_map(|l| kernel::stretches_in(l, &[State::InLine]))
        .collect();
    let epoll = kernel::lane(&lanes, LaneKind::Thread, "epoll thread").expect("an epoll thread");
    let spent = kernel::time_within(epoll, &in_line);
    // x86_64's mio calls epoll_wait; aarch64 has only epoll_pwait.
    let in_epoll = kernel::share(&spent, |state, call| {
        state == State::Blocked && call.is_some_and(|c| c.starts_with("epoll"))
    });
    assert!(
        in_epoll > 0.5,
        "the epoll thread while customers wait: {spent:?}"
    );
    let own_threads = lanes
        .iter()
        .filter(|l| l.label.ends_with("'s thread"))
        .count();
    assert_eq!(own_threads, 0, "no customer has a thread of their own");
}
