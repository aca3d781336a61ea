//! The elements of an array and the members of an object, handed to visitors with the same
//! checks serde_json makes between them: a `,` between elements, none trailing, keys that are
//! strings, a `:` after each key. Keys are read by [`Key`], which serves `deserialize_bytes`
//! with the key's bytes and everything serde_json serves as a string with the key as `&str`.

use serde::de::{DeserializeSeed, MapAccess, SeqAccess, Visitor};

use super::{declined, string, Decline, Deserializer};

/// The elements of an array whose `[` has been consumed.
pub(super) struct Seq<'a, 'de> {
    de: &'a mut Deserializer<'de>,
    first: bool,
}

impl<'a, 'de> Seq<'a, 'de> {
    pub(super) fn new(de: &'a mut Deserializer<'de>) -> Self {
        Self { de, first: true }
    }
}

impl<'de> SeqAccess<'de> for Seq<'_, 'de> {
    type Error = Decline;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Decline> {
        let next = self.de.peek()?;
        if next == b']' {
            return Ok(None);
        }
        if self.first {
            self.first = false;
        } else if next == b',' {
            self.de.pos += 1;
            if self.de.peek()? == b']' {
                return Err(Decline::Unsure);
            }
        } else {
            return Err(Decline::Unsure);
        }
        seed.deserialize(&mut *self.de).map(Some)
    }
}

/// The members of an object whose `{` has been consumed.
pub(super) struct Map<'a, 'de> {
    de: &'a mut Deserializer<'de>,
    first: bool,
}

impl<'a, 'de> Map<'a, 'de> {
    pub(super) fn new(de: &'a mut Deserializer<'de>) -> Self {
        Self { de, first: true }
    }
}

impl<'de> MapAccess<'de> for Map<'_, 'de> {
    type Error = Decline;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Decline> {
        let mut next = self.de.peek()?;
        if next == b'}' {
            return Ok(None);
        }
        if self.first {
            self.first = false;
        } else if next == b',' {
            self.de.pos += 1;
            next = self.de.peek()?;
        } else {
            return Err(Decline::Unsure);
        }
        if next != b'"' {
            return Err(Decline::Unsure);
        }
        let (key, end) = string::key(self.de.bytes, self.de.pos + 1)?;
        self.de.pos = end;
        seed.deserialize(Key(key)).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Decline> {
        if self.de.peek()? != b':' {
            return Err(Decline::Unsure);
        }
        self.de.pos += 1;
        seed.deserialize(&mut *self.de)
    }
}

/// An object key, already read: plain ASCII.
struct Key<'de>(&'de [u8]);

impl<'de> Key<'de> {
    fn text(&self) -> Result<&'de str, Decline> {
        std::str::from_utf8(self.0).map_err(|_| Decline::Unsure)
    }
}

impl<'de> serde::Deserializer<'de> for Key<'de> {
    type Error = Decline;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Decline> {
        visitor.visit_borrowed_str(self.text()?)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Decline> {
        visitor.visit_borrowed_bytes(self.0)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Decline> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Decline> {
        self.deserialize_any(visitor)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Decline> {
        self.deserialize_any(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Decline> {
        self.deserialize_any(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Decline> {
        self.deserialize_any(visitor)
    }

    declined! {
        deserialize_bool(); deserialize_i8(); deserialize_i16(); deserialize_i32();
        deserialize_i64(); deserialize_u8(); deserialize_u16(); deserialize_u32();
        deserialize_u64(); deserialize_f32(); deserialize_f64(); deserialize_char();
        deserialize_option(); deserialize_unit(); deserialize_unit_struct(n: &'static str);
        deserialize_newtype_struct(n: &'static str); deserialize_seq();
        deserialize_tuple(l: usize); deserialize_tuple_struct(n: &'static str, l: usize);
        deserialize_map(); deserialize_struct(n: &'static str, f: &'static [&'static str]);
        deserialize_enum(n: &'static str, v: &'static [&'static str]);
    }
}
