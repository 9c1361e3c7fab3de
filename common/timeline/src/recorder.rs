//! The [`Recorder`]: a `tracing_subscriber::Layer` that keeps the timeline.
//!
//! The recording must not change what it records. A customer thread that
//! records a poll must not wait for a lock that another customer holds, or
//! the act of watching would slow the very waiting we want to watch. So each
//! OS thread appends to its own buffer (a [`ThreadLocal`] slot, found without
//! a lock), and the buffers are merged by time only when the run is over.
//!
//! Like `tracing-subscriber`'s `fmt` layer, per-span data lives in the span's
//! extensions: a [`customer`](super::record::customer) span carries its
//! [`Lane`], and every event inside it inherits that lane. The lane is read
//! from the extensions when a thread *enters* the span and kept on that
//! thread's own stack, so an event costs no span lookup at all. (Events are
//! placed by the span they happen in; an explicit `parent:` is not used by
//! the timeline's vocabulary.)
//!
//! It also keeps a [`Tally`] of the customers who were served, gave up, or
//! finished, for a progress bar to read while the run goes on: every style's
//! customers pass through here, and each is counted with one relaxed atomic
//! add per outcome, not per moment.
//!
//! And since every customer passes through here, this is also where a run
//! cut short by Ctrl-C is stopped: once [frozen](Recorder::freeze), the
//! recorder holds every thread that comes to record another moment.
//!
//! Its price is measured by `cargo bench -p timeline --bench timeline`, and
//! what a live view's snapshots cost by `--bench snapshot`.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use crossbeam::utils::CachePadded;
use thread_local::ThreadLocal;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event as TracingEvent, Level, Metadata, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

use super::record::{self, TARGET};
use super::{Event, Kind, Lane, LaneKind, WaitHow};

/// Records the timeline of a run. Cheap to clone: clones share one recording.
#[derive(Clone, Default)]
pub struct Recorder {
    /// The buffers, shared by every clone (the layer and whoever collects).
    shared: Arc<Shared>,
}

#[derive(Default)]
struct Shared {
    /// Set when the run is cut short: see [`Recorder::freeze`]. Read on
    /// every moment and written once, so it sits with the read-only table.
    frozen: AtomicBool,
    /// One buffer per OS thread that is recording, each on its own cache
    /// line: two threads' buffers side by side would make their CPUs fight
    /// over the line that holds both (false sharing).
    buffers: ThreadLocal<CachePadded<Mutex<Buffer>>>,
    /// The customers' outcomes so far, on a cache line of their own: the
    /// buffers' table above is read by every moment of every thread.
    counts: CachePadded<Counts>,
}

/// The counters behind [`Tally`].
#[derive(Default)]
struct Counts {
    /// `served` moments on customers' lanes.
    served: AtomicU64,
    /// `abandon` moments on customers' lanes.
    abandoned: AtomicU64,
    /// `leave` moments on customers' lanes.
    finished: AtomicU64,
}

impl Counts {
    /// Counts a customer's moment, if it is an outcome.
    fn note(&self, kind: &Kind) {
        let counter = match kind {
            Kind::Served { .. } => &self.served,
            Kind::Abandon { .. } => &self.abandoned,
            Kind::Leave => &self.finished,
            _ => return,
        };
        // Only a count: nothing else is published with it.
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// How far a run has got, counted as the customers' moments are recorded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Customers served: they got `DONE`.
    pub served: u64,
    /// Customers who gave their ticket up (or never got one).
    pub abandoned: u64,
    /// Customers finished, served or not: out of the bank, errand done.
    pub finished: u64,
}

struct Buffer {
    /// The thread using this buffer now ([`THREAD_NO`]): a slot is handed to
    /// a new thread once its old one has ended.
    thread: u32,
    /// The lanes of the timeline spans this thread is inside, innermost last
    /// (`None` for a timeline span without a lane).
    lanes: Vec<Option<Lane>>,
    /// What it recorded, in its own order.
    moments: Vec<Moment>,
}

/// Hands out a number to every OS thread that ever records, for the life of
/// the process. (A [`ThreadLocal`] slot is reused once its thread has ended,
/// so the slot cannot say which thread recorded.)
static NEXT_THREAD: AtomicU32 = AtomicU32::new(0);

std::thread_local! {
    /// This OS thread's number, taken on its first recorded moment.
    static THREAD_NO: u32 = NEXT_THREAD.fetch_add(1, Ordering::Relaxed);
}

/// An event as recorded, before the run's origin is known.
#[derive(Clone)]
struct Moment {
    /// Which OS thread recorded it ([`THREAD_NO`]).
    thread: u32,
    /// When it was recorded.
    at: Instant,
    /// Where it belongs.
    lane: Lane,
    /// What happened.
    kind: Kind,
}

/// A copy of a recording, kept up to date by [`Recorder::snapshot`] while
/// the run goes on; the recording itself keeps everything.
///
/// It remembers how much of each thread's buffer it has copied, so each
/// update copies only what is new: the lock a recording thread may meet is
/// held for a few moments' copy, however long the run.
#[derive(Default)]
pub struct Snapshot {
    /// How many moments of each buffer (by its address) are copied already.
    copied: std::collections::HashMap<usize, usize>,
    /// Every moment copied so far, in time order.
    moments: Vec<Moment>,
}

impl Snapshot {
    /// The most moments copied from a buffer while it is locked.
    pub const SLICE: usize = 4096;

