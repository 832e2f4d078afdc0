//! What every handler can reach.

use std::sync::Arc;

use haven_domain::{
    accounts::Operators, installation::Installation, organizations::service::OrganizationSettings,
};
use haven_persistence::Database;

use crate::{
    rate_limit::RateLimiter,
    secrets::{SealingBox, SigningKey},
    usage_log::UsageRecorder,
};

pub struct AppState {
    pub db: Database,
    /// Where document bytes live (filesystem or S3).
    pub blobs: haven_storage::Storage,
    /// Prices and delivery behaviour of document exchange.
    pub send_settings: haven_domain::documents::sending::SendSettings,
    /// Email intake: addresses, limits, links.
    pub intake: haven_domain::intake::service::IntakeSettings,
    /// SPF, DKIM and DMARC of intake mail; `None` when `intake_sender_authentication` is
    /// `off`.
    pub intake_authenticator: Option<haven_mailbox::authentication::MailAuthenticator>,
    /// The shared secret of `POST /api/v1/inbound-email` (the endpoint is off without it).
    pub inbound_email_secret: Option<String>,
    pub installation: Installation,
    /// Signs access tokens.
    pub signing_key: SigningKey,
    /// Encrypts stored secrets that must be recovered (TOTP, webhook signing secrets).
    pub sealing: SealingBox,
    /// Links into the web app that emails carry.
    pub links: haven_domain::links::Links,
    /// The business register (KvK API or the embedded offline register).
    pub registry: haven_registry::Registry,
    /// Platform operators' addresses (lower case).
    pub operators: Operators,
    /// Limits and prices of the organization use cases.
    pub organization_settings: OrganizationSettings,
    /// Whether the monthly Peppol reports are sent to OpenPeppol (`peppol_reporting_send`).
    pub peppol_reporting_send: bool,
    /// Whether participant ids are registered in the SML (`peppol_sml_registration`).
    pub sml_registration: bool,
    /// The SML's management interface, when registration is on (migrations between providers,
    /// the comparison, certificate changes); the same client the job worker uses.
    pub sml: Option<haven_peppol::rollover::Swappable<haven_peppol::sml_manage::SmlManageClient>>,
    /// The SMP's next certificate (`peppol_smp_next_certificate_file`), to announce to the SML.
    pub next_smp_certificate: haven_peppol::certificates::NextCertificateFile,
    /// Wakes the job worker (after queueing a job it should run at once).
    pub job_waker: Arc<tokio::sync::Notify>,
    /// Requests per connection and minute.
    pub connection_limiter: RateLimiter,
    /// Token requests per client id and minute.
    pub token_client_limiter: RateLimiter,
    /// Token requests per address and minute.
    pub token_ip_limiter: RateLimiter,
    /// AS4 messages per address and minute.
    pub as4_ip_limiter: RateLimiter,
    /// Authorisation requests per environment and hour.
    pub partner_request_limiter: RateLimiter,
    /// The lifetime of authorisation requests.
    pub partner_settings: haven_domain::partners::service::PartnerSettings,
    /// Takes the usage log entries of connections' calls.
    pub usage: UsageRecorder,
    /// Webhook retry schedule and transport rules.
    pub hook_settings: haven_domain::hooks::service::HookSettings,
    /// The installation's own Peppol certificates and how long before their end operators are
    /// warned.
    /// (Replaced when renewed files are taken into use.)
    pub certificates: haven_peppol::rollover::Swappable<
        Vec<haven_domain::peppol::certificates::InstalledCertificate>,
    >,
    pub certificate_warning: chrono::TimeDelta,
    /// Peppol delivery (locator and AS4 sender), when configured.
    pub peppol: Option<Arc<crate::as4::PeppolNetwork>>,
}

impl AppState {
    /// The SML client of the moment (replaced when the SMP's key files are renewed), when
    /// registration is on.
    #[must_use]
    pub fn sml_client(&self) -> Option<std::sync::Arc<haven_peppol::sml_manage::SmlManageClient>> {
        self.sml
            .as_ref()
            .map(haven_peppol::rollover::Swappable::load)
    }

    /// Price per received document, shown when an Administrator decides about receiving.
    #[must_use]
    pub fn receiving_price(&self) -> &str {
        &self.organization_settings.receiving_price
    }
}
