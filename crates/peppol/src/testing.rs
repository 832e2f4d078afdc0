//! A test PKI made at test time, so that no key is ever committed: certificate authorities
//! (ECDSA, quick to make) issuing leaves with RSA keys, as Peppol's SMP and AP certificates
//! have; a revocation server on 127.0.0.1 serving the CA's signed CRL and OCSP answers (real
//! DER over real HTTP), with switches for a responder that is down, stale or signs with the
//! wrong key; and a DNS server on 127.0.0.1 answering NAPTR questions, standing in for the
//! SML. Only with the `test-support` feature.
#![allow(clippy::unwrap_used, clippy::missing_panics_doc)]

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{
        atomic::{AtomicU64, AtomicUsize, Ordering},
        Arc, Mutex, OnceLock,
    },
};

use der::{Decode as _, Encode as _};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use hickory_proto::{
    op::{Message, MessageType, OpCode, ResponseCode},
    rr::{rdata::NAPTR, Name, RData, Record, RecordType},
};
use tokio::net::UdpSocket;

use rcgen::{
    date_time_ymd, BasicConstraints, CertificateParams, CertificateRevocationListParams,
    CrlDistributionPoint, CrlIssuingDistributionPoint, CrlScope, CustomExtension, DnType, DnValue,
    ExtendedKeyUsagePurpose, IsCa, Issuer, KeyIdMethod, KeyPair, KeyUsagePurpose,
    PublicKeyData as _, RevokedCertParams, SerialNumber, SigningKey as _, PKCS_RSA_SHA256,
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
    issuer: Arc<Issuer<'static, KeyPair>>,
    pub der: Vec<u8>,
    pub pem: String,
}

/// How long a test leaf is valid.
enum Validity {
    /// rcgen's default: until the year 4096.
    Lasting,
    /// 2019 to 2020.
    Ended,
    /// From yesterday until this long from now.
    EndsIn(time::Duration),
}

impl Ca {
    #[must_use]
    pub fn new(name: &str) -> Self {
        Self::self_signed(name, |params| {
            params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        })
    }

    /// A root CA as Peppol's (`CN=name`, self-signed, keyUsage keyCertSign and cRLSign,
    /// basicConstraints CA without a path length limit), for a three-level PKI with
    /// [`Ca::intermediate`].
    #[must_use]
    pub fn root(name: &str) -> Self {
        Self::self_signed(name, |params| {
            params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
            params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        })
    }

    /// A self-signed CA `CN=name` with a new key, its parameters set by `configure`.
    fn self_signed(name: &str, configure: impl FnOnce(&mut CertificateParams)) -> Self {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name.push(DnType::CommonName, name);
        configure(&mut params);
        let cert = params.self_signed(&key).unwrap();
        Self {
            der: cert.der().to_vec(),
            pem: cert.pem(),
            issuer: Arc::new(Issuer::new(params, key)),
        }
    }

    /// An intermediate CA this CA issues (`CN=name`), as the Peppol Access Point and SMP CAs
    /// under the root: a CA for leaves only (path length 0), keyCertSign and cRLSign, the
    /// revocation sources `sources`, or as `kind` says otherwise.
    #[must_use]
    pub fn intermediate(&self, name: &str, sources: &Sources, kind: Intermediate) -> Self {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = if kind == Intermediate::NotCa {
            IsCa::ExplicitNoCa
        } else {
            IsCa::Ca(BasicConstraints::Constrained(0))
        };
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        if kind == Intermediate::Expired {
            params.not_before = date_time_ymd(2019, 1, 1);
            params.not_after = date_time_ymd(2020, 1, 1);
        }
        let serial = Self::next_serial().to_be_bytes().to_vec();
        params.serial_number = Some(SerialNumber::from_slice(&serial));
        if let Some(url) = &sources.ocsp {
            params.custom_extensions.push(authority_info_access(url));
        }
        if let Some(url) = &sources.crl {
            params.crl_distribution_points = vec![CrlDistributionPoint {
                uris: vec![url.clone()],
            }];
        }
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        Self {
            der: cert.der().to_vec(),
            pem: cert.pem(),
            issuer: Arc::new(Issuer::new(params, key)),
        }
    }

