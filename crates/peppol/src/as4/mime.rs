//! MIME `multipart/related` packaging of an AS4 message: the SOAP envelope as the root part
//! and the (encrypted) payload as an attachment named by its Content-ID.

use super::{As4Error, EbmsCode};

/// One MIME part: its headers (names lower-cased) and its content.
#[derive(Debug, Clone)]
pub struct Part {
    pub headers: Vec<(String, String)>,
    pub content: Vec<u8>,
}

impl Part {
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The media type, lower-cased, without parameters.
    #[must_use]
    pub fn media_type(&self) -> String {
        media_type(self.header("content-type").unwrap_or("text/plain"))
    }

    /// The Content-ID without its angle brackets.
    #[must_use]
    pub fn content_id(&self) -> Option<String> {
        self.header("content-id").map(|v| {
            v.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_owned()
        })
    }
}

/// The media type of a Content-Type value, lower-cased, without parameters.
#[must_use]
pub fn media_type(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// A parameter of a Content-Type value (`boundary`), unquoted.
#[must_use]
pub fn parameter(content_type: &str, name: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|p| {
        let (key, value) = p.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case(name)
            .then(|| value.trim().trim_matches('"').to_owned())
    })
}

/// The framing of a `multipart/related` body: its boundary, and the bytes before, between
/// and after the parts, so that a body can be put together around content where it lies.
#[derive(Debug, Clone)]
pub struct Framing {
    boundary: String,
}

impl Default for Framing {
    fn default() -> Self {
        Self::new()
    }
}

impl Framing {
    /// A fresh boundary.
    #[must_use]
    pub fn new() -> Self {
        Self {
            boundary: format!("----=_Part_{}", super::new_id().replace('-', "")),
        }
    }

    /// The Content-Type value of the body.
    #[must_use]
    pub fn content_type(&self) -> String {
        format!(
            "multipart/related; boundary=\"{}\"; type=\"application/soap+xml\"",
            self.boundary
        )
    }

    /// The body up to the first attachment's content: the root part (the SOAP envelope),
    /// then the headers of the attachment `cid`.
    #[must_use]
    pub fn head(&self, envelope: &str, cid: &str) -> String {
        self.root(envelope) + &self.between(cid)
    }

    /// The root part: the SOAP envelope.
    #[must_use]
    pub fn root(&self, envelope: &str) -> String {
        format!(
            "--{}\r\nContent-Type: application/soap+xml; charset=UTF-8\r\nContent-Transfer-Encoding: binary\r\n\r\n{envelope}",
            self.boundary
        )
    }

    /// What comes after a part's content and before the attachment `cid`'s content.
    #[must_use]
    pub fn between(&self, cid: &str) -> String {
        format!(
            "\r\n--{}\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\nContent-ID: <{cid}>\r\n\r\n",
            self.boundary
        )
    }

    /// What comes after the last part's content.
    #[must_use]
    pub fn tail(&self) -> String {
        format!("\r\n--{}--\r\n", self.boundary)
    }
}

/// Packs the SOAP envelope and the attachments (Content-ID, bytes) as
/// `multipart/related`; returns the Content-Type value and the body.
#[must_use]
pub fn build(envelope: &str, attachments: &[(&str, &[u8])]) -> (String, Vec<u8>) {
    let framing = Framing::new();
    let mut body = Vec::with_capacity(
        envelope.len()
            + attachments
                .iter()
                .map(|(_, a)| a.len() + 200)
                .sum::<usize>()
            + 300,
    );
    body.extend_from_slice(framing.root(envelope).as_bytes());
    for (cid, content) in attachments {
        body.extend_from_slice(framing.between(cid).as_bytes());
        body.extend_from_slice(content);
    }
    body.extend_from_slice(framing.tail().as_bytes());
    (framing.content_type(), body)
}

fn mime_error(detail: impl Into<String>) -> As4Error {
    As4Error::new(EbmsCode::MimeInconsistency, detail)
}

/// Where a part's content is.
#[derive(Debug, Clone)]
pub enum Content {
    /// In the body, as sent (binary, 8bit or 7bit).
    At(std::ops::Range<usize>),
    /// Decoded from its transfer encoding (base64).
    Decoded(Vec<u8>),
}

/// One MIME part of a body: its headers (names lower-cased) and where its content is.
#[derive(Debug, Clone)]
pub struct PartAt {
    pub headers: Vec<(String, String)>,
    pub content: Content,
}

impl PartAt {
    /// The part with its content copied out of `body`.
    #[must_use]
    pub fn to_part(&self, body: &[u8]) -> Part {
        let content = match &self.content {
            Content::At(range) => body[range.clone()].to_vec(),
            Content::Decoded(bytes) => bytes.clone(),
        };
        Part {
            headers: self.headers.clone(),
            content,
        }
    }

    /// The part's headers alone, for [`Part::header`] and the like.
    #[must_use]
    pub fn head(&self) -> Part {
        Part {
            headers: self.headers.clone(),
            content: Vec::new(),
        }
    }
}

