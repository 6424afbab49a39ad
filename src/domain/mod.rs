//! Pure types and rules: everything that can be decided without a database.

pub mod attachment;
pub mod key;
pub mod mail;
pub mod model;
pub mod query;
pub mod requests;
pub mod sla;
pub mod tags;
pub mod time;
pub mod validate;
pub mod workflow;
