//! The text report says first that an input's encrypted traffic was not read, per server,
//! before its counts: an encrypted capture never looks empty without a reason.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use corscope::capture::quic::ISSUE_QUIC_NOT_DECRYPTED;
use corscope::capture::tls::ISSUE_NO_KEY;
use corscope::capture::Format;
use corscope::model::{FileIndex, FrameNumber, FrameRef, Issue, IssueTally, Position};
use corscope::report::{self, InputReport, ReportFormat, Summary};

#[test]
fn not_decrypted_comes_first_with_every_kept_server() {
    let mut tally = IssueTally::new();
    tally.add(Issue::general(
        "tcp-gap",
        "100 bytes of the client stream skipped",
    ));
    for (i, (server, n)) in [
        ("api.example.com:443", 41),
        ("cdn.example.com:443", 3),
        ("a:443", 1),
        ("b:443", 1),
        ("c:443", 1),
        ("d:443", 2),
    ]
    .iter()
    .enumerate()
    {
        let msg = format!("{n} TLS connections to {server} not decrypted: no key for their client random; pass --keylog");
        tally.add(
            Issue::at(
                ISSUE_NO_KEY,
                Position::Frame(FrameRef::new(FileIndex(0), FrameNumber(i as u64 + 1))),
                msg,
            )
            .times(*n),
        );
    }
    tally.add(
        Issue::general(
            ISSUE_QUIC_NOT_DECRYPTED,
            "2 HTTP/3 (QUIC) connections to 142.250.1.1:443 not decrypted: QUIC is not read",
        )
        .times(2),
    );
    let input = InputReport {
        index: 0,
        path: "browser.pcapng".into(),
        format: Some(Format::PcapNg),
        issues: tally.into_summaries(),
        ..InputReport::default()
    };
    let mut out = Vec::new();
    {
        let mut r = report::renderer(ReportFormat::Text, Box::new(&mut out), false);
        r.input_done(&input).unwrap();
        r.finish(std::slice::from_ref(&input), &Summary::default())
            .unwrap();
    }
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "browser.pcapng  (pcapng)");
    assert_eq!(
        lines[1],
        "  not decrypted 41 TLS connections to api.example.com:443 not decrypted: no key for their client random; pass --keylog (first at frame 1)"
    );
    assert!(lines[2].contains("3 TLS connections to cdn.example.com:443"));
    assert!(lines[5].contains("1 TLS connections to c:443"));
    assert_eq!(
        lines[6],
        "  … and 2 more connections to other servers (tls-no-key)"
    );
    assert!(lines[7].starts_with("  not decrypted 2 HTTP/3 (QUIC) connections"));
    assert!(lines[8].starts_with("  0 exchanges"), "{text}");
    // The other issues follow as before; the ones above are not repeated.
    assert_eq!(
        lines[9],
        "  issue tcp-gap×1: 100 bytes of the client stream skipped"
    );
    assert_eq!(text.matches("api.example.com").count(), 1);
}
