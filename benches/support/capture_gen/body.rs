//! Response and request bodies: JSON documents, text and binary payloads cut from pools built
//! once per run, so a body costs a copy and never a formatting loop. Every body's length is
//! fixed when it is planned, so HAR sizes and `Content-Length` agree with the bytes written.

use super::rng::Rng;

/// What a body holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyKind {
    /// A JSON document `{"items":[...],"total":k}` of `k` fixed-size items.
    Json,
    /// Text (HTML, CSS, JavaScript) cut from the text pool.
    Text,
    /// Binary (images, fonts, archives) cut from the random pool.
    Binary,
}

/// A planned body: kind, exact length and where in its pool it starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Body {
    /// Kind.
    pub kind: BodyKind,
    /// Exact length in bytes.
    pub len: usize,
    /// Pool offset (text, binary) or item count (JSON).
    pub param: usize,
}

impl Body {
    /// No body.
    pub const EMPTY: Body = Body {
        kind: BodyKind::Binary,
        len: 0,
        param: 0,
    };
}

const JSON_ITEMS: usize = 1200;
const TEXT_POOL: usize = 160 * 1024;
const BINARY_POOL: usize = 256 * 1024;
/// Largest body the pools can serve.
pub const MAX_BODY: usize = 150 * 1024;

/// The pools bodies are cut from.
pub struct Pools {
    json_items: Vec<u8>,
    item_len: usize,
    text: Vec<u8>,
    binary: Vec<u8>,
}

impl Pools {
    /// Builds the pools from `rng`.
    pub fn new(rng: &mut Rng) -> Self {
        let mut json_items = Vec::with_capacity(JSON_ITEMS * 140);
        let mut item_len = 0;
        for i in 0..JSON_ITEMS {
            let start = json_items.len();
            if i > 0 {
                json_items.push(b',');
            }
            // Fixed-width numbers without leading zeros keep every item the same length.
            let id = 1_000_000 + rng.below(9_000_000);
            let cents = 10_000 + rng.below(90_000);
            let item = format!(
                "{{\"id\":{id},\"name\":\"widget-{id}\",\"price\":{}.{:02},\"tags\":[\"a\",\"b\"],\"owner\":{{\"id\":{},\"email\":\"user{}@example.com\"}},\"ok\":true}}",
                cents / 100,
                cents % 100,
                10_000 + rng.below(90_000),
                10_000 + rng.below(90_000)
            );
            json_items.extend_from_slice(item.as_bytes());
            if i == 1 {
                item_len = json_items.len() - start;
            }
        }
        let words: [&[u8]; 12] = [
            b"<div class=\"row\">",
            b"</div>\n",
            b"function render(a,b){return a+b}\n",
            b".card{margin:0 auto;padding:8px}\n",
            b"<span>",
            b"</span>",
            b"lorem ipsum dolor sit amet ",
            b"var x=document.querySelector(\"#app\");\n",
            b"<a href=\"/items/42\">item</a>",
            b"@media (max-width:600px){.nav{display:none}}\n",
            b"consectetur adipiscing elit ",
            b"<li class=\"item\">",
        ];
        let mut text = Vec::with_capacity(TEXT_POOL + 64);
        while text.len() < TEXT_POOL {
            text.extend_from_slice(words[rng.below(words.len() as u64) as usize]);
        }
        let mut binary = Vec::with_capacity(BINARY_POOL);
        while binary.len() < BINARY_POOL {
            binary.extend_from_slice(&rng.next_u64().to_le_bytes());
        }
        Self {
            json_items,
            item_len,
            text,
            binary,
        }
    }

    /// Plans a JSON body of about `n` bytes (at least one item).
    pub fn json(&self, n: usize) -> Body {
        let k = (n.saturating_sub(24) / self.item_len).clamp(1, JSON_ITEMS);
        let items = self.item_len * k - 1;
        let digits = k.to_string().len();
        Body {
            kind: BodyKind::Json,
            len: "{\"items\":[".len() + items + "],\"total\":}".len() + digits,
            param: k,
        }
    }

    /// Plans a text or binary body of exactly `n` bytes (capped at [`MAX_BODY`]).
    pub fn cut(&self, kind: BodyKind, n: usize, rng: &mut Rng) -> Body {
        let n = n.min(MAX_BODY);
        let pool = if kind == BodyKind::Text {
            TEXT_POOL
        } else {
            BINARY_POOL
        };
        Body {
            kind,
            len: n,
            param: rng.below((pool - n) as u64) as usize,
        }
    }

    /// Appends the bytes of `body` to `out`.
    pub fn write(&self, body: &Body, out: &mut Vec<u8>) {
        if body.len == 0 {
            return;
        }
        match body.kind {
            BodyKind::Json => {
                let k = body.param;
                out.extend_from_slice(b"{\"items\":[");
                out.extend_from_slice(&self.json_items[..self.item_len * k - 1]);
                out.extend_from_slice(b"],\"total\":");
                out.extend_from_slice(k.to_string().as_bytes());
                out.push(b'}');
            }
            BodyKind::Text => out.extend_from_slice(&self.text[body.param..body.param + body.len]),
            BodyKind::Binary => {
                out.extend_from_slice(&self.binary[body.param..body.param + body.len])
            }
        }
    }
}