    /// A snapshot of nothing yet.
    pub fn new() -> Snapshot {
        Snapshot::default()
    }

    /// What the snapshot holds, as [`Recorder::take`] would give it: in time
    /// order, times counted from `origin`.
    pub fn events(&self, origin: Instant) -> Vec<Event> {
        events(self.moments.iter().cloned(), origin)
    }

    /// How many moments it holds.
    pub fn len(&self) -> usize {
        self.moments.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.moments.is_empty()
    }

    /// Puts the moments copied after the first `old` (in time order
    /// already) in their place. Each thread's moments came in order, and
    /// nearly all are later than every moment copied before, so only the
    /// new ones and the few old ones they reach back past are sorted:
    /// nothing of a long run's past is moved at every frame.
    fn keep_in_time_order(&mut self, old: usize) {
        let Some(earliest) = self.moments[old..].iter().map(|m| m.at).min() else {
            return;
        };
        let from = self.moments[..old].partition_point(|m| m.at <= earliest);
        // Stable: moments of one thread at the same instant keep their order.
        self.moments[from..].sort_by_key(|m| m.at);
    }
}

/// `moments`, in time order, as events timed from `origin`, their threads
/// numbered from 0 in order of first moment.
fn events(moments: impl Iterator<Item = Moment>, origin: Instant) -> Vec<Event> {
    let mut numbers = std::collections::HashMap::new();
    moments
        .map(
            |Moment {
                 thread,
                 at,
                 lane,
                 kind,
             }| Event {
                thread: {
                    let next = u32::try_from(numbers.len()).unwrap_or(u32::MAX);
                    *numbers.entry(thread).or_insert(next)
                },
                t_us: record::micros(at.saturating_duration_since(origin)),
                lane,
                kind,
            },
        )
        .collect()
}

impl Recorder {
    /// A new, empty recording.
    pub fn new() -> Recorder {
        Recorder::default()
    }

    /// This recorder as a layer that sees only the timeline's own events
    /// (target `bank_queue`), whatever other layers or `RUST_LOG` ask for.
    pub fn layer<S>(&self) -> impl Layer<S> + use<S>
    where
        S: Subscriber + for<'a> LookupSpan<'a>,
    {
        keep_interest();
        self.clone()
            .with_filter(Targets::new().with_target(TARGET, Level::TRACE))
    }

    /// A subscriber that does nothing but record: for tests
    /// (`tracing::subscriber::with_default`) and benchmarks.
    pub fn subscriber(&self) -> impl Subscriber + Send + Sync + use<> {
        tracing_subscriber::registry().with(self.layer())
    }

    /// This recorder as a subscriber of its own, without
    /// `tracing-subscriber`'s registry: for a process with more than 4096
    /// threads alive at once (a thread per customer, ten thousand customers).
    /// The registry keeps spans in a `sharded-slab` sized for at most 4096
    /// threads, and a span created on thread 4097 panics
    /// (tokio-rs/tracing#2856); this subscriber keeps no span at all: a
    /// span's lane is written into its id.
    pub fn standalone(&self) -> Standalone {
        Standalone {
            recorder: self.clone(),
            next: AtomicU64::new(1),
        }
    }

