//! Drafts: invoices recognised in PDFs that carry text but no structured data. Intake
//! processing makes them ([`recognise_pdf`]); a member of the organization checks the
//! fields next to the PDF, corrects them, and completes the draft, which makes a Peppol BIS
//! Billing 3.0 UBL invoice of it and hands that to the same send or receive use case that
//! an XML invoice by email reaches.

use chrono::Utc;
use haven_einvoice::{
    recognition::{
        check, compose_invoice, extract_text, recognize, text_from_tsv, FieldProblem,
        InvoiceFields, Party, PdfText, TextError, Visual,
    },
    Severity,
};
use uuid::Uuid;

use super::{
    ocr::{Ocr, ScanKind},
    processing::key_uuid,
    records::{Draft, DraftStatus, IntakePurpose, IntakeReason},
    store::{DraftStore, IntakeStore, IntakeTarget},
};
use crate::{
    accounts::{Caller, PartyCaller},
    documents::{
        blobs::{ContentHash, DocumentStore},
        receiving::{receive_document, Handover, ReceiveOutcome},
        records::Channel,
        sending::{
            send_sales_invoice, Inspector, PartyAccess, SendOutcome, SendRequest, SendSettings,
        },
        store::{DocumentRecords, PartyRecord},
    },
    organizations::{policy::OrgAction, service::Authorized},
    paging::{Page, PageQuery, PageRequest},
    ConflictCode, DomainError, DomainResult, FieldError,
};

/// Reads the text of a PDF without an embedded invoice and recognises its fields.
///
/// # Errors
/// Why no draft can be made, as an intake reason with a detail for the sender: encrypted,
/// signed, unreadable, no text (a scan), or text that is not an invoice.
pub fn recognise_pdf(bytes: &[u8]) -> Result<InvoiceFields, (IntakeReason, Option<String>)> {
    let text = extract_text(bytes).map_err(text_problem)?;
    fields_of(&text)
}

fn text_problem(e: TextError) -> (IntakeReason, Option<String>) {
    let reason = match e {
        TextError::Encrypted => IntakeReason::EncryptedPdf,
        TextError::Signed => IntakeReason::SignedPdf,
        TextError::Unreadable => IntakeReason::Unreadable,
        TextError::NoText => IntakeReason::RecognitionUnavailable,
    };
    (reason, Some(e.to_string()))
}

fn fields_of(text: &PdfText) -> Result<InvoiceFields, (IntakeReason, Option<String>)> {
    let fields = recognize(text);
    if fields.looks_like_an_invoice() {
        Ok(fields)
    } else {
        Err((
            IntakeReason::NotAnInvoice,
            Some("No invoice number or date with an amount was found in the text.".into()),
        ))
    }
}

/// A file recognised into a draft: its fields, and the PDF the draft shows (the PDF as
/// mailed, or for an image a PDF of it).
#[derive(Debug)]
pub struct Recognised {
    pub fields: InvoiceFields,
    pub pdf: Vec<u8>,
}

/// Recognises the fields of a PDF without an embedded invoice, or of an image: from the
/// PDF's text when it has some, else from the words OCR reads on the scan, which is given up
/// at `deadline`.
///
/// # Errors
/// As [`recognise_pdf`]; a scan OCR cannot read is `recognition_unavailable`, saying why
/// (OCR not installed, too slow, a broken file).
#[tracing::instrument(name = "recognise intake file", skip_all, fields(image, ocr))]
pub async fn recognise_file<O: Ocr, I: Inspector>(
    ocr: &O,
    inspector: &I,
    bytes: &[u8],
    image: bool,
    deadline: std::time::Instant,
) -> Result<Recognised, (IntakeReason, Option<String>)> {
    tracing::Span::current().record("image", image);
    if !image {
        match inspector.pdf_text(bytes.to_vec()).await {
            Ok(text) => {
                return fields_of(&text).map(|fields| Recognised {
                    fields,
                    pdf: bytes.to_vec(),
                });
            }
            Err(TextError::NoText) => {}
            Err(e) => return Err(text_problem(e)),
        }
    }
    tracing::Span::current().record("ocr", true);
    let kind = if image {
        ScanKind::Image
    } else {
        ScanKind::Pdf
    };
    let scanned = ocr
        .scan_until(bytes.to_vec(), kind, deadline)
        .await
        .map_err(|e| {
            tracing::info!(error = %e, "OCR could not read the scan");
            (IntakeReason::RecognitionUnavailable, Some(e.to_string()))
        })?;
    let text = text_from_tsv(&scanned.pages);
    if text.rows.is_empty() {
        return Err((
            IntakeReason::NotAnInvoice,
            Some("OCR found no text on the scan.".into()),
        ));
    }
    let fields = fields_of(&text)?;
    let pdf = if image {
        scanned.pdf.ok_or_else(|| {
            (
                IntakeReason::RecognitionUnavailable,
                Some("OCR made no PDF of the image.".into()),
            )
        })?
    } else {
        bytes.to_vec()
    };
    Ok(Recognised { fields, pdf })
}

