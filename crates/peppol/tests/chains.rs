//! Peppol's three-level PKI: Root CA → Access Point CA (or SMP CA) → leaf, with the root as
//! the trust anchor and the issuing CA as an intermediate from the trust file. The path is
//! built and checked (signatures, validity, CA, path length, keyCertSign), SMP signatures and
//! AS4 messages verify through it, and every certificate of it but the anchor is checked for
//! revocation.
#![allow(clippy::unwrap_used)]

use std::{sync::Arc, time::Duration};

use haven_domain::peppol::receiving::{As4Inbound as _, Posted};
use haven_peppol::{
    as4::{
        inbound::{As4Receiver, BlockingAs4Receiver},
        send::{build_user_message, check_receiver_certificate, MessageOptions},
        ApKeys, EbmsCode, DEFAULT_MAX_DECOMPRESSED,
    },
    http::HostRules,
    identifiers::{BILLING_PROCESS, BIS_BILLING_INVOICE},
    revocation::{Policy, Refused, RevocationChecker},
    rollover::Swappable,
    sbdh::{self, Sbdh},
    testing::{Ca, Intermediate, Leaf, Responder, RevocationServer, Sources},
    xmldsig::{sign_enveloped, verify_enveloped, SignatureError, TrustAnchors},
};

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// The trust file's text: the certificates' PEM one after another.
fn file(cas: &[&Ca]) -> TrustAnchors {
    let pem: String = cas.iter().map(|ca| ca.pem.as_str()).collect();
    TrustAnchors::from_pem(pem.as_bytes()).unwrap()
}

fn untrusted(result: Result<(), SignatureError>) -> String {
    match result {
        Err(SignatureError::Untrusted(why)) => why,
        other => panic!("expected an untrusted certificate, got {other:?}"),
    }
}

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

#[test]
fn the_root_is_the_anchor_and_the_issuing_ca_an_intermediate_in_any_order() {
    let root = Ca::root("HAVEN TEST ROOT CA");
    let ap_ca = root.intermediate(
        "HAVEN TEST AP CA",
        &Sources::default(),
        Intermediate::Normal,
    );
    let leaf = ap_ca.leaf("PXX000001", None, false);
    for trust in [file(&[&root, &ap_ca]), file(&[&ap_ca, &root])] {
        assert_eq!(trust.counts(), (1, 1));
        let path = trust.path(&leaf.der, now()).unwrap();
        assert_eq!(
            path.0,
            vec![leaf.der.clone(), ap_ca.der.clone(), root.der.clone()]
        );
        assert_eq!(path.issued().count(), 2);
    }
    // The issuing CA alone, as before: it is the anchor, and the path has two certificates.
    let alone = file(&[&ap_ca]);
    assert_eq!(alone.counts(), (1, 0));
    assert_eq!(alone.path(&leaf.der, now()).unwrap().0.len(), 2);
    // The root alone: the leaf's issuer is not known.
    let why = untrusted(file(&[&root]).check(&leaf.der, now()));
    assert!(
        why.contains("not issued by a configured trust anchor"),
        "{why}"
    );
}

#[test]
fn an_expired_intermediate_or_one_that_is_no_ca_breaks_the_path() {
    let root = Ca::root("HAVEN TEST ROOT CA");
    let expired = root.intermediate("EXPIRED AP CA", &Sources::default(), Intermediate::Expired);
    let leaf = expired.leaf("PXX000001", None, false);
    let why = untrusted(file(&[&root, &expired]).check(&leaf.der, now()));
    assert!(
        why.contains("EXPIRED AP CA") && why.contains("expired"),
        "{why}"
    );

    let not_ca = root.intermediate("NOT A CA", &Sources::default(), Intermediate::NotCa);
    let leaf = not_ca.leaf("PXX000001", None, false);
    let why = untrusted(file(&[&root, &not_ca]).check(&leaf.der, now()));
    assert!(why.contains("not a CA"), "{why}");
}

