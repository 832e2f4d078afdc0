//! Haven's own SMP, read by Haven's SMP client: it publishes signed metadata only for
//! participant ids whose organization is active and receives on them (every document type)
//! or sends from them (the Invoice Response alone).

use chrono::Utc;
use haven_domain::{
    documents::blobs::ContentHash,
    peppol::{
        discovery::{LocateError, PeppolEndpoint},
        receiving::{evidence, ReceivedMessage, ReceivedMessages},
    },
};
use haven_peppol::{
    as4::{
        send::{build_user_message, MessageOptions, Outgoing},
        signal::{verify_answer, Answer},
        NOT_SERVICED,
    },
    http::HostRules,
    identifiers::{DocumentTypeIdentifier, ParticipantIdentifier, ProcessIdentifier},
    sbdh::{self, Sbdh},
    smp::SmpClient,
    testing::{Ca, Leaf},
    xmldsig::TrustAnchors,
};

use crate::{
    exchange::{
        active_party, invoice, receive_on, two_parties, BUYER_CONTACT, BUYER_KVK, SELLER_CONTACT,
        SELLER_KVK,
    },
    helpers::{assert_error_body, spawn_app_with, As4Files, Options, SmpFiles, TestApp},
    hooks::{create_hook, Receiver},
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
        self.endpoint_in(participant, document_type, ProcessIdentifier::billing())
            .await
    }

    async fn endpoint_in(
        &self,
        participant: &str,
        document_type: DocumentTypeIdentifier,
        process: ProcessIdentifier,
    ) -> Result<PeppolEndpoint, LocateError> {
        self.client
            .endpoint(
                &self.app.url("/smp"),
                &ParticipantIdentifier::from_value(participant).unwrap(),
                &document_type,
                &process,
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
    // Invoice Responses are received too, in their own process (and not in BIS Billing's).
    let response = smp
        .endpoint_in(
            &party,
            DocumentTypeIdentifier::invoice_response(),
            ProcessIdentifier::invoice_response(),
        )
        .await
        .unwrap();
    assert_eq!(response.url, AS4_URL);
    assert_eq!(response.certificate, smp.ap_certificate);
    let wrong_process = smp
        .endpoint(&party, DocumentTypeIdentifier::invoice_response())
        .await;
    assert!(
        matches!(wrong_process, Err(LocateError::NotRegistered(_))),
        "{wrong_process:?}"
    );

    // A document type Haven does not receive is not published.
    let other = DocumentTypeIdentifier::from_value("urn:example:other::Invoice##x::2.1").unwrap();
    assert!(matches!(
        smp.endpoint(&party, other).await,
        Err(LocateError::NotRegistered(_))
    ));

    // The service group lists the document types a Dutch organization takes by default (BIS
    // Billing 3.0 and SI-UBL 2.0, invoice and credit note) and the Invoice Response, under the
    // public address.
    let participant = ParticipantIdentifier::from_value(&party).unwrap();
    let references = smp
        .client
        .service_group(&app.url("/smp"), &participant)
        .await
        .unwrap();
    assert_eq!(references.len(), 5, "{references:?}");
    let nlcius = smp
        .endpoint(&party, DocumentTypeIdentifier::nlcius_invoice())
        .await
        .unwrap();
    assert_eq!(nlcius.url, AS4_URL);
    assert!(references
        .iter()
        .any(|r| r.contains("ApplicationResponse") && r.contains("invoice_response")));
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
async fn a_seller_that_only_sends_is_published_for_the_invoice_response_alone() {
    let smp = app_with_smp().await;
    let app = &smp.app;
    let admin = app.register_admin("ada@seller.example").await;
    // Active, Send on (as activation leaves it), Receive off.
    let party = active_party(app, &admin, SELLER_KVK, SELLER_CONTACT).await;
    let response = smp
        .endpoint_in(
            &party,
            DocumentTypeIdentifier::invoice_response(),
            ProcessIdentifier::invoice_response(),
        )
        .await
        .unwrap();
    assert_eq!(response.url, AS4_URL);
    for other in [
        DocumentTypeIdentifier::bis_billing_invoice(),
        DocumentTypeIdentifier::bis_billing_credit_note(),
    ] {
        let found = smp.endpoint(&party, other).await;
        assert!(
            matches!(found, Err(LocateError::NotRegistered(_))),
            "{found:?}"
        );
    }
    let participant = ParticipantIdentifier::from_value(&party).unwrap();
    let references = smp
        .client
        .service_group(&app.url("/smp"), &participant)
        .await
        .unwrap();
    assert_eq!(references.len(), 1, "{references:?}");
    assert!(references[0].contains("ApplicationResponse"));
    // No business card: it takes no invoices, so it is not listed in the Directory.
    let card = app
        .get(&format!("/smp/businesscard/iso6523-actorid-upis::{party}"))
        .await;
    assert_error_body(card, 404, "not_found").await;

    // Send off too: not published at all.
    switch_send_off(app, &admin, &party).await;
    assert_error_body(
        app.get(&format!("/smp/iso6523-actorid-upis%3A%3A{party}"))
            .await,
        404,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn the_smp_publishes_exactly_the_document_types_the_organization_chose() {
    let smp = app_with_smp().await;
    let app = &smp.app;
    let admin = app.register_admin("ada@buyer.example").await;
    let party = active_party(app, &admin, BUYER_KVK, BUYER_CONTACT).await;
    receive_on(app, &admin, &party).await;
    crate::peppol_sending::choose_document_types(
        app,
        &admin,
        &["nlcius_credit_note", "bis_billing_invoice"],
    )
    .await;

    // The service group: the two chosen and the Invoice Response, nothing else.
    let participant = ParticipantIdentifier::from_value(&party).unwrap();
    let mut references = smp
        .client
        .service_group(&app.url("/smp"), &participant)
        .await
        .unwrap();
    references.sort();
    let encoded = |doc: DocumentTypeIdentifier| {
        format!(
            "http://haven.test/smp/{}/services/{}",
            participant.url_encoded(),
            doc.url_encoded()
        )
    };
    let mut expected = vec![
        encoded(DocumentTypeIdentifier::bis_billing_invoice()),
        encoded(DocumentTypeIdentifier::nlcius_credit_note()),
        encoded(DocumentTypeIdentifier::invoice_response()),
    ];
    expected.sort();
    assert_eq!(references, expected);

    // Chosen: signed metadata in the BIS Billing process. Not chosen: 404.
    for chosen in [
        DocumentTypeIdentifier::bis_billing_invoice(),
        DocumentTypeIdentifier::nlcius_credit_note(),
    ] {
        assert_eq!(smp.endpoint(&party, chosen).await.unwrap().url, AS4_URL);
    }
    for left_out in [
        DocumentTypeIdentifier::bis_billing_credit_note(),
        DocumentTypeIdentifier::nlcius_invoice(),
    ] {
        let found = smp.endpoint(&party, left_out.clone()).await;
        assert!(
            matches!(found, Err(LocateError::NotRegistered(_))),
            "{found:?}"
        );
        let path = format!(
            "/smp/{}/services/{}",
            participant.url_encoded(),
            left_out.url_encoded()
        );
        assert_error_body(app.get(&path).await, 404, "not_found").await;
    }
    // The Invoice Response stays, in its own process.
    let response = smp
        .endpoint_in(
            &party,
            DocumentTypeIdentifier::invoice_response(),
            ProcessIdentifier::invoice_response(),
        )
        .await
        .unwrap();
    assert_eq!(response.url, AS4_URL);
}

/// Switches Send off for the party's identifier.
async fn switch_send_off(app: &TestApp, admin: &crate::helpers::Session, party: &str) {
    let orgs = app.get_json("/api/v1/organizations", &admin.token).await;
    let org = &orgs["items"][0];
    let identifier = org["identifiers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["participantId"] == party)
        .unwrap();
    let response = app
        .send(
            reqwest::Method::PATCH,
            &format!(
                "/api/v1/organizations/{}/identifiers/{}",
                org["id"].as_str().unwrap(),
                identifier["id"].as_str().unwrap()
            ),
            Some(&serde_json::json!({ "send": false })),
            &admin.token,
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
}

#[tokio::test]
async fn unknown_or_not_receiving_participants_and_other_paths_are_not_found() {
    let smp = app_with_smp().await;
    let app = &smp.app;
    let admin = app.register_admin("ada@seller.example").await;
    let party = active_party(app, &admin, SELLER_KVK, SELLER_CONTACT).await;
    // Neither sending nor receiving (a seller that sends is published for responses).
    switch_send_off(app, &admin, &party).await;
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

/// An app receiving AS4 as PXX000002 under a test AP CA; the sender's leaf (PXX000001) and a
/// leaf of a foreign CA claiming the same seat id.
struct As4App {
    app: TestApp,
    ap_ca: Ca,
    receiver: Leaf,
    sender: Leaf,
    foreign: Leaf,
    _dir: tempfile::TempDir,
}

async fn app_with_as4() -> As4App {
    app_with_as4_limited(None).await
}

/// [`app_with_as4`] with `peppol_as4_requests_per_minute_per_ip` set.
async fn app_with_as4_limited(per_minute: Option<u32>) -> As4App {
    app_with_as4_options(Options {
        peppol_as4_requests_per_minute_per_ip: per_minute,
        ..Options::default()
    })
    .await
}

/// [`app_with_as4`] with other options too.
async fn app_with_as4_options(options: Options) -> As4App {
    let dir = tempfile::tempdir().unwrap();
    let ap_ca = Ca::new("HAVEN TEST AP CA");
    let receiver = ap_ca.leaf_with_key("PXX000002", None, false, 3);
    let sender = ap_ca.leaf_with_key("PXX000001", None, false, 2);
    let foreign = Ca::new("FOREIGN AP CA").leaf_with_key("PXX000001", None, false, 2);
    let files = As4Files {
        key_file: dir.path().join("ap-key.pem"),
        certificate_file: dir.path().join("ap.pem"),
        trust_file: dir.path().join("ap-ca.pem"),
    };
    std::fs::write(&files.key_file, receiver.key_pem()).unwrap();
    std::fs::write(&files.certificate_file, &receiver.pem).unwrap();
    std::fs::write(&files.trust_file, &ap_ca.pem).unwrap();
    let app = spawn_app_with(Options {
        peppol_as4: Some(files),
        ..options
    })
    .await;
    As4App {
        app,
        ap_ca,
        receiver,
        sender,
        foreign,
        _dir: dir,
    }
}

impl As4App {
    /// An AS4 message with `invoice` from the seller to `receiver`, signed by `signer`.
    fn message(&self, signer: &Leaf, receiver: &str, document: &[u8]) -> Outgoing {
        let instance_identifier = uuid::Uuid::new_v4().to_string();
        self.message_as(signer, receiver, document, &instance_identifier, None)
    }

    /// [`As4App::message`] with the SBDH InstanceIdentifier and the MessageId given.
    fn message_as(
        &self,
        signer: &Leaf,
        receiver: &str,
        document: &[u8],
        instance_identifier: &str,
        message_id: Option<String>,
    ) -> Outgoing {
        let header = Sbdh {
            sender: ParticipantIdentifier::from_value(&format!("0106:{SELLER_KVK}")).unwrap(),
            receiver: ParticipantIdentifier::from_value(receiver).unwrap(),
            document_type: DocumentTypeIdentifier::bis_billing_invoice(),
            process: ProcessIdentifier::billing(),
            country_c1: "NL".into(),
            instance_identifier: instance_identifier.to_owned(),
            created: Utc::now(),
        };
        let sbd = sbdh::write(&header, document).unwrap();
        build_user_message(
            &sbd,
            &signer.ap_key(),
            &self.receiver.der,
            &MessageOptions {
                message_id,
                conversation_id: None,
            },
        )
        .unwrap()
    }

    /// Posts the message to /as4 and checks the answer as the sender does.
    async fn post(&self, message: &Outgoing) -> Answer {
        let (content_type, body) = self.post_raw(message).await;
        verify_answer(&content_type, &body, message, &self.receiver.der).unwrap()
    }

    /// Posts the message to /as4: the answer's Content-Type and body, as they came.
    async fn post_raw(&self, message: &Outgoing) -> (String, Vec<u8>) {
        let response = reqwest::Client::new()
            .post(self.app.url("/as4"))
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
        assert!(
            content_type.starts_with("application/soap+xml"),
            "{content_type}"
        );
        let body = response.bytes().await.unwrap().to_vec();
        (content_type, body)
    }
}

#[tokio::test]
async fn an_as4_message_lands_in_the_inbox_once_and_is_acknowledged_with_a_signed_receipt() {
    let as4 = app_with_as4().await;
    let app = &as4.app;
    let (_, _, buyer, buyer_party) = two_parties(app).await;
    let document = invoice("INV-AS4-1", SELLER_KVK, BUYER_KVK, None);
    let message = as4.message(&as4.sender, &buyer_party, &document);
    assert_eq!(as4.post(&message).await, Answer::Receipt);

    let inbox_path = format!("/api/v1/parties/{buyer_party}/purchase-invoices");
    let inbox = app.get_json(&inbox_path, &buyer.token).await;
    let items = inbox["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{inbox}");
    assert_eq!(items[0]["status"], "received");
    assert_eq!(items[0]["number"], "INV-AS4-1");
    // Its history names the message and both access points.
    let history = app
        .get_json(
            &format!("{inbox_path}/{}/events", items[0]["id"].as_str().unwrap()),
            &buyer.token,
        )
        .await;
    let received = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["event"] == "received")
        .unwrap_or_else(|| panic!("no received line: {history}"));
    let details = received["details"].as_str().unwrap();
    for part in [message.message_id.as_str(), "PXX000001", "PXX000002"] {
        assert!(details.contains(part), "{part} in {details}");
    }
    assert_eq!(received["channel"], "peppol");

    // The same message again (a sender retrying after a lost answer): acknowledged, stored once.
    assert_eq!(as4.post(&message).await, Answer::Receipt);
    let inbox = app.get_json(&inbox_path, &buyer.token).await;
    assert_eq!(inbox["items"].as_array().unwrap().len(), 1, "{inbox}");
}

impl As4App {
    /// The record of `message` from the sender's access point (PXX000001).
    async fn received(&self, message: &Outgoing) -> Option<ReceivedMessage> {
        self.app
            .database()
            .find_received("PXX000001", &message.message_id)
            .await
            .unwrap()
    }

    /// A blob of the app's document store.
    fn blob(&self, hash: &ContentHash) -> Vec<u8> {
        let hex = hash.as_str();
        std::fs::read(
            self.app
                .data_dir
                .join("documents")
                .join(&hex[..2])
                .join(&hex[2..4])
                .join(hex),
        )
        .unwrap_or_else(|e| panic!("blob {hex}: {e}"))
    }
}

/// The items of a party's inbox.
async fn purchase_invoices(app: &TestApp, token: &str, party: &str) -> Vec<serde_json::Value> {
    let inbox = app
        .get_json(&format!("/api/v1/parties/{party}/purchase-invoices"), token)
        .await;
    inbox["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_message_id_sent_again_gets_the_stored_receipt_and_the_evidence_is_kept() {
    let as4 = app_with_as4().await;
    let app = &as4.app;
    let (_, _, buyer, buyer_party) = two_parties(app).await;
    let document = invoice("INV-AS4-DUP", SELLER_KVK, BUYER_KVK, None);
    let instance = uuid::Uuid::new_v4().to_string();
    let message = as4.message_as(&as4.sender, &buyer_party, &document, &instance, None);
    let (content_type, first) = as4.post_raw(&message).await;
    assert_eq!(
        verify_answer(&content_type, &first, &message, &as4.receiver.der).unwrap(),
        Answer::Receipt
    );

    // The same MessageId again: the receipt sent then, byte for byte; nothing new stored.
    let row = as4
        .received(&message)
        .await
        .expect("the message is recorded");
    let (again_type, again) = as4.post_raw(&message).await;
    assert_eq!(again_type, content_type);
    assert!(again == first, "the second answer is the first receipt");
    assert_eq!(as4.received(&message).await.as_ref(), Some(&row));
    let items = purchase_invoices(app, &buyer.token, &buyer_party).await;
    assert_eq!(items.len(), 1, "{items:?}");
    let document_id = items[0]["id"].as_str().unwrap();
    assert_eq!(
        row.document_id.map(|id| id.to_string()).as_deref(),
        Some(document_id)
    );

    // The evidence: the message as posted and the receipt as answered, in the document store
    // under the hashes the row and the history name.
    assert_eq!(
        as4.blob(&row.message_hash),
        evidence(&message.content_type, message.body())
    );
    assert_eq!(as4.blob(&row.receipt_hash), evidence(&content_type, &first));
    let history = app
        .get_json(
            &format!("/api/v1/parties/{buyer_party}/purchase-invoices/{document_id}/events"),
            &buyer.token,
        )
        .await;
    let received = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["event"] == "received")
        .unwrap_or_else(|| panic!("no received line: {history}"));
    let details = received["details"].as_str().unwrap();
    for part in [
        format!("message sha256:{}", row.message_hash),
        format!("receipt sha256:{}", row.receipt_hash),
    ] {
        assert!(details.contains(&part), "{part} in {details}");
    }

    // Built again under the same MessageId (a new timestamp and signature, as a sender that
    // rebuilds its retry does): the receipt sent then does not name this message's
    // references, so it gets its own; still one document, and the record is the first.
    let rebuilt = as4.message_as(
        &as4.sender,
        &buyer_party,
        &document,
        &instance,
        Some(message.message_id.clone()),
    );
    assert_ne!(rebuilt.body(), message.body());
    assert_eq!(as4.post(&rebuilt).await, Answer::Receipt);
    assert_eq!(as4.received(&message).await.as_ref(), Some(&row));
    let items = purchase_invoices(app, &buyer.token, &buyer_party).await;
    assert_eq!(items.len(), 1, "{items:?}");

    // The same document under another MessageId (InstanceIdentifier known): stored once, a
    // fresh receipt, and a record of its own naming the same document.
    let instance = uuid::Uuid::new_v4().to_string();
    let document = invoice("INV-AS4-DUP-2", SELLER_KVK, BUYER_KVK, None);
    let one = as4.message_as(&as4.sender, &buyer_party, &document, &instance, None);
    let other = as4.message_as(&as4.sender, &buyer_party, &document, &instance, None);
    assert_ne!(one.message_id, other.message_id);
    assert_eq!(as4.post(&one).await, Answer::Receipt);
    assert_eq!(as4.post(&other).await, Answer::Receipt);
    let items = purchase_invoices(app, &buyer.token, &buyer_party).await;
    assert_eq!(items.len(), 2, "{items:?}");
    let (one, other) = (
        as4.received(&one).await.unwrap(),
        as4.received(&other).await.unwrap(),
    );
    assert_eq!(one.document_id, other.document_id);
    assert_ne!(one.receipt_hash, other.receipt_hash);
}

#[tokio::test]
async fn the_same_message_posted_twice_at_once_is_stored_once_and_both_get_the_receipt() {
    let as4 = app_with_as4_options(Options {
        database_max_connections: 8,
        ..Options::default()
    })
    .await;
    let app = &as4.app;
    let (_, _, buyer, buyer_party) = two_parties(app).await;
    for round in 0..3 {
        let document = invoice(
            &format!("INV-AS4-RACE-{round}"),
            SELLER_KVK,
            BUYER_KVK,
            None,
        );
        let message = as4.message(&as4.sender, &buyer_party, &document);
        let ((type_a, a), (type_b, b)) =
            tokio::join!(as4.post_raw(&message), as4.post_raw(&message));
        for (content_type, body) in [(&type_a, &a), (&type_b, &b)] {
            assert_eq!(
                verify_answer(content_type, body, &message, &as4.receiver.der).unwrap(),
                Answer::Receipt
            );
        }
        // One MessageId, one receipt: the one recorded.
        assert!(a == b, "both answers are the recorded receipt");
        let row = as4.received(&message).await.unwrap();
        assert_eq!(as4.blob(&row.receipt_hash), evidence(&type_a, &a));
        let items = purchase_invoices(app, &buyer.token, &buyer_party).await;
        assert_eq!(items.len(), round + 1, "{items:?}");
    }
}

#[tokio::test]
async fn as4_messages_for_no_one_here_or_from_untrusted_senders_get_signed_errors() {
    let as4 = app_with_as4().await;
    let app = &as4.app;
    let (_, seller_party, buyer, buyer_party) = two_parties(app).await;
    let document = invoice("INV-AS4-2", SELLER_KVK, BUYER_KVK, None);
    let not_serviced = Answer::Error {
        code: "EBMS:0004".into(),
        detail: NOT_SERVICED.into(),
    };
    // Nobody has this id; the seller's id does not receive.
    for receiver in ["0106:99999999", seller_party.as_str()] {
        let message = as4.message(&as4.sender, receiver, &document);
        assert_eq!(as4.post(&message).await, not_serviced, "{receiver}");
    }
    // A certificate from another CA.
    let message = as4.message(&as4.foreign, &buyer_party, &document);
    match as4.post(&message).await {
        Answer::Error { code, .. } => assert_eq!(code, "EBMS:0101"),
        Answer::Receipt => panic!("an untrusted sender got a receipt"),
    }
    // Not an AS4 message at all.
    let response = reqwest::Client::new()
        .post(app.url("/as4"))
        .header("content-type", "text/plain")
        .body("hello")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert!(response.text().await.unwrap().contains("EBMS:0007"));
    // Nothing reached the buyer's inbox.
    let inbox = app
        .get_json(
            &format!("/api/v1/parties/{buyer_party}/purchase-invoices"),
            &buyer.token,
        )
        .await;
    assert_eq!(inbox["items"].as_array().unwrap().len(), 0, "{inbox}");
}

#[tokio::test]
async fn as4_messages_signed_with_a_revoked_certificate_are_refused_and_not_stored() {
    let as4 = app_with_as4().await;
    let app = &as4.app;
    let (_, _, buyer, buyer_party) = two_parties(app).await;
    // The AP CA's OCSP responder and CRL on loopback (exempt in the test settings); it has
    // revoked one of two certificates of the sending access point.
    let revocation = as4.ap_ca.revocation_server().await;
    let revoked = as4
        .ap_ca
        .leaf_with_sources("PXX000001", 2, &revocation.sources());
    let current = as4
        .ap_ca
        .leaf_with_sources("PXX000001", 2, &revocation.sources());
    revocation.revoke(&revoked);
    let inbox_path = format!("/api/v1/parties/{buyer_party}/purchase-invoices");

    let document = invoice("INV-AS4-REVOKED", SELLER_KVK, BUYER_KVK, None);
    let message = as4.message(&revoked, &buyer_party, &document);
    match as4.post(&message).await {
        Answer::Error { code, detail } => {
            assert_eq!(code, "EBMS:0101");
            assert!(detail.contains("revoked"), "{detail}");
        }
        Answer::Receipt => panic!("a revoked sender got a receipt"),
    }
    let inbox = app.get_json(&inbox_path, &buyer.token).await;
    assert_eq!(inbox["items"].as_array().unwrap().len(), 0, "{inbox}");

    // The same sender with its current certificate is received.
    let document = invoice("INV-AS4-CURRENT", SELLER_KVK, BUYER_KVK, None);
    let message = as4.message(&current, &buyer_party, &document);
    assert_eq!(as4.post(&message).await, Answer::Receipt);
    let inbox = app.get_json(&inbox_path, &buyer.token).await;
    assert_eq!(inbox["items"].as_array().unwrap().len(), 1, "{inbox}");
    assert!(
        revocation
            .ocsp_requests
            .load(std::sync::atomic::Ordering::SeqCst)
            >= 2
    );
}

#[tokio::test]
async fn a_document_not_between_the_envelopes_parties_is_refused_and_not_stored() {
    let as4 = app_with_as4().await;
    let app = &as4.app;
    let (_, _, buyer, buyer_party) = two_parties(app).await;
    // Addressed to the buyer here, but the invoice is for another buyer (BT-49)…
    let for_someone_else = invoice("INV-AS4-ELSEWHERE", SELLER_KVK, "87654321", None);
    // …or from another seller (BT-34) than the envelope's sender.
    let from_someone_else = invoice("INV-AS4-OTHER", "87654321", BUYER_KVK, None);
    for (document, expected) in [
        (for_someone_else, "BT-49, BT-47, BT-48"),
        (from_someone_else, "BT-34"),
    ] {
        let message = as4.message(&as4.sender, &buyer_party, &document);
        match as4.post(&message).await {
            Answer::Error { code, detail } => {
                assert_eq!(code, "EBMS:0004");
                assert!(detail.contains(expected), "{expected} in {detail}");
            }
            Answer::Receipt => panic!("a receipt for a document not as addressed"),
        }
    }
    let inbox = app
        .get_json(
            &format!("/api/v1/parties/{buyer_party}/purchase-invoices"),
            &buyer.token,
        )
        .await;
    assert_eq!(inbox["items"].as_array().unwrap().len(), 0, "{inbox}");
}

#[tokio::test]
async fn as4_messages_from_one_address_are_limited_before_any_work_is_done() {
    let as4 = app_with_as4_limited(Some(3)).await;
    let app = &as4.app;
    let (_, _, buyer, buyer_party) = two_parties(app).await;
    let post = |body: Vec<u8>, content_type: String| {
        reqwest::Client::new()
            .post(app.url("/as4"))
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    // Within the limit each message is answered, a signed message with its receipt.
    let document = invoice("INV-AS4-LIMIT", SELLER_KVK, BUYER_KVK, None);
    let message = as4.message(&as4.sender, &buyer_party, &document);
    assert_eq!(as4.post(&message).await, Answer::Receipt);
    for _ in 0..2 {
        let response = post(b"hello".to_vec(), "text/plain".into()).await.unwrap();
        assert_eq!(response.status().as_u16(), 200);
    }
    // Above it: 429 with Retry-After, even for a well-formed message, which is not opened.
    let message = as4.message(&as4.sender, &buyer_party, &document);
    let response = post(message.body().to_vec(), message.content_type.clone())
        .await
        .unwrap();
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    assert_error_body(response, 429, "too_many_requests").await;
    let inbox = app
        .get_json(
            &format!("/api/v1/parties/{buyer_party}/purchase-invoices"),
            &buyer.token,
        )
        .await;
    assert_eq!(inbox["items"].as_array().unwrap().len(), 1, "{inbox}");
}

/// A document the network brings that does not pass validation is refused with a signed
/// error, nothing is stored, and the receiving organization's hooks get `InvoiceReceivedError`.
#[tokio::test]
async fn an_invalid_document_over_as4_is_refused_and_raises_invoice_received_error() {
    let as4 = app_with_as4().await;
    let app = &as4.app;
    let (_, _, buyer, buyer_party) = two_parties(app).await;
    let receiver = Receiver::start(&[]).await;
    create_hook(
        app,
        &buyer.token,
        "/api/v1/environment/hooks",
        &receiver.url(),
        &["InvoiceReceivedError"],
    )
    .await;
    let broken = String::from_utf8(invoice("INV-AS4-BAD", SELLER_KVK, BUYER_KVK, None))
        .unwrap()
        .replace("<cbc:IssueDate>", "<cbc:IssueDate>not-a-date")
        .into_bytes();
    let message = as4.message(&as4.sender, &buyer_party, &broken);
    match as4.post(&message).await {
        Answer::Error { detail, .. } => assert!(detail.contains("validation"), "{detail}"),
        Answer::Receipt => panic!("an invalid document got a receipt"),
    }

    let got = receiver.wait_for(1).await;
    let event = got[0].json();
    assert_eq!(event["topic"], "InvoiceReceivedError");
    assert_eq!(event["partyId"], buyer_party.as_str());
    let details: serde_json::Value =
        serde_json::from_str(event["details"].as_str().unwrap()).unwrap();
    assert_eq!(details["channel"], "peppol");
    assert_eq!(details["reason"], "validation_failed");
    assert!(details["fatalFindings"].as_u64().unwrap() >= 1, "{details}");
    assert!(
        !details["rules"].as_array().unwrap().is_empty(),
        "{details}"
    );
    let inbox = app
        .get_json(
            &format!("/api/v1/parties/{buyer_party}/purchase-invoices"),
            &buyer.token,
        )
        .await;
    assert_eq!(inbox["items"].as_array().unwrap().len(), 0, "{inbox}");
}

/// The venv with the independent AS4 implementation (PyPI `as4`, scripts/ensure-as4); `None`
/// (after saying why) when it is not installed outside CI. Under CI a missing venv fails.
pub(crate) fn as4_python() -> Option<std::path::PathBuf> {
    let bin =
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.tools/as4/bin/python");
    if !bin.exists() {
        let why = "the as4 package is not installed in .tools/as4: run scripts/ensure-as4";
        assert!(std::env::var_os("CI").is_none(), "{why}");
        eprintln!("skipping the AS4 interoperability test: {why}");
        return None;
    }
    Some(bin)
}

#[tokio::test]
async fn the_python_as4_implementation_delivers_over_http_and_verifies_havens_receipt() {
    let Some(python) = as4_python() else {
        return;
    };
    let as4 = app_with_as4().await;
    let app = &as4.app;
    let (_, _, buyer, buyer_party) = two_parties(app).await;
    let peer = as4.ap_ca.leaf_with_key("PXX000003", None, false, 4);
    let dir = tempfile::tempdir().unwrap();
    let file = |name: &str, content: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        path.to_str().unwrap().to_owned()
    };
    let config = serde_json::json!({
        "key": file("peer.key", peer.key_pem().as_bytes()),
        "certificate": file("peer.pem", peer.pem.as_bytes()),
        "party_id": "PXX000003",
        "remote_party_id": "PXX000002",
        "remote_certificate": file("haven.pem", as4.receiver.pem.as_bytes()),
        "sender": format!("0106:{SELLER_KVK}"),
        "recipient": buyer_party,
        "document_type": DocumentTypeIdentifier::bis_billing_invoice().value(),
        "instance_identifier": uuid::Uuid::new_v4().to_string(),
        "process": ProcessIdentifier::billing().value(),
        "country": "NL",
        "payload": file("invoice.xml", &invoice("INV-PY-1", SELLER_KVK, BUYER_KVK, None)),
        "url": app.url("/as4"),
    });
    let config_path = file("config.json", config.to_string().as_bytes());
    let script = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../peppol/tests/as4_peer/peer.py");
    // The peer posts to the app, so it runs off the test's runtime.
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(python)
            .arg(script)
            .arg("post")
            .arg(config_path)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let outcome: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    // The peer verified Haven's receipt: signer, RefToMessageId, non-repudiation references.
    assert_eq!(outcome["verified"], true, "{outcome}");
    assert_eq!(outcome["state"], "acknowledged", "{outcome}");
    let inbox = app
        .get_json(
            &format!("/api/v1/parties/{buyer_party}/purchase-invoices"),
            &buyer.token,
        )
        .await;
    let items = inbox["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{inbox}");
    assert_eq!(items[0]["number"], "INV-PY-1");
}

const OPERATOR: &str = "operator@haven.test";
const REFUSALS: &str = "/api/v1/operator/peppol/incoming-refusals";

impl As4App {
    /// The refusals operators see (newest first), of `reason` or all.
    async fn refusals(&self, token: &str, reason: Option<&str>) -> Vec<serde_json::Value> {
        let path = reason.map_or_else(|| REFUSALS.to_owned(), |r| format!("{REFUSALS}?reason={r}"));
        let page = self.app.get_json(&path, token).await;
        page["items"].as_array().unwrap().clone()
    }

    /// The bytes kept of a refused message.
    async fn refused_bytes(&self, token: &str, id: &str) -> Vec<u8> {
        let response = self
            .app
            .send(
                reqwest::Method::GET,
                &format!("{REFUSALS}/{id}/message"),
                None,
                token,
            )
            .await;
        assert_eq!(response.status().as_u16(), 200);
        assert_eq!(
            response.headers()["content-type"].to_str().unwrap(),
            "application/octet-stream"
        );
        response.bytes().await.unwrap().to_vec()
    }
}

#[tokio::test]
async fn refused_as4_messages_are_recorded_with_their_codes_and_bytes_for_operators() {
    let as4 = app_with_as4().await;
    let app = &as4.app;
    let (_, _, buyer, buyer_party) = two_parties(app).await;
    let operator = app.register_admin(OPERATOR).await;
    assert!(as4.refusals(&operator.token, None).await.is_empty());

    // Nobody receives on the id: NOT_SERVICED, from a sender that signed it.
    let document = invoice("INV-REF-1", SELLER_KVK, BUYER_KVK, None);
    let not_serviced = as4.message(&as4.sender, "0106:99999999", &document);
    assert!(matches!(
        as4.post(&not_serviced).await,
        Answer::Error { .. }
    ));
    // A certificate of another CA claiming the sender's seat id.
    let foreign = as4.message(&as4.foreign, &buyer_party, &document);
    assert!(matches!(as4.post(&foreign).await, Answer::Error { .. }));
    // A document that fails validation.
    let broken = String::from_utf8(invoice("INV-REF-2", SELLER_KVK, BUYER_KVK, None))
        .unwrap()
        .replace("<cbc:IssueDate>", "<cbc:IssueDate>not-a-date")
        .into_bytes();
    let invalid = as4.message(&as4.sender, &buyer_party, &broken);
    assert!(matches!(as4.post(&invalid).await, Answer::Error { .. }));
    // Not AS4 at all.
    let response = reqwest::Client::new()
        .post(app.url("/as4"))
        .header("content-type", "text/plain")
        .body("hello")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);

    let listed = as4.refusals(&operator.token, None).await;
    assert_eq!(listed.len(), 4, "{listed:?}");
    // Newest first.
    let [packaging, invalid_document, authentication, not_serviced_record] = &listed[..] else {
        unreachable!()
    };
    assert_eq!(packaging["reason"], "packaging");
    assert_eq!(packaging["ebmsCode"], "EBMS:0007");
    assert!(packaging["senderAccessPoint"].is_null());
    assert!(packaging["messageId"].is_null());
    assert_eq!(packaging["senderVerified"], false);
    let bytes = as4
        .refused_bytes(&operator.token, packaging["id"].as_str().unwrap())
        .await;
    assert_eq!(bytes, evidence("text/plain", b"hello"));

    assert_eq!(not_serviced_record["reason"], "not_serviced");
    assert_eq!(not_serviced_record["ebmsCode"], "EBMS:0004");
    assert_eq!(not_serviced_record["peppolCode"], NOT_SERVICED);
    assert_eq!(not_serviced_record["senderAccessPoint"], "PXX000001");
    assert_eq!(not_serviced_record["senderVerified"], true);
    assert_eq!(
        not_serviced_record["messageId"],
        not_serviced.message_id.as_str()
    );
    assert_eq!(not_serviced_record["messageTruncated"], false);
    let posted = evidence(&not_serviced.content_type, not_serviced.body());
    let bytes = as4
        .refused_bytes(&operator.token, not_serviced_record["id"].as_str().unwrap())
        .await;
    assert!(bytes == posted, "the message as posted");
    assert_eq!(
        not_serviced_record["messageSha256"],
        ContentHash::of(&posted).as_str()
    );

    // The claimed sender of a message whose signer is not trusted is named, not verified; of
    // it at most the first 16 KiB are kept.
    assert_eq!(authentication["reason"], "authentication");
    assert_eq!(authentication["ebmsCode"], "EBMS:0101");
    assert_eq!(authentication["senderAccessPoint"], "PXX000001");
    assert_eq!(authentication["senderVerified"], false);
    assert_eq!(authentication["messageId"], foreign.message_id.as_str());
    let posted = evidence(&foreign.content_type, foreign.body());
    let bytes = as4
        .refused_bytes(&operator.token, authentication["id"].as_str().unwrap())
        .await;
    let kept = posted.len().min(16 * 1024);
    assert!(bytes == posted[..kept], "the first bytes of the message");
    assert_eq!(authentication["messageTruncated"], posted.len() > kept);

    assert_eq!(invalid_document["reason"], "invalid_document");
    assert_eq!(invalid_document["ebmsCode"], "EBMS:0004");
    assert!(invalid_document["peppolCode"].is_null());
    assert!(invalid_document["description"]
        .as_str()
        .unwrap()
        .contains("validation"));
    let bytes = as4
        .refused_bytes(&operator.token, invalid_document["id"].as_str().unwrap())
        .await;
    assert!(bytes == evidence(&invalid.content_type, invalid.body()));

    // By reason; an unknown reason is 400; pages.
    let only = as4.refusals(&operator.token, Some("not_serviced")).await;
    assert_eq!(only.len(), 1);
    assert_eq!(only[0]["id"], not_serviced_record["id"]);
    let response = app
        .send(
            reqwest::Method::GET,
            &format!("{REFUSALS}?reason=bogus"),
            None,
            &operator.token,
        )
        .await;
    assert_eq!(response.status().as_u16(), 400);
    let page = app
        .get_json(&format!("{REFUSALS}?limit=3"), &operator.token)
        .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 3);
    let next = page["nextCursor"].as_str().unwrap();
    let rest = app
        .get_json(
            &format!("{REFUSALS}?limit=3&before={next}"),
            &operator.token,
        )
        .await;
    assert_eq!(rest["items"].as_array().unwrap().len(), 1);
    assert_eq!(rest["items"][0]["id"], not_serviced_record["id"]);

    // Only operators: others do not see the pages at all; no token is 401; an unknown id 404.
    let id = not_serviced_record["id"].as_str().unwrap();
    for path in [REFUSALS.to_owned(), format!("{REFUSALS}/{id}/message")] {
        let response = app
            .send(reqwest::Method::GET, &path, None, &buyer.token)
            .await;
        assert_error_body(response, 404, "not_found").await;
        let response = app.get(&path).await;
        assert_eq!(response.status().as_u16(), 401, "{path}");
    }
    let response = app
        .send(
            reqwest::Method::GET,
            &format!("{REFUSALS}/{}/message", uuid::Uuid::new_v4()),
            None,
            &operator.token,
        )
        .await;
    assert_error_body(response, 404, "not_found").await;
    // Nothing reached the buyer's inbox.
    assert!(purchase_invoices(app, &buyer.token, &buyer_party)
        .await
        .is_empty());
}

#[tokio::test]
async fn a_document_whose_specification_or_process_is_not_the_envelopes_is_refused_with_ebms_0004()
{
    let as4 = app_with_as4().await;
    let app = &as4.app;
    let (_, _, buyer, buyer_party) = two_parties(app).await;
    let operator = app.register_admin(OPERATOR).await;
    let bis = String::from_utf8(invoice("INV-SBDH-1", SELLER_KVK, BUYER_KVK, None)).unwrap();
    // The envelope says BIS Billing 3.0 invoice in the billing process; the document declares
    // SI-UBL 2.0, or another process.
    let other_specification = bis.replace(
        "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0",
        "urn:cen.eu:en16931:2017#compliant#urn:fdc:nen.nl:nlcius:v1.0",
    );
    let other_process = bis.replace(
        "<cbc:ProfileID>urn:fdc:peppol.eu:2017:poacc:billing:01:1.0",
        "<cbc:ProfileID>urn:fdc:peppol.eu:2017:poacc:selfbilling:01:1.0",
    );
    assert_ne!(other_specification, bis);
    assert_ne!(other_process, bis);
    for (document, expected) in [
        (other_specification, "CustomizationID"),
        (other_process, "ProfileID"),
    ] {
        let message = as4.message(&as4.sender, &buyer_party, document.as_bytes());
        match as4.post(&message).await {
            Answer::Error { code, detail } => {
                assert_eq!(code, "EBMS:0004");
                assert!(detail.contains(expected), "{expected} in {detail}");
            }
            Answer::Receipt => panic!("a receipt for a document the envelope does not name"),
        }
    }
    let envelope = as4.refusals(&operator.token, Some("envelope")).await;
    assert_eq!(envelope.len(), 2, "{envelope:?}");
    assert!(envelope
        .iter()
        .all(|r| r["ebmsCode"] == "EBMS:0004" && r["senderVerified"] == true));
    assert!(purchase_invoices(app, &buyer.token, &buyer_party)
        .await
        .is_empty());
    // As the envelope says, it is taken.
    let message = as4.message(&as4.sender, &buyer_party, bis.as_bytes());
    assert_eq!(as4.post(&message).await, Answer::Receipt);
}

#[tokio::test]
async fn a_message_id_rebuilt_with_other_bytes_is_recorded_with_its_own_evidence() {
    let as4 = app_with_as4().await;
    let app = &as4.app;
    let (_, _, _, buyer_party) = two_parties(app).await;
    let operator = app.register_admin(OPERATOR).await;
    let document = invoice("INV-REBUILT", SELLER_KVK, BUYER_KVK, None);
    let instance = uuid::Uuid::new_v4().to_string();
    let message = as4.message_as(&as4.sender, &buyer_party, &document, &instance, None);
    assert_eq!(as4.post(&message).await, Answer::Receipt);
    assert!(as4.refusals(&operator.token, None).await.is_empty());
    let rebuilt = as4.message_as(
        &as4.sender,
        &buyer_party,
        &document,
        &instance,
        Some(message.message_id.clone()),
    );
    let (content_type, receipt) = as4.post_raw(&rebuilt).await;
    assert_eq!(
        verify_answer(&content_type, &receipt, &rebuilt, &as4.receiver.der).unwrap(),
        Answer::Receipt
    );
    let listed = as4.refusals(&operator.token, None).await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    let record = &listed[0];
    assert_eq!(record["reason"], "rebuilt_message_id");
    assert!(record["ebmsCode"].is_null());
    assert_eq!(record["messageId"], message.message_id.as_str());
    assert_eq!(record["senderVerified"], true);
    let bytes = as4
        .refused_bytes(&operator.token, record["id"].as_str().unwrap())
        .await;
    assert!(bytes == evidence(&rebuilt.content_type, rebuilt.body()));
    // The receipt it got is in the store too, and the MessageId's record is the first's.
    let blobs = stored_blob_names(app);
    let receipt_hash = ContentHash::of(&evidence(&content_type, &receipt));
    assert!(blobs.iter().any(|b| b.ends_with(receipt_hash.as_str())));
    let row = as4.received(&message).await.unwrap();
    assert_eq!(
        row.message_hash,
        ContentHash::of(&evidence(&message.content_type, message.body()))
    );
}

/// The names of the blobs in the app's document store.
fn stored_blob_names(app: &TestApp) -> Vec<String> {
    fn walk(dir: &std::path::Path, names: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, names);
            } else {
                names.push(path.display().to_string());
            }
        }
    }
    let mut names = Vec::new();
    walk(&app.data_dir.join("documents"), &mut names);
    names
}

#[tokio::test]
async fn retention_removes_received_message_records_and_refusals_with_their_blobs() {
    use haven_domain::documents::retention::{parse_rules, purge_expired};
    let as4 = app_with_as4().await;
    let app = &as4.app;
    let (_, _, _, buyer_party) = two_parties(app).await;
    let operator = app.register_admin(OPERATOR).await;
    let document = invoice("INV-KEEP", SELLER_KVK, BUYER_KVK, None);
    let message = as4.message(&as4.sender, &buyer_party, &document);
    assert_eq!(as4.post(&message).await, Answer::Receipt);
    let refused = as4.message(&as4.sender, "0106:99999999", &document);
    assert!(matches!(as4.post(&refused).await, Answer::Error { .. }));
    let row = as4.received(&message).await.unwrap();
    let listed = as4.refusals(&operator.token, None).await;
    assert_eq!(listed.len(), 1);
    let refused_hash = listed[0]["messageSha256"].as_str().unwrap().to_owned();
    let blobs =
        haven_storage::Storage::Fs(haven_storage::FsStore::new(app.data_dir.join("documents")));

    // A rule for one status of incoming documents leaves the refusals (they have none).
    let later = Utc::now() + chrono::TimeDelta::days(2);
    purge_expired(
        app.database(),
        &blobs,
        &parse_rules("incoming:rejected=1").unwrap(),
        later,
    )
    .await
    .unwrap();
    assert_eq!(as4.refusals(&operator.token, None).await.len(), 1);
    assert!(as4.received(&message).await.is_some());

    // Not yet expired: everything stays.
    purge_expired(
        app.database(),
        &blobs,
        &parse_rules("incoming:*=3").unwrap(),
        later,
    )
    .await
    .unwrap();
    assert_eq!(as4.refusals(&operator.token, None).await.len(), 1);

    let purged = purge_expired(
        app.database(),
        &blobs,
        &parse_rules("incoming:*=1").unwrap(),
        later,
    )
    .await
    .unwrap();
    assert_eq!(purged.len(), 1);
    // The record of the message that brought the document goes with it and its receipt…
    assert!(as4.received(&message).await.is_none());
    // …and the refusal with the bytes it kept.
    assert!(as4.refusals(&operator.token, None).await.is_empty());
    let left = stored_blob_names(app);
    for hash in [
        row.message_hash.as_str(),
        row.receipt_hash.as_str(),
        refused_hash.as_str(),
    ] {
        assert!(!left.iter().any(|b| b.ends_with(hash)), "{hash}: {left:?}");
    }
}

/// `document` with an embedded attachment of `len` characters of base64 of pseudo-random
/// bytes (as a scanned PDF would be, which gzip shrinks little).
fn with_attachment(document: Vec<u8>, len: usize) -> Vec<u8> {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let base64: String = (0..len - len % 4)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            char::from(ALPHABET[(state % 64) as usize])
        })
        .collect();
    let reference = format!(
        "<cac:AdditionalDocumentReference><cbc:ID>ATT-1</cbc:ID><cac:Attachment><cbc:EmbeddedDocumentBinaryObject mimeCode=\"application/pdf\" filename=\"scan.pdf\">{base64}</cbc:EmbeddedDocumentBinaryObject></cac:Attachment></cac:AdditionalDocumentReference>"
    );
    let xml = String::from_utf8(document).unwrap();
    let anchor = "</cbc:BuyerReference>";
    assert!(xml.contains(anchor));
    xml.replacen(anchor, &format!("{anchor}\n  {reference}"), 1)
        .into_bytes()
}

