//! Extractor configuration: body limits and the error body for requests that cannot be read
//! (malformed JSON with its position, wrong content type, oversize body, bad query or path).

use std::{future::Future, ops::Deref, pin::Pin};

use actix_web::{
    dev::Payload,
    error::{JsonPayloadError, PathError, QueryPayloadError, UrlencodedError},
    web, FromRequest, HttpRequest,
};
use serde::de::DeserializeOwned;

use crate::error::{ApiError, ErrorDetail};

/// Registers limits and error handlers for every extractor the API uses.
pub fn configure(cfg: &mut web::ServiceConfig, max_body_bytes: usize) {
    cfg.app_data(
        web::JsonConfig::default()
            .limit(max_body_bytes)
            .error_handler(move |err, _req: &HttpRequest| json_error(err, max_body_bytes).into()),
    )
    .app_data(web::PayloadConfig::default().limit(max_body_bytes))
    .app_data(
        web::FormConfig::default()
            .limit(max_body_bytes)
            .error_handler(move |err, _req| form_error(err, max_body_bytes).into()),
    )
    .app_data(web::QueryConfig::default().error_handler(|err, _req| query_error(err).into()))
    .app_data(web::PathConfig::default().error_handler(|err, req| path_error(err, req).into()));
}

/// A JSON request body that must be an object.
///
/// serde's derived structs also accept a JSON array and fill the fields in order, so
/// `["Name","nl",null]` would pass as a profile change. Every body of this API is an object:
/// this reads one (with the limits and errors of `web::Json`) and only then builds `T` from it.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<T> JsonBody<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for JsonBody<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let object =
            web::Json::<serde_json::Map<String, serde_json::Value>>::from_request(req, payload);
        Box::pin(async move {
            let object = object.await?.into_inner();
            serde_json::from_value(serde_json::Value::Object(object))
                .map(JsonBody)
                .map_err(|err| {
                    ApiError::BadRequest {
                        message: "The JSON does not have the expected shape.".into(),
                        details: vec![ErrorDetail {
                            field: None,
                            code: "invalid_value".into(),
                            message: err.to_string(),
                            line: None,
                            column: None,
                        }],
                    }
                    .into()
                })
        })
    }
}

fn json_error(err: JsonPayloadError, limit: usize) -> ApiError {
    match err {
        JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
            ApiError::PayloadTooLarge { limit }
        }
        JsonPayloadError::ContentType => ApiError::UnsupportedMediaType {
            expected: "application/json",
        },
        JsonPayloadError::Deserialize(err) => {
            let (code, message) = if err.is_data() {
                (
                    "invalid_value",
                    "The JSON does not have the expected shape.",
                )
            } else {
                ("malformed_json", "The body is not valid JSON.")
            };
            ApiError::BadRequest {
                message: message.into(),
                details: vec![ErrorDetail {
                    field: None,
                    code: code.into(),
                    message: describe_serde_error(&err),
                    line: Some(err.line()),
                    column: Some(err.column()),
                }],
            }
        }
        JsonPayloadError::Serialize(_) | JsonPayloadError::Payload(_) => ApiError::BadRequest {
            message: "The request body could not be read.".into(),
            details: Vec::new(),
        },
        other => ApiError::BadRequest {
            message: format!("The request body could not be read: {other}."),
            details: Vec::new(),
        },
    }
}

/// serde_json appends " at line X column Y"; we report those as fields instead.
fn describe_serde_error(err: &serde_json::Error) -> String {
    let text = err.to_string();
    match text.rfind(" at line ") {
        Some(cut) => text[..cut].to_owned(),
        None => text,
    }
}

fn form_error(err: UrlencodedError, limit: usize) -> ApiError {
    match err {
        UrlencodedError::Overflow { .. } => ApiError::PayloadTooLarge { limit },
        UrlencodedError::ContentType => ApiError::UnsupportedMediaType {
            expected: "application/x-www-form-urlencoded",
        },
        other => ApiError::BadRequest {
            message: "The form body could not be read.".into(),
            details: vec![ErrorDetail {
                field: None,
                code: "malformed_form".into(),
                message: other.to_string(),
                line: None,
                column: None,
            }],
        },
    }
}

