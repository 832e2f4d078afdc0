//! Safe, single-pass XML reading into a compact arena tree.
//!
//! Why a tree at all: the rule sets are written against document structure (counts of
//! siblings, empty elements, attribute values), so one cheap index over the input is
//! simpler and faster than re-reading. Names and most text values borrow from the input
//! (no copies); only text containing entity references is unescaped into an owned string.
//!
//! Safety: DOCTYPE declarations are refused outright (no XXE, no entity expansion bombs),
//! and size, depth and element-count limits are enforced while reading.

use std::borrow::Cow;

#[cfg(test)]
use quick_xml::events::attributes::Attributes;
#[cfg(test)]
use quick_xml::events::Event;
#[cfg(test)]
use quick_xml::Reader;

/// Index of a node in [`Doc::nodes`].
pub type NodeId = u32;
const NONE: NodeId = u32::MAX;

/// The namespaces the engine cares about; everything else is `Other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ns {
    None,
    UblInvoice,
    UblCreditNote,
    UblApplicationResponse,
    Cac,
    Cbc,
    Ext,
    Rsm,
    Ram,
    Udt,
    Qdt,
    Other,
}

impl Ns {
    fn from_uri(uri: &[u8]) -> Ns {
        match uri {
            b"urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" => Ns::UblInvoice,
            b"urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2" => Ns::UblCreditNote,
            b"urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2" => {
                Ns::UblApplicationResponse
            }
            b"urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" => Ns::Cac,
            b"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2" => Ns::Cbc,
            b"urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2" => Ns::Ext,
            b"urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100" => Ns::Rsm,
            b"urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100" => {
                Ns::Ram
            }
            b"urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100" => Ns::Udt,
            b"urn:un:unece:uncefact:data:standard:QualifiedDataType:100" => Ns::Qdt,
            _ => Ns::Other,
        }
    }

    /// Conventional prefix used when printing locations.
    pub fn prefix(self) -> &'static str {
        match self {
            Ns::Cac => "cac:",
            Ns::Cbc => "cbc:",
            Ns::Ext => "ext:",
            Ns::Rsm => "rsm:",
            Ns::Ram => "ram:",
            Ns::Udt => "udt:",
            Ns::Qdt => "qdt:",
            _ => "",
        }
    }
}

/// One element, 48 bytes: its text is a range of the input (text that had to be
/// unescaped or joined from several pieces lives in [`Doc`]'s side table instead), and
/// its attributes run up to where the next element's start.
#[derive(Debug, Clone)]
pub struct Node<'a> {
    pub ns: Ns,
    /// `text_start` indexes `Doc::texts` instead of the input.
    text_owned: bool,
    pub name: &'a str,
    pub parent: NodeId,
    first_child: NodeId,
    next_sibling: NodeId,
    attr_start: u32,
    /// Character data directly inside the element (whitespace between child elements
    /// dropped): a range of the input, or an index into `Doc::texts`.
    text_start: u32,
    text_len: u32,
    /// Byte offset of the start tag in the input.
    pub offset: u32,
}

/// A parsed document: all elements in document order; node 0 is the root.
#[derive(Debug, Default)]
pub struct Doc<'a> {
    pub src: &'a str,
    pub nodes: Vec<Node<'a>>,
    attrs: Vec<(&'a str, Cow<'a, str>)>,
    /// Character data that is not a plain range of the input (unescaped or joined).
    texts: Vec<String>,
}

/// `(start, len)` of `s` inside `src`, if `s` is a slice of it.
fn span_in(src: &str, s: &str) -> Option<(u32, u32)> {
    let start = (s.as_ptr() as usize).checked_sub(src.as_ptr() as usize)?;
    if start.checked_add(s.len())? > src.len() {
        return None;
    }
    Some((u32::try_from(start).ok()?, u32::try_from(s.len()).ok()?))
}

/// The character data of `n`.
fn node_text<'s>(src: &'s str, texts: &'s [String], n: &Node<'_>) -> &'s str {
    if n.text_owned {
        texts.get(n.text_start as usize).map_or("", String::as_str)
    } else {
        let s = n.text_start as usize;
        src.get(s..s + n.text_len as usize).unwrap_or("")
    }
}

impl<'a> Node<'a> {
    fn new(ns: Ns, name: &'a str, parent: NodeId, attr_start: u32, offset: u32) -> Node<'a> {
        Node {
            ns,
            text_owned: false,
            name,
            parent,
            first_child: NONE,
            next_sibling: NONE,
            attr_start,
            text_start: 0,
            text_len: 0,
            offset,
        }
    }

    fn has_text(&self) -> bool {
        self.text_owned || self.text_len != 0
    }

    fn clear_text(&mut self) {
        self.text_owned = false;
        self.text_start = 0;
        self.text_len = 0;
    }
}

/// Limits applied while reading.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_bytes: usize,
    pub max_depth: usize,
    pub max_elements: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 256 * 1024 * 1024,
            max_depth: 64,
            max_elements: 20_000_000,
        }
    }
}

/// Why a document could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum XmlErrorKind {
    TooLarge,
    NotUtf8,
    Doctype,
    TooDeep,
    TooManyElements,
    Malformed,
    Empty,
}

#[derive(Debug, Clone)]
pub struct XmlError {
    pub kind: XmlErrorKind,
    pub message: String,
    pub line: usize,
    pub column: usize,
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(src.len());
    let before = src.as_bytes().get(..offset).unwrap_or_default();
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |p| p + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (line, column)
}

/// Sub-slice of `src` that `part` points into, if it does (it does for borrowed events).
#[cfg(test)]
fn sub<'a>(src: &'a str, part: &[u8]) -> Option<&'a str> {
    let base = src.as_ptr() as usize;
    let start = (part.as_ptr() as usize).checked_sub(base)?;
    let end = start.checked_add(part.len())?;
    src.get(start..end)
}

fn err(src: &str, kind: XmlErrorKind, offset: usize, message: String) -> XmlError {
    let (line, column) = line_col(src, offset);
    XmlError {
        kind,
        message,
        line,
        column,
    }
}

/// Decode the input: size limit, byte order mark, UTF-8.
fn decode<'a>(bytes: &'a [u8], limits: &Limits) -> Result<&'a str, XmlError> {
    if bytes.len() > limits.max_bytes {
        return Err(XmlError {
            kind: XmlErrorKind::TooLarge,
            message: format!(
                "document is {} bytes; the limit is {} bytes",
                bytes.len(),
                limits.max_bytes
            ),
            line: 1,
            column: 1,
        });
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s),
        Err(e) => {
            let s = String::from_utf8_lossy(bytes.get(..e.valid_up_to()).unwrap_or_default())
                .into_owned();
            let (line, column) = line_col(&s, s.len());
            Err(XmlError {
                kind: XmlErrorKind::NotUtf8,
                message: "document is not valid UTF-8".into(),
                line,
                column,
            })
        }
    }
}

/// XML white space.
fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// Word-at-a-time search: every byte set to `b`.
const fn splat(b: u8) -> u64 {
    0x0101_0101_0101_0101 * b as u64
}

/// High bit set in (at least) the lowest byte of `x` that is zero; the lowest set bit
/// is exact (higher ones can be false positives, so only the lowest is used).
fn zero_bytes(x: u64) -> u64 {
    x.wrapping_sub(splat(1)) & !x & splat(0x80)
}

/// Words (of 8 bytes) searched word-at-a-time before a vectorised search takes over:
/// most searches end within a few bytes (a short value, an indentation, a tag), where
/// the set-up of a vectorised search costs more than the search.
const SHORT_WORDS: usize = 8;

/// Offset of the first of three bytes at or after `from`.
fn find_any(b: &[u8], from: usize, needles: [u8; 3]) -> Option<usize> {
    let hay = b.get(from..)?;
    let [n0, n1, n2] = needles;
    let (p0, p1, p2) = (splat(n0), splat(n1), splat(n2));
    let mut chunks = hay.chunks_exact(8);
    let mut base = 0usize;
    for c in chunks.by_ref().take(SHORT_WORDS) {
        let w = u64::from_le_bytes(<[u8; 8]>::try_from(c).ok()?);
        let m = zero_bytes(w ^ p0) | zero_bytes(w ^ p1) | zero_bytes(w ^ p2);
        if m != 0 {
            return Some(from + base + (m.trailing_zeros() / 8) as usize);
        }
        base += 8;
    }
    memchr::memchr3(n0, n1, n2, hay.get(base..)?).map(|p| from + base + p)
}

