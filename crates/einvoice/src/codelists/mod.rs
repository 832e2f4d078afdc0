//! Code lists compiled into the crate (see `data.rs`, generated).

pub mod data;

thread_local! {
    /// The last few (list, code) pairs found, most recent first: an invoice repeats the
    /// same few codes (currency, unit, VAT category) on every line, and a binary search
    /// of a long list costs a few hundred instructions.
    static RECENT: std::cell::Cell<[(usize, usize, u64); 4]> =
        const { std::cell::Cell::new([(0, 0, 0); 4]) };
}

/// A code of up to 7 bytes with its length, as one integer (`None` for longer codes).
fn pack(code: &str) -> Option<u64> {
    let b = code.as_bytes();
    if b.len() > 7 {
        return None;
    }
    Some(
        b.iter()
            .fold(b.len() as u64, |acc, &x| (acc << 8) | u64::from(x)),
    )
}

/// Whether `code` is in the sorted list `list`.
pub fn contains(list: &[&str], code: &str) -> bool {
    let Some(key) = pack(code) else {
        return search(list, code);
    };
    // Lists are static, so address and length identify one.
    let (id, len) = (list.as_ptr() as usize, list.len());
    let recent = RECENT.with(std::cell::Cell::get);
    if recent
        .iter()
        .any(|&(l, n, k)| l == id && n == len && k == key)
    {
        return true;
    }
    let found = search(list, code);
    if found {
        let mut next = [(id, len, key); 4];
        next[1..].copy_from_slice(&recent[..3]);
        RECENT.with(|r| r.set(next));
    }
    found
}

fn search(list: &[&str], code: &str) -> bool {
    // Byte-wise (the same order as `str`'s), without a `memcmp` call per probe for
    // these short codes.
    list.binary_search_by(|probe| probe.bytes().cmp(code.bytes()))
        .is_ok()
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
