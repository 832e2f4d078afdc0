//! A fake SML for tests: HTTPS on 127.0.0.1 that demands a TLS client certificate issued by
//! the test PKI's SMP CA, reads the SOAP 1.1 requests of the two management services
//! (participants and SMPs), keeps what they create in memory, and answers as the SML does:
//! an empty response or a SOAP fault with its detail element. Optionally it publishes each
//! participant's NAPTR record into a test [`DnsServer`], so that a lookup through the SML
//! zone finds the SMP afterwards. It lists an SMP's participants in pages (`List`, a small
//! page size can be set) and takes a next SMP certificate (BDMSL's
//! `PrepareChangeCertificate`): from its migration date the new certificate is the SMP's
//! identity and the old one is refused, checked at request time by the certificate the client
//! presents. Only with the `test-support` feature.
#![allow(clippy::unwrap_used, clippy::missing_panics_doc)]

use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex,
    },
};

use tokio::io::AsyncWriteExt as _;

use crate::{
    identifiers::ParticipantIdentifier,
    sml::participant_hostname,
    sml_manage::{FaultKind, BDMSL_DATA_NS, IDENTIFIERS_NS, LOCATOR_NS, SOAP11_NS},
    testing::{mutual_tls_acceptor, read_request, Ca, DnsAnswer, DnsServer},
};

#[derive(Default)]
struct SmlState {
    /// SMP id → (the certificate that created it, its logical address).
    smps: HashMap<String, (Vec<u8>, String)>,
    /// Participant (lower case `scheme:value`) → SMP id.
    participants: HashMap<String, String>,
    /// Participant → the migration key its SMP set with `PrepareToMigrate`.
    migration_keys: HashMap<String, String>,
    /// Answer 503 to everything.
    down: bool,
    /// Answer every participant create or delete with this fault.
    refusal: Option<(FaultKind, String)>,
    dns: Option<(DnsServer, String)>,
    /// Participant ids per `List` page (100 when 0).
    page_size: usize,
    /// SMP id → its next certificate (DER) and the day from which it replaces the current.
    next_certificates: HashMap<String, (Vec<u8>, chrono::NaiveDate)>,
    /// The fake's day, when a test moves it (else today, UTC).
    today: Option<chrono::NaiveDate>,
}

impl SmlState {
    fn today(&self) -> chrono::NaiveDate {
        self.today
            .unwrap_or_else(|| chrono::Utc::now().date_naive())
    }

    /// Makes each announced certificate whose migration date has come the SMP's identity.
    fn change_certificates(&mut self) {
        let today = self.today();
        let due: Vec<String> = self
            .next_certificates
            .iter()
            .filter(|(_, (_, date))| *date <= today)
            .map(|(smp, _)| smp.clone())
            .collect();
        for smp in due {
            if let Some((der, _)) = self.next_certificates.remove(&smp) {
                if let Some(entry) = self.smps.get_mut(&smp) {
                    entry.0 = der;
                }
            }
        }
    }
}

/// The fake SML. `base` is the management base URL (`https://127.0.0.1:<port>`).
#[derive(Clone)]
pub struct FakeSml {
    pub base: String,
    /// The CA of the fake's TLS certificate (PEM), for the client's trusted roots.
    pub tls_ca_pem: String,
    state: Arc<Mutex<SmlState>>,
    /// SOAP requests answered (not counting refused TLS handshakes).
    pub requests: Arc<AtomicUsize>,
}

