//! AS4 exchange benchmark (`make bench-as4`): access point A sends Peppol invoices to access
//! point B on 127.0.0.1 through the real AS4 code, signing, encryption and the check of B's
//! signed receipt included.
//!
//! Run: `cargo run --release -p haven-peppol --example bench_as4`
//!
//! B is a child process (this binary with `receive DIR`): an HTTP/1.1 server with keep-alive
//! that spools each posted body to a file as it arrives (the evidence form, hashed on the
//! way, as the server's `POST /as4` does) and hands it to `as4::inbound::BlockingAs4Receiver`,
//! the `As4Inbound` adapter behind that endpoint (open, decrypt, verify, then the signed
//! receipt), without the database and document store the server adds. A is this process: one
//! `as4::outbound::As4Sender`, the adapter the Peppol delivery channel uses, posting a 10-line
//! invoice from 1, 4 and 16 tasks at once; it builds each message in a spool file and posts
//! it from there, as the server does. Every answer must be a verified receipt.
//!
//! Then one 50 MB payload (an invoice carrying a 50 MB embedded attachment, base64 of random
//! bytes, which gzip barely shrinks: the worst case for memory) from a fresh sender process
//! (`send-large DIR URL BYTES`) to a fresh receiver; each reports how far its peak resident
//! set (`VmHWM` in /proc/self/status) rose above its resident set before the payload, which
//! the target compares with twice the payload.
//!
//! `HAVEN_BENCH_AS4_SECS` sets the seconds per concurrency level (default 10);
//! `HAVEN_BENCH_AS4_LARGE_BYTES` the size of the large payload (default 50,000,000).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::print_stderr
)]

use std::{
    io::{BufRead as _, BufReader, Write as _},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::Arc,
    time::{Duration, Instant},
};

use haven_domain::{
    documents::blobs::ContentHash,
    peppol::{
        discovery::PeppolEndpoint,
        receiving::{As4Inbound as _, Posted, Signal},
        sending::{As4Answer, As4Outbound as _, Outbound, BILLING_PROCESS, BIS_BILLING_INVOICE},
    },
};
use haven_peppol::{
    as4::{
        inbound::{As4Receiver, BlockingAs4Receiver},
        outbound::As4Sender,
        ApKey, DEFAULT_MAX_DECOMPRESSED,
    },
    http::HostRules,
    revocation::{Policy, RevocationChecker},
    testing::Ca,
    xmldsig::TrustAnchors,
};
use sha2::{Digest as _, Sha256};
use tokio::{
    io::{AsyncReadExt as _, AsyncWriteExt as _},
    net::{TcpListener, TcpStream},
};

const SENDER: &str = "0106:12345678";
const RECEIVER: &str = "0106:87654321";
const CONCURRENCY: [usize; 3] = [1, 4, 16];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["receive", dir] => runtime.block_on(receive(Path::new(dir))),
        ["send-large", dir, url, bytes] => {
            runtime.block_on(send_large(Path::new(dir), url, bytes.parse().unwrap()));
        }
        [] => runtime.block_on(orchestrate()),
        _ => panic!("usage: bench_as4 [receive DIR | send-large DIR URL BYTES]"),
    }
}

// ---------------------------------------------------------------- the two access points

/// Writes the test PKI the processes share: the AP CA, A's (PXX000001) and B's (PXX000002)
/// keys and certificates, as PEM files, the form the server's settings read.
fn write_pki(dir: &Path) {
    let ca = Ca::new("HAVEN BENCH AP CA");
    let a = ca.leaf_with_key("PXX000001", None, false, 2);
    let b = ca.leaf_with_key("PXX000002", None, false, 3);
    std::fs::write(dir.join("ca.pem"), &ca.pem).unwrap();
    for (name, leaf) in [("a", &a), ("b", &b)] {
        std::fs::write(dir.join(format!("{name}.key.pem")), leaf.key_pem()).unwrap();
        std::fs::write(dir.join(format!("{name}.pem")), &leaf.pem).unwrap();
    }
}

