//! The domain's `As4Inbound` port over this module: Haven's AS4 receiving endpoint.

use haven_domain::{
    peppol::receiving::{As4Inbound, Inbound, Refusal, Signal},
    DomainError, DomainResult,
};

use super::{
    receive::{receive, Received, ReceiverConfig, Rejected},
    signal, ApKey, As4Error, EbmsCode, NOT_SERVICED,
};
use crate::xmldsig::TrustAnchors;

/// Receives for this access point: its key and certificate, the AP CA(s) senders' certificates
/// must be issued by, and the cap on a decompressed payload.
pub struct As4Receiver {
    pub key: ApKey,
    pub ap_trust: TrustAnchors,
    pub max_decompressed: u64,
}

fn signing_failed(e: String) -> DomainError {
    DomainError::Unexpected(anyhow::anyhow!("signing an AS4 signal: {e}"))
}

fn to_signal(signal: signal::Signal) -> Signal {
    Signal {
        content_type: signal.content_type,
        body: signal.body,
    }
}

impl As4Inbound for As4Receiver {
    type Opened = Received;
    type Failed = Rejected;

    fn open(&self, content_type: &str, body: &[u8]) -> Result<(Inbound, Received), Rejected> {
        let config = ReceiverConfig {
            key: &self.key,
            ap_trust: &self.ap_trust,
            max_decompressed: self.max_decompressed,
            now: chrono::Utc::now().timestamp(),
        };
        // Whether the receiver is served is the domain's question, asked next.
        let received = receive(content_type, body, &config, &|_, _, _| true)?;
        let header = &received.document.header;
        let inbound = Inbound {
            message_id: received.message_id.clone(),
            sender_access_point: received.from_party.clone(),
            receiver_access_point: received.to_party.clone(),
            sender: header.sender.value().to_owned(),
            receiver: header.receiver.value().to_owned(),
            instance_identifier: header.instance_identifier.clone(),
            document: received.document.payload.clone(),
        };
        Ok((inbound, received))
    }

    fn receipt(&self, opened: &Received) -> DomainResult<Signal> {
        signal::receipt(opened, &self.key)
            .map(to_signal)
            .map_err(signing_failed)
    }

    fn refuse(&self, opened: &Received, refusal: Refusal) -> DomainResult<Signal> {
        let error = match refusal {
            Refusal::NotServiced => As4Error::new(EbmsCode::Other, NOT_SERVICED),
            Refusal::Invalid(detail) => As4Error::new(EbmsCode::Other, detail),
        };
        signal::error(Some(&opened.message_id), &error, &self.key)
            .map(to_signal)
            .map_err(signing_failed)
    }

    fn answer_failed(&self, failed: &Rejected) -> DomainResult<Signal> {
        signal::error(failed.message_id.as_deref(), &failed.error, &self.key)
            .map(to_signal)
            .map_err(signing_failed)
    }
}
