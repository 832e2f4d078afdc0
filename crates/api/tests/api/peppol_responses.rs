//! Invoice Responses over Peppol: Haven A (the seller's access point, PXX000001) sends an
//! invoice to Haven B (the buyer's, PXX000002); the buyer answers through B's API and the
//! response travels back over AS4 to A's `/as4`, where it is recorded on A's outbox invoice.
//! And what A refuses: an answer to an invoice it did not send, one the rules refuse, one
//! whose parties are not the envelope's; and what it records once: the same response
//! delivered twice.

use chrono::Utc;
use haven_einvoice::invoice_response::{
    self as imr, Clarification, ClarificationCode, Endpoint, InvoiceReference, InvoiceResponse,
    ResponseParty, StatusReason,
};
use haven_peppol::{
    as4::{
        send::{build_user_message, MessageOptions, Outgoing},
        signal::{verify_answer, Answer},
    },
    identifiers::{DocumentTypeIdentifier, ParticipantIdentifier, ProcessIdentifier},
    sbdh::{self, Sbdh},
};
use reqwest::Method;
use serde_json::{json, Value};

use crate::{
    exchange::{invoice, receive_on, BUYER_KVK, SELLER_KVK},
    helpers::{spawn_app_with, Options, Session, TestApp},
    hooks::{create_hook, Receiver},
    peppol_sending::{buyer_on, events, inbox, kinds, seller_sends, wait_for, Network},
};

/// A and B, each knowing the other through its static locator: A sends to the buyer at B,
/// B answers to the seller at A. The seller receives on A (so A takes responses for it).
struct Pair {
    network: Network,
    a: TestApp,
    b: TestApp,
    seller: Session,
    seller_party: String,
    location: String,
    buyer: Session,
    buyer_party: String,
}

async fn pair(number: &str) -> Pair {
    pair_with(number, true).await
}

/// [`pair`], the seller receiving on A (`seller_receives`) or only sending from it.
async fn pair_with(number: &str, seller_receives: bool) -> Pair {
    let network = Network::new();
    // A's port first, so that B's locator can name A before A runs.
    let a_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let seller_certificate = network.file("seller-endpoint.pem", network.a.pem.as_bytes());
    let b = spawn_app_with(Options {
        peppol_as4: Some(network.files("b", &network.b)),
        peppol_static_endpoints: Some(format!(
            "0106:{SELLER_KVK} http://127.0.0.1:{a_port}/as4 {}",
            seller_certificate.display()
        )),
        ..Options::default()
    })
    .await;
    let (buyer, buyer_party) = buyer_on(&b, true).await;
    let a = network
        .haven_a_on(a_port, &b.url("/as4"), &network.b.pem)
        .await;
    let (seller, location) = seller_sends(&a, number).await;
    let seller_party = format!("0106:{SELLER_KVK}");
    if seller_receives {
        receive_on(&a, &seller, &seller_party).await;
    }
    let sent = wait_for(&a, &seller.token, &location, &["delivered", "failed"]).await;
    assert_eq!(sent["status"], "delivered", "{sent}");
    Pair {
        network,
        a,
        b,
        seller,
        seller_party,
        location,
        buyer,
        buyer_party,
    }
}

