//! The HTTP client for SMP calls, with the SSRF rules: an SMP's address comes from DNS that
//! anyone can publish into, so it may only be an https URL on a public address. Hosts named in
//! `insecure_hosts` (a local SMP, tests) may use plain http and loopback or private addresses.
//! Names are resolved by our own resolver, which drops internal addresses, so the connection
//! goes to an address that was checked (no window for DNS rebinding); redirects are not
//! followed by the client (an SMP `Redirect` is an element in the XML, not a 3xx).

use std::{
    error::Error as StdError,
    net::{IpAddr, SocketAddr},
    sync::Arc,
    time::Duration,
};

use haven_domain::hooks::target::forbidden_address;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Which hosts may be called without the public-https rules.
#[derive(Debug, Clone, Default)]
pub struct HostRules {
    /// Lower-case host names or addresses.
    pub insecure_hosts: Vec<String>,
}

impl HostRules {
    #[must_use]
    pub fn allows_insecure(&self, host: &str) -> bool {
        let host = host.trim_start_matches('[').trim_end_matches(']');
        self.insecure_hosts.iter().any(|h| {
            h.trim_start_matches('[')
                .trim_end_matches(']')
                .eq_ignore_ascii_case(host)
        })
    }

    /// Checks what can be checked without resolving: scheme, and a literal address.
    ///
    /// # Errors
    /// Why the URL may not be called.
    pub fn admit(&self, url: &str) -> Result<reqwest::Url, String> {
        let parsed = reqwest::Url::parse(url).map_err(|_| format!("{url} is not a URL"))?;
        let host = parsed
            .host_str()
            .ok_or_else(|| format!("{url} has no host"))?
            .to_ascii_lowercase();
        let exempt = self.allows_insecure(&host);
        match parsed.scheme() {
            "https" => {}
            "http" if exempt => {}
            _ => return Err(format!("{url} is not an https URL")),
        }
        if let Ok(ip) = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
        {
            if forbidden_address(ip) && !exempt {
                return Err(format!(
                    "{ip} is a private, loopback or link-local address, which may not be called"
                ));
            }
        }
        Ok(parsed)
    }

    /// As [`HostRules::admit`], but plain http is allowed for every host: for sources whose
    /// answers are signed, such as OCSP responders and CRLs (commonly http only). Internal
    /// addresses are still refused unless the host is exempt.
    ///
    /// # Errors
    /// Why the URL may not be called.
    pub fn admit_plain(&self, url: &str) -> Result<reqwest::Url, String> {
        let parsed = reqwest::Url::parse(url).map_err(|_| format!("{url} is not a URL"))?;
        if parsed.scheme() == "http" {
            let mut as_https = parsed.clone();
            as_https
                .set_scheme("https")
                .map_err(|()| format!("{url} is not an http(s) URL"))?;
            self.admit(as_https.as_str())?;
            return Ok(parsed);
        }
        self.admit(url)
    }
}

#[derive(Debug)]
struct RefusedAddress(String);

impl std::fmt::Display for RefusedAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} resolves only to private, loopback or link-local addresses",
            self.0
        )
    }
}

impl StdError for RefusedAddress {}

struct CheckedResolver {
    rules: HostRules,
}

impl Resolve for CheckedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        let exempt = self.rules.allows_insecure(&host);
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = found
                .into_iter()
                .filter(|a| exempt || !forbidden_address(a.ip()))
                .collect();
            if allowed.is_empty() {
                return Err(Box::new(RefusedAddress(host)) as Box<dyn StdError + Send + Sync>);
            }
            let addrs: Addrs = Box::new(allowed.into_iter());
            Ok(addrs)
        })
    }
}

/// A reqwest client with the rules above and a time-out.
///
/// # Errors
/// When the client cannot be built (TLS set-up).
pub fn client(rules: &HostRules, timeout: Duration) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .dns_resolver(Arc::new(CheckedResolver {
            rules: rules.clone(),
        }))
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))
}

/// Says why a request failed, naming a refused address plainly.
#[must_use]
pub fn describe(error: &reqwest::Error) -> String {
    let mut source: Option<&(dyn StdError + 'static)> = Some(error);
    while let Some(cause) = source {
        if let Some(refused) = cause.downcast_ref::<RefusedAddress>() {
            return refused.to_string();
        }
        source = cause.source();
    }
    if error.is_timeout() {
        "no answer in time".into()
    } else if error.is_connect() {
        "could not connect".into()
    } else {
        "the request failed before an answer came".into()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn only_public_https_is_admitted_unless_the_host_is_exempt() {
        let strict = HostRules::default();
        assert!(strict.admit("https://smp.example/x").is_ok());
        assert!(strict.admit("http://smp.example/x").is_err());
        assert!(strict.admit("https://127.0.0.1/x").is_err());
        assert!(strict.admit("https://10.1.2.3/x").is_err());
        assert!(strict.admit("https://[::1]/x").is_err());
        assert!(strict.admit("ftp://smp.example/x").is_err());
        assert!(strict.admit("not a url").is_err());
        let local = HostRules {
            insecure_hosts: vec!["127.0.0.1".into()],
        };
        assert!(local.admit("http://127.0.0.1:8080/smp").is_ok());
        assert!(local.admit("http://127.0.0.2:8080/smp").is_err());
        // Signed sources (OCSP, CRL) may be plain http, never internal unless exempt.
        assert!(strict.admit_plain("http://ocsp.example/x").is_ok());
        assert!(strict.admit_plain("https://ocsp.example/x").is_ok());
        assert!(strict.admit_plain("http://127.0.0.1/x").is_err());
        assert!(strict.admit_plain("ftp://ocsp.example/x").is_err());
        assert!(local.admit_plain("http://127.0.0.1:8080/crl").is_ok());
    }

    #[tokio::test]
    async fn a_name_that_resolves_to_loopback_is_refused() {
        let resolver = CheckedResolver {
            rules: HostRules::default(),
        };
        assert!(resolver
            .resolve("localhost".parse().unwrap())
            .await
            .is_err());
        let exempt = CheckedResolver {
            rules: HostRules {
                insecure_hosts: vec!["localhost".into()],
            },
        };
        assert!(exempt.resolve("localhost".parse().unwrap()).await.is_ok());
    }
}
