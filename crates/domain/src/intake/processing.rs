//! Processing one stored message: who sent it, whether they may, and what each attachment
//! becomes: a sent document, a received one, or a rejection the sender hears about.

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use haven_einvoice::{recognition::InvoiceFields, Inspection, Severity};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{
    authentication::AuthenticationMode,
    drafts::recognise_file,
    ocr::Ocr,
    reading::{Attachment, FileKind, MessageReader, ReadMessage},
    records::{
        Draft, DraftStatus, IntakeItem, IntakeMessage, IntakePurpose, IntakeReason, IntakeStatus,
        ItemOutcome,
    },
    service::IntakeSettings,
    store::{Finished, IntakeStore, IntakeTarget, Trust},
};
use crate::{
    accounts::{
        records::{ClientInfo, NewAuditEvent},
        AuditAction, PartyCaller,
    },
    documents::{
        blobs::{ContentHash, DocumentStore},
        receiving::{receive_document, Handover, ReceiveOutcome},
        records::Channel,
        sending::{
            send_sales_invoice, Inspector, PartyAccess, SendOutcome, SendRequest, SendSettings,
        },
        store::{DocumentRecords, PartyRecord},
    },
    hooks::records::{NewHookEvent, Topic},
    mail::{render, Language, MailTemplate, RejectedFile},
    organizations::{policy::OrgRole, service::Authorized},
    DomainError, DomainResult,
};

/// The ports processing needs.
pub struct Processing<'a, S, R, B, I, M, O> {
    pub intake: &'a S,
    pub records: &'a R,
    pub blobs: &'a B,
    pub inspector: &'a I,
    pub reader: &'a M,
    pub ocr: &'a O,
    pub settings: &'a IntakeSettings,
    pub send: &'a SendSettings,
}

/// Most fatal findings a rejection notice lists per file.
const FINDINGS_IN_NOTICE: usize = 10;

/// Reads the message `id` and processes it, once: a message already finished is left alone,
/// and a repeated run after a crash stores no document twice (each attachment carries a key
/// of its own into the send and receive use cases).
///
/// # Errors
/// A store's error (the job tries again).
#[tracing::instrument(name = "process intake message", skip_all, fields(message_id = %id, status))]
pub async fn process_message<S, R, B, I, M, O>(
    ports: &Processing<'_, S, R, B, I, M, O>,
    id: Uuid,
) -> DomainResult<()>
where
    S: IntakeStore,
    R: DocumentRecords,
    B: DocumentStore,
    I: Inspector,
    M: MessageReader,
    O: Ocr,
{
    let Some(message) = ports.intake.message_for_job(id).await? else {
        return Ok(());
    };
    if message.status != IntakeStatus::Received {
        return Ok(());
    }
    let hash = ContentHash::parse(&message.raw_hash).ok_or_else(|| {
        DomainError::Unexpected(anyhow::anyhow!("intake message {id} has a malformed hash"))
    })?;
    let raw = ports.blobs.get(&hash).await?;
    let now = Utc::now();
    let finished = match ports.reader.read(&raw) {
        Some(read) => judge(ports, &message, read, now).await?,
        None => Finished {
            status: IntakeStatus::Rejected,
            reason: Some(IntakeReason::Unreadable),
            sender: None,
            subject: None,
            header_message_id: None,
            items: Vec::new(),
            replies: Vec::new(),
            drafts: Vec::new(),
            events: Vec::new(),
            audit: None,
            processed_at: now,
        },
    };
    tracing::Span::current().record("status", finished.status.as_str());
    ports.intake.finish_message(id, finished).await?;
    Ok(())
}

