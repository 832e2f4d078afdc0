//! The SML's management interface: SOAP 1.1 over HTTPS with mutual TLS, the SMP certificate
//! and key as the client identity. Two services of the Peppol SML WSDLs:
//!
//! - `ManageBusinessIdentifierService` (`{base}/manageparticipantidentifier`): `Create` and
//!   `Delete` of a participant identifier under our SMP id, and the two halves of moving one
//!   between SMPs: `PrepareToMigrate` (the SMP that has it sets a migration key) and `Migrate`
//!   (the SMP that takes it over presents the key);
//! - `ManageServiceMetadataService` (`{base}/manageservicemetadata`): `Create`, `Read` and
//!   `Update` of the SMP itself (its public URL);
//! - the participant service's `List` (every participant id the SML holds under our SMP id,
//!   page by page), and BDMSL's `PrepareChangeCertificate` (`{base}/bdmslservice`), which
//!   announces the SMP's next certificate: from the migration date the SML takes only that
//!   one as our TLS client identity.
//!
//! Answers are parsed without DTDs; SOAP faults become [`ManageError::Fault`] with the fault's
//! kind from its detail element. [`SmlManageClient`] implements the domain's `SmlRegistry`
//! port, treating "already exists" on create and "not found" on delete as done.

use std::time::Duration;

use haven_domain::peppol::registration::{SmlError, SmlRegistry};

/// SOAP 1.1 envelope namespace.
pub const SOAP11_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";
/// The namespace of the SML's request, response and fault elements.
pub const LOCATOR_NS: &str = "http://busdox.org/serviceMetadata/locator/1.0/";
/// The namespace of `ParticipantIdentifier`.
pub const IDENTIFIERS_NS: &str = "http://busdox.org/transport/identifiers/1.0/";
/// The namespace the participant service's SOAP actions start with.
pub const PARTICIPANT_SERVICE_NS: &str =
    "http://busdox.org/serviceMetadata/ManageBusinessIdentifierService/1.0/";
/// The namespace the SMP service's SOAP actions start with.
pub const SMP_SERVICE_NS: &str =
    "http://busdox.org/serviceMetadata/ManageServiceMetadataService/1.0/";
/// The participant identifier scheme the SML takes.
pub const PARTICIPANT_SCHEME: &str = "iso6523-actorid-upis";

/// URL suffix of the participant service.
pub const PARTICIPANT_PATH: &str = "manageparticipantidentifier";
/// URL suffix of the SMP service.
pub const SMP_PATH: &str = "manageservicemetadata";
/// URL suffix of the BDMSL service (`PrepareChangeCertificate`).
pub const BDMSL_PATH: &str = "bdmslservice";
/// The namespace of BDMSL's request elements.
pub const BDMSL_DATA_NS: &str = "ec:services:wsdl:BDMSL:data:1.0";
/// The SOAP action of `PrepareChangeCertificate`, as the BDMSL WSDL binding writes it.
pub const PREPARE_CHANGE_CERTIFICATE_ACTION: &str =
    "ec:services:wsdl:BDMSL:1.0:prepareChangeCertificateIn";
/// Most pages of `List` read before giving up: a guard against an SML that never ends.
const MAX_LIST_PAGES: usize = 10_000;

/// The management base URL of the production SML.
pub const PRODUCTION_URL: &str = "https://edelivery.tech.ec.europa.eu/edelivery-sml";
/// The management base URL of the test SML (SMK).
pub const TEST_URL: &str = "https://acc.edelivery.tech.ec.europa.eu/edelivery-sml";

/// Longest answer read.
const MAX_ANSWER: usize = 256 * 1024;

/// Which operation a request is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    Create,
    Delete,
    Read,
    Update,
    PrepareToMigrate,
    Migrate,
    List,
}

/// The kind of a SOAP fault, from its detail element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    NotFound,
    Unauthorized,
    BadRequest,
    InternalError,
    /// A fault without one of the four detail elements.
    Other,
}

impl FaultKind {
    /// The detail element's local name.
    #[must_use]
    pub fn element(self) -> &'static str {
        match self {
            Self::NotFound => "NotFoundFault",
            Self::Unauthorized => "UnauthorizedFault",
            Self::BadRequest => "BadRequestFault",
            Self::InternalError => "InternalErrorFault",
            Self::Other => "Fault",
        }
    }

    fn from_element(name: &str) -> Option<Self> {
        [
            Self::NotFound,
            Self::Unauthorized,
            Self::BadRequest,
            Self::InternalError,
        ]
        .into_iter()
        .find(|k| k.element() == name)
    }
}

/// Why a management call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManageError {
    /// The SML answered with a SOAP fault.
    #[error("{kind:?} fault: {message}")]
    Fault { kind: FaultKind, message: String },
    /// No SOAP answer: connection, TLS, time-out, an HTTP status without a fault.
    #[error("{0}")]
    Transport(String),
    /// An answer that is not a SOAP 1.1 envelope.
    #[error("malformed answer: {0}")]
    Malformed(String),
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            _ => out.push(c),
        }
    }
    out
}

fn envelope(body: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
         <S:Envelope xmlns:S=\"{SOAP11_NS}\"><S:Body>{body}</S:Body></S:Envelope>"
    )
}

