//! Implementations of the domain's repository traits on [`crate::Database`].

mod accounts;
mod installation;
mod organizations;
