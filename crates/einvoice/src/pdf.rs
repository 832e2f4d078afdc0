//! Factur-X / ZUGFeRD / XRechnung hybrid PDFs: find the invoice XML embedded in a PDF.
//!
//! A hybrid invoice is a PDF(/A-3) with the CII (rarely UBL) XML attached as an embedded
//! file, named `factur-x.xml` (Factur-X, ZUGFeRD 2.x), `zugferd-invoice.xml` /
//! `ZUGFeRD-invoice.xml` (ZUGFeRD 1) or `xrechnung.xml` (XRechnung in PDF).
//!
//! Approach, chosen for robustness over completeness: one linear scan over the file finds
//! every `N G obj` (the cross-reference table is not trusted; producers often get it
//! wrong and incremental updates are handled by "last definition wins"). Object streams
//! (`/Type /ObjStm`) are unpacked so that file specifications stored in them are found.
//! Every file specification (`/EF` dictionary) is collected, and the invoice is chosen
//! by its attachment name, else by content. Only the `FlateDecode` filter is supported,
//! which is what producers use for embedded files. Encrypted PDFs are refused.
//!
//! Never panics; every step is bounded (input size, inflated size, object count, nesting).

use std::collections::HashMap;

use miniz_oxide::inflate::decompress_to_vec_zlib_with_limit;

/// Bounds applied while reading a PDF.
#[derive(Debug, Clone, Copy)]
pub struct PdfLimits {
    /// Maximum size of the PDF itself.
    pub max_bytes: usize,
    /// Maximum inflated size of one stream (the XML, one object stream).
    pub max_stream: usize,
    /// Maximum number of objects looked at (direct and inside object streams).
    pub max_objects: usize,
    /// Maximum total inflated size of object streams.
    pub max_objstm_total: usize,
}

impl Default for PdfLimits {
    fn default() -> Self {
        PdfLimits {
            max_bytes: 256 * 1024 * 1024,
            max_stream: 64 * 1024 * 1024,
            max_objects: 2_000_000,
            max_objstm_total: 128 * 1024 * 1024,
        }
    }
}

/// The invoice XML found in a PDF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbeddedXml {
    /// Name of the attachment (`/UF` or `/F` of its file specification), if it had one.
    pub filename: Option<String>,
    pub xml: Vec<u8>,
}

/// Why no invoice XML could be taken from a PDF.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PdfError {
    #[error("the PDF is larger than the limit of {0} bytes")]
    TooLarge(usize),
    #[error("the PDF is encrypted; hybrid invoices (PDF/A-3) must not be encrypted")]
    Encrypted,
    #[error("the PDF contains no embedded invoice XML (expected an attachment named factur-x.xml, zugferd-invoice.xml or xrechnung.xml){}", list(.0))]
    NoInvoice(Vec<String>),
    #[error("the embedded invoice XML '{0}' could not be decoded: {1}")]
    Undecodable(String, String),
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        "; it has no attachments".to_string()
    } else {
        format!("; attachments found: {}", names.join(", "))
    }
}

/// Whether the bytes are a PDF (`%PDF-` within the first 1024 bytes, as readers accept).
pub fn is_pdf(bytes: &[u8]) -> bool {
    let head = bytes.get(..bytes.len().min(1024)).unwrap_or_default();
    find(head, b"%PDF-", 0).is_some()
}

/// Attachment names that carry the invoice, in order of preference (compared ignoring case).
const INVOICE_NAMES: &[&str] = &[
    "factur-x.xml",
    "zugferd-invoice.xml",
    "xrechnung.xml",
    "zugferd_invoice.xml",
];

