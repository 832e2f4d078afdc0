//! The AS4 sender (`as4::outbound::As4Sender`) against an HTTP server on loopback that
//! answers like a broken or busy access point: what is passing, what is final, and what is
//! refused before anything is posted; and against Haven's own receiver, a large document
//! posted from the sender's spool file, which is the evidence and goes afterwards.
#![allow(clippy::unwrap_used)]

mod support;

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use haven_domain::peppol::{
    discovery::PeppolEndpoint,
    sending::{
        As4Answer, As4Outbound, Outbound, SendError, SentMessage, BILLING_PROCESS,
        BIS_BILLING_INVOICE,
    },
};
use haven_peppol::{
    as4::{
        outbound::As4Sender,
        receive::{receive, ReceiverConfig},
        signal,
    },
    http::HostRules,
};
use support::{
    as4::{Pki, INVOICE},
    Answer, HttpServer,
};

fn sender(pki: &Pki, insecure: &[&str], timeout: Duration) -> As4Sender {
    As4Sender::new(
        pki.c2.ap_key(),
        pki.trust(),
        HostRules {
            insecure_hosts: insecure.iter().map(|h| (*h).to_owned()).collect(),
        },
        timeout,
    )
    .unwrap()
}

fn endpoint(url: &str, certificate: &[u8]) -> PeppolEndpoint {
    PeppolEndpoint {
        url: url.to_owned(),
        transport_profile: "peppol-transport-as4-v2_0".into(),
        certificate: certificate.to_vec(),
    }
}

fn outbound() -> Outbound<'static> {
    Outbound {
        sender: "0208:0000000001",
        receiver: "0208:0000000002",
        document_type: BIS_BILLING_INVOICE,
        process: BILLING_PROCESS,
        instance_identifier: "6a0f0bb6-6f39-4d5c-8a44-0d8f7e0b6c01".into(),
        message_id: "6a0f0bb6-6f39-4d5c-8a44-0d8f7e0b6c02@haven".into(),
        document: std::sync::Arc::new(INVOICE.as_bytes().to_vec()),
        country_c1: None,
    }
}

#[tokio::test]
async fn busy_or_broken_access_points_are_passing_and_other_http_errors_final() {
    let pki = Pki::new();
    let server = HttpServer::start().await;
    let as4 = sender(&pki, &["127.0.0.1"], Duration::from_secs(5));
    for (path, answer, passing) in [
        ("/busy", Answer::status(503), true),
        ("/limited", Answer::status(429), true),
        ("/garbage", Answer::ok("<not-a-signal/>"), true),
        ("/gone", Answer::status(404), false),
        ("/forbidden", Answer::status(403), false),
    ] {
        server.answer(path, answer);
        let url = format!("{}{path}", server.base);
        let outcome = as4.send(&endpoint(&url, &pki.c3.der), &outbound()).await;
        match (outcome, passing) {
            (Err(SendError::Transient(_)), true) | (Err(SendError::Rejected(_)), false) => {}
            (other, _) => panic!("{path}: {other:?}"),
        }
    }
    assert_eq!(server.request_count(), 5);
}

#[tokio::test]
async fn no_answer_in_time_or_no_server_is_passing() {
    let pki = Pki::new();
    let server = HttpServer::start().await;
    server.answer(
        "/slow",
        Answer {
            delay: Duration::from_secs(2),
            ..Answer::status(200)
        },
    );
    let as4 = sender(&pki, &["127.0.0.1"], Duration::from_millis(300));
    let slow = as4
        .send(
            &endpoint(&format!("{}/slow", server.base), &pki.c3.der),
            &outbound(),
        )
        .await;
    assert_eq!(
        slow.unwrap_err(),
        SendError::Transient("no answer in time".into())
    );
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let refused = as4
        .send(
            &endpoint(&format!("http://127.0.0.1:{closed}/as4"), &pki.c3.der),
            &outbound(),
        )
        .await;
    assert_eq!(
        refused.unwrap_err(),
        SendError::Transient("could not connect".into())
    );
}

