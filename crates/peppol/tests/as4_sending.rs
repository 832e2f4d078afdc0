//! The AS4 sender (`as4::outbound::As4Sender`) against an HTTP server on loopback that
//! answers like a broken or busy access point: what is passing, what is final, and what is
//! refused before anything is posted.
#![allow(clippy::unwrap_used)]

mod support;

use std::time::Duration;

use haven_domain::peppol::{
    discovery::PeppolEndpoint,
    sending::{As4Outbound, Outbound, SendError, BILLING_PROCESS, BIS_BILLING_INVOICE},
};
use haven_peppol::{as4::outbound::As4Sender, http::HostRules};
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
    use std::sync::Arc;
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
