//! A CORS request the recording keeps no response for and no failed preflight explains: a
//! request to a scheme without CORS, one a stale cached answer failed, one Chromium failed as
//! it fails every CORS block (blocked: by Local Network Access when the recording shows it, by a
//! cause the recording does not keep otherwise), or undecided.

use super::super::classify::Classification;
use super::super::evidence::{Fault, ReportContext};
use super::{reached_network, Draft, Engine, Held};
use crate::model::{FailureKind, Verdict};

impl Engine {
    /// A CORS request with no response and no failed preflight.
    pub(super) fn judge_unanswered(
        &mut self,
        h: &Held,
        c: &Classification,
        origin: Option<&str>,
        ctx: &ReportContext<'_>,
        a: &mut Draft,
    ) {
        let generic =
            h.ex.failure
                .as_ref()
                .is_some_and(|f| f.kind == FailureKind::Generic);
        let scheme = url::Url::parse(&h.ex.request.url)
            .map(|u| u.scheme().to_string())
            .unwrap_or_default();
        if generic
            && !matches!(scheme.as_str(), "http" | "https" | "")
            && super::super::classify::is_script_request(&h.ex)
        {
            let mut f = Fault::new(crate::model::CauseId::CorsDisabledScheme, None);
            f.evidence.push(super::super::evidence::fact(
                crate::model::EvidenceSource::Request,
                h.id,
                h.ex.request.url.clone(),
                true,
                format!("scheme '{scheme}' does not support CORS"),
            ));
            a.sent = false;
            a.verdict = Verdict::Blocked;
            a.causes.push(f.finding(ctx));
            return;
        }
        if let Some(o) = origin.filter(|_| generic) {
            if let Some(f) = self.stale_cache_fault(h, o) {
                a.sent = false;
                a.verdict = Verdict::Blocked;
                a.causes.push(f.finding(ctx));
                return;
            }
        }
        let err_failed = h.ex.failure.as_ref().filter(|f| {
            let t = f.text.trim();
            t.eq_ignore_ascii_case("net::ERR_FAILED") || t.eq_ignore_ascii_case("ERR_FAILED")
        });
        // A script's request (fetch, XMLHttpRequest) failed so is blocked even when nothing
        // tells its origin (an opaque-origin page sends an empty Referer).
        let script = super::super::classify::is_script_request(&h.ex);
        if let Some(failed) = err_failed.filter(|_| origin.is_some() || script) {
            self.blocked_cause_not_recorded(h, &failed.text, ctx, a);
            return;
        }
        a.verdict = Verdict::Indeterminate;
        let failed = match &h.ex.failure {
            Some(f) if f.kind == FailureKind::Generic => format!(
                "the browser failed it with {} (as it fails every CORS block), but ",
                f.text
            ),
            Some(f) => format!("the browser failed it with {}, but ", f.text),
            None => String::new(),
        };
        a.note = Some(if origin.is_none() {
            format!("{failed}nothing in the recording tells its origin (no Origin, preflight, page or Referer)")
        } else if c.never_sent || h.ex.failure.is_some() {
            format!("{failed}the recording keeps no response for it and no preflight explains it: the cause is not in the recording")
        } else {
            "no response was recorded".into()
        });
    }

    /// A cross-origin request Chromium failed with exactly `net::ERR_FAILED`, as it fails every
    /// CORS block, with no response and no preflight on record: blocked, by Local Network
    /// Access where the recording shows the target in a more private address space than the
    /// page, else by a cause the recording does not keep (`blocked-cause-not-recorded`).
    fn blocked_cause_not_recorded(
        &self,
        h: &Held,
        failure: &str,
        ctx: &ReportContext<'_>,
        a: &mut Draft,
    ) {
        a.verdict = Verdict::Blocked;
        let lna = self
            .spaces
            .local_network_cause(ctx.page_origin, &h.ex.request.url);
        let src = crate::model::EvidenceSource::Other;
        if let Some((cause, space)) = lna {
            let mut f = Fault::new(cause, None);
            f.evidence.push(super::super::evidence::fact(
                src,
                h.id,
                format!("{} → {}", ctx.page_origin, h.ex.request.url),
                true,
                format!(
                    "the recording shows the target host in the {} address space, more private than the page's",
                    space.as_str()
                ),
            ));
            a.sent = false;
            let ctx = ReportContext {
                space: Some(space.as_str()),
                ..*ctx
            };
            a.causes.push(f.into_finding(&ctx));
            return;
        }
        let mut f = Fault::new(crate::model::CauseId::BlockedCauseNotRecorded, None);
        f.net_error = Some(failure.to_string());
        f.evidence.push(super::super::evidence::fact(
            crate::model::EvidenceSource::Response,
            h.id,
            failure,
            true,
            "failed as Chromium fails every CORS block; the recording keeps no response and no preflight for it",
        ));
        a.sent = reached_network(&h.ex);
        a.note = Some(
            "blocked by the browser; what decided it is not in this recording (a DevTools HAR export or a packet capture keeps it)"
                .into(),
        );
        a.causes.push(f.into_finding(ctx));
    }

    /// A request the browser failed with no response on record, while a fresh cached answer
    /// to the same URL, made for another origin and not varying by `Origin`, was on hand: the
    /// browser served that answer from its cache and its `Access-Control-Allow-Origin` did
    /// not match (`cached-response-wrong-origin`). Chromium records nothing of such a cache
    /// hit, so the earlier exchange is the evidence.
    fn stale_cache_fault(&mut self, h: &Held, origin: &str) -> Option<Fault> {
        if !h.ex.request.method.eq_ignore_ascii_case("GET") {
            return None;
        }
        let policy = self.profile_of(&h.ex).preflight_cache;
        let cached = self.clients.with(&h.client, &policy, |s| {
            s.http.fresh(&h.ex.request.url, h.at).cloned()
        })?;
        if cached.id == h.id {
            return None;
        }
        let [acao] = cached.acao.as_slice() else {
            return None;
        };
        if acao == origin || acao == "*" {
            return None;
        }
        let mut f = Fault::new(
            crate::model::CauseId::CachedResponseWrongOrigin,
            Some(acao.clone()),
        );
        f.header_hint = "Vary".into();
        f.evidence.push(super::super::evidence::header(
            crate::model::EvidenceSource::Other,
            cached.id,
            &cached.headers,
            "Access-Control-Allow-Origin",
            true,
            format!("cached answer made for '{acao}', reused for '{origin}'"),
        ));
        f.evidence.push(super::super::evidence::header(
            crate::model::EvidenceSource::Other,
            cached.id,
            &cached.headers,
            "Vary",
            false,
            "no Origin in Vary: every origin is served the same cached answer",
        ));
        f.evidence.push(super::super::evidence::header(
            crate::model::EvidenceSource::Other,
            cached.id,
            &cached.headers,
            "Cache-Control",
            false,
            format!("fresh for {} s", cached.fresh_secs),
        ));
        Some(f)
    }
}
