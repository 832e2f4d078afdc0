//! The file outbox: what development and the tests use instead of an SMTP server.

#![allow(clippy::unwrap_used)]

use haven_domain::mail::{render, Language, MailTemplate, OutgoingMail};
use haven_mailer::{build_message, testing, FileOutbox, SendError, Transport};
use uuid::Uuid;

fn verification(to: &str) -> OutgoingMail {
    render(
        to,
        &MailTemplate::VerifyRegistration {
            link: "http://127.0.0.1:8080/verify?token=abc123&x=%3D=".into(),
            valid_hours: 24,
        },
        Language::Nl,
    )
}

fn from() -> lettre::message::Mailbox {
    "Haven <no-reply@haven.invalid>".parse().unwrap()
}

#[tokio::test]
async fn the_outbox_holds_a_parseable_eml_with_text_html_and_the_link() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = FileOutbox::new(dir.path().join("outbox")).unwrap();
    let mail = verification("Anne@Example.com");
    let id = Uuid::new_v4();

    let path = outbox
        .write(&build_message(&from(), &mail, id).unwrap(), id)
        .await
        .unwrap();

    let name = path.file_name().unwrap().to_str().unwrap();
    assert!(name.ends_with(&format!("-{id}.eml")), "{name}");
    let raw = std::fs::read_to_string(&path).unwrap();
    assert!(raw.contains("multipart/alternative"), "{raw}");
    assert!(
        raw.contains(&format!("Message-ID: <{id}@haven.invalid>")),
        "{raw}"
    );

    let found = testing::read_outbox(&dir.path().join("outbox"));
    assert_eq!(found.len(), 1);
    let got = &found[0];
    assert_eq!(got.to, "Anne@Example.com");
    assert_eq!(got.from, "no-reply@haven.invalid");
    assert_eq!(got.subject, mail.subject, "UTF-8 subject survives encoding");
    assert_eq!(got.text.trim_end(), mail.text_body.trim_end());
    assert!(got.html.contains("<a href="), "{}", got.html);
    assert!(got.text.contains("één keer"), "accented text survives");
    assert_eq!(
        got.links(),
        vec!["http://127.0.0.1:8080/verify?token=abc123&x=%3D=".to_owned()]
    );
}

#[tokio::test]
async fn outbox_files_sort_in_the_order_they_were_written_and_no_temporary_file_remains() {
    let dir = tempfile::tempdir().unwrap();
    let transport = Transport::outbox(dir.path()).unwrap();

    for n in 0..20 {
        let mail = verification(&format!("p{n}@example.com"));
        let id = Uuid::new_v4();
        transport
            .send(&build_message(&from(), &mail, id).unwrap(), id)
            .await
            .unwrap();
    }

    let recipients: Vec<String> = testing::read_outbox(dir.path())
        .into_iter()
        .map(|m| m.to)
        .collect();
    let expected: Vec<String> = (0..20).map(|n| format!("p{n}@example.com")).collect();
    assert_eq!(recipients, expected);
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(
        names
            .iter()
            .all(|n| n.ends_with(".eml") && !n.starts_with('.')),
        "{names:?}"
    );
}

#[test]
fn an_unusable_recipient_is_a_permanent_failure() {
    let mut mail = verification("x@example.com");
    mail.to = "not an address".into();

    let err = build_message(&from(), &mail, Uuid::new_v4()).unwrap_err();

    assert!(matches!(err, SendError::Permanent(_)), "{err:?}");
}

#[test]
fn logs_may_show_the_recipient_domain_only() {
    assert_eq!(
        haven_mailer::recipient_domain("anne@example.com"),
        "example.com"
    );
    assert_eq!(haven_mailer::recipient_domain("nobody"), "<none>");
}
