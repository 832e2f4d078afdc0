//! Haven's HTTP API: actix-web handlers, the OpenAPI document and the server assembly.
//!
//! Handlers are thin: they read the request, call the domain, and shape the response. Errors
//! become [`error::ApiError`], which renders the one error body.

pub mod app;
pub mod as4;
pub mod auth;
pub mod certificate_reload;
pub mod config;
pub mod error;
mod extractors;
mod inspector;
pub mod intake;
pub mod jobs;
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub mod rate_limit;
mod routes;
pub mod secrets;
pub mod smp;
mod state;
pub mod telemetry;
pub mod usage_log;

pub use app::Application;
pub use config::Settings;