    /// How far the customers have got so far. Safe to read from any thread
    /// at any time; [`take`](Recorder::take) does not reset it.
    pub fn tally(&self) -> Tally {
        let counts = &self.shared.counts;
        Tally {
            served: counts.served.load(Ordering::Relaxed),
            abandoned: counts.abandoned.load(Ordering::Relaxed),
            finished: counts.finished.load(Ordering::Relaxed),
        }
    }

    /// Takes everything recorded so far, merged in time order, with times
    /// counted from `origin` (moments before it count as 0).
    ///
    /// It may be called while other threads still record (when a run is
    /// interrupted, say): each buffer is locked only for the moment it is
    /// emptied, and a thread blocked in `read()` holds no lock at all. What
    /// is recorded after that is left for the next `take`.
    pub fn take(&self, origin: Instant) -> Vec<Event> {
        let mut all = Vec::new();
        for buffer in self.shared.buffers.iter() {
            let mut buffer = buffer.lock().unwrap_or_else(PoisonError::into_inner);
            all.append(&mut buffer.moments);
        }
        // Stable: moments of one thread at the same instant keep their order.
        all.sort_by_key(|m| m.at);
        events(all.into_iter(), origin)
    }

    /// Brings `snapshot` up to date with what has been recorded so far,
    /// taking nothing away: for a live view that reads the recording while
    /// it goes on (see [`Snapshot`]).
    ///
    /// Each buffer is locked only while its new moments are copied, and for
    /// at most [`Snapshot::SLICE`] moments at a time: a recording thread
    /// waits at most for the copy of one slice (microseconds), never for a
    /// drawing, nor for the copy of a frame's worth of a thread that
    /// records millions of moments a second. (For a recording not yet
    /// [taken](Recorder::take): a snapshot kept across a `take` starts again
    /// from each buffer's start.)
    pub fn snapshot(&self, snapshot: &mut Snapshot) {
        let old = snapshot.moments.len();
        for buffer in self.shared.buffers.iter() {
            // The buffer's address names it: a slot never moves while the
            // recorder lives, and is reused, not replaced, by a new thread.
            let key = std::ptr::from_ref(buffer) as usize;
            let copied = snapshot.copied.entry(key).or_insert(0);
            let mut first_look = None;
            loop {
                // Room for a slice, made before the lock: a snapshot grown
                // under it would hold the recording thread for the move of
                // everything copied so far.
                snapshot.moments.reserve(Snapshot::SLICE);
                let buffer = buffer.lock().unwrap_or_else(PoisonError::into_inner);
                let len = buffer.moments.len();
                // A `take` in between emptied it: start again from its start.
                if *copied > len {
                    *copied = 0;
                }
                // Up to where it was at the first look: a thread that records
                // faster than this copies is not chased for ever.
                let until = (*first_look.get_or_insert(len)).min(len);
                let to = until.min(*copied + Snapshot::SLICE);
                snapshot
                    .moments
                    .extend_from_slice(&buffer.moments[*copied..to]);
                *copied = to;
                if to == until {
                    break;
                }
                // The lock is let go between two slices, for the recording
                // thread to take it.
                drop(buffer);
            }
        }
        snapshot.keep_in_time_order(old);
    }

    /// Freezes the run being recorded, when it is cut short: from now on,
    /// every thread that comes to record a moment is stopped there, parked
    /// for good.
    ///
    /// A cut run's customers have no business left (the process exits
    /// next), but they would go on waiting in their style: a thousand
    /// sync-nonblocking customers looking at their sockets every millisecond
    /// would keep both CPUs busy, and the thread that must draw and write
    /// what was recorded would get almost none. Every style's customers
    /// record as they go, and so does a bank running in this process, so
    /// each of them stops at its next moment. A customer blocked in `read()`
    /// stays blocked: it costs nothing.
    ///
    /// For a process about to exit: the parked threads are never released.
    pub fn freeze(&self) {
        self.shared.frozen.store(true, Ordering::Relaxed);
    }

    /// Parks the calling thread for good if the recording is frozen.
    fn hold_if_frozen(&self) {
        if self.shared.frozen.load(Ordering::Relaxed) {
            loop {
                std::thread::park();
            }
        }
    }

