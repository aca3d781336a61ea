//! In-band input issues: something in an input was skipped, cut short or could not be
//! understood, while the rest of the input was still analysed. Each issue has a stable id (a
//! kebab-case name) so reports can count them; the id constants live beside the code that
//! raises them.

use super::location::Position;

/// One occurrence of an input issue.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Issue {
    /// Stable kebab-case id, e.g. `har-entry-malformed`, `tcp-gap`.
    #[serde(deserialize_with = "super::interned::static_str")]
    pub id: super::interned::StaticName,
    /// One line saying what was skipped and why.
    pub message: String,
    /// Where, when it can be named.
    pub at: Option<Position>,
    /// How many occurrences this one issue stands for: 1, unless the layer that raised it
    /// counted them itself (for example connections per server name).
    pub count: u64,
}

impl Issue {
    /// An issue at a position.
    pub fn at(id: &'static str, at: Position, message: impl Into<String>) -> Self {
        Self {
            id,
            message: message.into(),
            at: Some(at),
            count: 1,
        }
    }

    /// An issue with no single position.
    pub fn general(id: &'static str, message: impl Into<String>) -> Self {
        Self {
            id,
            message: message.into(),
            at: None,
            count: 1,
        }
    }

    /// The same issue standing for `count` occurrences.
    pub fn times(mut self, count: u64) -> Self {
        self.count = count;
        self
    }
}

/// Issues of one id, aggregated for a report: how many, and the first few occurrences.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct IssueSummary {
    /// Stable id.
    #[serde(deserialize_with = "super::interned::static_str")]
    pub id: super::interned::StaticName,
    /// How many times it occurred.
    pub count: u64,
    /// The first occurrences, in input order (at most [`IssueSummary::KEPT`]).
    pub examples: Vec<Issue>,
}

impl IssueSummary {
    /// How many occurrences of one id are kept verbatim.
    pub const KEPT: usize = 5;
}

/// Aggregates issues by id, in order of first occurrence, keeping a few examples of each.
#[derive(Clone, Debug, Default)]
pub struct IssueTally {
    entries: Vec<IssueSummary>,
}

impl IssueTally {
    /// An empty tally.
    pub fn new() -> Self {
        Self::default()
    }

    /// A tally that goes on from `summaries` (as an earlier tally's
    /// [`IssueTally::into_summaries`] gave them).
    pub fn from_summaries(summaries: Vec<IssueSummary>) -> Self {
        Self { entries: summaries }
    }

    /// Counts the occurrences one issue stands for (usually one).
    pub fn add(&mut self, issue: Issue) {
        match self.entries.iter_mut().find(|e| e.id == issue.id) {
            Some(e) => {
                e.count += issue.count;
                if e.examples.len() < IssueSummary::KEPT {
                    e.examples.push(issue);
                }
            }
            None => self.entries.push(IssueSummary {
                id: issue.id,
                count: issue.count,
                examples: vec![issue],
            }),
        }
    }

    /// Counts `n` occurrences described by one issue (for counters kept elsewhere).
    pub fn add_many(&mut self, issue: Issue, n: u64) {
        if n > 0 {
            self.add(issue.times(n));
        }
    }

    /// Total occurrences of all ids.
    pub fn total(&self) -> u64 {
        self.entries.iter().map(|e| e.count).sum()
    }

    /// The aggregated issues, in order of first occurrence.
    pub fn summaries(&self) -> &[IssueSummary] {
        &self.entries
    }

    /// Consumes the tally.
    pub fn into_summaries(self) -> Vec<IssueSummary> {
        self.entries
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tally_counts_by_id_and_keeps_first_examples() {
        let mut t = IssueTally::new();
        for i in 0..8 {
            t.add(Issue::at("a", Position::offset(i), format!("a{i}")));
        }
        t.add(Issue::general("b", "b"));
        t.add_many(Issue::general("c", "c"), 40);
        t.add(Issue::general("b", "two more b").times(2));
        let s = t.summaries();
        assert_eq!(s.len(), 3);
        assert_eq!((s[0].id, s[0].count, s[0].examples.len()), ("a", 8, 5));
        assert_eq!(s[0].examples[4].message, "a4");
        assert_eq!((s[1].id, s[1].count, s[1].examples.len()), ("b", 3, 2));
        assert_eq!((s[2].id, s[2].count), ("c", 40));
        assert_eq!(s[2].examples[0].count, 40);
        assert_eq!(t.total(), 51);
    }
}
