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
//! ```

use std::fmt;
use std::time::Instant;

use timeline::record::TARGET;
use tracing::{Event, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, FormattedFields};
use tracing_subscriber::registry::LookupSpan;

/// What is shown when `RUST_LOG` is not set: the timeline at `DEBUG` (every
/// moment but the customers' polls), the bank's own notes, and warnings.
pub const DEFAULT_FILTER: &str = "warn,bank_queue=debug,crate=debug,bank=info";

/// Installs the log on stderr for the whole process; `RUST_LOG` overrides
/// [`DEFAULT_FILTER`].
pub fn install() {
    let filter = match std::env::var("RUST_LOG") {
        Ok(directives) => EnvFilter::try_new(&directives).unwrap_or_else(|err| {
            eprintln!("warning: ignoring RUST_LOG={directives:?} ({err})");
            EnvFilter::new(DEFAULT_FILTER)
        }),
        Err(_) => EnvFilter::new(DEFAULT_FILTER),
    };
    let installed = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .event_format(TimelineLines::new())
        .try_init();
    if let Err(err) = installed {
        eprintln!("warning: no log ({err})");
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
