//! The parts of a HAR entry (and of `log.pages` and `log.creator`) that corscope reads, as
//! borrowed serde structs. Only these fields are declared; everything else, including
//! `response.content.text`, `request.postData`, `_webSocketMessages` and `_initiator.stack`,
//! is skipped without allocating. Field names are the producers' own (see
//! `reference/har-producers.md` §1–4).

use std::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};

use super::lenient::{har_object, lenient_rest, Count, Flag, Num, Text};
use crate::model::HeaderList;

har_object! {
    /// One `log.entries[i]`.
    RawEntry<'a> {
        b"startedDateTime" => started: Text<'a>,
        b"time" => time: Num,
        b"request" => request: Option<RawRequest<'a>>,
        b"response" => response: Option<RawResponse<'a>>,
        b"timings" => timings: RawTimings<'a>,
        b"serverIPAddress" => server_ip: Text<'a>,
        b"_ip_addr" => webpagetest_ip: Text<'a>,
        b"connection" => connection: Text<'a>,
        b"pageref" => pageref: Text<'a>,
        b"_resourceType" => resource_type: Text<'a>,
        b"_fetchType" => fetch_type: Text<'a>,
        b"_initiator" => initiator: InitiatorField<'a>,
        b"_initiator_type" => initiator_type: Text<'a>,
        b"_initiator_detail" => initiator_detail: Text<'a>,
        b"_requestId" => request_id: Text<'a>,
        b"_fromCache" => from_cache: Text<'a>,
    }
}

har_object! {
    /// `entry.request`.
    RawRequest<'a> {
        b"method" => method: Text<'a>,
        b"url" => url: Text<'a>,
        b"httpVersion" => http_version: Text<'a>,
        b"headers" => headers: Headers<'a>,
        b"cookies" => cookies: Count,
        b"headersSize" => headers_size: Num,
        b"bodySize" => body_size: Num,
    }
}

har_object! {
    /// `entry.response`.
    RawResponse<'a> {
        b"status" => status: Num,
        b"statusText" => status_text: Text<'a>,
        b"httpVersion" => http_version: Text<'a>,
        b"headers" => headers: Headers<'a>,
        b"content" => content: RawContent<'a>,
        b"bodySize" => body_size: Num,
        b"_error" => error: Text<'a>,
        b"_failureText" => failure_text: Text<'a>,
        b"_fetchedViaServiceWorker" => via_service_worker: Flag,
        b"fromServiceWorker" => from_service_worker: Flag,
        b"fromDiskCache" => from_disk_cache: Flag,
    }
}

har_object! {
    /// `response.content`: only its size; `text` is skipped.
    RawContent<'a> {
        b"size" => size: Num,
    }
}

har_object! {
    /// `entry.timings`, milliseconds, -1 for not applicable.
    RawTimings<'a> {
        b"blocked" => blocked: Num,
        b"dns" => dns: Num,
        b"connect" => connect: Num,
        b"send" => send: Num,
        b"wait" => wait: Num,
        b"receive" => receive: Num,
    }
}

har_object! {
    /// One header (or any name/value pair).
    RawHeader<'a> {
        b"name" => name: Text<'a>,
        b"value" => value: Text<'a>,
    }
}

har_object! {
    /// Chrome's `_initiator` object, and chrome-har's `_initiator_detail` JSON text.
    RawInitiator<'a> {
        b"type" => kind: Text<'a>,
        b"url" => url: Text<'a>,
        b"requestId" => request_id: Text<'a>,
    }
}

har_object! {
    /// One `log.pages[i]`.
    RawPage<'a> {
        b"id" => id: Text<'a>,
        b"title" => title: Text<'a>,
        b"_URL" => webpagetest_url: Text<'a>,
        b"_url" => chrome_har_url: Text<'a>,
    }
}

har_object! {
    /// `log.creator`.
    RawCreator<'a> {
        b"name" => name: Text<'a>,
        b"version" => version: Text<'a>,
    }
}

/// A header array, copied straight into the model's list, one buffer for all its lines (a
/// `null` value becomes an empty value); elements that are not objects with a name are dropped,
/// anything that is not an array reads as no headers. A value holding line feeds is several
/// field lines joined (the DevTools protocol joins repeated headers with `\n`, and tools that
/// write its header objects as they are, such as chrome-har, keep the join): each becomes its
/// own line again, as no field value on the wire can hold a line feed.
#[derive(Debug, Default)]
pub(super) struct Headers<'a>(pub(super) HeaderList, PhantomData<&'a ()>);

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
                let lines = seq.size_hint().unwrap_or(24);
                let mut out = HeaderList::with_capacity(lines, lines * 40);
                while let Some(h) = seq.next_element::<RawHeader<'de>>()? {
                    if h.name.0.is_none() {
                        continue;
                    }
                    let (name, value) = (h.name.as_bytes(), h.value.as_bytes());
                    if memchr::memchr(b'\n', value).is_none() {
                        out.push(name, value);
                    } else {
                        for line in value.split(|b| *b == b'\n') {
                            out.push(name, line.strip_suffix(b"\r").unwrap_or(line));
                        }
                    }
                }
                Ok(Headers(out, PhantomData))
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
