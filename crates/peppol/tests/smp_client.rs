//! The SMP client against a real HTTP server on loopback.
#![allow(clippy::unwrap_used)]

mod support;

use std::time::Duration;

use chrono::Utc;
use haven_domain::peppol::discovery::LocateError;
use haven_peppol::{
    http::HostRules,
    identifiers::{DocumentTypeIdentifier, ParticipantIdentifier, ProcessIdentifier},
    smp::{metadata_url, SmpClient},
    xmldsig::{sign_enveloped, TrustAnchors},
};
use support::{redirect, service_metadata, Answer, Ca, HttpServer, Leaf, PARTICIPANT};

struct Fixture {
    server: HttpServer,
    client: SmpClient,
    ca: Ca,
    smp: Leaf,
    participant: ParticipantIdentifier,
}

const METADATA_PATH: &str = "/iso6523-actorid-upis%3A%3A0208%3A0000000002/services/busdox-docid-qns%3A%3Aurn%3Aoasis%3Anames%3Aspecification%3Aubl%3Aschema%3Axsd%3AInvoice-2%3A%3AInvoice%23%23urn%3Acen.eu%3Aen16931%3A2017%23compliant%23urn%3Afdc%3Apeppol.eu%3A2017%3Apoacc%3Abilling%3A3.0%3A%3A2.1";

async fn fixture() -> Fixture {
    let server = HttpServer::start().await;
    let ca = Ca::new("HAVEN TEST SMP CA");
    let smp = ca.leaf("PXX000001", Some("SMP-A"), false);
    let client = SmpClient::with_timeout(
        TrustAnchors::from_der(vec![ca.der.clone()]).unwrap(),
        HostRules {
            insecure_hosts: vec!["127.0.0.1".into()],
        },
        Duration::from_millis(700),
    )
    .unwrap();
    Fixture {
        server,
        client,
        ca,
        smp,
        participant: ParticipantIdentifier::from_value(PARTICIPANT).unwrap(),
    }
}

impl Fixture {
    fn publish(&self, path: &str, xml: &str) {
        let signed = sign_enveloped(xml, &self.smp.signing_key()).unwrap();
        self.server.answer(path, Answer::ok(signed));
    }

    fn metadata(&self, activation: Option<&str>, expiration: Option<&str>) -> String {
        service_metadata(
            PARTICIPANT,
            "https://ap-b.example/as4",
            &self.smp.der,
            activation,
            expiration,
        )
    }

    async fn endpoint(
        &self,
    ) -> Result<haven_domain::peppol::discovery::PeppolEndpoint, LocateError> {
        self.client
            .endpoint(
                &format!("{}/", self.server.base),
                &self.participant,
                &DocumentTypeIdentifier::bis_billing_invoice(),
                &ProcessIdentifier::billing(),
                Utc::now(),
            )
            .await
    }
}

#[tokio::test]
async fn the_signed_metadata_gives_the_as4_endpoint_and_its_certificate() {
    let f = fixture().await;
    assert_eq!(
        metadata_url(
            &f.server.base,
            &f.participant,
            &DocumentTypeIdentifier::bis_billing_invoice()
        ),
        format!("{}{METADATA_PATH}", f.server.base)
    );
    f.publish(METADATA_PATH, &f.metadata(None, None));
    let endpoint = f.endpoint().await.unwrap();
    assert_eq!(endpoint.url, "https://ap-b.example/as4");
    assert_eq!(endpoint.transport_profile, "peppol-transport-as4-v2_0");
    assert_eq!(endpoint.certificate, f.smp.der);
    assert_eq!(
        *f.server.requests.lock().unwrap(),
        vec![METADATA_PATH.to_owned()]
    );
}

#[tokio::test]
async fn activation_and_expiration_dates_are_honoured() {
    let f = fixture().await;
    f.publish(
        METADATA_PATH,
        &f.metadata(Some("2020-01-01T00:00:00Z"), Some("2999-01-01T00:00:00")),
    );
    assert!(f.endpoint().await.is_ok());
    f.publish(
        METADATA_PATH,
        &f.metadata(None, Some("2021-01-01T00:00:00+01:00")),
    );
    assert!(
        matches!(f.endpoint().await, Err(LocateError::NotRegistered(why)) if why.contains("not active"))
    );
    f.publish(
        METADATA_PATH,
        &f.metadata(Some("2999-01-01T00:00:00Z"), None),
    );
    assert!(matches!(
        f.endpoint().await,
        Err(LocateError::NotRegistered(_))
    ));
    f.publish(METADATA_PATH, &f.metadata(Some("soon"), None));
    assert!(matches!(f.endpoint().await, Err(LocateError::Failed(_))));
}

