//! The progress bar of a long run: on stderr, and only where a person watches.
//!
//! A run of a few hundred customers takes a while, and a silent terminal
//! looks hung. So once a run has lasted [`Progress::AFTER`], a bar counts the
//! customers who have finished (served, or gone without service) out of all
//! of them, with how many were served and how many gave up:
//!
//! ```text
//! [=============>                      ] 18/40 finished · 18 served · 0 abandoned · 2.4 s
//! ```
//!
//! It is drawn on stderr, and only when stderr is a terminal: piped or
//! redirected, it gets nothing, and nobody pays for a bar no one sees. The
//! bar takes the width the text leaves on the terminal's line, and is cleared
//! before the swimlane is printed.
//!
//! The counts are the [`Recorder`](timeline::Recorder)'s
//! [`Tally`]: every style's customers pass through the recorder, so the bar
//! needs nothing from them. `indicatif` draws it.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use timeline::Tally;

/// A progress bar for one run, hidden until the run has lasted [`Progress::AFTER`].
#[derive(Debug)]
pub struct Progress {
    /// The bar (drawn nowhere until shown).
    bar: ProgressBar,
    /// Where the bar goes once shown; taken when it is.
    target: Option<ProgressDrawTarget>,
}

impl Progress {
    /// How long a run goes on before its bar appears: short runs stay clean.
    pub const AFTER: Duration = Duration::from_secs(1);

    /// How often the bar is brought up to date.
    pub const EVERY: Duration = Duration::from_millis(100);

    /// A bar on stderr for a run of `customers`, or `None` when stderr is not
    /// a terminal.
    pub fn on_stderr(customers: usize) -> Option<Progress> {
        std::io::stderr()
            .is_terminal()
            .then(|| Progress::to(ProgressDrawTarget::stderr(), customers))
    }

    /// A bar for a run of `customers`, drawn to `target` once shown.
    pub fn to(target: ProgressDrawTarget, customers: usize) -> Progress {
        let bar = ProgressBar::with_draw_target(
            Some(u64::try_from(customers).unwrap_or(u64::MAX)),
            ProgressDrawTarget::hidden(),
        );
        bar.set_style(
            ProgressStyle::with_template("[{wide_bar}] {pos}/{len} finished · {msg}")
                .expect("the template is a constant that the tests draw")
                .progress_chars("=> "),
        );
        Progress {
            bar,
            target: Some(target),
        }
    }

    /// Shows `tally`, as it stands `elapsed` into the run; draws nothing
    /// before [`Progress::AFTER`].
    pub fn update(&mut self, tally: Tally, elapsed: Duration) {
        if elapsed < Self::AFTER {
            return;
        }
        // The message first, the count last: each redraws the bar (at most
        // 20 times a second), and the last drawing must have both.
        self.bar.set_message(format!(
            "{} served · {} abandoned · {:.1} s",
            tally.served,
            tally.abandoned,
            elapsed.as_secs_f64()
        ));
        self.bar.set_position(tally.finished);
        if let Some(target) = self.target.take() {
            // Shown for the first time, with everything already up to date.
            self.bar.set_draw_target(target);
            self.bar.tick();
        }
    }

    /// Takes the bar off the screen, leaving the line as it was before.
    pub fn clear(self) {
        self.bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use std::io;
    use std::sync::{Arc, Mutex, PoisonError};

    use indicatif::TermLike;

    use super::*;

    /// A one-line screen: what a terminal would show on the bar's line.
    #[derive(Debug, Default, Clone)]
    struct Screen {
        /// The line's text, and every text ever written to it.
        state: Arc<Mutex<(String, Vec<String>)>>,
    }

    impl Screen {
        fn line(&self) -> String {
            self.state
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .0
                .clone()
        }

        fn writes(&self) -> usize {
            self.state
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .1
                .len()
        }
    }

    impl TermLike for Screen {
        fn width(&self) -> u16 {
            100
        }
        fn move_cursor_up(&self, _: usize) -> io::Result<()> {
            Ok(())
        }
        fn move_cursor_down(&self, _: usize) -> io::Result<()> {
            Ok(())
        }
        fn move_cursor_right(&self, _: usize) -> io::Result<()> {
            Ok(())
        }
        fn move_cursor_left(&self, _: usize) -> io::Result<()> {
            Ok(())
        }
        fn write_line(&self, s: &str) -> io::Result<()> {
            self.write_str(s)
        }
        fn write_str(&self, s: &str) -> io::Result<()> {
            let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
            state.0.push_str(s);
            state.1.push(s.to_owned());
            Ok(())
        }
        fn clear_line(&self) -> io::Result<()> {
            self.state
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .0
                .clear();
            Ok(())
        }
        fn flush(&self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn the_bar_waits_a_second_then_counts_and_is_cleared_at_the_end() {
        let screen = Screen::default();
        let mut progress =
            Progress::to(ProgressDrawTarget::term_like(Box::new(screen.clone())), 40);
        let tally = Tally {
            served: 14,
            abandoned: 2,
            finished: 12,
        };

        progress.update(tally, Duration::from_millis(900));
        assert_eq!(screen.writes(), 0, "a short run shows no bar");

        progress.update(tally, Duration::from_millis(2_400));
        let line = screen.line();
        let text = "] 12/40 finished · 14 served · 2 abandoned · 2.4 s";
        assert!(line.ends_with(text), "{line:?}");
        // The bar takes the rest of the 100 columns, 12/40 of it full.
        let bar = line
            .strip_prefix('[')
            .and_then(|l| l.strip_suffix(text))
            .expect("a bar in brackets");
        assert_eq!(
            bar.chars().count() + text.chars().count() + 1,
            100,
            "{line:?}"
        );
        let full = bar.chars().filter(|&c| c == '=').count() as f64;
        let share = full / bar.chars().count() as f64;
        assert!((share - 12.0 / 40.0).abs() < 0.05, "{line:?}");

        progress.clear();
        assert_eq!(screen.line(), "", "the bar leaves nothing behind");
    }
}
