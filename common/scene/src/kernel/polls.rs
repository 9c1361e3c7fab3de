//! A tokio task's polls, recorded: when a thread ran the task, and which.
//!
//! An async task holds a thread only while it is polled: the runtime calls
//! its `poll`, the task runs until it must wait (`Pending`) or is done, and
//! the thread moves on to another task. [`Polls`] wraps a task's future and
//! records each poll as a `polled` moment on the task's lane
//! ([`record::task`]), with the kernel's id of the thread that polled it, so
//! a picture shows the task on a thread exactly while it was polled.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use timeline::record;
use tracing::Span;

std::thread_local! {
    /// This thread's kernel id, asked once (`gettid` is a system call).
    static TID: u32 = u32::try_from(nix::unistd::gettid().as_raw()).unwrap_or(0);
}

/// A task's future whose polls are recorded on the task's lane (or not at
/// all, when the kernel is not sampled).
#[derive(Debug)]
pub struct Polls<F> {
    /// The task's own future (boxed, so that this wrapper needs no pinning of its own).
    inner: Pin<Box<F>>,
    /// The task's lane, entered for each poll; `None`: polls are not recorded.
    lane: Option<Span>,
}

impl<F: Future> Polls<F> {
    /// The task that carries customer `id`, its polls recorded when `recorded`.
    pub fn new(inner: F, id: u32, recorded: bool) -> Polls<F> {
        Polls {
            inner: Box::pin(inner),
            lane: recorded.then(|| record::task(id)),
        }
    }
}

impl<F: Future> Future for Polls<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.get_mut();
        let Some(lane) = &this.lane else {
            return this.inner.as_mut().poll(cx);
        };
        let _in_lane = lane.enter();
        let started = Instant::now();
        let out = this.inner.as_mut().poll(cx);
        record::polled(started.elapsed(), TID.with(|tid| *tid));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::task::Wake;
    use timeline::{Kind, Lane, Recorder};

    /// Wakes nobody: the test polls by hand.
    struct Nobody;
    impl Wake for Nobody {
        fn wake(self: Arc<Self>) {}
    }

    #[test]
    fn every_poll_is_recorded_on_the_tasks_lane_with_its_thread() {
        let recorder = Recorder::new();
        let origin = Instant::now();
        tracing::subscriber::with_default(recorder.subscriber(), || {
            let mut left = 2;
            let pending_twice = std::future::poll_fn(move |_| {
                if left == 0 {
                    Poll::Ready(())
                } else {
                    left -= 1;
                    Poll::Pending
                }
            });
            let waker = Arc::new(Nobody).into();
            let mut cx = Context::from_waker(&waker);
            let mut task = Polls::new(pending_twice, 3, true);
            while Pin::new(&mut task).poll(&mut cx).is_pending() {}
            let mut quiet = Polls::new(std::future::ready(()), 4, false);
            assert!(Pin::new(&mut quiet).poll(&mut cx).is_ready());
        });
        let events = recorder.take(origin);
        let tid = TID.with(|tid| *tid);
        let polls: Vec<_> = events
            .iter()
            .filter(|e| matches!(e.kind, Kind::Polled { tid: t, .. } if t == tid))
            .map(|e| e.lane)
            .collect();
        assert_eq!(
            polls,
            [Lane::Task(3); 3],
            "three polls, the last Ready; none for task 4"
        );
    }
}