/// The ports the draft use cases need.
pub struct DraftPorts<'a, S, D, R, B, I> {
    pub intake: &'a S,
    pub drafts: &'a D,
    pub records: &'a R,
    pub blobs: &'a B,
    pub inspector: &'a I,
    pub send: &'a SendSettings,
}

fn not_found(id: Uuid) -> DomainError {
    DomainError::not_found("draft", id)
}

fn not_open(draft: &Draft) -> DomainError {
    DomainError::conflict(
        ConflictCode::DraftNotOpen,
        format!("The draft is {} already.", draft.status.as_str()),
    )
}

fn field_errors(problems: Vec<FieldProblem>) -> DomainError {
    DomainError::Validation(
        problems
            .into_iter()
            .map(|p| FieldError {
                field: p.field,
                code: p.code,
                message: p.message,
            })
            .collect(),
    )
}

/// One page of the organization's drafts, newest first.
///
/// # Errors
/// `Forbidden`, `Validation` (page), a store's error.
#[tracing::instrument(name = "list intake drafts", skip_all, fields(organization_id = %org.organization.id))]
pub async fn list_drafts<D: DraftStore>(
    drafts: &D,
    org: &Authorized,
    status: Option<DraftStatus>,
    page: &PageQuery,
) -> DomainResult<Page<Draft>> {
    let organization = org.allow(OrgAction::View)?;
    let page = PageRequest::parse(page.limit, page.before.as_deref())?;
    let rows = drafts.list_drafts(organization.id, status, &page).await?;
    Ok(page.page(rows, |d| (d.created_at, d.id)))
}

/// One draft of the organization.
///
/// # Errors
/// `NotFound`, `Forbidden`, a store's error.
#[tracing::instrument(name = "get intake draft", skip_all, fields(organization_id = %org.organization.id, draft_id = %id))]
pub async fn get_draft<D: DraftStore>(
    drafts: &D,
    org: &Authorized,
    id: Uuid,
) -> DomainResult<Draft> {
    let organization = org.allow(OrgAction::View)?;
    drafts
        .find_draft(organization.id, id)
        .await?
        .ok_or_else(|| not_found(id))
}

/// The draft's PDF.
///
/// # Errors
/// `NotFound`, `Forbidden`, a store's error.
#[tracing::instrument(name = "get intake draft pdf", skip_all, fields(organization_id = %org.organization.id, draft_id = %id))]
pub async fn draft_pdf<D: DraftStore, B: DocumentStore>(
    drafts: &D,
    blobs: &B,
    org: &Authorized,
    id: Uuid,
) -> DomainResult<(Draft, Vec<u8>)> {
    let draft = get_draft(drafts, org, id).await?;
    let bytes = stored_pdf(blobs, &draft).await?;
    Ok((draft, bytes))
}

async fn stored_pdf<B: DocumentStore>(blobs: &B, draft: &Draft) -> DomainResult<Vec<u8>> {
    stored(blobs, &draft.pdf_hash, draft.id).await
}

async fn stored<B: DocumentStore>(blobs: &B, hash: &str, draft: Uuid) -> DomainResult<Vec<u8>> {
    let hash = ContentHash::parse(hash).ok_or_else(|| {
        DomainError::Unexpected(anyhow::anyhow!("draft {draft} has a malformed hash"))
    })?;
    blobs.get(&hash).await
}

/// Saves corrected fields of an open draft. Each field is checked for its form (dates,
/// amounts, identifiers with their check digits); what is missing may stay missing until
/// the draft is completed.
///
/// # Errors
/// `NotFound`, `Forbidden`, `Validation` (per field), `Conflict` (not open), a store's error.
#[tracing::instrument(name = "update intake draft", skip_all, fields(organization_id = %org.organization.id, draft_id = %id))]
pub async fn update_draft<D: DraftStore>(
    drafts: &D,
    org: &Authorized,
    id: Uuid,
    fields: InvoiceFields,
) -> DomainResult<Draft> {
    let organization = org.allow(OrgAction::SendDocuments)?;
    let draft = drafts
        .find_draft(organization.id, id)
        .await?
        .ok_or_else(|| not_found(id))?;
    if draft.status != DraftStatus::Open {
        return Err(not_open(&draft));
    }
    if draft.invoice_hash.is_some() {
        return Err(DomainError::conflict(
            ConflictCode::DraftIsInvoice,
            "The draft is a valid invoice as mailed; it is sent as it is. Discard it to send a corrected one.".into(),
        ));
    }
    let problems = check(&fields);
    if !problems.is_empty() {
        return Err(field_errors(problems));
    }
    match drafts.save_draft_fields(id, &fields, Utc::now()).await? {
        Some(saved) => Ok(saved),
        None => Err(not_open(&draft)),
    }
}