/// Offset of the first `needle` at or after `from`.
#[inline]
fn find_byte(b: &[u8], from: usize, needle: u8) -> Option<usize> {
    let hay = b.get(from..)?;
    let p = splat(needle);
    let mut chunks = hay.chunks_exact(8);
    let mut base = 0usize;
    for c in chunks.by_ref().take(SHORT_WORDS) {
        let w = u64::from_le_bytes(<[u8; 8]>::try_from(c).ok()?);
        let m = zero_bytes(w ^ p);
        if m != 0 {
            return Some(from + base + (m.trailing_zeros() / 8) as usize);
        }
        base += 8;
    }
    memchr::memchr(needle, hay.get(base..)?).map(|p| from + base + p)
}

/// Offset of the first `needle` (at least two bytes) at or after `from`.
fn find_seq(b: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    let first = *needle.first()?;
    let mut at = from;
    loop {
        let i = find_byte(b, at, first)?;
        if b.get(i..i + needle.len()) == Some(needle) {
            return Some(i);
        }
        at = i + 1;
    }
}

/// Offset of the `>` closing a start tag whose name starts at `from` (a `>` inside a
/// quoted attribute value does not count).
fn find_tag_end(b: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    loop {
        let i = find_any(b, at, [b'>', b'"', b'\''])?;
        match b.get(i) {
            Some(b'>') => return Some(i),
            Some(&q) => at = find_byte(b, i + 1, q)? + 1,
            None => return None,
        }
    }
}

/// `str::trim`, without its character decoding in the usual case where both ends are
/// visible ASCII (Unicode whitespace is ASCII whitespace or starts with a byte >= 0x80).
pub(crate) fn trim(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(a), Some(z)) if (0x21..0x7f).contains(a) && (0x21..0x7f).contains(z) => s,
        _ => s.trim(),
    }
}

/// `s.trim().is_empty()`, without character decoding when `s` is ASCII whitespace.
fn blank(s: &str) -> bool {
    s.bytes().all(|c| c.is_ascii_whitespace()) || s.trim().is_empty()
}

/// Unescape character data or an attribute value (the five predefined entities and
/// character references; anything else is an error). Borrows when there is no `&`.
fn unescape(s: &str) -> Result<Cow<'_, str>, String> {
    if !s.as_bytes().contains(&b'&') {
        return Ok(Cow::Borrowed(s));
    }
    quick_xml::escape::unescape(s).map_err(|e| e.to_string())
}

/// End-of-line handling (XML 1.0 section 2.11): a literal CR LF pair or lone CR reads as
/// LF. Character references (`&#13;`) are unaffected because this runs before unescaping.
fn eol(s: &str) -> Cow<'_, str> {
    if !s.as_bytes().contains(&b'\r') {
        return Cow::Borrowed(s);
    }
    Cow::Owned(s.replace("\r\n", "\n").replace('\r', "\n"))
}

/// Character data as the application sees it: line ends normalised, then unescaped.
fn char_data(raw: &str) -> Result<Cow<'_, str>, String> {
    match eol(raw) {
        Cow::Borrowed(s) => unescape(s),
        Cow::Owned(s) => unescape(&s).map(|c| Cow::Owned(c.into_owned())),
    }
}

/// Attribute-value normalisation (XML 1.0 section 3.3.3, CDATA attributes): after
/// end-of-line handling every literal tab, LF or CR is a space; references are kept.
fn attr_value(raw: &str) -> Result<Cow<'_, str>, String> {
    if !raw.bytes().any(|b| matches!(b, b'\t' | b'\n' | b'\r')) {
        return unescape(raw);
    }
    let spaced = eol(raw).replace(['\t', '\n'], " ");
    unescape(&spaced).map(|c| Cow::Owned(c.into_owned()))
}

