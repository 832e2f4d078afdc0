//! The signals a receiver answers with, synchronously in the HTTP response: a signed receipt
//! whose non-repudiation information repeats the references of the received message's
//! signature, or a signed ebMS error. And the sender's check of the answer.

use chrono::{SecondsFormat, Utc};
use roxmltree::Document;

use super::{
    child_named, children_named, common_name, mime, new_id, receive::Received, send::Outgoing,
    trimmed_text, wss, ApKey, As4Error, BASE64_BINARY, EBBP, EBMS, SOAP12, WSSE, WSU, X509V3,
};
use crate::{
    sbdh::escape,
    xmldsig::{TrustAnchors, DSIG_NAMESPACE},
};

/// A signal to answer with: the HTTP Content-Type and body (plain SOAP).
#[derive(Debug, Clone)]
pub struct Signal {
    pub content_type: String,
    pub body: Vec<u8>,
}

/// The signed receipt for a received message.
///
/// # Errors
/// When the key cannot sign.
pub fn receipt(received: &Received, key: &ApKey) -> Result<Signal, String> {
    let references: String = received
        .references
        .iter()
        .map(|r| {
            format!(
                "<ebbp:MessagePartNRInformation>{}</ebbp:MessagePartNRInformation>",
                r.to_xml()
            )
        })
        .collect();
    let content = format!(
        "<eb:Receipt><ebbp:NonRepudiationInformation>{references}</ebbp:NonRepudiationInformation></eb:Receipt>"
    );
    signal(Some(&received.message_id), &content, key)
}

/// The signed ebMS error answering a message (`ref_to` its MessageId, when it was readable).
///
/// # Errors
/// When the key cannot sign.
pub fn error(ref_to: Option<&str>, error: &As4Error, key: &ApKey) -> Result<Signal, String> {
    let ref_attribute = ref_to
        .map(|id| format!(" refToMessageInError=\"{}\"", escape(id)))
        .unwrap_or_default();
    let content = format!(
        "<eb:Error category=\"{category}\" errorCode=\"{code}\" origin=\"ebMS\" severity=\"failure\" shortDescription=\"{short}\"{ref_attribute}><eb:Description xml:lang=\"en\">{description}</eb:Description><eb:ErrorDetail>{detail}</eb:ErrorDetail></eb:Error>",
        category = error.code.category(),
        code = error.code.code(),
        short = error.code.short_description(),
        description = escape(&error.detail),
        detail = escape(&error.detail),
    );
    signal(ref_to, &content, key)
}

fn signal(ref_to: Option<&str>, content: &str, key: &ApKey) -> Result<Signal, String> {
    let messaging_id = format!("_M-{}", new_id());
    let body_id = format!("_B-{}", new_id());
    let bst_id = format!("X509-{}", new_id());
    let ref_to = ref_to
        .map(|id| format!("<eb:RefToMessageId>{}</eb:RefToMessageId>", escape(id)))
        .unwrap_or_default();
    let messaging = format!(
        "<eb:Messaging wsu:Id=\"{messaging_id}\" S12:mustUnderstand=\"true\"><eb:SignalMessage><eb:MessageInfo><eb:Timestamp>{timestamp}</eb:Timestamp><eb:MessageId>{id}@haven</eb:MessageId>{ref_to}</eb:MessageInfo>{content}</eb:SignalMessage></eb:Messaging>",
        timestamp = Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true),
        id = new_id(),
    );
    let envelope = |signature: &str| {
        format!(
            "<S12:Envelope xmlns:S12=\"{SOAP12}\" xmlns:wsu=\"{WSU}\" xmlns:eb=\"{EBMS}\" xmlns:ebbp=\"{EBBP}\" xmlns:ds=\"{DSIG_NAMESPACE}\"><S12:Header><wsse:Security xmlns:wsse=\"{WSSE}\" S12:mustUnderstand=\"true\"><wsse:BinarySecurityToken EncodingType=\"{BASE64_BINARY}\" ValueType=\"{X509V3}\" wsu:Id=\"{bst_id}\">{cert}</wsse:BinarySecurityToken>{signature}</wsse:Security>{messaging}</S12:Header><S12:Body wsu:Id=\"{body_id}\"/></S12:Envelope>",
            cert = {
                use base64::{engine::general_purpose::STANDARD, Engine as _};
                STANDARD.encode(key.certificate())
            },
        )
    };
    let (signature, _) = wss::sign(
        &envelope(""),
        &[&messaging_id, &body_id],
        &[],
        &key.signing,
        &bst_id,
    )?;
    Ok(Signal {
        content_type: "application/soap+xml; charset=UTF-8".into(),
        body: envelope(&signature).into_bytes(),
    })
}

/// What the receiver answered, once checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// A receipt for the message, signed by the receiver, naming exactly its references.
    Receipt,
    /// An ebMS error (final: not to be retried).
    Error { code: String, detail: String },
}

/// Why an answer does not count (the sender may retry).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the answer is not a valid signal: {0}")]
pub struct InvalidSignal(pub String);

