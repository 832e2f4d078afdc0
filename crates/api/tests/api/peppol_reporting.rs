//! Peppol Reporting end to end: Haven A sends an invoice over AS4 to Haven B; each operator
//! then finds the month and downloads its TSR and EUSR, A counting it outgoing and B
//! incoming. A past or current month without exchanges has an empty report (totals of zero)
//! and is listed;
//! everyone else, a future month and every malformed month get the error body.

use chrono::{Datelike as _, Utc};
use reqwest::Method;
use serde_json::Value;

use crate::{
    connections::{create, organization_of, token},
    exchange::{active_party, SELLER_CONTACT, SELLER_KVK},
    helpers::{assert_error_body, spawn_app, Session, TestApp},
    peppol_sending::{buyer_on, seller_sends, wait_for, Network},
};

const OPERATOR: &str = "operator@haven.test";

fn this_month() -> String {
    Utc::now().format("%Y-%m").to_string()
}

/// The report's body, after checking it is served as an XML attachment.
async fn report(app: &TestApp, operator: &Session, month: &str, kind: &str) -> String {
    let response = app
        .send(
            Method::GET,
            &format!("/api/v1/operator/peppol-reports/{month}/{kind}"),
            None,
            &operator.token,
        )
        .await;
    assert_eq!(response.status().as_u16(), 200, "{kind} of {month}");
    assert_eq!(
        response.headers()["content-type"],
        "application/xml; charset=utf-8"
    );
    assert_eq!(
        response.headers()["content-disposition"],
        format!("attachment; filename=\"{kind}-{month}.xml\"").as_str()
    );
    response.text().await.unwrap()
}

async fn months(app: &TestApp, operator: &Session) -> Value {
    app.get_json("/api/v1/operator/peppol-reports", &operator.token)
        .await
}

#[tokio::test]
async fn both_access_points_report_the_exchanged_invoice_in_their_tsr_and_eusr() {
    let network = Network::new();
    let b = network.haven_b(0).await;
    let (_buyer, _) = buyer_on(&b, true).await;
    let a = network.haven_a(&b.url("/as4"), &network.b.pem).await;
    let (seller, location) = seller_sends(&a, "INV-REPORT-1").await;
    let sent = wait_for(&a, &seller.token, &location, &["delivered", "failed"]).await;
    assert_eq!(sent["status"], "delivered", "{sent}");
    let month = this_month();

    let operator_a = a.register_admin(OPERATOR).await;
    let listed = months(&a, &operator_a).await;
    assert_eq!(listed["items"][0]["month"], month.as_str(), "{listed}");
    assert_eq!(listed["items"][0]["outgoing"], 1);
    assert_eq!(listed["items"][0]["incoming"], 0);
    // Months before, since the access point certificate, are listed without exchanges.
    assert_eq!(listed["items"][1]["outgoing"], 0, "{listed}");
    assert_eq!(listed["items"][0]["tsr"]["state"], "not_sent");

    let tsr = report(&a, &operator_a, &month, "tsr").await;
    for part in [
        "<ReporterID schemeID=\"CertSubjectCN\">PXX000001</ReporterID>",
        "<Total>\n    <Incoming>0</Incoming>\n    <Outgoing>1</Outgoing>\n  </Total>",
        "<Key metaSchemeID=\"TP\" schemeID=\"Peppol\">peppol-transport-as4-v2_0</Key>",
        "<Key metaSchemeID=\"SP\" schemeID=\"CertSubjectCN\">PXX000002</Key>",
        "<Key metaSchemeID=\"PR\" schemeID=\"cenbii-procid-ubl\">urn:fdc:peppol.eu:2017:poacc:billing:01:1.0</Key>",
    ] {
        assert!(tsr.contains(part), "{part} in {tsr}");
    }
    assert!(
        !tsr.contains("PerSP-DT-PR-CC"),
        "only a receiver knows both countries: {tsr}"
    );
    let eusr = report(&a, &operator_a, &month, "eusr").await;
    assert!(
        eusr.contains("<FullSet>\n    <SendingEndUsers>1</SendingEndUsers>\n    <ReceivingEndUsers>0</ReceivingEndUsers>\n    <SendingOrReceivingEndUsers>1</SendingOrReceivingEndUsers>\n  </FullSet>"),
        "{eusr}"
    );
    assert!(
        eusr.contains("<Key metaSchemeID=\"CC\" schemeID=\"EndUserCountry\">NL</Key>"),
        "{eusr}"
    );

    let operator_b = b.register_admin(OPERATOR).await;
    let listed = months(&b, &operator_b).await;
    assert_eq!(listed["items"][0]["incoming"], 1, "{listed}");
    assert_eq!(listed["items"][0]["outgoing"], 0);
    let tsr = report(&b, &operator_b, &month, "tsr").await;
    for part in [
        "<ReporterID schemeID=\"CertSubjectCN\">PXX000002</ReporterID>",
        "<Total>\n    <Incoming>1</Incoming>\n    <Outgoing>0</Outgoing>\n  </Total>",
        "<Subtotal type=\"PerSP-DT-PR-CC\">\n    <Key metaSchemeID=\"SP\" schemeID=\"CertSubjectCN\">PXX000001</Key>",
        "<Key metaSchemeID=\"CC\" schemeID=\"SenderCountry\">NL</Key>\n    <Key metaSchemeID=\"CC\" schemeID=\"ReceiverCountry\">NL</Key>\n    <Incoming>1</Incoming>\n    <Outgoing>0</Outgoing>",
    ] {
        assert!(tsr.contains(part), "{part} in {tsr}");
    }
    let eusr = report(&b, &operator_b, &month, "eusr").await;
    assert!(
        eusr.contains("<ReceivingEndUsers>1</ReceivingEndUsers>\n    <SendingOrReceivingEndUsers>1</SendingOrReceivingEndUsers>\n  </FullSet>"),
        "{eusr}"
    );
}