/// Parse `bytes` into a [`Doc`]. Never panics; every problem is an [`XmlError`].
///
/// A purpose-built single pass over the input (it replaced quick-xml's event reader,
/// which cost more than half of a whole validation). It refuses DOCTYPE declarations,
/// enforces the limits, resolves namespaces and checks well-formedness as the previous
/// reader did: matching end tags, one root element, no text outside it, quoted and
/// unique attributes, known entity and character references, closed comments, CDATA
/// sections, processing instructions and tags.
pub fn parse<'a>(bytes: &'a [u8], limits: &Limits) -> Result<Doc<'a>, XmlError> {
    let src = decode(bytes, limits)?;
    let b = src.as_bytes();
    let malformed = |at: usize, m: &str| err(src, XmlErrorKind::Malformed, at, m.to_string());
    // Reserve from the input size so that the arena is never re-allocated (a late
    // doubling copies the whole tree and briefly holds it twice). Invoices have about one
    // element per 45 bytes and one attribute per 200; the reservation errs on the large
    // side because capacity that is never written costs address space, not memory.
    let mut doc = Doc {
        src,
        nodes: Vec::with_capacity(src.len() / 24 + 8),
        attrs: Vec::with_capacity(src.len() / 96 + 4),
        texts: Vec::new(),
    };
    // In-scope namespace declarations, innermost last.
    let mut bindings: Vec<Binding<'a>> = Vec::with_capacity(16);
    // (node, last child, bindings in scope before the element) for every open element.
    let mut stack: Vec<Open<'a>> = Vec::with_capacity(32);
    let mut root_closed = false;
    let mut i = 0usize;
    loop {
        // Character data up to the next markup.
        let lt = find_byte(b, i, b'<').unwrap_or(b.len());
        if lt > i {
            let raw = src.get(i..lt).unwrap_or("");
            let ws = raw.bytes().all(|c| c.is_ascii_whitespace());
            match stack.last() {
                None if ws => {}
                None => return Err(malformed(i, "text outside the root element")),
                // Indentation between child elements.
                Some(open) if ws && open.last_child != NONE => {}
                Some(open) => {
                    let (cur, has_children) = (open.node, open.last_child != NONE);
                    // Usually the element's only text, without references: its range.
                    let plain = match doc.nodes.get_mut(cur as usize) {
                        Some(n)
                            if !has_children
                                && !n.has_text()
                                && !raw.as_bytes().contains(&b'&')
                                && !raw.as_bytes().contains(&b'\r') =>
                        {
                            match (u32::try_from(i), u32::try_from(lt - i)) {
                                (Ok(start), Ok(len)) => {
                                    n.text_start = start;
                                    n.text_len = len;
                                    true
                                }
                                _ => false,
                            }
                        }
                        _ => false,
                    };
                    if !plain {
                        let text = char_data(raw)
                            .map_err(|e| malformed(i, &format!("bad character data: {e}")))?;
                        if !(has_children && blank(&text)) {
                            append_text(&mut doc, cur, text);
                        }
                    }
                }
            }
        }
        if lt >= b.len() {
            break;
        }
        let pos = lt;
        match b.get(pos + 1).copied() {
            Some(b'/') => {
                // Usually the end tag is exactly `</` + the open element's name + `>`.
                let expected = stack.last().map_or(&b""[..], |o| o.qname.as_bytes());
                let direct = pos + 2 + expected.len();
                let quick = !expected.is_empty()
                    && b.get(direct) == Some(&b'>')
                    && b.get(pos + 2..direct) == Some(expected);
                let gt = if quick {
                    direct
                } else {
                    match find_byte(b, pos + 2, b'>') {
                        Some(gt) => gt,
                        None => {
                            return Err(malformed(pos, "malformed XML: unclosed end tag"));
                        }
                    }
                };
                let mut name_end = gt;
                while name_end > pos + 2 && b.get(name_end - 1).copied().is_some_and(is_ws) {
                    name_end -= 1;
                }
                let found = src.get(pos + 2..name_end).unwrap_or("");
                match stack.pop() {
                    // On the quick path the name was compared already.
                    Some(open) if quick || open.qname == found => {
                        bindings.truncate(open.bindings_before as usize);
                    }
                    open => {
                        let expected = open.map_or("", |o| o.qname);
                        return Err(malformed(
                            pos,
                            &format!("malformed XML: expecting </{expected}> but found </{found}>"),
                        ));
                    }
                }
                if stack.is_empty() {
                    root_closed = true;
                }
                i = gt + 1;
            }
            Some(b'?') => {
                let Some(end) = find_seq(b, pos + 2, b"?>") else {
                    return Err(malformed(
                        pos,
                        "malformed XML: unclosed processing instruction",
                    ));
                };
                i = end + 2;
            }
            Some(b'!') => {
                let rest = b.get(pos..).unwrap_or_default();
                if rest.starts_with(b"<!--") {
                    let Some(end) = find_seq(b, pos + 4, b"-->") else {
                        return Err(malformed(pos, "malformed XML: unclosed comment"));
                    };
                    i = end + 3;
                } else if rest.starts_with(b"<![CDATA[") {
                    let Some(end) = find_seq(b, pos + 9, b"]]>") else {
                        return Err(malformed(pos, "malformed XML: unclosed CDATA section"));
                    };
                    let Some(&Open { node: cur, .. }) = stack.last() else {
                        return Err(malformed(pos, "CDATA outside the root element"));
                    };
                    let text = src.get(pos + 9..end).unwrap_or("");
                    append_text(&mut doc, cur, eol(text));
                    i = end + 3;
                } else if rest
                    .get(..9)
                    .is_some_and(|d| d.eq_ignore_ascii_case(b"<!DOCTYPE"))
                {
                    return Err(err(
                        src,
                        XmlErrorKind::Doctype,
                        pos,
                        "DOCTYPE declarations are not accepted (entity expansion and external entities are refused)".into(),
                    ));
                } else {
                    return Err(malformed(pos, "malformed XML: unknown markup after '<!'"));
                }
            }
            _ => {
                // The name, then (usually) `>` or `/>` straight after it; otherwise the
                // end of the tag is searched past the attributes.
                // The colons are noted on the way (first and last, as `split_qname`).
                let mut name_end = pos + 1;
                let mut colons = None;
                while let Some(&c) = b.get(name_end) {
                    match c {
                        b'>' | b'/' | b' ' | b'\t' | b'\r' | b'\n' => break,
                        b':' => {
                            let first = colons.map_or(name_end, |(f, _)| f);
                            colons = Some((first, name_end));
                        }
                        _ => {}
                    }
                    name_end += 1;
                }
                let gt = match b.get(name_end) {
                    Some(b'>') => name_end,
                    Some(b'/') if b.get(name_end + 1) == Some(&b'>') => name_end + 1,
                    _ => match find_tag_end(b, pos + 1) {
                        Some(gt) => gt,
                        None => return Err(malformed(pos, "malformed XML: unclosed start tag")),
                    },
                };
                let mut content = src.get(pos + 1..gt).unwrap_or("");
                let self_closing = content.ends_with('/');
                if self_closing {
                    content = content.get(..content.len() - 1).unwrap_or("");
                }
                let name_len = if gt <= name_end + 1 {
                    name_end - (pos + 1)
                } else {
                    content.bytes().position(is_ws).unwrap_or(content.len())
                };
                let qname = content.get(..name_len).unwrap_or("");
                if qname.is_empty() {
                    return Err(malformed(pos, "malformed XML: element without a name"));
                }
                if root_closed {
                    return Err(malformed(pos, "content after the root element"));
                }
                if stack.len() >= limits.max_depth {
                    return Err(err(
                        src,
                        XmlErrorKind::TooDeep,
                        pos,
                        format!(
                            "elements are nested deeper than {} levels",
                            limits.max_depth
                        ),
                    ));
                }
                if doc.nodes.len() >= limits.max_elements {
                    return Err(err(
                        src,
                        XmlErrorKind::TooManyElements,
                        pos,
                        format!("document has more than {} elements", limits.max_elements),
                    ));
                }
                let bindings_before = u32::try_from(bindings.len()).unwrap_or(u32::MAX);
                let attr_start = u32::try_from(doc.attrs.len()).unwrap_or(u32::MAX);
                let attrs_src = content.get(name_len..).unwrap_or("");
                if !attrs_src.is_empty() {
                    parse_attrs(&mut doc, &mut bindings, src, pos, attrs_src)?;
                }
                let (prefix, local) = if qname.len() == name_end - (pos + 1) {
                    match colons {
                        Some((first, last)) => (
                            src.get(pos + 1..first),
                            src.get(last + 1..name_end).unwrap_or(""),
                        ),
                        None => (None, qname),
                    }
                } else {
                    split_qname(qname)
                };
                let ns = match resolve(&bindings, prefix) {
                    Some(ns) => ns,
                    None => {
                        return Err(malformed(
                            pos,
                            &format!("undeclared namespace prefix '{}'", prefix.unwrap_or("")),
                        ));
                    }
                };
                let id = NodeId::try_from(doc.nodes.len()).unwrap_or(NONE);
                let parent = stack.last().map_or(NONE, |s| s.node);
                if let Some(top) = stack.last_mut() {
                    if top.last_child == NONE {
                        if let Some(p) = doc.nodes.get_mut(top.node as usize) {
                            p.first_child = id;
                            if p.has_text() && blank(node_text(src, &doc.texts, p)) {
                                p.clear_text();
                            }
                        }
                    } else if let Some(prev) = doc.nodes.get_mut(top.last_child as usize) {
                        prev.next_sibling = id;
                    }
                    top.last_child = id;
                } else if !doc.nodes.is_empty() {
                    return Err(malformed(pos, "more than one root element"));
                }
                doc.nodes.push(Node::new(
                    ns,
                    local,
                    parent,
                    attr_start,
                    u32::try_from(pos).unwrap_or(u32::MAX),
                ));
                if self_closing {
                    bindings.truncate(bindings_before as usize);
                    if stack.is_empty() {
                        root_closed = true;
                    }
                } else {
                    stack.push(Open {
                        node: id,
                        last_child: NONE,
                        bindings_before,
                        qname,
                    });
                }
                i = gt + 1;
            }
        }
    }
    if !stack.is_empty() {
        return Err(malformed(
            src.len(),
            "unexpected end of document: elements are not closed",
        ));
    }
    if doc.nodes.is_empty() {
        return Err(err(
            src,
            XmlErrorKind::Empty,
            0,
            "document has no root element".into(),
        ));
    }
    Ok(doc)
}

/// The attributes of one start tag (`s` is what follows the element name): namespace
/// declarations become bindings, the others are stored with their local names and
/// unescaped values. Values must be quoted; a name may not repeat.
fn parse_attrs<'a>(
    doc: &mut Doc<'a>,
    bindings: &mut Vec<Binding<'a>>,
    src: &'a str,
    pos: usize,
    s: &'a str,
) -> Result<(), XmlError> {
    let bad = |m: &str| {
        err(
            src,
            XmlErrorKind::Malformed,
            pos,
            format!("malformed attribute: {m}"),
        )
    };
    let b = s.as_bytes();
    let mut i = 0usize;
    // Qualified names seen in this tag (for the duplicate check): the first few in an
    // array, so that the usual tag allocates nothing.
    let mut few: [&'a str; 8] = [""; 8];
    let mut n_keys = 0usize;
    let mut more: Vec<&'a str> = Vec::new();
    loop {
        while b.get(i).copied().is_some_and(is_ws) {
            i += 1;
        }
        if i >= b.len() {
            return Ok(());
        }
        let key_start = i;
        while b.get(i).is_some_and(|c| *c != b'=' && !is_ws(*c)) {
            i += 1;
        }
        let key = s.get(key_start..i).unwrap_or("");
        while b.get(i).copied().is_some_and(is_ws) {
            i += 1;
        }
        if b.get(i) != Some(&b'=') {
            return Err(bad(&format!("attribute '{key}' has no value")));
        }
        i += 1;
        while b.get(i).copied().is_some_and(is_ws) {
            i += 1;
        }
        let quote = match b.get(i) {
            Some(q @ (b'"' | b'\'')) => *q,
            _ => return Err(bad(&format!("the value of '{key}' is not quoted"))),
        };
        let Some(end) = find_byte(b, i + 1, quote) else {
            return Err(bad(&format!("the value of '{key}' is not closed")));
        };
        let raw = s.get(i + 1..end).unwrap_or("");
        i = end + 1;
        if key.is_empty() {
            return Err(bad("attribute without a name"));
        }
        let seen = few.get(..n_keys.min(few.len())).unwrap_or_default();
        if seen.iter().chain(more.iter()).any(|k| same(k, key)) {
            return Err(bad(&format!("duplicate attribute '{key}'")));
        }
        match few.get_mut(n_keys) {
            Some(slot) => *slot = key,
            None => more.push(key),
        }
        n_keys += 1;
        if let Some(rest) = key.strip_prefix("xmlns") {
            let prefix = match rest.strip_prefix(':') {
                Some(p) => Some(p),
                None if rest.is_empty() => None,
                // An attribute like `xmlnsfoo`: an ordinary attribute.
                None => {
                    push_attr_value(doc, src, pos, key, raw)?;
                    continue;
                }
            };
            bindings.push(declare(src, pos, prefix, raw.as_bytes())?);
            continue;
        }
        push_attr_value(doc, src, pos, key, raw)?;
    }
}

/// Store one (non-namespace) attribute with its local name and unescaped value.
fn push_attr_value<'a>(
    doc: &mut Doc<'a>,
    src: &str,
    pos: usize,
    key: &'a str,
    raw: &'a str,
) -> Result<(), XmlError> {
    let value = attr_value(raw).map_err(|e| {
        err(
            src,
            XmlErrorKind::Malformed,
            pos,
            format!("bad attribute value: {e}"),
        )
    })?;
    doc.attrs.push((split_qname(key).1, value));
    Ok(())
}

