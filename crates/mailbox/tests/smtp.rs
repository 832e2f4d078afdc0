//! The SMTP receiver spoken to by a real client (lettre) over 127.0.0.1, and by hand where a
//! client would not misbehave on purpose.
#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Mutex};

use haven_mailbox::smtp::{
    serve, serve_listeners, Entry, MailSink, ReceiverTls, SinkError, SmtpClient, SmtpSettings,
};
use lettre::{
    message::{header::ContentType, Attachment, MultiPart, SinglePart},
    transport::smtp::client::{Certificate, Tls, TlsParameters},
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
};
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::{TcpListener, TcpStream},
};
use tokio_util::sync::CancellationToken;

/// What the sink was handed: envelope sender, recipients, message.
type Delivered = (String, Vec<String>, Vec<u8>);

#[derive(Default)]
struct Inbox {
    delivered: Mutex<Vec<Delivered>>,
    /// Who handed each message over (for SPF).
    clients: Mutex<Vec<SmtpClient>>,
}

impl MailSink for Inbox {
    async fn accepts(&self, recipient: &str) -> Result<bool, SinkError> {
        Ok(recipient.ends_with("@in.haven.test"))
    }

    async fn deliver(
        &self,
        client: &SmtpClient,
        envelope_from: &str,
        recipients: &[String],
        raw: Vec<u8>,
    ) -> Result<(), SinkError> {
        self.clients.lock().unwrap().push(client.clone());
        self.delivered
            .lock()
            .unwrap()
            .push((envelope_from.to_owned(), recipients.to_vec(), raw));
        Ok(())
    }
}

async fn start(max_message_bytes: usize) -> (u16, Arc<Inbox>, CancellationToken) {
    start_with(SmtpSettings {
        max_message_bytes,
        ..SmtpSettings::default()
    })
    .await
}

async fn start_with(settings: SmtpSettings) -> (u16, Arc<Inbox>, CancellationToken) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let inbox = Arc::new(Inbox::default());
    let stop = CancellationToken::new();
    let settings = SmtpSettings {
        hostname: "in.haven.test".into(),
        ..settings
    };
    tokio::spawn(serve(listener, settings, inbox.clone(), stop.clone()));
    (port, inbox, stop)
}

/// A self-signed certificate for `localhost`, made for the test: (certificate, key) in PEM.
fn certificate() -> (String, String) {
    let rcgen::CertifiedKey { cert, signing_key } =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    (cert.pem(), signing_key.serialize_pem())
}

/// Sends `send` (if any) and checks the code of the (last line of the) answer.
struct Conversation {
    lines: tokio::io::Lines<BufReader<tokio::net::tcp::OwnedReadHalf>>,
    write: tokio::net::tcp::OwnedWriteHalf,
}

impl Conversation {
    async fn open(port: u16) -> (Conversation, String) {
        let stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        let (read, write) = stream.into_split();
        let mut talk = Conversation {
            lines: BufReader::new(read).lines(),
            write,
        };
        let greeting = talk.expect(None, "220").await;
        (talk, greeting)
    }

    /// The whole answer, its lines joined with `\n`.
    async fn expect(&mut self, send: Option<&str>, code: &str) -> String {
        if let Some(send) = send {
            self.write
                .write_all(format!("{send}\r\n").as_bytes())
                .await
                .unwrap();
        }
        let mut answer = Vec::new();
        loop {
            let line = self.lines.next_line().await.unwrap().unwrap();
            let last = line.as_bytes().get(3) != Some(&b'-');
            answer.push(line.clone());
            if last {
                assert!(line.starts_with(code), "{send:?} → {answer:?}");
                return answer.join("\n");
            }
        }
    }
}

fn client(port: u16) -> AsyncSmtpTransport<Tokio1Executor> {
    AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(port)
        .build()
}

fn message(to: &str, xml: &[u8]) -> Message {
    Message::builder()
        .from("boekhouding@klant.nl".parse().unwrap())
        .to(to.parse().unwrap())
        .subject("Factuur")
        .multipart(
            MultiPart::mixed()
                .singlepart(SinglePart::plain(
                    "Zie bijlage.\n.leading dot line".to_owned(),
                ))
                .singlepart(
                    Attachment::new("invoice.xml".into())
                        .body(xml.to_vec(), ContentType::parse("application/xml").unwrap()),
                ),
        )
        .unwrap()
}

