//! Turning a rendered message into MIME.

use haven_domain::mail::OutgoingMail;
use lettre::{
    message::{Mailbox, MultiPart},
    Message,
};
use uuid::Uuid;

use crate::SendError;

/// Builds the message: `multipart/alternative` with the plain text first and the HTML second.
/// `id` (the queue id) becomes the `Message-ID`, so retries of one message share it.
///
/// # Errors
/// [`SendError::Permanent`] when the recipient address is not usable.
pub fn build_message(from: &Mailbox, mail: &OutgoingMail, id: Uuid) -> Result<Message, SendError> {
    let to: Mailbox = mail
        .to
        .parse()
        .map_err(|e| SendError::Permanent(format!("invalid recipient address: {e}")))?;
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(mail.subject.clone())
        .message_id(Some(format!("<{id}@{}>", from.email.domain())))
        .multipart(MultiPart::alternative_plain_html(
            mail.text_body.clone(),
            mail.html_body.clone(),
        ))
        .map_err(|e| SendError::Permanent(format!("could not build the message: {e}")))
}
