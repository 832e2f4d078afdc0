//! Implementations of the domain's repository traits on [`crate::Database`].

mod installation;
