//! Capture points judged together ([`SiteEngine`]): a browser's verdicts depend on its own
//! exchanges only, whichever other browsers are judged with it and however the stream is cut
//! into partitions; a preflight captured at one point authorises the request captured at
//! another, and reports name it at its own input.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod cors_support;

use cors_support::{fetch, preflight, API, O};
use corscope::cors::site::{SiteAssessment, SiteEngine};
use corscope::cors::EngineOptions;
use corscope::model::{
    Exchange, FileIndex, FrameNumber, FrameRef, Limits, Location, Timestamp, Verdict,
};
use corscope::report::record::exchange_ref;

/// One exchange of the stream: input, seq, the exchange.
type Row = (usize, u64, Exchange);

fn frames(n: u64) -> Location {
    Location::Frames {
        request: FrameRef::new(FileIndex(0), FrameNumber(n)),
        response: Some(FrameRef::new(FileIndex(0), FrameNumber(n + 1))),
    }
}

/// Browser `c` (an address of its own) preflights a PUT at capture point `c % 2`, sends it to
/// the other point right after, and again `gap` seconds later (from its preflight cache) to
/// the first point; every browser starts `c` seconds after the first.
fn browser(c: usize, gap: f64) -> Vec<(usize, Exchange)> {
    let client: std::net::SocketAddr = format!("192.0.2.{}:5{c:04}", 10 + c).parse().unwrap();
    let start = 1000.0 + c as f64;
    let at = |input: usize, secs: f64, x: cors_support::X| {
        let mut ex = x.at(secs).x();
        ex.endpoints.client = Some(client);
        ex.endpoints.server = Some(format!("10.0.0.{}:443", 1 + input).parse().unwrap());
        (input, ex)
    };
    let p = c % 2;
    let put = || {
        fetch("PUT", API)
            .h("X-Trace", "1")
            .status(200)
            .rh("Access-Control-Allow-Origin", O)
    };
    vec![
        at(
            p,
            start,
            preflight(API, "PUT", Some("x-trace"))
                .status(204)
                .rh("Access-Control-Allow-Origin", O)
                .rh("Access-Control-Allow-Methods", "PUT")
                .rh("Access-Control-Allow-Headers", "x-trace")
                .rh("Access-Control-Max-Age", "600"),
        ),
        at(1 - p, start + 0.2, put()),
        at(p, start + gap, put()),
    ]
}

/// The stream of every browser as `extract` gives it (each point's exchanges numbered in
/// time order) and `decide --merge-points` orders it: by the point's latest request time so
/// far, then input, then seq.
fn stream(browsers: usize, gap: f64) -> Vec<(i64, Row)> {
    let mut all: Vec<(usize, Exchange)> = (0..browsers).flat_map(|c| browser(c, gap)).collect();
    all.sort_by_key(|(input, ex)| (*input, ex.timing.started));
    let mut seqs = [0u64; 2];
    let mut latest = [i64::MIN; 2];
    let mut keyed: Vec<(i64, Row)> = all
        .into_iter()
        .map(|(input, mut ex)| {
            let seq = seqs[input];
            seqs[input] += 1;
            ex.location = frames(seq * 2 + 1);
            let at = ex.timing.started.map_or(0, |t| t.0);
            latest[input] = latest[input].max(at);
            (latest[input], (input, seq, ex))
        })
        .collect();
    keyed.sort_by_key(|(merge, (input, seq, _))| (*merge, *input, *seq));
    keyed
}

/// Judges `rows` in one site engine: (input, id, verdict, preflight ref) per assessment.
fn judge(rows: &[(i64, Row)], limits: &Limits) -> Vec<(usize, String, Verdict, Option<String>)> {
    let mut site = SiteEngine::new(limits, EngineOptions::default());
    let mut out = Vec::new();
    let mut take = |s: SiteAssessment| {
        let a = s.assessment;
        out.push((
            s.input,
            exchange_ref(s.input, a.id.0),
            a.verdict,
            a.preflight.map(|p| exchange_ref(s.input, p.0)),
        ));
    };
    for (merge, (input, seq, ex)) in rows {
        site.push(*input, *seq, *merge, ex.clone(), &mut take);
    }
    site.finish(&mut take);
    out.sort_by(|a, b| a.1.cmp(&b.1));
    out
}

#[test]
fn a_preflight_at_one_point_authorises_the_request_at_another() {
    let rows = stream(1, 0.4);
    let judged = judge(&rows, &Limits::default());
    assert_eq!(judged.len(), 3, "{judged:?}");
    assert!(judged.iter().all(|j| j.2 == Verdict::Allowed), "{judged:?}");
    // The request was captured at input 1, its preflight at input 0.
    let request = judged.iter().find(|j| j.0 == 1).unwrap();
    assert_eq!(request.3.as_deref(), Some("0:0"));
}

#[test]
fn browsers_judged_apart_or_together_get_the_same_verdicts() {
    // Requests long after their preflight (served from the preflight cache), with engines
    // holding few exchanges, so the time flush and the cache both matter.
    let limits = Limits {
        engine_window_secs: 1,
        ..Limits::default()
    };
    for gap in [0.6, 30.0] {
        let rows = stream(12, gap);
        let together = judge(&rows, &limits);
        assert_eq!(together.len(), 36, "gap {gap}: {together:#?}");
        assert!(
            together.iter().all(|j| j.2 == Verdict::Allowed),
            "{together:?}"
        );
        // Three partitions by browser: each judged alone gives its share of the whole.
        let mut apart = Vec::new();
        for k in 0..3 {
            let part: Vec<(i64, Row)> = rows
                .iter()
                .filter(|(_, (_, _, ex))| {
                    ex.endpoints.client.map_or(0, |c| c.port() as usize) % 3 == k
                })
                .cloned()
                .collect();
            apart.extend(judge(&part, &limits));
        }
        apart.sort_by(|a, b| a.1.cmp(&b.1));
        assert_eq!(apart, together, "gap {gap}");
    }
}

#[test]
fn a_quiet_browser_is_judged_once_the_site_clock_passes_its_window() {
    let limits = Limits {
        engine_window_secs: 1,
        ..Limits::default()
    };
    let rows = stream(3, 0.2);
    let mut site = SiteEngine::new(&limits, EngineOptions::default());
    let mut judged = 0;
    for (merge, (input, seq, ex)) in &rows {
        site.push(*input, *seq, *merge, ex.clone(), &mut |_| judged += 1);
    }
    // Browser 0's first exchanges started 2 s before browser 2's: judged before the end.
    assert!(judged >= 2, "{judged}");
    let late = rows.last().map_or(0, |r| r.0) + 5_000_000_000;
    let mut ex = rows[0].1 .2.clone();
    ex.timing.started = Some(Timestamp(late));
    site.push(0, 99, late, ex, &mut |_| judged += 1);
    assert_eq!(
        judged, 9,
        "every earlier exchange is judged once the clock moves on"
    );
}
