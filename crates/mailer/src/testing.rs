//! Reading the file outbox back, for tests: which messages were sent, to whom, with which links.

use std::path::{Path, PathBuf};

use mail_parser::MessageParser;

/// A message found in the outbox, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMail {
    /// The `.eml` file.
    pub path: PathBuf,
    pub from: String,
    pub to: String,
    pub subject: String,
    /// The plain-text part, decoded, with `\n` line ends.
    pub text: String,
    /// The HTML part, decoded, with `\n` line ends.
    pub html: String,
    /// Every header as written (name, value), in order.
    pub headers: Vec<(String, String)>,
    /// The attachments, decoded.
    pub attachments: Vec<MailFile>,
}

/// An attachment of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailFile {
    pub name: String,
    /// `type/subtype`.
    pub content_type: String,
    pub bytes: Vec<u8>,
}

impl OutboxMail {
    /// Every `http://` or `https://` URL in the plain-text part, in order.
    #[must_use]
    pub fn links(&self) -> Vec<String> {
        links_in(&self.text)
    }

    /// The value of the first header called `name` (case-insensitive), trimmed.
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim())
    }

    /// The first link that starts with `prefix`, e.g. `http://127.0.0.1:8080/verify`.
    #[must_use]
    pub fn link_starting_with(&self, prefix: &str) -> Option<String> {
        self.links().into_iter().find(|l| l.starts_with(prefix))
    }
}

/// Every message in the outbox, oldest first (unreadable or half-written files are skipped;
/// a missing directory is an empty outbox).
#[must_use]
pub fn read_outbox(dir: &Path) -> Vec<OutboxMail> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| !n.starts_with('.'))
        })
        .collect();
    paths.sort();
    paths.into_iter().filter_map(|p| parse_file(&p)).collect()
}

/// The messages to `address` (case-insensitive), oldest first.
#[must_use]
pub fn outbox_for(dir: &Path, address: &str) -> Vec<OutboxMail> {
    read_outbox(dir)
        .into_iter()
        .filter(|m| m.to.eq_ignore_ascii_case(address))
        .collect()
}

/// Waits (polling every 25 ms, up to `timeout`) until the outbox holds a message to `address`;
/// returns the newest one, or `None` after the timeout.
pub async fn wait_for_mail(
    dir: &Path,
    address: &str,
    timeout: std::time::Duration,
) -> Option<OutboxMail> {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(mail) = outbox_for(dir, address).pop() {
            return Some(mail);
        }
        if tokio::time::Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
}

/// Decodes one `.eml` file.
#[must_use]
pub fn parse_file(path: &Path) -> Option<OutboxMail> {
    let bytes = std::fs::read(path).ok()?;
    parse_bytes(path, &bytes)
}

/// Decodes a message as it went over the wire (`path` names where it came from).
#[must_use]
pub fn parse_bytes(path: &Path, bytes: &[u8]) -> Option<OutboxMail> {
    use mail_parser::MimeHeaders as _;
    let message = MessageParser::default().parse(bytes)?;
    let first_address = |addr: Option<&mail_parser::Address<'_>>| {
        addr.and_then(|a| a.first())
            .and_then(|a| a.address())
            .unwrap_or_default()
            .to_owned()
    };
    let headers = message
        .headers_raw()
        .map(|(name, value)| (name.to_owned(), value.trim().to_owned()))
        .collect();
    let attachments = message
        .attachments()
        .map(|part| MailFile {
            name: part.attachment_name().unwrap_or_default().to_owned(),
            content_type: part
                .content_type()
                .map(|t| match t.subtype() {
                    Some(sub) => format!("{}/{sub}", t.ctype()),
                    None => t.ctype().to_owned(),
                })
                .unwrap_or_default(),
            bytes: part.contents().to_vec(),
        })
        .collect();
    Some(OutboxMail {
        path: path.to_owned(),
        from: first_address(message.from()),
        to: first_address(message.to()),
        subject: message.subject().unwrap_or_default().to_owned(),
        text: body(message.body_text(0)),
        html: body(message.body_html(0)),
        headers,
        attachments,
    })
}

/// A decoded part with the line ends of the rendered message (`\n`, not the wire's `\r\n`).
fn body(part: Option<std::borrow::Cow<'_, str>>) -> String {
    part.map(|t| t.replace("\r\n", "\n")).unwrap_or_default()
}

fn links_in(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || c == '<' || c == '>' || c == '"')
        .filter(|w| w.starts_with("http://") || w.starts_with("https://"))
        .map(|w| w.trim_end_matches(['.', ',', ')', ';']).to_owned())
        .collect()
}