async fn judge<S, R, B, I, M, O>(
    ports: &Processing<'_, S, R, B, I, M, O>,
    message: &IntakeMessage,
    read: ReadMessage,
    now: DateTime<Utc>,
) -> DomainResult<Finished>
where
    S: IntakeStore,
    R: DocumentRecords,
    B: DocumentStore,
    I: Inspector,
    M: MessageReader,
    O: Ocr,
{
    let sender = read
        .from
        .clone()
        .or_else(|| Some(message.envelope_from.clone()).filter(|f| !f.is_empty()))
        .map(|s| s.trim().to_ascii_lowercase());
    let mut finished = Finished {
        status: IntakeStatus::Rejected,
        reason: None,
        sender: sender.clone(),
        subject: read.subject.clone(),
        header_message_id: read.message_id.clone(),
        items: Vec::new(),
        replies: Vec::new(),
        drafts: Vec::new(),
        events: Vec::new(),
        audit: None,
        processed_at: now,
    };
    let Some(sender) = sender else {
        finished.reason = Some(IntakeReason::Unreadable);
        return Ok(finished);
    };
    // Our own mail is never processed and never answered: no loops between two addresses.
    if ports.settings.scheme.is_own(&sender) {
        finished.reason = Some(IntakeReason::LoopProtection);
        return Ok(finished);
    }
    let Some(target) = ports
        .intake
        .intake_target_of(message.organization_id)
        .await?
    else {
        finished.reason = Some(IntakeReason::NotAllowed);
        return Ok(finished);
    };
    let trust = ports
        .intake
        .trust(message.environment_id, message.organization_id, &sender)
        .await?;
    let unauthenticated = unauthenticated(ports.settings, message, &trust);
    let notice = Notice {
        // A sender who is not authenticated may be forged: a notice would go to whoever the
        // forger named (backscatter), so none is sent.
        answerable: !read.automatic && !is_bounce(message) && unauthenticated.is_none(),
        language: match &trust {
            Trust::User { language, .. } => *language,
            Trust::Sender(s) => s.language,
            Trust::None => Language::default(),
        },
        recipients: match &trust {
            Trust::Sender(s) if s.contact_email != sender => {
                vec![sender.clone(), s.contact_email.clone()]
            }
            _ => vec![sender.clone()],
        },
    };
    if unauthenticated == Some(true) {
        finished.reason = Some(IntakeReason::SenderNotAuthenticated);
        finished.audit = Some(refusal_audit(message, &sender));
    } else if trust == Trust::None {
        finished.reason = Some(IntakeReason::UntrustedSender);
    } else {
        let (items, drafts) =
            process_attachments(ports, message, &target, &sender, read.attachments).await?;
        finished.reason = message_reason(&items, ports.settings.max_invoices);
        finished.status = status_of(&items);
        if message.purpose == IntakePurpose::Purchase {
            finished.events = received_errors(message, &target, &sender, &items);
        }
        finished.items = items;
        finished.drafts = drafts;
    }
    if finished.status != IntakeStatus::Processed
        && notice.answerable
        && ports
            .intake
            .take_reply_slot(&sender, hour_of(now), ports.settings.replies_per_hour)
            .await?
    {
        finished.replies = notice.render(&target, message, &finished);
    }
    Ok(finished)
}

/// Under `enforce`, whether the sender fails authentication: `None` when it passes (or is
/// not enforced), `Some(true)` when the message is refused for it (the domain's DMARC policy
/// rejects it, or a trusted sender's domain is not authenticated), `Some(false)` when an
/// untrusted sender is not authenticated either (rejected as untrusted, but not answered).
fn unauthenticated(
    settings: &IntakeSettings,
    message: &IntakeMessage,
    trust: &Trust,
) -> Option<bool> {
    if settings.sender_authentication != AuthenticationMode::Enforce {
        return None;
    }
    let verdict = message.sender_verdict.as_ref()?;
    if verdict.dmarc_rejects() {
        return Some(true);
    }
    verdict.refused().then_some(*trust != Trust::None)
}

/// The security event of a refused message, for the environment's audit log.
fn refusal_audit(message: &IntakeMessage, sender: &str) -> NewAuditEvent {
    NewAuditEvent::new(
        AuditAction::IntakeSenderNotAuthenticated,
        &ClientInfo::default(),
    )
    .in_environment(message.environment_id)
    .target("intake_message", message.id)
    .details(serde_json::json!({
        "organizationId": message.organization_id,
        "sender": sender,
        "envelopeFrom": message.envelope_from,
        "transport": message.transport.as_str(),
        "verdict": message.sender_verdict,
    }))
}

