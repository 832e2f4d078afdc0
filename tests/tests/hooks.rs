//! Webhooks across a crash: events written while the receiver is down and the server is
//! killed (SIGKILL) and started again all reach the receiver once it is up, in order, none
//! lost; a repeat carries the same event id. Runs on SQLite, and on PostgreSQL when
//! `HAVEN_TEST_DATABASE_URL` is set.
#![allow(clippy::unwrap_used)]

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::TcpListener,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use haven_e2e::{
    exchange::{count, invoice, Exchange, BUYER_KVK, SELLER_KVK},
    free_port, Running,
};
use haven_persistence::testing::TestDatabase;
use serde_json::{json, Value};

/// A minimal HTTP receiver on `port` that answers 200 and keeps every body.
fn receiver(port: u16) -> Arc<Mutex<Vec<String>>> {
    let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let kept = bodies.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream);
            let mut length = 0usize;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = value.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; length];
            if reader.read_exact(&mut body).is_ok() {
                kept.lock()
                    .unwrap()
                    .push(String::from_utf8_lossy(&body).into_owned());
            }
            let _ = reader
                .get_mut()
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
        }
    });
    bodies
}

#[tokio::test]
async fn a_receiver_down_while_the_server_restarts_gets_every_event_afterwards() {
    const DOCUMENTS: usize = 6;
    let db = TestDatabase::new().await;
    let env = [
        ("HAVEN_JOB_LEASE_SECS", "2"),
        ("HAVEN_MAIL_POLL_INTERVAL_MS", "50"),
        ("HAVEN_HOOK_INSECURE_HOSTS", "127.0.0.1"),
        // Enough attempts to outlast the crash and the restart.
        (
            "HAVEN_HOOK_RETRY_SCHEDULE",
            "1s,1s,2s,2s,2s,2s,2s,2s,2s,2s,2s,2s,2s,2s,2s",
        ),
    ];
    let server = Running::start(&db, &env).await;
    let exchange = Exchange::set_up(&server).await;
    let port = free_port();
    let client = reqwest::Client::new();
    let response = client
        .post(server.url(&format!("/api/v1/parties/{}/hooks", exchange.seller_party)))
        .bearer_auth(&exchange.seller_token)
        .json(&json!({"target": format!("http://127.0.0.1:{port}/events"), "topics": ["InvoiceSent"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 201);
    let hook: Value = response.json().await.unwrap();
    let hook_id = hook["hook"]["id"].as_str().unwrap().to_owned();

    for n in 0..DOCUMENTS {
        let body = invoice(&format!("CRASH-HOOK-{n}"), SELLER_KVK, BUYER_KVK, None);
        let (status, answer) = exchange
            .send(
                &client,
                &server.url(""),
                body,
                &uuid::Uuid::new_v4().to_string(),
            )
            .await
            .unwrap();
        assert_eq!(status, 202, "{answer}");
    }
    // Every document delivered inside the installation, each with its hook event waiting.
    let deadline = Instant::now() + Duration::from_secs(30);
    while count(&db, "SELECT COUNT(*) AS n FROM hook_deliveries").await < DOCUMENTS as i64 {
        assert!(Instant::now() < deadline, "the events were not all written");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // The receiver is down and the server dies; a new one takes over.
    let server = server.restart(&db, &env).await;
    let bodies = receiver(port);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let delivered = count(
            &db,
            "SELECT COUNT(*) AS n FROM hook_deliveries WHERE status = 'delivered'",
        )
        .await;
        if delivered == DOCUMENTS as i64 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{delivered} of {DOCUMENTS} delivered"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // The log, oldest first: the order the events were created in.
    let log: Value = client
        .get(server.url(&format!(
            "/api/v1/parties/{}/hooks/{hook_id}/deliveries",
            exchange.seller_party
        )))
        .bearer_auth(&exchange.seller_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let created: Vec<String> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .map(|d| d["eventId"].as_str().unwrap().to_owned())
        .collect();
    drop(server);

    let events: Vec<Value> = bodies
        .lock()
        .unwrap()
        .iter()
        .map(|b| serde_json::from_str(b).unwrap())
        .collect();
    let mut first_seen: Vec<String> = Vec::new();
    for event in &events {
        assert_eq!(event["topic"], "InvoiceSent");
        let id = event["id"].as_str().unwrap().to_owned();
        if !first_seen.contains(&id) {
            first_seen.push(id);
        }
    }
    assert_eq!(
        first_seen.len(),
        DOCUMENTS,
        "every event arrived: {events:?}"
    );
    assert_eq!(first_seen, created, "in the order they were created");
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) AS n FROM hook_deliveries WHERE status <> 'delivered'"
        )
        .await,
        0
    );
}
