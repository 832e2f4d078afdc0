//! The Peppol Business Message Envelope (SBDH, UN/CEFACT Standard Business Document Header
//! with the Peppol rules of envelope 2.0.x): the only payload an AS4 message carries. Writing
//! one around a UBL or CII document, and reading one back with every header field checked
//! against the identifiers and the business document it wraps.
//!
//! Parsed with `roxmltree`, which refuses DTDs, so no entity is ever expanded.

use std::{
    io::{BufReader, Read, Seek, SeekFrom, Write},
    ops::Range,
};

use chrono::{DateTime, SecondsFormat, Utc};
use roxmltree::{Document, Node};

use crate::identifiers::{
    DocumentTypeIdentifier, ParticipantIdentifier, ProcessIdentifier, DOCUMENT_TYPE_SCHEME,
    PARTICIPANT_SCHEME, PROCESS_SCHEME,
};

pub const SBDH_NAMESPACE: &str =
    "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader";

/// Why an SBD was not written or not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SbdhError {
    #[error("the business document is not well-formed XML without a DTD: {0}")]
    Payload(String),
    #[error("the SBD is not well-formed XML without a DTD: {0}")]
    Xml(String),
    #[error("the SBDH is invalid: {0}")]
    Invalid(String),
    /// The file holding the SBD could not be read: the reader's failure, not the sender's.
    #[error("the SBD cannot be read: {0}")]
    Unreadable(String),
}

fn invalid(why: impl Into<String>) -> SbdhError {
    SbdhError::Invalid(why.into())
}

/// What the header says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sbdh {
    pub sender: ParticipantIdentifier,
    pub receiver: ParticipantIdentifier,
    pub document_type: DocumentTypeIdentifier,
    pub process: ProcessIdentifier,
    /// `COUNTRY_C1`: the ISO 3166 code of the sender's country.
    pub country_c1: String,
    /// The document's unique id: the key for duplicates, MLS and reporting.
    pub instance_identifier: String,
    pub created: DateTime<Utc>,
}

/// A read SBD: the header, and where the business document is in the SBD's bytes and what
/// it needs to stand on its own. The document is not copied out: [`ParsedSbd::document`]
/// copies it, [`ParsedSbd::into_document`] makes it of the SBD's own buffer.
#[derive(Debug, Clone)]
pub struct ParsedSbd {
    pub header: Sbdh,
    /// The business document's element in the SBD.
    pub payload: Range<usize>,
    /// Where its root element's name ends in the SBD: where `inherited` goes.
    pub name_end: usize,
    /// The declarations (` xmlns:p="…"`) of the namespaces the document uses and inherits
    /// from the envelope rather than declares itself; mostly empty.
    pub inherited: String,
}

impl ParsedSbd {
    /// The business document standing on its own, copied out of `sbd` (the SBD this was
    /// read from).
    #[must_use]
    pub fn document(&self, sbd: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.payload.len() + self.inherited.len());
        out.extend_from_slice(&sbd[self.payload.start..self.name_end]);
        out.extend_from_slice(self.inherited.as_bytes());
        out.extend_from_slice(&sbd[self.name_end..self.payload.end]);
        out
    }

    /// The business document standing on its own, made of `sbd` (the SBD this was read
    /// from) where it lies: the envelope around it is cut away and the inherited
    /// declarations are put in, without a second buffer of the document's size.
    #[must_use]
    pub fn into_document(&self, mut sbd: Vec<u8>) -> Vec<u8> {
        sbd.truncate(self.payload.end);
        sbd.drain(..self.payload.start);
        if !self.inherited.is_empty() {
            let at = self.name_end - self.payload.start;
            sbd.splice(at..at, self.inherited.bytes());
        }
        sbd
    }
}

/// The parts of a document type identifier value
/// (`<root namespace>::<root name>##<customization>::<syntax version>`).
struct DocumentTypeParts<'a> {
    namespace: &'a str,
    local_name: &'a str,
    customization: &'a str,
    version: &'a str,
}

fn document_type_parts(
    document_type: &DocumentTypeIdentifier,
) -> Result<DocumentTypeParts<'_>, SbdhError> {
    let value = document_type.value();
    let (root, customization) = value
        .split_once("##")
        .ok_or_else(|| invalid("the document type has no '##' before the customization"))?;
    let (namespace, local_name) = root
        .rsplit_once("::")
        .ok_or_else(|| invalid("the document type does not name the root element"))?;
    let (customization, version) = customization
        .rsplit_once("::")
        .ok_or_else(|| invalid("the document type names no syntax version"))?;
    if namespace.is_empty()
        || local_name.is_empty()
        || customization.is_empty()
        || version.is_empty()
    {
        return Err(invalid("the document type has an empty part"));
    }
    Ok(DocumentTypeParts {
        namespace,
        local_name,
        customization,
        version,
    })
}