    /// This CA's certificate as a [`Leaf`] with no key of use, to revoke it at its issuer's
    /// [`RevocationServer`].
    #[must_use]
    pub fn as_issued(&self) -> Leaf {
        let (_, cert) = x509_parser::parse_x509_certificate(&self.der).unwrap();
        Leaf {
            der: self.der.clone(),
            pem: self.pem.clone(),
            pkcs8: Vec::new(),
            serial: cert.raw_serial().to_vec(),
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
        let validity = if expired {
            Validity::Ended
        } else {
            Validity::Lasting
        };
        self.issue(cn, uid, validity, key_slot, &Sources::default())
    }

    /// A leaf (`C=country, CN=cn`, the RSA key of `key_slot`): a Peppol AP certificate names
    /// its service provider's country.
    #[must_use]
    pub fn leaf_in_country(&self, cn: &str, country: &str, key_slot: usize) -> Leaf {
        self.issue_in(
            (cn, None, Some(country)),
            Validity::Lasting,
            key_slot,
            &Sources::default(),
            Vec::new(),
        )
    }

    /// A leaf (`CN=cn`, the RSA key of `key_slot`) whose CRL distribution point `url` names
    /// `crl_issuer` as the CRL's issuer (an indirect CRL, RFC 5280 4.2.1.13).
    #[must_use]
    pub fn leaf_with_indirect_crl(
        &self,
        cn: &str,
        key_slot: usize,
        url: &str,
        crl_issuer: &Ca,
    ) -> Leaf {
        use x509_cert::ext::pkix::{
            crl::{dp::DistributionPoint, CrlDistributionPoints},
            name::{DistributionPointName, GeneralName},
        };
        let name = x509_cert::Certificate::from_der(&crl_issuer.der)
            .unwrap()
            .tbs_certificate
            .subject;
        let points = CrlDistributionPoints(vec![DistributionPoint {
            distribution_point: Some(DistributionPointName::FullName(vec![
                GeneralName::UniformResourceIdentifier(der::asn1::Ia5String::new(url).unwrap()),
            ])),
            reasons: None,
            crl_issuer: Some(vec![GeneralName::DirectoryName(name)]),
        }]);
        let extension =
            CustomExtension::from_oid_content(&[2, 5, 29, 31], points.to_der().unwrap());
        self.issue_in(
            (cn, None, None),
            Validity::Lasting,
            key_slot,
            &Sources::default(),
            vec![extension],
        )
    }

    /// A leaf (`CN=cn`, the RSA key of `key_slot`) naming revocation sources: an OCSP
    /// responder in its Authority Information Access, a CRL Distribution Point, or both
    /// (see [`RevocationServer`]).
    #[must_use]
    pub fn leaf_with_sources(&self, cn: &str, key_slot: usize, sources: &Sources) -> Leaf {
        self.issue(cn, None, Validity::Lasting, key_slot, sources)
    }

    /// A leaf (`CN=cn`) that began yesterday and ends `days` from now (negative: ended).
    #[must_use]
    pub fn leaf_ending_in(&self, cn: &str, days: i64) -> Leaf {
        self.issue(
            cn,
            None,
            Validity::EndsIn(time::Duration::days(days)),
            0,
            &Sources::default(),
        )
    }

    /// A serial number no other leaf of this process has.
    fn next_serial() -> u64 {
        static NEXT: AtomicU64 = AtomicU64::new(0x0100_0000);
        NEXT.fetch_add(1, Ordering::SeqCst)
    }

    fn issue(
        &self,
        cn: &str,
        uid: Option<&str>,
        validity: Validity,
        key_slot: usize,
        sources: &Sources,
    ) -> Leaf {
        self.issue_in((cn, uid, None), validity, key_slot, sources, Vec::new())
    }

    /// A leaf named `(cn, uid, country)`.
    fn issue_in(
        &self,
        (cn, uid, country): (&str, Option<&str>, Option<&str>),
        validity: Validity,
        key_slot: usize,
        sources: &Sources,
        extra: Vec<CustomExtension>,
    ) -> Leaf {
        let pkcs8 = rsa_key(key_slot);
        let key = KeyPair::from_pkcs8_der_and_sign_algo(&pkcs8.as_slice().into(), &PKCS_RSA_SHA256)
            .unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        if let Some(country) = country {
            params.distinguished_name.push(DnType::CountryName, country);
        }
        params.distinguished_name.push(DnType::CommonName, cn);
        if let Some(uid) = uid {
            params.distinguished_name.push(
                DnType::CustomDnType(vec![0, 9, 2342, 19_200_300, 100, 1, 1]),
                DnValue::Utf8String(uid.to_owned()),
            );
        }
        match validity {
            Validity::Lasting => {}
            Validity::Ended => {
                params.not_before = date_time_ymd(2019, 1, 1);
                params.not_after = date_time_ymd(2020, 1, 1);
            }
            Validity::EndsIn(left) => {
                let now = time::OffsetDateTime::now_utc();
                params.not_before = now - time::Duration::days(1);
                params.not_after = now + left;
            }
        }
        let serial = Self::next_serial().to_be_bytes().to_vec();
        params.serial_number = Some(SerialNumber::from_slice(&serial));
        if let Some(url) = &sources.ocsp {
            params.custom_extensions.push(authority_info_access(url));
        }
        if let Some(url) = &sources.crl {
            params.crl_distribution_points = vec![CrlDistributionPoint {
                uris: vec![url.clone()],
            }];
        }
        params.custom_extensions.extend(extra);
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        Leaf {
            der: cert.der().to_vec(),
            pem: cert.pem(),
            pkcs8,
            serial,
        }
    }

    /// A TLS server certificate for `127.0.0.1` and `localhost` (an ECDSA key).
    #[must_use]
    pub fn tls_server(&self) -> Leaf {
        let key = KeyPair::generate().unwrap();
        let mut params =
            CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        let serial = Self::next_serial().to_be_bytes().to_vec();
        params.serial_number = Some(SerialNumber::from_slice(&serial));
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        Leaf {
            der: cert.der().to_vec(),
            pem: cert.pem(),
            pkcs8: key.serialize_der(),
            serial,
        }
    }

    /// The CA's private key as PKCS#8 PEM (for an independent OCSP responder in tests).
    #[must_use]
    pub fn key_pem(&self) -> String {
        self.issuer.key().serialize_pem()
    }

    /// Starts this CA's revocation server on 127.0.0.1 (nothing revoked, both sources up).
    pub async fn revocation_server(&self) -> RevocationServer {
        RevocationServer::start(Arc::clone(&self.issuer), self.der.clone()).await
    }
}

/// What kind of intermediate CA [`Ca::intermediate`] makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intermediate {
    /// A CA for leaves, valid for ever.
    Normal,
    /// As `Normal`, but it ended in 2020.
    Expired,
    /// basicConstraints CA false (keyCertSign all the same).
    NotCa,
}

/// Where a leaf says its revocation status is found.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    pub ocsp: Option<String>,
    pub crl: Option<String>,
}

