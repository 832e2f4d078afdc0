//! The domain's `As4Inbound` port over this module: Haven's AS4 receiving endpoint.

use std::{path::PathBuf, sync::Arc};

use haven_domain::{
    peppol::{
        receiving::{As4Inbound, FailedMessage, Inbound, OpenResult, Posted, Refusal, Signal},
        refusals::{AnsweredError, RefusalReason},
        reporting::SchemedId,
    },
    DomainError, DomainResult,
};

use super::{
    off_the_worker,
    receive::{claimed_ids, receive_from, Received, ReceiverConfig, Rejected},
    signal, ApKeys, As4Error, EbmsCode, NOT_SERVICED,
};
use crate::{
    identifiers::TRANSPORT_PROFILE_AS4, revocation::RevocationChecker, rollover::Swappable,
    xmldsig::TrustAnchors,
};

/// Receives for this access point: its keys (the current one, and the previous one during a
/// certificate rollover; replaced while running when the files are renewed), the AP CA(s)
/// senders' certificates must be issued by, the cap on a decompressed payload, the
/// revocation check of the sender's certificate, and where payloads are unpacked.
pub struct As4Receiver {
    pub keys: Swappable<ApKeys>,
    /// Shared with the sender, and replaced while running when the trust file changes.
    pub ap_trust: Swappable<TrustAnchors>,
    pub max_decompressed: u64,
    pub revocation: Arc<RevocationChecker>,
    /// The directory of the anonymous files payloads are decompressed into.
    pub spool_dir: PathBuf,
}

/// How far into a message too large to take its envelope is looked for.
const CLAIMED_IDS_WITHIN: usize = 64 * 1024;

fn signing_failed(e: String) -> DomainError {
    DomainError::Unexpected(anyhow::anyhow!("signing an AS4 signal: {e}"))
}

fn to_signal(signal: signal::Signal) -> Signal {
    Signal {
        content_type: signal.content_type,
        body: signal.body,
    }
}

impl As4Receiver {
    /// Opens a posted message: every check of [`receive_from`] but whether the receiver is
    /// served. Its file is only read.
    ///
    /// # Errors
    /// The refusal to answer with ([`Rejected::internal`] when its file could not be read).
    pub fn open_message(&self, posted: &Posted) -> Result<(Inbound, Received), Rejected> {
        let file = std::fs::File::open(posted.path()).map_err(|e| Rejected {
            message_id: None,
            sender_access_point: None,
            authenticated: false,
            internal: true,
            error: As4Error::new(
                EbmsCode::Other,
                format!("the spooled message cannot be read: {e}"),
            ),
        })?;
        // The keys of this moment serve the whole message, whatever a reload does meanwhile.
        let keys = self.keys.load();
        let trust = self.ap_trust.load();
        let config = ReceiverConfig {
            key: &keys.current,
            previous: keys.previous.as_ref(),
            ap_trust: &trust,
            max_decompressed: self.max_decompressed,
            now: chrono::Utc::now().timestamp(),
        };
        // Whether the receiver is served is the domain's question, asked next.
        let mut received = receive_from(
            posted.content_type(),
            &file,
            posted.body(),
            &self.spool_dir,
            &config,
            &|_, _, _| true,
        )?;
        // The business document goes on to the domain; the receipt needs only the references.
        let document = std::mem::take(&mut received.document);
        let header = &received.header;
        let inbound = Inbound {
            message_id: received.message_id.clone(),
            sender_access_point: received.from_party.clone(),
            receiver_access_point: received.to_party.clone(),
            sender: header.sender.value().to_owned(),
            receiver: header.receiver.value().to_owned(),
            participant_scheme: header.sender.scheme().to_owned(),
            document_type: SchemedId::new(
                header.document_type.scheme(),
                header.document_type.value(),
            ),
            process: SchemedId::new(header.process.scheme(), header.process.value()),
            country_c1: header.country_c1.clone(),
            // The only transport this endpoint speaks.
            transport_profile: TRANSPORT_PROFILE_AS4.to_owned(),
            instance_identifier: header.instance_identifier.clone(),
            document,
        };
        Ok((inbound, received))
    }

