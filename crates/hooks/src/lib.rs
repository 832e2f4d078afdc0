//! Delivers hook requests over HTTP: the only code that calls hook targets.
//!
//! The transport rules are enforced here at every delivery, not only when a hook is saved: a
//! target must be https unless its host is configured as insecure (development, tests);
//! redirects are not followed (a 3xx is the answer); and the host is resolved by our own
//! resolver, which drops loopback, private, link-local and other internal addresses, so reqwest
//! connects only to an address that was checked (no window for DNS rebinding). A host written
//! as an address is checked before the request, since it is never resolved.

use std::{
    error::Error as StdError,
    net::{IpAddr, SocketAddr},
    sync::Arc,
    time::Duration,
};

use haven_domain::hooks::{
    delivery::{HookRequest, HookTransport, TransportOutcome, RESPONSE_LOG_BYTES},
    target::{forbidden_address, parse_target, Target, TargetRules},
};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// The longest a request may take, connecting included.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// Why the resolver refused a host: every address it has is internal.
#[derive(Debug)]
struct RefusedAddress(String);

impl std::fmt::Display for RefusedAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} resolves only to private, loopback or link-local addresses, which hooks may not call",
            self.0
        )
    }
}

impl StdError for RefusedAddress {}

/// Resolves with the system resolver and keeps only the addresses hooks may call.
struct CheckedResolver {
    rules: TargetRules,
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

/// Hook requests over HTTP(S).
#[derive(Clone)]
pub struct HttpTransport {
    client: reqwest::Client,
    rules: TargetRules,
}

impl HttpTransport {
    /// # Errors
    /// When the HTTP client cannot be built (TLS set-up).
    pub fn new(rules: TargetRules) -> Result<Self, reqwest::Error> {
        Self::with_timeout(rules, TIMEOUT)
    }

    /// With another time-out (tests).
    ///
    /// # Errors
    /// When the HTTP client cannot be built (TLS set-up).
    pub fn with_timeout(rules: TargetRules, timeout: Duration) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(Arc::new(CheckedResolver {
                rules: rules.clone(),
            }))
            .build()?;
        Ok(Self { client, rules })
    }

    /// The rules that can be checked without a connection; `Err` is a final failure.
    fn admit(&self, target: &str) -> Result<(), String> {
        match parse_target(target)? {
            Target::Mail { .. } => Err("This transport does not send email.".into()),
            Target::Http { https, host, .. } => {
                let exempt = self.rules.allows_insecure(&host);
                if !https && !exempt {
                    return Err("Plain http is not allowed for this host.".into());
                }
                if let Ok(ip) = host.parse::<IpAddr>() {
                    if forbidden_address(ip) && !exempt {
                        return Err(format!(
                            "{ip} is a private, loopback or link-local address, which hooks may not call"
                        ));
                    }
                }
                Ok(())
            }
        }
    }
}

fn failed(error: &reqwest::Error) -> TransportOutcome {
    let mut source: Option<&(dyn StdError + 'static)> = Some(error);
    while let Some(cause) = source {
        if let Some(refused) = cause.downcast_ref::<RefusedAddress>() {
            return TransportOutcome::Failed {
                error: refused.to_string(),
                temporary: false,
            };
        }
        source = cause.source();
    }
    let error = if error.is_timeout() {
        format!("No answer within {} s.", TIMEOUT.as_secs())
    } else if error.is_connect() {
        "Could not connect to the receiver.".to_owned()
    } else {
        "The request failed before an answer came.".to_owned()
    };
    TransportOutcome::Failed {
        error,
        temporary: true,
    }
}

async fn read_start(mut response: reqwest::Response) -> String {
    let mut kept: Vec<u8> = Vec::new();
    // Read no more than the log keeps; the rest of a large answer is not waited for.
    while kept.len() < RESPONSE_LOG_BYTES {
        match response.chunk().await {
            Ok(Some(chunk)) => kept.extend_from_slice(&chunk),
            _ => break,
        }
    }
    kept.truncate(RESPONSE_LOG_BYTES);
    String::from_utf8_lossy(&kept).into_owned()
}

impl HookTransport for HttpTransport {
    async fn deliver(&self, request: &HookRequest) -> TransportOutcome {
        if let Err(error) = self.admit(&request.target) {
            return TransportOutcome::Failed {
                error,
                temporary: false,
            };
        }
        let mut builder = self.client.post(&request.target);
        for (name, value) in &request.headers {
            builder = builder.header(*name, value);
        }
        match builder.body(request.body.clone()).send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                TransportOutcome::Answered {
                    status,
                    body: read_start(response).await,
                }
            }
            Err(error) => failed(&error),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn internal_literals_and_plain_http_are_refused_before_connecting() {
        let transport = HttpTransport::new(TargetRules::default()).unwrap();
        assert!(transport.admit("https://127.0.0.1/hook").is_err());
        assert!(transport.admit("https://[::ffff:10.0.0.1]/hook").is_err());
        assert!(transport.admit("http://example.com/hook").is_err());
        assert!(transport.admit("https://example.com/hook").is_ok());
        let local = HttpTransport::new(TargetRules {
            insecure_hosts: vec!["127.0.0.1".into()],
            ..TargetRules::default()
        })
        .unwrap();
        assert!(local.admit("http://127.0.0.1:8080/hook").is_ok());
    }

    #[tokio::test]
    async fn a_name_that_resolves_to_loopback_is_refused() {
        let resolver = CheckedResolver {
            rules: TargetRules::default(),
        };
        let name: Name = "localhost".parse().unwrap();
        let result = resolver.resolve(name).await;
        assert!(result.is_err());
    }
}