/// The Authority Information Access extension naming an OCSP responder.
fn authority_info_access(url: &str) -> CustomExtension {
    use x509_cert::ext::pkix::{name::GeneralName, AccessDescription, AuthorityInfoAccessSyntax};
    let aia = AuthorityInfoAccessSyntax(vec![AccessDescription {
        access_method: der::oid::ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1"),
        access_location: GeneralName::UniformResourceIdentifier(
            der::asn1::Ia5String::new(url).unwrap(),
        ),
    }]);
    CustomExtension::from_oid_content(&[1, 3, 6, 1, 5, 5, 7, 1, 1], aia.to_der().unwrap())
}

/// A certificate and its private key.
pub struct Leaf {
    pub der: Vec<u8>,
    pub pem: String,
    pub pkcs8: Vec<u8>,
    /// The serial number (big-endian, as issued).
    pub serial: Vec<u8>,
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

    /// This leaf's key with its certificate, then `chain` (DER), as a PKCS#12 file encrypted
    /// under `password` (PBES2 with AES-256, the default of current tools).
    #[must_use]
    pub fn pkcs12(&self, chain: &[&[u8]], password: &str) -> Vec<u8> {
        let certificates = std::iter::once(self.der.as_slice())
            .chain(chain.iter().copied())
            .map(|der| p12_keystore::Certificate::from_der(der).unwrap());
        let entry = p12_keystore::PrivateKeyChain::new(
            self.serial.clone(),
            p12_keystore::PrivateKey::from_der(&self.pkcs8).unwrap(),
            certificates,
        );
        let mut store = p12_keystore::KeyStore::new();
        store.add_entry("key", p12_keystore::KeyStoreEntry::PrivateKeyChain(entry));
        store.writer(password).write().unwrap()
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

/// A PKCS#12 file with certificates (DER) and no private key, as a trust store is.
#[must_use]
pub fn certificates_pkcs12(certificates: &[&[u8]], password: &str) -> Vec<u8> {
    let mut store = p12_keystore::KeyStore::new();
    for (index, der) in certificates.iter().enumerate() {
        store.add_entry(
            &format!("certificate-{index}"),
            p12_keystore::KeyStoreEntry::Certificate(
                p12_keystore::Certificate::from_der(der).unwrap(),
            ),
        );
    }
    store.writer(password).write().unwrap()
}

/// How a source of the [`RevocationServer`] answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Responder {
    /// Signed by the CA, current.
    Normal,
    /// HTTP 503.
    Down,
    /// Signed by a key that is not the CA's.
    ForeignSigner,
    /// Signed by the CA, but its nextUpdate has passed.
    Stale,
    /// OCSP only: signed by a responder certificate the CA issued for OCSP signing, which
    /// the answer carries.
    Delegated,
    /// CRL only: its Issuing Distribution Point says it lists CA certificates only.
    CaCertsOnly,
}

/// What the OCSP responder of the [`RevocationServer`] does with a request's nonce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NonceAnswer {
    /// Echoes it, as RFC 8954 asks.
    Echo,
    /// Answers with another nonce.
    Wrong,
    /// Leaves it out, as responders with pre-produced answers do.
    Omit,
}

struct RevocationState {
    revoked: Vec<Vec<u8>>,
    nonce: NonceAnswer,
    /// The nonces of the OCSP requests, in order (empty for a request without one).
    nonces: Vec<Vec<u8>>,
    ocsp: Responder,
    crl: Responder,
    /// A CRL made elsewhere, served as it is instead of the CA's own.
    crl_as_is: Option<Vec<u8>>,
    /// Delta CRLs: when set, the complete CRL names `/delta` as its FreshestCRL.
    delta: Option<DeltaState>,
    /// The indirect CRL at `/indirect`: (the CA's name as DER, serial) per entry.
    indirect: Vec<(Vec<u8>, Vec<u8>)>,
    /// Whether its Issuing Distribution Point says indirectCRL.
    indirect_marked: bool,
}

/// What the delta CRL of the [`RevocationServer`] lists, and how it is served.
struct DeltaState {
    revoked: Vec<Vec<u8>>,
    /// Serials taken off the complete CRL's list (removeFromCRL).
    removed: Vec<Vec<u8>>,
    mode: Responder,
    /// The complete CRL's number the delta names as its base (the complete CRL is 10).
    base_number: u64,
}

/// An entry of a hand-made CRL: serial, removeFromCRL, certificateIssuer (a name's DER).
type Entry = (Vec<u8>, bool, Option<Vec<u8>>);

/// The number of the complete CRL when deltas are on, and of its delta.
const COMPLETE_CRL_NUMBER: u64 = 10;

/// An HTTP server on 127.0.0.1 for one CA: `POST /ocsp` answers OCSP requests (RFC 6960,
/// basic responses) and `GET /crl` serves the CRL, both signed at request time from the
/// current list of revoked serials.
#[derive(Clone)]
pub struct RevocationServer {
    pub base: String,
    issuer: Arc<Issuer<'static, KeyPair>>,
    issuer_der: Vec<u8>,
    state: Arc<Mutex<RevocationState>>,
    /// Requests answered, per path.
    pub ocsp_requests: Arc<AtomicUsize>,
    pub crl_requests: Arc<AtomicUsize>,
    pub delta_requests: Arc<AtomicUsize>,
}