/// An `InvoiceReceivedError` webhook event for each file of a trusted sender's purchase mail
/// that did not become a document or a draft, so that the organization's software hears of
/// invoices that were meant for its inbox but did not arrive there.
fn received_errors(
    message: &IntakeMessage,
    target: &IntakeTarget,
    sender: &str,
    items: &[IntakeItem],
) -> Vec<NewHookEvent> {
    let party_id = target
        .parties
        .iter()
        .find(|p| p.receives())
        .or_else(|| target.parties.first())
        .map(|p| p.participant_id.clone());
    items
        .iter()
        .filter(|i| i.outcome == ItemOutcome::Rejected)
        .map(|item| NewHookEvent {
            topic: Topic::InvoiceReceivedError,
            environment_id: message.environment_id,
            organization_id: Some(message.organization_id),
            party_id: party_id.clone(),
            document_id: None,
            message: Topic::InvoiceReceivedError.message(None),
            details: Some(
                serde_json::json!({
                    "channel": "email",
                    "intakeMessageId": message.id,
                    "sender": sender,
                    "file": item.filename,
                    "reason": item.reason.map(IntakeReason::as_str),
                    "detail": item.detail,
                })
                .to_string(),
            ),
            about_hook_id: None,
        })
        .collect()
}

/// A bounce (empty envelope sender over SMTP) is never answered.
fn is_bounce(message: &IntakeMessage) -> bool {
    message.transport == super::records::IntakeTransport::Smtp && message.envelope_from.is_empty()
}

fn hour_of(now: DateTime<Utc>) -> DateTime<Utc> {
    now.duration_trunc(TimeDelta::hours(1)).unwrap_or(now)
}

/// Who hears about a rejection, and in which language.
struct Notice {
    answerable: bool,
    language: Language,
    recipients: Vec<String>,
}

impl Notice {
    fn render(
        &self,
        target: &IntakeTarget,
        message: &IntakeMessage,
        finished: &Finished,
    ) -> Vec<crate::mail::OutgoingMail> {
        let files: Vec<RejectedFile> = finished
            .items
            .iter()
            .filter(|i| i.outcome == ItemOutcome::Rejected)
            .map(|i| RejectedFile {
                name: i
                    .filename
                    .clone()
                    .unwrap_or_else(|| format!("attachment {}", i.position + 1)),
                reason: i.reason.unwrap_or(IntakeReason::Unreadable),
                detail: i.detail.clone(),
            })
            .collect();
        let template = MailTemplate::IntakeRejected {
            organization_name: target.organization.statutory_name.clone(),
            address: message.recipient.clone(),
            subject: finished.subject.clone().unwrap_or_default(),
            reason: finished.reason,
            files,
        };
        self.recipients
            .iter()
            .map(|to| render(to, &template, self.language))
            .collect()
    }
}

/// What the message as a whole came to, when one reason says it.
fn message_reason(items: &[IntakeItem], max_invoices: usize) -> Option<IntakeReason> {
    let candidates = items
        .iter()
        .filter(|i| i.outcome != ItemOutcome::Ignored)
        .count();
    if candidates == 0 {
        Some(IntakeReason::NoInvoice)
    } else if candidates > max_invoices {
        Some(IntakeReason::TooManyInvoices)
    } else {
        None
    }
}

/// A draft counts as processed: the sender's part is done, a person here completes it.
fn status_of(items: &[IntakeItem]) -> IntakeStatus {
    let documents = items
        .iter()
        .filter(|i| matches!(i.outcome, ItemOutcome::Document | ItemOutcome::Draft))
        .count();
    let rejected = items
        .iter()
        .filter(|i| i.outcome == ItemOutcome::Rejected)
        .count();
    match (documents, rejected) {
        (0, _) => IntakeStatus::Rejected,
        (_, 0) => IntakeStatus::Processed,
        _ => IntakeStatus::PartlyProcessed,
    }
}

/// What the engine's verdict on one candidate file is.
enum Verdict {
    Invoice(Box<Inspection>),
    /// A PDF without an embedded invoice, or an image: recognised into a draft.
    PlainPdf,
    Rejected(IntakeReason, Option<String>),
}