fn ap_key(dir: &Path, name: &str) -> ApKey {
    let read = |file: String| std::fs::read(dir.join(file)).unwrap();
    ApKey::from_pem(
        &read(format!("{name}.key.pem")),
        &read(format!("{name}.pem")),
    )
    .unwrap()
}

fn trust(dir: &Path) -> TrustAnchors {
    TrustAnchors::from_pem(&std::fs::read(dir.join("ca.pem")).unwrap()).unwrap()
}

/// A's sender, which builds each message in a file of `DIR/spool-a` and posts it from there,
/// as the server's does in its spool directory.
fn sender(dir: &Path) -> As4Sender {
    As4Sender::new(
        ap_key(dir, "a"),
        trust(dir),
        HostRules {
            insecure_hosts: vec!["127.0.0.1".into()],
        },
        Duration::from_secs(120),
    )
    .unwrap()
    .with_spool_dir(dir.join("spool-a"))
}

fn endpoint(dir: &Path, url: &str) -> PeppolEndpoint {
    let pem = std::fs::read(dir.join("b.pem")).unwrap();
    PeppolEndpoint {
        url: url.to_owned(),
        transport_profile: "peppol-transport-as4-v2_0".into(),
        certificate: haven_peppol::xmldsig::first_certificate(&pem).unwrap(),
    }
}

/// Sends `document` once; panics unless B answered with a receipt whose signature and
/// references checked out.
async fn send_one(sender: &As4Sender, endpoint: &PeppolEndpoint, document: &Arc<Vec<u8>>) {
    let id = uuid::Uuid::new_v4();
    let outbound = Outbound {
        sender: SENDER,
        receiver: RECEIVER,
        document_type: BIS_BILLING_INVOICE,
        process: BILLING_PROCESS,
        instance_identifier: id.to_string(),
        message_id: format!("{id}@bench"),
        document: Arc::clone(document),
        country_c1: None,
    };
    let exchange = sender.send(endpoint, &outbound).await.unwrap();
    assert_eq!(exchange.answer, As4Answer::Receipt, "B did not accept");
}

// ---------------------------------------------------------------- B: the receiving process

/// B: serves `POST` on 127.0.0.1, prints `listening ADDRESS`, and when its standard input
/// closes prints `memory BASELINE_KIB PEAK_KIB` and ends.
async fn receive(dir: &Path) {
    let spool = dir.join("spool");
    std::fs::create_dir_all(&spool).unwrap();
    let revocation =
        RevocationChecker::new(Policy::Off, HostRules::default(), Duration::from_secs(1)).unwrap();
    let receiver = BlockingAs4Receiver(Arc::new(As4Receiver {
        keys: haven_peppol::rollover::Swappable::new(haven_peppol::as4::ApKeys::new(ap_key(
            dir, "b",
        ))),
        ap_trust: haven_peppol::rollover::Swappable::new(trust(dir)),
        max_decompressed: DEFAULT_MAX_DECOMPRESSED,
        revocation: Arc::new(revocation),
        spool_dir: spool.clone(),
    }));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let baseline = memory_kib("VmRSS:");
    println!("listening {}", listener.local_addr().unwrap());
    std::io::stdout().flush().unwrap();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            stream.set_nodelay(true).unwrap();
            tokio::spawn(serve_connection(stream, receiver.clone(), spool.clone()));
        }
    });
    // The parent closes our standard input when it is done with us.
    tokio::task::spawn_blocking(|| std::io::stdin().lines().count())
        .await
        .unwrap();
    println!("memory {baseline} {}", memory_kib("VmHWM:"));
}

