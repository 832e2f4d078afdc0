//! Invoice responses (Peppol Invoice Response 3.0): the buyer tells the seller what became of
//! an invoice. The response is a real UBL ApplicationResponse, stored and delivered like any
//! outgoing document; delivered inside the installation, it updates the seller's outbox.

use chrono::Utc;
use haven_einvoice::invoice_response::{
    self as imr, Clarification, ClarificationCode, Endpoint, InvoiceReference, InvoiceResponse,
    ResponseError, ResponseParty, StatusAction, StatusReason,
};
use uuid::Uuid;

use super::{
    blobs::DocumentStore,
    delivery::{deliver_job, DeliverySettings},
    records::{
        Channel, Direction, Document, DocumentEventKind, DocumentFacts, DocumentKind,
        DocumentStatus, NewDocumentEvent, ResponseCode, UsageKind,
    },
    service::find_document,
    store::{Accepted, DocumentRecords, NewDocument, NewUsage, StatusChange},
};
use crate::{
    accounts::PartyCaller, connections::PartyAction, organizations::store::OrganizationStore,
    DomainError, DomainResult, FieldError,
};

/// A reason or an action code with an optional text.
#[derive(Debug, Clone)]
pub struct ClarificationInput {
    /// A code of `OPStatusReason` (reasons) or `OPStatusAction` (actions).
    pub code: String,
    pub text: Option<String>,
}

/// The buyer's answer as entered.
#[derive(Debug, Clone)]
pub struct RespondInput {
    pub code: ResponseCode,
    pub reasons: Vec<ClarificationInput>,
    pub actions: Vec<ClarificationInput>,
    pub note: Option<String>,
}

fn engine_code(code: ResponseCode) -> imr::ResponseCode {
    match code {
        ResponseCode::Ab => imr::ResponseCode::Ab,
        ResponseCode::Ip => imr::ResponseCode::Ip,
        ResponseCode::Uq => imr::ResponseCode::Uq,
        ResponseCode::Ca => imr::ResponseCode::Ca,
        ResponseCode::Re => imr::ResponseCode::Re,
        ResponseCode::Ap => imr::ResponseCode::Ap,
        ResponseCode::Pd => imr::ResponseCode::Pd,
    }
}

fn endpoint(participant: &str, field: &str) -> DomainResult<Endpoint> {
    participant
        .split_once(':')
        .map(|(scheme, id)| Endpoint {
            scheme: scheme.to_owned(),
            id: id.to_owned(),
        })
        .ok_or_else(|| {
            DomainError::field(
                field,
                "no_endpoint",
                "The invoice has no electronic address to answer to.",
            )
        })
}

