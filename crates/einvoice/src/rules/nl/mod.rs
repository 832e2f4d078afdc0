//! NLCIUS rules: SI-UBL 2.0.3.12 (UBL) and NLCIUS-CII 1.0.3.12, and the G-account
//! extension 1.0.2.12 on SI-UBL.

pub mod gaccount;
pub mod nlcius;

use super::{Ctx, Rule};

pub static UBL_TABLES: &[&[Rule]] = &[nlcius::RULES, nlcius::UBL_ONLY];
pub static CII_TABLES: &[&[Rule]] = &[nlcius::RULES, nlcius::CII_ONLY];
/// The G-account extension exists for UBL only.
pub static GACCOUNT_TABLES: &[&[Rule]] = &[gaccount::RULES];

pub fn check(ctx: &mut Ctx<'_, '_>) {
    nlcius::check(ctx);
}

pub fn check_gaccount(ctx: &mut Ctx<'_, '_>) {
    gaccount::check(ctx);
}