/// Waits until A's outbox invoice carries the response `code`.
async fn wait_for_response(pair: &Pair, code: &str) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let sent = pair.a.get_json(&pair.location, &pair.seller.token).await;
        if sent["response"] == code {
            return sent;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no {code} response arrived on {}: {sent}",
            pair.a.backend
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// An Invoice Response from the buyer to the seller about invoice `number`.
fn response_xml(number: &str, code: imr::ResponseCode, with_reason: bool) -> Vec<u8> {
    let party = |id: &str, name: &str| ResponseParty {
        endpoint: Endpoint {
            scheme: "0106".into(),
            id: id.into(),
        },
        name: name.into(),
        identifier: None,
    };
    let clarifications = if with_reason {
        vec![Clarification {
            code: Some(ClarificationCode::Reason(StatusReason::Ref)),
            text: Some("Order number unknown".into()),
            conditions: vec![],
        }]
    } else {
        vec![]
    };
    imr::build(&InvoiceResponse {
        id: uuid::Uuid::new_v4().to_string(),
        issue_date: Utc::now().date_naive().to_string(),
        note: None,
        sender: party(BUYER_KVK, "Buyer B.V."),
        receiver: party(SELLER_KVK, "Seller B.V."),
        code,
        effective_date: None,
        clarifications,
        invoice: InvoiceReference {
            id: number.into(),
            issue_date: None,
            type_code: "380".into(),
        },
    })
    .unwrap()
    .into_bytes()
}

impl Pair {
    /// An AS4 message from B's access point to A's with `document`, under `instance`.
    fn message(&self, document: &[u8], instance: &str) -> Outgoing {
        self.message_of(
            document,
            instance,
            DocumentTypeIdentifier::invoice_response(),
            ProcessIdentifier::invoice_response(),
        )
    }

    /// As [`Pair::message`] with another document type and process.
    fn message_of(
        &self,
        document: &[u8],
        instance: &str,
        document_type: DocumentTypeIdentifier,
        process: ProcessIdentifier,
    ) -> Outgoing {
        let header = Sbdh {
            sender: ParticipantIdentifier::from_value(&self.buyer_party).unwrap(),
            receiver: ParticipantIdentifier::from_value(&self.seller_party).unwrap(),
            document_type,
            process,
            country_c1: "NL".into(),
            instance_identifier: instance.into(),
            created: Utc::now(),
        };
        let sbd = sbdh::write(&header, document).unwrap();
        build_user_message(
            &sbd,
            &self.network.b.ap_key(),
            &self.network.a.der,
            &MessageOptions::default(),
        )
        .unwrap()
    }

    /// Posts to A's `/as4` and checks the answer as a sender does.
    async fn post(&self, message: &Outgoing) -> Answer {
        let response = reqwest::Client::new()
            .post(self.a.url("/as4"))
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
        verify_answer(&content_type, &body, message, &self.network.a.der).unwrap()
    }

    async fn history(&self) -> Vec<Value> {
        events(&self.a, &self.seller.token, &self.location).await
    }
}

#[tokio::test]
async fn the_buyers_answer_travels_back_over_as4_to_the_sellers_outbox() {
    let pair = pair("INV-IMR-1").await;
    let hooks = Receiver::start(&[]).await;
    create_hook(
        &pair.a,
        &pair.seller.token,
        "/api/v1/environment/hooks",
        &hooks.url(),
        &["InvoiceResponseReceived"],
    )
    .await;

    // The buyer approves on B.
    let items = inbox(&pair.b, &pair.buyer, &pair.buyer_party).await;
    assert_eq!(items.len(), 1, "{items:?}");
    let received = items[0]["id"].as_str().unwrap();
    let answered = pair
        .b
        .send(
            Method::POST,
            &format!(
                "/api/v1/parties/{}/purchase-invoices/{received}/responses",
                pair.buyer_party
            ),
            Some(&json!({"code": "ap", "note": "Approved for payment"})),
            &pair.buyer.token,
        )
        .await;
    assert_eq!(answered.status().as_u16(), 202);

    // A's outbox invoice shows it, delivery status unchanged; the history says from whom and
    // how it came.
    let sent = wait_for_response(&pair, "ap").await;
    assert_eq!(sent["status"], "delivered");
    let history = pair.history().await;
    assert_eq!(
        kinds(&history),
        ["response_received", "delivered", "validated", "accepted"]
    );
    assert_eq!(history[0]["channel"], "peppol");
    let details = history[0]["details"].as_str().unwrap();
    for part in [
        "AP from",
        "over Peppol, AS4 message",
        "PXX000002 to PXX000001",
    ] {
        assert!(details.contains(part), "{part} in {details}");
    }
    // A's hook hears of it.
    let got = hooks.wait_for(1).await;
    let event = got[0].json();
    assert_eq!(event["topic"], "InvoiceResponseReceived");
    assert_eq!(event["partyId"], pair.seller_party.as_str());
    assert_eq!(
        event["documentId"].as_str(),
        pair.location.rsplit('/').next()
    );
    // Responses are not listed as purchase invoices of the seller.
    assert!(inbox(&pair.a, &pair.seller, &pair.seller_party)
        .await
        .is_empty());

    // On B, the response itself went out over Peppol.
    let buyer_history = pair
        .b
        .get_json(
            &format!(
                "/api/v1/parties/{}/purchase-invoices/{received}/events",
                pair.buyer_party
            ),
            &pair.buyer.token,
        )
        .await;
    assert_eq!(buyer_history["items"][0]["event"], "response_sent");
}

#[tokio::test]
async fn a_response_over_as4_is_recorded_once_and_refused_when_it_answers_nothing_sent_here() {
    let pair = pair("INV-IMR-2").await;
    let before = pair.history().await.len();

    // The same response twice (a sender retrying): two receipts, one record.
    let paid = response_xml("INV-IMR-2", imr::ResponseCode::Pd, false);
    let instance = uuid::Uuid::new_v4().to_string();
    let first = pair.message(&paid, &instance);
    assert_eq!(pair.post(&first).await, Answer::Receipt);
    let again = pair.message(&paid, &instance);
    assert_eq!(pair.post(&again).await, Answer::Receipt);
    let sent = wait_for_response(&pair, "pd").await;
    assert_eq!(sent["status"], "delivered");
    let history = pair.history().await;
    assert_eq!(history.len(), before + 1, "{history:?}");
    assert_eq!(history[0]["event"], "response_received");

    // An invoice A never sent: refused, nothing changes.
    let unknown = response_xml("INV-NOT-SENT", imr::ResponseCode::Ap, false);
    let message = pair.message(&unknown, &uuid::Uuid::new_v4().to_string());
    match pair.post(&message).await {
        Answer::Error { code, detail } => {
            assert_eq!(code, "EBMS:0004");
            assert!(detail.contains("no invoice INV-NOT-SENT"), "{detail}");
        }
        Answer::Receipt => panic!("a response to an unknown invoice got a receipt"),
    }
    // A rejection without a reason breaks the Invoice Response rules: refused likewise.
    let no_reason = response_xml("INV-IMR-2", imr::ResponseCode::Ab, false);
    let no_reason = String::from_utf8(no_reason)
        .unwrap()
        .replace(">AB</cbc:ResponseCode>", ">RE</cbc:ResponseCode>")
        .into_bytes();
    let message = pair.message(&no_reason, &uuid::Uuid::new_v4().to_string());
    match pair.post(&message).await {
        Answer::Error { detail, .. } => assert!(detail.contains("PEPPOL-T111-R001"), "{detail}"),
        Answer::Receipt => panic!("a rejection without a reason got a receipt"),
    }
    // A response whose parties are not the envelope's: refused.
    let elsewhere = String::from_utf8(response_xml("INV-IMR-2", imr::ResponseCode::Re, true))
        .unwrap()
        .replace(BUYER_KVK, "11223344")
        .into_bytes();
    let message = pair.message(&elsewhere, &uuid::Uuid::new_v4().to_string());
    match pair.post(&message).await {
        Answer::Error { detail, .. } => assert!(detail.contains("sender"), "{detail}"),
        Answer::Receipt => panic!("a response from another party got a receipt"),
    }

    let sent = pair.a.get_json(&pair.location, &pair.seller.token).await;
    assert_eq!(sent["response"], "pd");
    assert_eq!(pair.history().await.len(), before + 1);

    // Another response to the same invoice is a handover of its own: recorded too.
    let approved = response_xml("INV-IMR-2", imr::ResponseCode::Ap, false);
    let message = pair.message(&approved, &uuid::Uuid::new_v4().to_string());
    assert_eq!(pair.post(&message).await, Answer::Receipt);
    let sent = wait_for_response(&pair, "ap").await;
    assert_eq!(sent["status"], "delivered");
    let history = pair.history().await;
    assert_eq!(history.len(), before + 2, "{history:?}");
    assert!(history[0]["details"]
        .as_str()
        .unwrap()
        .starts_with("AP from Buyer B.V., over Peppol"));
}

#[tokio::test]
async fn a_seller_that_does_not_receive_still_gets_the_answer_and_nothing_else() {
    let pair = pair_with("INV-IMR-3", false).await;
    let organizations = pair
        .a
        .get_json("/api/v1/organizations", &pair.seller.token)
        .await;
    let identifier = &organizations["items"][0]["identifiers"][0];
    assert_eq!(identifier["participantId"], pair.seller_party.as_str());
    assert_eq!(identifier["receive"], false, "{identifier}");
    assert_eq!(identifier["send"], true, "{identifier}");

    // The buyer rejects on B; B delivers the response over Peppol to A.
    let items = inbox(&pair.b, &pair.buyer, &pair.buyer_party).await;
    let received = items[0]["id"].as_str().unwrap();
    let answered = pair
        .b
        .send(
            Method::POST,
            &format!(
                "/api/v1/parties/{}/purchase-invoices/{received}/responses",
                pair.buyer_party
            ),
            Some(&json!({"code": "re", "reasons": [{"code": "REF", "text": "Order number unknown"}]})),
            &pair.buyer.token,
        )
        .await;
    assert_eq!(
        answered.status().as_u16(),
        202,
        "{:?}",
        answered.text().await
    );
    let sent = wait_for_response(&pair, "re").await;
    assert_eq!(sent["status"], "delivered");
    assert_eq!(pair.history().await[0]["event"], "response_received");

    // Anything but an Invoice Response is not serviced for it: an invoice to the seller.
    let document = invoice("INV-BACK-1", BUYER_KVK, SELLER_KVK, None);
    let message = pair.message_of(
        &document,
        &uuid::Uuid::new_v4().to_string(),
        DocumentTypeIdentifier::bis_billing_invoice(),
        ProcessIdentifier::billing(),
    );
    match pair.post(&message).await {
        Answer::Error { code, detail } => {
            assert_eq!(code, "EBMS:0004");
            assert!(detail.contains("NOT_SERVICED"), "{detail}");
        }
        Answer::Receipt => panic!("an invoice to a seller that does not receive got a receipt"),
    }
    assert!(inbox(&pair.a, &pair.seller, &pair.seller_party)
        .await
        .is_empty());
}
