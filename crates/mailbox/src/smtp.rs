//! A small SMTP receiver (RFC 5321) for intake: enough of ESMTP for mail servers and
//! accounting packages to hand messages over, and nothing that relays. Recipients are checked
//! at `RCPT` (550 for an address the sink does not know), the size limit is enforced while the
//! data arrives (552, without holding more than the limit in memory), and `250` is answered
//! only after the sink has stored the message, so a message is either refused or kept.
//!
//! With a certificate configured it offers STARTTLS (RFC 3207): announced in the EHLO answer
//! of a plain session only, and optionally required before `MAIL`. After the handshake the
//! session starts over (the client greets again), and a client that sent more commands
//! behind `STARTTLS` in the clear is disconnected, so that nothing sent in the clear is
//! taken as said over TLS (the STARTTLS command-injection flaw).
//!
//! A listener can also speak implicit TLS (RFC 8314 §3: TLS from the first byte, the
//! "submissions" port 465): the handshake comes before the greeting and the session is the
//! same one, with the same limits and the same sink. Certificates read from files
//! ([`ReceiverTls::from_files`]) are read again when the files change, so that a renewed
//! certificate is used without a restart.

use std::{
    fmt,
    future::Future,
    path::{Path, PathBuf},
    pin::Pin,
    sync::{Arc, Mutex},
    task::{Context, Poll},
    time::{Duration, SystemTime},
};

use tokio::{
    io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader, ReadBuf},
    net::{TcpListener, TcpStream},
    sync::Semaphore,
};
use tokio_rustls::{
    rustls::{
        self,
        pki_types::{pem::PemObject, CertificateDer, PrivateKeyDer},
    },
    server::TlsStream,
    TlsAcceptor,
};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

/// Why the sink could not answer or store: the client should try again later (4xx).
#[derive(Debug)]
pub struct SinkError(pub String);

/// Where accepted messages go.
pub trait MailSink: Send + Sync + 'static {
    /// Whether mail for `recipient` is accepted here.
    fn accepts(&self, recipient: &str) -> impl Future<Output = Result<bool, SinkError>> + Send;

    /// Stores the message durably for `recipients`; `Ok` means it cannot be lost any more.
    /// `client` is who handed it over (for SPF and DMARC).
    fn deliver(
        &self,
        client: &SmtpClient,
        envelope_from: &str,
        recipients: &[String],
        raw: Vec<u8>,
    ) -> impl Future<Output = Result<(), SinkError>> + Send;
}

/// The client of a session: its address and the name it gave in `EHLO`/`HELO`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpClient {
    pub ip: std::net::IpAddr,
    /// Empty when the client sent no greeting with a name.
    pub helo: String,
}

/// How the receiver behaves.
#[derive(Debug, Clone)]
pub struct SmtpSettings {
    /// The name in the greeting and the EHLO answer.
    pub hostname: String,
    /// Largest message accepted (announced as SIZE).
    pub max_message_bytes: usize,
    pub max_recipients: usize,
    /// Connections served at once; more wait for a free slot.
    pub max_connections: usize,
    /// Time a client may take for one command or line.
    pub idle_timeout: Duration,
    /// STARTTLS with this certificate; `None`: not offered.
    pub tls: Option<ReceiverTls>,
    /// Refuse `MAIL` until the session is encrypted (needs `tls`).
    pub require_tls: bool,
}

impl Default for SmtpSettings {
    fn default() -> Self {
        Self {
            hostname: "localhost".into(),
            max_message_bytes: 35 * 1024 * 1024,
            max_recipients: 100,
            max_connections: 64,
            idle_timeout: Duration::from_secs(300),
            tls: None,
            require_tls: false,
        }
    }
}

/// The receiver's certificate chain and key, for STARTTLS and implicit TLS: fixed, or read
/// from files and read again when they change. Clones share one certificate.
#[derive(Clone)]
pub struct ReceiverTls(Arc<CertificateSource>);

enum CertificateSource {
    Fixed(TlsAcceptor),
    Files(CertificateFiles),
}

/// Certificate and key files, and what was last read from them.
struct CertificateFiles {
    certificate: PathBuf,
    key: PathBuf,
    current: Mutex<LoadedCertificate>,
}

struct LoadedCertificate {
    acceptor: TlsAcceptor,
    /// The files as they were when last read, successfully or not: a broken file is reported
    /// once, not at every connection.
    seen: [Option<FileStamp>; 2],
}

