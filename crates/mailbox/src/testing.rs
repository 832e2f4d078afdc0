//! Test support (feature `test-support`): a DNS server on 127.0.0.1 that publishes TXT
//! records (SPF, DKIM keys, DMARC policies), and a DKIM signer with a key it publishes, so
//! that sender authentication runs its real resolver and verifier in tests.

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{Arc, Mutex},
};

use base64::Engine as _;
use mail_auth::{
    common::{crypto::Ed25519Key, headers::HeaderWriter as _},
    dkim::DkimSigner,
    hickory_resolver::proto::{
        op::{Message, MessageType, OpCode, ResponseCode},
        rr::{rdata::TXT, Name, RData, Record, RecordType},
    },
};
use tokio::net::UdpSocket;

/// A DNS server on 127.0.0.1 (UDP) answering TXT questions from a table by name (lower
/// case, without the final dot); other names get NXDOMAIN, other types no data.
#[derive(Clone)]
pub struct TxtDnsServer {
    pub addr: SocketAddr,
    names: Arc<Mutex<HashMap<String, Vec<String>>>>,
    /// While set, every question is answered SERVFAIL (a resolver in trouble).
    failing: Arc<std::sync::atomic::AtomicBool>,
}

impl TxtDnsServer {
    /// Binds a free port and answers until the runtime ends.
    ///
    /// # Panics
    /// When no port can be bound.
    pub async fn start() -> Self {
        let socket = UdpSocket::bind("127.0.0.1:0").await.expect("a UDP port");
        let server = Self {
            addr: socket.local_addr().expect("the port"),
            names: Arc::default(),
            failing: Arc::default(),
        };
        let shared = server.clone();
        tokio::spawn(async move {
            let mut buf = vec![0u8; 4096];
            loop {
                let Ok((n, from)) = socket.recv_from(&mut buf).await else {
                    return;
                };
                let Ok(request) = Message::from_vec(&buf[..n]) else {
                    continue;
                };
                if let Some(bytes) = shared.respond(&request).and_then(|r| r.to_vec().ok()) {
                    let _ = socket.send_to(&bytes, from).await;
                }
            }
        });
        server
    }

    /// Publishes `records` as the TXT records of `name` (replacing what it had).
    ///
    /// # Panics
    /// When the table's lock is poisoned.
    pub fn set_txt(&self, name: &str, records: &[&str]) {
        self.names.lock().expect("the table").insert(
            name.trim_end_matches('.').to_ascii_lowercase(),
            records.iter().map(|r| (*r).to_owned()).collect(),
        );
    }

    /// Answers every question SERVFAIL while `failing` is set.
    pub fn set_failing(&self, failing: bool) {
        self.failing
            .store(failing, std::sync::atomic::Ordering::SeqCst);
    }

    fn respond(&self, request: &Message) -> Option<Message> {
        let query = request.queries.first()?.clone();
        let name = query.name().to_ascii();
        let key = name.trim_end_matches('.').to_ascii_lowercase();
        let found = self.names.lock().ok()?.get(&key).cloned();
        let mut response = Message::new(request.metadata.id, MessageType::Response, OpCode::Query);
        response.metadata.recursion_desired = request.metadata.recursion_desired;
        response.metadata.recursion_available = true;
        response.metadata.authoritative = true;
        response.add_query(query.clone());
        if self.failing.load(std::sync::atomic::Ordering::SeqCst) {
            response.metadata.response_code = ResponseCode::ServFail;
            return Some(response);
        }
        match found {
            None => response.metadata.response_code = ResponseCode::NXDomain,
            Some(records) if query.query_type() == RecordType::TXT => {
                for record in records {
                    // A TXT string holds at most 255 bytes: longer records are split.
                    let chunks = record
                        .as_bytes()
                        .chunks(255)
                        .map(|c| String::from_utf8_lossy(c).into_owned())
                        .collect();
                    response.add_answer(Record::from_rdata(
                        Name::from_ascii(&name).ok()?,
                        60,
                        RData::TXT(TXT::new(chunks)),
                    ));
                }
            }
            Some(_) => {}
        }
        Some(response)
    }
}

/// An Ed25519 DKIM key of a domain and selector.
pub struct DkimKey {
    pub domain: String,
    pub selector: String,
    pkcs8: Vec<u8>,
    public_key: Vec<u8>,
}

impl DkimKey {
    /// A new key.
    ///
    /// # Panics
    /// When key generation fails.
    #[must_use]
    pub fn generate(domain: &str, selector: &str) -> Self {
        let pkcs8 = Ed25519Key::generate_pkcs8().expect("an Ed25519 key");
        let public_key = Ed25519Key::from_pkcs8_der(&pkcs8)
            .expect("the key reads back")
            .public_key();
        Self {
            domain: domain.to_owned(),
            selector: selector.to_owned(),
            pkcs8,
            public_key,
        }
    }

    /// Publishes the public key at `<selector>._domainkey.<domain>`.
    pub fn publish(&self, dns: &TxtDnsServer) {
        let record = format!(
            "v=DKIM1; k=ed25519; p={}",
            base64::engine::general_purpose::STANDARD.encode(&self.public_key)
        );
        dns.set_txt(
            &format!("{}._domainkey.{}", self.selector, self.domain),
            &[&record],
        );
    }

    /// `raw` with a `DKIM-Signature` over its `From`, `To`, `Subject` and body prepended.
    ///
    /// # Panics
    /// When signing fails.
    #[must_use]
    pub fn sign(&self, raw: &[u8]) -> Vec<u8> {
        let key = Ed25519Key::from_pkcs8_der(&self.pkcs8).expect("the key");
        let signature = DkimSigner::from_key(key)
            .domain(self.domain.clone())
            .selector(self.selector.clone())
            .headers(["From", "To", "Subject", "Date", "Message-ID"])
            .sign(raw)
            .expect("signing");
        let mut signed = signature.to_header().into_bytes();
        signed.extend_from_slice(raw);
        signed
    }
}
