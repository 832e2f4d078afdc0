//! The e-invoice standards: detection, safe parsing, the EN 16931 semantic model,
//! the official rule sets (EN 16931, Peppol BIS Billing 3.0, NLCIUS) and UBL <-> CII conversion.
//!
//! Pure library: no I/O, no platform types. Callers hand in bytes and get a report back.
//!
//! Module layout:
//! - [`xml`]: safe single-pass parse (own tokenizer) into a compact arena tree with limits,
//! - [`detect`]: syntax, document type and profile detection,
//! - [`invoice_response`]: Peppol Invoice Response 3 (build, parse, validate with the official rule ids),
//! - [`model`]: the EN 16931 model (UBL and CII mappings),
//! - [`rules`]: rule families per rule set and the registry of implemented ids,
//! - [`codelists`]: code lists compiled in as data,
//! - [`report`]: the serialisable report,
//! - [`pdf`]: the invoice XML embedded in Factur-X / ZUGFeRD / XRechnung hybrid PDFs,
//! - [`recognition`]: the key fields of a PDF without structured data, read from its text,
//!   and a UBL invoice made from them once completed,
//! - [`render`]: a readable rendering of an invoice, as HTML ([`render_html`]) or a generated
//!   PDF ([`render_pdf`]), in Dutch or English,
//! - [`attachment`]: the supporting PDF attached to an invoice ([`embedded_pdf`]).

pub mod attachment;
pub mod codelists;
pub mod detect;
pub mod invoice_response;
pub mod model;
pub mod pdf;
pub mod recognition;
pub mod render;
pub mod report;
pub mod rules;
pub mod summary;
pub mod transform;
pub mod xml;

pub use attachment::{embedded_pdf, EmbeddedFile};
pub use detect::{DocumentType, Profile, Syntax, UnknownProfile};
pub use render::{render_html, render_pdf, Lang, RenderError, STYLESHEET};
pub use report::{
    AppliedRuleSet, Container, ContainerFormat, DocumentInfo, Finding, Severity, ValidationReport,
};
pub use rules::registry::{CenRelease, RuleSet};
pub use rules::releases::{Date, Layer, NotApplicable, ReleaseId, ReleaseInfo, Selection};
pub use summary::{InvoiceSummary, PartySummary, SchemeId};
pub use transform::{
    compare_business_terms, transform, transform_with_report, NotCarried, NotCarriedKind,
    TermDifference, TransformError, Transformed,
};

use detect::ProfileMatch;
use rules::{registry, releases, Ctx};

/// Options for [`validate`].
#[derive(Debug, Clone)]
pub struct ValidateOptions {
    /// Validate against this profile regardless of the declared specification identifier.
    /// A mismatch with the declared identifier is then reported by the profile's own rules.
    pub required_profile: Option<Profile>,
    /// Apply this rule-set release to its layer instead of the one in force on the document's
    /// issue date (a Peppol or NLCIUS release brings the CEN release it bundles). One of
    /// another layer than the profile's is reported as `HAVEN-RULESET-NOT-APPLICABLE`.
    pub rule_set: Option<ReleaseId>,
    /// Maximum input size in bytes.
    pub max_bytes: usize,
    /// Maximum element nesting depth.
    pub max_depth: usize,
    /// Maximum number of elements.
    pub max_elements: usize,
}

impl Default for ValidateOptions {
    fn default() -> Self {
        let l = xml::Limits::default();
        ValidateOptions {
            required_profile: None,
            rule_set: None,
            max_bytes: l.max_bytes,
            max_depth: l.max_depth,
            max_elements: l.max_elements,
        }
    }
}

/// The rule sets applied for a profile, in order (the way the official build configurations
/// chain them: CEN first, then the CIUS), each with the release it comes from: per layer the
/// release in force on `issue_date` (the current one without a date), or the `requested`
/// one for its layer. A Peppol or NLCIUS release fixes the CEN release under it to the one
/// its official validator bundles: the Dutch validator bundles CEN 1.3.15, so the NLCIUS
/// profiles run CEN in that release. `Err` when `requested` is of a layer the profile does
/// not apply.
pub fn rule_sets_for(
    profile: Profile,
    syntax: Syntax,
    issue_date: Option<Date>,
    requested: Option<ReleaseId>,
) -> Result<Vec<(RuleSet, AppliedRuleSet)>, NotApplicable> {
    let profile = profile.for_syntax(syntax);
    let choices = releases::choose(registry::layers(profile), issue_date, requested)?;
    Ok(choices
        .iter()
        .flat_map(|c| {
            RuleSet::ALL
                .iter()
                .filter(move |s| s.release() == c.release && s.applies_to(profile))
                .map(move |s| {
                    let applied = AppliedRuleSet {
                        id: c.release,
                        name: s.name().to_string(),
                        version: s.version().to_string(),
                        selected_by: c.selected_by,
                        note: c.note.clone(),
                    };
                    (*s, applied)
                })
        })
        .collect())
}

