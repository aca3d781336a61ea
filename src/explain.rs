//! `corscope explain`: a cause's documentation, laid out from the catalogue.

use std::fmt::Write;

use crate::model::{CauseId, CAUSES};

/// The documentation of one cause.
pub fn explain(cause: CauseId) -> String {
    let info = cause.info();
    let mut s = String::new();
    let _ = writeln!(s, "{} {}", info.id, info.name);
    let _ = writeln!(
        s,
        "  Chromium CorsError: {}",
        info.chromium
            .unwrap_or("none (Chromium reports only the network error)")
    );
    s
}

/// One line per cause.
pub fn list() -> String {
    let mut s = String::new();
    for c in CAUSES {
        let _ = writeln!(
            s,
            "{:<4} {:<40} {}",
            c.id,
            c.name,
            c.chromium.unwrap_or("-")
        );
    }
    s
}