/// The `SOAPAction` of an operation of the participant service (`smp == false`) or the SMP
/// service, as the WSDL binding writes it (the namespace, spaces, `:`, the input message).
#[must_use]
pub fn soap_action(smp: bool, operation: Operation) -> String {
    let ns = if smp {
        SMP_SERVICE_NS
    } else {
        PARTICIPANT_SERVICE_NS
    };
    let input = match operation {
        Operation::Create => "createIn",
        Operation::Delete => "deleteIn",
        Operation::Read => "readIn",
        Operation::Update => "updateIn",
        Operation::PrepareToMigrate => "prepareMigrateIn",
        Operation::Migrate => "migrateIn",
        Operation::List => "listIn",
    };
    format!("{ns}        :{input}")
}

/// The request of `Create` or `Delete` for `participant` (`scheme:value`, without the
/// `iso6523-actorid-upis::` prefix) under `smp_id`.
#[must_use]
pub fn participant_request(operation: Operation, smp_id: &str, participant: &str) -> String {
    let element = match operation {
        Operation::Delete => "DeleteParticipantIdentifier",
        _ => "CreateParticipantIdentifier",
    };
    envelope(&format!(
        "<lrs:{element} xmlns:lrs=\"{LOCATOR_NS}\" xmlns:ids=\"{IDENTIFIERS_NS}\">\
         <lrs:ServiceMetadataPublisherID>{}</lrs:ServiceMetadataPublisherID>\
         <ids:ParticipantIdentifier scheme=\"{PARTICIPANT_SCHEME}\">{}</ids:ParticipantIdentifier>\
         </lrs:{element}>",
        escape(smp_id),
        escape(participant)
    ))
}

/// The request of `PrepareToMigrate` (`PrepareMigrationRecord`) or `Migrate`
/// (`CompleteMigrationRecord`) of `participant` with `migration_key`, `smp_id` being the SMP
/// that hands it over or takes it over.
#[must_use]
pub fn migration_request(
    operation: Operation,
    smp_id: &str,
    participant: &str,
    migration_key: &str,
) -> String {
    let element = match operation {
        Operation::Migrate => "CompleteMigrationRecord",
        _ => "PrepareMigrationRecord",
    };
    envelope(&format!(
        "<lrs:{element} xmlns:lrs=\"{LOCATOR_NS}\" xmlns:ids=\"{IDENTIFIERS_NS}\">\
         <lrs:ServiceMetadataPublisherID>{}</lrs:ServiceMetadataPublisherID>\
         <ids:ParticipantIdentifier scheme=\"{PARTICIPANT_SCHEME}\">{}</ids:ParticipantIdentifier>\
         <lrs:MigrationKey>{}</lrs:MigrationKey>\
         </lrs:{element}>",
        escape(smp_id),
        escape(participant),
        escape(migration_key)
    ))
}

/// The request of `Create`, `Update` (both with the SMP's public URL and address) or `Read`
/// of the SMP `smp_id`.
#[must_use]
pub fn smp_request(
    operation: Operation,
    smp_id: &str,
    logical_address: &str,
    physical_address: &str,
) -> String {
    let id = format!(
        "<lrs:ServiceMetadataPublisherID>{}</lrs:ServiceMetadataPublisherID>",
        escape(smp_id)
    );
    let element = match operation {
        Operation::Read => {
            return envelope(&format!(
                "<lrs:ReadServiceMetadataPublisherService xmlns:lrs=\"{LOCATOR_NS}\">{id}\
                 </lrs:ReadServiceMetadataPublisherService>"
            ))
        }
        Operation::Update => "UpdateServiceMetadataPublisherService",
        _ => "CreateServiceMetadataPublisherService",
    };
    envelope(&format!(
        "<lrs:{element} xmlns:lrs=\"{LOCATOR_NS}\"><lrs:PublisherEndpoint>\
         <lrs:LogicalAddress>{}</lrs:LogicalAddress>\
         <lrs:PhysicalAddress>{}</lrs:PhysicalAddress></lrs:PublisherEndpoint>{id}\
         </lrs:{element}>",
        escape(logical_address),
        escape(physical_address)
    ))
}

/// The request of `List`: one page of the participant ids under `smp_id`, the first one or
/// the one `next_page` names.
#[must_use]
pub fn list_request(smp_id: &str, next_page: Option<&str>) -> String {
    let next = next_page.map_or_else(String::new, |n| {
        format!(
            "<lrs:NextPageIdentifier>{}</lrs:NextPageIdentifier>",
            escape(n)
        )
    });
    envelope(&format!(
        "<lrs:PageRequest xmlns:lrs=\"{LOCATOR_NS}\">\
         <lrs:ServiceMetadataPublisherID>{}</lrs:ServiceMetadataPublisherID>{next}\
         </lrs:PageRequest>",
        escape(smp_id)
    ))
}

