//! Document exchange: e-invoices sent and received by organizations, their delivery, statuses
//! and history.

pub mod blobs;
