//! NLCIUS rules: SI-UBL 2.0.3.12 (UBL) and NLCIUS-CII 1.0.3.12.

pub mod nlcius;

use super::{Ctx, Rule};

pub static UBL_TABLES: &[&[Rule]] = &[nlcius::RULES, nlcius::UBL_ONLY];
pub static CII_TABLES: &[&[Rule]] = &[nlcius::RULES, nlcius::CII_ONLY];

pub fn check(ctx: &mut Ctx<'_, '_>) {
    nlcius::check(ctx);
}
