//! Where a hook may send: the syntax of targets and the addresses that are off limits (SSRF
//! protection). The transport checks the addresses again at every delivery, since a name can
//! resolve elsewhere later; this module is the one definition both use.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Longest target.
pub const TARGET_MAX: usize = 2000;

/// Exceptions to the transport rules (development, tests) and the mail domains no hook may
/// write to.
#[derive(Debug, Clone, Default)]
pub struct TargetRules {
    /// Hosts (names or addresses, lower case) that may be called over plain http and may
    /// resolve to loopback or private addresses.
    pub insecure_hosts: Vec<String>,
    /// Mail domains (lower case) a mail hook may not send to: the platform's own intake
    /// domain, so that a hook cannot feed the documents it reports back into intake.
    pub refused_mail_domains: Vec<String>,
}

impl TargetRules {
    #[must_use]
    pub fn allows_insecure(&self, host: &str) -> bool {
        let host = host.trim_start_matches('[').trim_end_matches(']');
        self.insecure_hosts.iter().any(|h| {
            h.trim_start_matches('[')
                .trim_end_matches(']')
                .eq_ignore_ascii_case(host)
        })
    }
}

/// A target split into what the rules look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Http {
        https: bool,
        /// Lower case; an IPv6 address without brackets.
        host: String,
        port: Option<u16>,
    },
    /// `mailto:address` with an optional `?format=ubl|cii`.
    Mail {
        address: String,
        format: Option<MailFormat>,
    },
}

/// The syntax a mail hook's attachment is converted to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailFormat {
    Ubl,
    Cii,
}

/// Splits a target; `Err` says what is wrong in words for the person who entered it.
///
/// # Errors
/// A sentence naming the problem.
pub fn parse_target(raw: &str) -> Result<Target, String> {
    if raw.is_empty() || raw.len() > TARGET_MAX {
        return Err(format!("Enter a URL of at most {TARGET_MAX} characters."));
    }
    if raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("A URL has no spaces.".into());
    }
    let lower = raw.to_ascii_lowercase();
    if lower.starts_with("mailto:") {
        let original = &raw["mailto:".len()..];
        let (address, query) = original.split_once('?').unwrap_or((original, ""));
        let format = match query.to_ascii_lowercase().as_str() {
            "" => None,
            "format=ubl" => Some(MailFormat::Ubl),
            "format=cii" => Some(MailFormat::Cii),
            _ => return Err("A mail target takes only `?format=ubl` or `?format=cii`.".into()),
        };
        let address = mail_address(address).ok_or(
            "Enter one email address after `mailto:` (such as `mailto:books@example.com`).",
        )?;
        return Ok(Target::Mail { address, format });
    }
    let (https, rest) = if let Some(rest) = lower.strip_prefix("https://") {
        (true, rest)
    } else if let Some(rest) = lower.strip_prefix("http://") {
        (false, rest)
    } else {
        return Err("Use an https:// URL (or mailto: for email).".into());
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err("Leave credentials out of the URL; verify the signature instead.".into());
    }
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (addr, after) = v6
            .split_once(']')
            .ok_or("The IPv6 address lacks its `]`.")?;
        if addr.parse::<Ipv6Addr>().is_err() {
            return Err("That is not an IPv6 address.".into());
        }
        (addr.to_owned(), after.strip_prefix(':'))
    } else {
        match authority.split_once(':') {
            Some((h, p)) => (h.to_owned(), Some(p)),
            None => (authority.to_owned(), None),
        }
    };
    let valid_host = !host.is_empty()
        && (host.parse::<IpAddr>().is_ok()
            || host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.'));
    if !valid_host {
        return Err("The URL needs a host name.".into());
    }
    let port = match port {
        None => None,
        Some(p) => Some(
            p.parse::<u16>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or("The port is not a number from 1 to 65535.")?,
        ),
    };
    Ok(Target::Http { https, host, port })
}

/// Longest email address (RFC 5321's path limit less its brackets).
pub const ADDRESS_MAX: usize = 254;

/// One plain address, `local@domain`, with its domain in lower case; `None` for anything
/// else. Deliberately narrower than RFC 5322: no display names, comments, quoted local parts,
/// lists or percent-escapes, so nothing in a target can become a second recipient or a header.
fn mail_address(raw: &str) -> Option<String> {
    if raw.len() > ADDRESS_MAX {
        return None;
    }
    let (local, domain) = raw.split_once('@')?;
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".!#$'*+/=^_`{|}~-".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    (local_ok && domain_ok).then(|| format!("{local}@{}", domain.to_ascii_lowercase()))
}

impl MailFormat {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ubl => "ubl",
            Self::Cii => "cii",
        }
    }
}

impl Target {
    /// The target as stored: a mail target in one spelling (`mailto:` and the domain in lower
    /// case, `?format=` only when asked for); an HTTP target as entered.
    #[must_use]
    pub fn canonical(&self, raw: &str) -> String {
        match self {
            Self::Mail { address, format } => match format {
                Some(f) => format!("mailto:{address}?format={}", f.as_str()),
                None => format!("mailto:{address}"),
            },
            Self::Http { .. } => raw.to_owned(),
        }
    }
}