/// Discards an open draft.
///
/// # Errors
/// `NotFound`, `Forbidden`, `Conflict` (not open), a store's error.
#[tracing::instrument(name = "discard intake draft", skip_all, fields(organization_id = %org.organization.id, draft_id = %id))]
pub async fn discard_draft<D: DraftStore>(
    drafts: &D,
    caller: &Caller<'_>,
    org: &Authorized,
    id: Uuid,
) -> DomainResult<Draft> {
    let organization = org.allow(OrgAction::SendDocuments)?;
    let draft = drafts
        .find_draft(organization.id, id)
        .await?
        .ok_or_else(|| not_found(id))?;
    drafts
        .finish_draft(
            id,
            DraftStatus::Discarded,
            None,
            &caller.user.email,
            Utc::now(),
        )
        .await?
        .ok_or_else(|| not_open(&draft))
}

/// Completes an open draft: makes the UBL invoice of its fields (the organization's own
/// data on its side) and hands it on, validated there: a purchase invoice into
/// the organization's inbox, a sales invoice sent on as an upload would be. The handover
/// carries a key derived from the draft, so two completions at once store one document;
/// then the draft moves to `completed` in one conditional statement.
///
/// # Errors
/// `NotFound`, `Forbidden`, `Validation` (missing or wrong fields, rule failures of the
/// invoice), `Conflict` (not open, organization not active, receiving or sending off), a
/// store's error.
#[tracing::instrument(name = "complete intake draft", skip_all, fields(organization_id = %org.organization.id, draft_id = %id, document_id))]
pub async fn complete_draft<S, D, R, B, I>(
    ports: &DraftPorts<'_, S, D, R, B, I>,
    caller: &Caller<'_>,
    org: &Authorized,
    id: Uuid,
) -> DomainResult<Draft>
where
    S: IntakeStore,
    D: DraftStore,
    R: DocumentRecords,
    B: DocumentStore,
    I: Inspector,
{
    let organization = org.allow(OrgAction::SendDocuments)?;
    let draft = ports
        .drafts
        .find_draft(organization.id, id)
        .await?
        .ok_or_else(|| not_found(id))?;
    if draft.status != DraftStatus::Open {
        return Err(not_open(&draft));
    }
    let target = ports
        .intake
        .intake_target_of(organization.id)
        .await?
        .ok_or_else(|| {
            DomainError::conflict(
                ConflictCode::OrganizationNotActive,
                "Only an active organization completes drafts.".into(),
            )
        })?;
    // The invoice is validated once, by the use case it is handed to (receiving or sending),
    // whose rule failures come back as this call's field errors; nothing is stored then.
    let (xml, party) = match &draft.invoice_hash {
        // A valid invoice as mailed, kept as a draft: it is handed on unchanged.
        Some(hash) => (
            stored(ports.blobs, hash, draft.id).await?,
            own_party(draft.purpose, &target)?,
        ),
        None => {
            let (seller, buyer, party) = sides(&draft, &target)?;
            let pdf = stored_pdf(ports.blobs, &draft).await?;
            let visual = Visual {
                filename: draft.filename.as_deref().unwrap_or("invoice.pdf"),
                pdf: &pdf,
            };
            let xml = compose_invoice(&draft.fields, &seller, &buyer, Some(visual))
                .map_err(field_errors)?;
            (xml, party)
        }
    };
    let key = format!("draft:{id}");
    let document_id = match draft.purpose {
        IntakePurpose::Purchase => {
            let handover = Handover {
                note: None,
                envelope: None,
                party: &party,
                channel: Channel::EmailIntake,
                key,
                price: ports.send.prices.received.clone(),
            };
            match receive_document(ports.records, ports.blobs, ports.inspector, handover, xml)
                .await?
            {
                ReceiveOutcome::Stored(document) => document.id,
                ReceiveOutcome::AlreadyThere(id) => id,
                ReceiveOutcome::Rejected(report) => return Err(rule_errors(&report)),
                // Email has no envelope to check against; kept for completeness.
                ReceiveOutcome::NotAsAddressed(why) => {
                    return Err(DomainError::Validation(vec![FieldError {
                        field: "invoice".into(),
                        code: "not_as_addressed",
                        message: why,
                    }]))
                }
            }
        }
        IntakePurpose::Sales => {
            let access = PartyAccess {
                party,
                organization: org.clone(),
            };
            let request = SendRequest {
                bytes: xml,
                idempotency_key: Some(key_uuid(&key).to_string()),
            };
            match send_sales_invoice(
                ports.records,
                ports.blobs,
                ports.inspector,
                ports.send,
                &PartyCaller::User(*caller),
                &access,
                request,
            )
            .await?
            {
                SendOutcome::Accepted(document) => document.id,
                SendOutcome::AlreadySent { original_id } => original_id,
                SendOutcome::Rejected(report) => return Err(rule_errors(&report)),
            }
        }
    };
    tracing::Span::current().record("document_id", tracing::field::display(document_id));
    let finished = ports
        .drafts
        .finish_draft(
            id,
            DraftStatus::Completed,
            Some(document_id),
            &caller.user.email,
            Utc::now(),
        )
        .await?;
    match finished {
        Some(done) => Ok(done),
        // A completion running at the same moment finished first, with the same document
        // (the handover key saw to that).
        None => {
            let now = ports
                .drafts
                .find_draft(organization.id, id)
                .await?
                .ok_or_else(|| not_found(id))?;
            if now.status == DraftStatus::Completed && now.document_id == Some(document_id) {
                Ok(now)
            } else {
                Err(not_open(&now))
            }
        }
    }
}