#[tokio::test]
async fn untrusted_certificates_and_forbidden_addresses_are_refused_before_posting() {
    let pki = Pki::new();
    let server = HttpServer::start().await;
    server.answer("/as4", Answer::status(503));
    let url = format!("{}/as4", server.base);
    let lenient = sender(&pki, &["127.0.0.1"], Duration::from_secs(5));
    for certificate in [&pki.foreign.der, &pki.expired.der] {
        let outcome = lenient
            .send(&endpoint(&url, certificate), &outbound())
            .await;
        assert!(
            matches!(&outcome, Err(SendError::Refused(why)) if why.contains("certificate")),
            "{outcome:?}"
        );
    }
    // Without the exemption, plain http and a loopback address may not be called.
    let strict = sender(&pki, &[], Duration::from_secs(5));
    for url in [url.clone(), url.replace("http://", "https://")] {
        let outcome = strict.send(&endpoint(&url, &pki.c3.der), &outbound()).await;
        assert!(
            matches!(&outcome, Err(SendError::Refused(why)) if why.contains("address")),
            "{url}: {outcome:?}"
        );
    }
    // A document that is not what the document type names cannot be enveloped.
    let mut wrong = outbound();
    wrong.document = std::sync::Arc::new(
        b"<CreditNote xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2\"/>"
            .to_vec(),
    );
    let outcome = lenient.send(&endpoint(&url, &pki.c3.der), &wrong).await;
    assert!(matches!(outcome, Err(SendError::Refused(_))), "{outcome:?}");
    assert_eq!(server.request_count(), 0, "nothing was posted");
}

#[tokio::test]
async fn revoked_receivers_are_refused_and_under_hard_unknown_ones_wait() {
    use haven_peppol::{
        revocation::{Policy, RevocationChecker},
        testing::Responder,
    };
    let pki = Pki::new();
    let server = HttpServer::start().await;
    server.answer("/as4", Answer::status(503));
    let url = format!("{}/as4", server.base);
    let revocation = pki.ap_ca.revocation_server().await;
    let with_policy = |policy| {
        sender(&pki, &["127.0.0.1"], Duration::from_secs(5)).with_revocation(Arc::new(
            RevocationChecker::new(
                policy,
                HostRules {
                    insecure_hosts: vec!["127.0.0.1".into()],
                },
                Duration::from_secs(3),
            )
            .unwrap(),
        ))
    };
    let (soft, hard) = (with_policy(Policy::Soft), with_policy(Policy::Hard));
    let posted = |outcome: &Result<_, SendError>| matches!(outcome, Err(SendError::Transient(why)) if why.contains("HTTP 503"));

    // Good: posted (and answered 503 by this server).
    let good = pki
        .ap_ca
        .leaf_with_sources("PXX000002", 3, &revocation.sources());
    let outcome = hard.send(&endpoint(&url, &good.der), &outbound()).await;
    assert!(posted(&outcome), "{outcome:?}");
    assert_eq!(server.request_count(), 1);

    // Neither source answers: soft posts; hard waits without posting (passing).
    revocation.set_ocsp(Responder::Down);
    revocation.set_crl(Responder::Down);
    let unknown = pki
        .ap_ca
        .leaf_with_sources("PXX000002", 3, &revocation.sources());
    let outcome = soft.send(&endpoint(&url, &unknown.der), &outbound()).await;
    assert!(posted(&outcome), "{outcome:?}");
    assert_eq!(server.request_count(), 2);
    let outcome = hard.send(&endpoint(&url, &unknown.der), &outbound()).await;
    assert!(
        matches!(&outcome, Err(SendError::Transient(why)) if why.contains("revocation status is unknown")),
        "{outcome:?}"
    );
    assert_eq!(server.request_count(), 2);

    // Revoked: final under both, nothing posted.
    revocation.set_crl(Responder::Normal);
    revocation.revoke(&unknown);
    for as4 in [&soft, &hard] {
        let outcome = as4.send(&endpoint(&url, &unknown.der), &outbound()).await;
        assert!(
            matches!(&outcome, Err(SendError::Refused(why)) if why.contains("revoked")),
            "{outcome:?}"
        );
    }
    assert_eq!(server.request_count(), 2);
}

/// What the receiving side of [`haven_receiver`] saw of one request.
#[derive(Clone)]
struct Posted {
    content_type: String,
    content_length: Option<usize>,
    chunked: bool,
    body: Vec<u8>,
    /// The SBD the receiver got out of it, when it accepted it.
    document: Option<Vec<u8>>,
}