fn verdict(inspection: Inspection) -> Verdict {
    if inspection.report.valid && inspection.summary.is_some() {
        return Verdict::Invoice(Box::new(inspection));
    }
    let fatal: Vec<_> = inspection
        .report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Fatal)
        .collect();
    let first = fatal
        .first()
        .map(|f| f.rule_id.as_str())
        .unwrap_or_default();
    let reason = match first {
        "HAVEN-PDF-NO-INVOICE" => return Verdict::PlainPdf,
        "HAVEN-PDF-ENCRYPTED" => IntakeReason::EncryptedPdf,
        "HAVEN-PDF-UNREADABLE"
        | "HAVEN-XML-MALFORMED"
        | "HAVEN-XML-ENCODING"
        | "HAVEN-XML-DOCTYPE" => IntakeReason::Unreadable,
        "HAVEN-PDF-LIMIT" | "HAVEN-XML-LIMIT" => IntakeReason::TooLarge,
        "HAVEN-DOC-UNSUPPORTED" | "" => IntakeReason::NotAnInvoice,
        _ => {
            let mut lines: Vec<String> = fatal
                .iter()
                .take(FINDINGS_IN_NOTICE)
                .map(|f| format!("{}: {}", f.rule_id, f.message))
                .collect();
            if fatal.len() > FINDINGS_IN_NOTICE {
                lines.push(format!("… {} more", fatal.len() - FINDINGS_IN_NOTICE));
            }
            return Verdict::Rejected(IntakeReason::ValidationFailed, Some(lines.join("\n")));
        }
    };
    Verdict::Rejected(reason, fatal.first().map(|f| f.message.clone()))
}

async fn process_attachments<S, R, B, I, M, O>(
    ports: &Processing<'_, S, R, B, I, M, O>,
    message: &IntakeMessage,
    target: &IntakeTarget,
    sender: &str,
    attachments: Vec<Attachment>,
) -> DomainResult<(Vec<IntakeItem>, Vec<Draft>)>
where
    S: IntakeStore,
    R: DocumentRecords,
    B: DocumentStore,
    I: Inspector,
    M: MessageReader,
    O: Ocr,
{
    let settings = ports.settings;
    let mut items: Vec<IntakeItem> = Vec::with_capacity(attachments.len());
    let mut candidates: Vec<(usize, Attachment)> = Vec::new();
    for (position, attachment) in attachments.into_iter().enumerate() {
        let size = attachment.bytes.len() as u64;
        let mut item = IntakeItem {
            position: u32::try_from(position).unwrap_or(u32::MAX),
            filename: attachment.filename.clone(),
            content_type: attachment.content_type.clone(),
            size_bytes: size,
            content_hash: ContentHash::of(&attachment.bytes).as_str().to_owned(),
            outcome: ItemOutcome::Ignored,
            reason: None,
            detail: None,
            document_id: None,
            draft_id: None,
        };
        match attachment.kind() {
            FileKind::Other => item.reason = Some(IntakeReason::NotACandidate),
            FileKind::Image if size < settings.image_floor_bytes => {
                item.reason = Some(IntakeReason::SmallImage);
            }
            _ if size > settings.max_attachment_bytes => {
                item.outcome = ItemOutcome::Rejected;
                item.reason = Some(IntakeReason::TooLarge);
                item.detail = Some(format!(
                    "{size} bytes; at most {} bytes per file",
                    settings.max_attachment_bytes
                ));
            }
            _ => candidates.push((items.len(), attachment)),
        }
        items.push(item);
    }
    if candidates.len() > settings.max_invoices {
        for (index, _) in &candidates {
            reject(
                &mut items[*index],
                IntakeReason::TooManyInvoices,
                Some(format!(
                    "{} invoices in one message; at most {}",
                    candidates.len(),
                    settings.max_invoices
                )),
            );
        }
        return Ok((items, Vec::new()));
    }

    // Reading scans is slow: the message's files share one budget, so that its processing
    // ends within the job's lease instead of being claimed again by another worker.
    let budget_end = std::time::Instant::now() + settings.ocr_budget;
    let mut verdicts = Vec::with_capacity(candidates.len());
    for (index, attachment) in candidates {
        let verdict = if attachment.kind() == FileKind::Image {
            // An image is a scan: OCR, like a PDF without text.
            Verdict::PlainPdf
        } else {
            verdict(ports.inspector.inspect(attachment.bytes.clone()).await)
        };
        verdicts.push((index, attachment, verdict));
    }
    // A valid XML invoice wins over the PDF beside it; an invalid one leaves the PDF to stand
    // on its own.
    let mut drafts = Vec::new();
    let has_xml_invoice = verdicts
        .iter()
        .any(|(_, a, v)| a.kind() == FileKind::Xml && matches!(v, Verdict::Invoice(_)));
    for (index, attachment, verdict) in verdicts {
        let item = &mut items[index];
        match verdict {
            Verdict::PlainPdf if has_xml_invoice => {
                item.reason = Some(IntakeReason::VisualOfXml);
            }
            Verdict::PlainPdf => {
                if let Some(earlier) = handled_before(ports.intake, message, item, false).await? {
                    reject(item, IntakeReason::AlreadyProcessed, Some(earlier));
                    continue;
                }
                let image = attachment.kind() == FileKind::Image;
                let used_up = || {
                    Err((
                        IntakeReason::RecognitionUnavailable,
                        Some(format!(
                            "The time for reading the scans of one message ({} seconds) was used up before this file; send it in a message of its own.",
                            settings.ocr_budget.as_secs()
                        )),
                    ))
                };
                let recognised = if std::time::Instant::now() >= budget_end {
                    used_up()
                } else {
                    let image_bytes = &attachment.bytes;
                    match recognise_file(ports.ocr, ports.inspector, image_bytes, image, budget_end)
                        .await
                    {
                        // OCR was stopped at the message's deadline.
                        Err((IntakeReason::RecognitionUnavailable, _))
                            if std::time::Instant::now() >= budget_end =>
                        {
                            used_up()
                        }
                        other => other,
                    }
                };
                match recognised {
                    Ok(recognised) => {
                        let hash = ports.blobs.put(&recognised.pdf).await?;
                        // An image's draft shows (and its invoice embeds) a PDF of it.
                        let filename = if image {
                            item.filename.as_deref().map(pdf_name)
                        } else {
                            item.filename.clone()
                        };
                        let (pdf, fields) = (&recognised.pdf, recognised.fields);
                        let draft = open_draft(message, item, filename, pdf, hash, fields);
                        item.outcome = ItemOutcome::Draft;
                        item.draft_id = Some(draft.id);
                        drafts.push(draft);
                    }
                    Err((reason, detail)) => reject(item, reason, detail),
                }
            }
            Verdict::Rejected(reason, detail) => reject(item, reason, detail),
            Verdict::Invoice(inspection) => {
                if let Some(earlier) = handled_before(ports.intake, message, item, true).await? {
                    reject(item, IntakeReason::AlreadyProcessed, Some(earlier));
                    continue;
                }
                if message.purpose == IntakePurpose::Sales && target.sales_as_drafts {
                    match invoice_draft(ports, message, item, &attachment, &inspection).await? {
                        Ok(draft) => {
                            item.outcome = ItemOutcome::Draft;
                            item.reason = Some(IntakeReason::KeptAsDraft);
                            item.detail = Some(
                                "Kept as a draft, as the organization prefers: send it from the drafts.".into(),
                            );
                            item.draft_id = Some(draft.id);
                            drafts.push(draft);
                        }
                        Err((reason, detail)) => reject(item, reason, detail),
                    }
                    continue;
                }
                let key = format!("intake:{}:{index}", message.id);
                let handed = match message.purpose {
                    IntakePurpose::Purchase => {
                        receive(ports, target, &inspection, key, attachment.bytes).await?
                    }
                    IntakePurpose::Sales => {
                        send(ports, message, target, sender, &key, attachment.bytes).await?
                    }
                };
                match handed {
                    Ok(document) => {
                        item.outcome = ItemOutcome::Document;
                        item.document_id = Some(document);
                    }
                    Err((reason, detail)) => reject(item, reason, detail),
                }
            }
        }
    }
    Ok((items, drafts))
}

