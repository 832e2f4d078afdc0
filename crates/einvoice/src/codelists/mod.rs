//! Code lists compiled into the crate (see `data.rs`, generated).

pub mod data;

/// Whether `code` is in the sorted list `list`.
pub fn contains(list: &[&str], code: &str) -> bool {
    list.binary_search(&code).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_sorted_and_searchable() {
        for list in [
            data::PEPPOL_EAS,
            data::PEPPOL_ISO4217,
            data::PEPPOL_REC20,
            data::CEN_UBL_BR_CL_23,
        ] {
            assert!(list.windows(2).all(|w| w[0] < w[1]));
        }
        // Every list the BR-CL family searches.
        for list in [
            data::CEN_CII_BR_CL_01,
            data::CEN_CII_BR_CL_03,
            data::CEN_CII_BR_CL_04,
            data::CEN_CII_BR_CL_05,
            data::CEN_CII_BR_CL_06,
            data::CEN_CII_BR_CL_07,
            data::CEN_CII_BR_CL_08,
            data::CEN_CII_BR_CL_10,
            data::CEN_CII_BR_CL_11,
            data::CEN_CII_BR_CL_13,
            data::CEN_CII_BR_CL_14,
            data::CEN_CII_BR_CL_15,
            data::CEN_CII_BR_CL_16,
            data::CEN_CII_BR_CL_17,
            data::CEN_CII_BR_CL_18,
            data::CEN_CII_BR_CL_19,
            data::CEN_CII_BR_CL_20,
            data::CEN_CII_BR_CL_21,
            data::CEN_CII_BR_CL_22,
            data::CEN_CII_BR_CL_23,
            data::CEN_CII_BR_CL_25,
            data::CEN_CII_BR_CL_26,
            data::CEN_UBL_BR_CL_01,
            data::CEN_UBL_BR_CL_01_2,
            data::CEN_UBL_BR_CL_03,
            data::CEN_UBL_BR_CL_04,
            data::CEN_UBL_BR_CL_05,
            data::CEN_UBL_BR_CL_06,
            data::CEN_UBL_BR_CL_07,
            data::CEN_UBL_BR_CL_08,
            data::CEN_UBL_BR_CL_10,
            data::CEN_UBL_BR_CL_11,
            data::CEN_UBL_BR_CL_13,
            data::CEN_UBL_BR_CL_14,
            data::CEN_UBL_BR_CL_15,
            data::CEN_UBL_BR_CL_19,
            data::CEN_UBL_BR_CL_20,
            data::CEN_UBL_BR_CL_21,
            data::CEN_UBL_BR_CL_22,
            data::CEN_UBL_BR_CL_23,
            data::CEN_UBL_BR_CL_25,
            data::CEN_UBL_BR_CL_26,
        ] {
            assert!(list.windows(2).all(|w| w[0] < w[1]));
        }
        assert!(contains(data::PEPPOL_EAS, "0088"));
        assert!(!contains(data::PEPPOL_EAS, "EM"));
        assert!(contains(data::PEPPOL_ISO4217, "EUR"));
    }
}