#[tokio::test]
async fn a_message_for_a_known_address_is_handed_to_the_sink_whole() {
    let (port, inbox, stop) = start(1024 * 1024).await;
    let xml = b"<Invoice>\n.dotted line\n</Invoice>".to_vec();
    client(port)
        .send(message("90000016.verkoop@in.haven.test", &xml))
        .await
        .unwrap();
    let delivered = inbox.delivered.lock().unwrap();
    assert_eq!(delivered.len(), 1);
    let (from, to, raw) = &delivered[0];
    assert_eq!(from, "boekhouding@klant.nl");
    assert_eq!(to, &["90000016.verkoop@in.haven.test".to_owned()]);
    let parsed = mail_parser_check(raw);
    assert_eq!(parsed, xml, "the attachment arrives byte for byte");
    stop.cancel();
}

fn mail_parser_check(raw: &[u8]) -> Vec<u8> {
    use haven_domain::intake::reading::MessageReader;
    let read = haven_mailbox::reader::MimeReader.read(raw).unwrap();
    read.attachments[0].bytes.clone()
}

#[tokio::test]
async fn unknown_recipients_are_refused_with_550() {
    let (port, inbox, stop) = start(1024 * 1024).await;
    let error = client(port)
        .send(message("someone@elsewhere.test", b"<Invoice/>"))
        .await
        .unwrap_err();
    assert!(error.is_permanent(), "{error}");
    assert!(
        error.to_string().contains("550") || error.status().is_some_and(|c| c.to_string() == "550"),
        "{error}"
    );
    assert!(inbox.delivered.lock().unwrap().is_empty());
    stop.cancel();
}

#[tokio::test]
async fn a_message_over_the_limit_is_refused_with_552_and_not_stored() {
    let (port, inbox, stop) = start(2_000).await;
    let big = vec![b'a'; 10_000];
    let error = client(port)
        .send(message("90000016.verkoop@in.haven.test", &big))
        .await
        .unwrap_err();
    assert!(error.is_permanent(), "{error}");
    assert!(inbox.delivered.lock().unwrap().is_empty());
    stop.cancel();
}

/// Speaks SMTP by hand: order of commands, declared size, and the null sender of bounces.
#[tokio::test]
async fn commands_out_of_order_and_declared_sizes_get_their_codes() {
    let (port, inbox, stop) = start(1_000).await;
    let stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    let mut expect = async |send: Option<&str>, code: &str| {
        if let Some(send) = send {
            write
                .write_all(format!("{send}\r\n").as_bytes())
                .await
                .unwrap();
        }
        loop {
            let line = lines.next_line().await.unwrap().unwrap();
            if line.as_bytes().get(3) != Some(&b'-') {
                assert!(line.starts_with(code), "{send:?} → {line}");
                break;
            }
        }
    };
    expect(None, "220").await;
    expect(Some("MAIL FROM:<a@b.nl>"), "503").await;
    expect(Some("EHLO client.test"), "250").await;
    expect(Some("RCPT TO:<x@in.haven.test>"), "503").await;
    expect(Some("MAIL FROM:<a@b.nl> SIZE=5000"), "552").await;
    expect(Some("MAIL FROM:<>"), "250").await;
    expect(Some("DATA"), "554").await;
    expect(Some("RCPT TO:<x@in.haven.test>"), "250").await;
    expect(Some("DATA"), "354").await;
    expect(
        Some("Subject: bounce\r\n\r\n..dotted\r\nbody\n.\nstill data\r\n."),
        "250",
    )
    .await;
    expect(Some("BOGUS"), "500").await;
    expect(Some("QUIT"), "221").await;
    let delivered = inbox.delivered.lock().unwrap();
    assert_eq!(
        delivered[0].0, "",
        "the null sender of a bounce is kept empty"
    );
    assert_eq!(
        delivered[0].2, b"Subject: bounce\r\n\r\n.dotted\r\nbody\n.\nstill data\r\n",
        "dot-stuffing is undone, a bare-LF dot does not end the data, the end marker is not kept"
    );
    // The client's address and EHLO name go with the message, for SPF.
    assert_eq!(
        inbox.clients.lock().unwrap()[0],
        SmtpClient {
            ip: std::net::Ipv4Addr::LOCALHOST.into(),
            helo: "client.test".into(),
        }
    );
    stop.cancel();
}

