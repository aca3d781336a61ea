//! JSON numbers, to the same value and the same kind (`u64`, `i64` or `f64`) as serde_json
//! 1.x without `float_roundtrip` gives them: a non-negative integer is a `u64`, a negative one
//! an `i64` (`-0` and those below `i64::MIN` an `f64`), anything with a fraction or exponent the
//! digits as a `u64` times or divided by a power of ten. Declined: a digit string that does not
//! fit a `u64` and a decimal exponent beyond ±22 (serde_json takes other paths there), and
//! whatever serde_json rejects (leading zeros, `1.`, `1e`).

use super::Decline;

/// 10^0 to 10^22, each exact in an `f64`.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// A number as serde_json hands it to a visitor.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Number {
    /// `visit_u64`.
    U64(u64),
    /// `visit_i64`.
    I64(i64),
    /// `visit_f64`.
    F64(f64),
}

fn digit(bytes: &[u8], at: usize) -> Option<u64> {
    match bytes.get(at) {
        Some(&d @ b'0'..=b'9') => Some(u64::from(d - b'0')),
        _ => None,
    }
}

/// Reads the number at `at` (a `-` or a digit); returns it and the index after it.
pub(super) fn read(bytes: &[u8], mut at: usize) -> Result<(Number, usize), Decline> {
    let positive = bytes.get(at) != Some(&b'-');
    if !positive {
        at += 1;
    }
    let first = match bytes.get(at) {
        Some(&d @ b'0'..=b'9') => u64::from(d - b'0'),
        Some(_) => return Err(Decline::Unsure),
        None => return Err(Decline::OutOfInput),
    };
    at += 1;
    let mut significand = first;
    if first == 0 {
        if digit(bytes, at).is_some() {
            return Err(Decline::Unsure);
        }
    } else {
        while let Some(d) = digit(bytes, at) {
            significand = grow(significand, d)?;
            at += 1;
        }
    }
    let mut exponent = 0i32;
    if bytes.get(at) == Some(&b'.') {
        at += 1;
        let start = at;
        while let Some(d) = digit(bytes, at) {
            significand = grow(significand, d)?;
            at += 1;
        }
        if at == start {
            return Err(Decline::Unsure);
        }
        exponent = -i32::try_from(at - start).map_err(|_| Decline::Unsure)?;
    } else if !matches!(bytes.get(at), Some(b'e' | b'E')) {
        return Ok((integer(positive, significand), at));
    }
    if matches!(bytes.get(at), Some(b'e' | b'E')) {
        at += 1;
        let negative = bytes.get(at) == Some(&b'-');
        if matches!(bytes.get(at), Some(b'+' | b'-')) {
            at += 1;
        }
        let mut exp = digit(bytes, at).ok_or(Decline::Unsure)? as i32;
        at += 1;
        while let Some(d) = digit(bytes, at) {
            exp = exp * 10 + d as i32;
            if exp > 1000 {
                return Err(Decline::Unsure);
            }
            at += 1;
        }
        exponent = exponent
            .checked_add(if negative { -exp } else { exp })
            .ok_or(Decline::Unsure)?;
    }
    Ok((Number::F64(float(positive, significand, exponent)?), at))
}

/// Skips the number at `at` (a `-` or a digit) as serde_json ignores one: its grammar is
/// checked, its value not computed; returns the index after it.
pub(super) fn skip(bytes: &[u8], mut at: usize) -> Result<usize, Decline> {
    if bytes.get(at) == Some(&b'-') {
        at += 1;
    }
    match bytes.get(at) {
        Some(b'0') => {
            at += 1;
            if digit(bytes, at).is_some() {
                return Err(Decline::Unsure);
            }
        }
        Some(b'1'..=b'9') => at = digits(bytes, at + 1),
        Some(_) => return Err(Decline::Unsure),
        None => return Err(Decline::OutOfInput),
    }
    if bytes.get(at) == Some(&b'.') {
        let start = at + 1;
        at = digits(bytes, start);
        if at == start {
            return Err(Decline::Unsure);
        }
    }
    if matches!(bytes.get(at), Some(b'e' | b'E')) {
        at += 1;
        if matches!(bytes.get(at), Some(b'+' | b'-')) {
            at += 1;
        }
        let start = at;
        at = digits(bytes, start);
        if at == start {
            return Err(Decline::Unsure);
        }
    }
    Ok(at)
}

fn digits(bytes: &[u8], from: usize) -> usize {
    let run = bytes.get(from..).unwrap_or_default();
    from + run.iter().take_while(|b| b.is_ascii_digit()).count()
}

/// `significand * 10 + d`, declined where serde_json would switch to its long-number path.
fn grow(significand: u64, d: u64) -> Result<u64, Decline> {
    significand
        .checked_mul(10)
        .and_then(|v| v.checked_add(d))
        .ok_or(Decline::Unsure)
}

fn integer(positive: bool, significand: u64) -> Number {
    if positive {
        return Number::U64(significand);
    }
    let negative = (significand as i64).wrapping_neg();
    if negative >= 0 {
        Number::F64(-(significand as f64))
    } else {
        Number::I64(negative)
    }
}

fn float(positive: bool, significand: u64, exponent: i32) -> Result<f64, Decline> {
    let pow = *POW10
        .get(exponent.unsigned_abs() as usize)
        .ok_or(Decline::Unsure)?;
    let mut f = significand as f64;
    if exponent >= 0 {
        f *= pow;
    } else {
        f /= pow;
    }
    Ok(if positive { f } else { -f })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(text: &str) -> Result<(Number, usize), Decline> {
        read(text.as_bytes(), 0)
    }

    #[test]
    fn kinds_and_values_as_serde_json_gives_them() {
        let cases = [
            "0",
            "-0",
            "7",
            "-7",
            "200",
            "-1",
            "1071.987",
            "0.5",
            "-0.25",
            "1e3",
            "1E+2",
            "25e-3",
            "12.5e2",
            "-1.5e-7",
            "18446744073709551615",
            "-9223372036854775808",
            "-9223372036854775809",
            "123456789012345678.9",
            "1e22",
            "4.9e-21",
        ];
        for text in cases {
            let ours = num(text).map(|(n, _)| n);
            let theirs: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
            let want = if let Some(u) = theirs.as_u64() {
                Number::U64(u)
            } else if let Some(i) = theirs.as_i64() {
                Number::I64(i)
            } else {
                Number::F64(theirs.as_f64().unwrap_or(f64::NAN))
            };
            match ours {
                Ok(Number::F64(f)) => {
                    assert!(
                        matches!(want, Number::F64(w) if w.to_bits() == f.to_bits()),
                        "{text}"
                    )
                }
                Ok(n) => assert_eq!(n, want, "{text}"),
                Err(_) => panic!("{text} declined"),
            }
        }
    }

    #[test]
    fn what_serde_json_rejects_or_reads_otherwise_is_declined() {
        for text in [
            "01",
            "-",
            "-a",
            "1.",
            "1.e3",
            "1e",
            "1e+",
            "18446744073709551616",
            "1e23",
        ] {
            assert!(num(text).is_err(), "{text}");
        }
        assert_eq!(num("12,").map(|(_, at)| at), Ok(2));
        assert_eq!(num("1").map(|(_, at)| at), Ok(1));
    }
}