impl RevocationServer {
    async fn start(issuer: Arc<Issuer<'static, KeyPair>>, issuer_der: Vec<u8>) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let server = Self {
            base: format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port()),
            issuer,
            issuer_der,
            state: Arc::new(Mutex::new(RevocationState {
                revoked: Vec::new(),
                nonce: NonceAnswer::Echo,
                nonces: Vec::new(),
                ocsp: Responder::Normal,
                crl: Responder::Normal,
                crl_as_is: None,
                delta: None,
                indirect: Vec::new(),
                indirect_marked: true,
            })),
            ocsp_requests: Arc::default(),
            crl_requests: Arc::default(),
            delta_requests: Arc::default(),
        };
        let shared = server.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let shared = shared.clone();
                tokio::spawn(async move { shared.serve(stream).await });
            }
        });
        server
    }

    /// The OCSP responder's URL, for [`Sources`].
    #[must_use]
    pub fn ocsp_url(&self) -> String {
        format!("{}/ocsp", self.base)
    }

    /// The CRL's URL, for [`Sources`].
    #[must_use]
    pub fn crl_url(&self) -> String {
        format!("{}/crl", self.base)
    }

    /// Both sources of this server.
    #[must_use]
    pub fn sources(&self) -> Sources {
        Sources {
            ocsp: Some(self.ocsp_url()),
            crl: Some(self.crl_url()),
        }
    }

    /// Marks `leaf` revoked from now on.
    pub fn revoke(&self, leaf: &Leaf) {
        self.state.lock().unwrap().revoked.push(leaf.serial.clone());
    }

    /// How the OCSP responder answers a request's nonce from now on.
    pub fn set_nonce(&self, answer: NonceAnswer) {
        self.state.lock().unwrap().nonce = answer;
    }

    /// The nonces of the OCSP requests so far, oldest first.
    #[must_use]
    pub fn nonces(&self) -> Vec<Vec<u8>> {
        self.state.lock().unwrap().nonces.clone()
    }

    pub fn set_ocsp(&self, responder: Responder) {
        self.state.lock().unwrap().ocsp = responder;
    }

    pub fn set_crl(&self, responder: Responder) {
        self.state.lock().unwrap().crl = responder;
    }

    /// Turns delta CRLs on: the complete CRL (number 10) names `/delta` (number 11, for base
    /// 10) as its FreshestCRL.
    pub fn enable_delta(&self) {
        self.state.lock().unwrap().delta = Some(DeltaState {
            revoked: Vec::new(),
            removed: Vec::new(),
            mode: Responder::Normal,
            base_number: COMPLETE_CRL_NUMBER,
        });
    }

    /// Lists `leaf` in the delta CRL only (revoked since the complete CRL).
    pub fn revoke_in_delta(&self, leaf: &Leaf) {
        if let Some(delta) = &mut self.state.lock().unwrap().delta {
            delta.revoked.push(leaf.serial.clone());
        }
    }

    /// Lists `leaf` in the delta CRL as removeFromCRL (taken off the complete CRL's list).
    pub fn remove_in_delta(&self, leaf: &Leaf) {
        if let Some(delta) = &mut self.state.lock().unwrap().delta {
            delta.removed.push(leaf.serial.clone());
        }
    }

    /// How `/delta` answers (`Normal`, `Down`, `ForeignSigner`).
    pub fn set_delta(&self, mode: Responder) {
        if let Some(delta) = &mut self.state.lock().unwrap().delta {
            delta.mode = mode;
        }
    }

    /// The complete CRL's number the delta names as its base.
    pub fn set_delta_base(&self, number: u64) {
        if let Some(delta) = &mut self.state.lock().unwrap().delta {
            delta.base_number = number;
        }
    }

    /// The delta CRL as `/delta` serves it.
    #[must_use]
    pub fn delta_crl(&self) -> Vec<u8> {
        self.delta_answer().unwrap_or_default()
    }

    /// Lists `leaf` of `ca` in the indirect CRL at `/indirect`, which this server's CA
    /// signs as a CRL issuer for other CAs (each entry with its certificateIssuer).
    pub fn revoke_for(&self, ca: &Ca, leaf: &Leaf) {
        let name = x509_cert::Certificate::from_der(&ca.der)
            .unwrap()
            .tbs_certificate
            .subject
            .to_der()
            .unwrap();
        self.state
            .lock()
            .unwrap()
            .indirect
            .push((name, leaf.serial.clone()));
    }

    /// Whether `/indirect`'s Issuing Distribution Point says indirectCRL (by default it does).
    pub fn set_indirect_marked(&self, marked: bool) {
        self.state.lock().unwrap().indirect_marked = marked;
    }

    /// The indirect CRL's URL, for [`Ca::leaf_with_indirect_crl`].
    #[must_use]
    pub fn indirect_url(&self) -> String {
        format!("{}/indirect", self.base)
    }

    /// Serves `der` at `/crl` from now on (a CRL made by another implementation).
    pub fn serve_crl(&self, der: Vec<u8>) {
        self.state.lock().unwrap().crl_as_is = Some(der);
    }

    async fn serve(&self, mut stream: tokio::net::TcpStream) {
        let Some((method, path, body)) = read_request(&mut stream).await else {
            return;
        };
        let body = body.as_slice();
        let answer = match (method.as_str(), path.as_str()) {
            ("POST", "/ocsp") => {
                self.ocsp_requests.fetch_add(1, Ordering::SeqCst);
                let mode = self.state.lock().unwrap().ocsp;
                (mode != Responder::Down)
                    .then(|| self.ocsp_answer(body, mode))
                    .map(|b| ("application/ocsp-response", b))
            }
            ("GET", "/crl") => {
                self.crl_requests.fetch_add(1, Ordering::SeqCst);
                let (mode, as_is, delta) = {
                    let state = self.state.lock().unwrap();
                    (state.crl, state.crl_as_is.clone(), state.delta.is_some())
                };
                (mode != Responder::Down)
                    .then(|| {
                        as_is.unwrap_or_else(|| {
                            if delta {
                                self.complete_with_delta()
                            } else {
                                self.crl(mode)
                            }
                        })
                    })
                    .map(|b| ("application/pkix-crl", b))
            }
            ("GET", "/indirect") => {
                self.crl_requests.fetch_add(1, Ordering::SeqCst);
                Some(("application/pkix-crl", self.indirect_crl()))
            }
            ("GET", "/delta") => {
                self.delta_requests.fetch_add(1, Ordering::SeqCst);
                self.delta_answer().map(|b| ("application/pkix-crl", b))
            }
            _ => None,
        };
        let response = match answer {
            Some((content_type, body)) => {
                let mut out = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                )
                .into_bytes();
                out.extend_from_slice(&body);
                out
            }
            None => b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                .to_vec(),
        };
        let _ = stream.write_all(&response).await;
        let _ = stream.shutdown().await;
    }

    fn revoked(&self) -> Vec<Vec<u8>> {
        self.state.lock().unwrap().revoked.clone()
    }

    /// The indirect CRL: signed by this server's CA, its entries naming their CA.
    fn indirect_crl(&self) -> Vec<u8> {
        use x509_cert::ext::pkix::{
            crl::dp::IssuingDistributionPoint,
            name::{DistributionPointName, GeneralName},
        };
        let (entries, marked) = {
            let state = self.state.lock().unwrap();
            let entries: Vec<Entry> = state
                .indirect
                .iter()
                .map(|(name, serial)| (serial.clone(), false, Some(name.clone())))
                .collect();
            (entries, state.indirect_marked)
        };
        let point = IssuingDistributionPoint {
            distribution_point: Some(DistributionPointName::FullName(vec![
                GeneralName::UniformResourceIdentifier(
                    der::asn1::Ia5String::new(&self.indirect_url()).unwrap(),
                ),
            ])),
            only_contains_user_certs: false,
            only_contains_ca_certs: false,
            only_some_reasons: None,
            indirect_crl: marked,
            only_contains_attribute_certs: false,
        }
        .to_der()
        .unwrap();
        let number = der::asn1::Uint::new(&[1]).unwrap().to_der().unwrap();
        self.hand_made_crl(
            &entries,
            vec![("2.5.29.20", false, number), ("2.5.29.28", true, point)],
            self.issuer.key(),
        )
    }

    /// The complete CRL naming `/delta` as its FreshestCRL (number 10).
    fn complete_with_delta(&self) -> Vec<u8> {
        let entries: Vec<Entry> = self
            .revoked()
            .into_iter()
            .map(|s| (s, false, None))
            .collect();
        let freshest = {
            use x509_cert::ext::pkix::{
                crl::{dp::DistributionPoint, FreshestCrl},
                name::{DistributionPointName, GeneralName},
            };
            FreshestCrl(vec![DistributionPoint {
                distribution_point: Some(DistributionPointName::FullName(vec![
                    GeneralName::UniformResourceIdentifier(
                        der::asn1::Ia5String::new(&format!("{}/delta", self.base)).unwrap(),
                    ),
                ])),
                reasons: None,
                crl_issuer: None,
            }])
            .to_der()
            .unwrap()
        };
        let number = der::asn1::Uint::new(&COMPLETE_CRL_NUMBER.to_be_bytes())
            .unwrap()
            .to_der()
            .unwrap();
        self.hand_made_crl(
            &entries,
            vec![("2.5.29.20", false, number), ("2.5.29.46", false, freshest)],
            self.issuer.key(),
        )
    }

    /// The delta CRL (number 11), or `None` while it is down.
    fn delta_answer(&self) -> Option<Vec<u8>> {
        let (entries, mode, base) = {
            let state = self.state.lock().unwrap();
            let delta = state.delta.as_ref()?;
            let entries: Vec<Entry> = delta
                .revoked
                .iter()
                .map(|s| (s.clone(), false, None))
                .chain(delta.removed.iter().map(|s| (s.clone(), true, None)))
                .collect();
            (entries, delta.mode, delta.base_number)
        };
        if mode == Responder::Down {
            return None;
        }
        let integer = |n: u64| {
            der::asn1::Uint::new(&n.to_be_bytes())
                .unwrap()
                .to_der()
                .unwrap()
        };
        let foreign = KeyPair::generate().unwrap();
        let signer = if mode == Responder::ForeignSigner {
            &foreign
        } else {
            self.issuer.key()
        };
        Some(self.hand_made_crl(
            &entries,
            vec![
                ("2.5.29.20", false, integer(COMPLETE_CRL_NUMBER + 1)),
                // deltaCRLIndicator, critical as RFC 5280 requires.
                ("2.5.29.27", true, integer(base)),
            ],
            signer,
        ))
    }

    /// A CRL of this CA made field by field (rcgen makes no delta or indirect CRLs):
    /// `entries` are serials, `true` for removeFromCRL, and the certificateIssuer (a name's
    /// DER); `extensions` are (OID, critical, DER value); signed with ECDSA-SHA256 by
    /// `signer`.
    fn hand_made_crl(
        &self,
        entries: &[Entry],
        extensions: Vec<(&str, bool, Vec<u8>)>,
        signer: &KeyPair,
    ) -> Vec<u8> {
        use x509_cert::{
            crl::{CertificateList, RevokedCert, TbsCertList},
            ext::Extension,
            time::Time,
        };
        let now = chrono::Utc::now().timestamp();
        let time = |offset: i64| {
            Time::UtcTime(
                der::asn1::UtcTime::from_unix_duration(std::time::Duration::from_secs(
                    u64::try_from(now + offset).unwrap(),
                ))
                .unwrap(),
            )
        };
        let extension = |oid: &str, critical: bool, value: Vec<u8>| Extension {
            extn_id: der::oid::ObjectIdentifier::new_unwrap(oid),
            critical,
            extn_value: der::asn1::OctetString::new(value).unwrap(),
        };
        let algorithm = x509_cert::spki::AlgorithmIdentifierOwned {
            oid: der::oid::ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2"),
            parameters: None,
        };
        let revoked: Vec<RevokedCert> = entries
            .iter()
            .map(|(serial, remove, certificate_issuer)| {
                let trimmed = &serial[serial.iter().take_while(|b| **b == 0).count()..];
                let mut entry_extensions = Vec::new();
                if *remove {
                    // reasonCode removeFromCRL (8), an ENUMERATED.
                    entry_extensions.push(extension("2.5.29.21", false, vec![0x0a, 0x01, 0x08]));
                }
                if let Some(name) = certificate_issuer {
                    let names = vec![x509_cert::ext::pkix::name::GeneralName::DirectoryName(
                        x509_cert::name::Name::from_der(name).unwrap(),
                    )];
                    entry_extensions.push(extension("2.5.29.29", true, names.to_der().unwrap()));
                }
                RevokedCert {
                    serial_number: x509_cert::serial_number::SerialNumber::new(trimmed).unwrap(),
                    revocation_date: time(-60),
                    crl_entry_extensions: (!entry_extensions.is_empty())
                        .then_some(entry_extensions),
                }
            })
            .collect();
        let issuer = x509_cert::Certificate::from_der(&self.issuer_der)
            .unwrap()
            .tbs_certificate
            .subject;
        let tbs = TbsCertList {
            version: x509_cert::Version::V2,
            signature: algorithm.clone(),
            issuer,
            this_update: time(-60),
            next_update: Some(time(6 * 3600)),
            revoked_certificates: (!revoked.is_empty()).then_some(revoked),
            crl_extensions: Some(
                extensions
                    .into_iter()
                    .map(|(oid, critical, value)| extension(oid, critical, value))
                    .collect(),
            ),
        };
        let signature = signer.sign(&tbs.to_der().unwrap()).unwrap();
        CertificateList {
            tbs_cert_list: tbs,
            signature_algorithm: algorithm,
            signature: der::asn1::BitString::from_bytes(&signature).unwrap(),
        }
        .to_der()
        .unwrap()
    }

    /// The CRL, signed now (or by another key, or already stale).
    fn crl(&self, mode: Responder) -> Vec<u8> {
        let now = time::OffsetDateTime::now_utc();
        let (this_update, next_update) = if mode == Responder::Stale {
            (now - time::Duration::days(2), now - time::Duration::days(1))
        } else {
            (
                now - time::Duration::minutes(1),
                now + time::Duration::hours(6),
            )
        };
        let params = CertificateRevocationListParams {
            this_update,
            next_update,
            crl_number: SerialNumber::from(1u64),
            // As real CAs do: the point, for user certificates (a critical extension).
            issuing_distribution_point: Some(CrlIssuingDistributionPoint {
                distribution_point: CrlDistributionPoint {
                    uris: vec![self.crl_url()],
                },
                scope: Some(if mode == Responder::CaCertsOnly {
                    CrlScope::CaCertsOnly
                } else {
                    CrlScope::UserCertsOnly
                }),
            }),
            revoked_certs: self
                .revoked()
                .into_iter()
                .map(|serial| RevokedCertParams {
                    serial_number: SerialNumber::from_slice(&serial),
                    revocation_time: now - time::Duration::minutes(1),
                    reason_code: None,
                    invalidity_date: None,
                })
                .collect(),
            key_identifier_method: KeyIdMethod::Sha256,
        };
        if mode == Responder::ForeignSigner {
            // Same name, another key.
            let impostor = Ca::new(&crate::as4::common_name(&self.issuer_der).unwrap());
            return params.signed_by(&impostor.issuer).unwrap().der().to_vec();
        }
        params.signed_by(&self.issuer).unwrap().der().to_vec()
    }

    /// The OCSP response to `request` (DER).
    fn ocsp_answer(&self, request: &[u8], mode: Responder) -> Vec<u8> {
        use x509_ocsp::{
            BasicOcspResponse, CertStatus, OcspGeneralizedTime, OcspRequest, OcspResponse,
            OcspResponseStatus, ResponderId, ResponseBytes, ResponseData, RevokedInfo,
            SingleResponse, Version,
        };
        let Ok(request) = OcspRequest::from_der(request) else {
            return OcspResponse {
                response_status: OcspResponseStatus::MalformedRequest,
                response_bytes: None,
            }
            .to_der()
            .unwrap();
        };
        let time = |offset: i64| {
            let at = u64::try_from(chrono::Utc::now().timestamp() + offset).unwrap();
            OcspGeneralizedTime(
                der::asn1::GeneralizedTime::from_unix_duration(std::time::Duration::from_secs(at))
                    .unwrap(),
            )
        };
        let (this_update, next_update) = if mode == Responder::Stale {
            (time(-2 * 86_400), time(-86_400))
        } else {
            (time(-60), time(6 * 3600))
        };
        let revoked = self.revoked();
        // The request's nonce (the DER of an OCTET STRING in the extension's value).
        let nonce_oid = der::oid::ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.2");
        let nonce = request
            .tbs_request
            .request_extensions
            .iter()
            .flatten()
            .find(|e| e.extn_id == nonce_oid)
            .and_then(|e| der::asn1::OctetString::from_der(e.extn_value.as_bytes()).ok())
            .map(|o| o.as_bytes().to_vec());
        let nonce_answer = {
            let mut state = self.state.lock().unwrap();
            state.nonces.push(nonce.clone().unwrap_or_default());
            state.nonce
        };
        let echoed = match (nonce_answer, nonce) {
            (NonceAnswer::Omit, _) | (_, None) => None,
            (NonceAnswer::Echo, Some(nonce)) => Some(nonce),
            (NonceAnswer::Wrong, Some(mut nonce)) => {
                nonce.push(0);
                Some(nonce)
            }
        };
        let response_extensions = echoed.map(|nonce| {
            vec![x509_cert::ext::Extension {
                extn_id: nonce_oid,
                critical: false,
                extn_value: der::asn1::OctetString::new(
                    der::asn1::OctetString::new(nonce)
                        .unwrap()
                        .to_der()
                        .unwrap(),
                )
                .unwrap(),
            }]
        });
        let responses = request
            .tbs_request
            .request_list
            .iter()
            .map(|r| {
                let serial = r.req_cert.serial_number.as_bytes();
                let trimmed = &serial[serial.iter().take_while(|b| **b == 0).count()..];
                let is_revoked = revoked.iter().any(|s| {
                    let s = &s[s.iter().take_while(|b| **b == 0).count()..];
                    s == trimmed
                });
                SingleResponse {
                    cert_id: r.req_cert.clone(),
                    cert_status: if is_revoked {
                        CertStatus::Revoked(RevokedInfo {
                            revocation_time: time(-60),
                            revocation_reason: None,
                        })
                    } else {
                        CertStatus::good()
                    },
                    this_update,
                    next_update: Some(next_update),
                    single_extensions: None,
                }
            })
            .collect();
        // Who signs: the CA; a responder certificate it issued; or a foreign key.
        let delegate = (mode == Responder::Delegated).then(|| {
            let key = KeyPair::generate().unwrap();
            let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
            params
                .distinguished_name
                .push(DnType::CommonName, "Test OCSP responder");
            params.extended_key_usages = vec![ExtendedKeyUsagePurpose::OcspSigning];
            let cert = params.signed_by(&key, &self.issuer).unwrap();
            (key, cert.der().to_vec())
        });
        let foreign = (mode == Responder::ForeignSigner).then(|| KeyPair::generate().unwrap());
        let signer: &KeyPair = match (&delegate, &foreign) {
            (Some((key, _)), _) => key,
            (_, Some(key)) => key,
            _ => self.issuer.key(),
        };
        let key_hash = ring::digest::digest(
            &ring::digest::SHA1_FOR_LEGACY_USE_ONLY,
            if mode == Responder::ForeignSigner {
                self.issuer.key().der_bytes()
            } else {
                signer.der_bytes()
            },
        );
        let data = ResponseData {
            version: Version::V1,
            responder_id: ResponderId::ByKey(
                der::asn1::OctetString::new(key_hash.as_ref()).unwrap(),
            ),
            produced_at: time(0),
            responses,
            response_extensions,
        };
        let tbs = data.to_der().unwrap();
        let signature = signer.sign(&tbs).unwrap();
        let basic = BasicOcspResponse {
            tbs_response_data: data,
            signature_algorithm: x509_cert::spki::AlgorithmIdentifierOwned {
                oid: der::oid::ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2"),
                parameters: None,
            },
            signature: der::asn1::BitString::from_bytes(&signature).unwrap(),
            certs: delegate.map(|(_, der)| vec![x509_cert::Certificate::from_der(&der).unwrap()]),
        };
        OcspResponse {
            response_status: OcspResponseStatus::Successful,
            response_bytes: Some(ResponseBytes {
                response_type: der::oid::ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.1"),
                response: der::asn1::OctetString::new(basic.to_der().unwrap()).unwrap(),
            }),
        }
        .to_der()
        .unwrap()
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

/// One call the [`DirectoryServer`] received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryCall {
    /// `PUT` (index) or `DELETE` (remove).
    pub method: String,
    /// The participant id as sent (`iso6523-actorid-upis::…`, decoded).
    pub participant: String,
    /// The common name of the client certificate the call came with.
    pub client: Option<String>,
    /// For `PUT`: the business card fetched back from the SMP, as the `Name` of its business
    /// entity when it parsed and named this participant, else why not.
    pub card: Option<Result<String, String>>,
}

