//! SPF, DKIM and DMARC of intake mail, on mail-auth: the domain's `SenderAuthenticator` port.
//!
//! Mail from the SMTP receiver is checked in full: SPF of the `MAIL FROM` identity (of the
//! `HELO` name for a bounce) for the connecting address, every DKIM signature, and DMARC of
//! the `From` domain. Mail handed over through the inbound-email endpoint has no connection to
//! check SPF against: the receiving server's own `Authentication-Results` is taken when it is
//! the topmost one and carries the configured authserv-id, otherwise DKIM and DMARC are
//! checked here with DKIM alone for alignment.

use std::{net::SocketAddr, time::Duration};

use haven_domain::intake::authentication::{
    relaxed_aligned, AuthOutcome, DkimSignatureVerdict, DmarcPolicy, MailHandover,
    SenderAuthenticator, SenderVerdict, SpfOutcome, VerdictSource,
};
use mail_auth::{
    dmarc::{verify::DmarcParameters, Policy},
    hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolverConfig, ResolverOpts},
    spf::verify::SpfParameters,
    AuthenticatedMessage, DkimResult, DmarcResult, MessageAuthenticator, SpfOutput, SpfResult,
};

/// The adapter: a resolver and what the installation trusts.
#[derive(Clone)]
pub struct MailAuthenticator {
    inner: MessageAuthenticator,
    /// Our own name, for SPF macros (`%{r}`).
    hostname: String,
    /// The authserv-id of the receiving server whose `Authentication-Results` is believed.
    authserv_id: Option<String>,
}

impl MailAuthenticator {
    /// A resolver asking `dns_servers` (UDP, TCP for long answers), or the system's resolvers
    /// when the list is empty; each question may take `timeout`.
    ///
    /// # Errors
    /// When the system's DNS configuration cannot be read or the resolver not built.
    pub fn new(
        dns_servers: &[SocketAddr],
        timeout: Duration,
        hostname: &str,
        authserv_id: Option<String>,
    ) -> Result<Self, String> {
        let mut options = ResolverOpts::default();
        options.timeout = timeout;
        options.attempts = 2;
        let inner = if dns_servers.is_empty() {
            let (config, mut system) = mail_auth::hickory_resolver::system_conf::read_system_conf()
                .map_err(|e| format!("cannot read the system's DNS configuration: {e}"))?;
            system.timeout = timeout;
            MessageAuthenticator::new(config, system)
        } else {
            let name_servers = dns_servers
                .iter()
                .map(|server| {
                    let mut udp = ConnectionConfig::udp();
                    udp.port = server.port();
                    let mut tcp = ConnectionConfig::tcp();
                    tcp.port = server.port();
                    NameServerConfig::new(server.ip(), true, vec![udp, tcp])
                })
                .collect();
            MessageAuthenticator::new(ResolverConfig::from_name_servers(name_servers), options)
        }
        .map_err(|e| e.to_string())?;
        Ok(Self {
            inner,
            hostname: hostname.to_owned(),
            authserv_id: authserv_id.filter(|id| !id.trim().is_empty()),
        })
    }

