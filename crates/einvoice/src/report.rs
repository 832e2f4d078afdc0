//! The validation report handed back to callers (and serialised by the API).

use serde::Serialize;
use utoipa::ToSchema;

use crate::detect::{DocumentType, Profile, Syntax};
use crate::rules::releases::{ReleaseId, Selection};

/// How bad a finding is. A fatal finding makes the document invalid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum Severity {
    Fatal,
    Warning,
    Information,
}

/// One rule that did not hold (or a note about the validation itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// Official rule id (e.g. `BR-CO-10`, `PEPPOL-EN16931-R004`, `BR-NL-1`); engine-level
    /// findings (parsing, detection) use `HAVEN-*` ids.
    pub rule_id: String,
    pub severity: Severity,
    /// Rule set the rule comes from, with its version (e.g. `CEN 1.3.16`).
    pub rule_set: String,
    /// EN 16931 business term or group concerned, e.g. `BT-106` or `BG-23`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub business_term: Option<String>,
    /// XPath-like location in the document, e.g. `/Invoice/cac:InvoiceLine[2]/cbc:LineExtensionAmount`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// 1-based line of the location (or of a syntax error).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    pub message: String,
    /// For calculations: the value the rule expects.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    /// For calculations: the value found in the document.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual: Option<String>,
}

/// What was detected about the document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DocumentInfo {
    pub syntax: Syntax,
    pub document_type: DocumentType,
    /// BT-24 specification identifier as found in the document.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customization_id: Option<String>,
    /// BT-23 business process as found in the document.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile_id: Option<String>,
    /// Profile recognised from the specification identifier, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detected_profile: Option<Profile>,
    /// Profile whose rules were applied (the required one, else the detected one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validated_profile: Option<Profile>,
    /// Set when the XML was taken out of a container (a Factur-X / ZUGFeRD / XRechnung
    /// hybrid PDF). Lines and columns of findings then refer to the embedded XML.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub embedded_in: Option<Container>,
}

/// Container format the invoice XML was embedded in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum ContainerFormat {
    /// PDF (PDF/A-3) with the XML as an embedded file.
    Pdf,
}

/// The container the invoice XML came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Container {
    pub format: ContainerFormat,
    /// Name of the attachment that held the XML, e.g. `factur-x.xml`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attachment: Option<String>,
    /// Size of the extracted XML in bytes.
    pub xml_bytes: usize,
}

/// One rule set applied: an artefact of a catalogue release (`GET /api/v1/rulesets` lists
/// the releases). Its findings carry `name version` as their `ruleSet`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AppliedRuleSet {
    /// The release, e.g. `cen-1.3.16`, `peppol-3.0.19`, `nlcius-2.0.3.12`.
    pub id: ReleaseId,
    /// The artefact, e.g. `CEN`, `Peppol`, `SI-UBL`, `NLCIUS-CII`, `G-account`.
    pub name: String,
    /// The artefact's version, e.g. `1.3.16`.
    pub version: String,
    /// Why this release: in force on the issue date, the current one (no readable issue
    /// date), requested by the caller, or the CEN release the Peppol or NLCIUS release bundles.
    pub selected_by: Selection,
    /// Set when the release that should apply is one Haven does not implement: which one it
    /// was, and that the nearest implemented release was applied instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl AppliedRuleSet {
    /// `name version`, as findings name it (e.g. `CEN 1.3.16`).
    pub fn label(&self) -> String {
        format!("{} {}", self.name, self.version)
    }
}

/// The result of validating one document: what it is and every finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ValidationReport {
    /// True when there is no fatal finding.
    pub valid: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document: Option<DocumentInfo>,
    /// Rule sets applied, in order, with the release each comes from.
    pub rule_sets: Vec<AppliedRuleSet>,
    pub findings: Vec<Finding>,
}

impl ValidationReport {
    /// The rule sets applied as findings name them, e.g. `["CEN 1.3.16", "Peppol 3.0.19"]`.
    pub fn rule_set_labels(&self) -> Vec<String> {
        self.rule_sets.iter().map(AppliedRuleSet::label).collect()
    }

    pub fn fatal_count(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Fatal)
            .count()
    }

    pub fn warning_count(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Warning)
            .count()
    }
}