/// Extract the embedded invoice XML.
pub fn extract_invoice(bytes: &[u8], limits: &PdfLimits) -> Result<EmbeddedXml, PdfError> {
    if bytes.len() > limits.max_bytes {
        return Err(PdfError::TooLarge(limits.max_bytes));
    }
    let pdf = Pdf::scan(bytes, limits);
    if pdf.encrypted {
        return Err(PdfError::Encrypted);
    }
    // File specifications: (name, reference to the embedded file stream).
    let mut specs: Vec<FileSpec> = Vec::new();
    for v in pdf.values() {
        collect_filespecs(v, &mut specs, 0);
    }
    let names: Vec<String> = specs.iter().filter_map(|s| s.0.clone()).collect();
    let mut seen_names: Vec<String> = Vec::new();
    for n in names {
        if !seen_names.contains(&n) {
            seen_names.push(n);
        }
    }
    // 1. By name.
    for want in INVOICE_NAMES {
        for (name, r) in &specs {
            let Some(name) = name else { continue };
            let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
            if !base.eq_ignore_ascii_case(want) {
                continue;
            }
            let Some(r) = r else { continue };
            return match pdf.stream_data(*r, limits) {
                Ok(xml) => Ok(EmbeddedXml {
                    filename: Some(name.clone()),
                    xml,
                }),
                Err(e) => Err(PdfError::Undecodable(name.clone(), e)),
            };
        }
    }
    // 2. Any attachment whose content is an invoice.
    for (name, r) in &specs {
        let Some(r) = r else { continue };
        if let Ok(xml) = pdf.stream_data(*r, limits) {
            if looks_like_invoice(&xml) {
                return Ok(EmbeddedXml {
                    filename: name.clone(),
                    xml,
                });
            }
        }
    }
    // 3. Any embedded file stream (even without a file specification).
    for (id, obj) in &pdf.objects {
        if obj.stream.is_none() {
            continue;
        }
        let Value::Dict(d) = &obj.value else { continue };
        if get(d, "Type").and_then(Value::as_name) != Some("EmbeddedFile") {
            continue;
        }
        if let Ok(xml) = pdf.stream_data((*id, obj.gen), limits) {
            if looks_like_invoice(&xml) {
                return Ok(EmbeddedXml {
                    filename: None,
                    xml,
                });
            }
        }
    }
    Err(PdfError::NoInvoice(seen_names))
}

/// A file specification: attachment name and reference to its embedded file stream.
type FileSpec = (Option<String>, Option<(u32, u16)>);

fn looks_like_invoice(xml: &[u8]) -> bool {
    let head = xml.get(..xml.len().min(4096)).unwrap_or_default();
    [
        &b"CrossIndustryInvoice"[..],
        b"CrossIndustryDocument",
        b"urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
        b"urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
    ]
    .iter()
    .any(|p| find(head, p, 0).is_some())
}

fn collect_filespecs(v: &Value, out: &mut Vec<FileSpec>, depth: usize) {
    if depth > 32 || out.len() > 10_000 {
        return;
    }
    match v {
        Value::Dict(d) => {
            if let Some(Value::Dict(ef)) = get(d, "EF") {
                let name = get(d, "UF")
                    .or_else(|| get(d, "F"))
                    .and_then(Value::as_str_bytes)
                    .map(decode_text_string);
                let r = get(ef, "UF")
                    .or_else(|| get(ef, "F"))
                    .and_then(Value::as_ref);
                out.push((name, r));
            }
            for (_, x) in d {
                collect_filespecs(x, out, depth + 1);
            }
        }
        Value::Array(a) => {
            for x in a {
                collect_filespecs(x, out, depth + 1);
            }
        }
        _ => {}
    }
}

/// A PDF text string: UTF-16BE with BOM, UTF-8 with BOM, else PDFDocEncoding (~Latin-1).
fn decode_text_string(b: &[u8]) -> String {
    if let Some(rest) = b.strip_prefix(&[0xFE, 0xFF]) {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        return String::from_utf16_lossy(&units);
    }
    if let Some(rest) = b.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return String::from_utf8_lossy(rest).into_owned();
    }
    b.iter().map(|&c| char::from(c)).collect()
}

// ---------------------------------------------------------------------------------------
// Objects and the scanner.

#[derive(Debug, Clone, PartialEq)]
enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Real,
    Name(String),
    Str(Vec<u8>),
    Array(Vec<Value>),
    Dict(Vec<(String, Value)>),
    Ref(u32, u16),
}

impl Value {
    fn as_name(&self) -> Option<&str> {
        match self {
            Value::Name(n) => Some(n),
            _ => None,
        }
    }
    fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }
    fn as_str_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }
    fn as_ref(&self) -> Option<(u32, u16)> {
        match self {
            Value::Ref(n, g) => Some((*n, *g)),
            _ => None,
        }
    }
}

