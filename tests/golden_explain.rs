//! Golden output of `corscope explain`: a few causes by id, name and Chromium name, and the
//! `all` listing, run through the binary.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

fn explain(key: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_corscope"))
        .args(["explain", key])
        .env("NO_COLOR", "1")
        .output()
        .expect("corscope runs");
    assert!(
        out.status.success(),
        "explain {key}: {:?} {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stderr.is_empty(), "explain {key} wrote to stderr");
    String::from_utf8(out.stdout).expect("UTF-8")
}

#[test]
fn explain_by_id() {
    for id in ["A01", "A10", "P07", "P13", "P21", "R01", "X02"] {
        insta::assert_snapshot!(format!("explain-{id}"), explain(id));
    }
}

#[test]
fn explain_by_name_and_chromium_name_match_by_id() {
    assert_eq!(explain("missing-allow-origin"), explain("A01"));
    assert_eq!(explain("a01"), explain("A01"));
    // A Chromium name shared by several rows finds the first one.
    assert_eq!(explain("PreflightInvalidStatus"), explain("P07"));
}

#[test]
fn explain_all() {
    insta::assert_snapshot!("explain-all", explain("all"));
}

#[test]
fn explain_unknown_is_a_usage_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_corscope"))
        .args(["explain", "no-such-cause"])
        .output()
        .expect("corscope runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    insta::assert_snapshot!(
        "explain-unknown-stderr",
        String::from_utf8(out.stderr).expect("UTF-8")
    );
}
