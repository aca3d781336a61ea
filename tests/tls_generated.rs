//! Captures made with OpenSSL 3.0's s_server and s_client on loopback (`tests/data/tls`, made by
//! its `regenerate.sh`, described in its PROVENANCE.md): every suite, version and handshake
//! shape this layer claims decrypts every record, and the HTTP/1 exchange inside is read; with
//! the key log missing or wrong, or bytes lost, what could not be read is counted with its
//! location.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod tls_support;

use std::path::{Path, PathBuf};
use std::process::Command;

use corscope::capture::tls::{
    KeyLog, ISSUE_DECRYPT_FAILED, ISSUE_GAP, ISSUE_NO_KEY, ISSUE_UNSUPPORTED,
};
use corscope::model::{FileIndex, FrameNumber, FrameRef, Location, Position};
use tls_support::{keylog, run_bytes, run_chunked, run_file, Run};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/tls")
        .join(name)
}

fn run(name: &str) -> Run {
    run_file(
        &data(&format!("{name}.pcap")),
        &[&data(&format!("{name}.keys"))],
    )
}

/// name, version, suite, ALPN, records decrypted per connection (client, server), resumed.
type Case = (
    &'static str,
    u16,
    u16,
    Option<&'static str>,
    &'static [[u64; 2]],
    &'static [bool],
);

/// TLS 1.3: the client's Finished, request and close_notify; the server's
/// EncryptedExtensions, Certificate, CertificateVerify, Finished, two NewSessionTickets,
/// response and close_notify. TLS 1.2: each side's Finished, data and close_notify.
const CASES: &[Case] = &[
    (
        "tls13-aes128gcm",
        0x0304,
        0x1301,
        Some("http/1.1"),
        &[[3, 8]],
        &[false],
    ),
    ("tls13-aes256gcm", 0x0304, 0x1302, None, &[[3, 8]], &[false]),
    ("tls13-chacha20", 0x0304, 0x1303, None, &[[3, 8]], &[false]),
    // The ServerHello is a HelloRetryRequest first; the second ClientHello keeps the random.
    (
        "tls13-hello-retry",
        0x0304,
        0x1302,
        None,
        &[[3, 8]],
        &[false],
    ),
    ("tls13-no-sni", 0x0304, 0x1302, None, &[[3, 8]], &[false]),
    // Client: Finished, KeyUpdate, its answer to the server's, four request records,
    // close_notify. Server: the handshake, tickets, KeyUpdate (update_requested), response.
    (
        "tls13-key-update",
        0x0304,
        0x1302,
        None,
        &[[8, 8]],
        &[false],
    ),
    // A PSK handshake sends no certificate.
    (
        "tls13-resume-psk",
        0x0304,
        0x1302,
        None,
        &[[3, 8], [3, 5]],
        &[false, true],
    ),
    (
        "tls12-ecdhe-aes128gcm",
        0x0303,
        0xc02f,
        Some("http/1.1"),
        &[[3, 3]],
        &[false],
    ),
    (
        "tls12-ecdhe-aes256gcm",
        0x0303,
        0xc030,
        None,
        &[[3, 3]],
        &[false],
    ),
    (
        "tls12-ecdhe-chacha20",
        0x0303,
        0xcca8,
        None,
        &[[3, 3]],
        &[false],
    ),
    (
        "tls12-dhe-aes128gcm",
        0x0303,
        0x009e,
        None,
        &[[3, 3]],
        &[false],
    ),
    (
        "tls12-rsa-aes128gcm",
        0x0303,
        0x009c,
        None,
        &[[3, 3]],
        &[false],
    ),
    (
        "tls12-cbc-sha-etm",
        0x0303,
        0xc013,
        None,
        &[[3, 3]],
        &[false],
    ),
    (
        "tls12-cbc-sha-mte",
        0x0303,
        0xc013,
        None,
        &[[3, 3]],
        &[false],
    ),
    (
        "tls12-cbc-sha256",
        0x0303,
        0x003d,
        None,
        &[[3, 3]],
        &[false],
    ),
    (
        "tls12-cbc-sha384",
        0x0303,
        0xc028,
        None,
        &[[3, 3]],
        &[false],
    ),
    ("tls11-cbc", 0x0302, 0xc013, None, &[[3, 3]], &[false]),
    // TLS 1.0 CBC: OpenSSL splits each write 1/n-1 against BEAST, one more record a side.
    ("tls10-cbc-etm", 0x0301, 0x0035, None, &[[4, 4]], &[false]),
    (
        "tls12-resume-session-id",
        0x0303,
        0xc030,
        None,
        &[[3, 3], [3, 3]],
        &[false, true],
    ),
    (
        "tls12-resume-ticket",
        0x0303,
        0xc030,
        None,
        &[[3, 3], [3, 3]],
        &[false, true],
    ),
];

