//! The CORS engine: judges the exchanges of one input as a browser would (Chromium by default,
//! or the browser a recording names, or the one asked for: a [`crate::model::BrowserProfile`]),
//! and says for each whether it was blocked, the cause (with Chromium's `CorsError`, Firefox's
//! reason key and the browser's console message), the evidence and the fix. Follows the Fetch
//! standard (<https://fetch.spec.whatwg.org/>) where the browsers do, and the browser where
//! they differ (`cors-causes.md`, checked against the recordings in `samples/`).
//!
//! Exchanges arrive in recording order, which is not quite time order (a DevTools HAR may list
//! a preflight after its request; a pcap yields exchanges as they complete). The engine holds a
//! window sorted by (start time, arrival), at most `Limits::engine_window` exchanges or
//! `Limits::engine_window_secs` of recorded time, and judges the oldest once the window is
//! full: everything that could pair with it is then in view, before it (state) or after it
//! (the window). Memory is bounded by the window plus bounded state: each browser client's
//! preflight cache, redirect chains and HTTP-cache memory within
//! `Limits::engine_client_entries` and `Limits::engine_client_bytes` over all clients, and
//! [`STATE_ENTRIES`] servers and hosts.
//!
//! Ids: recorded exchanges are numbered by arrival from 0; an exchange inferred from a failed
//! preflight whose request the recording lacks is numbered from [`INFERRED_BASE`] upwards, in
//! the order inferred. Every pushed exchange yields exactly one assessment.

pub mod check;
pub mod classify;
pub mod evidence;
pub mod fields;
mod footprint;
pub mod http_cache;
pub mod message;
pub mod origin;
pub mod pairing;
mod plain_url;
pub mod preflight;
pub mod preflight_cache;
pub mod proxy;
pub mod redirect;
pub mod safelist;
pub mod verdict;
pub mod warnings;

mod engine;
pub mod site;

pub use engine::{
    ClientKeying, Engine, EngineOptions, Prepared, ENGINE_CLIENTS_EVICTED, ENGINE_WINDOW_PASSED,
    INFERRED_BASE, INFERRED_FLAG, STATE_ENTRIES,
};
pub use proxy::{compare_proxy_legs, ProxyChange, ProxyDifference};
