//! Document exchange through a running binary: two organizations on one installation, the
//! seller sending and the buyer receiving, set up over the HTTP API as a user would.
#![allow(clippy::unwrap_used)] // test support: a failure should stop the test loudly

use std::time::{Duration, Instant};

use haven_persistence::testing::TestDatabase;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{json, Value};

use crate::Running;

/// Tulpenveld (seller) and Zeewind (buyer) in the offline business register, with the
/// contacts their activation codes are mailed to.
pub const SELLER_KVK: &str = "90000016";
pub const SELLER_CONTACT: &str = "facturen@tulpenveld-installatie.example";
pub const BUYER_KVK: &str = "90000032";
pub const BUYER_CONTACT: &str = "administratie@zeewind-logistiek.example";
const PASSWORD: &str = "correct horse battery staple 42";

/// The valid Peppol BIS 3 fixture of the validation engine, from `seller` to `buyer` (KvK
/// numbers), numbered `number`, with the buyer's contact email when given.
#[must_use]
pub fn invoice(number: &str, seller: &str, buyer: &str, buyer_email: Option<&str>) -> Vec<u8> {
    let xml = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../crates/einvoice/tests/fixtures/peppol-minimal.xml"
    ))
    .unwrap();
    let mut xml = xml
        .replace("HAVEN-0001", number)
        .replace("12345678", seller)
        .replace("87654321", buyer);
    if let Some(email) = buyer_email {
        let end_of_buyer =
            "      </cac:PartyLegalEntity>\n    </cac:Party>\n  </cac:AccountingCustomerParty>";
        assert!(xml.contains(end_of_buyer), "the fixture's buyer changed");
        xml = xml.replacen(
            end_of_buyer,
            &format!("      </cac:PartyLegalEntity>\n      <cac:Contact><cbc:ElectronicMail>{email}</cbc:ElectronicMail></cac:Contact>\n    </cac:Party>\n  </cac:AccountingCustomerParty>"),
            1,
        );
    }
    assert!(xml.contains(number), "numbered");
    xml.into_bytes()
}

/// The seller's and the buyer's administrators and parties, the buyer receiving.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub seller_token: String,
    pub seller_party: String,
    pub buyer_token: String,
    pub buyer_party: String,
    pub buyer_organization: String,
}

impl Exchange {
    /// Registers both environments on `server`, activates both organizations and switches
    /// receiving on for the buyer.
    pub async fn set_up(server: &Running) -> Self {
        let seller_token = register_admin(server, "ada@seller.example").await;
        let (_, seller_party) =
            active_party(server, &seller_token, SELLER_KVK, SELLER_CONTACT).await;
        let buyer_token = register_admin(server, "bob@buyer.example").await;
        let (buyer_organization, buyer_party) =
            active_party(server, &buyer_token, BUYER_KVK, BUYER_CONTACT).await;
        receive_on(server, &buyer_token, &buyer_organization, &buyer_party).await;
        Self {
            seller_token,
            seller_party,
            buyer_token,
            buyer_party,
            buyer_organization,
        }
    }

    /// Sends `body` for the seller with an idempotency key; `Err` when the connection broke.
    pub async fn send(
        &self,
        client: &reqwest::Client,
        server_url: &str,
        body: Vec<u8>,
        key: &str,
    ) -> reqwest::Result<(u16, Value)> {
        let response = client
            .post(format!(
                "{server_url}/api/v1/parties/{}/sales-invoices",
                self.seller_party
            ))
            .bearer_auth(&self.seller_token)
            .header("content-type", "application/xml")
            .header("Idempotency-Key", key)
            .body(body)
            .send()
            .await?;
        let status = response.status().as_u16();
        let body = response.json().await?;
        Ok((status, body))
    }
}