/// The previous quick-xml based reader, kept for differential tests of [`parse`].
#[cfg(test)]
pub(crate) fn parse_quick_xml<'a>(bytes: &'a [u8], limits: &Limits) -> Result<Doc<'a>, XmlError> {
    if bytes.len() > limits.max_bytes {
        return Err(XmlError {
            kind: XmlErrorKind::TooLarge,
            message: format!(
                "document is {} bytes; the limit is {} bytes",
                bytes.len(),
                limits.max_bytes
            ),
            line: 1,
            column: 1,
        });
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let src = match std::str::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => {
            let s = String::from_utf8_lossy(&bytes[..e.valid_up_to()]).into_owned();
            let (line, column) = line_col(&s, s.len());
            return Err(XmlError {
                kind: XmlErrorKind::NotUtf8,
                message: "document is not valid UTF-8".into(),
                line,
                column,
            });
        }
    };
    // A plain reader plus our own namespace scopes: resolving the handful of prefixes
    // against a short binding list (URIs are classified once, at their declaration) is
    // much cheaper than resolving every start and end tag through `NsReader`.
    let mut reader = Reader::from_reader(src.as_bytes());
    {
        let cfg = reader.config_mut();
        // End tags are matched against the open element below (cheaper than the
        // reader's own copy of every start name).
        cfg.check_end_names = false;
        cfg.expand_empty_elements = false;
        cfg.trim_text(false);
    }
    // Reserve from the input size so that the arena is never re-allocated (a late
    // doubling copies the whole tree and briefly holds it twice). Invoices have about one
    // element per 45 bytes and one attribute per 200; the reservation errs on the large
    // side because capacity that is never written costs address space, not memory.
    let mut doc = Doc {
        src,
        nodes: Vec::with_capacity(src.len() / 24 + 8),
        attrs: Vec::with_capacity(src.len() / 96 + 4),
        texts: Vec::new(),
    };
    // In-scope namespace declarations, innermost last.
    let mut bindings: Vec<Binding<'a>> = Vec::with_capacity(16);
    // (node, last child, bindings in scope before the element) for every open element.
    let mut stack: Vec<Open<'a>> = Vec::with_capacity(32);
    let mut root_closed = false;
    loop {
        let pos = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let ev = match reader.read_event() {
            Ok(ev) => ev,
            Err(e) => {
                let at = usize::try_from(reader.error_position()).unwrap_or(pos);
                return Err(err(
                    src,
                    XmlErrorKind::Malformed,
                    at,
                    format!("malformed XML: {e}"),
                ));
            }
        };
        match ev {
            Event::DocType(_) => {
                return Err(err(
                    src,
                    XmlErrorKind::Doctype,
                    pos,
                    "DOCTYPE declarations are not accepted (entity expansion and external entities are refused)".into(),
                ));
            }
            ev @ (Event::Start(_) | Event::Empty(_)) => {
                let (e, self_closing) = match ev {
                    Event::Start(e) => (e, false),
                    Event::Empty(e) => (e, true),
                    _ => continue,
                };
                if root_closed {
                    return Err(err(
                        src,
                        XmlErrorKind::Malformed,
                        pos,
                        "content after the root element".into(),
                    ));
                }
                if stack.len() >= limits.max_depth {
                    return Err(err(
                        src,
                        XmlErrorKind::TooDeep,
                        pos,
                        format!(
                            "elements are nested deeper than {} levels",
                            limits.max_depth
                        ),
                    ));
                }
                if doc.nodes.len() >= limits.max_elements {
                    return Err(err(
                        src,
                        XmlErrorKind::TooManyElements,
                        pos,
                        format!("document has more than {} elements", limits.max_elements),
                    ));
                }
                let name_len = e.name().as_ref().len();
                // Slice input: the tag bytes live inside `src`, so borrow them from there.
                let Some(content) = sub(src, &e) else {
                    return Err(err(
                        src,
                        XmlErrorKind::Malformed,
                        pos,
                        "unexpected tag encoding".into(),
                    ));
                };
                let qname = content.get(..name_len).unwrap_or("");
                let bindings_before = u32::try_from(bindings.len()).unwrap_or(u32::MAX);
                let attr_start = u32::try_from(doc.attrs.len()).unwrap_or(u32::MAX);
                for a in Attributes::new(content, name_len) {
                    let a = a.map_err(|e| {
                        err(
                            src,
                            XmlErrorKind::Malformed,
                            pos,
                            format!("malformed attribute: {e}"),
                        )
                    })?;
                    let key = sub(src, a.key.as_ref()).unwrap_or("");
                    if let Some(rest) = key.strip_prefix("xmlns") {
                        let prefix = match rest.strip_prefix(':') {
                            Some(p) => Some(p),
                            None if rest.is_empty() => None,
                            // An attribute like `xmlnsfoo`: an ordinary attribute.
                            None => {
                                push_attr(&mut doc, src, pos, key, &a)?;
                                continue;
                            }
                        };
                        let uri: &[u8] = &a.value;
                        bindings.push(declare(src, pos, prefix, uri)?);
                        continue;
                    }
                    push_attr(&mut doc, src, pos, key, &a)?;
                }
                let (prefix, local) = split_qname(qname);
                let ns = match resolve(&bindings, prefix) {
                    Some(ns) => ns,
                    None => {
                        return Err(err(
                            src,
                            XmlErrorKind::Malformed,
                            pos,
                            format!("undeclared namespace prefix '{}'", prefix.unwrap_or("")),
                        ));
                    }
                };
                let id = NodeId::try_from(doc.nodes.len()).unwrap_or(NONE);
                let parent = stack.last().map_or(NONE, |s| s.node);
                if let Some(top) = stack.last_mut() {
                    if top.last_child == NONE {
                        if let Some(p) = doc.nodes.get_mut(top.node as usize) {
                            p.first_child = id;
                            if p.has_text() && blank(node_text(src, &doc.texts, p)) {
                                p.clear_text();
                            }
                        }
                    } else if let Some(prev) = doc.nodes.get_mut(top.last_child as usize) {
                        prev.next_sibling = id;
                    }
                    top.last_child = id;
                } else if !doc.nodes.is_empty() {
                    return Err(err(
                        src,
                        XmlErrorKind::Malformed,
                        pos,
                        "more than one root element".into(),
                    ));
                }
                doc.nodes.push(Node::new(
                    ns,
                    local,
                    parent,
                    attr_start,
                    u32::try_from(pos).unwrap_or(u32::MAX),
                ));
                if self_closing {
                    bindings.truncate(bindings_before as usize);
                    if stack.is_empty() {
                        root_closed = true;
                    }
                } else {
                    stack.push(Open {
                        node: id,
                        last_child: NONE,
                        bindings_before,
                        qname,
                    });
                }
            }
            Event::End(e) => {
                let found = e.name();
                let found: &[u8] = found.as_ref();
                match stack.pop() {
                    Some(open) if open.qname.as_bytes() == found => {
                        bindings.truncate(open.bindings_before as usize);
                    }
                    open => {
                        let expected = open.map_or("", |o| o.qname);
                        return Err(err(
                            src,
                            XmlErrorKind::Malformed,
                            pos,
                            format!(
                                "malformed XML: expecting </{expected}> but found </{}>",
                                String::from_utf8_lossy(found)
                            ),
                        ));
                    }
                }
                if stack.is_empty() {
                    root_closed = true;
                }
            }
            Event::Text(t) => {
                let Some(&Open {
                    node: cur,
                    last_child: last,
                    ..
                }) = stack.last()
                else {
                    if t.iter().all(u8::is_ascii_whitespace) {
                        continue;
                    }
                    return Err(err(
                        src,
                        XmlErrorKind::Malformed,
                        pos,
                        "text outside the root element".into(),
                    ));
                };
                let has_children = last != NONE;
                // Fast path: indentation between child elements.
                if has_children && t.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                let raw: &[u8] = &t;
                let text = match sub(src, raw) {
                    Some(s) => char_data(s).map_err(|e| {
                        err(
                            src,
                            XmlErrorKind::Malformed,
                            pos,
                            format!("bad character data: {e}"),
                        )
                    })?,
                    None => t.unescape().map_err(|e| {
                        err(
                            src,
                            XmlErrorKind::Malformed,
                            pos,
                            format!("bad character data: {e}"),
                        )
                    })?,
                };
                if has_children && text.trim().is_empty() {
                    continue;
                }
                append_text(&mut doc, cur, text);
            }
            Event::CData(c) => {
                let Some(&Open { node: cur, .. }) = stack.last() else {
                    return Err(err(
                        src,
                        XmlErrorKind::Malformed,
                        pos,
                        "CDATA outside the root element".into(),
                    ));
                };
                let raw = c.into_inner();
                let text = match sub(src, &raw) {
                    Some(s) => eol(s),
                    None => Cow::Owned(String::from_utf8_lossy(&raw).into_owned()),
                };
                append_text(&mut doc, cur, text);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !stack.is_empty() {
        return Err(err(
            src,
            XmlErrorKind::Malformed,
            src.len(),
            "unexpected end of document: elements are not closed".into(),
        ));
    }
    if doc.nodes.is_empty() {
        return Err(err(
            src,
            XmlErrorKind::Empty,
            0,
            "document has no root element".into(),
        ));
    }
    Ok(doc)
}

/// An element still open while reading.
struct Open<'a> {
    node: NodeId,
    last_child: NodeId,
    /// Length of the binding list before this element's own declarations.
    bindings_before: u32,
    /// Qualified name as written, to match the end tag.
    qname: &'a str,
}

/// Split `prefix:local` (a plain byte scan: names are short). As before, the prefix
/// ends at the first colon (as quick-xml resolves it) and the local name starts after
/// the last one.
fn split_qname(qname: &str) -> (Option<&str>, &str) {
    let bytes = qname.as_bytes();
    match bytes.iter().position(|b| *b == b':') {
        Some(i) => {
            let last = bytes.iter().rposition(|b| *b == b':').unwrap_or(i);
            (qname.get(..i), qname.get(last + 1..).unwrap_or(""))
        }
        None => (None, qname),
    }
}

/// Equality of two short names without a call into `memcmp`.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).all(|(x, y)| x == y)
}

