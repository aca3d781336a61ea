//! The policy applied to what reports show: every text field of a [`Record`] and the
//! messages of input issues, so that no renderer sees a secret.

use crate::model::IssueSummary;
use crate::report::Record;

use super::{apply, Redactor};

impl Redactor {
    /// Redacts every value of `record` that may hold a secret: its URL, the console messages,
    /// fixes, failed parameters and notes of its causes, their evidence (by header name), its
    /// warnings, note and failure text.
    pub fn record(&self, record: &mut Record) {
        if !self.is_on() {
            return;
        }
        apply(&mut record.url, |s| self.url(s));
        let optional = [
            &mut record.origin,
            &mut record.page_origin,
            &mut record.note,
            &mut record.failure,
        ];
        for s in optional.into_iter().flatten() {
            apply(s, |s| self.text(s));
        }
        for cause in &mut record.causes {
            apply(&mut cause.message, |s| self.text(s));
            apply(&mut cause.fix, |s| self.text(s));
            if let Some(p) = &mut cause.failed_parameter {
                apply(p, |s| self.text(s));
            }
            for e in &mut cause.evidence {
                for v in &mut e.values {
                    match &e.header {
                        Some(name) => apply(v, |s| self.header_value(name, s)),
                        None => apply(v, |s| self.text(s)),
                    }
                }
                apply(&mut e.note, |s| self.text(s));
            }
            if let Some(fix) = &mut cause.stack_fix {
                apply(&mut fix.evidence, |s| self.text(s));
                apply(&mut fix.config, |s| self.text(s));
            }
        }
        for w in &mut record.warnings {
            apply(&mut w.message, |s| self.text(s));
        }
    }

    /// Redacts the URLs quoted in the messages of input issues.
    pub fn issues(&self, issues: &mut [IssueSummary]) {
        if !self.is_on() {
            return;
        }
        for summary in issues {
            for issue in &mut summary.examples {
                apply(&mut issue.message, |s| self.text(s));
            }
        }
    }
}
