//! `kvk_ca_file`: PEM (one or more certificates) or DER (one), and a clear refusal of a file
//! that holds no certificate.

#![allow(clippy::unwrap_used)]

use base64::Engine as _;
use haven_domain::organizations::registry::BusinessRegistry;
use haven_registry::{
    kvk::{parse_ca_file, read_ca_file},
    testing::FakeKvk,
    KvkClient, KvkClientOptions, Registry,
};

// Two self-signed P-256 test roots made for these tests (no private key kept anywhere).
const ROOT_1: &str = "-----BEGIN CERTIFICATE-----
MIIByzCCAXGgAwIBAgIUPo+HTQ8ORHXOfHO226WA4b0LFtcwCgYIKoZIzj0EAwIw
MjEUMBIGA1UECgwLSGF2ZW4gdGVzdHMxGjAYBgNVBAMMEUhhdmVuIHRlc3Qgcm9v
dCAxMCAXDTI2MTIwMzA3MjYxMVoYDzIxMjYxMTA5MDcyNjExWjAyMRQwEgYDVQQK
DAtIYXZlbiB0ZXN0czEaMBgGA1UEAwwRSGF2ZW4gdGVzdCByb290IDEwWTATBgcq
hkjOPQIBBggqhkjOPQMBBwNCAAQWsqXbjANRbes53akLF1vjtIP9c2HhThRDEisK
CRHH+SD/Gi89phBpnPunIvi67y4Puq49jpJWAS0PusRIbI8+o2MwYTAdBgNVHQ4E
FgQU/8jcP33f3dXPXuIJtBOyA0Y4nlgwHwYDVR0jBBgwFoAU/8jcP33f3dXPXuIJ
tBOyA0Y4nlgwDwYDVR0TAQH/BAUwAwEB/zAOBgNVHQ8BAf8EBAMCAQYwCgYIKoZI
zj0EAwIDSAAwRQIgfhwCnIOcEQMeGl3Ml3UiGiELGZ9y5sa1LYmDiW8iObUCIQDD
VVe+dU7uC5Sxp+4KjbczPysTMLdtUIZvQHIjI59a7w==
-----END CERTIFICATE-----
";

const ROOT_2: &str = "-----BEGIN CERTIFICATE-----
MIIByjCCAXGgAwIBAgIUSBeA3KwIA/mpklEOS6juv46rYTcwCgYIKoZIzj0EAwIw
MjEUMBIGA1UECgwLSGF2ZW4gdGVzdHMxGjAYBgNVBAMMEUhhdmVuIHRlc3Qgcm9v
dCAyMCAXDTI2MTIwMzA3MjYxMVoYDzIxMjYxMTA5MDcyNjExWjAyMRQwEgYDVQQK
DAtIYXZlbiB0ZXN0czEaMBgGA1UEAwwRSGF2ZW4gdGVzdCByb290IDIwWTATBgcq
hkjOPQIBBggqhkjOPQMBBwNCAAQPEJvlTdgHsRu17nyNMMuNDHc2DZ2dItjzheKe
yDeFlJM4o84C9sHRf8ZSQLj+eEbDo1HaAID8qcb6gls2+NOMo2MwYTAdBgNVHQ4E
FgQUBs8dwfYcRpIWQP86tQOTj4E02igwHwYDVR0jBBgwFoAUBs8dwfYcRpIWQP86
tQOTj4E02igwDwYDVR0TAQH/BAUwAwEB/zAOBgNVHQ8BAf8EBAMCAQYwCgYIKoZI
zj0EAwIDRwAwRAIgGDvL8sdJgwuoE3Vcxn4mF+9QSwxCTRwKEe+mlvAo+uoCIEn1
D0OQIXY7JqU24QEKJd1vDI6ikd1zhlxx8Uux8ohc
-----END CERTIFICATE-----
";

/// The DER form of a one-certificate PEM: its base64 body, decoded.
fn der(pem: &str) -> Vec<u8> {
    let body: String = pem
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .unwrap()
}

