//! The revocation checker (`haven_peppol::revocation`) against the test PKI's revocation
//! server: real OCSP and CRL DER over real HTTP on 127.0.0.1, signed by the test AP CA (or, to
//! be refused, by another key, or out of date); and against OpenSSL's OCSP responder and a
//! CRL OpenSSL made, an independent implementation, when `openssl` is installed.
#![allow(clippy::unwrap_used)]

use std::{sync::atomic::Ordering, time::Duration};

use haven_peppol::{
    http::HostRules,
    revocation::{Policy, Refused, RevocationChecker, Status},
    testing::{Ca, NonceAnswer, Responder, RevocationServer, Sources},
};

fn checker(policy: Policy) -> RevocationChecker {
    RevocationChecker::new(
        policy,
        HostRules {
            insecure_hosts: vec!["127.0.0.1".into()],
        },
        Duration::from_secs(3),
    )
    .unwrap()
}

fn ocsp_only(server: &RevocationServer) -> Sources {
    Sources {
        ocsp: Some(server.ocsp_url()),
        crl: None,
    }
}

fn crl_only(server: &RevocationServer) -> Sources {
    Sources {
        ocsp: None,
        crl: Some(server.crl_url()),
    }
}

fn is_unknown(status: &Status, says: &str) -> bool {
    matches!(status, Status::Unknown(why) if why.contains(says))
}

