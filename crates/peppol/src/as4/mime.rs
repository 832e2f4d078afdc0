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
    let headers = headers_of(head)?;
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

/// Bytes read from a spooled body at a time while looking for delimiters.
const SCAN_PIECE: usize = 64 * 1024;
/// Most bytes of one part's headers.
const MAX_PART_HEAD: u64 = 16 * 1024;
/// Most bytes of transport padding after a delimiter, before its line ends.
const MAX_PADDING: u64 = 1024;

/// One MIME part of a body in a file: its headers (names lower-cased), where its content is
/// in the file, and whether that is base64 (to be decoded as it is read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpooledPart {
    pub headers: Vec<(String, String)>,
    pub content: std::ops::Range<u64>,
    pub base64: bool,
}

impl SpooledPart {
    /// The part's headers alone, for [`Part::header`] and the like.
    #[must_use]
    pub fn head(&self) -> Part {
        Part {
            headers: self.headers.clone(),
            content: Vec::new(),
        }
    }
}

/// Where positional reads come from: a file (the spooled body), or bytes in memory.
pub trait ReadAt {
    /// Reads into `buf` from `offset`; fewer bytes only at the end.
    ///
    /// # Errors
    /// When the source cannot be read.
    fn read_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<usize>;
}

impl ReadAt for std::fs::File {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
        let mut filled = 0;
        while filled < buf.len() {
            match std::os::unix::fs::FileExt::read_at(
                self,
                &mut buf[filled..],
                offset + filled as u64,
            ) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(filled)
    }
}

impl ReadAt for [u8] {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
        let start = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(self.len());
        let n = buf.len().min(self.len() - start);
        buf[..n].copy_from_slice(&self[start..start + n]);
        Ok(n)
    }
}

/// As [`split`], over a body at `body` in `source` (a spool file), read a piece at a time:
/// the delimiters are searched across the edges of the pieces, and only the parts' headers
/// are held.
///
/// # Errors
/// EBMS:0007 when the packaging is broken or the file cannot be read.
pub fn scan(
    content_type: &str,
    source: &(impl ReadAt + ?Sized),
    body: std::ops::Range<u64>,
) -> Result<Vec<SpooledPart>, As4Error> {
    scan_in_pieces(content_type, source, body, SCAN_PIECE)
}

fn scan_in_pieces(
    content_type: &str,
    source: &(impl ReadAt + ?Sized),
    body: std::ops::Range<u64>,
    piece: usize,
) -> Result<Vec<SpooledPart>, As4Error> {
    match media_type(content_type).as_str() {
        "application/soap+xml" => {
            return Ok(vec![SpooledPart {
                headers: vec![("content-type".into(), content_type.to_owned())],
                content: body,
                base64: false,
            }])
        }
        "multipart/related" => {}
        other => return Err(mime_error(format!("unexpected content type {other}"))),
    }
    let boundary = parameter(content_type, "boundary")
        .filter(|b| !b.is_empty() && b.len() <= 200)
        .ok_or_else(|| mime_error("the multipart content type has no boundary"))?;
    let delimiter = format!("--{boundary}").into_bytes();
    let line_delimiter = [b"\r\n", &delimiter[..]].concat();
    let finder = Finder {
        source,
        end: body.end,
        piece: piece.max(line_delimiter.len()),
    };
    let read = |range: std::ops::Range<u64>| -> Result<Vec<u8>, As4Error> {
        let mut out = vec![0u8; usize::try_from(range.end - range.start).unwrap_or(0)];
        let n = source.read_at(&mut out, range.start).map_err(unreadable)?;
        out.truncate(n);
        Ok(out)
    };
    // The first delimiter starts the body or a line.
    let mut position = if read(body.start..body.start + delimiter.len() as u64)? == delimiter {
        body.start
    } else {
        finder
            .find(&line_delimiter, body.start)?
            .map(|i| i + 2)
            .ok_or_else(|| mime_error("no part delimiter"))?
    };
    let mut parts = Vec::new();
    loop {
        let after = position + delimiter.len() as u64;
        if read(after..(after + 2).min(body.end))? == b"--" {
            return Ok(parts);
        }
        // The rest of the delimiter line (transport padding).
        let line_end = finder
            .find_within(b"\r\n", after, MAX_PADDING)?
            .ok_or_else(|| mime_error("truncated part"))?;
        let start = line_end + 2;
        let next = finder
            .find(&line_delimiter, start)?
            .ok_or_else(|| mime_error("the multipart body has no closing delimiter"))?;
        parts.push(spooled_part(&finder, start..next)?);
        if parts.len() > 16 {
            return Err(mime_error("too many MIME parts"));
        }
        position = next + 2;
    }
}

fn unreadable(e: std::io::Error) -> As4Error {
    mime_error(format!("the message cannot be read: {e}"))
}

