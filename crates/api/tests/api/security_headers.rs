//! Every response carries the security headers: API answers, errors, the web app's files and
//! its client-side routes.

use crate::helpers::spawn_app;

#[tokio::test]
async fn every_kind_of_response_carries_the_security_headers() {
    let app = spawn_app().await;

    for path in [
        "/api/health",
        "/api/v1/me",
        "/api/no-such-path",
        "/",
        "/assets/app.js",
        "/organizations",
    ] {
        let response = app.get(path).await;
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_else(|| panic!("{path}: no {name}"))
                .to_owned()
        };
        let csp = header("content-security-policy");
        assert!(csp.contains("default-src 'self'"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(csp.contains("script-src 'self'"), "{path}: {csp}");
        // A draft's PDF is shown from a blob URL in a frame.
        assert!(csp.contains("frame-src 'self' blob:"), "{path}: {csp}");
        assert_eq!(header("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(header("x-frame-options"), "DENY", "{path}");
        assert_eq!(header("referrer-policy"), "no-referrer", "{path}");
        // The test server's public URL is http: no HSTS there.
        assert!(
            response
                .headers()
                .get("strict-transport-security")
                .is_none(),
            "{path}"
        );
    }
}