/// The TLS side of a fake HTTPS service on 127.0.0.1 that, like the SML and the Directory,
/// knows its callers by their certificate: its own certificate comes from `server_ca`, and
/// only clients with a certificate issued by `client_ca` (DER) complete the handshake.
#[must_use]
pub fn mutual_tls_acceptor(server_ca: &Ca, client_ca: &[u8]) -> tokio_rustls::TlsAcceptor {
    use tokio_rustls::rustls::{
        self,
        pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer},
        server::WebPkiClientVerifier,
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    roots.add(CertificateDer::from(client_ca.to_vec())).unwrap();
    let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .unwrap();
    let leaf = server_ca.tls_server();
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_client_cert_verifier(verifier)
        .with_single_cert(
            vec![CertificateDer::from(leaf.der)],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf.pkcs8)),
        )
        .unwrap();
    tokio_rustls::TlsAcceptor::from(Arc::new(config))
}

#[derive(Default)]
struct DirectoryState {
    calls: Vec<DirectoryCall>,
    smp: Option<String>,
    down: bool,
    refusing: bool,
}

/// A Peppol Directory indexer on 127.0.0.1 over HTTPS that requires a client certificate
/// issued by a given CA (the SMP CA): `PUT /indexer/1.0/` with a participant id as the body
/// fetches the business card back from the SMP (as the real Directory does) and answers 204;
/// `DELETE /indexer/1.0/{participant}` answers 204. Every call is recorded; while down, it
/// answers 503 and records nothing.
#[derive(Clone)]
pub struct DirectoryServer {
    /// `https://127.0.0.1:<port>`.
    pub base: String,
    state: Arc<Mutex<DirectoryState>>,
}