impl FakeSml {
    /// Starts the fake; only clients with a certificate issued by `client_ca` get through the
    /// TLS handshake.
    pub async fn start(client_ca: &Ca) -> Self {
        let tls_ca = Ca::new("Fake SML TLS CA");
        let acceptor = mutual_tls_acceptor(&tls_ca, &client_ca.der);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let sml = Self {
            base: format!(
                "https://127.0.0.1:{}",
                listener.local_addr().unwrap().port()
            ),
            tls_ca_pem: tls_ca.pem.clone(),
            state: Arc::default(),
            requests: Arc::default(),
        };
        let shared = sml.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let acceptor = acceptor.clone();
                let shared = shared.clone();
                tokio::spawn(async move {
                    let Ok(tls) = acceptor.accept(stream).await else {
                        return;
                    };
                    shared.serve(tls).await;
                });
            }
        });
        sml
    }

    /// Registers an SMP as if its `Create` had been called with `certificate` (DER).
    pub fn add_smp(&self, smp_id: &str, certificate: &[u8], logical_address: &str) {
        self.state.lock().unwrap().smps.insert(
            smp_id.to_owned(),
            (certificate.to_vec(), logical_address.to_owned()),
        );
    }

    /// Publishes every participant created from now on as a NAPTR record in `zone` of `dns`
    /// (and removes it on delete).
    pub fn publish_into(&self, dns: DnsServer, zone: &str) {
        self.state.lock().unwrap().dns = Some((dns, zone.to_owned()));
    }

    /// Makes the fake answer 503 (`true`) or normally again.
    pub fn set_down(&self, down: bool) {
        self.state.lock().unwrap().down = down;
    }

    /// Makes the fake answer every participant create and delete with a SOAP fault of `kind`
    /// saying `message` (`None`: answer normally again).
    pub fn refuse_participants(&self, refusal: Option<(FaultKind, &str)>) {
        self.state.lock().unwrap().refusal = refusal.map(|(k, m)| (k, m.to_owned()));
    }

    /// Sets how many participant ids one `List` page holds.
    pub fn set_page_size(&self, size: usize) {
        self.state.lock().unwrap().page_size = size;
    }

    /// Moves the fake's day (for migration dates).
    pub fn set_today(&self, day: chrono::NaiveDate) {
        self.state.lock().unwrap().today = Some(day);
    }

    /// The next certificate (DER) announced for `smp_id` and its migration date, until that
    /// date has come and a request made it the SMP's identity.
    #[must_use]
    pub fn next_certificate(&self, smp_id: &str) -> Option<(Vec<u8>, chrono::NaiveDate)> {
        self.state
            .lock()
            .unwrap()
            .next_certificates
            .get(smp_id)
            .cloned()
    }

    /// Removes `participant` from the SML directly (lost, as if another party deleted it).
    pub fn remove_participant(&self, participant: &str) {
        self.state
            .lock()
            .unwrap()
            .participants
            .remove(&participant.to_ascii_lowercase());
    }

    /// The SMP id `participant` is registered under, if any.
    #[must_use]
    pub fn smp_of(&self, participant: &str) -> Option<String> {
        self.state
            .lock()
            .unwrap()
            .participants
            .get(&participant.to_ascii_lowercase())
            .cloned()
    }

    /// Registers `participant` under `smp_id` directly (another SMP's participant).
    pub fn add_participant(&self, participant: &str, smp_id: &str) {
        self.state
            .lock()
            .unwrap()
            .participants
            .insert(participant.to_ascii_lowercase(), smp_id.to_owned());
    }

    /// Sets `key` as the migration key of `participant`, as if its SMP had called
    /// `PrepareToMigrate`.
    pub fn set_migration_key(&self, participant: &str, key: &str) {
        self.state
            .lock()
            .unwrap()
            .migration_keys
            .insert(participant.to_ascii_lowercase(), key.to_owned());
    }

    /// The migration key set for `participant`, if any.
    #[must_use]
    pub fn migration_key(&self, participant: &str) -> Option<String> {
        self.state
            .lock()
            .unwrap()
            .migration_keys
            .get(&participant.to_ascii_lowercase())
            .cloned()
    }

    /// The logical address of `smp_id`, if registered.
    #[must_use]
    pub fn smp_address(&self, smp_id: &str) -> Option<String> {
        self.state
            .lock()
            .unwrap()
            .smps
            .get(smp_id)
            .map(|(_, a)| a.clone())
    }

    async fn serve(&self, mut tls: tokio_rustls::server::TlsStream<tokio::net::TcpStream>) {
        let client = tls
            .get_ref()
            .1
            .peer_certificates()
            .and_then(|c| c.first())
            .map(|c| c.as_ref().to_vec())
            .unwrap_or_default();
        // One request per connection (the answer says `Connection: close`).
        let Some((_, path, body)) = read_request(&mut tls).await else {
            return;
        };
        let body = String::from_utf8_lossy(&body).to_string();
        self.requests.fetch_add(1, Ordering::SeqCst);
        let (status, answer) = self.answer(&path, &body, &client);
        let response = format!(
            "HTTP/1.1 {status}\r\nContent-Type: text/xml; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
            answer.len()
        );
        let _ = tls.write_all(response.as_bytes()).await;
        let _ = tls.shutdown().await;
    }

    fn answer(&self, path: &str, body: &str, client: &[u8]) -> (&'static str, String) {
        let mut state = self.state.lock().unwrap();
        if state.down {
            return ("503 Service Unavailable", "down".into());
        }
        state.change_certificates();
        let Ok(doc) = roxmltree::Document::parse(body) else {
            return fault(FaultKind::BadRequest, "not XML");
        };
        let Some(request) = doc
            .descendants()
            .find(|n| n.is_element() && n.tag_name().name() == "Body")
            .and_then(|b| b.children().find(roxmltree::Node::is_element))
        else {
            return fault(FaultKind::BadRequest, "no request element");
        };
        let service = path.trim_end_matches('/').rsplit('/').next();
        if service == Some("bdmslservice")
            && request.has_tag_name((BDMSL_DATA_NS, "PrepareChangeCertificate"))
        {
            return state.prepare_change_certificate(request, client);
        }
        if request.tag_name().namespace() != Some(LOCATOR_NS) {
            return fault(FaultKind::BadRequest, "unknown namespace");
        }
        let text = |ns: &str, name: &str| {
            request
                .descendants()
                .find(|n| n.has_tag_name((ns, name)))
                .and_then(|n| n.text())
                .map(str::to_owned)
        };
        let Some(smp_id) = text(LOCATOR_NS, "ServiceMetadataPublisherID") else {
            return fault(FaultKind::BadRequest, "no ServiceMetadataPublisherID");
        };
        let owner = state.smps.get(&smp_id).map(|(cert, _)| cert.clone());
        let element = request.tag_name().name();
        match (service, element) {
            (Some("manageparticipantidentifier"), "PageRequest") => match owner {
                None => fault(FaultKind::NotFound, "The SMP was not found"),
                Some(cert) if cert != client => fault(
                    FaultKind::Unauthorized,
                    "The SMP belongs to another certificate",
                ),
                Some(_) => state.list(&smp_id, text(LOCATOR_NS, "NextPageIdentifier")),
            },
            (Some("manageservicemetadata"), "CreateServiceMetadataPublisherService") => {
                if owner.is_some() {
                    return fault(FaultKind::BadRequest, "The SMP already exists");
                }
                let address = text(LOCATOR_NS, "LogicalAddress").unwrap_or_default();
                state.smps.insert(smp_id, (client.to_vec(), address));
                ok(None)
            }
            (Some("manageservicemetadata"), "ReadServiceMetadataPublisherService") => {
                match state.smps.get(&smp_id) {
                    None => fault(FaultKind::NotFound, "The SMP was not found"),
                    Some((cert, _)) if cert != client => {
                        fault(FaultKind::Unauthorized, "The SMP belongs to another certificate")
                    }
                    Some((_, address)) => ok(Some(format!(
                        "<l:ServiceMetadataPublisherService xmlns:l=\"{LOCATOR_NS}\"><l:PublisherEndpoint>\
                         <l:LogicalAddress>{address}</l:LogicalAddress><l:PhysicalAddress>1.1.1.1</l:PhysicalAddress>\
                         </l:PublisherEndpoint><l:ServiceMetadataPublisherID>{smp_id}</l:ServiceMetadataPublisherID>\
                         </l:ServiceMetadataPublisherService>"
                    ))),
                }
            }
            (Some("manageservicemetadata"), "UpdateServiceMetadataPublisherService") => match owner
            {
                None => fault(FaultKind::NotFound, "The SMP was not found"),
                Some(cert) if cert != client => fault(
                    FaultKind::Unauthorized,
                    "The SMP belongs to another certificate",
                ),
                Some(cert) => {
                    let address = text(LOCATOR_NS, "LogicalAddress").unwrap_or_default();
                    state.smps.insert(smp_id, (cert, address));
                    ok(None)
                }
            },
            (
                Some("manageparticipantidentifier"),
                "CreateParticipantIdentifier"
                | "DeleteParticipantIdentifier"
                | "PrepareMigrationRecord"
                | "CompleteMigrationRecord",
            ) => {
                let create = element == "CreateParticipantIdentifier";
                if let Some((kind, message)) = &state.refusal {
                    return fault(*kind, message);
                }
                match owner {
                    None => return fault(FaultKind::NotFound, "The SMP was not found"),
                    Some(cert) if cert != client => {
                        return fault(
                            FaultKind::Unauthorized,
                            "The SMP belongs to another certificate",
                        )
                    }
                    Some(_) => {}
                }
                let scheme = request
                    .descendants()
                    .find(|n| n.has_tag_name((IDENTIFIERS_NS, "ParticipantIdentifier")))
                    .and_then(|n| n.attribute("scheme"));
                let value = text(IDENTIFIERS_NS, "ParticipantIdentifier");
                let (Some("iso6523-actorid-upis"), Some(value)) = (scheme, value) else {
                    return fault(FaultKind::BadRequest, "no valid ParticipantIdentifier");
                };
                let Ok(participant) = ParticipantIdentifier::from_value(&value) else {
                    return fault(
                        FaultKind::BadRequest,
                        "the participant identifier is invalid",
                    );
                };
                let key = participant.value().to_owned();
                if element.ends_with("MigrationRecord") {
                    let migration_key = text(LOCATOR_NS, "MigrationKey").unwrap_or_default();
                    return state.migration(
                        element == "CompleteMigrationRecord",
                        &smp_id,
                        &participant,
                        &migration_key,
                    );
                }
                match (create, state.participants.get(&key)) {
                    (_, Some(other)) if *other != smp_id => fault(
                        FaultKind::Unauthorized,
                        "The participant identifier belongs to another SMP",
                    ),
                    (true, Some(_)) => fault(
                        FaultKind::BadRequest,
                        &format!("The participant identifier {key} already exists"),
                    ),
                    (false, None) => fault(
                        FaultKind::NotFound,
                        &format!("The participant identifier {key} was not found"),
                    ),
                    (true, None) => {
                        state.publish(&participant, &smp_id);
                        state.participants.insert(key, smp_id);
                        ok(None)
                    }
                    (false, Some(_)) => {
                        if let Some((dns, zone)) = &state.dns {
                            dns.set(&participant_hostname(&participant, zone), DnsAnswer::NoData);
                        }
                        state.participants.remove(&key);
                        ok(None)
                    }
                }
            }
            _ => fault(FaultKind::BadRequest, "unknown operation"),
        }
    }
}

