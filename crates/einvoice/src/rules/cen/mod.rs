//! EN 16931 (CEN/TC 434) rules, release 1.3.16, for UBL and CII; [`v1_3_15`] holds what
//! differs in the release the Dutch validator bundles.

pub mod calc;
pub mod cii_syntax;
pub mod codes;
pub mod conditions;
pub mod core;
pub mod syntax;
pub mod v1_3_15;
pub mod vat;

use super::{Ctx, Rule};

pub static UBL_TABLES: &[&[Rule]] = &[
    core::RULES,
    calc::RULES,
    vat::RULES,
    codes::RULES,
    conditions::UBL_RULES,
    syntax::UBL_RULES,
];
pub static CII_TABLES: &[&[Rule]] = &[
    core::RULES,
    calc::RULES,
    vat::RULES,
    codes::RULES,
    conditions::CII_RULES,
    syntax::CII_RULES,
    cii_syntax::RULES,
];

pub fn check(ctx: &mut Ctx<'_, '_>) {
    let first = ctx.findings.len();
    core::check(ctx);
    calc::check(ctx);
    vat::check(ctx);
    codes::check(ctx);
    conditions::check(ctx);
    syntax::check(ctx);
    cii_syntax::check(ctx);
    v1_3_15::check(ctx, first);
}