/// One namespace declaration in scope: `prefix` is `None` for the default namespace;
/// `ns` is `None` for an undeclaration (`xmlns=""` or `xmlns:p=""`).
#[derive(Clone, Copy)]
struct Binding<'a> {
    prefix: Option<&'a str>,
    ns: Option<Ns>,
}

const XML_NS: &[u8] = b"http://www.w3.org/XML/1998/namespace";
const XMLNS_NS: &[u8] = b"http://www.w3.org/2000/xmlns/";

/// Check and classify one `xmlns` / `xmlns:p` declaration (the same checks as the
/// Namespaces in XML recommendation and quick-xml's resolver make).
fn declare<'a>(
    src: &str,
    pos: usize,
    prefix: Option<&'a str>,
    uri: &[u8],
) -> Result<Binding<'a>, XmlError> {
    let bad = |m: String| {
        err(
            src,
            XmlErrorKind::Malformed,
            pos,
            format!("malformed XML: {m}"),
        )
    };
    match prefix {
        Some("xml") if uri != XML_NS => {
            return Err(bad(
                "the 'xml' prefix cannot be bound to another namespace".into()
            ));
        }
        Some("xmlns") => {
            return Err(bad("the 'xmlns' prefix cannot be declared".into()));
        }
        Some(p) if p != "xml" && (uri == XML_NS || uri == XMLNS_NS) => {
            return Err(bad(format!(
                "prefix '{p}' cannot be bound to a reserved namespace"
            )));
        }
        _ => {}
    }
    let ns = if uri.is_empty() {
        None
    } else {
        Some(Ns::from_uri(uri))
    };
    Ok(Binding { prefix, ns })
}

/// Namespace of an element prefix; `None` when the prefix is not declared.
fn resolve(bindings: &[Binding<'_>], prefix: Option<&str>) -> Option<Ns> {
    let found = bindings.iter().rev().find(|b| match (b.prefix, prefix) {
        (Some(x), Some(y)) => same(x, y),
        (None, None) => true,
        _ => false,
    });
    match found {
        Some(b) => match (b.ns, prefix) {
            (Some(ns), _) => Some(ns),
            (None, None) => Some(Ns::None),
            (None, Some(_)) => None,
        },
        None => match prefix {
            None => Some(Ns::None),
            Some("xml" | "xmlns") => Some(Ns::Other),
            Some(_) => None,
        },
    }
}

/// Store one (non-namespace) attribute with its local name and unescaped value.
#[cfg(test)]
fn push_attr<'a>(
    doc: &mut Doc<'a>,
    src: &'a str,
    pos: usize,
    key: &'a str,
    a: &quick_xml::events::attributes::Attribute<'a>,
) -> Result<(), XmlError> {
    let key = split_qname(key).1;
    let raw: &[u8] = &a.value;
    let value = match sub(src, raw) {
        Some(s) => attr_value(s).map_err(|e| {
            err(
                src,
                XmlErrorKind::Malformed,
                pos,
                format!("bad attribute value: {e}"),
            )
        })?,
        None => a.unescape_value().map_err(|e| {
            err(
                src,
                XmlErrorKind::Malformed,
                pos,
                format!("bad attribute value: {e}"),
            )
        })?,
    };
    doc.attrs.push((key, value));
    Ok(())
}

fn append_text<'a>(doc: &mut Doc<'a>, cur: NodeId, text: Cow<'a, str>) {
    let src = doc.src;
    let Some(n) = doc.nodes.get_mut(cur as usize) else {
        return;
    };
    if !n.has_text() {
        if let Cow::Borrowed(s) = text {
            if let Some((start, len)) = span_in(src, s) {
                n.text_start = start;
                n.text_len = len;
                return;
            }
        }
        n.text_start = u32::try_from(doc.texts.len()).unwrap_or(u32::MAX);
        n.text_owned = true;
        doc.texts.push(text.into_owned());
    } else if n.text_owned {
        if let Some(t) = doc.texts.get_mut(n.text_start as usize) {
            t.push_str(&text);
        }
    } else {
        let mut joined = node_text(src, &doc.texts, n).to_string();
        joined.push_str(&text);
        n.text_start = u32::try_from(doc.texts.len()).unwrap_or(u32::MAX);
        n.text_owned = true;
        doc.texts.push(joined);
    }
}

/// Iterator over the element children of a node.
pub struct Children<'d, 'a> {
    doc: &'d Doc<'a>,
    next: NodeId,
}

impl<'d, 'a> Iterator for Children<'d, 'a> {
    type Item = NodeId;
    fn next(&mut self) -> Option<NodeId> {
        let cur = self.next;
        let n = self.doc.nodes.get(cur as usize)?;
        self.next = n.next_sibling;
        Some(cur)
    }
}

impl<'a> Doc<'a> {
    pub fn root(&self) -> NodeId {
        0
    }