/// `COUNTRY_C1` is two upper-case letters or digits.
fn valid_country(code: &str) -> bool {
    code.len() == 2
        && code
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// The root element of a business document, checked against the document type.
fn check_root(root: Node<'_, '_>, parts: &DocumentTypeParts<'_>) -> Result<(), SbdhError> {
    let namespace = root.tag_name().namespace().unwrap_or("");
    if namespace != parts.namespace || root.tag_name().name() != parts.local_name {
        return Err(invalid(format!(
            "the business document is {{{namespace}}}{}, the document type names {{{}}}{}",
            root.tag_name().name(),
            parts.namespace,
            parts.local_name
        )));
    }
    Ok(())
}

const UBL_CBC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";
const CII_RSM: &str = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100";
const CII_RAM: &str =
    "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100";

/// What a business document says of itself: its specification identifier and business
/// process, as UBL (`cbc:CustomizationID`, `cbc:ProfileID`, children of the root) or CII (the
/// `ram:ID` of the guideline and of the business process in `rsm:ExchangedDocumentContext`)
/// writes them, or as other Peppol documents (the reports) do: `CustomizationID` and
/// `ProfileID` children of the root in its own namespace. The first is `None` when the
/// document names none.
fn declared_ids(root: Node<'_, '_>) -> (Option<String>, Option<String>) {
    if let Some(context) = root
        .children()
        .find(|n| n.has_tag_name((CII_RSM, "ExchangedDocumentContext")))
    {
        let id_in = |local: &str| {
            context
                .children()
                .find(|n| n.has_tag_name((CII_RAM, local)))
                .and_then(|p| p.children().find(|n| n.has_tag_name((CII_RAM, "ID"))))
                .map(text_of)
        };
        return (
            id_in("GuidelineSpecifiedDocumentContextParameter"),
            id_in("BusinessProcessSpecifiedDocumentContextParameter"),
        );
    }
    let own = root.tag_name().namespace().unwrap_or("");
    let child = |local: &str| {
        root.children()
            .find(|n| n.has_tag_name((UBL_CBC, local)) || n.has_tag_name((own, local)))
            .map(text_of)
    };
    (child("CustomizationID"), child("ProfileID"))
}

/// Whether the document is of a syntax that always names its specification identifier.
fn must_declare(root: Node<'_, '_>) -> bool {
    let namespace = root.tag_name().namespace().unwrap_or("");
    namespace.starts_with("urn:oasis:names:specification:ubl:schema:xsd:") || namespace == CII_RSM
}

/// The business document's own identifiers, checked against the document type and process
/// of the header.
fn check_declared(
    root: Node<'_, '_>,
    parts: &DocumentTypeParts<'_>,
    process: &ProcessIdentifier,
) -> Result<(), SbdhError> {
    let (customization, profile) = declared_ids(root);
    match customization {
        None if must_declare(root) => {
            return Err(invalid(
                "the business document names no specification identifier (CustomizationID)",
            ))
        }
        Some(found) if found != parts.customization => {
            return Err(invalid(format!(
                "the business document's specification identifier (CustomizationID) {found} is not the document type's {}",
                parts.customization
            )))
        }
        _ => {}
    }
    // A missing process is the validation's to report (PEPPOL-EN16931-R001 and the like).
    if let Some(found) = profile {
        if found != process.value() {
            return Err(invalid(format!(
                "the business document's business process (ProfileID) {found} is not the PROCESSID scope {}",
                process.value()
            )));
        }
    }
    Ok(())
}

/// An SBD ready to be written: the header, the business document (borrowed) and the closing
/// tag, so that it can be written out, into gzip say, without being built in memory.
#[derive(Debug, Clone)]
pub struct Wrapped<'a> {
    /// The XML declaration, the SBD's start tag and the whole header.
    head: String,
    /// The business document as written, without its XML declaration or prolog.
    document: &'a [u8],
    /// The business document's root element: namespace and local name.
    root: (String, String),
}

const TAIL: &str = "</sh:StandardBusinessDocument>";

impl Wrapped<'_> {
    /// Writes the SBD to `out`.
    ///
    /// # Errors
    /// When `out` fails.
    pub fn write_to(&self, mut out: impl Write) -> std::io::Result<()> {
        out.write_all(self.head.as_bytes())?;
        out.write_all(self.document)?;
        out.write_all(TAIL.as_bytes())
    }

    /// The SBD's length in bytes.
    #[must_use]
    pub fn len(&self) -> usize {
        self.head.len() + self.document.len() + TAIL.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The SBD in one buffer.
    #[must_use]
    pub fn to_vec(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.len());
        out.extend_from_slice(self.head.as_bytes());
        out.extend_from_slice(self.document);
        out.extend_from_slice(TAIL.as_bytes());
        out
    }

    /// Reads the header back as a receiver will, every rule of [`parse_header`] checked,
    /// over the header with an empty root element of the business document's name in place
    /// of the document (whose root [`wrap`] has checked).
    ///
    /// # Errors
    /// An [`SbdhError`] naming the first rule broken.
    pub fn read_header(&self) -> Result<Sbdh, SbdhError> {
        let (namespace, local) = &self.root;
        let stand_in = format!(
            "{}<{local} xmlns=\"{}\"/>{TAIL}",
            self.head,
            escape(namespace)
        );
        parse_header(stand_in.as_bytes())
    }
}

/// Wraps `payload` (a UBL or CII document) in an SBD with the header `header`, to be written
/// with [`Wrapped::write_to`]. Standard, Type and TypeVersion come from the document type,
/// which must name the payload's root element.
///
/// # Errors
/// When the payload is not well-formed XML, has a DTD, or is not what the document type names,
/// or the country code is not two upper-case letters or digits.
pub fn wrap<'a>(header: &Sbdh, payload: &'a [u8]) -> Result<Wrapped<'a>, SbdhError> {
    let text = std::str::from_utf8(payload).map_err(|e| SbdhError::Payload(e.to_string()))?;
    let doc = Document::parse(text).map_err(|e| SbdhError::Payload(e.to_string()))?;
    let parts = document_type_parts(&header.document_type)?;
    check_root(doc.root_element(), &parts)?;
    if !valid_country(&header.country_c1) {
        return Err(invalid(
            "COUNTRY_C1 must be two upper-case letters or digits",
        ));
    }
    if header.instance_identifier.trim().is_empty() {
        return Err(invalid("the InstanceIdentifier is empty"));
    }
    let head = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