#[tokio::test]
async fn no_endpoint_for_the_transport_profile_or_the_process_is_not_registered() {
    let f = fixture().await;
    let other_profile = f
        .metadata(None, None)
        .replace("peppol-transport-as4-v2_0", "peppol-transport-as4-v1_0");
    f.publish(METADATA_PATH, &other_profile);
    assert!(matches!(
        f.endpoint().await,
        Err(LocateError::NotRegistered(_))
    ));
    let other_process = f
        .metadata(None, None)
        .replace("billing:01:1.0", "billing:02:1.0");
    f.publish(METADATA_PATH, &other_process);
    assert!(
        matches!(f.endpoint().await, Err(LocateError::NotRegistered(why)) if why.contains("process"))
    );
}

#[tokio::test]
async fn metadata_for_another_participant_or_document_type_is_refused() {
    let f = fixture().await;
    let other = f
        .metadata(None, None)
        .replace(PARTICIPANT, "0208:0000000099");
    f.publish(METADATA_PATH, &other);
    assert!(matches!(f.endpoint().await, Err(LocateError::Failed(_))));
    // The participant scheme matches case-insensitively.
    let upper = f.metadata(None, None).replacen(
        "scheme=\"iso6523-actorid-upis\"",
        "scheme=\"ISO6523-ACTORID-UPIS\"",
        1,
    );
    f.publish(METADATA_PATH, &upper);
    assert!(f.endpoint().await.is_ok());
    let credit_note = f
        .metadata(None, None)
        .replace("Invoice-2::Invoice", "CreditNote-2::CreditNote");
    f.publish(METADATA_PATH, &credit_note);
    assert!(matches!(f.endpoint().await, Err(LocateError::Failed(_))));
}

#[tokio::test]
async fn tampered_unsigned_or_foreign_signed_answers_are_lookup_failures() {
    let f = fixture().await;
    let signed = sign_enveloped(&f.metadata(None, None), &f.smp.signing_key()).unwrap();
    let tampered = signed.replace("https://ap-b.example/as4", "https://evil.example/as4");
    f.server.answer(METADATA_PATH, Answer::ok(tampered));
    assert!(matches!(f.endpoint().await, Err(LocateError::Failed(why)) if why.contains("digest")));
    f.server
        .answer(METADATA_PATH, Answer::ok(f.metadata(None, None)));
    assert!(
        matches!(f.endpoint().await, Err(LocateError::Failed(why)) if why.contains("no enveloped signature"))
    );
    let foreign = Ca::new("FOREIGN").leaf("PXX000007", None, false);
    let foreign_signed = sign_enveloped(&f.metadata(None, None), &foreign.signing_key()).unwrap();
    f.server.answer(METADATA_PATH, Answer::ok(foreign_signed));
    assert!(
        matches!(f.endpoint().await, Err(LocateError::Failed(why)) if why.contains("not trusted"))
    );
    let with_dtd = format!(
        "<!DOCTYPE x [<!ENTITY e \"x\">]>{}",
        sign_enveloped(&f.metadata(None, None), &f.smp.signing_key()).unwrap()
    );
    f.server.answer(METADATA_PATH, Answer::ok(with_dtd));
    assert!(matches!(f.endpoint().await, Err(LocateError::Failed(why)) if why.contains("DTD")));
}

#[tokio::test]
async fn not_found_is_not_registered_while_errors_and_time_outs_are_failures() {
    let f = fixture().await;
    assert!(matches!(
        f.endpoint().await,
        Err(LocateError::NotRegistered(_))
    ));
    f.server.answer(METADATA_PATH, Answer::status(500));
    assert!(matches!(f.endpoint().await, Err(LocateError::Failed(why)) if why.contains("500")));
    f.server.answer(METADATA_PATH, Answer::status(403));
    assert!(matches!(f.endpoint().await, Err(LocateError::Failed(_))));
    let mut slow =
        Answer::ok(sign_enveloped(&f.metadata(None, None), &f.smp.signing_key()).unwrap());
    slow.delay = Duration::from_secs(3);
    f.server.answer(METADATA_PATH, slow);
    assert!(
        matches!(f.endpoint().await, Err(LocateError::Failed(why)) if why.contains("no answer in time"))
    );
}

#[tokio::test]
async fn a_redirect_is_followed_once_to_an_smp_with_the_named_certificate() {
    let f = fixture().await;
    let target = format!("{}/second{METADATA_PATH}", f.server.base);
    f.publish(METADATA_PATH, &redirect(&target, "SMP-A"));
    f.publish(&format!("/second{METADATA_PATH}"), &f.metadata(None, None));
    assert_eq!(f.endpoint().await.unwrap().url, "https://ap-b.example/as4");

    // The target must be signed by the certificate with the UID the redirect named.
    f.publish(METADATA_PATH, &redirect(&target, "SMP-OTHER"));
    assert!(matches!(f.endpoint().await, Err(LocateError::Failed(why)) if why.contains("UID")));

    // A second redirect is not followed.
    let third = format!("{}/third{METADATA_PATH}", f.server.base);
    f.publish(METADATA_PATH, &redirect(&target, "SMP-A"));
    f.publish(
        &format!("/second{METADATA_PATH}"),
        &redirect(&third, "SMP-A"),
    );
    f.publish(&format!("/third{METADATA_PATH}"), &f.metadata(None, None));
    assert!(matches!(f.endpoint().await, Err(LocateError::Failed(why)) if why.contains("once")));
    let _ = &f.ca;
}

