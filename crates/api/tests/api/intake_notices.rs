//! The rejection notices of email intake say why, in the sender's language: for every reason
//! a sender can be told (an untrusted sender, a file processed before, an unreadable file, a
//! PDF whose text lacks an invoice's essentials, a file that is not an invoice, an encrypted
//! or a signed PDF, too many invoices in one message, and rule failures with their ids), the
//! notice carries that reason's sentence in Dutch and in English.

use haven_domain::{intake::records::IntakeReason, mail::intake_reason_text, mail::Language};
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str};
use reqwest::Method;
use serde_json::{json, Value};

use crate::{
    drafts::text_pdf,
    exchange::{invoice, two_parties, BUYER_KVK, SELLER_KVK},
    helpers::{spawn_app_with, Options, Session, TestApp},
    intake::{accepted_id, hand_over, mail, organization_id, processed, DOMAIN, SECRET},
};

/// At most this many invoices in one message, so that one more is "too many".
const MAX_INVOICES: u32 = 6;

/// A one-page text PDF that also holds a signature dictionary.
fn signed_pdf() -> Vec<u8> {
    let mut content = Content::new();
    content
        .begin_text()
        .set_font(Name(b"F1"), 10.0)
        .next_line(50.0, 700.0)
        .show(Str(b"Factuur 2026-7 totaal 100,00"))
        .end_text();
    let mut pdf = Pdf::new();
    let (catalog, tree, page, font, stream, signature) = (
        Ref::new(1),
        Ref::new(2),
        Ref::new(3),
        Ref::new(4),
        Ref::new(5),
        Ref::new(6),
    );
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids([page]).count(1);
    let mut p = pdf.page(page);
    p.parent(tree)
        .media_box(Rect::new(0.0, 0.0, 595.0, 842.0))
        .contents(stream);
    p.resources().fonts().pair(Name(b"F1"), font);
    p.finish();
    pdf.type1_font(font).base_font(Name(b"Helvetica"));
    pdf.stream(stream, &content.finish());
    pdf.indirect(signature)
        .dict()
        .pair(Name(b"Type"), Name(b"Sig"))
        .pair(Name(b"Filter"), Name(b"Adobe.PPKLite"))
        .insert(Name(b"ByteRange"))
        .array()
        .items([0, 10, 20, 30]);
    pdf.finish()
}

/// A PDF whose trailer names an encryption dictionary.
fn encrypted_pdf() -> Vec<u8> {
    b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n\
      trailer\n<< /Root 1 0 R /Encrypt << /Filter /Standard /V 2 /R 3 >> >>\n%%EOF\n"
        .to_vec()
}

