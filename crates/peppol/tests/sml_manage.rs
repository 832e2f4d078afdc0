//! The SML management client against the fake SML: real SOAP over HTTPS with client
//! certificates on 127.0.0.1.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use haven_domain::peppol::registration::{SmlError, SmlRegistry};
use haven_peppol::{
    identifiers::ParticipantIdentifier,
    sml::{DnsTiming, Sml},
    sml_fake::FakeSml,
    sml_manage::{FaultKind, ManageError, SmlManageClient, SmlManageConfig, SmpRegistered},
    testing::{Ca, DnsServer, Leaf},
};

const SMP_ID: &str = "HAVEN-TEST-SMP";
const SMP_URL: &str = "https://smp.haven.test/smp";
const ZONE: &str = "participant.sml.haven.test";

fn client(sml: &FakeSml, leaf: &Leaf) -> SmlManageClient {
    SmlManageClient::new(&SmlManageConfig {
        base_url: sml.base.clone(),
        smp_id: SMP_ID.into(),
        certificate_pem: leaf.pem.clone(),
        key_pem: leaf.key_pem(),
        extra_roots_pem: vec![sml.tls_ca_pem.clone()],
        timeout: Duration::from_secs(5),
    })
    .unwrap()
}

struct Setup {
    sml: FakeSml,
    ca: Ca,
    leaf: Leaf,
}

async fn setup() -> Setup {
    let ca = Ca::new("Test SMP CA");
    let leaf = ca.leaf("PNL000001", None, false);
    let sml = FakeSml::start(&ca).await;
    sml.add_smp(SMP_ID, &leaf.der, SMP_URL);
    Setup { sml, ca, leaf }
}

#[tokio::test]
async fn create_registers_the_participant_under_our_smp_and_a_second_create_is_fine() {
    let s = setup().await;
    let client = client(&s.sml, &s.leaf);
    client.create_participant("0106:12345678").await.unwrap();
    assert_eq!(s.sml.smp_of("0106:12345678").as_deref(), Some(SMP_ID));
    // The raw call shows the SML's fault; the port calls it done.
    let raw = client.create_participant_raw("0106:12345678").await;
    assert!(matches!(
        raw,
        Err(ManageError::Fault {
            kind: FaultKind::BadRequest,
            ..
        })
    ));
    client.create_participant("0106:12345678").await.unwrap();
    assert_eq!(s.sml.smp_of("0106:12345678").as_deref(), Some(SMP_ID));
}

#[tokio::test]
async fn delete_removes_and_deleting_an_unknown_participant_is_fine() {
    let s = setup().await;
    let client = client(&s.sml, &s.leaf);
    client.create_participant("0106:12345678").await.unwrap();
    client.delete_participant("0106:12345678").await.unwrap();
    assert_eq!(s.sml.smp_of("0106:12345678"), None);
    let raw = client.delete_participant_raw("0106:12345678").await;
    assert!(matches!(
        raw,
        Err(ManageError::Fault {
            kind: FaultKind::NotFound,
            ..
        })
    ));
    client.delete_participant("0106:12345678").await.unwrap();
}

#[tokio::test]
async fn a_participant_of_another_smp_is_refused_for_good() {
    let s = setup().await;
    s.sml.add_participant("0106:99999999", "OTHER-SMP");
    let client = client(&s.sml, &s.leaf);
    let error = client
        .create_participant("0106:99999999")
        .await
        .unwrap_err();
    assert!(matches!(error, SmlError::Unauthorized(_)), "{error:?}");
    assert!(!error.is_temporary());
    let error = client
        .delete_participant("0106:99999999")
        .await
        .unwrap_err();
    assert!(matches!(error, SmlError::Unauthorized(_)), "{error:?}");
    assert_eq!(s.sml.smp_of("0106:99999999").as_deref(), Some("OTHER-SMP"));
}

#[tokio::test]
async fn another_certificate_of_the_same_ca_is_not_the_smp() {
    let s = setup().await;
    let stranger = s.ca.leaf_with_key("PNL000002", None, false, 2);
    let error = client(&s.sml, &stranger)
        .create_participant("0106:12345678")
        .await
        .unwrap_err();
    assert!(matches!(error, SmlError::Unauthorized(_)), "{error:?}");
    assert_eq!(s.sml.smp_of("0106:12345678"), None);
}