    fn raw_node(&self, id: NodeId) -> Option<&Node<'a>> {
        self.nodes.get(id as usize)
    }

    pub fn node(&self, id: NodeId) -> Option<&Node<'a>> {
        self.nodes.get(id as usize)
    }

    pub fn name(&self, id: NodeId) -> &'a str {
        self.raw_node(id).map_or("", |n| n.name)
    }

    pub fn ns(&self, id: NodeId) -> Ns {
        self.raw_node(id).map_or(Ns::None, |n| n.ns)
    }

    pub fn is(&self, id: NodeId, ns: Ns, name: &str) -> bool {
        self.raw_node(id)
            .is_some_and(|n| n.ns == ns && n.name == name)
    }

    /// Raw character data of the element.
    pub fn raw_text(&self, id: NodeId) -> &str {
        self.raw_node(id)
            .map_or("", |n| node_text(self.src, &self.texts, n))
    }

    /// Character data with leading/trailing whitespace removed.
    pub fn text(&self, id: NodeId) -> &str {
        trim(self.raw_text(id))
    }

    pub fn children(&self, id: NodeId) -> Children<'_, 'a> {
        let next = self.raw_node(id).map_or(NONE, |n| n.first_child);
        Children { doc: self, next }
    }

    pub fn has_children(&self, id: NodeId) -> bool {
        self.raw_node(id).is_some_and(|n| n.first_child != NONE)
    }

    pub fn parent(&self, id: NodeId) -> Option<NodeId> {
        self.node(id).map(|n| n.parent).filter(|p| *p != NONE)
    }

    /// Children with the given namespace and local name.
    pub fn kids<'s>(
        &'s self,
        id: NodeId,
        ns: Ns,
        name: &'s str,
    ) -> impl Iterator<Item = NodeId> + 's {
        self.children(id).filter(move |c| self.is(*c, ns, name))
    }

    /// First child with the given namespace and local name.
    pub fn kid(&self, id: NodeId, ns: Ns, name: &str) -> Option<NodeId> {
        self.children(id).find(|c| self.is(*c, ns, name))
    }

    /// Follow a path of (namespace, name) steps, taking the first match at each step.
    pub fn at(&self, id: NodeId, path: &[(Ns, &str)]) -> Option<NodeId> {
        let mut cur = id;
        for (ns, name) in path {
            cur = self.kid(cur, *ns, name)?;
        }
        Some(cur)
    }

    pub fn attrs(&self, id: NodeId) -> &[(&'a str, Cow<'a, str>)] {
        let Some(n) = self.raw_node(id) else {
            return &[];
        };
        // An element's attributes run up to where the next element's start.
        let end = self
            .raw_node(id.wrapping_add(1))
            .map_or(self.attrs.len(), |next| next.attr_start as usize);
        self.attrs
            .get(n.attr_start as usize..end)
            .unwrap_or_default()
    }

    pub fn attr(&self, id: NodeId, name: &str) -> Option<&str> {
        self.attrs(id)
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_ref())
    }

    /// Every element of the subtree in document order (the arena is in document order,
    /// so this is a contiguous range ending where the next non-descendant starts).
    pub fn descendants(&self, id: NodeId) -> impl Iterator<Item = NodeId> + '_ {
        let start = id as usize + 1;
        let end = self.subtree_end(id);
        (start..end).filter_map(|i| NodeId::try_from(i).ok())
    }

    fn subtree_end(&self, id: NodeId) -> usize {
        let mut cur = id;
        loop {
            match self.raw_node(cur) {
                Some(n) if n.next_sibling != NONE => return n.next_sibling as usize,
                Some(n) if n.parent != NONE => cur = n.parent,
                _ => return self.nodes.len(),
            }
        }
    }

    /// XPath-like location of an element, e.g. `/Invoice/cac:InvoiceLine[2]/cbc:ID`.
    pub fn path(&self, id: NodeId) -> String {
        let mut steps = Vec::new();
        let mut cur = Some(id);
        while let Some(c) = cur {
            let Some(n) = self.node(c) else { break };
            let mut step = format!("{}{}", n.ns.prefix(), n.name);
            if let Some(p) = self.parent(c) {
                let same: Vec<NodeId> = self
                    .children(p)
                    .filter(|s| self.is(*s, n.ns, n.name))
                    .collect();
                if same.len() > 1 {
                    let idx = same.iter().position(|s| *s == c).unwrap_or(0) + 1;
                    step.push_str(&format!("[{idx}]"));
                }
            }
            steps.push(step);
            cur = self.parent(c);
        }
        steps.reverse();
        format!("/{}", steps.join("/"))
    }

    /// Line and column of an element's start tag. Scans from the start of the document:
    /// for many look-ups in one document use a [`Locator`].
    pub fn line_col(&self, id: NodeId) -> (usize, usize) {
        self.node(id)
            .map_or((0, 0), |n| line_col(self.src, n.offset as usize))
    }
}

/// Bytes between two [`Locator`] checkpoints inside one long line (minified XML).
const CHECKPOINT_MAX: usize = 1024;
/// A line start becomes a checkpoint only this many bytes after the previous one (keeps
/// the index at most one entry per this many bytes of input).
const CHECKPOINT_MIN: usize = 256;

/// Locations of many elements of one document in time linear in the document: reporting
/// a finding on every invoice line of a 100,000-line invoice must not rescan the document
/// (or the list of lines) per finding.
///
/// - Line and column: a sparse index of checkpoints (byte offset, line, column), built on
///   first use, one per line start at least [`CHECKPOINT_MIN`] bytes apart and one per
///   [`CHECKPOINT_MAX`] bytes inside a long line; a look-up binary-searches the nearest
///   checkpoint and scans at most a few hundred bytes from there.
/// - Paths: the position of an element among its same-named siblings is computed for all
///   children of a parent at once, the first time any child of that parent is located.
#[derive(Debug, Default)]
pub struct Locator {
    /// (byte offset, 1-based line, 1-based column in characters), ascending offsets.
    checkpoints: Vec<(u32, u32, u32)>,
    built: bool,
    /// Parents whose children have their sibling positions in `positions`.
    indexed_parents: std::collections::HashSet<NodeId>,
    /// Position (1-based) among same-named siblings; 0 when the name is unique there.
    positions: std::collections::HashMap<NodeId, u32>,
    /// Work done (bytes scanned for columns, siblings visited for positions), so tests can
    /// check that locating stays linear.
    work: u64,
}

impl Locator {
    pub fn new() -> Locator {
        Locator::default()
    }

    /// Bytes and sibling entries visited so far (for tests).
    pub fn work(&self) -> u64 {
        self.work
    }

    fn build(&mut self, src: &str) {
        self.built = true;
        let bytes = src.as_bytes();
        let mut cps = Vec::with_capacity(bytes.len() / CHECKPOINT_MIN + 16);
        cps.push((0u32, 1u32, 1u32));
        let off = |i: usize| u32::try_from(i).unwrap_or(u32::MAX);
        // Offset and column of the last checkpoint, start of the current line.
        let (mut last, mut last_col, mut line, mut line_start) = (0usize, 1u32, 1u32, 0usize);
        // Newlines via the standard library's word-at-a-time search, then the end.
        let ends = src
            .match_indices('\n')
            .map(|(i, _)| i)
            .chain(std::iter::once(bytes.len()));
        for end in ends {
            // A long line: a checkpoint every CHECKPOINT_MAX bytes (at character
            // boundaries), columns counted from the previous one.
            if end.saturating_sub(last) > CHECKPOINT_MAX {
                let (mut from, mut col) = if last >= line_start {
                    (last, last_col)
                } else {
                    (line_start, 1)
                };
                let mut at = from + CHECKPOINT_MAX;
                while at < end {
                    while at < end && !src.is_char_boundary(at) {
                        at += 1;
                    }
                    if at >= end {
                        break;
                    }
                    col = col.saturating_add(count_chars(bytes.get(from..at).unwrap_or_default()));
                    cps.push((off(at), line, col));
                    (from, last, last_col) = (at, at, col);
                    at = from + CHECKPOINT_MAX;
                }
            }
            if end >= bytes.len() {
                break;
            }
            line = line.saturating_add(1);
            line_start = end + 1;
            if line_start - last >= CHECKPOINT_MIN {
                cps.push((off(line_start), line, 1));
                (last, last_col) = (line_start, 1);
            }
        }
        self.checkpoints = cps;
    }

    /// 1-based line and column (in characters) of a byte offset of `src`.
    pub fn line_col_at(&mut self, src: &str, offset: usize) -> (usize, usize) {
        if !self.built {
            self.build(src);
        }
        let offset = offset.min(src.len());
        let key = u32::try_from(offset).unwrap_or(u32::MAX);
        let idx = self.checkpoints.partition_point(|c| c.0 <= key);
        let (start, mut line, mut col) = idx
            .checked_sub(1)
            .and_then(|i| self.checkpoints.get(i))
            .copied()
            .unwrap_or((0, 1, 1));
        let part = src
            .as_bytes()
            .get(start as usize..offset)
            .unwrap_or_default();
        self.work += part.len() as u64;
        for &b in part {
            if b == b'\n' {
                line = line.saturating_add(1);
                col = 1;
            } else if b & 0xC0 != 0x80 {
                col = col.saturating_add(1);
            }
        }
        (line as usize, col as usize)
    }

