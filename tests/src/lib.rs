//! Helpers for the black-box tests in `tests/`: the built `haven` binary started as a process
//! on its own port and data directory.
#![allow(clippy::unwrap_used)] // test support: a failure should stop the test loudly

pub mod exchange;

use std::{
    io::Read,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    thread::JoinHandle,
    time::{Duration, Instant},
};

use haven_persistence::testing::TestDatabase;

/// `HAVEN_BIN`, else the debug build in the workspace target directory.
pub fn haven_bin() -> PathBuf {
    if let Some(path) = std::env::var_os("HAVEN_BIN") {
        return PathBuf::from(path);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"),
        PathBuf::from,
    );
    let bin = target.join("debug/haven");
    assert!(
        bin.is_file(),
        "{} is missing: build it first with `cargo build -p haven-api` (make test does)",
        bin.display()
    );
    bin
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A `haven` process on its own port and data directory.
pub struct Running {
    child: Child,
    port: u16,
    data: tempfile::TempDir,
    /// Everything the process wrote to stderr so far.
    log: Arc<Mutex<Vec<u8>>>,
    log_reader: Option<JoinHandle<()>>,
}

/// Reads `stream` to its end on a thread of its own, into `into` (when given). The process's
/// output must be drained while it runs: once a pipe's buffer (64 KiB) is full, every write
/// to it blocks, and a server that logs each request then stops answering mid-test.
fn drain(
    mut stream: impl Read + Send + 'static,
    into: Option<Arc<Mutex<Vec<u8>>>>,
) -> JoinHandle<()> {
    std::thread::spawn(move || {
        let mut chunk = [0u8; 8192];
        loop {
            match stream.read(&mut chunk) {
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    if let Some(into) = &into {
                        into.lock().unwrap().extend_from_slice(&chunk[..n]);
                    }
                }
            }
        }
    })
}

impl Running {
    /// Starts the binary on `db` with extra `HAVEN_*` variables and waits until it is healthy.
    pub async fn start(db: &TestDatabase, extra_env: &[(&str, &str)]) -> Self {
        Self::start_in(db, tempfile::tempdir().unwrap(), extra_env).await
    }

    async fn start_in(
        db: &TestDatabase,
        data: tempfile::TempDir,
        extra_env: &[(&str, &str)],
    ) -> Self {
        let port = free_port();
        let mut command = Command::new(haven_bin());
        command
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HAVEN_PORT", port.to_string())
            .env("HAVEN_DATA_DIR", data.path())
            .env("HAVEN_DATABASE_URL", &db.url)
            .env("HAVEN_STATIC_DIR", data.path().join("no-spa"))
            .env("NO_COLOR", "1")
            .current_dir(data.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (key, value) in extra_env {
            command.env(key, value);
        }
        let mut child = command.spawn().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let log_reader = Some(drain(child.stderr.take().unwrap(), Some(log.clone())));
        drain(child.stdout.take().unwrap(), None);
        let mut running = Self {
            child,
            port,
            data,
            log,
            log_reader,
        };
        running.wait_until_healthy().await;
        running
    }

    #[must_use]
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Waits until `/api/health` answers.
    pub async fn wait_until_healthy(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(response) = reqwest::get(self.url("/api/health")).await {
                if response.status().is_success() {
                    return;
                }
            }
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("haven exited early with {status}: {}", self.stderr());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("haven did not become healthy in time");
    }

    /// SIGTERM, then waits for the exit.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "haven did not stop after SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Everything the process logged; call after it exited (then the log is complete).
    pub fn stderr(&mut self) -> String {
        if self.child.try_wait().unwrap().is_some() {
            if let Some(reader) = self.log_reader.take() {
                reader.join().unwrap();
            }
        }
        String::from_utf8_lossy(&self.log.lock().unwrap()).into_owned()
    }
}

impl Running {
    /// SIGKILL: the process dies at once, mid-request or mid-job, as in a crash.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGSTOP: the process stands still where it is, so its state in the database can be
    /// read without racing it; [`Running::thaw`] lets it go on.
    pub fn freeze(&self) {
        self.signal("-STOP");
    }

    /// SIGCONT after [`Running::freeze`].
    pub fn thaw(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, signal: &str) {
        let pid = self.child.id().to_string();
        let status = Command::new("kill").args([signal, &pid]).status().unwrap();
        assert!(status.success(), "kill {signal} {pid}");
    }

    /// Kills this instance (if it still runs) and starts another on the same data directory
    /// (document store, signing key, mail outbox) and database, on a new port, with `extra_env`:
    /// the same installation coming back after a crash, with the tokens it issued still valid.
    pub async fn restart(mut self, db: &TestDatabase, extra_env: &[(&str, &str)]) -> Self {
        self.kill();
        // Leaves `self` an empty directory to drop; the data goes on to the new process.
        let data = std::mem::replace(&mut self.data, tempfile::tempdir().unwrap());
        Self::start_in(db, data, extra_env).await
    }

    /// The process's data directory (SQLite file, mail outbox).
    #[must_use]
    pub fn data_dir(&self) -> &Path {
        self.data.path()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