/// One keep-alive connection: requests with a Content-Length body, each answered with B's
/// signal (a receipt or an ebMS error, HTTP 200 either way as the AS4 profile has it).
async fn serve_connection(mut stream: TcpStream, receiver: BlockingAs4Receiver, spool: PathBuf) {
    let mut buffer = Vec::with_capacity(16 * 1024);
    loop {
        let head_end = loop {
            if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                break end + 4;
            }
            if read_more(&mut stream, &mut buffer).await == 0 {
                return;
            }
        };
        let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
        let header = |name: &str| {
            head.lines().find_map(|line| {
                let (key, value) = line.split_once(':')?;
                key.trim()
                    .eq_ignore_ascii_case(name)
                    .then(|| value.trim().to_owned())
            })
        };
        let length: usize = header("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let content_type = header("content-type").unwrap_or_default();
        // The body to a spool file as it arrives, behind its Content-Type line and hashed on
        // the way, as the server spools it; what came with the head is written first.
        let named = tempfile::Builder::new()
            .prefix("as4-in-")
            .tempfile_in(&spool)
            .unwrap();
        let (file, path) = named.into_parts();
        let mut out =
            tokio::io::BufWriter::with_capacity(256 * 1024, tokio::fs::File::from_std(file));
        let line = format!("Content-Type: {content_type}\r\n\r\n");
        let mut hash = Sha256::new();
        hash.update(line.as_bytes());
        out.write_all(line.as_bytes()).await.unwrap();
        let already = (buffer.len() - head_end).min(length);
        hash.update(&buffer[head_end..head_end + already]);
        out.write_all(&buffer[head_end..head_end + already])
            .await
            .unwrap();
        buffer.drain(..head_end + already);
        let mut left = length - already;
        let mut chunk = vec![0u8; 64 * 1024];
        while left > 0 {
            let want = left.min(chunk.len());
            let n = match stream.read(&mut chunk[..want]).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            hash.update(&chunk[..n]);
            out.write_all(&chunk[..n]).await.unwrap();
            left -= n;
        }
        out.flush().await.unwrap();
        drop(out);
        let posted = Posted::spooled(
            content_type,
            path,
            line.len() as u64,
            (line.len() + length) as u64,
            ContentHash::from_digest(hash.finalize().into()),
        );
        let signal = answer(&receiver, posted).await;
        let response = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: {}\r\nContent-Length: {}\r\n\r\n",
            signal.content_type,
            signal.body.len()
        );
        if stream.write_all(response.as_bytes()).await.is_err()
            || stream.write_all(&signal.body).await.is_err()
        {
            return;
        }
    }
}

async fn read_more(stream: &mut TcpStream, into: &mut Vec<u8>) -> usize {
    let mut chunk = [0u8; 64 * 1024];
    match stream.read(&mut chunk).await {
        Ok(n) => {
            into.extend_from_slice(&chunk[..n]);
            n
        }
        Err(_) => 0,
    }
}

/// What `receive_message` does with the adapter, less the storage: open the message, then a
/// receipt, or the signed error for a message that did not open.
async fn answer(receiver: &BlockingAs4Receiver, posted: Posted) -> Signal {
    match receiver.open(posted).await.unwrap() {
        Ok((_, opened, _)) => receiver.receipt(&opened).await.unwrap(),
        Err((failed, _)) => {
            eprintln!("B refused a message: {}", failed.error);
            receiver.answer_failed(&failed).await.unwrap()
        }
    }
}

// ---------------------------------------------------------------- A and the figures

/// A field of /proc/self/status in KiB (`VmRSS:` now, `VmHWM:` the peak).
fn memory_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap()
}

struct Receiver {
    child: Child,
    url: String,
    output: BufReader<std::process::ChildStdout>,
}