/// What tells a changed file from the one read before without reading it. Renewal tools
/// write a new file and rename it (or move a symbolic link), which changes the inode too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileStamp {
    modified: Option<SystemTime>,
    length: u64,
    inode: u64,
}

impl FileStamp {
    async fn of(path: &Path) -> Option<FileStamp> {
        let metadata = tokio::fs::metadata(path).await.ok()?;
        #[cfg(unix)]
        let inode = std::os::unix::fs::MetadataExt::ino(&metadata);
        #[cfg(not(unix))]
        let inode = 0;
        Some(FileStamp {
            modified: metadata.modified().ok(),
            length: metadata.len(),
            inode,
        })
    }
}

impl fmt::Debug for ReceiverTls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.as_ref() {
            CertificateSource::Fixed(_) => f.write_str("ReceiverTls(fixed)"),
            CertificateSource::Files(files) => f
                .debug_struct("ReceiverTls")
                .field("certificate", &files.certificate)
                .field("key", &files.key)
                .finish(),
        }
    }
}

impl ReceiverTls {
    /// From PEM: the certificate chain (leaf first) and its private key (PKCS #8, PKCS #1
    /// or SEC 1).
    ///
    /// # Errors
    /// A sentence saying what is wrong with the certificate or the key.
    pub fn from_pem(certificates: &[u8], key: &[u8]) -> Result<ReceiverTls, String> {
        Ok(ReceiverTls(Arc::new(CertificateSource::Fixed(acceptor(
            certificates,
            key,
        )?))))
    }

    /// From PEM files, read now and again whenever either file changes (checked as each
    /// connection needs the certificate). A changed file that cannot be used leaves the
    /// certificate read before in use, with an error in the log.
    ///
    /// # Errors
    /// A file that cannot be read, or a sentence saying what is wrong with its contents.
    pub async fn from_files(certificate: &Path, key: &Path) -> Result<ReceiverTls, String> {
        let seen = [FileStamp::of(certificate).await, FileStamp::of(key).await];
        let acceptor = read_acceptor(certificate, key).await?;
        Ok(ReceiverTls(Arc::new(CertificateSource::Files(
            CertificateFiles {
                certificate: certificate.to_owned(),
                key: key.to_owned(),
                current: Mutex::new(LoadedCertificate { acceptor, seen }),
            },
        ))))
    }

    /// The acceptor for a new handshake, after reading the files again if they changed.
    async fn acceptor(&self) -> TlsAcceptor {
        let files = match self.0.as_ref() {
            CertificateSource::Fixed(acceptor) => return acceptor.clone(),
            CertificateSource::Files(files) => files,
        };
        let now = [
            FileStamp::of(&files.certificate).await,
            FileStamp::of(&files.key).await,
        ];
        {
            let mut current = lock(&files.current);
            if current.seen == now {
                return current.acceptor.clone();
            }
            // Marked before reading, so that concurrent connections do not all read.
            current.seen = now;
        }
        let span = tracing::info_span!(
            "reload_smtp_certificate",
            certificate = %files.certificate.display()
        );
        files.reload().instrument(span).await
    }
}

impl CertificateFiles {
    /// Reads the files again: their certificate from now on, or the one before if they
    /// cannot be used.
    async fn reload(&self) -> TlsAcceptor {
        match read_acceptor(&self.certificate, &self.key).await {
            Ok(acceptor) => {
                tracing::info!("the SMTP intake certificate was read again");
                lock(&self.current).acceptor = acceptor.clone();
                acceptor
            }
            Err(error) => {
                tracing::error!(
                    %error,
                    "the changed SMTP intake certificate cannot be used; the previous one stays in use"
                );
                lock(&self.current).acceptor.clone()
            }
        }
    }
}

/// The lock of a certificate, even if a thread panicked while holding it (what it guards is
/// replaced whole, so it is never half-written).
fn lock(current: &Mutex<LoadedCertificate>) -> std::sync::MutexGuard<'_, LoadedCertificate> {
    current
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

async fn read_acceptor(certificate: &Path, key: &Path) -> Result<TlsAcceptor, String> {
    let certificates = tokio::fs::read(certificate).await.map_err(|e| {
        format!(
            "could not read the certificate file {}: {e}",
            certificate.display()
        )
    })?;
    let key_pem = tokio::fs::read(key)
        .await
        .map_err(|e| format!("could not read the key file {}: {e}", key.display()))?;
    acceptor(&certificates, &key_pem)
}

