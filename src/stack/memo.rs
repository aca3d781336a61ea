//! Snippets spelt once for each stack, remedy and set of values: a capture repeats the same
//! failure of the same resource many times, and a snippet is spelt from several formatted
//! pieces each time it is asked for.

use std::hash::BuildHasher;
use std::num::NonZeroUsize;

use foldhash::fast::FixedState;
use lru::LruCache;

use super::detect::Sighting;
use super::remedy::{self, Params, Remedy, Snippet};
use super::{snippets, Stack};
use crate::model::{CauseId, StackFix};

/// Snippets remembered, the least recently used forgotten first.
const REMEMBERED: usize = 64;

/// A snippet made, with what it was made for.
struct Made {
    stack: Stack,
    remedy: Remedy,
    params: Params,
    snippet: Option<Snippet>,
}

/// The snippets made so far for one input, by the hash of what they were made for (a hash
/// shared by two sets of values costs one snippet spelt again, never a wrong one).
pub struct SnippetMemo {
    made: LruCache<u64, Made>,
}

impl Default for SnippetMemo {
    fn default() -> Self {
        Self {
            made: LruCache::new(NonZeroUsize::MIN.saturating_add(REMEMBERED - 1)),
        }
    }
}

impl SnippetMemo {
    /// [`stack_fix`](remedy::stack_fix), each snippet spelt once while it is remembered.
    pub fn stack_fix(
        &mut self,
        sightings: &[Sighting],
        cause: CauseId,
        params: &Params,
    ) -> Option<StackFix> {
        remedy::stack_fix_with(sightings, cause, |stack, remedy| {
            let key = FixedState::with_seed(0x736e_6970).hash_one((stack, remedy, params));
            if let Some(m) = self.made.get(&key) {
                if m.stack == stack && m.remedy == remedy && m.params == *params {
                    return m.snippet.clone();
                }
            }
            let snippet = snippets::snippet(stack, remedy, params);
            self.made.put(
                key,
                Made {
                    stack,
                    remedy,
                    params: params.clone(),
                    snippet: snippet.clone(),
                },
            );
            snippet
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Remembered or not, a fix is the one made afresh: over every stack, for causes with
    /// different remedies, with values that differ in each field, asked for twice in turn.
    #[test]
    fn remembered_fixes_equal_fresh_ones() {
        let params = |origin: &str, method: &str, header: &str, credentials| Params {
            origin: origin.into(),
            methods: vec![method.into()],
            headers: vec![header.into()],
            credentials,
        };
        let sets = [
            params("https://a.test", "PUT", "x-a", false),
            params("https://b.test", "PUT", "x-a", false),
            params("https://a.test", "DELETE", "x-a", false),
            params("https://a.test", "PUT", "x-b", false),
            params("https://a.test", "PUT", "x-a", true),
        ];
        let causes = [
            CauseId::PreflightStatus405,
            CauseId::AllowOriginMismatch,
            CauseId::WildcardWithCredentials,
            CauseId::MethodNotAllowed,
            CauseId::HeaderNotAllowed,
            CauseId::CachedResponseWrongOrigin,
        ];
        let mut memo = SnippetMemo::default();
        for _ in 0..2 {
            for stack in Stack::ALL {
                let sightings = [Sighting {
                    stack,
                    evidence: "Server: x".into(),
                    exchange: None,
                }];
                for cause in causes {
                    for p in &sets {
                        assert_eq!(
                            memo.stack_fix(&sightings, cause, p),
                            remedy::stack_fix(&sightings, cause, p),
                            "{stack:?} {cause:?} {p:?}"
                        );
                    }
                }
            }
        }
    }
}
