//! The run cut into stages that can run apart: `extract` (inputs to exchanges), `decide`
//! (exchanges to records) and `report` (records to any report format), with the stage
//! encodings of [`crate::stage`] between them.
//!
//! Each stage calls the functions an `analyze` run calls in one process, in the same order:
//! [`super::extract::extract`] reads a chain into a sink, the engine judges an input's
//! exchanges in the order the input yielded them, the input's projector turns assessments
//! into redacted records, `close_input` finishes the input's report, and the renderers lay
//! out the records input by input. So the stages chained give the report `analyze` gives,
//! byte for byte, whatever runs them (a shell, Spark, a batch system).
//!
//! The unit of work is the input (a capture, possibly written as many files): `extract` runs
//! one task per input, `decide` one task per input or per group of inputs (an engine holds
//! one input's browser state), `report` one task for the run. When the inputs are capture
//! points of one site (`--merge-points`), `decide` instead runs one task per partition of the
//! browsers, each judging its browsers' exchanges from every capture point ([`site`]).

mod decide;
mod extract;
mod report;
pub mod site;

pub use decide::{decide, DecideOptions};
pub use extract::{extract, plan_chains, ExtractOptions};
pub use report::report;
pub use site::{decide_site, Partition};
