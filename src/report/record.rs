//! What a report keeps of an assessment: everything it shows, without the recorded header
//! lists and bodies, so a run holds little per exchange. Also the run summary counted from
//! records.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::address::{address_text, ip_text};
use crate::baseline::{Baseline, BaselineState};
use crate::findings::{Findings, Grant, Observation, RouteFinding};
use crate::model::{
    Assessment, ExchangeKind, Failure, Finding, Location, Timestamp, Verdict, Warning,
};

/// One exchange as reports show it.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Record {
    /// Index of the input it came from.
    pub input: usize,
    /// Sequence number within the input.
    pub seq: u64,
    /// Where it was recorded.
    pub location: Location,
    /// Method as sent.
    pub method: String,
    /// URL.
    pub url: String,
    /// Origin the request was made with.
    pub origin: Option<String>,
    /// The page's origin when it differs (tainted `null`).
    pub page_origin: Option<String>,
    /// Kind.
    pub kind: ExchangeKind,
    /// Whether it reached the network.
    pub sent: bool,
    /// Response status, when a response was recorded.
    pub status: Option<u16>,
    /// When it started.
    pub started: Option<Timestamp>,
    /// The preflight that authorised or refused it.
    pub preflight: Option<u64>,
    /// The recorded preflight whose cached result covered it.
    pub preflight_cached_from: Option<u64>,
    /// Verdict.
    pub verdict: Verdict,
    /// Blocking causes, the browser's reported one first.
    pub causes: Vec<Finding>,
    /// Non-blocking warnings.
    pub warnings: Vec<Warning>,
    /// Context for the verdict.
    pub note: Option<String>,
    /// The recorder's failure text.
    pub failure: Option<String>,
    /// Client address, when known.
    pub client: Option<String>,
    /// Server address, when known.
    pub server: Option<String>,
    /// What the server granted, for an allowed CORS request (read for the findings).
    pub grant: Option<Grant>,
}

impl Record {
    /// Projects an assessment of input `input`.
    pub fn from_assessment(input: usize, a: Assessment) -> Self {
        let grant = Grant::of(&a);
        let ex = a.exchange;
        let server = ex
            .endpoints
            .server
            .map(address_text)
            .or_else(|| ex.endpoints.server_ip.map(ip_text));
        Record {
            input,
            seq: a.id.0,
            location: ex.location,
            method: ex.request.method,
            url: ex.request.url,
            origin: a.origin,
            page_origin: a.page_origin,
            kind: a.kind,
            sent: a.sent,
            status: ex.response.as_ref().map(|r| r.status),
            started: ex.timing.started,
            preflight: a.preflight.map(|p| p.0),
            preflight_cached_from: a.preflight_cached_from.map(|p| p.0),
            verdict: a.verdict,
            causes: a.causes,
            warnings: a.warnings,
            note: a.note,
            failure: ex.failure.map(|f: Failure| f.text),
            client: ex.endpoints.client.map(address_text),
            server,
            grant,
        }
    }

    /// What the findings read of this record.
    pub fn observation(&self) -> Observation<'_> {
        Observation {
            input: self.input,
            seq: self.seq,
            location: self.location,
            method: &self.method,
            url: &self.url,
            origin: self.origin.as_deref(),
            page_origin: self.page_origin.as_deref(),
            kind: self.kind,
            verdict: self.verdict,
            causes: &self.causes,
            warnings: &self.warnings,
            started: self.started,
            client: self.client.as_deref(),
            grant: self.grant,
        }
    }

    /// The report-wide id of this exchange: `input:seq`.
    pub fn id(&self) -> String {
        exchange_ref(self.input, self.seq)
    }

    /// The cause the browser reports, if any.
    pub fn primary_cause(&self) -> Option<&Finding> {
        self.causes
            .iter()
            .find(|f| !f.if_credentialed)
            .or_else(|| self.causes.first())
    }

    /// Whether the only causes are conditional on credentials.
    pub fn only_if_credentialed(&self) -> bool {
        !self.causes.is_empty() && self.causes.iter().all(|f| f.if_credentialed)
    }

    /// Whether every cause is a latent risk: the request was not blocked, and would be if it
    /// were credentialed (see [`Finding::latent`]).
    pub fn only_latent(&self) -> bool {
        !self.causes.is_empty() && self.causes.iter().all(|f| f.latent)
    }
}

/// Marks, in an exchange number, an exchange of another input: `ELSEWHERE | input << 40 |
/// seq` is exchange `seq` of `input` (capture points judged together refer to each other's
/// preflights).
pub const ELSEWHERE: u64 = 1 << 62;

