//! The security headers every response carries: what the browser may load and run (CSP), no
//! MIME sniffing, no framing, no referrer (links carry single-use tokens), and HSTS when Haven
//! is reached over https.

use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};

/// The web app and the API reference are bundles served from here; styles may be inline
/// (the component library sets them), images may be data URLs (the two-factor QR code), and
/// frames may show blob URLs (an intake draft's PDF, fetched with the session and shown
/// beside its fields as an `application/pdf` blob).
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; \
connect-src 'self'; worker-src 'self' blob:; frame-src 'self' blob:; object-src 'none'; \
base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// Two years, the preload list's minimum.
const STRICT_TRANSPORT_SECURITY: &str = "max-age=63072000; includeSubDomains";

/// The headers, decided once from the settings.
#[derive(Debug, Clone)]
pub struct SecurityHeaders {
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl SecurityHeaders {
    /// HSTS only when people reach Haven over https: over plain http a browser ignores it,
    /// and sending it from a development address would pin that host to https.
    #[must_use]
    pub fn new(public_url: &str) -> Self {
        let mut headers = vec![
            (
                HeaderName::from_static("content-security-policy"),
                HeaderValue::from_static(CONTENT_SECURITY_POLICY),
            ),
            (
                HeaderName::from_static("x-content-type-options"),
                HeaderValue::from_static("nosniff"),
            ),
            (
                HeaderName::from_static("x-frame-options"),
                HeaderValue::from_static("DENY"),
            ),
            (
                HeaderName::from_static("referrer-policy"),
                HeaderValue::from_static("no-referrer"),
            ),
        ];
        if public_url.starts_with("https://") {
            headers.push((
                HeaderName::from_static("strict-transport-security"),
                HeaderValue::from_static(STRICT_TRANSPORT_SECURITY),
            ));
        }
        Self { headers }
    }

    /// Sets every header a response has not set itself.
    pub fn apply(&self, response: &mut HeaderMap) {
        for (name, value) in &self.headers {
            if !response.contains_key(name) {
                response.insert(name.clone(), value.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hsts_only_over_https() {
        let mut plain = HeaderMap::new();
        SecurityHeaders::new("http://127.0.0.1:8080").apply(&mut plain);
        let mut secure = HeaderMap::new();
        SecurityHeaders::new("https://haven.example").apply(&mut secure);

        assert!(!plain.contains_key("strict-transport-security"));
        assert!(secure.contains_key("strict-transport-security"));
        assert_eq!(
            plain.get("x-content-type-options").map(|v| v.as_bytes()),
            Some(&b"nosniff"[..])
        );
    }
}
