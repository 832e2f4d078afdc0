//! The AS4 message layer between two Haven access points (C2 → C3) as functions over the real
//! wire bytes: the message, the receipt or error, and every way a message must be refused.
#![allow(clippy::unwrap_used)]

mod support;

use std::io::Write as _;

use haven_peppol::{
    as4::{
        is_seat_id, mime,
        receive::{receive, Received, ReceiverConfig, Rejected},
        send::{
            build_from_parts, build_user_message, check_receiver_certificate, MessageOptions,
            Outgoing, Properties,
        },
        signal::{self, Answer},
        EbmsCode, NOT_SERVICED,
    },
    identifiers::{BILLING_PROCESS, BIS_BILLING_INVOICE},
    sbdh,
};
use support::as4::{sbd, Pki, INVOICE};

const SENDER: &str = "0208:0000000001";
const RECEIVER: &str = "0208:0000000002";

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Haven-B receiving `message` with `pki.c3`'s key, serving `RECEIVER` only, with `cap`.
fn deliver(pki: &Pki, message: &Outgoing, cap: u64) -> Result<Received, Rejected> {
    deliver_raw(pki, &message.content_type, message.body(), cap)
}

fn deliver_raw(pki: &Pki, content_type: &str, body: &[u8], cap: u64) -> Result<Received, Rejected> {
    let key = pki.c3.ap_key();
    let trust = pki.trust();
    let config = ReceiverConfig {
        key: &key,
        previous: None,
        ap_trust: &trust,
        max_decompressed: cap,
        now: now(),
    };
    receive(content_type, body, &config, &|participant, _, _| {
        participant.value() == RECEIVER
    })
}

fn send(pki: &Pki, sbd: &[u8]) -> Outgoing {
    build_user_message(
        sbd,
        &pki.c2.ap_key(),
        &pki.c3.der,
        &MessageOptions::default(),
    )
    .unwrap()
}

fn refused(result: Result<Received, Rejected>) -> (EbmsCode, String) {
    let rejected = result.expect_err("the message must be refused");
    (rejected.error.code, rejected.error.detail)
}

/// The message with its SOAP envelope rewritten by `edit` (attachments kept).
fn with_envelope(message: &Outgoing, edit: impl Fn(&str) -> String) -> (String, Vec<u8>) {
    let parts = mime::parse(&message.content_type, message.body()).unwrap();
    let envelope = edit(std::str::from_utf8(&parts[0].content).unwrap());
    let cid = parts[1].content_id().unwrap();
    mime::build(&envelope, &[(&cid, &parts[1].content)])
}

