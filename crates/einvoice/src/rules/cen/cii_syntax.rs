//! Syntax-bound rules of the CII binding: CII-SR-* (cardinality and structure restrictions)
//! and CII-DT-* (data type restrictions), as CEN 1.3.16 applies them.
//!
//! The official rules form one Schematron pattern. In a pattern every element is checked
//! against the rule contexts in order and only the first context it matches applies. We keep
//! that behaviour, and with it two consequences:
//! - the four identifiers of the "no attributes" group (specification id, invoice number,
//!   line id, seller's item id) get CII-DT-001..007 but not the general CII-DT-101..104,
//! - the invoice type code is caught by the general type-code context first, so the stricter
//!   CII-DT-010..012 never apply to it and can never fire (listed so coverage is honest about
//!   agreeing with the official artefact).
//!
//! One pass over the elements: each element is classified into at most one context from its
//! name and ancestors, and its own children are inspected. Document-wide conditions are
//! collected on the way and settled at the end.

use crate::detect::Syntax;
use crate::rules::{fatal, warning, Ctx, Rule};
use crate::xml::{Doc, NodeId, Ns};

pub static RULES: &[Rule] = &[
    // Document context, header and lines.
    fatal("CII-SR-009", "BT-24", "The document context must contain exactly one guideline parameter (GuidelineSpecifiedDocumentContextParameter)"),
    fatal("CII-SR-010", "BT-24", "The guideline parameter must carry exactly one specification identifier (ID)"),
    fatal("CII-SR-014", "BT-3", "The exchanged document must contain exactly one type code"),
    fatal("CII-SR-046", "BT-157", "An item standard identifier (GlobalID) needs a scheme identifier (schemeID)"),
    fatal("CII-SR-069", "BT-160", "An item attribute must have exactly one name (Description)"),
    fatal("CII-SR-072", "BT-161", "An item attribute must have exactly one value (Value)"),
    fatal("CII-SR-090", "BT-159", "An item country of origin must carry exactly one country code (ID)"),
    fatal("CII-SR-439", "BT-146", "An invoice line must have exactly one item net price (NetPriceProductTradePrice/ChargeAmount)"),
    fatal("CII-SR-440", "BT-147", "A price discount may have at most one amount (ActualAmount)"),
    fatal("CII-SR-441", "BT-146", "An invoice line may have at most one item net price"),
    fatal("CII-SR-455", "BG-6", "The seller may have at most one contact (DefinedTradeContact)"),
    fatal("CII-SR-456", "BG-9", "The buyer may have at most one contact (DefinedTradeContact)"),
    fatal("CII-SR-459", "BT-34", "The seller may have at most one electronic address (URIUniversalCommunication)"),
    fatal("CII-SR-460", "BT-49", "The buyer may have at most one electronic address (URIUniversalCommunication)"),
    fatal("CII-SR-461", "BT-7", "The VAT breakdown may carry at most one VAT point date (TaxPointDate)"),
    fatal("CII-SR-462", "BT-8", "All VAT point date codes (DueDateTypeCode) in the invoice must have the same value"),
    fatal("CII-SR-463", "BG-20", "Every allowance or charge must have a charge indicator"),
    fatal("CII-SR-467", "BT-81", "All payment instructions must use the same payment means code"),
    fatal("CII-SR-468", "BT-82", "All payment instructions must use the same payment means text"),
    fatal("CII-SR-469", "BT-83", "The invoice may have at most one payment reference"),
    fatal("CII-SR-470", "BT-84", "A credit transfer (payment means 30 or 58) needs an IBAN or a proprietary account identifier"),
    fatal("CII-SR-471", "BG-20", "An allowance or charge may have at most one rate (RateApplicablePercent)"),
    fatal("CII-SR-472", "BG-20", "An allowance or charge may have at most one VAT category (CategoryTradeTax)"),
    fatal("CII-SR-473", "BG-20", "An allowance or charge may have at most one amount (ActualAmount)"),
    fatal("CII-SR-477", "BT-106", "The document totals may contain at most one LineTotalAmount"),
    fatal("CII-SR-478", "BT-108", "The document totals may contain at most one ChargeTotalAmount"),
    fatal("CII-SR-479", "BT-107", "The document totals may contain at most one AllowanceTotalAmount"),
    fatal("CII-SR-480", "BT-109", "The document totals may contain at most one TaxBasisTotalAmount"),
    fatal("CII-SR-481", "BT-114", "The document totals may contain at most one RoundingAmount"),
    fatal("CII-SR-482", "BT-112", "The document totals may contain at most one GrandTotalAmount"),
    fatal("CII-SR-483", "BG-22", "The document totals may contain at most one InformationAmount"),
    fatal("CII-SR-484", "BT-113", "The document totals may contain at most one TotalPrepaidAmount"),
    fatal("CII-SR-485", "BG-22", "The document totals may contain at most one TotalDiscountAmount"),
    fatal("CII-SR-486", "BG-22", "The document totals may contain at most one TotalAllowanceChargeAmount"),
    fatal("CII-SR-487", "BT-115", "The document totals may contain at most one DuePayableAmount"),
    fatal("CII-SR-488", "BG-22", "The document totals may contain at most one RetailValueExcludingTaxInformationAmount"),
    fatal("CII-SR-489", "BG-22", "The document totals may contain at most one TotalDepositFeeInformationAmount"),
    fatal("CII-SR-490", "BG-22", "The document totals may contain at most one ProductValueExcludingTobaccoTaxInformationAmount"),
    fatal("CII-SR-491", "BG-22", "The document totals may contain at most one TotalRetailValueInformationAmount"),
    fatal("CII-SR-492", "BG-22", "The document totals may contain at most one GrossLineTotalAmount"),
    fatal("CII-SR-493", "BG-22", "The document totals may contain at most one NetLineTotalAmount"),
    fatal("CII-SR-494", "BG-22", "The document totals may contain at most one NetIncludingTaxesLineTotalAmount"),
    // Identifiers without attributes (BT-24, BT-1, BT-126, BT-155).
    fatal("CII-DT-001", "", "This identifier must not carry the attribute schemeName"),
    fatal("CII-DT-002", "", "This identifier must not carry the attribute schemeAgencyName"),
    fatal("CII-DT-003", "", "This identifier must not carry the attribute schemeDataURI"),
    fatal("CII-DT-004", "", "This identifier must not carry the attribute schemeURI"),
    fatal("CII-DT-005", "", "This identifier must not carry the attribute schemeID"),
    fatal("CII-DT-006", "", "This identifier must not carry the attribute schemeAgencyID"),
    fatal("CII-DT-007", "", "This identifier must not carry the attribute schemeVersionID"),
    // Type codes.
    fatal("CII-DT-008", "", "A type code must not carry the attribute name"),
    fatal("CII-DT-009", "", "A type code must not carry the attribute listURI"),
    fatal("CII-DT-010", "BT-3", "The invoice type code must not carry the attribute listID"),
    fatal("CII-DT-011", "BT-3", "The invoice type code must not carry the attribute listAgencyID"),
    fatal("CII-DT-012", "BT-3", "The invoice type code must not carry the attribute listVersionID"),
    // The root element.
    fatal("CII-DT-013", "", "The invoice element must not carry the attribute languageID"),
    fatal("CII-DT-014", "", "The invoice element must not carry the attribute languageLocaleID"),
    // Referenced documents.
    fatal("CII-DT-015", "", "A referenced document may only have a URIID when it is a supporting document (type 916)"),
    fatal("CII-DT-016", "", "A referenced document must not have a StatusCode"),
    fatal("CII-DT-017", "", "A referenced document must not have a CopyIndicator"),
    fatal("CII-DT-018", "", "A referenced document may only have a type code when it is an additional document of type 50, 130 or 916"),
    fatal("CII-DT-019", "", "A referenced document must not have a GlobalID"),
    fatal("CII-DT-020", "", "A referenced document must not have a RevisionID"),
    fatal("CII-DT-021", "", "A referenced document may only have a Name when it is a supporting document (type 916)"),
    fatal("CII-DT-022", "", "A referenced document may only have an attachment when it is a supporting document (type 916)"),
    fatal("CII-DT-023", "", "A referenced document must not have Information"),
    fatal("CII-DT-024", "", "A referenced document may only have a ReferenceTypeCode when it is an invoiced object reference (type 130)"),
    fatal("CII-DT-025", "", "A referenced document must not have a SectionName"),
    fatal("CII-DT-026", "", "A referenced document must not have a PreviousRevisionID"),
    fatal("CII-DT-027", "", "Only a preceding invoice reference may have a FormattedIssueDateTime"),
    fatal("CII-DT-028", "", "A referenced document must not have an EffectiveSpecifiedPeriod"),
    fatal("CII-DT-029", "", "A referenced document must not have an IssuerTradeParty"),
    fatal("CII-DT-030", "", "A referenced document must not have an AttachedSpecifiedBinaryFile"),
    // Amounts and quantities.
    fatal("CII-DT-031", "", "An amount must not carry the attribute currencyID (only the VAT total does)"),
    fatal("CII-DT-032", "", "An amount must not carry the attribute currencyCodeListVersionID"),
    fatal("CII-DT-033", "", "A quantity may only carry a unitCode when the invoiced quantities carry one"),
    fatal("CII-DT-034", "", "A quantity must not carry the attribute unitCodeListID"),
    fatal("CII-DT-035", "", "A quantity must not carry the attribute unitCodeListAgencyID"),
    fatal("CII-DT-036", "", "A quantity must not carry the attribute unitCodeListAgencyName"),
    // Trade taxes.
    fatal("CII-DT-037", "", "The tax type code must be VAT"),
    warning("CII-DT-038", "", "A trade tax should not have a CalculatedRate"),
    warning("CII-DT-039", "", "A trade tax should not have a CalculationSequenceNumeric"),
    warning("CII-DT-040", "", "A trade tax should not have a BasisQuantity"),
    warning("CII-DT-041", "", "Only a trade tax of the header settlement should have a BasisAmount"),
    warning("CII-DT-042", "", "A trade tax should not have a UnitBasisAmount"),
    warning("CII-DT-043", "", "A trade tax should not have a LineTotalBasisAmount"),
    warning("CII-DT-044", "", "A trade tax should not have an AllowanceChargeBasisAmount"),
    warning("CII-DT-045", "BT-151", "The line VAT category code should not carry the attribute listID"),
    warning("CII-DT-046", "BT-151", "The line VAT category code should not carry the attribute listAgencyID"),
    warning("CII-DT-047", "BT-151", "The line VAT category code should not carry the attribute listVersionID"),
    warning("CII-DT-048", "BT-151", "The line VAT category code should not carry the attribute listURI"),
    warning("CII-DT-049", "", "A trade tax should not have a CurrencyCode"),
    warning("CII-DT-050", "", "A trade tax should not have a Jurisdiction"),
    warning("CII-DT-051", "", "A trade tax should not have a CustomsDutyIndicator"),
    warning("CII-DT-052", "", "Only an ApplicableTradeTax should have an ExemptionReasonCode"),
    warning("CII-DT-053", "", "A trade tax should not have a TaxBasisAllowanceRate"),
    warning("CII-DT-054", "", "Only a trade tax of the header settlement should have a TaxPointDate"),
    warning("CII-DT-055", "", "A trade tax should not have a Type"),
    warning("CII-DT-056", "", "A trade tax should not have an InformationAmount"),
    warning("CII-DT-057", "", "A trade tax should not have a CategoryName"),
    warning("CII-DT-058", "", "Only a trade tax of the header settlement should have a DueDateTypeCode"),
    warning("CII-DT-059", "", "The VAT rate of a trade tax should not carry the attribute format"),
    warning("CII-DT-060", "", "A trade tax should not have a SpecifiedTradeAccountingAccount"),
    warning("CII-DT-061", "", "A trade tax should not have a ServiceSupplyTradeCountry"),
    warning("CII-DT-062", "", "A trade tax should not have a BuyerRepayableTaxSpecifiedTradeAccountingAccount"),
    warning("CII-DT-063", "", "A trade tax should not have a SellerPayableTaxSpecifiedTradeAccountingAccount"),
    warning("CII-DT-064", "", "A trade tax should not have a SellerRefundableTaxSpecifiedTradeAccountingAccount"),
    warning("CII-DT-065", "", "A trade tax should not have a BuyerDeductibleTaxSpecifiedTradeAccountingAccount"),
    warning("CII-DT-066", "", "A trade tax should not have a BuyerNonDeductibleTaxSpecifiedTradeAccountingAccount"),
    warning("CII-DT-067", "", "A trade tax should not have a PlaceApplicableTradeLocation"),
    warning("CII-DT-098", "", "Only an ApplicableTradeTax should have an ExemptionReason"),
    // Billing periods.
    fatal("CII-DT-068", "", "A period start must be given as a date string, not as a DateTime"),
    fatal("CII-DT-069", "", "A billing period must not have a DurationMeasure"),
    fatal("CII-DT-070", "", "A billing period must not have an InclusiveIndicator"),
    fatal("CII-DT-071", "", "A billing period must not have a Description"),
    fatal("CII-DT-072", "", "A period end must be given as a date string, not as a DateTime"),
    fatal("CII-DT-073", "", "A billing period must not have a CompleteDateTime"),
    fatal("CII-DT-074", "", "A billing period must not have an OpenIndicator"),
    fatal("CII-DT-075", "", "A billing period must not have a SeasonCode"),
    fatal("CII-DT-076", "", "A billing period must not have an ID"),
    fatal("CII-DT-077", "", "A billing period must not have a Name"),
    fatal("CII-DT-078", "", "A billing period must not have a SequenceNumeric"),
    fatal("CII-DT-079", "", "A billing period must not have a StartDateFlexibilityCode"),
    fatal("CII-DT-080", "", "A billing period must not have a ContinuousIndicator"),
    fatal("CII-DT-081", "", "A billing period must not have a PurposeCode"),
    // Postal addresses.
    fatal("CII-DT-082", "", "A postal address must not have an ID"),
    fatal("CII-DT-083", "", "A postal address must not have a PostOfficeBox"),
    fatal("CII-DT-084", "", "A postal address must not have a BuildingName"),
    fatal("CII-DT-086", "", "A postal address must not have a LineFour"),
    fatal("CII-DT-087", "", "A postal address must not have a LineFive"),
    fatal("CII-DT-088", "", "A postal address must not have a StreetName (use the address lines)"),
    fatal("CII-DT-089", "", "A postal address must not have a CitySubDivisionName"),
    fatal("CII-DT-090", "", "A postal address must not have a CountryName (use the country code)"),
    fatal("CII-DT-091", "", "A postal address must not have a CountrySubDivisionID"),
    fatal("CII-DT-092", "", "A postal address must not have an AttentionOf"),
    fatal("CII-DT-093", "", "A postal address must not have a CareOf"),
    fatal("CII-DT-094", "", "A postal address must not have a BuildingNumber"),
    fatal("CII-DT-095", "", "A postal address must not have a DepartmentName"),
    fatal("CII-DT-096", "", "A postal address must not have an AdditionalStreetName"),
    // Dates.
    fatal("CII-DT-097", "", "A date string in format 102 must be a valid-looking YYYYMMDD date"),
    // Other identifiers.
    fatal("CII-DT-101", "", "An identifier must not carry the attribute schemeName"),
    fatal("CII-DT-102", "", "An identifier must not carry the attribute schemeAgencyName"),
    fatal("CII-DT-103", "", "An identifier must not carry the attribute schemeDataURI"),
    fatal("CII-DT-104", "", "An identifier must not carry the attribute schemeURI"),
];

