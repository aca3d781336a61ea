//! Reading back the `&'static str` fields of the model (cause names Chromium and Firefox
//! report, server stack names, issue ids) from stored stage data.
//!
//! Those fields point into catalogues compiled into the program. Data read back from a file
//! names them by text, so each distinct text is leaked once and shared from then on. The set
//! is bounded: past [`INTERNED_MAX`] distinct texts, reading fails rather than growing, so a
//! hostile file cannot make memory grow without end.

use std::collections::BTreeSet;
use std::sync::Mutex;

use serde::{Deserialize, Deserializer};

/// A name compiled into the program. Spelled as an alias so that serde's derive reads it
/// through [`static_str`] instead of borrowing from the input.
pub type StaticName = &'static str;

/// Distinct texts kept at most. The catalogues hold a few hundred.
pub const INTERNED_MAX: usize = 4096;

static TEXTS: Mutex<BTreeSet<&'static str>> = Mutex::new(BTreeSet::new());

/// The shared `&'static str` equal to `text`, or `None` once [`INTERNED_MAX`] texts are held.
pub fn intern(text: &str) -> Option<&'static str> {
    let mut texts = TEXTS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(t) = texts.get(text) {
        return Some(t);
    }
    if texts.len() >= INTERNED_MAX {
        return None;
    }
    let leaked: &'static str = Box::leak(text.to_owned().into_boxed_str());
    texts.insert(leaked);
    Some(leaked)
}

/// Deserializes a `&'static str` field (`#[serde(deserialize_with = ...)]`).
pub fn static_str<'de, D: Deserializer<'de>>(d: D) -> Result<&'static str, D::Error> {
    let text = String::deserialize(d)?;
    intern(&text).ok_or_else(|| serde::de::Error::custom("too many distinct names"))
}

/// Deserializes an `Option<&'static str>` field.
pub fn static_str_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<&'static str>, D::Error> {
    match Option::<String>::deserialize(d)? {
        None => Ok(None),
        Some(text) => intern(&text)
            .map(Some)
            .ok_or_else(|| serde::de::Error::custom("too many distinct names")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_texts_share_one_str() {
        let a = intern("CorsTestName").unwrap_or_default();
        let b = intern(&String::from("CorsTestName")).unwrap_or_default();
        assert_eq!(a, "CorsTestName");
        assert!(std::ptr::eq(a, b));
    }
}