/// tshark's `-Y http.request` count for a capture, when tshark is installed.
fn tshark_requests(pcap: &Path, keys: &Path) -> Option<usize> {
    let out = Command::new("tshark")
        .arg("-r")
        .arg(pcap)
        .arg("-o")
        .arg(format!("tls.keylog_file:{}", keys.display()))
        .args(["-Y", "http.request"])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).lines().count())
}

#[test]
fn every_claimed_suite_and_handshake_decrypts_every_record() {
    let mut tshark_checked = 0;
    for &(name, version, suite, alpn, records, resumed) in CASES {
        let r = run(name);
        assert!(r.issues.is_empty(), "{name}: {:?}", r.issues);
        assert_eq!(r.connections.len(), records.len(), "{name}");
        for (i, (session, plain)) in r.connections.iter().enumerate() {
            assert_eq!(session.version, Some(version), "{name}");
            assert_eq!(session.cipher_suite, Some(suite), "{name}");
            assert_eq!(session.records_decrypted, records[i], "{name} #{i}");
            assert_eq!(session.resumed, resumed[i], "{name} #{i}");
            assert_eq!(session.alpn.as_deref(), alpn.map(str::as_bytes), "{name}");
            let sni = (name != "tls13-no-sni").then_some("tls.test");
            assert_eq!(session.server_name.as_deref(), sni, "{name}");
            if !resumed[i] {
                assert_eq!(session.certificate_names, ["tls.test", "api.tls.test"]);
            }
            assert!(
                plain[0].starts_with(b"GET /api.json HTTP/1.0\r\n"),
                "{name}"
            );
            assert!(plain[1].starts_with(b"HTTP/1.0 200 OK\r\n"), "{name}");
        }
        assert_eq!(r.exchanges.len(), records.len(), "{name}");
        for e in &r.exchanges {
            let resp = e.response.as_ref().expect("response");
            assert_eq!(resp.status, 200, "{name}");
            assert!(resp.headers.first("access-control-allow-origin").is_some());
            assert_eq!(
                e.request.headers.first_str("origin").unwrap(),
                "https://app.test"
            );
        }
        let keys = data(&format!("{name}.keys"));
        if let Some(n) = tshark_requests(&data(&format!("{name}.pcap")), &keys) {
            assert_eq!(n, r.exchanges.len(), "{name}: tshark's requests");
            tshark_checked += 1;
        }
    }
    println!("{tshark_checked} captures checked against tshark");
}

#[test]
fn early_data_is_decrypted_with_the_early_secret() {
    let r = run("tls13-early-data");
    assert!(r.issues.is_empty(), "{:?}", r.issues);
    let (session, plain) = &r.connections[1];
    assert!(session.resumed);
    // Early data and EndOfEarlyData under the 0-RTT key, then Finished and close_notify.
    assert_eq!(session.records_decrypted, [4, 4]);
    assert!(plain[0].starts_with(b"GET /api.json HTTP/1.0\r\n"));
    assert_eq!(r.tls.early_data_skipped, 0);
    assert_eq!(r.exchanges.len(), 1);

    // Without the early secret the 0-RTT records are counted and skipped; the rest decrypts.
    let text = std::fs::read_to_string(data("tls13-early-data.keys")).unwrap();
    let kept: String = text
        .lines()
        .filter(|l| !l.starts_with("CLIENT_EARLY_TRAFFIC_SECRET"))
        .map(|l| format!("{l}\n"))
        .collect();
    let mut keys = KeyLog::new();
    keys.add_text(kept.as_bytes());
    let r = run_bytes(
        &std::fs::read(data("tls13-early-data.pcap")).unwrap(),
        &keys,
    );
    assert_eq!(r.tls.early_data_skipped, 2);
    assert_eq!(r.connections[1].0.records_decrypted, [2, 4]);
    assert!(r.exchanges.is_empty());
}

