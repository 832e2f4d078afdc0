//! The MIME reader: turns a raw message into what intake needs.

use haven_domain::intake::reading::{Attachment, MessageReader, ReadMessage};
use mail_parser::{Message, MessageParser, MimeHeaders};

/// Forwarded messages inside forwarded messages are followed this deep at most.
const MAX_NESTING: usize = 4;

/// [`MessageReader`] on mail-parser.
#[derive(Debug, Clone, Copy, Default)]
pub struct MimeReader;

impl MessageReader for MimeReader {
    fn read(&self, raw: &[u8]) -> Option<ReadMessage> {
        let message = MessageParser::default().parse(raw)?;
        // Something that parses but has no header at all is not mail.
        if message.headers().is_empty() {
            return None;
        }
        let from = message
            .from()
            .and_then(|a| a.first())
            .and_then(|a| a.address())
            .map(|a| a.trim().to_ascii_lowercase())
            .filter(|a| a.contains('@'));
        let mut attachments = Vec::new();
        collect(&message, 0, &mut attachments);
        Some(ReadMessage {
            from,
            subject: message.subject().map(str::to_owned),
            message_id: message.message_id().map(str::to_owned),
            automatic: is_automatic(&message),
            attachments,
        })
    }
}

/// The recipients a message names in its headers, for a message handed over without its
/// envelope: `Delivered-To` and `X-Original-To` (set by the receiving mail server) first,
/// then `To` and `Cc`. Lower case, without duplicates.
#[must_use]
pub fn header_recipients(raw: &[u8]) -> Vec<String> {
    let Some(message) = MessageParser::default().parse_headers(raw) else {
        return Vec::new();
    };
    let mut found: Vec<String> = Vec::new();
    let mut add = |address: &str| {
        let address = address
            .trim()
            .trim_start_matches('<')
            .trim_end_matches('>')
            .to_ascii_lowercase();
        if address.contains('@') && !found.contains(&address) {
            found.push(address);
        }
    };
    for name in ["Delivered-To", "X-Original-To"] {
        for value in message.header_values(name) {
            if let Some(text) = value.as_text() {
                add(text);
            }
        }
    }
    for list in [message.to(), message.cc()].into_iter().flatten() {
        for addr in list.iter() {
            if let Some(address) = addr.address() {
                add(address);
            }
        }
    }
    found
}

/// `Auto-Submitted` other than `no` (RFC 3834), `Precedence: bulk|junk|list`, or a
/// mailing list's `List-Id`.
fn is_automatic(message: &Message<'_>) -> bool {
    let header = |name: &str| {
        message
            .header_raw(name)
            .map(|v| v.trim().to_ascii_lowercase())
    };
    let auto_submitted = header("Auto-Submitted").is_some_and(|v| !v.starts_with("no"));
    let precedence = header("Precedence")
        .is_some_and(|v| matches!(v.as_str(), "bulk" | "junk" | "list" | "auto_reply"));
    auto_submitted || precedence || header("List-Id").is_some()
}

fn collect(message: &Message<'_>, depth: usize, out: &mut Vec<Attachment>) {
    for part in message.attachments() {
        if let Some(nested) = part.message() {
            if depth < MAX_NESTING {
                collect(nested, depth + 1, out);
            }
            continue;
        }
        let content_type = part
            .content_type()
            .map(|ct| match ct.subtype() {
                Some(sub) => format!("{}/{}", ct.ctype(), sub),
                None => ct.ctype().to_owned(),
            })
            .unwrap_or_else(|| "application/octet-stream".into())
            .to_ascii_lowercase();
        out.push(Attachment {
            filename: part.attachment_name().map(str::to_owned),
            content_type,
            bytes: part.contents().to_vec(),
        });
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const MESSAGE: &str = "From: Boekhouding <Boekhouding@Klant.NL>\r\n\
To: 90000016.verkoop@in.haven.test\r\n\
Subject: Factuur 2026-001\r\n\
Message-ID: <abc@klant.nl>\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"b1\"\r\n\
\r\n\
--b1\r\n\
Content-Type: text/plain\r\n\
\r\n\
Zie bijlage.\r\n\
--b1\r\n\
Content-Type: application/xml; name=\"invoice.xml\"\r\n\
Content-Disposition: attachment; filename=\"invoice.xml\"\r\n\
Content-Transfer-Encoding: base64\r\n\
\r\n\
PEludm9pY2UvPg==\r\n\
--b1\r\n\
Content-Type: message/rfc822\r\n\
\r\n\
From: someone@else.nl\r\n\
Subject: forwarded\r\n\
Content-Type: multipart/mixed; boundary=\"b2\"\r\n\
\r\n\
--b2\r\n\
Content-Type: application/pdf; name=\"scan.pdf\"\r\n\
Content-Disposition: attachment; filename=\"scan.pdf\"\r\n\
\r\n\
%PDF-1.4 fake\r\n\
--b2--\r\n\
--b1--\r\n";

    #[test]
    fn sender_subject_and_attachments_of_forwards_are_read() {
        let read = MimeReader.read(MESSAGE.as_bytes()).unwrap();
        assert_eq!(read.from.as_deref(), Some("boekhouding@klant.nl"));
        assert_eq!(read.subject.as_deref(), Some("Factuur 2026-001"));
        assert_eq!(read.message_id.as_deref(), Some("abc@klant.nl"));
        assert!(!read.automatic);
        let names: Vec<_> = read
            .attachments
            .iter()
            .map(|a| {
                (
                    a.filename.clone().unwrap_or_default(),
                    a.content_type.clone(),
                )
            })
            .collect();
        assert_eq!(
            names,
            [
                ("invoice.xml".to_owned(), "application/xml".to_owned()),
                ("scan.pdf".to_owned(), "application/pdf".to_owned())
            ]
        );
        assert_eq!(read.attachments[0].bytes, b"<Invoice/>");
    }

    #[test]
    fn automatic_replies_are_marked() {
        let auto = MESSAGE.replace("Subject:", "Auto-Submitted: auto-replied\r\nSubject:");
        assert!(MimeReader.read(auto.as_bytes()).unwrap().automatic);
        let bulk = MESSAGE.replace("Subject:", "Precedence: bulk\r\nSubject:");
        assert!(MimeReader.read(bulk.as_bytes()).unwrap().automatic);
        let human = MESSAGE.replace("Subject:", "Auto-Submitted: no\r\nSubject:");
        assert!(!MimeReader.read(human.as_bytes()).unwrap().automatic);
    }

    #[test]
    fn recipients_come_from_delivery_headers_then_to_and_cc() {
        let raw =
            format!("Delivered-To: <90000016.inkoop@in.haven.test>\r\nCc: b@x.nl\r\n{MESSAGE}");
        assert_eq!(
            header_recipients(raw.as_bytes()),
            [
                "90000016.inkoop@in.haven.test",
                "90000016.verkoop@in.haven.test",
                "b@x.nl"
            ]
        );
    }

    #[test]
    fn garbage_is_not_a_message() {
        assert!(MimeReader.read(b"").is_none());
    }
}
