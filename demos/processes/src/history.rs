//! What a demo saw, kept as plain data: a lane per process, each a list of
//! stretches in one state and marks for moments. The picture is drawn from
//! it, and `--json` prints it as it is.

use serde::{Deserialize, Serialize};

/// Everything one demo (or one part of it) observed.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct History {
    /// What the part shows, as a heading for its picture.
    pub title: String,
    /// One lane per process (or thread), in the order they appeared.
    pub lanes: Vec<Life>,
}

/// One process's life as observed.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Life {
    /// Its role in the story: `parent`, `child 3`, `daemon`...
    pub label: String,
    /// Its PID (a thread's lane holds its thread id).
    pub pid: i32,
    /// Whether the lane follows a thread, not a whole process.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub thread: bool,
    /// The states it was seen in, one after another.
    pub stretches: Vec<Spell>,
    /// The moments that happened to it.
    pub marks: Vec<Moment>,
}

/// A time in one state, in milliseconds since the demo started.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct Spell {
    /// When the state was first seen.
    pub start_ms: f64,
    /// When another state was first seen, or the process was gone.
    pub end_ms: f64,
    /// The state.
    pub state: ProcessState,
}

/// The states the lecture names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProcessState {
    /// 运行 On a CPU (`R`, and since the last look its time on a CPU grew
    /// at least as much as its time waiting for one).
    Running,
    /// 就绪 Ready: could run, waits for a CPU (`R`, and since the last look
    /// it waited in the run queue longer than it ran). The kernel's `R`
    /// means either; `/proc/<pid>/schedstat` tells them apart.
    Ready,
    /// 阻塞 Blocked: in `wait()`, `sleep()`, `read()`... (`S`, `D`).
    Waiting,
    /// 僵尸 Exited, its exit status kept until its parent waits (`Z`).
    Zombie,
}

impl ProcessState {
    /// The state a `/proc/<pid>/stat` letter stands for; `None` for the
    /// letters no demo here produces (stopped, traced, dead). `R` is
    /// [`ProcessState::Running`] until [`ProcessState::on_cpu_or_ready`] says more.
    pub fn from_letter(letter: char) -> Option<ProcessState> {
        match letter {
            'R' => Some(ProcessState::Running),
            'S' | 'D' | 'I' => Some(ProcessState::Waiting),
            'Z' => Some(ProcessState::Zombie),
            _ => None,
        }
    }

    /// An `R` process between two looks at its `schedstat`: ready if it
    /// spent longer waiting in the run queue than on a CPU, running
    /// otherwise (and when the counters are not there to read).
    pub fn on_cpu_or_ready(before: Option<Schedstat>, now: Option<Schedstat>) -> ProcessState {
        match (before, now) {
            (Some(before), Some(now)) => {
                let ran = now.on_cpu_ns.saturating_sub(before.on_cpu_ns);
                let waited = now.run_queue_ns.saturating_sub(before.run_queue_ns);
                if waited > ran {
                    ProcessState::Ready
                } else {
                    ProcessState::Running
                }
            }
            _ => ProcessState::Running,
        }
    }
}

/// A process's time on a CPU and in the run queue so far, from
/// `/proc/<pid>/schedstat`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Schedstat {
    /// Nanoseconds it ran on a CPU.
    pub on_cpu_ns: u64,
    /// Nanoseconds it was runnable but waited for a CPU.
    pub run_queue_ns: u64,
}

/// A moment in a process's life.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct Moment {
    /// When, in milliseconds since the demo started.
    pub at_ms: f64,
    /// What happened.
    pub what: Happening,
}

/// The moments a lane can mark.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Happening {
    /// `fork()` returned the new PID to its parent.
    Forked,
    /// A signal was sent to it.
    Signalled,
    /// It ended (first seen as a zombie, or said so itself).
    Exited,
    /// Its parent's `wait()` collected it: the PID is free again.
    Reaped,
}

impl History {
    /// An empty history under `title`.
    pub fn new(title: &str) -> History {
        History {
            title: title.to_string(),
            lanes: Vec::new(),
        }
    }

    /// Opens a lane for the process `pid` and returns its index.
    pub fn lane(&mut self, label: &str, pid: i32) -> usize {
        self.lanes.push(Life {
            label: label.to_string(),
            pid,
            thread: false,
            stretches: Vec::new(),
            marks: Vec::new(),
        });
        self.lanes.len() - 1
    }

    /// Opens a lane for the thread `tid` and returns its index.
    pub fn thread_lane(&mut self, label: &str, tid: i32) -> usize {
        let lane = self.lane(label, tid);
        self.lanes[lane].thread = true;
        lane
    }

    /// The lane of `pid`, if it has one.
    pub fn lane_of(&self, pid: i32) -> Option<usize> {
        self.lanes.iter().rposition(|lane| lane.pid == pid)
    }

    /// Records that lane `lane` was in `state` at `at_ms`: the current
    /// stretch goes on if the state is the same, else it ends there and a
    /// new one starts.
    pub fn observe(&mut self, lane: usize, at_ms: f64, state: ProcessState) {
        let stretches = &mut self.lanes[lane].stretches;
        match stretches.last_mut() {
            Some(last) if last.state == state => last.end_ms = at_ms,
            last => {
                if let Some(last) = last {
                    last.end_ms = at_ms;
                }
                stretches.push(Spell {
                    start_ms: at_ms,
                    end_ms: at_ms,
                    state,
                });
            }
        }
    }

    /// Records that the process of lane `lane` was gone at `at_ms`.
    pub fn close(&mut self, lane: usize, at_ms: f64) {
        if let Some(last) = self.lanes[lane].stretches.last_mut() {
            last.end_ms = last.end_ms.max(at_ms);
        }
    }

    /// Marks a moment on lane `lane`.
    pub fn mark(&mut self, lane: usize, at_ms: f64, what: Happening) {
        self.lanes[lane].marks.push(Moment { at_ms, what });
    }

    /// When the last thing recorded happened.
    pub fn end_ms(&self) -> f64 {
        let ends = self.lanes.iter().flat_map(|lane| {
            let stretches = lane.stretches.iter().map(|s| s.end_ms);
            stretches.chain(lane.marks.iter().map(|m| m.at_ms))
        });
        ends.fold(0.0, f64::max)
    }

    /// The stretches of lane `lane` in `state`.
    pub fn stretches_in(&self, lane: usize, state: ProcessState) -> impl Iterator<Item = &Spell> {
        self.lanes[lane]
            .stretches
            .iter()
            .filter(move |s| s.state == state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_of_one_state_make_one_stretch_and_a_new_state_ends_it() {
        let mut history = History::new("t");
        let lane = history.lane("child", 7);
        history.observe(lane, 1.0, ProcessState::Running);
        history.observe(lane, 2.0, ProcessState::Waiting);
        history.observe(lane, 3.0, ProcessState::Waiting);
        history.observe(lane, 4.0, ProcessState::Zombie);
        history.close(lane, 5.0);
        let seen: Vec<(f64, f64, ProcessState)> = history.lanes[lane]
            .stretches
            .iter()
            .map(|s| (s.start_ms, s.end_ms, s.state))
            .collect();
        assert_eq!(
            seen,
            [
                (1.0, 2.0, ProcessState::Running),
                (2.0, 4.0, ProcessState::Waiting),
                (4.0, 5.0, ProcessState::Zombie)
            ]
        );
        assert_eq!(history.end_ms(), 5.0);
    }
}