    async fn check(
        &self,
        handover: &MailHandover,
        message: &AuthenticatedMessage<'_>,
    ) -> SenderVerdict {
        let from_domain = from_domain(message);
        let dkim = self.inner.verify_dkim(message).await;
        let (spf, spf_domain) = match &handover.client {
            Some((ip, helo)) => {
                let params = if handover.mail_from.contains('@') {
                    SpfParameters::verify_mail_from(*ip, helo, &self.hostname, &handover.mail_from)
                } else {
                    SpfParameters::verify_ehlo(*ip, helo, &self.hostname)
                };
                let domain = if handover.mail_from.contains('@') {
                    handover
                        .mail_from
                        .rsplit_once('@')
                        .map(|(_, d)| d.to_ascii_lowercase())
                } else {
                    Some(helo.to_ascii_lowercase()).filter(|h| !h.is_empty())
                };
                (self.inner.verify_spf(params).await, domain)
            }
            None => (SpfOutput::default(), None),
        };
        let mail_from_domain = spf_domain.clone().unwrap_or_default();
        let dmarc = self
            .inner
            .verify_dmarc(DmarcParameters::new(
                message,
                &dkim,
                &mail_from_domain,
                &spf,
            ))
            .await;
        let signatures: Vec<DkimSignatureVerdict> = dkim
            .iter()
            .map(|output| {
                let domain = output
                    .signature()
                    .map(|s| s.d.to_ascii_lowercase())
                    .unwrap_or_default();
                DkimSignatureVerdict {
                    aligned: relaxed_aligned(&domain, &from_domain),
                    result: dkim_outcome(output.result()),
                    domain,
                }
            })
            .collect();
        let spf = spf_outcome(spf.result());
        let has_record = dmarc.dmarc_record().is_some();
        let (dmarc_outcome, policy) = if has_record {
            (
                dmarc_outcome(dmarc.spf_result(), dmarc.dkim_result()),
                match dmarc.policy() {
                    Policy::Reject => DmarcPolicy::Reject,
                    Policy::Quarantine => DmarcPolicy::Quarantine,
                    Policy::None | Policy::Unspecified => DmarcPolicy::None,
                },
            )
        } else {
            (AuthOutcome::None, DmarcPolicy::Absent)
        };
        let authenticated = if has_record {
            dmarc_outcome == AuthOutcome::Pass
        } else {
            // No DMARC record: the same test, alignment without the domain's own settings.
            signatures
                .iter()
                .any(|s| s.result == AuthOutcome::Pass && s.aligned)
                || (spf == SpfOutcome::Pass
                    && spf_domain
                        .as_deref()
                        .is_some_and(|d| relaxed_aligned(d, &from_domain)))
        };
        SenderVerdict {
            source: VerdictSource::Checked,
            from_domain,
            spf,
            spf_domain,
            dkim: signatures,
            dmarc: dmarc_outcome,
            dmarc_policy: policy,
            authenticated,
        }
    }
}

impl SenderAuthenticator for MailAuthenticator {
    async fn authenticate(&self, handover: &MailHandover, raw: &[u8]) -> SenderVerdict {
        let Some(message) = AuthenticatedMessage::parse(raw) else {
            return unparsable();
        };
        if handover.client.is_none() {
            if let Some(id) = &self.authserv_id {
                if let Some(verdict) = from_receiving_server(&message, id) {
                    return verdict;
                }
            }
        }
        self.check(handover, &message).await
    }
}

fn unparsable() -> SenderVerdict {
    SenderVerdict {
        source: VerdictSource::Checked,
        from_domain: String::new(),
        spf: SpfOutcome::None,
        spf_domain: None,
        dkim: Vec::new(),
        dmarc: AuthOutcome::None,
        dmarc_policy: DmarcPolicy::Absent,
        authenticated: false,
    }
}

/// The one domain of the `From` addresses; empty when there is none or several (DMARC does
/// not apply then, and nothing is authenticated).
fn from_domain(message: &AuthenticatedMessage<'_>) -> String {
    let mut domains = message.from.iter().filter_map(|f| {
        f.rsplit_once('@')
            .map(|(_, d)| d.trim().to_ascii_lowercase())
    });
    let Some(first) = domains.next() else {
        return String::new();
    };
    if domains.all(|d| d == first) {
        first
    } else {
        String::new()
    }
}

fn spf_outcome(result: SpfResult) -> SpfOutcome {
    match result {
        SpfResult::Pass => SpfOutcome::Pass,
        SpfResult::Fail => SpfOutcome::Fail,
        SpfResult::SoftFail => SpfOutcome::SoftFail,
        SpfResult::Neutral => SpfOutcome::Neutral,
        SpfResult::TempError => SpfOutcome::TempError,
        SpfResult::PermError => SpfOutcome::PermError,
        SpfResult::None => SpfOutcome::None,
    }
}

fn dkim_outcome(result: &DkimResult) -> AuthOutcome {
    match result {
        DkimResult::Pass => AuthOutcome::Pass,
        // mail-auth calls a body that does not match its hash neutral; RFC 6376 (§3.7) has
        // it as a failed verification, which is what a person should read.
        DkimResult::Neutral(mail_auth::Error::Dkim(
            mail_auth::dkim::DkimError::FailedBodyHashMatch,
        )) => AuthOutcome::Fail,
        DkimResult::Neutral(_) => AuthOutcome::Neutral,
        DkimResult::Fail(_) => AuthOutcome::Fail,
        DkimResult::PermError(_) => AuthOutcome::PermError,
        DkimResult::TempError(_) => AuthOutcome::TempError,
        DkimResult::None => AuthOutcome::None,
    }
}