impl SmlState {
    /// One page of `smp_id`'s participants, from the page `next` names (an index).
    fn list(&self, smp_id: &str, next: Option<String>) -> (&'static str, String) {
        let size = if self.page_size == 0 {
            100
        } else {
            self.page_size
        };
        let start = match next.as_deref().map(str::parse::<usize>) {
            None => 0,
            Some(Ok(start)) => start,
            Some(Err(_)) => return fault(FaultKind::BadRequest, "unknown NextPageIdentifier"),
        };
        let mut ids: Vec<&String> = self
            .participants
            .iter()
            .filter(|(_, smp)| *smp == smp_id)
            .map(|(id, _)| id)
            .collect();
        ids.sort();
        let page: String = ids
            .iter()
            .skip(start)
            .take(size)
            .map(|id| {
                format!("<ids:ParticipantIdentifier scheme=\"iso6523-actorid-upis\">{id}</ids:ParticipantIdentifier>")
            })
            .collect();
        let next = if start + size < ids.len() {
            format!(
                "<l:NextPageIdentifier>{}</l:NextPageIdentifier>",
                start + size
            )
        } else {
            String::new()
        };
        ok(Some(format!(
            "<l:ParticipantIdentifierPage xmlns:l=\"{LOCATOR_NS}\" xmlns:ids=\"{IDENTIFIERS_NS}\">{page}\
             <l:ServiceMetadataPublisherID>{smp_id}</l:ServiceMetadataPublisherID>{next}</l:ParticipantIdentifierPage>"
        )))
    }

