//! The evidence of a document's AS4 exchanges through the API: Haven A sends to Haven B over
//! AS4 (the set-up of `peppol_sending`); each side lists the exchange under the document, the
//! downloads are the bytes the listed SHA-256 names, strangers get nothing, and retention
//! removes the blobs with the document while the record stays.

use reqwest::Method;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::{
    helpers::{assert_error_body, TestApp},
    peppol_sending::{
        buyer_on, cii_invoice, inbox, seller_sends, seller_sends_body, wait_for, Network,
    },
};
use haven_domain::documents::retention::{parse_rules, purge_expired};

async fn exchanges(app: &TestApp, token: &str, document: &str) -> Vec<Value> {
    app.get_json(&format!("{document}/peppol-exchanges"), token)
        .await["items"]
        .as_array()
        .unwrap()
        .clone()
}

/// Downloads `part` of `exchange` and checks that its bytes hash to what the list says.
async fn download_matches(
    app: &TestApp,
    token: &str,
    document: &str,
    exchange: &Value,
    part: &str,
) {
    let response = app
        .send(
            Method::GET,
            &format!(
                "{document}/peppol-exchanges/{}/{part}",
                exchange["id"].as_str().unwrap()
            ),
            None,
            token,
        )
        .await;
    assert_eq!(response.status().as_u16(), 200, "{part}");
    let expected_type = if part == "ubl" {
        "application/xml"
    } else {
        "application/octet-stream"
    };
    assert_eq!(response.headers()["content-type"], expected_type);
    assert!(response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment;"));
    let bytes = response.bytes().await.unwrap();
    let field = format!("{part}Sha256");
    assert_eq!(
        hex::encode(Sha256::digest(&bytes)),
        exchange[field.as_str()].as_str().unwrap(),
        "{part} hashes to the listed SHA-256"
    );
}

fn stored_blobs(app: &TestApp) -> Vec<String> {
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

fn blobs_of(app: &TestApp) -> haven_storage::Storage {
    haven_storage::Storage::Fs(haven_storage::FsStore::new(app.data_dir.join("documents")))
}

#[tokio::test]
async fn both_sides_list_the_as4_exchange_with_downloadable_evidence_until_retention_removes_it() {
    let network = Network::new();
    let b = network.haven_b(0).await;
    let (buyer, buyer_party) = buyer_on(&b, true).await;
    let a = network.haven_a(&b.url("/as4"), &network.b.pem).await;
    let (seller, location) = seller_sends(&a, "INV-EVIDENCE-1").await;
    let sent = wait_for(&a, &seller.token, &location, &["delivered", "failed"]).await;
    assert_eq!(sent["status"], "delivered", "{sent}");

    // Haven A, the sender: one outgoing exchange from its seat to B's.
    let listed = exchanges(&a, &seller.token, &location).await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    let out = &listed[0];
    assert_eq!(out["direction"], "outgoing");
    assert_eq!(out["sendingAccessPoint"], "PXX000001");
    assert_eq!(out["receivingAccessPoint"], "PXX000002");
    assert!(
        out["messageId"].as_str().unwrap().ends_with("@haven"),
        "{out}"
    );
    assert!(out["receiptAt"].is_string());
    assert_eq!(out["held"], true);
    assert!(
        out["ublSha256"].is_null(),
        "a UBL original is sent as it is"
    );
    // The history line names the same evidence.
    let history = a
        .get_json(&format!("{location}/events"), &seller.token)
        .await;
    let details = history["items"][0]["details"].as_str().unwrap();
    assert!(
        details.contains(out["messageSha256"].as_str().unwrap()),
        "{details}"
    );
    assert!(details.contains(out["receiptSha256"].as_str().unwrap()));
    for part in ["message", "receipt"] {
        download_matches(&a, &seller.token, &location, out, part).await;
    }
    // No UBL form was made: that part is not there.
    let id = out["id"].as_str().unwrap();
    let none = a
        .send(
            Method::GET,
            &format!("{location}/peppol-exchanges/{id}/ubl"),
            None,
            &seller.token,
        )
        .await;
    assert_error_body(none, 404, "not_found").await;

    // Haven B, the receiver: the same MessageId, incoming, on the purchase invoice.
    let items = inbox(&b, &buyer, &buyer_party).await;
    assert_eq!(items.len(), 1);
    let received = format!(
        "/api/v1/parties/{buyer_party}/purchase-invoices/{}",
        items[0]["id"].as_str().unwrap()
    );
    let listed = exchanges(&b, &buyer.token, &received).await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    let inn = &listed[0];
    assert_eq!(inn["direction"], "incoming");
    assert_eq!(inn["messageId"], out["messageId"]);
    assert_eq!(inn["sendingAccessPoint"], "PXX000001");
    assert_eq!(inn["receivingAccessPoint"], "PXX000002");
    assert_eq!(inn["held"], true);
    for part in ["message", "receipt"] {
        download_matches(&b, &buyer.token, &received, inn, part).await;
    }
    let inn_id = inn["id"].as_str().unwrap().to_owned();

    // Without a token 401; an exchange of another document, or an unknown document, 404; a
    // user of another environment learns nothing, not even that the document exists.
    let anonymous = b.get(&format!("{received}/peppol-exchanges")).await;
    assert_error_body(anonymous, 401, "unauthenticated").await;
    let anonymous = b
        .get(&format!("{received}/peppol-exchanges/{inn_id}/message"))
        .await;
    assert_eq!(anonymous.status().as_u16(), 401);
    let other_document = format!(
        "/api/v1/parties/{buyer_party}/purchase-invoices/{}",
        uuid::Uuid::new_v4()
    );
    for path in [
        format!("{other_document}/peppol-exchanges"),
        format!("{other_document}/peppol-exchanges/{inn_id}/message"),
        format!(
            "{received}/peppol-exchanges/{}/message",
            uuid::Uuid::new_v4()
        ),
    ] {
        let response = b.send(Method::GET, &path, None, &buyer.token).await;
        assert_error_body(response, 404, "not_found").await;
    }
    let stranger = b.register_admin("eve@elsewhere.example").await;
    for path in [
        format!("{received}/peppol-exchanges"),
        format!("{received}/peppol-exchanges/{inn_id}/message"),
        format!("{received}/peppol-exchanges/{inn_id}/receipt"),
    ] {
        let response = b.send(Method::GET, &path, None, &stranger.token).await;
        assert_error_body(response, 404, "not_found").await;
    }
    // The sales side of B has no such document either.
    let sales = received.replace("purchase-invoices", "sales-invoices");
    let response = b
        .send(
            Method::GET,
            &format!("{sales}/peppol-exchanges"),
            None,
            &buyer.token,
        )
        .await;
    assert_error_body(response, 404, "not_found").await;

    // Retention: the document's original and its evidence go, the record stays.
    let later = chrono::Utc::now() + chrono::TimeDelta::days(2);
    let purged = purge_expired(
        b.database(),
        &blobs_of(&b),
        &parse_rules("incoming:*=1").unwrap(),
        later,
    )
    .await
    .unwrap();
    assert_eq!(purged.len(), 1);
    let listed = exchanges(&b, &buyer.token, &received).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["held"], false);
    assert_eq!(listed[0]["messageSha256"], inn["messageSha256"]);
    for part in ["message", "receipt"] {
        let gone = b
            .send(
                Method::GET,
                &format!("{received}/peppol-exchanges/{inn_id}/{part}"),
                None,
                &buyer.token,
            )
            .await;
        assert_error_body(gone, 409, "evidence_purged").await;
    }
    let left = stored_blobs(&b);
    for field in ["messageSha256", "receiptSha256"] {
        let hash = inn[field].as_str().unwrap();
        assert!(
            !left.iter().any(|name| name.contains(hash)),
            "{field} is deleted: {left:?}"
        );
    }

    // On A too: the sender's evidence goes with its original.
    let purged = purge_expired(
        a.database(),
        &blobs_of(&a),
        &parse_rules("outgoing:delivered=1").unwrap(),
        later,
    )
    .await
    .unwrap();
    assert_eq!(purged.len(), 1);
    let listed = exchanges(&a, &seller.token, &location).await;
    assert_eq!(listed[0]["held"], false);
    let left = stored_blobs(&a);
    for field in ["messageSha256", "receiptSha256"] {
        let hash = out[field].as_str().unwrap();
        assert!(
            !left.iter().any(|name| name.contains(hash)),
            "{field}: {left:?}"
        );
    }
}

#[tokio::test]
async fn a_cii_original_lists_the_ubl_form_sent_as_evidence_and_keeps_blobs_another_document_names()
{
    let network = Network::new();
    let b = network.haven_b(0).await;
    let (_buyer, _) = buyer_on(&b, true).await;
    let a = network.haven_a(&b.url("/as4"), &network.b.pem).await;
    let (seller, location) = seller_sends_body(&a, cii_invoice("INV-EVIDENCE-CII", &[])).await;
    let sent = wait_for(&a, &seller.token, &location, &["delivered", "failed"]).await;
    assert_eq!(sent["status"], "delivered", "{sent}");

    let listed = exchanges(&a, &seller.token, &location).await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    let out = &listed[0];
    let ubl = out["ublSha256"].as_str().expect("the UBL form is listed");
    download_matches(&a, &seller.token, &location, out, "ubl").await;

    // The same CII sent again (another document) names the same UBL form: purging the first
    // keeps the bytes the second still names.
    let response = crate::exchange::send(
        &a,
        &seller.token,
        &format!("0106:{}", crate::exchange::SELLER_KVK),
        cii_invoice("INV-EVIDENCE-CII", &[]),
        None,
    )
    .await;
    assert_eq!(response.status().as_u16(), 202);
    let second = response.headers()["location"].to_str().unwrap().to_owned();
    let again = wait_for(&a, &seller.token, &second, &["delivered", "failed"]).await;
    assert_eq!(again["status"], "delivered", "{again}");
    let second_exchange = exchanges(&a, &seller.token, &second).await;
    assert_eq!(second_exchange[0]["ublSha256"], ubl);

    // Purge only the first (the second is younger than the cut-off).
    let first_created: chrono::DateTime<chrono::Utc> =
        sent["createdAt"].as_str().unwrap().parse().unwrap();
    let second_created: chrono::DateTime<chrono::Utc> =
        again["createdAt"].as_str().unwrap().parse().unwrap();
    let cut = first_created + (second_created - first_created) / 2;
    let purged = purge_expired(
        a.database(),
        &blobs_of(&a),
        &parse_rules("outgoing:*=1").unwrap(),
        cut + chrono::TimeDelta::days(1),
    )
    .await
    .unwrap();
    assert_eq!(purged.len(), 1, "only the first document");
    let first = exchanges(&a, &seller.token, &location).await;
    assert_eq!(first[0]["held"], false);
    // The UBL form is still there for the second document.
    download_matches(&a, &seller.token, &second, &second_exchange[0], "ubl").await;
}