#[tokio::test]
async fn lettre_delivers_over_starttls_with_the_configured_certificate() {
    let (certificate, key) = certificate();
    let (port, inbox, stop) = start_with(SmtpSettings {
        tls: Some(ReceiverTls::from_pem(certificate.as_bytes(), key.as_bytes()).unwrap()),
        require_tls: true,
        ..SmtpSettings::default()
    })
    .await;
    let tls = TlsParameters::builder("localhost".to_owned())
        .add_root_certificate(Certificate::from_pem(certificate.as_bytes()).unwrap())
        .build()
        .unwrap();
    let client = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(port)
        .tls(Tls::Required(tls))
        .build();
    let xml = b"<Invoice>over TLS</Invoice>".to_vec();
    client
        .send(message("90000016.inkoop@in.haven.test", &xml))
        .await
        .unwrap();
    let delivered = inbox.delivered.lock().unwrap();
    assert_eq!(delivered.len(), 1);
    assert_eq!(mail_parser_check(&delivered[0].2), xml);
    stop.cancel();
}

#[tokio::test]
async fn a_client_that_does_not_trust_the_certificate_sends_nothing() {
    let (certificate, key) = certificate();
    let (port, inbox, stop) = start_with(SmtpSettings {
        tls: Some(ReceiverTls::from_pem(certificate.as_bytes(), key.as_bytes()).unwrap()),
        ..SmtpSettings::default()
    })
    .await;
    // The client checks the certificate against its own roots, where ours is not.
    let tls = TlsParameters::new("localhost".to_owned()).unwrap();
    let client = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(port)
        .tls(Tls::Required(tls))
        .build();
    let sent = client
        .send(message("90000016.inkoop@in.haven.test", b"<Invoice/>"))
        .await;
    assert!(sent.is_err());
    assert!(inbox.delivered.lock().unwrap().is_empty());
    stop.cancel();
}

#[tokio::test]
async fn starttls_is_announced_only_when_configured_and_can_be_required() {
    // Without a certificate: not announced, not available, mail in the clear is fine.
    let (port, _, stop) = start(1_000).await;
    let (mut talk, _) = Conversation::open(port).await;
    let ehlo = talk.expect(Some("EHLO client.test"), "250").await;
    assert!(!ehlo.contains("STARTTLS"), "{ehlo}");
    talk.expect(Some("STARTTLS"), "502").await;
    talk.expect(Some("MAIL FROM:<a@b.nl>"), "250").await;
    stop.cancel();

    // With one and TLS required: announced, and MAIL in the clear is refused.
    let (certificate, key) = certificate();
    let (port, inbox, stop) = start_with(SmtpSettings {
        tls: Some(ReceiverTls::from_pem(certificate.as_bytes(), key.as_bytes()).unwrap()),
        require_tls: true,
        ..SmtpSettings::default()
    })
    .await;
    let (mut talk, _) = Conversation::open(port).await;
    let ehlo = talk.expect(Some("EHLO client.test"), "250").await;
    assert!(ehlo.contains("250-STARTTLS"), "{ehlo}");
    talk.expect(Some("MAIL FROM:<a@b.nl>"), "530").await;
    talk.expect(Some("STARTTLS now"), "501").await;

    // Commands sent behind STARTTLS in the clear end the session instead of being obeyed
    // after the handshake (the STARTTLS command-injection flaw).
    talk.write
        .write_all(b"STARTTLS\r\nMAIL FROM:<evil@b.nl>\r\n")
        .await
        .unwrap();
    let answer = talk.lines.next_line().await.unwrap().unwrap();
    assert!(answer.starts_with("554"), "{answer}");
    assert_eq!(talk.lines.next_line().await.unwrap(), None, "closed");
    assert!(inbox.delivered.lock().unwrap().is_empty());
    stop.cancel();
}

