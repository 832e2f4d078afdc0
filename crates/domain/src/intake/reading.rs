//! Port: reading a raw message (RFC 5322 with MIME) into what intake needs, and sorting its
//! attachments into invoice candidates and the rest.

/// A message as intake needs it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadMessage {
    /// The From address, lower case.
    pub from: Option<String>,
    pub subject: Option<String>,
    /// The Message-ID header.
    pub message_id: Option<String>,
    /// An automatic message (`Auto-Submitted` other than `no`, `Precedence: bulk|junk|list`,
    /// a `List-Id`): never answered.
    pub automatic: bool,
    /// Every attachment, those of forwarded messages included, in order.
    pub attachments: Vec<Attachment>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub filename: Option<String>,
    /// The declared MIME type, lower case.
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// Port: the MIME parser.
pub trait MessageReader: Send + Sync {
    /// `None` when the bytes are not a readable message.
    fn read(&self, raw: &[u8]) -> Option<ReadMessage>;
}

/// What an attachment is, by its bytes first and its declared type or name second.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Xml,
    Pdf,
    Image,
    /// Cannot hold an invoice (text, office documents, archives, signatures …).
    Other,
}

impl Attachment {
    #[must_use]
    pub fn kind(&self) -> FileKind {
        let head = skip_bom_and_space(&self.bytes);
        if head.starts_with(b"%PDF-") {
            return FileKind::Pdf;
        }
        if head.starts_with(b"<") {
            return FileKind::Xml;
        }
        if self.bytes.starts_with(&[0xFF, 0xD8, 0xFF])
            || self.bytes.starts_with(b"\x89PNG\r\n\x1a\n")
        {
            return FileKind::Image;
        }
        let name = self
            .filename
            .as_deref()
            .unwrap_or_default()
            .to_ascii_lowercase();
        let declared = self.content_type.as_str();
        if declared == "application/pdf" || name.ends_with(".pdf") {
            // Says PDF but is not one: still a candidate, so the sender hears it is unreadable.
            return FileKind::Pdf;
        }
        if declared.ends_with("/xml") || declared.ends_with("+xml") || name.ends_with(".xml") {
            return FileKind::Xml;
        }
        if matches!(declared, "image/jpeg" | "image/png")
            || [".jpg", ".jpeg", ".png"].iter().any(|e| name.ends_with(e))
        {
            return FileKind::Image;
        }
        FileKind::Other
    }
}

fn skip_bom_and_space(bytes: &[u8]) -> &[u8] {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    &bytes[start..]
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn file(name: &str, content_type: &str, bytes: &[u8]) -> Attachment {
        Attachment {
            filename: Some(name.into()),
            content_type: content_type.into(),
            bytes: bytes.to_vec(),
        }
    }

    #[test]
    fn bytes_decide_before_names() {
        assert_eq!(
            file("x.bin", "application/octet-stream", b"%PDF-1.7").kind(),
            FileKind::Pdf
        );
        assert_eq!(
            file(
                "invoice.pdf",
                "application/pdf",
                b"\xEF\xBB\xBF  <?xml version='1.0'?>"
            )
            .kind(),
            FileKind::Xml
        );
        assert_eq!(
            file("logo", "application/octet-stream", b"\x89PNG\r\n\x1a\n....").kind(),
            FileKind::Image
        );
        assert_eq!(
            file("scan.jpg", "image/jpeg", &[0xFF, 0xD8, 0xFF, 0xE0]).kind(),
            FileKind::Image
        );
    }

    #[test]
    fn declared_types_decide_when_bytes_do_not() {
        assert_eq!(
            file("a.pdf", "application/pdf", b"garbage").kind(),
            FileKind::Pdf
        );
        assert_eq!(file("a", "text/xml", b"garbage").kind(), FileKind::Xml);
        assert_eq!(
            file("a.txt", "text/plain", b"hello").kind(),
            FileKind::Other
        );
        assert_eq!(
            file("a.p7s", "application/pkcs7-signature", b"\x30\x82").kind(),
            FileKind::Other
        );
    }
}