#[test]
fn pcapng_secrets_decrypt_without_a_key_log() {
    let bytes = std::fs::read(data("tls13-aes128gcm-secrets.pcapng")).unwrap();
    let embedded = run_bytes(&bytes, &KeyLog::new());
    let given = run("tls13-aes128gcm");
    assert!(embedded.issues.is_empty(), "{:?}", embedded.issues);
    assert_eq!(embedded.tls, given.tls);
    assert_eq!(embedded.exchanges.len(), 1);
    assert_eq!(embedded.exchanges[0].response.as_ref().unwrap().status, 200);
}

#[test]
fn without_keys_connections_are_counted_per_server_name() {
    let bare = |name: &str| {
        run_bytes(
            &std::fs::read(data(&format!("{name}.pcap"))).unwrap(),
            &KeyLog::new(),
        )
    };
    let r = bare("tls12-resume-ticket");
    assert!(r.exchanges.is_empty());
    let msgs: Vec<(&str, u64, &str)> = r
        .issues
        .iter()
        .map(|i| (i.id, i.count, i.message.as_str()))
        .collect();
    assert_eq!(
        msgs,
        [(
            ISSUE_NO_KEY,
            2,
            "2 TLS connections to tls.test:8320 not decrypted: no key for their client random; pass --keylog"
        )]
    );
    // The first connection's ClientHello.
    assert_eq!(
        r.issues[0].at,
        Some(Position::Frame(FrameRef::new(FileIndex(0), FrameNumber(4))))
    );
    // No SNI: the server's address.
    let r = bare("tls13-no-sni");
    assert!(r.issues[0]
        .message
        .starts_with("1 TLS connection to 127.0.0.1:8317 not decrypted"));
    // A key log without this connection's random says so.
    let other = keylog(&data("tls13-aes256gcm.keys"));
    let r = run_bytes(&std::fs::read(data("tls13-chacha20.pcap")).unwrap(), &other);
    assert!(r.issues[0]
        .message
        .ends_with("the key log has no key for their client random"));
    // A suite that is not decrypted, by name.
    let r = run("tls12-ccm-unsupported");
    assert_eq!(r.issue_ids(), [ISSUE_UNSUPPORTED]);
    assert!(r.issues[0]
        .message
        .contains("TLS_DHE_RSA_WITH_AES_128_CCM is not decrypted"));
}

#[test]
fn a_wrong_key_fails_with_its_location_and_the_other_side_goes_on() {
    let text = std::fs::read_to_string(data("tls13-aes128gcm.keys")).unwrap();
    let broken: String = text
        .lines()
        .map(|l| match l.strip_prefix("SERVER_TRAFFIC_SECRET_0 ") {
            Some(rest) => {
                let (random, secret) = rest.split_once(' ').unwrap();
                let flipped = if secret.starts_with('0') { "1" } else { "0" };
                format!(
                    "SERVER_TRAFFIC_SECRET_0 {random} {flipped}{}\n",
                    &secret[1..]
                )
            }
            None => format!("{l}\n"),
        })
        .collect();
    let mut keys = KeyLog::new();
    keys.add_text(broken.as_bytes());
    let r = run_bytes(&std::fs::read(data("tls13-aes128gcm.pcap")).unwrap(), &keys);
    assert_eq!(r.issue_ids(), [ISSUE_DECRYPT_FAILED], "{:?}", r.issues);
    // The first record under the server's application key: a NewSessionTicket in frame 10,
    // after the 1369-byte handshake flight.
    assert_eq!(
        r.issues[0].at,
        Some(Position::Stream {
            frame: FrameRef::new(FileIndex(0), FrameNumber(10)),
            offset: 1369
        })
    );
    assert!(r.issues[0].message.contains("authentication failed"));
    assert_eq!(r.tls.failures, 1);
    // The request decrypts; its response does not.
    assert_eq!(r.exchanges.len(), 1);
    assert!(r.exchanges[0].response.is_none());
    assert_eq!(r.connections[0].0.records_decrypted, [3, 4]);
}

/// Drops frame `n` (1-based) of a legacy pcap file.
fn drop_frame(pcap: &[u8], n: usize) -> Vec<u8> {
    let mut out = pcap[..24].to_vec();
    let mut at = 24;
    let mut i = 1;
    while at + 16 <= pcap.len() {
        let len = u32::from_le_bytes(pcap[at + 8..at + 12].try_into().unwrap()) as usize;
        if i != n {
            out.extend_from_slice(&pcap[at..at + 16 + len]);
        }
        at += 16 + len;
        i += 1;
    }
    out
}

