//! The CORS engine (interface; the Fetch-standard engine replaces this body).

use crate::model::{Assessment, Exchange, Limits};

/// Judges the exchanges of one input, in the order the input holds them.
pub struct Engine {
    _limits: Limits,
}

impl Engine {
    /// A new engine for one input.
    pub fn new(limits: &Limits) -> Self {
        Self {
            _limits: limits.clone(),
        }
    }

    /// Takes one exchange; emits assessments as soon as they are final.
    pub fn push(&mut self, _exchange: Exchange, _out: &mut dyn FnMut(Assessment)) {}

    /// Emits every assessment still held.
    pub fn finish(&mut self, _out: &mut dyn FnMut(Assessment)) {}
}