/// The request of BDMSL's `PrepareChangeCertificate`: the next SMP certificate (PEM) and,
/// optionally, the day from which the SML takes it instead of the current one.
#[must_use]
pub fn prepare_change_certificate_request(
    certificate_pem: &str,
    migration_date: Option<chrono::NaiveDate>,
) -> String {
    let date = migration_date.map_or_else(String::new, |d| {
        format!(
            "<bdmsl:migrationDate>{}</bdmsl:migrationDate>",
            d.format("%Y-%m-%d")
        )
    });
    envelope(&format!(
        "<bdmsl:PrepareChangeCertificate xmlns:bdmsl=\"{BDMSL_DATA_NS}\">\
         <bdmsl:newCertificatePublicKey>{}</bdmsl:newCertificatePublicKey>{date}\
         </bdmsl:PrepareChangeCertificate>",
        escape(certificate_pem.trim())
    ))
}

/// One page of `List`'s answer.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ParticipantPage {
    /// `scheme:value` for `iso6523-actorid-upis` ids, `scheme::value` for any other scheme.
    pub participants: Vec<String>,
    pub next_page: Option<String>,
}

/// Reads a `ParticipantIdentifierPage` answer (a fault or a malformed answer is an error).
///
/// # Errors
/// The fault, or why the answer is not a page.
pub fn parse_participant_page(xml: &str) -> Result<ParticipantPage, ManageError> {
    let answer = parse_answer(xml)?;
    if answer.element.as_deref() != Some("ParticipantIdentifierPage") {
        return Err(ManageError::Malformed(
            "the answer is not a ParticipantIdentifierPage".into(),
        ));
    }
    // parse_answer accepted it, so it parses.
    let doc = roxmltree::Document::parse_with_options(
        xml,
        roxmltree::ParsingOptions {
            allow_dtd: false,
            ..roxmltree::ParsingOptions::default()
        },
    )
    .map_err(|e| ManageError::Malformed(e.to_string()))?;
    let Some(page) = doc
        .descendants()
        .find(|n| n.has_tag_name((LOCATOR_NS, "ParticipantIdentifierPage")))
    else {
        return Err(ManageError::Malformed(
            "the page is not in the locator namespace".into(),
        ));
    };
    let mut result = ParticipantPage::default();
    for child in page.children().filter(roxmltree::Node::is_element) {
        let text = child.text().map(str::trim).unwrap_or_default();
        if child.has_tag_name((IDENTIFIERS_NS, "ParticipantIdentifier")) {
            if text.is_empty() {
                continue;
            }
            let value = text.to_ascii_lowercase();
            result.participants.push(match child.attribute("scheme") {
                Some(scheme) if scheme.eq_ignore_ascii_case(PARTICIPANT_SCHEME) => value,
                Some(scheme) => format!("{scheme}::{value}"),
                None => format!("::{value}"),
            });
        } else if child.has_tag_name((LOCATOR_NS, "NextPageIdentifier")) && !text.is_empty() {
            result.next_page = Some(text.to_owned());
        }
    }
    Ok(result)
}

/// A parsed SOAP 1.1 answer: the first child of the Body, if any (its local name and text
/// content of each child element), or the fault.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Answer {
    /// Local name of the Body's first element (`None` for an empty Body, as `Create` answers).
    pub element: Option<String>,
    /// Descendant elements with text, by local name, in document order.
    pub fields: Vec<(String, String)>,
}

