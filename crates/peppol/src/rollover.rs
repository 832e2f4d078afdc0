//! Keys that are replaced while the server runs (a renewed certificate): one value shared by
//! every reader, replaced whole, so a reader holds either the old value or the new one and
//! never a mix of the two.

use std::sync::{Arc, RwLock};

/// A value read by many and replaced whole. Readers take an [`Arc`] of the value of the
/// moment (a lock held only to clone it), so a message being worked on keeps the keys it
/// began with while a replacement is stored.
pub struct Swappable<T>(Arc<RwLock<Arc<T>>>);

impl<T> Clone for Swappable<T> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

impl<T> Swappable<T> {
    #[must_use]
    pub fn new(value: T) -> Self {
        Self(Arc::new(RwLock::new(Arc::new(value))))
    }

    /// The value of the moment.
    #[must_use]
    pub fn load(&self) -> Arc<T> {
        // A writer cannot panic half-way (it swaps an Arc), so a poisoned lock still holds a
        // whole value.
        let guard = self
            .0
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Arc::clone(&guard)
    }

    /// Replaces the value; returns the one it replaced.
    pub fn store(&self, value: T) -> Arc<T> {
        let mut guard = self
            .0
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        std::mem::replace(&mut *guard, Arc::new(value))
    }
}

impl<T> std::fmt::Debug for Swappable<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Swappable").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reader_keeps_the_value_it_took_while_a_new_one_is_stored() {
        let shared = Swappable::new(1);
        let reader = shared.clone();
        let taken = reader.load();
        let old = shared.store(2);
        assert_eq!((*taken, *old, *reader.load()), (1, 1, 2));
    }
}
