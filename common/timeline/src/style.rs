//! The four ways to wait, as the lecture names them.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::WaitHow;

/// One of the lecture's four combinations of sync/async and blocking/non-blocking.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "kebab-case")]
pub enum Style {
    /// 同步阻塞: stands in line and does nothing else.
    SyncBlocking,
    /// 同步非阻塞: on the phone, keeps looking up to check the queue.
    SyncNonblocking,
    /// 异步阻塞: took a numbered slip, but cannot leave the bank, so waits.
    AsyncBlocking,
    /// 异步非阻塞: asks the lobby manager to tell them, and goes out to smoke.
    AsyncNonblocking,
}

impl Style {
    /// All four, in the order of the walkthroughs (pages 01 to 04): the two
    /// synchronous styles, then the two asynchronous ones, blocking first.
    /// Not a ranking: the lecture calls 同步阻塞 效率最低 and 异步非阻塞
    /// 效率更高, and ranks no more than that.
    pub const ALL: [Style; 4] = [
        Style::SyncBlocking,
        Style::SyncNonblocking,
        Style::AsyncBlocking,
        Style::AsyncNonblocking,
    ];

    /// The name used for packages, binaries and trace files: `sync-blocking`.
    pub fn name(self) -> &'static str {
        match self {
            Style::SyncBlocking => "sync-blocking",
            Style::SyncNonblocking => "sync-nonblocking",
            Style::AsyncBlocking => "async-blocking",
            Style::AsyncNonblocking => "async-nonblocking",
        }
    }

    /// The lecture's term: 同步阻塞 and so on.
    pub fn chinese(self) -> &'static str {
        match self {
            Style::SyncBlocking => "同步阻塞",
            Style::SyncNonblocking => "同步非阻塞",
            Style::AsyncBlocking => "异步阻塞",
            Style::AsyncNonblocking => "异步非阻塞",
        }
    }

    /// The bank scene in one line.
    pub fn scene(self) -> &'static str {
        match self {
            Style::SyncBlocking => "stands in line and does nothing else",
            Style::SyncNonblocking => "on the phone, keeps looking up to check the queue",
            Style::AsyncBlocking => "took a numbered slip, but cannot leave the bank, so waits",
            Style::AsyncNonblocking => "asks the lobby manager to tell them, and goes out to smoke",
        }
    }

    /// The mechanism, in one line.
    pub fn mechanism(self) -> &'static str {
        match self {
            Style::SyncBlocking => "a thread per customer, blocked in read()",
            Style::SyncNonblocking => {
                "a thread per customer: errand slices, each followed by a read() that says WouldBlock"
            }
            Style::AsyncBlocking => "one thread blocked in epoll (mio::Poll) for every customer",
            Style::AsyncNonblocking => {
                "a tokio task per customer: the errand runs while the call is awaited"
            }
        }
    }

    /// Its walkthrough, from the workspace's root: the lecture's words, the
    /// code, a real run and exercises.
    pub fn walkthrough(self) -> &'static str {
        match self {
            Style::SyncBlocking => "docs/01-sync-blocking.md",
            Style::SyncNonblocking => "docs/02-sync-nonblocking.md",
            Style::AsyncBlocking => "docs/03-async-blocking.md",
            Style::AsyncNonblocking => "docs/04-async-nonblocking.md",
        }
    }

    /// How this style's customers wait, as recorded in the timeline.
    pub fn wait_how(self) -> WaitHow {
        match self {
            Style::SyncBlocking => WaitHow::Read,
            Style::SyncNonblocking => WaitHow::Poll,
            Style::AsyncBlocking => WaitHow::Epoll,
            Style::AsyncNonblocking => WaitHow::Await,
        }
    }
}

impl fmt::Display for Style {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
