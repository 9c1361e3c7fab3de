//! Log lines a lecturer can read: one per moment of the bank's timeline.
//!
//! The timeline's events carry their meaning in their *name* (`ticket`,
//! `called`, `served`...), which `tracing-subscriber`'s default format does
//! not print. This format does, with the lane first:
//!
//! ```text
//!     3.217s  bank      ticket      ticket=1  (peer=127.0.0.1:51234 name=张三)
//!     3.217s  teller 1  called      ticket=1 teller=1  (ticket=1 name=张三)
//!     5.002s  teller 1  at_counter  ticket=1  (ticket=1 name=张三)
//!     8.002s  teller 1  served      ticket=1  (ticket=1 name=张三)
//!     9.120s  bank      reject      reason=unknown command HELLO\u{202e}
//! ```
//!
//! Every value is shown as it is when it shows as itself (a reason the bank
//! made safe, a name), and escaped with [`timeline::visible::printable`]
//! otherwise: never escaped twice, never raw.
//!
//! The lines go to an [`Outbox`]: the bank never waits for its log.

use std::fmt::{self, Write as _};
use std::time::Instant;

use timeline::record::TARGET;
use timeline::visible::as_shown;
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::field::RecordFields;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, FormattedFields};
use tracing_subscriber::registry::LookupSpan;

use crate::outbox::Outbox;

/// What is shown when `RUST_LOG` is not set: the timeline at `DEBUG` (every
/// moment but the customers' polls), the bank's own notes, and warnings.
pub const DEFAULT_FILTER: &str = "warn,bank_queue=debug,bank=debug";

/// Installs the log for the whole process, its lines going to `log`;
/// `RUST_LOG` overrides [`DEFAULT_FILTER`].
pub fn install(log: &Outbox) {
    let filter = match std::env::var("RUST_LOG") {
        Ok(directives) => EnvFilter::try_new(&directives).unwrap_or_else(|err| {
            let shown = timeline::visible::quoted(&directives, 200);
            log.line(format!("warning: ignoring RUST_LOG={shown} ({err})"));
            EnvFilter::new(DEFAULT_FILTER)
        }),
        Err(_) => EnvFilter::new(DEFAULT_FILTER),
    };
    let installed = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(log.clone())
        .with_ansi(false)
        .fmt_fields(ShownFields)
        .event_format(TimelineLines::new())
        .try_init();
    if let Err(err) = installed {
        log.line(format!("warning: no log ({err})"));
    }
}

/// The fields of an event or a span, as `key=value` separated by spaces
/// (a message bare), each value shown as it is when it can be, and escaped
/// with [`timeline::visible::printable`] when not.
#[derive(Debug, Default)]
pub struct ShownFields;

impl<'writer> FormatFields<'writer> for ShownFields {
    fn format_fields<R: RecordFields>(
        &self,
        mut writer: Writer<'writer>,
        fields: R,
    ) -> fmt::Result {
        let mut shown = Shown {
            writer: &mut writer,
            first: true,
            result: Ok(()),
        };
        fields.record(&mut shown);
        shown.result
    }
}

/// Writes the fields [`ShownFields`] visits.
struct Shown<'a, 'writer> {
    /// Where the fields go.
    writer: &'a mut Writer<'writer>,
    /// No field written yet: no space before this one.
    first: bool,
    /// The first failure to write, if any.
    result: fmt::Result,
}

/// The longest value a log line shows; past it, cut with `…`.
const LONGEST_VALUE: usize = 1024;

impl Shown<'_, '_> {
    /// Writes one field.
    fn put(&mut self, field: &Field, value: &str) {
        if self.result.is_err() {
            return;
        }
        let space = if self.first { "" } else { " " };
        self.first = false;
        let value = as_shown(value, LONGEST_VALUE);
        self.result = match field.name() {
            "message" => write!(self.writer, "{space}{value}"),
            name => write!(self.writer, "{space}{name}={value}"),
        };
    }
}

impl Visit for Shown<'_, '_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, value);
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        // A `%value` field's Debug is its Display; a number's is the number.
        let mut text = String::new();
        let _ = write!(text, "{value:?}");
        self.put(field, &text);
    }
}

/// The format: seconds since start, lane, what happened, its details, and
/// the context (which visit) from the spans around it.
#[derive(Debug)]
pub struct TimelineLines {
    /// When the bank started: times are shown from here.
    start: Instant,
}

impl TimelineLines {
    /// A format whose clock starts now.
    pub fn new() -> TimelineLines {
        TimelineLines {
            start: Instant::now(),
        }
    }
}

impl Default for TimelineLines {
    fn default() -> TimelineLines {
        TimelineLines::new()
    }
}

impl<S, N> FormatEvent<S, N> for TimelineLines
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut w: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let meta = event.metadata();
        let mut lane = String::from("bank");
        let mut context = Vec::new();
        for span in ctx
            .event_scope()
            .into_iter()
            .flat_map(|scope| scope.from_root())
        {
            let extensions = span.extensions();
            let fields = extensions
                .get::<FormattedFields<N>>()
                .map_or("", |f| f.fields.as_str());
            match span.name() {
                "bank" => lane = "bank".into(),
                "teller" => lane = format!("teller {}", fields.trim_start_matches("teller=")),
                "customer" => lane = format!("customer {fields}"),
                _ if !fields.is_empty() => context.push(fields.to_owned()),
                _ => {}
            }
        }
        let what = if meta.target() == TARGET {
            meta.name().to_owned()
        } else {
            meta.level().to_string()
        };
        write!(
            w,
            "{:>9.3}s  {lane:<9} {what:<10}  ",
            self.start.elapsed().as_secs_f64()
        )?;
        ctx.format_fields(w.by_ref(), event)?;
        if !context.is_empty() {
            write!(w, "  ({})", context.join("; "))?;
        }
        writeln!(w)
    }
}
