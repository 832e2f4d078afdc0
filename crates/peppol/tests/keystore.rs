//! The access point's key from a PKCS#12 file (`keystore::KeyAndChain`): made here from the
//! test PKI, by p12-keystore and, when installed, by OpenSSL; the key read from it signs,
//! decrypts and answers as the PEM one does; and every way the file can be wrong is a
//! sentence that says so.
#![allow(clippy::unwrap_used)]

mod support;

use haven_peppol::{
    as4::{
        receive::{receive, ReceiverConfig},
        send::{build_user_message, MessageOptions},
        signal::{self, Answer},
        ApKey,
    },
    keystore::KeyAndChain,
    sbdh,
    testing::Leaf,
};
use p12_keystore::{
    Certificate, EncryptionAlgorithm, KeyStore, KeyStoreEntry, PrivateKey, PrivateKeyChain,
};
use support::as4::{sbd, Pki};

const PASSWORD: &str = "correct horse battery staple";

/// A PKCS#12 file holding `leaf`'s key with `certificates` (DER) as its chain.
fn pkcs12(
    leaf: &Leaf,
    certificates: &[&[u8]],
    algorithm: EncryptionAlgorithm,
    password: &str,
) -> Vec<u8> {
    let chain = PrivateKeyChain::new(
        b"haven-ap".as_slice(),
        PrivateKey::from_der(&leaf.pkcs8).unwrap(),
        certificates
            .iter()
            .map(|der| Certificate::from_der(der).unwrap()),
    );
    let mut store = KeyStore::new();
    store.add_entry("ap", KeyStoreEntry::PrivateKeyChain(chain));
    store
        .writer(password)
        .encryption_algorithm(algorithm)
        .write()
        .unwrap()
}

fn ap_key_from(file: &[u8], password: &str) -> Result<ApKey, String> {
    let loaded = KeyAndChain::from_pkcs12(file, password)?;
    ApKey::from_pem(
        loaded.key_pem().as_bytes(),
        loaded.certificates_pem().as_bytes(),
    )
}

/// A message from `sender` to `receiver` (keys as loaded), received, and its receipt checked
/// on the sending side: the sender's key signed, the receiver's decrypted and signed.
fn exchange(pki: &Pki, sender: &ApKey, receiver: &ApKey) {
    let document = sbd("0208:0000000001", "0208:0000000002");
    let message = build_user_message(
        &document,
        sender,
        receiver.certificate(),
        &MessageOptions::default(),
    )
    .unwrap();
    let trust = pki.trust();
    let config = ReceiverConfig {
        key: receiver,
        previous: None,
        ap_trust: &trust,
        max_decompressed: 1 << 20,
        now: chrono::Utc::now().timestamp(),
    };
    let received = receive(
        &message.content_type,
        message.body(),
        &config,
        &|_, _, _| true,
    )
    .map_err(|r| r.error)
    .unwrap();
    assert_eq!(
        received.document,
        sbdh::parse(&document).unwrap().document(&document)
    );
    assert_eq!(received.signer, sender.certificate());
    let receipt = signal::receipt(&received, receiver).unwrap();
    assert_eq!(
        signal::verify_answer(
            &receipt.content_type,
            &receipt.body,
            &message,
            receiver.certificate()
        )
        .unwrap(),
        Answer::Receipt
    );
}

#[test]
fn keys_from_pkcs12_files_sign_decrypt_and_answer_like_the_pem_ones() {
    let pki = Pki::new();
    // The CA first in the file: the key's own certificate is found by its public key.
    let c2 = pkcs12(
        &pki.c2,
        &[&pki.c2.der, &pki.ap_ca.der],
        EncryptionAlgorithm::PbeWithHmacSha256AndAes256,
        PASSWORD,
    );
    let c3 = pkcs12(
        &pki.c3,
        &[&pki.c3.der, &pki.ap_ca.der],
        EncryptionAlgorithm::PbeWithShaAnd3KeyTripleDesCbc,
        PASSWORD,
    );
    let loaded = KeyAndChain::from_pkcs12(&c2, PASSWORD).unwrap();
    assert_eq!(loaded.certificate(), pki.c2.der);
    assert_eq!(loaded.pkcs8(), pki.c2.pkcs8);
    assert_eq!(
        loaded
            .certificates_pem()
            .matches("BEGIN CERTIFICATE")
            .count(),
        2
    );
    assert!(!format!("{loaded:?}").contains(&loaded.key_pem()[30..60]));

    let sender = ap_key_from(&c2, PASSWORD).unwrap();
    let receiver = ap_key_from(&c3, PASSWORD).unwrap();
    assert_eq!(receiver.seat_id(), "PXX000002");
    // PKCS#12 to PKCS#12, and each against a PEM-configured peer.
    exchange(&pki, &sender, &receiver);
    exchange(&pki, &pki.c2.ap_key(), &receiver);
    exchange(&pki, &sender, &pki.c3.ap_key());
}

