//! A test PKI made at test time, so that no key is ever committed: certificate authorities
//! (ECDSA, quick to make) issuing leaves with RSA keys, as Peppol's SMP and AP certificates
//! have; and a DNS server on 127.0.0.1 answering NAPTR questions, standing in for the SML.
//! Only with the `test-support` feature.
#![allow(clippy::unwrap_used, clippy::missing_panics_doc)]

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex, OnceLock,
    },
};

use hickory_proto::{
    op::{Message, MessageType, OpCode, ResponseCode},
    rr::{rdata::NAPTR, Name, RData, Record, RecordType},
};
use tokio::net::UdpSocket;

use rcgen::{
    date_time_ymd, BasicConstraints, CertificateParams, DnType, DnValue, IsCa, Issuer, KeyPair,
    PKCS_RSA_SHA256,
};
use rsa09::pkcs8::{EncodePrivateKey, LineEnding};

use crate::xmldsig::SigningKey;

/// An RSA key as PKCS#8 DER. Keys are slow to make, so tests share one per slot.
#[must_use]
pub fn rsa_key(slot: usize) -> Vec<u8> {
    static KEYS: OnceLock<Mutex<HashMap<usize, Vec<u8>>>> = OnceLock::new();
    let keys = KEYS.get_or_init(|| Mutex::new(HashMap::new()));
    let mut keys = keys.lock().unwrap();
    keys.entry(slot)
        .or_insert_with(|| {
            let key = rsa09::RsaPrivateKey::new(&mut rand::thread_rng(), 2048).unwrap();
            key.to_pkcs8_der().unwrap().as_bytes().to_vec()
        })
        .clone()
}

/// A certificate authority.
pub struct Ca {
    issuer: Issuer<'static, KeyPair>,
    pub der: Vec<u8>,
    pub pem: String,
}

impl Ca {
    #[must_use]
    pub fn new(name: &str) -> Self {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        let cert = params.self_signed(&key).unwrap();
        Self {
            der: cert.der().to_vec(),
            pem: cert.pem(),
            issuer: Issuer::new(params, key),
        }
    }

    /// A leaf with an RSA key (`CN=cn`); `uid` adds a UID attribute to the subject, `expired`
    /// makes it end in 2020.
    #[must_use]
    pub fn leaf(&self, cn: &str, uid: Option<&str>, expired: bool) -> Leaf {
        self.leaf_with_key(cn, uid, expired, usize::from(expired))
    }

    /// As [`Ca::leaf`] with the RSA key of `key_slot` (leaves with different slots have
    /// different keys; 0 and 1 are what [`Ca::leaf`] uses).
    #[must_use]
    pub fn leaf_with_key(
        &self,
        cn: &str,
        uid: Option<&str>,
        expired: bool,
        key_slot: usize,
    ) -> Leaf {
        let pkcs8 = rsa_key(key_slot);
        let key = KeyPair::from_pkcs8_der_and_sign_algo(&pkcs8.as_slice().into(), &PKCS_RSA_SHA256)
            .unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name.push(DnType::CommonName, cn);
        if let Some(uid) = uid {
            params.distinguished_name.push(
                DnType::CustomDnType(vec![0, 9, 2342, 19_200_300, 100, 1, 1]),
                DnValue::Utf8String(uid.to_owned()),
            );
        }
        if expired {
            params.not_before = date_time_ymd(2019, 1, 1);
            params.not_after = date_time_ymd(2020, 1, 1);
        }
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        Leaf {
            der: cert.der().to_vec(),
            pem: cert.pem(),
            pkcs8,
        }
    }
}

/// A certificate and its private key.
pub struct Leaf {
    pub der: Vec<u8>,
    pub pem: String,
    pub pkcs8: Vec<u8>,
}

impl Leaf {
    #[must_use]
    pub fn signing_key(&self) -> SigningKey {
        SigningKey::new(&self.pkcs8, self.der.clone()).unwrap()
    }

    /// The AS4 access point key of this leaf.
    #[must_use]
    pub fn ap_key(&self) -> crate::as4::ApKey {
        crate::as4::ApKey::new(&self.pkcs8, self.der.clone()).unwrap()
    }

    /// The private key as PKCS#8 PEM.
    #[must_use]
    pub fn key_pem(&self) -> String {
        use rsa09::pkcs8::DecodePrivateKey;
        rsa09::RsaPrivateKey::from_pkcs8_der(&self.pkcs8)
            .unwrap()
            .to_pkcs8_pem(LineEnding::LF)
            .unwrap()
            .to_string()
    }
}

/// How the test DNS server answers a name.
#[derive(Clone)]
pub enum DnsAnswer {
    /// NAPTR records: (order, preference, flags, service, regexp).
    Naptr(Vec<(u16, u16, &'static str, &'static str, String)>),
    NoData,
    ServFail,
    /// Never answers.
    Silent,
}

/// A DNS server on 127.0.0.1 (UDP) answering NAPTR questions from a table by name (lower
/// case, without the final dot); other names get NXDOMAIN.
#[derive(Clone)]
pub struct DnsServer {
    pub addr: SocketAddr,
    names: Arc<Mutex<HashMap<String, DnsAnswer>>>,
    pub queries: Arc<AtomicUsize>,
}

impl DnsServer {
    pub async fn start() -> Self {
        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let server = Self {
            addr: socket.local_addr().unwrap(),
            names: Arc::default(),
            queries: Arc::default(),
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
                shared.queries.fetch_add(1, Ordering::SeqCst);
                if let Some(response) = shared.respond(&request) {
                    let _ = socket.send_to(&response.to_vec().unwrap(), from).await;
                }
            }
        });
        server
    }

    pub fn set(&self, name: &str, answer: DnsAnswer) {
        self.names
            .lock()
            .unwrap()
            .insert(name.trim_end_matches('.').to_ascii_lowercase(), answer);
    }

    fn respond(&self, request: &Message) -> Option<Message> {
        let query = request.queries.first()?.clone();
        let name = query.name().to_ascii();
        let key = name.trim_end_matches('.').to_ascii_lowercase();
        let found = self.names.lock().unwrap().get(&key).cloned();
        let mut response = Message::new(request.metadata.id, MessageType::Response, OpCode::Query);
        response.metadata.recursion_desired = request.metadata.recursion_desired;
        response.metadata.recursion_available = true;
        response.metadata.authoritative = true;
        response.add_query(query.clone());
        match found {
            None => response.metadata.response_code = ResponseCode::NXDomain,
            Some(DnsAnswer::Silent) => return None,
            Some(DnsAnswer::ServFail) => response.metadata.response_code = ResponseCode::ServFail,
            Some(DnsAnswer::NoData) => {}
            Some(DnsAnswer::Naptr(records)) if query.query_type() == RecordType::NAPTR => {
                for (order, preference, flags, service, regexp) in records {
                    response.add_answer(Record::from_rdata(
                        Name::from_ascii(&name).unwrap(),
                        60,
                        RData::NAPTR(NAPTR::new(
                            order,
                            preference,
                            flags.as_bytes().into(),
                            service.as_bytes().into(),
                            regexp.as_bytes().into(),
                            Name::root(),
                        )),
                    ));
                }
            }
            Some(DnsAnswer::Naptr(_)) => {}
        }
        Some(response)
    }
}
