//! Which families make up which rule set, and which rule ids are implemented.

use super::{cen, nl, peppol, Ctx, Rule};
use crate::detect::Syntax;

/// A versioned rule set as applied by the official build configurations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleSet {
    Cen,
    Peppol,
    SiUbl,
    NlciusCii,
    /// The Dutch G-account extension on SI-UBL (UBL only).
    NlGaccount,
}

impl RuleSet {
    /// Label with version, as shown in reports.
    pub fn label(self) -> &'static str {
        match self {
            RuleSet::Cen => "CEN 1.3.16",
            RuleSet::Peppol => "Peppol 3.0.19",
            RuleSet::SiUbl => "SI-UBL 2.0.3.12",
            RuleSet::NlciusCii => "NLCIUS-CII 1.0.3.12",
            RuleSet::NlGaccount => "G-account 1.0.2.12",
        }
    }

    /// Rule tables of the families in this rule set for the given syntax.
    pub fn tables(self, syntax: Syntax) -> &'static [&'static [Rule]] {
        match (self, syntax) {
            (RuleSet::Cen, Syntax::Ubl) => cen::UBL_TABLES,
            (RuleSet::Cen, Syntax::Cii) => cen::CII_TABLES,
            (RuleSet::Peppol, Syntax::Ubl) => peppol::UBL_TABLES,
            (RuleSet::Peppol, Syntax::Cii) => peppol::CII_TABLES,
            (RuleSet::SiUbl, _) => nl::UBL_TABLES,
            (RuleSet::NlciusCii, _) => nl::CII_TABLES,
            (RuleSet::NlGaccount, Syntax::Ubl) => nl::GACCOUNT_TABLES,
            (RuleSet::NlGaccount, Syntax::Cii) => &[],
        }
    }

    /// Run every family of this rule set.
    pub fn run(self, ctx: &mut Ctx<'_, '_>) {
        match self {
            RuleSet::Cen => cen::check(ctx),
            RuleSet::Peppol => peppol::check(ctx),
            RuleSet::SiUbl | RuleSet::NlciusCii => nl::check(ctx),
            RuleSet::NlGaccount => nl::check_gaccount(ctx),
        }
    }
}

/// All implemented rule ids of a rule set for a syntax (for coverage reporting).
pub fn implemented(set: RuleSet, syntax: Syntax) -> Vec<&'static Rule> {
    set.tables(syntax).iter().flat_map(|t| t.iter()).collect()
}
