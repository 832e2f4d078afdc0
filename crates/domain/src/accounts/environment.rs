//! The environment (tenant): its settings, the receiving choice, and its audit log.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{
    records::{AuditEvent, AuditQuery, Environment},
    store::{AuditLog, Directory, EnvironmentChange, EnvironmentSettings},
    Action, Caller, EmailAddress,
};
use crate::{paging::PageRequest, DomainError, DomainResult};

/// Mail providers whose domain nobody can claim for auto-join.
const SHARED_MAIL_DOMAINS: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "hotmail.com",
    "live.com",
    "live.nl",
    "hotmail.nl",
    "yahoo.com",
    "icloud.com",
    "me.com",
    "ziggo.nl",
    "kpnmail.nl",
    "planet.nl",
    "xs4all.nl",
    "proton.me",
    "protonmail.com",
    "gmx.com",
    "gmx.net",
    "aol.com",
];

/// The caller's environment.
///
/// # Errors
/// `Forbidden`, `NotFound`.
pub async fn get_environment<A: Directory>(
    accounts: &A,
    caller: &Caller<'_>,
) -> DomainResult<Environment> {
    caller.actor.require(Action::ViewEnvironment)?;
    accounts
        .find_environment(caller.actor.environment_id)
        .await?
        .ok_or_else(|| DomainError::not_found("environment", caller.actor.environment_id))
}

/// Changes the name, the auto-join domain (only the caller's own verified domain, never a
/// public mail provider's) or the two-factor requirement.
///
/// # Errors
/// `Forbidden`, `Validation` for an unusable domain.
#[tracing::instrument(name = "update environment", skip_all, fields(environment_id = %caller.actor.environment_id))]
pub async fn update_environment<A: EnvironmentSettings>(
    accounts: &A,
    caller: &Caller<'_>,
    change: EnvironmentChange,
) -> DomainResult<Environment> {
    caller.actor.require(Action::ManageEnvironment)?;
    let auto_join_domain = match change.auto_join_domain {
        None => None,
        Some(None) => Some(None),
        Some(Some(domain)) if domain.trim().is_empty() => Some(None),
        Some(Some(domain)) => {
            let domain = domain.trim().trim_start_matches('@').to_lowercase();
            let own = EmailAddress::from_trusted(caller.user.email.clone());
            if SHARED_MAIL_DOMAINS.contains(&domain.as_str()) {
                return Err(DomainError::field(
                    "autoJoinDomain",
                    "shared_domain",
                    "A public mail provider's domain cannot be used for auto-join.",
                ));
            }
            if own.domain() != domain {
                return Err(DomainError::field(
                    "autoJoinDomain",
                    "unverified_domain",
                    "Use the domain of your own verified address.",
                ));
            }
            Some(Some(domain))
        }
    };
    let name = change.name.map(|n| n.trim().to_owned());
    let audit = caller
        .audit(crate::accounts::AuditAction::EnvironmentSettingsChanged)
        .details(serde_json::json!({
            "name": name,
            "autoJoinDomain": auto_join_domain,
            "requireTwoFactor": change.require_two_factor,
        }));
    accounts
        .update_environment(
            caller.actor.environment_id,
            EnvironmentChange {
                name,
                auto_join_domain,
                require_two_factor: change.require_two_factor,
            },
            audit,
        )
        .await
}

/// Chooses whether the environment receives e-invoices. Receiving costs `price` per received
/// document, so switching it on needs an explicit acknowledgement.
///
/// # Errors
/// `Forbidden`, `Validation` without the acknowledgement.
#[tracing::instrument(name = "set receiving", skip_all, fields(environment_id = %caller.actor.environment_id, enabled))]
pub async fn set_receiving<A: EnvironmentSettings>(
    accounts: &A,
    caller: &Caller<'_>,
    price: &str,
    enabled: bool,
    acknowledge_price: bool,
) -> DomainResult<Environment> {
    caller.actor.require(Action::ManageEnvironment)?;
    if enabled && !acknowledge_price {
        return Err(DomainError::field(
            "acknowledgePrice",
            "acknowledgement_required",
            format!("Receiving costs €{price} per document; confirm that you accept this."),
        ));
    }
    let audit = caller
        .audit(crate::accounts::AuditAction::EnvironmentReceivingChanged)
        .details(serde_json::json!({ "enabled": enabled, "pricePerDocument": price }));
    accounts
        .set_receiving(caller.actor.environment_id, enabled, audit)
        .await
}

/// What the audit log is filtered by, as asked.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub action: Option<crate::accounts::AuditAction>,
    pub actor_id: Option<Uuid>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    pub before: Option<String>,
}

/// One page of the audit log, newest first.
#[derive(Debug, Clone)]
pub struct AuditPage {
    pub items: Vec<AuditEvent>,
    /// Pass as `before` for the next (older) page; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// The environment's security audit log, newest first.
///
/// # Errors
/// `Forbidden`, `Validation` for a page size outside 1–200 or a cursor not made here.
pub async fn audit_log<A: AuditLog>(
    accounts: &A,
    caller: &Caller<'_>,
    filter: AuditFilter,
) -> DomainResult<AuditPage> {
    caller.actor.require(Action::ViewAuditLog)?;
    audit_page(accounts, Some(caller.actor.environment_id), filter).await
}

/// The installation's own audit log (events of no environment, such as warnings about its
/// Peppol certificates), newest first; platform operators only.
///
/// # Errors
/// `NotFound` for anyone but an operator, `Forbidden` for an operator without two-factor
/// authentication yet, `Validation` as [`audit_log`].
pub async fn installation_audit_log<A: AuditLog>(
    accounts: &A,
    operators: &crate::accounts::Operators,
    caller: &Caller<'_>,
    filter: AuditFilter,
) -> DomainResult<AuditPage> {
    operators.require(caller)?;
    audit_page(accounts, None, filter).await
}

async fn audit_page<A: AuditLog>(
    accounts: &A,
    environment_id: Option<Uuid>,
    filter: AuditFilter,
) -> DomainResult<AuditPage> {
    let page = PageRequest::parse(filter.limit, filter.before.as_deref())?;
    let items = accounts
        .list_audit_events(
            environment_id,
            AuditQuery {
                action: filter.action,
                actor_id: filter.actor_id,
                from: filter.from,
                to: filter.to,
                before: page.before,
                limit: page.fetch(),
            },
        )
        .await?;
    let (items, next_cursor) = page.finish(items, |e| (e.created_at, e.id));
    Ok(AuditPage { items, next_cursor })
}
