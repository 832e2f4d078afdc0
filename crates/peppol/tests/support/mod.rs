//! What the Peppol tests share: the test PKI (`haven_peppol::testing`), a small HTTP/1.1
//! server standing in for an SMP, and a DNS server speaking the real wire format on
//! 127.0.0.1.
#![allow(dead_code, unused_imports, clippy::unwrap_used)]

pub mod as4;

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

pub use haven_peppol::testing::{Ca, DnsAnswer, DnsServer, Leaf};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpListener,
};

/// What the test HTTP server answers for a path: status, body and a delay before answering.
#[derive(Clone)]
pub struct Answer {
    pub status: u16,
    pub body: String,
    pub delay: Duration,
}

impl Answer {
    pub fn ok(body: impl Into<String>) -> Self {
        Self {
            status: 200,
            body: body.into(),
            delay: Duration::ZERO,
        }
    }

    pub fn status(status: u16) -> Self {
        Self {
            status,
            body: String::new(),
            delay: Duration::ZERO,
        }
    }
}

/// An HTTP/1.1 server on 127.0.0.1 that answers each request path from a table (404 for the
/// rest) and records the raw request paths it was asked for.
#[derive(Clone)]
pub struct HttpServer {
    pub base: String,
    answers: Arc<Mutex<HashMap<String, Answer>>>,
    pub requests: Arc<Mutex<Vec<String>>>,
}

impl HttpServer {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = Self {
            base: format!("http://127.0.0.1:{}", addr.port()),
            answers: Arc::default(),
            requests: Arc::default(),
        };
        let shared = server.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut stream, _)) = listener.accept().await else {
                    return;
                };
                let shared = shared.clone();
                tokio::spawn(async move {
                    let mut head = Vec::new();
                    let mut buf = [0u8; 1024];
                    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                        match stream.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => head.extend_from_slice(&buf[..n]),
                        }
                    }
                    let text = String::from_utf8_lossy(&head);
                    let path = text.split(' ').nth(1).unwrap_or("/").to_owned();
                    shared.requests.lock().unwrap().push(path.clone());
                    let answer = shared.answers.lock().unwrap().get(&path).cloned();
                    let answer = answer.unwrap_or_else(|| Answer::status(404));
                    tokio::time::sleep(answer.delay).await;
                    let response = format!(
                        "HTTP/1.1 {} X\r\nContent-Type: application/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
                        answer.status,
                        answer.body.len(),
                        answer.body
                    );
                    let _ = stream.write_all(response.as_bytes()).await;
                    let _ = stream.shutdown().await;
                });
            }
        });
        server
    }

    pub fn answer(&self, path: &str, answer: Answer) {
        self.answers.lock().unwrap().insert(path.to_owned(), answer);
    }

    pub fn request_count(&self) -> usize {
        self.requests.lock().unwrap().len()
    }
}

/// Participant, document type and process of the tests.
pub const PARTICIPANT: &str = "0208:0000000002";

/// Signed service metadata for `participant` with one AS4 endpoint (and its activation and
/// expiration, when given) and one endpoint of another transport profile.
pub fn service_metadata(
    participant: &str,
    endpoint_url: &str,
    endpoint_certificate: &[u8],
    activation: Option<&str>,
    expiration: Option<&str>,
) -> String {
    use base64::Engine as _;
    let cert = base64::engine::general_purpose::STANDARD.encode(endpoint_certificate);
    let activation = activation
        .map(|a| format!("<ServiceActivationDate>{a}</ServiceActivationDate>"))
        .unwrap_or_default();
    let expiration = expiration
        .map(|e| format!("<ServiceExpirationDate>{e}</ServiceExpirationDate>"))
        .unwrap_or_default();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<SignedServiceMetadata xmlns="http://busdox.org/serviceMetadata/publishing/1.0/" xmlns:ids="http://busdox.org/transport/identifiers/1.0/" xmlns:wsa="http://www.w3.org/2005/08/addressing">
  <ServiceMetadata>
    <ServiceInformation>
      <ids:ParticipantIdentifier scheme="iso6523-actorid-upis">{participant}</ids:ParticipantIdentifier>
      <ids:DocumentIdentifier scheme="busdox-docid-qns">{doc}</ids:DocumentIdentifier>
      <ProcessList>
        <Process>
          <ids:ProcessIdentifier scheme="cenbii-procid-ubl">{process}</ids:ProcessIdentifier>
          <ServiceEndpointList>
            <Endpoint transportProfile="busdox-transport-as2-ver1p0">
              <wsa:EndpointReference><wsa:Address>https://old.example/as2</wsa:Address></wsa:EndpointReference>
              <RequireBusinessLevelSignature>false</RequireBusinessLevelSignature>
              <Certificate>{cert}</Certificate>
              <ServiceDescription>retired</ServiceDescription>
              <TechnicalContactUrl>https://old.example</TechnicalContactUrl>
            </Endpoint>
            <Endpoint transportProfile="peppol-transport-as4-v2_0">
              <wsa:EndpointReference><wsa:Address>{endpoint_url}</wsa:Address></wsa:EndpointReference>
              <RequireBusinessLevelSignature>false</RequireBusinessLevelSignature>
              {activation}{expiration}
              <Certificate>
{cert}
              </Certificate>
              <ServiceDescription>Haven &amp; test</ServiceDescription>
              <TechnicalContactUrl>https://ap.example/contact</TechnicalContactUrl>
            </Endpoint>
          </ServiceEndpointList>
        </Process>
      </ProcessList>
    </ServiceInformation>
  </ServiceMetadata>
</SignedServiceMetadata>"#,
        doc = haven_peppol::identifiers::BIS_BILLING_INVOICE,
        process = haven_peppol::identifiers::BILLING_PROCESS,
    )
}

/// Signed metadata that redirects to `href`, naming the certificate UID of the target SMP.
pub fn redirect(href: &str, uid: &str) -> String {
    format!(
        r#"<SignedServiceMetadata xmlns="http://busdox.org/serviceMetadata/publishing/1.0/"><ServiceMetadata><Redirect href="{}"><CertificateUID>{uid}</CertificateUID></Redirect></ServiceMetadata></SignedServiceMetadata>"#,
        href.replace('&', "&amp;")
    )
}
