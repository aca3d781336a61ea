//! How the text report lists the files of an input that is one capture written as several
//! files: one line per file, in reading order, with its index (the `file` of locations), its
//! frames and the capture times it spans, in UTC.

use super::{FileReport, InputReport};
use crate::model::Timestamp;

/// The lines listing `input`'s files (none for an input of one file), indented by two.
pub fn lines(input: &InputReport) -> Vec<String> {
    if input.files.is_empty() {
        return Vec::new();
    }
    let mut out = vec![format!(
        "  one capture in {} files, read in this order:",
        input.files.len()
    )];
    let width = (input.files.len() - 1).to_string().len();
    for (i, f) in input.files.iter().enumerate() {
        out.push(format!("    {i:>width$}  {}  {}", f.path, about(f)));
    }
    out
}

fn about(f: &FileReport) -> String {
    if let Some(e) = &f.error {
        return format!("not read: {e}");
    }
    let frames = if f.frames == 1 {
        "1 frame".to_string()
    } else {
        format!("{} frames", f.frames)
    };
    match (f.first, f.last) {
        (Some(a), Some(b)) => {
            let (a, b) = (utc(a), utc(b));
            // The date once when both ends share it.
            let b = match (a.split_once(' '), b.split_once(' ')) {
                (Some((da, _)), Some((db, tb))) if da == db => tb.to_string(),
                _ => b,
            };
            format!("{frames}, {a} – {b} UTC")
        }
        _ => frames,
    }
}

/// `YYYY-MM-DD hh:mm:ss.mmm` in UTC (proleptic Gregorian calendar; days to civil dates as in
/// Howard Hinnant's `civil_from_days`).
pub fn utc(t: Timestamp) -> String {
    let ms = t.0.div_euclid(1_000_000);
    let (days, ms_of_day) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let s = ms_of_day / 1000;
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}.{:03}",
        s / 3600,
        s / 60 % 60,
        s % 60,
        ms_of_day % 1000
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_dates() {
        assert_eq!(utc(Timestamp(0)), "1970-01-01 00:00:00.000");
        // 2026-11-28T04:10:36.255566Z
        assert_eq!(
            utc(Timestamp(1_795_839_036_255_566_000)),
            "2026-11-28 04:10:36.255"
        );
        assert_eq!(
            utc(Timestamp(951_782_400_000_000_000)),
            "2000-02-29 00:00:00.000"
        );
        assert_eq!(utc(Timestamp(-1_000_000)), "1969-12-31 23:59:59.999");
    }
}
