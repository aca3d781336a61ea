//! A run over the capture points of one site (`analyze --merge-points`): the stages chained
//! in one process, through a temporary directory. Every capture point is extracted (in
//! parallel) to its exchanges, the browsers are judged over all of them at once
//! ([`stages::decide_site`]), and the records are reported as the `report` stage reports
//! them. So a cluster running the same stages in partitions gives this run's report.
//!
//! Memory: what the stages hold (one batch per capture point while judging, the browsers'
//! windows), and the run's records while the report is laid out, as `report` holds them; the
//! exchanges themselves (headers, no bodies) wait on disk, in the system's temporary
//! directory.

use std::io;

use super::source::Source;
use super::stages::{self, DecideOptions, ExtractOptions, Partition};
use super::{chain, Options, Outcome};
use crate::report::Renderer;
use crate::stage::{Output, StageError};

/// Analyses `sources` as capture points of one site and renders the results.
pub fn run(
    sources: Vec<Source>,
    options: &Options,
    renderer: &mut dyn Renderer,
) -> io::Result<Outcome> {
    let work = tempfile::Builder::new().prefix("corscope-site").tempdir()?;
    let exchanges = work.path().join("exchanges");
    let records = work.path().join("records");
    std::fs::create_dir_all(&exchanges)?;
    std::fs::create_dir_all(&records)?;
    let chains = chain::plan(sources, options.join);
    let extract = ExtractOptions {
        limits: options.limits.clone(),
        join: options.join,
        keys: options.keys.clone(),
        clients: options.engine.clients,
        jobs: options.jobs,
    };
    let decide = DecideOptions {
        limits: options.limits.clone(),
        engine: options.engine,
        redactor: options.redactor.clone(),
    };
    let staged = stages::extract(
        &chains,
        None,
        &extract,
        &Output::Directory(exchanges.clone()),
    )
    .and_then(|()| {
        stages::decide_site(
            &[exchanges],
            &decide,
            Partition::ALL,
            &Output::Directory(records.clone()),
        )
    })
    .and_then(|()| stages::report(&[records], options.baseline.clone(), renderer));
    staged.map_err(|e| match e {
        StageError::Io(e) => e,
        other => io::Error::other(other.to_string()),
    })
}
