//! Field types that accept what producers actually write instead of failing the entry.
//!
//! - [`Text`]: a string (borrowed from the entry's bytes when it has no escapes), a number or
//!   boolean as its JSON spelling (NeuraLegion/har-sdk #187: numeric header values), `null` or
//!   anything else as absent.
//! - [`Num`]: a number, a numeric string (`"200"`, Firefox's cache fields), `null` or anything
//!   else as absent; floats where integers are expected are kept as floats.
//! - [`Flag`]: `true`, `"true"`, a non-zero number.
//! - [`Count`]: the length of an array, without deserialising its elements.
//!
//! `har_object!` declares a struct read from a JSON object by a generated `visit_map`: keys are
//! compared as raw bytes (`b"url"`, no UTF-8 validation), unknown keys are skipped with
//! `IgnoredAny` (no allocation, bodies included), a repeated key keeps its last value (serde's
//! derive would reject it), and a non-object yields the default.

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// Implements the visitor methods for every JSON type not otherwise handled, yielding
/// `$default` after draining what must be drained.
macro_rules! lenient_rest {
    ($lt:lifetime, $default:expr; $($skip:ident),*) => {
        $(lenient_rest!(@one $lt, $skip, $default);)*
    };
    (@one $lt:lifetime, bool, $d:expr) => { fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Self::Value, E> { Ok($d) } };
    (@one $lt:lifetime, i64, $d:expr) => { fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<Self::Value, E> { Ok($d) } };
    (@one $lt:lifetime, u64, $d:expr) => { fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<Self::Value, E> { Ok($d) } };
    (@one $lt:lifetime, f64, $d:expr) => { fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Self::Value, E> { Ok($d) } };
    (@one $lt:lifetime, str, $d:expr) => { fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<Self::Value, E> { Ok($d) } };
    (@one $lt:lifetime, unit, $d:expr) => { fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> { Ok($d) } };
    (@one $lt:lifetime, seq, $d:expr) => {
        fn visit_seq<A: serde::de::SeqAccess<$lt>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
            Ok($d)
        }
    };
    (@one $lt:lifetime, map, $d:expr) => {
        fn visit_map<A: serde::de::MapAccess<$lt>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            while map.next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?.is_some() {}
            Ok($d)
        }
    };
}
pub(super) use lenient_rest;

/// Declares a struct read leniently from a JSON object (see the module doc).
macro_rules! har_object {
    ($(#[$meta:meta])* $name:ident<$lt:lifetime> { $($key:literal => $field:ident: $ty:ty,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Default)]
        pub(super) struct $name<$lt> {
            $(pub(super) $field: $ty,)*
            _marker: std::marker::PhantomData<&$lt ()>,
        }

        impl<$lt> serde::Deserialize<$lt> for $name<$lt> {
            fn deserialize<D: serde::Deserializer<$lt>>(d: D) -> Result<Self, D::Error> {
                struct V<$lt>(std::marker::PhantomData<&$lt ()>);
                impl<$lt> serde::de::Visitor<$lt> for V<$lt> {
                    type Value = $name<$lt>;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str(concat!("a ", stringify!($name), " object"))
                    }
                    fn visit_map<A: serde::de::MapAccess<$lt>>(
                        self,
                        mut map: A,
                    ) -> Result<Self::Value, A::Error> {
                        let mut out = $name::default();
                        while let Some(key) = map.next_key::<$crate::capture::har::lenient::Key<$lt>>()? {
                            match &*key.0 {
                                $($key => out.$field = map.next_value()?,)*
                                _ => {
                                    map.next_value::<serde::de::IgnoredAny>()?;
                                }
                            }
                        }
                        Ok(out)
                    }
                    $crate::capture::har::lenient::lenient_rest!(
                        $lt, $name::default(); bool, i64, u64, f64, str, unit, seq
                    );
                }
                d.deserialize_any(V(std::marker::PhantomData))
            }
        }
    };
}
pub(super) use har_object;

/// An object key as raw bytes, borrowed when it has no escapes. Read with `deserialize_bytes`,
/// which serde_json serves without UTF-8 validation: keys are only compared with known names.
pub(crate) struct Key<'de>(pub(crate) Cow<'de, [u8]>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_borrowed_bytes<E: serde::de::Error>(
                self,
                v: &'de [u8],
            ) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_vec())))
            }
            fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v.as_bytes())))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.as_bytes().to_vec())))
            }
        }
        d.deserialize_bytes(V)
    }
}

/// A string-like value: see the module doc.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Text<'de>(pub(super) Option<Cow<'de, str>>);

impl<'de> Text<'de> {
    /// The text when present and not empty.
    pub(super) fn non_empty(&self) -> Option<&str> {
        self.0.as_deref().filter(|s| !s.is_empty())
    }