<sh:StandardBusinessDocument xmlns:sh=\"{SBDH_NAMESPACE}\"><sh:StandardBusinessDocumentHeader>\
<sh:HeaderVersion>1.0</sh:HeaderVersion>\
<sh:Sender><sh:Identifier Authority=\"{PARTICIPANT_SCHEME}\">{sender}</sh:Identifier></sh:Sender>\
<sh:Receiver><sh:Identifier Authority=\"{PARTICIPANT_SCHEME}\">{receiver}</sh:Identifier></sh:Receiver>\
<sh:DocumentIdentification><sh:Standard>{standard}</sh:Standard><sh:TypeVersion>{version}</sh:TypeVersion>\
<sh:InstanceIdentifier>{instance}</sh:InstanceIdentifier><sh:Type>{local}</sh:Type>\
<sh:CreationDateAndTime>{created}</sh:CreationDateAndTime></sh:DocumentIdentification>\
<sh:BusinessScope>\
<sh:Scope><sh:Type>DOCUMENTID</sh:Type><sh:InstanceIdentifier>{document_type}</sh:InstanceIdentifier><sh:Identifier>{DOCUMENT_TYPE_SCHEME}</sh:Identifier></sh:Scope>\
<sh:Scope><sh:Type>PROCESSID</sh:Type><sh:InstanceIdentifier>{process}</sh:InstanceIdentifier><sh:Identifier>{PROCESS_SCHEME}</sh:Identifier></sh:Scope>\
<sh:Scope><sh:Type>COUNTRY_C1</sh:Type><sh:InstanceIdentifier>{country}</sh:InstanceIdentifier></sh:Scope>\
</sh:BusinessScope></sh:StandardBusinessDocumentHeader>",
        sender = escape(header.sender.value()),
        receiver = escape(header.receiver.value()),
        standard = escape(parts.namespace),
        version = escape(parts.version),
        instance = escape(&header.instance_identifier),
        local = escape(parts.local_name),
        created = header.created.to_rfc3339_opts(SecondsFormat::Millis, true),
        document_type = escape(header.document_type.value()),
        process = escape(header.process.value()),
        country = header.country_c1,
    );
    Ok(Wrapped {
        head,
        document: &payload[doc.root_element().range()],
        root: (parts.namespace.to_owned(), parts.local_name.to_owned()),
    })
}

/// Wraps `payload` in an SBD, as [`wrap`], and writes it into one buffer.
///
/// # Errors
/// As [`wrap`].
pub fn write(header: &Sbdh, payload: &[u8]) -> Result<Vec<u8>, SbdhError> {
    Ok(wrap(header, payload)?.to_vec())
}

/// Escapes text for element content and attribute values.
#[must_use]
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

fn sbdh_children<'a, 'i: 'a>(
    node: Node<'a, 'i>,
    local: &'static str,
) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
    node.children()
        .filter(move |n| n.has_tag_name((SBDH_NAMESPACE, local)))
}

fn one<'a, 'i: 'a>(node: Node<'a, 'i>, local: &'static str) -> Result<Node<'a, 'i>, SbdhError> {
    let mut found = sbdh_children(node, local);
    match (found.next(), found.next()) {
        (Some(n), None) => Ok(n),
        (None, _) => Err(invalid(format!("{local} is missing"))),
        (Some(_), Some(_)) => Err(invalid(format!("{local} occurs more than once"))),
    }
}

fn text_of(node: Node<'_, '_>) -> String {
    node.text().unwrap_or("").trim().to_owned()
}

fn party(header: Node<'_, '_>, local: &'static str) -> Result<ParticipantIdentifier, SbdhError> {
    let identifier = one(one(header, local)?, "Identifier")?;
    if identifier.attribute("Authority") != Some(PARTICIPANT_SCHEME) {
        return Err(invalid(format!(
            "the {local} identifier's Authority must be {PARTICIPANT_SCHEME}"
        )));
    }
    ParticipantIdentifier::from_value(&text_of(identifier))
        .map_err(|e| invalid(format!("the {local} identifier: {e}")))
}

/// Reads an SBD and checks the header against the Peppol rules and the business document.
///
/// # Errors
/// An [`SbdhError`] naming the first rule broken.
pub fn parse(sbd: &[u8]) -> Result<ParsedSbd, SbdhError> {
    parse_checked(sbd, false)
}

/// As [`parse`], and the business document must say of itself what the header says of it:
/// its specification identifier (UBL `cbc:CustomizationID`, CII guideline) is the document
/// type's customization, and its business process (UBL `cbc:ProfileID`, CII business
/// process), when it names one, is the PROCESSID scope. What a receiving access point checks
/// before it takes a document for the addressee.
///
/// # Errors
/// An [`SbdhError`] naming the first rule broken.
pub fn parse_received(sbd: &[u8]) -> Result<ParsedSbd, SbdhError> {
    parse_checked(sbd, true)
}

fn parse_checked(sbd: &[u8], declared: bool) -> Result<ParsedSbd, SbdhError> {
    let (header, (payload, name_end, inherited)) = read(sbd, declared, |text, element| {
        let (name_end, inherited) = inherited(text, element);
        (element.range(), name_end, inherited)
    })?;
    Ok(ParsedSbd {
        header,
        payload,
        name_end,
        inherited,
    })
}

/// As [`parse`], every check included, without copying the business document out: what a
/// sender needs, which has the document already.
///
/// # Errors
/// An [`SbdhError`] naming the first rule broken.
pub fn parse_header(sbd: &[u8]) -> Result<Sbdh, SbdhError> {
    read(sbd, false, |_, _| ()).map(|(header, ())| header)
}