fn get<'v>(d: &'v [(String, Value)], key: &str) -> Option<&'v Value> {
    d.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
}

/// One object: its value and, for a stream, where the raw data starts and (if known
/// from a direct `/Length`) ends.
#[derive(Debug)]
struct Obj {
    gen: u16,
    value: Value,
    stream: Option<StreamPos>,
}

#[derive(Debug, Clone, Copy)]
struct StreamPos {
    start: usize,
    /// End found by searching for `endstream` (used when `/Length` is unusable).
    fallback_end: usize,
}

struct Pdf<'a> {
    src: &'a [u8],
    objects: HashMap<u32, Obj>,
    /// Objects taken from object streams (never streams themselves).
    packed: Vec<Value>,
    encrypted: bool,
}

impl<'a> Pdf<'a> {
    fn scan(src: &'a [u8], limits: &PdfLimits) -> Pdf<'a> {
        let mut pdf = Pdf {
            src,
            objects: HashMap::new(),
            packed: Vec::new(),
            encrypted: false,
        };
        let mut pos = 0;
        let mut count = 0usize;
        while let Some(at) = find(src, b"obj", pos) {
            pos = at + 3;
            let Some((num, gen)) = obj_header(src, at) else {
                continue;
            };
            count += 1;
            if count > limits.max_objects {
                break;
            }
            let mut p = Parser { src, pos: at + 3 };
            let Some(value) = p.value(0) else { continue };
            pos = p.pos;
            let mut stream = None;
            p.skip_ws();
            if src.get(p.pos..).is_some_and(|r| r.starts_with(b"stream")) {
                let mut start = p.pos + 6;
                if src.get(start) == Some(&b'\r') {
                    start += 1;
                }
                if src.get(start) == Some(&b'\n') {
                    start += 1;
                }
                let direct_end = match &value {
                    Value::Dict(d) => get(d, "Length")
                        .and_then(Value::as_int)
                        .and_then(|l| usize::try_from(l).ok())
                        .and_then(|l| start.checked_add(l))
                        .filter(|e| followed_by_endstream(src, *e)),
                    _ => None,
                };
                let fallback_end = find(src, b"endstream", start).unwrap_or(src.len());
                let end = direct_end.unwrap_or(fallback_end);
                stream = Some(StreamPos {
                    start,
                    fallback_end: direct_end.unwrap_or(fallback_end),
                });
                pos = end;
            }
            pdf.objects.insert(num, Obj { gen, value, stream });
        }
        // Trailer dictionaries (classic and cross-reference streams) tell about encryption.
        let mut tpos = 0;
        while let Some(at) = find(src, b"trailer", tpos) {
            tpos = at + 7;
            let mut p = Parser { src, pos: tpos };
            if let Some(Value::Dict(d)) = p.value(0) {
                if get(&d, "Encrypt").is_some() {
                    pdf.encrypted = true;
                }
            }
        }
        for obj in pdf.objects.values() {
            if let Value::Dict(d) = &obj.value {
                if get(d, "Type").and_then(Value::as_name) == Some("XRef")
                    && get(d, "Encrypt").is_some()
                {
                    pdf.encrypted = true;
                }
            }
        }
        pdf.unpack_object_streams(limits, count);
        pdf
    }

    fn unpack_object_streams(&mut self, limits: &PdfLimits, mut count: usize) {
        let mut budget = limits.max_objstm_total;
        let ids: Vec<u32> = self
            .objects
            .iter()
            .filter(|(_, o)| {
                o.stream.is_some()
                    && matches!(&o.value, Value::Dict(d)
                        if get(d, "Type").and_then(Value::as_name) == Some("ObjStm"))
            })
            .map(|(id, _)| *id)
            .collect();
        for id in ids {
            let Some(obj) = self.objects.get(&id) else {
                continue;
            };
            let Value::Dict(d) = &obj.value else { continue };
            let n = get(d, "N")
                .and_then(Value::as_int)
                .and_then(|n| usize::try_from(n).ok())
                .unwrap_or(0);
            let first = get(d, "First")
                .and_then(Value::as_int)
                .and_then(|n| usize::try_from(n).ok())
                .unwrap_or(0);
            let Ok(data) = self.stream_data((id, obj.gen), limits) else {
                continue;
            };
            budget = budget.saturating_sub(data.len());
            if budget == 0 {
                break;
            }
            let mut header = Parser { src: &data, pos: 0 };
            let mut offsets = Vec::new();
            for _ in 0..n.min(100_000) {
                let (Some(Value::Int(_)), Some(Value::Int(off))) =
                    (header.value(0), header.value(0))
                else {
                    break;
                };
                offsets.push(usize::try_from(off).unwrap_or(usize::MAX));
            }
            for off in offsets {
                count += 1;
                if count > limits.max_objects {
                    return;
                }
                let mut p = Parser {
                    src: &data,
                    pos: first.saturating_add(off),
                };
                if let Some(v) = p.value(0) {
                    self.packed.push(v);
                }
            }
        }
    }

    fn values(&self) -> impl Iterator<Item = &Value> {
        self.objects
            .values()
            .map(|o| &o.value)
            .chain(self.packed.iter())
    }

    /// Decoded data of the stream object `r`.
    fn stream_data(&self, r: (u32, u16), limits: &PdfLimits) -> Result<Vec<u8>, String> {
        let obj = self
            .objects
            .get(&r.0)
            .ok_or_else(|| format!("object {} {} not found", r.0, r.1))?;
        let pos = obj
            .stream
            .ok_or_else(|| format!("object {} {} is not a stream", r.0, r.1))?;
        let Value::Dict(d) = &obj.value else {
            return Err("stream without dictionary".into());
        };
        // An indirect /Length is resolved now that all objects are known.
        let end = get(d, "Length")
            .and_then(Value::as_ref)
            .and_then(|(n, _)| self.objects.get(&n))
            .and_then(|o| o.value.as_int())
            .and_then(|l| usize::try_from(l).ok())
            .and_then(|l| pos.start.checked_add(l))
            .filter(|e| followed_by_endstream(self.src, *e))
            .unwrap_or(pos.fallback_end);
        let raw = self
            .src
            .get(pos.start..end)
            .ok_or("stream data out of range")?;
        let filters: Vec<&str> = match get(d, "Filter") {
            None | Some(Value::Null) => vec![],
            Some(Value::Name(n)) => vec![n.as_str()],
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_name).collect(),
            Some(_) => return Err("unreadable /Filter".into()),
        };
        if let Some(Value::Dict(parms)) = get(d, "DecodeParms") {
            if get(parms, "Predictor")
                .and_then(Value::as_int)
                .is_some_and(|p| p > 1)
            {
                return Err("stream predictors are not supported".into());
            }
        }
        let mut data = raw.to_vec();
        for f in filters {
            data = match f {
                "FlateDecode" | "Fl" => inflate(&data, limits.max_stream)?,
                other => return Err(format!("unsupported stream filter /{other}")),
            };
        }
        if data.len() > limits.max_stream {
            return Err(format!(
                "stream is larger than the limit of {} bytes",
                limits.max_stream
            ));
        }
        Ok(data)
    }
}