fn query_error(err: QueryPayloadError) -> ApiError {
    ApiError::BadRequest {
        message: "The query string is invalid.".into(),
        details: vec![ErrorDetail {
            field: None,
            code: "invalid_query".into(),
            message: err.to_string(),
            line: None,
            column: None,
        }],
    }
}

fn path_error(err: PathError, req: &HttpRequest) -> ApiError {
    let documented = req
        .app_data::<web::Data<crate::routes::fallback::RouteTable>>()
        .and_then(|table| table.literal_route_methods(req.path()));
    if let Some(allowed) = documented {
        // The path is a documented one of its own, asked with a method it does not have.
        return ApiError::MethodNotAllowed {
            allowed: allowed.to_vec(),
        };
    }
    ApiError::BadRequest {
        message: "A value in the address is invalid.".into(),
        details: vec![ErrorDetail {
            field: None,
            code: "invalid_path_parameter".into(),
            message: err.to_string(),
            line: None,
            column: None,
        }],
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    //! The extractor configuration, exercised in-process with a JSON handler of its own
    //! (the public API gains JSON endpoints with the accounts feature).
    use actix_web::{http::StatusCode, post, test, App};
    use serde::Deserialize;
    use serde_json::Value;

    #[derive(Deserialize)]
    struct Probe {
        #[allow(dead_code)]
        name: String,
    }

    #[post("/probe")]
    async fn probe(_body: super::JsonBody<Probe>) -> actix_web::HttpResponse {
        actix_web::HttpResponse::Ok().json(serde_json::json!({ "ok": true }))
    }

    async fn call(content_type: &str, body: &'static str, limit: usize) -> (StatusCode, Value) {
        let app = test::init_service(
            App::new()
                .configure(|cfg| super::configure(cfg, limit))
                .service(probe),
        )
        .await;
        let req = test::TestRequest::post()
            .uri("/probe")
            .insert_header(("content-type", content_type))
            .set_payload(body)
            .to_request();
        let res = test::call_service(&app, req).await;
        let status = res.status();
        let body: Value = test::read_body_json(res).await;
        (status, body)
    }

    #[actix_web::test]
    async fn malformed_json_is_400_with_line_and_column() {
        let (status, body) = call("application/json", "{\n  \"name\": oops}", 1024).await;

        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["code"], "bad_request");
        assert_eq!(body["details"][0]["code"], "malformed_json");
        assert_eq!(body["details"][0]["line"], 2);
        assert_eq!(body["details"][0]["column"], 11);
    }

    #[actix_web::test]
    async fn json_of_the_wrong_shape_is_400_invalid_value() {
        let (status, body) = call("application/json", "{\"name\": 5}", 1024).await;

        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["details"][0]["code"], "invalid_value");
    }

    #[actix_web::test]
    async fn a_json_array_is_not_taken_for_an_object() {
        let (status, body) = call("application/json", "[\"Name\"]", 1024).await;

        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["details"][0]["code"], "invalid_value");
    }

    #[actix_web::test]
    async fn an_object_still_passes() {
        let (status, _) = call("application/json", "{\"name\": \"x\"}", 1024).await;

        assert_eq!(status, StatusCode::OK);
    }

    #[actix_web::test]
    async fn a_wrong_content_type_is_415() {
        let (status, body) = call("text/plain", "{\"name\": \"x\"}", 1024).await;

        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert_eq!(body["code"], "unsupported_media_type");
    }

    #[actix_web::test]
    async fn a_body_over_the_limit_is_413() {
        let (status, body) = call("application/json", "{\"name\": \"0123456789\"}", 8).await;

        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(body["code"], "payload_too_large");
    }
}