fn acceptor(certificates: &[u8], key: &[u8]) -> Result<TlsAcceptor, String> {
    let chain = CertificateDer::pem_slice_iter(certificates)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("the certificate file is not PEM: {e}"))?;
    if chain.is_empty() {
        return Err("the certificate file holds no certificate".into());
    }
    let key = PrivateKeyDer::from_pem_slice(key)
        .map_err(|e| format!("the key file holds no private key: {e}"))?;
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| e.to_string())?
    .with_no_client_auth()
    .with_single_cert(chain, key)
    .map_err(|e| format!("the certificate and key do not fit: {e}"))?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// How connections on a listener begin.
#[derive(Debug, Clone)]
pub enum Entry {
    /// In the clear, with STARTTLS offered when [`SmtpSettings::tls`] is set (ports 25, 587).
    Plain,
    /// TLS from the first byte with this certificate (RFC 8314 implicit TLS, port 465).
    ImplicitTls(ReceiverTls),
}

/// The TLS handshake of a connection, within the idle time-out.
async fn handshake(
    tls: &ReceiverTls,
    stream: TcpStream,
    timeout: Duration,
) -> std::io::Result<TlsStream<TcpStream>> {
    let acceptor = tls.acceptor().await;
    tokio::time::timeout(timeout, acceptor.accept(stream))
        .await
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "TLS handshake"))?
}

/// Longest command line (RFC 5321 allows 512 octets; we are lenient).
const MAX_COMMAND: usize = 4096;
/// Longest line inside DATA that is kept whole; longer lines count against the size limit.
const MAX_DATA_LINE: usize = 64 * 1024;

/// Serves SMTP on `listener` until `shutdown` is cancelled; sessions in progress finish.
pub async fn serve<S: MailSink>(
    listener: TcpListener,
    settings: SmtpSettings,
    sink: Arc<S>,
    shutdown: CancellationToken,
) {
    serve_listeners(vec![(listener, Entry::Plain)], settings, sink, shutdown).await;
}

/// Serves SMTP on several listeners (say, port 25 in the clear and port 465 with implicit
/// TLS) until `shutdown` is cancelled: one session code, one sink, and one limit of
/// connections across them all. Sessions in progress finish.
pub async fn serve_listeners<S: MailSink>(
    listeners: Vec<(TcpListener, Entry)>,
    settings: SmtpSettings,
    sink: Arc<S>,
    shutdown: CancellationToken,
) {
    let settings = Arc::new(settings);
    let slots = Arc::new(Semaphore::new(settings.max_connections.max(1)));
    let loops: Vec<_> = listeners
        .into_iter()
        .map(|(listener, entry)| {
            tokio::spawn(accept_loop(
                listener,
                entry,
                settings.clone(),
                sink.clone(),
                slots.clone(),
                shutdown.clone(),
            ))
        })
        .collect();
    for accepting in loops {
        let _ = accepting.await;
    }
}

async fn accept_loop<S: MailSink>(
    listener: TcpListener,
    entry: Entry,
    settings: Arc<SmtpSettings>,
    sink: Arc<S>,
    slots: Arc<Semaphore>,
    shutdown: CancellationToken,
) {
    loop {
        let accepted = tokio::select! {
            () = shutdown.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(pair) => pair,
            Err(e) => {
                tracing::warn!(error = %e, "SMTP accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(permit) = slots.clone().acquire_owned().await else {
            break;
        };
        let (settings, sink, entry) = (settings.clone(), sink.clone(), entry.clone());
        tokio::spawn(async move {
            let _permit = permit;
            if let Err(e) = connection(stream, peer, &entry, &settings, sink.as_ref()).await {
                tracing::debug!(peer = %peer, error = %e, "SMTP session ended");
            }
        });
    }
}

/// One connection: the handshake first on an implicit-TLS listener, then the session.
async fn connection<S: MailSink>(
    stream: TcpStream,
    peer: std::net::SocketAddr,
    entry: &Entry,
    settings: &SmtpSettings,
    sink: &S,
) -> std::io::Result<()> {
    let (conn, encrypted) = match entry {
        Entry::Plain => (Conn::Plain(stream), false),
        // A client speaking plain SMTP here fails the handshake and is disconnected; it never
        // sees a greeting.
        Entry::ImplicitTls(tls) => {
            let encrypted = handshake(tls, stream, settings.idle_timeout).await?;
            (Conn::Tls(Box::new(encrypted)), true)
        }
    };
    Session::new(settings, sink, conn, peer.ip(), encrypted)
        .run()
        .await
}

/// The connection, in the clear or, after STARTTLS, encrypted.
enum Conn {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
    /// Only while the handshake has the stream.
    Upgrading,
}

fn upgrading() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::NotConnected,
        "TLS handshake in progress",
    )
}

