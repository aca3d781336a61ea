//! The CI gate: whether a run's findings fail it (exit status 1), from `--fail-on`.
//!
//! `--fail-on` names a level, cause ids or names, or warning names, comma-separated or
//! repeated; the run fails when any of them matches:
//! - `blocked` (the default): an exchange the browser blocked;
//! - `if-credentialed`: that, or a request that would be blocked if it were credentialed;
//! - `warning`: any of those, a latent risk (a request the recording proves completed that
//!   would be blocked if it were credentialed), or a warning;
//! - a cause (`A02`, `missing-allow-origin-on-error`, or a Chromium name such as
//!   `PreflightInvalidStatus`, which names every cause reported under it): a request blocked
//!   with that as its reported cause (a failed preflight counts through the request it
//!   stopped);
//! - a warning name (`vary-origin-missing`): that warning;
//! - `never`: nothing; the exit status is then 0 unless the run failed to read its inputs.
//!
//! With a baseline (`--baseline`), only the findings it does not hold count: the run fails when
//! a new finding matches, by its kind and rule as the summary counts them (blocked requests by
//! their reported cause, requests blocked if credentialed, latent risks, warnings by name).
//! Exchanges beyond
//! the findings kept ([`MAX_FINDINGS`](crate::findings::MAX_FINDINGS)) cannot be compared and
//! fail any level but `never`.
//!
//! The gate reads the run's [`Summary`] only: it decides nothing about exchanges.

use crate::findings::{FindingKind, RouteFinding, Rule};
use crate::model::{CauseId, WarningId, CAUSES};
use crate::report::Summary;

/// How much a run may find before it fails.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Never fail on findings.
    Never,
    /// Fail on blocked exchanges.
    #[default]
    Blocked,
    /// Fail on blocked exchanges and on requests blocked if credentialed.
    IfCredentialed,
    /// Fail on those, on latent risks and on any warning.
    Warning,
}

/// What fails a run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FailOn {
    /// The level named, if any.
    pub level: Option<Level>,
    /// Causes named.
    pub causes: Vec<CauseId>,
    /// Warnings named.
    pub warnings: Vec<WarningId>,
}

/// A `--fail-on` item that names nothing.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FailOnError {
    /// Unknown item.
    #[error("--fail-on: '{0}' is not blocked, if-credentialed, warning, never, a cause or a warning name (try `corscope explain all`)")]
    Unknown(String),
    /// `never` beside something else.
    #[error("--fail-on: never cannot be combined with other items")]
    NeverCombined,
}

impl FailOn {
    /// The default: fail on blocked exchanges.
    pub fn blocked() -> Self {
        Self {
            level: Some(Level::Blocked),
            ..Self::default()
        }
    }

    /// Parses `--fail-on` items (each may hold several, comma-separated).
    pub fn parse<S: AsRef<str>>(items: &[S]) -> Result<Self, FailOnError> {
        let mut out = FailOn::default();
        let mut never = false;
        let mut count = 0;
        for item in items
            .iter()
            .flat_map(|i| i.as_ref().split(','))
            .map(str::trim)
            .filter(|i| !i.is_empty())
        {
            count += 1;
            let level = match item.to_ascii_lowercase().as_str() {
                "never" => {
                    never = true;
                    continue;
                }
                "blocked" => Some(Level::Blocked),
                "if-credentialed" => Some(Level::IfCredentialed),
                "warning" | "warnings" => Some(Level::Warning),
                _ => None,
            };
            if let Some(l) = level {
                out.level = out.level.max(Some(l));
            } else if let Some(w) = WarningId::find(item) {
                out.warnings.push(w);
            } else {
                let named = causes_named(item);
                if named.is_empty() {
                    return Err(FailOnError::Unknown(item.to_string()));
                }
                out.causes.extend(named);
            }
        }
        if never {
            if count > 1 {
                return Err(FailOnError::NeverCombined);
            }
            out.level = Some(Level::Never);
        } else if count == 0 {
            return Ok(Self::blocked());
        }
        out.causes.sort();
        out.causes.dedup();
        out.warnings.sort();
        out.warnings.dedup();
        Ok(out)
    }

    /// Whether findings counted in `summary` fail the run (only new ones when it has a
    /// baseline).
    pub fn fails(&self, s: &Summary) -> bool {
        if let Some(baseline) = &s.baseline {
            let never = self.level == Some(Level::Never);
            return (!never && s.findings.folded() > 0)
                || s.findings
                    .sorted()
                    .iter()
                    .any(|f| self.fails_on(f) && !baseline.knows(&f.fingerprint()));
        }
        let level = self.level.unwrap_or(Level::Never);
        let by_level = match level {
            Level::Never => false,
            Level::Blocked => s.blocked > 0,
            Level::IfCredentialed => s.blocked > 0 || s.if_credentialed > 0,
            Level::Warning => {
                s.blocked > 0 || s.if_credentialed > 0 || s.latent > 0 || !s.by_warning.is_empty()
            }
        };
        by_level
            || self
                .causes
                .iter()
                .any(|c| s.by_cause.get(c.info().name).is_some_and(|n| *n > 0))
            || self
                .warnings
                .iter()
                .any(|w| s.by_warning.get(w.name()).is_some_and(|n| *n > 0))
    }
}