/// Checks the answer to `sent`: signed by `expected_signer` (DER, the receiver's certificate
/// from the SMP) with the signature covering its Messaging, about this message, and — for a
/// receipt — acknowledging exactly the references sent.
///
/// # Errors
/// An [`InvalidSignal`] saying what is wrong.
pub fn verify_answer<E>(
    content_type: &str,
    body: &[u8],
    sent: &Outgoing<E>,
    expected_signer: &[u8],
) -> Result<Answer, InvalidSignal> {
    verify_signal(content_type, body, sent, &|signer| {
        signer == expected_signer
    })
}

/// As [`verify_answer`], also accepting a **receipt** signed by the receiver's renewed
/// certificate: one of the same seat id (CN), issued by `ap_trust` and valid at `now`. During
/// a certificate rollover the receiver has published its new certificate while this sender
/// still holds the old one (a cached SMP answer); the receiver decrypts with its previous key
/// and signs with its current one. An ebMS error must still be signed by `expected_signer`:
/// an error signed otherwise does not count (the sender tries again, by then perhaps with the
/// new certificate).
///
/// # Errors
/// An [`InvalidSignal`] saying what is wrong.
pub fn verify_answer_during_rollover<E>(
    content_type: &str,
    body: &[u8],
    sent: &Outgoing<E>,
    expected_signer: &[u8],
    ap_trust: &TrustAnchors,
    now: i64,
) -> Result<Answer, InvalidSignal> {
    let renewed = |signer: &[u8]| {
        ap_trust.check(signer, now).is_ok()
            && matches!(
                (common_name(signer), common_name(expected_signer)),
                (Ok(theirs), Ok(expected)) if theirs == expected
            )
    };
    match verify_signal(content_type, body, sent, &|signer| {
        signer == expected_signer || renewed(signer)
    })? {
        Answer::Receipt => Ok(Answer::Receipt),
        Answer::Error { code, detail } => {
            // Errors: only from the certificate encrypted to.
            verify_answer(content_type, body, sent, expected_signer)?;
            Ok(Answer::Error { code, detail })
        }
    }
}

fn verify_signal<E>(
    content_type: &str,
    body: &[u8],
    sent: &Outgoing<E>,
    accepted_signer: &dyn Fn(&[u8]) -> bool,
) -> Result<Answer, InvalidSignal> {
    let invalid = |why: &str| InvalidSignal(why.to_owned());
    let parts = mime::parse(content_type, body).map_err(|e| InvalidSignal(e.detail))?;
    let root = parts
        .iter()
        .find(|p| p.media_type() == "application/soap+xml")
        .ok_or_else(|| invalid("no SOAP part"))?;
    let text = std::str::from_utf8(&root.content).map_err(|_| invalid("not UTF-8"))?;
    let doc =
        Document::parse(text).map_err(|e| InvalidSignal(format!("not XML without a DTD: {e}")))?;
    let header = child_named(doc.root_element(), SOAP12, "Header")
        .ok_or_else(|| invalid("no SOAP header"))?;
    let messaging =
        child_named(header, EBMS, "Messaging").ok_or_else(|| invalid("no eb:Messaging"))?;
    let security = child_named(header, WSSE, "Security").ok_or_else(|| invalid("not signed"))?;
    let verified = wss::verify(&doc, security).map_err(|e| InvalidSignal(e.detail))?;
    if !accepted_signer(&verified.signer) {
        return Err(invalid("it is not signed with the receiver's certificate"));
    }
    let messaging_id = messaging
        .attributes()
        .find(|a| a.name() == "Id")
        .map(|a| a.value())
        .unwrap_or("");
    if !verified.covers_element(messaging_id) {
        return Err(invalid("the signature does not cover eb:Messaging"));
    }
    if verified.references.iter().any(|r| !r.uri.starts_with('#')) {
        return Err(invalid(
            "the signature references something outside the signal",
        ));
    }
    let signal =
        child_named(messaging, EBMS, "SignalMessage").ok_or_else(|| invalid("no SignalMessage"))?;
    let ref_to = child_named(signal, EBMS, "MessageInfo")
        .and_then(|i| child_named(i, EBMS, "RefToMessageId"))
        .map(trimmed_text);
    if let Some(error) = child_named(signal, EBMS, "Error") {
        let refers = ref_to.as_deref().or(error.attribute("refToMessageInError"));
        if refers.is_some_and(|id| id != sent.message_id) {
            return Err(invalid("the error is about another message"));
        }
        return Ok(Answer::Error {
            code: error.attribute("errorCode").unwrap_or("").to_owned(),
            detail: child_named(error, EBMS, "ErrorDetail")
                .map(trimmed_text)
                .unwrap_or_default(),
        });
    }
    if ref_to.as_deref() != Some(sent.message_id.as_str()) {
        return Err(invalid("the receipt is not about this message"));
    }
    let receipt = child_named(signal, EBMS, "Receipt")
        .ok_or_else(|| invalid("neither a receipt nor an error"))?;
    let acknowledged: Vec<wss::SignedReference> =
        child_named(receipt, EBBP, "NonRepudiationInformation")
            .into_iter()
            .flat_map(|n| children_named(n, EBBP, "MessagePartNRInformation"))
            .flat_map(|p| children_named(p, DSIG_NAMESPACE, "Reference"))
            .map(wss::SignedReference::from_node)
            .collect();
    if wss::reference_set(&acknowledged) != wss::reference_set(&sent.references) {
        return Err(invalid(
            "the receipt's non-repudiation information is not the message's references",
        ));
    }
    Ok(Answer::Receipt)
}
