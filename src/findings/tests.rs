//! The fold over hand-made observations: grouping by route, counts, clients, times, the
//! example, merging in pieces, the cap, and the security classes judged here.

use super::*;
use crate::model::{ExchangeKind, Finding, Verdict, Warning};

fn blocked_by(cause: CauseId) -> Vec<Finding> {
    vec![Finding {
        cause,
        chromium: cause.info().chromium,
        firefox: None,
        failed_parameter: None,
        message: format!("console message of {}", cause.info().name),
        fix: format!("fix of {}", cause.info().name),
        if_credentialed: false,
        latent: false,
        evidence: Vec::new(),
        stack_fix: None,
    }]
}

struct Ex {
    input: usize,
    seq: u64,
    url: String,
    origin: &'static str,
    verdict: Verdict,
    causes: Vec<Finding>,
    warnings: Vec<Warning>,
    started: i64,
    client: Option<String>,
    grant: Option<Grant>,
}

fn ex(seq: u64, url: &str, verdict: Verdict, causes: Vec<Finding>) -> Ex {
    Ex {
        input: 0,
        seq,
        url: url.into(),
        origin: "https://app.example.com",
        verdict,
        causes,
        warnings: Vec::new(),
        started: 1_000 + seq as i64,
        client: Some(format!("198.51.100.{}:5000{seq}", seq % 3)),
        grant: None,
    }
}

impl Ex {
    fn obs(&self) -> Observation<'_> {
        Observation {
            input: self.input,
            seq: self.seq,
            location: Location::Entry(crate::model::EntryIndex(self.seq)),
            method: "GET",
            url: &self.url,
            origin: Some(self.origin),
            page_origin: None,
            kind: ExchangeKind::Cors,
            verdict: self.verdict,
            causes: &self.causes,
            warnings: &self.warnings,
            started: Some(Timestamp(self.started * 1_000_000_000)),
            client: self.client.as_deref(),
            grant: self.grant,
        }
    }
}

fn fold(exchanges: &[Ex]) -> Findings {
    let mut f = Findings::new();
    for e in exchanges {
        f.add(&e.obs());
    }
    f
}

fn run() -> Vec<Ex> {
    let a01 = || blocked_by(CauseId::MissingAllowOrigin);
    vec![
        ex(
            0,
            "https://api.example.com/v1/users/17/orders",
            Verdict::Blocked,
            a01(),
        ),
        ex(
            1,
            "https://api.example.com/v1/users/42/orders?x=1",
            Verdict::Blocked,
            a01(),
        ),
        ex(
            2,
            "https://api.example.com/v1/health",
            Verdict::Allowed,
            Vec::new(),
        ),
        ex(
            3,
            "https://API.example.com:443/v1/users/7/orders",
            Verdict::Blocked,
            a01(),
        ),
        ex(
            4,
            "https://api.example.com/v1/users/7",
            Verdict::Blocked,
            blocked_by(CauseId::MethodNotAllowed),
        ),
        ex(
            5,
            "https://api.example.com/v1/users/8",
            Verdict::Blocked,
            blocked_by(CauseId::MethodNotAllowed),
        ),
        ex(
            6,
            "https://api.example.com/v1/users/9/orders",
            Verdict::Blocked,
            a01(),
        ),
    ]
}

#[test]
fn one_finding_per_route_and_cause_sorted_by_impact() {
    let found = fold(&run()).sorted();
    assert_eq!(found.len(), 2);
    let top = &found[0];
    assert_eq!(top.kind, FindingKind::Blocked);
    assert_eq!(top.rule, Rule::Cause(CauseId::MissingAllowOrigin));
    assert_eq!(top.server, "https://api.example.com");
    assert_eq!(top.route, "/v1/users/{id}/orders");
    assert_eq!(top.page, "https://app.example.com");
    assert_eq!(top.exchanges, 4);
    // seq 0, 1, 3, 6: clients .0, .1, .0, .0
    assert_eq!(top.clients, 2);
    assert!(!top.clients_capped);
    assert_eq!(top.first_seen, Some(Timestamp(1_000 * 1_000_000_000)));
    assert_eq!(top.last_seen, Some(Timestamp(1_006 * 1_000_000_000)));
    assert_eq!((top.example.input, top.example.seq), (0, 0));
    assert_eq!(
        top.example.message,
        "console message of missing-allow-origin"
    );
    assert_eq!(top.example.fix, "fix of missing-allow-origin");
    assert_eq!(found[1].route, "/v1/users/{id}");
    assert_eq!(found[1].exchanges, 2);
    assert_ne!(top.fingerprint(), found[1].fingerprint());
}