/// A step of an absolute path: namespace and local name.
type Step = (Ns, &'static str);

const ROOT: Step = (Ns::Rsm, "CrossIndustryInvoice");
const TX: Step = (Ns::Rsm, "SupplyChainTradeTransaction");
const LINE: Step = (Ns::Ram, "IncludedSupplyChainTradeLineItem");

/// Attribute bans of the "identifier without attributes" context.
const ID_NO_ATTRS: &[(&str, &str)] = &[
    ("schemeName", "CII-DT-001"),
    ("schemeAgencyName", "CII-DT-002"),
    ("schemeDataURI", "CII-DT-003"),
    ("schemeURI", "CII-DT-004"),
    ("schemeID", "CII-DT-005"),
    ("schemeAgencyID", "CII-DT-006"),
    ("schemeVersionID", "CII-DT-007"),
];
const ID_ATTRS: &[(&str, &str)] = &[
    ("schemeName", "CII-DT-101"),
    ("schemeAgencyName", "CII-DT-102"),
    ("schemeDataURI", "CII-DT-103"),
    ("schemeURI", "CII-DT-104"),
];
const TYPE_CODE_ATTRS: &[(&str, &str)] = &[("name", "CII-DT-008"), ("listURI", "CII-DT-009")];
const ROOT_ATTRS: &[(&str, &str)] = &[
    ("languageID", "CII-DT-013"),
    ("languageLocaleID", "CII-DT-014"),
];
const LINE_CATEGORY_ATTRS: &[(&str, &str)] = &[
    ("listID", "CII-DT-045"),
    ("listAgencyID", "CII-DT-046"),
    ("listVersionID", "CII-DT-047"),
    ("listURI", "CII-DT-048"),
];
const AMOUNT_ATTRS: &[(&str, &str)] = &[
    ("currencyID", "CII-DT-031"),
    ("currencyCodeListVersionID", "CII-DT-032"),
];
const QUANTITY_ATTRS: &[(&str, &str)] = &[
    ("unitCodeListID", "CII-DT-034"),
    ("unitCodeListAgencyID", "CII-DT-035"),
    ("unitCodeListAgencyName", "CII-DT-036"),
];

/// Children a referenced document must not have, whatever its kind.
const REF_DOC_BANNED: &[(&str, &str)] = &[
    ("StatusCode", "CII-DT-016"),
    ("CopyIndicator", "CII-DT-017"),
    ("GlobalID", "CII-DT-019"),
    ("RevisionID", "CII-DT-020"),
    ("Information", "CII-DT-023"),
    ("SectionName", "CII-DT-025"),
    ("PreviousRevisionID", "CII-DT-026"),
    ("EffectiveSpecifiedPeriod", "CII-DT-028"),
    ("IssuerTradeParty", "CII-DT-029"),
    ("AttachedSpecifiedBinaryFile", "CII-DT-030"),
];

/// Children a trade tax must not have, whatever its position.
const TAX_BANNED: &[(&str, &str)] = &[
    ("CalculatedRate", "CII-DT-038"),
    ("CalculationSequenceNumeric", "CII-DT-039"),
    ("BasisQuantity", "CII-DT-040"),
    ("UnitBasisAmount", "CII-DT-042"),
    ("LineTotalBasisAmount", "CII-DT-043"),
    ("AllowanceChargeBasisAmount", "CII-DT-044"),
    ("CurrencyCode", "CII-DT-049"),
    ("Jurisdiction", "CII-DT-050"),
    ("CustomsDutyIndicator", "CII-DT-051"),
    ("TaxBasisAllowanceRate", "CII-DT-053"),
    ("Type", "CII-DT-055"),
    ("InformationAmount", "CII-DT-056"),
    ("CategoryName", "CII-DT-057"),
    ("SpecifiedTradeAccountingAccount", "CII-DT-060"),
    ("ServiceSupplyTradeCountry", "CII-DT-061"),
    (
        "BuyerRepayableTaxSpecifiedTradeAccountingAccount",
        "CII-DT-062",
    ),
    (
        "SellerPayableTaxSpecifiedTradeAccountingAccount",
        "CII-DT-063",
    ),
    (
        "SellerRefundableTaxSpecifiedTradeAccountingAccount",
        "CII-DT-064",
    ),
    (
        "BuyerDeductibleTaxSpecifiedTradeAccountingAccount",
        "CII-DT-065",
    ),
    (
        "BuyerNonDeductibleTaxSpecifiedTradeAccountingAccount",
        "CII-DT-066",
    ),
    ("PlaceApplicableTradeLocation", "CII-DT-067"),
];

/// Children a billing period must not have (the DateTime variants are checked apart).
const PERIOD_BANNED: &[(&str, &str)] = &[
    ("DurationMeasure", "CII-DT-069"),
    ("InclusiveIndicator", "CII-DT-070"),
    ("Description", "CII-DT-071"),
    ("CompleteDateTime", "CII-DT-073"),
    ("OpenIndicator", "CII-DT-074"),
    ("SeasonCode", "CII-DT-075"),
    ("ID", "CII-DT-076"),
    ("Name", "CII-DT-077"),
    ("SequenceNumeric", "CII-DT-078"),
    ("StartDateFlexibilityCode", "CII-DT-079"),
    ("ContinuousIndicator", "CII-DT-080"),
    ("PurposeCode", "CII-DT-081"),
];

const ADDRESS_BANNED: &[(&str, &str)] = &[
    ("ID", "CII-DT-082"),
    ("PostOfficeBox", "CII-DT-083"),
    ("BuildingName", "CII-DT-084"),
    ("LineFour", "CII-DT-086"),
    ("LineFive", "CII-DT-087"),
    ("StreetName", "CII-DT-088"),
    ("CitySubDivisionName", "CII-DT-089"),
    ("CountryName", "CII-DT-090"),
    ("CountrySubDivisionID", "CII-DT-091"),
    ("AttentionOf", "CII-DT-092"),
    ("CareOf", "CII-DT-093"),
    ("BuildingNumber", "CII-DT-094"),
    ("DepartmentName", "CII-DT-095"),
    ("AdditionalStreetName", "CII-DT-096"),
];

/// Children of the document totals that may occur at most once.
const TOTALS_AT_MOST_ONE: &[(&str, &str)] = &[
    ("LineTotalAmount", "CII-SR-477"),
    ("ChargeTotalAmount", "CII-SR-478"),
    ("AllowanceTotalAmount", "CII-SR-479"),
    ("TaxBasisTotalAmount", "CII-SR-480"),
    ("RoundingAmount", "CII-SR-481"),
    ("GrandTotalAmount", "CII-SR-482"),
    ("InformationAmount", "CII-SR-483"),
    ("TotalPrepaidAmount", "CII-SR-484"),
    ("TotalDiscountAmount", "CII-SR-485"),
    ("TotalAllowanceChargeAmount", "CII-SR-486"),
    ("DuePayableAmount", "CII-SR-487"),
    ("RetailValueExcludingTaxInformationAmount", "CII-SR-488"),
    ("TotalDepositFeeInformationAmount", "CII-SR-489"),
    (
        "ProductValueExcludingTobaccoTaxInformationAmount",
        "CII-SR-490",
    ),
    ("TotalRetailValueInformationAmount", "CII-SR-491"),
    ("GrossLineTotalAmount", "CII-SR-492"),
    ("NetLineTotalAmount", "CII-SR-493"),
    ("NetIncludingTaxesLineTotalAmount", "CII-SR-494"),
];

/// The rule context an element falls into (first match in the official order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    PaymentMeans,
    DocContext,
    ExchangedDocument,
    LineProduct,
    ProductCharacteristic,
    LineAgreement,
    AllowanceCharge,
    PriceAllowanceCharge,
    HeaderAgreement,
    HeaderSettlement,
    Totals,
    Root,
    IdNoAttributes,
    Id,
    TypeCode,
    LineCategoryCode,
    ReferencedDocument,
    Amount,
    Quantity,
    TradeTax,
    BillingPeriod,
    PostalAddress,
    DateString102,
}