/// A valid sales invoice kept as a draft: the invoice as mailed is stored to be sent
/// unchanged when a person completes the draft; the draft shows a PDF of it (a Factur-X is
/// one; an XML invoice shows its own visual, BT-125, else Haven's rendering), and its fields
/// are read from that PDF's text to describe it in the list.
async fn invoice_draft<S, R, B, I, M, O>(
    ports: &Processing<'_, S, R, B, I, M, O>,
    message: &IntakeMessage,
    item: &IntakeItem,
    attachment: &Attachment,
    inspection: &Inspection,
) -> DomainResult<Result<Draft, (IntakeReason, Option<String>)>>
where
    B: DocumentStore,
    I: Inspector,
{
    let (pdf, filename) = if inspection.embedded_xml.is_some() {
        (attachment.bytes.clone(), item.filename.clone())
    } else {
        match ports.inspector.visual_pdf(attachment.bytes.clone()).await {
            Ok(pdf) => (pdf, item.filename.as_deref().map(pdf_name)),
            Err(e) => {
                return Ok(Err((
                    IntakeReason::Unreadable,
                    Some(format!("No PDF could be made of the invoice: {e}")),
                )))
            }
        }
    };
    let fields = ports
        .inspector
        .pdf_text(pdf.clone())
        .await
        .map(|text| haven_einvoice::recognition::recognize(&text))
        .unwrap_or_default();
    let invoice_hash = ports.blobs.put(&attachment.bytes).await?;
    let pdf_hash = ports.blobs.put(&pdf).await?;
    let mut draft = open_draft(message, item, filename, &pdf, pdf_hash, fields);
    draft.invoice_hash = Some(invoice_hash.as_str().to_owned());
    Ok(Ok(draft))
}