impl DirectoryServer {
    /// Starts the server with a certificate from `server_ca`, accepting clients whose
    /// certificate `client_ca` (DER) issued.
    pub async fn start(server_ca: &Ca, client_ca: &[u8]) -> Self {
        let acceptor = mutual_tls_acceptor(server_ca, client_ca);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let server = Self {
            base: format!(
                "https://127.0.0.1:{}",
                listener.local_addr().unwrap().port()
            ),
            state: Arc::default(),
        };
        let shared = server.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let (shared, acceptor) = (shared.clone(), acceptor.clone());
                tokio::spawn(async move {
                    if let Ok(tls) = acceptor.accept(stream).await {
                        shared.serve(tls).await;
                    }
                });
            }
        });
        server
    }

    /// Where business cards are fetched from (`<public_url>/smp`).
    pub fn set_smp(&self, base: &str) {
        self.state.lock().unwrap().smp = Some(base.trim_end_matches('/').to_owned());
    }

    /// While down, every call is answered 503 and not recorded.
    pub fn set_down(&self, down: bool) {
        self.state.lock().unwrap().down = down;
    }

    /// While refusing, every call is answered 403 (the client certificate is not accepted)
    /// and not recorded.
    pub fn set_refusing(&self, refusing: bool) {
        self.state.lock().unwrap().refusing = refusing;
    }

    /// The calls so far, oldest first.
    #[must_use]
    pub fn calls(&self) -> Vec<DirectoryCall> {
        self.state.lock().unwrap().calls.clone()
    }

    async fn serve(&self, mut stream: tokio_rustls::server::TlsStream<tokio::net::TcpStream>) {
        let client = stream
            .get_ref()
            .1
            .peer_certificates()
            .and_then(|chain| chain.first())
            .and_then(|der| {
                let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
                let cn = cert
                    .subject()
                    .iter_common_name()
                    .next()?
                    .as_str()
                    .ok()?
                    .to_owned();
                Some(cn)
            });
        let Some((method, path, body)) = read_request(&mut stream).await else {
            return;
        };
        let (down, refusing, smp) = {
            let state = self.state.lock().unwrap();
            (state.down, state.refusing, state.smp.clone())
        };
        let status = if down {
            "503 Service Unavailable"
        } else if refusing {
            "403 Forbidden"
        } else {
            match (method.as_str(), path.strip_prefix("/indexer/1.0/")) {
                ("PUT", Some("")) => {
                    let participant = String::from_utf8_lossy(&body).trim().to_owned();
                    let card = Some(fetch_card(smp.as_deref(), &participant).await);
                    self.record(&method, participant, client, card);
                    "204 No Content"
                }
                ("DELETE", Some(encoded)) if !encoded.is_empty() => {
                    let participant = crate::identifiers::percent_decode(encoded)
                        .unwrap_or_else(|| encoded.to_owned());
                    self.record(&method, participant, client, None);
                    "204 No Content"
                }
                _ => "404 Not Found",
            }
        };
        let response =
            format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        let _ = stream.write_all(response.as_bytes()).await;
        let _ = stream.shutdown().await;
    }

    fn record(
        &self,
        method: &str,
        participant: String,
        client: Option<String>,
        card: Option<Result<String, String>>,
    ) {
        self.state.lock().unwrap().calls.push(DirectoryCall {
            method: method.to_owned(),
            participant,
            client,
            card,
        });
    }
}

