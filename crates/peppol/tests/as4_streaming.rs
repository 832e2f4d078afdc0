//! Receiving from a spooled file: a payload of several megabytes comes out whole, nothing is
//! left in the spool directory, and the parts held in memory have their caps.

#![allow(clippy::unwrap_used)]

mod support;

use haven_peppol::{
    as4::{
        receive::{claimed_ids, receive_from, ReceiverConfig, MAX_ENVELOPE_BYTES},
        send::{build_user_message, MessageOptions},
        EbmsCode,
    },
    sbdh,
};
use support::as4::{header, Pki, INVOICE};

/// The test invoice with a note of `len` bytes of text that gzip shrinks little.
fn large_invoice(len: usize) -> Vec<u8> {
    let mut state: u32 = 0x1234_5678;
    let note: String = (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            char::from(b'A' + u8::try_from(state % 26).unwrap())
        })
        .collect();
    INVOICE
        .replace("<cbc:Note>", &format!("<cbc:Note>{note}"))
        .into_bytes()
}

/// `message` written to a file behind a Content-Type line, as the server spools it, and
/// received from there with `spool` as the spool directory.
fn receive_spooled(
    pki: &Pki,
    content_type: &str,
    body: &[u8],
    spool: &std::path::Path,
) -> Result<haven_peppol::as4::receive::Received, haven_peppol::as4::receive::Rejected> {
    let line = format!("Content-Type: {content_type}\r\n\r\n");
    let mut file = tempfile::tempfile().unwrap();
    std::io::Write::write_all(&mut file, line.as_bytes()).unwrap();
    std::io::Write::write_all(&mut file, body).unwrap();
    let key = pki.c3.ap_key();
    let trust = pki.trust();
    let config = ReceiverConfig {
        key: &key,
        previous: None,
        ap_trust: &trust,
        max_decompressed: 64 << 20,
        now: chrono::Utc::now().timestamp(),
    };
    let start = line.len() as u64;
    receive_from(
        content_type,
        &file,
        start..start + body.len() as u64,
        spool,
        &config,
        &|_, _, _| true,
    )
}

#[test]
fn a_payload_of_megabytes_is_received_whole_from_the_spool_file() {
    let pki = Pki::new();
    let document = large_invoice(6 << 20);
    let sbd = sbdh::write(&header("0208:0000000001", "0208:0000000002"), &document).unwrap();
    let message = build_user_message(
        &sbd,
        &pki.c2.ap_key(),
        &pki.c3.der,
        &MessageOptions::default(),
    )
    .unwrap();
    let spool = tempfile::tempdir().unwrap();
    let received = receive_spooled(&pki, &message.content_type, message.body(), spool.path())
        .map_err(|r| r.error)
        .unwrap();
    let start = INVOICE.find("<Invoice").unwrap();
    assert!(
        received.document == document[start..],
        "the document as sent"
    );
    assert_eq!(received.message_id, message.message_id);
    // The decompressed payload was an anonymous file: nothing is left behind.
    assert_eq!(std::fs::read_dir(spool.path()).unwrap().count(), 0);
}

#[test]
fn an_envelope_over_its_cap_is_refused_before_it_is_read() {
    let pki = Pki::new();
    let boundary = "b0";
    let padding = " ".repeat(usize::try_from(MAX_ENVELOPE_BYTES).unwrap() + 1);
    let body = format!(
        "--{boundary}\r\nContent-Type: application/soap+xml\r\n\r\n<e>{padding}</e>\r\n--{boundary}--\r\n"
    );
    let content_type =
        format!("multipart/related; boundary=\"{boundary}\"; type=\"application/soap+xml\"");
    let spool = tempfile::tempdir().unwrap();
    let rejected = receive_spooled(&pki, &content_type, body.as_bytes(), spool.path()).unwrap_err();
    assert_eq!(rejected.error.code, EbmsCode::InvalidHeader);
    assert!(
        rejected.error.detail.contains("larger than"),
        "{}",
        rejected.error.detail
    );
    assert!(!rejected.internal);
}

#[test]
fn a_changed_tag_is_a_decryption_failure_even_when_gunzip_fails_first() {
    let pki = Pki::new();
    let sbd = sbdh::write(
        &header("0208:0000000001", "0208:0000000002"),
        INVOICE.as_bytes(),
    )
    .unwrap();
    let message = build_user_message(
        &sbd,
        &pki.c2.ap_key(),
        &pki.c3.der,
        &MessageOptions::default(),
    )
    .unwrap();
    let spool = tempfile::tempdir().unwrap();
    let body = message.body().to_vec();
    // The attachment ends just before the closing delimiter: its last byte is the tag's, and
    // a byte in the middle changes what gunzip sees.
    let close = body.windows(4).rposition(|w| w == b"\r\n--").unwrap();
    let open = body
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| i + 4)
        .unwrap();
    let attachment_start = body[open..]
        .windows(4)
        .rposition(|w| w == b"\r\n\r\n")
        .map(|i| open + i + 4)
        .unwrap();
    for at in [close - 1, (attachment_start + close) / 2] {
        let mut changed = body.clone();
        changed[at] ^= 0x01;
        let rejected =
            receive_spooled(&pki, &message.content_type, &changed, spool.path()).unwrap_err();
        assert_eq!(rejected.error.code, EbmsCode::FailedDecryption, "byte {at}");
    }
}

#[test]
fn the_ids_a_message_claims_are_read_from_its_first_bytes_when_its_envelope_is_there() {
    let pki = Pki::new();
    let sbd = sbdh::write(
        &header("0208:0000000001", "0208:0000000002"),
        &large_invoice(100_000),
    )
    .unwrap();
    let message = build_user_message(
        &sbd,
        &pki.c2.ap_key(),
        &pki.c3.der,
        &MessageOptions::default(),
    )
    .unwrap();
    let body = message.body();
    let (message_id, from) = claimed_ids(&message.content_type, &body[..16 * 1024]);
    assert_eq!(message_id.as_deref(), Some(message.message_id.as_str()));
    assert_eq!(from.as_deref(), Some("PXX000001"));
    // Cut inside the envelope (its first 300 bytes: the MIME headers and the start of the
    // SOAP part), or not multipart: nothing is claimed.
    let cut = 300;
    assert_eq!(
        claimed_ids(&message.content_type, &body[..cut]),
        (None, None)
    );
    assert_eq!(
        claimed_ids("application/soap+xml", &body[..16 * 1024]),
        (None, None)
    );
}