impl FailOn {
    /// Whether `finding` is one this gate fails on, as [`FailOn::fails`] counts the summary:
    /// blocked requests by their reported cause, requests blocked if credentialed, latent
    /// risks, and warnings (also those that are security findings).
    pub fn fails_on(&self, finding: &RouteFinding) -> bool {
        let by_level = match (self.level.unwrap_or(Level::Never), finding.kind) {
            (Level::Never, _) => false,
            (_, FindingKind::Blocked) => true,
            (Level::IfCredentialed | Level::Warning, FindingKind::IfCredentialed) => true,
            (Level::Warning, FindingKind::Latent) => true,
            (Level::Warning, _) => matches!(finding.rule, Rule::Warning(_)),
            _ => false,
        };
        by_level
            || match finding.rule {
                Rule::Cause(c) => finding.kind == FindingKind::Blocked && self.causes.contains(&c),
                Rule::Warning(w) => self.warnings.contains(&w),
                Rule::Security(_) => false,
            }
    }
}

/// Causes an item names: one by id or name, or every cause Chromium reports under a name.
fn causes_named(item: &str) -> Vec<CauseId> {
    let by_chromium: Vec<CauseId> = CAUSES
        .iter()
        .filter(|c| c.chromium.is_some_and(|n| n.eq_ignore_ascii_case(item)))
        .map(|c| c.cause)
        .collect();
    if !by_chromium.is_empty() {
        return by_chromium;
    }
    CauseId::find(item).into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(blocked: u64, if_cred: u64, cause: Option<&'static str>, warning: bool) -> Summary {
        let mut s = Summary {
            blocked,
            if_credentialed: if_cred,
            ..Summary::default()
        };
        if let Some(c) = cause {
            s.by_cause.insert(c, blocked);
        }
        if warning {
            s.by_warning.insert("vary-origin-missing", 1);
        }
        s
    }

    #[test]
    fn levels_are_cumulative() {
        let clean = summary(0, 0, None, false);
        let blocked = summary(2, 0, Some("missing-allow-origin"), false);
        let cred = summary(0, 3, None, false);
        let warned = summary(0, 0, None, true);
        let latent = Summary {
            latent: 1,
            ..Summary::default()
        };
        let table = [
            ("never", [false, false, false, false, false]),
            ("blocked", [false, true, false, false, false]),
            ("if-credentialed", [false, true, true, false, false]),
            ("warning", [false, true, true, true, true]),
        ];
        for (item, want) in table {
            let f = FailOn::parse(&[item]).unwrap();
            let got = [&clean, &blocked, &cred, &warned, &latent].map(|s| f.fails(s));
            assert_eq!(got, want, "{item}");
        }
        assert_eq!(FailOn::parse::<&str>(&[]).unwrap(), FailOn::blocked());
    }

    #[test]
    fn causes_and_warnings_by_id_name_or_chromium_name() {
        let s = summary(1, 0, Some("missing-allow-origin-on-error"), true);
        for item in [
            "A02",
            "missing-allow-origin-on-error",
            "MissingAllowOriginHeader",
        ] {
            assert!(FailOn::parse(&[item]).unwrap().fails(&s), "{item}");
        }
        assert!(!FailOn::parse(&["A01"]).unwrap().fails(&s));
        assert!(FailOn::parse(&["vary-origin-missing"]).unwrap().fails(&s));
        let chromium = FailOn::parse(&["InvalidAllowCredentials"]).unwrap();
        assert!(chromium.causes.len() >= 2, "every cause under that name");
        let both = FailOn::parse(&["A01,vary-origin-missing", "if-credentialed"]).unwrap();
        assert_eq!(both.level, Some(Level::IfCredentialed));
        assert_eq!(both.causes, vec![CauseId::find("A01").unwrap()]);
    }

    /// A finding of `kind` and `rule`.
    fn finding(kind: FindingKind, rule: Rule) -> RouteFinding {
        RouteFinding {
            kind,
            rule,
            server: "https://api.test".into(),
            route: "/r".into(),
            page: "https://app.test".into(),
            exchanges: 1,
            clients: 1,
            clients_capped: false,
            first_seen: None,
            last_seen: None,
            example: crate::findings::Example {
                input: 0,
                seq: 1,
                location: crate::model::Location::Entry(crate::model::EntryIndex(0)),
                method: "GET".into(),
                url: "https://api.test/r".into(),
                message: String::new(),
                fix: String::new(),
                evidence: Vec::new(),
                stack_fix: None,
            },
        }
    }

    #[test]
    fn findings_fail_as_the_summary_counts_them() {
        let a01 = Rule::Cause(CauseId::find("A01").unwrap());
        let vary = Rule::Warning(WarningId::find("vary-origin-missing").unwrap());
        let kinds = [
            finding(FindingKind::Blocked, a01),
            finding(FindingKind::IfCredentialed, a01),
            finding(FindingKind::Latent, a01),
            finding(FindingKind::Warning, vary),
        ];
        let table = [
            ("never", [false, false, false, false]),
            ("blocked", [true, false, false, false]),
            ("if-credentialed", [true, true, false, false]),
            ("warning", [true, true, true, true]),
            ("A01", [true, false, false, false]),
            ("vary-origin-missing", [false, false, false, true]),
        ];
        for (item, want) in table {
            let f = FailOn::parse(&[item]).unwrap();
            assert_eq!(kinds.each_ref().map(|k| f.fails_on(k)), want, "{item}");
        }
    }

    #[test]
    fn bad_items_are_usage_errors() {
        assert_eq!(
            FailOn::parse(&["blocked,bogus"]),
            Err(FailOnError::Unknown("bogus".into()))
        );
        assert_eq!(
            FailOn::parse(&["never,A01"]),
            Err(FailOnError::NeverCombined)
        );
    }
}