/// The report-wide id of exchange `seq` of input `input`: `input:seq` for recorded
/// exchanges, `input:inferred-n` for requests the recording does not hold.
pub fn exchange_ref(input: usize, seq: u64) -> String {
    let (input, seq) = if seq & ELSEWHERE != 0 {
        (((seq & !ELSEWHERE) >> 40) as usize, seq & ((1 << 40) - 1))
    } else {
        (input, seq)
    };
    match seq.checked_sub(crate::cors::INFERRED_BASE) {
        Some(n) => format!("{input}:inferred-{n}"),
        None => format!("{input}:{seq}"),
    }
}

/// [`exchange_ref`] spelt into a buffer of its own, without allocating or the formatting
/// machinery: the JSON of every exchange names itself, its preflight and each piece of
/// evidence this way.
#[derive(Clone, Copy)]
pub struct ExchangeRef {
    bytes: [u8; 64],
    len: usize,
}

impl ExchangeRef {
    /// The id of exchange `seq` of input `input`.
    pub fn new(input: usize, seq: u64) -> Self {
        let mut r = ExchangeRef {
            bytes: [0; 64],
            len: 0,
        };
        let (input, seq) = if seq & ELSEWHERE != 0 {
            ((seq & !ELSEWHERE) >> 40, seq & ((1 << 40) - 1))
        } else {
            (input as u64, seq)
        };
        r.decimal(input);
        r.push(b":");
        match seq.checked_sub(crate::cors::INFERRED_BASE) {
            Some(n) => {
                r.push(b"inferred-");
                r.decimal(n);
            }
            None => r.decimal(seq),
        }
        r
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(self.bytes.get(..self.len).unwrap_or_default()).unwrap_or_default()
    }

    fn push(&mut self, bytes: &[u8]) {
        if let Some(to) = self.bytes.get_mut(self.len..self.len + bytes.len()) {
            to.copy_from_slice(bytes);
            self.len += bytes.len();
        }
    }

    fn decimal(&mut self, n: u64) {
        self.push(decimal(n, &mut [0; 20]));
    }
}

