//! Haven's own SMP: which participants it publishes.

use crate::{documents::store::DocumentRecords, DomainResult};

/// Whether Haven's SMP publishes `participant_id` (`scheme:value`, any case): a participant
/// id registered here whose organization is active and receives on it. Anything else is
/// simply not published (the SMP answers 404), so nothing is said about why.
///
/// # Errors
/// When the records cannot be read.
#[tracing::instrument(name = "peppol.is_published", skip(records))]
pub async fn is_published<R: DocumentRecords>(
    records: &R,
    participant_id: &str,
) -> DomainResult<bool> {
    Ok(records
        .find_party(participant_id)
        .await?
        .is_some_and(|party| party.receives()))
}