/// DMARC passes when either identifier passes aligned; a temporary DNS error of either is a
/// temperror (try later), else it fails.
fn dmarc_outcome(spf: &DmarcResult, dkim: &DmarcResult) -> AuthOutcome {
    if matches!(spf, DmarcResult::Pass) || matches!(dkim, DmarcResult::Pass) {
        AuthOutcome::Pass
    } else if matches!(spf, DmarcResult::TempError(_)) || matches!(dkim, DmarcResult::TempError(_))
    {
        AuthOutcome::TempError
    } else if matches!(spf, DmarcResult::PermError(_)) && matches!(dkim, DmarcResult::PermError(_))
    {
        AuthOutcome::PermError
    } else {
        AuthOutcome::Fail
    }
}

/// The verdict of the receiving server: its `Authentication-Results` (RFC 8601) when it is
/// the topmost one and names `authserv_id`. A header further down was added before the
/// message reached that server, possibly by the sender itself, and is never believed.
fn from_receiving_server(
    message: &AuthenticatedMessage<'_>,
    authserv_id: &str,
) -> Option<SenderVerdict> {
    let value = message
        .headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(b"Authentication-Results"))
        .map(|(_, value)| String::from_utf8_lossy(value).into_owned())?;
    let results = parse_authentication_results(&value)?;
    if !results.authserv_id.eq_ignore_ascii_case(authserv_id.trim()) {
        return None;
    }
    let from_domain = from_domain(message);
    let mut verdict = unparsable();
    verdict.source = VerdictSource::ReceivingServer;
    let mut dmarc_seen = false;
    for result in results.results {
        match result.method.as_str() {
            "spf" => {
                verdict.spf = SpfOutcome::parse(&result.result).unwrap_or(SpfOutcome::PermError);
                verdict.spf_domain = result
                    .property("smtp.mailfrom")
                    .map(|m| {
                        m.rsplit_once('@')
                            .map_or(m, |(_, d)| d)
                            .to_ascii_lowercase()
                    })
                    .or_else(|| result.property("smtp.helo").map(str::to_ascii_lowercase));
            }
            "dkim" => {
                let domain = result
                    .property("header.d")
                    .or_else(|| {
                        result
                            .property("header.i")
                            .map(|i| i.rsplit_once('@').map_or(i, |(_, d)| d))
                    })
                    .unwrap_or_default()
                    .to_ascii_lowercase();
                verdict.dkim.push(DkimSignatureVerdict {
                    aligned: relaxed_aligned(&domain, &from_domain),
                    result: AuthOutcome::parse(&result.result).unwrap_or(AuthOutcome::PermError),
                    domain,
                });
            }
            "dmarc" => {
                // Only a verdict about this message's From domain counts.
                if result
                    .property("header.from")
                    .is_some_and(|d| !d.eq_ignore_ascii_case(&from_domain))
                {
                    continue;
                }
                dmarc_seen = true;
                verdict.dmarc =
                    AuthOutcome::parse(&result.result).unwrap_or(AuthOutcome::PermError);
                verdict.dmarc_policy = result
                    .property("policy.published-domain-policy")
                    .or_else(|| result.comment_value("p"))
                    .and_then(|p| match p.to_ascii_lowercase().as_str() {
                        "reject" => Some(DmarcPolicy::Reject),
                        "quarantine" => Some(DmarcPolicy::Quarantine),
                        "none" => Some(DmarcPolicy::None),
                        _ => None,
                    })
                    .unwrap_or(DmarcPolicy::None);
            }
            _ => {}
        }
    }
    verdict.authenticated = if dmarc_seen {
        verdict.dmarc == AuthOutcome::Pass
    } else {
        verdict
            .dkim
            .iter()
            .any(|s| s.result == AuthOutcome::Pass && s.aligned)
            || (verdict.spf == SpfOutcome::Pass
                && verdict
                    .spf_domain
                    .as_deref()
                    .is_some_and(|d| relaxed_aligned(d, &from_domain)))
    };
    verdict.from_domain = from_domain;
    Some(verdict)
}

