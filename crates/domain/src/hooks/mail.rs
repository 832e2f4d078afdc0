//! Mail hooks: a hook whose target is `mailto:address` (optionally `?format=ubl|cii`) gets one
//! message per event, in the language of the person who created the hook, with the event's
//! document attached: the original, or converted to the syntax asked for (when that is not
//! possible, the original and a sentence saying why). The delivery job sends it through the
//! [`HookMailer`] port, which is the platform's own mail transport; what happens to a message
//! is recorded in the hook's delivery log like an HTTP attempt.

use std::future::Future;

use chrono::{DateTime, SecondsFormat, Utc};
use haven_einvoice::{transform::transform, Syntax};
use uuid::Uuid;

use super::{
    delivery::TransportOutcome,
    records::{Delivery, Hook},
    target::MailFormat,
};
use crate::{
    mail::{render, HookAttachmentNote, MailTemplate},
    DomainResult,
};

/// A file attached to a mail hook's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailAttachment {
    pub file_name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// One message of a mail hook, ready for the transport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookMail {
    /// The delivery's id: the `Message-ID`, the same for every attempt of one delivery.
    pub id: Uuid,
    pub to: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    /// Extra header names and values (the event id, the topic).
    pub headers: Vec<(&'static str, String)>,
    pub attachment: Option<MailAttachment>,
}

/// Port: hands a mail hook's message to the platform's mail transport. `Handed` once the
/// mail server (or the outbox) took it; `Failed` with `temporary` for a 4xx reply or no
/// connection, without it for a 5xx reply or an unusable address.
pub trait HookMailer: Send + Sync {
    fn send(&self, mail: &HookMail) -> impl Future<Output = TransportOutcome> + Send;
}

/// A document an event is about, as a mail hook attaches it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventDocument {
    pub number: Option<String>,
    /// `ubl` or `cii` (empty when unknown).
    pub syntax: String,
    /// `application/xml` or `application/pdf`.
    pub content_type: String,
    /// `None` when retention removed the bytes.
    pub bytes: Option<Vec<u8>>,
}

/// Port: reads the document of an event for a mail hook.
pub trait HookDocuments: Send + Sync {
    /// The document `id` of the environment; `None` when there is none.
    fn event_document(
        &self,
        environment_id: Uuid,
        id: Uuid,
    ) -> impl Future<Output = DomainResult<Option<EventDocument>>> + Send;
}

/// The header with the stable event id.
pub const EVENT_ID_HEADER: &str = "X-Haven-Event-Id";

fn syntax_label(format: MailFormat) -> &'static str {
    match format {
        MailFormat::Ubl => "UBL",
        MailFormat::Cii => "CII",
    }
}

/// A file name from the document number: letters, digits, `.`, `_` and `-` only.
fn base_name(number: Option<&str>, id: Uuid) -> String {
    let cleaned: String = number
        .unwrap_or_default()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.' {
                c
            } else {
                '-'
            }
        })
        .take(80)
        .collect();
    let cleaned = cleaned.trim_matches(['-', '.']).to_owned();
    if cleaned.is_empty() {
        id.to_string()
    } else {
        cleaned
    }
}

/// The attachment and what the message says about it.
fn attachment_of(
    document: EventDocument,
    document_id: Uuid,
    format: Option<MailFormat>,
) -> (Option<MailAttachment>, HookAttachmentNote) {
    let Some(bytes) = document.bytes else {
        return (None, HookAttachmentNote::Unavailable);
    };
    let base = base_name(document.number.as_deref(), document_id);
    let is_pdf = document.content_type == "application/pdf";
    let original_name = format!("{base}.{}", if is_pdf { "pdf" } else { "xml" });
    let original = |bytes: Vec<u8>| MailAttachment {
        file_name: original_name.clone(),
        content_type: document.content_type.clone(),
        bytes,
    };
    let Some(format) = format.filter(|f| f.as_str() != document.syntax) else {
        return (
            Some(original(bytes)),
            HookAttachmentNote::Original {
                file_name: original_name.clone(),
            },
        );
    };
    let syntax = syntax_label(format);
    let converted = if is_pdf {
        Err("The document is a PDF, not UBL or CII XML.".to_owned())
    } else {
        let target = match format {
            MailFormat::Ubl => Syntax::Ubl,
            MailFormat::Cii => Syntax::Cii,
        };
        transform(&bytes, target).map_err(|e| e.to_string())
    };
    match converted {
        Ok(xml) => {
            let file_name = format!("{base}-{}.xml", format.as_str());
            (
                Some(MailAttachment {
                    file_name: file_name.clone(),
                    content_type: "application/xml".into(),
                    bytes: xml,
                }),
                HookAttachmentNote::Converted { file_name, syntax },
            )
        }
        Err(reason) => (
            Some(original(bytes)),
            HookAttachmentNote::NotConverted {
                file_name: original_name.clone(),
                syntax,
                reason,
            },
        ),
    }
}

