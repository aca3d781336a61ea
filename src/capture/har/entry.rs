//! The parts of a HAR entry (and of `log.pages` and `log.creator`) that corscope reads, as
//! borrowed serde structs. Only these fields are declared; everything else, including
//! `response.content.text`, `request.postData`, `_webSocketMessages` and `_initiator.stack`,
//! is skipped by serde_json without allocating. Field names are the producers' own (see
//! `reference/har-producers.md` §1–4).

use serde::de::value::MapAccessDeserializer;
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};

use super::lenient::{har_object, lenient_rest, Count, Flag, Num, Text};

har_object! {
    /// One `log.entries[i]`.
    RawEntry<'a> {
        "startedDateTime" => started: Text<'a>,
        "time" => time: Num,
        "request" => request: Option<RawRequest<'a>>,
        "response" => response: Option<RawResponse<'a>>,
        "timings" => timings: RawTimings<'a>,
        "serverIPAddress" => server_ip: Text<'a>,
        "_ip_addr" => webpagetest_ip: Text<'a>,
        "connection" => connection: Text<'a>,
        "pageref" => pageref: Text<'a>,
        "_resourceType" => resource_type: Text<'a>,
        "_fetchType" => fetch_type: Text<'a>,
        "_initiator" => initiator: InitiatorField<'a>,
        "_initiator_type" => initiator_type: Text<'a>,
        "_initiator_detail" => initiator_detail: Text<'a>,
        "_requestId" => request_id: Text<'a>,
        "_fromCache" => from_cache: Text<'a>,
    }
}

har_object! {
    /// `entry.request`.
    RawRequest<'a> {
        "method" => method: Text<'a>,
        "url" => url: Text<'a>,
        "httpVersion" => http_version: Text<'a>,
        "headers" => headers: Headers<'a>,
        "cookies" => cookies: Count,
        "headersSize" => headers_size: Num,
        "bodySize" => body_size: Num,
    }
}

har_object! {
    /// `entry.response`.
    RawResponse<'a> {
        "status" => status: Num,
        "statusText" => status_text: Text<'a>,
        "httpVersion" => http_version: Text<'a>,
        "headers" => headers: Headers<'a>,
        "content" => content: RawContent<'a>,
        "bodySize" => body_size: Num,
        "_error" => error: Text<'a>,
        "_failureText" => failure_text: Text<'a>,
        "_fetchedViaServiceWorker" => via_service_worker: Flag,
        "fromServiceWorker" => from_service_worker: Flag,
        "fromDiskCache" => from_disk_cache: Flag,
    }
}

har_object! {
    /// `response.content`: only its size; `text` is skipped.
    RawContent<'a> {
        "size" => size: Num,
    }
}

har_object! {
    /// `entry.timings`, milliseconds, -1 for not applicable.
    RawTimings<'a> {
        "blocked" => blocked: Num,
        "dns" => dns: Num,
        "connect" => connect: Num,
        "send" => send: Num,
        "wait" => wait: Num,
        "receive" => receive: Num,
    }
}

har_object! {
    /// One header (or any name/value pair).
    RawHeader<'a> {
        "name" => name: Text<'a>,
        "value" => value: Text<'a>,
    }
}

har_object! {
    /// Chrome's `_initiator` object, and chrome-har's `_initiator_detail` JSON text.
    RawInitiator<'a> {
        "type" => kind: Text<'a>,
        "url" => url: Text<'a>,
        "requestId" => request_id: Text<'a>,
    }
}

har_object! {
    /// One `log.pages[i]`.
    RawPage<'a> {
        "id" => id: Text<'a>,
        "title" => title: Text<'a>,
        "_URL" => webpagetest_url: Text<'a>,
        "_url" => chrome_har_url: Text<'a>,
    }
}

har_object! {
    /// `log.creator`.
    RawCreator<'a> {
        "name" => name: Text<'a>,
        "version" => version: Text<'a>,
    }
}

/// A header array; elements that are not objects with a name are dropped, anything that is not
/// an array reads as no headers.
#[derive(Debug, Default)]
pub(super) struct Headers<'a>(pub(super) Vec<RawHeader<'a>>);

impl<'de> Deserialize<'de> for Headers<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Headers<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an array of headers")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Self::Value, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(16));
                while let Some(h) = seq.next_element::<RawHeader<'de>>()? {
                    if h.name.0.is_some() {
                        out.push(h);
                    }
                }
                Ok(Headers(out))
            }
            lenient_rest!('de, Headers::default(); bool, i64, u64, f64, str, unit, map);
        }
        d.deserialize_any(V)
    }
}

/// `_initiator`: an object in Chrome DevTools, a URL string in chrome-har.
#[derive(Debug, Default)]
pub(super) enum InitiatorField<'a> {
    /// Absent or `null`.
    #[default]
    Absent,
    /// Chrome's object.
    Object(RawInitiator<'a>),
    /// chrome-har's initiating URL.
    Url(Text<'a>),
}

impl<'de> Deserialize<'de> for InitiatorField<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = InitiatorField<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an initiator")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                RawInitiator::deserialize(MapAccessDeserializer::new(map))
                    .map(InitiatorField::Object)
            }
            fn visit_borrowed_str<E: serde::de::Error>(
                self,
                v: &'de str,
            ) -> Result<Self::Value, E> {
                Ok(InitiatorField::Url(Text(Some(v.into()))))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(InitiatorField::Url(Text(Some(v.to_owned().into()))))
            }
            lenient_rest!('de, InitiatorField::Absent; bool, i64, u64, f64, unit, seq);
        }
        d.deserialize_any(V)
    }
}