#[tokio::test]
async fn a_certificate_from_another_ca_is_refused_by_tls() {
    let s = setup().await;
    let other = Ca::new("Someone else's CA").leaf("PNL000001", None, false);
    let error = client(&s.sml, &other)
        .create_participant("0106:12345678")
        .await
        .unwrap_err();
    assert!(matches!(error, SmlError::Unavailable(_)), "{error:?}");
    assert_eq!(
        s.sml.requests.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "the request never reached the SML"
    );
}

#[tokio::test]
async fn an_unknown_smp_is_a_permanent_failure() {
    let s = setup().await;
    let mut config = SmlManageConfig {
        base_url: s.sml.base.clone(),
        smp_id: "NOT-REGISTERED".into(),
        certificate_pem: s.leaf.pem.clone(),
        key_pem: s.leaf.key_pem(),
        extra_roots_pem: vec![s.sml.tls_ca_pem.clone()],
        timeout: Duration::from_secs(5),
    };
    let error = SmlManageClient::new(&config)
        .unwrap()
        .create_participant("0106:12345678")
        .await
        .unwrap_err();
    assert!(matches!(error, SmlError::BadRequest(_)), "{error:?}");
    config.base_url = "http://127.0.0.1:1".into();
    assert!(
        SmlManageClient::new(&config).is_err(),
        "plain http is refused"
    );
}

#[tokio::test]
async fn a_down_or_unreachable_sml_is_temporary() {
    let s = setup().await;
    s.sml.set_down(true);
    let error = client(&s.sml, &s.leaf)
        .create_participant("0106:12345678")
        .await
        .unwrap_err();
    assert!(error.is_temporary(), "{error:?}");
    s.sml.set_down(false);
    client(&s.sml, &s.leaf)
        .create_participant("0106:12345678")
        .await
        .unwrap();
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let unreachable = SmlManageClient::new(&SmlManageConfig {
        base_url: format!("https://127.0.0.1:{port}"),
        smp_id: SMP_ID.into(),
        certificate_pem: s.leaf.pem.clone(),
        key_pem: s.leaf.key_pem(),
        extra_roots_pem: vec![],
        timeout: Duration::from_secs(5),
    })
    .unwrap();
    let error = unreachable
        .create_participant("0106:12345678")
        .await
        .unwrap_err();
    assert!(error.is_temporary(), "{error:?}");
}

#[tokio::test]
async fn the_smp_is_created_then_left_alone_then_updated() {
    let ca = Ca::new("Test SMP CA");
    let leaf = ca.leaf("PNL000001", None, false);
    let sml = FakeSml::start(&ca).await;
    let client = client(&sml, &leaf);
    assert_eq!(
        client.register_smp(SMP_URL, "1.1.1.1").await.unwrap(),
        SmpRegistered::Created
    );
    assert_eq!(sml.smp_address(SMP_ID).as_deref(), Some(SMP_URL));
    assert_eq!(
        client.register_smp(SMP_URL, "1.1.1.1").await.unwrap(),
        SmpRegistered::Unchanged
    );
    assert_eq!(
        client
            .register_smp("https://new.haven.test/smp", "1.1.1.1")
            .await
            .unwrap(),
        SmpRegistered::Updated
    );
    assert_eq!(
        sml.smp_address(SMP_ID).as_deref(),
        Some("https://new.haven.test/smp")
    );
}

#[tokio::test]
async fn a_registered_participant_is_found_through_the_sml_zone() {
    let s = setup().await;
    let dns = DnsServer::start().await;
    s.sml.publish_into(dns.clone(), ZONE);
    let lookup = Sml::with_name_servers(
        ZONE,
        &[dns.addr],
        DnsTiming {
            timeout: Duration::from_secs(1),
            attempts: 1,
        },
    )
    .unwrap();
    let participant = ParticipantIdentifier::from_value("0106:12345678").unwrap();
    assert!(
        lookup.smp_url(&participant).await.is_err(),
        "not there before"
    );
    client(&s.sml, &s.leaf)
        .create_participant("0106:12345678")
        .await
        .unwrap();
    assert_eq!(lookup.smp_url(&participant).await.unwrap(), SMP_URL);
}
