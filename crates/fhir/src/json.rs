//! Exact-text JSON pieces: [`RawJson`] for elements the model does not type, [`Decimal`] for FHIR
//! decimals, plus the crate-private map-key and buffering helpers used by the readers.
//!
//! Both public types hold a `serde_json::value::RawValue`, so the JSON text written back is the
//! text that was read (`1.50` stays `1.50`). This needs only serde_json's additive `raw_value`
//! feature, not the global `arbitrary_precision` one.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::value::RawValue;

use crate::error::{FhirError, FhirErrorKind, Tag};

/// A JSON value kept as its exact (whitespace-stripped) text: unknown elements, primitive
/// extensions such as `_birthDate`, untyped datatypes (Timing, Dosage, SampledData, ...).
#[derive(Clone)]
pub struct RawJson(Box<RawValue>);

impl RawJson {
    /// Parses JSON text, keeping numbers and escapes exactly as written.
    pub fn from_json(text: &str) -> Result<Self, FhirError> {
        let raw = RawValue::from_string(minify(text).into_owned()).map_err(|_| {
            FhirError::new(FhirErrorKind::Syntax {
                reason: "not a JSON value".into(),
            })
        })?;
        Ok(Self(raw))
    }

    /// Builds one from a `serde_json::Value` (whose numbers have already lost their text).
    pub fn from_value(value: &serde_json::Value) -> Self {
        // Proven invariant: a `Value` has string keys and finite numbers, so writing it as JSON
        // text cannot fail.
        #[allow(clippy::expect_used)]
        Self(serde_json::value::to_raw_value(value).expect("a serde_json::Value always serialises"))
    }

    /// Writes any serialisable value (a modelled element, say) as JSON text.
    pub fn from_serialize<T: Serialize + ?Sized>(value: &T) -> Result<Self, FhirError> {
        serde_json::value::to_raw_value(value)
            .map(Self)
            .map_err(|_| FhirError::new(FhirErrorKind::Serialize))
    }

    /// The JSON text.
    pub fn get(&self) -> &str {
        self.0.get()
    }

    /// The value as a `serde_json::Value`. Decimal text such as `1.50` becomes an `f64` there.
    pub fn to_value(&self) -> Result<serde_json::Value, FhirError> {
        serde_json::from_str(self.get()).map_err(|_| {
            FhirError::new(FhirErrorKind::Syntax {
                reason: "not a JSON value".into(),
            })
        })
    }

    /// The value as a string, when it is a JSON string.
    pub fn as_string(&self) -> Option<String> {
        serde_json::from_str(self.get()).ok()
    }

    fn from_raw(raw: Box<RawValue>) -> Self {
        match minify(raw.get()) {
            Cow::Borrowed(_) => Self(raw),
            // Removing whitespace outside strings keeps a valid JSON text valid.
            Cow::Owned(text) => RawValue::from_string(text).map(Self).unwrap_or(Self(raw)),
        }
    }
}

impl fmt::Debug for RawJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RawJson({})", self.get())
    }
}

impl PartialEq for RawJson {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

impl Serialize for RawJson {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> Deserialize<'de> for RawJson {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Box::<RawValue>::deserialize(d).map(Self::from_raw)
    }
}

