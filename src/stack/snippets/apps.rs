//! Application frameworks and their CORS libraries: Express `cors`, `django-cors-headers`,
//! Flask-CORS, Spring, ASP.NET Core, `rack-cors`, Go `rs/cors`. Each library answers
//! preflights itself once it runs before authentication and routing, which is what most of
//! the remedies come down to.

use super::super::remedy::{Params, Remedy};
use super::{quoted, with_credentials};

/// Express with the `cors` package.
pub(super) fn express(r: Remedy, p: &Params) -> Option<String> {
    let mut opts = vec![format!("origin: '{}'", p.origin)];
    if with_credentials(r, p) {
        opts.push("credentials: true".into());
    }
    if matches!(
        r,
        Remedy::AllowMethods | Remedy::AnswerPreflight | Remedy::NoPreflightRedirect
    ) {
        opts.push(format!("methods: [{}]", quoted(&p.methods(), '\'')));
    }
    if matches!(
        r,
        Remedy::AllowHeaders | Remedy::AnswerPreflight | Remedy::NoPreflightRedirect
    ) {
        opts.push(format!("allowedHeaders: [{}]", quoted(&p.headers(), '\'')));
        opts.push("maxAge: 7200".into());
    }
    let head = match r {
        Remedy::OnErrors | Remedy::AnswerPreflight | Remedy::NoPreflightRedirect => {
            "// register cors first: before authentication, routes and redirects, so preflights\n// are answered and error responses carry the headers\n"
        }
        Remedy::OneLayer => {
            "// one layer only: keep cors() and remove res.setHeader('Access-Control-Allow-Origin', ...)\n// (or the proxy's copy of the header)\n"
        }
        Remedy::VaryOrigin => "// with a fixed origin, cors sends Vary: Origin\n",
        Remedy::PrivateNetwork | Remedy::ProxyPassThrough => return None,
        _ => "",
    };
    Some(format!(
        "{head}const cors = require('cors');\napp.use(cors({{ {} }}));\n",
        opts.join(", ")
    ))
}

/// Django with `django-cors-headers`, in `settings.py`.
pub(super) fn django(r: Remedy, p: &Params) -> Option<String> {
    let mut out = String::new();
    if matches!(
        r,
        Remedy::OnErrors | Remedy::AnswerPreflight | Remedy::NoPreflightRedirect
    ) {
        out.push_str("# CorsMiddleware first: before CommonMiddleware (APPEND_SLASH redirects) and auth\nMIDDLEWARE = [\n    \"corsheaders.middleware.CorsMiddleware\",\n    \"django.middleware.common.CommonMiddleware\",\n    # ... the rest, unchanged\n]\n");
    }
    out.push_str(&format!("CORS_ALLOWED_ORIGINS = [\"{}\"]\n", p.origin));
    if with_credentials(r, p) {
        out.push_str("CORS_ALLOW_CREDENTIALS = True\n");
    }
    match r {
        Remedy::AllowMethods => out.push_str(&format!(
            "CORS_ALLOW_METHODS = [{}]\n",
            quoted(&p.methods(), '"')
        )),
        Remedy::AllowHeaders => out.push_str(&format!(
            "from corsheaders.defaults import default_headers\nCORS_ALLOW_HEADERS = (*default_headers, {})\n",
            quoted(&p.headers(), '"')
        )),
        Remedy::OneLayer => out.insert_str(
            0,
            "# one layer only: let corsheaders send the header, remove the proxy's or the view's copy\n",
        ),
        Remedy::VaryOrigin => out.push_str("# corsheaders adds Vary: Origin to every response it handles\n"),
        Remedy::PrivateNetwork => out.push_str("CORS_ALLOW_PRIVATE_NETWORK = True\n"),
        Remedy::ProxyPassThrough => return None,
        _ => {}
    }
    Some(out)
}

/// Flask with Flask-CORS.
pub(super) fn flask(r: Remedy, p: &Params) -> Option<String> {
    let mut args = vec![format!("origins=[\"{}\"]", p.origin)];
    if with_credentials(r, p) {
        args.push("supports_credentials=True".into());
    }
    match r {
        Remedy::AllowMethods => args.push(format!("methods=[{}]", quoted(&p.methods(), '"'))),
        Remedy::AllowHeaders => args.push(format!("allow_headers=[{}]", quoted(&p.headers(), '"'))),
        Remedy::PrivateNetwork => args.push("allow_private_network=True".into()),
        Remedy::ProxyPassThrough => return None,
        _ => {}
    }
    let head = match r {
        Remedy::OnErrors | Remedy::AnswerPreflight | Remedy::NoPreflightRedirect => {
            "# on the whole app (not only a blueprint's routes), so OPTIONS and errors are covered\n"
        }
        Remedy::OneLayer => "# one layer only: remove the proxy's or the view's copy of the header\n",
        _ => "",
    };
    Some(format!(
        "{head}from flask_cors import CORS\n\nCORS(app, {})\n",
        args.join(", ")
    ))
}