fn refusal(bytes: &[u8]) -> String {
    format!("{:#}", parse_ca_file(bytes).unwrap_err())
}

#[test]
fn pem_with_one_or_more_certificates_is_accepted() {
    assert_eq!(parse_ca_file(ROOT_1.as_bytes()).unwrap().len(), 1);
    let bundle = format!("Haven test roots\n{ROOT_1}\n{ROOT_2}");
    assert_eq!(parse_ca_file(bundle.as_bytes()).unwrap().len(), 2);
    // Windows line ends, as a file saved on Windows has them.
    let crlf = ROOT_2.replace('\n', "\r\n");
    assert_eq!(parse_ca_file(crlf.as_bytes()).unwrap().len(), 1);
}

#[test]
fn a_der_certificate_is_accepted() {
    let der = der(ROOT_1);
    assert_eq!(der.first(), Some(&0x30), "a DER certificate is a SEQUENCE");
    assert_eq!(parse_ca_file(&der).unwrap().len(), 1);
}

#[test]
fn a_file_without_a_certificate_is_refused_in_words_naming_the_setting() {
    for (bytes, expected) in [
        (Vec::new(), "empty"),
        (b" \n\t\n".to_vec(), "empty"),
        (
            b"-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n"
                .to_vec(),
            "no CERTIFICATE block",
        ),
        (
            b"not a certificate at all".to_vec(),
            "not an X.509 certificate",
        ),
        // A DER SEQUENCE, but not a certificate.
        (
            vec![0x30, 0x03, 0x02, 0x01, 0x01],
            "not an X.509 certificate",
        ),
        // A certificate cut short.
        (der(ROOT_1)[..200].to_vec(), "not an X.509 certificate"),
    ] {
        let message = refusal(&bytes);
        assert!(message.contains("kvk_ca_file"), "{message}");
        assert!(message.contains(expected), "{expected}: {message}");
    }

    // A broken block among good ones names which one.
    let broken = ROOT_2.replace("MIIByj", "AAAAAA");
    let message = refusal(format!("{ROOT_1}{broken}").as_bytes());
    assert!(message.contains("certificate 2 of 2"), "{message}");
    let message = refusal(b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n");
    assert!(message.contains("kvk_ca_file"), "{message}");
}

#[test]
fn reading_the_file_names_the_setting_and_the_path() {
    let dir = std::env::temp_dir().join(format!("haven-ca-file-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let der_path = dir.join("staat-der-nederlanden.cer");
    std::fs::write(&der_path, der(ROOT_2)).unwrap();
    let empty_path = dir.join("empty.pem");
    std::fs::write(&empty_path, "").unwrap();

    assert_eq!(read_ca_file(&der_path).unwrap().len(), 1);
    let message = format!("{:#}", read_ca_file(&empty_path).unwrap_err());
    assert!(message.contains("kvk_ca_file"), "{message}");
    assert!(message.contains("empty.pem"), "{message}");
    let missing = dir.join("missing.pem");
    let message = format!("{:#}", read_ca_file(&missing).unwrap_err());
    assert!(message.contains("could not read kvk_ca_file"), "{message}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_client_with_extra_roots_still_talks_to_the_register() {
    let fake = FakeKvk::start().await.unwrap();
    let options = KvkClientOptions {
        extra_root_certificates: parse_ca_file(format!("{ROOT_1}{ROOT_2}").as_bytes()).unwrap(),
        ..KvkClientOptions::default()
    };
    let client = KvkClient::with_options(fake.base_url(), fake.api_key(), options.clone()).unwrap();
    assert_eq!(
        client.profile("90000016").await.unwrap().kvk_number,
        "90000016"
    );
    let registry =
        Registry::from_config_with("kvk", Some(fake.base_url()), Some("k"), options).unwrap();
    assert_eq!(registry.kind(), "kvk");
}