impl Answer {
    /// The text of the first descendant named `name`.
    #[must_use]
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Reads a SOAP 1.1 answer (any HTTP status: faults come with 500). DTDs are refused.
///
/// # Errors
/// The fault, or why the answer is not a SOAP envelope.
pub fn parse_answer(xml: &str) -> Result<Answer, ManageError> {
    let doc = roxmltree::Document::parse_with_options(
        xml,
        roxmltree::ParsingOptions {
            allow_dtd: false,
            ..roxmltree::ParsingOptions::default()
        },
    )
    .map_err(|e| ManageError::Malformed(e.to_string()))?;
    let root = doc.root_element();
    if root.tag_name().name() != "Envelope" || root.tag_name().namespace() != Some(SOAP11_NS) {
        return Err(ManageError::Malformed("not a SOAP 1.1 envelope".into()));
    }
    let body = root
        .children()
        .find(|n| {
            n.is_element()
                && n.tag_name().name() == "Body"
                && n.tag_name().namespace() == Some(SOAP11_NS)
        })
        .ok_or_else(|| ManageError::Malformed("the envelope has no Body".into()))?;
    let Some(first) = body.children().find(roxmltree::Node::is_element) else {
        return Ok(Answer::default());
    };
    if first.tag_name().name() == "Fault" && first.tag_name().namespace() == Some(SOAP11_NS) {
        let text_of = |name: &str| {
            first
                .descendants()
                .find(|n| n.is_element() && n.tag_name().name() == name)
                .and_then(|n| n.text())
                .map(|t| t.trim().to_owned())
        };
        let detail = first
            .children()
            .find(|n| n.is_element() && n.tag_name().name() == "detail")
            .and_then(|d| {
                d.children().find(|n| {
                    n.is_element()
                        && n.tag_name().namespace() == Some(LOCATOR_NS)
                        && FaultKind::from_element(n.tag_name().name()).is_some()
                })
            });
        let kind = detail.map_or(FaultKind::Other, |n| {
            FaultKind::from_element(n.tag_name().name()).unwrap_or(FaultKind::Other)
        });
        let message = detail
            .and_then(|n| {
                n.children()
                    .find(|c| c.is_element() && c.tag_name().name() == "FaultMessage")
                    .and_then(|c| c.text())
                    .map(|t| t.trim().to_owned())
            })
            .or_else(|| text_of("faultstring"))
            .unwrap_or_default();
        return Err(ManageError::Fault { kind, message });
    }
    Ok(Answer {
        element: Some(first.tag_name().name().to_owned()),
        fields: first
            .descendants()
            .skip(1)
            .filter(|n| n.is_element())
            .filter_map(|n| {
                let text = n.text()?.trim();
                (!text.is_empty()).then(|| (n.tag_name().name().to_owned(), text.to_owned()))
            })
            .collect(),
    })
}

/// How to reach the SML's management interface.
#[derive(Debug, Clone)]
pub struct SmlManageConfig {
    /// The base URL (`…/edelivery-sml`), without the service suffix.
    pub base_url: String,
    /// Our SMP id, as registered with the SML.
    pub smp_id: String,
    /// The SMP certificate (PEM, with its chain if any) and its private key (PKCS#8 PEM):
    /// the TLS client identity.
    pub certificate_pem: String,
    pub key_pem: String,
    /// Extra certificate authorities (PEM) trusted for the SML's TLS certificate (tests).
    pub extra_roots_pem: Vec<String>,
    pub timeout: Duration,
}

/// The SML management client.
#[derive(Clone)]
pub struct SmlManageClient {
    http: reqwest::Client,
    base: String,
    smp_id: String,
}

impl SmlManageClient {
    /// # Errors
    /// When the identity or the roots cannot be read, or the base URL is not https.
    pub fn new(config: &SmlManageConfig) -> Result<Self, String> {
        let base = config.base_url.trim_end_matches('/').to_owned();
        let url = reqwest::Url::parse(&base).map_err(|_| format!("{base} is not a URL"))?;
        if url.scheme() != "https" {
            return Err(format!("{base} is not an https URL"));
        }
        if config.smp_id.trim().is_empty() {
            return Err("the SMP id is empty".into());
        }
        let mut pem = config.key_pem.clone();
        pem.push('\n');
        pem.push_str(&config.certificate_pem);
        let identity = reqwest::Identity::from_pem(pem.as_bytes())
            .map_err(|e| format!("the SMP certificate and key are not usable: {e}"))?;
        let mut builder = reqwest::Client::builder()
            .identity(identity)
            .timeout(config.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .https_only(true);
        for root in &config.extra_roots_pem {
            let cert = reqwest::Certificate::from_pem(root.as_bytes())
                .map_err(|e| format!("a trusted SML certificate is not PEM: {e}"))?;
            builder = builder.add_root_certificate(cert);
        }
        let http = builder
            .build()
            .map_err(|e| format!("could not set up the SML client: {e}"))?;
        Ok(Self {
            http,
            base,
            smp_id: config.smp_id.trim().to_owned(),
        })
    }

    /// Our SMP id.
    #[must_use]
    pub fn smp_id(&self) -> &str {
        &self.smp_id
    }

    async fn call(
        &self,
        smp: bool,
        operation: Operation,
        body: String,
    ) -> Result<Answer, ManageError> {
        let path = if smp { SMP_PATH } else { PARTICIPANT_PATH };
        let text = self.post(path, &soap_action(smp, operation), body).await?;
        parse_answer(&text)
    }

    /// Posts one SOAP request and returns the answer's text when it is a SOAP answer that is
    /// not a fault (faults, HTTP errors and transport failures are errors).
    async fn post(&self, path: &str, action: &str, body: String) -> Result<String, ManageError> {
        let response = self
            .http
            .post(format!("{}/{path}", self.base))
            .header("Content-Type", "text/xml; charset=utf-8")
            .header("SOAPAction", format!("\"{action}\""))
            .body(body)
            .send()
            .await
            .map_err(|e| ManageError::Transport(transport_text(&e)))?;
        let status = response.status();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| ManageError::Transport(transport_text(&e)))?;
        if bytes.len() > MAX_ANSWER {
            return Err(ManageError::Malformed("the answer is too large".into()));
        }
        let text = String::from_utf8_lossy(&bytes).into_owned();
        match parse_answer(&text) {
            Ok(_) if !status.is_success() => Err(ManageError::Transport(format!(
                "the SML answered HTTP {status}"
            ))),
            Err(ManageError::Malformed(_)) if !status.is_success() => Err(ManageError::Transport(
                format!("the SML answered HTTP {status}"),
            )),
            Ok(_) => Ok(text),
            Err(other) => Err(other),
        }
    }

    /// `List`: every participant id the SML holds under our SMP id, page by page until a page
    /// names no next one. Stops with an error at a page that names itself again, or after
    /// too many pages.
    ///
    /// # Errors
    /// The SML's fault, the transport's failure, or a paging loop.
    pub async fn list_participants_raw(&self) -> Result<Vec<String>, ManageError> {
        let mut all = Vec::new();
        let mut next: Option<String> = None;
        for _ in 0..MAX_LIST_PAGES {
            let body = list_request(&self.smp_id, next.as_deref());
            let text = self
                .post(PARTICIPANT_PATH, &soap_action(false, Operation::List), body)
                .await?;
            let page = parse_participant_page(&text)?;
            all.extend(page.participants);
            match page.next_page {
                None => return Ok(all),
                Some(following) if next.as_deref() == Some(following.as_str()) => {
                    return Err(ManageError::Malformed(
                        "the SML named the same page as the next one again".into(),
                    ))
                }
                Some(following) => next = Some(following),
            }
        }
        Err(ManageError::Malformed(format!(
            "the SML's list did not end within {MAX_LIST_PAGES} pages"
        )))
    }