#[test]
fn a_wrong_password_a_foreign_file_and_a_file_without_its_key_are_refused_with_reasons() {
    let pki = Pki::new();
    let file = pkcs12(
        &pki.c3,
        &[&pki.c3.der],
        EncryptionAlgorithm::PbeWithHmacSha256AndAes256,
        PASSWORD,
    );
    let wrong = KeyAndChain::from_pkcs12(&file, "Correct horse battery staple").unwrap_err();
    assert_eq!(wrong, "the password is wrong (or the file is damaged)");
    assert!(!wrong.contains(PASSWORD));

    let pem = KeyAndChain::from_pkcs12(pki.c3.pem.as_bytes(), PASSWORD).unwrap_err();
    assert_eq!(pem, "not a PKCS#12 file");

    // Certificates only (a trust store): no key to use.
    let certificates_only = haven_peppol::testing::certificates_pkcs12(&[&pki.ap_ca.der], PASSWORD);
    assert_eq!(
        KeyAndChain::from_pkcs12(&certificates_only, PASSWORD).unwrap_err(),
        "the PKCS#12 file holds no private key"
    );

    // A key filed with another key's certificate.
    let mismatched = pkcs12(
        &pki.c3,
        &[&pki.c2.der],
        EncryptionAlgorithm::PbeWithHmacSha256AndAes256,
        PASSWORD,
    );
    assert_eq!(
        KeyAndChain::from_pkcs12(&mismatched, PASSWORD).unwrap_err(),
        "the PKCS#12 file holds no certificate for its private key"
    );
}

/// `openssl pkcs12 -export`, as an operator would make the file, in its default (PBES2 with
/// AES-256) and legacy (3DES, what older tools write) forms. Skipped without `openssl`.
#[test]
fn a_pkcs12_file_made_by_openssl_is_read() {
    if !openssl_installed() {
        return;
    }
    let pki = Pki::new();
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("key.pem");
    let certificate = dir.path().join("certificate.pem");
    let ca = dir.path().join("ca.pem");
    std::fs::write(&key, pki.c3.key_pem()).unwrap();
    std::fs::write(&certificate, &pki.c3.pem).unwrap();
    std::fs::write(&ca, &pki.ap_ca.pem).unwrap();
    for extra in [
        &[][..],
        &[
            "-certpbe",
            "PBE-SHA1-3DES",
            "-keypbe",
            "PBE-SHA1-3DES",
            "-macalg",
            "sha1",
        ][..],
    ] {
        let file = dir.path().join("ap.p12");
        let made = std::process::Command::new("openssl")
            .args(["pkcs12", "-export", "-inkey"])
            .arg(&key)
            .arg("-in")
            .arg(&certificate)
            .arg("-certfile")
            .arg(&ca)
            .args(["-passout", &format!("pass:{PASSWORD}"), "-out"])
            .arg(&file)
            .args(extra)
            .output()
            .unwrap();
        assert!(
            made.status.success(),
            "{}",
            String::from_utf8_lossy(&made.stderr)
        );
        let data = std::fs::read(&file).unwrap();
        let receiver = ap_key_from(&data, PASSWORD).unwrap();
        assert_eq!(receiver.certificate(), pki.c3.der);
        exchange(&pki, &pki.c2.ap_key(), &receiver);
        assert!(ap_key_from(&data, "wrong").is_err());
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
