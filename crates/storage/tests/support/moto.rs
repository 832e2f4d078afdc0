//! moto's S3 server (installed by scripts/ensure-moto), one per test, on a free port.

use std::{
    net::{SocketAddr, TcpListener},
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use haven_storage::S3Config;

pub const BUCKET: &str = "haven-documents";

pub struct Moto {
    child: Child,
    pub addr: SocketAddr,
}

impl Moto {
    /// A running server with an empty bucket [`BUCKET`]; `None` (after saying why) when moto
    /// is not installed outside CI. Under CI a missing moto fails the test.
    pub async fn start() -> Option<Self> {
        let bin =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.tools/moto/bin/moto_server");
        if !bin.exists() {
            let why = "moto is not installed in .tools/moto: run scripts/ensure-moto";
            assert!(std::env::var_os("CI").is_none(), "{why}");
            eprintln!("skipping the S3 test: {why}");
            return None;
        }
        let port = {
            let probe = TcpListener::bind("127.0.0.1:0").unwrap();
            probe.local_addr().unwrap().port()
        };
        let child = Command::new(&bin)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let moto = Self {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
        };
        let http = reqwest::Client::new();
        let bucket_url = format!("{}/{BUCKET}", moto.endpoint());
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            // Creating the bucket is also the readiness probe: plain S3 CreateBucket.
            match http.put(&bucket_url).send().await {
                Ok(response) => {
                    assert!(
                        response.status().is_success(),
                        "create bucket: {}",
                        response.status()
                    );
                    break;
                }
                Err(e) => {
                    assert!(Instant::now() < deadline, "moto did not start: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
        Some(moto)
    }

    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Settings for a store talking to `endpoint` (moto itself or a proxy in front of it),
    /// with short time-outs so failures show within seconds.
    pub fn config_via(endpoint: &str) -> S3Config {
        let mut config = S3Config::new(BUCKET, "testing-key-id", "testing-secret");
        config.endpoint = Some(endpoint.to_owned());
        config.allow_http = true;
        config.request_timeout_ms = 1_000;
        config.connect_timeout_ms = 500;
        config.max_retries = 2;
        config.retry_backoff_ms = 50;
        config
    }

    pub fn config(&self) -> S3Config {
        Self::config_via(&self.endpoint())
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