/// Fatal findings of the engine as details of the `invoice` as a whole.
fn rule_errors(report: &haven_einvoice::ValidationReport) -> DomainError {
    DomainError::Validation(
        report
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Fatal)
            .take(20)
            .map(|f| FieldError {
                field: "invoice".into(),
                code: "rule_failed",
                message: format!("{}: {}", f.rule_id, f.message),
            })
            .collect(),
    )
}

/// Seller and buyer of the invoice and the organization's participant id it goes through:
/// for a purchase invoice the organization is the buyer (through an id that receives), for
/// a sales invoice the seller (through an id that sends).
/// The organization's participant id a draft is handed on for: the first that receives (a
/// purchase) or sends (a sale), its KvK id first.
fn own_party(purpose: IntakePurpose, target: &IntakeTarget) -> DomainResult<PartyRecord> {
    let kvk_first = |ok: fn(&PartyRecord) -> bool| {
        target
            .parties
            .iter()
            .filter(|p| ok(p))
            .find(|p| p.participant_id.starts_with("0106:"))
            .or_else(|| target.parties.iter().find(|p| ok(p)))
            .cloned()
    };
    match purpose {
        IntakePurpose::Purchase => kvk_first(PartyRecord::receives).ok_or_else(|| {
            DomainError::conflict(
                ConflictCode::ReceivingNotEnabled,
                "Receiving is switched off for every id of the organization.".into(),
            )
        }),
        IntakePurpose::Sales => kvk_first(|p| p.send_enabled).ok_or_else(|| {
            DomainError::Forbidden(
                "Sending is switched off for every id of the organization.".into(),
            )
        }),
    }
}

fn sides(draft: &Draft, target: &IntakeTarget) -> DomainResult<(Party, Party, PartyRecord)> {
    let org = &target.organization;
    // The organization's VAT number: its registered one, else (on its own sales invoice) the
    // one the invoice shows for the seller.
    let vat = target
        .parties
        .iter()
        .find_map(|p| p.participant_id.strip_prefix("9944:"))
        .map(str::to_owned)
        .or_else(|| {
            (draft.purpose == IntakePurpose::Sales)
                .then(|| draft.fields.seller_vat.clone())
                .flatten()
        });
    let own = |party: &PartyRecord| {
        let (scheme, value) = party
            .participant_id
            .split_once(':')
            .unwrap_or(("0106", party.participant_id.as_str()));
        let street = match (&org.address.street, &org.address.house_number) {
            (Some(street), Some(number)) => Some(format!("{street} {number}")),
            (street, _) => street.clone(),
        };
        Party {
            name: org.statutory_name.clone(),
            endpoint: (scheme.to_owned(), value.to_owned()),
            kvk: org.kvk_number.clone(),
            vat: vat.clone(),
            street,
            postal_code: org.address.postal_code.clone(),
            city: org.address.city.clone(),
            country: org.country.clone(),
        }
    };
    match draft.purpose {
        IntakePurpose::Purchase => {
            let party = own_party(draft.purpose, target)?;
            let seller = Party::seller_from(&draft.fields).map_err(field_errors)?;
            Ok((seller, own(&party), party))
        }
        IntakePurpose::Sales => {
            let party = own_party(draft.purpose, target)?;
            let buyer = Party::buyer_from(&draft.fields).map_err(field_errors)?;
            Ok((own(&party), buyer, party))
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_pdf_that_is_not_a_pdf_is_unreadable() {
        let (reason, _) = recognise_pdf(b"%PDF-1.7 nonsense").unwrap_err();
        assert_eq!(reason, IntakeReason::Unreadable);
    }
}
