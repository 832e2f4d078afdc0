//! Two Havens under a three-level PKI as Peppol's: a root CA, the Access Point CA and the SMP
//! CA under it, and the leaves under those. The trust files hold the root (the anchor) and
//! the issuing CA (an intermediate); the AS4 messages and SMP signatures carry only the leaf.
//! Sending, receiving and discovery work through the path, and a revoked or expired
//! intermediate stops them.

use std::sync::atomic::Ordering;

use chrono::Utc;
use haven_peppol::{
    as4::{
        send::{build_user_message, MessageOptions},
        signal::{verify_answer, Answer},
    },
    identifiers::{DocumentTypeIdentifier, ParticipantIdentifier, ProcessIdentifier},
    sbdh::{self, Sbdh},
    testing::{Ca, Intermediate, Leaf, Responder, RevocationServer, Sources},
};

use crate::{
    exchange::{invoice, BUYER_KVK, SELLER_KVK},
    helpers::TestApp,
    peppol_sending::{
        buyer_on, events, inbox, kinds, seller_sends, through_sml_in, wait_for, Network, ThroughSml,
    },
};

/// The root, its revocation server (its CRL for CA certificates, as a root's is), and an AP
/// CA of `kind` under it naming that server.
struct Pki {
    root: Ca,
    root_server: RevocationServer,
    network: Network,
}

async fn pki(kind: Intermediate) -> Pki {
    let root = Ca::root("HAVEN TEST ROOT CA");
    let root_server = root.revocation_server().await;
    root_server.set_crl(Responder::CaCertsOnly);
    let ap_ca = root.intermediate("HAVEN TEST AP CA", &root_server.sources(), kind);
    let trust = format!("{}{}", root.pem, ap_ca.pem);
    Pki {
        network: Network::issued_by(ap_ca, trust),
        root,
        root_server,
    }
}

/// A message from A's leaf to the buyer on B, posted to B's `/as4`: the answer as A reads it.
async fn post_to_b(network: &Network, b: &TestApp, buyer_party: &str) -> Answer {
    let header = Sbdh {
        sender: ParticipantIdentifier::from_value(&format!("0106:{SELLER_KVK}")).unwrap(),
        receiver: ParticipantIdentifier::from_value(buyer_party).unwrap(),
        document_type: DocumentTypeIdentifier::bis_billing_invoice(),
        process: ProcessIdentifier::billing(),
        country_c1: "NL".into(),
        instance_identifier: uuid::Uuid::new_v4().to_string(),
        created: Utc::now(),
    };
    let document = invoice("INV-CHAIN-POSTED", SELLER_KVK, BUYER_KVK, None);
    let sbd = sbdh::write(&header, &document).unwrap();
    let message = build_user_message(
        &sbd,
        &network.a.ap_key(),
        &network.b.der,
        &MessageOptions::default(),
    )
    .unwrap();
    let response = reqwest::Client::new()
        .post(b.url("/as4"))
        .header("content-type", &message.content_type)
        .body(message.body().to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    let body = response.bytes().await.unwrap();
    verify_answer(&content_type, &body, &message, &network.b.der).unwrap()
}

#[tokio::test]
async fn an_invoice_goes_between_two_havens_under_the_root_and_the_ap_ca() {
    let Pki {
        root_server,
        network,
        ..
    } = pki(Intermediate::Normal).await;
    let b = network.haven_b(0).await;
    let (buyer, buyer_party) = buyer_on(&b, true).await;
    let a = network.haven_a(&b.url("/as4"), &network.b.pem).await;
    let (seller, location) = seller_sends(&a, "INV-CHAIN-1").await;

    let sent = wait_for(&a, &seller.token, &location, &["delivered", "failed"]).await;
    assert_eq!(sent["status"], "delivered", "{sent}");
    let items = inbox(&b, &buyer, &buyer_party).await;
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0]["number"], "INV-CHAIN-1");
    // The AP CA's status was asked of the root's responder.
    assert!(root_server.ocsp_requests.load(Ordering::SeqCst) >= 1);

    // Posted straight to B: a receipt.
    assert_eq!(post_to_b(&network, &b, &buyer_party).await, Answer::Receipt);
}

