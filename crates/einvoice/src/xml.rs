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

use quick_xml::events::attributes::Attributes;
use quick_xml::events::Event;
use quick_xml::Reader;

/// Index of a node in [`Doc::nodes`].
pub type NodeId = u32;
const NONE: NodeId = u32::MAX;

/// The namespaces the engine cares about; everything else is `Other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ns {
    None,
    UblInvoice,
    UblCreditNote,
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

/// One element.
#[derive(Debug, Clone)]
pub struct Node<'a> {
    pub ns: Ns,
    pub name: &'a str,
    pub parent: NodeId,
    first_child: NodeId,
    next_sibling: NodeId,
    attr_start: u32,
    attr_len: u32,
    /// Character data directly inside the element (whitespace between child elements dropped).
    pub text: Cow<'a, str>,
    /// Byte offset of the start tag in the input.
    pub offset: u32,
}

/// A parsed document: all elements in document order; node 0 is the root.
#[derive(Debug, Default)]
pub struct Doc<'a> {
    pub src: &'a str,
    pub nodes: Vec<Node<'a>>,
    attrs: Vec<(&'a str, Cow<'a, str>)>,
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

/// Parse `bytes` into a [`Doc`]. Never panics; every problem is an [`XmlError`].
pub fn parse<'a>(bytes: &'a [u8], limits: &Limits) -> Result<Doc<'a>, XmlError> {
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
                let attr_len = u32::try_from(doc.attrs.len()).unwrap_or(u32::MAX) - attr_start;
                let id = NodeId::try_from(doc.nodes.len()).unwrap_or(NONE);
                let parent = stack.last().map_or(NONE, |s| s.node);
                if let Some(top) = stack.last_mut() {
                    if top.last_child == NONE {
                        if let Some(p) = doc.nodes.get_mut(top.node as usize) {
                            p.first_child = id;
                            if !p.text.is_empty() && p.text.trim().is_empty() {
                                p.text = Cow::Borrowed("");
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
                doc.nodes.push(Node {
                    ns,
                    name: local,
                    parent,
                    first_child: NONE,
                    next_sibling: NONE,
                    attr_start,
                    attr_len,
                    text: Cow::Borrowed(""),
                    offset: u32::try_from(pos).unwrap_or(u32::MAX),
                });
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
                    // Without references the text is the input itself (already UTF-8).
                    Some(s) if !raw.contains(&b'&') => Cow::Borrowed(s),
                    _ => t.unescape().map_err(|e| {
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
                    Some(s) => Cow::Borrowed(s),
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
        // Without references the value is the input itself (already UTF-8).
        Some(s) if !raw.contains(&b'&') => Cow::Borrowed(s),
        _ => a.unescape_value().map_err(|e| {
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
    if let Some(n) = doc.nodes.get_mut(cur as usize) {
        if n.text.is_empty() {
            n.text = text;
        } else {
            n.text.to_mut().push_str(&text);
        }
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

    pub fn node(&self, id: NodeId) -> Option<&Node<'a>> {
        self.nodes.get(id as usize)
    }

    pub fn name(&self, id: NodeId) -> &'a str {
        self.node(id).map_or("", |n| n.name)
    }

    pub fn ns(&self, id: NodeId) -> Ns {
        self.node(id).map_or(Ns::None, |n| n.ns)
    }

    pub fn is(&self, id: NodeId, ns: Ns, name: &str) -> bool {
        self.node(id).is_some_and(|n| n.ns == ns && n.name == name)
    }

    /// Raw character data of the element.
    pub fn raw_text(&self, id: NodeId) -> &str {
        self.node(id).map_or("", |n| &n.text)
    }

    /// Character data with leading/trailing whitespace removed.
    pub fn text(&self, id: NodeId) -> &str {
        self.raw_text(id).trim()
    }

    pub fn children(&self, id: NodeId) -> Children<'_, 'a> {
        let next = self.node(id).map_or(NONE, |n| n.first_child);
        Children { doc: self, next }
    }

    pub fn has_children(&self, id: NodeId) -> bool {
        self.node(id).is_some_and(|n| n.first_child != NONE)
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
        let Some(n) = self.node(id) else { return &[] };
        let s = n.attr_start as usize;
        self.attrs
            .get(s..s + n.attr_len as usize)
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
            match self.node(cur) {
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

    /// Line and column of an element's start tag.
    pub fn line_col(&self, id: NodeId) -> (usize, usize) {
        self.node(id)
            .map_or((0, 0), |n| line_col(self.src, n.offset as usize))
    }
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
        let kinds: Vec<(Ns, &str)> = d.nodes.iter().map(|n| (n.ns, n.name)).collect();
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
}