#[test]
fn a_root_limited_to_path_length_zero_may_not_have_an_intermediate() {
    // `Ca::new` makes CAs with pathLen 0, for leaves only.
    let root = Ca::new("LIMITED ROOT CA");
    let ap_ca = root.intermediate(
        "HAVEN TEST AP CA",
        &Sources::default(),
        Intermediate::Normal,
    );
    let leaf = ap_ca.leaf("PXX000001", None, false);
    let why = untrusted(file(&[&root, &ap_ca]).check(&leaf.der, now()));
    assert!(why.contains("path length"), "{why}");
}

#[test]
fn an_intermediate_of_another_root_or_a_leaf_of_another_ca_is_not_trusted() {
    let root = Ca::root("HAVEN TEST ROOT CA");
    let ap_ca = root.intermediate(
        "HAVEN TEST AP CA",
        &Sources::default(),
        Intermediate::Normal,
    );
    let other_root = Ca::root("OTHER ROOT CA");
    let smp_ca = other_root.intermediate("OTHER SMP CA", &Sources::default(), Intermediate::Normal);
    let trust = file(&[&root, &ap_ca]);
    // A leaf of a CA whose certificate is not in the file.
    let stranger = smp_ca.leaf("PXX000001", None, false);
    assert!(trust.check(&stranger.der, now()).is_err());
    // An impostor with the AP CA's name but another key.
    let impostor = root.intermediate(
        "HAVEN TEST AP CA",
        &Sources::default(),
        Intermediate::Normal,
    );
    let leaf = impostor.leaf("PXX000001", None, false);
    assert!(trust.check(&leaf.der, now()).is_err());
    // A leaf the root signed directly is still on a path (root → leaf).
    let direct = root.leaf("PXX000009", None, false);
    assert_eq!(trust.path(&direct.der, now()).unwrap().0.len(), 2);
    // An expired leaf is refused before any path.
    let expired = ap_ca.leaf("PXX000001", None, true);
    assert!(untrusted(trust.check(&expired.der, now())).contains("expired"));
    // Garbage and a file of only garbage.
    assert!(trust.check(b"\x30\x03\x02\x01", now()).is_err());
    assert!(TrustAnchors::from_pem(
        b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
    )
    .is_err());
}

#[test]
fn an_smp_signature_verifies_through_the_smp_ca_under_the_root() {
    let root = Ca::root("HAVEN TEST ROOT CA");
    let smp_ca = root.intermediate(
        "HAVEN TEST SMP CA",
        &Sources::default(),
        Intermediate::Normal,
    );
    let smp = smp_ca.leaf("PXX000001", None, false);
    let xml = "<SignedServiceMetadata xmlns=\"http://busdox.org/serviceMetadata/publishing/1.0/\"><ServiceMetadata/></SignedServiceMetadata>";
    let signed = sign_enveloped(xml, &smp.signing_key()).unwrap();
    let doc = roxmltree::Document::parse(&signed).unwrap();
    let verified = verify_enveloped(&doc, &file(&[&root, &smp_ca]), now()).unwrap();
    assert_eq!(verified.signer, smp.der);
    assert_eq!(verified.path.0.len(), 3);
    // Without the SMP CA in the file, or with an expired one, it is not trusted.
    assert!(matches!(
        verify_enveloped(&doc, &file(&[&root]), now()),
        Err(SignatureError::Untrusted(_))
    ));
    let expired = root.intermediate(
        "HAVEN TEST SMP CA",
        &Sources::default(),
        Intermediate::Expired,
    );
    let smp = expired.leaf("PXX000001", None, false);
    let signed = sign_enveloped(xml, &smp.signing_key()).unwrap();
    let doc = roxmltree::Document::parse(&signed).unwrap();
    assert!(matches!(
        verify_enveloped(&doc, &file(&[&root, &expired]), now()),
        Err(SignatureError::Untrusted(_))
    ));
}