#[test]
fn unusable_certificates_and_keys_are_named() {
    let (certificate, key) = certificate();
    let (other, _) = self::certificate();
    assert!(ReceiverTls::from_pem(b"", key.as_bytes())
        .unwrap_err()
        .contains("no certificate"));
    assert!(ReceiverTls::from_pem(certificate.as_bytes(), b"")
        .unwrap_err()
        .contains("no private key"));
    assert!(ReceiverTls::from_pem(other.as_bytes(), key.as_bytes())
        .unwrap_err()
        .contains("do not fit"));
}

/// A plain listener and an implicit-TLS one (RFC 8314) on one receiver: (plain port, TLS port).
async fn start_both(
    settings: SmtpSettings,
    tls: ReceiverTls,
) -> (u16, u16, Arc<Inbox>, CancellationToken) {
    let plain = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let implicit = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let ports = (
        plain.local_addr().unwrap().port(),
        implicit.local_addr().unwrap().port(),
    );
    let inbox = Arc::new(Inbox::default());
    let stop = CancellationToken::new();
    let settings = SmtpSettings {
        hostname: "in.haven.test".into(),
        tls: Some(tls.clone()),
        ..settings
    };
    tokio::spawn(serve_listeners(
        vec![(plain, Entry::Plain), (implicit, Entry::ImplicitTls(tls))],
        settings,
        inbox.clone(),
        stop.clone(),
    ));
    (ports.0, ports.1, inbox, stop)
}

/// lettre speaking implicit TLS ("wrapper" mode) to `port`, trusting `certificate`.
fn implicit_tls_client(port: u16, certificate: &str) -> AsyncSmtpTransport<Tokio1Executor> {
    let tls = TlsParameters::builder("localhost".to_owned())
        .add_root_certificate(Certificate::from_pem(certificate.as_bytes()).unwrap())
        .build()
        .unwrap();
    AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(port)
        .tls(Tls::Wrapper(tls))
        .build()
}

#[tokio::test]
async fn implicit_tls_takes_mail_with_the_same_checks_as_the_plain_listener() {
    let (certificate, key) = certificate();
    let tls = ReceiverTls::from_pem(certificate.as_bytes(), key.as_bytes()).unwrap();
    let (plain_port, tls_port, inbox, stop) = start_both(
        SmtpSettings {
            max_message_bytes: 2_000,
            require_tls: true,
            ..SmtpSettings::default()
        },
        tls,
    )
    .await;
    let client = implicit_tls_client(tls_port, &certificate);

    let xml = b"<Invoice>over implicit TLS</Invoice>".to_vec();
    client
        .send(message("90000016.inkoop@in.haven.test", &xml))
        .await
        .unwrap();
    {
        let delivered = inbox.delivered.lock().unwrap();
        assert_eq!(delivered.len(), 1);
        assert_eq!(delivered[0].1, ["90000016.inkoop@in.haven.test".to_owned()]);
        assert_eq!(mail_parser_check(&delivered[0].2), xml);
    }
    // The session is encrypted from the start: `require_tls` is met and the client's
    // address is known as on the plain port.
    assert_eq!(
        inbox.clients.lock().unwrap()[0].ip,
        std::net::IpAddr::from(std::net::Ipv4Addr::LOCALHOST)
    );

    let unknown = client
        .send(message("someone@elsewhere.test", b"<Invoice/>"))
        .await
        .unwrap_err();
    assert!(unknown.is_permanent(), "{unknown}");
    assert!(unknown.to_string().contains("550"), "{unknown}");
    let too_large = client
        .send(message(
            "90000016.inkoop@in.haven.test",
            &vec![b'a'; 10_000],
        ))
        .await
        .unwrap_err();
    assert!(too_large.is_permanent(), "{too_large}");
    assert!(too_large.to_string().contains("552"), "{too_large}");
    assert_eq!(
        inbox.delivered.lock().unwrap().len(),
        1,
        "nothing more stored"
    );

    // The plain listener beside it still wants STARTTLS first.
    let (mut talk, _) = Conversation::open(plain_port).await;
    let ehlo = talk.expect(Some("EHLO client.test"), "250").await;
    assert!(ehlo.contains("250-STARTTLS"), "{ehlo}");
    talk.expect(Some("MAIL FROM:<a@b.nl>"), "530").await;
    stop.cancel();
}