    /// Whether the sender's certificate is still good under the revocation policy; a
    /// refusal is EBMS:0101, as for any other certificate that is not accepted.
    ///
    /// # Errors
    /// The refusal to answer with.
    pub async fn check_revocation(&self, received: &Received) -> Result<(), Rejected> {
        let Ok(path) = self
            .ap_trust
            .load()
            .path(&received.signer, chrono::Utc::now().timestamp())
        else {
            // Not reached: `open_message` has checked the chain.
            return Ok(());
        };
        self.revocation.check_path(&path).await.map_err(|refused| {
            let detail = format!("the signing certificate is not accepted: {refused}");
            tracing::info!(
                message_id = %received.message_id,
                from = %received.from_party,
                %detail,
                "AS4 message refused"
            );
            Rejected {
                message_id: Some(received.message_id.clone()),
                // Named by a certificate on a path to the AP trust anchor, which is no longer
                // accepted.
                sender_access_point: Some(received.from_party.clone()),
                authenticated: false,
                internal: false,
                error: As4Error::new(EbmsCode::FailedAuthentication, detail),
            }
        })
    }

    fn receipt_for(&self, opened: &Received) -> DomainResult<Signal> {
        signal::receipt(opened, &self.keys.load().current)
            .map(to_signal)
            .map_err(signing_failed)
    }

    fn refusal_for(&self, opened: &Received, refusal: Refusal) -> DomainResult<Signal> {
        let error = refusal_error(refusal);
        signal::error(Some(&opened.message_id), &error, &self.keys.load().current)
            .map(to_signal)
            .map_err(signing_failed)
    }

    fn error_for(&self, failed: &Rejected) -> DomainResult<Signal> {
        signal::error(
            failed.message_id.as_deref(),
            &failed.error,
            &self.keys.load().current,
        )
        .map(to_signal)
        .map_err(signing_failed)
    }
}

/// The ebMS error a refusal of the domain's is answered with.
fn refusal_error(refusal: Refusal) -> As4Error {
    match refusal {
        Refusal::NotServiced => As4Error::new(EbmsCode::Other, NOT_SERVICED),
        Refusal::Invalid(detail) => As4Error::new(EbmsCode::Other, detail),
    }
}

/// The codes of an ebMS error as the record of refusals keeps them.
fn answered(error: &As4Error) -> AnsweredError {
    AnsweredError {
        ebms_code: error.code.code().to_owned(),
        peppol_code: error.detail.starts_with("PEPPOL:").then(|| {
            error
                .detail
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_owned()
        }),
    }
}

/// Why the adapter refused a message, by the ebMS error it answered.
fn reason_of(error: &As4Error) -> RefusalReason {
    match error.code {
        EbmsCode::ValueInconsistent | EbmsCode::MimeInconsistency | EbmsCode::InvalidHeader => {
            RefusalReason::Packaging
        }
        EbmsCode::FailedAuthentication => RefusalReason::Authentication,
        EbmsCode::FailedDecryption => RefusalReason::Decryption,
        EbmsCode::PolicyNoncompliance => RefusalReason::SecurityPolicy,
        EbmsCode::DecompressionFailure => RefusalReason::Decompression,
        // The adapter's EBMS:0004: the SBDH, or the ebMS header or document against it.
        EbmsCode::Other => RefusalReason::Envelope,
    }
}

fn stopped(e: String) -> DomainError {
    DomainError::Unexpected(anyhow::anyhow!(e))
}

/// The receiver shared by the requests, each message's work on the blocking pool.
#[derive(Clone)]
pub struct BlockingAs4Receiver(pub Arc<As4Receiver>);

impl As4Inbound for BlockingAs4Receiver {
    type Opened = Arc<Received>;
    type Failed = Rejected;

