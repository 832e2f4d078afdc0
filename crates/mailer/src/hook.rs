//! Mail hooks' messages: the domain renders them (text, HTML, attachment, headers); this
//! builds the MIME message and hands it to the same [`Transport`] as every other email, so
//! mail hooks use the installation's SMTP relay (or outbox) and its sender address.

use haven_domain::hooks::{
    delivery::TransportOutcome,
    mail::{HookMail, HookMailer},
};
use lettre::{
    message::{
        header::{ContentType, HeaderName, HeaderValue},
        Attachment, Mailbox, MultiPart,
    },
    Message,
};

use crate::{recipient_domain, SendError, Transport};

/// Sends mail hooks' messages through the platform's mail transport.
#[derive(Debug, Clone)]
pub struct HookMailTransport {
    transport: Transport,
    from: Mailbox,
}

impl HookMailTransport {
    /// Sends as `from`, e.g. `Haven <no-reply@example.com>` (the platform's `mail_from`).
    ///
    /// # Errors
    /// When `from` is not a valid mailbox.
    pub fn new(transport: Transport, from: &str) -> Result<Self, lettre::address::AddressError> {
        Ok(Self {
            transport,
            from: from.parse()?,
        })
    }
}

/// Builds the message: `multipart/alternative` (plain text, HTML), inside `multipart/mixed`
/// with the attachment when there is one. The delivery id is the `Message-ID`, so the
/// attempts of one delivery share it.
///
/// # Errors
/// [`SendError::Permanent`] when the recipient or the attachment's type is not usable.
pub fn build_hook_message(from: &Mailbox, mail: &HookMail) -> Result<Message, SendError> {
    let to: Mailbox = mail
        .to
        .parse()
        .map_err(|e| SendError::Permanent(format!("invalid recipient address: {e}")))?;
    let mut builder = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(mail.subject.clone())
        .message_id(Some(format!("<{}@{}>", mail.id, from.email.domain())));
    for (name, value) in &mail.headers {
        builder = builder.raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str(name),
            value.clone(),
        ));
    }
    let text = MultiPart::alternative_plain_html(mail.text_body.clone(), mail.html_body.clone());
    let body = match &mail.attachment {
        None => text,
        Some(attachment) => {
            let content_type = ContentType::parse(&attachment.content_type)
                .map_err(|e| SendError::Permanent(format!("unusable attachment type: {e}")))?;
            MultiPart::mixed().multipart(text).singlepart(
                Attachment::new(attachment.file_name.clone())
                    .body(attachment.bytes.clone(), content_type),
            )
        }
    };
    builder
        .multipart(body)
        .map_err(|e| SendError::Permanent(format!("could not build the message: {e}")))
}

impl HookMailer for HookMailTransport {
    async fn send(&self, mail: &HookMail) -> TransportOutcome {
        let sent = match build_hook_message(&self.from, mail) {
            Ok(message) => self.transport.send(&message, mail.id).await,
            Err(err) => Err(err),
        };
        let domain = recipient_domain(&mail.to);
        match sent {
            Ok(()) => {
                tracing::info!(mail.recipient_domain = domain, "mail hook message sent");
                TransportOutcome::Handed {
                    reply: "The mail server accepted the message.".into(),
                }
            }
            Err(SendError::Temporary(reason)) => TransportOutcome::Failed {
                error: format!("The mail server could not take the message now: {reason}"),
                temporary: true,
            },
            Err(SendError::Permanent(reason)) => TransportOutcome::Failed {
                error: format!("The mail server refused the message: {reason}"),
                temporary: false,
            },
        }
    }
}
