//! Peppol Invoice Response 3 (transaction T111): the buyer's answer to an invoice, a UBL 2.1
//! `ApplicationResponse`.
//!
//! [`build`] writes one from an [`InvoiceResponse`] and refuses what the specification's
//! rules forbid (so a response we send never fails the receiving side's validation),
//! [`parse`] reads one back, and [`validate_response`] checks a received one against the
//! official rules (the structure rules `PEPPOL-T111-B*`, the business rules
//! `PEPPOL-T111-R*` and the common Peppol rules that apply), under their official ids.
//!
//! Code lists and rule ids are those of the Peppol BIS Invoice Response 3 specification
//! (UNCL4343 subset `UNCL4343-T111`, `OPStatusReason`, `OPStatusAction`).

use crate::codelists::{contains, data};
use crate::xml::{self, Doc, NodeId, Ns};
use crate::{Finding, Severity};

/// The specification identifier (`cbc:CustomizationID`).
pub const CUSTOMIZATION_ID: &str = "urn:fdc:peppol.eu:poacc:trns:invoice_response:3";
/// The business process (`cbc:ProfileID`).
pub const PROFILE_ID: &str = "urn:fdc:peppol.eu:poacc:bis:invoice_response:3";
/// Name the findings of [`validate_response`] give as their rule set.
pub const RULE_SET: &str = "Peppol Invoice Response 3";

const NS_RESPONSE: &str = "urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2";
const NS_CAC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2";
const NS_CBC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";

/// Responses are small; a received one larger than this is refused before parsing.
const MAX_RESPONSE_BYTES: usize = 4 * 1024 * 1024;

/// The status of the invoice (`cbc:ResponseCode`, the UNCL4343 subset Peppol uses).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResponseCode {
    /// Message acknowledgement: the invoice has been received by the buyer.
    Ab,
    /// In process: the invoice is being processed; no decision yet.
    Ip,
    /// Under query: the buyer needs more information or a correction before going on.
    Uq,
    /// Conditionally accepted: accepted on the conditions stated in the clarification.
    Ca,
    /// Rejected: the buyer will not process the invoice any further.
    Re,
    /// Accepted: the buyer has given final approval and will pay.
    Ap,
    /// Paid: payment has been initiated.
    Pd,
}

impl ResponseCode {
    /// Every code, in the order the specification lists them.
    pub const ALL: [ResponseCode; 7] = [
        ResponseCode::Ab,
        ResponseCode::Ip,
        ResponseCode::Uq,
        ResponseCode::Ca,
        ResponseCode::Re,
        ResponseCode::Ap,
        ResponseCode::Pd,
    ];

    /// The code as written in the document.
    pub fn code(self) -> &'static str {
        match self {
            ResponseCode::Ab => "AB",
            ResponseCode::Ip => "IP",
            ResponseCode::Uq => "UQ",
            ResponseCode::Ca => "CA",
            ResponseCode::Re => "RE",
            ResponseCode::Ap => "AP",
            ResponseCode::Pd => "PD",
        }
    }

    /// The code's name in the code list.
    pub fn name(self) -> &'static str {
        match self {
            ResponseCode::Ab => "Message acknowledgement",
            ResponseCode::Ip => "In process",
            ResponseCode::Uq => "Under query",
            ResponseCode::Ca => "Conditionally accepted",
            ResponseCode::Re => "Rejected",
            ResponseCode::Ap => "Accepted",
            ResponseCode::Pd => "Paid",
        }
    }

    pub fn from_code(code: &str) -> Option<ResponseCode> {
        ResponseCode::ALL.into_iter().find(|c| c.code() == code)
    }

    /// PEPPOL-T111-R001: these statuses need a clarification code.
    pub fn requires_clarification(self) -> bool {
        matches!(self, ResponseCode::Uq | ResponseCode::Ca | ResponseCode::Re)
    }
}

/// Why the invoice has its status (code list `OPStatusReason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusReason {
    /// No issue.
    Non,
    /// References incorrect.
    Ref,
    /// Legal information incorrect.
    Leg,
    /// Receiver unknown.
    Rec,
    /// Item quality insufficient.
    Qua,
    /// Delivery issues.
    Del,
    /// Prices incorrect.
    Pri,
    /// Quantity incorrect.
    Qty,
    /// Items incorrect.
    Itm,
    /// Payment terms incorrect.
    Pay,
    /// Not recognized.
    Unr,
    /// Finance incorrect.
    Fin,
    /// Partially paid (only with status PD, and with a clarification text).
    Ppd,
    /// Other.
    Oth,
}

impl StatusReason {
    pub const ALL: [StatusReason; 14] = [
        StatusReason::Non,
        StatusReason::Ref,
        StatusReason::Leg,
        StatusReason::Rec,
        StatusReason::Qua,
        StatusReason::Del,
        StatusReason::Pri,
        StatusReason::Qty,
        StatusReason::Itm,
        StatusReason::Pay,
        StatusReason::Unr,
        StatusReason::Fin,
        StatusReason::Ppd,
        StatusReason::Oth,
    ];

    pub fn code(self) -> &'static str {
        match self {
            StatusReason::Non => "NON",
            StatusReason::Ref => "REF",
            StatusReason::Leg => "LEG",
            StatusReason::Rec => "REC",
            StatusReason::Qua => "QUA",
            StatusReason::Del => "DEL",
            StatusReason::Pri => "PRI",
            StatusReason::Qty => "QTY",
            StatusReason::Itm => "ITM",
            StatusReason::Pay => "PAY",
            StatusReason::Unr => "UNR",
            StatusReason::Fin => "FIN",
            StatusReason::Ppd => "PPD",
            StatusReason::Oth => "OTH",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            StatusReason::Non => "No issue",
            StatusReason::Ref => "References incorrect",
            StatusReason::Leg => "Legal information incorrect",
            StatusReason::Rec => "Receiver unknown",
            StatusReason::Qua => "Item quality insufficient",
            StatusReason::Del => "Delivery issues",
            StatusReason::Pri => "Prices incorrect",
            StatusReason::Qty => "Quantity incorrect",
            StatusReason::Itm => "Items incorrect",
            StatusReason::Pay => "Payment terms incorrect",
            StatusReason::Unr => "Not recognized",
            StatusReason::Fin => "Finance incorrect",
            StatusReason::Ppd => "Partially paid",
            StatusReason::Oth => "Other",
        }
    }

    pub fn from_code(code: &str) -> Option<StatusReason> {
        StatusReason::ALL.into_iter().find(|c| c.code() == code)
    }
}

/// What the buyer asks the seller to do (code list `OPStatusAction`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusAction {
    /// No action required.
    Noa,
    /// Provide information.
    Pin,
    /// Issue new invoice.
    Nin,
    /// Credit fully.
    Cnf,
    /// Credit partially.
    Cnp,
    /// Credit the amount.
    Cna,
    /// Other.
    Oth,
}

impl StatusAction {
    pub const ALL: [StatusAction; 7] = [
        StatusAction::Noa,
        StatusAction::Pin,
        StatusAction::Nin,
        StatusAction::Cnf,
        StatusAction::Cnp,
        StatusAction::Cna,
        StatusAction::Oth,
    ];

    pub fn code(self) -> &'static str {
        match self {
            StatusAction::Noa => "NOA",
            StatusAction::Pin => "PIN",
            StatusAction::Nin => "NIN",
            StatusAction::Cnf => "CNF",
            StatusAction::Cnp => "CNP",
            StatusAction::Cna => "CNA",
            StatusAction::Oth => "OTH",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            StatusAction::Noa => "No action required",
            StatusAction::Pin => "Provide information",
            StatusAction::Nin => "Issue new invoice",
            StatusAction::Cnf => "Credit fully",
            StatusAction::Cnp => "Credit partially",
            StatusAction::Cna => "Credit the amount",
            StatusAction::Oth => "Other",
        }
    }

    pub fn from_code(code: &str) -> Option<StatusAction> {
        StatusAction::ALL.into_iter().find(|c| c.code() == code)
    }
}

/// A clarification code with the list it comes from (`@listID`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClarificationCode {
    Reason(StatusReason),
    Action(StatusAction),
}