fn start_receiver(dir: &Path) -> Receiver {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .arg("receive")
        .arg(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut output = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    output.read_line(&mut line).unwrap();
    let address = line
        .strip_prefix("listening ")
        .expect("the receiver's address")
        .trim();
    Receiver {
        child,
        url: format!("http://{address}/as4"),
        output,
    }
}

impl Receiver {
    /// Stops B and returns its resident set before any message and its peak (KiB).
    fn stop(mut self) -> (u64, u64) {
        drop(self.child.stdin.take());
        let mut line = String::new();
        self.output.read_line(&mut line).unwrap();
        self.child.wait().unwrap();
        let figures: Vec<u64> = line
            .strip_prefix("memory ")
            .expect("the receiver's memory")
            .split_whitespace()
            .map(|f| f.parse().unwrap())
            .collect();
        (figures[0], figures[1])
    }
}

async fn orchestrate() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path().to_owned();
    write_pki(&dir);
    println!(
        "AS4 A -> B on 127.0.0.1: 10-line invoice, gzip, RSA-SHA256 signature, AES-128-GCM with RSA-OAEP, signed receipt verified"
    );
    println!("load average before: {}", load_average());
    throughput(&dir).await;
    large(&dir);
    println!("load average after: {}", load_average());
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

async fn throughput(dir: &Path) {
    let seconds: u64 = std::env::var("HAVEN_BENCH_AS4_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let receiver = start_receiver(dir);
    let sender = Arc::new(sender(dir));
    let endpoint = Arc::new(endpoint(dir, &receiver.url));
    let document = Arc::new(invoice(10, 0).into_bytes());
    println!("invoice: {} bytes", document.len());
    // Warm-up: connections, the blocking pool, caches.
    for _ in 0..20 {
        send_one(&sender, &endpoint, &document).await;
    }
    println!("concurrency  messages/s  p50 ms  p99 ms  messages");
    for concurrency in CONCURRENCY {
        let until = Instant::now() + Duration::from_secs(seconds);
        let started = Instant::now();
        let tasks: Vec<_> = (0..concurrency)
            .map(|_| {
                let (sender, endpoint, document) =
                    (sender.clone(), endpoint.clone(), document.clone());
                tokio::spawn(async move {
                    let mut latencies = Vec::new();
                    while Instant::now() < until {
                        let sent = Instant::now();
                        send_one(&sender, &endpoint, &document).await;
                        latencies.push(sent.elapsed());
                    }
                    latencies
                })
            })
            .collect();
        let mut latencies = Vec::new();
        for task in tasks {
            latencies.extend(task.await.unwrap());
        }
        let elapsed = started.elapsed();
        latencies.sort();
        let at = |q: f64| {
            let index = ((latencies.len() as f64 * q).ceil() as usize).saturating_sub(1);
            latencies[index].as_secs_f64() * 1000.0
        };
        println!(
            "{concurrency:>11}  {:>10.0}  {:>6.1}  {:>6.1}  {:>8}",
            latencies.len() as f64 / elapsed.as_secs_f64(),
            at(0.50),
            at(0.99),
            latencies.len()
        );
    }
    receiver.stop();
}

fn large(dir: &Path) {
    let bytes: usize = std::env::var("HAVEN_BENCH_AS4_LARGE_BYTES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(50_000_000);
    let receiver = start_receiver(dir);
    let output = Command::new(std::env::current_exe().unwrap())
        .arg("send-large")
        .arg(dir)
        .arg(&receiver.url)
        .arg(bytes.to_string())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "the large sender failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = String::from_utf8(output.stdout).unwrap();
    let figures: Vec<u64> = report
        .split_whitespace()
        .map(|f| f.parse().unwrap())
        .collect();
    let [payload, millis, a_baseline, a_peak] = figures[..] else {
        panic!("the large sender's report: {report}");
    };
    let (b_baseline, b_peak) = receiver.stop();
    let mib = |kib: u64| kib as f64 / 1024.0;
    let payload_mib = payload as f64 / (1024.0 * 1024.0);
    println!(
        "large payload: {payload} bytes ({payload_mib:.1} MiB), sent and receipted in {:.2} s; target: growth under {:.1} MiB (twice the payload)",
        millis as f64 / 1000.0,
        2.0 * payload_mib
    );
    println!("process      before MiB  peak MiB  growth MiB  growth / payload");
    for (name, baseline, peak) in [
        ("A (sender)", a_baseline, a_peak),
        ("B (receiver)", b_baseline, b_peak),
    ] {
        let growth = mib(peak.saturating_sub(baseline));
        println!(
            "{name:<12} {:>10.1}  {:>8.1}  {growth:>10.1}  {:>15.2}x",
            mib(baseline),
            mib(peak),
            growth / payload_mib
        );
    }
}

/// A: sends one invoice of about `bytes` bytes and prints `PAYLOAD_BYTES MILLIS
/// BASELINE_KIB PEAK_KIB`; the document itself counts in the growth.
async fn send_large(dir: &Path, url: &str, bytes: usize) {
    let sender = sender(dir);
    let endpoint = endpoint(dir, url);
    let baseline = memory_kib("VmRSS:");
    let document = Arc::new(invoice(1, bytes).into_bytes());
    let started = Instant::now();
    send_one(&sender, &endpoint, &document).await;
    let millis = started.elapsed().as_millis();
    println!(
        "{} {millis} {baseline} {}",
        document.len(),
        memory_kib("VmHWM:")
    );
}

// ---------------------------------------------------------------- the invoice

/// A Peppol BIS Billing 3.0 invoice with `lines` lines of 2 × 100.00 at 21 %; with
/// `attachment_bytes` > 0 it carries an embedded attachment that brings the document to
/// about that size.
fn invoice(lines: usize, attachment_bytes: usize) -> String {
    let net = 200 * lines;
    let tax = 42 * lines;
    let mut out = String::with_capacity(4_000 + lines * 900 + attachment_bytes);
    out.push_str(concat!(
        r#"<?xml version="1.0" encoding="UTF-8"?>"#,
        "\n",
        r#"<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">"#,
        "\n",
        "  <cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0</cbc:CustomizationID>\n",
        "  <cbc:ProfileID>urn:fdc:peppol.eu:2017:poacc:billing:01:1.0</cbc:ProfileID>\n",
        "  <cbc:ID>AS4-BENCH-1</cbc:ID>\n  <cbc:IssueDate>2026-03-01</cbc:IssueDate>\n  <cbc:DueDate>2026-03-31</cbc:DueDate>\n",
        "  <cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>\n  <cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>\n",
        "  <cbc:BuyerReference>PO-4711</cbc:BuyerReference>\n",
    ));
    if attachment_bytes > 0 {
        out.push_str("  <cac:AdditionalDocumentReference><cbc:ID>ATT-1</cbc:ID><cac:Attachment><cbc:EmbeddedDocumentBinaryObject mimeCode=\"application/pdf\" filename=\"scan.pdf\">");
        push_random_base64(&mut out, attachment_bytes);
        out.push_str("</cbc:EmbeddedDocumentBinaryObject></cac:Attachment></cac:AdditionalDocumentReference>\n");
    }
    out.push_str(concat!(
        "  <cac:AccountingSupplierParty><cac:Party><cbc:EndpointID schemeID=\"0106\">12345678</cbc:EndpointID>",
        "<cac:PartyName><cbc:Name>Haven Leverancier</cbc:Name></cac:PartyName>",
        "<cac:PostalAddress><cbc:StreetName>Havenstraat 1</cbc:StreetName><cbc:CityName>Rotterdam</cbc:CityName><cbc:PostalZone>3011 AA</cbc:PostalZone><cac:Country><cbc:IdentificationCode>NL</cbc:IdentificationCode></cac:Country></cac:PostalAddress>",
        "<cac:PartyTaxScheme><cbc:CompanyID>NL001234567B01</cbc:CompanyID><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>",
        "<cac:PartyLegalEntity><cbc:RegistrationName>Haven Leverancier BV</cbc:RegistrationName><cbc:CompanyID schemeID=\"0106\">12345678</cbc:CompanyID></cac:PartyLegalEntity></cac:Party></cac:AccountingSupplierParty>\n",
        "  <cac:AccountingCustomerParty><cac:Party><cbc:EndpointID schemeID=\"0106\">87654321</cbc:EndpointID>",
        "<cac:PostalAddress><cbc:StreetName>Kade 2</cbc:StreetName><cbc:CityName>Utrecht</cbc:CityName><cbc:PostalZone>3511 AB</cbc:PostalZone><cac:Country><cbc:IdentificationCode>NL</cbc:IdentificationCode></cac:Country></cac:PostalAddress>",
        "<cac:PartyLegalEntity><cbc:RegistrationName>Haven Afnemer BV</cbc:RegistrationName><cbc:CompanyID schemeID=\"0106\">87654321</cbc:CompanyID></cac:PartyLegalEntity></cac:Party></cac:AccountingCustomerParty>\n",
        "  <cac:PaymentMeans><cbc:PaymentMeansCode>30</cbc:PaymentMeansCode><cac:PayeeFinancialAccount><cbc:ID>NL91ABNA0417164300</cbc:ID></cac:PayeeFinancialAccount></cac:PaymentMeans>\n",
    ));
    out.push_str(&format!(
        "  <cac:TaxTotal><cbc:TaxAmount currencyID=\"EUR\">{tax}.00</cbc:TaxAmount><cac:TaxSubtotal><cbc:TaxableAmount currencyID=\"EUR\">{net}.00</cbc:TaxableAmount><cbc:TaxAmount currencyID=\"EUR\">{tax}.00</cbc:TaxAmount><cac:TaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>21</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:TaxCategory></cac:TaxSubtotal></cac:TaxTotal>\n\
  <cac:LegalMonetaryTotal><cbc:LineExtensionAmount currencyID=\"EUR\">{net}.00</cbc:LineExtensionAmount><cbc:TaxExclusiveAmount currencyID=\"EUR\">{net}.00</cbc:TaxExclusiveAmount><cbc:TaxInclusiveAmount currencyID=\"EUR\">{gross}.00</cbc:TaxInclusiveAmount><cbc:PayableAmount currencyID=\"EUR\">{gross}.00</cbc:PayableAmount></cac:LegalMonetaryTotal>\n",
        gross = net + tax
    ));
    for line in 1..=lines {
        out.push_str(&format!(
            "  <cac:InvoiceLine><cbc:ID>{line}</cbc:ID><cbc:InvoicedQuantity unitCode=\"C62\">2</cbc:InvoicedQuantity><cbc:LineExtensionAmount currencyID=\"EUR\">200.00</cbc:LineExtensionAmount>\
<cac:Item><cbc:Description>Maintenance, visit {line}</cbc:Description><cbc:Name>Service {line}</cbc:Name><cac:SellersItemIdentification><cbc:ID>SKU-{line}</cbc:ID></cac:SellersItemIdentification>\
<cac:ClassifiedTaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>21</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:ClassifiedTaxCategory></cac:Item>\
<cac:Price><cbc:PriceAmount currencyID=\"EUR\">100.00</cbc:PriceAmount></cac:Price></cac:InvoiceLine>\n"
        ));
    }
    out.push_str("</Invoice>\n");
    out
}

/// Appends `length` characters of base64 of pseudo-random bytes (xorshift: an attachment such
/// as a PDF compresses little, and no generator crate is needed).
fn push_random_base64(out: &mut String, length: usize) {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut left = length - length % 4;
    while left > 0 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        // Ten characters of six random bits each from one 64-bit draw.
        for shift in 0..10.min(left) {
            out.push(char::from(ALPHABET[((state >> (shift * 6)) & 63) as usize]));
        }
        left = left.saturating_sub(10);
    }
}
