//! Haven's own SMP, read by Haven's SMP client: it publishes signed metadata only for
//! participant ids whose organization is active and receives on them.

use chrono::Utc;
use haven_domain::peppol::discovery::{LocateError, PeppolEndpoint};
use haven_peppol::{
    http::HostRules,
    identifiers::{DocumentTypeIdentifier, ParticipantIdentifier, ProcessIdentifier},
    smp::SmpClient,
    testing::Ca,
    xmldsig::TrustAnchors,
};

use crate::{
    exchange::{active_party, receive_on, BUYER_CONTACT, BUYER_KVK, SELLER_CONTACT, SELLER_KVK},
    helpers::{assert_error_body, spawn_app_with, Options, SmpFiles, TestApp},
};

const AS4_URL: &str = "https://ap.haven.test/as4";

struct Smp {
    app: TestApp,
    client: SmpClient,
    ap_certificate: Vec<u8>,
    _dir: tempfile::TempDir,
}

async fn app_with_smp() -> Smp {
    let dir = tempfile::tempdir().unwrap();
    let smp_ca = Ca::new("HAVEN TEST SMP CA");
    let smp = smp_ca.leaf("PXX000001", None, false);
    let ap = Ca::new("HAVEN TEST AP CA").leaf("PXX000002", None, false);
    let files = SmpFiles {
        key_file: dir.path().join("smp-key.pem"),
        certificate_file: dir.path().join("smp.pem"),
        ap_certificate_file: dir.path().join("ap.pem"),
        as4_url: AS4_URL.into(),
    };
    std::fs::write(&files.key_file, smp.key_pem()).unwrap();
    std::fs::write(&files.certificate_file, &smp.pem).unwrap();
    std::fs::write(&files.ap_certificate_file, &ap.pem).unwrap();
    let app = spawn_app_with(Options {
        peppol_smp: Some(files),
        ..Options::default()
    })
    .await;
    let client = SmpClient::new(
        TrustAnchors::from_der(vec![smp_ca.der.clone()]).unwrap(),
        HostRules {
            insecure_hosts: vec!["127.0.0.1".into()],
        },
    )
    .unwrap();
    Smp {
        app,
        client,
        ap_certificate: ap.der,
        _dir: dir,
    }
}

impl Smp {
    async fn endpoint(
        &self,
        participant: &str,
        document_type: DocumentTypeIdentifier,
    ) -> Result<PeppolEndpoint, LocateError> {
        self.client
            .endpoint(
                &self.app.url("/smp"),
                &ParticipantIdentifier::from_value(participant).unwrap(),
                &document_type,
                &ProcessIdentifier::billing(),
                Utc::now(),
            )
            .await
    }
}

#[tokio::test]
async fn receiving_participants_get_signed_metadata_that_our_client_verifies() {
    let smp = app_with_smp().await;
    let app = &smp.app;
    let admin = app.register_admin("ada@buyer.example").await;
    let party = active_party(app, &admin, BUYER_KVK, BUYER_CONTACT).await;

    // Active, but Receive is off: not published.
    let before = smp
        .endpoint(&party, DocumentTypeIdentifier::bis_billing_invoice())
        .await;
    assert!(
        matches!(before, Err(LocateError::NotRegistered(_))),
        "{before:?}"
    );

    receive_on(app, &admin, &party).await;
    let endpoint = smp
        .endpoint(&party, DocumentTypeIdentifier::bis_billing_invoice())
        .await
        .unwrap();
    assert_eq!(endpoint.url, AS4_URL);
    assert_eq!(endpoint.transport_profile, "peppol-transport-as4-v2_0");
    assert_eq!(endpoint.certificate, smp.ap_certificate);
    let credit_note = smp
        .endpoint(&party, DocumentTypeIdentifier::bis_billing_credit_note())
        .await
        .unwrap();
    assert_eq!(credit_note.url, AS4_URL);

    // A document type Haven does not receive is not published.
    let other = DocumentTypeIdentifier::from_value("urn:example:other::Invoice##x::2.1").unwrap();
    assert!(matches!(
        smp.endpoint(&party, other).await,
        Err(LocateError::NotRegistered(_))
    ));

    // The service group lists both document types under the public address.
    let participant = ParticipantIdentifier::from_value(&party).unwrap();
    let references = smp
        .client
        .service_group(&app.url("/smp"), &participant)
        .await
        .unwrap();
    assert_eq!(references.len(), 2);
    assert!(references
        .iter()
        .all(|r| r.starts_with("http://haven.test/smp/iso6523-actorid-upis%3A%3A0106%3A")));

    // The identifier may come unencoded, and in upper case.
    let plain = app
        .get(&format!("/smp/ISO6523-ACTORID-UPIS::{party}"))
        .await;
    assert_eq!(plain.status().as_u16(), 200);
    assert!(plain
        .headers()
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("text/xml"));
}

#[tokio::test]
async fn unknown_or_not_receiving_participants_and_other_paths_are_not_found() {
    let smp = app_with_smp().await;
    let app = &smp.app;
    let admin = app.register_admin("ada@seller.example").await;
    let party = active_party(app, &admin, SELLER_KVK, SELLER_CONTACT).await;
    for path in [
        format!("/smp/iso6523-actorid-upis%3A%3A{party}"),
        "/smp/iso6523-actorid-upis%3A%3A0106%3A99999999".to_owned(),
        "/smp/not-an-identifier".to_owned(),
        "/smp/iso6523-actorid-upis%3A%3A0106%3A99999999/services".to_owned(),
        "/smp/%zz".to_owned(),
    ] {
        let response = app.get(&path).await;
        assert_error_body(response, 404, "not_found").await;
    }
    assert!(matches!(
        smp.endpoint(
            "0106:99999999",
            DocumentTypeIdentifier::bis_billing_invoice()
        )
        .await,
        Err(LocateError::NotRegistered(_))
    ));
}