impl ClarificationCode {
    pub fn code(self) -> &'static str {
        match self {
            ClarificationCode::Reason(r) => r.code(),
            ClarificationCode::Action(a) => a.code(),
        }
    }

    /// The `listID` the code is written with.
    pub fn list_id(self) -> &'static str {
        match self {
            ClarificationCode::Reason(_) => "OPStatusReason",
            ClarificationCode::Action(_) => "OPStatusAction",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            ClarificationCode::Reason(r) => r.name(),
            ClarificationCode::Action(a) => a.name(),
        }
    }

    /// The code of `list_id`, if both are known.
    pub fn from_list(list_id: &str, code: &str) -> Option<ClarificationCode> {
        match list_id {
            "OPStatusReason" => StatusReason::from_code(code).map(ClarificationCode::Reason),
            "OPStatusAction" => StatusAction::from_code(code).map(ClarificationCode::Action),
            _ => None,
        }
    }
}

/// A detail the clarification points at (`cac:Condition`): e.g. business term `BT-48`
/// with the value the buyer expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// `cbc:AttributeID`, e.g. `BT-48`.
    pub attribute_id: String,
    /// `cbc:Description`: the value.
    pub description: Option<String>,
}

/// One clarification of the status (`cac:Status`): a code, a text, or both.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Clarification {
    pub code: Option<ClarificationCode>,
    /// `cbc:StatusReason`.
    pub text: Option<String>,
    pub conditions: Vec<Condition>,
}

/// An electronic address on the network (`cbc:EndpointID` with its EAS `@schemeID`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub scheme: String,
    pub id: String,
}

/// Sender (the buyer) or receiver (the seller) of the response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseParty {
    pub endpoint: Endpoint,
    /// `cac:PartyLegalEntity/cbc:RegistrationName`.
    pub name: String,
    /// `cac:PartyIdentification/cbc:ID` with an optional ICD scheme.
    pub identifier: Option<(Option<String>, String)>,
}

/// The invoice (or credit note) answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceReference {
    /// The invoice number (BT-1 of the invoice).
    pub id: String,
    /// The invoice's issue date, `YYYY-MM-DD`.
    pub issue_date: Option<String>,
    /// The invoice's type code (BT-3): `380` for a commercial invoice, `381` for a
    /// credit note, or another Peppol billing type code.
    pub type_code: String,
}

/// What [`build`] writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceResponse {
    /// `cbc:ID`: unique per response.
    pub id: String,
    /// `YYYY-MM-DD`.
    pub issue_date: String,
    /// `cbc:Note`.
    pub note: Option<String>,
    pub sender: ResponseParty,
    pub receiver: ResponseParty,
    pub code: ResponseCode,
    /// `cbc:EffectiveDate`: when the status took effect, `YYYY-MM-DD`.
    pub effective_date: Option<String>,
    pub clarifications: Vec<Clarification>,
    pub invoice: InvoiceReference,
}

/// Why a response could not be built or read. `field` names the element concerned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResponseError {
    #[error("{field} is required")]
    Missing { field: &'static str },
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    #[error("not a readable XML document: {0}")]
    Xml(String),
    #[error("not an Invoice Response: root element is '{0}', expected ubl:ApplicationResponse")]
    NotAResponse(String),
}

fn invalid(field: &'static str, reason: impl Into<String>) -> ResponseError {
    ResponseError::Invalid {
        field,
        reason: reason.into(),
    }
}

/// `YYYY-MM-DD` with a month and day that exist.
fn is_iso_date(s: &str) -> bool {
    crate::Date::parse(s).is_some() && s.len() == 10
}

/// Characters XML 1.0 cannot carry at all, even escaped.
fn has_forbidden_chars(s: &str) -> bool {
    s.chars().any(|c| {
        (c < ' ' && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{FFFE}' | '\u{FFFF}')
    })
}

fn required_text<'s>(field: &'static str, value: &'s str) -> Result<&'s str, ResponseError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(ResponseError::Missing { field });
    }
    optional_text(field, Some(v))?;
    Ok(v)
}

fn optional_text<'s>(
    field: &'static str,
    value: Option<&'s str>,
) -> Result<Option<&'s str>, ResponseError> {
    let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if has_forbidden_chars(v) {
        return Err(invalid(
            field,
            "contains a control character XML cannot carry",
        ));
    }
    Ok(Some(v))
}

fn check_date(field: &'static str, value: &str) -> Result<(), ResponseError> {
    if is_iso_date(value.trim()) {
        Ok(())
    } else {
        Err(invalid(
            field,
            format!("'{value}' is not a date YYYY-MM-DD"),
        ))
    }
}

fn check_party(
    party: &ResponseParty,
    endpoint_field: &'static str,
    scheme_field: &'static str,
    name_field: &'static str,
    identifier_field: &'static str,
) -> Result<(), ResponseError> {
    required_text(endpoint_field, &party.endpoint.id)?;
    let scheme = required_text(scheme_field, &party.endpoint.scheme)?;
    if !contains(data::PEPPOL_EAS, scheme) {
        return Err(invalid(
            scheme_field,
            format!("'{scheme}' is not in the Electronic Address Scheme code list"),
        ));
    }
    required_text(name_field, &party.name)?;
    if let Some((scheme, id)) = &party.identifier {
        required_text(identifier_field, id)?;
        if let Some(s) = optional_text(identifier_field, scheme.as_deref())? {
            if !contains(data::PEPPOL_ICD, s) {
                return Err(invalid(
                    identifier_field,
                    format!("scheme '{s}' is not in the ISO 6523 ICD code list"),
                ));
            }
        }
    }
    Ok(())
}

/// UNTDID 1001 (document name codes) as of edition D.17A, the list the official
/// artefact checks `DocumentTypeCode` against (PEPPOL-T111-B04201): runs of codes.
const UNCL1001_D17A: &[(u16, u16)] = &[
    (1, 470),
    (481, 491),
    (493, 499),
    (520, 539),
    (550, 554),
    (575, 589),
    (610, 610),
    (621, 659),
    (700, 751),
    (760, 761),
    (763, 766),
    (770, 770),
    (775, 775),
    (780, 799),
    (810, 812),
    (820, 825),
    (830, 830),
    (833, 833),
    (840, 841),
    (850, 853),
    (855, 856),
    (860, 865),
    (870, 870),
    (890, 890),
    (895, 896),
    (901, 901),
    (910, 911),
    (913, 917),
    (925, 927),
    (929, 938),
    (940, 941),
    (950, 955),
    (960, 966),
    (970, 972),
    (974, 979),
    (990, 991),
    (995, 996),
    (998, 998),
];

/// Whether the artefact's UNCL1001 list holds the code, written as it is there. The list
/// also holds `1999`, a year that slipped in from a code's description.
fn in_uncl1001_d17a(code: &str) -> bool {
    if code == "1999" {
        return true;
    }
    let Ok(n) = code.parse::<u16>() else {
        return false;
    };
    n.to_string() == code
        && UNCL1001_D17A
            .iter()
            .any(|(lo, hi)| (*lo..=*hi).contains(&n))
}

/// A code a response can answer and the receiving side accepts: an invoice or credit
/// note type of Peppol billing that the artefact's older UNCL1001 list also holds
/// (it lacks 817, 875, 876 and 877, so a response to those fails PEPPOL-T111-B04201).
fn is_answerable_type_code(code: &str) -> bool {
    (contains(data::PEPPOL_UNCL1001_INV, code) || contains(data::PEPPOL_UNCL1001_CN, code))
        && in_uncl1001_d17a(code)
}