#[tokio::test]
async fn implicit_tls_does_not_offer_starttls_again() {
    let (certificate, key) = certificate();
    let tls = ReceiverTls::from_pem(certificate.as_bytes(), key.as_bytes()).unwrap();
    let (_, tls_port, _, stop) = start_both(SmtpSettings::default(), tls).await;
    let (mut session, _) = TlsConversation::open(tls_port, &[&certificate]).await;
    let greeting = session.answer().await;
    assert!(greeting.starts_with("220 in.haven.test"), "{greeting}");
    session.send("EHLO client.test").await;
    let ehlo = session.answer().await;
    assert!(ehlo.starts_with("250"), "{ehlo}");
    assert!(!ehlo.contains("STARTTLS"), "{ehlo}");
    session.send("STARTTLS").await;
    assert!(session.answer().await.starts_with("503"));
    stop.cancel();
}

#[tokio::test]
async fn plain_text_on_the_implicit_tls_port_is_refused_without_a_greeting() {
    let (certificate, key) = certificate();
    let tls = ReceiverTls::from_pem(certificate.as_bytes(), key.as_bytes()).unwrap();
    let (_, tls_port, inbox, stop) = start_both(
        SmtpSettings {
            idle_timeout: std::time::Duration::from_secs(1),
            ..SmtpSettings::default()
        },
        tls,
    )
    .await;

    // A client that speaks SMTP in the clear: the handshake fails and the connection ends,
    // with at most a TLS alert, never an SMTP answer.
    let mut stream = TcpStream::connect(("127.0.0.1", tls_port)).await.unwrap();
    stream
        .write_all(b"EHLO client.test\r\nMAIL FROM:<a@b.nl>\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(
        std::time::Duration::from_secs(5),
        tokio::io::AsyncReadExt::read_to_end(&mut stream, &mut answer),
    )
    .await
    .expect("the connection is closed")
    .ok();
    assert!(
        !String::from_utf8_lossy(&answer).contains("250"),
        "{answer:?}"
    );
    assert!(!answer.starts_with(b"220"), "{answer:?}");

    // A plain client waiting for the greeting gets none and is let go at the idle time-out.
    let mut silent = TcpStream::connect(("127.0.0.1", tls_port)).await.unwrap();
    let mut nothing = Vec::new();
    tokio::time::timeout(
        std::time::Duration::from_secs(5),
        tokio::io::AsyncReadExt::read_to_end(&mut silent, &mut nothing),
    )
    .await
    .expect("closed after the idle time-out")
    .unwrap();
    assert!(nothing.is_empty(), "{nothing:?}");

    // The listener goes on serving TLS clients.
    implicit_tls_client(tls_port, &certificate)
        .send(message("90000016.inkoop@in.haven.test", b"<Invoice/>"))
        .await
        .unwrap();
    assert_eq!(inbox.delivered.lock().unwrap().len(), 1);
    stop.cancel();
}

/// A TLS client by hand (tokio-rustls), to see which certificate the receiver presents.
struct TlsConversation {
    stream: BufReader<tokio_rustls::client::TlsStream<TcpStream>>,
}

impl TlsConversation {
    /// Connects to `port` as `localhost`, trusting the given PEM certificates; the
    /// certificate the receiver presented (DER).
    async fn open(port: u16, trusted: &[&str]) -> (TlsConversation, Vec<u8>) {
        use tokio_rustls::rustls::{self, pki_types::pem::PemObject};
        let mut roots = rustls::RootCertStore::empty();
        for pem in trusted {
            roots
                .add(rustls::pki_types::CertificateDer::from_pem_slice(pem.as_bytes()).unwrap())
                .unwrap();
        }
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
        let tcp = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        let stream = tokio_rustls::TlsConnector::from(Arc::new(config))
            .connect("localhost".try_into().unwrap(), tcp)
            .await
            .unwrap();
        let presented = stream.get_ref().1.peer_certificates().unwrap()[0].to_vec();
        (
            TlsConversation {
                stream: BufReader::new(stream),
            },
            presented,
        )
    }

    async fn send(&mut self, line: &str) {
        let stream = self.stream.get_mut();
        stream
            .write_all(format!("{line}\r\n").as_bytes())
            .await
            .unwrap();
        stream.flush().await.unwrap();
    }

