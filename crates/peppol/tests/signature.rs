//! The SMP's enveloped XML signature: what we sign verifies, and every change or wrong signer
//! is caught.
#![allow(clippy::unwrap_used)]

mod support;

use haven_peppol::{
    c14n::Method,
    xmldsig::{
        sign_enveloped, sign_enveloped_with, verify_enveloped, SignatureError, TrustAnchors,
    },
};
use support::{service_metadata, Ca, PARTICIPANT};

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn verify(xml: &str, anchors: &TrustAnchors) -> Result<(), SignatureError> {
    let doc = roxmltree::Document::parse(xml).unwrap();
    verify_enveloped(&doc, anchors, now()).map(|_| ())
}

fn signed(ca: &Ca) -> String {
    let smp = ca.leaf("PXX000001", None, false);
    let xml = service_metadata(PARTICIPANT, "https://ap.example/as4", &smp.der, None, None);
    sign_enveloped(&xml, &smp.signing_key()).unwrap()
}

#[test]
fn a_document_we_sign_verifies_against_the_issuing_ca_and_names_the_signer() {
    let ca = Ca::new("HAVEN TEST SMP CA");
    let anchors = TrustAnchors::from_pem(ca.pem.as_bytes()).unwrap();
    let smp = ca.leaf("PXX000001", None, false);
    let xml = service_metadata(PARTICIPANT, "https://ap.example/as4", &smp.der, None, None);
    let signed = sign_enveloped(&xml, &smp.signing_key()).unwrap();
    assert!(signed.contains("REC-xml-c14n-20010315"));
    let doc = roxmltree::Document::parse(&signed).unwrap();
    let verified = verify_enveloped(&doc, &anchors, now()).unwrap();
    assert_eq!(verified.signer, smp.der);
}

#[test]
fn an_exclusively_canonicalized_signature_of_an_older_smp_verifies_too() {
    let ca = Ca::new("HAVEN TEST SMP CA");
    let anchors = TrustAnchors::from_der(vec![ca.der.clone()]).unwrap();
    let smp = ca.leaf("PXX000001", None, false);
    let xml = service_metadata(PARTICIPANT, "https://ap.example/as4", &smp.der, None, None);
    let exclusive = Method::Exclusive {
        inclusive_prefixes: vec![],
    };
    let signed = sign_enveloped_with(&xml, &smp.signing_key(), &exclusive).unwrap();
    assert!(signed.contains("xml-exc-c14n#"));
    assert_eq!(verify(&signed, &anchors), Ok(()));
}

#[test]
fn any_change_to_the_signed_content_is_a_digest_mismatch() {
    let ca = Ca::new("HAVEN TEST SMP CA");
    let anchors = TrustAnchors::from_der(vec![ca.der.clone()]).unwrap();
    let signed = signed(&ca);
    for (from, to) in [
        ("https://ap.example/as4", "https://evil.example/as4"),
        ("0208:0000000002", "0208:0000000003"),
        ("Haven &amp; test", "Haven &amp; test "),
        ("<ProcessList>", "<ProcessList xmlns:x=\"urn:x\">"),
        ("retired", "<!-- a comment is not signed -->retired!"),
    ] {
        let tampered = signed.replacen(from, to, 1);
        assert_ne!(tampered, signed);
        assert_eq!(
            verify(&tampered, &anchors),
            Err(SignatureError::DigestMismatch),
            "{from} -> {to}"
        );
    }
    // Comments are outside the signed node-set: adding one changes nothing.
    let commented = signed.replacen("retired", "<!-- note -->retired", 1);
    assert_eq!(verify(&commented, &anchors), Ok(()));
}

