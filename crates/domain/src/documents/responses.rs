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
    store::{
        Accepted, DocumentRecords, NewDocument, NewUsage, PartyRecord, Received, StatusChange,
    },
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

fn domain_code(code: imr::ResponseCode) -> ResponseCode {
    match code {
        imr::ResponseCode::Ab => ResponseCode::Ab,
        imr::ResponseCode::Ip => ResponseCode::Ip,
        imr::ResponseCode::Uq => ResponseCode::Uq,
        imr::ResponseCode::Ca => ResponseCode::Ca,
        imr::ResponseCode::Re => ResponseCode::Re,
        imr::ResponseCode::Ap => ResponseCode::Ap,
        imr::ResponseCode::Pd => ResponseCode::Pd,
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

/// What a response does to the invoice it answers, however it arrived: the invoice keeps its
/// delivery status, takes the response's code, and its history says who answered (the line
/// raises `InvoiceResponseReceived`).
pub(crate) fn response_on_invoice(
    invoice_status: DocumentStatus,
    code: Option<ResponseCode>,
    from: &str,
    channel: Channel,
    note: Option<&str>,
) -> StatusChange {
    let code_text = code.map_or("?", ResponseCode::code);
    let details = match note {
        Some(note) => format!("{code_text} from {from}, {note}"),
        None => format!("{code_text} from {from}"),
    };
    let mut change = StatusChange::new(
        invoice_status,
        NewDocumentEvent::new(DocumentEventKind::ResponseReceived)
            .channel(channel)
            .details(details),
    );
    change.response = code;
    change
}

/// An Invoice Response from outside the installation, as read and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadResponse {
    pub code: ResponseCode,
    /// The number of the invoice answered (`cac:DocumentResponse/cac:DocumentReference/cbc:ID`).
    pub invoice_number: String,
    /// The response's own id and issue date.
    pub id: Option<String>,
    pub issue_date: Option<String>,
    /// Sender (the buyer) and receiver (the seller): electronic addresses as `scheme:value`
    /// and names.
    pub sender: String,
    pub sender_name: Option<String>,
    pub receiver: String,
    pub receiver_name: Option<String>,
    /// Reason and action codes (`OPStatusReason`, `OPStatusAction`) with their texts.
    pub clarifications: Vec<(String, Option<String>)>,
}

fn participant(party: &imr::ParsedParty) -> Option<String> {
    party.endpoint.as_ref().map(|e| {
        format!(
            "{}:{}",
            e.scheme.as_deref().unwrap_or_default(),
            e.value.trim()
        )
    })
}

/// Reads a received Invoice Response and checks it: the Invoice Response 3.0 rules (response
/// codes from the list, a reason with UQ, CA and RE, reason and action codes from their
/// lists, …) and, when an envelope names sender and receiver (Peppol's SBDH), that they are
/// the response's sender and receiver parties. `Err` says why it is refused.
///
/// # Errors
/// The reason, in a sentence for the sender.
pub fn read_response(
    bytes: &[u8],
    envelope: Option<&super::receiving::Envelope>,
) -> Result<ReadResponse, String> {
    let parsed = imr::parse(bytes).map_err(|e| format!("not a readable Invoice Response: {e}"))?;
    let fatal: Vec<String> = imr::validate_response(bytes)
        .into_iter()
        .filter(|f| f.severity == haven_einvoice::Severity::Fatal)
        .map(|f| f.rule_id)
        .collect();
    if !fatal.is_empty() {
        return Err(format!(
            "the Invoice Response does not pass validation ({} fatal findings: {})",
            fatal.len(),
            fatal
                .iter()
                .take(10)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let sender = participant(&parsed.sender)
        .ok_or("the Invoice Response names no sender electronic address")?;
    let receiver = participant(&parsed.receiver)
        .ok_or("the Invoice Response names no receiver electronic address")?;
    if let Some(envelope) = envelope {
        if !sender.eq_ignore_ascii_case(&envelope.sender) {
            return Err(format!(
                "the envelope's sender {} is not the response's sender party {sender}",
                envelope.sender
            ));
        }
        if !receiver.eq_ignore_ascii_case(&envelope.receiver) {
            return Err(format!(
                "the envelope's receiver {} is not the response's receiver party {receiver}",
                envelope.receiver
            ));
        }
    }
    Ok(ReadResponse {
        code: domain_code(parsed.code),
        invoice_number: parsed.invoice_id.trim().to_owned(),
        id: parsed.id,
        issue_date: parsed.issue_date,
        sender,
        sender_name: parsed.sender.name,
        receiver,
        receiver_name: parsed.receiver.name,
        clarifications: parsed
            .clarifications
            .into_iter()
            .filter_map(|c| c.code_value.map(|code| (code, c.text)))
            .collect(),
    })
}

/// A response handed to this installation for the seller `party`.
#[derive(Debug, Clone)]
pub struct ResponseHandover<'a> {
    /// The seller's participant id the response is addressed to.
    pub party: &'a PartyRecord,
    pub channel: Channel,
    /// Makes a repeated handover of the same response record it once.
    pub key: String,
    /// Added to the history lines (how it came: the network's message id and access points).
    pub note: Option<String>,
    /// The sender and receiver the envelope names.
    pub envelope: Option<super::receiving::Envelope>,
}

/// What came of a received response.
#[derive(Debug, Clone)]
pub enum ResponseOutcome {
    /// Recorded on the invoice it answers (the id of that invoice).
    Recorded(Uuid),
    /// Handed over before with the same key; nothing changed.
    AlreadyThere,
    /// Refused (why); nothing was stored.
    Refused(String),
}

/// The outgoing invoice a response from `buyer` answers: of the seller's organization, sent
/// from (or naming as seller) the addressed id, to the buyer, with the number; the newest
/// when several match.
async fn answered_invoice<R: DocumentRecords>(
    records: &R,
    party: &PartyRecord,
    read: &ReadResponse,
) -> DomainResult<Option<Document>> {
    let same = |id: Option<&str>, expected: &str| {
        id.is_some_and(|id| id.trim().eq_ignore_ascii_case(expected))
    };
    let sent = records
        .sent_with_number(party.organization_id, &read.invoice_number)
        .await?;
    Ok(sent.into_iter().find(|invoice| {
        let seller = same(Some(&invoice.party_id), &read.receiver)
            || same(invoice.facts.seller_endpoint.as_deref(), &read.receiver);
        let buyer = same(invoice.receiver_id.as_deref(), &read.sender)
            || super::delivery::buyer_ids(&invoice.facts)
                .iter()
                .any(|id| same(Some(id), &read.sender));
        seller && buyer
    }))
}

/// Records an Invoice Response that came from outside the installation (over Peppol) on the
/// seller's invoice it answers, as a response delivered inside the installation is: the
/// invoice takes the code and a history line, which raises `InvoiceResponseReceived`, in the
/// same transaction that stores the response's bytes as an incoming document of the seller
/// (kind `invoice_response`, related to the invoice; not listed in the inbox). A response the
/// rules refuse, or for an invoice not sent from here, is refused with nothing stored.
///
/// # Errors
/// When the records or the document store fail.
#[tracing::instrument(name = "receive invoice response", skip_all, fields(party_id = %handover.party.participant_id, channel = handover.channel.as_str()))]
pub async fn receive_response<R, B>(
    records: &R,
    blobs: &B,
    handover: ResponseHandover<'_>,
    bytes: Vec<u8>,
) -> DomainResult<ResponseOutcome>
where
    R: DocumentRecords,
    B: DocumentStore,
{
    let party = handover.party;
    let read = match read_response(&bytes, handover.envelope.as_ref()) {
        Ok(read) => read,
        Err(why) => return Ok(ResponseOutcome::Refused(why)),
    };
    if handover.envelope.is_none() && !read.receiver.eq_ignore_ascii_case(&party.participant_id) {
        return Ok(ResponseOutcome::Refused(format!(
            "the response is for {}, not {}",
            read.receiver, party.participant_id
        )));
    }
    let Some(invoice) = answered_invoice(records, party, &read).await? else {
        return Ok(ResponseOutcome::Refused(format!(
            "no invoice {} was sent from {} to {}",
            read.invoice_number, read.receiver, read.sender
        )));
    };
    let content_hash = blobs.put(&bytes).await?;
    let from = read
        .sender_name
        .clone()
        .unwrap_or_else(|| read.sender.clone());
    let document = NewDocument {
        id: Uuid::new_v4(),
        environment_id: invoice.environment_id,
        organization_id: invoice.organization_id,
        direction: Direction::Incoming,
        kind: DocumentKind::InvoiceResponse,
        status: DocumentStatus::Received,
        channel: Some(handover.channel),
        party_id: party.participant_id.clone(),
        receiver_id: Some(party.participant_id.clone()),
        // As the responder's own copy has them: the responder in the seller's place.
        facts: DocumentFacts {
            number: read.id.clone(),
            issue_date: read.issue_date.clone(),
            syntax: "ubl".into(),
            seller_name: Some(from.clone()),
            seller_endpoint: Some(read.sender.clone()),
            buyer_name: read.receiver_name.clone(),
            buyer_endpoint: Some(read.receiver.clone()),
            ..DocumentFacts::default()
        },
        content_hash,
        content_type: "application/xml".into(),
        size_bytes: bytes.len() as u64,
        idempotency_key: None,
        related_id: Some(invoice.id),
        response: Some(read.code),
        handover_key: Some(handover.key),
        received_note: handover.note.clone(),
    };
    let on_invoice = response_on_invoice(
        invoice.status,
        Some(read.code),
        &from,
        handover.channel,
        handover.note.as_deref(),
    );
    match records
        .accept_received_response(document, on_invoice)
        .await?
    {
        Received::Stored(_) => Ok(ResponseOutcome::Recorded(invoice.id)),
        Received::AlreadyThere(_) => Ok(ResponseOutcome::AlreadyThere),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::documents::receiving::Envelope;
    use haven_einvoice::invoice_response::{StatusAction, StatusReason};

    fn xml(code: imr::ResponseCode, clarifications: Vec<Clarification>) -> String {
        let party = |id: &str, name: &str| ResponseParty {
            endpoint: Endpoint {
                scheme: "0106".into(),
                id: id.into(),
            },
            name: name.into(),
            identifier: None,
        };
        imr::build(&InvoiceResponse {
            id: "RESP-1".into(),
            issue_date: "2026-01-05".into(),
            note: None,
            sender: party("90000032", "Buyer B.V."),
            receiver: party("90000016", "Seller B.V."),
            code,
            effective_date: None,
            clarifications,
            invoice: InvoiceReference {
                id: "INV-7".into(),
                issue_date: Some("2026-01-02".into()),
                type_code: "380".into(),
            },
        })
        .unwrap()
    }

    fn envelope(sender: &str, receiver: &str) -> Envelope {
        Envelope {
            sender: sender.into(),
            receiver: receiver.into(),
        }
    }

    #[test]
    fn reads_the_code_the_clarifications_the_invoice_and_the_parties() {
        let rejected = xml(
            imr::ResponseCode::Re,
            vec![
                Clarification {
                    code: Some(ClarificationCode::Reason(StatusReason::Ref)),
                    text: Some("Order unknown".into()),
                    conditions: vec![],
                },
                Clarification {
                    code: Some(ClarificationCode::Action(StatusAction::Nin)),
                    text: None,
                    conditions: vec![],
                },
            ],
        );
        let read = read_response(
            rejected.as_bytes(),
            Some(&envelope("0106:90000032", "0106:90000016")),
        )
        .unwrap();
        assert_eq!(read.code, ResponseCode::Re);
        assert_eq!(read.invoice_number, "INV-7");
        assert_eq!(read.id.as_deref(), Some("RESP-1"));
        assert_eq!(read.issue_date.as_deref(), Some("2026-01-05"));
        assert_eq!(read.sender, "0106:90000032");
        assert_eq!(read.sender_name.as_deref(), Some("Buyer B.V."));
        assert_eq!(read.receiver, "0106:90000016");
        assert_eq!(
            read.clarifications,
            [
                ("REF".to_owned(), Some("Order unknown".to_owned())),
                ("NIN".to_owned(), None)
            ]
        );
        // Every code of the list is read as the domain's.
        for (engine, domain) in [
            (imr::ResponseCode::Ab, ResponseCode::Ab),
            (imr::ResponseCode::Ip, ResponseCode::Ip),
            (imr::ResponseCode::Ap, ResponseCode::Ap),
            (imr::ResponseCode::Pd, ResponseCode::Pd),
        ] {
            let read = read_response(xml(engine, vec![]).as_bytes(), None).unwrap();
            assert_eq!(read.code, domain);
        }
        // Participant ids compare without regard to case.
        assert!(read_response(
            rejected.as_bytes(),
            Some(&envelope(
                "0106:90000032",
                "0106:90000016".to_uppercase().as_str()
            ))
        )
        .is_ok());
    }

    #[test]
    fn refuses_what_the_rules_or_the_envelope_do_not_allow() {
        let acknowledged = xml(imr::ResponseCode::Ab, vec![]);
        // UQ, CA and RE need a reason (PEPPOL-T111-R001).
        for code in ["UQ", "CA", "RE"] {
            let without = acknowledged.replace(
                ">AB</cbc:ResponseCode>",
                &format!(">{code}</cbc:ResponseCode>"),
            );
            let why = read_response(without.as_bytes(), None).unwrap_err();
            assert!(why.contains("PEPPOL-T111-R001"), "{code}: {why}");
        }
        // A code outside the list.
        let unknown = acknowledged.replace(">AB</cbc:ResponseCode>", ">XX</cbc:ResponseCode>");
        let why = read_response(unknown.as_bytes(), None).unwrap_err();
        assert!(why.contains("not an invoice status code"), "{why}");
        // No invoice referenced.
        let unreferenced = acknowledged.replace("<cbc:ID>INV-7</cbc:ID>", "");
        assert_ne!(unreferenced, acknowledged);
        assert!(read_response(unreferenced.as_bytes(), None).is_err());
        // Not a response at all.
        assert!(read_response(b"<Invoice/>", None).is_err());
        // The envelope's parties must be the response's.
        let why = read_response(
            acknowledged.as_bytes(),
            Some(&envelope("0106:11111111", "0106:90000016")),
        )
        .unwrap_err();
        assert!(why.contains("sender"), "{why}");
        let why = read_response(
            acknowledged.as_bytes(),
            Some(&envelope("0106:90000032", "0106:11111111")),
        )
        .unwrap_err();
        assert!(why.contains("receiver"), "{why}");
    }
}