/// The messages `server` wrote to `address` in its file outbox, waiting up to 15 s for the
/// `nth` (counted from 0).
pub async fn mail(
    server: &Running,
    address: &str,
    nth: usize,
) -> haven_mailer::testing::OutboxMail {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let mails = haven_mailer::testing::outbox_for(&server.data_dir().join("outbox"), address);
        if let Some(found) = mails.into_iter().nth(nth) {
            return found;
        }
        assert!(Instant::now() < deadline, "no mail #{nth} to {address}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

async fn post(
    server: &Running,
    path: &str,
    body: &Value,
    token: Option<&str>,
) -> reqwest::Response {
    let mut request = reqwest::Client::new().post(server.url(path)).json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

/// Registers a new environment and confirms its email address; returns the access token of
/// its Administrator.
pub async fn register_admin(server: &Running, email: &str) -> String {
    let response = post(
        server,
        "/api/v1/auth/register",
        &json!({"email": email, "password": PASSWORD, "name": "Crash Admin", "language": "en"}),
        None,
    )
    .await;
    assert_eq!(response.status().as_u16(), 202, "register {email}");
    let verification = mail(server, email, 0).await;
    let link = verification
        .links()
        .into_iter()
        .find(|l| l.contains("/verify-email?token="))
        .unwrap_or_else(|| panic!("no verification link in {}", verification.text));
    let token = link.split("token=").nth(1).unwrap();
    let response = post(
        server,
        "/api/v1/auth/verify-email",
        &json!({"token": token}),
        None,
    )
    .await;
    assert_eq!(response.status().as_u16(), 200, "verify {email}");
    let session: Value = response.json().await.unwrap();
    session["accessToken"].as_str().unwrap().to_owned()
}

/// Adds the organization with `kvk`, activates it by the code mailed to `contact`; returns
/// its id and participant id.
pub async fn active_party(
    server: &Running,
    token: &str,
    kvk: &str,
    contact: &str,
) -> (String, String) {
    let response = post(
        server,
        "/api/v1/organizations",
        &json!({"kvkNumber": kvk}),
        Some(token),
    )
    .await;
    assert_eq!(response.status().as_u16(), 201, "add organization {kvk}");
    let organization: Value = response.json().await.unwrap();
    let id = organization["id"].as_str().unwrap().to_owned();
    let response = post(
        server,
        &format!("/api/v1/organizations/{id}/activation"),
        &json!({"method": "email_code"}),
        Some(token),
    )
    .await;
    assert_eq!(response.status().as_u16(), 200, "activation of {kvk}");
    let code_mail = mail(server, contact, 0).await;
    let code: String = code_mail
        .text
        .lines()
        .find(|l| l.contains("code:") || l.contains("Activatiecode:"))
        .unwrap_or_else(|| panic!("no code in {}", code_mail.text))
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    let response = post(
        server,
        &format!("/api/v1/organizations/{id}/activation/code"),
        &json!({"code": code}),
        Some(token),
    )
    .await;
    assert_eq!(response.status().as_u16(), 200, "activation code of {kvk}");
    (id, format!("0106:{kvk}"))
}

/// Opts the environment in to receiving and switches Receive on for `party`.
pub async fn receive_on(server: &Running, token: &str, organization: &str, party: &str) {
    let client = reqwest::Client::new();
    let response = client
        .put(server.url("/api/v1/environment/receiving"))
        .bearer_auth(token)
        .json(&json!({"enabled": true, "acknowledgePrice": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200, "receiving on");
    let details: Value = client
        .get(server.url(&format!("/api/v1/organizations/{organization}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let identifier = details["identifiers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["participantId"] == party)
        .unwrap_or_else(|| panic!("{party} is not an identifier of {details}"));
    let response = client
        .patch(server.url(&format!(
            "/api/v1/organizations/{organization}/identifiers/{}",
            identifier["id"].as_str().unwrap()
        )))
        .bearer_auth(token)
        .json(&json!({"receive": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200, "receive on for {party}");
}

/// The single number `sql` (`SELECT COUNT(*) AS n …`) answers, read straight from the database.
pub async fn count(db: &TestDatabase, sql: &str) -> i64 {
    let connection = db.connection();
    let row = connection
        .query_one(Statement::from_string(
            connection.get_database_backend(),
            sql,
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}