/// The checked header, and what `payload_of` makes of the business document's element.
fn read<T>(
    sbd: &[u8],
    declared: bool,
    payload_of: impl FnOnce(&str, Node<'_, '_>) -> T,
) -> Result<(Sbdh, T), SbdhError> {
    let text = std::str::from_utf8(sbd).map_err(|e| SbdhError::Xml(e.to_string()))?;
    let doc = Document::parse(text).map_err(|e| SbdhError::Xml(e.to_string()))?;
    let root = doc.root_element();
    if !root.has_tag_name((SBDH_NAMESPACE, "StandardBusinessDocument")) {
        return Err(invalid(
            "the document element is not a StandardBusinessDocument",
        ));
    }
    let mut elements = root.children().filter(Node::is_element);
    let header = elements
        .next()
        .filter(|n| n.has_tag_name((SBDH_NAMESPACE, "StandardBusinessDocumentHeader")))
        .ok_or_else(|| invalid("the StandardBusinessDocumentHeader is not the first element"))?;
    let payload = elements
        .next()
        .ok_or_else(|| invalid("there is no business document after the header"))?;
    if elements.next().is_some() {
        return Err(invalid("there is more than one business document"));
    }
    if text_of(one(header, "HeaderVersion")?) != "1.0" {
        return Err(invalid("the HeaderVersion must be 1.0"));
    }
    let sender = party(header, "Sender")?;
    let receiver = party(header, "Receiver")?;

    let identification = one(header, "DocumentIdentification")?;
    let standard = text_of(one(identification, "Standard")?);
    let type_version = text_of(one(identification, "TypeVersion")?);
    let instance_identifier = text_of(one(identification, "InstanceIdentifier")?);
    let document_name = text_of(one(identification, "Type")?);
    let created_text = text_of(one(identification, "CreationDateAndTime")?);
    if instance_identifier.is_empty() {
        return Err(invalid("the InstanceIdentifier is empty"));
    }
    let created = DateTime::parse_from_rfc3339(&created_text)
        .map_err(|_| invalid("the CreationDateAndTime is not a date and time with an offset"))?
        .with_timezone(&Utc);

    let mut document_type = None;
    let mut process = None;
    let mut country_c1 = None;
    for scope in sbdh_children(one(header, "BusinessScope")?, "Scope") {
        let kind = text_of(one(scope, "Type")?);
        let value = text_of(one(scope, "InstanceIdentifier")?);
        let scheme = sbdh_children(scope, "Identifier").next().map(text_of);
        let (slot, default_scheme) = match kind.as_str() {
            "DOCUMENTID" => (&mut document_type, Some(DOCUMENT_TYPE_SCHEME)),
            "PROCESSID" => (&mut process, Some(PROCESS_SCHEME)),
            "COUNTRY_C1" => (&mut country_c1, None),
            // MLS_TO, MLS_TYPE and other scopes are not needed to deliver.
            _ => continue,
        };
        if slot.is_some() {
            return Err(invalid(format!("the {kind} scope occurs more than once")));
        }
        if let (Some(expected), Some(scheme)) = (default_scheme, scheme.as_deref()) {
            if scheme != expected {
                return Err(invalid(format!(
                    "the {kind} scope's scheme must be {expected}"
                )));
            }
        }
        *slot = Some(value);
    }
    let document_type = DocumentTypeIdentifier::from_value(
        &document_type.ok_or_else(|| invalid("the DOCUMENTID scope is missing"))?,
    )
    .map_err(|e| invalid(format!("the DOCUMENTID scope: {e}")))?;
    let process = ProcessIdentifier::from_value(
        &process.ok_or_else(|| invalid("the PROCESSID scope is missing"))?,
    )
    .map_err(|e| invalid(format!("the PROCESSID scope: {e}")))?;
    let country_c1 = country_c1.ok_or_else(|| invalid("the COUNTRY_C1 scope is missing"))?;
    if !valid_country(&country_c1) {
        return Err(invalid(
            "COUNTRY_C1 must be two upper-case letters or digits",
        ));
    }

    let parts = document_type_parts(&document_type)?;
    if standard != parts.namespace {
        return Err(invalid(
            "the Standard is not the document type's root namespace",
        ));
    }
    if document_name != parts.local_name {
        return Err(invalid(
            "the Type is not the document type's root element name",
        ));
    }
    if type_version != parts.version {
        return Err(invalid(
            "the TypeVersion is not the document type's syntax version",
        ));
    }
    check_root(payload, &parts)?;
    if declared {
        check_declared(payload, &parts, &process)?;
    }

    Ok((
        Sbdh {
            sender,
            receiver,
            document_type,
            process,
            country_c1,
            instance_identifier,
            created,
        },
        payload_of(text, payload),
    ))
}

/// Most bytes of an SBD read before its business document starts (the prolog, the envelope's
/// start tag and the header): a header is a few kilobytes.
pub const MAX_HEAD_BYTES: u64 = 1024 * 1024;

/// A received SBD read from a file: its checked header and the business document standing
/// on its own (with the namespace declarations it inherited from the envelope).
#[derive(Debug, Clone)]
pub struct ReceivedSbd {
    pub header: Sbdh,
    pub document: Vec<u8>,
}