#[tokio::test]
async fn a_revoked_ap_ca_stops_sending_and_receiving() {
    let Pki {
        root,
        root_server,
        network,
    } = pki(Intermediate::Normal).await;
    root_server.revoke(&network.ca.as_issued());
    let b = network.haven_b(0).await;
    let (buyer, buyer_party) = buyer_on(&b, true).await;

    // A does not send to a receiver under it.
    let a = network.haven_a(&b.url("/as4"), &network.b.pem).await;
    let (seller, location) = seller_sends(&a, "INV-CHAIN-REVOKED").await;
    let sent = wait_for(&a, &seller.token, &location, &["delivered", "failed"]).await;
    assert_eq!(sent["status"], "failed", "{sent}");
    let history = events(&a, &seller.token, &location).await;
    assert_eq!(kinds(&history), ["failed", "validated", "accepted"]);
    let details = history[0]["details"].as_str().unwrap();
    assert!(
        details.contains("revoked") && details.contains("HAVEN TEST AP CA"),
        "{details}"
    );

    // B refuses a sender under it with EBMS:0101.
    match post_to_b(&network, &b, &buyer_party).await {
        Answer::Error { code, detail } => {
            assert_eq!(code, "EBMS:0101", "{detail}");
            assert!(detail.contains("revoked"), "{detail}");
        }
        Answer::Receipt => panic!("a sender under a revoked CA was acknowledged"),
    }
    assert!(inbox(&b, &buyer, &buyer_party).await.is_empty());
    drop(root);
}

#[tokio::test]
async fn a_receiver_under_an_expired_or_non_ca_intermediate_is_not_sent_to() {
    for kind in [Intermediate::Expired, Intermediate::NotCa] {
        // A trusts the good AP CA; B's certificate is under a bad one that A's file holds too.
        let good = pki(Intermediate::Normal).await;
        let bad = good
            .root
            .intermediate("HAVEN TEST AP CA 2", &Sources::default(), kind);
        let b_leaf: Leaf = bad.leaf_with_key("PXX000002", None, false, 3);
        let network = Network::issued_by(
            good.network.ca,
            format!("{}{}{}", good.root.pem, good.network.trust_pem, bad.pem),
        );
        let b = network.haven_b(0).await;
        let (buyer, buyer_party) = buyer_on(&b, true).await;
        let a = network.haven_a(&b.url("/as4"), &b_leaf.pem).await;
        let (seller, location) = seller_sends(&a, "INV-CHAIN-BAD-CA").await;
        let sent = wait_for(&a, &seller.token, &location, &["delivered", "failed"]).await;
        assert_eq!(sent["status"], "failed", "{kind:?}: {sent}");
        let history = events(&a, &seller.token, &location).await;
        let details = history[0]["details"].as_str().unwrap();
        assert!(
            details.contains("HAVEN TEST AP CA 2"),
            "{kind:?}: {details}"
        );
        assert!(inbox(&b, &buyer, &buyer_party).await.is_empty());
    }
}

/// A and B under the three-level AP PKI, A finding B through the SML and B's SMP, whose
/// certificate is under the root's SMP CA; `revoked` has the root revoke the SMP CA first.
async fn through_smp_under_the_root(revoked: bool) -> (ThroughSml, RevocationServer) {
    let Pki { root, network, .. } = pki(Intermediate::Normal).await;
    let root_server = root.revocation_server().await;
    root_server.set_crl(Responder::CaCertsOnly);
    let smp_ca = root.intermediate(
        "HAVEN TEST SMP CA",
        &root_server.sources(),
        Intermediate::Normal,
    );
    if revoked {
        root_server.revoke(&smp_ca.as_issued());
    }
    let smp = smp_ca.leaf("PXX000009", None, false);
    let trust = format!("{}{}", root.pem, smp_ca.pem);
    (through_sml_in(network, &smp, &trust).await, root_server)
}

#[tokio::test]
async fn a_receiver_is_found_through_an_smp_signed_under_the_root_and_the_smp_ca() {
    let (
        ThroughSml {
            a,
            b,
            buyer,
            buyer_party,
            ..
        },
        root_server,
    ) = through_smp_under_the_root(false).await;
    let (seller, location) = seller_sends(&a, "INV-CHAIN-SML").await;
    let sent = wait_for(&a, &seller.token, &location, &["delivered", "failed"]).await;
    assert_eq!(sent["status"], "delivered", "{sent}");
    assert_eq!(inbox(&b, &buyer, &buyer_party).await.len(), 1);
    // The SMP CA's status was asked of the root's responder.
    assert!(root_server.ocsp_requests.load(Ordering::SeqCst) >= 1);
}

#[tokio::test]
async fn an_smp_under_a_revoked_smp_ca_is_not_believed() {
    let (
        ThroughSml {
            a,
            b,
            buyer,
            buyer_party,
            ..
        },
        _root_server,
    ) = through_smp_under_the_root(true).await;
    let (seller, location) = seller_sends(&a, "INV-CHAIN-SML-REVOKED").await;
    // A look-up that failed: tried again later, nothing sent.
    let sent = wait_for(
        &a,
        &seller.token,
        &location,
        &["delivered", "failed", "retrying"],
    )
    .await;
    assert_eq!(sent["status"], "retrying", "{sent}");
    assert!(inbox(&b, &buyer, &buyer_party).await.is_empty());
}
