//! SML lookups through our DNS client against a DNS server on 127.0.0.1, and the whole
//! network locator: DNS, then the SMP, then the cache.
#![allow(clippy::unwrap_used)]

mod support;

use std::{sync::atomic::Ordering, time::Duration};

use haven_domain::peppol::discovery::{EndpointQuery, LocateError, SmpLocator};
use haven_peppol::{
    http::HostRules,
    identifiers::{ParticipantIdentifier, BILLING_PROCESS, BIS_BILLING_INVOICE},
    locator::{NetworkLocator, StaticLocator},
    sml::{participant_hostname, DnsTiming, Sml},
    smp::{metadata_url, SmpClient},
    xmldsig::{sign_enveloped, TrustAnchors},
};
use support::{service_metadata, Answer, Ca, DnsAnswer, DnsServer, HttpServer, PARTICIPANT};

const ZONE: &str = "sml.haven.test";

fn timing() -> DnsTiming {
    DnsTiming {
        timeout: Duration::from_millis(400),
        attempts: 1,
    }
}

fn participant(value: &str) -> ParticipantIdentifier {
    ParticipantIdentifier::from_value(value).unwrap()
}

async fn dns() -> (DnsServer, Sml) {
    let server = DnsServer::start().await;
    let sml = Sml::with_name_servers(ZONE, &[server.addr], timing()).unwrap();
    (server, sml)
}

#[tokio::test]
async fn the_naptr_record_at_the_hashed_name_gives_the_smp_url() {
    let (server, sml) = dns().await;
    let host = participant_hostname(&participant(PARTICIPANT), ZONE);
    server.set(
        &host,
        DnsAnswer::Naptr(vec![
            (
                100,
                10,
                "U",
                "Meta:SMP",
                "!.*!https://smp.example/haven/!".into(),
            ),
            (
                50,
                10,
                "U",
                "Meta:Other",
                "!.*!https://other.example!".into(),
            ),
        ]),
    );
    assert_eq!(
        sml.smp_url(&participant(PARTICIPANT)).await.unwrap(),
        "https://smp.example/haven"
    );
    // The value is case-insensitive: the same name is asked for.
    let upper = ParticipantIdentifier::parse("iso6523-actorid-upis::0208:0000000002").unwrap();
    assert!(sml.smp_url(&upper).await.is_ok());
}

#[tokio::test]
async fn nxdomain_and_nodata_are_not_registered() {
    let (server, sml) = dns().await;
    let unknown = sml.smp_url(&participant("0208:0000000099")).await;
    assert!(
        matches!(unknown, Err(LocateError::NotRegistered(_))),
        "{unknown:?}"
    );
    let host = participant_hostname(&participant(PARTICIPANT), ZONE);
    server.set(&host, DnsAnswer::NoData);
    let nodata = sml.smp_url(&participant(PARTICIPANT)).await;
    assert!(
        matches!(nodata, Err(LocateError::NotRegistered(_))),
        "{nodata:?}"
    );
}

#[tokio::test]
async fn records_without_a_usable_smp_entry_are_not_registered() {
    let (server, sml) = dns().await;
    let host = participant_hostname(&participant(PARTICIPANT), ZONE);
    server.set(
        &host,
        DnsAnswer::Naptr(vec![(
            100,
            10,
            "U",
            "Meta:SMP",
            "!^(.*)$!https://\\1.example!".into(),
        )]),
    );
    let result = sml.smp_url(&participant(PARTICIPANT)).await;
    assert!(matches!(result, Err(LocateError::NotRegistered(why)) if why.contains("Meta:SMP")));
}

#[tokio::test]
async fn servfail_and_silence_are_lookup_failures() {
    let (server, sml) = dns().await;
    let host = participant_hostname(&participant(PARTICIPANT), ZONE);
    server.set(&host, DnsAnswer::ServFail);
    let servfail = sml.smp_url(&participant(PARTICIPANT)).await;
    assert!(
        matches!(servfail, Err(LocateError::Failed(_))),
        "{servfail:?}"
    );
    let quiet = participant("0208:0000000003");
    server.set(&participant_hostname(&quiet, ZONE), DnsAnswer::Silent);
    let timeout = sml.smp_url(&quiet).await;
    assert!(
        matches!(timeout, Err(LocateError::Failed(_))),
        "{timeout:?}"
    );
}

