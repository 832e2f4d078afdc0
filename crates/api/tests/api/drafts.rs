//! Intake drafts end to end: a text PDF mailed to an intake address becomes a draft with the
//! recognised fields; people correct it (422 per field for bad values), complete it (once,
//! however many requests at once) into the inbox or the outbox, or discard it. Other
//! environments see none of it.

use pdf_writer::{types::AssociationKind, Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use reqwest::Method;
use serde_json::{json, Value};

use crate::{
    exchange::{invoice, two_parties, BUYER_KVK, SELLER_KVK},
    helpers::{assert_error_body, TestApp},
    intake::{accepted_id, app, hand_over, mail, organization_id, processed, DOMAIN},
};

/// A one-page PDF with the text at the given positions (Helvetica, WinAnsi).
pub(crate) fn text_pdf(items: &[(f32, f32, &str)]) -> Vec<u8> {
    pdf_with(items, None)
}

/// A Factur-X: the page shows `items`, and `xml` is attached as `factur-x.xml`, the
/// alternative form of what the page shows.
fn factur_x(items: &[(f32, f32, &str)], xml: &[u8]) -> Vec<u8> {
    pdf_with(items, Some(xml))
}

fn pdf_with(items: &[(f32, f32, &str)], attached_xml: Option<&[u8]>) -> Vec<u8> {
    let mut content = Content::new();
    for (x, y, text) in items {
        let bytes: Vec<u8> = text
            .chars()
            .map(|c| {
                if c == '€' {
                    0x80
                } else {
                    u8::try_from(u32::from(c)).unwrap_or(b'?')
                }
            })
            .collect();
        content
            .begin_text()
            .set_font(Name(b"F1"), 10.0)
            .next_line(*x, *y)
            .show(Str(&bytes))
            .end_text();
    }
    let mut pdf = Pdf::new();
    let (catalog, tree, page, font, stream) = (
        Ref::new(1),
        Ref::new(2),
        Ref::new(3),
        Ref::new(4),
        Ref::new(5),
    );
    let (spec, file) = (Ref::new(6), Ref::new(7));
    let mut root = pdf.catalog(catalog);
    root.pages(tree);
    if attached_xml.is_some() {
        root.names()
            .embedded_files()
            .names()
            .insert(Str(b"factur-x.xml"), spec);
    }
    root.finish();
    pdf.pages(tree).kids([page]).count(1);
    let mut p = pdf.page(page);
    p.parent(tree)
        .media_box(Rect::new(0.0, 0.0, 595.0, 842.0))
        .contents(stream);
    p.resources().fonts().pair(Name(b"F1"), font);
    p.finish();
    pdf.type1_font(font)
        .base_font(Name(b"Helvetica"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.stream(stream, &content.finish());
    if let Some(xml) = attached_xml {
        pdf.file_spec(spec)
            .path(Str(b"factur-x.xml"))
            .unic_file(TextStr("factur-x.xml"))
            .embedded_file(file)
            .association_kind(AssociationKind::Alternative);
        pdf.embedded_file(file, xml).subtype(Name(b"text/xml"));
    }
    pdf.finish()
}

/// Tulpenveld's invoice to Zeewind, numbered `number`, as a Dutch text PDF.
pub(crate) fn tulpenveld_invoice(number: &str) -> Vec<u8> {
    let number_line = format!("Factuurnummer: {number}");
    text_pdf(&[
        (50.0, 790.0, "Tulpenveld Installatietechniek B.V."),
        (50.0, 776.0, "Vleutenseweg 214, 3532 HK Utrecht"),
        (50.0, 762.0, "KvK: 90000016   IBAN: NL91 ABNA 0417 1643 00"),
        (50.0, 748.0, "BTW-nummer: NL001234567B01"),
        (50.0, 700.0, "FACTUUR"),
        (50.0, 670.0, "Aan: Zeewind Logistiek B.V."),
        (50.0, 656.0, "Waalhaven Oostzijde 88"),
        (50.0, 642.0, "3087 BM Rotterdam"),
        (330.0, 670.0, &number_line),
        (330.0, 656.0, "Factuurdatum: 04-12-2026"),
        (330.0, 642.0, "Vervaldatum: 03-01-2027"),
        (330.0, 628.0, "Uw referentie: PO-77"),
        (50.0, 560.0, "Onderhoud warmtepomp"),
        (450.0, 560.0, "€ 1.000,00"),
        (330.0, 520.0, "Subtotaal"),
        (450.0, 520.0, "€ 1.000,00"),
        (330.0, 504.0, "BTW 21% over € 1.000,00"),
        (450.0, 504.0, "€ 210,00"),
        (330.0, 488.0, "Totaal te betalen"),
        (450.0, 488.0, "€ 1.210,00"),
    ])
}

pub(crate) fn drafts_path(org: &str) -> String {
    format!("/api/v1/organizations/{org}/intake/drafts")
}

/// Mails the PDF and returns the draft the message made.
async fn mailed_draft(
    app: &TestApp,
    session: &crate::helpers::Session,
    org: &str,
    from: &str,
    to: &str,
    pdf: Vec<u8>,
) -> Value {
    let raw = mail(
        from,
        to,
        "Factuur",
        &[("factuur.pdf", "application/pdf", pdf)],
    );
    let message = accepted_id(hand_over(app, raw, "").await).await;
    let detail = processed(app, session, org, &message).await;
    assert_eq!(detail["message"]["status"], "processed", "{detail}");
    let item = &detail["items"][0];
    assert_eq!(item["outcome"], "draft", "{detail}");
    assert!(item["documentId"].is_null());
    let id = item["draftId"].as_str().unwrap();
    app.get_json(&format!("{}/{id}", drafts_path(org)), &session.token)
        .await
}

pub(crate) async fn complete(app: &TestApp, token: &str, path: &str) -> reqwest::Response {
    app.send(Method::POST, &format!("{path}/complete"), None, token)
        .await
}

#[tokio::test]
async fn a_text_pdf_by_email_becomes_a_draft_completed_into_the_inbox_once() {
    let app = app().await;
    let (seller, _, buyer, buyer_party) = two_parties(&app).await;
    let org = organization_id(&app, &buyer).await;
    let purchase = format!("{BUYER_KVK}.inkoop@{DOMAIN}");
    let pdf = tulpenveld_invoice("2026-0042");
    let draft = mailed_draft(
        &app,
        &buyer,
        &org,
        "bob@buyer.example",
        &purchase,
        pdf.clone(),
    )
    .await;
    let id = draft["id"].as_str().unwrap().to_owned();
    let path = format!("{}/{id}", drafts_path(&org));
    assert_eq!(draft["status"], "open");
    assert_eq!(draft["purpose"], "purchase");
    let fields = &draft["fields"];
    assert_eq!(fields["sellerName"], "Tulpenveld Installatietechniek B.V.");
    assert_eq!(fields["sellerKvk"], SELLER_KVK);
    assert_eq!(fields["sellerVat"], "NL001234567B01");
    assert_eq!(fields["sellerPostalCode"], "3532 HK");
    assert_eq!(fields["invoiceNumber"], "2026-0042");
    assert_eq!(fields["issueDate"], "2026-12-04");
    assert_eq!(fields["dueDate"], "2027-01-03");
    assert_eq!(fields["currency"], "EUR");
    assert_eq!(fields["netTotal"], "1000.00");
    assert_eq!(fields["vatTotal"], "210.00");
    assert_eq!(fields["payable"], "1210.00");
    assert_eq!(
        fields["vatBreakdown"],
        json!([{"rate": "21", "taxableAmount": "1000.00", "taxAmount": "210.00"}])
    );
    assert_eq!(fields["iban"], "NL91ABNA0417164300");
    assert_eq!(fields["buyerReference"], "PO-77");

    // Listed among the open drafts; its PDF comes back as mailed.
    let list = app
        .get_json(&format!("{}?status=open", drafts_path(&org)), &buyer.token)
        .await;
    assert_eq!(list["items"][0]["id"], id.as_str());
    let none = app
        .get_json(
            &format!("{}?status=completed", drafts_path(&org)),
            &buyer.token,
        )
        .await;
    assert_eq!(none["items"], json!([]));
    let response = app
        .send(Method::GET, &format!("{path}/pdf"), None, &buyer.token)
        .await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    assert_eq!(response.bytes().await.unwrap().to_vec(), pdf);

    // Bad values: 422 naming each field; nothing is saved.
    let mut bad = fields.clone();
    bad["issueDate"] = json!("2026-02-30");
    bad["sellerKvk"] = json!("123");
    bad["iban"] = json!("NL92ABNA0417164300");
    let response = app
        .send(
            Method::PUT,
            &format!("{path}/fields"),
            Some(&bad),
            &buyer.token,
        )
        .await;
    let body = assert_error_body(response, 422, "unprocessable").await;
    let named: Vec<&str> = body["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    assert_eq!(named, ["issueDate", "sellerKvk", "iban"], "{body}");
    let response = app
        .send(
            Method::PUT,
            &format!("{path}/fields"),
            Some(&json!({"surprise": 1})),
            &buyer.token,
        )
        .await;
    assert_eq!(
        response.status().as_u16(),
        400,
        "unknown fields are refused"
    );
    let unchanged = app.get_json(&path, &buyer.token).await;
    assert_eq!(unchanged["fields"]["issueDate"], "2026-12-04");

    // A correction is saved.
    let mut corrected = fields.clone();
    corrected["buyerReference"] = json!("PO-78");
    let response = app
        .send(
            Method::PUT,
            &format!("{path}/fields"),
            Some(&corrected),
            &buyer.token,
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let saved: Value = response.json().await.unwrap();
    assert_eq!(saved["fields"]["buyerReference"], "PO-78");

    // Another environment's user finds nothing.
    for (method, suffix) in [
        (Method::GET, ""),
        (Method::GET, "/pdf"),
        (Method::PUT, "/fields"),
        (Method::POST, "/complete"),
        (Method::POST, "/discard"),
    ] {
        let body = (method == Method::PUT).then(|| corrected.clone());
        let response = app
            .send(
                method.clone(),
                &format!("{path}{suffix}"),
                body.as_ref(),
                &seller.token,
            )
            .await;
        assert_eq!(response.status().as_u16(), 404, "{method} {suffix}");
    }
    let response = app
        .send(Method::GET, &drafts_path(&org), None, &seller.token)
        .await;
    assert_eq!(response.status().as_u16(), 404);

    // Two completions at once make one document.
    let (first, second) = tokio::join!(
        complete(&app, &buyer.token, &path),
        complete(&app, &buyer.token, &path)
    );
    let mut documents = Vec::new();
    for response in [first, second] {
        match response.status().as_u16() {
            200 => {
                let done: Value = response.json().await.unwrap();
                assert_eq!(done["status"], "completed");
                assert_eq!(done["finishedBy"], "bob@buyer.example");
                documents.push(done["documentId"].as_str().unwrap().to_owned());
            }
            409 => {
                assert_error_body(response, 409, "draft_not_open").await;
            }
            other => panic!(
                "completion answered {other}: {}",
                response.text().await.unwrap()
            ),
        }
    }
    assert!(!documents.is_empty());
    assert!(documents.iter().all(|d| *d == documents[0]));
    let inbox = app
        .get_json(
            &format!("/api/v1/parties/{buyer_party}/purchase-invoices"),
            &buyer.token,
        )
        .await;
    let items = inbox["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{inbox}");
    assert_eq!(items[0]["id"], documents[0].as_str());
    assert_eq!(items[0]["number"], "2026-0042");
    assert_eq!(items[0]["channel"], "email_intake");

    // Finished: no more completing, discarding or editing.
    assert_error_body(
        complete(&app, &buyer.token, &path).await,
        409,
        "draft_not_open",
    )
    .await;
    let response = app
        .send(Method::POST, &format!("{path}/discard"), None, &buyer.token)
        .await;
    assert_error_body(response, 409, "draft_not_open").await;
    let response = app
        .send(
            Method::PUT,
            &format!("{path}/fields"),
            Some(&corrected),
            &buyer.token,
        )
        .await;
    assert_error_body(response, 409, "draft_not_open").await;

    // The same PDF again is already processed.
    let raw = mail(
        "bob@buyer.example",
        &purchase,
        "Again",
        &[("factuur.pdf", "application/pdf", pdf)],
    );
    let message = accepted_id(hand_over(&app, raw, "").await).await;
    let detail = processed(&app, &buyer, &org, &message).await;
    assert_eq!(
        detail["items"][0]["reason"], "already_processed",
        "{detail}"
    );
}

#[tokio::test]
async fn a_sales_draft_needs_its_buyer_then_is_sent_and_another_is_discarded() {
    let app = app().await;
    let (seller, seller_party, buyer, buyer_party) = two_parties(&app).await;
    let org = organization_id(&app, &seller).await;
    let sales = format!("{SELLER_KVK}.verkoop@{DOMAIN}");
    let draft = mailed_draft(
        &app,
        &seller,
        &org,
        "ada@seller.example",
        &sales,
        tulpenveld_invoice("2026-0100"),
    )
    .await;
    let path = format!("{}/{}", drafts_path(&org), draft["id"].as_str().unwrap());
    assert_eq!(draft["purpose"], "sales");

    // The buyer is not recognised: completing names what is missing.
    let response = complete(&app, &seller.token, &path).await;
    let body = assert_error_body(response, 422, "unprocessable").await;
    let named: Vec<&str> = body["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    assert!(
        named.contains(&"buyerName") && named.contains(&"buyerKvk"),
        "{body}"
    );

    let mut fields = draft["fields"].clone();
    fields["buyerName"] = json!("Zeewind Logistiek B.V.");
    fields["buyerKvk"] = json!(BUYER_KVK);
    fields["buyerStreet"] = json!("Waalhaven Oostzijde 88");
    fields["buyerPostalCode"] = json!("3087 BM");
    fields["buyerCity"] = json!("Rotterdam");
    let response = app
        .send(
            Method::PUT,
            &format!("{path}/fields"),
            Some(&fields),
            &seller.token,
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let response = complete(&app, &seller.token, &path).await;
    let status = response.status().as_u16();
    let done: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "{done}");
    let document = done["documentId"].as_str().unwrap();
    let sent = app
        .get_json(
            &format!("/api/v1/parties/{seller_party}/sales-invoices/{document}"),
            &seller.token,
        )
        .await;
    assert_eq!(sent["number"], "2026-0100");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let inbox = app
            .get_json(
                &format!("/api/v1/parties/{buyer_party}/purchase-invoices"),
                &buyer.token,
            )
            .await;
        if inbox["items"].as_array().unwrap().len() == 1 {
            assert_eq!(inbox["items"][0]["number"], "2026-0100");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "not delivered");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    // Another draft, discarded: it stays listed as discarded and cannot be completed.
    let other = mailed_draft(
        &app,
        &seller,
        &org,
        "ada@seller.example",
        &sales,
        tulpenveld_invoice("2026-0101"),
    )
    .await;
    let path = format!("{}/{}", drafts_path(&org), other["id"].as_str().unwrap());
    let response = app
        .send(
            Method::POST,
            &format!("{path}/discard"),
            None,
            &seller.token,
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let discarded: Value = response.json().await.unwrap();
    assert_eq!(discarded["status"], "discarded");
    assert!(discarded["documentId"].is_null());
    let response = app
        .send(
            Method::POST,
            &format!("{path}/discard"),
            None,
            &seller.token,
        )
        .await;
    assert_error_body(response, 409, "draft_not_open").await;
    assert_error_body(
        complete(&app, &seller.token, &path).await,
        409,
        "draft_not_open",
    )
    .await;
    let list = app
        .get_json(
            &format!("{}?status=discarded", drafts_path(&org)),
            &seller.token,
        )
        .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let all = app
        .get_json(&format!("{}?limit=1", drafts_path(&org)), &seller.token)
        .await;
    assert_eq!(all["items"].as_array().unwrap().len(), 1);
    let next = all["nextCursor"].as_str().unwrap();
    let rest = app
        .get_json(
            &format!("{}?limit=1&before={next}", drafts_path(&org)),
            &seller.token,
        )
        .await;
    assert_eq!(rest["items"].as_array().unwrap().len(), 1);
    assert_ne!(rest["items"][0]["id"], all["items"][0]["id"]);
}

#[tokio::test]
async fn pdfs_without_usable_text_are_rejected_with_their_reason() {
    let app = app().await;
    let (_, _, buyer, _) = two_parties(&app).await;
    let org = organization_id(&app, &buyer).await;
    let purchase = format!("{BUYER_KVK}.inkoop@{DOMAIN}");
    let terms = text_pdf(&[
        (50.0, 700.0, "Algemene voorwaarden"),
        (50.0, 680.0, "Artikel 1"),
    ]);
    let raw = mail(
        "bob@buyer.example",
        &purchase,
        "Stukken",
        &[("voorwaarden.pdf", "application/pdf", terms)],
    );
    let message = accepted_id(hand_over(&app, raw, "").await).await;
    let detail = processed(&app, &buyer, &org, &message).await;
    assert_eq!(detail["message"]["status"], "rejected", "{detail}");
    assert_eq!(detail["items"][0]["reason"], "not_an_invoice");
    let list = app.get_json(&drafts_path(&org), &buyer.token).await;
    assert_eq!(list["items"], json!([]));
}

/// An organization that prefers it keeps valid sales invoices by email as drafts: nothing is
/// sent until a person completes the draft, which sends the invoice as mailed. Only an
/// Organization Administrator of the organization sets the preference; it is audited.
#[tokio::test]
async fn sales_invoices_by_email_can_be_kept_as_drafts_and_sent_from_there() {
    let app = app().await;
    let (seller, seller_party, buyer, buyer_party) = two_parties(&app).await;
    let org = organization_id(&app, &seller).await;
    let intake = format!("/api/v1/organizations/{org}/intake");
    let sales = format!("{SELLER_KVK}.verkoop@{DOMAIN}");
    assert_eq!(
        app.get_json(&intake, &seller.token).await["salesAsDrafts"],
        false,
        "sent at once by default"
    );

    // Unhappy paths first: another environment, a malformed body.
    let on = json!({"salesAsDrafts": true});
    let response = app
        .send(Method::PUT, &intake, Some(&on), &buyer.token)
        .await;
    assert_error_body(response, 404, "not_found").await;
    let response = app
        .send(
            Method::PUT,
            &intake,
            Some(&json!({"salesAsDrafts": "yes"})),
            &seller.token,
        )
        .await;
    assert_eq!(response.status().as_u16(), 400);
    // A Member of the organization sees the preference but may not change it.
    let member = app
        .invite_and_accept(&seller, "mia@seller.example", "basic")
        .await;
    let response = app
        .send(
            Method::POST,
            &format!("/api/v1/organizations/{org}/members"),
            Some(&json!({"userId": member.id(), "role": "member"})),
            &seller.token,
        )
        .await;
    assert_eq!(response.status().as_u16(), 201);
    assert_eq!(
        app.get_json(&intake, &member.token).await["salesAsDrafts"],
        false
    );
    let response = app
        .send(Method::PUT, &intake, Some(&on), &member.token)
        .await;
    assert_error_body(response, 403, "forbidden").await;
    assert_eq!(
        app.get_json(&intake, &seller.token).await["salesAsDrafts"],
        false
    );

    let response = app
        .send(Method::PUT, &intake, Some(&on), &seller.token)
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["salesAsDrafts"], true, "{body}");
    assert_eq!(body["salesAddress"], sales.as_str());

    let xml = invoice("KEEP-1", SELLER_KVK, BUYER_KVK, None);
    let files = [("KEEP-1.xml", "application/xml", xml.clone())];
    let raw = mail("ada@seller.example", &sales, "KEEP-1", &files);
    let message = accepted_id(hand_over(&app, raw, "").await).await;
    let detail = processed(&app, &seller, &org, &message).await;
    assert_eq!(detail["message"]["status"], "processed", "{detail}");
    assert_eq!(detail["message"]["replied"], false);
    let item = &detail["items"][0];
    assert_eq!(item["outcome"], "draft", "{detail}");
    assert_eq!(item["reason"], "kept_as_draft", "{detail}");
    assert!(item["documentId"].is_null());
    let outbox = format!("/api/v1/parties/{seller_party}/sales-invoices");
    assert!(
        app.get_json(&outbox, &seller.token).await["items"]
            .as_array()
            .unwrap()
            .is_empty(),
        "nothing sent yet"
    );

    let path = format!(
        "{}/{}",
        drafts_path(&org),
        item["draftId"].as_str().unwrap()
    );
    let draft = app.get_json(&path, &seller.token).await;
    assert_eq!(draft["status"], "open", "{draft}");
    assert_eq!(draft["purpose"], "sales");
    assert_eq!(draft["fromInvoice"], true);
    assert_eq!(draft["filename"], "KEEP-1.pdf");
    let pdf = app
        .client
        .get(app.url(&format!("{path}/pdf")))
        .bearer_auth(&seller.token)
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.status().as_u16(), 200);
    assert!(
        pdf.bytes().await.unwrap().starts_with(b"%PDF"),
        "a rendering to look at"
    );

    // Its fields describe the invoice; they are not what is sent, so they cannot be changed.
    let response = app
        .send(
            Method::PUT,
            &format!("{path}/fields"),
            Some(&draft["fields"]),
            &seller.token,
        )
        .await;
    assert_error_body(response, 409, "draft_is_invoice").await;
    // The same file again is already there, as a draft.
    let raw = mail("ada@seller.example", &sales, "KEEP-1 again", &files);
    let again = accepted_id(hand_over(&app, raw, "").await).await;
    let detail = processed(&app, &seller, &org, &again).await;
    assert_eq!(
        detail["items"][0]["reason"], "already_processed",
        "{detail}"
    );

    // Completing sends the invoice as mailed; it reaches the buyer.
    let response = complete(&app, &seller.token, &path).await;
    let status = response.status().as_u16();
    let done: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["status"], "completed");
    let document = done["documentId"].as_str().unwrap();
    let original = app
        .client
        .get(app.url(&format!("{outbox}/{document}/download")))
        .bearer_auth(&seller.token)
        .send()
        .await
        .unwrap();
    assert_eq!(original.bytes().await.unwrap().as_ref(), xml.as_slice());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let inbox = app
            .get_json(
                &format!("/api/v1/parties/{buyer_party}/purchase-invoices"),
                &buyer.token,
            )
            .await;
        if inbox["items"].as_array().unwrap().len() == 1 {
            assert_eq!(inbox["items"][0]["number"], "KEEP-1");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "not delivered");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    // Switched back: the next one is sent at once. The changes are in the audit log.
    let off = json!({"salesAsDrafts": false});
    let response = app
        .send(Method::PUT, &intake, Some(&off), &seller.token)
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let raw = mail(
        "ada@seller.example",
        &sales,
        "KEEP-2",
        &[(
            "KEEP-2.xml",
            "application/xml",
            invoice("KEEP-2", SELLER_KVK, BUYER_KVK, None),
        )],
    );
    let message = accepted_id(hand_over(&app, raw, "").await).await;
    let detail = processed(&app, &seller, &org, &message).await;
    assert_eq!(detail["items"][0]["outcome"], "document", "{detail}");
    let audit = app
        .get_json("/api/v1/audit-events?limit=200", &seller.token)
        .await;
    let changes = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "intake.preferences_changed")
        .count();
    assert_eq!(changes, 2, "{audit}");
}

/// A Factur-X mailed to the sales address of an organization that keeps sales invoices as
/// drafts: the draft shows the PDF as mailed (it is its own visual), its fields are read from
/// the page, and completing it sends the PDF unchanged.
#[tokio::test]
async fn a_factur_x_kept_as_a_sales_draft_shows_and_sends_the_pdf_as_mailed() {
    let app = app().await;
    let (seller, seller_party, _buyer, _buyer_party) = two_parties(&app).await;
    let org = organization_id(&app, &seller).await;
    let response = app
        .send(
            Method::PUT,
            &format!("/api/v1/organizations/{org}/intake"),
            Some(&json!({"salesAsDrafts": true})),
            &seller.token,
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);

    let ubl = invoice("KEEP-FX-1", SELLER_KVK, BUYER_KVK, None);
    let cii = haven_einvoice::transform(&ubl, haven_einvoice::Syntax::Cii).unwrap();
    let page = [
        (50.0, 790.0, "FACTUUR"),
        (330.0, 670.0, "Factuurnummer: KEEP-FX-1"),
        (330.0, 656.0, "Factuurdatum: 04-12-2026"),
    ];
    let pdf = factur_x(&page, &cii);
    let raw = mail(
        "ada@seller.example",
        &format!("{SELLER_KVK}.verkoop@{DOMAIN}"),
        "KEEP-FX-1",
        &[("KEEP-FX-1.pdf", "application/pdf", pdf.clone())],
    );
    let message = accepted_id(hand_over(&app, raw, "").await).await;
    let detail = processed(&app, &seller, &org, &message).await;
    let item = &detail["items"][0];
    assert_eq!(item["outcome"], "draft", "{detail}");
    assert_eq!(item["reason"], "kept_as_draft", "{detail}");

    let path = format!(
        "{}/{}",
        drafts_path(&org),
        item["draftId"].as_str().unwrap()
    );
    let draft = app.get_json(&path, &seller.token).await;
    assert_eq!(draft["fromInvoice"], true, "{draft}");
    assert_eq!(draft["filename"], "KEEP-FX-1.pdf");
    assert_eq!(draft["fields"]["invoiceNumber"], "KEEP-FX-1", "{draft}");
    let shown = app
        .client
        .get(app.url(&format!("{path}/pdf")))
        .bearer_auth(&seller.token)
        .send()
        .await
        .unwrap();
    assert_eq!(shown.status().as_u16(), 200);
    assert_eq!(
        shown.bytes().await.unwrap().as_ref(),
        pdf.as_slice(),
        "the Factur-X itself, not a rendering"
    );

    let response = complete(&app, &seller.token, &path).await;
    let status = response.status().as_u16();
    let done: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "{done}");
    let document = done["documentId"].as_str().unwrap();
    let outbox = format!("/api/v1/parties/{seller_party}/sales-invoices");
    let sent = app
        .get_json(&format!("{outbox}/{document}"), &seller.token)
        .await;
    assert_eq!(sent["number"], "KEEP-FX-1", "{sent}");
    let original = app
        .client
        .get(app.url(&format!("{outbox}/{document}/download")))
        .bearer_auth(&seller.token)
        .send()
        .await
        .unwrap();
    assert_eq!(original.bytes().await.unwrap().as_ref(), pdf.as_slice());
}
