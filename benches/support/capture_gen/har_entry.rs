//! One HAR entry as Chrome DevTools writes it: `_initiator`, `_priority`, `_resourceType`,
//! request and response with raw (HTTP/1.1) or lowercased (h2) headers, base64 or text
//! bodies, timings; and the two shapes of a CORS failure (response refused: real status and
//! headers, no body; preflight failed: status 0, provisional headers), both with
//! `_error: "net::ERR_FAILED"`.

use std::io::{self, Write};

use super::body::BodyKind;
use super::har::Page;
use super::http::response_has_body;
use super::json::{iso8601, JsonWriter};
use super::rng::Rng;
use super::scenario::{Call, Host, Kind, Planner};
use super::truth::Truth;

fn h2(host: Host) -> bool {
    host.index % 2 == 1
}

fn server_ip(host: Host) -> String {
    if host.authority.starts_with("metrics.") {
        format!("[2001:db8:2::{}]", host.index)
    } else {
        format!("203.0.113.{}", host.index)
    }
}

fn url(call: &Call) -> String {
    let host = call.host.authority.trim_end_matches(":8080");
    let port = if call.host.authority.ends_with(":8080") {
        ":8443"
    } else {
        ""
    };
    format!("https://{host}{port}{}", call.path)
}

/// Header lines as DevTools records them: HTTP/1.1 as sent, h2 lowercased with pseudo-headers.
fn request_headers(call: &Call, provisional: bool) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if provisional {
        // What Chromium knows before sending: script-set headers and its own few, no Origin,
        // no Cookie, no Sec-Fetch-*.
        for (n, v) in &call.req_headers {
            if matches!(
                *n,
                "Accept"
                    | "Referer"
                    | "User-Agent"
                    | "Authorization"
                    | "X-CSRF-Token"
                    | "X-Request-Id"
            ) {
                out.push((n.to_string(), v.clone()));
            }
        }
        if call.req_body.len > 0 {
            out.push(("Content-Type".into(), call.req_mime.into()));
        }
        out.push((
            "sec-ch-ua".into(),
            "\"Chromium\";v=\"131\", \"Not_A Brand\";v=\"24\"".into(),
        ));
        out.push(("sec-ch-ua-mobile".into(), "?0".into()));
        out.push(("sec-ch-ua-platform".into(), "\"Linux\"".into()));
        return out;
    }
    let h2 = h2(call.host);
    if h2 {
        out.push((":authority".into(), call.host.authority.into()));
        out.push((":method".into(), call.method.into()));
        out.push((":path".into(), call.path.clone()));
        out.push((":scheme".into(), "https".into()));
    } else {
        out.push(("Host".into(), call.host.authority.into()));
    }
    for (n, v) in &call.req_headers {
        if h2 && *n == "Connection" {
            continue;
        }
        out.push((
            if h2 {
                n.to_ascii_lowercase()
            } else {
                n.to_string()
            },
            v.clone(),
        ));
    }
    if call.req_body.len > 0 {
        out.push((
            if h2 { "content-type" } else { "Content-Type" }.into(),
            call.req_mime.into(),
        ));
        out.push((
            if h2 {
                "content-length"
            } else {
                "Content-Length"
            }
            .into(),
            call.req_body.len.to_string(),
        ));
    }
    out
}

fn response_headers(call: &Call) -> Vec<(String, String)> {
    let h2 = h2(call.host);
    let mut out: Vec<(String, String)> = Vec::new();
    for (n, v) in &call.resp_headers {
        out.push((
            if h2 {
                n.to_ascii_lowercase()
            } else {
                n.to_string()
            },
            v.clone(),
        ));
    }
    if response_has_body(call) {
        out.push((
            if h2 { "content-type" } else { "Content-Type" }.into(),
            call.resp_mime.into(),
        ));
        out.push((
            if h2 {
                "content-length"
            } else {
                "Content-Length"
            }
            .into(),
            call.resp_body.len.to_string(),
        ));
    }
    out
}

fn headers_size(first_line: usize, headers: &[(String, String)]) -> i64 {
    (first_line
        + headers
            .iter()
            .map(|(n, v)| n.len() + v.len() + 4)
            .sum::<usize>()
        + 2) as i64
}