/// As [`parse_received`], over an SBD in a file (a received payload, decompressed into a
/// spool file), holding no more than the business document: the header is read up to the
/// document's start tag (at most [`MAX_HEAD_BYTES`]) and checked with every rule of
/// [`parse_received`] over itself and an empty element standing for the document; the
/// document is then read into a buffer of its own between the envelope's start and end tags,
/// parsed there (well-formed, without a DTD, one element), checked against the document type
/// and process, and cut down to itself where it lies.
///
/// # Errors
/// An [`SbdhError`] naming the first rule broken; `Xml` when the file cannot be read.
pub fn read_received(file: &mut (impl Read + Seek)) -> Result<ReceivedSbd, SbdhError> {
    let io = |e: std::io::Error| SbdhError::Unreadable(e.to_string());
    let length = file.seek(SeekFrom::End(0)).map_err(io)?;
    file.seek(SeekFrom::Start(0)).map_err(io)?;
    let head = read_head(&mut *file)?;

    // The header's rules, over the header and a stand-in for the document.
    let mut stand_in = vec![0u8; usize::try_from(head.header_end).unwrap_or(usize::MAX)];
    file.seek(SeekFrom::Start(0)).map_err(io)?;
    file.read_exact(&mut stand_in).map_err(io)?;
    stand_in.extend_from_slice(head.payload_empty.as_bytes());
    stand_in.extend_from_slice(head.root_end.as_bytes());
    let header = parse_header(&stand_in)?;
    drop(stand_in);

    // The document between the envelope's tags, in the envelope's start tag (its namespace
    // declarations are what the document may inherit) and end tag.
    let close = root_close(&mut *file, length, &head.root_end)?;
    let inner = close
        .checked_sub(head.payload_start)
        .and_then(|n| usize::try_from(n).ok())
        .ok_or_else(|| invalid("there is no business document after the header"))?;
    let mut buffer = Vec::with_capacity(head.root_start.len() + inner + head.root_end.len() + 4096);
    buffer.extend_from_slice(head.root_start.as_bytes());
    file.seek(SeekFrom::Start(head.payload_start)).map_err(io)?;
    file.take(inner as u64)
        .read_to_end(&mut buffer)
        .map_err(io)?;
    if buffer.len() != head.root_start.len() + inner {
        return Err(SbdhError::Unreadable(
            "the file ended while it was read".into(),
        ));
    }
    buffer.extend_from_slice(head.root_end.as_bytes());
    let (range, name_end, inherited) = {
        let text = std::str::from_utf8(&buffer).map_err(|e| SbdhError::Xml(e.to_string()))?;
        let doc = Document::parse(text).map_err(|e| SbdhError::Xml(e.to_string()))?;
        let mut elements = doc.root_element().children().filter(Node::is_element);
        let payload = elements
            .next()
            .ok_or_else(|| invalid("there is no business document after the header"))?;
        if elements.next().is_some() {
            return Err(invalid("there is more than one business document"));
        }
        let parts = document_type_parts(&header.document_type)?;
        check_root(payload, &parts)?;
        check_declared(payload, &parts, &header.process)?;
        let (name_end, inherited) = inherited(text, payload);
        (payload.range(), name_end, inherited)
    };
    // Cut down where it lies, as `ParsedSbd::into_document` does.
    let document = ParsedSbd {
        header,
        payload: range,
        name_end,
        inherited,
    };
    let header = document.header.clone();
    Ok(ReceivedSbd {
        document: document.into_document(buffer),
        header,
    })
}

/// What [`read_head`] finds before the business document.
struct Head {
    /// The envelope's start tag as written, and the end tag that closes it.
    root_start: String,
    root_end: String,
    /// Where the header ends, and where the business document's start tag begins.
    header_end: u64,
    payload_start: u64,
    /// The document's start tag as an empty element (`<Invoice xmlns="…"/>`).
    payload_empty: String,
}

/// Reads the SBD up to the business document's start tag: no DTD, at most
/// [`MAX_HEAD_BYTES`].
fn read_head(file: impl Read) -> Result<Head, SbdhError> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(BufReader::new(file.take(MAX_HEAD_BYTES)));
    let mut buf = Vec::new();
    let mut depth = 0usize;
    let mut root: Option<(String, String)> = None;
    let mut header_end = None;
    let text = |bytes: &[u8]| {
        std::str::from_utf8(bytes)
            .map(str::to_owned)
            .map_err(|e| SbdhError::Xml(e.to_string()))
    };
    loop {
        let before = reader.buffer_position();
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| SbdhError::Xml(e.to_string()))?;
        let after = reader.buffer_position();
        match event {
            Event::DocType(_) => return Err(SbdhError::Xml("a DTD is not allowed".into())),
            Event::Eof => {
                return Err(invalid(format!(
                    "no business document within the first {MAX_HEAD_BYTES} bytes of the SBD"
                )))
            }
            Event::Start(ref tag) | Event::Empty(ref tag) => {
                let empty = matches!(event, Event::Empty(_));
                let written = text(tag)?;
                match (depth, header_end) {
                    (0, _) => {
                        if empty {
                            return Err(invalid(
                                "the StandardBusinessDocumentHeader is not the first element",
                            ));
                        }
                        let name = text(tag.name().as_ref())?;
                        root = Some((format!("<{written}>"), format!("</{name}>")));
                    }
                    (1, Some(header_end)) => {
                        let (root_start, root_end) = root.take().ok_or_else(|| {
                            SbdhError::Xml("an element outside the envelope".into())
                        })?;
                        return Ok(Head {
                            root_start,
                            root_end,
                            header_end,
                            payload_start: before,
                            payload_empty: format!("<{written}/>"),
                        });
                    }
                    (1, None) if empty => header_end = Some(after),
                    _ => {}
                }
                if !empty {
                    depth += 1;
                }
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                match depth {
                    0 => return Err(invalid("there is no business document after the header")),
                    1 if header_end.is_none() => header_end = Some(after),
                    _ => {}
                }
            }
            _ => {}
        }
        buf.clear();
    }
}

