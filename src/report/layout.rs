//! Small pieces of layout every human-readable format shares: capture times in UTC, a time
//! span, counted nouns, evidence lines and where a stack's fix comes from.

use chrono::DateTime;

use super::record::exchange_ref;
use crate::baseline::Baseline;
use crate::findings::RouteFinding;
use crate::model::{Evidence, StackFix, Timestamp};

/// `2026-11-01 10:00:01` (UTC), or the raw number when it is out of the calendar's range.
pub fn utc(t: Timestamp) -> String {
    let secs = t.0.div_euclid(1_000_000_000);
    match DateTime::from_timestamp(secs, 0) {
        Some(d) => d.format("%Y-%m-%d %H:%M:%S").to_string(),
        None => format!("{secs} s"),
    }
}

/// When a finding was seen: one time, a span within a day (`2026-11-01 10:00:01 → 10:20:00
/// UTC`), or a span across days; empty when the recording has no times.
pub fn seen(first: Option<Timestamp>, last: Option<Timestamp>) -> String {
    match (first, last) {
        (Some(a), Some(b)) => {
            let (a, b) = (utc(a), utc(b));
            if a == b {
                format!("{a} UTC")
            } else if a.get(..10) == b.get(..10) {
                format!("{a} → {} UTC", b.get(11..).unwrap_or(&b))
            } else {
                format!("{a} → {b} UTC")
            }
        }
        (Some(t), None) | (None, Some(t)) => format!("{} UTC", utc(t)),
        (None, None) => String::new(),
    }
}

/// `n` followed by `word`, plural when `n` is not 1.
pub fn count(n: u64, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else if let Some(stem) = word.strip_suffix('y') {
        format!("{n} {stem}ies")
    } else if word.ends_with('s') {
        format!("{n} {word}es")
    } else {
        format!("{n} {word}s")
    }
}

/// The number of distinct clients of a finding: `3 clients`, `1000+ clients` at the cap.
pub fn clients(n: u64, capped: bool) -> String {
    if capped {
        format!("{n}+ clients")
    } else {
        count(n, "client")
    }
}

/// One piece of evidence as a line: where it was read, the header and its value(s) (or
/// `(absent)`), marked when decisive.
pub fn evidence_line(e: &Evidence) -> String {
    let value = match (&e.header, e.values.is_empty()) {
        (Some(h), true) => format!("{h}: (absent)"),
        (Some(h), false) => e
            .values
            .iter()
            .map(|v| format!("{h}: {v}"))
            .collect::<Vec<_>>()
            .join(" | "),
        (None, _) => e.values.join(" "),
    };
    let decisive = if e.primary { "  ◀ decisive" } else { "" };
    format!("{} {value}{decisive}", e.source.as_str())
}

/// Whether an evidence note only repeats the header line above it (`Name: 'value'`,
/// `Name: absent`, `Name on the preflight response: absent`).
pub fn restates(note: &str, header: &str) -> bool {
    let Some(rest) = note
        .get(..header.len())
        .filter(|p| p.eq_ignore_ascii_case(header))
        .map(|_| &note[header.len()..])
    else {
        return false;
    };
    let Some((place, value)) = rest.split_once(": ") else {
        return false;
    };
    (place.is_empty() || place.starts_with(" on the "))
        && (value == "absent"
            || (value.len() >= 2 && value.starts_with('\'') && value.ends_with('\'')))
}

/// Evidence as lines: each piece, then its note indented below it (unless it only repeats
/// the header line).
pub fn evidence_lines(evidence: &[Evidence]) -> Vec<String> {
    let mut out = Vec::new();
    for e in evidence {
        out.push(evidence_line(e));
        let restated = e.header.as_ref().is_some_and(|h| restates(&e.note, h));
        if !e.note.is_empty() && !restated {
            out.push(format!("    {}", e.note));
        }
    }
    out
}

/// What named the stack a fix is for: `named by Server: nginx/1.24.0 (response of 0:116)`.
pub fn named_by(input: usize, fix: &StackFix) -> String {
    let at = fix
        .exchange
        .map(|e| format!(" (response of {})", exchange_ref(input, e.0)))
        .unwrap_or_default();
    format!("named by {}{at}", fix.evidence)
}

/// How a run's findings compare with its baseline: `baseline old.json: 2 new · 5 known · 1
/// fixed`.
pub fn baseline_counts(baseline: &Baseline, found: &[RouteFinding]) -> String {
    let c = baseline.compare(found);
    format!(
        "baseline {}: {} new · {} known · {} fixed",
        baseline.path(),
        c.new,
        c.known,
        c.fixed
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans() {
        let t = |s: i64| Some(Timestamp(s * 1_000_000_000));
        assert_eq!(
            seen(t(1_793_527_200), t(1_793_527_200)),
            "2026-11-01 10:00:00 UTC"
        );
        assert_eq!(
            seen(t(1_793_527_200), t(1_793_528_400)),
            "2026-11-01 10:00:00 → 10:20:00 UTC"
        );
        assert_eq!(
            seen(t(1_793_527_200), t(1_793_700_000)),
            "2026-11-01 10:00:00 → 2026-11-03 10:00:00 UTC"
        );
        assert_eq!(seen(None, None), "");
        assert_eq!(count(2, "exchange"), "2 exchanges");
        assert_eq!(count(1, "exchange"), "1 exchange");
        assert_eq!(clients(1000, true), "1000+ clients");
    }
}