/// One part between `range` (after its delimiter line, up to the next delimiter).
fn spooled_part(
    finder: &Finder<'_, impl ReadAt + ?Sized>,
    range: std::ops::Range<u64>,
) -> Result<SpooledPart, As4Error> {
    let mut first = [0u8; 2];
    let n = finder
        .source
        .read_at(&mut first, range.start)
        .map_err(unreadable)?;
    let (head, content_start) = if n == 2 && first == *b"\r\n" {
        (Vec::new(), range.start + 2)
    } else {
        let end = Finder {
            end: range.end,
            ..*finder
        }
        .find_within(b"\r\n\r\n", range.start, MAX_PART_HEAD)?
        .ok_or_else(|| mime_error("a part has no header end"))?;
        let mut head = vec![0u8; usize::try_from(end - range.start).unwrap_or(0)];
        finder
            .source
            .read_at(&mut head, range.start)
            .map_err(unreadable)?;
        (head, end + 4)
    };
    let head = std::str::from_utf8(&head).map_err(|_| mime_error("part headers are not text"))?;
    let headers = headers_of(head)?;
    let encoding = headers
        .iter()
        .find(|(n, _)| n == "content-transfer-encoding")
        .map(|(_, v)| v.to_ascii_lowercase());
    let base64 = match encoding.as_deref() {
        None | Some("binary" | "8bit" | "7bit") => false,
        Some("base64") => true,
        Some(other) => return Err(mime_error(format!("content transfer encoding {other}"))),
    };
    Ok(SpooledPart {
        headers,
        content: content_start..range.end,
        base64,
    })
}

/// A part's header lines, a folded line joined to the one it continues (none for a part
/// that starts with its blank line).
fn headers_of(head: &str) -> Result<Vec<(String, String)>, As4Error> {
    let mut headers: Vec<(String, String)> = Vec::new();
    if head.is_empty() {
        return Ok(headers);
    }
    for line in head.split("\r\n") {
        if line.starts_with([' ', '\t']) {
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
    Ok(headers)
}

/// Looks for bytes in a source up to `end`, a piece at a time; a match across the edge of two
/// pieces is found, as each piece starts with the end of the one before.
struct Finder<'s, S: ReadAt + ?Sized> {
    source: &'s S,
    end: u64,
    piece: usize,
}

impl<S: ReadAt + ?Sized> Finder<'_, S> {
    fn find(&self, needle: &[u8], from: u64) -> Result<Option<u64>, As4Error> {
        self.find_within(needle, from, u64::MAX)
    }

    /// The first `needle` starting at or after `from` and ending within `limit` bytes of it.
    fn find_within(&self, needle: &[u8], from: u64, limit: u64) -> Result<Option<u64>, As4Error> {
        let end = self.end.min(from.saturating_add(limit));
        let mut buffer = vec![0u8; self.piece.max(needle.len() * 2)];
        let mut at = from;
        while at + needle.len() as u64 <= end {
            let want = usize::try_from(end - at)
                .unwrap_or(usize::MAX)
                .min(buffer.len());
            let n = self
                .source
                .read_at(&mut buffer[..want], at)
                .map_err(unreadable)?;
            if n < needle.len() {
                return Ok(None);
            }
            if let Some(i) = buffer[..n].windows(needle.len()).position(|w| w == needle) {
                return Ok(Some(at + i as u64));
            }
            // The next piece overlaps this one by all but one byte of the needle.
            at += (n - (needle.len() - 1)) as u64;
        }
        Ok(None)
    }
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

    #[test]
    fn a_spooled_body_is_split_as_in_memory_whatever_the_pieces_it_is_read_in() {
        // Content with a CR LF, dashes and most of a delimiter in it.
        let (content_type, _) = build("<e/>", &[]);
        let boundary = parameter(&content_type, "boundary").unwrap();
        let almost = format!("\r\n--{}", &boundary[..boundary.len() - 1]);
        let binary: Vec<u8> = (0..=255u8)
            .chain(almost.bytes())
            .chain(b"\r\n--x\r\n".iter().copied())
            .cycle()
            .take(5_000)
            .collect();
        let framing = Framing {
            boundary: boundary.clone(),
        };
        let mut body = framing.head("<e>an envelope</e>", "a@b").into_bytes();
        body.extend_from_slice(&binary);
        body.extend_from_slice(framing.tail().as_bytes());
        // Somewhere in a file, as the server spools it: behind a Content-Type line.
        let mut file_bytes = b"Content-Type: x\r\n\r\n".to_vec();
        let start = file_bytes.len() as u64;
        file_bytes.extend_from_slice(&body);
        let mut file = tempfile::tempfile().unwrap();
        std::io::Write::write_all(&mut file, &file_bytes).unwrap();
        let end = file_bytes.len() as u64;

        let expected = split(&content_type, &body).unwrap();
        for piece in 1..=300 {
            let parts = scan_in_pieces(&content_type, &file, start..end, piece).unwrap();
            assert_eq!(parts.len(), expected.len());
            for (part, expected) in parts.iter().zip(&expected) {
                assert_eq!(part.headers, expected.headers, "{piece}");
                let Content::At(range) = &expected.content else {
                    unreachable!()
                };
                let range = range.start as u64 + start..range.end as u64 + start;
                assert_eq!(part.content, range, "in pieces of {piece}");
            }
        }
        assert_eq!(
            scan(&content_type, file_bytes.as_slice(), start..end).unwrap()[1].content,
            scan(&content_type, &file, start..end).unwrap()[1].content
        );
        // Broken packaging is refused the same way.
        for (content_type, body) in [
            ("multipart/related", &b"--x\r\n\r\nA\r\n--x--"[..]),
            ("multipart/related; boundary=x", b"--x\r\n\r\nA"),
            ("text/plain", b"x"),
        ] {
            assert_eq!(
                scan(content_type, body, 0..body.len() as u64)
                    .unwrap_err()
                    .code,
                EbmsCode::MimeInconsistency
            );
        }
    }
}