#[tokio::test]
async fn ocsp_says_good_or_revoked_and_answers_are_cached() {
    let ca = Ca::new("Test AP CA");
    let server = ca.revocation_server().await;
    let good = ca.leaf_with_sources("PXX000001", 2, &ocsp_only(&server));
    let bad = ca.leaf_with_sources("PXX000002", 3, &ocsp_only(&server));
    server.revoke(&bad);
    let checker = checker(Policy::Hard);

    assert_eq!(checker.status(&good.der, &ca.der).await, Status::Good);
    let revoked = checker.status(&bad.der, &ca.der).await;
    assert!(
        matches!(&revoked, Status::Revoked(how) if how.starts_with("OCSP")),
        "{revoked:?}"
    );
    assert_eq!(server.ocsp_requests.load(Ordering::SeqCst), 2);
    assert_eq!(server.crl_requests.load(Ordering::SeqCst), 0);

    // Kept until nextUpdate (at most an hour): no second request.
    assert_eq!(checker.status(&good.der, &ca.der).await, Status::Good);
    assert!(checker.check(&good.der, &ca.der).await.is_ok());
    let refused = checker.check(&bad.der, &ca.der).await.unwrap_err();
    assert!(matches!(refused, Refused::Revoked(_)), "{refused:?}");
    assert!(refused.to_string().contains("revoked"), "{refused}");
    assert_eq!(server.ocsp_requests.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_delegated_responder_the_issuer_authorised_is_believed() {
    let ca = Ca::new("Test AP CA");
    let server = ca.revocation_server().await;
    server.set_ocsp(Responder::Delegated);
    let good = ca.leaf_with_sources("PXX000001", 2, &ocsp_only(&server));
    let bad = ca.leaf_with_sources("PXX000002", 3, &ocsp_only(&server));
    server.revoke(&bad);
    let checker = checker(Policy::Hard);
    assert_eq!(checker.status(&good.der, &ca.der).await, Status::Good);
    assert!(matches!(
        checker.status(&bad.der, &ca.der).await,
        Status::Revoked(_)
    ));
}

#[tokio::test]
async fn the_crl_says_good_or_revoked() {
    let ca = Ca::new("Test AP CA");
    let server = ca.revocation_server().await;
    let good = ca.leaf_with_sources("PXX000001", 2, &crl_only(&server));
    let bad = ca.leaf_with_sources("PXX000002", 3, &crl_only(&server));
    server.revoke(&bad);
    let checker = checker(Policy::Hard);
    assert_eq!(checker.status(&good.der, &ca.der).await, Status::Good);
    let revoked = checker.status(&bad.der, &ca.der).await;
    assert!(
        matches!(&revoked, Status::Revoked(how) if how.starts_with("CRL")),
        "{revoked:?}"
    );
    assert_eq!(server.ocsp_requests.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn when_the_responder_is_down_the_crl_answers() {
    let ca = Ca::new("Test AP CA");
    let server = ca.revocation_server().await;
    server.set_ocsp(Responder::Down);
    let bad = ca.leaf_with_sources("PXX000002", 3, &server.sources());
    server.revoke(&bad);
    let status = checker(Policy::Hard).status(&bad.der, &ca.der).await;
    assert!(
        matches!(&status, Status::Revoked(how) if how.starts_with("CRL")),
        "{status:?}"
    );
    assert_eq!(server.ocsp_requests.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn with_no_answer_soft_accepts_and_hard_refuses() {
    let ca = Ca::new("Test AP CA");
    let server = ca.revocation_server().await;
    server.set_ocsp(Responder::Down);
    server.set_crl(Responder::Down);
    let leaf = ca.leaf_with_sources("PXX000001", 2, &server.sources());
    let status = checker(Policy::Soft).status(&leaf.der, &ca.der).await;
    assert!(is_unknown(&status, "HTTP 503"), "{status:?}");
    assert!(checker(Policy::Soft)
        .check(&leaf.der, &ca.der)
        .await
        .is_ok());
    let refused = checker(Policy::Hard)
        .check(&leaf.der, &ca.der)
        .await
        .unwrap_err();
    assert!(matches!(refused, Refused::Unknown(_)), "{refused:?}");
    // Unknown is not cached: once the responder is back, it answers.
    let hard = checker(Policy::Hard);
    assert!(hard.check(&leaf.der, &ca.der).await.is_err());
    server.set_ocsp(Responder::Normal);
    assert!(hard.check(&leaf.der, &ca.der).await.is_ok());

    // A responder nobody listens at.
    let nowhere = Sources {
        ocsp: Some("http://127.0.0.1:9/ocsp".into()),
        crl: None,
    };
    let leaf = ca.leaf_with_sources("PXX000001", 2, &nowhere);
    let status = checker(Policy::Hard).status(&leaf.der, &ca.der).await;
    assert!(is_unknown(&status, "could not connect"), "{status:?}");

    // A certificate naming no source at all.
    let plain = ca.leaf("PXX000001", None, false);
    let status = checker(Policy::Hard).status(&plain.der, &ca.der).await;
    assert!(is_unknown(&status, "no OCSP responder"), "{status:?}");
    assert!(checker(Policy::Soft)
        .check(&plain.der, &ca.der)
        .await
        .is_ok());
    assert!(checker(Policy::Hard)
        .check(&plain.der, &ca.der)
        .await
        .is_err());
}

#[tokio::test]
async fn answers_signed_by_another_key_are_not_believed() {
    let ca = Ca::new("Test AP CA");
    let server = ca.revocation_server().await;
    server.set_ocsp(Responder::ForeignSigner);
    server.set_crl(Responder::ForeignSigner);
    let leaf = ca.leaf_with_sources("PXX000001", 2, &server.sources());
    let status = checker(Policy::Hard).status(&leaf.der, &ca.der).await;
    assert!(
        is_unknown(
            &status,
            "not signed by the issuer or a responder it authorised"
        ),
        "{status:?}"
    );
    assert!(
        is_unknown(&status, "the CRL is not signed by the issuer"),
        "{status:?}"
    );
}

#[tokio::test]
async fn a_crl_for_ca_certificates_only_says_nothing_about_a_leaf() {
    let ca = Ca::new("Test AP CA");
    let server = ca.revocation_server().await;
    server.set_crl(Responder::CaCertsOnly);
    let bad = ca.leaf_with_sources("PXX000002", 3, &crl_only(&server));
    server.revoke(&bad);
    let status = checker(Policy::Hard).status(&bad.der, &ca.der).await;
    assert!(
        is_unknown(&status, "for CA certificates only"),
        "{status:?}"
    );
}

#[tokio::test]
async fn out_of_date_answers_are_not_believed() {
    let ca = Ca::new("Test AP CA");
    let server = ca.revocation_server().await;
    server.set_ocsp(Responder::Stale);
    server.set_crl(Responder::Stale);
    let leaf = ca.leaf_with_sources("PXX000001", 2, &server.sources());
    let status = checker(Policy::Hard).status(&leaf.der, &ca.der).await;
    assert!(is_unknown(&status, "nextUpdate has passed"), "{status:?}");
    assert!(is_unknown(&status, "the CRL is out of date"), "{status:?}");
}

#[tokio::test]
async fn internal_addresses_need_the_exemption_and_off_asks_nothing() {
    let ca = Ca::new("Test AP CA");
    let server = ca.revocation_server().await;
    let bad = ca.leaf_with_sources("PXX000002", 3, &server.sources());
    server.revoke(&bad);
    let strict =
        RevocationChecker::new(Policy::Hard, HostRules::default(), Duration::from_secs(3)).unwrap();
    let status = strict.status(&bad.der, &ca.der).await;
    assert!(is_unknown(&status, "loopback"), "{status:?}");
    assert_eq!(server.ocsp_requests.load(Ordering::SeqCst), 0);

    assert!(checker(Policy::Off).check(&bad.der, &ca.der).await.is_ok());
    assert_eq!(server.ocsp_requests.load(Ordering::SeqCst), 0);

    // The issuer given must be the certificate's.
    let other = Ca::new("Another CA");
    let status = checker(Policy::Hard).status(&bad.der, &other.der).await;
    assert!(
        is_unknown(&status, "not the certificate's issuer"),
        "{status:?}"
    );
}

/// `openssl ocsp` as the CA's responder (signing with the CA key, responder id by name):
/// our request is understood and its answers are read. Skipped without `openssl`.
#[tokio::test]
async fn openssls_ocsp_responder_understands_our_requests_and_we_its_answers() {
    if !openssl_installed() {
        return;
    }
    let ca = Ca::new("Test AP CA");
    let dir = tempfile::tempdir().unwrap();
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let sources = Sources {
        ocsp: Some(format!("http://127.0.0.1:{port}/")),
        crl: None,
    };
    let good = ca.leaf_with_sources("PXX000001", 2, &sources);
    let bad = ca.leaf_with_sources("PXX000002", 3, &sources);
    let hex = |serial: &[u8]| {
        serial
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect::<String>()
    };
    // The responder's database: V(alid) or R(evoked), expiry, revocation date, serial.
    let index = format!(
        "V\t491231235959Z\t\t{}\tunknown\t/CN=PXX000001\nR\t491231235959Z\t250101000000Z\t{}\tunknown\t/CN=PXX000002\n",
        hex(&good.serial),
        hex(&bad.serial)
    );
    let path = |name: &str| dir.path().join(name);
    std::fs::write(path("index.txt"), index).unwrap();
    std::fs::write(path("ca.pem"), &ca.pem).unwrap();
    std::fs::write(path("ca-key.pem"), ca.key_pem()).unwrap();
    let responder = std::process::Command::new("openssl")
        .args(["ocsp", "-index"])
        .arg(path("index.txt"))
        .args(["-port", &port.to_string(), "-rsigner"])
        .arg(path("ca.pem"))
        .arg("-rkey")
        .arg(path("ca-key.pem"))
        .arg("-CA")
        .arg(path("ca.pem"))
        .args(["-ndays", "1"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let _responder = Stop(responder);
    // The responder serves one connection at a time, so no probe: ask until it listens.
    let checker = checker(Policy::Hard);
    let mut status = checker.status(&good.der, &ca.der).await;
    for _ in 0..50 {
        if !matches!(&status, Status::Unknown(why) if why.contains("could not connect")) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        status = checker.status(&good.der, &ca.der).await;
    }
    assert_eq!(status, Status::Good);
    let revoked = checker.status(&bad.der, &ca.der).await;
    assert!(
        matches!(&revoked, Status::Revoked(how) if how.starts_with("OCSP since 2025-01-01")),
        "{revoked:?}"
    );
}

/// A CRL made by OpenSSL (`openssl ca -gencrl`) for the test CA: read, its signature
/// verified, and its revoked serial found. Skipped without `openssl`.
#[tokio::test]
async fn a_crl_made_by_openssl_is_read() {
    if !openssl_installed() {
        return;
    }
    let ca = Ca::new("Test AP CA");
    let server = ca.revocation_server().await;
    let good = ca.leaf_with_sources("PXX000001", 2, &crl_only(&server));
    let bad = ca.leaf_with_sources("PXX000002", 3, &crl_only(&server));
    let hex = |serial: &[u8]| {
        serial
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect::<String>()
    };
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name);
    std::fs::write(
        path("index.txt"),
        format!(
            "R\t491231235959Z\t250101000000Z\t{}\tunknown\t/CN=PXX000002\n",
            hex(&bad.serial)
        ),
    )
    .unwrap();
    std::fs::write(path("crlnumber"), "01\n").unwrap();
    std::fs::write(
        path("ca.cnf"),
        format!(
            "[ ca ]\ndefault_ca = test\n[ test ]\ndatabase = {}\ncrlnumber = {}\ndefault_md = sha256\ndefault_crl_days = 1\n",
            path("index.txt").display(),
            path("crlnumber").display()
        ),
    )
    .unwrap();
    std::fs::write(path("ca.pem"), &ca.pem).unwrap();
    std::fs::write(path("ca-key.pem"), ca.key_pem()).unwrap();
    let made = std::process::Command::new("openssl")
        .args(["ca", "-gencrl", "-config"])
        .arg(path("ca.cnf"))
        .arg("-keyfile")
        .arg(path("ca-key.pem"))
        .arg("-cert")
        .arg(path("ca.pem"))
        .arg("-out")
        .arg(path("crl.pem"))
        .output()
        .unwrap();
    assert!(made.status.success(), "{made:?}");
    let converted = std::process::Command::new("openssl")
        .args(["crl", "-outform", "DER", "-in"])
        .arg(path("crl.pem"))
        .arg("-out")
        .arg(path("crl.der"))
        .output()
        .unwrap();
    assert!(converted.status.success(), "{converted:?}");
    server.serve_crl(std::fs::read(path("crl.der")).unwrap());

    let checker = checker(Policy::Hard);
    assert_eq!(checker.status(&good.der, &ca.der).await, Status::Good);
    let revoked = checker.status(&bad.der, &ca.der).await;
    assert!(
        matches!(&revoked, Status::Revoked(how) if how.starts_with("CRL since 2025-01-01")),
        "{revoked:?}"
    );
}

/// Ends the child process it holds when dropped, also when the test fails.
struct Stop(std::process::Child);

impl Drop for Stop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Whether `openssl` can be run; without it the test is skipped, except under CI, where
/// `make test` installs it and its absence fails the test.
fn openssl_installed() -> bool {
    let there = std::process::Command::new("openssl")
        .arg("version")
        .output()
        .is_ok();
    assert!(
        there || std::env::var_os("CI").is_none(),
        "openssl is not installed (scripts/ensure-openssl installs it)"
    );
    if !there {
        eprintln!("openssl is not installed: skipped");
    }
    there
}

#[tokio::test]
async fn one_fetch_of_a_crl_serves_every_certificate_of_its_ca() {
    let ca = Ca::new("Test AP CA");
    let server = ca.revocation_server().await;
    let good = ca.leaf_with_sources("PXX000001", 2, &crl_only(&server));
    let bad = ca.leaf_with_sources("PXX000002", 3, &crl_only(&server));
    server.revoke(&bad);
    let checker = checker(Policy::Hard);

    assert_eq!(checker.status(&good.der, &ca.der).await, Status::Good);
    let revoked = checker.status(&bad.der, &ca.der).await;
    assert!(
        matches!(&revoked, Status::Revoked(how) if how.starts_with("CRL since")),
        "{revoked:?}"
    );
    // The second certificate's status came from the CRL fetched for the first.
    assert_eq!(server.crl_requests.load(Ordering::SeqCst), 1);

    // Another CA behind the same URL is not answered from this CA's CRL.
    let other = Ca::new("Other AP CA");
    let stranger = other.leaf_with_sources("PXX000003", 4, &crl_only(&server));
    let status = checker.status(&stranger.der, &other.der).await;
    assert!(is_unknown(&status, "another issuer"), "{status:?}");
    assert_eq!(server.crl_requests.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn certificates_of_one_ca_checked_at_the_same_instant_share_one_crl_fetch() {
    let ca = Ca::new("Test AP CA");
    let server = ca.revocation_server().await;
    let leaves: Vec<_> = (0..8)
        .map(|i| ca.leaf_with_sources(&format!("PXX00001{i}"), 2 + i % 3, &crl_only(&server)))
        .collect();
    server.revoke(&leaves[3]);
    let checker = std::sync::Arc::new(checker(Policy::Hard));
    let check_all = || {
        let mut all = tokio::task::JoinSet::new();
        for (index, leaf) in leaves.iter().enumerate() {
            let (checker, leaf, issuer) = (checker.clone(), leaf.der.clone(), ca.der.clone());
            all.spawn(async move { (index, checker.status(&leaf, &issuer).await) });
        }
        all
    };

    // The cache is empty and all eight ask at once: one fetch, every answer from it.
    let mut statuses = check_all().join_all().await;
    statuses.sort_by_key(|(index, _)| *index);
    for (index, status) in &statuses {
        if *index == 3 {
            assert!(matches!(status, Status::Revoked(_)), "{status:?}");
        } else {
            assert_eq!(*status, Status::Good);
        }
    }
    assert_eq!(server.crl_requests.load(Ordering::SeqCst), 1);

    // A failed fetch is shared too: eight certificates of another CA whose CRL is down ask
    // once, and each is unknown with the same reason.
    let other = Ca::new("Other AP CA");
    let down = other.revocation_server().await;
    down.set_crl(Responder::Down);
    let strangers: Vec<_> = (0..8)
        .map(|i| other.leaf_with_sources(&format!("PXX00002{i}"), 2, &crl_only(&down)))
        .collect();
    let mut all = tokio::task::JoinSet::new();
    for leaf in &strangers {
        let (checker, leaf, issuer) = (checker.clone(), leaf.der.clone(), other.der.clone());
        all.spawn(async move { checker.status(&leaf, &issuer).await });
    }
    for status in all.join_all().await {
        assert!(is_unknown(&status, "HTTP 503"), "{status:?}");
    }
    assert_eq!(down.crl_requests.load(Ordering::SeqCst), 1);
    // Failures are not kept: the next check asks again.
    let again = checker.status(&strangers[0].der, &other.der).await;
    assert!(is_unknown(&again, "HTTP 503"), "{again:?}");
    assert_eq!(down.crl_requests.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn ocsp_requests_carry_a_fresh_nonce_and_the_answer_must_not_name_another() {
    let ca = Ca::new("Test AP CA");
    let server = ca.revocation_server().await;
    let leaves: Vec<_> = (0..4)
        .map(|i| ca.leaf_with_sources(&format!("PXX00003{i}"), 2, &ocsp_only(&server)))
        .collect();
    let lenient = checker(Policy::Hard);
    let strict = checker(Policy::Hard).with_nonce_required(true);

    // Echoed: believed by both.
    assert_eq!(lenient.status(&leaves[0].der, &ca.der).await, Status::Good);
    assert_eq!(strict.status(&leaves[1].der, &ca.der).await, Status::Good);
    let nonces = server.nonces();
    assert_eq!(nonces.len(), 2);
    assert!(nonces.iter().all(|n| n.len() == 32), "{nonces:?}");
    assert_ne!(nonces[0], nonces[1]);

    // Another nonce: a replayed or misdirected answer, believed by neither.
    server.set_nonce(NonceAnswer::Wrong);
    let status = lenient.status(&leaves[2].der, &ca.der).await;
    assert!(
        is_unknown(&status, "nonce is not the request's"),
        "{status:?}"
    );
    let status = strict.status(&leaves[2].der, &ca.der).await;
    assert!(
        is_unknown(&status, "nonce is not the request's"),
        "{status:?}"
    );

    // No nonce: believed by default, not when it is required.
    server.set_nonce(NonceAnswer::Omit);
    let status = strict.status(&leaves[3].der, &ca.der).await;
    assert!(is_unknown(&status, "does not echo"), "{status:?}");
    assert_eq!(lenient.status(&leaves[3].der, &ca.der).await, Status::Good);
    // The wrong nonce was not cached: asked again, now without one, it is believed.
    assert_eq!(lenient.status(&leaves[2].der, &ca.der).await, Status::Good);
}

#[tokio::test]
async fn a_delta_crl_the_crl_names_is_applied() {
    let ca = Ca::new("Test AP CA");
    let server = ca.revocation_server().await;
    server.enable_delta();
    let leaf = |i: usize| ca.leaf_with_sources(&format!("PXX00004{i}"), 2, &crl_only(&server));
    let (in_base, in_delta, released, untouched) = (leaf(0), leaf(1), leaf(2), leaf(3));
    // The complete CRL lists two; the delta adds one and takes one off again (a hold that
    // was released).
    server.revoke(&in_base);
    server.revoke(&released);
    server.revoke_in_delta(&in_delta);
    server.remove_in_delta(&released);
    let checker = checker(Policy::Hard);

    for revoked in [&in_base, &in_delta] {
        let status = checker.status(&revoked.der, &ca.der).await;
        assert!(
            matches!(&status, Status::Revoked(how) if how.starts_with("CRL")),
            "{status:?}"
        );
    }
    for good in [&released, &untouched] {
        assert_eq!(checker.status(&good.der, &ca.der).await, Status::Good);
    }
    // Both were fetched once, and kept together.
    assert_eq!(server.crl_requests.load(Ordering::SeqCst), 1);
    assert_eq!(server.delta_requests.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_named_delta_that_cannot_be_believed_leaves_the_status_unknown() {
    let ca = Ca::new("Test AP CA");
    let server = ca.revocation_server().await;
    server.enable_delta();
    let checker = checker(Policy::Hard);
    let leaf = |i: usize| ca.leaf_with_sources(&format!("PXX00005{i}"), 2, &crl_only(&server));

    // Down: the complete CRL alone may miss revocations, so no answer.
    server.set_delta(Responder::Down);
    let status = checker.status(&leaf(0).der, &ca.der).await;
    assert!(is_unknown(&status, "delta CRL"), "{status:?}");
    // Signed by another key.
    server.set_delta(Responder::ForeignSigner);
    let status = checker.status(&leaf(1).der, &ca.der).await;
    assert!(
        is_unknown(&status, "not signed by the issuer"),
        "{status:?}"
    );
    // For a newer complete CRL than the one served.
    server.set_delta(Responder::Normal);
    server.set_delta_base(11);
    let status = checker.status(&leaf(2).der, &ca.der).await;
    assert!(is_unknown(&status, "newer complete CRL"), "{status:?}");
    // A delta CRL where the complete one belongs.
    server.set_delta_base(10);
    server.serve_crl(server.delta_crl());
    let status = checker.status(&leaf(3).der, &ca.der).await;
    assert!(
        is_unknown(&status, "delta CRL is served where"),
        "{status:?}"
    );
}
