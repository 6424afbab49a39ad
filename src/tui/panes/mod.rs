//! The two panes under the overlays: the ticket list and the ticket detail, each with
//! its state, loading and drawing.

pub mod detail;
pub mod list;
pub mod rows;
pub mod ticket_text;
