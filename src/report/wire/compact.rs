//! Compact JSON of the wire types into a `Vec<u8>`, byte for byte what `serde_json::to_writer`
//! writes, with a faster string escaper.
//!
//! Why not serde_json alone: a report line is mostly strings (URLs, console messages, fixes,
//! evidence), and serde_json looks up every byte of every string in its escape table; that
//! loop was the largest single cost of laying out records. Here strings are scanned eight
//! bytes at a time for the three things that need escaping (`"`, `\` and control bytes), and
//! copied in runs. Everything that is not a string (numbers, booleans, nulls) is written by
//! serde_json itself, so number formatting cannot drift. Equality with serde_json is checked
//! by tests over generated records and hostile strings.
//!
//! Not supported (never used by the wire types, and an error rather than different output):
//! serde_json's raw values and arbitrary-precision numbers.

use serde::ser::{self, Serialize};

/// The error of a value serde_json would refuse too (a map key that is not a string).
pub type Error = serde_json::Error;

/// Appends the compact JSON of `value` to `out`.
pub fn to_vec<T: Serialize + ?Sized>(value: &T, out: &mut Vec<u8>) -> Result<(), Error> {
    value.serialize(&mut Compact { out })
}

/// The serializer: a borrowed output buffer.
pub struct Compact<'a> {
    out: &'a mut Vec<u8>,
}

impl Compact<'_> {
    /// A scalar, as serde_json writes it.
    fn scalar<T: Serialize>(&mut self, v: T) -> Result<(), Error> {
        serde_json::to_writer(&mut *self.out, &v)
    }
}

