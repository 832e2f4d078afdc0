//! The AS4 receiver killed (SIGKILL) at any moment of a message's handling: while the body
//! arrives, while it is checked, while the document and its evidence are stored, before the
//! receipt is answered. The sender gets no receipt and sends the same message again, as a
//! Peppol access point does; the restarted receiver then answers it with a receipt and the
//! document is in the buyer's inbox once, whatever moment the crash hit. Runs on SQLite, and
//! on PostgreSQL when `HAVEN_TEST_DATABASE_URL` is set.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use chrono::Utc;
use haven_e2e::{
    exchange::{
        active_party, count, invoice, receive_on, register_admin, BUYER_CONTACT, BUYER_KVK,
        SELLER_KVK,
    },
    Running,
};
use haven_peppol::{
    as4::{
        send::{build_user_message, MessageOptions, Outgoing},
        signal::{verify_answer, Answer},
    },
    identifiers::{DocumentTypeIdentifier, ParticipantIdentifier, ProcessIdentifier},
    sbdh::{self, Sbdh},
    testing::{Ca, Leaf},
};
use haven_persistence::testing::TestDatabase;

/// A message of `size` bytes or more from the seller's access point to the buyer's `party`:
/// invoice `number` with filler in a note, so that the body takes a while to arrive.
fn message(sender: &Leaf, receiver: &Leaf, party: &str, number: &str, size: usize) -> Outgoing {
    let document = String::from_utf8(invoice(number, SELLER_KVK, BUYER_KVK, None)).unwrap();
    // Pseudo-random filler: gzip must not shrink it to nothing, or the body is small again.
    let mut filler = String::with_capacity(size);
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    while filler.len() < size {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        filler.push_str(&format!("{state:016x}"));
    }
    let document = document.replacen(
        "<cbc:DocumentCurrencyCode>",
        &format!("<cbc:Note>{filler}</cbc:Note>\n  <cbc:DocumentCurrencyCode>"),
        1,
    );
    assert!(
        document.contains(&filler),
        "the fixture has no DocumentCurrencyCode"
    );
    let header = Sbdh {
        sender: ParticipantIdentifier::from_value(&format!("0106:{SELLER_KVK}")).unwrap(),
        receiver: ParticipantIdentifier::from_value(party).unwrap(),
        document_type: DocumentTypeIdentifier::bis_billing_invoice(),
        process: ProcessIdentifier::billing(),
        country_c1: "NL".into(),
        instance_identifier: uuid::Uuid::new_v4().to_string(),
        created: Utc::now(),
    };
    let sbd = sbdh::write(&header, document.as_bytes()).unwrap();
    build_user_message(
        &sbd,
        &sender.ap_key(),
        &receiver.der,
        &MessageOptions::default(),
    )
    .unwrap()
}

/// Posts `message` to `server`'s `/as4`: the answer's Content-Type and body, or `None` when
/// the connection broke (the server died).
async fn post(server_url: &str, message: &Outgoing) -> Option<(String, Vec<u8>)> {
    let response = reqwest::Client::new()
        .post(server_url)
        .header("content-type", &message.content_type)
        .body(message.body().to_vec())
        .send()
        .await
        .ok()?;
    let content_type = response
        .headers()
        .get("content-type")?
        .to_str()
        .ok()?
        .to_owned();
    let body = response.bytes().await.ok()?.to_vec();
    Some((content_type, body))
}

