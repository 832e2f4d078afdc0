//! Interoperability of Haven's AS4 layer with an independent implementation: the PyPI `as4`
//! package (dbkosky/as4, lxml and `cryptography` underneath), installed by scripts/ensure-as4
//! and driven through tests/as4_peer/peer.py. Both directions, each with the receipt (or error)
//! checked by the other side. The PKI is made at test time; the peer gets it as PEM files.
#![allow(clippy::unwrap_used)]

mod support;

use std::{
    io::{BufRead as _, BufReader, Write as _},
    path::{Path, PathBuf},
    process::{Command, Stdio},
};

use base64::{engine::general_purpose::STANDARD, Engine as _};
use haven_peppol::{
    as4::{
        receive::{receive, ReceiverConfig},
        send::{build_user_message, MessageOptions},
        signal::{self, Answer},
        NOT_SERVICED,
    },
    identifiers::{BILLING_PROCESS, BIS_BILLING_INVOICE},
};
use serde_json::{json, Value};
use support::as4::{sbd, Pki, INVOICE};

/// The venv's python; `None` (after saying why) when it is not installed outside CI. Under
/// CI a missing venv fails the test.
fn python() -> Option<PathBuf> {
    let bin = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.tools/as4/bin/python");
    if !bin.exists() {
        let why = "the as4 package is not installed in .tools/as4: run scripts/ensure-as4";
        assert!(std::env::var_os("CI").is_none(), "{why}");
        eprintln!("skipping the AS4 interoperability test: {why}");
        return None;
    }
    Some(bin)
}

fn peer_script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/as4_peer/peer.py")
}

/// The PKI as PEM files for the peer.
fn write_pki(dir: &Path, pki: &Pki) {
    std::fs::write(dir.join("ap-ca.pem"), &pki.ap_ca.pem).unwrap();
    std::fs::write(dir.join("peer.pem"), &pki.peer.pem).unwrap();
    std::fs::write(dir.join("peer.key"), pki.peer.key_pem()).unwrap();
    std::fs::write(dir.join("c3.pem"), &pki.c3.pem).unwrap();
}

fn path(dir: &Path, name: &str) -> String {
    dir.join(name).to_str().unwrap().to_owned()
}