impl As4App {
    /// The files left in the spool directory.
    fn spooled(&self) -> usize {
        std::fs::read_dir(self.app.data_dir.join("spool"))
            .unwrap()
            .count()
    }
}

#[tokio::test]
async fn a_message_of_megabytes_is_received_whole_and_kept_as_posted() {
    let as4 = app_with_as4().await;
    let app = &as4.app;
    let (_, _, buyer, buyer_party) = two_parties(app).await;
    let document = with_attachment(
        invoice("INV-AS4-LARGE", SELLER_KVK, BUYER_KVK, None),
        4 << 20,
    );
    let message = as4.message(&as4.sender, &buyer_party, &document);
    assert!(message.body().len() > 3 << 20);
    assert_eq!(as4.post(&message).await, Answer::Receipt);

    // The evidence is the message as posted, byte for byte.
    let row = as4.received(&message).await.unwrap();
    assert!(as4.blob(&row.message_hash) == evidence(&message.content_type, message.body()));
    let items = purchase_invoices(app, &buyer.token, &buyer_party).await;
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["number"], "INV-AS4-LARGE");
    // Nothing of it is left in the spool directory.
    assert_eq!(as4.spooled(), 0);
}

#[tokio::test]
async fn a_message_over_the_size_limit_is_refused_as_it_comes_and_recorded() {
    let as4 = app_with_as4_options(Options {
        max_body_bytes: 64 * 1024,
        ..Options::default()
    })
    .await;
    let app = &as4.app;
    let (_, _, buyer, buyer_party) = two_parties(app).await;
    let operator = app.register_admin(OPERATOR).await;
    // A message under the limit is taken.
    let small = as4.message(
        &as4.sender,
        &buyer_party,
        &invoice("INV-AS4-SMALL", SELLER_KVK, BUYER_KVK, None),
    );
    assert_eq!(as4.post(&small).await, Answer::Receipt);

    let large = as4.message(
        &as4.sender,
        &buyer_party,
        &with_attachment(
            invoice("INV-AS4-OVER", SELLER_KVK, BUYER_KVK, None),
            256 * 1024,
        ),
    );
    let (content_type, body) = as4.post_raw(&large).await;
    let answer = String::from_utf8(body).unwrap();
    assert!(answer.contains("EBMS:0004"), "{answer}");
    assert!(answer.contains("larger than 65536 bytes"), "{answer}");
    assert!(content_type.starts_with("application/soap+xml"));

    let refusals = as4.refusals(&operator.token, None).await;
    assert_eq!(refusals.len(), 1, "{refusals:?}");
    let record = &refusals[0];
    assert_eq!(record["reason"], "too_large");
    assert_eq!(record["ebmsCode"], "EBMS:0004");
    // What its envelope claims is named, not verified; the error refers to its MessageId.
    assert_eq!(record["messageId"], large.message_id.as_str());
    assert_eq!(record["senderAccessPoint"], "PXX000001");
    assert_eq!(record["senderVerified"], false);
    assert!(answer.contains(&large.message_id), "{answer}");
    assert_eq!(record["messageTruncated"], true);
    let kept = as4
        .refused_bytes(&operator.token, record["id"].as_str().unwrap())
        .await;
    let posted = evidence(&large.content_type, large.body());
    assert!(kept == posted[..16 * 1024], "the first 16 KiB as posted");
    // Only the small one reached the inbox; nothing is left in the spool directory.
    let items = purchase_invoices(app, &buyer.token, &buyer_party).await;
    assert_eq!(items.len(), 1);
    assert_eq!(as4.spooled(), 0);
}

