//! The public TLS captures with key logs (`../shared/corpus`, or `$CORSCOPE_CORPUS`) decrypt:
//! the TLS 1.0 capture of pcap2har yields tshark's nine HTTP requests and their responses, the
//! two captures of "The Illustrated TLS" decrypt every record to their "ping" and "pong".
//! Skipped, saying so, when the corpus is absent.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod tls_support;

use std::process::Command;

use corscope::capture::tls::ISSUE_NO_KEY;
use corscope::capture::{pcap, sniff, Sink};
use corscope::model::{Exchange, Issue, Limits};
use tls_support::{corpus, run_file};

#[derive(Default)]
struct Collect(Vec<Exchange>);

impl Sink for Collect {
    fn exchange(&mut self, e: Exchange) {
        self.0.push(e);
    }
    fn issue(&mut self, _: Issue) {}
}

/// tshark 4.0's `-o tls.keylog_file:... -Y http.request` on pcap2har-fhs_ssl.pcap: frame and
/// request target.
const FHS_REQUESTS: [(u64, &str); 9] = [
    (75, "/fhs/fhs.xml"),
    (103, "/fhs/fhs.xsl"),
    (109, "/fhs/fhs.js"),
    (120, "/fhs/fhs.css"),
    (129, "/fhs/dir-empty.png"),
    (150, "/fhs/file-closed.png"),
    (166, "/fhs/file-empty.png"),
    (178, "/fhs/dir-closed.png"),
    (182, "/favicon.ico"),
];

#[test]
fn tls10_capture_yields_tsharks_requests_and_responses() {
    let Some(dir) = corpus() else {
        println!("skipped: corpus not found");
        return;
    };
    let pcap = dir.join("pcap/pcap2har-fhs_ssl.pcap");
    let keylog = dir.join("pcap/pcap2har-fhs_ssl.pcap.keylog");
    let run = run_file(&pcap, &[&keylog]);
    let mut got: Vec<(u64, String)> = run
        .exchanges
        .iter()
        .map(|e| {
            let frame = match e.location {
                corscope::model::Location::Frames { request, .. } => request.number.0,
                _ => 0,
            };
            let path = url::Url::parse(&e.request.url).unwrap().path().to_string();
            (frame, path)
        })
        .collect();
    got.sort();
    let want: Vec<(u64, String)> = FHS_REQUESTS
        .iter()
        .map(|(f, p)| (*f, p.to_string()))
        .collect();
    assert_eq!(got, want, "issues: {:?}", run.issues);
    assert!(run.exchanges.iter().all(|e| e.response.is_some()));
    assert_eq!(run.http.responses, 9);
    assert_eq!(run.tls.failures, 0, "{:?}", run.issues);
    for (session, _) in &run.connections {
        assert_eq!(session.version, Some(0x0301));
        assert_eq!(
            session.cipher_suite,
            Some(0x0039),
            "TLS_DHE_RSA_WITH_AES_256_CBC_SHA"
        );
    }

    // tshark itself, when installed, finds the same request frames.
    let tshark = Command::new("tshark")
        .arg("-r")
        .arg(&pcap)
        .arg("-o")
        .arg(format!("tls.keylog_file:{}", keylog.display()))
        .args([
            "-Y",
            "http.request",
            "-T",
            "fields",
            "-e",
            "frame.number",
            "-e",
            "http.request.uri",
        ])
        .output();
    match tshark {
        Ok(out) if out.status.success() => {
            let text = String::from_utf8_lossy(&out.stdout);
            let frames: Vec<(u64, String)> = text
                .lines()
                .filter_map(|l| {
                    let (f, u) = l.split_once('\t')?;
                    Some((f.parse().ok()?, u.to_string()))
                })
                .collect();
            assert_eq!(frames, want, "tshark's requests");
        }
        _ => println!("tshark not found: compared with the recorded table only"),
    }

    for e in &run.exchanges {
        assert!(e.request.url.starts_with("https://"), "{}", e.request.url);
    }

    // The capture stage as the pipeline runs it (protocol dispatch, TLS arm, HTTP/1) agrees.
    let keys = tls_support::keylog(&keylog);
    let mut sink = Collect::default();
    let (format, mut input) = sniff::detect(Box::new(std::fs::File::open(&pcap).unwrap())).unwrap();
    let summary =
        pcap::read_with_keys(&mut input, format, &Limits::default(), &keys, &mut sink).unwrap();
    assert_eq!(sink.0.len(), 9);
    assert_eq!(summary.tls.failures, 0);
    assert_eq!(summary.tls.records_decrypted, run.tls.records_decrypted);
    assert_eq!(summary.http.exchanges, 9);

    // Without the key log: no exchange, every connection counted under its server.
    let bare = run_file(&pcap, &[]);
    assert!(bare.exchanges.is_empty());
    assert_eq!(bare.count(ISSUE_NO_KEY), run.connections.len() as u64);
    assert!(bare
        .issues
        .iter()
        .any(|i| i.message.contains("pass --keylog")));
}

#[test]
fn illustrated_tls_captures_decrypt_every_record() {
    let Some(dir) = corpus() else {
        println!("skipped: corpus not found");
        return;
    };
    // file, version, suite, records decrypted (client, server).
    let cases = [
        // TLS 1.3: client Finished + "ping"; server EncryptedExtensions, Certificate,
        // CertificateVerify, Finished, two NewSessionTickets and "pong", one record each.
        (
            "syncsynchalt-illustrated-tls13-captures-capture.pcap",
            0x0304,
            0x1302,
            [2, 7],
        ),
        // TLS 1.2 CBC: each side's Finished and one data record, and the client's
        // close_notify alert.
        (
            "syncsynchalt-illustrated-tls12-captures-capture.pcap",
            0x0303,
            0xc013,
            [3, 2],
        ),
    ];
    for (name, version, suite, records) in cases {
        let pcap = dir.join("tls").join(name);
        let keylog = dir.join("tls").join(format!("{name}.keylog"));
        let run = run_file(&pcap, &[&keylog]);
        assert_eq!(run.connections.len(), 1, "{name}");
        let (session, plain) = &run.connections[0];
        assert_eq!(session.version, Some(version), "{name}");
        assert_eq!(session.cipher_suite, Some(suite), "{name}");
        assert_eq!(plain[0], b"ping", "{name}: {:?}", run.issues);
        assert_eq!(plain[1], b"pong", "{name}");
        assert_eq!(session.records_decrypted, records, "{name}");
        assert_eq!(run.tls.failures, 0);
        assert!(!session.certificate_names.is_empty(), "{name}");
    }
}
