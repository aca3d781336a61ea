//! JSON lines: one exchange object per line (the same objects as the JSON report's
//! `exchanges`), then one line per finding, `{"finding": {...}}` (the same objects as the JSON
//! report's `findings`, in the same order), then a last line holding `schema_version`,
//! `tool`, the comparison with the `baseline` when there is one, `inputs` and `summary`.

use std::io::{self, Write};

use super::record::{Record, Summary};
use super::wire::{
    direct, WireBaseline, WireExchange, WireFinding, WireInput, WireSummary, SCHEMA_VERSION, TOOL,
};
use super::{Encoder, InputReport, Renderer};

/// Writes JSON lines.
pub struct JsonlRenderer<'a> {
    out: Box<dyn Write + 'a>,
    /// One line at a time: JSON is written in many small pieces, cheaper into a `Vec` than
    /// through a `dyn Write`.
    line: Vec<u8>,
}

impl<'a> JsonlRenderer<'a> {
    /// A renderer writing to `out`.
    pub fn new(out: Box<dyn Write + 'a>) -> Self {
        Self {
            out,
            line: Vec::new(),
        }
    }
}

/// One exchange line.
fn encode(record: &Record, out: &mut Vec<u8>) -> io::Result<()> {
    direct::write_exchange(&WireExchange::from(record), out)?;
    out.push(b'\n');
    Ok(())
}

impl Renderer for JsonlRenderer<'_> {
    fn record(&mut self, record: &Record) -> io::Result<()> {
        self.line.clear();
        encode(record, &mut self.line)?;
        self.out.write_all(&self.line)
    }

    fn encoder(&self) -> Option<Encoder> {
        Some(encode)
    }

    fn encoded(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)
    }

    fn input_done(&mut self, _input: &InputReport) -> io::Result<()> {
        Ok(())
    }

    fn finish(&mut self, inputs: &[InputReport], summary: &Summary) -> io::Result<()> {
        let findings = summary.findings.sorted();
        for f in &findings {
            self.out.write_all(b"{\"finding\":")?;
            let wire = WireFinding::from(f).marked(summary.baseline_state(f));
            serde_json::to_writer(&mut self.out, &wire)?;
            self.out.write_all(b"}\n")?;
        }
        write!(self.out, "{{\"schema_version\":{SCHEMA_VERSION},\"tool\":")?;
        serde_json::to_writer(&mut self.out, &TOOL)?;
        if let Some(b) = &summary.baseline {
            write!(self.out, ",\"baseline\":")?;
            serde_json::to_writer(&mut self.out, &WireBaseline::of(b, &findings))?;
        }
        write!(self.out, ",\"inputs\":")?;
        let wire: Vec<WireInput> = inputs.iter().map(WireInput::from).collect();
        serde_json::to_writer(&mut self.out, &wire)?;
        write!(self.out, ",\"summary\":")?;
        serde_json::to_writer(&mut self.out, &WireSummary::from(summary))?;
        writeln!(self.out, "}}")?;
        self.out.flush()
    }
}
