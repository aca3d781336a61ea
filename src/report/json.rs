//! One JSON document (schema version 2), written as records arrive: `schema_version` and
//! `tool` first, then `exchanges` one per line, then `findings` one per line, the comparison
//! with the `baseline` when there is one, `inputs` and `summary`. Memory stays bounded: nothing is kept between records, and the findings are
//! bounded by their number.

use std::io::{self, Write};

use super::record::{Record, Summary};
use super::wire::{
    direct, WireBaseline, WireExchange, WireFinding, WireInput, WireSummary, SCHEMA_VERSION, TOOL,
};
use super::{Encoder, InputReport, Renderer};

/// Writes the JSON document.
pub struct JsonRenderer<'a> {
    out: Box<dyn Write + 'a>,
    started: bool,
    first: bool,
    /// One exchange at a time: JSON is written in many small pieces, cheaper into a `Vec`
    /// than through a `dyn Write`.
    item: Vec<u8>,
}

impl<'a> JsonRenderer<'a> {
    /// A renderer writing to `out`.
    pub fn new(out: Box<dyn Write + 'a>) -> Self {
        Self {
            out,
            started: false,
            first: true,
            item: Vec::new(),
        }
    }

    fn start(&mut self) -> io::Result<()> {
        if !self.started {
            self.started = true;
            write!(self.out, "{{\"schema_version\":{SCHEMA_VERSION},\"tool\":")?;
            serde_json::to_writer(&mut self.out, &TOOL)?;
            write!(self.out, ",\"exchanges\":[")?;
        }
        Ok(())
    }
}

/// One element of `exchanges`, each preceded by a comma (the renderer drops the first).
fn encode(record: &Record, out: &mut Vec<u8>) -> io::Result<()> {
    out.extend_from_slice(b",\n");
    direct::write_exchange(&WireExchange::from(record), out)?;
    Ok(())
}

impl Renderer for JsonRenderer<'_> {
    fn encoder(&self) -> Option<Encoder> {
        Some(encode)
    }

    fn encoded(&mut self, bytes: &[u8]) -> io::Result<()> {
        if bytes.is_empty() {
            return Ok(());
        }
        self.start()?;
        let bytes = if self.first {
            self.first = false;
            bytes.strip_prefix(b",").unwrap_or(bytes)
        } else {
            bytes
        };
        self.out.write_all(bytes)
    }

    fn record(&mut self, record: &Record) -> io::Result<()> {
        let mut item = std::mem::take(&mut self.item);
        item.clear();
        encode(record, &mut item)?;
        let written = self.encoded(&item);
        self.item = item;
        written
    }

    fn input_done(&mut self, _input: &InputReport) -> io::Result<()> {
        Ok(())
    }

    fn finish(&mut self, inputs: &[InputReport], summary: &Summary) -> io::Result<()> {
        self.start()?;
        write!(self.out, "\n],\"findings\":[")?;
        let findings = summary.findings.sorted();
        for (i, f) in findings.iter().enumerate() {
            self.out.write_all(if i == 0 { b"\n" } else { b",\n" })?;
            let wire = WireFinding::from(f).marked(summary.baseline_state(f));
            serde_json::to_writer(&mut self.out, &wire)?;
        }
        write!(self.out, "\n],")?;
        if let Some(b) = &summary.baseline {
            write!(self.out, "\"baseline\":")?;
            serde_json::to_writer(&mut self.out, &WireBaseline::of(b, &findings))?;
            write!(self.out, ",")?;
        }
        write!(self.out, "\"inputs\":")?;
        let wire: Vec<WireInput> = inputs.iter().map(WireInput::from).collect();
        serde_json::to_writer(&mut self.out, &wire)?;
        write!(self.out, ",\"summary\":")?;
        serde_json::to_writer(&mut self.out, &WireSummary::from(summary))?;
        writeln!(self.out, "}}")?;
        self.out.flush()
    }
}