/// Reads one HTTP/1.1 request: method, path and body (by `Content-Length`).
pub(crate) async fn read_request<S: tokio::io::AsyncRead + Unpin>(
    stream: &mut S,
) -> Option<(String, String, Vec<u8>)> {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    };
    let head = String::from_utf8_lossy(&data[..head_end]).to_string();
    let length = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    while data.len() < head_end + length {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    }
    let mut line = head.lines().next().unwrap_or("").split_whitespace();
    Some((
        line.next().unwrap_or("").to_owned(),
        line.next().unwrap_or("").to_owned(),
        data[head_end..head_end + length].to_vec(),
    ))
}

/// Fetches `participant`'s business card from the SMP and reads it as the Directory would.
async fn fetch_card(smp: Option<&str>, participant: &str) -> Result<String, String> {
    const NS: &str = crate::publisher::BUSINESS_CARD_NAMESPACE;
    let smp = smp.ok_or("no SMP set")?;
    let id = crate::identifiers::ParticipantIdentifier::parse(participant)
        .map_err(|e| format!("not a participant id: {e}"))?;
    let url = format!("{smp}/businesscard/{}", id.url_encoded());
    let response = reqwest::get(&url).await.map_err(|e| e.to_string())?;
    if !response.status().is_success() {
        return Err(format!("the SMP answered {}", response.status()));
    }
    let text = response.text().await.map_err(|e| e.to_string())?;
    let doc = roxmltree::Document::parse(&text).map_err(|e| e.to_string())?;
    let root = doc.root_element();
    if !root.has_tag_name((NS, "BusinessCard")) {
        return Err(format!("not a business card: {}", root.tag_name().name()));
    }
    let named = root
        .children()
        .find(|n| n.has_tag_name((NS, "ParticipantIdentifier")))
        .and_then(|n| n.text())
        .is_some_and(|v| v.eq_ignore_ascii_case(id.value()));
    if !named {
        return Err("the card names another participant".into());
    }
    root.children()
        .find(|n| n.has_tag_name((NS, "BusinessEntity")))
        .and_then(|e| e.children().find(|n| n.has_tag_name((NS, "Name"))))
        .and_then(|n| n.text())
        .map(str::to_owned)
        .ok_or_else(|| "no business entity name".into())
}
