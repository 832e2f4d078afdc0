//! Which families make up which rule set, and which rule ids are implemented.

use super::releases::{Layer, ReleaseId};
use super::{cen, nl, peppol, Ctx, Rule};
use crate::detect::{Profile, Syntax};

/// A CEN (EN 16931) validation artefact release. The rule code is written for the current
/// release; an older release a CIUS still bundles differs only in the few rules listed in
/// [`cen::v1_3_15`], which check `Ctx::cen` to behave as that release does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CenRelease {
    /// Bundled by the Dutch validator (SI-UBL 2.0.3.12, NLCIUS-CII 1.0.3.12).
    V1_3_15,
    /// The current release, applied on its own and under Peppol BIS.
    V1_3_16,
}

impl CenRelease {
    pub fn label(self) -> &'static str {
        match self {
            CenRelease::V1_3_15 => "CEN 1.3.15",
            CenRelease::V1_3_16 => "CEN 1.3.16",
        }
    }
}

/// A versioned rule set as applied by the official build configurations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleSet {
    /// The EN 16931 rules in the given release: a receiver's validator reports exactly the
    /// verdict of the release it bundles, so each profile names the release it runs.
    Cen(CenRelease),
    Peppol,
    SiUbl,
    NlciusCii,
    /// The Dutch G-account extension on SI-UBL (UBL only).
    NlGaccount,
}

impl RuleSet {
    /// Every implemented rule set, in the order a profile chains them. A release is
    /// implemented when one of these implements it.
    pub const ALL: &'static [RuleSet] = &[
        RuleSet::Cen(CenRelease::V1_3_15),
        RuleSet::Cen(CenRelease::V1_3_16),
        RuleSet::Peppol,
        RuleSet::SiUbl,
        RuleSet::NlciusCii,
        RuleSet::NlGaccount,
    ];

    /// The catalogue release this rule set implements.
    pub fn release(self) -> ReleaseId {
        match self {
            RuleSet::Cen(CenRelease::V1_3_15) => ReleaseId::Cen1_3_15,
            RuleSet::Cen(CenRelease::V1_3_16) => ReleaseId::Cen1_3_16,
            RuleSet::Peppol => ReleaseId::Peppol3_0_19,
            RuleSet::SiUbl | RuleSet::NlciusCii | RuleSet::NlGaccount => ReleaseId::Nlcius2_0_3_12,
        }
    }

    /// The artefact, as findings name it: the label without its version.
    pub fn name(self) -> &'static str {
        match self {
            RuleSet::Cen(_) => "CEN",
            RuleSet::Peppol => "Peppol",
            RuleSet::SiUbl => "SI-UBL",
            RuleSet::NlciusCii => "NLCIUS-CII",
            RuleSet::NlGaccount => "G-account",
        }
    }

    /// The artefact's own version, from the catalogue entry of its release.
    pub fn version(self) -> &'static str {
        let name = self.name();
        self.release()
            .release()
            .artefacts
            .iter()
            .find(|(n, _)| *n == name)
            .map_or("", |(_, v)| v)
    }

    /// Whether a profile (already adjusted to the syntax) chains this rule set.
    pub fn applies_to(self, profile: Profile) -> bool {
        match self {
            RuleSet::Cen(_) => layers(profile).contains(&Layer::Cen),
            RuleSet::Peppol => profile == Profile::PeppolBis3,
            RuleSet::SiUbl => matches!(profile, Profile::NlciusUbl | Profile::NlGaccount),
            RuleSet::NlciusCii => profile == Profile::NlciusCii,
            RuleSet::NlGaccount => profile == Profile::NlGaccount,
        }
    }

    /// Label with version, as shown in reports.
    pub fn label(self) -> &'static str {
        match self {
            RuleSet::Cen(r) => r.label(),
            RuleSet::Peppol => "Peppol 3.0.19",
            RuleSet::SiUbl => "SI-UBL 2.0.3.12",
            RuleSet::NlciusCii => "NLCIUS-CII 1.0.3.12",
            RuleSet::NlGaccount => "G-account 1.0.2.12",
        }
    }

    /// Rule tables of the families in this rule set for the given syntax.
    pub fn tables(self, syntax: Syntax) -> &'static [&'static [Rule]] {
        match (self, syntax) {
            (RuleSet::Cen(CenRelease::V1_3_16), Syntax::Ubl) => cen::UBL_TABLES,
            (RuleSet::Cen(CenRelease::V1_3_16), Syntax::Cii) => cen::CII_TABLES,
            (RuleSet::Cen(CenRelease::V1_3_15), Syntax::Ubl) => cen::v1_3_15::UBL_TABLES,
            (RuleSet::Cen(CenRelease::V1_3_15), Syntax::Cii) => cen::v1_3_15::CII_TABLES,
            (RuleSet::Peppol, Syntax::Ubl) => peppol::UBL_TABLES,
            (RuleSet::Peppol, Syntax::Cii) => peppol::CII_TABLES,
            (RuleSet::SiUbl, _) => nl::UBL_TABLES,
            (RuleSet::NlciusCii, _) => nl::CII_TABLES,
            (RuleSet::NlGaccount, Syntax::Ubl) => nl::GACCOUNT_TABLES,
            (RuleSet::NlGaccount, Syntax::Cii) => &[],
        }
    }

    /// The CEN release whose behaviour the rules of this set follow.
    pub fn cen_release(self) -> CenRelease {
        match self {
            RuleSet::Cen(r) => r,
            _ => CenRelease::V1_3_16,
        }
    }

    /// Run every family of this rule set.
    pub fn run(self, ctx: &mut Ctx<'_, '_>) {
        match self {
            RuleSet::Cen(_) => cen::check(ctx),
            RuleSet::Peppol => peppol::check(ctx),
            RuleSet::SiUbl | RuleSet::NlciusCii => nl::check(ctx),
            RuleSet::NlGaccount => nl::check_gaccount(ctx),
        }
    }
}

/// The layers a profile (already adjusted to the syntax) chains, CEN first, as the official
/// build configurations chain them.
pub fn layers(profile: Profile) -> &'static [Layer] {
    match profile {
        Profile::PeppolBis3 => &[Layer::Cen, Layer::Peppol],
        Profile::NlciusUbl | Profile::NlGaccount | Profile::NlciusCii => {
            &[Layer::Cen, Layer::Nlcius]
        }
        Profile::FacturXMinimum | Profile::FacturXBasicWl => &[],
        Profile::En16931
        | Profile::XRechnung
        | Profile::FacturXBasic
        | Profile::FacturXExtended
        | Profile::Zugferd1 => &[Layer::Cen],
    }
}

/// All implemented rule ids of a rule set for a syntax (for coverage reporting): the
/// official ids this set can report, without Haven's own advisory ids.
pub fn implemented(set: RuleSet, syntax: Syntax) -> Vec<&'static Rule> {
    let release = set.cen_release();
    set.tables(syntax)
        .iter()
        .flat_map(|t| t.iter())
        .filter(|r| !matches!(set, RuleSet::Cen(_)) || cen::v1_3_15::in_release(r.id, release))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_name_and_catalogue_version() {
        for set in RuleSet::ALL {
            assert_eq!(
                set.label(),
                format!("{} {}", set.name(), set.version()),
                "{set:?}"
            );
            assert!(set.release().implemented());
        }
    }
}