#[test]
fn a_capture_gap_ends_the_decryption_of_its_direction() {
    // Frame 13 carries the server's response record.
    let bytes = drop_frame(&std::fs::read(data("tls13-aes128gcm.pcap")).unwrap(), 13);
    let r = run_bytes(&bytes, &keylog(&data("tls13-aes128gcm.keys")));
    assert!(r.issue_ids().contains(&ISSUE_GAP), "{:?}", r.issues);
    let gap = r.issues.iter().find(|i| i.id == ISSUE_GAP).unwrap();
    assert!(
        gap.message.contains("the server stream 127.0.0.1:8301"),
        "{}",
        gap.message
    );
    assert_eq!(r.tls.gaps, 1);
    assert_eq!(r.exchanges.len(), 1);
    assert!(r.exchanges[0].response.is_none());
    assert!(matches!(
        r.exchanges[0].location,
        Location::Frames { request, .. } if request.number == FrameNumber(9)
    ));
}

#[test]
fn records_split_any_way_decrypt_the_same() {
    for name in [
        "tls13-key-update",
        "tls12-cbc-sha-mte",
        "tls10-cbc-etm",
        "tls13-early-data",
    ] {
        let bytes = std::fs::read(data(&format!("{name}.pcap"))).unwrap();
        let keys = keylog(&data(&format!("{name}.keys")));
        let whole = run_bytes(&bytes, &keys);
        for chunk in [1, 2, 5, 17] {
            let r = run_chunked(&bytes, &keys, chunk);
            assert_eq!(r.tls, whole.tls, "{name} in pieces of {chunk}");
            assert_eq!(
                r.connections, whole.connections,
                "{name} in pieces of {chunk}"
            );
            assert_eq!(r.exchanges.len(), whole.exchanges.len());
            assert!(r.issues.is_empty());
        }
    }
}

/// HTTP/2 over TLS, through the capture stage as the pipeline runs it: the dispatcher's TLS arm
/// decrypts and hands the plaintext to the HTTP/2 layer ALPN names.
#[test]
fn http2_over_tls_is_read_by_the_http2_layer() {
    use corscope::capture::{pcap, sniff, Sink};
    use corscope::model::{Exchange, Issue, Limits};
    #[derive(Default)]
    struct Collect(Vec<Exchange>, Vec<Issue>);
    impl Sink for Collect {
        fn exchange(&mut self, e: Exchange) {
            self.0.push(e);
        }
        fn issue(&mut self, i: Issue) {
            self.1.push(i);
        }
    }
    let keys = keylog(&data("h2-nginx-curl.keys"));
    let file = std::fs::File::open(data("h2-nginx-curl.pcap")).unwrap();
    let (format, mut input) = sniff::detect(Box::new(file)).unwrap();
    let mut sink = Collect::default();
    let s = pcap::read_with_keys(&mut input, format, &Limits::default(), &keys, &mut sink).unwrap();
    assert!(sink.1.is_empty(), "{:?}", sink.1);
    assert_eq!(s.tls.decrypted, 1);
    // tshark -Y http2.headers.method finds the same two requests.
    assert_eq!(sink.0.len(), 2);
    for e in &sink.0 {
        assert_eq!(e.request.url, "https://tls.test:8340/api.json");
        assert_eq!(e.response.as_ref().map(|r| r.status), Some(200));
        assert!(e
            .response
            .as_ref()
            .unwrap()
            .headers
            .first("access-control-allow-origin")
            .is_some());
    }
    // Without keys: counted for its server name.
    let file = std::fs::File::open(data("h2-nginx-curl.pcap")).unwrap();
    let (format, mut input) = sniff::detect(Box::new(file)).unwrap();
    let mut sink = Collect::default();
    pcap::read_with_keys(
        &mut input,
        format,
        &Limits::default(),
        &KeyLog::new(),
        &mut sink,
    )
    .unwrap();
    assert!(sink.0.is_empty());
    assert_eq!(sink.1.len(), 1);
    assert!(sink.1[0]
        .message
        .starts_with("1 TLS connection to tls.test:8340 not decrypted"));
}