fn inflate(data: &[u8], max: usize) -> Result<Vec<u8>, String> {
    match decompress_to_vec_zlib_with_limit(data, max) {
        Ok(v) => Ok(v),
        Err(e) => match e.status {
            miniz_oxide::inflate::TINFLStatus::HasMoreOutput => Err(format!(
                "stream inflates to more than the limit of {max} bytes"
            )),
            _ => Err("corrupt compressed data".into()),
        },
    }
}

fn followed_by_endstream(src: &[u8], end: usize) -> bool {
    let mut p = end;
    while src.get(p).is_some_and(|c| is_ws(*c)) && p < end + 4 {
        p += 1;
    }
    src.get(p..).is_some_and(|r| r.starts_with(b"endstream"))
}

/// `N G obj` ending at `at` (the position of "obj"): returns (N, G).
fn obj_header(src: &[u8], at: usize) -> Option<(u32, u16)> {
    // "obj" must be a whole token.
    if src.get(at + 3).is_some_and(|c| !is_ws(*c) && !is_delim(*c)) {
        return None;
    }
    let mut p = at;
    let ws = |p: &mut usize| -> bool {
        let s = *p;
        while *p > 0 && src.get(*p - 1).is_some_and(|c| is_ws(*c)) {
            *p -= 1;
        }
        *p < s
    };
    let digits = |p: &mut usize| -> Option<u64> {
        let e = *p;
        while *p > 0 && src.get(*p - 1).is_some_and(u8::is_ascii_digit) && e - *p < 10 {
            *p -= 1;
        }
        if *p == e {
            return None;
        }
        std::str::from_utf8(src.get(*p..e)?).ok()?.parse().ok()
    };
    if !ws(&mut p) {
        return None;
    }
    let gen = digits(&mut p)?;
    if !ws(&mut p) {
        return None;
    }
    let num = digits(&mut p)?;
    if p > 0 && src.get(p - 1).is_some_and(|c| !is_ws(*c) && !is_delim(*c)) {
        return None;
    }
    Some((u32::try_from(num).ok()?, u16::try_from(gen).ok()?))
}

