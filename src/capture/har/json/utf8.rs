//! UTF-8 checks of the strings handed to visitors, a region at a time.
//!
//! serde_json checks each string it returns on its own; a HAR entry has a hundred short ones,
//! and the call costs more than the check. Here a string is sliced from the last region
//! checked when that region holds it (two char-boundary tests); otherwise the region of up to
//! [`REGION`] bytes starting at the string is checked, in one call, up to its first invalid
//! byte. A string holding an invalid byte is never inside a region, so it is declined, as
//! serde_json rejects it.

use std::ops::Range;

use super::Decline;

/// Bytes checked at a time.
const REGION: usize = 4 << 10;

/// The last region checked: valid UTF-8 starting at input index `at`.
pub(super) struct Validated<'de> {
    text: &'de str,
    at: usize,
}

impl<'de> Validated<'de> {
    /// Nothing checked yet.
    pub(super) fn new() -> Self {
        Self { text: "", at: 0 }
    }

    /// `bytes[range]` as text, when it is UTF-8; `range` starts and ends at ASCII bytes or at
    /// the input's ends.
    #[inline]
    pub(super) fn get(
        &mut self,
        bytes: &'de [u8],
        range: Range<usize>,
    ) -> Result<&'de str, Decline> {
        let len = range.len();
        match range
            .start
            .checked_sub(self.at)
            .and_then(|from| self.text.get(from..from + len))
        {
            Some(s) => Ok(s),
            None => self.check(bytes, range),
        }
    }

    /// Checks the region starting at `range`, then slices `range` from it.
    #[cold]
    fn check(&mut self, bytes: &'de [u8], range: Range<usize>) -> Result<&'de str, Decline> {
        let mut end = range
            .start
            .saturating_add(REGION)
            .max(range.end)
            .min(bytes.len());
        // End the region on a character boundary.
        while end > range.end && bytes.get(end).is_some_and(|&b| b & 0xc0 == 0x80) {
            end -= 1;
        }
        let region = bytes.get(range.start..end).unwrap_or_default();
        self.text = match simdutf8::basic::from_utf8(region) {
            Ok(text) => text,
            Err(_) => match std::str::from_utf8(region) {
                Ok(text) => text,
                Err(e) => std::str::from_utf8(region.get(..e.valid_up_to()).unwrap_or_default())
                    .unwrap_or_default(),
            },
        };
        self.at = range.start;
        self.text.get(..range.len()).ok_or(Decline::Unsure)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_inside_and_across_regions_and_invalid_bytes() {
        let mut text = Vec::new();
        for i in 0..2000 {
            text.extend_from_slice(format!("\"é{i}\",").as_bytes());
        }
        text.extend_from_slice(b"\"a\xffb\",\"ok\"");
        let mut v = Validated::new();
        let mut start = None;
        let mut seen = Vec::new();
        for (i, &b) in text.iter().enumerate() {
            if b != b'"' {
                continue;
            }
            match start.take() {
                None => start = Some(i + 1),
                Some(s) => seen.push(v.get(&text, s..i).map(str::to_owned)),
            }
        }
        assert_eq!(seen.len(), 2002);
        for (i, got) in seen.iter().take(2000).enumerate() {
            assert_eq!(got.as_deref(), Ok(format!("é{i}").as_str()));
        }
        assert_eq!(seen[2000], Err(Decline::Unsure));
        assert_eq!(seen[2001].as_deref(), Ok("ok"));
    }
}
