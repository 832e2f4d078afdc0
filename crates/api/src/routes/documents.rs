//! Validating and transforming e-invoices without storing them.

use actix_multipart::Multipart;
use actix_web::{get, http::header, post, web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use haven_einvoice::rules::releases;
use haven_einvoice::{Profile, ReleaseId, ReleaseInfo, Syntax, ValidateOptions, ValidationReport};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use haven_domain::accounts::Action;

use crate::{
    auth::Authenticated,
    error::{ApiError, ErrorBody, ErrorDetail},
    middleware::request_context::BodyLimit,
};

const TAG: &str = "documents";

#[derive(Deserialize, IntoParams)]
pub struct ValidateQuery {
    /// Also validate against this profile, whatever the document declares:
    /// `peppol`, `nlcius`, `nlcius-cii`, `en16931`, `xrechnung`, `facturx-basic`, `facturx-extended`.
    #[param(example = "peppol")]
    pub profile: Option<String>,
    /// Apply this rule-set release instead of the one in force on the document's issue date:
    /// an implemented release of `GET /api/v1/rulesets`, e.g. `cen-1.3.16`, `peppol-3.0.19`
    /// or `nlcius-2.0.3.12`. A Peppol or NLCIUS release brings the CEN release it bundles.
    #[param(value_type = Option<haven_einvoice::ReleaseId>, example = "cen-1.3.16")]
    pub ruleset: Option<String>,
}

/// Validate an e-invoice.
///
/// Detects the syntax (UBL 2.1 Invoice or CreditNote, UN/CEFACT CII D16B, Factur-X/ZUGFeRD PDF)
/// and the profile, and checks the document against the official rule sets the profile chains
/// (Peppol BIS Billing 3.0 = EN 16931 + Peppol; NLCIUS = EN 16931 + NL), per layer in the
/// release in force on the document's issue date unless `ruleset` names one; `ruleSets` in the
/// report says which releases were applied and why. Send the document as
/// the raw body (`application/xml`, `text/xml` or `application/pdf`) or as the `file` part of
/// a `multipart/form-data` body. Nothing is stored. The answer is 200 with the report whether
/// or not the document is valid; `valid` tells.
#[utoipa::path(
    tag = TAG,
    operation_id = "validateDocument",
    security(("bearer" = [])),
    params(ValidateQuery),
    request_body(
        description = "The document: raw XML/PDF, or multipart with a `file` part.",
        content(
            (BinaryFile = "application/xml"),
            (BinaryFile = "application/pdf"),
            (UploadForm = "multipart/form-data"),
        ),
    ),
    responses(
        (status = OK, description = "The validation report.", body = ValidationReport),
        (status = BAD_REQUEST, description = "Empty body, no `file` part, unknown profile or unknown or unimplemented rule set.", body = ErrorBody),
        (status = UNAUTHORIZED, body = ErrorBody),
        (status = PAYLOAD_TOO_LARGE, body = ErrorBody),
        (status = UNSUPPORTED_MEDIA_TYPE, body = ErrorBody),
    )
)]
#[post("/validate")]
async fn validate_document(
    auth: Authenticated,
    req: HttpRequest,
    query: web::Query<ValidateQuery>,
    payload: web::Payload,
) -> Result<web::Json<ValidationReport>, ApiError> {
    auth.actor.require(Action::UseDocumentTools)?;
    let required_profile = parse_profile(query.profile.as_deref())?;
    let rule_set = parse_rule_set(query.ruleset.as_deref())?;
    let document = read_document(&req, payload).await?;
    let options = ValidateOptions {
        required_profile,
        rule_set,
        ..ValidateOptions::default()
    };
    // Validation is CPU work: keep it off the I/O worker. (Validating small documents inline
    // was tried and measured no faster; see docs/performance.md.)
    let report = web::block(move || haven_einvoice::validate(&document, &options))
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("validation task failed: {e}")))?;
    Ok(web::Json(report))
}

