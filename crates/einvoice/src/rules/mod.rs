//! Validation rules, grouped by rule set and family.
//!
//! Layout (one file per family so several people can add rules in parallel):
//! - `cen/*`: EN 16931 (CEN/TC 434) rules for UBL and CII,
//! - `peppol/*`: Peppol BIS Billing 3.0 rules,
//! - `nl/*`: NLCIUS (SI-UBL 2.0 and NLCIUS-CII) rules.
//!
//! Each family exposes `RULES` (the ids it implements, with severity, business term and our
//! own message) and `check(&mut Ctx)`. [`registry`] lists the families per rule set; adding a
//! family means adding one line there. [`releases`] is the catalogue of rule-set releases and
//! picks the ones a document gets.

pub mod arith;
pub mod cen;
pub mod nl;
pub mod peppol;
pub mod quirks;
pub mod registry;
pub mod releases;

use rust_decimal::Decimal;

use crate::detect::{DocumentType, Syntax};
use crate::model::{Invoice, Num};
use crate::report::{Finding, Severity};
use crate::xml::{Doc, Locator, NodeId};

/// Static description of one rule.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub id: &'static str,
    pub severity: Severity,
    /// Business term or group concerned ("" when none).
    pub bt: &'static str,
    pub message: &'static str,
}

/// Shorthand constructors used by the family tables.
pub const fn fatal(id: &'static str, bt: &'static str, message: &'static str) -> Rule {
    Rule {
        id,
        severity: Severity::Fatal,
        bt,
        message,
    }
}
pub const fn warning(id: &'static str, bt: &'static str, message: &'static str) -> Rule {
    Rule {
        id,
        severity: Severity::Warning,
        bt,
        message,
    }
}

/// Everything a rule needs: the parsed document, the model, and the findings sink.
pub struct Ctx<'x, 'd> {
    pub doc: &'x Doc<'d>,
    pub inv: &'x Invoice<'x>,
    pub syntax: Syntax,
    pub doc_type: DocumentType,
    /// Label of the rule set currently running, e.g. "CEN 1.3.16".
    pub rule_set: &'static str,
    /// The CEN release whose behaviour the running rules follow where releases differ.
    pub cen: registry::CenRelease,
    /// Rule table of the rule set currently running.
    pub table: &'static [&'static [Rule]],
    pub findings: Vec<Finding>,
    /// Lines, columns and paths of findings (indexes built once per document, on the
    /// first finding; hand it on from one rule set to the next).
    pub locator: Locator,
    /// Rule ids already looked up in `table`.
    pub rule_cache: std::collections::HashMap<&'static str, Option<&'static Rule>>,
}

