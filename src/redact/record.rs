//! The policy applied to what reports show: every text field of a [`Record`] and the
//! messages of input issues, so that no renderer sees a secret.

use std::borrow::Cow;

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
        // The texts below quote the record's own URL: it is redacted once.
        let url = match self.url(&record.url) {
            Cow::Owned(redacted) => Some(std::mem::replace(&mut record.url, redacted)),
            Cow::Borrowed(_) => None,
        };
        let known = Some(match &url {
            Some(original) => (original.as_str(), Some(record.url.as_str())),
            None => (record.url.as_str(), None),
        });
        let text = |s: &mut String| apply(s, |s| self.text_knowing(s, known));
        let optional = [
            &mut record.origin,
            &mut record.page_origin,
            &mut record.note,
            &mut record.failure,
        ];
        for s in optional.into_iter().flatten() {
            text(s);
        }
        for cause in &mut record.causes {
            text(&mut cause.message);
            text(&mut cause.fix);
            if let Some(p) = &mut cause.failed_parameter {
                text(p);
            }
            for e in &mut cause.evidence {
                for v in &mut e.values {
                    match &e.header {
                        Some(name) => apply(v, |s| self.header_value(name, s)),
                        None => text(v),
                    }
                }
                text(&mut e.note);
            }
            if let Some(fix) = &mut cause.stack_fix {
                text(&mut fix.evidence);
                text(&mut fix.config);
            }
        }
        for w in &mut record.warnings {
            text(&mut w.message);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ExchangeKind, Verdict};

    fn record(url: &str, note: &str) -> Record {
        Record {
            status: Some(200),
            verdict: Verdict::Blocked,
            note: Some(note.into()),
            failure: Some(format!("failed: {url}")),
            ..Record::example(0, ExchangeKind::Cors, "GET", url)
        }
    }

    #[test]
    fn texts_quoting_the_records_url_read_as_if_redacted_alone() {
        let r = Redactor::with_key(b"test");
        for url in [
            "https://api.test/x?token=s3cr3t&a=1",
            "https://api.test/x?a=1",
            "https://u:p@api.test/",
            "https://api.test/",
        ] {
            let note = format!(
                "Access to fetch at '{url}' from origin 'https://app.test' was blocked; \
                 see 'https://other.test/?sig=zz' and '{url}'"
            );
            let mut rec = record(url, &note);
            r.record(&mut rec);
            assert_eq!(rec.url, r.url(url));
            assert_eq!(rec.note.as_deref(), Some(&*r.text(&note)));
            assert_eq!(
                rec.failure,
                Some(r.text(&format!("failed: {url}")).into_owned())
            );
            assert!(!rec.note.unwrap_or_default().contains("zz"));
        }
    }
}
