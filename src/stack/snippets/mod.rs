//! The configuration of each stack for each remedy, filled with the request's values. A stack
//! with nothing to say for a remedy (S3 has no error pages to fix) gives `None`, and the
//! generic fix stands alone.

mod apps;
mod cloud;
mod servers;

use super::remedy::{Params, Remedy, Snippet};
use super::{Language, Stack};

/// The snippet of `stack` for `remedy`.
pub(super) fn snippet(stack: Stack, remedy: Remedy, p: &Params) -> Option<Snippet> {
    let (language, config) = match stack {
        Stack::Nginx => (Language::Nginx, servers::nginx(remedy, p)?),
        Stack::Apache => (Language::Apache, servers::apache(remedy, p)?),
        Stack::Caddy => (Language::Caddyfile, servers::caddy(remedy, p)?),
        Stack::HaProxy => (Language::HaProxy, servers::haproxy(remedy, p)?),
        Stack::Traefik => (Language::Yaml, servers::traefik(remedy, p)?),
        Stack::Envoy => (Language::Yaml, servers::envoy(remedy, p)?),
        Stack::Express => (Language::JavaScript, apps::express(remedy, p)?),
        Stack::Django => (Language::Python, apps::django(remedy, p)?),
        Stack::Flask => (Language::Python, apps::flask(remedy, p)?),
        Stack::Spring => (Language::Java, apps::spring(remedy, p)?),
        Stack::AspNetCore => (Language::CSharp, apps::aspnet(remedy, p)?),
        Stack::Rails => (Language::Ruby, apps::rails(remedy, p)?),
        Stack::Go => (Language::Go, apps::go(remedy, p)?),
        Stack::ApiGateway => (Language::Yaml, cloud::api_gateway(remedy, p)?),
        Stack::CloudFront => (Language::Yaml, cloud::cloudfront(remedy, p)?),
        Stack::S3 => (Language::Json, cloud::s3(remedy, p)?),
        Stack::Cloudflare => (Language::Text, cloud::cloudflare(remedy, p)?),
        Stack::Azure => (Language::Shell, cloud::azure(remedy, p)?),
        Stack::Gcs => (Language::Json, cloud::gcs(remedy, p)?),
    };
    Some(Snippet { language, config })
}

/// `items` each wrapped in `quote`, joined by `, `.
fn quoted(items: &[&str], quote: char) -> String {
    items
        .iter()
        .map(|i| format!("{quote}{i}{quote}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether the remedy needs the origin allowed with credentials.
fn with_credentials(remedy: Remedy, p: &Params) -> bool {
    p.credentials || remedy == Remedy::AllowCredentials
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stack_has_a_snippet_for_the_remedies_it_owns() {
        let p = Params {
            origin: "https://app.test".into(),
            methods: vec!["GET".into(), "PUT".into()],
            headers: vec!["content-type".into(), "x-api-key".into()],
            credentials: false,
        };
        for stack in Stack::ALL {
            let allow = snippet(stack, Remedy::AllowOrigin, &p)
                .unwrap_or_else(|| panic!("{stack:?} allows an origin"));
            assert!(allow.config.contains("https://app.test"), "{stack:?}");
            for r in [Remedy::AllowMethods, Remedy::AllowHeaders] {
                let s = snippet(stack, r, &p).unwrap_or_else(|| panic!("{stack:?} {r:?}"));
                let want = if r == Remedy::AllowMethods {
                    "PUT"
                } else {
                    "x-api-key"
                };
                let lower = s.config.to_ascii_lowercase();
                assert!(
                    lower.contains(&want.to_ascii_lowercase()),
                    "{stack:?} {r:?}: {}",
                    s.config
                );
            }
        }
    }
}
