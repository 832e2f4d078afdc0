//! The delivery job of one hook: sends its pending deliveries one at a time, oldest first, and
//! records every attempt. One job per hook at a time, so a slow or dead receiver holds up only
//! its own hook, and its events arrive in the order they happened.

use std::{future::Future, time::Duration};

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;
use uuid::Uuid;

use super::{
    mail::{build_mail, log_text, HookDocuments, HookMailer},
    records::{
        AttemptRecord, Delivery, DeliveryStatus, Hook, HookOwner, NewHookEvent, SigningHook, Topic,
    },
    service::HookSettings,
    store::HookDeliveries,
    target::{parse_target, Target},
};
use crate::{
    accounts::profile::SecretSealer,
    jobs::{ClaimedJob, JobError},
    DomainError,
};

/// How much of a receiver's answer the log keeps.
pub const RESPONSE_LOG_BYTES: usize = 1024;
/// Deliveries one job sends before it hands over to the next job (so that a job stays well
/// inside its lease).
const BATCH: usize = 500;
/// Pending deliveries read, and their attempts recorded, at a time.
const PAGE: u32 = 50;
/// Time one job spends sending before it hands over: the next job goes to the back of the
/// queue, so when every hook slot is taken by slow receivers the other hooks get their turn.
const BATCH_TIME: Duration = Duration::from_secs(10);

/// The payload of a `deliver_hook` job.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct DrainJob {
    pub hook_id: Uuid,
}

/// The JSON body a receiver gets.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HookPayload<'a> {
    /// The event's id: the same for every attempt and redelivery; deduplicate by it.
    pub id: Uuid,
    pub topic: Topic,
    pub party_id: Option<&'a str>,
    pub hook_id: Uuid,
    pub document_id: Option<Uuid>,
    pub message: &'a str,
    pub details: Option<&'a str>,
    pub created_on: String,
    pub sent_on: String,
}

/// One request to a hook's target.
#[derive(Debug, Clone)]
pub struct HookRequest {
    pub target: String,
    pub event_id: Uuid,
    pub topic: Topic,
    pub document_id: Option<Uuid>,
    pub body: String,
    /// Header name and value, signature included.
    pub headers: Vec<(&'static str, String)>,
}

/// What the target did with a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportOutcome {
    /// An HTTP answer with the start of its body.
    Answered { status: u16, body: String },
    /// A mail hook's message was taken by the mail server (or written to the outbox): it
    /// counts as delivered. `reply` says so for the log.
    Handed { reply: String },
    /// No answer: refused, unreachable, timed out, not allowed by the rules.
    Failed { error: String, temporary: bool },
}

/// Port: hands a request to its HTTP target.
pub trait HookTransport: Send + Sync {
    fn deliver(&self, request: &HookRequest) -> impl Future<Output = TransportOutcome> + Send;
}

/// Where the delivery job sends: HTTP targets over `http`, `mailto:` targets through `mail`
/// with the event's document read from `documents`.
pub struct HookChannels<'a, T, M, D> {
    pub http: &'a T,
    pub mail: &'a M,
    pub documents: &'a D,
}

