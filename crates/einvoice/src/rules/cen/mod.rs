//! EN 16931 (CEN/TC 434) rules, release 1.3.16, for UBL and CII.

pub mod calc;
pub mod core;
pub mod syntax;
pub mod vat;

use super::{Ctx, Rule};

pub static UBL_TABLES: &[&[Rule]] = &[core::RULES, calc::RULES, vat::RULES, syntax::UBL_RULES];
pub static CII_TABLES: &[&[Rule]] = &[core::RULES, calc::RULES, vat::RULES, syntax::CII_RULES];

pub fn check(ctx: &mut Ctx<'_, '_>) {
    core::check(ctx);
    calc::check(ctx);
    vat::check(ctx);
    syntax::check(ctx);
}
