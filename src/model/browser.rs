//! Per-browser behaviour as data: which browser's verdicts a run reproduces, and, for each, the
//! few rules in which the engines really differ in a verdict: which preflight check comes
//! first, whether `*` covers `Authorization`, how the preflight cache keeps results; and which
//! console texts it prints. The engine is given a [`BrowserProfile`]; it never asks which
//! browser it is. How Firefox counts several `Access-Control-Allow-Origin` values and which
//! header it names changes its reason key, not its verdict: every finding carries Firefox's
//! key whichever browser it is judged as (`cors::verdict`).
//!
//! Each rule was read from the browser's source and checked, where a recording could show it,
//! against the recordings in `samples/` (Chromium 156 and Firefox 153 ESR; Safari's rules come
//! from WebKit's source only: `CrossOriginAccessControl.cpp`,
//! `CrossOriginPreflightResultCache.cpp`).

/// A browser engine whose CORS verdicts corscope reproduces.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Browser {
    /// Chromium and the browsers built on it (Chrome, Edge, Opera, Brave).
    Chromium,
    /// Firefox (Gecko).
    Firefox,
    /// Safari (WebKit).
    Safari,
}

impl Browser {
    /// The spelling used on the command line and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Browser::Chromium => "chromium",
            Browser::Firefox => "firefox",
            Browser::Safari => "safari",
        }
    }

    /// This browser's profile.
    pub fn profile(self) -> &'static BrowserProfile {
        match self {
            Browser::Chromium => &CHROMIUM,
            Browser::Firefox => &FIREFOX,
            Browser::Safari => &SAFARI,
        }
    }

    /// The browser a recorder's self-description names (HAR `log.browser.name` or
    /// `log.creator.name`): `Firefox`, `WebKit Web Inspector` / `Safari`, and Chromium's names.
    /// `None` for tools that do not say which browser they drove.
    pub fn named_by(name: &str) -> Option<Browser> {
        match name.trim().to_ascii_lowercase().as_str() {
            "firefox" | "mozilla firefox" => Some(Browser::Firefox),
            "webkit web inspector" | "webkit" | "safari" => Some(Browser::Safari),
            "webinspector" | "chrome" | "google chrome" | "chromium" | "microsoft edge"
            | "edge" => Some(Browser::Chromium),
            _ => None,
        }
    }
}

/// What a browser does with an `Access-Control-Max-Age` that is not a number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InvalidMaxAge {
    /// Cache the result for the default lifetime (Chromium, WebKit).
    DefaultLifetime,
    /// Do not cache it (Firefox; the samples' `ok-preflight-cache-invalid-max-age` shows a
    /// second preflight).
    NotCached,
}

/// How a browser keeps preflight results.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PreflightCachePolicy {
    /// Longest lifetime, seconds.
    pub cap_secs: u64,
    /// Lifetime when `Access-Control-Max-Age` is absent, seconds.
    pub default_secs: u64,
    /// An unparsable value.
    pub invalid: InvalidMaxAge,
    /// Entries kept (origin and URL pairs).
    pub entries: usize,
    /// Each allowed method and header is an entry of its own with its own expiry, so results
    /// of successive preflights to one URL accumulate (Firefox); otherwise each preflight
    /// replaces the URL's result (Chromium, WebKit).
    pub per_token: bool,
}

/// Whose console texts a report prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConsoleStyle {
    /// Chromium's `Access to fetch at '…' from origin '…' has been blocked by CORS policy: …`.
    Chromium,
    /// Firefox's `Cross-Origin Request Blocked: … (Reason: …)` from `security.properties`.
    Firefox,
    /// WebKit's access-control error descriptions.
    WebKit,
}

/// The CORS behaviour of one browser.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BrowserProfile {
    /// The browser.
    pub browser: Browser,
    /// How reports name it.
    pub name: &'static str,
    /// A preflight's status is checked before its `Access-Control-Allow-Origin` (WebKit);
    /// otherwise after it (Chromium, and Firefox as its console shows for a 401 preflight
    /// without the header).
    pub preflight_status_first: bool,
    /// `Access-Control-Allow-Headers: *` lets `Authorization` through (Firefox, WebKit, and
    /// Chromium builds without Chrome's preference). Where it is `false` the request is judged
    /// as the Fetch standard and Google Chrome do, and a recording that shows the request was
    /// sent anyway downgrades the block to a warning.
    pub wildcard_covers_authorization: bool,
    /// The preflight cache.
    pub preflight_cache: PreflightCachePolicy,
    /// Console texts.
    pub console: ConsoleStyle,
}