    /// BDMSL's `PrepareChangeCertificate`: announces `certificate_pem` as our SMP's next
    /// certificate, taken by the SML from `migration_date` (the SML's default, when `None`).
    ///
    /// # Errors
    /// The SML's fault or the transport's failure.
    pub async fn prepare_change_certificate_raw(
        &self,
        certificate_pem: &str,
        migration_date: Option<chrono::NaiveDate>,
    ) -> Result<(), ManageError> {
        let body = prepare_change_certificate_request(certificate_pem, migration_date);
        self.post(BDMSL_PATH, PREPARE_CHANGE_CERTIFICATE_ACTION, body)
            .await
            .map(drop)
    }

    /// `Create` of a participant (`scheme:value`).
    ///
    /// # Errors
    /// The SML's fault or the transport's failure.
    pub async fn create_participant_raw(&self, participant: &str) -> Result<(), ManageError> {
        let body = participant_request(Operation::Create, &self.smp_id, participant);
        self.call(false, Operation::Create, body).await.map(drop)
    }

    /// `Delete` of a participant (`scheme:value`).
    ///
    /// # Errors
    /// The SML's fault or the transport's failure.
    pub async fn delete_participant_raw(&self, participant: &str) -> Result<(), ManageError> {
        let body = participant_request(Operation::Delete, &self.smp_id, participant);
        self.call(false, Operation::Delete, body).await.map(drop)
    }

    /// `PrepareToMigrate` of a participant (`scheme:value`) of our SMP: the SML will let the
    /// SMP that presents `migration_key` take it over.
    ///
    /// # Errors
    /// The SML's fault or the transport's failure.
    pub async fn prepare_to_migrate_raw(
        &self,
        participant: &str,
        migration_key: &str,
    ) -> Result<(), ManageError> {
        let body = migration_request(
            Operation::PrepareToMigrate,
            &self.smp_id,
            participant,
            migration_key,
        );
        self.call(false, Operation::PrepareToMigrate, body)
            .await
            .map(drop)
    }

    /// `Migrate` of a participant (`scheme:value`) to our SMP with the key its previous SMP
    /// set.
    ///
    /// # Errors
    /// The SML's fault or the transport's failure.
    pub async fn migrate_raw(
        &self,
        participant: &str,
        migration_key: &str,
    ) -> Result<(), ManageError> {
        let body = migration_request(Operation::Migrate, &self.smp_id, participant, migration_key);
        self.call(false, Operation::Migrate, body).await.map(drop)
    }

    /// Registers our SMP with its public URL (`Create`), or updates it (`Update`) when the
    /// SML already has it with another address; `Read` first, so a start with nothing changed
    /// writes nothing. `physical_address` is an IP address (`"1.1.1.1"` is accepted).
    ///
    /// # Errors
    /// The SML's fault or the transport's failure.
    pub async fn register_smp(
        &self,
        logical_address: &str,
        physical_address: &str,
    ) -> Result<SmpRegistered, ManageError> {
        let read = self
            .call(
                true,
                Operation::Read,
                smp_request(Operation::Read, &self.smp_id, "", ""),
            )
            .await;
        let operation = match read {
            Ok(answer) if answer.field("LogicalAddress") == Some(logical_address) => {
                return Ok(SmpRegistered::Unchanged)
            }
            Ok(_) => Operation::Update,
            Err(ManageError::Fault {
                kind: FaultKind::NotFound,
                ..
            }) => Operation::Create,
            Err(other) => return Err(other),
        };
        let body = smp_request(operation, &self.smp_id, logical_address, physical_address);
        self.call(true, operation, body).await?;
        Ok(if operation == Operation::Create {
            SmpRegistered::Created
        } else {
            SmpRegistered::Updated
        })
    }
}

/// What [`SmlManageClient::register_smp`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmpRegistered {
    Created,
    Updated,
    Unchanged,
}

fn transport_text(error: &reqwest::Error) -> String {
    use std::error::Error as _;
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}

/// The domain's view of a management error.
fn to_sml_error(error: ManageError) -> SmlError {
    match error {
        ManageError::Fault {
            kind: FaultKind::Unauthorized,
            message,
        } => SmlError::Unauthorized(message),
        ManageError::Fault {
            kind: FaultKind::BadRequest | FaultKind::NotFound,
            message,
        } => SmlError::BadRequest(message),
        ManageError::Fault { message, .. } => SmlError::Unavailable(message),
        ManageError::Transport(message) | ManageError::Malformed(message) => {
            SmlError::Unavailable(message)
        }
    }
}

