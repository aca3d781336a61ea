//! Web servers and proxies: nginx, Apache httpd, Caddy, HAProxy, Traefik, Envoy.

use super::super::remedy::{Params, Remedy};
use super::{quoted, with_credentials};

/// nginx, inside the `location` that serves the API.
pub(super) fn nginx(r: Remedy, p: &Params) -> Option<String> {
    let o = &p.origin;
    let mut allow = format!(
        "add_header Access-Control-Allow-Origin \"{o}\" always;\nadd_header Vary Origin always;\n"
    );
    if with_credentials(r, p) {
        allow.push_str("add_header Access-Control-Allow-Credentials \"true\" always;\n");
    }
    let methods = format!(
        "add_header Access-Control-Allow-Methods \"{}\" always;\n",
        p.methods().join(", ")
    );
    let headers = format!(
        "add_header Access-Control-Allow-Headers \"{}\" always;\n",
        p.headers().join(", ")
    );
    let preflight = |extra: &str| {
        let inner = format!("{allow}{methods}{headers}add_header Access-Control-Max-Age 7200 always;\n{extra}return 204;\n");
        let indented: String = inner.lines().map(|l| format!("    {l}\n")).collect();
        format!("if ($request_method = OPTIONS) {{\n{indented}}}\n")
    };
    Some(match r {
        Remedy::AllowOrigin | Remedy::AllowCredentials => allow,
        Remedy::OnErrors => format!(
            "# `always` adds the headers to 4xx and 5xx responses too (without it, 2xx and 3xx only)\n{allow}"
        ),
        Remedy::OneLayer => format!(
            "# one layer only: hide the application's copy and send it from here (or drop these add_header lines)\nproxy_hide_header Access-Control-Allow-Origin;\n{allow}"
        ),
        Remedy::ProxyPassThrough => format!(
            "# remove `proxy_hide_header Access-Control-Allow-Origin` (or `more_clear_headers`) from this location, or send it from here:\n{allow}"
        ),
        Remedy::AnswerPreflight | Remedy::NoPreflightRedirect => format!(
            "# first in the location: before auth_request, return and rewrite\n{}",
            preflight("")
        ),
        Remedy::AllowMethods => methods,
        Remedy::AllowHeaders => format!("# `*` never covers Authorization: list each header\n{headers}"),
        Remedy::VaryOrigin => "add_header Vary Origin always;\n# a proxy cache must key on the origin too\nproxy_cache_key \"$scheme$proxy_host$request_uri$http_origin\";\n".to_string(),
        Remedy::PrivateNetwork => {
            preflight("add_header Access-Control-Allow-Private-Network \"true\" always;\n")
        }
    })
}

/// Apache httpd (mod_headers, mod_rewrite), in the virtual host.
pub(super) fn apache(r: Remedy, p: &Params) -> Option<String> {
    let o = &p.origin;
    let mut allow = format!(
        "Header always set Access-Control-Allow-Origin \"{o}\"\nHeader always merge Vary Origin\n"
    );
    if with_credentials(r, p) {
        allow.push_str("Header always set Access-Control-Allow-Credentials \"true\"\n");
    }
    let methods = format!(
        "Header always set Access-Control-Allow-Methods \"{}\"\n",
        p.methods().join(", ")
    );
    let headers = format!(
        "Header always set Access-Control-Allow-Headers \"{}\"\n",
        p.headers().join(", ")
    );
    let preflight = format!(
        "# in the virtual host (server context): answered before authentication and redirects\nRewriteEngine On\nRewriteCond %{{REQUEST_METHOD}} OPTIONS\nRewriteRule ^ - [R=204,L]\n{allow}{methods}{headers}Header always set Access-Control-Max-Age \"7200\"\n"
    );
    Some(match r {
        Remedy::AllowOrigin | Remedy::AllowCredentials => allow,
        Remedy::OnErrors => format!(
            "# `always` (not the default onsuccess table) covers error responses too\n{allow}"
        ),
        Remedy::OneLayer => format!(
            "# one layer only: remove the application's copy, send one from here\nHeader unset Access-Control-Allow-Origin\n{allow}"
        ),
        Remedy::ProxyPassThrough => format!(
            "# remove `Header unset Access-Control-Allow-Origin` for this path, or send it from here:\n{allow}"
        ),
        Remedy::AnswerPreflight | Remedy::NoPreflightRedirect => preflight,
        Remedy::AllowMethods => methods,
        Remedy::AllowHeaders => headers,
        Remedy::VaryOrigin => "Header always merge Vary Origin\n".to_string(),
        Remedy::PrivateNetwork => format!(
            "{preflight}Header always set Access-Control-Allow-Private-Network \"true\"\n"
        ),
    })
}