    /// Line and column of an element's start tag.
    pub fn line_col(&mut self, doc: &Doc<'_>, id: NodeId) -> (usize, usize) {
        match doc.node(id) {
            Some(n) => self.line_col_at(doc.src, n.offset as usize),
            None => (0, 0),
        }
    }

    /// Position among same-named siblings (1-based), 0 when the name is unique.
    fn position(&mut self, doc: &Doc<'_>, parent: NodeId, id: NodeId) -> u32 {
        if self.indexed_parents.insert(parent) {
            // Count per name, then number the siblings of the names that repeat.
            let mut counts: std::collections::HashMap<(Ns, &str), u32> =
                std::collections::HashMap::new();
            for c in doc.children(parent) {
                self.work += 1;
                if let Some(n) = doc.node(c) {
                    *counts.entry((n.ns, n.name)).or_insert(0) += 1;
                }
            }
            let mut seen: std::collections::HashMap<(Ns, &str), u32> =
                std::collections::HashMap::new();
            for c in doc.children(parent) {
                self.work += 1;
                let Some(n) = doc.node(c) else { continue };
                let key = (n.ns, n.name);
                let pos = if counts.get(&key).copied().unwrap_or(0) > 1 {
                    let e = seen.entry(key).or_insert(0);
                    *e += 1;
                    *e
                } else {
                    0
                };
                self.positions.insert(c, pos);
            }
        }
        self.positions.get(&id).copied().unwrap_or(0)
    }

    /// XPath-like location of an element, e.g. `/Invoice/cac:InvoiceLine[2]/cbc:ID`
    /// (the same text as [`Doc::path`]).
    pub fn path(&mut self, doc: &Doc<'_>, id: NodeId) -> String {
        let mut steps: Vec<(Ns, &str, u32)> = Vec::new();
        let mut cur = Some(id);
        while let Some(c) = cur {
            let Some(n) = doc.node(c) else { break };
            let parent = doc.parent(c);
            let pos = parent.map_or(0, |p| self.position(doc, p, c));
            steps.push((n.ns, n.name, pos));
            cur = parent;
        }
        let mut out = String::with_capacity(steps.len() * 24);
        for (ns, name, pos) in steps.iter().rev() {
            out.push('/');
            out.push_str(ns.prefix());
            out.push_str(name);
            if *pos > 0 {
                out.push('[');
                out.push_str(&pos.to_string());
                out.push(']');
            }
        }
        if out.is_empty() {
            out.push('/');
        }
        out
    }
}