/// Checks a target against the rules as far as can be done without resolving it: https (or an
/// allowed insecure host), and no forbidden address written as a literal. Returns it trimmed.
///
/// # Errors
/// A sentence naming the problem.
pub fn check_target(raw: &str, rules: &TargetRules) -> Result<String, String> {
    let raw = raw.trim();
    let target = parse_target(raw)?;
    match &target {
        Target::Mail { address, .. } => {
            let domain = address.rsplit_once('@').map_or("", |(_, d)| d);
            let refused = rules.refused_mail_domains.iter().any(|r| {
                domain == r.as_str()
                    || domain
                        .strip_suffix(r.as_str())
                        .is_some_and(|rest| rest.ends_with('.'))
            });
            if refused {
                return Err(
                    "That is one of the platform's own intake addresses: a mail hook may not send there."
                        .into(),
                );
            }
        }
        Target::Http { https, host, .. } => {
            let exempt = rules.allows_insecure(host);
            if !https && !exempt {
                return Err("Use https://; plain http is not allowed for this host.".into());
            }
            if let Ok(ip) = host.parse::<IpAddr>() {
                if forbidden_address(ip) && !exempt {
                    return Err(
                        "That address is private, loopback or link-local: hooks may not call it."
                            .into(),
                    );
                }
            }
        }
    }
    Ok(target.canonical(raw))
}

/// Whether a hook may not connect to this address: loopback, private, shared (CGNAT),
/// link-local, unique-local, unspecified, broadcast, multicast or reserved, in IPv4 and IPv6,
/// including IPv4 written inside IPv6 (mapped, compatible, NAT64).
#[must_use]
pub fn forbidden_address(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => forbidden_v6(v6),
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b))
        || (a == 192 && b == 0 && ip.octets()[2] == 0)
        || (a == 198 && (b == 18 || b == 19))
        || a >= 240
}

fn forbidden_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return forbidden_v4(v4);
    }
    let segments = ip.segments();
    // NAT64 (64:ff9b::/96) carries an IPv4 address in its last 32 bits.
    if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        let [.., hi, lo] = segments;
        return forbidden_v4(Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo)));
    }
    // IPv4-compatible (::a.b.c.d, deprecated) likewise.
    if segments[..6] == [0; 6] && !ip.is_loopback() && !ip.is_unspecified() {
        let [.., hi, lo] = segments;
        return forbidden_v4(Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo)));
    }
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (segments[0] & 0xffc0) == 0xfe80
        || (segments[0] & 0xfe00) == 0xfc00
        || (segments[0] & 0xffc0) == 0xfec0
        || segments[0] == 0x2001 && segments[1] == 0xdb8
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_addresses_in_both_families() {
        for bad in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "fc00::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "::127.0.0.1",
        ] {
            assert!(forbidden_address(bad.parse().unwrap()), "{bad}");
        }
        for good in [
            "93.184.216.34",
            "8.8.8.8",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert!(!forbidden_address(good.parse().unwrap()), "{good}");
        }
    }

    #[test]
    fn targets_are_https_unless_exempt() {
        let none = TargetRules::default();
        let local = TargetRules {
            insecure_hosts: vec!["127.0.0.1".into()],
            ..TargetRules::default()
        };
        assert!(check_target("https://example.com/hook", &none).is_ok());
        assert!(check_target("http://example.com/hook", &none).is_err());
        assert!(check_target("https://127.0.0.1/hook", &none).is_err());
        assert!(check_target("https://[::1]:8443/hook", &none).is_err());
        assert!(check_target("http://127.0.0.1:9000/hook", &local).is_ok());
        assert!(check_target("https://user:pw@example.com/", &none).is_err());
        assert!(check_target("ftp://example.com/", &none).is_err());
        assert!(check_target("https://exa mple.com/", &none).is_err());
        assert!(check_target("https://example.com:0/", &none).is_err());
        assert!(parse_target("mailto:books@example.com?format=cii").is_ok());
        assert!(parse_target("mailto:books@example.com?format=pdf").is_err());
        assert!(parse_target("mailto:nobody").is_err());
    }

    #[test]
    fn mail_targets_are_one_plain_address() {
        let rules = TargetRules {
            refused_mail_domains: vec!["intake.example.com".into()],
            ..TargetRules::default()
        };
        assert_eq!(
            check_target(" MAILTO:Books@Example.COM?FORMAT=CII ", &rules).unwrap(),
            "mailto:Books@example.com?format=cii"
        );
        assert_eq!(
            check_target("mailto:a.b+hooks@example.co.uk", &rules).unwrap(),
            "mailto:a.b+hooks@example.co.uk"
        );
        for bad in [
            "mailto:",
            "mailto:nobody",
            "mailto:a@b",
            "mailto:a@b@example.com",
            "mailto:a@example.com,b@example.com",
            "mailto:a@example.com;b@example.com",
            "mailto:a@example.com?cc=b@example.com",
            "mailto:a@example.com?format=cii&bcc=b@example.com",
            "mailto:a@example.com?subject=x",
            "mailto:a@example.com?format=pdf",
            "mailto:a%0Abcc:b@example.com",
            "mailto:%22a%22@example.com",
            "mailto:<a@example.com>",
            "mailto:Name<a@example.com>",
            "mailto:.a@example.com",
            "mailto:a..b@example.com",
            "mailto:a@-example.com",
            "mailto:a@example..com",
            "mailto:a@intake.example.com",
            "mailto:a@sub.intake.example.com",
        ] {
            assert!(check_target(bad, &rules).is_err(), "{bad}");
        }
        assert!(check_target("mailto:a@notintake.example.com", &rules).is_ok());
    }
}