#[tokio::test]
async fn only_operators_get_reports_and_empty_or_malformed_months_are_errors() {
    let app = spawn_app().await;
    let paths = [
        "/api/v1/operator/peppol-reports".to_owned(),
        format!("/api/v1/operator/peppol-reports/{}/tsr", this_month()),
        format!("/api/v1/operator/peppol-reports/{}/eusr", this_month()),
    ];
    for path in &paths {
        let response = app.get(path).await;
        assert_error_body(response, 401, "unauthenticated").await;
    }

    // Operator pages do not exist for anyone else (the operators' policy: 404, not 403).
    let admin = app.register_admin("ada@alpha.example").await;
    for path in &paths {
        let response = app.send(Method::GET, path, None, &admin.token).await;
        assert_error_body(response, 404, "not_found").await;
    }
    // A connection key's token is no person: 403.
    let party = active_party(&app, &admin, SELLER_KVK, SELLER_CONTACT).await;
    let org_id = organization_of(&app, &admin, &party).await;
    let (_, client_id, secret) = create(&app, &admin, &org_id, &["send"]).await;
    let bearer = token(&app, &client_id, &secret).await;
    for path in &paths {
        let response = app.send(Method::GET, path, None, &bearer).await;
        assert_error_body(response, 403, "connection_not_allowed").await;
    }

    let operator = app.register_admin(OPERATOR).await;
    let listed = months(&app, &operator).await;
    assert_eq!(listed["items"], serde_json::json!([]));
    for kind in ["tsr", "eusr"] {
        // No access point certificate, so no reporter for a month without exchanges.
        let path = format!("/api/v1/operator/peppol-reports/2020-01/{kind}");
        let response = app.send(Method::GET, &path, None, &operator.token).await;
        assert_error_body(response, 404, "not_found").await;
        for bad in ["2020-13", "2020-1", "january", "2020-01-01"] {
            let path = format!("/api/v1/operator/peppol-reports/{bad}/{kind}");
            let response = app.send(Method::GET, &path, None, &operator.token).await;
            let body = assert_error_body(response, 422, "unprocessable").await;
            assert_eq!(body["details"][0]["field"], "month", "{bad}: {body}");
            assert_eq!(body["details"][0]["code"], "invalid_month");
        }
    }
    let response = app
        .send(
            Method::GET,
            "/api/v1/operator/peppol-reports?before=nonsense",
            None,
            &operator.token,
        )
        .await;
    assert_error_body(response, 400, "validation_failed").await;
}

#[tokio::test]
async fn a_month_without_exchanges_has_an_empty_report_and_a_future_month_none() {
    let network = Network::new();
    let app = network.haven_b(0).await;
    let operator = app.register_admin(OPERATOR).await;
    let next = {
        let now = Utc::now().date_naive();
        let first = now.with_day(1).unwrap();
        (first + chrono::Months::new(1)).format("%Y-%m").to_string()
    };
    for month in ["2020-01".to_owned(), this_month()] {
        let tsr = report(&app, &operator, &month, "tsr").await;
        for part in [
            "<ReporterID schemeID=\"CertSubjectCN\">PXX000002</ReporterID>",
            "<Total>",
            "<Incoming>0</Incoming>",
            "<Outgoing>0</Outgoing>",
        ] {
            assert!(tsr.contains(part), "{part} in {tsr}");
        }
        assert!(!tsr.contains("Subtotal"), "{tsr}");
        let eusr = report(&app, &operator, &month, "eusr").await;
        for part in [
            "<ReporterID schemeID=\"CertSubjectCN\">PXX000002</ReporterID>",
            "<SendingEndUsers>0</SendingEndUsers>",
            "<ReceivingEndUsers>0</ReceivingEndUsers>",
        ] {
            assert!(eusr.contains(part), "{part} in {eusr}");
        }
        assert!(!eusr.contains("Subset"), "{eusr}");
        let start = format!("<StartDate>{month}-01</StartDate>");
        assert!(tsr.contains(&start) && eusr.contains(&start), "{tsr}");
    }
    // Listed, as every month since the access point certificate: a report is due for each.
    let listed = months(&app, &operator).await;
    assert_eq!(
        listed["items"][0]["month"],
        this_month().as_str(),
        "{listed}"
    );
    assert_eq!(listed["items"][0]["incoming"], 0);
    assert_eq!(listed["items"][0]["outgoing"], 0);
    assert_eq!(listed["items"][0]["eusr"]["state"], "not_sent");
    // A month still to come has no report.
    for kind in ["tsr", "eusr"] {
        let path = format!("/api/v1/operator/peppol-reports/{next}/{kind}");
        let response = app.send(Method::GET, &path, None, &operator.token).await;
        assert_error_body(response, 404, "not_found").await;
    }
}
