//! The refresh-token cookie: HttpOnly (no script reads it), Secure, SameSite=Strict, and only
//! sent to the auth endpoints.

use actix_web::cookie::{time::Duration, Cookie, SameSite};

pub const REFRESH_COOKIE: &str = "haven_refresh";
const COOKIE_PATH: &str = "/api/v1/auth";
/// A session lives this long without being refreshed... and at most this long in total.
pub use haven_domain::accounts::sign_in::SESSION_DAYS;

#[must_use]
pub fn refresh_cookie(value: String) -> Cookie<'static> {
    Cookie::build(REFRESH_COOKIE, value)
        .path(COOKIE_PATH)
        .http_only(true)
        .secure(true)
        .same_site(SameSite::Strict)
        .max_age(Duration::days(SESSION_DAYS))
        .finish()
}

#[must_use]
pub fn cleared_refresh_cookie() -> Cookie<'static> {
    let mut cookie = refresh_cookie(String::new());
    cookie.make_removal();
    cookie
}