#[test]
fn merging_pieces_in_order_equals_one_fold() {
    let all = run();
    let whole = fold(&all);
    for cut in 0..all.len() {
        let (a, b) = all.split_at(cut);
        let mut merged = fold(a);
        merged.merge(&fold(b));
        assert_eq!(merged.sorted(), whole.sorted(), "cut at {cut}");
    }
}

#[test]
fn fingerprints_ignore_counts_times_and_ids() {
    let mut later = run();
    for e in &mut later {
        e.input = 3;
        e.seq += 1000;
        e.started += 86_400;
        e.url = e.url.replace("/17/", "/99/");
    }
    let a: Vec<String> = fold(&run())
        .sorted()
        .iter()
        .map(|f| f.fingerprint())
        .collect();
    let b: Vec<String> = fold(&later)
        .sorted()
        .iter()
        .map(|f| f.fingerprint())
        .collect();
    assert_eq!(a, b);
}

#[test]
fn clients_of_a_har_are_its_inputs() {
    let mut all = run();
    for (i, e) in all.iter_mut().enumerate() {
        e.client = None;
        e.input = i % 2;
    }
    let found = fold(&all).sorted();
    assert_eq!(found[0].clients, 2);
}

#[test]
fn if_credentialed_and_warnings_are_findings_too() {
    let mut conditional = blocked_by(CauseId::WildcardWithCredentials);
    conditional[0].if_credentialed = true;
    let mut allowed = ex(
        0,
        "https://api.example.com/v1/a",
        Verdict::Allowed,
        conditional,
    );
    allowed.warnings = vec![
        Warning {
            id: WarningId::VaryOriginMissing,
            message: "vary".into(),
        },
        Warning {
            id: WarningId::VaryOriginMissing,
            message: "vary again".into(),
        },
        Warning {
            id: WarningId::AllowsNullOrigin,
            message: "null".into(),
        },
    ];
    let found = fold(&[allowed]).sorted();
    let kinds: Vec<(FindingKind, &str)> = found.iter().map(|f| (f.kind, f.rule.id())).collect();
    assert_eq!(
        kinds,
        [
            (FindingKind::Security, "allows-null-origin"),
            (FindingKind::IfCredentialed, "A10"),
            (FindingKind::Warning, "vary-origin-missing"),
        ]
    );
    assert_eq!(found[2].exchanges, 1, "a warning counts once per exchange");
    assert_eq!(
        found[2].example.fix,
        WarningId::VaryOriginMissing.info().explanation
    );
}

#[test]
fn latent_risks_are_a_kind_of_their_own() {
    let mut latent = blocked_by(CauseId::WildcardWithCredentials);
    latent[0].if_credentialed = true;
    latent[0].latent = true;
    let mut conditional = blocked_by(CauseId::WildcardWithCredentials);
    conditional[0].if_credentialed = true;
    let url = "https://api.example.com/v1/a";
    let found = fold(&[
        ex(0, url, Verdict::Allowed, latent.clone()),
        ex(1, url, Verdict::Allowed, latent),
        ex(2, url, Verdict::Allowed, conditional),
    ])
    .sorted();
    let kinds: Vec<(FindingKind, u64)> = found.iter().map(|f| (f.kind, f.exchanges)).collect();
    assert_eq!(
        kinds,
        [(FindingKind::IfCredentialed, 1), (FindingKind::Latent, 2)],
        "a latent risk is not an if-credentialed finding, and sorts after it"
    );
    assert_eq!(found[1].kind.as_str(), "latent");
}

