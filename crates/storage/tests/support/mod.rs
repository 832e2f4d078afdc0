//! What the storage tests share: the contract every document store must keep, a moto S3
//! server per test, and a TCP proxy that breaks connections on purpose.

#![allow(dead_code, clippy::unwrap_used)]

pub mod contract;
pub mod moto;
pub mod proxy;

/// A document big enough to span many TCP segments, with content no other test uses.
#[must_use]
pub fn document(seed: u8, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| u8::try_from((i * 31 + usize::from(seed) * 7) % 251).unwrap())
        .collect()
}