#[tokio::test]
async fn an_smp_on_an_internal_address_is_refused_unless_configured() {
    let f = fixture().await;
    f.publish(METADATA_PATH, &f.metadata(None, None));
    let strict = SmpClient::new(
        TrustAnchors::from_der(vec![f.ca.der.clone()]).unwrap(),
        HostRules::default(),
    )
    .unwrap();
    let result = strict
        .endpoint(
            &f.server.base,
            &f.participant,
            &DocumentTypeIdentifier::bis_billing_invoice(),
            &ProcessIdentifier::billing(),
            Utc::now(),
        )
        .await;
    assert!(matches!(result, Err(LocateError::Failed(why)) if why.contains("refused")));
    assert_eq!(f.server.request_count(), 0);
    let https_localhost = strict
        .service_group(
            &f.server
                .base
                .replace("http://127.0.0.1", "https://localhost"),
            &f.participant,
        )
        .await;
    assert!(
        matches!(https_localhost, Err(LocateError::Failed(why)) if why.contains("private, loopback"))
    );
}

#[tokio::test]
async fn the_service_group_lists_the_metadata_references() {
    let f = fixture().await;
    let href = format!("{}{METADATA_PATH}", f.server.base);
    f.server.answer(
        "/iso6523-actorid-upis%3A%3A0208%3A0000000002",
        Answer::ok(format!(
            r#"<ServiceGroup xmlns="http://busdox.org/serviceMetadata/publishing/1.0/" xmlns:ids="http://busdox.org/transport/identifiers/1.0/"><ids:ParticipantIdentifier scheme="iso6523-actorid-upis">0208:0000000002</ids:ParticipantIdentifier><ServiceMetadataReferenceCollection><ServiceMetadataReference href="{href}"/></ServiceMetadataReferenceCollection></ServiceGroup>"#
        )),
    );
    assert_eq!(
        f.client
            .service_group(&f.server.base, &f.participant)
            .await
            .unwrap(),
        vec![href]
    );
    let unknown = ParticipantIdentifier::from_value("0208:0000000099").unwrap();
    assert!(matches!(
        f.client.service_group(&f.server.base, &unknown).await,
        Err(LocateError::NotRegistered(_))
    ));
}

/// A revocation checker with an empty cache that asks servers on loopback.
fn soft_checker() -> std::sync::Arc<haven_peppol::revocation::RevocationChecker> {
    use haven_peppol::revocation::{Policy, RevocationChecker};
    std::sync::Arc::new(
        RevocationChecker::new(
            Policy::Soft,
            HostRules {
                insecure_hosts: vec!["127.0.0.1".into()],
            },
            Duration::from_secs(3),
        )
        .unwrap(),
    )
}

#[tokio::test]
async fn an_smp_whose_certificate_is_revoked_is_not_believed() {
    let server = HttpServer::start().await;
    let ca = Ca::new("HAVEN TEST SMP CA");
    let revocation = ca.revocation_server().await;
    let smp = ca.leaf_with_sources("PXX000001", 2, &revocation.sources());
    let checker = soft_checker();
    let client = SmpClient::with_timeout(
        TrustAnchors::from_der(vec![ca.der.clone()]).unwrap(),
        HostRules {
            insecure_hosts: vec!["127.0.0.1".into()],
        },
        Duration::from_millis(700),
    )
    .unwrap()
    .with_revocation(checker);
    let xml = service_metadata(
        PARTICIPANT,
        "https://ap-b.example/as4",
        &smp.der,
        None,
        None,
    );
    server.answer(
        METADATA_PATH,
        Answer::ok(sign_enveloped(&xml, &smp.signing_key()).unwrap()),
    );
    let participant = ParticipantIdentifier::from_value(PARTICIPANT).unwrap();
    let base = format!("{}/", server.base);
    let invoice = DocumentTypeIdentifier::bis_billing_invoice();

    // Good: the endpoint is believed.
    let endpoint = client
        .endpoint(
            &base,
            &participant,
            &invoice,
            &ProcessIdentifier::billing(),
            Utc::now(),
        )
        .await
        .unwrap();
    assert_eq!(endpoint.url, "https://ap-b.example/as4");

    // Revoked (a new client, as the answer above is cached): a lookup failure, not "not
    // registered", naming the revocation.
    revocation.revoke(&smp);
    let fresh = soft_checker();
    let client = client.with_revocation(fresh);
    let err = client
        .endpoint(
            &base,
            &participant,
            &invoice,
            &ProcessIdentifier::billing(),
            Utc::now(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, LocateError::Failed(why) if why.contains("revoked")),
        "{err:?}"
    );
}