impl AsyncRead for Conn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
            Conn::Upgrading => Poll::Ready(Err(upgrading())),
        }
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
            Conn::Upgrading => Poll::Ready(Err(upgrading())),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_flush(cx),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
            Conn::Upgrading => Poll::Ready(Err(upgrading())),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
            Conn::Upgrading => Poll::Ready(Err(upgrading())),
        }
    }
}

enum Line {
    /// Up to and including its `\n`.
    Text(Vec<u8>),
    /// The line was longer than allowed; its start is dropped.
    TooLong,
    Closed,
}

struct Session<'a, S> {
    settings: &'a SmtpSettings,
    sink: &'a S,
    /// Reads through the buffer; writes go to the connection under it.
    conn: BufReader<Conn>,
    encrypted: bool,
    greeted: bool,
    client: SmtpClient,
    from: Option<String>,
    recipients: Vec<String>,
}

impl<'a, S: MailSink> Session<'a, S> {
    fn new(
        settings: &'a SmtpSettings,
        sink: &'a S,
        conn: Conn,
        ip: std::net::IpAddr,
        encrypted: bool,
    ) -> Self {
        Self {
            settings,
            sink,
            conn: BufReader::new(conn),
            encrypted,
            greeted: false,
            client: SmtpClient {
                ip,
                helo: String::new(),
            },
            from: None,
            recipients: Vec::new(),
        }
    }

    async fn reply(&mut self, text: &str) -> std::io::Result<()> {
        let writer = self.conn.get_mut();
        writer.write_all(text.as_bytes()).await?;
        writer.write_all(b"\r\n").await?;
        writer.flush().await
    }

    /// STARTTLS: the handshake, then a fresh session over TLS.
    async fn start_tls(&mut self, rest: &str) -> std::io::Result<bool> {
        let Some(tls) = self.settings.tls.clone() else {
            self.reply("502 5.5.1 STARTTLS is not offered").await?;
            return Ok(true);
        };
        if self.encrypted {
            self.reply("503 5.5.1 TLS is active already").await?;
            return Ok(true);
        }
        if !rest.is_empty() {
            self.reply("501 5.5.4 Syntax: STARTTLS").await?;
            return Ok(true);
        }
        // Anything the client sent after STARTTLS arrived in the clear: it must not count as
        // said over TLS, and a client that pipelines here is not one to talk to.
        if !self.conn.buffer().is_empty() {
            self.reply("554 5.5.0 Commands after STARTTLS before the handshake")
                .await?;
            return Ok(false);
        }
        self.reply("220 2.0.0 Ready to start TLS").await?;
        let Conn::Plain(stream) = std::mem::replace(self.conn.get_mut(), Conn::Upgrading) else {
            return Err(upgrading());
        };
        let encrypted = handshake(&tls, stream, self.settings.idle_timeout).await?;
        self.conn = BufReader::new(Conn::Tls(Box::new(encrypted)));
        self.encrypted = true;
        // RFC 3207 §4.2: everything learnt before the handshake is forgotten.
        self.greeted = false;
        self.client.helo.clear();
        self.reset();
        Ok(true)
    }