/// Does `n` sit exactly at the absolute path `steps` (root first)?
fn at_path(doc: &Doc<'_>, n: NodeId, steps: &[Step]) -> bool {
    let mut cur = Some(n);
    for (ns, name) in steps.iter().rev() {
        match cur {
            Some(c) if doc.is(c, *ns, name) => cur = doc.parent(c),
            _ => return false,
        }
    }
    cur.is_none()
}

/// Is `n` a child of a line item, i.e. at `/CrossIndustryInvoice/SupplyChainTradeTransaction/
/// IncludedSupplyChainTradeLineItem/{n}`?
fn in_line(doc: &Doc<'_>, n: NodeId) -> bool {
    doc.parent(n)
        .is_some_and(|p| at_path(doc, p, &[ROOT, TX, LINE]))
}

fn in_transaction(doc: &Doc<'_>, n: NodeId) -> bool {
    doc.parent(n).is_some_and(|p| at_path(doc, p, &[ROOT, TX]))
}

fn in_root(doc: &Doc<'_>, n: NodeId) -> bool {
    doc.parent(n).is_some_and(|p| at_path(doc, p, &[ROOT]))
}

fn classify(doc: &Doc<'_>, n: NodeId) -> Option<Scope> {
    let node = doc.node(n)?;
    let name = node.name;
    let parent_is = |ns: Ns, pname: &str| doc.parent(n).is_some_and(|p| doc.is(p, ns, pname));
    if node.ns == Ns::Ram {
        let fixed = match name {
            "SpecifiedTradeSettlementPaymentMeans" => Some(Scope::PaymentMeans),
            "SpecifiedTradeProduct" if in_line(doc, n) => Some(Scope::LineProduct),
            "ApplicableProductCharacteristic"
                if parent_is(Ns::Ram, "SpecifiedTradeProduct")
                    && doc.parent(n).is_some_and(|p| in_line(doc, p)) =>
            {
                Some(Scope::ProductCharacteristic)
            }
            "SpecifiedLineTradeAgreement" if in_line(doc, n) => Some(Scope::LineAgreement),
            "SpecifiedTradeAllowanceCharge" => Some(Scope::AllowanceCharge),
            "AppliedTradeAllowanceCharge" if parent_is(Ns::Ram, "GrossPriceProductTradePrice") => {
                Some(Scope::PriceAllowanceCharge)
            }
            "ApplicableHeaderTradeAgreement" if in_transaction(doc, n) => {
                Some(Scope::HeaderAgreement)
            }
            "ApplicableHeaderTradeSettlement" if in_transaction(doc, n) => {
                Some(Scope::HeaderSettlement)
            }
            "SpecifiedTradeSettlementHeaderMonetarySummation"
                if parent_is(Ns::Ram, "ApplicableHeaderTradeSettlement")
                    && doc.parent(n).is_some_and(|p| in_transaction(doc, p)) =>
            {
                Some(Scope::Totals)
            }
            _ => None,
        };
        if fixed.is_some() {
            return fixed;
        }
    }
    match node.ns {
        Ns::Rsm => match name {
            "ExchangedDocumentContext" if in_root(doc, n) => Some(Scope::DocContext),
            "ExchangedDocument" if in_root(doc, n) => Some(Scope::ExchangedDocument),
            "CrossIndustryInvoice" if doc.parent(n).is_none() => Some(Scope::Root),
            _ => None,
        },
        Ns::Ram => {
            if name.ends_with("ID") {
                let no_attrs = match name {
                    "ID" => {
                        let p = doc.parent(n);
                        p.is_some_and(|p| {
                            doc.is(p, Ns::Ram, "GuidelineSpecifiedDocumentContextParameter")
                                && doc.parent(p).is_some_and(|g| {
                                    at_path(doc, g, &[ROOT, (Ns::Rsm, "ExchangedDocumentContext")])
                                })
                        }) || p.is_some_and(|p| {
                            at_path(doc, p, &[ROOT, (Ns::Rsm, "ExchangedDocument")])
                        })
                    }
                    "LineID" => doc.parent(n).is_some_and(|p| {
                        doc.is(p, Ns::Ram, "AssociatedDocumentLineDocument") && in_line(doc, p)
                    }),
                    "SellerAssignedID" => doc.parent(n).is_some_and(|p| {
                        doc.is(p, Ns::Ram, "SpecifiedTradeProduct") && in_line(doc, p)
                    }),
                    _ => false,
                };
                return Some(if no_attrs {
                    Scope::IdNoAttributes
                } else {
                    Scope::Id
                });
            }
            if name == "TypeCode" {
                return Some(Scope::TypeCode);
            }
            if name == "CategoryCode"
                && parent_is(Ns::Ram, "ApplicableTradeTax")
                && doc.parent(n).is_some_and(|t| {
                    doc.parent(t).is_some_and(|s| {
                        doc.is(s, Ns::Ram, "SpecifiedLineTradeSettlement") && in_line(doc, s)
                    })
                })
            {
                return Some(Scope::LineCategoryCode);
            }
            if name.ends_with("ReferencedDocument") {
                return Some(Scope::ReferencedDocument);
            }
            if name.ends_with("Amount") && name != "TaxTotalAmount" {
                return Some(Scope::Amount);
            }
            if name.ends_with("Quantity") {
                return Some(Scope::Quantity);
            }
            if name.ends_with("TradeTax") {
                return Some(Scope::TradeTax);
            }
            match name {
                "BillingSpecifiedPeriod" => Some(Scope::BillingPeriod),
                "PostalTradeAddress" => Some(Scope::PostalAddress),
                _ => None,
            }
        }
        Ns::Udt if name == "DateTimeString" && doc.attr(n, "format") == Some("102") => {
            Some(Scope::DateString102)
        }
        _ => None,
    }
}