    /// Runs `f` on this thread's buffer.
    fn with_buffer<R>(&self, f: impl FnOnce(&mut Buffer) -> R) -> R {
        let thread = THREAD_NO.with(|n| *n);
        let buffer = self.shared.buffers.get_or(|| {
            CachePadded::new(Mutex::new(Buffer {
                thread,
                lanes: Vec::new(),
                moments: Vec::with_capacity(256),
            }))
        });
        // Only this thread locks its buffer while the run goes on, so the
        // lock is never contended; `take` locks each buffer once at the end.
        let mut buffer = buffer.lock().unwrap_or_else(PoisonError::into_inner);
        if buffer.thread != thread {
            // A slot left by an ended thread: its spans ended with it.
            buffer.thread = thread;
            buffer.lanes.clear();
        }
        f(&mut buffer)
    }
}

impl<S> Layer<S> for Recorder
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let Some(lane) = lane_of(attrs) else { return };
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(lane);
        }
    }

    fn on_enter(&self, id: &Id, ctx: Context<'_, S>) {
        // The span's lane is looked up once per entry, not once per event.
        let lane = ctx
            .span(id)
            .and_then(|span| span.extensions().get::<Lane>().copied());
        self.with_buffer(|b| b.lanes.push(lane));
    }

    fn on_exit(&self, _id: &Id, _ctx: Context<'_, S>) {
        self.with_buffer(|b| b.lanes.pop());
    }

    fn on_event(&self, event: &TracingEvent<'_>, _ctx: Context<'_, S>) {
        self.record(event);
    }
}

impl Recorder {
    /// Keeps one moment, on the lane of the innermost span entered on this
    /// thread (and holds the thread there if the recording is frozen).
    fn record(&self, event: &TracingEvent<'_>) {
        self.hold_if_frozen();
        let at = Instant::now();
        let mut fields = Fields::default();
        event.record(&mut fields);
        let Some(kind) = fields.kind(event.metadata().name()) else {
            return;
        };
        self.with_buffer(|b| {
            // The innermost timeline span with a lane; outside any, the bank's.
            let lane = b.lanes.iter().rev().find_map(|l| *l).unwrap_or(Lane::Bank);
            if let Lane::Customer(_) = lane {
                self.shared.counts.note(&kind);
            }
            b.moments.push(Moment {
                thread: b.thread,
                at,
                lane,
                kind,
            });
        });
    }
}

/// The lane a timeline span stands for, from its fields.
fn lane_of(attrs: &Attributes<'_>) -> Option<Lane> {
    let mut fields = Fields::default();
    attrs.record(&mut fields);
    match (fields.customer, fields.teller, fields.task, fields.bank) {
        (Some(c), ..) => Some(Lane::Customer(c)),
        (_, Some(t), ..) => Some(Lane::Teller(t)),
        (_, _, Some(n), _) => Some(Lane::Task(n)),
        (.., true) => Some(Lane::Bank),
        _ => None,
    }
}

/// [`Recorder::standalone`]: the recorder as a whole subscriber, for any
/// number of threads. It sees only the timeline's events; a span's id holds
/// its lane (low 35 bits: 3 bits of kind, 32 of number) above a counter
/// that keeps ids unique.
pub struct Standalone {
    /// Where the moments go.
    recorder: Recorder,
    /// The next span's serial number.
    next: AtomicU64,
}

impl Standalone {
    /// Bits of a span id below the serial number: the lane's kind and number.
    const LANE_BITS: u32 = 35;

    /// The id of a new span with `lane`: kind bits 0 for no lane, else
    /// 1 + the kind's place in [`LaneKind::ALL`].
    fn id(&self, lane: Option<Lane>) -> Id {
        let (kind, number) = lane.map_or((0, 0), |lane| {
            let place = LaneKind::ALL
                .iter()
                .position(|&k| k == lane.kind())
                .unwrap_or_default();
            (place as u64 + 1, lane.number().unwrap_or(0))
        });
        let serial = self.next.fetch_add(1, Ordering::Relaxed);
        Id::from_u64((serial << Self::LANE_BITS) | (kind << 32) | u64::from(number))
    }