/// Where the envelope's end tag `root_end` starts: the last tag of the file, after which
/// only white space, comments and processing instructions may follow.
fn root_close(
    file: &mut (impl Read + Seek),
    length: u64,
    root_end: &str,
) -> Result<u64, SbdhError> {
    let io = |e: std::io::Error| SbdhError::Unreadable(e.to_string());
    let window = length.min(64 * 1024);
    let start = length - window;
    let mut tail = vec![0u8; usize::try_from(window).unwrap_or(0)];
    file.seek(SeekFrom::Start(start)).map_err(io)?;
    file.read_exact(&mut tail).map_err(io)?;
    let mut end = tail.len();
    loop {
        while end > 0 && tail[end - 1].is_ascii_whitespace() {
            end -= 1;
        }
        let rest = &tail[..end];
        let opener: &[u8] = if rest.ends_with(b"-->") {
            b"<!--"
        } else if rest.ends_with(b"?>") {
            b"<?"
        } else {
            break;
        };
        end = rest
            .windows(opener.len())
            .rposition(|w| w == opener)
            .ok_or_else(|| SbdhError::Xml("the SBD ends in a broken comment".into()))?;
    }
    let close = tail[..end]
        .windows(2)
        .rposition(|w| w == b"</")
        .filter(|&at| {
            let written = &tail[at..end];
            let name = &root_end.as_bytes()[..root_end.len() - 1];
            written.starts_with(name)
                && written.ends_with(b">")
                && written[name.len()..written.len() - 1]
                    .iter()
                    .all(u8::is_ascii_whitespace)
        })
        .ok_or_else(|| {
            SbdhError::Xml("the SBD does not end with the end tag of its envelope".into())
        })?;
    Ok(start + close as u64)
}

/// Where the element's name ends in `text`, and the declarations of the namespaces it and
/// its subtree use that it inherits (and does not itself make): what its start tag needs
/// so that it stands on its own.
fn inherited(text: &str, element: Node<'_, '_>) -> (usize, String) {
    let range: Range<usize> = element.range();
    let source = &text[range.clone()];
    let tag_end = start_tag_end(source);
    let start_tag = &source[..tag_end];
    // The prefixes the subtree uses ("" for the default namespace).
    let mut used: Vec<&str> = Vec::new();
    for node in element.descendants().filter(Node::is_element) {
        let name = &text[node.range().start + 1..];
        let name = &name[..name
            .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
            .unwrap_or(name.len())];
        used.push(name.split_once(':').map_or("", |(p, _)| p));
        for attribute in node.attributes() {
            if let Some((p, _)) = text[attribute.range_qname()].split_once(':') {
                used.push(p);
            }
        }
    }
    let mut added = String::new();
    for ns in element.namespaces() {
        let prefix = ns.name().unwrap_or("");
        if prefix == "xml" || !used.contains(&prefix) {
            continue;
        }
        let declaration = if prefix.is_empty() {
            "xmlns".to_owned()
        } else {
            format!("xmlns:{prefix}")
        };
        if !declares(start_tag, &declaration) {
            added.push_str(&format!(" {declaration}=\"{}\"", escape(ns.uri())));
        }
    }
    let name_end = source[1..]
        .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
        .map_or(tag_end, |i| i + 1);
    (range.start + name_end, added)
}

/// Where the start tag ends (the index of its `>`), skipping quoted attribute values.
fn start_tag_end(source: &str) -> usize {
    let mut quote = None;
    for (i, c) in source.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return i,
            _ => {}
        }
    }
    source.len()
}