/// XPath `normalize-space`: trim and collapse inner whitespace runs to one space.
fn normalize_space(s: &str) -> String {
    s.split_ascii_whitespace().collect::<Vec<_>>().join(" ")
}

/// `^\s*\d{4}(1[0-2]|0[1-9])(3[01]|[12][0-9]|0[1-9])\s*$` with XML whitespace.
/// (Digits are ASCII digits; XPath's `\d` would also accept other Unicode decimal digits
/// in the year.)
fn is_yyyymmdd(s: &str) -> bool {
    let t = s.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r'));
    let &[_, _, _, _, m1, m2, d1, d2] = t.as_bytes() else {
        return false;
    };
    if !t.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let month = (m1 - b'0') * 10 + (m2 - b'0');
    let day = (d1 - b'0') * 10 + (d2 - b'0');
    (1..=12).contains(&month) && (1..=31).contains(&day)
}

fn count(doc: &Doc<'_>, n: NodeId, name: &str) -> usize {
    doc.kids(n, Ns::Ram, name).count()
}

fn has(doc: &Doc<'_>, n: NodeId, name: &str) -> bool {
    doc.kid(n, Ns::Ram, name).is_some()
}

/// Number of `first/second` grandchildren.
fn count2(doc: &Doc<'_>, n: NodeId, first: &str, second: &str) -> usize {
    doc.kids(n, Ns::Ram, first)
        .map(|c| count(doc, c, second))
        .sum()
}