/// Bytes that need escaping: `"`, `\` and below 0x20.
fn needs_escape(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

/// The high bit of each byte of `w` that needs escaping may be set; none is set when no
/// byte does (exact for the word as a whole, which is all the scan asks).
fn escape_mask(w: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let quote = w ^ (ONES * u64::from(b'"'));
    let backslash = w ^ (ONES * u64::from(b'\\'));
    // A byte is zero, or below 0x20: (x - n per byte) & !x & 0x80 per byte.
    (w.wrapping_sub(ONES * 0x20) & !w
        | quote.wrapping_sub(ONES) & !quote
        | backslash.wrapping_sub(ONES) & !backslash)
        & HIGHS
}

/// The length of the prefix of `bytes` that needs no escaping.
fn clean_prefix(bytes: &[u8]) -> usize {
    let mut words = bytes.chunks_exact(8);
    let mut at = 0;
    for word in &mut words {
        let mut w = [0u8; 8];
        w.copy_from_slice(word);
        if escape_mask(u64::from_le_bytes(w)) != 0 {
            break;
        }
        at += 8;
    }
    at + bytes
        .get(at..)
        .unwrap_or_default()
        .iter()
        .position(|&b| needs_escape(b))
        .unwrap_or(bytes.len() - at)
}

/// Appends `s` as a JSON string, escaped as serde_json escapes it.
pub fn write_str(out: &mut Vec<u8>, s: &str) {
    let mut rest = s.as_bytes();
    out.reserve(rest.len() + 2);
    out.push(b'"');
    loop {
        let clean = clean_prefix(rest);
        let (run, tail) = rest.split_at(clean);
        out.extend_from_slice(run);
        let Some((&b, tail)) = tail.split_first() else {
            break;
        };
        escape(out, b);
        rest = tail;
    }
    out.push(b'"');
}

/// The escape of one byte, as serde_json writes it.
fn escape(out: &mut Vec<u8>, b: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    match b {
        b'"' => out.extend_from_slice(b"\\\""),
        b'\\' => out.extend_from_slice(b"\\\\"),
        0x08 => out.extend_from_slice(b"\\b"),
        0x0C => out.extend_from_slice(b"\\f"),
        b'\n' => out.extend_from_slice(b"\\n"),
        b'\r' => out.extend_from_slice(b"\\r"),
        b'\t' => out.extend_from_slice(b"\\t"),
        _ => out.extend_from_slice(&[
            b'\\',
            b'u',
            b'0',
            b'0',
            HEX[usize::from(b >> 4)],
            HEX[usize::from(b & 0xF)],
        ]),
    }
}

impl<'a, 'b> ser::Serializer for &'a mut Compact<'b> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Seq<'a, 'b>;
    type SerializeTuple = Seq<'a, 'b>;
    type SerializeTupleStruct = Seq<'a, 'b>;
    type SerializeTupleVariant = Seq<'a, 'b>;
    type SerializeMap = Seq<'a, 'b>;
    type SerializeStruct = Seq<'a, 'b>;
    type SerializeStructVariant = Seq<'a, 'b>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.out
            .extend_from_slice(if v { b"true" } else { b"false" });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Result<(), Error> {
        self.scalar(v)
    }
    fn serialize_i16(self, v: i16) -> Result<(), Error> {
        self.scalar(v)
    }
    fn serialize_i32(self, v: i32) -> Result<(), Error> {
        self.scalar(v)
    }
    fn serialize_i64(self, v: i64) -> Result<(), Error> {
        self.scalar(v)
    }
    fn serialize_i128(self, v: i128) -> Result<(), Error> {
        self.scalar(v)
    }
    fn serialize_u8(self, v: u8) -> Result<(), Error> {
        self.scalar(v)
    }
    fn serialize_u16(self, v: u16) -> Result<(), Error> {
        self.scalar(v)
    }
    fn serialize_u32(self, v: u32) -> Result<(), Error> {
        self.scalar(v)
    }
    fn serialize_u64(self, v: u64) -> Result<(), Error> {
        self.scalar(v)
    }
    fn serialize_u128(self, v: u128) -> Result<(), Error> {
        self.scalar(v)
    }
    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        self.scalar(v)
    }
    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        self.scalar(v)
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        write_str(self.out, v.encode_utf8(&mut [0u8; 4]));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        write_str(self.out, v);
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        self.scalar(v)
    }
    fn serialize_none(self) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.out.push(b'{');
        write_str(self.out, variant);
        self.out.push(b':');
        value.serialize(&mut *self)?;
        self.out.push(b'}');
        Ok(())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Seq<'a, 'b>, Error> {
        Ok(Seq::open(self, b'[', b"]"))
    }
    fn serialize_tuple(self, len: usize) -> Result<Seq<'a, 'b>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<Seq<'a, 'b>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Seq<'a, 'b>, Error> {
        self.out.push(b'{');
        write_str(self.out, variant);
        self.out.push(b':');
        Ok(Seq::open(self, b'[', b"]}"))
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Seq<'a, 'b>, Error> {
        Ok(Seq::open(self, b'{', b"}"))
    }
    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<Seq<'a, 'b>, Error> {
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Seq<'a, 'b>, Error> {
        self.out.push(b'{');
        write_str(self.out, variant);
        self.out.push(b':');
        Ok(Seq::open(self, b'{', b"}}"))
    }
}

/// An array or object being written: commas between elements, the closing bytes at the end.
pub struct Seq<'a, 'b> {
    ser: &'a mut Compact<'b>,
    first: bool,
    close: &'static [u8],
}

impl<'a, 'b> Seq<'a, 'b> {
    fn open(ser: &'a mut Compact<'b>, open: u8, close: &'static [u8]) -> Self {
        ser.out.push(open);
        Self {
            ser,
            first: true,
            close,
        }
    }

    fn comma(&mut self) {
        if !self.first {
            self.ser.out.push(b',');
        }
        self.first = false;
    }

    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.comma();
        value.serialize(&mut *self.ser)
    }

    fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), Error> {
        self.comma();
        write_str(self.ser.out, key);
        self.ser.out.push(b':');
        value.serialize(&mut *self.ser)
    }

    fn close(self) -> Result<(), Error> {
        self.ser.out.extend_from_slice(self.close);
        Ok(())
    }
}

impl ser::SerializeSeq for Seq<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.element(value)
    }
    fn end(self) -> Result<(), Error> {
        self.close()
    }
}

impl ser::SerializeTuple for Seq<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.element(value)
    }
    fn end(self) -> Result<(), Error> {
        self.close()
    }
}

impl ser::SerializeTupleStruct for Seq<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.element(value)
    }
    fn end(self) -> Result<(), Error> {
        self.close()
    }
}

impl ser::SerializeTupleVariant for Seq<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.element(value)
    }
    fn end(self) -> Result<(), Error> {
        self.close()
    }
}

impl ser::SerializeMap for Seq<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.comma();
        // Keys as serde_json writes them (strings, numbers and booleans quoted); what it
        // refuses, serde_json's own error says.
        let mut probe = Vec::new();
        serde_json::to_writer(&mut probe, &KeyProbe(key))?;
        let key = probe
            .get(1..probe.len().saturating_sub(b":null}".len()))
            .unwrap_or_default();
        self.ser.out.extend_from_slice(key);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.ser.out.push(b':');
        value.serialize(&mut *self.ser)
    }
    fn end(self) -> Result<(), Error> {
        self.close()
    }
}

/// A map key written through serde_json's own key rules: a one-entry map whose braces and
/// value are cut away.
struct KeyProbe<'k, T: ?Sized>(&'k T);