/// Whether a fault on `Create` says the participant is already there (for our SMP): the SML
/// answers a `BadRequestFault` whose message says it already exists.
fn already_exists(error: &ManageError) -> bool {
    matches!(error, ManageError::Fault { kind: FaultKind::BadRequest, message }
        if message.to_ascii_lowercase().contains("already exist"))
}

impl SmlRegistry for SmlManageClient {
    async fn create_participant(&self, participant: &str) -> Result<(), SmlError> {
        match self.create_participant_raw(participant).await {
            Ok(()) => Ok(()),
            Err(error) if already_exists(&error) => Ok(()),
            Err(error) => Err(to_sml_error(error)),
        }
    }

    async fn delete_participant(&self, participant: &str) -> Result<(), SmlError> {
        match self.delete_participant_raw(participant).await {
            Ok(())
            | Err(ManageError::Fault {
                kind: FaultKind::NotFound,
                ..
            }) => Ok(()),
            Err(error) => Err(to_sml_error(error)),
        }
    }

    async fn prepare_migration(
        &self,
        participant: &str,
        migration_key: &str,
    ) -> Result<(), SmlError> {
        self.prepare_to_migrate_raw(participant, migration_key)
            .await
            .map_err(to_sml_error)
    }

    async fn migrate_participant(
        &self,
        participant: &str,
        migration_key: &str,
    ) -> Result<(), SmlError> {
        self.migrate_raw(participant, migration_key)
            .await
            .map_err(to_sml_error)
    }
}

impl haven_domain::peppol::sml_comparison::SmlListing for SmlManageClient {
    async fn list_participants(&self) -> Result<Vec<String>, SmlError> {
        self.list_participants_raw().await.map_err(to_sml_error)
    }
}