/// Chromium (`cors::PreflightCache`, `CorsURLLoader`, `cors::CheckAccess`).
pub const CHROMIUM: BrowserProfile = BrowserProfile {
    browser: Browser::Chromium,
    name: "Chromium",
    preflight_status_first: false,
    wildcard_covers_authorization: false,
    preflight_cache: PreflightCachePolicy {
        cap_secs: 7200,
        default_secs: 5,
        invalid: InvalidMaxAge::DefaultLifetime,
        entries: 1024,
        per_token: false,
    },
    console: ConsoleStyle::Chromium,
};

/// Firefox (`nsCORSListenerProxy`, `nsPreflightCache`: 100 entries, 24 h cap).
pub const FIREFOX: BrowserProfile = BrowserProfile {
    browser: Browser::Firefox,
    name: "Firefox",
    preflight_status_first: false,
    wildcard_covers_authorization: true,
    preflight_cache: PreflightCachePolicy {
        cap_secs: 86_400,
        default_secs: 5,
        invalid: InvalidMaxAge::NotCached,
        entries: 100,
        per_token: true,
    },
    console: ConsoleStyle::Firefox,
};

/// Safari (WebKit `CrossOriginAccessControl`, `CrossOriginPreflightResultCache`: 600 s cap).
pub const SAFARI: BrowserProfile = BrowserProfile {
    browser: Browser::Safari,
    name: "Safari",
    preflight_status_first: true,
    wildcard_covers_authorization: true,
    preflight_cache: PreflightCachePolicy {
        cap_secs: 600,
        default_secs: 5,
        invalid: InvalidMaxAge::DefaultLifetime,
        entries: 1024,
        per_token: false,
    },
    console: ConsoleStyle::WebKit,
};

/// Which browser's verdicts a run reproduces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum BrowserChoice {
    /// The browser that recorded each input, as the recording names it (a Firefox HAR is
    /// judged as Firefox, a Safari Web Inspector HAR as Safari); Chromium when it does not say.
    #[default]
    Auto,
    /// This browser, whatever recorded the input.
    Fixed(Browser),
}

impl BrowserChoice {
    /// The profile for an exchange whose recorder names `recorded_by`.
    pub fn profile(self, recorded_by: Option<Browser>) -> &'static BrowserProfile {
        match self {
            BrowserChoice::Fixed(b) => b.profile(),
            BrowserChoice::Auto => recorded_by.unwrap_or(Browser::Chromium).profile(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorders_name_their_browser() {
        assert_eq!(Browser::named_by("Firefox"), Some(Browser::Firefox));
        assert_eq!(
            Browser::named_by("WebKit Web Inspector"),
            Some(Browser::Safari)
        );
        assert_eq!(Browser::named_by("WebInspector"), Some(Browser::Chromium));
        assert_eq!(Browser::named_by("chrome-har"), None);
        assert_eq!(Browser::named_by("Playwright"), None);
        assert_eq!(Browser::named_by("chromium"), Some(Browser::Chromium));
    }

    #[test]
    fn auto_follows_the_recorder_and_defaults_to_chromium() {
        let auto = BrowserChoice::Auto;
        assert_eq!(auto.profile(None).browser, Browser::Chromium);
        assert_eq!(
            auto.profile(Some(Browser::Firefox)).browser,
            Browser::Firefox
        );
        let fixed = BrowserChoice::Fixed(Browser::Safari);
        assert_eq!(
            fixed.profile(Some(Browser::Firefox)).browser,
            Browser::Safari
        );
        assert_eq!(FIREFOX.preflight_cache.cap_secs, 86_400);
        assert_eq!(SAFARI.preflight_cache.cap_secs, 600);
    }
}