fn engine_finding(
    id: &str,
    severity: Severity,
    message: String,
    line: Option<usize>,
    column: Option<usize>,
) -> Finding {
    Finding {
        rule_id: id.to_string(),
        severity,
        rule_set: "Haven".to_string(),
        business_term: None,
        location: None,
        line,
        column,
        message,
        expected: None,
        actual: None,
    }
}

fn finish(
    document: Option<DocumentInfo>,
    rule_sets: Vec<AppliedRuleSet>,
    findings: Vec<Finding>,
) -> ValidationReport {
    let valid = !findings.iter().any(|f| f.severity == Severity::Fatal);
    ValidationReport {
        valid,
        document,
        rule_sets,
        findings,
    }
}

/// Detect, parse and validate a document (UBL or CII XML, or a hybrid PDF with the XML
/// embedded). Never panics: every problem is a finding.
pub fn validate(xml: &[u8], options: &ValidateOptions) -> ValidationReport {
    inspect(xml, options).report
}

/// A validation report with the document's summary (present whenever the document could be
/// read as an invoice or credit note, valid or not).
#[derive(Debug, Clone)]
pub struct Inspection {
    pub report: ValidationReport,
    pub summary: Option<InvoiceSummary>,
    /// For a hybrid PDF: the invoice XML taken out of it.
    pub embedded_xml: Option<Vec<u8>>,
}

/// [`validate`], and the summary a platform stores, from one parse.
pub fn inspect(bytes: &[u8], options: &ValidateOptions) -> Inspection {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        validate_inner(bytes, options)
    })) {
        Ok(r) => r,
        // Defence in depth: a bug must not take the caller down with it.
        Err(_) => Inspection {
            report: finish(
                None,
                vec![],
                vec![engine_finding(
                    "HAVEN-INTERNAL",
                    Severity::Fatal,
                    "internal validator error; the document could not be validated".into(),
                    None,
                    None,
                )],
            ),
            summary: None,
            embedded_xml: None,
        },
    }
}

fn unread(report: ValidationReport) -> Inspection {
    Inspection {
        report,
        summary: None,
        embedded_xml: None,
    }
}

fn validate_inner(bytes: &[u8], options: &ValidateOptions) -> Inspection {
    if !pdf::is_pdf(bytes) {
        return validate_xml(bytes, options);
    }
    let limits = pdf::PdfLimits {
        max_bytes: options.max_bytes,
        max_stream: options.max_bytes,
        ..pdf::PdfLimits::default()
    };
    match pdf::extract_invoice(bytes, &limits) {
        Ok(embedded) => {
            let mut inspection = validate_xml(&embedded.xml, options);
            if let Some(info) = &mut inspection.report.document {
                info.embedded_in = Some(Container {
                    format: ContainerFormat::Pdf,
                    attachment: embedded.filename,
                    xml_bytes: embedded.xml.len(),
                });
            }
            inspection.embedded_xml = Some(embedded.xml);
            inspection
        }
        Err(e) => {
            let id = match e {
                pdf::PdfError::TooLarge(_) => "HAVEN-PDF-LIMIT",
                pdf::PdfError::Encrypted => "HAVEN-PDF-ENCRYPTED",
                pdf::PdfError::NoInvoice(_) => "HAVEN-PDF-NO-INVOICE",
                pdf::PdfError::Undecodable(..) => "HAVEN-PDF-UNREADABLE",
            };
            unread(finish(
                None,
                vec![],
                vec![engine_finding(
                    id,
                    Severity::Fatal,
                    e.to_string(),
                    None,
                    None,
                )],
            ))
        }
    }
}