#[tokio::test]
async fn broken_gzip_a_zip_bomb_and_a_changed_tag_are_refused_with_their_codes_and_recorded() {
    use haven_peppol::as4::send::{build_from_parts, Properties};
    let as4 = app_with_as4_options(Options {
        peppol_as4_max_decompressed_bytes: Some(1 << 20),
        ..Options::default()
    })
    .await;
    let app = &as4.app;
    let (_, _, buyer, buyer_party) = two_parties(app).await;
    let operator = app.register_admin(OPERATOR).await;
    let properties = Properties {
        original_sender: format!("0106:{SELLER_KVK}"),
        final_recipient: buyer_party.clone(),
        process: ProcessIdentifier::billing().value().to_owned(),
        action: format!(
            "busdox-docid-qns::{}",
            DocumentTypeIdentifier::bis_billing_invoice().value()
        ),
    };
    let built = |compressed: &[u8]| {
        build_from_parts(
            &properties,
            compressed,
            &as4.sender.ap_key(),
            &as4.receiver.der,
            &MessageOptions::default(),
            None,
        )
        .unwrap()
    };
    let corrupt = built(b"\x1f\x8b\x08\x00not gzip at all");
    let bomb = {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        std::io::Write::write_all(&mut encoder, &vec![b' '; 8 << 20]).unwrap();
        built(&encoder.finish().unwrap())
    };
    for (message, detail) in [
        (&corrupt, "does not decompress"),
        (&bomb, "more than 1048576 bytes"),
    ] {
        match as4.post(message).await {
            Answer::Error { code, detail: said } => {
                assert_eq!(code, "EBMS:0303");
                assert!(said.contains(detail), "{said}");
            }
            other => panic!("{other:?}"),
        }
    }
    // The tag is the attachment's last 16 bytes, just before the closing delimiter.
    let good = as4.message(
        &as4.sender,
        &buyer_party,
        &invoice("INV-AS4-TAG", SELLER_KVK, BUYER_KVK, None),
    );
    let mut changed = good.body().to_vec();
    let close = changed.windows(4).rposition(|w| w == b"\r\n--").unwrap();
    changed[close - 1] ^= 0x01;
    let response = reqwest::Client::new()
        .post(app.url("/as4"))
        .header("content-type", &good.content_type)
        .body(changed.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let answer = response.text().await.unwrap();
    assert!(answer.contains("EBMS:0102"), "{answer}");

    let listed = as4.refusals(&operator.token, None).await;
    let reasons: Vec<&str> = listed
        .iter()
        .map(|r| r["reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons, ["decryption", "decompression", "decompression"]);
    // Each from the authenticated sender (the signature was checked first), kept whole.
    for (record, posted) in listed.iter().zip([
        evidence(&good.content_type, &changed),
        evidence(&bomb.content_type, bomb.body()),
        evidence(&corrupt.content_type, corrupt.body()),
    ]) {
        assert_eq!(record["senderVerified"], true, "{record}");
        assert_eq!(record["messageTruncated"], false, "{record}");
        let kept = as4
            .refused_bytes(&operator.token, record["id"].as_str().unwrap())
            .await;
        assert!(kept == posted, "{record}");
    }
    assert!(purchase_invoices(app, &buyer.token, &buyer_party)
        .await
        .is_empty());
    assert_eq!(as4.spooled(), 0);
}
