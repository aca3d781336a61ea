//! Cloud services: AWS API Gateway (SAM), CloudFront (CloudFormation), S3 (bucket CORS
//! rules), Cloudflare (dashboard rules), Azure (the `az` command line), Google Cloud Storage
//! (bucket CORS file).

use super::super::remedy::{Params, Remedy};
use super::{quoted, with_credentials};

/// AWS API Gateway, in a SAM template.
pub(super) fn api_gateway(r: Remedy, p: &Params) -> Option<String> {
    let o = &p.origin;
    let cors = format!(
        "      Cors:\n        AllowOrigin: \"'{o}'\"\n        AllowMethods: \"'{}'\"\n        AllowHeaders: \"'{}'\"\n        MaxAge: \"'7200'\"\n{}",
        p.methods().join(","),
        p.headers().join(","),
        if with_credentials(r, p) {
            "        AllowCredentials: true\n"
        } else {
            ""
        }
    );
    let api = "Resources:\n  Api:\n    Type: AWS::Serverless::Api\n    Properties:\n      StageName: prod\n";
    Some(match r {
        Remedy::OnErrors => format!(
            "# errors API Gateway itself returns (authorizer 401/403, throttling, 5xx) need the header;\n# a Lambda proxy integration must return it in its own responses\n{api}      GatewayResponses:\n        DEFAULT_4XX:\n          ResponseParameters:\n            Headers:\n              Access-Control-Allow-Origin: \"'{o}'\"\n        DEFAULT_5XX:\n          ResponseParameters:\n            Headers:\n              Access-Control-Allow-Origin: \"'{o}'\"\n"
        ),
        Remedy::AnswerPreflight | Remedy::NoPreflightRedirect => format!(
            "# preflights carry no credentials: keep the authorizer off OPTIONS\n{api}{cors}      Auth:\n        DefaultAuthorizer: MyAuthorizer\n        AddDefaultAuthorizerToCorsPreflight: false\n"
        ),
        Remedy::PrivateNetwork | Remedy::ProxyPassThrough => return None,
        _ => format!("{api}{cors}"),
    })
}

