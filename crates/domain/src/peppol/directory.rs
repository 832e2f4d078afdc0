//! The Peppol Directory: Haven's SMP tells the Directory's indexer when a participant's
//! business card changed (the Directory then fetches the card from the SMP) or when the
//! participant is no longer listed. Each such call is a job on the durable queue, enqueued by
//! the store in the transaction of the change that caused it ([`directory_jobs`]).

use std::{collections::BTreeSet, future::Future};

use serde::{Deserialize, Serialize};

use super::publishing::business_card;
use crate::{
    accounts::{
        audit_action::AuditAction,
        records::{ClientInfo, NewAuditEvent},
        store::AuditLog,
    },
    documents::store::DocumentRecords,
    jobs::{JobError, JobKind, NewJob},
    organizations::store::OrganizationStore,
};

/// Why a call to the Directory failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DirectoryError {
    /// Worth another attempt (the Directory is down, busy or unreachable).
    #[error("{0}")]
    Passing(String),
    /// Will not succeed as it is (the request was refused).
    #[error("{0}")]
    Final(String),
}

/// Port: the Peppol Directory's indexer, called as Haven's SMP.
pub trait DirectoryIndexer: Send + Sync {
    /// Asks the Directory to (re)index `participant_id` (`scheme:value`).
    fn index(
        &self,
        participant_id: &str,
    ) -> impl Future<Output = Result<(), DirectoryError>> + Send;

    /// Asks the Directory to drop `participant_id` (`scheme:value`).
    fn remove(
        &self,
        participant_id: &str,
    ) -> impl Future<Output = Result<(), DirectoryError>> + Send;
}

/// The payload of [`JobKind::DirectoryIndex`] and [`JobKind::DirectoryRemove`] jobs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryJob {
    /// `scheme:value`.
    pub participant_id: String,
}

/// The Directory jobs a change of one organization causes, from the participant ids that
/// were listed before it and those listed after it: every id listed after is indexed again
/// (its card may have changed: the name, the address, the other identifiers), and every id
/// listed before but not after is removed.
#[must_use]
pub fn directory_jobs(before: &BTreeSet<String>, after: &BTreeSet<String>) -> Vec<NewJob> {
    let job = |kind, participant_id: &String| {
        NewJob::new(
            kind,
            serde_json::to_value(DirectoryJob {
                participant_id: participant_id.clone(),
            })
            .unwrap_or_default(),
        )
    };
    after
        .iter()
        .map(|p| job(JobKind::DirectoryIndex, p))
        .chain(
            before
                .difference(after)
                .map(|p| job(JobKind::DirectoryRemove, p)),
        )
        .collect()
}

/// Runs one Directory job. The state is read again first, since jobs may run late or out of
/// order: an index job for a participant that is no longer listed does nothing (its removal
/// job follows), and so does a removal job for one that is listed again.
///
/// # Errors
/// [`JobError::Retry`] when the records cannot be read or the Directory call may succeed
/// later, [`JobError::Permanent`] when the Directory refused it (a 403: our SMP certificate is
/// not accepted), which is written to the installation's audit log for operators.
#[tracing::instrument(name = "peppol.directory_job", skip(records, organizations, indexer, job), fields(participant_id = %job.participant_id, kind = kind.as_str()))]
pub async fn run_directory_job<
    R: DocumentRecords + AuditLog,
    S: OrganizationStore,
    D: DirectoryIndexer,
>(
    records: &R,
    organizations: &S,
    indexer: &D,
    kind: JobKind,
    job: &DirectoryJob,
) -> Result<(), JobError> {
    let listed = business_card(records, organizations, &job.participant_id)
        .await
        .map_err(|e| JobError::Retry(format!("reading the participant: {e}")))?
        .is_some();
    let result = match (kind, listed) {
        (JobKind::DirectoryIndex, true) => indexer.index(&job.participant_id).await,
        (JobKind::DirectoryRemove, false) => indexer.remove(&job.participant_id).await,
        (JobKind::DirectoryIndex | JobKind::DirectoryRemove, _) => {
            tracing::debug!("the participant's listing changed since; nothing to do");
            return Ok(());
        }
        (other, _) => {
            return Err(JobError::Permanent(format!(
                "{} is not a Directory job",
                other.as_str()
            )))
        }
    };
    match result {
        Ok(()) => Ok(()),
        Err(DirectoryError::Passing(m)) => Err(JobError::Retry(m)),
        Err(DirectoryError::Final(reason)) => {
            let operation = if kind == JobKind::DirectoryIndex {
                "index"
            } else {
                "remove"
            };
            tracing::warn!(
                operation,
                reason,
                "the Peppol Directory refused a participant"
            );
            let mut event =
                NewAuditEvent::new(AuditAction::PeppolDirectoryRefused, &ClientInfo::default());
            event.target = Some(("participant", job.participant_id.to_ascii_lowercase()));
            event.details = serde_json::json!({
                "participantId": job.participant_id.to_ascii_lowercase(),
                "operation": operation,
                "reason": reason,
            });
            records
                .notify(None, event)
                .await
                .map_err(|e| JobError::Retry(format!("writing the audit log: {e}")))?;
            Err(JobError::Permanent(reason))
        }
    }
}

/// Queues a `directory_index` job for every participant id listed in the Directory now (see
/// [`business_card`]) among `candidates` (every participant id Haven's SMP publishes), for a
/// Directory that was configured after they were listed. Returns how many it queued.
///
/// # Errors
/// [`JobError::Retry`] when the records cannot be read or the jobs queued.
pub async fn index_all<R, S, F, Fut>(
    records: &R,
    organizations: &S,
    candidates: Vec<String>,
    mut enqueue: F,
) -> Result<usize, JobError>
where
    R: DocumentRecords,
    S: OrganizationStore,
    F: FnMut(NewJob) -> Fut,
    Fut: Future<Output = crate::DomainResult<()>>,
{
    let mut queued = 0;
    for participant_id in candidates {
        let listed = business_card(records, organizations, &participant_id)
            .await
            .map_err(|e| JobError::Retry(format!("reading the participant: {e}")))?
            .is_some();
        if !listed {
            continue;
        }
        let after = BTreeSet::from([participant_id]);
        for job in directory_jobs(&BTreeSet::new(), &after) {
            enqueue(job)
                .await
                .map_err(|e| JobError::Retry(format!("queueing: {e}")))?;
            queued += 1;
        }
    }
    Ok(queued)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listed_ids_are_indexed_and_ids_no_longer_listed_removed() {
        let set = |ids: &[&str]| ids.iter().map(|s| (*s).to_owned()).collect::<BTreeSet<_>>();
        let jobs = directory_jobs(&set(&["0106:1", "9944:NL1"]), &set(&["0106:1", "0190:2"]));
        let summary: Vec<(JobKind, String)> = jobs
            .iter()
            .map(|j| {
                let p: DirectoryJob =
                    serde_json::from_value(j.payload.clone()).unwrap_or(DirectoryJob {
                        participant_id: String::new(),
                    });
                (j.kind, p.participant_id)
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                (JobKind::DirectoryIndex, "0106:1".to_owned()),
                (JobKind::DirectoryIndex, "0190:2".to_owned()),
                (JobKind::DirectoryRemove, "9944:NL1".to_owned()),
            ]
        );
        assert!(directory_jobs(&set(&[]), &set(&[])).is_empty());
    }
}
