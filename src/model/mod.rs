//! The data every stage shares: exchanges, headers, locations, the cause catalogue, findings,
//! input issues and limits. Depends on nothing else in the crate.

pub mod browser;
pub mod cause;
pub mod common_text;
pub mod exchange;
pub mod finding;
pub mod header_name;
pub mod headers;
pub mod interned;
pub mod issue;
pub mod limits;
pub mod location;
pub mod reasons;

pub use browser::{Browser, BrowserChoice, BrowserProfile};
pub use cause::{CauseId, CauseInfo, MessageSuffix, WarningId, WarningInfo, CAUSES, WARNINGS};
pub use exchange::{
    CacheSource, Endpoints, Exchange, Failure, FailureKind, Initiator, RecordedOutcome,
    RecorderHints, Request, Response, Timestamp, Timing,
};
pub use finding::{
    Assessment, Evidence, EvidenceSource, ExchangeId, ExchangeKind, Finding, StackFix, Verdict,
    Warning,
};
pub use headers::{Header, HeaderList, HeaderRef, Named};
pub use issue::{Issue, IssueSummary, IssueTally};
pub use limits::{Limits, DEFAULT_ENGINE_WINDOW};
pub use location::{
    EntryIndex, FileIndex, FrameNumber, FrameRef, InferredAnchor, Location, Position,
};