/// Number of characters in UTF-8 bytes (bytes that do not continue a character).
fn count_chars(bytes: &[u8]) -> u32 {
    let n = bytes.iter().filter(|b| **b & 0xC0 != 0x80).count();
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn parses_names_text_attrs() {
        let x = br#"<?xml version="1.0"?><Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:ID schemeID="0088">A &amp; B</cbc:ID><cbc:Note/><cbc:Note>x</cbc:Note></Invoice>"#;
        let d = parse(x, &Limits::default()).unwrap();
        assert_eq!(d.nodes.len(), 4);
        assert_eq!(d.ns(0), Ns::UblInvoice);
        let id = d.kid(0, Ns::Cbc, "ID").unwrap();
        assert_eq!(d.text(id), "A & B");
        assert_eq!(d.attr(id, "schemeID"), Some("0088"));
        assert_eq!(d.kids(0, Ns::Cbc, "Note").count(), 2);
        assert_eq!(d.path(3), "/Invoice/cbc:Note[2]");
        assert_eq!(d.descendants(0).count(), 3);
        assert_eq!(d.text(0), "");
    }

    #[test]
    fn resolves_namespace_scopes() {
        let x = br#"<r xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><a xmlns:c="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"><c:ID x:y="1" xmlns:x="urn:x"/></a><b xmlns=""><c/></b><d:e xmlns:d="urn:other"/><f/></r>"#;
        let d = parse(x, &Limits::default()).unwrap();
        let kinds: Vec<(Ns, &str)> = (0..d.nodes.len() as NodeId)
            .map(|i| (d.ns(i), d.name(i)))
            .collect();
        assert_eq!(
            kinds,
            vec![
                (Ns::UblInvoice, "r"),
                (Ns::UblInvoice, "a"),
                (Ns::Cbc, "ID"),
                (Ns::None, "b"),
                (Ns::None, "c"),
                (Ns::Other, "e"),
                (Ns::UblInvoice, "f"),
            ]
        );
        assert_eq!(d.attr(2, "y"), Some("1"));
        assert!(d.attrs(0).is_empty());
        // A prefix declared on a sibling is out of scope.
        let e = parse(b"<r><a xmlns:p=\"urn:p\"/><p:b/></r>", &Limits::default()).unwrap_err();
        assert_eq!(e.kind, XmlErrorKind::Malformed);
        // Undeclared prefix, reserved prefixes, mismatched and stray end tags.
        for bad in [
            &b"<r xmlns:p=\"urn:p\"><p:a xmlns:p=\"\"/><p:b/></r>"[..],
            b"<r xmlns:xmlns=\"urn:x\"/>",
            b"<r xmlns:xml=\"urn:x\"/>",
            b"<r xmlns:p=\"http://www.w3.org/XML/1998/namespace\"/>",
            b"<r><a></b></r>",
            b"<r></r></r>",
            b"<p:r xmlns:q=\"urn:q\"></p:r>",
        ] {
            assert!(
                parse(bad, &Limits::default()).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        let ok = parse(b"<r xmlns:xml=\"http://www.w3.org/XML/1998/namespace\"><a xml:lang=\"nl\">t &amp; <![CDATA[c]]></a ></r>", &Limits::default()).unwrap();
        assert_eq!(ok.text(1), "t & c");
        assert_eq!(ok.attr(1, "lang"), Some("nl"));
    }

    #[test]
    fn normalises_line_ends_and_attribute_whitespace() {
        let x = b"<a k=\"x\r\ny\tz&#10;\"><b>one\r\ntwo\rthree&#13;\n</b><c><![CDATA[p\r\nq]]></c><d>&amp;\r\n</d></a>";
        let d = parse(x, &Limits::default()).unwrap();
        // Literal CR LF and lone CR read as LF; a character reference keeps its CR.
        assert_eq!(d.raw_text(1), "one\ntwo\nthree\r\n");
        assert_eq!(d.raw_text(2), "p\nq");
        assert_eq!(d.raw_text(3), "&\n");
        // Literal whitespace in an attribute is a space; a reference keeps its LF.
        assert_eq!(d.attr(0, "k"), Some("x y z\n"));
    }

    #[test]
    fn refuses_doctype() {
        let x = b"<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">]><a>&lol;</a>";
        let e = parse(x, &Limits::default()).unwrap_err();
        assert_eq!(e.kind, XmlErrorKind::Doctype);
    }

    #[test]
    fn reports_line_and_column() {
        let x = b"<a>\n  <b></c>\n</a>";
        let e = parse(x, &Limits::default()).unwrap_err();
        assert_eq!(e.kind, XmlErrorKind::Malformed);
        assert_eq!(e.line, 2);
    }

    #[test]
    fn enforces_limits() {
        let deep = "<a>".repeat(100) + &"</a>".repeat(100);
        assert_eq!(
            parse(deep.as_bytes(), &Limits::default()).unwrap_err().kind,
            XmlErrorKind::TooDeep
        );
        let many = format!("<a>{}</a>", "<b/>".repeat(20));
        let lim = Limits {
            max_elements: 10,
            ..Limits::default()
        };
        assert_eq!(
            parse(many.as_bytes(), &lim).unwrap_err().kind,
            XmlErrorKind::TooManyElements
        );
        let lim = Limits {
            max_bytes: 5,
            ..Limits::default()
        };
        assert_eq!(
            parse(many.as_bytes(), &lim).unwrap_err().kind,
            XmlErrorKind::TooLarge
        );
        assert!(parse(b"", &Limits::default()).is_err());
        assert!(parse(b"<a></a><b/>", &Limits::default()).is_err());
        assert!(parse(b"<x:a/>", &Limits::default()).is_err());
    }

    /// Everything a document tree holds, for comparing two parses.
    fn dump(d: &Doc<'_>) -> Vec<String> {
        d.nodes
            .iter()
            .enumerate()
            .map(|(i, n)| {
                format!(
                    "{:?} {} p{} f{} s{} @{} {:?} {:?}",
                    n.ns,
                    d.name(i as NodeId),
                    n.parent,
                    n.first_child,
                    n.next_sibling,
                    n.offset,
                    d.raw_text(i as NodeId),
                    d.attrs(i as NodeId)
                )
            })
            .collect()
    }

    /// Compare the tokenizer with the previous quick-xml reader on one input. Returns
    /// whether only the new reader refused it (a stricter well-formedness check).
    fn differential(x: &[u8], what: &str) -> bool {
        let lim = Limits::default();
        match (parse(x, &lim), parse_quick_xml(x, &lim)) {
            (Ok(a), Ok(b)) => {
                assert_eq!(dump(&a), dump(&b), "{what}");
                false
            }
            (Err(a), Err(b)) => {
                // Both refuse; a DOCTYPE is refused as such by both.
                if b.kind == XmlErrorKind::Doctype || a.kind != XmlErrorKind::Malformed {
                    assert_eq!(a.kind, b.kind, "{what}: {a:?} / {b:?}");
                }
                false
            }
            (Ok(_), Err(e)) => {
                panic!(
                    "{what}: accepted, but quick-xml refused it: {e:?}\n{}",
                    String::from_utf8_lossy(x)
                )
            }
            (Err(e), Ok(_)) => {
                assert_eq!(e.kind, XmlErrorKind::Malformed, "{what}");
                true
            }
        }
    }

    fn corpus() -> Vec<(String, Vec<u8>)> {
        let mut out = Vec::new();
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let dirs = [
            root.join("tests/fixtures"),
            haven_testdata::invoices_path(),
            std::path::PathBuf::from(
                std::env::var("HAVEN_OFFICIAL_UNITS").unwrap_or_else(|_| "/tmp/cen/test".into()),
            ),
        ];
        let mut todo: Vec<std::path::PathBuf> = dirs.to_vec();
        while let Some(d) = todo.pop() {
            let Ok(rd) = std::fs::read_dir(&d) else {
                continue;
            };
            for e in rd.flatten() {
                let p = e.path();
                if p.is_dir() {
                    todo.push(p);
                } else if p.extension().is_some_and(|x| x == "xml") {
                    if let Ok(b) = std::fs::read(&p) {
                        out.push((p.display().to_string(), b));
                    }
                }
            }
        }
        out.sort();
        out
    }

    #[test]
    fn tokenizer_agrees_with_quick_xml_on_the_corpus() {
        let corpus = corpus();
        assert!(corpus.len() >= 3);
        for (name, bytes) in &corpus {
            assert!(!differential(bytes, name), "{name}: refused");
        }
    }

    #[test]
    fn tokenizer_agrees_with_quick_xml_on_mutations() {
        let corpus = corpus();
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            seed ^= seed >> 12;
            seed ^= seed << 25;
            seed ^= seed >> 27;
            seed.wrapping_mul(0x2545_F491_4F6C_DD1D)
        };
        let alphabet = b"<>/&;=\"' :!?[]-#x0123456789.abcXYZ\n\t";
        let mut stricter = 0;
        let rounds = 4000;
        for round in 0..rounds {
            let (name, base) = &corpus[(next() as usize) % corpus.len()];
            let mut bytes = base.clone();
            for _ in 0..1 + next() % 6 {
                if bytes.is_empty() {
                    break;
                }
                let at = (next() as usize) % bytes.len();
                let c = alphabet[(next() as usize) % alphabet.len()];
                match next() % 3 {
                    0 => bytes[at] = c,
                    1 => {
                        bytes.remove(at);
                    }
                    _ => bytes.insert(at, c),
                }
            }
            if differential(&bytes, &format!("{name} mutation {round}")) {
                stricter += 1;
            }
        }
        // The few inputs only the new reader refuses are not well-formed XML either.
        assert!(stricter < rounds / 20, "{stricter} stricter refusals");
    }

    #[test]
    fn tokenizer_edge_cases() {
        for x in [
            &b"<a/>"[..],
            b"<?xml version=\"1.0\"?>\n<!-- c --><a x='1' y = \"2\" >t<![CDATA[<&>]]>u<?pi x?></a >\n<!-- after -->",
            b"<a><b>&lt;&#65;&#x42;</b>\n  <c/>\n</a>",
            b"<a b=\"x>y\" c='\"'/>",
            b"<a b=\"1\r\n2\">x\r\ny<![CDATA[\r]]>&#13;\r</a>",
            b"<a></a><!DOCTYPE x>",
            b"<!doctype a><a/>",
            b"<a>",
            b"<a",
            b"<a b></a>",
            b"<a b=1></a>",
            b"<a b='1' b='2'></a>",
            b"<a>&unknown;</a>",
            b"<a><!-- x </a>",
            b"<a><![CDATA[ x </a>",
            b"<a><? x </a>",
            b"<a></a",
            b"<a><!x></a>",
            b"< a/>",
            b"<>",
            b"</a>",
            b"text<a/>",
            b"<a/>text",
            b"<a/><b/>",
            b"<![CDATA[x]]><a/>",
        ] {
            let _ = differential(x, &String::from_utf8_lossy(x));
        }
        assert_eq!(
            parse(b"<!doctype a><a/>", &Limits::default())
                .unwrap_err()
                .kind,
            XmlErrorKind::Doctype
        );
        // Duplicate attributes past the first eight (kept apart from the others).
        let many: String = (0..12).map(|i| format!(" a{i}=\"{i}\"")).collect();
        let ok = format!("<r{many} xmlns:p='urn:p' p:a0='x'/>");
        assert!(!differential(ok.as_bytes(), &ok));
        assert_eq!(
            parse(ok.as_bytes(), &Limits::default())
                .unwrap()
                .attrs(0)
                .len(),
            13
        );
        for dup in [format!("<r{many} a11='x'/>"), format!("<r{many} a2='x'/>")] {
            assert!(parse(dup.as_bytes(), &Limits::default()).is_err(), "{dup}");
            let _ = differential(dup.as_bytes(), &dup);
        }
    }

    #[test]
    #[cfg(target_pointer_width = "64")]
    fn node_stays_small() {
        // The 100,000-line case is bound by the memory traffic of the tree.
        assert_eq!(std::mem::size_of::<Node<'static>>(), 48);
    }

    #[test]
    fn text_ranges_and_side_table() {
        let x = b"<a>x<!--c-->y<b>&amp;</b> <c><![CDATA[q]]>r</c><d> t </d></a>";
        let d = parse(x, &Limits::default()).expect("parses");
        assert_eq!(d.raw_text(0), "xy");
        assert_eq!(d.raw_text(1), "&");
        assert_eq!(d.raw_text(2), "qr");
        assert_eq!(d.raw_text(3), " t ");
        assert_eq!(d.text(3), "t");
        assert_eq!(trim("\u{a0}v\u{2003}"), "v");
        assert_eq!(trim("v"), "v");
        assert_eq!(trim(""), "");
    }

    #[test]
    fn word_at_a_time_search() {
        let hay: Vec<u8> = (0..300u32).map(|i| b'a' + (i % 7) as u8).collect();
        for from in 0..hay.len() + 2 {
            for needles in [[b'c'; 3], [b'x', b'g', b'x'], [b'x'; 3], [0, 0x80, b'f']] {
                let want = hay
                    .get(from..)
                    .and_then(|h| h.iter().position(|c| needles.contains(c)))
                    .map(|p| p + from);
                assert_eq!(find_any(&hay, from, needles), want, "{from} {needles:?}");
            }
        }
        let mut hay = vec![b'.'; 200];
        for at in [0, 7, 8, 63, 64, 65, 130, 199] {
            hay[at] = b'<';
            assert_eq!(find_byte(&hay, 0, b'<'), Some(at));
            assert_eq!(find_byte(&hay, at + 1, b'<'), None);
            hay[at] = 0x81;
            assert_eq!(find_byte(&hay, 0, b'<'), None);
            hay[at] = b'.';
        }
    }
}