    /// The lane written into `id`.
    fn lane(id: &Id) -> Option<Lane> {
        let bits = id.into_u64();
        let number = (bits & u64::from(u32::MAX)) as u32;
        let kind = ((bits >> 32) & 0b111) as usize;
        let kind = LaneKind::ALL.get(kind.checked_sub(1)?)?;
        Some(Lane::of(*kind, number))
    }
}

impl Subscriber for Standalone {
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        if metadata.target() == TARGET {
            Interest::always()
        } else {
            Interest::never()
        }
    }

    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.target() == TARGET
    }

    fn new_span(&self, attrs: &Attributes<'_>) -> Id {
        self.id(lane_of(attrs))
    }

    fn record(&self, _span: &Id, _values: &Record<'_>) {}

    fn record_follows_from(&self, _span: &Id, _follows: &Id) {}

    fn event(&self, event: &TracingEvent<'_>) {
        self.recorder.record(event);
    }

    fn enter(&self, span: &Id) {
        let lane = Self::lane(span);
        self.recorder.with_buffer(|b| b.lanes.push(lane));
    }

    fn exit(&self, _span: &Id) {
        self.recorder.with_buffer(|b| b.lanes.pop());
    }
}

/// Keeps `tracing` interested in the timeline's events for the life of the process.
///
/// `tracing` caches, per callsite and for the whole process, whether any
/// subscriber wants its events. When recorders are installed per thread
/// (`with_default`, as tests do), a thread with no subscriber that reaches a
/// callsite first can make that cache say "never", and a recorder on another
/// thread then misses those events. One dispatcher that is always interested
/// in the timeline's target, kept alive here and never installed anywhere,
/// keeps the answer at "ask each time".
fn keep_interest() {
    static ANCHOR: std::sync::OnceLock<tracing::Dispatch> = std::sync::OnceLock::new();
    ANCHOR.get_or_init(|| {
        tracing::Dispatch::new(
            tracing_subscriber::registry().with(Targets::new().with_target(TARGET, Level::TRACE)),
        )
    });
}

/// The fields of a timeline span or event, picked out by name.
#[derive(Default)]
struct Fields {
    /// A customer span's lane number.
    customer: Option<u32>,
    /// A teller span's number, or the teller of a `called` event.
    teller: Option<u32>,
    /// A task span's number.
    task: Option<u32>,
    /// Marks the bank's own span.
    bank: bool,
    /// The thread that polled a task.
    tid: Option<u32>,
    /// The ticket an event concerns.
    ticket: Option<u64>,
    /// An errand stretch's length.
    dur_us: u64,
    /// A computed errand stretch's CPU time.
    cpu_us: Option<u64>,
    /// How long a `CALL`, `PAUSE` or `DONE` sat unread in the customer's socket.
    unread_us: Option<u64>,
    /// Whether a look at the socket found the call.
    found: bool,
    /// How a customer waits.
    how: Option<WaitHow>,
    /// Why the bank refused a line.
    reason: Option<String>,
}

impl Fields {
    /// Builds the [`Kind`] named `name` from the fields seen.
    fn kind(self, name: &str) -> Option<Kind> {
        Some(match name {
            "arrive" => Kind::Arrive,
            "ticket" => Kind::Ticket {
                ticket: self.ticket?,
            },
            "wait" => Kind::Wait { how: self.how? },
            "poll" => Kind::Poll { found: self.found },
            "errand" => Kind::Errand {
                dur_us: self.dur_us,
                cpu_us: self.cpu_us,
            },
            "called" => Kind::Called {
                ticket: self.ticket?,
                teller: self.teller?,
                unread_us: self.unread_us,
            },
            "at_counter" => Kind::AtCounter {
                ticket: self.ticket?,
            },
            "served" => Kind::Served {
                ticket: self.ticket?,
                unread_us: self.unread_us,
            },
            "paused" => Kind::Paused {
                ticket: self.ticket?,
                unread_us: self.unread_us,
            },
            "abandon" => Kind::Abandon {
                ticket: self.ticket,
            },
            "leave" => Kind::Leave,
            "reject" => Kind::Reject {
                reason: self.reason.unwrap_or_default(),
            },
            "polled" => Kind::Polled {
                dur_us: self.dur_us,
                tid: self.tid?,
            },
            _ => return None,
        })
    }
}