impl haven_domain::peppol::smp_certificate::SmlCertificateChange for SmlManageClient {
    async fn prepare_change_certificate(
        &self,
        certificate_pem: &str,
        migration_date: chrono::NaiveDate,
    ) -> Result<(), SmlError> {
        self.prepare_change_certificate_raw(certificate_pem, Some(migration_date))
            .await
            .map_err(to_sml_error)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_list_request_names_the_smp_and_the_next_page_in_schema_order() {
        let first = list_request("HAVEN&SMP", None);
        let doc = roxmltree::Document::parse(&first).unwrap();
        let request = doc
            .descendants()
            .find(|n| n.has_tag_name((LOCATOR_NS, "PageRequest")))
            .unwrap();
        let children: Vec<_> = request
            .children()
            .filter(roxmltree::Node::is_element)
            .map(|n| (n.tag_name().name(), n.text().unwrap()))
            .collect();
        assert_eq!(children, [("ServiceMetadataPublisherID", "HAVEN&SMP")]);
        let next = list_request("HAVEN", Some("p<2>"));
        let doc = roxmltree::Document::parse(&next).unwrap();
        let children: Vec<_> = doc
            .descendants()
            .find(|n| n.has_tag_name((LOCATOR_NS, "PageRequest")))
            .unwrap()
            .children()
            .filter(roxmltree::Node::is_element)
            .map(|n| {
                (
                    n.tag_name().namespace().unwrap(),
                    n.tag_name().name(),
                    n.text().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            children,
            [
                (LOCATOR_NS, "ServiceMetadataPublisherID", "HAVEN"),
                (LOCATOR_NS, "NextPageIdentifier", "p<2>"),
            ]
        );
        assert_eq!(
            soap_action(false, Operation::List),
            "http://busdox.org/serviceMetadata/ManageBusinessIdentifierService/1.0/        :listIn"
        );
    }

    #[test]
    fn a_participant_page_is_read_with_its_schemes_and_next_page() {
        let xml = format!(
            "<S:Envelope xmlns:S=\"{SOAP11_NS}\"><S:Body><l:ParticipantIdentifierPage xmlns:l=\"{LOCATOR_NS}\" xmlns:i=\"{IDENTIFIERS_NS}\">\
             <i:ParticipantIdentifier scheme=\"iso6523-actorid-upis\">0106:ABC</i:ParticipantIdentifier>\
             <i:ParticipantIdentifier scheme=\"other-scheme\">9915:x</i:ParticipantIdentifier>\
             <l:ServiceMetadataPublisherID>HAVEN</l:ServiceMetadataPublisherID>\
             <l:NextPageIdentifier>2</l:NextPageIdentifier>\
             </l:ParticipantIdentifierPage></S:Body></S:Envelope>"
        );
        assert_eq!(
            parse_participant_page(&xml).unwrap(),
            ParticipantPage {
                participants: vec!["0106:abc".into(), "other-scheme::9915:x".into()],
                next_page: Some("2".into()),
            }
        );
        let last = format!(
            "<S:Envelope xmlns:S=\"{SOAP11_NS}\"><S:Body><l:ParticipantIdentifierPage xmlns:l=\"{LOCATOR_NS}\"/></S:Body></S:Envelope>"
        );
        assert_eq!(
            parse_participant_page(&last).unwrap(),
            ParticipantPage::default()
        );
        // An empty body is no page.
        let empty = format!("<S:Envelope xmlns:S=\"{SOAP11_NS}\"><S:Body/></S:Envelope>");
        assert!(matches!(
            parse_participant_page(&empty),
            Err(ManageError::Malformed(_))
        ));
    }

    #[test]
    fn a_prepare_change_certificate_request_carries_the_pem_and_the_date() {
        let pem = "-----BEGIN CERTIFICATE-----\nMIIB<x>\n-----END CERTIFICATE-----\n";
        let date = chrono::NaiveDate::from_ymd_opt(2027, 1, 31).unwrap();
        let xml = prepare_change_certificate_request(pem, Some(date));
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let request = doc
            .descendants()
            .find(|n| n.has_tag_name((BDMSL_DATA_NS, "PrepareChangeCertificate")))
            .unwrap();
        let children: Vec<_> = request
            .children()
            .filter(roxmltree::Node::is_element)
            .map(|n| {
                (
                    n.tag_name().namespace().unwrap(),
                    n.tag_name().name(),
                    n.text().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            children,
            [
                (BDMSL_DATA_NS, "newCertificatePublicKey", pem.trim()),
                (BDMSL_DATA_NS, "migrationDate", "2027-01-31"),
            ]
        );
        let without = prepare_change_certificate_request(pem, None);
        assert!(!without.contains("migrationDate"));
        assert_eq!(
            PREPARE_CHANGE_CERTIFICATE_ACTION,
            "ec:services:wsdl:BDMSL:1.0:prepareChangeCertificateIn"
        );
    }

    #[test]
    fn a_create_request_names_the_smp_and_the_participant() {
        let xml = participant_request(Operation::Create, "HAVEN-SMP", "0106:12345678");
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let request = doc
            .descendants()
            .find(|n| n.has_tag_name((LOCATOR_NS, "CreateParticipantIdentifier")))
            .unwrap();
        let smp = request
            .children()
            .find(|n| n.has_tag_name((LOCATOR_NS, "ServiceMetadataPublisherID")))
            .unwrap();
        assert_eq!(smp.text(), Some("HAVEN-SMP"));
        let id = request
            .children()
            .find(|n| n.has_tag_name((IDENTIFIERS_NS, "ParticipantIdentifier")))
            .unwrap();
        assert_eq!(id.attribute("scheme"), Some("iso6523-actorid-upis"));
        assert_eq!(id.text(), Some("0106:12345678"));
        // The SMP id comes first, as the schema's sequence says.
        assert_eq!(
            request
                .children()
                .find(roxmltree::Node::is_element)
                .unwrap()
                .tag_name()
                .name(),
            "ServiceMetadataPublisherID"
        );
    }

    #[test]
    fn a_delete_request_uses_its_own_element_and_escapes_text() {
        let xml = participant_request(Operation::Delete, "A&B", "0106:<x>");
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let request = doc
            .descendants()
            .find(|n| n.has_tag_name((LOCATOR_NS, "DeleteParticipantIdentifier")))
            .unwrap();
        assert_eq!(request.descendants().nth(2).unwrap().text(), Some("A&B"));
        assert!(xml.contains("0106:&lt;x&gt;"));
    }

    #[test]
    fn an_smp_request_carries_the_publisher_endpoint() {
        let xml = smp_request(
            Operation::Update,
            "HAVEN",
            "https://smp.example/smp",
            "1.1.1.1",
        );
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let request = doc
            .descendants()
            .find(|n| n.has_tag_name((LOCATOR_NS, "UpdateServiceMetadataPublisherService")))
            .unwrap();
        let text = |name: &str| {
            request
                .descendants()
                .find(|n| n.has_tag_name((LOCATOR_NS, name)))
                .and_then(|n| n.text())
        };
        assert_eq!(text("LogicalAddress"), Some("https://smp.example/smp"));
        assert_eq!(text("PhysicalAddress"), Some("1.1.1.1"));
        assert_eq!(text("ServiceMetadataPublisherID"), Some("HAVEN"));
    }

    #[test]
    fn the_soap_action_repeats_the_wsdl_binding() {
        assert_eq!(
            soap_action(false, Operation::Delete),
            "http://busdox.org/serviceMetadata/ManageBusinessIdentifierService/1.0/        :deleteIn"
        );
        assert!(soap_action(true, Operation::Read).ends_with(":readIn"));
        assert_eq!(
            soap_action(false, Operation::PrepareToMigrate),
            "http://busdox.org/serviceMetadata/ManageBusinessIdentifierService/1.0/        :prepareMigrateIn"
        );
        assert!(soap_action(false, Operation::Migrate).ends_with("        :migrateIn"));
    }

    #[test]
    fn migration_requests_carry_smp_participant_and_key_in_schema_order() {
        for (operation, element) in [
            (Operation::PrepareToMigrate, "PrepareMigrationRecord"),
            (Operation::Migrate, "CompleteMigrationRecord"),
        ] {
            let xml = migration_request(operation, "HAVEN-SMP", "0106:12345678", "aB1$cD2%<x>");
            let doc = roxmltree::Document::parse(&xml).unwrap();
            let request = doc
                .descendants()
                .find(|n| n.has_tag_name((LOCATOR_NS, element)))
                .unwrap();
            let children: Vec<_> = request
                .children()
                .filter(roxmltree::Node::is_element)
                .map(|n| {
                    (
                        n.tag_name().namespace().unwrap(),
                        n.tag_name().name(),
                        n.text().unwrap(),
                    )
                })
                .collect();
            assert_eq!(
                children,
                [
                    (LOCATOR_NS, "ServiceMetadataPublisherID", "HAVEN-SMP"),
                    (IDENTIFIERS_NS, "ParticipantIdentifier", "0106:12345678"),
                    (LOCATOR_NS, "MigrationKey", "aB1$cD2%<x>"),
                ]
            );
            let participant = request
                .children()
                .find(|n| n.has_tag_name((IDENTIFIERS_NS, "ParticipantIdentifier")))
                .unwrap();
            assert_eq!(participant.attribute("scheme"), Some(PARTICIPANT_SCHEME));
        }
    }

    fn fault(detail: &str) -> String {
        format!(
            "<S:Envelope xmlns:S=\"{SOAP11_NS}\"><S:Body><S:Fault><faultcode>S:Client</faultcode>\
             <faultstring>general text</faultstring><detail>{detail}</detail></S:Fault></S:Body></S:Envelope>"
        )
    }

    #[test]
    fn faults_are_read_by_their_detail_element() {
        for kind in [
            FaultKind::NotFound,
            FaultKind::Unauthorized,
            FaultKind::BadRequest,
            FaultKind::InternalError,
        ] {
            let xml = fault(&format!(
                "<x:{0} xmlns:x=\"{LOCATOR_NS}\"><x:FaultMessage>why {0}</x:FaultMessage></x:{0}>",
                kind.element()
            ));
            assert_eq!(
                parse_answer(&xml),
                Err(ManageError::Fault {
                    kind,
                    message: format!("why {}", kind.element())
                })
            );
        }
    }

    #[test]
    fn a_fault_without_a_known_detail_keeps_its_faultstring() {
        let xml = fault("<other xmlns=\"urn:x\">?</other>");
        assert_eq!(
            parse_answer(&xml),
            Err(ManageError::Fault {
                kind: FaultKind::Other,
                message: "general text".into()
            })
        );
        // The same element name in another namespace is not the SML's fault.
        let xml =
            fault("<NotFoundFault xmlns=\"urn:x\"><FaultMessage>m</FaultMessage></NotFoundFault>");
        assert!(matches!(
            parse_answer(&xml),
            Err(ManageError::Fault {
                kind: FaultKind::Other,
                ..
            })
        ));
    }

    #[test]
    fn an_empty_body_is_a_plain_success_and_a_read_answer_has_fields() {
        let xml = format!("<S:Envelope xmlns:S=\"{SOAP11_NS}\"><S:Body/></S:Envelope>");
        assert_eq!(parse_answer(&xml), Ok(Answer::default()));
        let xml = format!(
            "<S:Envelope xmlns:S=\"{SOAP11_NS}\"><S:Body><l:ServiceMetadataPublisherService xmlns:l=\"{LOCATOR_NS}\">\
             <l:PublisherEndpoint><l:LogicalAddress>https://a/smp</l:LogicalAddress>\
             <l:PhysicalAddress>1.1.1.1</l:PhysicalAddress></l:PublisherEndpoint>\
             <l:ServiceMetadataPublisherID>X</l:ServiceMetadataPublisherID>\
             </l:ServiceMetadataPublisherService></S:Body></S:Envelope>"
        );
        let answer = parse_answer(&xml).unwrap();
        assert_eq!(
            answer.element.as_deref(),
            Some("ServiceMetadataPublisherService")
        );
        assert_eq!(answer.field("LogicalAddress"), Some("https://a/smp"));
        assert_eq!(answer.field("ServiceMetadataPublisherID"), Some("X"));
    }

    #[test]
    fn dtds_soap_12_and_garbage_are_malformed() {
        let dtd = format!(
            "<!DOCTYPE x [<!ENTITY e \"boom\">]><S:Envelope xmlns:S=\"{SOAP11_NS}\"><S:Body/></S:Envelope>"
        );
        assert!(matches!(parse_answer(&dtd), Err(ManageError::Malformed(_))));
        let soap12 = "<S:Envelope xmlns:S=\"http://www.w3.org/2003/05/soap-envelope\"><S:Body/></S:Envelope>";
        assert!(matches!(
            parse_answer(soap12),
            Err(ManageError::Malformed(_))
        ));
        assert!(matches!(
            parse_answer("<html>"),
            Err(ManageError::Malformed(_))
        ));
    }

    #[test]
    fn only_temporary_failures_are_unavailable_and_already_exists_is_recognised() {
        let unauthorized = ManageError::Fault {
            kind: FaultKind::Unauthorized,
            message: "no".into(),
        };
        assert!(!to_sml_error(unauthorized).is_temporary());
        let internal = ManageError::Fault {
            kind: FaultKind::InternalError,
            message: "db".into(),
        };
        assert!(to_sml_error(internal).is_temporary());
        assert!(to_sml_error(ManageError::Transport("refused".into())).is_temporary());
        assert!(already_exists(&ManageError::Fault {
            kind: FaultKind::BadRequest,
            message: "The participant identifier 0106:1 already exists".into(),
        }));
        assert!(!already_exists(&ManageError::Fault {
            kind: FaultKind::BadRequest,
            message: "invalid identifier".into(),
        }));
    }
}
