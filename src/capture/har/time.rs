//! `startedDateTime` to a [`Timestamp`]: the RFC 3339 profile of ISO 8601 that HAR 1.2 names,
//! as producers write it. Chrome writes `2023-03-30T00:00:54.250Z`, Firefox a local offset
//! (`2023-03-29T16:58:59.303-07:00`), mitmproxy microseconds and `+00:00`, WebPagetest
//! `+00:00`; Safari writes `""` when it does not know. Accepted beyond RFC 3339: `t` or a space
//! as the separator, `z`, an offset without colon (`+0200`) or hours only (`+02`), any number of
//! fractional digits (nanoseconds kept), and no offset at all, read as UTC. Anything else,
//! including years outside 0000–9999, is `None`: a bad date never costs the entry.
//!
//! Hand-written because it is ~80 lines and the crate has no date dependency to lean on.

use crate::model::Timestamp;

/// Parses an RFC 3339 date-time; `None` when it is not one.
pub(super) fn parse_rfc3339(text: &str) -> Option<Timestamp> {
    let b = text.trim().as_bytes();
    let year = digits(b, 0, 4)?;
    let month = digits(b, 5, 2)?;
    let day = digits(b, 8, 2)?;
    let hour = digits(b, 11, 2)?;
    let minute = digits(b, 14, 2)?;
    let second = digits(b, 17, 2)?;
    let separators = (b.get(4), b.get(7), b.get(10), b.get(13), b.get(16));
    if !matches!(
        separators,
        (
            Some(b'-'),
            Some(b'-'),
            Some(b'T' | b't' | b' '),
            Some(b':'),
            Some(b':')
        )
    ) {
        return None;
    }
    if !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut i = 19;
    let mut nanos: u32 = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while let Some(d) = b.get(i).filter(|d| d.is_ascii_digit()) {
            if i - start < 9 {
                nanos = nanos * 10 + u32::from(d - b'0');
            }
            i += 1;
        }
        if i == start {
            return None;
        }
        for _ in (i - start)..9 {
            nanos *= 10;
        }
    }
    let offset_secs = match b.get(i) {
        None => 0,
        Some(b'Z' | b'z') if i + 1 == b.len() => 0,
        Some(&sign @ (b'+' | b'-')) => {
            let oh = digits(b, i + 1, 2)?;
            let om = match b.len() - i {
                3 => 0,
                5 => digits(b, i + 3, 2)?,
                6 if b.get(i + 3) == Some(&b':') => digits(b, i + 4, 2)?,
                _ => return None,
            };
            if oh > 23 || om > 59 {
                return None;
            }
            let secs = i64::from(oh * 3600 + om * 60);
            if sign == b'-' {
                -secs
            } else {
                secs
            }
        }
        _ => return None,
    };
    let days = days_from_civil(i64::from(year), month, day);
    let secs = days * 86_400 + i64::from(hour * 3600 + minute * 60 + second) - offset_secs;
    Some(Timestamp::from_parts(secs, nanos))
}

/// `n` ASCII digits at `at` as a number.
fn digits(b: &[u8], at: usize, n: usize) -> Option<u32> {
    let field = b.get(at..at + n)?;
    field.iter().try_fold(0u32, |acc, d| {
        d.is_ascii_digit().then(|| acc * 10 + u32::from(d - b'0'))
    })
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Option<i64> {
        parse_rfc3339(s).map(|t| t.0)
    }

    #[test]
    fn producers_spellings() {
        // 2023-03-30T00:00:54.250Z = 1680134454.25 s
        assert_eq!(
            ts("2023-03-30T00:00:54.250Z"),
            Some(1_680_134_454_250_000_000)
        );
        assert_eq!(
            ts("2023-03-29T17:00:54.250-07:00"),
            Some(1_680_134_454_250_000_000)
        );
        assert_eq!(
            ts("2023-03-30T00:00:54.250000+00:00"),
            Some(1_680_134_454_250_000_000)
        );
        assert_eq!(
            ts("2023-03-30 02:00:54.25+0200"),
            Some(1_680_134_454_250_000_000)
        );
        assert_eq!(
            ts("2023-03-30T00:00:54.2500000001z"),
            Some(1_680_134_454_250_000_000)
        );
        assert_eq!(ts("2023-03-30T00:00:54"), Some(1_680_134_454_000_000_000));
        assert_eq!(ts("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(ts("1969-12-31T23:59:59Z"), Some(-1_000_000_000));
        assert_eq!(ts("2024-02-29T00:00:00Z"), Some(1_709_164_800_000_000_000));
    }

    #[test]
    fn garbage_is_none() {
        for bad in [
            "",
            "NaN-NaN-NaNTNaN:NaN:NaN.NaNZ",
            "+292269009-01-01T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2023-13-01T00:00:00Z",
            "2023-03-30T24:00:00Z",
            "2023-03-30T00:00:00.Z",
            "2023-03-30T00:00:00Zjunk",
            "2023-03-30T00:00:00+7",
            "2023-03-30",
            "2023-03-30T00:00:00é",
        ] {
            assert_eq!(ts(bad), None, "{bad:?}");
        }
    }
}