    /// The whole answer, its lines joined with `\n`.
    async fn answer(&mut self) -> String {
        let mut lines = Vec::new();
        loop {
            let mut line = String::new();
            self.stream.read_line(&mut line).await.unwrap();
            let line = line.trim_end().to_owned();
            let last = line.as_bytes().get(3) != Some(&b'-');
            lines.push(line);
            if last {
                return lines.join("\n");
            }
        }
    }
}

/// The DER of a PEM certificate.
fn der(pem: &str) -> Vec<u8> {
    use tokio_rustls::rustls::pki_types::{pem::PemObject, CertificateDer};
    CertificateDer::from_pem_slice(pem.as_bytes())
        .unwrap()
        .to_vec()
}

/// Writes `contents` the way renewal tools do: a new file renamed over the old one.
fn replace(path: &std::path::Path, contents: &str) {
    let fresh = path.with_extension("new");
    std::fs::write(&fresh, contents).unwrap();
    std::fs::rename(&fresh, path).unwrap();
}

#[tokio::test]
async fn a_renewed_certificate_is_used_without_a_restart_and_a_broken_one_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let (certificate_file, key_file) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let (old_certificate, old_key) = certificate();
    let (new_certificate, new_key) = certificate();
    std::fs::write(&certificate_file, &old_certificate).unwrap();
    std::fs::write(&key_file, &old_key).unwrap();
    let tls = ReceiverTls::from_files(&certificate_file, &key_file)
        .await
        .unwrap();
    let (plain_port, tls_port, inbox, stop) = start_both(SmtpSettings::default(), tls).await;
    let both = [old_certificate.as_str(), new_certificate.as_str()];
    let presented = async |port: u16| TlsConversation::open(port, &both).await.1;
    assert_eq!(presented(tls_port).await, der(&old_certificate));

    // Half-way through a renewal the new certificate does not fit the old key: the old pair
    // stays in use.
    replace(&certificate_file, &new_certificate);
    assert_eq!(presented(tls_port).await, der(&old_certificate));

    // With the new key as well, the next connection gets the new certificate, over implicit
    // TLS and over STARTTLS, with no restart.
    std::fs::write(&key_file, &new_key).unwrap();
    assert_eq!(presented(tls_port).await, der(&new_certificate));
    let starttls = TlsParameters::builder("localhost".to_owned())
        .add_root_certificate(Certificate::from_pem(new_certificate.as_bytes()).unwrap())
        .build()
        .unwrap();
    AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(plain_port)
        .tls(Tls::Required(starttls))
        .build()
        .send(message("90000016.inkoop@in.haven.test", b"<Invoice/>"))
        .await
        .unwrap();
    assert_eq!(inbox.delivered.lock().unwrap().len(), 1);

    // A corrupt replacement is reported and the certificate read before goes on being used.
    std::fs::write(&certificate_file, "-----BEGIN CERTIFICATE-----\nbroken\n").unwrap();
    assert_eq!(presented(tls_port).await, der(&new_certificate));
    assert_eq!(presented(tls_port).await, der(&new_certificate));
    std::fs::remove_file(&key_file).unwrap();
    assert_eq!(presented(tls_port).await, der(&new_certificate));

    // And a good pair after that is taken up again.
    replace(&certificate_file, &old_certificate);
    replace(&key_file, &old_key);
    assert_eq!(presented(tls_port).await, der(&old_certificate));
    stop.cancel();
}

#[tokio::test]
async fn certificate_files_that_cannot_be_used_at_start_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let (certificate_file, key_file) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let (certificate, _) = certificate();
    std::fs::write(&certificate_file, &certificate).unwrap();
    let missing = ReceiverTls::from_files(&certificate_file, &key_file)
        .await
        .unwrap_err();
    assert!(missing.contains("could not read the key file"), "{missing}");
    assert!(missing.contains("key.pem"), "{missing}");
    std::fs::write(&key_file, "not a key").unwrap();
    let broken = ReceiverTls::from_files(&certificate_file, &key_file)
        .await
        .unwrap_err();
    assert!(broken.contains("no private key"), "{broken}");
}
