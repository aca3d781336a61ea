//! HAR reader (interface; the streaming reader replaces this body).

use std::io::Read;

use super::{CaptureError, Sink};
use crate::model::Limits;

/// What the HAR itself says about its origin.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HarSummary {
    /// `log.creator.name` and `version`, e.g. `WebInspector 537.36`.
    pub producer: Option<String>,
    /// Number of entries read (each became an exchange or an issue).
    pub entries: u64,
}

/// Streams `log.entries` of a HAR into `sink`.
pub fn read(
    _input: &mut dyn Read,
    _limits: &Limits,
    _sink: &mut dyn Sink,
) -> Result<HarSummary, CaptureError> {
    Err(CaptureError::NotRecognised(
        "HAR reading is not available in this build".into(),
    ))
}