fn has_ancestor(doc: &Doc<'_>, n: NodeId, ns: Ns, name: &str) -> bool {
    let mut cur = doc.parent(n);
    while let Some(c) = cur {
        if doc.is(c, ns, name) {
            return true;
        }
        cur = doc.parent(c);
    }
    false
}

/// Values of the `TypeCode` children (XPath general comparison takes any of them).
fn type_codes<'d>(doc: &'d Doc<'_>, n: NodeId) -> impl Iterator<Item = &'d str> + 'd {
    doc.kids(n, Ns::Ram, "TypeCode").map(|c| doc.raw_text(c))
}

/// Document-wide facts collected during the pass and settled at the end.
#[derive(Default)]
struct Pass<'d> {
    /// First payment means code / text (normalised) and whether any differs from it.
    means_code: Option<String>,
    means_code_differs: bool,
    means_text: Option<String>,
    means_text_differs: bool,
    payment_references: usize,
    due_date_codes: Vec<&'d str>,
    header_settlements: Vec<NodeId>,
    /// Quantities with a unitCode (allowed only if some invoiced quantity has one).
    quantities_with_unit: Vec<NodeId>,
    billed_quantity_has_unit: bool,
}

pub fn check(ctx: &mut Ctx<'_, '_>) {
    if ctx.syntax != Syntax::Cii {
        return;
    }
    let doc = ctx.doc;
    let mut pass = Pass::default();
    for i in 0..doc.nodes.len() {
        let Ok(n) = NodeId::try_from(i) else { break };
        collect(doc, n, &mut pass);
        if let Some(c) = classify(doc, n) {
            check_node(ctx, n, c);
        }
    }
    let root = Some(doc.root());
    if classify(doc, doc.root()) == Some(Scope::Root) {
        ctx.check(!pass.means_code_differs, "CII-SR-467", root);
        ctx.check(!pass.means_text_differs, "CII-SR-468", root);
        ctx.check(pass.payment_references <= 1, "CII-SR-469", root);
    }
    pass.due_date_codes.sort_unstable();
    pass.due_date_codes.dedup();
    if pass.due_date_codes.len() > 1 {
        for s in &pass.header_settlements {
            ctx.fail("CII-SR-462", Some(*s));
        }
    }
    if !pass.billed_quantity_has_unit {
        for q in pass.quantities_with_unit {
            ctx.fail("CII-DT-033", Some(q));
        }
    }
}

