//! HTTP resources. Each module exposes `configure`, mounted by [`crate::app`].

pub mod documents;
pub mod fallback;
pub mod health;
pub mod system;