#[tokio::test]
async fn an_as4_message_cut_off_by_a_crash_at_any_moment_is_received_once_when_sent_again() {
    let db = TestDatabase::new().await;
    let keys = tempfile::tempdir().unwrap();
    let ap_ca = Ca::new("HAVEN TEST AP CA");
    let receiver = ap_ca.leaf_with_key("PXX000002", None, false, 3);
    let sender = ap_ca.leaf_with_key("PXX000001", None, false, 2);
    let file = |name: &str, content: &[u8]| {
        let path = keys.path().join(name);
        std::fs::write(&path, content).unwrap();
        path.to_str().unwrap().to_owned()
    };
    let (key, certificate, trust) = (
        file("ap-key.pem", receiver.key_pem().as_bytes()),
        file("ap.pem", receiver.pem.as_bytes()),
        file("ap-ca.pem", ap_ca.pem.as_bytes()),
    );
    let env = [
        ("HAVEN_PEPPOL_AP_KEY_FILE", key.as_str()),
        ("HAVEN_PEPPOL_AP_CERTIFICATE_FILE", certificate.as_str()),
        ("HAVEN_PEPPOL_AP_TRUST_FILE", trust.as_str()),
        ("HAVEN_PEPPOL_AS4_REQUESTS_PER_MINUTE_PER_IP", "10000"),
    ];
    let mut server = Running::start(&db, &env).await;
    let token = register_admin(&server, "ada@zeewind.example").await;
    let (organization, party) = active_party(&server, &token, BUYER_KVK, BUYER_CONTACT).await;
    receive_on(&server, &token, &organization, &party).await;
    let incoming = || {
        count(
            &db,
            "SELECT COUNT(*) AS n FROM documents WHERE direction = 'incoming'",
        )
    };
    // About 4 MB: long enough on loopback for the early kills to land while it arrives. How
    // long one whole message takes here (another invoice received in full, after a first one
    // has warmed the rule sets up) spreads the kills over the whole handling, storing and
    // answering included.
    let size = 4 << 20;
    let mut whole = Duration::ZERO;
    for number in ["INV-AS4-WARM-UP", "INV-AS4-CALIBRATION"] {
        let calibration = message(&sender, &receiver, &party, number, size);
        let started = std::time::Instant::now();
        post(&server.url("/as4"), &calibration).await.unwrap();
        whole = started.elapsed();
    }
    assert_eq!(incoming().await, 2);
    let message = message(&sender, &receiver, &party, "INV-AS4-CRASH", size);

    // The same message each time, the receiver killed sooner or later after it was sent.
    let (mut answered, mut stored_unanswered) = (0, None);
    let moments = [0u32, 10, 30, 50, 70, 80, 90, 95, 100, 110];
    for percent in moments {
        let url = server.url("/as4");
        let sent = {
            let message = message.clone();
            tokio::spawn(async move { post(&url, &message).await })
        };
        tokio::time::sleep(whole * percent / 100).await;
        server.freeze();
        let stored = incoming().await == 3;
        server = server.restart(&db, &env).await;
        let got_answer = matches!(sent.await, Ok(Some(_)));
        answered += usize::from(got_answer);
        // Stored but never answered: the moment a lost receipt makes dangerous.
        if stored && !got_answer {
            stored_unanswered.get_or_insert(percent);
        }
    }
    // The first kills came before any answer could: the crashes did cut messages off.
    assert!(
        answered < moments.len(),
        "every post was answered before its kill"
    );
    eprintln!(
        "one message in {whole:?}; {answered} of {} cut-off posts answered; stored without an answer first at {stored_unanswered:?} %",
        moments.len()
    );

    // Nothing of the cut-off messages is left in the spool directory.
    let spooled: Vec<_> = std::fs::read_dir(server.data_dir().join("spool"))
        .map(|entries| entries.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(spooled.is_empty(), "left in the spool: {spooled:?}");

    // Sent again to the receiver that came back, twice: a receipt each time, and the document
    // once beside the two before it.
    for _ in 0..2 {
        let (content_type, body) = post(&server.url("/as4"), &message).await.unwrap();
        let answer = verify_answer(&content_type, &body, &message, &receiver.der).unwrap();
        assert!(matches!(answer, Answer::Receipt), "{answer:?}");
        assert_eq!(
            incoming().await,
            3,
            "{answered} cut-off posts were answered"
        );
    }
}