impl<'x, 'd> Ctx<'x, 'd> {
    fn lookup(&mut self, id: &'static str) -> Option<&'static Rule> {
        let table = self.table;
        *self
            .rule_cache
            .entry(id)
            .or_insert_with(|| table.iter().flat_map(|t| t.iter()).find(|r| r.id == id))
    }

    /// Report that rule `id` failed at `node`.
    pub fn fail(&mut self, id: &'static str, node: Option<NodeId>) {
        self.push(id, node, None, None, None);
    }

    /// Report a failed rule with an extra detail appended to the message.
    pub fn fail_with(&mut self, id: &'static str, node: Option<NodeId>, detail: String) {
        self.push(id, node, Some(detail), None, None);
    }

    /// Report a failed calculation with the expected and actual values.
    pub fn fail_calc(
        &mut self,
        id: &'static str,
        node: Option<NodeId>,
        expected: Decimal,
        actual: Decimal,
    ) {
        self.push(
            id,
            node,
            None,
            Some(expected.normalize().to_string()),
            Some(actual.normalize().to_string()),
        );
    }

    /// Report a failed calculation where a value may be out of the decimal range (`None`,
    /// shown as [`arith::TOO_LARGE`]; policy in [`arith`]).
    pub fn fail_calc_checked(
        &mut self,
        id: &'static str,
        node: Option<NodeId>,
        expected: Option<Decimal>,
        actual: Option<Decimal>,
    ) {
        let show = |v: Option<Decimal>| {
            v.map_or_else(
                || arith::TOO_LARGE.to_string(),
                |d| d.normalize().to_string(),
            )
        };
        self.push(id, node, None, Some(show(expected)), Some(show(actual)));
    }

    fn push(
        &mut self,
        id: &'static str,
        node: Option<NodeId>,
        detail: Option<String>,
        expected: Option<String>,
        actual: Option<String>,
    ) {
        let rule = self.lookup(id);
        let severity = rule.map_or(Severity::Fatal, |r| r.severity);
        let mut message = rule.map_or_else(|| id.to_string(), |r| r.message.to_string());
        if let Some(d) = detail {
            message.push_str(" (");
            message.push_str(&d);
            message.push(')');
        }
        let (line, column) = match node {
            Some(n) => {
                let (l, c) = self.locator.line_col(self.doc, n);
                (Some(l), Some(c))
            }
            None => (None, None),
        };
        let location = node.map(|n| self.locator.path(self.doc, n));
        self.findings.push(Finding {
            rule_id: id.to_string(),
            severity,
            rule_set: self.rule_set.to_string(),
            business_term: rule
                .map(|r| r.bt)
                .filter(|b| !b.is_empty())
                .map(str::to_string),
            location,
            line,
            column,
            message,
            expected,
            actual,
        });
    }

    /// Haven's own advisory finding next to an official verdict where an artefact's quirk
    /// lets through what the rule's text forbids (see [`quirks`]). Always a warning under
    /// rule set "Haven", so it never changes validity or an official finding.
    pub fn advise(&mut self, id: &'static str, node: Option<NodeId>) {
        let Some(q) = quirks::RULES.iter().find(|r| r.id == id) else {
            return;
        };
        let (line, column) = match node {
            Some(n) => {
                let (l, c) = self.locator.line_col(self.doc, n);
                (Some(l), Some(c))
            }
            None => (None, None),
        };
        let location = node.map(|n| self.locator.path(self.doc, n));
        self.findings.push(Finding {
            rule_id: id.to_string(),
            severity: Severity::Warning,
            rule_set: "Haven".to_string(),
            business_term: Some(q.bt).filter(|b| !b.is_empty()).map(str::to_string),
            location,
            line,
            column,
            message: q.message.to_string(),
            expected: None,
            actual: None,
        });
    }

    /// Assert helper: report `id` when `ok` is false.
    pub fn check(&mut self, ok: bool, id: &'static str, node: Option<NodeId>) {
        if !ok {
            self.fail(id, node);
        }
    }

    pub fn is_credit_note(&self) -> bool {
        self.doc_type == DocumentType::CreditNote
    }
}

/// Round half away from zero to 2 decimals (XPath `round()` rounds half up; for the
/// amounts in these rules the difference only shows on negative halves, which the
/// official tolerance absorbs).
pub fn round2(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
}

/// Sum of the values of the given numbers (unparsable ones count as zero); `None` when the
/// sum is out of the decimal range (see [`arith`] for what a rule then reports).
pub fn sum<'a>(it: impl Iterator<Item = &'a Num<'a>>) -> Option<Decimal> {
    arith::sum_nums(it)
}

/// Value of an optional number, zero when absent.
pub fn val(n: &Option<Num<'_>>) -> Decimal {
    n.as_ref().map_or(Decimal::ZERO, Num::dec)
}

/// XPath `round(x * 100) div 100`: half rounds towards positive infinity.
/// Falls back to [`round2`] where `x * 100` would not fit the decimal type.
pub fn xpath_round2(d: Decimal) -> Decimal {
    d.checked_mul(Decimal::ONE_HUNDRED)
        .and_then(|h| h.checked_add(Decimal::new(5, 1)))
        .map_or_else(|| round2(d), |h| h.floor() / Decimal::ONE_HUNDRED)
}