/// Check what the specification's rules require of a response before writing it.
fn check(r: &InvoiceResponse) -> Result<(), ResponseError> {
    required_text("ID", &r.id)?;
    check_date("IssueDate", &r.issue_date)?;
    optional_text("Note", r.note.as_deref())?;
    check_party(
        &r.sender,
        "SenderParty/EndpointID",
        "SenderParty/EndpointID/@schemeID",
        "SenderParty/PartyLegalEntity/RegistrationName",
        "SenderParty/PartyIdentification/ID",
    )?;
    check_party(
        &r.receiver,
        "ReceiverParty/EndpointID",
        "ReceiverParty/EndpointID/@schemeID",
        "ReceiverParty/PartyLegalEntity/RegistrationName",
        "ReceiverParty/PartyIdentification/ID",
    )?;
    if let Some(d) = &r.effective_date {
        check_date("Response/EffectiveDate", d)?;
    }
    for c in &r.clarifications {
        let text = optional_text("Status/StatusReason", c.text.as_deref())?;
        if c.code.is_none() && text.is_none() {
            return Err(invalid(
                "Status",
                "a clarification needs a code, a text or both",
            ));
        }
        if c.code == Some(ClarificationCode::Reason(StatusReason::Ppd)) {
            // PEPPOL-T111-R004 and R005.
            if text.is_none() {
                return Err(invalid(
                    "Status/StatusReason",
                    "reason PPD (partially paid) needs a clarification text (PEPPOL-T111-R004)",
                ));
            }
            if r.code != ResponseCode::Pd {
                return Err(invalid(
                    "Status/StatusReasonCode",
                    "reason PPD is only allowed with status PD (PEPPOL-T111-R005)",
                ));
            }
        }
        for cond in &c.conditions {
            required_text("Status/Condition/AttributeID", &cond.attribute_id)?;
            optional_text("Status/Condition/Description", cond.description.as_deref())?;
        }
    }
    if r.code.requires_clarification() && !r.clarifications.iter().any(|c| c.code.is_some()) {
        return Err(invalid(
            "Status/StatusReasonCode",
            format!(
                "status {} needs at least one clarification code (PEPPOL-T111-R001)",
                r.code.code()
            ),
        ));
    }
    required_text("DocumentReference/ID", &r.invoice.id)?;
    if let Some(d) = &r.invoice.issue_date {
        check_date("DocumentReference/IssueDate", d)?;
    }
    let type_code = required_text("DocumentReference/DocumentTypeCode", &r.invoice.type_code)?;
    if !is_answerable_type_code(type_code) {
        return Err(invalid(
            "DocumentReference/DocumentTypeCode",
            format!(
                "'{type_code}' is not an invoice or credit note type code an Invoice Response can carry"
            ),
        ));
    }
    Ok(())
}

/// Escaped text or attribute value.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
    out
}

/// Appends one indented element at a time.
struct Writer {
    out: String,
    depth: usize,
}

impl Writer {
    fn line(&mut self, s: &str) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
        self.out.push_str(s);
        self.out.push('\n');
    }
    fn open(&mut self, name: &str) {
        self.line(&format!("<{name}>"));
        self.depth += 1;
    }
    fn close(&mut self, name: &str) {
        self.depth = self.depth.saturating_sub(1);
        self.line(&format!("</{name}>"));
    }
    fn leaf(&mut self, name: &str, attrs: &[(&str, &str)], value: &str) {
        let mut s = format!("<{name}");
        for (k, v) in attrs {
            s.push_str(&format!(" {k}=\"{}\"", esc(v)));
        }
        s.push_str(&format!(">{}</{name}>", esc(value.trim())));
        self.line(&s);
    }
    fn party(&mut self, tag: &str, p: &ResponseParty) {
        self.open(tag);
        self.leaf(
            "cbc:EndpointID",
            &[("schemeID", p.endpoint.scheme.trim())],
            &p.endpoint.id,
        );
        if let Some((scheme, id)) = &p.identifier {
            self.open("cac:PartyIdentification");
            match scheme.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                Some(s) => self.leaf("cbc:ID", &[("schemeID", s)], id),
                None => self.leaf("cbc:ID", &[], id),
            }
            self.close("cac:PartyIdentification");
        }
        self.open("cac:PartyLegalEntity");
        self.leaf("cbc:RegistrationName", &[], &p.name);
        self.close("cac:PartyLegalEntity");
        self.close(tag);
    }
}

/// Write the response as XML, after checking it against the specification's rules.
pub fn build(response: &InvoiceResponse) -> Result<String, ResponseError> {
    let _span =
        tracing::debug_span!("invoice_response_build", code = response.code.code()).entered();
    check(response)?;
    let r = response;
    let mut w = Writer {
        out: String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"),
        depth: 0,
    };
    w.line(&format!(
        "<ApplicationResponse xmlns=\"{NS_RESPONSE}\" xmlns:cac=\"{NS_CAC}\" xmlns:cbc=\"{NS_CBC}\">"
    ));
    w.depth = 1;
    w.leaf("cbc:CustomizationID", &[], CUSTOMIZATION_ID);
    w.leaf("cbc:ProfileID", &[], PROFILE_ID);
    w.leaf("cbc:ID", &[], &r.id);
    w.leaf("cbc:IssueDate", &[], &r.issue_date);
    if let Some(note) = r.note.as_deref().filter(|n| !n.trim().is_empty()) {
        w.leaf("cbc:Note", &[], note);
    }
    w.party("cac:SenderParty", &r.sender);
    w.party("cac:ReceiverParty", &r.receiver);
    w.open("cac:DocumentResponse");
    w.open("cac:Response");
    w.leaf(
        "cbc:ResponseCode",
        &[("listID", "UNCL4343OpSubset")],
        r.code.code(),
    );
    if let Some(d) = &r.effective_date {
        w.leaf("cbc:EffectiveDate", &[], d);
    }
    for c in &r.clarifications {
        w.open("cac:Status");
        if let Some(code) = c.code {
            w.leaf(
                "cbc:StatusReasonCode",
                &[("listID", code.list_id())],
                code.code(),
            );
        }
        if let Some(t) = c.text.as_deref().filter(|t| !t.trim().is_empty()) {
            w.leaf("cbc:StatusReason", &[], t);
        }
        for cond in &c.conditions {
            w.open("cac:Condition");
            w.leaf("cbc:AttributeID", &[], &cond.attribute_id);
            if let Some(d) = cond.description.as_deref().filter(|d| !d.trim().is_empty()) {
                w.leaf("cbc:Description", &[], d);
            }
            w.close("cac:Condition");
        }
        w.close("cac:Status");
    }
    w.close("cac:Response");
    w.open("cac:DocumentReference");
    w.leaf("cbc:ID", &[], &r.invoice.id);
    if let Some(d) = &r.invoice.issue_date {
        w.leaf("cbc:IssueDate", &[], d);
    }
    w.leaf("cbc:DocumentTypeCode", &[], &r.invoice.type_code);
    w.close("cac:DocumentReference");
    w.close("cac:DocumentResponse");
    w.depth = 0;
    w.line("</ApplicationResponse>");
    Ok(w.out)
}

/// A clarification as read: the raw code and list id, and what they mean when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedClarification {
    pub list_id: Option<String>,
    pub code_value: Option<String>,
    /// `None` when there is no code, or the code is not in the list it names.
    pub code: Option<ClarificationCode>,
    pub text: Option<String>,
    pub conditions: Vec<Condition>,
}

/// A sender or receiver as read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ParsedParty {
    pub endpoint: Option<crate::SchemeId>,
    pub name: Option<String>,
}

/// What [`parse`] reads from a received response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedResponse {
    pub id: Option<String>,
    pub issue_date: Option<String>,
    pub note: Option<String>,
    pub customization_id: Option<String>,
    pub sender: ParsedParty,
    pub receiver: ParsedParty,
    pub code: ResponseCode,
    pub effective_date: Option<String>,
    pub clarifications: Vec<ParsedClarification>,
    /// The number of the invoice answered.
    pub invoice_id: String,
    pub invoice_issue_date: Option<String>,
    pub invoice_type_code: Option<String>,
}

fn read(bytes: &[u8]) -> Result<Doc<'_>, ResponseError> {
    let limits = xml::Limits {
        max_bytes: MAX_RESPONSE_BYTES,
        max_depth: 32,
        max_elements: 100_000,
    };
    xml::parse(bytes, &limits).map_err(|e| {
        ResponseError::Xml(format!(
            "{} (line {}, column {})",
            e.message, e.line, e.column
        ))
    })
}

fn is_response_root(doc: &Doc<'_>) -> bool {
    doc.is(
        doc.root(),
        Ns::UblApplicationResponse,
        "ApplicationResponse",
    )
}

/// Whether the bytes are a UBL ApplicationResponse (an Invoice Response or another
/// response on the same syntax), without validating it.
pub fn is_invoice_response(bytes: &[u8]) -> bool {
    read(bytes).is_ok_and(|d| is_response_root(&d))
}