/// A three-level AP PKI whose AP CA names the root's revocation server, and whose leaves name
/// the AP CA's.
struct ThreeLevels {
    root: Ca,
    ap_ca: Ca,
    root_server: RevocationServer,
    ap_server: RevocationServer,
    sender: Leaf,
    receiver: Leaf,
}

async fn three_levels(kind: Intermediate) -> ThreeLevels {
    let root = Ca::root("HAVEN TEST ROOT CA");
    let root_server = root.revocation_server().await;
    // The root's CRL speaks for CA certificates, as a root's does.
    root_server.set_crl(Responder::CaCertsOnly);
    let ap_ca = root.intermediate("HAVEN TEST AP CA", &root_server.sources(), kind);
    let ap_server = ap_ca.revocation_server().await;
    ThreeLevels {
        sender: ap_ca.leaf_with_sources("PXX000001", 2, &ap_server.sources()),
        receiver: ap_ca.leaf_with_sources("PXX000002", 3, &ap_server.sources()),
        root,
        ap_ca,
        root_server,
        ap_server,
    }
}

impl ThreeLevels {
    fn trust(&self) -> TrustAnchors {
        file(&[&self.root, &self.ap_ca])
    }
}

#[tokio::test]
async fn every_certificate_below_the_anchor_is_checked_for_revocation() {
    let pki = three_levels(Intermediate::Normal).await;
    let path = pki.trust().path(&pki.sender.der, now()).unwrap();
    let checker = checker(Policy::Hard);
    checker.check_path(&path).await.unwrap();
    // The root's responder was asked about the AP CA, the AP CA's about the leaf.
    assert!(
        pki.root_server
            .ocsp_requests
            .load(std::sync::atomic::Ordering::SeqCst)
            >= 1
    );
    assert!(
        pki.ap_server
            .ocsp_requests
            .load(std::sync::atomic::Ordering::SeqCst)
            >= 1
    );

    // The leaf revoked.
    pki.ap_server.revoke(&pki.receiver);
    let path = pki.trust().path(&pki.receiver.der, now()).unwrap();
    let refused = checker.check_path(&path).await.unwrap_err();
    assert!(
        matches!(&refused, Refused::Revoked(why) if !why.contains("its CA")),
        "{refused}"
    );
}

#[tokio::test]
async fn a_revoked_intermediate_is_refused_over_ocsp_and_over_the_crl() {
    for ocsp in [true, false] {
        let pki = three_levels(Intermediate::Normal).await;
        if !ocsp {
            pki.root_server.set_ocsp(Responder::Down);
        }
        pki.root_server.revoke(&pki.ap_ca.as_issued());
        let path = pki.trust().path(&pki.sender.der, now()).unwrap();
        // Revoked is refused under soft as under hard.
        let refused = checker(Policy::Soft).check_path(&path).await.unwrap_err();
        let Refused::Revoked(why) = &refused else {
            panic!("{refused:?}")
        };
        assert!(why.contains("its CA CN=HAVEN TEST AP CA"), "{why}");
        assert!(why.contains(if ocsp { "OCSP" } else { "CRL" }), "{why}");
    }
}

#[tokio::test]
async fn an_intermediate_whose_status_is_unknown_passes_soft_and_not_hard() {
    let pki = three_levels(Intermediate::Normal).await;
    pki.root_server.set_ocsp(Responder::Down);
    pki.root_server.set_crl(Responder::Down);
    let path = pki.trust().path(&pki.sender.der, now()).unwrap();
    checker(Policy::Soft).check_path(&path).await.unwrap();
    let refused = checker(Policy::Hard).check_path(&path).await.unwrap_err();
    assert!(
        matches!(&refused, Refused::Unknown(why) if why.contains("its CA")),
        "{refused}"
    );
    // A user-certificates-only CRL says nothing about a CA.
    pki.root_server.set_crl(Responder::Normal);
    let refused = checker(Policy::Hard).check_path(&path).await.unwrap_err();
    assert!(
        matches!(&refused, Refused::Unknown(why) if why.contains("end-entity certificates only")),
        "{refused}"
    );
}

