//! An assessment being built, and the plain assessments of exchanges CORS does not judge.

use std::collections::BTreeSet;

use super::{reached_network, Held};
use crate::model::{Assessment, Exchange, ExchangeId, ExchangeKind, Finding, Verdict, Warning};

/// An assessment being built.
pub(super) struct Draft {
    pub id: ExchangeId,
    pub kind: ExchangeKind,
    pub origin: Option<String>,
    pub page_origin: Option<String>,
    pub sent: bool,
    pub preflight: Option<ExchangeId>,
    pub preflight_cached_from: Option<ExchangeId>,
    pub verdict: Verdict,
    pub causes: Vec<Finding>,
    pub warnings: Vec<Warning>,
    pub note: Option<String>,
    pub unsafe_names: Option<Vec<String>>,
}

impl Draft {
    /// The assessment of `exchange`, warnings de-duplicated.
    pub fn finish(self, exchange: Exchange) -> Assessment {
        let mut warnings = self.warnings;
        let mut seen = BTreeSet::new();
        warnings.retain(|w| seen.insert((w.id, w.message.clone())));
        Assessment {
            id: self.id,
            exchange,
            kind: self.kind,
            origin: self.origin,
            page_origin: self.page_origin,
            sent: self.sent,
            preflight: self.preflight,
            preflight_cached_from: self.preflight_cached_from,
            verdict: self.verdict,
            causes: self.causes,
            warnings,
            note: self.note,
            unsafe_names: self.unsafe_names,
        }
    }

    /// Marks every cause that applies only with credentials as a latent risk: the recording
    /// proves the request was not blocked (see [`Finding::latent`]).
    pub fn latent_if_credentialed(&mut self) {
        for f in &mut self.causes {
            if f.if_credentialed {
                f.latent = true;
            }
        }
    }
}

/// A draft of an exchange of `kind` sent from `origin`, not applicable so far.
pub(super) fn plain_parts(id: ExchangeId, kind: ExchangeKind, origin: Option<String>) -> Draft {
    Draft {
        id,
        kind,
        origin,
        page_origin: None,
        sent: true,
        preflight: None,
        preflight_cached_from: None,
        verdict: Verdict::NotApplicable,
        causes: Vec::new(),
        warnings: Vec::new(),
        note: None,
        unsafe_names: None,
    }
}

/// The finished assessment of an exchange with nothing to judge.
pub(super) fn plain(
    h: Box<Held>,
    kind: ExchangeKind,
    origin: Option<String>,
    verdict: Verdict,
    note: Option<String>,
) -> Assessment {
    let mut d = plain_parts(h.id, kind, origin);
    d.verdict = verdict;
    d.note = note;
    d.sent = reached_network(&h.ex);
    d.finish(h.ex)
}