    /// The text as bytes, empty when absent.
    pub(super) fn as_bytes(&self) -> &[u8] {
        self.0.as_deref().map_or(&[], str::as_bytes)
    }

    /// The text as an owned string when present and not empty.
    pub(super) fn into_owned(self) -> Option<String> {
        self.0.filter(|s| !s.is_empty()).map(Cow::into_owned)
    }
}

struct TextVisitor;

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Text<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Text(Some(Cow::Borrowed(v))))
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Text(Some(Cow::Owned(v.to_owned()))))
    }
    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Text(Some(Cow::Owned(v))))
    }
    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Text(Some(Cow::Owned(v.to_string()))))
    }
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Text(Some(Cow::Owned(v.to_string()))))
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Text(Some(Cow::Owned(v.to_string()))))
    }
    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Text(Some(Cow::Owned(v.to_string()))))
    }
    lenient_rest!('de, Text(None); unit, seq, map);
}

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TextVisitor)
    }
}

/// A number-like value: see the module doc.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(super) struct Num(pub(super) Option<f64>);

impl Num {
    /// The value when it is finite and not negative (HAR writes -1 for unknown).
    pub(super) fn known(self) -> Option<f64> {
        self.0.filter(|v| v.is_finite() && *v >= 0.0)
    }
}

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Num;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Num, E> {
                Ok(Num(Some(v as f64)))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Num, E> {
                Ok(Num(Some(v as f64)))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Num, E> {
                Ok(Num(Some(v)))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Num, E> {
                Ok(Num(v.trim().parse::<f64>().ok().filter(|x| x.is_finite())))
            }
            lenient_rest!('de, Num(None); bool, unit, seq, map);
        }
        d.deserialize_any(V)
    }
}

/// A boolean-like value: see the module doc.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Flag(pub(super) bool);

impl<'de> Deserialize<'de> for Flag {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Flag;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a boolean")
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Flag, E> {
                Ok(Flag(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Flag, E> {
                Ok(Flag(v != 0))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Flag, E> {
                Ok(Flag(v != 0))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Flag, E> {
                Ok(Flag(v.trim().eq_ignore_ascii_case("true")))
            }
            lenient_rest!('de, Flag(false); f64, unit, seq, map);
        }
        d.deserialize_any(V)
    }
}

/// The number of elements of an array (0 for anything else).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Count(pub(super) u64);

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Count;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Count, A::Error> {
                let mut n = 0;
                while seq.next_element::<IgnoredAny>()?.is_some() {
                    n += 1;
                }
                Ok(Count(n))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Count, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Count(0))
            }
            lenient_rest!('de, Count(0); bool, i64, u64, f64, str, unit);
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
#[allow(clippy::panic)]
mod tests {
    use super::*;

    har_object! {
        Probe<'a> { b"t" => t: Text<'a>, b"n" => n: Num, b"f" => f: Flag, b"c" => c: Count, }
    }

    fn probe(json: &str) -> Probe<'_> {
        match serde_json::from_str(json) {
            Ok(p) => p,
            Err(e) => panic!("{json}: {e}"),
        }
    }

    #[test]
    fn numbers_as_strings_null_and_floats() {
        assert_eq!(probe(r#"{"n":"200"}"#).n, Num(Some(200.0)));
        assert_eq!(probe(r#"{"n":200.0}"#).n, Num(Some(200.0)));
        assert_eq!(probe(r#"{"n":null}"#).n, Num(None));
        assert_eq!(probe(r#"{"n":"abc"}"#).n, Num(None));
        assert_eq!(probe(r#"{"n":{"x":[1]}}"#).n, Num(None));
        assert_eq!(Num(Some(-1.0)).known(), None);
    }

    #[test]
    fn text_from_numbers_and_absent_from_null_or_containers() {
        assert_eq!(probe(r#"{"t":42}"#).t.non_empty(), Some("42"));
        assert_eq!(probe(r#"{"t":true}"#).t.non_empty(), Some("true"));
        assert_eq!(probe(r#"{"t":null}"#).t, Text(None));
        assert_eq!(probe(r#"{"t":[1,"a"]}"#).t, Text(None));
        assert!(matches!(
            probe(r#"{"t":"plain"}"#).t.0,
            Some(Cow::Borrowed("plain"))
        ));
        assert_eq!(probe(r#"{"t":"a\"b"}"#).t.non_empty(), Some("a\"b"));
    }

    #[test]
    fn duplicate_keys_keep_the_last_and_non_objects_default() {
        let p = probe(r#"{"t":"first","t":"last","c":[1,{"a":2},3],"f":"true"}"#);
        assert_eq!(p.t.non_empty(), Some("last"));
        assert_eq!(p.c, Count(3));
        assert_eq!(p.f, Flag(true));
        assert!(probe(r#""a string""#).t.0.is_none());
        assert!(probe("[1,2]").t.0.is_none());
    }
}
