//! The OpenAPI document: assembled from the handlers' `#[utoipa::path]` annotations by
//! utoipa-actix-web, so the routes and the spec come from the same code.

use actix_web::App;
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;

use crate::app::api_scope;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Haven API",
        description = "REST API of Haven, the open e-invoicing platform: validate, send and receive \
                       e-invoices (UBL, CII; Peppol BIS Billing 3.0, NLCIUS) for your organizations.\n\n\
                       Every error has the same JSON body (`ErrorBody`) with a stable `code`.",
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
        (name = "operator", description = "Platform operators review organization activations"),
        (name = "jobs", description = "Platform operators watch background jobs and retry dead ones"),
        (name = "documents", description = "Validate and transform e-invoices (UBL, CII, Factur-X; EN 16931, Peppol BIS 3, NLCIUS)"),
    ),
    components(schemas(crate::error::ErrorBody, crate::error::ErrorDetail)),
    modifiers(&BearerSecurity)
)]
struct ApiDoc;

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
                    .description(Some("Access token from /api/v1/auth/login (15 minutes)."))
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
        .split_for_parts();
    spec.info.version = env!("CARGO_PKG_VERSION").to_owned();
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
