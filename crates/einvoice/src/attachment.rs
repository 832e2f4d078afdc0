//! Documents attached to an invoice (BG-24): the supporting PDF a seller embeds (BT-125),
//! often the invoice as the seller's own system printed it.

use base64::Engine;

use crate::xml::{self, Doc, NodeId, Ns};
use crate::{detect, model, Syntax};

/// Attachments larger than this (decoded) are not handed out: the platform shows them in
/// a browser, and the EN 16931 transport limits keep real ones far below.
pub const MAX_ATTACHMENT_BYTES: usize = 20 * 1024 * 1024;

/// A decoded attached document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbeddedFile {
    /// `@filename` (BT-125-2), else the document reference id (BT-122).
    pub filename: Option<String>,
    /// `@mimeCode` (BT-125-1).
    pub mime: String,
    pub bytes: Vec<u8>,
}

/// The binary object element of an attachment, per syntax.
fn binary_object(doc: &Doc<'_>, syntax: Syntax, reference: NodeId) -> Option<NodeId> {
    match syntax {
        Syntax::Ubl => doc.at(
            reference,
            &[
                (Ns::Cac, "Attachment"),
                (Ns::Cbc, "EmbeddedDocumentBinaryObject"),
            ],
        ),
        Syntax::Cii => doc.kid(reference, Ns::Ram, "AttachmentBinaryObject"),
    }
}

/// Base64 as XML carries it: line breaks and spaces between the characters are allowed.
fn decode(text: &str, cap: usize) -> Option<Vec<u8>> {
    // Decoded size is about three quarters of the encoded; refuse before decoding.
    if text.len() / 4 * 3 > cap + 3 {
        return None;
    }
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(compact.as_bytes())
        .ok()?;
    (bytes.len() <= cap).then_some(bytes)
}

/// The first attached document whose mime code is `application/pdf`, decoded; `None` when
/// there is none, it is not valid base64, or it is larger than [`MAX_ATTACHMENT_BYTES`].
/// Accepts UBL, CII, and a hybrid PDF with the XML embedded.
pub fn embedded_pdf(bytes: &[u8]) -> Option<EmbeddedFile> {
    let _span = tracing::debug_span!("embedded_pdf", bytes = bytes.len()).entered();
    let xml_bytes: std::borrow::Cow<'_, [u8]> = if crate::pdf::is_pdf(bytes) {
        std::borrow::Cow::Owned(
            crate::pdf::extract_invoice(bytes, &crate::pdf::PdfLimits::default())
                .ok()?
                .xml,
        )
    } else {
        std::borrow::Cow::Borrowed(bytes)
    };
    let doc = xml::parse(&xml_bytes, &xml::Limits::default()).ok()?;
    let det = detect::detect(&doc)?;
    let inv = match det.syntax {
        Syntax::Ubl => model::ubl::map(&doc),
        Syntax::Cii => model::cii::map(&doc),
    };
    let attachment = inv.attachments.iter().find(|a| {
        a.has_content
            && a.mime
                .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/pdf"))
    })?;
    let node = binary_object(&doc, det.syntax, attachment.node)?;
    let decoded = decode(doc.raw_text(node), MAX_ATTACHMENT_BYTES);
    if decoded.is_none() {
        tracing::debug!("attached PDF not decodable or over the size limit");
    }
    Some(EmbeddedFile {
        filename: attachment
            .filename
            .map(|f| f.trim().to_string())
            .filter(|f| !f.is_empty())
            .or_else(|| {
                attachment
                    .id
                    .map(|i| i.value.trim().to_string())
                    .filter(|i| !i.is_empty())
            }),
        mime: "application/pdf".to_string(),
        bytes: decoded?,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn decodes_wrapped_base64_within_the_cap() {
        assert_eq!(decode("JVBE\n Ri0x\r\n", 100).unwrap(), b"%PDF-1");
        assert_eq!(decode("JVBERi0x", 5), None);
        assert_eq!(decode("not base64!", 100), None);
    }
}