/// Haven's own AS4 receiver (C3, `pki.c3`) behind a plain HTTP/1.1 server on 127.0.0.1 that
/// reads each request's body by its Content-Length and answers with the signed receipt, or
/// the signed ebMS error; the requests are recorded.
async fn haven_receiver(pki: &Pki) -> (String, Arc<Mutex<Vec<Posted>>>) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/as4", listener.local_addr().unwrap());
    let posted: Arc<Mutex<Vec<Posted>>> = Arc::default();
    let (key, trust, record) = (pki.c3.ap_key(), pki.trust(), Arc::clone(&posted));
    let key = Arc::new(key);
    tokio::spawn(async move {
        loop {
            let (mut stream, _) = listener.accept().await.unwrap();
            let (key, trust, record) = (Arc::clone(&key), trust.clone(), Arc::clone(&record));
            tokio::spawn(async move {
                let mut buffer = Vec::new();
                let mut chunk = vec![0u8; 64 * 1024];
                let head_end = loop {
                    if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                        break end + 4;
                    }
                    let n = stream.read(&mut chunk).await.unwrap();
                    assert!(n > 0, "the request ended in its head");
                    buffer.extend_from_slice(&chunk[..n]);
                };
                let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
                let header = |name: &str| {
                    head.lines().find_map(|line| {
                        let (key, value) = line.split_once(':')?;
                        key.trim()
                            .eq_ignore_ascii_case(name)
                            .then(|| value.trim().to_owned())
                    })
                };
                let content_length = header("content-length").and_then(|v| v.parse().ok());
                let chunked = header("transfer-encoding").is_some();
                let mut body = buffer.split_off(head_end);
                while body.len() < content_length.unwrap_or(0) {
                    let n = stream.read(&mut chunk).await.unwrap();
                    assert!(n > 0, "the body ended early");
                    body.extend_from_slice(&chunk[..n]);
                }
                let content_type = header("content-type").unwrap_or_default();
                let (signal, document) = {
                    let (content_type, body) = (content_type.clone(), body.clone());
                    tokio::task::spawn_blocking(move || {
                        let config = ReceiverConfig {
                            key: &key,
                            previous: None,
                            ap_trust: &trust,
                            max_decompressed: 1 << 30,
                            now: chrono::Utc::now().timestamp(),
                        };
                        match receive(&content_type, &body, &config, &|_, _, _| true) {
                            Ok(received) => (
                                signal::receipt(&received, &key).unwrap(),
                                Some(received.document),
                            ),
                            Err(rejected) => (
                                signal::error(
                                    rejected.message_id.as_deref(),
                                    &rejected.error,
                                    &key,
                                )
                                .unwrap(),
                                None,
                            ),
                        }
                    })
                    .await
                    .unwrap()
                };
                record.lock().unwrap().push(Posted {
                    content_type,
                    content_length,
                    chunked,
                    body,
                    document,
                });
                let response = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    signal.content_type,
                    signal.body.len()
                );
                stream.write_all(response.as_bytes()).await.unwrap();
                stream.write_all(&signal.body).await.unwrap();
                stream.shutdown().await.unwrap();
            });
        }
    });
    (url, posted)
}

/// A BIS invoice of about `bytes` bytes: an embedded attachment of base64 noise, which gzip
/// does not shrink much (an embedded PDF).
fn large_invoice(bytes: usize) -> Vec<u8> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let noise: Vec<u8> = (0..bytes * 3 / 4)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    let attachment = format!(
        "<cac:AdditionalDocumentReference><cbc:ID>ATT-1</cbc:ID><cac:Attachment><cbc:EmbeddedDocumentBinaryObject mimeCode=\"application/pdf\" filename=\"scan.pdf\">{}</cbc:EmbeddedDocumentBinaryObject></cac:Attachment></cac:AdditionalDocumentReference>",
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, noise)
    );
    INVOICE
        .replace(
            "<cbc:ID>INV-2026-001</cbc:ID>",
            &format!("<cbc:ID>INV-2026-001</cbc:ID>{attachment}"),
        )
        .replace(
            "<Invoice ",
            "<Invoice xmlns:cac=\"urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2\" ",
        )
        .into_bytes()
}

