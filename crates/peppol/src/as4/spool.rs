//! Spool files of AS4 messages being sent or received: what a stopped run leaves behind is
//! removed by the same rule on both sides, each side naming its own files by a prefix.

use std::{
    path::Path,
    time::{Duration, SystemTime},
};

/// Removes the files in `dir` whose names begin with `prefix` and, when `older_than` is
/// given, that were last changed longer ago than that; returns how many went. A file that
/// cannot be removed stays (with a warning), as do entries that cannot be read.
///
/// # Errors
/// When `dir` cannot be read.
pub fn remove_left(
    dir: &Path,
    prefix: &str,
    older_than: Option<Duration>,
) -> std::io::Result<usize> {
    let now = SystemTime::now();
    let mut removed = 0;
    for entry in std::fs::read_dir(dir)?.flatten() {
        if !entry.file_name().to_string_lossy().starts_with(prefix) {
            continue;
        }
        let old_enough = older_than.is_none_or(|age| {
            entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|modified| now.duration_since(modified).ok())
                .is_some_and(|since| since > age)
        });
        if !old_enough {
            continue;
        }
        match std::fs::remove_file(entry.path()) {
            Ok(()) => removed += 1,
            Err(e) => {
                tracing::warn!(file = %entry.path().display(), error = %e, "could not remove a left AS4 spool file");
            }
        }
    }
    Ok(removed)
}