#[test]
fn a_changed_signed_info_or_signature_value_does_not_verify() {
    let ca = Ca::new("HAVEN TEST SMP CA");
    let anchors = TrustAnchors::from_der(vec![ca.der.clone()]).unwrap();
    let signed = signed(&ca);
    // The digest changed together with the content it covers: SignedInfo no longer verifies.
    let start = signed.find("<ds:DigestValue>").unwrap() + "<ds:DigestValue>".len();
    let mut bytes = signed.clone().into_bytes();
    bytes[start] = if bytes[start] == b'A' { b'B' } else { b'A' };
    let other_digest = String::from_utf8(bytes).unwrap();
    assert!(matches!(
        verify(&other_digest, &anchors),
        Err(SignatureError::DigestMismatch | SignatureError::BadSignature)
    ));
    let value_start = signed.find("<ds:SignatureValue>").unwrap() + "<ds:SignatureValue>".len();
    let mut bytes = signed.clone().into_bytes();
    bytes[value_start + 10] = if bytes[value_start + 10] == b'A' {
        b'B'
    } else {
        b'A'
    };
    assert_eq!(
        verify(&String::from_utf8(bytes).unwrap(), &anchors),
        Err(SignatureError::BadSignature)
    );
}

#[test]
fn a_signer_from_another_ca_or_an_expired_one_is_not_trusted() {
    let ours = Ca::new("HAVEN TEST SMP CA");
    let foreign = Ca::new("FOREIGN SMP CA");
    let anchors = TrustAnchors::from_der(vec![ours.der.clone()]).unwrap();
    assert!(matches!(
        verify(&signed(&foreign), &anchors),
        Err(SignatureError::Untrusted(_))
    ));
    // Same subject name as our CA, other key: the issuer name alone does not make it trusted.
    let impostor = Ca::new("HAVEN TEST SMP CA");
    assert!(matches!(
        verify(&signed(&impostor), &anchors),
        Err(SignatureError::Untrusted(_))
    ));
    let expired = ours.leaf("PXX000001", None, true);
    let xml = service_metadata(
        PARTICIPANT,
        "https://ap.example/as4",
        &expired.der,
        None,
        None,
    );
    let signed = sign_enveloped(&xml, &expired.signing_key()).unwrap();
    assert!(matches!(
        verify(&signed, &anchors),
        Err(SignatureError::Untrusted(why)) if why.contains("expired")
    ));
}

#[test]
fn unsigned_weak_or_wrapped_signatures_are_refused() {
    let ca = Ca::new("HAVEN TEST SMP CA");
    let anchors = TrustAnchors::from_der(vec![ca.der.clone()]).unwrap();
    let smp = ca.leaf("PXX000001", None, false);
    let unsigned = service_metadata(PARTICIPANT, "https://ap.example/as4", &smp.der, None, None);
    assert_eq!(verify(&unsigned, &anchors), Err(SignatureError::Missing));
    let signed = signed(&ca);
    let sha1 = signed.replace(
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
    );
    assert!(matches!(
        verify(&sha1, &anchors),
        Err(SignatureError::Unsupported(_))
    ));
    let partial = signed.replace("Reference URI=\"\"", "Reference URI=\"#x\"");
    assert!(matches!(
        verify(&partial, &anchors),
        Err(SignatureError::Unsupported(_))
    ));
    // A second signature (signature wrapping) is refused outright.
    let signature_start = signed.find("<ds:Signature ").unwrap();
    let signature_end = signed.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
    let copy = &signed[signature_start..signature_end];
    let doubled = signed.replacen("<ServiceMetadata>", &format!("<ServiceMetadata>{copy}"), 1);
    assert!(matches!(
        verify(&doubled, &anchors),
        Err(SignatureError::Unsupported(_))
    ));
    // Moved inside: no longer enveloping the document.
    let moved = format!(
        "{}{}",
        signed[..signature_start].replacen(
            "<ServiceMetadata>",
            &format!("<ServiceMetadata>{copy}"),
            1
        ),
        &signed[signature_end..]
    );
    assert!(matches!(
        verify(&moved, &anchors),
        Err(SignatureError::Unsupported(_))
    ));
}

#[test]
fn trust_anchors_load_from_pem_and_refuse_what_is_not_a_certificate() {
    let ca = Ca::new("HAVEN TEST SMP CA");
    let two = format!("{}{}", ca.pem, Ca::new("SECOND").pem);
    assert!(TrustAnchors::from_pem(two.as_bytes()).is_ok());
    assert!(TrustAnchors::from_pem(b"").is_err());
    assert!(TrustAnchors::from_pem(
        b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
    )
    .is_err());
}