/// Spring MVC, and Spring Security when it runs first.
pub(super) fn spring(r: Remedy, p: &Params) -> Option<String> {
    if r == Remedy::ProxyPassThrough {
        return None;
    }
    let mut chain = format!(
        "        registry.addMapping(\"/**\")\n                .allowedOrigins(\"{}\")\n                .allowedMethods({})\n                .allowedHeaders({})\n",
        p.origin,
        quoted(&p.methods(), '"'),
        quoted(&p.headers(), '"')
    );
    if with_credentials(r, p) {
        chain.push_str("                .allowCredentials(true)\n");
    }
    if r == Remedy::PrivateNetwork {
        chain.push_str("                .allowPrivateNetwork(true)\n");
    }
    chain.push_str("                .maxAge(7200);\n");
    let security = if matches!(
        r,
        Remedy::OnErrors | Remedy::AnswerPreflight | Remedy::NoPreflightRedirect
    ) {
        "\n    // With Spring Security, let CORS run before authentication (preflights carry no\n    // credentials; 401 responses then carry the headers too).\n    @Bean\n    SecurityFilterChain filterChain(HttpSecurity http) throws Exception {\n        http.cors(Customizer.withDefaults());\n        return http.build();\n    }\n"
    } else {
        ""
    };
    Some(format!(
        "@Configuration\npublic class CorsConfig implements WebMvcConfigurer {{\n    @Override\n    public void addCorsMappings(CorsRegistry registry) {{\n{chain}    }}\n{security}}}\n"
    ))
}

/// ASP.NET Core, in `Program.cs`.
pub(super) fn aspnet(r: Remedy, p: &Params) -> Option<String> {
    if r == Remedy::ProxyPassThrough || r == Remedy::PrivateNetwork {
        return None;
    }
    let cred = if with_credentials(r, p) {
        "\n    .AllowCredentials()"
    } else {
        ""
    };
    Some(format!(
        "builder.Services.AddCors(o => o.AddDefaultPolicy(p => p\n    .WithOrigins(\"{}\")\n    .WithMethods({})\n    .WithHeaders({}){cred}));\n// ...\napp.UseRouting();\napp.UseCors();            // after UseRouting, before authentication and authorization\napp.UseAuthentication();\napp.UseAuthorization();\n",
        p.origin,
        quoted(&p.methods(), '"'),
        quoted(&p.headers(), '"'),
    ))
}

/// Rails with `rack-cors`, in `config/initializers/cors.rb`.
pub(super) fn rails(r: Remedy, p: &Params) -> Option<String> {
    if r == Remedy::ProxyPassThrough || r == Remedy::PrivateNetwork {
        return None;
    }
    let methods: Vec<String> = p
        .methods()
        .iter()
        .map(|m| format!(":{}", m.to_ascii_lowercase()))
        .collect();
    let cred = if with_credentials(r, p) {
        ", credentials: true"
    } else {
        ""
    };
    Some(format!(
        "# insert_before 0: first in the middleware stack, before authentication and error pages\nRails.application.config.middleware.insert_before 0, Rack::Cors do\n  allow do\n    origins \"{}\"\n    resource \"*\", headers: [{}], methods: [{}]{cred}, max_age: 7200\n  end\nend\n",
        p.origin,
        quoted(&p.headers(), '"'),
        methods.join(", "),
    ))
}

/// Go `net/http` with `github.com/rs/cors`.
pub(super) fn go(r: Remedy, p: &Params) -> Option<String> {
    if r == Remedy::ProxyPassThrough {
        return None;
    }
    let cred = if with_credentials(r, p) {
        "\tAllowCredentials: true,\n"
    } else {
        ""
    };
    let pna = if r == Remedy::PrivateNetwork {
        "\tAllowPrivateNetwork: true,\n"
    } else {
        ""
    };
    Some(format!(
        "c := cors.New(cors.Options{{\n\tAllowedOrigins: []string{{\"{}\"}},\n\tAllowedMethods: []string{{{}}},\n\tAllowedHeaders: []string{{{}}},\n{cred}{pna}\tMaxAge:         7200,\n}})\n// wrap the whole mux, outside authentication middleware\nhandler := c.Handler(mux)\n",
        p.origin,
        quoted(&p.methods(), '"'),
        quoted(&p.headers(), '"'),
    ))
}
