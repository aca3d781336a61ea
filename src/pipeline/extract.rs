//! A chain's files to exchanges: each file opened, decompressed and recognised, and the files
//! of a chain of several read as one pcap/pcapng frame stream into one sink. What the capture
//! says about its files (format, producer, per file: frames, first and last capture time,
//! errors) goes into the input's report; exchanges and issues go to the sink.

use super::chain::Chain;
use super::progress::Progress;
use super::source::{open, SourceOrigin};
use crate::capture::pcap::stream::Stream;
use crate::capture::{self, CaptureError, Format, Sink};
use crate::model::{FileIndex, Limits};
use crate::report::{FileReport, InputReport};

/// Reads `chain` into `sink`; returns what the report says of its files (the exchange count
/// and issues are the sink's to tell).
pub fn extract(
    chain: &Chain,
    limits: &Limits,
    progress: Option<&Progress>,
    sink: &mut dyn Sink,
) -> InputReport {
    let mut report = InputReport {
        path: chain.name().to_string(),
        ..InputReport::default()
    };
    match chain.files.as_slice() {
        [one] => match open(one, progress) {
            Err(e) => report.error = Some(e),
            Ok(input) => match capture::read(input, limits, sink) {
                Ok(info) => {
                    report.format = Some(info.format);
                    report.compression = info.compression;
                    report.producer = info.producer;
                }
                Err(CaptureError::NotRecognised(why))
                    if matches!(one.origin, SourceOrigin::FoundIn(_)) =>
                {
                    report.skipped = Some(format!("not a HAR, pcap or pcapng capture ({why})"));
                }
                Err(e) => report.error = Some(e.to_string()),
            },
        },
        files => read_stream(files, limits, progress, sink, &mut report),
    }
    report
}

/// Reads several files as one capture.
fn read_stream(
    files: &[super::Source],
    limits: &Limits,
    progress: Option<&Progress>,
    sink: &mut dyn Sink,
    report: &mut InputReport,
) {
    let mut stream = Stream::new(limits, sink);
    for (i, source) in files.iter().enumerate() {
        let mut file = FileReport {
            path: source.name.clone(),
            ..FileReport::default()
        };
        let index = FileIndex(u32::try_from(i).unwrap_or(u32::MAX));
        let read = open(source, progress).and_then(|input| {
            let (compression, format, mut input) =
                capture::recognise(input).map_err(|e| e.to_string())?;
            file.format = Some(format);
            file.compression = compression;
            if format == Format::Har {
                return Err("a HAR file cannot continue a packet capture".to_string());
            }
            stream
                .file(index, &source.name, &mut input, format)
                .map_err(|e| e.to_string())
        });
        match read {
            Ok(summary) => {
                file.frames = summary.frames;
                file.first = summary.first;
                file.last = summary.last;
                if report.format.is_none() {
                    report.format = file.format;
                    report.compression = file.compression;
                }
                if report.producer.is_none() {
                    report.producer = summary.producer;
                }
            }
            Err(e) => file.error = Some(e),
        }
        report.files.push(file);
    }
    stream.finish();
    if report.files.iter().all(|f| f.error.is_some()) {
        report.error = Some("none of its files could be read".into());
    }
}
