//! The two intake addresses of an organization, made from a configurable pattern on the
//! installation's mail domain, and read back from a recipient address.

use super::records::IntakePurpose;

/// How intake addresses look on this installation: local parts with a `{kvk}` placeholder
/// on one mail domain, e.g. `{kvk}.inkoop` and `{kvk}.verkoop` on `in.haven.example`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressScheme {
    domain: String,
    purchase: Pattern,
    sales: Pattern,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Pattern {
    prefix: String,
    suffix: String,
}

impl Pattern {
    fn parse(local: &str) -> Result<Self, String> {
        let local = local.trim().to_ascii_lowercase();
        let Some((prefix, suffix)) = local.split_once("{kvk}") else {
            return Err(format!(
                "the intake pattern {local:?} has no {{kvk}} placeholder"
            ));
        };
        if suffix.contains("{kvk}") {
            return Err(format!("the intake pattern {local:?} has {{kvk}} twice"));
        }
        let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '+');
        if !prefix.chars().chain(suffix.chars()).all(allowed) {
            return Err(format!(
                "the intake pattern {local:?} may hold only letters, digits and . - _ +"
            ));
        }
        Ok(Self {
            prefix: prefix.to_owned(),
            suffix: suffix.to_owned(),
        })
    }

    fn local_part(&self, kvk: &str) -> String {
        format!("{}{kvk}{}", self.prefix, self.suffix)
    }

    /// The KvK number in `local`, when it fits the pattern with eight digits in the middle.
    fn kvk_in<'a>(&self, local: &'a str) -> Option<&'a str> {
        let kvk = local
            .strip_prefix(self.prefix.as_str())?
            .strip_suffix(self.suffix.as_str())?;
        (kvk.len() == 8 && kvk.bytes().all(|b| b.is_ascii_digit())).then_some(kvk)
    }
}

/// An organization's two addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntakeAddresses {
    pub purchase: String,
    pub sales: String,
}

impl AddressScheme {
    /// # Errors
    /// A sentence naming what is wrong with the domain or a pattern (for the configuration).
    pub fn new(domain: &str, purchase: &str, sales: &str) -> Result<Self, String> {
        let domain = domain.trim().trim_start_matches('@').to_ascii_lowercase();
        if domain.is_empty()
            || !domain.contains('.')
            || !domain
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'))
        {
            return Err(format!(
                "the intake mail domain {domain:?} is not a domain name"
            ));
        }
        let purchase = Pattern::parse(purchase)?;
        let sales = Pattern::parse(sales)?;
        if purchase == sales {
            return Err("the purchase and sales intake patterns must differ".into());
        }
        Ok(Self {
            domain,
            purchase,
            sales,
        })
    }

    #[must_use]
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// The addresses of the organization with KvK number `kvk`.
    #[must_use]
    pub fn addresses(&self, kvk: &str) -> IntakeAddresses {
        IntakeAddresses {
            purchase: format!("{}@{}", self.purchase.local_part(kvk), self.domain),
            sales: format!("{}@{}", self.sales.local_part(kvk), self.domain),
        }
    }

    /// Which purpose and KvK number a recipient address stands for (case-insensitive);
    /// `None` for any other address.
    #[must_use]
    pub fn resolve(&self, recipient: &str) -> Option<(IntakePurpose, String)> {
        let recipient = recipient
            .trim()
            .trim_start_matches('<')
            .trim_end_matches('>')
            .to_ascii_lowercase();
        let (local, domain) = recipient.rsplit_once('@')?;
        if domain != self.domain {
            return None;
        }
        if let Some(kvk) = self.purchase.kvk_in(local) {
            return Some((IntakePurpose::Purchase, kvk.to_owned()));
        }
        self.sales
            .kvk_in(local)
            .map(|kvk| (IntakePurpose::Sales, kvk.to_owned()))
    }

    /// Whether `address` is on the installation's own mail domain (loop protection).
    #[must_use]
    pub fn is_own(&self, address: &str) -> bool {
        domain_of(address).is_some_and(|d| d == self.domain)
    }
}

/// The domain of an address, lower case.
#[must_use]
pub fn domain_of(address: &str) -> Option<String> {
    address
        .trim()
        .rsplit_once('@')
        .map(|(_, d)| d.trim_end_matches('>').to_ascii_lowercase())
        .filter(|d| !d.is_empty())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn scheme() -> AddressScheme {
        AddressScheme::new("in.haven.test", "{kvk}.inkoop", "{kvk}.verkoop").unwrap()
    }

    #[test]
    fn addresses_follow_the_patterns() {
        assert_eq!(
            scheme().addresses("90000016"),
            IntakeAddresses {
                purchase: "90000016.inkoop@in.haven.test".into(),
                sales: "90000016.verkoop@in.haven.test".into(),
            }
        );
    }

    #[test]
    fn recipients_resolve_to_purpose_and_kvk() {
        let s = scheme();
        assert_eq!(
            s.resolve("<90000016.Inkoop@IN.haven.test>"),
            Some((IntakePurpose::Purchase, "90000016".into()))
        );
        assert_eq!(
            s.resolve("90000016.verkoop@in.haven.test"),
            Some((IntakePurpose::Sales, "90000016".into()))
        );
        for other in [
            "90000016.inkoop@elsewhere.test",
            "9000001.inkoop@in.haven.test",
            "9000001x.inkoop@in.haven.test",
            "90000016.post@in.haven.test",
            "not an address",
        ] {
            assert_eq!(s.resolve(other), None, "{other}");
        }
    }

    #[test]
    fn bad_patterns_are_refused() {
        assert!(AddressScheme::new("in.haven.test", "inkoop", "{kvk}.verkoop").is_err());
        assert!(AddressScheme::new("in.haven.test", "{kvk}", "{kvk}").is_err());
        assert!(AddressScheme::new("localhost", "{kvk}.a", "{kvk}.b").is_err());
        assert!(AddressScheme::new("in.haven.test", "{kvk} a", "{kvk}.b").is_err());
    }

    #[test]
    fn own_domain_is_recognised() {
        assert!(scheme().is_own("noreply@IN.haven.test"));
        assert!(!scheme().is_own("someone@haven.test"));
    }
}
