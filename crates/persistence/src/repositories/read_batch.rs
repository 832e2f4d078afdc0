//! Coalesced look-ups: reads by key that arrive while another read of their kind is running
//! are answered together by the next query (`WHERE key IN (…)`), one round trip for all of
//! them. Under load every send looks its party up and every delivery its document and
//! receiver; one at a time those reads were most of the statements the database ran.
//!
//! A read that finds nothing else waiting runs at once, as it would without this, so a quiet
//! installation sees no delay. Every caller still gets the row as it was when its query ran,
//! which is no older than what it would have read alone: the query starts after the call.

use std::{collections::HashMap, future::Future, hash::Hash};

use haven_domain::{
    accounts::auth_context::AuthContext,
    documents::{records::Document, store::PartyRecord},
    organizations::{policy::OrgRole, records::Organization},
    DomainError, DomainResult,
};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use super::{
    auth_context::load_sessions,
    documents::{find_parties, load_many},
    organizations::{organizations_with_roles, RoleKey},
};
use crate::Database;

/// The look-ups a pool coalesces (see [`Database::with_group_commit`]).
#[derive(Clone, Debug)]
pub(crate) struct BatchedReads {
    /// Parties by participant id in lower case: every send and every delivery reads one.
    pub(crate) parties: Coalesced<String, PartyRecord>,
    /// Documents by id: every delivery job reads its document first.
    pub(crate) documents: Coalesced<Uuid, Document>,
    /// Callers by session id: every request with a session reads it, with its user and
    /// environment.
    pub(crate) sessions: Coalesced<Uuid, AuthContext>,
    /// Organizations with the caller's role: every send checks the sender's.
    pub(crate) roles: Coalesced<RoleKey, (Organization, Option<OrgRole>)>,
}

impl BatchedReads {
    /// Starts the readers on `db`, a pool that reads directly, for up to `most` keys a query.
    pub(crate) fn spawn(db: &Database, most: usize) -> Self {
        Self {
            parties: Coalesced::spawn(db.clone(), most, |db, keys| async move {
                find_parties(db.conn(), keys).await
            }),
            documents: Coalesced::spawn(db.clone(), most, |db, ids| async move {
                load_many(db.conn(), ids).await
            }),
            sessions: Coalesced::spawn(db.clone(), most, |db, ids| async move {
                load_sessions(db.conn(), ids).await
            }),
            roles: Coalesced::spawn(db.clone(), most, |db, keys| async move {
                organizations_with_roles(db.conn(), keys).await
            }),
        }
    }
}

type Reply<V> = oneshot::Sender<DomainResult<Option<V>>>;

/// The way into one kind of coalesced read; cloned with its pool.
#[derive(Clone)]
pub(crate) struct Coalesced<K, V> {
    waiting: mpsc::Sender<(K, Reply<V>)>,
}

impl<K, V> std::fmt::Debug for Coalesced<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Coalesced").finish_non_exhaustive()
    }
}

impl<K, V> Coalesced<K, V>
where
    K: Eq + Hash + Clone + Send + 'static,
    V: Clone + Send + 'static,
{
    /// Starts the task that reads with `fetch` (the rows found for up to `most` distinct keys,
    /// by key) on the current runtime; it ends when the last clone of this handle is dropped.
    pub(crate) fn spawn<F, Fut>(db: Database, most: usize, fetch: F) -> Self
    where
        F: Fn(Database, Vec<K>) -> Fut + Send + 'static,
        Fut: Future<Output = DomainResult<HashMap<K, V>>> + Send,
    {
        let (waiting, mut calls) = mpsc::channel::<(K, Reply<V>)>(most * 4);
        tokio::spawn(async move {
            let mut batch = Vec::with_capacity(most);
            while calls.recv_many(&mut batch, most).await > 0 {
                let mut keys: Vec<K> = Vec::with_capacity(batch.len());
                for (key, _) in &batch {
                    if !keys.contains(key) {
                        keys.push(key.clone());
                    }
                }
                match fetch(db.clone(), keys).await {
                    Ok(found) => {
                        for (key, reply) in batch.drain(..) {
                            let _ = reply.send(Ok(found.get(&key).cloned()));
                        }
                    }
                    Err(err) => {
                        // Each caller gets the failure; the error itself is not shareable.
                        let reason = format!("{err:#}");
                        for (_, reply) in batch.drain(..) {
                            let _ = reply
                                .send(Err(DomainError::Unexpected(anyhow::anyhow!("{reason}"))));
                        }
                    }
                }
            }
        });
        Self { waiting }
    }

    /// The row of `key`, read with the others waiting; `alone` reads it when the task is gone
    /// (the runtime is shutting down).
    pub(crate) async fn get(
        &self,
        key: K,
        alone: impl Future<Output = DomainResult<Option<V>>>,
    ) -> DomainResult<Option<V>> {
        let (reply, answer) = oneshot::channel();
        if self.waiting.send((key, reply)).await.is_err() {
            return alone.await;
        }
        match answer.await {
            Ok(found) => found,
            Err(_) => alone.await,
        }
    }
}
