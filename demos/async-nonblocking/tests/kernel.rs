//! The kernel's view of async-nonblocking (`--kernel on`): a task holds a
//! thread only while it is polled; the rest of its visit it holds none.

use assert_cmd::cargo::cargo_bin_cmd;
use testkit::kernel;
use timeline::{LaneKind, State};

#[test]
fn a_task_is_on_a_thread_only_while_polled() {
    let (trace, lanes) =
        kernel::sampled_queue(cargo_bin_cmd!("async-nonblocking"), &["--errand", "100"]);
    for c in &trace.customers {
        let label = format!("{}'s task", c.name);
        let task = kernel::lane(&lanes, LaneKind::Task, &label)
            .unwrap_or_else(|| panic!("no lane {label:?}"));
        let (Some(arrive), Some(leave)) = (c.arrive_ms, c.leave_ms) else {
            panic!("{} came and went", c.name);
        };
        let polled: f64 = kernel::stretches_in(task, &[State::Running])
            .iter()
            .map(|(a, b)| b - a)
            .sum();
        assert!(
            task.segments.len() >= 3,
            "{label}: polled at each step of the visit"
        );
        assert!(
            polled < 0.1 * (leave - arrive),
            "{label}: polled {polled} ms of a {} ms visit",
            leave - arrive
        );
        assert!(
            task.notes.iter().all(|n| n.text.starts_with("polled on ")),
            "{label}: {:?}",
            task.notes
        );
    }
    let workers = lanes
        .iter()
        .filter(|l| l.label.starts_with("tokio worker "))
        .count();
    assert!(workers >= 1, "the tasks ran on tokio's workers");
}