fn validate_xml(bytes: &[u8], options: &ValidateOptions) -> Inspection {
    let limits = xml::Limits {
        max_bytes: options.max_bytes,
        max_depth: options.max_depth,
        max_elements: options.max_elements,
    };
    let doc = match xml::parse(bytes, &limits) {
        Ok(d) => d,
        Err(e) => {
            let id = match e.kind {
                xml::XmlErrorKind::Doctype => "HAVEN-XML-DOCTYPE",
                xml::XmlErrorKind::TooLarge
                | xml::XmlErrorKind::TooDeep
                | xml::XmlErrorKind::TooManyElements => "HAVEN-XML-LIMIT",
                xml::XmlErrorKind::NotUtf8 => "HAVEN-XML-ENCODING",
                xml::XmlErrorKind::Malformed | xml::XmlErrorKind::Empty => "HAVEN-XML-MALFORMED",
            };
            let msg = format!("{} (line {}, column {})", e.message, e.line, e.column);
            return unread(finish(
                None,
                vec![],
                vec![engine_finding(
                    id,
                    Severity::Fatal,
                    msg,
                    Some(e.line),
                    Some(e.column),
                )],
            ));
        }
    };
    let Some(det) = detect::detect(&doc) else {
        let root = doc.root();
        let ns_uri = match doc.ns(root) {
            xml::Ns::None => "no namespace".to_string(),
            _ => "an unsupported namespace".to_string(),
        };
        let msg = format!(
            "not an e-invoice: root element '{}' in {} (expected UBL 2.1 Invoice or CreditNote, or UN/CEFACT CII D16B CrossIndustryInvoice)",
            doc.name(root),
            ns_uri
        );
        return unread(finish(
            None,
            vec![],
            vec![engine_finding(
                "HAVEN-DOC-UNSUPPORTED",
                Severity::Fatal,
                msg,
                Some(1),
                Some(1),
            )],
        ));
    };
    let matched = detect::profile_from_customization(det.customization_id, det.syntax);
    let detected = match &matched {
        ProfileMatch::Known(p) => Some(*p),
        _ => None,
    };
    let profile = match (options.required_profile, &matched) {
        (Some(p), _) => p.for_syntax(det.syntax),
        (None, ProfileMatch::Known(p)) => *p,
        // Missing BT-24: apply EN 16931 so that BR-01 reports it.
        (None, ProfileMatch::Missing) => Profile::En16931,
        (None, ProfileMatch::Unknown(_)) => Profile::En16931,
    };
    let mut info = DocumentInfo {
        syntax: det.syntax,
        document_type: det.document_type,
        customization_id: det.customization_id.map(str::to_string),
        profile_id: det.profile_id.map(str::to_string),
        detected_profile: detected,
        validated_profile: Some(profile),
        embedded_in: None,
    };
    if options.required_profile.is_none() {
        if let ProfileMatch::Unknown(id) = &matched {
            info.validated_profile = None;
            let msg = format!(
                "unknown specification identifier (BT-24) '{id}'; supported are Peppol BIS Billing 3.0, NLCIUS, EN 16931, XRechnung and Factur-X/ZUGFeRD. Choose a profile explicitly to validate anyway"
            );
            return unread(finish(
                Some(info),
                vec![],
                vec![engine_finding(
                    "HAVEN-PROFILE-UNKNOWN",
                    Severity::Fatal,
                    msg,
                    None,
                    None,
                )],
            ));
        }
    }
    if !profile.is_validatable() {
        info.validated_profile = None;
        let msg = format!("{} is recognised, but it is not EN 16931 compliant and cannot be validated against EN 16931 rule sets", profile.name());
        return unread(finish(
            Some(info),
            vec![],
            vec![engine_finding(
                "HAVEN-PROFILE-UNSUPPORTED",
                Severity::Fatal,
                msg,
                None,
                None,
            )],
        ));
    }
    let inv = match det.syntax {
        Syntax::Ubl => model::ubl::map(&doc),
        Syntax::Cii => model::cii::map(&doc),
    };
    let summary = summary::summarize(&inv, det.syntax, det.document_type, detected);
    let issue_date = inv.issue_date.and_then(|t| Date::parse(t.value));
    let sets = match rule_sets_for(profile, det.syntax, issue_date, options.rule_set) {
        Ok(sets) => sets,
        Err(NotApplicable { requested }) => {
            let offered: Vec<&str> = releases::selectable()
                .into_iter()
                .filter(|id| registry::layers(profile.for_syntax(det.syntax)).contains(&id.layer()))
                .map(ReleaseId::as_str)
                .collect();
            let msg = format!(
                "rule set {requested} does not apply to {}; choose one of {}",
                profile.name(),
                offered.join(", ")
            );
            return unread(finish(
                Some(info),
                vec![],
                vec![engine_finding(
                    "HAVEN-RULESET-NOT-APPLICABLE",
                    Severity::Fatal,
                    msg,
                    None,
                    None,
                )],
            ));
        }
    };
    let mut findings = Vec::new();
    if matches!(
        profile,
        Profile::XRechnung | Profile::FacturXExtended | Profile::Zugferd1
    ) {
        findings.push(engine_finding(
            "HAVEN-PROFILE-PARTIAL",
            Severity::Information,
            format!(
                "{} specific rules are not checked; only the EN 16931 core rules were applied",
                profile.name()
            ),
            None,
            None,
        ));
    }
    let mut locator = xml::Locator::new();
    for (set, _) in &sets {
        let mut ctx = Ctx {
            doc: &doc,
            inv: &inv,
            syntax: det.syntax,
            doc_type: det.document_type,
            rule_set: set.label(),
            cen: set.cen_release(),
            table: set.tables(det.syntax),
            findings: Vec::new(),
            locator: std::mem::take(&mut locator),
            rule_cache: std::collections::HashMap::new(),
        };
        set.run(&mut ctx);
        findings.append(&mut ctx.findings);
        locator = ctx.locator;
    }
    Inspection {
        report: finish(
            Some(info),
            sets.into_iter().map(|(_, applied)| applied).collect(),
            findings,
        ),
        summary: Some(summary),
        embedded_xml: None,
    }
}