/// The notice to `to` about the message with `subject`, once it is in the outbox.
async fn notice(app: &TestApp, to: &str, subject: &str) -> haven_mailer::testing::OutboxMail {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        if let Some(mail) = haven_mailer::testing::outbox_for(&app.data_dir.join("outbox"), to)
            .into_iter()
            .find(|m| m.subject.contains(subject))
        {
            return mail;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no notice about {subject} to {to}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// Mails `files` from `from` to `to` and waits until the message is processed.
async fn send(
    app: &TestApp,
    admin: &Session,
    org: &str,
    (from, to): (&str, &str),
    subject: &str,
    files: &[(&str, &str, Vec<u8>)],
) -> Value {
    let raw = mail(from, to, subject, files);
    let message = accepted_id(hand_over(app, raw, "").await).await;
    processed(app, admin, org, &message).await
}

/// The notice for `subject` is in `language` and gives each `(file, reason)` its sentence,
/// with the item's detail (the rule ids of a validation failure) after it.
async fn check_notice(
    app: &TestApp,
    to: &str,
    subject: &str,
    language: Language,
    detail: &Value,
    expected: &[(&str, IntakeReason)],
) {
    let mail = notice(app, to, subject).await;
    let (title, file_label) = match language {
        Language::Nl => ("Niet verwerkt", "Bestand"),
        Language::En => ("Not processed", "File"),
    };
    assert!(mail.subject.starts_with(title), "{}", mail.subject);
    let items = detail["items"].as_array().unwrap();
    for (file, reason) in expected {
        let item = items
            .iter()
            .find(|i| i["filename"] == *file)
            .unwrap_or_else(|| panic!("{file} not among {detail}"));
        assert_eq!(item["reason"], reason.as_str(), "{file}: {detail}");
        let sentence = intake_reason_text(*reason, language);
        let other = match language {
            Language::Nl => Language::En,
            Language::En => Language::Nl,
        };
        assert_ne!(sentence, intake_reason_text(*reason, other), "{reason:?}");
        let line = format!("{file_label} {file}: {sentence}");
        assert!(mail.text.contains(&line), "{line:?} in {}", mail.text);
        if let Some(item_detail) = item["detail"].as_str() {
            assert!(
                mail.text.contains(item_detail),
                "{item_detail:?} in {}",
                mail.text
            );
        }
    }
}

#[tokio::test]
async fn every_rejection_reason_is_mailed_in_dutch_and_in_english() {
    let app = spawn_app_with(Options {
        inbound_email_secret: Some(SECRET.into()),
        intake_max_invoices: Some(MAX_INVOICES),
        ..Options::default()
    })
    .await;
    let (seller, _, _, _) = two_parties(&app).await;
    let org = organization_id(&app, &seller).await;
    let sales = format!("{SELLER_KVK}.verkoop@{DOMAIN}");

    // Two trusted senders: the seller's administrator (registered in English) and a trusted
    // address whose contact reads Dutch.
    let dutch = "boekhouding@seller.example";
    let response = app
        .send(
            Method::POST,
            &format!("/api/v1/organizations/{org}/trusted-senders"),
            Some(&json!({"kind": "address", "value": dutch, "contactEmail": dutch, "language": "nl"})),
            &seller.token,
        )
        .await;
    assert_eq!(response.status().as_u16(), 201);
    let entry: Value = response.json().await.unwrap();
    let response = app
        .send(
            Method::PUT,
            &format!(
                "/api/v1/organizations/{org}/trusted-senders/{}/status",
                entry["id"].as_str().unwrap()
            ),
            Some(&json!({"status": "active"})),
            &seller.token,
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);

    let broken_invoice = |number: &str| {
        String::from_utf8(invoice(number, SELLER_KVK, BUYER_KVK, None))
            .unwrap()
            .replace("<cbc:IssueDate>", "<cbc:IssueDate>not-a-date")
            .into_bytes()
    };
    for (from, language, tag) in [
        ("ada@seller.example", Language::En, "EN"),
        (dutch, Language::Nl, "NL"),
    ] {
        // One message, one file per reason (as many files as one message may hold).
        let bad = format!("BAD-{tag}.xml");
        let files = [
            ("broken.xml", "application/xml", b"<Invoice><unclosed".to_vec()),
            (
                "order.xml",
                "application/xml",
                br#"<Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2"><ID>1</ID></Order>"#.to_vec(),
            ),
            ("locked.pdf", "application/pdf", encrypted_pdf()),
            ("signed.pdf", "application/pdf", signed_pdf()),
            (
                "terms.pdf",
                "application/pdf",
                text_pdf(&[(50.0, 700.0, "Algemene voorwaarden"), (50.0, 680.0, "Artikel 1")]),
            ),
            (bad.as_str(), "application/xml", broken_invoice(&bad)),
        ];
        assert_eq!(files.len(), MAX_INVOICES as usize);
        let subject = format!("Reasons {tag}");
        let detail = send(&app, &seller, &org, (from, &sales), &subject, &files).await;
        assert_eq!(detail["message"]["status"], "rejected", "{detail}");
        // The rule broken by the date, by its id; `check_notice` finds this in the mail.
        let rule_failures = detail["items"][5]["detail"].as_str().unwrap_or_default();
        assert!(
            rule_failures.starts_with("PEPPOL-EN16931-F001: "),
            "rule ids: {detail}"
        );
        check_notice(
            &app,
            from,
            &subject,
            language,
            &detail,
            &[
                ("broken.xml", IntakeReason::Unreadable),
                ("order.xml", IntakeReason::NotAnInvoice),
                ("locked.pdf", IntakeReason::EncryptedPdf),
                ("signed.pdf", IntakeReason::SignedPdf),
                // Text without an invoice's essentials (number, date, amount).
                ("terms.pdf", IntakeReason::NotAnInvoice),
                (bad.as_str(), IntakeReason::ValidationFailed),
            ],
        )
        .await;

        // The same invoice twice: the second time it was processed already.
        let number = format!("DUP-{tag}");
        let file = format!("{number}.xml");
        let valid = invoice(&number, SELLER_KVK, BUYER_KVK, None);
        let files = [(file.as_str(), "application/xml", valid)];
        let first = send(&app, &seller, &org, (from, &sales), &number, &files).await;
        assert_eq!(first["message"]["status"], "processed", "{first}");
        let subject = format!("Again {tag}");
        let again = send(&app, &seller, &org, (from, &sales), &subject, &files).await;
        check_notice(
            &app,
            from,
            &subject,
            language,
            &again,
            &[(file.as_str(), IntakeReason::AlreadyProcessed)],
        )
        .await;

        // One invoice more than a message may hold: the message as a whole is refused.
        let many: Vec<(String, Vec<u8>)> = (0..=MAX_INVOICES)
            .map(|i| {
                let number = format!("MANY-{tag}-{i}");
                (
                    format!("{number}.xml"),
                    invoice(&number, SELLER_KVK, BUYER_KVK, None),
                )
            })
            .collect();
        let files: Vec<(&str, &str, Vec<u8>)> = many
            .iter()
            .map(|(name, xml)| (name.as_str(), "application/xml", xml.clone()))
            .collect();
        let subject = format!("Many {tag}");
        let detail = send(&app, &seller, &org, (from, &sales), &subject, &files).await;
        assert_eq!(detail["message"]["reason"], "too_many_invoices", "{detail}");
        let mail = notice(&app, from, &subject).await;
        let sentence = intake_reason_text(IntakeReason::TooManyInvoices, language);
        assert!(
            mail.text.contains(sentence),
            "{sentence:?} in {}",
            mail.text
        );
    }

    // A stranger: the message is refused as a whole. Whose language is unknown, so the notice
    // is in the installation's default, Dutch; no English notice of this reason exists.
    let subject = "Stranger";
    let detail = send(
        &app,
        &seller,
        &org,
        ("mallory@evil.example", &sales),
        subject,
        &[(
            "x.xml",
            "application/xml",
            invoice("X-1", SELLER_KVK, BUYER_KVK, None),
        )],
    )
    .await;
    assert_eq!(detail["message"]["reason"], "untrusted_sender");
    let mail = notice(&app, "mallory@evil.example", subject).await;
    assert!(
        mail.subject.starts_with("Niet verwerkt"),
        "{}",
        mail.subject
    );
    let sentence = intake_reason_text(IntakeReason::UntrustedSender, Language::Nl);
    assert!(
        mail.text.contains(sentence),
        "{sentence:?} in {}",
        mail.text
    );
}