fn name_values<W: Write>(
    j: &mut JsonWriter<'_, W>,
    key: &str,
    list: &[(String, String)],
) -> io::Result<()> {
    if list.is_empty() {
        j.empty_array(Some(key));
        return Ok(());
    }
    j.array(Some(key));
    for (n, v) in list {
        j.object(None);
        j.str(Some("name"), n);
        j.str(Some("value"), v);
        j.end()?;
    }
    j.end()
}

/// Writes one entry for `call`.
#[allow(clippy::too_many_arguments)]
pub(super) fn entry<W: Write>(
    j: &mut JsonWriter<'_, W>,
    rng: &mut Rng,
    planner: &Planner,
    call: &Call,
    page: &Page,
    started: u64,
    request_id: u64,
    truth: &mut Truth,
) -> io::Result<()> {
    truth.har.entries += 1;
    let unsent = !call.sent;
    // The browser refused the response it received: DevTools keeps its status and headers but
    // not its body, its size or the connection.
    let refused = call.blocks.is_some() && call.kind != Kind::Preflight;
    let failed = unsent || refused;
    let h2 = h2(call.host) && !unsent;
    let version = if h2 { "h2" } else { "http/1.1" };
    let url = url(call);

    j.object(None);
    if !failed {
        j.str(
            Some("_connectionId"),
            &(40_000 + u64::from(call.host.index) * 17).to_string(),
        );
    }
    j.object(Some("_initiator"));
    match call.kind {
        Kind::Preflight => {
            j.str(Some("type"), "preflight");
            j.str(Some("url"), &url);
            j.str(Some("requestId"), &format!("31440.{}", request_id + 1));
        }
        Kind::Cors => {
            j.str(Some("type"), "script");
            j.object(Some("stack"));
            j.array(Some("callFrames"));
            for (f, line) in [("request", 120), ("loadItems", 348)] {
                j.object(None);
                j.str(Some("functionName"), f);
                j.str(Some("scriptId"), "42");
                j.str(
                    Some("url"),
                    &format!("https://{}/assets/app.js", page.origin_host),
                );
                j.int(Some("lineNumber"), line);
                j.end()?;
            }
            j.end()?;
            j.end()?;
        }
        Kind::NotCors if call.resource_type == "document" => j.str(Some("type"), "other"),
        Kind::NotCors => {
            j.str(Some("type"), "parser");
            j.str(Some("url"), &page.url);
            j.int(Some("lineNumber"), 12 + rng.below(200) as i64);
        }
    }
    j.end()?;
    let priority = match call.resource_type {
        "document" | "stylesheet" | "font" => "VeryHigh",
        "image" => "Low",
        _ => "High",
    };
    j.str(Some("_priority"), priority);
    j.str(Some("_resourceType"), call.resource_type);
    j.empty_object(Some("cache"));
    if !failed {
        j.str(Some("connection"), "443");
    }
    j.str(Some("pageref"), &page.id);

    // request
    let req_headers = request_headers(call, unsent);
    j.object(Some("request"));
    j.str(Some("method"), call.method);
    j.str(Some("url"), &url);
    j.str(Some("httpVersion"), if unsent { "" } else { version });
    name_values(j, "headers", &req_headers)?;
    let query: Vec<(String, String)> = call
        .path
        .split_once('?')
        .map(|(_, q)| {
            q.split('&')
                .map(|kv| {
                    let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                    (k.to_string(), v.to_string())
                })
                .collect()
        })
        .unwrap_or_default();
    name_values(j, "queryString", &query)?;
    let cookie = call
        .req_headers
        .iter()
        .find(|(n, _)| *n == "Cookie")
        .map(|(_, v)| v.clone());
    match cookie {
        Some(c) if !unsent => {
            j.array(Some("cookies"));
            for kv in c.split("; ") {
                let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                j.object(None);
                j.str(Some("name"), k);
                j.str(Some("value"), v);
                j.str(Some("path"), "/");
                j.str(Some("domain"), ".example.com");
                j.literal(Some("expires"), "null");
                j.literal(Some("httpOnly"), "true");
                j.literal(Some("secure"), "true");
                j.str(Some("sameSite"), "None");
                j.end()?;
            }
            j.end()?;
        }
        _ => j.empty_array(Some("cookies")),
    }
    let first_line = call.method.len() + call.path.len() + 11;
    j.int(
        Some("headersSize"),
        if h2 || unsent {
            -1
        } else {
            headers_size(first_line, &req_headers)
        },
    );
    j.int(Some("bodySize"), call.req_body.len as i64);
    if call.req_body.len > 0 {
        j.object(Some("postData"));
        j.str(Some("mimeType"), call.req_mime);
        let mut body = Vec::with_capacity(call.req_body.len);
        planner.pools.write(&call.req_body, &mut body);
        j.str_bytes(Some("text"), &body);
        j.end()?;
    }
    j.end()?;

    // response
    j.object(Some("response"));
    let resp_headers = if unsent {
        Vec::new()
    } else {
        response_headers(call)
    };
    j.int(
        Some("status"),
        if unsent { 0 } else { i64::from(call.status) },
    );
    j.str(Some("statusText"), if unsent { "" } else { call.reason });
    j.str(Some("httpVersion"), if failed { "" } else { version });
    name_values(j, "headers", &resp_headers)?;
    j.empty_array(Some("cookies"));
    j.object(Some("content"));
    let has_body = !failed && response_has_body(call) && call.resp_body.len > 0;
    if has_body {
        let body = call.resp_body;
        j.int(Some("size"), body.len as i64);
        j.str(Some("mimeType"), call.resp_mime);
        let mut bytes = Vec::with_capacity(body.len);
        planner.pools.write(&body, &mut bytes);
        let b64 = body.kind == BodyKind::Binary || (body.kind == BodyKind::Json && rng.chance(0.5));
        if b64 {
            truth.har.base64_bodies += 1;
            j.base64(Some("text"), &bytes);
            j.str(Some("encoding"), "base64");
        } else {
            truth.har.text_bodies += 1;
            j.str_bytes(Some("text"), &bytes);
        }
    } else {
        j.int(Some("size"), 0);
        j.str(
            Some("mimeType"),
            if failed || call.resp_mime.is_empty() {
                "x-unknown"
            } else {
                call.resp_mime
            },
        );
    }
    j.end()?;
    let redirect = call
        .resp_headers
        .iter()
        .find(|(n, _)| *n == "Location")
        .map(|(_, v)| v.as_str());
    j.str(
        Some("redirectURL"),
        if call.status / 100 == 3 {
            redirect.unwrap_or("")
        } else {
            ""
        },
    );
    let hsize = if failed || h2 {
        -1
    } else {
        headers_size(13 + call.reason.len(), &resp_headers)
    };
    j.int(Some("headersSize"), hsize);
    let body_size = if failed {
        -1
    } else if has_body {
        call.resp_body.len as i64
    } else {
        0
    };
    j.int(Some("bodySize"), body_size);
    let transfer = if failed {
        0
    } else {
        body_size.max(0) + hsize.max(200)
    };
    j.int(Some("_transferSize"), transfer);
    if failed {
        truth.har.with_error += 1;
        j.str(Some("_error"), "net::ERR_FAILED");
    } else {
        j.literal(Some("_error"), "null");
    }
    j.literal(Some("_fetchedViaServiceWorker"), "false");
    j.end()?;

    j.str(
        Some("serverIPAddress"),
        &if failed {
            String::new()
        } else {
            server_ip(call.host)
        },
    );
    j.str(Some("startedDateTime"), &iso8601(started));
    // timings, in thousandths of a millisecond
    let blocked = 200 + rng.below(3_000) as i64;
    let (send, wait, receive) = if failed {
        (0, 0, 0)
    } else {
        (
            20 + rng.below(200) as i64,
            5_000 + rng.below(120_000) as i64,
            100 + (call.resp_body.len as i64) / 20,
        )
    };
    j.milli(Some("time"), blocked + send + wait + receive);
    j.object(Some("timings"));
    j.milli(Some("blocked"), blocked);
    j.int(Some("dns"), -1);
    j.int(Some("ssl"), -1);
    j.int(Some("connect"), -1);
    j.milli(Some("send"), send);
    j.milli(Some("wait"), wait);
    j.milli(Some("receive"), receive);
    j.milli(Some("_blocked_queueing"), blocked / 2);
    j.int(Some("_workerStart"), -1);
    j.int(Some("_workerReady"), -1);
    j.int(Some("_workerFetchStart"), -1);
    j.int(Some("_workerRespondWithSettled"), -1);
    j.end()?;
    j.end()?;
    Ok(())
}