impl<T: Serialize + ?Sized> Serialize for KeyProbe<'_, T> {
    fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // serde_json writes `{KEY:null}`; `serialize_key` keeps KEY.
        use ser::SerializeMap;
        let mut map = s.serialize_map(Some(1))?;
        map.serialize_entry(self.0, &())?;
        map.end()
    }
}

impl ser::SerializeStruct for Seq<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.field(key, value)
    }
    fn end(self) -> Result<(), Error> {
        self.close()
    }
}

impl ser::SerializeStructVariant for Seq<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.field(key, value)
    }
    fn end(self) -> Result<(), Error> {
        self.close()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;
    use serde::Serialize;
    use serde_json::Value;

    use super::*;

    fn ours<T: Serialize + ?Sized>(v: &T) -> Vec<u8> {
        let mut out = Vec::new();
        to_vec(v, &mut out).expect("serializes");
        out
    }

    fn theirs<T: Serialize + ?Sized>(v: &T) -> Vec<u8> {
        serde_json::to_vec(v).expect("serializes")
    }

    /// A record shaped like the wire types: options, skipped fields, enums, maps, floats.
    #[derive(Serialize)]
    struct Shape<'a> {
        id: String,
        url: &'a str,
        origin: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        note: Option<&'a str>,
        status: Option<u16>,
        started: f64,
        sent: bool,
        values: Vec<&'a str>,
        counts: BTreeMap<&'a str, u64>,
        kind: Kind,
        unit: (),
        pair: (i64, char),
    }

    #[derive(Serialize)]
    #[serde(rename_all = "kebab-case")]
    enum Kind {
        NotCors,
        Wrapped(u32),
        Tuple(u8, u8),
        Fields { a: i8 },
    }

    #[test]
    fn every_byte_and_boundary_escapes_as_serde_json() {
        for b in 0u8..0x80 {
            let c = char::from(b);
            for pad in 0..17 {
                let s = format!("{}{c}{}", "a".repeat(pad), "é".repeat(pad % 3));
                assert_eq!(ours(&s), theirs(&s), "byte {b:#x} after {pad}");
            }
        }
        for s in [
            "",
            "\u{7f}",
            "\u{2028}\u{2029}",
            "\"\\\"\\",
            "😀\n😀",
            "\u{0}\u{1f}",
        ] {
            assert_eq!(ours(s), theirs(s), "{s:?}");
        }
    }

    #[test]
    fn shapes_serialize_as_serde_json() {
        let kinds = [
            Kind::NotCors,
            Kind::Wrapped(7),
            Kind::Tuple(1, 2),
            Kind::Fields { a: -3 },
        ];
        for (i, kind) in kinds.into_iter().enumerate() {
            let shape = Shape {
                id: format!("0:{i}"),
                url: "https://a.test/x?q=\"1\"\n",
                origin: (i % 2 == 0).then_some("https://b.test"),
                note: (i % 3 == 0).then_some("tab\there"),
                status: (i > 0).then_some(204),
                started: [1_715_682_067.005, f64::NAN, 0.1 + 0.2, -0.0][i],
                sent: i % 2 == 1,
                values: vec!["a", "b\\c", ""],
                counts: [("x-y", 3), ("\"k\"", 1)].into_iter().collect(),
                kind,
                unit: (),
                pair: (i64::MIN, '\u{1}'),
            };
            assert_eq!(ours(&shape), theirs(&shape));
        }
        let numeric_keys: BTreeMap<u32, bool> = [(1, true), (20, false)].into_iter().collect();
        assert_eq!(ours(&numeric_keys), theirs(&numeric_keys));
        let bad_keys: BTreeMap<Vec<u8>, u8> = [(vec![1], 1)].into_iter().collect();
        assert!(to_vec(&bad_keys, &mut Vec::new()).is_err());
        assert!(serde_json::to_vec(&bad_keys).is_err());
    }

    fn value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            any::<String>().prop_map(Value::String),
            "[ -~\\t\\n\"\\\\]{0,40}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 64, 8, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
                prop::collection::btree_map(any::<String>(), inner, 0..8)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn generated_documents_serialize_as_serde_json(v in value()) {
            prop_assert_eq!(ours(&v), theirs(&v));
        }

        #[test]
        fn generated_strings_escape_as_serde_json(s in any::<String>(), t in "[\\x00-\\x7f]{0,64}") {
            prop_assert_eq!(ours(&s), theirs(&s));
            prop_assert_eq!(ours(&t), theirs(&t));
        }
    }
}