fn spooled_files(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir).map_or(0, Iterator::count)
}

#[tokio::test]
async fn a_large_document_is_posted_from_its_spool_file_and_that_file_is_the_evidence() {
    let pki = Pki::new();
    let spool = tempfile::tempdir().unwrap();
    let (url, posted) = haven_receiver(&pki).await;
    let as4 = sender(&pki, &["127.0.0.1"], Duration::from_secs(60))
        .with_spool_dir(spool.path().join("spool"));
    let mut large = outbound();
    large.document = Arc::new(large_invoice(6_000_000));
    let exchange = as4
        .send(&endpoint(&url, &pki.c3.der), &large)
        .await
        .unwrap();
    assert_eq!(
        exchange.answer,
        As4Answer::Receipt,
        "the signed receipt checked out"
    );

    let posted = posted.lock().unwrap()[0].clone();
    assert!(!posted.chunked, "sent with its length, not in chunks");
    assert_eq!(posted.content_length, Some(posted.body.len()));
    // Base64 of noise gzips to about three quarters.
    assert!(posted.body.len() > 4_000_000, "{}", posted.body.len());
    // The receiver got the document as it was given (from its root on), inside its SBD.
    let document = posted.document.expect("the receiver accepted the message");
    let root = large
        .document
        .windows(8)
        .position(|w| w == b"<Invoice")
        .unwrap();
    assert!(
        document == large.document[root..],
        "the document arrived as sent"
    );

    // The evidence is the file posted from: the Content-Type line, a blank line, the body
    // byte for byte; it stays until the exchange is dropped (the domain has stored it).
    let SentMessage::File(file) = &exchange.message else {
        panic!("the evidence is not the spool file");
    };
    assert!(file.path().starts_with(spool.path()));
    let mut expected = format!("Content-Type: {}\r\n\r\n", posted.content_type).into_bytes();
    expected.extend_from_slice(&posted.body);
    assert!(
        std::fs::read(file.path()).unwrap() == expected,
        "the evidence is what was posted"
    );
    assert_eq!(spooled_files(&spool.path().join("spool")), 1);
    drop(exchange);
    assert_eq!(spooled_files(&spool.path().join("spool")), 0);
}

#[tokio::test]
async fn nothing_stays_in_the_spool_when_a_send_fails() {
    let pki = Pki::new();
    let spool = tempfile::tempdir().unwrap();
    let dir = spool.path().join("spool");
    let server = HttpServer::start().await;
    server.answer("/busy", Answer::status(503));
    let as4 = sender(&pki, &["127.0.0.1"], Duration::from_secs(5)).with_spool_dir(dir.clone());
    let busy = as4
        .send(
            &endpoint(&format!("{}/busy", server.base), &pki.c3.der),
            &outbound(),
        )
        .await;
    assert!(matches!(busy, Err(SendError::Transient(_))), "{busy:?}");
    assert_eq!(server.request_count(), 1, "it was posted");
    assert_eq!(spooled_files(&dir), 0);

    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut large = outbound();
    large.document = Arc::new(large_invoice(2_000_000));
    let refused = as4
        .send(
            &endpoint(&format!("http://127.0.0.1:{closed}/as4"), &pki.c3.der),
            &large,
        )
        .await;
    assert!(
        matches!(refused, Err(SendError::Transient(_))),
        "{refused:?}"
    );
    assert_eq!(spooled_files(&dir), 0);
}

#[tokio::test]
async fn a_spool_directory_that_cannot_be_written_is_passing_and_names_no_path() {
    let pki = Pki::new();
    let spool = tempfile::tempdir().unwrap();
    // A file where the directory should be: nothing can be made in it.
    let blocked = spool.path().join("spool");
    std::fs::write(&blocked, b"not a directory").unwrap();
    let as4 = sender(&pki, &["127.0.0.1"], Duration::from_secs(5)).with_spool_dir(blocked);
    let outcome = as4
        .send(
            &endpoint("http://127.0.0.1:9/as4", &pki.c3.der),
            &outbound(),
        )
        .await;
    match outcome {
        Err(SendError::Transient(why)) => {
            assert!(why.contains("spool"), "{why}");
            assert!(!why.contains(&spool.path().display().to_string()), "{why}");
        }
        other => panic!("{other:?}"),
    }
}