/// Builds the message of one delivery to a mail hook.
///
/// # Errors
/// When the document cannot be read (the store is unreachable): the attempt is tried again.
pub async fn build_mail<D: HookDocuments>(
    documents: &D,
    hook: &Hook,
    delivery: &Delivery,
    address: &str,
    format: Option<MailFormat>,
) -> DomainResult<HookMail> {
    let event = &delivery.event;
    let (number, attachment, note) = match event.document_id {
        None => (None, None, HookAttachmentNote::NoDocument),
        Some(id) => match documents.event_document(hook.environment_id, id).await? {
            None => (None, None, HookAttachmentNote::Unavailable),
            Some(document) => {
                let number = document.number.clone();
                let (attachment, note) = attachment_of(document, id, format);
                (number, attachment, note)
            }
        },
    };
    let rendered = render(
        address,
        &MailTemplate::HookEvent {
            topic: event.topic,
            event_id: event.id,
            party_id: event.party_id.clone(),
            document_id: event.document_id,
            document_number: number,
            created_on: rfc3339(event.created_at),
            details: event.details.clone(),
            attachment: note,
        },
        hook.language,
    );
    Ok(HookMail {
        id: delivery.id,
        to: rendered.to,
        subject: rendered.subject,
        text_body: rendered.text_body,
        html_body: rendered.html_body,
        headers: vec![
            (EVENT_ID_HEADER, event.id.to_string()),
            ("X-Haven-Topic", event.topic.as_str().to_owned()),
            ("X-Haven-Hook-Id", hook.id.to_string()),
            // RFC 3834: no vacation replies or other automatic answers to these.
            ("Auto-Submitted", "auto-generated".to_owned()),
        ],
        attachment,
    })
}

/// What the delivery log keeps of a message: its envelope, headers and plain text (the
/// attachment by name and size).
#[must_use]
pub fn log_text(mail: &HookMail) -> String {
    let mut text = format!("To: {}\nSubject: {}\n", mail.to, mail.subject);
    for (name, value) in &mail.headers {
        text.push_str(&format!("{name}: {value}\n"));
    }
    if let Some(attachment) = &mail.attachment {
        text.push_str(&format!(
            "Attachment: {} ({}, {} bytes)\n",
            attachment.file_name,
            attachment.content_type,
            attachment.bytes.len()
        ));
    }
    text.push('\n');
    text.push_str(&mail.text_body);
    text
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn document(syntax: &str, content_type: &str, bytes: &[u8]) -> EventDocument {
        EventDocument {
            number: Some("F 2026/001".into()),
            syntax: syntax.into(),
            content_type: content_type.into(),
            bytes: Some(bytes.to_vec()),
        }
    }

    #[test]
    fn file_names_come_from_the_number_without_path_or_header_characters() {
        let id = Uuid::nil();
        assert_eq!(base_name(Some("F 2026/001"), id), "F-2026-001");
        assert_eq!(base_name(Some("../\r\nx"), id), "x");
        assert_eq!(base_name(None, id), id.to_string());
    }

    #[test]
    fn the_original_goes_when_no_conversion_is_asked_or_needed() {
        let (attachment, note) = attachment_of(
            document("ubl", "application/xml", b"<x/>"),
            Uuid::nil(),
            Some(MailFormat::Ubl),
        );
        assert_eq!(attachment.unwrap().bytes, b"<x/>");
        assert_eq!(
            note,
            HookAttachmentNote::Original {
                file_name: "F-2026-001.xml".into()
            }
        );
    }

    #[test]
    fn an_impossible_conversion_attaches_the_original_and_says_why() {
        let (attachment, note) = attachment_of(
            document("ubl", "application/xml", b"<not-an-invoice/>"),
            Uuid::nil(),
            Some(MailFormat::Cii),
        );
        assert_eq!(attachment.unwrap().bytes, b"<not-an-invoice/>");
        assert!(
            matches!(&note, HookAttachmentNote::NotConverted { syntax: "CII", reason, .. } if !reason.is_empty()),
            "{note:?}"
        );
        let (_, pdf) = attachment_of(
            document("", "application/pdf", b"%PDF-1.7"),
            Uuid::nil(),
            Some(MailFormat::Ubl),
        );
        assert!(
            matches!(&pdf, HookAttachmentNote::NotConverted { file_name, .. } if file_name.ends_with(".pdf")),
            "{pdf:?}"
        );
    }

    #[test]
    fn purged_documents_are_not_attached() {
        let mut gone = document("ubl", "application/xml", b"");
        gone.bytes = None;
        let (attachment, note) = attachment_of(gone, Uuid::nil(), None);
        assert!(attachment.is_none());
        assert_eq!(note, HookAttachmentNote::Unavailable);
    }
}
