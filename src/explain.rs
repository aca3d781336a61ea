//! `corscope explain`: a cause's documentation, laid out from the catalogue (the same rows
//! the engine reports from), and the list of every cause and warning.

use std::fmt::Write;

use crate::model::cause::PREFLIGHT_INFIX;
use crate::model::{CauseId, CAUSES, WARNINGS};

/// Wraps `text` at `width` columns, each line indented by `indent`.
fn wrap(out: &mut String, text: &str, indent: &str, width: usize) {
    for paragraph in text.split("\n\n") {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            if !line.is_empty() && indent.len() + line.len() + 1 + word.len() > width {
                let _ = writeln!(out, "{indent}{line}");
                line.clear();
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        if !line.is_empty() {
            let _ = writeln!(out, "{indent}{line}");
        }
        out.push('\n');
    }
}

/// The documentation of one cause.
pub fn explain(cause: CauseId) -> String {
    let info = cause.info();
    let mut s = String::new();
    let _ = writeln!(s, "{} {} — {}\n", info.id, info.name, info.title);
    let _ = writeln!(
        s,
        "  Chromium CorsError  {}",
        info.chromium
            .unwrap_or("none (Chromium reports only the network error)")
    );
    let _ = writeln!(
        s,
        "  Firefox reason      {}",
        info.firefox.unwrap_or("none")
    );
    let _ = writeln!(s, "  Specification       {}\n", info.spec);
    let _ = writeln!(s, "  Console message (Chromium)");
    let infix = if info.preflight_infix {
        PREFLIGHT_INFIX
    } else {
        ""
    };
    let message = format!(
        "Access to fetch at '<url>' from origin '<origin>' has been blocked by CORS policy: {infix}{}",
        info.detail.replace("{hint}", "<failed parameter>")
    );
    wrap(&mut s, &message, "    ", 96);
    let _ = writeln!(s, "  When it happens");
    wrap(&mut s, info.explanation, "    ", 96);
    let _ = writeln!(s, "  Fix");
    wrap(&mut s, info.fix, "    ", 96);
    s
}

/// One line per cause, then one per warning.
pub fn list() -> String {
    let mut s = String::from("Blocking causes (id, name, Chromium CorsError)\n");
    for c in CAUSES {
        let _ = writeln!(
            s,
            "  {:<4} {:<40} {}",
            c.id,
            c.name,
            c.chromium.unwrap_or("-")
        );
    }
    s.push_str("\nWarnings (not blocking)\n");
    for w in WARNINGS {
        let _ = writeln!(s, "  {:<40} {}", w.name, w.title);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explains_from_the_catalogue() {
        let text = explain(CauseId::PreflightStatus405);
        assert!(text.starts_with("P07 preflight-status-405 — "));
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(text.contains("PreflightInvalidStatus"));
        assert!(text.contains(
            "Response to preflight request doesn't pass access control check: It does not have HTTP ok status."
        ));
        assert!(text.contains(CauseId::PreflightStatus405.info().spec));
    }

    #[test]
    fn lists_every_cause_and_warning() {
        let text = list();
        for c in CAUSES {
            assert!(text.contains(c.name), "{}", c.name);
        }
        for w in WARNINGS {
            assert!(text.contains(w.name), "{}", w.name);
        }
    }
}