impl Visit for Fields {
    fn record_u64(&mut self, field: &Field, value: u64) {
        match field.name() {
            "customer" => self.customer = u32::try_from(value).ok(),
            "teller" => self.teller = u32::try_from(value).ok(),
            "task" => self.task = u32::try_from(value).ok(),
            "tid" => self.tid = u32::try_from(value).ok(),
            "ticket" => self.ticket = Some(value),
            "dur_us" => self.dur_us = value,
            "cpu_us" => self.cpu_us = Some(value),
            "unread_us" => self.unread_us = Some(value),
            _ => {}
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        if let Ok(value) = u64::try_from(value) {
            self.record_u64(field, value);
        }
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        match field.name() {
            "found" => self.found = value,
            "bank" => self.bank = value,
            _ => {}
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "how" => self.how = WaitHow::from_word(value),
            "reason" => self.reason = Some(value.to_owned()),
            _ => {}
        }
    }

    fn record_debug(&mut self, _field: &Field, _value: &dyn std::fmt::Debug) {}
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::record;

    #[test]
    fn events_take_the_lane_of_their_span_and_come_back_in_time_order() {
        let recorder = Recorder::new();
        let origin = Instant::now();
        tracing::subscriber::with_default(recorder.subscriber(), || {
            let customer = record::customer(3, "张三");
            customer.in_scope(|| {
                record::arrive();
                record::ticket(7);
            });
            let teller = record::teller(2);
            teller.in_scope(|| record::called(7, 2));
            customer.in_scope(|| {
                record::poll(true);
                record::noticed_call(7, 2, Some(Duration::from_micros(1_500)));
                record::noticed_call(7, 2, None);
                record::noticed_done(7, Some(Duration::from_micros(2_500)));
                record::errand(Duration::from_micros(900), None);
                record::errand(Duration::from_micros(900), Some(Duration::from_micros(400)));
            });
            record::reject("empty line");
            std::thread::scope(|s| {
                s.spawn(|| {
                    // A new thread has no default subscriber of its own here,
                    // so this event is not seen: the demos pass theirs along.
                    record::leave();
                });
            });
        });
        let events = recorder.take(origin);
        let seen: Vec<_> = events.iter().map(|e| (e.lane, e.kind.clone())).collect();
        assert_eq!(
            seen,
            [
                (Lane::Customer(3), Kind::Arrive),
                (Lane::Customer(3), Kind::Ticket { ticket: 7 }),
                (
                    Lane::Teller(2),
                    Kind::Called {
                        ticket: 7,
                        teller: 2,
                        unread_us: None,
                    }
                ),
                (Lane::Customer(3), Kind::Poll { found: true }),
                (
                    Lane::Customer(3),
                    Kind::Called {
                        ticket: 7,
                        teller: 2,
                        unread_us: Some(1_500),
                    }
                ),
                (
                    Lane::Customer(3),
                    Kind::Called {
                        ticket: 7,
                        teller: 2,
                        unread_us: None,
                    }
                ),
                (
                    Lane::Customer(3),
                    Kind::Served {
                        ticket: 7,
                        unread_us: Some(2_500),
                    }
                ),
                (
                    Lane::Customer(3),
                    Kind::Errand {
                        dur_us: 900,
                        cpu_us: None,
                    }
                ),
                (
                    Lane::Customer(3),
                    Kind::Errand {
                        dur_us: 900,
                        cpu_us: Some(400),
                    }
                ),
                (
                    Lane::Bank,
                    Kind::Reject {
                        reason: "empty line".into()
                    }
                ),
            ]
        );
        assert!(events.windows(2).all(|w| w[0].t_us <= w[1].t_us));
        assert!(
            recorder.take(origin).is_empty(),
            "take drains the recording"
        );
    }

    #[test]
    fn the_standalone_subscriber_records_the_same_and_holds_any_number_of_threads() {
        // The same moments, the same lanes, as through the registry.
        let scene = |subscriber: tracing::Dispatch| {
            tracing::dispatcher::with_default(&subscriber, || {
                let customer = record::customer(3, "张三");
                customer.in_scope(|| {
                    record::arrive();
                    record::teller(2).in_scope(|| record::called(7, 2));
                    record::ticket(7);
                });
                record::bank().in_scope(|| record::reject("no"));
                record::leave();
            })
        };
        let (layered, alone) = (Recorder::new(), Recorder::new());
        scene(tracing::Dispatch::new(layered.subscriber()));
        scene(tracing::Dispatch::new(alone.standalone()));
        let seen = |r: &Recorder| {
            r.take(Instant::now())
                .into_iter()
                .map(|e| (e.lane, e.kind))
                .collect::<Vec<_>>()
        };
        let expected = seen(&layered);
        assert_eq!(expected.len(), 5);
        assert_eq!(seen(&alone), expected);

        // More threads alive at once than the registry's 4096, each in its
        // own customer span.
        let recorder = Recorder::new();
        let dispatch = tracing::Dispatch::new(recorder.standalone());
        let threads = 4200;
        let gate = std::sync::Barrier::new(threads);
        std::thread::scope(|s| {
            for i in 0..threads {
                let (dispatch, gate) = (dispatch.clone(), &gate);
                std::thread::Builder::new()
                    .stack_size(64 * 1024)
                    .spawn_scoped(s, move || {
                        tracing::dispatcher::with_default(&dispatch, || {
                            let lane = record::customer(i as u32, "c");
                            gate.wait();
                            lane.in_scope(record::arrive);
                        })
                    })
                    .expect("a small thread starts");
            }
        });
        let events = recorder.take(Instant::now());
        assert_eq!(events.len(), threads);
        let mut lanes: Vec<Lane> = events.iter().map(|e| e.lane).collect();
        lanes.sort_by_key(|l| match l {
            Lane::Customer(c) => *c,
            _ => u32::MAX,
        });
        lanes.dedup();
        assert_eq!(lanes.len(), threads, "every thread on its own lane");
    }

    #[test]
    fn the_tally_counts_customers_outcomes_not_the_tellers() {
        let recorder = Recorder::new();
        tracing::subscriber::with_default(recorder.subscriber(), || {
            record::customer(0, "a").in_scope(|| {
                record::arrive();
                record::noticed_done(1, None);
                record::leave();
            });
            record::customer(1, "b").in_scope(|| {
                record::arrive();
                record::abandon(Some(2));
            });
            // The bank's side of the same visits is not counted again.
            record::teller(1).in_scope(|| {
                record::served(1);
                record::abandon(Some(2));
            });
            record::leave();
        });
        let tally = Tally {
            served: 1,
            abandoned: 1,
            finished: 1,
        };
        assert_eq!(recorder.tally(), tally);
        recorder.take(Instant::now());
        assert_eq!(
            recorder.tally(),
            tally,
            "taking the moments keeps the tally"
        );
    }

    #[test]
    fn a_frozen_recording_holds_the_threads_that_come_to_record() {
        let recorder = Recorder::new();
        let dispatch = tracing::Dispatch::new(recorder.subscriber());
        let (entered, entry) = std::sync::mpsc::channel();
        let (left, exit) = std::sync::mpsc::channel();
        let (go, start) = std::sync::mpsc::channel::<()>();
        std::thread::spawn(move || {
            tracing::dispatcher::with_default(&dispatch, || {
                let lane = record::customer(0, "a");
                let _in_lane = lane.enter();
                record::arrive();
                let _ = entered.send(());
                let _ = start.recv();
                record::poll(false);
                let _ = left.send(());
            })
        });
        entry.recv().expect("the customer arrives");
        recorder.freeze();
        go.send(()).expect("the customer is waiting for the word");
        assert!(
            exit.recv_timeout(Duration::from_millis(300)).is_err(),
            "the next moment held the thread"
        );
        let kinds: Vec<Kind> = recorder
            .take(Instant::now())
            .into_iter()
            .map(|e| e.kind)
            .collect();
        assert_eq!(kinds, [Kind::Arrive], "nothing after the freeze");
    }

    #[test]
    fn a_snapshot_copies_what_is_new_and_takes_nothing() {
        let recorder = Recorder::new();
        let origin = Instant::now();
        let dispatch = tracing::Dispatch::new(recorder.subscriber());
        let mut snapshot = Snapshot::new();
        let kinds = |events: Vec<Event>| events.into_iter().map(|e| e.kind).collect::<Vec<_>>();
        tracing::dispatcher::with_default(&dispatch, || {
            record::customer(0, "a").in_scope(record::arrive);
        });
        recorder.snapshot(&mut snapshot);
        assert_eq!(kinds(snapshot.events(origin)), [Kind::Arrive]);
        // Another thread records; the next update adds only the new moments.
        std::thread::scope(|s| {
            s.spawn(|| {
                tracing::dispatcher::with_default(&dispatch, || {
                    record::customer(1, "b").in_scope(|| record::ticket(1));
                })
            });
        });
        tracing::dispatcher::with_default(&dispatch, || {
            record::customer(0, "a").in_scope(record::leave);
        });
        recorder.snapshot(&mut snapshot);
        recorder.snapshot(&mut snapshot);
        let seen = snapshot.events(origin);
        assert_eq!(
            kinds(seen.clone()),
            [Kind::Arrive, Kind::Ticket { ticket: 1 }, Kind::Leave],
            "each moment once, in time order"
        );
        assert_eq!(
            seen,
            recorder.take(origin),
            "the snapshot is what take gives, and took nothing"
        );
    }

    #[test]
    fn a_snapshot_copies_a_long_buffer_slice_by_slice_whole_and_in_order() {
        let recorder = Recorder::new();
        let origin = Instant::now();
        let dispatch = tracing::Dispatch::new(recorder.subscriber());
        let many = 3 * Snapshot::SLICE + 5;
        let mut snapshot = Snapshot::new();
        tracing::dispatcher::with_default(&dispatch, || {
            record::customer(0, "a").in_scope(|| {
                record::arrive();
                recorder.snapshot(&mut snapshot);
                (0..many).for_each(|i| record::poll(i % 2 == 0));
            });
        });
        std::thread::scope(|s| {
            s.spawn(|| {
                tracing::dispatcher::with_default(&dispatch, || {
                    record::customer(1, "b").in_scope(record::leave);
                })
            });
        });
        recorder.snapshot(&mut snapshot);
        assert_eq!(snapshot.len(), many + 2);
        assert_eq!(
            snapshot.events(origin),
            recorder.take(origin),
            "every moment once, in time order, as take gives them"
        );
    }

    #[test]
    fn new_moments_that_reach_back_go_in_their_place_as_a_whole_sort_would_put_them() {
        let start = Instant::now();
        let moment = |thread: u32, us: u64| Moment {
            thread,
            at: start + Duration::from_micros(us),
            lane: Lane::Customer(thread),
            kind: Kind::Poll { found: false },
        };
        let mut rng = fastrand::Rng::with_seed(16);
        for _ in 0..200 {
            // What was copied before, in time order, then what each thread
            // recorded since, each thread's in order: most later than all
            // before, some reaching back a little.
            let mut old: Vec<Moment> = (0..rng.usize(0..20))
                .map(|_| moment(9, rng.u64(0..100)))
                .collect();
            old.sort_by_key(|m| m.at);
            let mut new = Vec::new();
            for thread in 0..rng.u32(0..4) {
                let mut theirs: Vec<Moment> = (0..rng.usize(0..10))
                    .map(|_| moment(thread, rng.u64(80..200)))
                    .collect();
                theirs.sort_by_key(|m| m.at);
                new.extend(theirs);
            }
            let mut whole: Vec<Moment> = old.iter().chain(&new).cloned().collect();
            whole.sort_by_key(|m| m.at);
            let mut snapshot = Snapshot::new();
            snapshot.moments = old.iter().chain(&new).cloned().collect();
            snapshot.keep_in_time_order(old.len());
            let key = |m: &Moment| (m.at, m.thread);
            assert_eq!(
                snapshot.moments.iter().map(key).collect::<Vec<_>>(),
                whole.iter().map(key).collect::<Vec<_>>()
            );
        }
    }

    #[test]
    fn each_thread_gets_its_own_number() {
        let recorder = Recorder::new();
        let dispatch = tracing::Dispatch::new(recorder.subscriber());
        std::thread::scope(|s| {
            for i in 0..3 {
                let dispatch = dispatch.clone();
                s.spawn(move || {
                    tracing::dispatcher::with_default(&dispatch, || {
                        record::customer(i, "x").in_scope(record::arrive);
                    })
                });
            }
        });
        let mut threads: Vec<_> = recorder
            .take(Instant::now())
            .iter()
            .map(|e| e.thread)
            .collect();
        threads.sort_unstable();
        assert_eq!(threads, [0, 1, 2]);
    }
}