/// Haven (C2, PXX000001) sends to the peer (C3, PXX000003), which serves 0208:0000000004;
/// `tamper` changes the body on the way.
fn haven_to_peer(
    pki: &Pki,
    receiver: &str,
    tamper: impl Fn(Vec<u8>) -> Vec<u8>,
) -> (Vec<u8>, haven_peppol::as4::send::Outgoing, Value) {
    let python = python().unwrap();
    let dir = tempfile::tempdir().unwrap();
    write_pki(dir.path(), pki);
    let document = sbd("0208:0000000001", receiver);
    let message = build_user_message(
        &document,
        &pki.c2.ap_key(),
        &pki.peer.der,
        &MessageOptions::default(),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("headers.json"),
        json!({"Content-Type": message.content_type, "Mime-Version": "1.0"}).to_string(),
    )
    .unwrap();
    std::fs::write(dir.path().join("body"), tamper(message.body().to_vec())).unwrap();
    let config = json!({
        "key": path(dir.path(), "peer.key"),
        "certificate": path(dir.path(), "peer.pem"),
        "party_id": "PXX000003",
        "root": path(dir.path(), "ap-ca.pem"),
        "served": ["0208:0000000004"],
        "headers": path(dir.path(), "headers.json"),
        "body": path(dir.path(), "body"),
    });
    std::fs::write(dir.path().join("config.json"), config.to_string()).unwrap();
    let output = Command::new(python)
        .arg(peer_script())
        .arg("receive")
        .arg(dir.path().join("config.json"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "peer failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let result: Value = serde_json::from_slice(&output.stdout).unwrap();
    (document, message, result)
}

#[test]
fn the_python_peer_receives_what_haven_sends_and_haven_verifies_its_receipt() {
    if python().is_none() {
        return;
    }
    let pki = Pki::new();
    let (document, message, result) = haven_to_peer(&pki, "0208:0000000004", |body| body);
    assert_eq!(result["successful"], true, "{result}");
    assert_eq!(result["message_id"], message.message_id.as_str());
    assert_eq!(result["sender"], "0208:0000000001");
    assert_eq!(result["recipient"], "0208:0000000004");
    assert_eq!(result["document_type"], BIS_BILLING_INVOICE);
    assert_eq!(result["process"], BILLING_PROCESS);
    assert_eq!(result["conversation_id"], message.conversation_id.as_str());
    let received = STANDARD.decode(result["sbd"].as_str().unwrap()).unwrap();
    assert_eq!(
        received, document,
        "the peer decrypted and decompressed the same SBD"
    );

    // The peer's receipt: signed by it, about our message, with our references.
    let receipt = STANDARD.decode(result["signal"].as_str().unwrap()).unwrap();
    let content_type = result["signal_content_type"].as_str().unwrap();
    assert_eq!(
        signal::verify_answer(content_type, &receipt, &message, &pki.peer.der).unwrap(),
        Answer::Receipt
    );
    assert!(signal::verify_answer(content_type, &receipt, &message, &pki.c3.der).is_err());
}

#[test]
fn the_python_peer_refuses_a_participant_it_does_not_serve_and_haven_reads_the_error() {
    if python().is_none() {
        return;
    }
    let pki = Pki::new();
    let (_, message, result) = haven_to_peer(&pki, "0208:0000000099", |body| body);
    assert_eq!(result["successful"], false, "{result}");
    assert_eq!(result["error_code"], "EBMS:0004");
    let signal_body = STANDARD.decode(result["signal"].as_str().unwrap()).unwrap();
    let content_type = result["signal_content_type"].as_str().unwrap();
    assert_eq!(
        signal::verify_answer(content_type, &signal_body, &message, &pki.peer.der).unwrap(),
        Answer::Error {
            code: "EBMS:0004".into(),
            detail: NOT_SERVICED.into()
        }
    );
}

/// The peer (C2, PXX000003) sends to Haven (C3, PXX000002), the body changed by `tamper` on
/// the way; Haven answers with a receipt or an error, and the peer reports what it made of it.
fn peer_to_haven(
    pki: &Pki,
    recipient: &str,
    tamper: impl Fn(Vec<u8>) -> Vec<u8>,
) -> (
    Result<haven_peppol::as4::receive::Received, haven_peppol::as4::receive::Rejected>,
    Value,
) {
    let python = python().unwrap();
    let dir = tempfile::tempdir().unwrap();
    write_pki(dir.path(), pki);
    std::fs::write(dir.path().join("invoice.xml"), INVOICE).unwrap();
    let config = json!({
        "key": path(dir.path(), "peer.key"),
        "certificate": path(dir.path(), "peer.pem"),
        "party_id": "PXX000003",
        "remote_party_id": "PXX000002",
        "remote_certificate": path(dir.path(), "c3.pem"),
        "sender": "0208:0000000004",
        "recipient": recipient,
        "document_type": BIS_BILLING_INVOICE,
        "instance_identifier": "7f9c1a52-3d1e-4e55-9a43-2f7d7a0c0001",
        "process": BILLING_PROCESS,
        "country": "BE",
        "payload": path(dir.path(), "invoice.xml"),
    });
    std::fs::write(dir.path().join("config.json"), config.to_string()).unwrap();
    let mut child = Command::new(python)
        .arg(peer_script())
        .arg("send")
        .arg(dir.path().join("config.json"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let built: Value = serde_json::from_str(&line).unwrap();
    let content_type = built["headers"]["Content-Type"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = tamper(STANDARD.decode(built["body"].as_str().unwrap()).unwrap());

    let key = pki.c3.ap_key();
    let trust = pki.trust();
    let config = ReceiverConfig {
        key: &key,
        previous: None,
        ap_trust: &trust,
        max_decompressed: 1 << 20,
        now: chrono::Utc::now().timestamp(),
    };
    let outcome = receive(&content_type, &body, &config, &|participant, _, _| {
        participant.value() == "0208:0000000002"
    });
    let answer = match &outcome {
        Ok(received) => signal::receipt(received, &key).unwrap(),
        Err(rejected) => {
            signal::error(rejected.message_id.as_deref(), &rejected.error, &key).unwrap()
        }
    };
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "{}", STANDARD.encode(&answer.body)).unwrap();
    drop(stdin);
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    assert!(child.wait().unwrap().success());
    (outcome, serde_json::from_str(&line).unwrap())
}

#[test]
fn haven_receives_what_the_python_peer_sends_and_the_peer_verifies_havens_receipt() {
    if python().is_none() {
        return;
    }
    let pki = Pki::new();
    let (outcome, result) = peer_to_haven(&pki, "0208:0000000002", |body| body);
    let received = outcome.unwrap();
    assert_eq!(received.from_party, "PXX000003");
    assert_eq!(received.to_party, "PXX000002");
    assert_eq!(received.signer, pki.peer.der);
    let header = &received.header;
    assert_eq!(header.sender.value(), "0208:0000000004");
    assert_eq!(header.receiver.value(), "0208:0000000002");
    assert_eq!(header.country_c1, "BE");
    assert_eq!(
        header.instance_identifier,
        "7f9c1a52-3d1e-4e55-9a43-2f7d7a0c0001"
    );
    assert_eq!(header.document_type.value(), BIS_BILLING_INVOICE);
    // The business document stands on its own, namespaces included.
    let payload = std::str::from_utf8(&received.document).unwrap();
    let invoice = roxmltree::Document::parse(payload).unwrap();
    let id = invoice
        .descendants()
        .find(|n| {
            n.has_tag_name((
                "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
                "ID",
            ))
        })
        .and_then(|n| n.text());
    assert_eq!(id, Some("INV-2026-001"));
    // The peer checked Haven's receipt: signature, signer, RefToMessageId, references.
    assert_eq!(result["verified"], true, "{result}");
    assert_eq!(result["state"], "acknowledged", "{result}");
}

#[test]
fn haven_refuses_a_participant_it_does_not_serve_and_the_peer_reads_the_error() {
    if python().is_none() {
        return;
    }
    let pki = Pki::new();
    let (outcome, result) = peer_to_haven(&pki, "0208:0000000099", |body| body);
    let rejected = outcome.unwrap_err();
    assert_eq!(rejected.error.detail, NOT_SERVICED);
    assert_eq!(result["state"], "rejected", "{result}");
    assert_eq!(result["error_code"], "EBMS:0004");
    assert_eq!(result["error_detail"], NOT_SERVICED);
}

#[test]
fn haven_refuses_a_changed_message_from_the_python_peer_with_a_signed_error() {
    if python().is_none() {
        return;
    }
    let pki = Pki::new();
    let (outcome, result) = peer_to_haven(&pki, "0208:0000000002", |body| {
        // The peer's ConversationId starts "as4@"; change it inside the signed Messaging.
        let at = body.windows(4).position(|w| w == b"as4@").unwrap();
        let mut body = body;
        body[at + 3] = b'X';
        body
    });
    let rejected = outcome.unwrap_err();
    assert_eq!(rejected.error.code.code(), "EBMS:0101");
    assert_eq!(result["state"], "rejected", "{result}");
    assert_eq!(result["error_code"], "EBMS:0101");
}

#[test]
fn the_python_peer_refuses_a_changed_haven_message() {
    if python().is_none() {
        return;
    }
    let pki = Pki::new();
    // Haven's ConversationId is inside the signed eb:Messaging.
    let (_, _, result) = haven_to_peer(&pki, "0208:0000000004", |body| {
        let marker = b"<eb:ConversationId>";
        let at = body
            .windows(marker.len())
            .position(|w| w == marker)
            .unwrap()
            + marker.len();
        let mut body = body;
        body[at] = if body[at] == b'a' { b'b' } else { b'a' };
        body
    });
    assert_eq!(result["successful"], false, "{result}");
    assert_eq!(result["error_code"], "EBMS:0101", "{result}");
}