/// Gather the document-wide facts an element contributes.
fn collect<'d>(doc: &'d Doc<'_>, n: NodeId, pass: &mut Pass<'d>) {
    let Some(node) = doc.node(n) else { return };
    if node.ns != Ns::Ram {
        return;
    }
    let parent_is = |name: &str| doc.parent(n).is_some_and(|p| doc.is(p, Ns::Ram, name));
    match node.name {
        "TypeCode" | "Information" if parent_is("SpecifiedTradeSettlementPaymentMeans") => {
            let v = normalize_space(doc.raw_text(n));
            let (first, differs) = if node.name == "TypeCode" {
                (&mut pass.means_code, &mut pass.means_code_differs)
            } else {
                (&mut pass.means_text, &mut pass.means_text_differs)
            };
            match first {
                Some(f) => *differs |= *f != v,
                None => *first = Some(v),
            }
        }
        "PaymentReference" if parent_is("ApplicableHeaderTradeSettlement") => {
            pass.payment_references += 1;
        }
        "DueDateTypeCode" if parent_is("ApplicableTradeTax") => {
            pass.due_date_codes.push(doc.raw_text(n));
        }
        "BilledQuantity" if doc.attr(n, "unitCode").is_some() => {
            let at_line = doc.parent(n).is_some_and(|p| {
                doc.is(p, Ns::Ram, "SpecifiedLineTradeDelivery") && in_line(doc, p)
            });
            pass.billed_quantity_has_unit |= at_line;
        }
        _ => {}
    }
    if node.name.ends_with("Quantity") && doc.attr(n, "unitCode").is_some() {
        pass.quantities_with_unit.push(n);
    }
    if node.name == "ApplicableHeaderTradeSettlement" && in_transaction(doc, n) {
        pass.header_settlements.push(n);
    }
}

