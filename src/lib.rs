//! desk: a support desk that lives in the terminal.
//!
//! Layers, top to bottom (dependencies point down only): `cli` and the binary;
//! `client` (`trait Desk`: what a user can do); `service` (authorisation, workflow, SLA,
//! audit); `store` (persistence); `domain` (pure types and rules). `config` is read at
//! the edges and handed down as plain values. `wire` holds the native API's request
//! and answer bodies, shared by `server` and the remote `client`.

pub mod cli;
pub mod client;
pub mod config;
pub mod delivery;
pub mod demo;
pub mod domain;
mod editor;
pub mod generate;
pub mod present;
pub mod server;
pub mod service;
pub mod store;
pub mod tui;
pub mod wire;
