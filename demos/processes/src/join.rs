//! # join: one after another, or side by side
//!
//! > ```python
//! > for i in range(5):
//! >     p = Process(target=f, args=('bob',))
//! >     p.start()
//! >     p_lst.append(p)
//! >     p.join()                    # (1) joined inside the loop
//! > # [p.join() for p in p_lst]     # (2) joined after all have started
//! > ```
//!
//! `join()` blocks the parent until that child has ended, and collects it.
//! Inside the loop, the parent cannot start child 2 until child 1 is over:
//! five children take five times one child's work. After the loop, all five
//! are started first and work side by side: the whole takes about one
//! child's work, and the joins only collect them as they end.
//!
//! The children's work is a sleep of `--work-ms`, as in the lecture
//! (`time.sleep(1)`). A sleeping child is blocked (`S` in `/proc`), so five
//! of them side by side need no CPU and take 1× on any machine. Children
//! that computed instead would need a core each: on a 2-core machine five
//! of them would take about 2.5×, which is section 4's 并行 parallel versus
//! 并发 concurrent, not `join()`'s lesson.
//!
//! What to watch:
//! - (1): the children's lanes form a staircase; the parent is blocked (`-`)
//!   in each join in turn; the total is about 5 × `--work-ms`;
//! - (2): five lanes side by side; the total is about 1 × `--work-ms`;
//! - every child ends as a zombie for an instant (`x`) until the join
//!   collects it (`*`).
//!
//! Run it: `cargo run -p processes -- join --work-ms 500`

use nix::unistd::Pid;
use serde::Serialize;

use crate::history::History;
use crate::narrator::Narrator;
use crate::show;
use crate::status::Ended;
use crate::stop::Stop;
use crate::watch::{Signals, Watch};

/// How many children each part starts, as in the lecture.
const CHILDREN: usize = 5;

/// What `join` observed.
#[derive(Debug, Serialize)]
pub struct Facts {
    /// How long each child's work takes.
    pub work_ms: u64,
    /// From the first `start()` to the last join's return, joined inside the loop.
    pub inside_loop_ms: f64,
    /// The same, joined after all have started.
    pub after_all_ms: f64,
    /// How each child ended, inside the loop and after all.
    pub ended: [Vec<Ended>; 2],
    /// What was seen: inside the loop, then after all.
    pub timelines: [History; 2],
}

/// Runs both parts, each on its own clock from 0.
pub fn run(signals: &Signals, narrator: Narrator, work_ms: u64) -> Result<Facts, Stop> {
    narrator.print("\n(1) p.join() inside the loop\n");
    let (inside_loop_ms, first, inside) = part(
        Watch::new(signals, narrator, "(1) joined inside the loop", "parent")
            .lasts_about(CHILDREN as u64 * work_ms),
        work_ms,
        true,
    )?;
    narrator.print("\n(2) start all five, then [p.join() for p in p_lst]\n");
    let narrator = narrator.restarted();
    let (after_all_ms, second, after) = part(
        Watch::new(
            signals,
            narrator,
            "(2) joined after all have started",
            "parent",
        )
        .lasts_about(work_ms),
        work_ms,
        false,
    )?;
    narrator.say(
        "parent",
        &format!(
            "inside the loop: {inside_loop_ms:.0} ms; after all started: {after_all_ms:.0} ms \
             ({:.1}x the one)",
            inside_loop_ms / after_all_ms
        ),
    );
    show(&narrator, &[&inside, &after]);
    Ok(Facts {
        work_ms,
        inside_loop_ms,
        after_all_ms,
        ended: [first, second],
        timelines: [inside, after],
    })
}

/// One part: five children, each joined right after its start if
/// `join_each`, else all joined after all have started. Returns how long it
/// took, how each ended, and what was seen.
fn part(
    mut watch: Watch<'_>,
    work_ms: u64,
    join_each: bool,
) -> Result<(f64, Vec<Ended>, History), Stop> {
    let narrator = watch.narrator;
    let began = watch.now();
    let mut started: Vec<Pid> = Vec::new();
    let mut ended = Vec::new();
    for i in 1..=CHILDREN {
        let pid = watch.start(&format!("child {i}"), || {
            narrator.say(&format!("child {i}"), "hello bob");
            std::thread::sleep(std::time::Duration::from_millis(work_ms));
            0
        })?;
        started.push(pid);
        if join_each {
            ended.push(watch.join(pid)?);
            watch.say(&format!("joined child {i}: {}", ended[i - 1]));
        }
    }
    if !join_each {
        watch.say("all five started; now join them");
        for (i, &pid) in started.iter().enumerate() {
            ended.push(watch.join(pid)?);
            watch.say(&format!("joined child {}: {}", i + 1, ended[i]));
        }
    }
    let took = watch.now() - began;
    watch.say(&format!(
        "父进程在执行 (the parent goes on), after {took:.0} ms"
    ));
    Ok((took, ended, watch.into_history()))
}