/// Splits a `multipart/related` body into its parts; a plain `application/soap+xml` body is
/// one part.
///
/// # Errors
/// EBMS:0007 when the packaging is broken.
pub fn parse(content_type: &str, body: &[u8]) -> Result<Vec<Part>, As4Error> {
    Ok(split(content_type, body)?
        .iter()
        .map(|p| p.to_part(body))
        .collect())
}

/// As [`parse`], the content of the parts left where it is in `body` (unless it had to be
/// decoded).
///
/// # Errors
/// EBMS:0007 when the packaging is broken.
pub fn split(content_type: &str, body: &[u8]) -> Result<Vec<PartAt>, As4Error> {
    match media_type(content_type).as_str() {
        "application/soap+xml" => {
            return Ok(vec![PartAt {
                headers: vec![("content-type".into(), content_type.to_owned())],
                content: Content::At(0..body.len()),
            }])
        }
        "multipart/related" => {}
        other => return Err(mime_error(format!("unexpected content type {other}"))),
    }
    let boundary = parameter(content_type, "boundary")
        .filter(|b| !b.is_empty() && b.len() <= 200)
        .ok_or_else(|| mime_error("the multipart content type has no boundary"))?;
    let delimiter = format!("--{boundary}");
    let delimiter = delimiter.as_bytes();
    // The first delimiter starts the body or a line.
    let mut position = if body.starts_with(delimiter) {
        0
    } else {
        find(body, &[b"\r\n", delimiter].concat(), 0)
            .map(|i| i + 2)
            .ok_or_else(|| mime_error("no part delimiter"))?
    };
    let mut parts = Vec::new();
    loop {
        let after = position + delimiter.len();
        if body[after..].starts_with(b"--") {
            return Ok(parts);
        }
        // The rest of the delimiter line (transport padding).
        let line_end = find(body, b"\r\n", after).ok_or_else(|| mime_error("truncated part"))?;
        let start = line_end + 2;
        let next = find(body, &[b"\r\n", delimiter].concat(), start)
            .ok_or_else(|| mime_error("the multipart body has no closing delimiter"))?;
        parts.push(part(body, start..next)?);
        if parts.len() > 16 {
            return Err(mime_error("too many MIME parts"));
        }
        position = next + 2;
    }
}

fn part(body: &[u8], range: std::ops::Range<usize>) -> Result<PartAt, As4Error> {
    let raw = &body[range.clone()];
    let (head, content_start) = if raw.starts_with(b"\r\n") {
        (&raw[..0], 2)
    } else {
        let end =
            find(raw, b"\r\n\r\n", 0).ok_or_else(|| mime_error("a part has no header end"))?;
        (&raw[..end], end + 4)
    };
    let head = std::str::from_utf8(head).map_err(|_| mime_error("part headers are not text"))?;
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.split("\r\n") {
        if line.starts_with([' ', '\t']) {
            // A folded header continues the previous one.
            if let Some(last) = headers.last_mut() {
                last.1.push(' ');
                last.1.push_str(line.trim());
            }
            continue;
        }
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| mime_error("a part header has no colon"))?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    let encoding = headers
        .iter()
        .find(|(n, _)| n == "content-transfer-encoding")
        .map(|(_, v)| v.to_ascii_lowercase());
    let content = match encoding.as_deref() {
        None | Some("binary" | "8bit" | "7bit") => {
            Content::At(range.start + content_start..range.end)
        }
        Some("base64") => {
            use base64::{engine::general_purpose::STANDARD, Engine as _};
            let text: Vec<u8> = raw[content_start..]
                .iter()
                .copied()
                .filter(|b| !b.is_ascii_whitespace())
                .collect();
            Content::Decoded(
                STANDARD
                    .decode(text)
                    .map_err(|_| mime_error("a base64 part does not decode"))?,
            )
        }
        Some(other) => return Err(mime_error(format!("content transfer encoding {other}"))),
    };
    Ok(PartAt { headers, content })
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if from > haystack.len() {
        return None;
    }
    haystack[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn what_is_built_parses_back_with_binary_content_intact() {
        let binary: Vec<u8> = (0..=255u8).chain(b"\r\n--x\r\n".iter().copied()).collect();
        let (content_type, body) = build("<e/>", &[("a@b", &binary)]);
        assert!(content_type.starts_with("multipart/related; boundary="));
        let parts = parse(&content_type, &body).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].media_type(), "application/soap+xml");
        assert_eq!(parts[0].content, b"<e/>");
        assert_eq!(parts[1].content_id().as_deref(), Some("a@b"));
        assert_eq!(parts[1].content, binary);
    }

    #[test]
    fn broken_packaging_is_a_mime_error() {
        for (content_type, body) in [
            ("multipart/related", &b"--x\r\n\r\nA\r\n--x--"[..]),
            ("multipart/related; boundary=x", b"--x\r\n\r\nA"),
            ("text/plain", b"x"),
        ] {
            assert_eq!(
                parse(content_type, body).unwrap_err().code,
                EbmsCode::MimeInconsistency
            );
        }
    }
}