fn owned(doc: &Doc<'_>, n: Option<NodeId>) -> Option<String> {
    n.map(|n| doc.text(n).to_string()).filter(|s| !s.is_empty())
}

fn parsed_party(doc: &Doc<'_>, p: Option<NodeId>) -> ParsedParty {
    let Some(p) = p else {
        return ParsedParty::default();
    };
    let endpoint = doc.kid(p, Ns::Cbc, "EndpointID").and_then(|e| {
        let value = doc.text(e);
        (!value.is_empty()).then(|| crate::SchemeId {
            scheme: doc.attr(e, "schemeID").map(|s| s.trim().to_string()),
            value: value.to_string(),
        })
    });
    let name = owned(
        doc,
        doc.at(
            p,
            &[(Ns::Cac, "PartyLegalEntity"), (Ns::Cbc, "RegistrationName")],
        ),
    );
    ParsedParty { endpoint, name }
}

/// Read a received Invoice Response. The answered invoice's number and a status code of
/// the list are required (without them the response says nothing); everything else is
/// read as far as present. Use [`validate_response`] for the full rules.
pub fn parse(bytes: &[u8]) -> Result<ParsedResponse, ResponseError> {
    let _span = tracing::debug_span!("invoice_response_parse", bytes = bytes.len()).entered();
    let doc = read(bytes)?;
    let root = doc.root();
    if !is_response_root(&doc) {
        return Err(ResponseError::NotAResponse(doc.name(root).to_string()));
    }
    let dr = doc.kid(root, Ns::Cac, "DocumentResponse");
    let resp = dr.and_then(|d| doc.kid(d, Ns::Cac, "Response"));
    let code_text = owned(&doc, resp.and_then(|r| doc.kid(r, Ns::Cbc, "ResponseCode"))).ok_or(
        ResponseError::Missing {
            field: "DocumentResponse/Response/ResponseCode",
        },
    )?;
    let code = ResponseCode::from_code(&code_text).ok_or_else(|| {
        invalid(
            "DocumentResponse/Response/ResponseCode",
            format!("'{code_text}' is not an invoice status code"),
        )
    })?;
    let docref = dr.and_then(|d| doc.kid(d, Ns::Cac, "DocumentReference"));
    let invoice_id = owned(&doc, docref.and_then(|r| doc.kid(r, Ns::Cbc, "ID"))).ok_or(
        ResponseError::Missing {
            field: "DocumentResponse/DocumentReference/ID",
        },
    )?;
    let clarifications = resp
        .map(|r| {
            doc.kids(r, Ns::Cac, "Status")
                .map(|s| {
                    let code_node = doc.kid(s, Ns::Cbc, "StatusReasonCode");
                    let list_id = code_node
                        .and_then(|c| doc.attr(c, "listID"))
                        .map(|l| l.trim().to_string());
                    let code_value = owned(&doc, code_node);
                    let code = match (&list_id, &code_value) {
                        (Some(l), Some(v)) => ClarificationCode::from_list(l, v),
                        _ => None,
                    };
                    ParsedClarification {
                        list_id,
                        code_value,
                        code,
                        text: owned(&doc, doc.kid(s, Ns::Cbc, "StatusReason")),
                        conditions: doc
                            .kids(s, Ns::Cac, "Condition")
                            .map(|c| Condition {
                                attribute_id: owned(&doc, doc.kid(c, Ns::Cbc, "AttributeID"))
                                    .unwrap_or_default(),
                                description: owned(&doc, doc.kid(c, Ns::Cbc, "Description")),
                            })
                            .collect(),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(ParsedResponse {
        id: owned(&doc, doc.kid(root, Ns::Cbc, "ID")),
        issue_date: owned(&doc, doc.kid(root, Ns::Cbc, "IssueDate")),
        note: owned(&doc, doc.kid(root, Ns::Cbc, "Note")),
        customization_id: owned(&doc, doc.kid(root, Ns::Cbc, "CustomizationID")),
        sender: parsed_party(&doc, doc.kid(root, Ns::Cac, "SenderParty")),
        receiver: parsed_party(&doc, doc.kid(root, Ns::Cac, "ReceiverParty")),
        code,
        effective_date: owned(
            &doc,
            resp.and_then(|r| doc.kid(r, Ns::Cbc, "EffectiveDate")),
        ),
        clarifications,
        invoice_id,
        invoice_issue_date: owned(&doc, docref.and_then(|r| doc.kid(r, Ns::Cbc, "IssueDate"))),
        invoice_type_code: owned(
            &doc,
            docref.and_then(|r| doc.kid(r, Ns::Cbc, "DocumentTypeCode")),
        ),
    })
}

/// One element of the message structure: the rule id that fires on its parent when a
/// mandatory element is missing, and (for aggregates) the id that fires on a child that
/// is not part of the data model. These are the ids Peppol generates from the structure.
struct El {
    ns: Ns,
    name: &'static str,
    missing: Option<&'static str>,
    foreign: Option<&'static str>,
    kids: &'static [El],
}

const fn leaf(name: &'static str, missing: Option<&'static str>) -> El {
    El {
        ns: Ns::Cbc,
        name,
        missing,
        foreign: None,
        kids: &[],
    }
}

const fn agg(
    name: &'static str,
    missing: Option<&'static str>,
    foreign: Option<&'static str>,
    kids: &'static [El],
) -> El {
    El {
        ns: Ns::Cac,
        name,
        missing,
        foreign,
        kids,
    }
}

const SENDER: &[El] = &[
    leaf("EndpointID", Some("PEPPOL-T111-B00801")),
    agg(
        "PartyIdentification",
        None,
        None,
        &[leaf("ID", Some("PEPPOL-T111-B01101"))],
    ),
    agg(
        "PartyLegalEntity",
        Some("PEPPOL-T111-B00802"),
        Some("PEPPOL-T111-B01402"),
        &[leaf("RegistrationName", Some("PEPPOL-T111-B01401"))],
    ),
    agg(
        "Contact",
        None,
        Some("PEPPOL-T111-B01601"),
        &[
            leaf("Name", None),
            leaf("Telephone", None),
            leaf("ElectronicMail", None),
        ],
    ),
];

const RECEIVER: &[El] = &[
    leaf("EndpointID", Some("PEPPOL-T111-B02001")),
    agg(
        "PartyIdentification",
        None,
        None,
        &[leaf("ID", Some("PEPPOL-T111-B02301"))],
    ),
    agg(
        "PartyLegalEntity",
        Some("PEPPOL-T111-B02002"),
        Some("PEPPOL-T111-B02602"),
        &[leaf("RegistrationName", Some("PEPPOL-T111-B02601"))],
    ),
];

const STATUS: &[El] = &[
    leaf("StatusReasonCode", None),
    leaf("StatusReason", None),
    agg(
        "Condition",
        None,
        Some("PEPPOL-T111-B03602"),
        &[
            leaf("AttributeID", Some("PEPPOL-T111-B03601")),
            leaf("Description", None),
        ],
    ),
];

const PARTY_NAME_ONLY_ISSUER: &[El] = &[
    agg(
        "PartyIdentification",
        None,
        None,
        &[leaf("ID", Some("PEPPOL-T111-B04401"))],
    ),
    agg(
        "PartyName",
        Some("PEPPOL-T111-B04301"),
        None,
        &[leaf("Name", Some("PEPPOL-T111-B04701"))],
    ),
];

const PARTY_NAME_ONLY_RECIPIENT: &[El] = &[
    agg(
        "PartyIdentification",
        None,
        None,
        &[leaf("ID", Some("PEPPOL-T111-B05001"))],
    ),
    agg(
        "PartyName",
        Some("PEPPOL-T111-B04901"),
        None,
        &[leaf("Name", Some("PEPPOL-T111-B05301"))],
    ),
];

const DOCUMENT_RESPONSE: &[El] = &[
    agg(
        "Response",
        Some("PEPPOL-T111-B02801"),
        Some("PEPPOL-T111-B02902"),
        &[
            leaf("ResponseCode", Some("PEPPOL-T111-B02901")),
            leaf("EffectiveDate", None),
            agg("Status", None, Some("PEPPOL-T111-B03201"), STATUS),
        ],
    ),
    agg(
        "DocumentReference",
        Some("PEPPOL-T111-B02802"),
        Some("PEPPOL-T111-B03903"),
        &[
            leaf("ID", Some("PEPPOL-T111-B03901")),
            leaf("IssueDate", None),
            leaf("DocumentTypeCode", Some("PEPPOL-T111-B03902")),
        ],
    ),
    agg(
        "IssuerParty",
        None,
        Some("PEPPOL-T111-B04302"),
        PARTY_NAME_ONLY_ISSUER,
    ),
    agg(
        "RecipientParty",
        None,
        Some("PEPPOL-T111-B04902"),
        PARTY_NAME_ONLY_RECIPIENT,
    ),
];

const ROOT: &[El] = &[
    leaf("CustomizationID", Some("PEPPOL-T111-B00101")),
    leaf("ProfileID", Some("PEPPOL-T111-B00102")),
    leaf("ID", Some("PEPPOL-T111-B00103")),
    leaf("IssueDate", Some("PEPPOL-T111-B00104")),
    leaf("IssueTime", None),
    leaf("Note", None),
    agg(
        "SenderParty",
        Some("PEPPOL-T111-B00105"),
        Some("PEPPOL-T111-B00803"),
        SENDER,
    ),
    agg(
        "ReceiverParty",
        Some("PEPPOL-T111-B00106"),
        Some("PEPPOL-T111-B02003"),
        RECEIVER,
    ),
    agg(
        "DocumentResponse",
        Some("PEPPOL-T111-B00107"),
        Some("PEPPOL-T111-B02803"),
        DOCUMENT_RESPONSE,
    ),
];

struct Checker<'x, 'a> {
    doc: &'x Doc<'a>,
    findings: Vec<Finding>,
}

impl Checker<'_, '_> {
    fn fire(&mut self, id: &str, severity: Severity, node: NodeId, message: impl Into<String>) {
        self.fire_in(id, RULE_SET, severity, node, message);
    }

    fn fire_in(
        &mut self,
        id: &str,
        rule_set: &str,
        severity: Severity,
        node: NodeId,
        message: impl Into<String>,
    ) {
        let (line, column) = self.doc.line_col(node);
        self.findings.push(Finding {
            rule_id: id.to_string(),
            severity,
            rule_set: rule_set.to_string(),
            business_term: None,
            location: Some(self.doc.path(node)),
            line: Some(line),
            column: Some(column),
            message: message.into(),
            expected: None,
            actual: None,
        });
    }

    /// Mandatory children present, no children outside the data model; recursively.
    fn structure(&mut self, node: NodeId, spec: &[El], foreign: Option<&str>) {
        for el in spec {
            if let Some(id) = el.missing {
                if self.doc.kid(node, el.ns, el.name).is_none() {
                    let prefix = el.ns.prefix();
                    self.fire(
                        id,
                        Severity::Fatal,
                        node,
                        format!("Element '{prefix}{}' MUST be provided.", el.name),
                    );
                }
            }
        }
        let kids: Vec<NodeId> = self.doc.children(node).collect();
        for kid in kids {
            let known = spec.iter().find(|el| self.doc.is(kid, el.ns, el.name));
            match known {
                Some(el) => {
                    if !el.kids.is_empty() {
                        self.structure(kid, el.kids, el.foreign);
                    }
                }
                // Peppol's generated rules leave some aggregates open (their content is
                // left to the schema); only the others name a rule for foreign elements.
                None => {
                    if let Some(id) = foreign {
                        self.fire(
                            id,
                            Severity::Fatal,
                            kid,
                            "Document MUST NOT contain elements not part of the data model.",
                        );
                    }
                }
            }
        }
    }

    fn code_in(&mut self, node: Option<NodeId>, id: &str, ok: impl Fn(&str) -> bool, list: &str) {
        if let Some(n) = node {
            let v = self.doc.text(n);
            if !ok(v) {
                self.fire(
                    id,
                    Severity::Fatal,
                    n,
                    format!("Value MUST be part of code list '{list}'."),
                );
            }
        }
    }

    fn endpoint(&mut self, party: Option<NodeId>, present: &str, in_list: &str) {
        let Some(e) = party.and_then(|p| self.doc.kid(p, Ns::Cbc, "EndpointID")) else {
            return;
        };
        match self.doc.attr(e, "schemeID") {
            None => self.fire(
                present,
                Severity::Fatal,
                e,
                "Attribute 'schemeID' MUST be present.",
            ),
            Some(s) if !contains(data::PEPPOL_EAS, s) => self.fire(
                in_list,
                Severity::Fatal,
                e,
                "Value MUST be part of code list 'Electronic Address Scheme (EAS)'.",
            ),
            Some(_) => {}
        }
    }

    fn icd(&mut self, party: Option<NodeId>, id: &str) {
        let Some(p) = party else { return };
        let ids: Vec<NodeId> = self
            .doc
            .kids(p, Ns::Cac, "PartyIdentification")
            .filter_map(|pi| self.doc.kid(pi, Ns::Cbc, "ID"))
            .collect();
        for i in ids {
            if let Some(s) = self.doc.attr(i, "schemeID") {
                if !contains(data::PEPPOL_ICD, s) {
                    self.fire(
                        id,
                        Severity::Fatal,
                        i,
                        "Value MUST be part of code list 'ISO 6523 ICD list'.",
                    );
                }
            }
        }
    }

    /// The common Peppol rules an Invoice Response is checked with.
    fn common(&mut self) {
        let root = self.doc.root();
        let schema_location = self
            .doc
            .attrs(root)
            .iter()
            .any(|(k, _)| k.rsplit(':').next() == Some("schemaLocation"));
        if schema_location {
            self.fire(
                "PEPPOL-COMMON-R003",
                Severity::Warning,
                root,
                "Document SHOULD not contain schema location.",
            );
            self.fire(
                "PEPPOL-T111-B00108",
                Severity::Fatal,
                root,
                "Document MUST not contain schema location.",
            );
        }
        let all: Vec<NodeId> = self.doc.descendants(root).collect();
        for n in all {
            if !self.doc.has_children(n) && self.doc.text(n).is_empty() {
                self.fire(
                    "PEPPOL-COMMON-R001",
                    Severity::Fatal,
                    n,
                    "Document MUST not contain empty elements.",
                );
                continue;
            }
            if self.doc.ns(n) == Ns::Cbc
                && matches!(
                    self.doc.name(n),
                    "IssueDate"
                        | "DueDate"
                        | "TaxPointDate"
                        | "StartDate"
                        | "EndDate"
                        | "ActualDeliveryDate"
                )
                && !is_iso_date(self.doc.text(n))
            {
                self.fire(
                    "PEPPOL-COMMON-R030",
                    Severity::Fatal,
                    n,
                    "A date must be formatted YYYY-MM-DD.",
                );
            }
            let scheme_checked = self.doc.is(n, Ns::Cbc, "EndpointID")
                || (self.doc.is(n, Ns::Cbc, "ID")
                    && self
                        .doc
                        .parent(n)
                        .is_some_and(|p| self.doc.is(p, Ns::Cac, "PartyIdentification")));
            if scheme_checked {
                let v = self.doc.text(n);
                match self.doc.attr(n, "schemeID") {
                    Some("0088") if !is_gln(v) => self.fire(
                        "PEPPOL-COMMON-R040",
                        Severity::Fatal,
                        n,
                        "GLN must have a valid format according to GS1 rules.",
                    ),
                    Some("0192") if !is_norwegian_org(v) => self.fire(
                        "PEPPOL-COMMON-R041",
                        Severity::Fatal,
                        n,
                        "Norwegian organization number MUST be stated in the correct format.",
                    ),
                    _ => {}
                }
            }
        }
    }

    fn business(&mut self, response: NodeId) {
        let d = self.doc;
        let code = d.kid(response, Ns::Cbc, "ResponseCode").map(|c| d.text(c));
        let statuses: Vec<NodeId> = d.kids(response, Ns::Cac, "Status").collect();
        let has_code = statuses
            .iter()
            .any(|s| d.kid(*s, Ns::Cbc, "StatusReasonCode").is_some());
        if matches!(code, Some("CA" | "UQ" | "RE")) && !has_code {
            self.fire(
                "PEPPOL-T111-R001",
                Severity::Fatal,
                response,
                "If status code is one of: CA, UQ or RE then there SHALL be a clarification code in Invoice Response.",
            );
        }
        for s in statuses {
            let reason_code = d.kid(s, Ns::Cbc, "StatusReasonCode");
            let value = reason_code.map(|c| d.text(c));
            let list = reason_code.and_then(|c| d.attr(c, "listID"));
            let has_text = d.kid(s, Ns::Cbc, "StatusReason").is_some();
            if value == Some("OTH") && !has_text {
                self.fire(
                    "PEPPOL-T111-R002",
                    Severity::Warning,
                    s,
                    "If Clarification code is OTH then Clarification reason SHOULD be provided.",
                );
            }
            if value == Some("PPD") {
                if !has_text {
                    self.fire(
                        "PEPPOL-T111-R004",
                        Severity::Fatal,
                        s,
                        "If Clarification code is PPD, indicating partial payment, then Clarification reason SHALL be provided.",
                    );
                }
                // The artefact's test of PEPPOL-T111-R005 (`exists(/cbc:ResponseCode='PD')`)
                // always holds, so the official verdict never has it; what its text asks
                // is advisory (docs/rule-quirks.md).
                if code != Some("PD") {
                    self.fire_in(
                        "HAVEN-Q-T111-R005",
                        "Haven",
                        Severity::Warning,
                        s,
                        "Clarification reason PPD (partially paid) should only be used with status PD (PEPPOL-T111-R005). The official artefact never checks this rule, so this is advisory",
                    );
                }
            }
            let (Some(c), Some(v)) = (reason_code, value) else {
                continue;
            };
            match list {
                Some("OPStatusAction") if StatusAction::from_code(v).is_none() => self.fire(
                    "PEPPOL-T111-R006",
                    Severity::Fatal,
                    c,
                    "Clarification Reason code shall exist in the OPStatusAction code lists as identified by listID.",
                ),
                Some("OPStatusReason") if StatusReason::from_code(v).is_none() => self.fire(
                    "PEPPOL-T111-R007",
                    Severity::Fatal,
                    c,
                    "Clarification Reason code shall exist in the OPStatusReason code lists as identified by listID.",
                ),
                _ => {}
            }
            if StatusReason::from_code(v).is_none() && StatusAction::from_code(v).is_none() {
                self.fire(
                    "PEPPOL-T111-B03301",
                    Severity::Fatal,
                    c,
                    "Value MUST be part of code list 'Status Clarification Reason (OpenPEPPOL)' or 'Status Clarification Action (OpenPEPPOL)'.",
                );
            }
            match list {
                None => self.fire(
                    "PEPPOL-T111-B03302",
                    Severity::Fatal,
                    c,
                    "Attribute 'listID' MUST be present.",
                ),
                Some("OPStatusAction" | "OPStatusReason") => {}
                Some(_) => self.fire(
                    "PEPPOL-T111-B03303",
                    Severity::Fatal,
                    c,
                    "Value MUST be part of code list 'Clarification list identifier (openPEPPOL)'.",
                ),
            }
        }
    }
}

/// The GS1 check digit (PEPPOL-COMMON-R040).
fn is_gln(v: &str) -> bool {
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let digits: Vec<u32> = v.bytes().map(|b| u32::from(b - b'0')).collect();
    let Some((check, body)) = digits.split_last() else {
        return false;
    };
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| if i % 2 == 0 { d * 3 } else { *d })
        .sum();
    (10 - sum % 10) % 10 == *check
}

/// Nine digits with a modulus 11 check digit.
fn is_norwegian_org(v: &str) -> bool {
    if v.len() != 9 || !v.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let digits: Vec<u32> = v.bytes().map(|b| u32::from(b - b'0')).collect();
    let weights = [3, 2, 7, 6, 5, 4, 3, 2];
    let sum: u32 = digits.iter().zip(weights).map(|(d, w)| d * w).sum();
    let check = (11 - sum % 11) % 11;
    // The artefact also asks for a number above zero.
    digits.iter().any(|d| *d != 0) && check == digits[8]
}

/// Check a received Invoice Response against the official rules. Every problem is a
/// finding with the official rule id (`HAVEN-*` when the bytes are no readable response).
pub fn validate_response(bytes: &[u8]) -> Vec<Finding> {
    let _span = tracing::debug_span!("invoice_response_validate", bytes = bytes.len()).entered();
    let engine = |id: &str, message: String| Finding {
        rule_id: id.to_string(),
        severity: Severity::Fatal,
        rule_set: "Haven".to_string(),
        business_term: None,
        location: None,
        line: None,
        column: None,
        message,
        expected: None,
        actual: None,
    };
    let doc = match read(bytes) {
        Ok(d) => d,
        Err(e) => return vec![engine("HAVEN-XML-MALFORMED", e.to_string())],
    };
    let root = doc.root();
    if !is_response_root(&doc) {
        return vec![engine(
            "HAVEN-DOC-UNSUPPORTED",
            ResponseError::NotAResponse(doc.name(root).to_string()).to_string(),
        )];
    }
    let mut c = Checker {
        doc: &doc,
        findings: Vec::new(),
    };
    c.common();
    c.structure(root, ROOT, Some("PEPPOL-T111-B00109"));
    let cust = doc.kid(root, Ns::Cbc, "CustomizationID");
    if let Some(n) = cust {
        let v = doc.text(n);
        if v != CUSTOMIZATION_ID {
            c.fire(
                "PEPPOL-T111-B00201",
                Severity::Fatal,
                n,
                format!("Element 'cbc:CustomizationID' MUST contain value '{CUSTOMIZATION_ID}'."),
            );
        }
        if !v.starts_with(CUSTOMIZATION_ID) {
            c.fire(
                "PEPPOL-T111-R003",
                Severity::Fatal,
                n,
                format!(
                    "Specification identifier SHALL start with the value '{CUSTOMIZATION_ID}'."
                ),
            );
        }
    }
    if let Some(n) = doc.kid(root, Ns::Cbc, "ProfileID") {
        if doc.text(n) != PROFILE_ID {
            c.fire(
                "PEPPOL-T111-B00301",
                Severity::Fatal,
                n,
                format!("Element 'cbc:ProfileID' MUST contain value '{PROFILE_ID}'."),
            );
        }
    }
    let sender = doc.kid(root, Ns::Cac, "SenderParty");
    let receiver = doc.kid(root, Ns::Cac, "ReceiverParty");
    c.endpoint(sender, "PEPPOL-T111-B00901", "PEPPOL-T111-B00902");
    c.endpoint(receiver, "PEPPOL-T111-B02101", "PEPPOL-T111-B02102");
    c.icd(sender, "PEPPOL-T111-B01201");
    c.icd(receiver, "PEPPOL-T111-B02401");
    let dr = doc.kid(root, Ns::Cac, "DocumentResponse");
    c.icd(
        dr.and_then(|d| doc.kid(d, Ns::Cac, "IssuerParty")),
        "PEPPOL-T111-B04501",
    );
    c.icd(
        dr.and_then(|d| doc.kid(d, Ns::Cac, "RecipientParty")),
        "PEPPOL-T111-B05101",
    );
    if let Some(resp) = dr.and_then(|d| doc.kid(d, Ns::Cac, "Response")) {
        c.code_in(
            doc.kid(resp, Ns::Cbc, "ResponseCode"),
            "PEPPOL-T111-B03001",
            |v| ResponseCode::from_code(v).is_some(),
            "Invoice status code (UNCL4343 Subset)",
        );
        c.business(resp);
    }
    c.code_in(
        dr.and_then(|d| {
            doc.at(
                d,
                &[
                    (Ns::Cac, "DocumentReference"),
                    (Ns::Cbc, "DocumentTypeCode"),
                ],
            )
        }),
        "PEPPOL-T111-B04201",
        in_uncl1001_d17a,
        "Document name code, full list (UNCL1001)",
    );
    c.findings
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn party(scheme: &str, id: &str, name: &str) -> ResponseParty {
        ResponseParty {
            endpoint: Endpoint {
                scheme: scheme.into(),
                id: id.into(),
            },
            name: name.into(),
            identifier: None,
        }
    }

    fn response(code: ResponseCode) -> InvoiceResponse {
        let clarifications = if code.requires_clarification() {
            vec![
                Clarification {
                    code: Some(ClarificationCode::Reason(StatusReason::Ref)),
                    text: Some("Order number <PO-1> & \"quotes\" unknown".into()),
                    conditions: vec![Condition {
                        attribute_id: "BT-13".into(),
                        description: Some("PO-1".into()),
                    }],
                },
                Clarification {
                    code: Some(ClarificationCode::Action(StatusAction::Nin)),
                    text: None,
                    conditions: vec![],
                },
            ]
        } else {
            vec![]
        };
        InvoiceResponse {
            id: "resp-1".into(),
            issue_date: "2026-12-03".into(),
            note: Some("Zie <mail> van 1 dec & later".into()),
            sender: party("0106", "12345678", "Koper B.V."),
            receiver: party("0088", "5790000436101", "Leverancier & Zn"),
            code,
            effective_date: Some("2026-12-02".into()),
            clarifications,
            invoice: InvoiceReference {
                id: "INV-2026-001".into(),
                issue_date: Some("2026-11-30".into()),
                type_code: "380".into(),
            },
        }
    }

    fn ids(findings: &[Finding]) -> Vec<&str> {
        findings.iter().map(|f| f.rule_id.as_str()).collect()
    }

    #[test]
    fn every_code_round_trips_and_passes_the_rules() {
        for code in ResponseCode::ALL {
            let r = response(code);
            let xml = build(&r).unwrap();
            assert!(is_invoice_response(xml.as_bytes()));
            assert_eq!(validate_response(xml.as_bytes()), vec![], "{code:?}\n{xml}");
            let p = parse(xml.as_bytes()).unwrap();
            assert_eq!(p.code, code);
            assert_eq!(p.invoice_id, "INV-2026-001");
            assert_eq!(p.invoice_issue_date.as_deref(), Some("2026-11-30"));
            assert_eq!(p.invoice_type_code.as_deref(), Some("380"));
            assert_eq!(p.id.as_deref(), Some("resp-1"));
            assert_eq!(p.issue_date.as_deref(), Some("2026-12-03"));
            assert_eq!(p.effective_date.as_deref(), Some("2026-12-02"));
            assert_eq!(p.note, r.note);
            assert_eq!(p.customization_id.as_deref(), Some(CUSTOMIZATION_ID));
            let ep = p.sender.endpoint.unwrap();
            assert_eq!(
                (ep.scheme.as_deref(), ep.value.as_str()),
                (Some("0106"), "12345678")
            );
            assert_eq!(p.receiver.name.as_deref(), Some("Leverancier & Zn"));
            let codes: Vec<_> = p.clarifications.iter().map(|c| c.code).collect();
            let want: Vec<_> = r.clarifications.iter().map(|c| c.code).collect();
            assert_eq!(codes, want);
            let texts: Vec<_> = p.clarifications.iter().map(|c| c.text.clone()).collect();
            let want: Vec<_> = r.clarifications.iter().map(|c| c.text.clone()).collect();
            assert_eq!(texts, want);
            let conds: Vec<_> = p
                .clarifications
                .iter()
                .map(|c| c.conditions.clone())
                .collect();
            let want: Vec<_> = r
                .clarifications
                .iter()
                .map(|c| c.conditions.clone())
                .collect();
            assert_eq!(conds, want);
        }
    }

    #[test]
    fn every_reason_and_action_round_trips() {
        let mut all: Vec<ClarificationCode> = StatusReason::ALL
            .into_iter()
            .map(ClarificationCode::Reason)
            .collect();
        all.extend(StatusAction::ALL.into_iter().map(ClarificationCode::Action));
        for cc in all {
            let mut r = response(ResponseCode::Pd);
            r.clarifications = vec![Clarification {
                code: Some(cc),
                text: Some(format!("about {}", cc.name())),
                conditions: vec![],
            }];
            let xml = build(&r).unwrap();
            assert!(
                xml.contains(&format!("listID=\"{}\">{}<", cc.list_id(), cc.code())),
                "{xml}"
            );
            assert_eq!(validate_response(xml.as_bytes()), vec![], "{cc:?}");
            let p = parse(xml.as_bytes()).unwrap();
            assert_eq!(p.clarifications[0].code, Some(cc));
            assert_eq!(p.clarifications[0].list_id.as_deref(), Some(cc.list_id()));
        }
    }

    #[test]
    fn text_is_escaped() {
        let xml = build(&response(ResponseCode::Re)).unwrap();
        assert!(xml.contains("Leverancier &amp; Zn"));
        assert!(xml.contains("&lt;PO-1&gt; &amp; &quot;quotes&quot;"));
        assert!(!xml.contains("<mail>"));
    }

    #[test]
    fn build_refuses_what_the_rules_forbid() {
        let field = |r: &InvoiceResponse| match build(r).unwrap_err() {
            ResponseError::Missing { field } | ResponseError::Invalid { field, .. } => field,
            e => panic!("{e}"),
        };
        for code in [ResponseCode::Uq, ResponseCode::Ca, ResponseCode::Re] {
            let mut r = response(code);
            r.clarifications = vec![Clarification {
                code: None,
                text: Some("only a text".into()),
                conditions: vec![],
            }];
            assert_eq!(field(&r), "Status/StatusReasonCode", "{code:?}");
            r.clarifications.clear();
            assert_eq!(field(&r), "Status/StatusReasonCode", "{code:?}");
        }
        let mut r = response(ResponseCode::Ap);
        r.id = "  ".into();
        assert_eq!(field(&r), "ID");
        let mut r = response(ResponseCode::Ap);
        r.issue_date = "2026-02-30".into();
        assert_eq!(field(&r), "IssueDate");
        let mut r = response(ResponseCode::Ap);
        r.sender.endpoint.scheme = "XX".into();
        assert_eq!(field(&r), "SenderParty/EndpointID/@schemeID");
        let mut r = response(ResponseCode::Ap);
        r.receiver.name = String::new();
        assert_eq!(field(&r), "ReceiverParty/PartyLegalEntity/RegistrationName");
        let mut r = response(ResponseCode::Ap);
        r.invoice.type_code = "999".into();
        assert_eq!(field(&r), "DocumentReference/DocumentTypeCode");
        let mut r = response(ResponseCode::Ap);
        r.invoice.id = String::new();
        assert_eq!(field(&r), "DocumentReference/ID");
        let mut r = response(ResponseCode::Ap);
        r.note = Some("bell \u{7}".into());
        assert_eq!(field(&r), "Note");
        // PPD: text required (R004) and only with PD (R005).
        let mut r = response(ResponseCode::Pd);
        r.clarifications = vec![Clarification {
            code: Some(ClarificationCode::Reason(StatusReason::Ppd)),
            text: None,
            conditions: vec![],
        }];
        assert_eq!(field(&r), "Status/StatusReason");
        r.clarifications[0].text = Some("50 of 100 paid".into());
        assert!(build(&r).is_ok());
        r.code = ResponseCode::Ap;
        assert_eq!(field(&r), "Status/StatusReasonCode");
        // A type the receiving side's code list lacks cannot be answered validly.
        let mut r = response(ResponseCode::Ap);
        r.invoice.type_code = "875".into();
        assert_eq!(field(&r), "DocumentReference/DocumentTypeCode");
        r.invoice.type_code = "381".into();
        assert!(build(&r).is_ok());
        let mut r = response(ResponseCode::Ap);
        r.clarifications = vec![Clarification::default()];
        assert_eq!(field(&r), "Status");
    }

    /// Replace the first occurrence, failing loudly when the fixture changed.
    fn edit(xml: &str, from: &str, to: &str) -> String {
        assert!(xml.contains(from), "{from} not in\n{xml}");
        xml.replacen(from, to, 1)
    }

    #[test]
    fn broken_responses_fire_the_official_ids() {
        let good = build(&response(ResponseCode::Re)).unwrap();
        let cases: &[(&str, &str, &[&str])] = &[
            (
                "<cbc:StatusReasonCode listID=\"OPStatusReason\">REF</cbc:StatusReasonCode>",
                "",
                &[],
            ),
            (
                "<cbc:CustomizationID>urn:fdc:peppol.eu:poacc:trns:invoice_response:3</cbc:CustomizationID>",
                "<cbc:CustomizationID>urn:other</cbc:CustomizationID>",
                &["PEPPOL-T111-B00201", "PEPPOL-T111-R003"],
            ),
            (
                "<cbc:ProfileID>urn:fdc:peppol.eu:poacc:bis:invoice_response:3</cbc:ProfileID>",
                "",
                &["PEPPOL-T111-B00102"],
            ),
            (
                "<cbc:ResponseCode listID=\"UNCL4343OpSubset\">RE<",
                "<cbc:ResponseCode>XX<",
                &["PEPPOL-T111-B03001"],
            ),
            (
                "<cbc:EndpointID schemeID=\"0106\">",
                "<cbc:EndpointID schemeID=\"ZZZZ\">",
                &["PEPPOL-T111-B00902"],
            ),
            (
                "<cbc:EndpointID schemeID=\"0088\">",
                "<cbc:EndpointID>",
                &["PEPPOL-T111-B02101"],
            ),
            (
                "<cbc:EndpointID schemeID=\"0088\">5790000436101",
                "<cbc:EndpointID schemeID=\"0088\">5790000436102",
                &["PEPPOL-COMMON-R040"],
            ),
            (
                "<cbc:IssueDate>2026-12-03</cbc:IssueDate>",
                "<cbc:IssueDate>03-12-2026</cbc:IssueDate>",
                &["PEPPOL-COMMON-R030"],
            ),
            (
                "<cbc:DocumentTypeCode>380</cbc:DocumentTypeCode>",
                "<cbc:DocumentTypeCode>817</cbc:DocumentTypeCode>",
                &["PEPPOL-T111-B04201"],
            ),
            (
                "<cbc:DocumentTypeCode>380</cbc:DocumentTypeCode>",
                "",
                &["PEPPOL-T111-B03902"],
            ),
            (
                "listID=\"OPStatusAction\">NIN<",
                "listID=\"OPStatusAction\">REF<",
                &["PEPPOL-T111-R006"],
            ),
            (
                "listID=\"OPStatusReason\">REF<",
                "listID=\"OPStatusReason\">NIN<",
                &["PEPPOL-T111-R007"],
            ),
            (
                "listID=\"OPStatusReason\">REF<",
                "listID=\"OPStatusReason\">XYZ<",
                &["PEPPOL-T111-B03301", "PEPPOL-T111-R007"],
            ),
            (
                "listID=\"OPStatusReason\">REF<",
                "listID=\"Other\">REF<",
                &["PEPPOL-T111-B03303"],
            ),
            (
                "<cbc:StatusReasonCode listID=\"OPStatusAction\">",
                "<cbc:StatusReasonCode>",
                &["PEPPOL-T111-B03302"],
            ),
            (
                "<cbc:Note>",
                "<cbc:UBLVersionID>2.1</cbc:UBLVersionID><cbc:Note>",
                &["PEPPOL-T111-B00109"],
            ),
            (
                "<cbc:RegistrationName>Koper B.V.</cbc:RegistrationName>",
                "<cbc:RegistrationName>Koper B.V.</cbc:RegistrationName><cbc:CompanyID>1</cbc:CompanyID>",
                &["PEPPOL-T111-B01402"],
            ),
            (
                "<cbc:AttributeID>BT-13</cbc:AttributeID>",
                "",
                &["PEPPOL-T111-B03601"],
            ),
            (
                "<cbc:Description>PO-1</cbc:Description>",
                "<cbc:Description></cbc:Description>",
                &["PEPPOL-COMMON-R001"],
            ),
            (
                "<ApplicationResponse ",
                "<ApplicationResponse xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:schemaLocation=\"x y\" ",
                &["PEPPOL-COMMON-R003", "PEPPOL-T111-B00108"],
            ),
        ];
        // The first case removes the only reason; the action code alone still satisfies
        // R001, so nothing fires: a check that the table starts from a valid document.
        for (from, to, want) in cases {
            let xml = edit(&good, from, to);
            let mut got = ids(&validate_response(xml.as_bytes()))
                .into_iter()
                .map(String::from)
                .collect::<Vec<_>>();
            got.sort();
            got.dedup();
            assert_eq!(got, *want, "{from} -> {to}");
        }
        // R001: no clarification code at all for RE.
        let no_codes = good
            .lines()
            .filter(|l| !l.contains("StatusReasonCode"))
            .collect::<Vec<_>>()
            .join("\n");
        let no_codes = edit(&no_codes, "<cac:Status>\n      </cac:Status>", "");
        assert_eq!(
            ids(&validate_response(no_codes.as_bytes())),
            ["PEPPOL-T111-R001"]
        );
        // R002 (warning), R004 and R005 around OTH and PPD.
        let mut r = response(ResponseCode::Ap);
        r.clarifications = vec![Clarification {
            code: Some(ClarificationCode::Action(StatusAction::Oth)),
            text: None,
            conditions: vec![],
        }];
        let xml = build(&r).unwrap();
        let f = validate_response(xml.as_bytes());
        assert_eq!(ids(&f), ["PEPPOL-T111-R002"]);
        assert_eq!(f[0].severity, Severity::Warning);
        let ppd = edit(
            &xml,
            "listID=\"OPStatusAction\">OTH<",
            "listID=\"OPStatusReason\">PPD<",
        );
        let f = validate_response(ppd.as_bytes());
        assert_eq!(ids(&f), ["PEPPOL-T111-R004", "HAVEN-Q-T111-R005"]);
        assert_eq!(f[1].severity, Severity::Warning);
        assert_eq!(f[1].rule_set, "Haven");
        let paid = edit(&ppd, ">AP<", ">PD<");
        assert_eq!(
            ids(&validate_response(paid.as_bytes())),
            ["PEPPOL-T111-R004"]
        );
    }

    #[test]
    fn parse_names_what_is_missing() {
        let good = build(&response(ResponseCode::Ab)).unwrap();
        let no_id = edit(&good, "<cbc:ID>INV-2026-001</cbc:ID>", "");
        assert_eq!(
            parse(no_id.as_bytes()).unwrap_err(),
            ResponseError::Missing {
                field: "DocumentResponse/DocumentReference/ID"
            }
        );
        let bad_code = edit(&good, ">AB<", ">ZZ<");
        assert!(matches!(
            parse(bad_code.as_bytes()).unwrap_err(),
            ResponseError::Invalid {
                field: "DocumentResponse/Response/ResponseCode",
                ..
            }
        ));
        let doctype = format!(
            "<!DOCTYPE x [<!ENTITY a \"b\">]>{}",
            &good[good.find("<Appl").unwrap()..]
        );
        assert!(matches!(
            parse(doctype.as_bytes()).unwrap_err(),
            ResponseError::Xml(_)
        ));
        assert!(!is_invoice_response(doctype.as_bytes()));
        let invoice = include_str!("../tests/fixtures/peppol-minimal.xml");
        assert!(matches!(
            parse(invoice.as_bytes()).unwrap_err(),
            ResponseError::NotAResponse(n) if n == "Invoice"
        ));
        assert!(!is_invoice_response(invoice.as_bytes()));
        assert_eq!(
            ids(&validate_response(invoice.as_bytes())),
            ["HAVEN-DOC-UNSUPPORTED"]
        );
        assert_eq!(ids(&validate_response(b"<a>")), ["HAVEN-XML-MALFORMED"]);
    }

    #[test]
    fn check_digits() {
        assert!(is_gln("5790000436101"));
        assert!(!is_gln("5790000436102"));
        // Check digit 0 (the sum is a multiple of ten).
        assert!(is_gln("5790000436170"));
        assert!(is_norwegian_org("987654325"));
        assert!(!is_norwegian_org("987654321"));
        assert!(!is_norwegian_org("000000000"));
    }

    #[test]
    fn type_codes_as_the_artefact_lists_them() {
        for ok in ["1", "380", "381", "470", "1999", "998"] {
            assert!(in_uncl1001_d17a(ok), "{ok}");
        }
        for bad in ["0", "01", "471", "817", "875", "877", "999", "380 ", "x"] {
            assert!(!in_uncl1001_d17a(bad), "{bad}");
        }
        assert!(is_answerable_type_code("384"));
        assert!(!is_answerable_type_code("817"));
        assert!(!is_answerable_type_code("1"));
    }
}