/// Caddy, in the site block.
pub(super) fn caddy(r: Remedy, p: &Params) -> Option<String> {
    let o = &p.origin;
    let mut lines = vec![
        format!("Access-Control-Allow-Origin \"{o}\""),
        "Vary Origin".to_string(),
    ];
    if with_credentials(r, p) {
        lines.push("Access-Control-Allow-Credentials true".into());
    }
    match r {
        Remedy::AllowMethods => lines.push(format!(
            "Access-Control-Allow-Methods \"{}\"",
            p.methods().join(", ")
        )),
        Remedy::AllowHeaders => lines.push(format!(
            "Access-Control-Allow-Headers \"{}\"",
            p.headers().join(", ")
        )),
        _ => {}
    }
    let block = |extra: &[String]| -> String {
        let all: String = lines
            .iter()
            .chain(extra)
            .map(|l| format!("\t{l}\n"))
            .collect();
        format!("header {{\n{all}}}\n")
    };
    Some(match r {
        Remedy::AnswerPreflight | Remedy::NoPreflightRedirect | Remedy::PrivateNetwork => {
            let mut extra = vec![
                format!("Access-Control-Allow-Methods \"{}\"", p.methods().join(", ")),
                format!("Access-Control-Allow-Headers \"{}\"", p.headers().join(", ")),
                "Access-Control-Max-Age 7200".to_string(),
            ];
            if r == Remedy::PrivateNetwork {
                extra.push("Access-Control-Allow-Private-Network true".into());
            }
            let all: String = lines
                .iter()
                .chain(&extra)
                .map(|l| format!("\t\t{l}\n"))
                .collect();
            format!("@preflight method OPTIONS\nhandle @preflight {{\n\theader {{\n{all}\t}}\n\trespond 204\n}}\n")
        }
        Remedy::OnErrors => format!(
            "{}handle_errors {{\n\theader Access-Control-Allow-Origin \"{o}\"\n\theader Vary Origin\n}}\n",
            block(&[])
        ),
        Remedy::OneLayer => format!(
            "# one layer only: drop the upstream's copy, send one from here\nreverse_proxy app:8080 {{\n\theader_down -Access-Control-Allow-Origin\n}}\n{}",
            block(&[])
        ),
        _ => block(&[]),
    })
}

/// HAProxy, in the frontend (HAProxy 2.2 or later).
pub(super) fn haproxy(r: Remedy, p: &Params) -> Option<String> {
    let o = &p.origin;
    let mut allow = format!(
        "http-after-response set-header Access-Control-Allow-Origin \"{o}\"\nhttp-after-response add-header Vary Origin\n"
    );
    if with_credentials(r, p) {
        allow.push_str("http-after-response set-header Access-Control-Allow-Credentials true\n");
    }
    let methods = p.methods().join(", ");
    let headers = p.headers().join(", ");
    Some(match r {
        Remedy::AnswerPreflight | Remedy::NoPreflightRedirect | Remedy::PrivateNetwork => {
            let pna = if r == Remedy::PrivateNetwork {
                " hdr Access-Control-Allow-Private-Network true"
            } else {
                ""
            };
            format!(
                "# before any auth or redirect rule\nhttp-request return status 204 hdr Access-Control-Allow-Origin \"{o}\" hdr Access-Control-Allow-Methods \"{methods}\" hdr Access-Control-Allow-Headers \"{headers}\" hdr Access-Control-Max-Age 7200 hdr Vary Origin{pna} if METH_OPTIONS\n"
            )
        }
        Remedy::AllowMethods => format!(
            "http-after-response set-header Access-Control-Allow-Methods \"{methods}\"\n"
        ),
        Remedy::AllowHeaders => format!(
            "http-after-response set-header Access-Control-Allow-Headers \"{headers}\"\n"
        ),
        Remedy::OnErrors => format!(
            "# http-after-response also covers the errors HAProxy itself returns\n{allow}"
        ),
        Remedy::OneLayer => format!(
            "# one layer only: drop the server's copy, send one from here\nhttp-response del-header Access-Control-Allow-Origin\n{allow}"
        ),
        Remedy::VaryOrigin => "http-after-response add-header Vary Origin\n".to_string(),
        _ => allow,
    })
}

/// Traefik: a `headers` middleware in the dynamic configuration (it answers preflights).
pub(super) fn traefik(r: Remedy, p: &Params) -> Option<String> {
    let cred = if with_credentials(r, p) {
        "        accessControlAllowCredentials: true\n"
    } else {
        ""
    };
    Some(format!(
        "http:\n  middlewares:\n    cors:\n      headers:\n        accessControlAllowOriginList:\n          - \"{}\"\n        accessControlAllowMethods: [{}]\n        accessControlAllowHeaders: [{}]\n{cred}        accessControlMaxAge: 7200\n        addVaryHeader: true\n# attach it to the router: middlewares: [cors]\n",
        p.origin,
        quoted(&p.methods(), '"'),
        quoted(&p.headers(), '"'),
    ))
}

/// Envoy: the route's CORS policy (with `envoy.filters.http.cors` before the router filter).
pub(super) fn envoy(r: Remedy, p: &Params) -> Option<String> {
    let cred = if with_credentials(r, p) {
        "    allow_credentials: true\n"
    } else {
        ""
    };
    Some(format!(
        "typed_per_filter_config:\n  envoy.filters.http.cors:\n    \"@type\": type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy\n    allow_origin_string_match:\n      - exact: \"{}\"\n    allow_methods: \"{}\"\n    allow_headers: \"{}\"\n{cred}    max_age: \"7200\"\n",
        p.origin,
        p.methods().join(", "),
        p.headers().join(", "),
    ))
}