    async fn open(&self, posted: Posted) -> DomainResult<OpenResult<Arc<Received>, Rejected>> {
        let receiver = Arc::clone(&self.0);
        let opened = off_the_worker(move || {
            match receiver.open_message(&posted) {
                Ok((inbound, received)) => Ok((inbound, received, posted)),
                // Boxed: the refusal and the message are large beside an opened message.
                Err(rejected) => Err(Box::new((rejected, posted))),
            }
        })
        .await;
        Ok(match opened {
            Ok(Ok((inbound, received, posted))) => {
                // The signer's certificate is checked with its CA before anything is stored.
                if let Err(rejected) = self.0.check_revocation(&received).await {
                    return Ok(Err((rejected, Some(posted))));
                }
                Ok((inbound, Arc::new(received), posted))
            }
            Ok(Err(failed)) => {
                let (rejected, posted) = *failed;
                if rejected.internal {
                    // This receiver's files failed, not the message: a 5xx the sender retries.
                    return Err(DomainError::Unexpected(anyhow::anyhow!(
                        "opening an AS4 message: {}",
                        rejected.error.detail
                    )));
                }
                Err((rejected, Some(posted)))
            }
            // A panic in the checks: refused as unreadable rather than answered with nothing
            // (the message went with the panicking task).
            Err(_) => Err((
                Rejected {
                    message_id: None,
                    sender_access_point: None,
                    authenticated: false,
                    internal: false,
                    error: As4Error::new(EbmsCode::InvalidHeader, "the message could not be read"),
                },
                None,
            )),
        })
    }

    fn oversized(&self, posted: &Posted, limit: u64) -> Rejected {
        // Refused as it arrives, unread but for what its envelope claims, when that is among
        // its first bytes (a small read of the spool file).
        let start = usize::try_from(posted.body().start).unwrap_or(usize::MAX);
        let (message_id, sender_access_point) = posted
            .head(start.saturating_add(CLAIMED_IDS_WITHIN))
            .ok()
            .and_then(|bytes| {
                bytes
                    .get(start..)
                    .map(|body| claimed_ids(posted.content_type(), body))
            })
            .unwrap_or_default();
        Rejected {
            message_id,
            sender_access_point,
            authenticated: false,
            internal: false,
            error: As4Error::new(
                EbmsCode::Other,
                format!(
                    "the message is larger than {limit} bytes, the most this access point takes"
                ),
            ),
        }
    }

    fn describe_failed(&self, failed: &Rejected) -> FailedMessage {
        FailedMessage {
            reason: reason_of(&failed.error),
            message_id: failed.message_id.clone(),
            sender_access_point: failed.sender_access_point.clone(),
            sender_verified: failed.authenticated,
            error: answered(&failed.error),
            description: failed.error.detail.clone(),
        }
    }

    fn refusal_error(&self, refusal: &Refusal) -> AnsweredError {
        answered(&refusal_error(refusal.clone()))
    }

    async fn receipt(&self, opened: &Arc<Received>) -> DomainResult<Signal> {
        let (receiver, opened) = (Arc::clone(&self.0), Arc::clone(opened));
        off_the_worker(move || receiver.receipt_for(&opened))
            .await
            .map_err(stopped)?
    }

    async fn refuse(&self, opened: &Arc<Received>, refusal: Refusal) -> DomainResult<Signal> {
        let (receiver, opened) = (Arc::clone(&self.0), Arc::clone(opened));
        off_the_worker(move || receiver.refusal_for(&opened, refusal))
            .await
            .map_err(stopped)?
    }

    async fn answer_failed(&self, failed: &Rejected) -> DomainResult<Signal> {
        let (receiver, failed) = (Arc::clone(&self.0), failed.clone());
        off_the_worker(move || receiver.error_for(&failed))
            .await
            .map_err(stopped)?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_recorded_by_the_error_answered() {
        let not_serviced = answered(&As4Error::new(EbmsCode::Other, NOT_SERVICED));
        assert_eq!(not_serviced.ebms_code, "EBMS:0004");
        assert_eq!(not_serviced.peppol_code.as_deref(), Some(NOT_SERVICED));
        let invalid = answered(&As4Error::new(EbmsCode::Other, "the SBDH is invalid: …"));
        assert_eq!(invalid.peppol_code, None);
        for (code, reason) in [
            (EbmsCode::ValueInconsistent, RefusalReason::Packaging),
            (EbmsCode::MimeInconsistency, RefusalReason::Packaging),
            (EbmsCode::InvalidHeader, RefusalReason::Packaging),
            (
                EbmsCode::FailedAuthentication,
                RefusalReason::Authentication,
            ),
            (EbmsCode::FailedDecryption, RefusalReason::Decryption),
            (EbmsCode::PolicyNoncompliance, RefusalReason::SecurityPolicy),
            (EbmsCode::DecompressionFailure, RefusalReason::Decompression),
            (EbmsCode::Other, RefusalReason::Envelope),
        ] {
            assert_eq!(reason_of(&As4Error::new(code, "x")), reason, "{code:?}");
        }
    }
}
