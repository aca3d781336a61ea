//! The HAR writer: a Chrome DevTools export (`creator` WebInspector, HAR 1.2, pretty-printed
//! as DevTools does) of page loads, with preflight entries, requests that CORS blocked
//! (`_error: "net::ERR_FAILED"`, provisional headers and status 0 when a preflight stopped
//! them) and base64 or plain-text bodies. Entries are written one at a time.

use std::io::{self, Write};

use super::api::{self, Mix};
use super::har_entry::entry;
use super::json::{iso8601, JsonWriter};
use super::rng::Rng;
use super::scenario::{Planner, HOSTS, ORIGINS};
use super::truth::Truth;
use super::Config;

/// 2024-05-14T10:21:07Z in milliseconds.
const START_MS: u64 = 1_715_682_067_000;
/// Time between page loads.
const PAGE_SPAN_MS: u64 = 900_000;

pub(super) struct Page {
    pub(super) id: String,
    pub(super) origin_host: &'static str,
    pub(super) url: String,
    started: u64,
}

/// Writes a HAR of about `cfg.size` bytes to `out`; returns the ground truth.
pub fn generate<W: Write>(cfg: &Config, out: &mut W) -> io::Result<Truth> {
    let mut rng = Rng::new(cfg.seed);
    let mut planner = Planner::new("https", cfg.mix, &mut rng);
    let mut truth = Truth::new(cfg);
    let n_pages = (cfg.size / 20_000_000).clamp(1, 60);
    let pages: Vec<Page> = (0..n_pages)
        .map(|i| {
            let origin_host = ORIGINS[i as usize % 3];
            Page {
                id: format!("page_{}", i + 1),
                origin_host,
                url: format!("https://{origin_host}/dashboard/{}", 1000 + i),
                started: START_MS + i * PAGE_SPAN_MS,
            }
        })
        .collect();
    truth.har.pages = n_pages;

    let mut j = JsonWriter::new(out);
    j.object(None);
    j.object(Some("log"));
    j.str(Some("version"), "1.2");
    j.object(Some("creator"));
    j.str(Some("name"), "WebInspector");
    j.str(Some("version"), "537.36");
    j.end()?;
    j.array(Some("pages"));
    for p in &pages {
        j.object(None);
        j.str(Some("startedDateTime"), &iso8601(p.started));
        j.str(Some("id"), &p.id);
        j.str(Some("title"), &p.url);
        j.object(Some("pageTimings"));
        j.milli(Some("onContentLoad"), 400_000 + rng.below(800_000) as i64);
        j.milli(Some("onLoad"), 1_300_000 + rng.below(1_500_000) as i64);
        j.end()?;
        j.end()?;
    }
    j.end()?;
    j.array(Some("entries"));
    let mut calls = Vec::new();
    let mut clock = START_MS;
    let mut current = usize::MAX;
    let mut request_id = 1000u64;
    while j.len() < cfg.size {
        let page_index = ((j.len() * n_pages) / cfg.size.max(1)).min(n_pages - 1) as usize;
        let page = &pages[page_index];
        calls.clear();
        if page_index != current {
            current = page_index;
            clock = clock.max(page.started);
            let doc = HOSTS.iter().copied().find(|h| h.page).unwrap_or(HOSTS[0]);
            planner.action(&mut rng, doc, page.origin_host, &mut calls);
        } else if cfg.mix == Mix::Api {
            let host = api::pick_host(&mut rng);
            planner.api_action(&mut rng, host, page.origin_host, &mut calls);
        } else {
            let host = *rng.pick(&HOSTS[..6]);
            planner.action(&mut rng, host, page.origin_host, &mut calls);
        }
        for call in &calls {
            clock += rng.range(1, 40);
            request_id += 1 + rng.below(5);
            truth.count_call(call);
            if call.sent {
                truth.count_response(call);
            }
            entry(
                &mut j, &mut rng, &planner, call, page, clock, request_id, &mut truth,
            )?;
        }
    }
    j.end()?;
    j.end()?;
    j.end()?;
    j.flush()?;
    truth.bytes = j.written;
    Ok(truth)
}
