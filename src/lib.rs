//! corscope audits recorded web traffic (HAR, pcap, pcapng) for CORS failures: for every
//! cross-origin exchange it decides, as Chromium does, whether the browser blocked it, names
//! the exact cause with its evidence, and says what to change on the server.
//!
//! The crate is a pipeline: [`capture`] turns inputs into [`model::Exchange`]s, [`cors`]
//! judges them into [`model::Assessment`]s, [`report`] lays them out. [`pipeline`] runs it all
//! over many inputs in parallel.

#![deny(unsafe_code)]

pub mod baseline;
mod byte_masks;
pub mod capture;
pub mod cli;
pub mod cors;
pub mod explain;
pub mod findings;
pub mod gate;
pub mod model;
pub mod pipeline;
pub mod redact;
pub mod report;
pub mod sanitize;
pub mod stack;
pub mod stage;
