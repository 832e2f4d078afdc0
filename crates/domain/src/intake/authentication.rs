//! Port: authenticating the sender of intake mail (SPF, DKIM, DMARC), so that a forged
//! `From` address of a trusted sender cannot submit invoices.
//!
//! The adapter (`haven-mailbox`) checks the message when it is accepted and gives a
//! [`SenderVerdict`], stored with the message; processing applies the installation's
//! [`AuthenticationMode`] to it before trusting the `From` address.

use std::{future::Future, net::IpAddr};

use serde::{Deserialize, Serialize};

use crate::documents::records::named_enum;

named_enum! {
    /// What the installation does with the verdict.
    pub enum AuthenticationMode {
        /// Nothing is checked.
        Off = "off",
        /// Checked and recorded; mail is processed as before.
        Report = "report",
        /// Checked; mail whose `From` domain is not authenticated is refused without a reply.
        Enforce = "enforce",
    }
}

named_enum! {
    /// An SPF result (RFC 7208).
    pub enum SpfOutcome {
        Pass = "pass",
        Fail = "fail",
        SoftFail = "softfail",
        Neutral = "neutral",
        None = "none",
        TempError = "temperror",
        PermError = "permerror",
    }
}

named_enum! {
    /// A DKIM or DMARC result (RFC 6376, RFC 7489).
    pub enum AuthOutcome {
        Pass = "pass",
        Fail = "fail",
        Neutral = "neutral",
        None = "none",
        TempError = "temperror",
        PermError = "permerror",
    }
}

named_enum! {
    /// The policy a DMARC record asks for; `absent` when the domain publishes none.
    pub enum DmarcPolicy {
        None = "none",
        Quarantine = "quarantine",
        Reject = "reject",
        Absent = "absent",
    }
}

named_enum! {
    /// Where the verdict came from.
    pub enum VerdictSource {
        /// Haven checked the message itself.
        Checked = "checked",
        /// The `Authentication-Results` header of the receiving mail server whose authserv-id
        /// is configured as trusted (`intake_authserv_id`).
        ReceivingServer = "receiving_server",
    }
}

/// One DKIM signature's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DkimSignatureVerdict {
    /// The signing domain (`d=`).
    pub domain: String,
    pub result: AuthOutcome,
    /// Whether the signing domain is aligned with the `From` domain.
    pub aligned: bool,
}

/// What sender authentication found for a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SenderVerdict {
    pub source: VerdictSource,
    /// The domain of the `From` address (empty when the message has none, or several).
    pub from_domain: String,
    /// SPF of the `MAIL FROM` (or `HELO`) identity; `none` when not checked (no client
    /// address over HTTP).
    pub spf: SpfOutcome,
    /// The domain SPF was checked for.
    pub spf_domain: Option<String>,
    pub dkim: Vec<DkimSignatureVerdict>,
    pub dmarc: AuthOutcome,
    pub dmarc_policy: DmarcPolicy,
    /// Whether the `From` domain is authenticated: SPF or DKIM passed for an aligned domain
    /// (DMARC pass).
    pub authenticated: bool,
}

impl SenderVerdict {
    /// Whether, under `enforce`, the message is refused: its `From` domain is not
    /// authenticated. A domain that asks for `reject` or `quarantine` and fails DMARC is
    /// refused whether or not its sender is trusted; the trust check adds the rest.
    #[must_use]
    pub fn refused(&self) -> bool {
        !self.authenticated
    }

    /// Whether the verdict rests on DNS trouble that may pass: nothing authenticated the
    /// domain, and SPF, a DKIM key or the DMARC policy could not be read (`temperror`).
    /// Under `enforce` such a message is deferred for the sender's server to try again, as
    /// RFC 7489 asks, not refused.
    #[must_use]
    pub fn undecided(&self) -> bool {
        !self.authenticated
            && (self.dmarc == AuthOutcome::TempError
                || self.spf == SpfOutcome::TempError
                || self.dkim.iter().any(|d| d.result == AuthOutcome::TempError))
    }