fn clarifications(input: &RespondInput) -> DomainResult<Vec<Clarification>> {
    let mut errors = Vec::new();
    let mut out = Vec::new();
    let text = |t: &Option<String>| {
        t.as_ref()
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
    };
    for (index, reason) in input.reasons.iter().enumerate() {
        match StatusReason::from_code(reason.code.trim()) {
            Some(code) => out.push(Clarification {
                code: Some(ClarificationCode::Reason(code)),
                text: text(&reason.text),
                conditions: Vec::new(),
            }),
            None => errors.push(FieldError {
                field: format!("reasons[{index}].code"),
                code: "unknown_code",
                message: "Use a code of the OPStatusReason list (e.g. REF, LEG, QUA, PRI, OTH)."
                    .into(),
            }),
        }
    }
    for (index, action) in input.actions.iter().enumerate() {
        match StatusAction::from_code(action.code.trim()) {
            Some(code) => out.push(Clarification {
                code: Some(ClarificationCode::Action(code)),
                text: text(&action.text),
                conditions: Vec::new(),
            }),
            None => errors.push(FieldError {
                field: format!("actions[{index}].code"),
                code: "unknown_code",
                message: "Use a code of the OPStatusAction list (e.g. NOA, PIN, NIN, CNF, OTH)."
                    .into(),
            }),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(DomainError::Validation(errors))
    }
}

fn rule_error(e: ResponseError) -> DomainError {
    match e {
        ResponseError::Missing { field } => DomainError::field(
            field,
            "required",
            "This response code needs a status reason (UQ, CA and RE do).",
        ),
        ResponseError::Invalid { field, reason } => DomainError::Validation(vec![FieldError {
            field: field.to_owned(),
            code: "invalid",
            message: reason,
        }]),
        other => DomainError::Unexpected(anyhow::anyhow!("building an invoice response: {other}")),
    }
}

/// Answers a purchase invoice with an Invoice Response: builds the UBL ApplicationResponse,
/// stores it, moves the invoice's inbox status with the code (AP → approved, RE → rejected,
/// PD → paid, IP/UQ/CA → under review) and queues the response's delivery to the seller.
///
/// # Errors
/// As [`find_document`]; `Validation` for codes outside the lists or a missing reason.
#[tracing::instrument(name = "respond to invoice", skip_all, fields(document_id = %id, code = input.code.as_str()))]
#[allow(clippy::too_many_arguments)]
pub async fn respond<R, O, B>(
    records: &R,
    organizations: &O,
    blobs: &B,
    settings: &DeliverySettings,
    caller: &PartyCaller<'_>,
    party_id: &str,
    id: Uuid,
    input: RespondInput,
) -> DomainResult<Document>
where
    R: DocumentRecords,
    O: OrganizationStore,
    B: DocumentStore,
{
    let (access, invoice) = find_document(
        records,
        organizations,
        caller,
        party_id,
        Direction::Incoming,
        id,
        PartyAction::ChangeStatus,
    )
    .await?;
    if invoice.kind == DocumentKind::InvoiceResponse {
        return Err(DomainError::not_found("document", id));
    }
    let clarifications = clarifications(&input)?;
    let facts = &invoice.facts;
    let seller = facts.seller_endpoint.clone().unwrap_or_default();
    let response_id = Uuid::new_v4();
    let today = Utc::now().date_naive().to_string();
    let response = InvoiceResponse {
        id: response_id.to_string(),
        issue_date: today.clone(),
        note: input
            .note
            .clone()
            .map(|n| n.trim().to_owned())
            .filter(|n| !n.is_empty()),
        sender: ResponseParty {
            endpoint: endpoint(&access.party.participant_id, "partyId")?,
            name: access.party.organization_name.clone(),
            identifier: None,
        },
        receiver: ResponseParty {
            endpoint: endpoint(&seller, "sellerEndpoint")?,
            name: facts.seller_name.clone().unwrap_or_else(|| seller.clone()),
            identifier: None,
        },
        code: engine_code(input.code),
        effective_date: None,
        clarifications,
        invoice: InvoiceReference {
            id: facts.number.clone().unwrap_or_default(),
            issue_date: facts.issue_date.clone(),
            type_code: if invoice.kind == DocumentKind::CreditNote {
                "381"
            } else {
                "380"
            }
            .into(),
        },
    };
    let xml = imr::build(&response).map_err(rule_error)?;
    let bytes = xml.into_bytes();
    let content_hash = blobs.put(&bytes).await?;

    let by = caller.by();
    let by = Some(by.as_str());
    let document = NewDocument {
        id: response_id,
        environment_id: invoice.environment_id,
        organization_id: invoice.organization_id,
        direction: Direction::Outgoing,
        kind: DocumentKind::InvoiceResponse,
        status: DocumentStatus::Validated,
        channel: None,
        party_id: access.party.participant_id.clone(),
        receiver_id: None,
        facts: DocumentFacts {
            number: Some(response_id.to_string()),
            issue_date: Some(today),
            syntax: "ubl".into(),
            seller_name: Some(access.party.organization_name.clone()),
            seller_endpoint: Some(access.party.participant_id.clone()),
            buyer_name: facts.seller_name.clone(),
            buyer_endpoint: facts.seller_endpoint.clone(),
            ..DocumentFacts::default()
        },
        content_hash,
        content_type: "application/xml".into(),
        size_bytes: bytes.len() as u64,
        idempotency_key: None,
        related_id: Some(invoice.id),
        response: Some(input.code),
        handover_key: None,
        received_note: None,
    };
    let mut answered = StatusChange::new(
        input.code.inbox_status().unwrap_or(invoice.status),
        NewDocumentEvent::new(DocumentEventKind::ResponseSent)
            .details(format!("{} ({})", input.code.code(), response_id))
            .by(by),
    );
    answered.response = Some(input.code);
    let events = vec![NewDocumentEvent::new(DocumentEventKind::Accepted)
        .channel(Channel::Api)
        .by(by)];
    let usage = NewUsage {
        kind: UsageKind::SentApi,
        price: "0.00".into(),
    };
    let job = deliver_job(response_id, None, 0, settings);
    match records
        .accept_response(document, events, usage, vec![job], invoice.id, answered)
        .await?
    {
        Accepted::Stored(_) | Accepted::Replayed { .. } => {}
    }
    records
        .find_document(invoice.environment_id, invoice.id)
        .await?
        .ok_or_else(|| DomainError::not_found("document", id))
}
