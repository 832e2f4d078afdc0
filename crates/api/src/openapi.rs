//! The OpenAPI document: assembled from the handlers' `#[utoipa::path]` annotations by
//! utoipa-actix-web, so the routes and the spec come from the same code.

use actix_web::App;
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;

use crate::app::{api_scope, connect_scope};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Haven API",
        description = "REST API of Haven, the open e-invoicing platform: validate, send and receive \
                       e-invoices (UBL, CII; Peppol BIS Billing 3.0, NLCIUS) for your organizations.\n\n\
                       Every error has the same JSON body (`ErrorBody`) with a stable `code`, except \
                       at the OAuth token endpoint `POST /connect/token`, which answers as RFC 6749 says.\n\n\
                       Accounting software connects with a connection key: see the integration guide, \
                       `docs/integration.md` in the repository (get a token, send an invoice, poll the \
                       outbox and inbox, download purchase invoices).",
        license(name = "AGPL-3.0-or-later"),
    ),
    tags(
        (name = "health", description = "Liveness and readiness probes"),
        (name = "system", description = "Facts about this installation"),
        (name = "auth", description = "Registration, login, sessions and emailed links"),
        (name = "me", description = "The signed-in user's profile, password, two-factor and sessions"),
        (name = "users", description = "Administrators manage the environment's users"),
        (name = "environment", description = "Environment settings, receiving and the audit log"),
        (name = "organizations", description = "Organizations, identifiers (participant ids), activation and members"),
        (name = "business-register", description = "Search the Dutch business register (KvK)"),
        (name = "operator", description = "Platform operators review organization activations, watch the installation's Peppol certificates and see the incoming AS4 messages that were refused"),
        (name = "jobs", description = "Platform operators watch background jobs and retry dead ones"),
        (name = "peppol-reporting", description = "Platform operators download the monthly Peppol Reporting documents (TSR, EUSR) and follow or start their sending to OpenPeppol"),
        (name = "partners", description = "Authorisation requests, partnerships between an accountant's environment and a client's, and partner users' access to client organizations"),
        (name = "connections", description = "Connection keys for accounting software, their usage log, and the OAuth token endpoint"),
        (name = "hooks", description = "Webhooks of a party or the environment: signed event deliveries, their log, ping and redelivery"),
        (name = "documents", description = "Validate and transform e-invoices (UBL, CII, Factur-X; EN 16931, Peppol BIS 3, NLCIUS)"),
        (name = "intake", description = "Invoices by email: intake addresses, trusted senders, the intake log, and the inbound-email endpoint for mail servers"),
    ),
    components(schemas(
        crate::error::ErrorBody,
        crate::error::ErrorDetail,
        crate::error::ErrorCode,
        crate::routes::peppol_evidence::PeppolEvidencePart
    )),
    modifiers(&BearerSecurity)
)]
struct ApiDoc;

/// Completes every operation with the error responses the framework gives it, so that a
/// client generator sees each status it can meet: 401 and 403 wherever a token is needed
/// (403 also while a required second factor is not set up), 400 and 404 wherever the path
/// has an id, 400 for a query string, and 400, 413 and 415 wherever a body is read. A
/// handler's own description of a status wins; a response without one gets the standard
/// sentence.
struct StandardResponses;

impl StandardResponses {
    fn sentence(status: &str) -> &'static str {
        match status {
            "400" => "The request is malformed (JSON syntax, a path id that is not a UUID, a query value of the wrong type) or a field is invalid; `details` says where.",
            "401" => "No valid access token was sent, or it has expired (`token_expired`).",
            "403" => "The caller's role does not allow this, or the environment requires two-factor authentication that the caller has not set up.",
            "404" => "Nothing with this id exists in the caller's environment (or the caller may not know it does).",
            "405" => "The path exists but does not accept this method; `Allow` lists those it does.",
            "409" => "The request conflicts with the current state; `code` names the business rule.",
            "413" => "The body is larger than the configured limit.",
            "415" => "The body's Content-Type is not one this operation reads.",
            "422" => "The content was read but cannot be processed; see `details`.",
            "429" => "Too many attempts; wait for the number of seconds in `Retry-After`.",
            "503" => "A service this operation depends on is unavailable; try again later.",
            _ => "Success.",
        }
    }

    fn error_response(status: &str) -> utoipa::openapi::RefOr<utoipa::openapi::Response> {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        ResponseBuilder::new()
            .description(Self::sentence(status))
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build()
            .into()
    }

    fn complete(operation: &mut utoipa::openapi::path::Operation) {
        use utoipa::openapi::path::ParameterIn;
        let secured = operation
            .security
            .as_ref()
            .is_some_and(|requirements| !requirements.is_empty());
        let parameters = operation.parameters.as_deref().unwrap_or_default();
        let has_path_id = parameters
            .iter()
            .any(|p| matches!(p.parameter_in, ParameterIn::Path));
        let has_query = parameters
            .iter()
            .any(|p| matches!(p.parameter_in, ParameterIn::Query));
        let reads_body = operation.request_body.is_some();
        let mut wanted: Vec<&str> = Vec::new();
        if secured {
            wanted.extend(["401", "403"]);
        }
        if has_path_id {
            wanted.extend(["400", "404"]);
        }
        if has_query {
            wanted.push("400");
        }
        if reads_body {
            wanted.extend(["400", "413", "415"]);
        }
        let responses = &mut operation.responses.responses;
        for status in wanted {
            responses
                .entry(status.to_owned())
                .or_insert_with(|| Self::error_response(status));
        }
        for (status, response) in responses.iter_mut() {
            if let utoipa::openapi::RefOr::T(response) = response {
                if response.description.is_empty() {
                    response.description = Self::sentence(status).to_owned();
                }
            }
        }
    }
}

impl utoipa::Modify for StandardResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            for operation in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.patch,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                Self::complete(operation);
            }
        }
    }
}

/// Declares the bearer scheme the `security(("bearer" = []))` annotations refer to.
struct BearerSecurity;

impl utoipa::Modify for BearerSecurity {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("A person's access token from /api/v1/auth/login (15 minutes), or a connection key's from POST /connect/token (one hour; only the /parties/{partyId}/… operations accept it)."))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "inboundEmail",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("The installation's `inbound_email_secret`, for mail servers that hand messages to email intake."))
                    .build(),
            ),
        );
    }
}

/// The complete document, as served at `/api/openapi.json` and committed as `openapi/openapi.json`.
#[must_use]
pub fn spec() -> utoipa::openapi::OpenApi {
    let (_, mut spec) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .service(api_scope())
        .service(connect_scope())
        .split_for_parts();
    spec.info.version = env!("CARGO_PKG_VERSION").to_owned();
    // After the routes are in: the modifiers of `ApiDoc` run before there are any.
    utoipa::Modify::modify(&StandardResponses, &mut spec);
    spec
}

/// The document as the pretty JSON we commit (with a trailing newline).
///
/// # Panics
/// Never in practice: the document is plain data and always serialises.
#[must_use]
pub fn spec_json() -> String {
    #[allow(clippy::expect_used)]
    let mut json = spec()
        .to_pretty_json()
        .expect("the OpenAPI document serialises");
    json.push('\n');
    json
}