fn banned_attrs(ctx: &mut Ctx<'_, '_>, n: NodeId, table: &[(&str, &'static str)]) {
    for (attr, id) in table {
        ctx.check(ctx.doc.attr(n, attr).is_none(), id, Some(n));
    }
}

fn banned_children(ctx: &mut Ctx<'_, '_>, n: NodeId, table: &[(&str, &'static str)]) {
    for (child, id) in table {
        ctx.check(!has(ctx.doc, n, child), id, Some(n));
    }
}

fn check_node(ctx: &mut Ctx<'_, '_>, n: NodeId, c: Scope) {
    let doc = ctx.doc;
    let some = Some(n);
    match c {
        // Only warnings (not implemented) live in this context; it is classified so that
        // the first-match order stays faithful.
        Scope::PaymentMeans => {}
        Scope::DocContext => {
            let guideline = "GuidelineSpecifiedDocumentContextParameter";
            ctx.check(count(doc, n, guideline) == 1, "CII-SR-009", some);
            ctx.check(count2(doc, n, guideline, "ID") == 1, "CII-SR-010", some);
        }
        Scope::ExchangedDocument => {
            ctx.check(count(doc, n, "TypeCode") == 1, "CII-SR-014", some);
        }
        Scope::LineProduct => {
            let globals: Vec<NodeId> = doc.kids(n, Ns::Ram, "GlobalID").collect();
            let ok =
                globals.is_empty() || globals.iter().any(|g| doc.attr(*g, "schemeID").is_some());
            ctx.check(ok, "CII-SR-046", some);
            let origin = count(doc, n, "OriginTradeCountry");
            ctx.check(
                origin == 0 || count2(doc, n, "OriginTradeCountry", "ID") == 1,
                "CII-SR-090",
                some,
            );
        }
        Scope::ProductCharacteristic => {
            ctx.check(count(doc, n, "Description") == 1, "CII-SR-069", some);
            ctx.check(count(doc, n, "Value") == 1, "CII-SR-072", some);
        }
        Scope::LineAgreement => {
            let prices = count2(doc, n, "NetPriceProductTradePrice", "ChargeAmount");
            ctx.check(prices == 1, "CII-SR-439", some);
            ctx.check(prices <= 1, "CII-SR-441", some);
        }
        Scope::AllowanceCharge => {
            ctx.check(has(doc, n, "ChargeIndicator"), "CII-SR-463", some);
            ctx.check(
                count(doc, n, "RateApplicablePercent") <= 1,
                "CII-SR-471",
                some,
            );
            ctx.check(count(doc, n, "CategoryTradeTax") <= 1, "CII-SR-472", some);
            ctx.check(count(doc, n, "ActualAmount") <= 1, "CII-SR-473", some);
        }
        Scope::PriceAllowanceCharge => {
            ctx.check(count(doc, n, "ActualAmount") <= 1, "CII-SR-440", some);
        }
        Scope::HeaderAgreement => {
            let (seller, buyer) = ("SellerTradeParty", "BuyerTradeParty");
            ctx.check(
                count2(doc, n, seller, "DefinedTradeContact") <= 1,
                "CII-SR-455",
                some,
            );
            ctx.check(
                count2(doc, n, buyer, "DefinedTradeContact") <= 1,
                "CII-SR-456",
                some,
            );
            ctx.check(
                count2(doc, n, seller, "URIUniversalCommunication") <= 1,
                "CII-SR-459",
                some,
            );
            ctx.check(
                count2(doc, n, buyer, "URIUniversalCommunication") <= 1,
                "CII-SR-460",
                some,
            );
        }
        Scope::HeaderSettlement => {
            ctx.check(
                count2(doc, n, "ApplicableTradeTax", "TaxPointDate") <= 1,
                "CII-SR-461",
                some,
            );
            let transfer_without_account = doc
                .kids(n, Ns::Ram, "SpecifiedTradeSettlementPaymentMeans")
                .any(|m| {
                    let code = doc
                        .kid(m, Ns::Ram, "TypeCode")
                        .map(|t| normalize_space(doc.raw_text(t)));
                    let transfer = matches!(code.as_deref(), Some("30" | "58"));
                    let account = doc
                        .kids(m, Ns::Ram, "PayeePartyCreditorFinancialAccount")
                        .any(|a| has(doc, a, "IBANID") || has(doc, a, "ProprietaryID"));
                    transfer && !account
                });
            ctx.check(!transfer_without_account, "CII-SR-470", some);
        }
        Scope::Totals => {
            for (child, id) in TOTALS_AT_MOST_ONE {
                ctx.check(count(doc, n, child) <= 1, id, some);
            }
        }
        Scope::Root => banned_attrs(ctx, n, ROOT_ATTRS),
        Scope::IdNoAttributes => banned_attrs(ctx, n, ID_NO_ATTRS),
        Scope::Id => banned_attrs(ctx, n, ID_ATTRS),
        Scope::TypeCode => banned_attrs(ctx, n, TYPE_CODE_ATTRS),
        Scope::LineCategoryCode => banned_attrs(ctx, n, LINE_CATEGORY_ATTRS),
        Scope::ReferencedDocument => check_referenced_document(ctx, n),
        Scope::Amount => banned_attrs(ctx, n, AMOUNT_ATTRS),
        Scope::Quantity => banned_attrs(ctx, n, QUANTITY_ATTRS),
        Scope::TradeTax => check_trade_tax(ctx, n),
        Scope::BillingPeriod => {
            let date_time = |edge: &str| {
                doc.kids(n, Ns::Ram, edge)
                    .any(|e| doc.kid(e, Ns::Udt, "DateTime").is_some())
            };
            ctx.check(!date_time("StartDateTime"), "CII-DT-068", some);
            ctx.check(!date_time("EndDateTime"), "CII-DT-072", some);
            banned_children(ctx, n, PERIOD_BANNED);
        }
        Scope::PostalAddress => banned_children(ctx, n, ADDRESS_BANNED),
        Scope::DateString102 => {
            ctx.check(is_yyyymmdd(doc.raw_text(n)), "CII-DT-097", some);
        }
    }
}

fn check_referenced_document(ctx: &mut Ctx<'_, '_>, n: NodeId) {
    let doc = ctx.doc;
    let some = Some(n);
    let additional = doc.is(n, Ns::Ram, "AdditionalReferencedDocument");
    let typed = |code: &str| type_codes(doc, n).any(|t| t == code);
    let supporting = additional && typed("916");
    ctx.check(!has(doc, n, "URIID") || supporting, "CII-DT-015", some);
    let type_ok = type_codes(doc, n).next().is_none()
        || (additional && (typed("50") || typed("130") || typed("916")));
    ctx.check(type_ok, "CII-DT-018", some);
    ctx.check(!has(doc, n, "Name") || supporting, "CII-DT-021", some);
    ctx.check(
        !has(doc, n, "AttachmentBinaryObject") || supporting,
        "CII-DT-022",
        some,
    );
    ctx.check(
        !has(doc, n, "ReferenceTypeCode") || (additional && typed("130")),
        "CII-DT-024",
        some,
    );
    ctx.check(
        !has(doc, n, "FormattedIssueDateTime") || doc.is(n, Ns::Ram, "InvoiceReferencedDocument"),
        "CII-DT-027",
        some,
    );
    banned_children(ctx, n, REF_DOC_BANNED);
}

fn check_trade_tax(ctx: &mut Ctx<'_, '_>, n: NodeId) {
    let doc = ctx.doc;
    let some = Some(n);
    let vat_ok = type_codes(doc, n).next().is_none() || type_codes(doc, n).any(|t| t == "VAT");
    ctx.check(vat_ok, "CII-DT-037", some);
    let header = has_ancestor(doc, n, Ns::Ram, "ApplicableHeaderTradeSettlement");
    let applicable = doc.is(n, Ns::Ram, "ApplicableTradeTax");
    ctx.check(header || !has(doc, n, "BasisAmount"), "CII-DT-041", some);
    ctx.check(
        applicable || !has(doc, n, "ExemptionReasonCode"),
        "CII-DT-052",
        some,
    );
    ctx.check(
        applicable || !has(doc, n, "ExemptionReason"),
        "CII-DT-098",
        some,
    );
    ctx.check(header || !has(doc, n, "TaxPointDate"), "CII-DT-054", some);
    ctx.check(
        header || !has(doc, n, "DueDateTypeCode"),
        "CII-DT-058",
        some,
    );
    let formatted_rate = doc
        .kids(n, Ns::Ram, "RateApplicablePercent")
        .any(|r| doc.attr(r, "format").is_some());
    ctx.check(!formatted_rate, "CII-DT-059", some);
    banned_children(ctx, n, TAX_BANNED);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_strings() {
        assert!(is_yyyymmdd("20260131"));
        assert!(is_yyyymmdd(" 20261201\n"));
        assert!(!is_yyyymmdd("20261301"));
        assert!(!is_yyyymmdd("20260100"));
        assert!(!is_yyyymmdd("2026-01-31"));
        assert!(!is_yyyymmdd("2026013"));
        // The official pattern does not know month lengths.
        assert!(is_yyyymmdd("20260231"));
    }

    #[test]
    fn normalizes_space() {
        assert_eq!(normalize_space("  a \n b  "), "a b");
    }
}