/// CloudFront: a response headers policy, and the origin in the cache key.
pub(super) fn cloudfront(r: Remedy, p: &Params) -> Option<String> {
    let key = "  OriginInCacheKey:\n    Type: AWS::CloudFront::CachePolicy\n    Properties:\n      CachePolicyConfig:\n        Name: origin-in-cache-key\n        DefaultTTL: 86400\n        MaxTTL: 31536000\n        MinTTL: 0\n        ParametersInCacheKeyAndForwardedToOrigin:\n          EnableAcceptEncodingGzip: true\n          HeadersConfig:\n            HeaderBehavior: whitelist\n            Headers: [Origin, Access-Control-Request-Method, Access-Control-Request-Headers]\n          CookiesConfig:\n            CookieBehavior: none\n          QueryStringsConfig:\n            QueryStringBehavior: all\n";
    let methods: Vec<&str> = p
        .methods()
        .into_iter()
        .filter(|m| ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"].contains(m))
        .collect();
    let policy = format!(
        "  CorsHeaders:\n    Type: AWS::CloudFront::ResponseHeadersPolicy\n    Properties:\n      ResponseHeadersPolicyConfig:\n        Name: cors\n        CorsConfig:\n          AccessControlAllowOrigins:\n            Items: [\"{}\"]\n          AccessControlAllowMethods:\n            Items: [{}]\n          AccessControlAllowHeaders:\n            Items: [{}]\n          AccessControlAllowCredentials: {}\n          AccessControlMaxAgeSec: 7200\n          OriginOverride: true\n",
        p.origin,
        quoted(&methods, '"'),
        quoted(&p.headers(), '"'),
        with_credentials(r, p)
    );
    Some(match r {
        Remedy::VaryOrigin | Remedy::ProxyPassThrough => format!(
            "# forward Origin to the origin server and key the cache on it, so one origin's answer\n# is never served to another (attach as the behavior's CachePolicyId)\nResources:\n{key}"
        ),
        Remedy::PrivateNetwork => return None,
        _ => format!(
            "# attach as the behavior's ResponseHeadersPolicyId (OriginOverride replaces the origin's headers)\nResources:\n{policy}"
        ),
    })
}

/// S3: the bucket's CORS rules (`aws s3api put-bucket-cors --bucket BUCKET
/// --cors-configuration file://cors.json`).
pub(super) fn s3(r: Remedy, p: &Params) -> Option<String> {
    if matches!(
        r,
        Remedy::OnErrors | Remedy::OneLayer | Remedy::PrivateNetwork | Remedy::ProxyPassThrough
    ) {
        return None;
    }
    let methods: Vec<&str> = p
        .methods()
        .into_iter()
        .filter(|m| ["GET", "PUT", "POST", "DELETE", "HEAD"].contains(m))
        .collect();
    let methods = if methods.is_empty() {
        vec!["GET"]
    } else {
        methods
    };
    Some(format!(
        "{{\n  \"CORSRules\": [\n    {{\n      \"AllowedOrigins\": [\"{}\"],\n      \"AllowedMethods\": [{}],\n      \"AllowedHeaders\": [{}],\n      \"ExposeHeaders\": [\"ETag\"],\n      \"MaxAgeSeconds\": 7200\n    }}\n  ]\n}}\n",
        p.origin,
        quoted(&methods, '"'),
        quoted(&p.headers(), '"'),
    ))
}

/// Cloudflare: rules in the dashboard.
pub(super) fn cloudflare(r: Remedy, p: &Params) -> Option<String> {
    let o = &p.origin;
    Some(match r {
        Remedy::VaryOrigin => "Cloudflare ignores Vary: Origin when caching. Rules > Cache Rules, for this path:\n  Cache key > Headers: include Origin   (Enterprise), or\n  Cache eligibility: Bypass cache\n".to_string(),
        Remedy::PrivateNetwork | Remedy::ProxyPassThrough => return None,
        _ => {
            let mut lines = vec![format!("  Set static  Access-Control-Allow-Origin = {o}")];
            lines.push("  Add static  Vary = Origin".into());
            if with_credentials(r, p) {
                lines.push("  Set static  Access-Control-Allow-Credentials = true".into());
            }
            match r {
                Remedy::AllowMethods | Remedy::AnswerPreflight => lines.push(format!(
                    "  Set static  Access-Control-Allow-Methods = {}",
                    p.methods().join(", ")
                )),
                _ => {}
            }
            if matches!(r, Remedy::AllowHeaders | Remedy::AnswerPreflight) {
                lines.push(format!(
                    "  Set static  Access-Control-Allow-Headers = {}",
                    p.headers().join(", ")
                ));
            }
            format!(
                "Rules > Transform Rules > Modify Response Header, for requests with header Origin equal to {o}:\n{}\n",
                lines.join("\n")
            )
        }
    })
}

/// Azure: Blob Storage's CORS rules, or App Service's allowed origins.
pub(super) fn azure(r: Remedy, p: &Params) -> Option<String> {
    if matches!(
        r,
        Remedy::OneLayer | Remedy::PrivateNetwork | Remedy::ProxyPassThrough | Remedy::VaryOrigin
    ) {
        return None;
    }
    let cred = if with_credentials(r, p) {
        "\naz resource update --resource-group GROUP --name APP --resource-type Microsoft.Web/sites/config --namespace Microsoft.Web --parent sites/APP --set properties.cors.supportCredentials=true"
    } else {
        ""
    };
    Some(format!(
        "# Blob Storage (Server: Windows-Azure-Blob)\naz storage cors add --account-name ACCOUNT --services b --origins '{o}' --methods {} --allowed-headers {} --max-age 7200\n# App Service\naz webapp cors add --resource-group GROUP --name APP --allowed-origins '{o}'{cred}\n",
        p.methods().join(" "),
        p.headers().iter().map(|h| format!("'{h}'")).collect::<Vec<_>>().join(" "),
        o = p.origin,
    ))
}

/// Google Cloud Storage: the bucket's CORS file (`gcloud storage buckets update gs://BUCKET
/// --cors-file=cors.json`).
pub(super) fn gcs(r: Remedy, p: &Params) -> Option<String> {
    if matches!(
        r,
        Remedy::OnErrors | Remedy::OneLayer | Remedy::PrivateNetwork | Remedy::ProxyPassThrough
    ) {
        return None;
    }
    Some(format!(
        "[\n  {{\n    \"origin\": [\"{}\"],\n    \"method\": [{}],\n    \"responseHeader\": [{}],\n    \"maxAgeSeconds\": 7200\n  }}\n]\n",
        p.origin,
        quoted(&p.methods(), '"'),
        quoted(&p.headers(), '"'),
    ))
}