fn properties(original_sender: &str) -> Properties {
    Properties {
        original_sender: original_sender.into(),
        final_recipient: RECEIVER.into(),
        process: BILLING_PROCESS.into(),
        action: format!("busdox-docid-qns::{BIS_BILLING_INVOICE}"),
    }
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

#[test]
fn a_message_is_received_intact_and_its_receipt_verifies_on_the_sending_side() {
    let pki = Pki::new();
    let document = sbd(SENDER, RECEIVER);
    let message = send(&pki, &document);
    let envelope = String::from_utf8_lossy(message.body()).into_owned();
    for expected in [
        "<eb:PartyId type=\"urn:fdc:peppol.eu:2017:identifiers:ap\">PXX000001</eb:PartyId>",
        "<eb:PartyId type=\"urn:fdc:peppol.eu:2017:identifiers:ap\">PXX000002</eb:PartyId>",
        "<eb:Service type=\"cenbii-procid-ubl\">urn:fdc:peppol.eu:2017:poacc:billing:01:1.0</eb:Service>",
        "<eb:Property name=\"originalSender\" type=\"iso6523-actorid-upis\">0208:0000000001</eb:Property>",
        "<eb:Property name=\"finalRecipient\" type=\"iso6523-actorid-upis\">0208:0000000002</eb:Property>",
        "http://www.w3.org/2009/xmlenc11#aes128-gcm",
        "http://www.w3.org/2009/xmlenc11#mgf1sha256",
        "Content-Type: application/octet-stream",
    ] {
        assert!(envelope.contains(expected), "{expected}");
    }
    // The SBD is not readable on the wire.
    assert!(!envelope.contains("INV-2026-001"));
    assert_eq!(message.references.len(), 3);

    let received = deliver(&pki, &message, 1 << 20).unwrap();
    assert_eq!(
        received.document,
        sbdh::parse(&document).unwrap().document(&document)
    );
    assert_eq!(received.message_id, message.message_id);
    assert_eq!(received.conversation_id, message.conversation_id);
    assert_eq!(
        (received.from_party.as_str(), received.to_party.as_str()),
        ("PXX000001", "PXX000002")
    );
    assert_eq!(received.header.sender.value(), SENDER);
    assert_eq!(received.header.country_c1, "NL");
    let start = INVOICE.find("<Invoice").unwrap();
    assert_eq!(received.document, &INVOICE.as_bytes()[start..]);
    // The evidence is the Content-Type line, a blank line and the body.
    assert_eq!(
        message.evidence,
        [
            format!("Content-Type: {}\r\n\r\n", message.content_type).as_bytes(),
            message.body()
        ]
        .concat()
    );
    assert_eq!(received.signer, pki.c2.der);

    let receipt = signal::receipt(&received, &pki.c3.ap_key()).unwrap();
    assert_eq!(
        signal::verify_answer(&receipt.content_type, &receipt.body, &message, &pki.c3.der).unwrap(),
        Answer::Receipt
    );
    // Signed by anyone else, about another message, or with other references: not a receipt.
    let by_other = signal::receipt(&received, &pki.peer.ap_key()).unwrap();
    assert!(signal::verify_answer(
        &by_other.content_type,
        &by_other.body,
        &message,
        &pki.c3.der
    )
    .is_err());
    let other_message = send(&pki, &document);
    assert!(signal::verify_answer(
        &receipt.content_type,
        &receipt.body,
        &other_message,
        &pki.c3.der
    )
    .is_err());
    let mut fewer = received.clone();
    fewer.references.pop();
    let partial = signal::receipt(&fewer, &pki.c3.ap_key()).unwrap();
    assert!(
        signal::verify_answer(&partial.content_type, &partial.body, &message, &pki.c3.der).is_err()
    );
    let text = String::from_utf8(receipt.body.clone()).unwrap();
    let digest = &received.references[0].digest_value;
    let tampered = text.replacen(
        digest.as_str(),
        &digest.chars().rev().collect::<String>(),
        1,
    );
    assert!(signal::verify_answer(
        &receipt.content_type,
        tampered.as_bytes(),
        &message,
        &pki.c3.der
    )
    .is_err());
}

#[test]
fn a_participant_not_served_gets_a_signed_not_serviced_error() {
    let pki = Pki::new();
    let message = send(&pki, &sbd(SENDER, "0208:0000000099"));
    let rejected = deliver(&pki, &message, 1 << 20).unwrap_err();
    assert_eq!(rejected.error.code, EbmsCode::Other);
    assert_eq!(rejected.error.detail, NOT_SERVICED);
    assert_eq!(
        rejected.message_id.as_deref(),
        Some(message.message_id.as_str())
    );
    let answer = signal::error(
        rejected.message_id.as_deref(),
        &rejected.error,
        &pki.c3.ap_key(),
    )
    .unwrap();
    assert_eq!(
        signal::verify_answer(&answer.content_type, &answer.body, &message, &pki.c3.der).unwrap(),
        Answer::Error {
            code: "EBMS:0004".into(),
            detail: NOT_SERVICED.into()
        }
    );
}

#[test]
fn a_changed_payload_fails_the_signature_or_the_decryption() {
    let pki = Pki::new();
    let message = send(&pki, &sbd(SENDER, RECEIVER));
    // A flipped ciphertext byte: AES-GCM's tag fails.
    let parts = mime::parse(&message.content_type, message.body()).unwrap();
    let mut ciphertext = parts[1].content.clone();
    let middle = ciphertext.len() / 2;
    ciphertext[middle] ^= 1;
    let (content_type, body) = mime::build(
        std::str::from_utf8(&parts[0].content).unwrap(),
        &[(&parts[1].content_id().unwrap(), &ciphertext)],
    );
    assert_eq!(
        refused(deliver_raw(&pki, &content_type, &body, 1 << 20)).0,
        EbmsCode::FailedDecryption
    );

    // Another payload properly encrypted to the receiver under the signature of the first one.
    let original = build_user_message(
        &sbd(SENDER, RECEIVER),
        &pki.c2.ap_key(),
        &pki.c3.der,
        &MessageOptions::default(),
    )
    .unwrap();
    let forged = build_user_message(
        &sbd(SENDER, RECEIVER),
        &pki.c2.ap_key(),
        &pki.c3.der,
        &MessageOptions::default(),
    )
    .unwrap();
    let original_parts = mime::parse(&original.content_type, original.body()).unwrap();
    let forged_parts = mime::parse(&forged.content_type, forged.body()).unwrap();
    // Keep the original signature; take the forged payload and its session key.
    let original_envelope = std::str::from_utf8(&original_parts[0].content).unwrap();
    let forged_envelope = std::str::from_utf8(&forged_parts[0].content).unwrap();
    let cipher_value = |text: &str| {
        let start = text.find("<xenc:CipherValue>").unwrap() + "<xenc:CipherValue>".len();
        let end = text.find("</xenc:CipherValue>").unwrap();
        text[start..end].to_owned()
    };
    let envelope = original_envelope.replace(
        &cipher_value(original_envelope),
        &cipher_value(forged_envelope),
    );
    let (content_type, body) = mime::build(
        &envelope,
        &[(
            &original_parts[1].content_id().unwrap(),
            &forged_parts[1].content,
        )],
    );
    let (code, detail) = refused(deliver_raw(&pki, &content_type, &body, 1 << 20));
    assert_eq!(code, EbmsCode::FailedAuthentication, "{detail}");
    assert!(detail.contains("cid:"), "{detail}");
}

#[test]
fn a_changed_messaging_header_fails_the_signature() {
    let pki = Pki::new();
    let message = send(&pki, &sbd(SENDER, RECEIVER));
    let (content_type, body) = with_envelope(&message, |e| {
        e.replace("<eb:ConversationId>", "<eb:ConversationId>x")
    });
    let (code, detail) = refused(deliver_raw(&pki, &content_type, &body, 1 << 20));
    assert_eq!(code, EbmsCode::FailedAuthentication);
    assert!(detail.contains("digest of #_M-"), "{detail}");
    // Moving the signed Messaging id onto another element is wrapping: refused too.
    let (content_type, body) = with_envelope(&message, |e| {
        let id = &e[e.find("wsu:Id=\"_M-").unwrap() + 8..];
        let id = &id[..id.find('"').unwrap()];
        e.replacen(
            "<S12:Body wsu:Id=\"",
            &format!("<S12:Body wsu:Id=\"{id}\" x=\""),
            1,
        )
    });
    assert_eq!(
        refused(deliver_raw(&pki, &content_type, &body, 1 << 20)).0,
        EbmsCode::FailedAuthentication
    );
}

#[test]
fn untrusted_expired_or_misnamed_signers_are_refused() {
    let pki = Pki::new();
    let document = sbd(SENDER, RECEIVER);
    for (leaf, what) in [(&pki.foreign, "foreign CA"), (&pki.expired, "expired")] {
        let message = build_user_message(
            &document,
            &leaf.ap_key(),
            &pki.c3.der,
            &MessageOptions::default(),
        )
        .unwrap();
        let (code, detail) = refused(deliver(&pki, &message, 1 << 20));
        assert_eq!(code, EbmsCode::FailedAuthentication, "{what}: {detail}");
        assert!(detail.contains("not trusted"), "{what}: {detail}");
    }
    // A trusted certificate whose CN is not the From PartyId it signs.
    let message = build_from_parts(
        &properties(SENDER),
        &gzip(&document),
        &pki.peer.ap_key(),
        &pki.c3.der,
        &MessageOptions::default(),
        Some("PXX000001"),
    )
    .unwrap();
    let (code, detail) = refused(deliver(&pki, &message, 1 << 20));
    assert_eq!(code, EbmsCode::FailedAuthentication);
    assert!(detail.contains("PXX000003"), "{detail}");
}

#[test]
fn a_message_encrypted_to_another_certificate_fails_decryption() {
    let pki = Pki::new();
    let message = build_user_message(
        &sbd(SENDER, RECEIVER),
        &pki.c2.ap_key(),
        &pki.peer.der,
        &MessageOptions::default(),
    )
    .unwrap();
    // Addressed to PXX000003: refuse before decrypting, or fail decrypting.
    let (code, _) = refused(deliver(&pki, &message, 1 << 20));
    assert_eq!(code, EbmsCode::ValueInconsistent);
    // Addressed to us but encrypted to another certificate.
    let forged = {
        let message = send(&pki, &sbd(SENDER, RECEIVER));
        let peer_b64 = base64_of(&pki.peer.der);
        let c3_b64 = base64_of(&pki.c3.der);
        with_envelope(&message, |e| e.replacen(&c3_b64, &peer_b64, 1))
    };
    let (code, detail) = refused(deliver_raw(&pki, &forged.0, &forged.1, 1 << 20));
    assert_eq!(code, EbmsCode::FailedDecryption, "{detail}");
}

fn base64_of(der: &[u8]) -> String {
    use base64::{engine::general_purpose::STANDARD, Engine as _};
    STANDARD.encode(der)
}

#[test]
fn corrupt_gzip_and_a_zip_bomb_beyond_the_cap_are_decompression_failures() {
    let pki = Pki::new();
    let key = pki.c2.ap_key();
    let options = MessageOptions::default();
    let corrupt = build_from_parts(
        &properties(SENDER),
        b"\x1f\x8b\x08\x00garbage",
        &key,
        &pki.c3.der,
        &options,
        None,
    )
    .unwrap();
    assert_eq!(
        refused(deliver(&pki, &corrupt, 1 << 20)).0,
        EbmsCode::DecompressionFailure
    );

    let bomb = gzip(&vec![b' '; 8 << 20]);
    assert!(bomb.len() < 64 << 10);
    let message = build_from_parts(
        &properties(SENDER),
        &bomb,
        &key,
        &pki.c3.der,
        &options,
        None,
    )
    .unwrap();
    let (code, detail) = refused(deliver(&pki, &message, 1 << 20));
    assert_eq!(code, EbmsCode::DecompressionFailure);
    assert!(detail.contains("more than 1048576 bytes"), "{detail}");
}

#[test]
fn an_original_sender_other_than_the_sbdh_sender_is_refused() {
    let pki = Pki::new();
    let message = build_from_parts(
        &properties("0208:0000000777"),
        &gzip(&sbd(SENDER, RECEIVER)),
        &pki.c2.ap_key(),
        &pki.c3.der,
        &MessageOptions::default(),
        None,
    )
    .unwrap();
    let (code, detail) = refused(deliver(&pki, &message, 1 << 20));
    assert_eq!(code, EbmsCode::Other);
    assert!(detail.contains("originalSender"), "{detail}");
    // And an SBD that is not valid is EBMS:0004 with what is wrong.
    let bad = String::from_utf8(sbd(SENDER, RECEIVER))
        .unwrap()
        .replace("<sh:TypeVersion>2.1", "<sh:TypeVersion>9.9");
    let message = build_from_parts(
        &properties(SENDER),
        &gzip(bad.as_bytes()),
        &pki.c2.ap_key(),
        &pki.c3.der,
        &MessageOptions::default(),
        None,
    )
    .unwrap();
    let (code, detail) = refused(deliver(&pki, &message, 1 << 20));
    assert_eq!(code, EbmsCode::Other);
    assert!(detail.contains("TypeVersion"), "{detail}");
}

#[test]
fn other_algorithms_are_policy_violations() {
    let pki = Pki::new();
    let message = send(&pki, &sbd(SENDER, RECEIVER));
    for (from, to) in [
        ("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", "http://www.w3.org/2000/09/xmldsig#rsa-sha1"),
        ("<ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/><ds:DigestValue>", "<ds:DigestMethod Algorithm=\"http://www.w3.org/2000/09/xmldsig#sha1\"/><ds:DigestValue>"),
        ("http://www.w3.org/2009/xmlenc11#aes128-gcm", "http://www.w3.org/2001/04/xmlenc#aes128-cbc"),
        ("http://www.w3.org/2009/xmlenc11#rsa-oaep", "http://www.w3.org/2001/04/xmlenc#rsa-1_5"),
        ("CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"", "CanonicalizationMethod Algorithm=\"http://www.w3.org/TR/2001/REC-xml-c14n-20010315\""),
    ] {
        let (content_type, body) = with_envelope(&message, |e| {
            assert!(e.contains(from), "{from}");
            e.replacen(from, to, 1)
        });
        let (code, detail) = refused(deliver_raw(&pki, &content_type, &body, 1 << 20));
        assert_eq!(code, EbmsCode::PolicyNoncompliance, "{to}: {detail}");
    }
    // An unsigned message.
    let (content_type, body) = with_envelope(&message, |e| {
        let s = e.find("<ds:Signature").unwrap();
        let end = e.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
        format!("{}{}", &e[..s], &e[end..])
    });
    assert_eq!(
        refused(deliver_raw(&pki, &content_type, &body, 1 << 20)).0,
        EbmsCode::PolicyNoncompliance
    );
    // A DTD in the envelope.
    let (content_type, body) =
        with_envelope(&message, |e| format!("<!DOCTYPE x [<!ENTITY a \"b\">]>{e}"));
    assert_eq!(
        refused(deliver_raw(&pki, &content_type, &body, 1 << 20)).0,
        EbmsCode::InvalidHeader
    );
}

#[test]
fn a_retry_keeps_the_message_id() {
    let pki = Pki::new();
    let options = MessageOptions {
        message_id: Some("retry-1@haven".into()),
        conversation_id: Some("c-1".into()),
    };
    let message = build_user_message(
        &sbd(SENDER, RECEIVER),
        &pki.c2.ap_key(),
        &pki.c3.der,
        &options,
    )
    .unwrap();
    let received = deliver(&pki, &message, 1 << 20).unwrap();
    assert_eq!(received.message_id, "retry-1@haven");
    assert_eq!(received.conversation_id, "c-1");
    assert_eq!(received.header.receiver.value(), RECEIVER);
}

#[test]
fn the_receiver_certificate_is_checked_before_encrypting_to_it() {
    let pki = Pki::new();
    let trust = pki.trust();
    assert_eq!(
        check_receiver_certificate(&pki.c3.der, &trust, now()).unwrap(),
        "PXX000002"
    );
    for leaf in [&pki.foreign, &pki.expired] {
        assert!(check_receiver_certificate(&leaf.der, &trust, now()).is_err());
    }
    let not_a_seat = pki.ap_ca.leaf_with_key("ap.example.com", None, false, 3);
    assert!(check_receiver_certificate(&not_a_seat.der, &trust, now()).is_err());
    assert!(is_seat_id("POP000123") && !is_seat_id("pop000123") && !is_seat_id("POP00012"));
}

#[test]
fn a_signer_without_a_seat_id_is_refused() {
    let pki = Pki::new();
    let leaf = pki.ap_ca.leaf_with_key("ap.example.com", None, false, 2);
    let message = build_user_message(
        &sbd(SENDER, RECEIVER),
        &leaf.ap_key(),
        &pki.c3.der,
        &MessageOptions::default(),
    )
    .unwrap();
    let (code, detail) = refused(deliver(&pki, &message, 1 << 20));
    assert_eq!(code, EbmsCode::FailedAuthentication);
    assert!(detail.contains("seat id"), "{detail}");
}

#[test]
fn no_truncated_or_changed_message_panics_and_truncated_ones_are_refused() {
    let pki = Pki::new();
    let message = send(&pki, &sbd(SENDER, RECEIVER));
    let body = message.body();
    let step = (body.len() / 97).max(1);
    // Every part ends where the close delimiter's line begins: a cut after that loses no
    // content (only the final `--` or line break) and may be read whole, so only cuts
    // before it must be refused. Where it falls depends on the random ids and keys.
    let boundary = message
        .content_type
        .split("boundary=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a boundary");
    let close = format!("\r\n--{boundary}--");
    let content_end = body
        .windows(close.len())
        .rposition(|w| w == close.as_bytes())
        .expect("a close delimiter");
    for end in (0..content_end).step_by(step) {
        assert!(
            deliver_raw(&pki, &message.content_type, &body[..end], 1 << 20).is_err(),
            "cut at {end} of {}",
            body.len()
        );
    }
    for at in (0..body.len()).step_by(step) {
        let mut changed = body.to_vec();
        changed[at] ^= 0x20;
        // Some flips are harmless (the case of a MIME header name); none may panic.
        let _ = deliver_raw(&pki, &message.content_type, &changed, 1 << 20);
    }
}

/// The receiving endpoint's adapter with the revocation policy `policy`; the revocation
/// server on loopback is exempt.
fn endpoint_receiver(
    pki: &Pki,
    policy: haven_peppol::revocation::Policy,
) -> haven_peppol::as4::inbound::BlockingAs4Receiver {
    use haven_peppol::{as4::inbound::As4Receiver, http::HostRules, revocation::RevocationChecker};
    let checker = RevocationChecker::new(
        policy,
        HostRules {
            insecure_hosts: vec!["127.0.0.1".into()],
        },
        std::time::Duration::from_secs(3),
    )
    .unwrap();
    haven_peppol::as4::inbound::BlockingAs4Receiver(std::sync::Arc::new(As4Receiver {
        keys: haven_peppol::rollover::Swappable::new(haven_peppol::as4::ApKeys::new(
            pki.c3.ap_key(),
        )),
        ap_trust: haven_peppol::rollover::Swappable::new(pki.trust()),
        max_decompressed: haven_peppol::as4::DEFAULT_MAX_DECOMPRESSED,
        revocation: std::sync::Arc::new(checker),
        spool_dir: std::env::temp_dir(),
    }))
}

#[tokio::test]
async fn the_endpoint_refuses_a_revoked_signer_and_under_hard_one_whose_status_is_unknown() {
    use haven_domain::peppol::receiving::{As4Inbound as _, Posted};
    use haven_peppol::{revocation::Policy, testing::Responder};
    let pki = Pki::new();
    let revocation = pki.ap_ca.revocation_server().await;
    let message_from = |signer: &haven_peppol::testing::Leaf| {
        build_user_message(
            &sbd(SENDER, RECEIVER),
            &signer.ap_key(),
            &pki.c3.der,
            &MessageOptions::default(),
        )
        .unwrap()
    };
    let open = |policy: Policy, message: Outgoing| {
        let receiver = endpoint_receiver(&pki, policy);
        let posted =
            Posted::from_body(message.content_type.clone(), message.body().to_vec()).unwrap();
        async move { receiver.open(posted).await.unwrap() }
    };

    // Good: opened under either policy.
    let good = pki
        .ap_ca
        .leaf_with_sources("PXX000001", 2, &revocation.sources());
    assert!(open(Policy::Hard, message_from(&good)).await.is_ok());

    // Neither source answers: soft opens it, hard refuses it.
    revocation.set_ocsp(Responder::Down);
    revocation.set_crl(Responder::Down);
    let unknown = pki
        .ap_ca
        .leaf_with_sources("PXX000001", 2, &revocation.sources());
    assert!(open(Policy::Soft, message_from(&unknown)).await.is_ok());
    let (rejected, posted) = open(Policy::Hard, message_from(&unknown))
        .await
        .err()
        .unwrap();
    // The message comes back with the refusal, for the record; its seat id is named by a
    // certificate that is not accepted, so it is not authenticated.
    assert!(posted.is_some());
    assert_eq!(rejected.sender_access_point.as_deref(), Some("PXX000001"));
    assert!(!rejected.authenticated);
    assert_eq!(rejected.error.code, EbmsCode::FailedAuthentication);
    assert!(
        rejected
            .error
            .detail
            .contains("revocation status is unknown"),
        "{}",
        rejected.error.detail
    );
    assert!(rejected.message_id.is_some());

    // Revoked: refused under soft too.
    revocation.set_ocsp(Responder::Normal);
    revocation.revoke(&unknown);
    let (rejected, _) = open(Policy::Soft, message_from(&unknown))
        .await
        .err()
        .unwrap();
    assert_eq!(rejected.error.code, EbmsCode::FailedAuthentication);
    assert!(
        rejected.error.detail.contains("revoked"),
        "{}",
        rejected.error.detail
    );
}

/// B after a renewal: the current key `current`, and `previous` kept for decryption or not.
fn deliver_rolling(
    pki: &Pki,
    message: &Outgoing,
    current: &haven_peppol::testing::Leaf,
    previous: Option<&haven_peppol::testing::Leaf>,
) -> Result<Received, Rejected> {
    let (current, previous) = (current.ap_key(), previous.map(|p| p.ap_key()));
    let trust = pki.trust();
    let config = ReceiverConfig {
        key: &current,
        previous: previous.as_ref(),
        ap_trust: &trust,
        max_decompressed: 1 << 20,
        now: now(),
    };
    receive(
        &message.content_type,
        message.body(),
        &config,
        &|participant, _, _| participant.value() == RECEIVER,
    )
}

#[test]
fn after_a_renewal_a_message_to_the_old_certificate_is_opened_with_the_previous_key() {
    let pki = Pki::new();
    // C3 renewed: the same seat id, a new key; the sender still encrypts to the old one.
    let renewed = pki.ap_ca.leaf_with_key("PXX000002", None, false, 5);
    let to_old = send(&pki, &sbd(SENDER, RECEIVER));
    let received = deliver_rolling(&pki, &to_old, &renewed, Some(&pki.c3)).unwrap();
    assert_eq!(received.message_id, to_old.message_id);
    // The receipt is signed with the current key, and verifies against the new certificate.
    let receipt = signal::receipt(&received, &renewed.ap_key()).unwrap();
    assert_eq!(
        signal::verify_answer(&receipt.content_type, &receipt.body, &to_old, &renewed.der).unwrap(),
        Answer::Receipt
    );
    // The sender, holding the old certificate, accepts it as the receiver's renewed one (same
    // seat id, same CA); not a receipt of another seat id, nor an error signed by the new one.
    let trust = pki.trust();
    assert_eq!(
        signal::verify_answer_during_rollover(
            &receipt.content_type,
            &receipt.body,
            &to_old,
            &pki.c3.der,
            &trust,
            now()
        )
        .unwrap(),
        Answer::Receipt
    );
    let by_other = signal::receipt(&received, &pki.peer.ap_key()).unwrap();
    assert!(signal::verify_answer_during_rollover(
        &by_other.content_type,
        &by_other.body,
        &to_old,
        &pki.c3.der,
        &trust,
        now()
    )
    .is_err());
    let error = signal::error(
        Some(&to_old.message_id),
        &haven_peppol::as4::As4Error::new(EbmsCode::Other, "no"),
        &renewed.ap_key(),
    )
    .unwrap();
    assert!(signal::verify_answer_during_rollover(
        &error.content_type,
        &error.body,
        &to_old,
        &pki.c3.der,
        &trust,
        now()
    )
    .is_err());
    // A sender with the new certificate is opened with the current key.
    let to_new = build_user_message(
        &sbd(SENDER, RECEIVER),
        &pki.c2.ap_key(),
        &renewed.der,
        &MessageOptions::default(),
    )
    .unwrap();
    deliver_rolling(&pki, &to_new, &renewed, Some(&pki.c3)).unwrap();
    // Without the previous key the old certificate's message does not decrypt: EBMS:0102.
    let (code, detail) = refused(deliver_rolling(&pki, &to_old, &renewed, None));
    assert_eq!(code, EbmsCode::FailedDecryption, "{detail}");
    // Nor with a previous key of another certificate.
    let (code, _) = refused(deliver_rolling(&pki, &to_old, &renewed, Some(&pki.peer)));
    assert_eq!(code, EbmsCode::FailedDecryption);
}