/// `n` in decimal, spelt into the end of `digits`.
pub(crate) fn decimal(n: u64, digits: &mut [u8; 20]) -> &[u8] {
    let mut i = digits.len();
    let mut n = n;
    loop {
        i -= 1;
        if let Some(d) = digits.get_mut(i) {
            *d = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 || i == 0 {
            break;
        }
    }
    digits.get(i..).unwrap_or_default()
}

impl serde::Serialize for ExchangeRef {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Counts over every record of a run, and its findings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Exchanges judged (recorded and inferred).
    pub exchanges: u64,
    /// Exchanges inferred, not recorded (requests a failed preflight stopped).
    pub inferred: u64,
    /// CORS requests (kind `cors`).
    pub cors: u64,
    /// Preflights.
    pub preflights: u64,
    /// Blocked exchanges.
    pub blocked: u64,
    /// Blocked preflights (included in `blocked`).
    pub blocked_preflights: u64,
    /// Blocked requests that never reached the network (stopped by their preflight).
    pub blocked_unsent: u64,
    /// Indeterminate exchanges.
    pub indeterminate: u64,
    /// Exchanges that failed for a reason that is not CORS.
    pub network_errors: u64,
    /// Allowed requests that would be blocked if credentialed, where the recording cannot tell
    /// whether they were.
    pub if_credentialed: u64,
    /// Allowed requests the recording proves were not blocked that would be if credentialed:
    /// latent risks.
    pub latent: u64,
    /// Blocked requests by their reported cause; a failed preflight is counted through the
    /// request it stopped.
    pub by_cause: BTreeMap<&'static str, u64>,
    /// Causes that apply only if credentialed, by name (of `if_credentialed`).
    pub by_cause_if_credentialed: BTreeMap<&'static str, u64>,
    /// Latent risks by cause name (of `latent`).
    pub by_cause_latent: BTreeMap<&'static str, u64>,
    /// Warnings by name.
    pub by_warning: BTreeMap<&'static str, u64>,
    /// The records grouped into findings.
    pub findings: Findings,
    /// The earlier findings the run's are compared with (`--baseline`), when given.
    pub baseline: Option<Arc<Baseline>>,
}

impl Summary {
    /// Takes the counts, leaving the findings to go on accumulating: a worker sends counts
    /// batch by batch and its input's findings once, so that each finding is built once per
    /// input rather than once per batch.
    pub fn take_counts(&mut self) -> Summary {
        let findings = std::mem::take(&mut self.findings);
        let baseline = self.baseline.take();
        let counts = std::mem::take(self);
        self.findings = findings;
        self.baseline = baseline;
        counts
    }

    /// The state against the baseline of a finding of this run, when there is a baseline.
    pub fn baseline_state(&self, finding: &RouteFinding) -> Option<BaselineState> {
        self.baseline.as_ref().map(|b| b.state(finding))
    }

    /// Adds the counts of `other`.
    pub fn merge(&mut self, other: &Summary) {
        self.exchanges += other.exchanges;
        self.inferred += other.inferred;
        self.cors += other.cors;
        self.preflights += other.preflights;
        self.blocked += other.blocked;
        self.blocked_preflights += other.blocked_preflights;
        self.blocked_unsent += other.blocked_unsent;
        self.indeterminate += other.indeterminate;
        self.network_errors += other.network_errors;
        self.if_credentialed += other.if_credentialed;
        self.latent += other.latent;
        self.findings.merge(&other.findings);
        for (mine, theirs) in [
            (&mut self.by_cause, &other.by_cause),
            (
                &mut self.by_cause_if_credentialed,
                &other.by_cause_if_credentialed,
            ),
            (&mut self.by_cause_latent, &other.by_cause_latent),
            (&mut self.by_warning, &other.by_warning),
        ] {
            for (k, n) in theirs {
                *mine.entry(k).or_default() += n;
            }
        }
    }

    /// Counts one record and adds it to the findings.
    pub fn add(&mut self, r: &Record) {
        self.count(r);
        self.findings.add(&r.observation());
    }

    /// Counts one record, leaving the findings as they are: for a renderer that keeps counts
    /// per input (the run's findings are kept once, in the run's summary).
    pub fn count(&mut self, r: &Record) {
        self.exchanges += 1;
        if matches!(r.location, Location::InferredFrom(_)) {
            self.inferred += 1;
        }
        match r.kind {
            ExchangeKind::Cors => self.cors += 1,
            ExchangeKind::Preflight => self.preflights += 1,
            _ => {}
        }
        match r.verdict {
            Verdict::Blocked => {
                self.blocked += 1;
                if r.kind == ExchangeKind::Preflight {
                    self.blocked_preflights += 1;
                } else if !r.sent {
                    self.blocked_unsent += 1;
                }
                // A failed preflight is counted through the request it stopped.
                if r.kind != ExchangeKind::Preflight {
                    if let Some(f) = r.primary_cause() {
                        *self.by_cause.entry(f.cause.info().name).or_default() += 1;
                    }
                }
            }
            Verdict::Indeterminate => self.indeterminate += 1,
            Verdict::NetworkError => self.network_errors += 1,
            Verdict::Allowed | Verdict::NotApplicable => {
                if r.only_if_credentialed() && r.kind != ExchangeKind::Preflight {
                    let (count, by_cause) = if r.only_latent() {
                        (&mut self.latent, &mut self.by_cause_latent)
                    } else {
                        (
                            &mut self.if_credentialed,
                            &mut self.by_cause_if_credentialed,
                        )
                    };
                    *count += 1;
                    if let Some(f) = r.causes.first() {
                        *by_cause.entry(f.cause.info().name).or_default() += 1;
                    }
                }
            }
        }
        for w in &r.warnings {
            *self.by_warning.entry(w.id.name()).or_default() += 1;
        }
    }
}

/// Records to test with.
#[cfg(test)]
impl Record {
    /// Exchange `seq` of input 0: `method url`, sent from `https://app.test` and allowed, with
    /// no response status, causes or addresses; tests set what they look at.
    pub(crate) fn example(seq: u64, kind: ExchangeKind, method: &str, url: &str) -> Self {
        Record {
            input: 0,
            seq,
            location: Location::Entry(crate::model::location::EntryIndex(seq)),
            method: method.into(),
            url: url.into(),
            origin: Some("https://app.test".into()),
            page_origin: None,
            kind,
            sent: true,
            status: None,
            started: None,
            preflight: None,
            preflight_cached_from: None,
            verdict: Verdict::Allowed,
            causes: Vec::new(),
            warnings: Vec::new(),
            note: None,
            failure: None,
            client: None,
            server: None,
            grant: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exchange_refs_read_as_formatted() {
        let base = crate::cors::INFERRED_BASE;
        let elsewhere = |input: u64, seq: u64| ELSEWHERE | input << 40 | seq;
        for input in [0usize, 7, 10, usize::MAX] {
            for seq in [
                0,
                9,
                10,
                12345,
                base - 1,
                base,
                base + 1,
                base + 99,
                u64::MAX,
                elsewhere(0, 5),
                elsewhere(3, base + 2),
                elsewhere(4095, (1 << 40) - 1),
            ] {
                assert_eq!(
                    ExchangeRef::new(input, seq).as_str(),
                    exchange_ref(input, seq),
                    "{input} {seq}"
                );
            }
        }
    }
}