/// A new open draft of `item`, showing `pdf` (stored as `pdf_hash`), with the fields read.
fn open_draft(
    message: &IntakeMessage,
    item: &IntakeItem,
    filename: Option<String>,
    pdf: &[u8],
    pdf_hash: ContentHash,
    fields: InvoiceFields,
) -> Draft {
    let now = Utc::now();
    Draft {
        id: Uuid::new_v4(),
        environment_id: message.environment_id,
        organization_id: message.organization_id,
        message_id: message.id,
        position: item.position,
        purpose: message.purpose,
        status: DraftStatus::Open,
        filename,
        pdf_hash: pdf_hash.as_str().to_owned(),
        pdf_size: pdf.len() as u64,
        invoice_hash: None,
        fields,
        document_id: None,
        created_at: now,
        updated_at: now,
        finished_at: None,
        finished_by: None,
    }
}

/// Whether the organization had this file before, in an earlier message: as a draft, or
/// (for an invoice, `as_document`) as a document. Says which, for the item's detail.
async fn handled_before<S: IntakeStore>(
    intake: &S,
    message: &IntakeMessage,
    item: &IntakeItem,
    as_document: bool,
) -> DomainResult<Option<String>> {
    let (organization, hash) = (message.organization_id, item.content_hash.as_str());
    if as_document {
        if let Some(document) = intake
            .processed_before(organization, hash, message.id)
            .await?
        {
            return Ok(Some(format!("document {document}")));
        }
    }
    Ok(intake
        .drafted_before(organization, hash, message.id)
        .await?
        .map(|draft| format!("draft {draft}")))
}

/// `scan.jpg` → `scan.pdf`.
fn pdf_name(name: &str) -> String {
    let stem = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
    format!("{stem}.pdf")
}

fn reject(item: &mut IntakeItem, reason: IntakeReason, detail: Option<String>) {
    item.outcome = ItemOutcome::Rejected;
    item.reason = Some(reason);
    item.detail = detail;
}

type Handed = Result<Uuid, (IntakeReason, Option<String>)>;

/// A purchase invoice into the inbox: for the buyer id in the document when it is one of the
/// organization's receiving ids, else for the first of them that receives.
async fn receive<S, R, B, I, M, O>(
    ports: &Processing<'_, S, R, B, I, M, O>,
    target: &IntakeTarget,
    inspection: &Inspection,
    key: String,
    bytes: Vec<u8>,
) -> DomainResult<Handed>
where
    R: DocumentRecords,
    B: DocumentStore,
    I: Inspector,
{
    let buyer = inspection
        .summary
        .as_ref()
        .and_then(|s| s.buyer.endpoint.as_ref())
        .map(|e| match &e.scheme {
            Some(scheme) => format!("{scheme}:{}", e.value),
            None => e.value.clone(),
        });
    let Some(party) = receiving_party(&target.parties, buyer.as_deref()) else {
        return Ok(Err((IntakeReason::ReceivingOff, None)));
    };
    let handover = Handover {
        note: None,
        envelope: None,
        party,
        channel: Channel::EmailIntake,
        key,
        price: ports.send.prices.received.clone(),
    };
    match receive_document(ports.records, ports.blobs, ports.inspector, handover, bytes).await {
        Ok(ReceiveOutcome::Stored(document)) => Ok(Ok(document.id)),
        Ok(ReceiveOutcome::AlreadyThere(id)) => Ok(Ok(id)),
        Ok(ReceiveOutcome::Rejected(_)) => Ok(Err((IntakeReason::ValidationFailed, None))),
        // Email has no envelope to check against; kept for completeness.
        Ok(ReceiveOutcome::NotAsAddressed(why)) => {
            Ok(Err((IntakeReason::ValidationFailed, Some(why))))
        }
        Err(DomainError::Conflict { message, .. }) => {
            Ok(Err((IntakeReason::ReceivingOff, Some(message))))
        }
        Err(e) => Err(e),
    }
}