/// Haven's receiving adapter for `pki.receiver`, with the three-level trust.
fn receiver(pki: &ThreeLevels, policy: Policy) -> BlockingAs4Receiver {
    BlockingAs4Receiver(Arc::new(As4Receiver {
        keys: Swappable::new(ApKeys::new(pki.receiver.ap_key())),
        ap_trust: Swappable::new(pki.trust()),
        max_decompressed: DEFAULT_MAX_DECOMPRESSED,
        revocation: Arc::new(checker(policy)),
        spool_dir: std::env::temp_dir(),
    }))
}

fn message(pki: &ThreeLevels) -> Posted {
    let header = Sbdh {
        sender: haven_peppol::identifiers::ParticipantIdentifier::from_value("0208:0000000001")
            .unwrap(),
        receiver: haven_peppol::identifiers::ParticipantIdentifier::from_value("0208:0000000002")
            .unwrap(),
        document_type: haven_peppol::identifiers::DocumentTypeIdentifier::from_value(
            BIS_BILLING_INVOICE,
        )
        .unwrap(),
        process: haven_peppol::identifiers::ProcessIdentifier::from_value(BILLING_PROCESS).unwrap(),
        country_c1: "NL".into(),
        instance_identifier: uuid::Uuid::new_v4().to_string(),
        created: chrono::Utc::now(),
    };
    let invoice = r#"<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"><cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0</cbc:CustomizationID><cbc:ID>INV-CHAIN-1</cbc:ID></Invoice>"#;
    let sbd = sbdh::write(&header, invoice.as_bytes()).unwrap();
    let outgoing = build_user_message(
        &sbd,
        &pki.sender.ap_key(),
        &pki.receiver.der,
        &MessageOptions::default(),
    )
    .unwrap();
    Posted::from_body(outgoing.content_type.clone(), outgoing.body().to_vec()).unwrap()
}

#[tokio::test]
async fn an_as4_message_from_a_leaf_under_the_root_is_opened_unless_its_ca_is_revoked() {
    let pki = three_levels(Intermediate::Normal).await;
    assert_eq!(
        check_receiver_certificate(&pki.receiver.der, &pki.trust(), now()).unwrap(),
        "PXX000002"
    );
    assert!(receiver(&pki, Policy::Hard)
        .open(message(&pki))
        .await
        .unwrap()
        .is_ok());

    pki.root_server.revoke(&pki.ap_ca.as_issued());
    let (rejected, _) = receiver(&pki, Policy::Soft)
        .open(message(&pki))
        .await
        .unwrap()
        .err()
        .unwrap();
    assert_eq!(rejected.error.code, EbmsCode::FailedAuthentication);
    assert!(
        rejected.error.detail.contains("revoked") && rejected.error.detail.contains("its CA"),
        "{}",
        rejected.error.detail
    );
}

#[tokio::test]
async fn an_as4_message_under_an_expired_or_non_ca_intermediate_is_refused() {
    for kind in [Intermediate::Expired, Intermediate::NotCa] {
        let pki = three_levels(kind).await;
        assert!(check_receiver_certificate(&pki.receiver.der, &pki.trust(), now()).is_err());
        let (rejected, _) = receiver(&pki, Policy::Off)
            .open(message(&pki))
            .await
            .unwrap()
            .err()
            .unwrap();
        assert_eq!(
            rejected.error.code,
            EbmsCode::FailedAuthentication,
            "{kind:?}"
        );
    }
}

/// A root with an AP CA and a CRL issuer under it; the CRL issuer's server signs an indirect
/// CRL for the AP CA's leaves, which name it as their CRL's issuer.
struct Indirect {
    root: Ca,
    ap_ca: Ca,
    crl_issuer: Ca,
    server: RevocationServer,
}

