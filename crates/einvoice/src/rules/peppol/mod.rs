//! Peppol BIS Billing 3.0.19 rules (PEPPOL-EN16931-*, PEPPOL-COMMON-*, national rules).

pub mod common;
pub mod core;
pub mod de;
pub mod gr;
pub mod national;
pub mod nordic;
pub mod tree;

use super::{Ctx, Rule};
use crate::detect::Syntax;

pub static UBL_TABLES: &[&[Rule]] = &[
    core::RULES,
    core::UBL_ONLY,
    common::RULES,
    national::RULES,
    nordic::RULES,
    nordic::UBL_ONLY,
    de::RULES,
    gr::RULES,
];
pub static CII_TABLES: &[&[Rule]] = &[
    core::RULES,
    core::CII_ONLY,
    common::RULES,
    common::CII_ONLY,
    national::RULES,
    nordic::RULES,
];

pub fn check(ctx: &mut Ctx<'_, '_>) {
    core::check(ctx);
    common::check(ctx);
    national::check(ctx);
    nordic::check(ctx);
    if ctx.syntax == Syntax::Ubl {
        de::check(ctx);
        gr::check(ctx);
    }
}

/// Country of the seller as the Peppol schematron derives it (VAT id prefix, then the
/// tax representative's VAT id prefix, then the postal address).
pub fn supplier_country(ctx: &Ctx<'_, '_>) -> String {
    let inv = ctx.inv;
    let from_vat = |v: Option<&str>| {
        v.filter(|s| s.len() >= 2)
            .and_then(|s| s.get(..2))
            .map(str::to_ascii_uppercase)
    };
    if ctx.syntax == Syntax::Ubl {
        if let Some(c) = from_vat(inv.seller.vat_id.map(|t| t.value)) {
            return c;
        }
        if let Some(c) = from_vat(
            inv.tax_representative
                .as_ref()
                .and_then(|t| t.vat_id)
                .map(|t| t.value),
        ) {
            return c;
        }
    }
    postal(&inv.seller).unwrap_or_else(|| "XX".into())
}

pub fn customer_country(ctx: &Ctx<'_, '_>) -> String {
    let inv = ctx.inv;
    if ctx.syntax == Syntax::Ubl {
        if let Some(c) = inv
            .buyer
            .vat_id
            .map(|t| t.value)
            .filter(|s| s.len() >= 2)
            .and_then(|s| s.get(..2))
        {
            return c.to_ascii_uppercase();
        }
    }
    postal(&inv.buyer).unwrap_or_else(|| "XX".into())
}

/// Upper-cased postal country code of a party.
pub fn postal(p: &crate::model::Party<'_>) -> Option<String> {
    p.address
        .as_ref()
        .and_then(|a| a.country)
        .map(|c| c.value.to_ascii_uppercase())
}