/// `sha256=<hex HMAC-SHA256 of body>` for each secret, comma-separated: the current secret
/// first, then the previous one during a rotation's overlap.
#[must_use]
pub fn signature_header(secrets: &[String], body: &str) -> String {
    secrets
        .iter()
        .map(|secret| {
            let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
                .expect("HMAC takes a key of any length");
            mac.update(body.as_bytes());
            format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// What one attempt's outcome means for the delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Delivered,
    /// Worth another attempt (5xx, 429, time-out, connection error).
    Temporary(String),
    /// Not worth another attempt (other 4xx, a redirect, a target the rules refuse).
    Final(String),
}

#[must_use]
pub fn judge(outcome: &TransportOutcome) -> Verdict {
    match outcome {
        TransportOutcome::Handed { .. } => Verdict::Delivered,
        TransportOutcome::Answered { status, .. } => match status {
            200..=299 => Verdict::Delivered,
            429 | 500..=599 => Verdict::Temporary(format!("The receiver answered {status}.")),
            300..=399 => Verdict::Final(format!(
                "The receiver answered {status}: redirects are not followed."
            )),
            _ => Verdict::Final(format!("The receiver answered {status}.")),
        },
        TransportOutcome::Failed { error, temporary } => {
            if *temporary {
                Verdict::Temporary(error.clone())
            } else {
                Verdict::Final(error.clone())
            }
        }
    }
}

fn retry(e: DomainError) -> JobError {
    JobError::Retry(e.to_string())
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn truncate(mut text: String, bytes: usize) -> String {
    if text.len() > bytes {
        let mut cut = bytes;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
    }
    text
}

/// Builds the signed request of one attempt.
///
/// # Errors
/// When a secret cannot be opened (another key, damage).
pub fn build_request<B: SecretSealer>(
    sealer: &B,
    hook: &SigningHook,
    delivery: &Delivery,
    now: DateTime<Utc>,
) -> anyhow::Result<HookRequest> {
    let event = &delivery.event;
    let payload = HookPayload {
        id: event.id,
        topic: event.topic,
        party_id: event.party_id.as_deref(),
        hook_id: hook.hook.id,
        document_id: event.document_id,
        message: &event.message,
        details: event.details.as_deref(),
        created_on: rfc3339(event.created_at),
        sent_on: rfc3339(now),
    };
    let body = serde_json::to_string(&payload)?;
    let mut secrets = vec![sealer.open(&hook.secret_sealed)?];
    let overlap = hook
        .hook
        .previous_secret_until
        .is_some_and(|until| until > now);
    if let (true, Some(previous)) = (overlap, &hook.previous_secret_sealed) {
        secrets.push(sealer.open(previous)?);
    }
    let headers = vec![
        ("Content-Type", "application/json".to_owned()),
        ("User-Agent", "Haven-Webhooks/1".to_owned()),
        ("X-Hook-Event-Id", event.id.to_string()),
        ("X-Hook-Topic", event.topic.as_str().to_owned()),
        ("X-Hook-Timestamp", now.timestamp().to_string()),
        ("X-Signature", signature_header(&secrets, &body)),
    ];
    Ok(HookRequest {
        target: hook.hook.target.clone(),
        event_id: event.id,
        topic: event.topic,
        document_id: event.document_id,
        body,
        headers,
    })
}

/// The wait before attempt `attempts + 1`, or `None` after the last.
fn next_wait(settings: &HookSettings, attempts: u32) -> Option<Duration> {
    settings
        .retry_schedule
        .get(usize::try_from(attempts).ok()?.checked_sub(1)?)
        .copied()
}

/// The hook event a failed delivery raises (none for events about hooks themselves).
fn raised(
    hook: &SigningHook,
    delivery: &Delivery,
    topic: Topic,
    why: &str,
) -> Option<NewHookEvent> {
    if delivery.event.topic.about_hooks() {
        return None;
    }
    let (organization_id, party_id) = match &hook.hook.owner {
        HookOwner::Party {
            organization_id,
            party_id,
        } => (Some(*organization_id), Some(party_id.clone())),
        HookOwner::Environment => (None, None),
    };
    Some(NewHookEvent {
        topic,
        environment_id: hook.hook.environment_id,
        organization_id,
        party_id,
        document_id: delivery.event.document_id,
        message: topic.message(None),
        details: Some(
            serde_json::json!({
                "hookId": hook.hook.id,
                "eventId": delivery.event.id,
                "deliveryId": delivery.id,
                "attempt": delivery.attempts + 1,
                "error": why,
            })
            .to_string(),
        ),
        about_hook_id: Some(hook.hook.id),
    })
}

/// Sends one delivery over its hook's channel; returns what the log keeps of the request and
/// what came of it.
async fn send<T, M, D, B>(
    channels: &HookChannels<'_, T, M, D>,
    sealer: &B,
    hook: &SigningHook,
    delivery: &Delivery,
    now: DateTime<Utc>,
) -> Result<(String, TransportOutcome), JobError>
where
    T: HookTransport,
    M: HookMailer,
    D: HookDocuments,
    B: SecretSealer,
{
    if let Ok(Target::Mail { address, format }) = parse_target(&hook.hook.target) {
        let mail = build_mail(channels.documents, &hook.hook, delivery, &address, format)
            .await
            .map_err(retry)?;
        let outcome = channels.mail.send(&mail).await;
        return Ok((log_text(&mail), outcome));
    }
    let request = build_request(sealer, hook, delivery, now)
        .map_err(|e| JobError::Retry(format!("could not sign the event: {e}")))?;
    let outcome = channels.http.deliver(&request).await;
    Ok((request.body, outcome))
}

/// Sends one delivery; returns the attempt to record.
async fn attempt<T, M, D, B>(
    channels: &HookChannels<'_, T, M, D>,
    sealer: &B,
    settings: &HookSettings,
    hook: &SigningHook,
    delivery: &Delivery,
) -> Result<AttemptRecord, JobError>
where
    T: HookTransport,
    M: HookMailer,
    D: HookDocuments,
    B: SecretSealer,
{
    let started = Utc::now();
    let clock = std::time::Instant::now();
    let (request_body, outcome) = send(channels, sealer, hook, delivery, started).await?;
    let duration_ms = u32::try_from(clock.elapsed().as_millis()).unwrap_or(u32::MAX);
    let attempt = delivery.attempts + 1;
    let (status_code, response_body) = match &outcome {
        TransportOutcome::Answered { status, body } => (
            Some(*status),
            Some(truncate(body.clone(), RESPONSE_LOG_BYTES)),
        ),
        TransportOutcome::Handed { reply } => {
            (None, Some(truncate(reply.clone(), RESPONSE_LOG_BYTES)))
        }
        TransportOutcome::Failed { .. } => (None, None),
    };
    let now = Utc::now();
    let (status, next_attempt_at, error, raise) = match judge(&outcome) {
        Verdict::Delivered => (DeliveryStatus::Delivered, None, None, None),
        Verdict::Temporary(why) => match next_wait(settings, attempt) {
            Some(wait) => (
                DeliveryStatus::Pending,
                Some(now + TimeDelta::from_std(wait).unwrap_or(TimeDelta::MAX)),
                Some(why.clone()),
                raised(hook, delivery, Topic::HookSentRetry, &why),
            ),
            None => (
                DeliveryStatus::Failed,
                None,
                Some(why.clone()),
                raised(hook, delivery, Topic::HookSentError, &why),
            ),
        },
        Verdict::Final(why) => (
            DeliveryStatus::Failed,
            None,
            Some(why.clone()),
            raised(hook, delivery, Topic::HookSentError, &why),
        ),
    };
    tracing::info!(
        hook_id = %hook.hook.id,
        delivery_id = %delivery.id,
        event_id = %delivery.event.id,
        attempt,
        status_code,
        duration_ms,
        outcome = status.as_str(),
        "hook delivery attempt"
    );
    Ok(AttemptRecord {
        delivery_id: delivery.id,
        hook_id: hook.hook.id,
        attempt,
        at: started,
        status_code,
        duration_ms,
        error,
        request_body,
        response_body,
        status,
        next_attempt_at,
        raise,
    })
}

/// For a mail hook whose environment used up its messages of the last hour
/// (`mails_per_hour`): when the next slot frees. The delivery waits (it is not an attempt).
async fn mail_slot_wait<S: HookDeliveries>(
    store: &S,
    settings: &HookSettings,
    hook: &Hook,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, JobError> {
    let limit = settings.mails_per_hour;
    let is_mail = matches!(parse_target(&hook.target), Ok(Target::Mail { .. }));
    if limit == 0 || !is_mail {
        return Ok(None);
    }
    let hour = TimeDelta::hours(1);
    let recent = store
        .mail_attempts_since(hook.environment_id, now - hour, limit)
        .await
        .map_err(retry)?;
    if recent.len() < usize::try_from(limit).unwrap_or(usize::MAX) {
        return Ok(None);
    }
    // Newest first: the last of them is the oldest of the hour, whose slot frees first.
    let free = recent.last().map_or(now, |oldest| *oldest + hour);
    tracing::info!(hook_id = %hook.id, %free, "mail hook limit reached; the delivery waits");
    Ok(Some(free.max(now + TimeDelta::seconds(1))))
}

/// Runs a `deliver_hook` job: sends the hook's due deliveries oldest first until none is
/// left (the job ends), the oldest must wait for its retry time (the next job is queued for
/// then; later events wait behind it, which keeps the order), or the batch is full (the next
/// job is queued at once).
///
/// Deliveries are read a page at a time and the page's attempts recorded in one transaction
/// after they were sent, so a busy hook costs the database a few statements per page instead
/// of six per event. A crash between sending and recording sends that page's events again
/// (at least once, with the same event ids). Mail hooks go one at a time: their hourly limit
/// counts recorded attempts.
///
/// # Errors
/// `Retry` when the store cannot be reached; `Permanent` for a malformed payload.
#[tracing::instrument(name = "deliver hook", skip_all, fields(job_id = %job.id, hook_id))]
pub async fn drain_hook<S, T, M, D, B>(
    store: &S,
    channels: &HookChannels<'_, T, M, D>,
    sealer: &B,
    settings: &HookSettings,
    job: &ClaimedJob,
) -> Result<(), JobError>
where
    S: HookDeliveries,
    T: HookTransport,
    M: HookMailer,
    D: HookDocuments,
    B: SecretSealer,
{
    let DrainJob { hook_id } = serde_json::from_value(job.payload.clone())
        .map_err(|e| JobError::Permanent(format!("malformed payload: {e}")))?;
    tracing::Span::current().record("hook_id", tracing::field::display(hook_id));
    let started = std::time::Instant::now();
    let next_key = format!("hook:{hook_id}:after:{}", job.id);
    let mut sent = 0;
    while sent < BATCH && started.elapsed() <= BATCH_TIME {
        let Some(hook) = store.signing_hook(hook_id).await.map_err(retry)? else {
            return Ok(());
        };
        let is_mail = matches!(parse_target(&hook.hook.target), Ok(Target::Mail { .. }));
        let page = if is_mail { 1 } else { PAGE };
        let pending = if hook.hook.active {
            store.next_pending(hook_id, page).await.map_err(retry)?
        } else {
            Vec::new()
        };
        if pending.is_empty() {
            if store.finish_draining(hook_id).await.map_err(retry)? {
                return Ok(());
            }
            continue;
        }
        let mut records = Vec::with_capacity(pending.len());
        let mut wait_until = None;
        for delivery in &pending {
            let now = Utc::now();
            if let Some(due) = delivery.next_attempt_at.filter(|due| *due > now) {
                wait_until = Some(due);
                break;
            }
            if let Some(free) = mail_slot_wait(store, settings, &hook.hook, now).await? {
                wait_until = Some(free);
                break;
            }
            let record = attempt(channels, sealer, settings, &hook, delivery).await?;
            // A delivery that waits for a retry holds back the later ones (their order).
            let waits = record.status == DeliveryStatus::Pending;
            records.push(record);
            sent += 1;
            if waits || sent >= BATCH || started.elapsed() > BATCH_TIME {
                break;
            }
        }
        if !records.is_empty() {
            store.record_attempts(records).await.map_err(retry)?;
        }
        if let Some(at) = wait_until {
            return store
                .continue_draining(hook_id, at, next_key)
                .await
                .map_err(retry);
        }
    }
    store
        .continue_draining(hook_id, Utc::now(), next_key)
        .await
        .map_err(retry)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_hex_hmac_sha256_per_secret() {
        // RFC 4231 test case 2.
        let header = signature_header(&["Jefe".into()], "what do ya want for nothing?");
        assert_eq!(
            header,
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        let two = signature_header(&["a".into(), "b".into()], "x");
        assert_eq!(two.matches("sha256=").count(), 2);
        assert!(two.contains(", "));
    }

    #[test]
    fn answers_are_judged_as_documented() {
        let answered = |status| TransportOutcome::Answered {
            status,
            body: String::new(),
        };
        assert_eq!(judge(&answered(204)), Verdict::Delivered);
        assert!(matches!(judge(&answered(500)), Verdict::Temporary(_)));
        assert!(matches!(judge(&answered(429)), Verdict::Temporary(_)));
        assert!(matches!(judge(&answered(301)), Verdict::Final(_)));
        assert!(matches!(judge(&answered(404)), Verdict::Final(_)));
        assert!(matches!(
            judge(&TransportOutcome::Failed {
                error: "timed out".into(),
                temporary: true
            }),
            Verdict::Temporary(_)
        ));
    }

    #[test]
    fn the_schedule_gives_one_wait_per_retry() {
        let settings = HookSettings::default();
        assert_eq!(next_wait(&settings, 1), Some(Duration::from_secs(60)));
        assert_eq!(next_wait(&settings, 6), Some(Duration::from_secs(86_400)));
        assert_eq!(next_wait(&settings, 7), None);
        assert_eq!(next_wait(&settings, 0), None);
    }

    #[test]
    fn the_log_keeps_the_start_of_long_answers() {
        assert_eq!(truncate("ééé".into(), 3), "é");
        assert_eq!(truncate("abc".into(), 10), "abc");
    }
}
