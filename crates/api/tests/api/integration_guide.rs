//! The integration guide's examples work: every fenced `sh` block of `docs/integration.md` runs
//! with the real `curl` against a test server, and answers the status its `<!-- expect N -->`
//! comment says.

use std::process::Command;

use reqwest::Method;
use serde_json::{json, Value};

use crate::exchange::{invoice, send, two_parties, BUYER_KVK, SELLER_KVK};
use crate::helpers::spawn_app;

/// The guide's examples, in order: each with its expected status.
fn examples() -> Vec<(u16, String)> {
    let guide = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/integration.md"
    ))
    .unwrap();
    let mut examples = Vec::new();
    let mut lines = guide.lines().peekable();
    let mut expected = None;
    while let Some(line) = lines.next() {
        if let Some(status) = line
            .strip_prefix("<!-- expect ")
            .and_then(|rest| rest.strip_suffix(" -->"))
        {
            expected = Some(status.parse::<u16>().unwrap());
        } else if line == "```sh" {
            let mut block = String::new();
            for line in lines.by_ref() {
                if line == "```" {
                    break;
                }
                block.push_str(line);
                block.push('\n');
            }
            let status = expected
                .take()
                .unwrap_or_else(|| panic!("an example without <!-- expect N -->: {block}"));
            assert!(block.trim_start().starts_with("curl "), "{block}");
            examples.push((status, block));
        }
    }
    examples
}

/// Runs one example with bash, off the test's runtime (which also drives the server's database
/// tasks); returns the status and the body curl printed.
async fn run(dir: &std::path::Path, vars: &[(&str, &str)], example: &str) -> (u16, String) {
    let dir = dir.to_owned();
    let vars: Vec<(String, String)> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let example = example.to_owned();
    tokio::task::spawn_blocking(move || run_blocking(&dir, &vars, &example))
        .await
        .unwrap()
}

fn run_blocking(dir: &std::path::Path, vars: &[(String, String)], example: &str) -> (u16, String) {
    // `curl` prints the status on a line of its own after the body.
    let script = format!("curl() {{ command curl -sS -w '\\n%{{http_code}}' \"$@\"; }}\n{example}");
    let output = Command::new("bash")
        .arg("-c")
        .arg(script)
        .current_dir(dir)
        .envs(vars.iter().map(|(k, v)| (k, v)))
        .output()
        .expect("bash and curl run");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let (body, status) = stdout.rsplit_once('\n').unwrap_or(("", &stdout));
    let status = status.trim().parse().unwrap_or_else(|_| {
        panic!(
            "no status from {example}: {stdout} {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (status, body.to_owned())
}

#[tokio::test]
async fn every_curl_example_of_the_integration_guide_answers_as_it_says() {
    let app = spawn_app().await;
    // The software's organization (Zeewind) receives; Tulpenveld sends it an invoice first.
    let (seller, seller_party, buyer, party) = two_parties(&app).await;
    let response = send(
        &app,
        &seller.token,
        &seller_party,
        invoice("GUIDE-1", SELLER_KVK, BUYER_KVK, None),
        None,
    )
    .await;
    assert_eq!(response.status().as_u16(), 202);
    let inbox = format!("/api/v1/parties/{party}/purchase-invoices");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let invoice_id = loop {
        let page = app.get_json(&inbox, &buyer.token).await;
        if let Some(id) = page["items"][0]["id"].as_str() {
            break id.to_owned();
        }
        assert!(std::time::Instant::now() < deadline, "nothing arrived");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let orgs = app.get_json("/api/v1/organizations", &buyer.token).await;
    let org_id = orgs["items"][0]["id"].as_str().unwrap();
    let created: Value = app
        .send(
            Method::POST,
            &format!("/api/v1/organizations/{org_id}/connections"),
            Some(&json!({"name": "Books", "software": "Ledger", "scopes": ["send", "receive", "document_status"]})),
            &buyer.token,
        )
        .await
        .json()
        .await
        .unwrap();
    let client_id = created["connection"]["clientId"]
        .as_str()
        .unwrap()
        .to_owned();
    let secret = created["clientSecret"].as_str().unwrap().to_owned();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("invoice.xml"),
        invoice("GUIDE-2", BUYER_KVK, SELLER_KVK, None),
    )
    .unwrap();

    let examples = examples();
    assert!(examples.len() >= 8, "{} examples", examples.len());
    let mut token = String::new();
    let mut document_id = String::new();
    for (expected, example) in &examples {
        let vars = [
            ("HAVEN", app.address.as_str()),
            ("CLIENT_ID", client_id.as_str()),
            ("CLIENT_SECRET", secret.as_str()),
            ("PARTY", party.as_str()),
            ("TOKEN", token.as_str()),
            ("DOCUMENT_ID", document_id.as_str()),
            ("INVOICE_ID", invoice_id.as_str()),
        ];
        let (status, body) = run(dir.path(), &vars, example).await;
        assert_eq!(status, *expected, "{example}\n{body}");
        let json: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
        if let Some(t) = json["access_token"].as_str() {
            token = t.to_owned();
        }
        if let Some(id) = json["documentId"].as_str() {
            document_id = id.to_owned();
        }
    }
    assert!(!token.is_empty() && !document_id.is_empty());
    let downloaded = std::fs::read_to_string(dir.path().join("purchase-invoice.xml")).unwrap();
    assert!(
        downloaded.contains("GUIDE-1"),
        "the download is the invoice"
    );
    let approved = app
        .get_json(&format!("{inbox}/{invoice_id}"), &buyer.token)
        .await;
    assert_eq!(approved["status"], "approved");
}