/// Drops JSON whitespace outside strings, so pretty-printed input does not leak its layout into
/// compact output. Borrows when there is nothing to drop.
fn minify(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let (mut in_string, mut escaped) = (false, false);
    let needs = bytes.iter().any(|b| {
        let ws = !in_string && matches!(b, b' ' | b'\n' | b'\r' | b'\t');
        step(&mut in_string, &mut escaped, *b);
        ws
    });
    if !needs {
        return Cow::Borrowed(text);
    }
    let (mut in_string, mut escaped) = (false, false);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let keep = in_string || !matches!(c, ' ' | '\n' | '\r' | '\t');
        if c.is_ascii() {
            step(&mut in_string, &mut escaped, c as u8);
        } else {
            escaped = false;
        }
        if keep {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn step(in_string: &mut bool, escaped: &mut bool, b: u8) {
    if *in_string {
        if *escaped {
            *escaped = false;
        } else if b == b'\\' {
            *escaped = true;
        } else if b == b'"' {
            *in_string = false;
        }
    } else if b == b'"' {
        *in_string = true;
    }
}

/// A FHIR `decimal`, kept as its JSON number text so that precision (`1.50`) survives.
#[derive(Clone)]
pub struct Decimal(Box<RawValue>);

impl Decimal {
    /// The number exactly as written, e.g. `"1.50"`.
    pub fn as_str(&self) -> &str {
        self.0.get()
    }

    /// The value as an `f64` (precision beyond `f64` is lost here, not in the stored text).
    pub fn to_f64(&self) -> f64 {
        self.as_str().parse().unwrap_or(f64::NAN)
    }

    /// A decimal from a finite `f64`, written in Rust's shortest round-trip form.
    pub fn from_f64(value: f64) -> Option<Self> {
        if !value.is_finite() {
            return None;
        }
        let text = if value.fract() == 0.0 && value.abs() < 1e15 {
            format!("{value:.0}")
        } else {
            format!("{value}")
        };
        text.parse().ok()
    }
}

impl From<i64> for Decimal {
    fn from(value: i64) -> Self {
        // Proven invariant: an integer's decimal text is always a valid JSON number.
        #[allow(clippy::expect_used)]
        Self(RawValue::from_string(value.to_string()).expect("integer text is JSON"))
    }
}

impl FromStr for Decimal {
    type Err = FhirError;

    /// Accepts JSON number syntax only (`-1.50`, `2e3`), keeping the text.
    fn from_str(s: &str) -> Result<Self, FhirError> {
        let bad = || {
            FhirError::new(FhirErrorKind::InvalidPrimitive {
                primitive: "decimal",
            })
        };
        if !is_json_number(s) {
            return Err(bad());
        }
        RawValue::from_string(s.to_owned())
            .map(Self)
            .map_err(|_| bad())
    }
}

impl fmt::Debug for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Decimal({})", self.as_str())
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Equality is on the text: `1.5` and `1.50` differ in FHIR (they state different precision).
impl PartialEq for Decimal {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Serialize for Decimal {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Decimal {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = Box::<RawValue>::deserialize(d)?;
        if is_json_number(raw.get()) {
            Ok(Self(raw))
        } else {
            Err(Tag::Expected {
                expected: "a decimal number",
                found: json_kind(raw.get()),
            }
            .into_de())
        }
    }
}

/// The JSON type of a value's text, named without showing the value.
pub(crate) fn json_kind(text: &str) -> &'static str {
    match text.as_bytes().first() {
        Some(b'"') => "a string",
        Some(b'{') => "an object",
        Some(b'[') => "an array",
        Some(b't' | b'f') => "a boolean",
        Some(b'n') => "null",
        _ => "a number",
    }
}

fn is_json_number(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'-'));
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    let int_start = i;
    let n = digits(&mut i);
    if n == 0 || (n > 1 && b[int_start] == b'0') {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// A map key that borrows from the input when it can (no allocation for unescaped keys).
pub(crate) struct Key<'de>(Cow<'de, str>);

impl Key<'_> {
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// Object entries already read as raw text, replayed as a `MapAccess`. Used only when a resource
/// does not start with `resourceType`, which FHIR servers rarely produce.
pub(crate) struct BufferedMap<'a, E> {
    entries: std::slice::Iter<'a, (String, RawJson)>,
    value: Option<&'a RawJson>,
    _error: std::marker::PhantomData<E>,
}

impl<'a, E> BufferedMap<'a, E> {
    pub(crate) fn new(entries: &'a [(String, RawJson)]) -> Self {
        Self {
            entries: entries.iter(),
            value: None,
            _error: std::marker::PhantomData,
        }
    }
}

impl<'a, E: de::Error> MapAccess<'a> for BufferedMap<'a, E> {
    type Error = E;

    fn next_key_seed<K: DeserializeSeed<'a>>(&mut self, seed: K) -> Result<Option<K::Value>, E> {
        match self.entries.next() {
            Some((key, value)) => {
                self.value = Some(value);
                seed.deserialize(de::value::BorrowedStrDeserializer::new(key))
                    .map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'a>>(&mut self, seed: V) -> Result<V::Value, E> {
        let value = self
            .value
            .take()
            .ok_or_else(|| Tag::Internal.into_de::<E>())?;
        // The inner error's text is classified (and its data dropped) by `error::classify`.
        let mut de = serde_json::Deserializer::from_str(value.get());
        seed.deserialize(&mut de).map_err(E::custom)
    }
}
