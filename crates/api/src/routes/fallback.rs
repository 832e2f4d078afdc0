//! What answers when no route matched: 405 with `Allow` for a known path and a wrong method,
//! otherwise 404 — always in the error body.

use actix_web::{web, HttpRequest, HttpResponse};
use utoipa::openapi::{path::HttpMethod, OpenApi};

use crate::error::ApiError;

/// The documented paths and their methods, taken from the OpenAPI document so that it
/// cannot drift from the routes.
#[derive(Debug, Default)]
pub struct RouteTable {
    routes: Vec<(Vec<Segment>, Vec<&'static str>)>,
}

#[derive(Debug)]
enum Segment {
    Literal(String),
    Parameter,
}

impl RouteTable {
    #[must_use]
    pub fn from_openapi(spec: &OpenApi) -> Self {
        let routes = spec
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let segments = path
                    .split('/')
                    .filter(|s| !s.is_empty())
                    .map(|s| {
                        if s.starts_with('{') && s.ends_with('}') {
                            Segment::Parameter
                        } else {
                            Segment::Literal(s.to_owned())
                        }
                    })
                    .collect();
                let mut methods: Vec<&'static str> = [
                    (item.get.is_some(), HttpMethod::Get),
                    (item.post.is_some(), HttpMethod::Post),
                    (item.put.is_some(), HttpMethod::Put),
                    (item.patch.is_some(), HttpMethod::Patch),
                    (item.delete.is_some(), HttpMethod::Delete),
                ]
                .into_iter()
                .filter(|(present, _)| *present)
                .map(|(_, method)| method_name(&method))
                .collect();
                if methods.contains(&"GET") {
                    methods.push("HEAD");
                }
                (segments, methods)
            })
            .collect();
        Self { routes }
    }

    /// The methods a path accepts, or `None` when no documented route has this shape.
    #[must_use]
    pub fn allowed_methods(&self, path: &str) -> Option<&[&'static str]> {
        self.methods_of(path, true)
    }

    /// The methods of the documented route this path fits most literally, when that route
    /// names a literal segment where a sibling has a parameter. A request for such a path with
    /// another method can otherwise be taken by the sibling (`PATCH /users/invitations` by
    /// `PATCH /users/{id}`, `GET …/sales-invoices/query-recipient` by `GET …/sales-invoices/{id}`),
    /// which is not what it meant.
    #[must_use]
    pub fn literal_route_methods(&self, path: &str) -> Option<&[&'static str]> {
        let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let literals = |segments: &[Segment]| {
            segments
                .iter()
                .filter(|s| matches!(s, Segment::Literal(_)))
                .count()
        };
        let fitting: Vec<&(Vec<Segment>, Vec<&'static str>)> = self
            .routes
            .iter()
            .filter(|(segments, _)| {
                segments.len() == parts.len()
                    && segments
                        .iter()
                        .zip(&parts)
                        .all(|(segment, part)| match segment {
                            Segment::Literal(literal) => literal == part,
                            Segment::Parameter => true,
                        })
            })
            .collect();
        let best = fitting
            .iter()
            .max_by_key(|(segments, _)| literals(segments))?;
        let more_literal_than_a_sibling = fitting
            .iter()
            .any(|(segments, _)| literals(segments) < literals(&best.0));
        let all_literal = literals(&best.0) == best.0.len();
        (all_literal || more_literal_than_a_sibling).then_some(best.1.as_slice())
    }

    /// The methods of the first route this path fits; a parameter segment fits any part only
    /// when `parameters` is true.
    fn methods_of(&self, path: &str, parameters: bool) -> Option<&[&'static str]> {
        let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        self.routes
            .iter()
            .find(|(segments, _)| {
                segments.len() == parts.len()
                    && segments
                        .iter()
                        .zip(&parts)
                        .all(|(segment, part)| match segment {
                            Segment::Literal(literal) => literal == part,
                            Segment::Parameter => parameters,
                        })
            })
            .map(|(_, methods)| methods.as_slice())
    }
}

fn method_name(method: &HttpMethod) -> &'static str {
    match method {
        HttpMethod::Get => "GET",
        HttpMethod::Post => "POST",
        HttpMethod::Put => "PUT",
        HttpMethod::Patch => "PATCH",
        HttpMethod::Delete => "DELETE",
        HttpMethod::Head => "HEAD",
        HttpMethod::Options => "OPTIONS",
        HttpMethod::Trace => "TRACE",
    }
}

/// Default service of the `/api` scope.
///
/// # Errors
/// Always: that is its job.
pub async fn api_not_matched(
    req: HttpRequest,
    table: web::Data<RouteTable>,
) -> Result<HttpResponse, ApiError> {
    Err(match table.allowed_methods(req.path()) {
        Some(allowed) => ApiError::MethodNotAllowed {
            allowed: allowed.to_vec(),
        },
        None => ApiError::NotFound,
    })
}
