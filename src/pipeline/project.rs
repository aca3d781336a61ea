//! The projection of assessments into records, per input: where the redaction policy is
//! applied, before any renderer or encoder sees a value.

use crate::model::Assessment;
use crate::redact::Redactor;
use crate::report::Record;

/// Turns one input's assessments into records, in order.
pub(super) struct Projector<'a> {
    index: usize,
    redactor: &'a Redactor,
}

impl<'a> Projector<'a> {
    /// A projector for input `index`.
    pub(super) fn new(index: usize, redactor: &'a Redactor) -> Self {
        Self { index, redactor }
    }

    /// The record of `a`, redacted.
    pub(super) fn record(&mut self, a: Assessment) -> Record {
        let mut r = Record::from_assessment(self.index, a);
        self.redactor.record(&mut r);
        r
    }
}
