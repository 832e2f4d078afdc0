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
        assert!(contains(data::PEPPOL_EAS, "0088"));
        assert!(!contains(data::PEPPOL_EAS, "EM"));
        assert!(contains(data::PEPPOL_ISO4217, "EUR"));
    }
}