#[tokio::test]
async fn the_network_locator_goes_from_dns_to_the_signed_metadata_and_caches_the_answer() {
    let (dns, sml) = dns().await;
    let smp_server = HttpServer::start().await;
    let ca = Ca::new("HAVEN TEST SMP CA");
    let smp_cert = ca.leaf("PXX000001", None, false);
    let host = participant_hostname(&participant(PARTICIPANT), ZONE);
    dns.set(
        &host,
        DnsAnswer::Naptr(vec![(
            100,
            10,
            "U",
            "Meta:SMP",
            format!("!^.*$!{}/smp!", smp_server.base),
        )]),
    );
    let path = metadata_url(
        "/smp",
        &participant(PARTICIPANT),
        &haven_peppol::identifiers::DocumentTypeIdentifier::bis_billing_invoice(),
    );
    let xml = service_metadata(
        PARTICIPANT,
        "https://ap-b.example/as4",
        &smp_cert.der,
        None,
        None,
    );
    smp_server.answer(
        &path,
        Answer::ok(sign_enveloped(&xml, &smp_cert.signing_key()).unwrap()),
    );
    let client = SmpClient::new(
        TrustAnchors::from_der(vec![ca.der.clone()]).unwrap(),
        HostRules {
            insecure_hosts: vec!["127.0.0.1".into()],
        },
    )
    .unwrap();
    let locator = NetworkLocator::new(sml, client, Duration::from_secs(60));
    let query = EndpointQuery {
        participant: format!("iso6523-actorid-upis::{PARTICIPANT}"),
        document_type: format!("busdox-docid-qns::{BIS_BILLING_INVOICE}"),
        process: format!("cenbii-procid-ubl::{BILLING_PROCESS}"),
    };
    let endpoint = locator.find_endpoint(&query).await.unwrap();
    assert_eq!(endpoint.url, "https://ap-b.example/as4");
    assert_eq!(endpoint.certificate, smp_cert.der);
    let (dns_queries, smp_requests) = (
        dns.queries.load(Ordering::SeqCst),
        smp_server.request_count(),
    );
    assert_eq!(smp_requests, 1);
    assert_eq!(locator.find_endpoint(&query).await.unwrap(), endpoint);
    assert_eq!(dns.queries.load(Ordering::SeqCst), dns_queries);
    assert_eq!(smp_server.request_count(), 1);

    // "Not registered" is cached as well; a failure is not.
    let unknown = EndpointQuery {
        participant: "iso6523-actorid-upis::0208:0000000099".into(),
        ..query.clone()
    };
    assert!(matches!(
        locator.find_endpoint(&unknown).await,
        Err(LocateError::NotRegistered(_))
    ));
    let before = dns.queries.load(Ordering::SeqCst);
    assert!(matches!(
        locator.find_endpoint(&unknown).await,
        Err(LocateError::NotRegistered(_))
    ));
    assert_eq!(dns.queries.load(Ordering::SeqCst), before);
    let failing = participant("0208:0000000005");
    dns.set(&participant_hostname(&failing, ZONE), DnsAnswer::ServFail);
    let failing_query = EndpointQuery {
        participant: failing.to_string(),
        ..query.clone()
    };
    assert!(matches!(
        locator.find_endpoint(&failing_query).await,
        Err(LocateError::Failed(_))
    ));
    let before = dns.queries.load(Ordering::SeqCst);
    assert!(matches!(
        locator.find_endpoint(&failing_query).await,
        Err(LocateError::Failed(_))
    ));
    assert!(dns.queries.load(Ordering::SeqCst) > before);

    let bad = EndpointQuery {
        participant: "0208:0000000002".into(),
        ..query
    };
    assert!(matches!(
        locator.find_endpoint(&bad).await,
        Err(LocateError::InvalidQuery(_))
    ));
}

#[tokio::test]
async fn the_static_locator_answers_from_its_map_for_any_document_type() {
    let ca = Ca::new("HAVEN TEST AP CA");
    let ap = ca.leaf("PXX000002", None, false);
    let mut map = std::collections::HashMap::new();
    map.insert(
        participant(PARTICIPANT),
        haven_domain::peppol::discovery::PeppolEndpoint {
            url: "http://127.0.0.1:9/as4".into(),
            transport_profile: "peppol-transport-as4-v2_0".into(),
            certificate: ap.der.clone(),
        },
    );
    let locator = StaticLocator::new(map);
    let query = EndpointQuery {
        participant: "iso6523-actorid-upis::0208:0000000002".into(),
        document_type: format!(
            "busdox-docid-qns::{}",
            haven_peppol::identifiers::BIS_BILLING_CREDIT_NOTE
        ),
        process: format!("cenbii-procid-ubl::{BILLING_PROCESS}"),
    };
    assert_eq!(
        locator.find_endpoint(&query).await.unwrap().certificate,
        ap.der
    );
    let other = EndpointQuery {
        participant: "iso6523-actorid-upis::0208:0000000004".into(),
        ..query.clone()
    };
    assert!(matches!(
        locator.find_endpoint(&other).await,
        Err(LocateError::NotRegistered(_))
    ));
    let bad = EndpointQuery {
        process: "cenbii-procid-ubl::".into(),
        ..query
    };
    assert!(matches!(
        locator.find_endpoint(&bad).await,
        Err(LocateError::InvalidQuery(_))
    ));
}