/// List the rule-set releases.
///
/// Every release Haven knows of (EN 16931 by CEN, Peppol BIS Billing, NLCIUS), per layer oldest
/// first, with the days it is in force, the CEN release a Peppol or NLCIUS release bundles and
/// whether Haven implements it. Validation applies per layer the release in force on the
/// document's issue date (the nearest implemented one when Haven does not implement it); the
/// implemented ones can be named with `ruleset` on `POST /api/v1/validate`.
#[utoipa::path(
    tag = TAG,
    operation_id = "listRuleSets",
    security(("bearer" = [])),
    responses(
        (status = OK, description = "The release catalogue.", body = [ReleaseInfo]),
        (status = UNAUTHORIZED, body = ErrorBody),
    )
)]
#[get("/rulesets")]
async fn list_rule_sets(auth: Authenticated) -> Result<web::Json<Vec<ReleaseInfo>>, ApiError> {
    auth.actor.require(Action::UseDocumentTools)?;
    Ok(web::Json(releases::catalogue()))
}

#[derive(Deserialize, IntoParams)]
pub struct TransformQuery {
    /// The syntax to convert to: `ubl` (UBL 2.1) or `cii` (UN/CEFACT CII D16B).
    #[param(example = "cii")]
    pub target: String,
}

/// Transform an e-invoice between UBL and CII.
///
/// Converts through the EN 16931 model, keeping every business term the standard defines.
/// Nothing is stored. 422 when the document cannot be converted (unreadable, not an invoice, or
/// the conversion is not possible). Content that is not EN 16931 (extensions, syntax-only
/// elements) cannot be carried: with `Accept: application/json` the answer lists it next to the
/// document; the XML answer counts it in the `Haven-Not-Carried` header.
#[utoipa::path(
    tag = TAG,
    operation_id = "transformDocument",
    security(("bearer" = [])),
    params(TransformQuery),
    request_body(
        description = "The document: raw XML, or multipart with a `file` part.",
        content((BinaryFile = "application/xml"), (UploadForm = "multipart/form-data")),
    ),
    responses(
        (status = OK, description = "The converted document, or with `Accept: application/json` the document and what could not be carried.",
            content((BinaryFile = "application/xml"), (TransformResult = "application/json")),
            headers(("Haven-Not-Carried" = u32, description = "How many elements or attributes of the source could not be carried (XML answer)."))),
        (status = BAD_REQUEST, body = ErrorBody),
        (status = UNAUTHORIZED, body = ErrorBody),
        (status = PAYLOAD_TOO_LARGE, body = ErrorBody),
        (status = UNSUPPORTED_MEDIA_TYPE, body = ErrorBody),
        (status = UNPROCESSABLE_ENTITY, description = "The document cannot be converted.", body = ErrorBody),
    )
)]
#[post("/transform")]
async fn transform_document(
    auth: Authenticated,
    req: HttpRequest,
    query: web::Query<TransformQuery>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    auth.actor.require(Action::UseDocumentTools)?;
    let target = match query.target.to_ascii_lowercase().as_str() {
        "ubl" => Syntax::Ubl,
        "cii" => Syntax::Cii,
        _ => {
            return Err(ApiError::Validation(vec![ErrorDetail::field(
                "target",
                "invalid_target",
                "Choose `ubl` or `cii`.",
            )]))
        }
    };
    let document = read_document(&req, payload).await?;
    let converted = web::block(move || haven_einvoice::transform_with_report(&document, target))
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("transform task failed: {e}")))?
        .map_err(|e| ApiError::Unprocessable {
            message: format!("The document cannot be converted: {e}."),
            details: vec![ErrorDetail {
                field: None,
                code: e.code().to_owned(),
                message: e.to_string(),
                line: None,
                column: None,
            }],
        })?;
    let wants_json = req
        .headers()
        .get(actix_web::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("application/json"));
    if wants_json {
        return Ok(HttpResponse::Ok().json(TransformResult {
            document: String::from_utf8_lossy(&converted.document).into_owned(),
            not_carried: converted.not_carried,
        }));
    }
    Ok(HttpResponse::Ok()
        .content_type("application/xml; charset=utf-8")
        .insert_header(("Haven-Not-Carried", converted.not_carried.len().to_string()))
        .body(converted.document))
}

/// A conversion and what it could not carry.
#[derive(serde::Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TransformResult {
    /// The converted document (UTF-8 XML).
    pub document: String,
    /// Source content outside EN 16931 that the target syntax does not receive.
    pub not_carried: Vec<haven_einvoice::NotCarried>,
}

/// The bytes of a file, as sent (the body of a raw upload or download).
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)]
pub struct BinaryFile(Vec<u8>);

/// A `multipart/form-data` upload.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// The document file.
    #[schema(format = Binary, content_media_type = "application/octet-stream")]
    file: String,
}