    /// BDMSL's `PrepareChangeCertificate` from the SMP the client certificate is: keeps the
    /// new certificate until its migration date.
    fn prepare_change_certificate(
        &mut self,
        request: roxmltree::Node<'_, '_>,
        client: &[u8],
    ) -> (&'static str, String) {
        let smp_ids: Vec<String> = self
            .smps
            .iter()
            .filter(|(_, (cert, _))| cert == client)
            .map(|(id, _)| id.clone())
            .collect();
        if smp_ids.is_empty() {
            return fault(
                FaultKind::Unauthorized,
                "The certificate is not that of a registered SMP",
            );
        }
        let field = |name: &str| {
            request
                .children()
                .find(|n| n.has_tag_name((BDMSL_DATA_NS, name)))
                .and_then(|n| n.text())
                .map(str::trim)
                .map(str::to_owned)
        };
        let Some(Ok(der)) = field("newCertificatePublicKey")
            .map(|pem| crate::xmldsig::first_certificate(pem.as_bytes()))
        else {
            return fault(
                FaultKind::BadRequest,
                "newCertificatePublicKey is not a PEM certificate",
            );
        };
        let today = self.today();
        let date = match field("migrationDate") {
            None => today,
            Some(text) => match chrono::NaiveDate::parse_from_str(&text, "%Y-%m-%d") {
                Ok(date) => date,
                Err(_) => return fault(FaultKind::BadRequest, "migrationDate is not a date"),
            },
        };
        if date < today {
            return fault(
                FaultKind::BadRequest,
                "The migration date cannot be in the past",
            );
        }
        for smp in smp_ids {
            self.next_certificates.insert(smp, (der.clone(), date));
        }
        self.change_certificates();
        ok(None)
    }

