//! A TCP proxy in front of the S3 server that can break the connections it carries: the
//! object store as the network shows it on a bad day.

use std::{
    net::SocketAddr,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc, Mutex,
    },
};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
    task::JoinHandle,
};

/// What the proxy does with a connection, decided when it is accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Forwards everything both ways.
    None,
    /// Forwards the first `n` bytes the client sends, then closes both sides.
    DropAfter(usize),
    /// Forwards the first `n` bytes the client sends, then swallows the rest and never
    /// answers: a server that stopped responding.
    StallAfter(usize),
    /// Answers every request with 503 Service Unavailable.
    Answer503,
}

pub struct FaultyProxy {
    pub addr: SocketAddr,
    fault: Arc<Mutex<Fault>>,
    accept: JoinHandle<()>,
}

impl FaultyProxy {
    pub async fn start(upstream: SocketAddr, fault: Fault) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let fault = Arc::new(Mutex::new(fault));
        let current = Arc::clone(&fault);
        let accept = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let fault = *current.lock().unwrap();
                tokio::spawn(carry(client, upstream, fault));
            }
        });
        Self {
            addr,
            fault,
            accept,
        }
    }

    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Applies to connections accepted from now on.
    pub fn set(&self, fault: Fault) {
        *self.fault.lock().unwrap() = fault;
    }
}

impl Drop for FaultyProxy {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

async fn carry(mut client: TcpStream, upstream: SocketAddr, fault: Fault) {
    if fault == Fault::Answer503 {
        answer_503(&mut client).await;
        return;
    }
    let Ok(server) = TcpStream::connect(upstream).await else {
        return;
    };
    if fault == Fault::None {
        let mut server = server;
        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
        return;
    }
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    // Once stalled, answers are swallowed too; the client's half stays open all the same.
    let stalled = Arc::new(AtomicBool::new(false));
    let answers = tokio::spawn({
        let stalled = Arc::clone(&stalled);
        async move {
            let mut buf = vec![0u8; 8192];
            while let Ok(read) = server_read.read(&mut buf).await {
                if read == 0 {
                    break;
                }
                if !stalled.load(Ordering::SeqCst)
                    && client_write.write_all(&buf[..read]).await.is_err()
                {
                    break;
                }
            }
            // Hold the client's half open until the connection is torn down.
            std::future::pending::<()>().await;
        }
    });
    let limit = match fault {
        Fault::DropAfter(n) | Fault::StallAfter(n) => n,
        Fault::None | Fault::Answer503 => usize::MAX,
    };
    let mut forwarded = 0;
    let mut buf = vec![0u8; 8192];
    while let Ok(read) = client_read.read(&mut buf).await {
        if read == 0 {
            break;
        }
        let allowed = read.min(limit - forwarded);
        if allowed > 0 && server_write.write_all(&buf[..allowed]).await.is_err() {
            break;
        }
        forwarded += allowed;
        if forwarded >= limit {
            match fault {
                Fault::DropAfter(_) => break,
                // Keep both connections open and answer nothing until the client gives up.
                _ => {
                    stalled.store(true, Ordering::SeqCst);
                    while matches!(client_read.read(&mut buf).await, Ok(n) if n > 0) {}
                    break;
                }
            }
        }
    }
    answers.abort();
    // Dropping the halves closes both connections.
}

async fn answer_503(client: &mut TcpStream) {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match client.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let _ = client
        .write_all(
            b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
        )
        .await;
}