/// An `Authentication-Results` header, as far as intake reads it.
#[derive(Debug, PartialEq, Eq)]
struct AuthenticationResults {
    authserv_id: String,
    results: Vec<MethodResult>,
}

#[derive(Debug, PartialEq, Eq)]
struct MethodResult {
    method: String,
    result: String,
    /// `ptype.property=value` pairs, the key lower case.
    properties: Vec<(String, String)>,
    /// The text of comments, `(p=reject dis=none)`.
    comments: Vec<String>,
}

impl MethodResult {
    fn property(&self, key: &str) -> Option<&str> {
        self.properties
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// `key=value` inside a comment.
    fn comment_value(&self, key: &str) -> Option<&str> {
        self.comments
            .iter()
            .flat_map(|c| c.split_whitespace())
            .find_map(|word| {
                let (k, v) = word.split_once('=')?;
                k.eq_ignore_ascii_case(key)
                    .then_some(v.trim_end_matches([',', ';']))
            })
    }
}

/// Parses `authserv-id [version]; method=result [reason=…] ptype.prop=value …; …`.
fn parse_authentication_results(value: &str) -> Option<AuthenticationResults> {
    let (clean, comments) = strip_comments(value);
    let mut parts = clean.split(';');
    let authserv_id = parts.next()?.split_whitespace().next()?.to_owned();
    let mut results = Vec::new();
    for (index, part) in parts.enumerate() {
        let mut words = part.split_whitespace();
        let Some((method, result)) = words.next().and_then(|w| w.split_once('=')) else {
            continue;
        };
        let method = method
            .split('/')
            .next()
            .unwrap_or(method)
            .to_ascii_lowercase();
        let properties = words
            .filter_map(|w| w.split_once('='))
            .map(|(k, v)| (k.to_ascii_lowercase(), v.trim_matches('"').to_owned()))
            .collect();
        results.push(MethodResult {
            method,
            result: result.to_ascii_lowercase(),
            properties,
            comments: comments
                .iter()
                .filter(|(i, _)| *i == index + 1)
                .map(|(_, c)| c.clone())
                .collect(),
        });
    }
    Some(AuthenticationResults {
        authserv_id,
        results,
    })
}

/// The value without its comments, and each comment with the number of the `;`-separated part
/// it stood in.
fn strip_comments(value: &str) -> (String, Vec<(usize, String)>) {
    let mut clean = String::with_capacity(value.len());
    let mut comments = Vec::new();
    let (mut depth, mut part, mut current) = (0usize, 0usize, String::new());
    for c in value.chars() {
        match c {
            '(' => {
                if depth > 0 {
                    current.push(c);
                }
                depth += 1;
            }
            ')' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    comments.push((part, std::mem::take(&mut current)));
                    clean.push(' ');
                } else {
                    current.push(c);
                }
            }
            _ if depth > 0 => current.push(c),
            ';' => {
                part += 1;
                clean.push(c);
            }
            _ => clean.push(c),
        }
    }
    (clean, comments)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn authentication_results_are_read_with_their_comments() {
        let parsed = parse_authentication_results(
            "mx.haven.example (Postfix);\r\n dkim=pass (2048-bit key) header.d=example.nl header.s=s1;\r\n spf=pass smtp.mailfrom=bills@example.nl;\r\n dmarc=pass (p=reject dis=none) header.from=example.nl",
        )
        .unwrap();
        assert_eq!(parsed.authserv_id, "mx.haven.example");
        assert_eq!(parsed.results.len(), 3);
        assert_eq!(parsed.results[0].method, "dkim");
        assert_eq!(parsed.results[0].property("header.d"), Some("example.nl"));
        assert_eq!(parsed.results[2].result, "pass");
        assert_eq!(parsed.results[2].comment_value("p"), Some("reject"));
        assert_eq!(parsed.results[1].comment_value("p"), None);
    }

    #[test]
    fn a_header_without_results_has_none() {
        let parsed = parse_authentication_results("mx.haven.example; none").unwrap();
        assert!(parsed.results.is_empty());
    }
}