    /// `PrepareToMigrate` (`complete` false: `smp_id` has the participant and sets the key)
    /// or `Migrate` (`smp_id` takes it over with the key that was set).
    fn migration(
        &mut self,
        complete: bool,
        smp_id: &str,
        participant: &ParticipantIdentifier,
        migration_key: &str,
    ) -> (&'static str, String) {
        let key = participant.value().to_owned();
        if !haven_domain::peppol::migration::is_valid_migration_key(migration_key) {
            return fault(
                FaultKind::BadRequest,
                "The migration key does not follow the rules",
            );
        }
        let Some(owner) = self.participants.get(&key).cloned() else {
            return fault(
                FaultKind::NotFound,
                &format!("The participant identifier {key} was not found"),
            );
        };
        if !complete {
            if owner != smp_id {
                return fault(
                    FaultKind::Unauthorized,
                    "The participant identifier belongs to another SMP",
                );
            }
            self.migration_keys.insert(key, migration_key.to_owned());
            return ok(None);
        }
        if owner == smp_id {
            return fault(
                FaultKind::BadRequest,
                "The participant identifier already belongs to this SMP",
            );
        }
        if self.migration_keys.get(&key).map(String::as_str) != Some(migration_key) {
            return fault(
                FaultKind::NotFound,
                "No migration was prepared for the participant identifier with this key",
            );
        }
        self.migration_keys.remove(&key);
        self.publish(participant, smp_id);
        self.participants.insert(key, smp_id.to_owned());
        ok(None)
    }

    /// Points `participant`'s NAPTR record in the test DNS, if any, at `smp_id`'s address.
    fn publish(&self, participant: &ParticipantIdentifier, smp_id: &str) {
        let address = &self.smps[smp_id].1;
        if let Some((dns, zone)) = &self.dns {
            dns.set(
                &participant_hostname(participant, zone),
                DnsAnswer::Naptr(vec![(
                    100,
                    10,
                    "U",
                    "Meta:SMP",
                    format!("!^.*$!{address}!"),
                )]),
            );
        }
    }
}

fn ok(body: Option<String>) -> (&'static str, String) {
    (
        "200 OK",
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><S:Envelope xmlns:S=\"{SOAP11_NS}\"><S:Body>{}</S:Body></S:Envelope>",
            body.unwrap_or_default()
        ),
    )
}

fn fault(kind: FaultKind, message: &str) -> (&'static str, String) {
    let code = if kind == FaultKind::InternalError {
        "S:Server"
    } else {
        "S:Client"
    };
    (
        "500 Internal Server Error",
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><S:Envelope xmlns:S=\"{SOAP11_NS}\"><S:Body><S:Fault>\
             <faultcode>{code}</faultcode><faultstring>{message}</faultstring><detail>\
             <ns2:{0} xmlns:ns2=\"{LOCATOR_NS}\"><ns2:FaultMessage>{message}</ns2:FaultMessage></ns2:{0}>\
             </detail></S:Fault></S:Body></S:Envelope>",
            kind.element()
        ),
    )
}
