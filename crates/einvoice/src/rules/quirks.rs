//! Haven's advisory findings for official-artefact quirks (policy in docs/rule-quirks.md).
//!
//! The official artefacts are the reference: receivers run them, so Haven reports exactly
//! their verdict under the official ids, quirks included. Where an artefact lets through
//! what its rule's text forbids, Haven adds one of these warnings next to that verdict so
//! the sender can still fix the document. They never add or drop an official fatal.

use super::{warning, Rule};

pub static RULES: &[Rule] = &[
    warning(
        "HAVEN-Q-P0100",
        "BT-3",
        "The invoice type code is not one Peppol BIS Billing profile 01 allows (PEPPOL-EN16931-P0100). The official Peppol CII artefact never checks this rule, so this is advisory; the UBL artefact does reject it",
    ),
    warning(
        "HAVEN-Q-BR-DEC-15",
        "BT-111",
        "The VAT total in accounting currency should have at most 2 decimals (BR-DEC-15). The UBL artefact's test never finds that amount, so this is advisory",
    ),
    warning(
        "HAVEN-Q-BR-61",
        "BT-84",
        "A credit transfer (payment means 30 or 58) should give the payment account identifier (BR-61). The CII artefact of CEN 1.3.15 only checks an account element that is present, and that release has no CII-SR-470, so this is advisory",
    ),
    warning(
        "HAVEN-Q-BR-NL-9",
        "BG-3",
        "A corrective invoice (384) from a Dutch supplier should reference the invoice it corrects (BR-NL-9). The official NLCIUS-CII artefact never checks this rule, so this is advisory; SI-UBL does reject it",
    ),
    warning(
        "HAVEN-Q-BR-NL-31",
        "BT-86",
        "A payment service provider should not be given with payment means 58 or 59 (BR-NL-31). The official NLCIUS-CII artefact never checks this rule, so this is advisory",
    ),
];