    /// Whether the domain's own DMARC policy asks receivers to refuse this message.
    #[must_use]
    pub fn dmarc_rejects(&self) -> bool {
        self.dmarc == AuthOutcome::Fail
            && matches!(
                self.dmarc_policy,
                DmarcPolicy::Reject | DmarcPolicy::Quarantine
            )
    }
}

/// Who handed the message over, as far as it is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailHandover {
    /// The SMTP client's address and `HELO` name; `None` for mail handed over by another
    /// server through the inbound-email endpoint.
    pub client: Option<(IpAddr, String)>,
    /// `MAIL FROM` (empty for a bounce).
    pub mail_from: String,
}

/// Port: SPF, DKIM and DMARC of a message.
pub trait SenderAuthenticator: Send + Sync {
    /// The verdict for `raw` as handed over. DNS trouble is a `temperror` in the verdict,
    /// never an error: the message is accepted and judged by the verdict.
    fn authenticate(
        &self,
        handover: &MailHandover,
        raw: &[u8],
    ) -> impl Future<Output = SenderVerdict> + Send;
}

/// No checks (`intake_sender_authentication = "off"`).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoAuthentication;

impl SenderAuthenticator for NoAuthentication {
    async fn authenticate(&self, _handover: &MailHandover, _raw: &[u8]) -> SenderVerdict {
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
}

/// An authenticator that may not exist: `None` checks nothing, like [`NoAuthentication`].
/// The API builds the DNS resolver only when `intake_sender_authentication` is not `off`.
impl<A: SenderAuthenticator> SenderAuthenticator for Option<A> {
    async fn authenticate(&self, handover: &MailHandover, raw: &[u8]) -> SenderVerdict {
        match self {
            Some(authenticator) => authenticator.authenticate(handover, raw).await,
            None => NoAuthentication.authenticate(handover, raw).await,
        }
    }
}

/// Whether `domain` is aligned with the `From` domain in DMARC's relaxed mode, approximated
/// without the public suffix list: equal, or one a subdomain of the other.
#[must_use]
pub fn relaxed_aligned(domain: &str, from_domain: &str) -> bool {
    let (a, b) = (
        domain.trim_end_matches('.').to_ascii_lowercase(),
        from_domain.trim_end_matches('.').to_ascii_lowercase(),
    );
    !a.is_empty()
        && !b.is_empty()
        && (a == b || a.ends_with(&format!(".{b}")) || b.ends_with(&format!(".{a}")))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn alignment_is_the_domain_or_a_subdomain() {
        assert!(relaxed_aligned("mail.example.nl", "example.nl"));
        assert!(relaxed_aligned("example.nl", "Example.NL."));
        assert!(relaxed_aligned("example.nl", "billing.example.nl"));
        assert!(!relaxed_aligned("badexample.nl", "example.nl"));
        assert!(!relaxed_aligned("", "example.nl"));
    }

    #[test]
    fn enforcement_refuses_what_is_not_authenticated() {
        let mut verdict = NoAuthentication::default_verdict();
        assert!(verdict.refused());
        verdict.dmarc = AuthOutcome::Fail;
        verdict.dmarc_policy = DmarcPolicy::Reject;
        assert!(verdict.dmarc_rejects());
        verdict.dmarc_policy = DmarcPolicy::None;
        assert!(!verdict.dmarc_rejects());
        verdict.authenticated = true;
        assert!(!verdict.refused());
    }

    impl NoAuthentication {
        fn default_verdict() -> SenderVerdict {
            SenderVerdict {
                source: VerdictSource::Checked,
                from_domain: "example.nl".into(),
                spf: SpfOutcome::None,
                spf_domain: None,
                dkim: Vec::new(),
                dmarc: AuthOutcome::None,
                dmarc_policy: DmarcPolicy::Absent,
                authenticated: false,
            }
        }
    }
}
