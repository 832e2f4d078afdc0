//! The usage log of connections, written off the request path: the request-context middleware
//! hands each entry to a channel, and one task writes them in batches (every half second, or
//! at once when [`BATCH`] are waiting). On a clean shutdown the task is stopped after the HTTP
//! server, drains the channel and writes the rest, so nothing is lost; a crash loses at most
//! the entries of the last half second (and any a failing database kept back, up to
//! [`MAX_PENDING`]).

use std::time::Duration;

use haven_domain::connections::{records::UsageEntry, store::UsageLog};
use haven_persistence::Database;
use tokio::{
    sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender},
    task::JoinHandle,
};
use tokio_util::sync::CancellationToken;

/// How often waiting entries are written.
const FLUSH_EVERY: Duration = Duration::from_millis(500);
/// Written at once when this many wait.
const BATCH: usize = 500;
/// While the database refuses, at most this many entries are kept for the next try.
const MAX_PENDING: usize = 20_000;

/// Where handlers' entries go; cheap to clone.
#[derive(Debug, Clone)]
pub struct UsageRecorder(UnboundedSender<UsageEntry>);

impl UsageRecorder {
    /// Queues an entry; never waits.
    pub fn record(&self, entry: UsageEntry) {
        if self.0.send(entry).is_err() {
            tracing::warn!("the usage log writer has stopped; an entry was dropped");
        }
    }
}

/// The task that writes the entries.
pub struct UsageWriter {
    stop: CancellationToken,
    handle: JoinHandle<()>,
}

impl UsageWriter {
    /// Starts the writer.
    #[must_use]
    pub fn start(db: Database) -> (UsageRecorder, Self) {
        let (sender, receiver) = unbounded_channel();
        let stop = CancellationToken::new();
        let handle = tokio::spawn(run(db, receiver, stop.clone()));
        (UsageRecorder(sender), Self { stop, handle })
    }

    /// Writes what is left and ends the task.
    pub async fn stop(self) {
        self.stop.cancel();
        if let Err(err) = self.handle.await {
            tracing::warn!(error = %err, "the usage log writer ended abnormally");
        }
    }
}

async fn flush(db: &Database, pending: &mut Vec<UsageEntry>) {
    if pending.is_empty() {
        return;
    }
    match db.append_usage(pending.clone()).await {
        Ok(()) => pending.clear(),
        Err(err) => {
            tracing::warn!(error = %err, entries = pending.len(), "could not write the usage log; trying again");
            if pending.len() > MAX_PENDING {
                let excess = pending.len() - MAX_PENDING;
                pending.drain(..excess);
                tracing::warn!(dropped = excess, "usage log entries dropped");
            }
        }
    }
}

async fn run(db: Database, mut receiver: UnboundedReceiver<UsageEntry>, stop: CancellationToken) {
    let mut pending = Vec::new();
    let mut tick = tokio::time::interval(FLUSH_EVERY);
    loop {
        tokio::select! {
            () = stop.cancelled() => break,
            _ = tick.tick() => flush(&db, &mut pending).await,
            entry = receiver.recv() => match entry {
                Some(entry) => {
                    pending.push(entry);
                    if pending.len() >= BATCH {
                        flush(&db, &mut pending).await;
                    }
                }
                None => break,
            },
        }
    }
    receiver.close();
    while let Ok(entry) = receiver.try_recv() {
        pending.push(entry);
    }
    flush(&db, &mut pending).await;
    if !pending.is_empty() {
        tracing::warn!(
            entries = pending.len(),
            "usage log entries could not be written at shutdown"
        );
    }
}