/// Whether a start tag has the attribute `name` (`xmlns`, `xmlns:p`).
fn declares(start_tag: &str, name: &str) -> bool {
    start_tag.match_indices(name).any(|(i, _)| {
        let before = start_tag[..i].chars().last();
        let after = start_tag[i + name.len()..].trim_start().chars().next();
        before.is_some_and(char::is_whitespace) && after == Some('=')
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::identifiers::BIS_BILLING_INVOICE;

    const INVOICE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"><cbc:ID>INV-1</cbc:ID></Invoice>"#;

    fn header() -> Sbdh {
        Sbdh {
            sender: ParticipantIdentifier::from_value("0208:0000000004").unwrap(),
            receiver: ParticipantIdentifier::from_value("0208:0000000002").unwrap(),
            document_type: DocumentTypeIdentifier::from_value(BIS_BILLING_INVOICE).unwrap(),
            process: ProcessIdentifier::billing(),
            country_c1: "BE".into(),
            instance_identifier: "4b8e6f0a-0000-4000-8000-000000000001".into(),
            created: DateTime::parse_from_rfc3339("2026-12-01T10:00:00.000Z")
                .unwrap()
                .with_timezone(&Utc),
        }
    }

    fn written() -> String {
        String::from_utf8(write(&header(), INVOICE.as_bytes()).unwrap()).unwrap()
    }

    #[test]
    fn what_is_written_reads_back_with_the_same_header_and_document() {
        let sbd = written();
        assert!(sbd.contains(
            "<sh:Standard>urn:oasis:names:specification:ubl:schema:xsd:Invoice-2</sh:Standard>"
        ));
        assert!(sbd.contains("<sh:TypeVersion>2.1</sh:TypeVersion>"));
        assert!(sbd.contains("<sh:Type>Invoice</sh:Type>"));
        let parsed = parse(sbd.as_bytes()).unwrap();
        assert_eq!(parsed.header, header());
        let start = INVOICE.find("<Invoice").unwrap();
        assert_eq!(
            parsed.document(sbd.as_bytes()),
            &INVOICE.as_bytes()[start..]
        );
        assert_eq!(
            parsed.into_document(sbd.into_bytes()),
            &INVOICE.as_bytes()[start..]
        );
    }

    #[test]
    fn a_document_other_than_the_document_type_names_is_not_wrapped() {
        let credit_note =
            r#"<CreditNote xmlns="urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"/>"#;
        assert!(matches!(
            write(&header(), credit_note.as_bytes()),
            Err(SbdhError::Invalid(_))
        ));
        let with_dtd = "<!DOCTYPE Invoice [<!ENTITY x \"y\">]><Invoice xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:Invoice-2\">&x;</Invoice>";
        assert!(matches!(
            write(&header(), with_dtd.as_bytes()),
            Err(SbdhError::Payload(_))
        ));
        let mut bad_country = header();
        bad_country.country_c1 = "be".into();
        assert!(write(&bad_country, INVOICE.as_bytes()).is_err());
    }

    fn broken(from: &str, to: &str) -> SbdhError {
        let sbd = written();
        assert!(sbd.contains(from), "{from}");
        parse(sbd.replacen(from, to, 1).as_bytes()).unwrap_err()
    }

    #[test]
    fn every_header_rule_is_checked() {
        let cases = [
            ("<sh:HeaderVersion>1.0", "<sh:HeaderVersion>2.0"),
            ("Authority=\"iso6523-actorid-upis\">0208:0000000004", "Authority=\"other\">0208:0000000004"),
            (">0208:0000000004<", ">not-a-participant<"),
            ("<sh:TypeVersion>2.1", "<sh:TypeVersion>2.2"),
            ("<sh:Type>Invoice</sh:Type>", "<sh:Type>CreditNote</sh:Type>"),
            ("<sh:Standard>urn:oasis", "<sh:Standard>urn:other"),
            ("<sh:InstanceIdentifier>4b8e", "<sh:InstanceIdentifier> </sh:InstanceIdentifier><sh:X>"),
            ("2026-12-01T10:00:00.000Z", "yesterday"),
            ("<sh:InstanceIdentifier>BE<", "<sh:InstanceIdentifier>Belgium<"),
            ("<sh:Type>COUNTRY_C1", "<sh:Type>OTHER"),
            ("<sh:Type>PROCESSID", "<sh:Type>NOT_PROCESSID"),
            ("<sh:Identifier>cenbii-procid-ubl", "<sh:Identifier>other-procid-ubl"),
            ("<Invoice xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:Invoice-2\"", "<Invoice xmlns=\"urn:other\""),
            ("</sh:StandardBusinessDocumentHeader>", "</sh:StandardBusinessDocumentHeader><Extra/>"),
            ("<sh:Sender>", "<sh:Sender><sh:Identifier Authority=\"iso6523-actorid-upis\">0208:1</sh:Identifier>"),
        ];
        for (from, to) in cases {
            assert!(
                matches!(broken(from, to), SbdhError::Invalid(_) | SbdhError::Xml(_)),
                "{from} -> {to}"
            );
            // The sender's header-only reading checks the same rules.
            let changed = written().replacen(from, to, 1);
            assert_eq!(
                parse_header(changed.as_bytes()).unwrap_err(),
                broken(from, to),
                "{from} -> {to}"
            );
        }
        let sbd = written();
        assert_eq!(
            parse_header(sbd.as_bytes()).unwrap(),
            parse(sbd.as_bytes()).unwrap().header
        );
        assert!(matches!(
            parse(b"<!DOCTYPE x [<!ENTITY a \"b\">]><x>&a;</x>"),
            Err(SbdhError::Xml(_))
        ));
    }

    #[test]
    fn a_received_document_must_declare_the_envelopes_document_type_and_process() {
        let declaring = |customization: &str, profile: &str| {
            format!(
                r#"<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">{customization}{profile}<cbc:ID>INV-1</cbc:ID></Invoice>"#
            )
        };
        let bis = "<cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0</cbc:CustomizationID>";
        let billing = "<cbc:ProfileID>urn:fdc:peppol.eu:2017:poacc:billing:01:1.0</cbc:ProfileID>";
        let received = |document: String| {
            let sbd = write(&header(), document.as_bytes()).unwrap();
            parse_received(&sbd)
        };
        assert!(received(declaring(bis, billing)).is_ok());
        // The process is the validation's to require; when named it must be the scope's.
        assert!(received(declaring(bis, "")).is_ok());
        let other_process = received(declaring(
            bis,
            "<cbc:ProfileID>urn:fdc:peppol.eu:2017:poacc:selfbilling:01:1.0</cbc:ProfileID>",
        ))
        .unwrap_err();
        assert!(
            other_process.to_string().contains("ProfileID"),
            "{other_process}"
        );
        let nlcius = received(declaring(
            "<cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:fdc:nen.nl:nlcius:v1.0</cbc:CustomizationID>",
            billing,
        ))
        .unwrap_err();
        assert!(nlcius.to_string().contains("nlcius"), "{nlcius}");
        assert!(received(declaring("", billing)).is_err());
        // The sender's reading and the plain one do not look into the document.
        let sbd = write(&header(), INVOICE.as_bytes()).unwrap();
        assert!(parse(&sbd).is_ok());
        assert!(parse_received(&sbd).is_err());

        // CII: the guideline and the business process of the document context.
        let cii_type = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100::CrossIndustryInvoice##urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::D16B";
        let cii = |guideline: &str| {
            format!(
                r#"<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100" xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"><rsm:ExchangedDocumentContext><ram:BusinessProcessSpecifiedDocumentContextParameter><ram:ID>urn:fdc:peppol.eu:2017:poacc:billing:01:1.0</ram:ID></ram:BusinessProcessSpecifiedDocumentContextParameter><ram:GuidelineSpecifiedDocumentContextParameter><ram:ID>{guideline}</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter></rsm:ExchangedDocumentContext></rsm:CrossIndustryInvoice>"#
            )
        };
        let mut cii_header = header();
        cii_header.document_type = DocumentTypeIdentifier::from_value(cii_type).unwrap();
        let sbd = write(
            &cii_header,
            cii("urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0")
                .as_bytes(),
        )
        .unwrap();
        assert!(parse_received(&sbd).is_ok());
        let sbd = write(&cii_header, cii("urn:cen.eu:en16931:2017").as_bytes()).unwrap();
        assert!(parse_received(&sbd).is_err());
    }

    /// An SBD whose document declares the BIS customization and process, as received ones
    /// must; `inherit` moves the document's `cbc` declaration to the envelope.
    fn declaring_sbd(inherit: bool) -> String {
        let document = r#"<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"><cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0</cbc:CustomizationID><cbc:ProfileID>urn:fdc:peppol.eu:2017:poacc:billing:01:1.0</cbc:ProfileID><cbc:ID>INV-1</cbc:ID></Invoice>"#;
        let sbd = String::from_utf8(write(&header(), document.as_bytes()).unwrap()).unwrap();
        if !inherit {
            return sbd;
        }
        sbd.replace(
            "<sh:StandardBusinessDocument xmlns:sh=",
            "<sh:StandardBusinessDocument xmlns:cbc=\"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2\" xmlns:sh=",
        )
        .replacen(
            " xmlns:cbc=\"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2\"><cbc:",
            "><cbc:",
            1,
        )
    }

    fn from_file(sbd: &str) -> Result<ReceivedSbd, SbdhError> {
        read_received(&mut std::io::Cursor::new(sbd.as_bytes().to_vec()))
    }

    #[test]
    fn an_sbd_read_from_a_file_gives_what_parse_received_gives() {
        for sbd in [
            declaring_sbd(false),
            declaring_sbd(true),
            // White space, a comment and a processing instruction after the envelope.
            declaring_sbd(false) + "\n<!-- end -->\n<?done?>\n",
        ] {
            let parsed = parse_received(sbd.as_bytes()).unwrap();
            let read = from_file(&sbd).unwrap();
            assert_eq!(read.header, parsed.header);
            assert_eq!(read.document, parsed.document(sbd.as_bytes()), "{sbd}");
            Document::parse(std::str::from_utf8(&read.document).unwrap()).unwrap();
        }
    }

    #[test]
    fn an_sbd_read_from_a_file_keeps_every_rule() {
        let sbd = declaring_sbd(false);
        let refused = |changed: String| {
            let from_file = from_file(&changed).unwrap_err();
            assert!(parse_received(changed.as_bytes()).is_err(), "{changed}");
            from_file
        };
        // A header rule, with the same words as parse_received.
        let changed = sbd.replacen("<sh:HeaderVersion>1.0<", "<sh:HeaderVersion>2.0<", 1);
        assert_eq!(
            from_file(&changed).unwrap_err(),
            parse_received(changed.as_bytes()).unwrap_err()
        );
        // The document against the document type.
        let other = refused(sbd.replace(
            "billing:3.0</cbc:CustomizationID>",
            "other:1.0</cbc:CustomizationID>",
        ));
        assert!(other.to_string().contains("CustomizationID"), "{other}");
        // Two documents.
        let two = refused(sbd.replace(
            "</Invoice>",
            "</Invoice><Invoice xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:Invoice-2\"/>",
        ));
        assert!(two.to_string().contains("more than one"), "{two}");
        // A DTD, a document that is not well-formed, a file cut short.
        assert!(matches!(
            refused(format!(
                "<!DOCTYPE x [<!ENTITY a \"b\">]>{}",
                &sbd[sbd.find("<sh:").unwrap()..]
            )),
            SbdhError::Xml(_)
        ));
        assert!(matches!(
            refused(sbd.replace("<cbc:ID>INV-1</cbc:ID>", "<cbc:ID>INV-1</cbc:Id>")),
            SbdhError::Xml(_)
        ));
        refused(sbd[..sbd.len() - 10].to_owned());
        // No document at all.
        let end = sbd.find("</sh:StandardBusinessDocumentHeader>").unwrap()
            + "</sh:StandardBusinessDocumentHeader>".len();
        refused(format!("{}</sh:StandardBusinessDocument>", &sbd[..end]));
    }

    #[test]
    fn the_document_gets_the_namespaces_it_inherits_from_the_envelope() {
        let sbd = written().replace(
            "<sh:StandardBusinessDocument xmlns:sh=",
            "<sh:StandardBusinessDocument xmlns:cbc=\"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2\" xmlns:sh=",
        )
        .replace(
            " xmlns:cbc=\"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2\"><cbc:ID>",
            "><cbc:ID>",
        );
        let parsed = parse(sbd.as_bytes()).unwrap();
        let payload = String::from_utf8(parsed.document(sbd.as_bytes())).unwrap();
        let doc = Document::parse(&payload).unwrap();
        assert_eq!(doc.root_element().tag_name().name(), "Invoice");
        assert!(payload.contains("xmlns:cbc="));
        // Made in the SBD's own buffer, it is the same document.
        let in_place = parsed.into_document(sbd.into_bytes());
        assert_eq!(String::from_utf8(in_place).unwrap(), payload);
    }

    #[test]
    fn the_wrapped_sbd_writes_what_write_does_and_reads_its_header_back() {
        let wrapped = wrap(&header(), INVOICE.as_bytes()).unwrap();
        let mut streamed = Vec::new();
        wrapped.write_to(&mut streamed).unwrap();
        assert_eq!(streamed, wrapped.to_vec());
        assert_eq!(streamed.len(), wrapped.len());
        assert_eq!(wrapped.read_header().unwrap(), header());
        assert_eq!(parse(&streamed).unwrap().header, header());
    }
}