fn receiving_party<'p>(parties: &'p [PartyRecord], buyer: Option<&str>) -> Option<&'p PartyRecord> {
    let receiving = || parties.iter().filter(|p| p.receives());
    buyer
        .and_then(|b| receiving().find(|p| p.participant_id.eq_ignore_ascii_case(b.trim())))
        .or_else(|| receiving().find(|p| p.participant_id.starts_with("0106:")))
        .or_else(|| receiving().next())
}

/// A sales invoice sent on, as an upload from the organization would be.
async fn send<S, R, B, I, M, O>(
    ports: &Processing<'_, S, R, B, I, M, O>,
    message: &IntakeMessage,
    target: &IntakeTarget,
    sender: &str,
    key: &str,
    bytes: Vec<u8>,
) -> DomainResult<Handed>
where
    R: DocumentRecords,
    B: DocumentStore,
    I: Inspector,
{
    let Some(party) = target
        .parties
        .iter()
        .find(|p| p.send_enabled && p.participant_id.starts_with("0106:"))
        .or_else(|| target.parties.iter().find(|p| p.send_enabled))
    else {
        return Ok(Err((
            IntakeReason::NotAllowed,
            Some("Sending is switched off for every id of the organization.".into()),
        )));
    };
    let access = PartyAccess {
        party: party.clone(),
        organization: Authorized {
            organization: target.organization.clone(),
            role: OrgRole::Member,
            partner: None,
        },
    };
    let caller = PartyCaller::Email {
        environment_id: message.environment_id,
        sender,
    };
    let request = SendRequest {
        bytes,
        idempotency_key: Some(key_uuid(key).to_string()),
    };
    let outcome = send_sales_invoice(
        ports.records,
        ports.blobs,
        ports.inspector,
        ports.send,
        &caller,
        &access,
        request,
    )
    .await;
    match outcome {
        Ok(SendOutcome::Accepted(document)) => Ok(Ok(document.id)),
        Ok(SendOutcome::AlreadySent { original_id }) => Ok(Ok(original_id)),
        Ok(SendOutcome::Rejected(_)) => Ok(Err((IntakeReason::ValidationFailed, None))),
        Err(DomainError::Forbidden(why) | DomainError::Conflict { message: why, .. }) => {
            Ok(Err((IntakeReason::NotAllowed, Some(why))))
        }
        Err(e) => Err(e),
    }
}

/// The same attachment of the same message always sends under the same idempotency key.
pub(super) fn key_uuid(key: &str) -> Uuid {
    let digest = Sha256::digest(key.as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn an_image_draft_is_named_as_a_pdf() {
        assert_eq!(pdf_name("scan.jpeg"), "scan.pdf");
        assert_eq!(pdf_name("factuur"), "factuur.pdf");
    }

    #[test]
    fn the_same_key_gives_the_same_uuid() {
        assert_eq!(key_uuid("intake:a:1"), key_uuid("intake:a:1"));
        assert_ne!(key_uuid("intake:a:1"), key_uuid("intake:a:2"));
    }

    fn item(outcome: ItemOutcome) -> IntakeItem {
        IntakeItem {
            position: 0,
            filename: None,
            content_type: "application/xml".into(),
            size_bytes: 1,
            content_hash: String::new(),
            outcome,
            reason: None,
            detail: None,
            document_id: None,
            draft_id: None,
        }
    }

    #[test]
    fn the_status_counts_documents_and_rejections() {
        use ItemOutcome::{Document, Ignored, Rejected};
        assert_eq!(
            status_of(&[item(Document), item(Ignored)]),
            IntakeStatus::Processed
        );
        assert_eq!(
            status_of(&[item(Document), item(Rejected)]),
            IntakeStatus::PartlyProcessed
        );
        assert_eq!(status_of(&[item(Rejected)]), IntakeStatus::Rejected);
        assert_eq!(status_of(&[]), IntakeStatus::Rejected);
        assert_eq!(
            message_reason(&[item(Ignored)], 50),
            Some(IntakeReason::NoInvoice)
        );
        assert_eq!(
            message_reason(&[item(Rejected), item(Rejected)], 1),
            Some(IntakeReason::TooManyInvoices)
        );
        assert_eq!(message_reason(&[item(Document)], 50), None);
    }
}