#[test]
fn http_origin_trusted_by_https_server() {
    let mut e = ex(
        0,
        "https://api.example.com/v1/a",
        Verdict::Allowed,
        Vec::new(),
    );
    e.origin = "http://app.example.com";
    e.grant = Some(Grant {
        echoed: true,
        credentials: true,
    });
    let found = fold(&[e]).sorted();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].rule, Rule::Security(SecurityId::HttpOriginTrusted));
    assert!(found[0]
        .example
        .message
        .contains("'http://app.example.com'"));
    assert!(found[0].example.message.contains("with credentials"));
    assert_eq!(found[0].example.evidence.len(), 1);

    let mut plain = ex(
        0,
        "http://api.example.com/v1/a",
        Verdict::Allowed,
        Vec::new(),
    );
    plain.origin = "http://app.example.com";
    plain.grant = e_grant();
    assert!(
        fold(&[plain]).sorted().is_empty(),
        "http to http is not a downgrade"
    );
}

fn e_grant() -> Option<Grant> {
    Some(Grant {
        echoed: true,
        credentials: true,
    })
}

#[test]
fn subdomains_trusted_from_three_hosts() {
    let origins = [
        "https://a.example.com",
        "https://b.example.com",
        "https://a.example.com",
        "https://c.example.com",
    ];
    let exchanges: Vec<Ex> = origins
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let mut e = ex(
                i as u64,
                "https://api.example.org/v1/me",
                Verdict::Allowed,
                Vec::new(),
            );
            e.origin = o;
            e.grant = e_grant();
            e
        })
        .collect();
    let two = fold(&exchanges[..3]).sorted();
    assert!(two.is_empty(), "two hosts are an allow-list: {two:?}");
    let found = fold(&exchanges).sorted();
    assert_eq!(found.len(), 1);
    let f = &found[0];
    assert_eq!(f.rule, Rule::Security(SecurityId::SubdomainsTrusted));
    assert_eq!(
        (f.server.as_str(), f.route.as_str(), f.page.as_str()),
        ("https://api.example.org", "*", "*.example.com")
    );
    assert_eq!(f.exchanges, 4);
    assert_eq!(
        f.example.message,
        "credentials are allowed to 3 subdomains of example.com (a.example.com, b.example.com, c.example.com): the allow-list looks like *.example.com"
    );
    let uncredentialed: Vec<Ex> = exchanges
        .into_iter()
        .map(|mut e| {
            e.grant = Some(Grant {
                echoed: true,
                credentials: false,
            });
            e
        })
        .collect();
    assert!(fold(&uncredentialed).sorted().is_empty());
}

#[test]
fn memory_is_capped_by_findings_and_clients() {
    let mut f = Findings::new();
    let causes = blocked_by(CauseId::MissingAllowOrigin);
    for i in 0..(MAX_FINDINGS as u64 + 25) {
        let mut e = ex(
            i,
            &format!("https://h{i}.example.com/x"),
            Verdict::Blocked,
            causes.clone(),
        );
        e.client = Some(format!("10.0.{}.{}:1", i / 256, i % 256));
        f.add(&e.obs());
    }
    assert_eq!(f.len(), MAX_FINDINGS);
    assert_eq!(f.folded(), 25);
    let mut g = Findings::new();
    for i in 0..(MAX_CLIENTS as u64 + 5) {
        let mut e = ex(
            i,
            "https://api.example.com/x",
            Verdict::Blocked,
            causes.clone(),
        );
        e.client = Some(format!("10.{}.{}.1:1", i / 256, i % 256));
        g.add(&e.obs());
    }
    let one = g.sorted();
    assert_eq!(one[0].clients, MAX_CLIENTS as u64);
    assert!(one[0].clients_capped);
    assert_eq!(one[0].exchanges, MAX_CLIENTS as u64 + 5);
}