    async fn read_line(&mut self, limit: usize) -> std::io::Result<Line> {
        let mut line = Vec::new();
        let mut too_long = false;
        loop {
            let read = tokio::time::timeout(self.settings.idle_timeout, async {
                let buf = self.conn.fill_buf().await?;
                if buf.is_empty() {
                    return Ok::<_, std::io::Error>(None);
                }
                let (chunk, done) = match buf.iter().position(|b| *b == b'\n') {
                    Some(i) => (&buf[..=i], true),
                    None => (buf, false),
                };
                let taken = chunk.len();
                if !too_long {
                    line.extend_from_slice(chunk);
                    if line.len() > limit {
                        too_long = true;
                        line.clear();
                    }
                }
                self.conn.consume(taken);
                Ok(Some(done))
            })
            .await
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "client idle"))??;
            match read {
                None => return Ok(Line::Closed),
                Some(false) => continue,
                Some(true) if too_long => return Ok(Line::TooLong),
                Some(true) => return Ok(Line::Text(line)),
            }
        }
    }

    fn reset(&mut self) {
        self.from = None;
        self.recipients.clear();
    }

    async fn run(mut self) -> std::io::Result<()> {
        let greeting = format!("220 {} ESMTP Haven intake", self.settings.hostname);
        self.reply(&greeting).await?;
        loop {
            let line = match self.read_line(MAX_COMMAND).await? {
                Line::Closed => return Ok(()),
                Line::TooLong => {
                    self.reply("500 5.5.2 Line too long").await?;
                    continue;
                }
                Line::Text(line) => String::from_utf8_lossy(&line).trim_end().to_owned(),
            };
            let (verb, rest) = match line.split_once(' ') {
                Some((v, r)) => (v.to_ascii_uppercase(), r.trim().to_owned()),
                None => (line.trim().to_ascii_uppercase(), String::new()),
            };
            match verb.as_str() {
                "EHLO" => {
                    self.greeted = true;
                    self.client.helo = helo_name(&rest);
                    self.reset();
                    let starttls = if self.settings.tls.is_some() && !self.encrypted {
                        "250-STARTTLS\r\n"
                    } else {
                        ""
                    };
                    let answer = format!(
                        "250-{} greets {}\r\n250-SIZE {}\r\n250-8BITMIME\r\n{starttls}250 ENHANCEDSTATUSCODES",
                        self.settings.hostname,
                        if rest.is_empty() { "you" } else { &rest },
                        self.settings.max_message_bytes
                    );
                    self.reply(&answer).await?;
                }
                "STARTTLS" => {
                    if !self.start_tls(&rest).await? {
                        return Ok(());
                    }
                }
                "HELO" => {
                    self.greeted = true;
                    self.client.helo = helo_name(&rest);
                    self.reset();
                    let answer = format!("250 {}", self.settings.hostname);
                    self.reply(&answer).await?;
                }
                "MAIL" => self.mail(&rest).await?,
                "RCPT" => self.rcpt(&rest).await?,
                "DATA" => self.data().await?,
                "RSET" => {
                    self.reset();
                    self.reply("250 2.0.0 OK").await?;
                }
                "NOOP" => self.reply("250 2.0.0 OK").await?,
                "VRFY" => {
                    self.reply("252 2.5.0 Cannot verify; send the message")
                        .await?
                }
                "HELP" => {
                    self.reply("214 2.0.0 EHLO STARTTLS MAIL RCPT DATA RSET NOOP QUIT")
                        .await?
                }
                "QUIT" => {
                    self.reply("221 2.0.0 Bye").await?;
                    return Ok(());
                }
                _ => self.reply("500 5.5.1 Command not recognised").await?,
            }
        }
    }

    async fn mail(&mut self, rest: &str) -> std::io::Result<()> {
        if !self.greeted {
            return self.reply("503 5.5.1 Say EHLO first").await;
        }
        if self.settings.require_tls && !self.encrypted {
            return self
                .reply("530 5.7.0 Must issue a STARTTLS command first")
                .await;
        }
        if self.from.is_some() {
            return self.reply("503 5.5.1 Sender already given").await;
        }
        let Some(arguments) = strip_keyword(rest, "FROM:") else {
            return self.reply("501 5.5.4 Syntax: MAIL FROM:<address>").await;
        };
        let Some((address, parameters)) = path(arguments) else {
            return self.reply("501 5.1.7 Bad sender address").await;
        };
        let declared = parameters.split_whitespace().find_map(|p| {
            let (key, value) = p.split_once('=')?;
            key.eq_ignore_ascii_case("SIZE")
                .then(|| value.parse::<usize>().ok())
                .flatten()
        });
        if declared.is_some_and(|size| size > self.settings.max_message_bytes) {
            return self.reply("552 5.3.4 Message too large").await;
        }
        self.from = Some(address);
        self.reply("250 2.1.0 OK").await
    }

    async fn rcpt(&mut self, rest: &str) -> std::io::Result<()> {
        if self.from.is_none() {
            return self.reply("503 5.5.1 Need MAIL first").await;
        }
        let Some(arguments) = strip_keyword(rest, "TO:") else {
            return self.reply("501 5.5.4 Syntax: RCPT TO:<address>").await;
        };
        let Some((address, _)) = path(arguments).filter(|(a, _)| !a.is_empty()) else {
            return self.reply("501 5.1.3 Bad recipient address").await;
        };
        if self.recipients.len() >= self.settings.max_recipients {
            return self.reply("452 4.5.3 Too many recipients").await;
        }
        match self.sink.accepts(&address).await {
            Ok(true) => {
                self.recipients.push(address);
                self.reply("250 2.1.5 OK").await
            }
            Ok(false) => self.reply("550 5.1.1 No such intake address").await,
            Err(e) => {
                tracing::warn!(error = %e.0, "SMTP recipient check failed");
                self.reply("451 4.3.0 Try again later").await
            }
        }
    }

    async fn data(&mut self) -> std::io::Result<()> {
        if self.from.is_none() {
            return self.reply("503 5.5.1 Need MAIL first").await;
        }
        if self.recipients.is_empty() {
            return self.reply("554 5.5.1 No valid recipients").await;
        }
        self.reply("354 End data with <CR><LF>.<CR><LF>").await?;
        let limit = self.settings.max_message_bytes;
        let mut message = Vec::new();
        let mut too_large = false;
        // Only CRLF ends a line (RFC 5321 §2.3.8): a bare LF is data, so `<LF>.<LF>` cannot
        // end the message early (the "SMTP smuggling" ambiguity) and the bytes are kept as
        // they came.
        let mut at_line_start = true;
        loop {
            let segment = match self.read_line(MAX_DATA_LINE).await? {
                Line::Closed => return Ok(()),
                // A line this long is not RFC 5322 mail; refuse it rather than cut it.
                Line::TooLong => {
                    too_large = true;
                    message = Vec::new();
                    at_line_start = true;
                    continue;
                }
                Line::Text(segment) => segment,
            };
            if at_line_start && segment == b".\r\n" {
                break;
            }
            // Dot-stuffing (RFC 5321 §4.5.2): a leading dot was doubled by the client.
            let data = if at_line_start {
                segment.strip_prefix(b".").unwrap_or(&segment)
            } else {
                &segment
            };
            at_line_start = segment.ends_with(b"\r\n");
            if too_large {
                continue;
            }
            if message.len() + data.len() > limit {
                too_large = true;
                message = Vec::new();
                continue;
            }
            message.extend_from_slice(data);
        }
        let from = self.from.take().unwrap_or_default();
        let recipients = std::mem::take(&mut self.recipients);
        if too_large {
            return self.reply("552 5.3.4 Message too large").await;
        }
        match self
            .sink
            .deliver(&self.client, &from, &recipients, message)
            .await
        {
            Ok(()) => self.reply("250 2.0.0 Accepted").await,
            Err(e) => {
                tracing::warn!(error = %e.0, "SMTP message could not be stored");
                self.reply("451 4.3.0 Try again later").await
            }
        }
    }
}