fn is_ws(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n' | b'\x0c' | b'\0')
}

fn is_delim(c: u8) -> bool {
    matches!(
        c,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    let first = *needle.first()?;
    let mut i = from;
    while let Some(rest) = hay.get(i..) {
        let off = rest.iter().position(|&c| c == first)?;
        i += off;
        if hay.get(i..)?.starts_with(needle) {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// A small recursive-descent reader for PDF values, bounded in depth and size.
struct Parser<'s> {
    src: &'s [u8],
    pos: usize,
}

const MAX_DEPTH: usize = 64;
const MAX_ITEMS: usize = 1_000_000;

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.src.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(c) = self.peek() {
            if is_ws(c) {
                self.pos += 1;
            } else if c == b'%' {
                while let Some(c) = self.peek() {
                    if c == b'\n' || c == b'\r' {
                        break;
                    }
                    self.pos += 1;
                }
            } else {
                break;
            }
        }
    }

    fn value(&mut self, depth: usize) -> Option<Value> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.skip_ws();
        let c = self.peek()?;
        match c {
            b'/' => {
                self.pos += 1;
                Some(Value::Name(self.name()))
            }
            b'(' => self.literal_string().map(Value::Str),
            b'<' if self.src.get(self.pos + 1) == Some(&b'<') => {
                self.pos += 2;
                let mut items = Vec::new();
                loop {
                    self.skip_ws();
                    match self.peek()? {
                        b'>' => {
                            self.pos += 2;
                            return Some(Value::Dict(items));
                        }
                        b'/' => {
                            self.pos += 1;
                            let k = self.name();
                            let v = self.value(depth + 1)?;
                            if items.len() < MAX_ITEMS {
                                items.push((k, v));
                            }
                        }
                        _ => return None,
                    }
                }
            }
            b'<' => self.hex_string().map(Value::Str),
            b'[' => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_ws();
                    if self.peek()? == b']' {
                        self.pos += 1;
                        return Some(Value::Array(items));
                    }
                    let v = self.value(depth + 1)?;
                    if items.len() < MAX_ITEMS {
                        items.push(v);
                    }
                }
            }
            b'0'..=b'9' | b'+' | b'-' | b'.' => self.number(),
            _ => {
                let start = self.pos;
                while self.peek().is_some_and(|c| !is_ws(c) && !is_delim(c)) {
                    self.pos += 1;
                }
                match self.src.get(start..self.pos)? {
                    b"true" => Some(Value::Bool(true)),
                    b"false" => Some(Value::Bool(false)),
                    b"null" => Some(Value::Null),
                    _ => None,
                }
            }
        }
    }

    fn name(&mut self) -> String {
        let mut out = Vec::new();
        while let Some(c) = self.peek() {
            if is_ws(c) || is_delim(c) {
                break;
            }
            self.pos += 1;
            if c == b'#' {
                let h = self
                    .src
                    .get(self.pos..self.pos + 2)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                if let Some(b) = h {
                    out.push(b);
                    self.pos += 2;
                    continue;
                }
            }
            out.push(c);
        }
        String::from_utf8_lossy(&out).into_owned()
    }

    fn number(&mut self) -> Option<Value> {
        let start = self.pos;
        let int = |p: &mut Self| -> Option<&[u8]> {
            let s = p.pos;
            while p.peek().is_some_and(|c| c.is_ascii_digit()) {
                p.pos += 1;
            }
            p.src.get(s..p.pos)
        };
        if matches!(self.peek(), Some(b'+' | b'-')) {
            self.pos += 1;
        }
        int(self)?;
        if self.peek() == Some(b'.') {
            self.pos += 1;
            int(self)?;
            return Some(Value::Real);
        }
        let text = std::str::from_utf8(self.src.get(start..self.pos)?).ok()?;
        let n: i64 = text.parse().ok()?;
        // "N G R" is a reference.
        let save = self.pos;
        if n >= 0 {
            self.skip_ws();
            let gs = self.pos;
            if int(self).is_some_and(|g| !g.is_empty()) {
                let g = std::str::from_utf8(self.src.get(gs..self.pos)?)
                    .ok()
                    .and_then(|g| g.parse::<u16>().ok());
                self.skip_ws();
                if let Some(g) = g {
                    if self.peek() == Some(b'R')
                        && self
                            .src
                            .get(self.pos + 1)
                            .is_none_or(|c| is_ws(*c) || is_delim(*c))
                    {
                        self.pos += 1;
                        return Some(Value::Ref(u32::try_from(n).ok()?, g));
                    }
                }
            }
        }
        self.pos = save;
        Some(Value::Int(n))
    }

    fn literal_string(&mut self) -> Option<Vec<u8>> {
        self.pos += 1;
        let mut out = Vec::new();
        let mut depth = 1usize;
        loop {
            let c = self.peek()?;
            self.pos += 1;
            match c {
                b'\\' => {
                    let e = self.peek()?;
                    self.pos += 1;
                    match e {
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'\r' => {
                            if self.peek() == Some(b'\n') {
                                self.pos += 1;
                            }
                        }
                        b'\n' => {}
                        b'0'..=b'7' => {
                            let mut v = u32::from(e - b'0');
                            for _ in 0..2 {
                                match self.peek() {
                                    Some(d @ b'0'..=b'7') => {
                                        v = v * 8 + u32::from(d - b'0');
                                        self.pos += 1;
                                    }
                                    _ => break,
                                }
                            }
                            out.push((v & 0xff) as u8);
                        }
                        other => out.push(other),
                    }
                }
                b'(' => {
                    depth += 1;
                    out.push(c);
                }
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(out);
                    }
                    out.push(c);
                }
                _ => out.push(c),
            }
        }
    }

    fn hex_string(&mut self) -> Option<Vec<u8>> {
        self.pos += 1;
        let mut digits = Vec::new();
        loop {
            let c = self.peek()?;
            self.pos += 1;
            match c {
                b'>' => break,
                c if c.is_ascii_hexdigit() => digits.push(c),
                c if is_ws(c) => {}
                _ => return None,
            }
        }
        if digits.len() % 2 == 1 {
            digits.push(b'0');
        }
        Some(
            digits
                .chunks_exact(2)
                .filter_map(|h| {
                    std::str::from_utf8(h)
                        .ok()
                        .and_then(|h| u8::from_str_radix(h, 16).ok())
                })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn zlib(data: &[u8]) -> Vec<u8> {
        miniz_oxide::deflate::compress_to_vec_zlib(data, 6)
    }

    /// Build a small PDF with the given objects (the xref table is left out on purpose:
    /// the reader does not need it).
    fn pdf(objects: &[Vec<u8>]) -> Vec<u8> {
        let mut out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
        for (i, o) in objects.iter().enumerate() {
            out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
            out.extend_from_slice(o);
            out.extend_from_slice(b"\nendobj\n");
        }
        out.extend_from_slice(b"trailer\n<< /Root 1 0 R >>\n%%EOF\n");
        out
    }

    fn stream(dict: &str, data: &[u8]) -> Vec<u8> {
        let mut o = format!("<< {dict} /Length {} >>\nstream\n", data.len()).into_bytes();
        o.extend_from_slice(data);
        o.extend_from_slice(b"\nendstream");
        o
    }

    const XML: &[u8] = b"<?xml version=\"1.0\"?><rsm:CrossIndustryInvoice xmlns:rsm=\"urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100\"/>";

    #[test]
    fn finds_flate_compressed_factur_x() {
        let p = pdf(&[
            b"<< /Type /Catalog /Names << /EmbeddedFiles << /Names [(factur-x.xml) 2 0 R] >> >> >>".to_vec(),
            b"<< /Type /Filespec /F (factur\\055x.xml) /UF (factur-x.xml) /EF << /F 3 0 R >> /AFRelationship /Data >>".to_vec(),
            stream("/Type /EmbeddedFile /Subtype /text#2Fxml /Filter /FlateDecode", &zlib(XML)),
        ]);
        assert!(is_pdf(&p));
        let e = extract_invoice(&p, &PdfLimits::default()).unwrap();
        assert_eq!(e.filename.as_deref(), Some("factur-x.xml"));
        assert_eq!(e.xml, XML);
    }

    #[test]
    fn finds_filespec_in_object_stream_and_indirect_length() {
        let packed = b"<< /Type /Filespec /UF <FEFF007A007500670066006500720064002D0069006E0076006F006900630065002E0078006D006C> /EF << /F 4 0 R >> >>";
        let header = b"2 0 ";
        let mut body = header.to_vec();
        body.extend_from_slice(packed);
        let objstm = stream(
            &format!(
                "/Type /ObjStm /N 1 /First {} /Filter /FlateDecode",
                header.len()
            ),
            &zlib(&body),
        );
        let data = zlib(XML);
        let mut s =
            b"<< /Type /EmbeddedFile /Filter [/FlateDecode] /Length 5 0 R >>\nstream\r\n".to_vec();
        s.extend_from_slice(&data);
        s.extend_from_slice(b"\r\nendstream");
        let p = pdf(&[
            b"<< /Type /Catalog >>".to_vec(),
            b"null".to_vec(),
            objstm,
            s,
            data.len().to_string().into_bytes(),
        ]);
        let e = extract_invoice(&p, &PdfLimits::default()).unwrap();
        assert_eq!(e.filename.as_deref(), Some("zugferd-invoice.xml"));
        assert_eq!(e.xml, XML);
    }

    #[test]
    fn reports_missing_invoice_and_limits() {
        let p = pdf(&[
            b"<< /Type /Catalog >>".to_vec(),
            b"<< /Type /Filespec /F (notes.txt) /EF << /F 3 0 R >> >>".to_vec(),
            stream("/Type /EmbeddedFile", b"hello"),
        ]);
        match extract_invoice(&p, &PdfLimits::default()) {
            Err(PdfError::NoInvoice(names)) => assert_eq!(names, vec!["notes.txt".to_string()]),
            other => panic!("{other:?}"),
        }
        let big = pdf(&[
            b"<< /Type /Filespec /F (factur-x.xml) /EF << /F 2 0 R >> >>".to_vec(),
            stream(
                "/Type /EmbeddedFile /Filter /FlateDecode",
                &zlib(&vec![b'a'; 10_000]),
            ),
        ]);
        let lim = PdfLimits {
            max_stream: 1000,
            ..PdfLimits::default()
        };
        assert!(matches!(
            extract_invoice(&big, &lim),
            Err(PdfError::Undecodable(..))
        ));
        assert!(matches!(
            extract_invoice(
                b"%PDF-1.4\n1 0 obj << /Encrypt 2 0 R >> endobj trailer << /Encrypt 5 0 R >>",
                &PdfLimits::default()
            ),
            Err(PdfError::Encrypted)
        ));
    }

    #[test]
    fn survives_garbage() {
        let base = pdf(&[
            b"<< /Type /Filespec /F (factur-x.xml) /EF << /F 2 0 R >> >>".to_vec(),
            stream("/Type /EmbeddedFile /Filter /FlateDecode", &zlib(XML)),
        ]);
        for cut in 0..base.len() {
            let _ = extract_invoice(&base[..cut], &PdfLimits::default());
        }
        let mut x = base.clone();
        for i in 0..x.len() {
            x[i] = x[i].wrapping_mul(31).wrapping_add(i as u8);
            let _ = extract_invoice(&x, &PdfLimits::default());
            x[i] = base[i];
        }
        let deep = format!("%PDF-1.4\n1 0 obj {} endobj", "[".repeat(10_000));
        let _ = extract_invoice(deep.as_bytes(), &PdfLimits::default());
        let _ = extract_invoice(
            b"%PDF-1.4 obj obj 1 0 obj << /Length -5 >> stream",
            &PdfLimits::default(),
        );
    }
}