async fn indirect() -> Indirect {
    let root = Ca::root("HAVEN TEST ROOT CA");
    let ap_ca = root.intermediate(
        "HAVEN TEST AP CA",
        &Sources::default(),
        Intermediate::Normal,
    );
    let crl_issuer = root.intermediate(
        "HAVEN TEST CRL ISSUER",
        &Sources::default(),
        Intermediate::Normal,
    );
    let server = crl_issuer.revocation_server().await;
    Indirect {
        root,
        ap_ca,
        crl_issuer,
        server,
    }
}

impl Indirect {
    fn leaf(&self, cn: &str, slot: usize) -> Leaf {
        self.ap_ca
            .leaf_with_indirect_crl(cn, slot, &self.server.indirect_url(), &self.crl_issuer)
    }

    fn trust(&self) -> TrustAnchors {
        file(&[&self.root, &self.ap_ca, &self.crl_issuer])
    }
}

#[tokio::test]
async fn an_indirect_crl_of_a_crl_issuer_under_the_root_is_believed_for_its_entries_ca() {
    let pki = indirect().await;
    let good = pki.leaf("PXX000001", 2);
    let bad = pki.leaf("PXX000002", 3);
    pki.server.revoke_for(&pki.ap_ca, &bad);
    // Another CA's certificate with the good one's serial number revokes nothing here.
    let other = pki
        .root
        .intermediate("OTHER AP CA", &Sources::default(), Intermediate::Normal);
    pki.server.revoke_for(&other, &good);
    let trust = pki.trust();
    let checker = checker(Policy::Hard);

    let status = checker
        .status_with(&good.der, &pki.ap_ca.der, Some(&trust))
        .await;
    assert_eq!(status, haven_peppol::revocation::Status::Good);
    let status = checker
        .status_with(&bad.der, &pki.ap_ca.der, Some(&trust))
        .await;
    assert!(
        matches!(&status, haven_peppol::revocation::Status::Revoked(how) if how.starts_with("CRL")),
        "{status:?}"
    );
    // Through the path (the AP CA names no source: unknown, accepted under soft).
    let path = trust.path(&bad.der, now()).unwrap();
    let refused = checker_soft().check_path(&path).await.unwrap_err();
    assert!(matches!(refused, Refused::Revoked(_)), "{refused:?}");
}

fn checker_soft() -> RevocationChecker {
    checker(Policy::Soft)
}

#[tokio::test]
async fn an_indirect_crl_is_not_believed_without_its_issuer_in_the_trust_file_or_unmarked() {
    use haven_peppol::revocation::Status;
    let unknown = |status: &Status, says: &str| {
        assert!(
            matches!(status, Status::Unknown(why) if why.contains(says)),
            "{status:?} should say {says}"
        );
    };
    let pki = indirect().await;
    let leaf = pki.leaf("PXX000001", 2);
    pki.server.revoke_for(&pki.ap_ca, &leaf);

    // No trust file given (the single-certificate check), or one without the CRL issuer.
    let status = checker(Policy::Hard)
        .status(&leaf.der, &pki.ap_ca.der)
        .await;
    unknown(&status, "no trust file");
    let without = file(&[&pki.root, &pki.ap_ca]);
    let status = checker(Policy::Hard)
        .status_with(&leaf.der, &pki.ap_ca.der, Some(&without))
        .await;
    unknown(&status, "CRL issuer");
    // A CRL issuer of the same name with another key: its certificate is in the file, but
    // the CRL does not verify with it.
    let impostor = pki.root.intermediate(
        "HAVEN TEST CRL ISSUER",
        &Sources::default(),
        Intermediate::Normal,
    );
    let swapped = file(&[&pki.root, &pki.ap_ca, &impostor]);
    let status = checker(Policy::Hard)
        .status_with(&leaf.der, &pki.ap_ca.der, Some(&swapped))
        .await;
    unknown(&status, "not signed by the issuer");
    // The CRL does not say it is indirect.
    pki.server.set_indirect_marked(false);
    let status = checker(Policy::Hard)
        .status_with(&leaf.der, &pki.ap_ca.der, Some(&pki.trust()))
        .await;
    unknown(&status, "not marked indirect");
}
