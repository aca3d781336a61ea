//! Server stacks: which software answered an origin, recognised from what a recording shows,
//! and each stack's configuration for the fix of a cause. A catalogue beside the cause
//! catalogue: the engine judges without it, and reports show what it says.
//!
//! Recognition ([`detect()`](detect::detect)) reads response headers only: `Server`, `X-Powered-By`, `Via`,
//! vendor headers (`CF-Ray`, `X-Amz-Cf-Id`, `x-amzn-RequestId`, `x-ms-request-id`,
//! `x-goog-*`, `x-envoy-*`), cookie names a framework sets (`csrftoken`), and header shapes a
//! CORS library writes (Spring's and rs/cors's three-name `Vary`). Every sighting keeps the
//! header line that named the stack, which the fix quotes. Bodies (error pages) are never
//! kept by the readers, so they are not used.
//!
//! Configuration ([`remedy`] and the snippets beside it) is chosen by what must change (the [`Remedy`] of
//! a cause: allow the origin, keep the headers on errors, answer preflights, list a method or
//! header, keep one layer from duplicating, key caches on `Origin`) and filled with the
//! request's origin, methods and headers. Each snippet's syntax is checked by the stack's own
//! tool in `tests/stack_snippets.rs` where one can be installed.

pub mod detect;
mod memo;
pub mod remedy;
mod snippets;

pub use detect::{detect, detect_into, Sighting};
pub use memo::SnippetMemo;
pub use remedy::{snippet_for, stack_fix, Params, Remedy};

/// Software that answers HTTP and can be configured for CORS.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stack {
    /// Express with the `cors` middleware (Node.js).
    Express,
    /// Django with `django-cors-headers`.
    Django,
    /// Flask with Flask-CORS.
    Flask,
    /// Spring (Spring MVC / Spring Security).
    Spring,
    /// ASP.NET Core.
    AspNetCore,
    /// Ruby on Rails / Rack with `rack-cors`.
    Rails,
    /// Go `net/http` with `rs/cors`.
    Go,
    /// nginx.
    Nginx,
    /// Apache httpd.
    Apache,
    /// Caddy.
    Caddy,
    /// Traefik.
    Traefik,
    /// HAProxy.
    HaProxy,
    /// Envoy.
    Envoy,
    /// AWS API Gateway.
    ApiGateway,
    /// Amazon S3.
    S3,
    /// Amazon CloudFront.
    CloudFront,
    /// Cloudflare.
    Cloudflare,
    /// Microsoft Azure (Storage, App Service, Front Door).
    Azure,
    /// Google Cloud Storage.
    Gcs,
}

impl Stack {
    /// The name reports show.
    pub fn name(self) -> &'static str {
        match self {
            Stack::Express => "Express (cors)",
            Stack::Django => "Django (django-cors-headers)",
            Stack::Flask => "Flask (Flask-CORS)",
            Stack::Spring => "Spring",
            Stack::AspNetCore => "ASP.NET Core",
            Stack::Rails => "Rails (rack-cors)",
            Stack::Go => "Go (rs/cors)",
            Stack::Nginx => "nginx",
            Stack::Apache => "Apache httpd",
            Stack::Caddy => "Caddy",
            Stack::Traefik => "Traefik",
            Stack::HaProxy => "HAProxy",
            Stack::Envoy => "Envoy",
            Stack::ApiGateway => "AWS API Gateway",
            Stack::S3 => "Amazon S3",
            Stack::CloudFront => "Amazon CloudFront",
            Stack::Cloudflare => "Cloudflare",
            Stack::Azure => "Azure",
            Stack::Gcs => "Google Cloud Storage",
        }
    }

    /// A stable kebab-case id (JSON).
    pub fn id(self) -> &'static str {
        match self {
            Stack::Express => "express",
            Stack::Django => "django",
            Stack::Flask => "flask",
            Stack::Spring => "spring",
            Stack::AspNetCore => "aspnet-core",
            Stack::Rails => "rails",
            Stack::Go => "go",
            Stack::Nginx => "nginx",
            Stack::Apache => "apache-httpd",
            Stack::Caddy => "caddy",
            Stack::Traefik => "traefik",
            Stack::HaProxy => "haproxy",
            Stack::Envoy => "envoy",
            Stack::ApiGateway => "aws-api-gateway",
            Stack::S3 => "aws-s3",
            Stack::CloudFront => "aws-cloudfront",
            Stack::Cloudflare => "cloudflare",
            Stack::Azure => "azure",
            Stack::Gcs => "gcs",
        }
    }

    /// Every stack, in the order fixes prefer them: applications first (where CORS is
    /// usually configured), then servers and proxies, then cloud services.
    pub const ALL: [Stack; 19] = [
        Stack::Express,
        Stack::Django,
        Stack::Flask,
        Stack::Spring,
        Stack::AspNetCore,
        Stack::Rails,
        Stack::Go,
        Stack::Nginx,
        Stack::Apache,
        Stack::Caddy,
        Stack::Traefik,
        Stack::HaProxy,
        Stack::Envoy,
        Stack::ApiGateway,
        Stack::S3,
        Stack::CloudFront,
        Stack::Cloudflare,
        Stack::Azure,
        Stack::Gcs,
    ];
}

/// The language a snippet is written in, which says how its syntax is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Language {
    /// nginx configuration (a `location` block's content).
    Nginx,
    /// Apache httpd configuration (a virtual host's content).
    Apache,
    /// JavaScript.
    JavaScript,
    /// Python.
    Python,
    /// Java (a compilation unit).
    Java,
    /// C#.
    CSharp,
    /// Ruby.
    Ruby,
    /// Go (statements of a function body).
    Go,
    /// A Caddyfile site block's content.
    Caddyfile,
    /// HAProxy configuration (a frontend's content).
    HaProxy,
    /// YAML.
    Yaml,
    /// JSON.
    Json,
    /// A POSIX shell command.
    Shell,
    /// Steps in a web console, in words.
    Text,
}

impl Language {
    /// A short name (JSON; a Markdown code fence's info string).
    pub fn as_str(self) -> &'static str {
        match self {
            Language::Nginx => "nginx",
            Language::Apache => "apache",
            Language::JavaScript => "javascript",
            Language::Python => "python",
            Language::Java => "java",
            Language::CSharp => "csharp",
            Language::Ruby => "ruby",
            Language::Go => "go",
            Language::Caddyfile => "caddyfile",
            Language::HaProxy => "haproxy",
            Language::Yaml => "yaml",
            Language::Json => "json",
            Language::Shell => "sh",
            Language::Text => "text",
        }
    }
}
