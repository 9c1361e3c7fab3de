//! Stretches of time in whole microseconds, and the little arithmetic the
//! figures need: how long a set of stretches covers, and how much two sets
//! share. Whole microseconds are the trace's own unit (every moment is a
//! `t_us`), so sums of them are exact.

/// A stretch of time `[from, to)`, in µs from the run's start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    /// Start (inclusive).
    pub from: i64,
    /// End (exclusive).
    pub to: i64,
}

impl Span {
    /// The stretch from `from_ms` to `to_ms`, rounded to whole µs (an
    /// endless end, `f64::INFINITY`, stays endless: `i64::MAX`).
    pub fn of_ms(from_ms: f64, to_ms: f64) -> Span {
        Span {
            from: us(from_ms),
            to: us(to_ms),
        }
    }

    /// How long it lasts (0 when it ends before it starts).
    pub fn duration(self) -> i64 {
        self.to.saturating_sub(self.from).max(0)
    }
}

/// Milliseconds as whole microseconds (`as` saturates: ±∞ become the ends of `i64`).
pub fn us(ms: f64) -> i64 {
    (ms * 1000.0).round() as i64
}

/// Microseconds as milliseconds.
pub fn ms(us: i64) -> f64 {
    us as f64 / 1000.0
}

/// The parts of `spans` within `window`, merged where they touch or
/// overlap: sorted, disjoint, none empty.
pub fn union(spans: impl IntoIterator<Item = Span>, window: Span) -> Vec<Span> {
    let mut clipped: Vec<Span> = spans
        .into_iter()
        .map(|s| Span {
            from: s.from.max(window.from),
            to: s.to.min(window.to),
        })
        .filter(|s| s.duration() > 0)
        .collect();
    clipped.sort_by_key(|s| s.from);
    let mut merged: Vec<Span> = Vec::with_capacity(clipped.len());
    for s in clipped {
        match merged.last_mut() {
            Some(last) if s.from <= last.to => last.to = last.to.max(s.to),
            _ => merged.push(s),
        }
    }
    merged
}

/// How long sorted, disjoint `spans` cover.
pub fn covered(spans: &[Span]) -> i64 {
    spans.iter().map(|s| s.duration()).sum()
}

/// How long two sets of sorted, disjoint spans cover together.
pub fn shared(a: &[Span], b: &[Span]) -> i64 {
    let (mut i, mut j, mut both) = (0, 0, 0);
    while let (Some(x), Some(y)) = (a.get(i), b.get(j)) {
        both += (x.to.min(y.to) - x.from.max(y.from)).max(0);
        if x.to <= y.to {
            i += 1;
        } else {
            j += 1;
        }
    }
    both
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(from: i64, to: i64) -> Span {
        Span { from, to }
    }

    #[test]
    fn a_union_merges_clips_and_drops_the_empty() {
        let spans = [span(5, 8), span(-3, 2), span(1, 4), span(7, 20), span(9, 9)];
        assert_eq!(
            union(spans, span(0, 15)),
            [span(0, 4), span(5, 15)],
            "touching and overlapping stretches merge; nothing passes the window"
        );
        assert_eq!(covered(&union(spans, span(0, 15))), 14);
        assert!(union([span(3, 1)], span(0, 10)).is_empty());
    }

    #[test]
    fn shared_time_is_counted_once() {
        let a = [span(0, 10), span(20, 30)];
        let b = [span(5, 25), span(28, 40)];
        assert_eq!(shared(&a, &b), 5 + 5 + 2);
        assert_eq!(shared(&b, &a), 12);
        assert_eq!(shared(&a, &[]), 0);
    }

    #[test]
    fn milliseconds_round_to_whole_microseconds_and_endless_stays_endless() {
        assert_eq!(us(1.2345), 1235);
        assert_eq!(us(0.0004), 0);
        assert_eq!(Span::of_ms(0.0, f64::INFINITY).to, i64::MAX);
        assert_eq!(ms(1500), 1.5);
    }
}