fn parse_profile(value: Option<&str>) -> Result<Option<Profile>, ApiError> {
    match value {
        None => Ok(None),
        Some(name) => name.parse::<Profile>().map(Some).map_err(|_| {
            ApiError::Validation(vec![ErrorDetail::field(
                "profile",
                "unknown_profile",
                format!(
                    "Unknown profile `{name}`; use peppol, nlcius, nlcius-cii, en16931, xrechnung, facturx-basic or facturx-extended."
                ),
            )])
        }),
    }
}

fn parse_rule_set(value: Option<&str>) -> Result<Option<ReleaseId>, ApiError> {
    // A value that is present must be a release, as the schema's enum says (blank included).
    let Some(name) = value else {
        return Ok(None);
    };
    let selectable = releases::selectable()
        .into_iter()
        .map(ReleaseId::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    match name.parse::<ReleaseId>() {
        Ok(id) if id.implemented() => Ok(Some(id)),
        Ok(id) => Err(ApiError::Validation(vec![ErrorDetail::field(
            "ruleset",
            "ruleset_not_implemented",
            format!("Haven does not implement rule set `{id}`; use one of {selectable}."),
        )])),
        Err(_) => Err(ApiError::Validation(vec![ErrorDetail::field(
            "ruleset",
            "unknown_ruleset",
            format!("Unknown rule set `{name}`; use one of {selectable}."),
        )])),
    }
}

/// The uploaded document: the raw body, or the `file` part of a multipart body. Reads at most
/// the configured body limit.
pub(crate) async fn read_document(
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<Vec<u8>, ApiError> {
    let limit = req
        .app_data::<web::Data<BodyLimit>>()
        .map_or(25 * 1024 * 1024, |l| l.default);
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_owned();
    let document = match essence.as_str() {
        "multipart/form-data" => read_multipart_file(req, payload, limit).await?,
        "application/xml" | "text/xml" | "application/pdf" | "application/octet-stream" => {
            read_body(payload, limit, announced_length(req)).await?
        }
        _ => {
            return Err(ApiError::UnsupportedMediaType {
                expected: "application/xml, text/xml, application/pdf or multipart/form-data",
            })
        }
    };
    if document.is_empty() {
        return Err(ApiError::BadRequest {
            message: "The request has no document; send the invoice as the body.".into(),
            details: vec![ErrorDetail::field(
                "body",
                "empty_body",
                "The body is empty.",
            )],
        });
    }
    Ok(document)
}

/// The body size the client announced, if any (the middleware already refused one above the
/// limit).
pub(crate) fn announced_length(req: &HttpRequest) -> Option<usize> {
    req.headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}

pub(crate) async fn read_body(
    mut payload: web::Payload,
    limit: usize,
    announced: Option<usize>,
) -> Result<Vec<u8>, ApiError> {
    // One allocation of the announced size instead of repeated growth; never more than the
    // limit, whatever the header says.
    let mut body = Vec::with_capacity(announced.unwrap_or(0).min(limit));
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| ApiError::BadRequest {
            message: "The request body could not be read.".into(),
            details: Vec::new(),
        })?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

async fn read_multipart_file(
    req: &HttpRequest,
    payload: web::Payload,
    limit: usize,
) -> Result<Vec<u8>, ApiError> {
    let mut multipart = Multipart::new(req.headers(), payload.into_inner());
    let malformed = || ApiError::BadRequest {
        message: "The multipart body could not be read.".into(),
        details: Vec::new(),
    };
    while let Some(field) = multipart.next().await {
        let mut field = field.map_err(|_| malformed())?;
        if field.name() != Some("file") {
            // Drain other parts so the stream can advance.
            while let Some(chunk) = field.next().await {
                chunk.map_err(|_| malformed())?;
            }
            continue;
        }
        let mut body = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|_| malformed())?;
            if body.len() + chunk.len() > limit {
                return Err(ApiError::PayloadTooLarge { limit });
            }
            body.extend_from_slice(&chunk);
        }
        return Ok(body);
    }
    Err(ApiError::BadRequest {
        message: "The multipart body has no `file` part.".into(),
        details: vec![ErrorDetail::field(
            "file",
            "missing_file",
            "Add the document as the `file` part.",
        )],
    })
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(validate_document)
        .service(list_rule_sets)
        .service(transform_document);
}