/// The name a client gave in `EHLO`/`HELO` (its first word, at most a DNS name's length).
fn helo_name(rest: &str) -> String {
    rest.split_whitespace()
        .next()
        .unwrap_or_default()
        .chars()
        .take(255)
        .collect()
}

/// `rest` after a keyword such as `FROM:` (case-insensitive, spaces allowed after the colon).
fn strip_keyword<'a>(rest: &'a str, keyword: &str) -> Option<&'a str> {
    let head = rest.get(..keyword.len())?;
    head.eq_ignore_ascii_case(keyword)
        .then(|| rest[keyword.len()..].trim_start())
}

/// `<address> parameters` → the address (lower case; empty for the null path `<>`) and the
/// parameters.
fn path(arguments: &str) -> Option<(String, &str)> {
    let arguments = arguments.trim();
    let inner = arguments.strip_prefix('<')?;
    let end = inner.find('>')?;
    let address = inner[..end].trim();
    // A source route (`@a,@b:user@c`) is obsolete; keep the mailbox.
    let address = address.rsplit_once(':').map_or(address, |(_, a)| a);
    if address.chars().any(char::is_whitespace) {
        return None;
    }
    Some((address.to_ascii_lowercase(), inner[end + 1..].trim()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_parameters_are_read() {
        assert_eq!(
            path("<A@B.nl> SIZE=100"),
            Some(("a@b.nl".to_owned(), "SIZE=100"))
        );
        assert_eq!(path("<>"), Some((String::new(), "")));
        assert_eq!(
            path("<@relay:user@x.nl>"),
            Some(("user@x.nl".to_owned(), ""))
        );
        assert_eq!(path("a@b.nl"), None);
        assert_eq!(strip_keyword("from: <a@b>", "FROM:"), Some("<a@b>"));
        assert_eq!(strip_keyword("to:<a@b>", "FROM:"), None);
    }
}
