//! FHIR R4 (4.0.1) JSON for Meridian: typed models of the resources Meridian works with, read
//! and written without losing anything.
//!
//! - **Lossless.** Every modelled element keeps what the model does not name (unknown
//!   elements, primitive extensions such as `_birthDate`, `modifierExtension`s inside
//!   datatypes) in an `extra` map of exact JSON text, and writes it back. Decimals keep their
//!   written precision (`1.50` stays `1.50`, see [`Decimal`]). Resources of other types are kept
//!   whole as [`Resource::Other`], so a Bundle round-trips whatever it holds.
//! - **Checked primitives.** `date`, `dateTime`, `instant`, `id` and `code` are validated on read
//!   ([`FhirDate`], [`FhirDateTime`], [`FhirInstant`], [`Id`], [`Code`]); each keeps its text.
//! - **Data-free errors.** A [`FhirError`] names the kind, the JSON path
//!   (`Observation.component[1].valueQuantity.value`), line and column, never the offending
//!   value: serde_json's messages quote input and are reduced to categories.
//!
//! It refuses to know about IO, clocks, the environment, storage or HTTP: bytes in, typed values
//! out, and back. It does not validate profiles, cardinalities or terminology bindings.
//!
//! ```
//! use meridian_fhir::{parse, parse_resource, to_json_vec, Observation, Resource};
//!
//! let json = br#"{"resourceType":"Observation","status":"final",
//!   "code":{"coding":[{"system":"http://loinc.org","code":"29463-7"}]},
//!   "subject":{"reference":"Patient/p1"},
//!   "valueQuantity":{"value":72.50,"unit":"kg"}}"#;
//! let obs: Observation = parse(json)?;
//! assert_eq!(obs.loinc_code(), Some("29463-7"));
//! assert_eq!(obs.subject_patient_id(), Some("p1"));
//!
//! let any = parse_resource(json)?;
//! assert_eq!(any.resource_type(), "Observation");
//! let out = String::from_utf8(to_json_vec(&any)?).unwrap_or_default();
//! assert!(out.contains(r#""value":72.50"#));
//! # Ok::<(), meridian_fhir::FhirError>(())
//! ```

#[macro_use]
mod model;

mod datatypes;
mod error;
mod json;
mod primitives;
mod resources;

pub use datatypes::*;
pub use error::{FhirError, FhirErrorKind};
pub use json::{Decimal, RawJson};
pub use model::Extra;
pub use primitives::{Code, FhirDate, FhirDateTime, FhirInstant, Id};
pub use resources::*;

use serde::Serialize;
use serde::de::{DeserializeOwned, MapAccess, Visitor};

/// Default input limit: 32 MiB, well above any single clinical resource, below what a hostile
/// peer could use to exhaust memory.
pub const DEFAULT_MAX_BYTES: usize = 32 * 1024 * 1024;

/// Options for reading.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadOptions {
    /// Inputs longer than this many bytes are refused with [`FhirErrorKind::TooLarge`].
    pub max_bytes: usize,
}

impl Default for ReadOptions {
    fn default() -> Self {
        Self {
            max_bytes: DEFAULT_MAX_BYTES,
        }
    }
}

/// Reads any resource, dispatching on `resourceType`, with default options.
pub fn parse_resource(bytes: &[u8]) -> Result<Resource, FhirError> {
    parse_resource_with(bytes, &ReadOptions::default())
}

/// Reads any resource, dispatching on `resourceType`.
pub fn parse_resource_with(bytes: &[u8], options: &ReadOptions) -> Result<Resource, FhirError> {
    let bytes = admit(bytes, options)?;
    read(bytes).map_err(|e| FhirError::from_json(&e, peek_resource_type(bytes).as_deref()))
}

/// Reads a resource of type `T`; another `resourceType` is [`FhirErrorKind::WrongResourceType`].
pub fn parse<T: FhirResource>(bytes: &[u8]) -> Result<T, FhirError> {
    parse_with(bytes, &ReadOptions::default())
}

/// Reads a resource of type `T` with the given options.
pub fn parse_with<T: FhirResource>(bytes: &[u8], options: &ReadOptions) -> Result<T, FhirError> {
    let bytes = admit(bytes, options)?;
    read(bytes).map_err(|e| FhirError::from_json(&e, Some(T::RESOURCE_TYPE)))
}

/// Writes a resource (or any modelled element) as compact JSON.
pub fn to_json_vec<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, FhirError> {
    serde_json::to_vec(value).map_err(|_| FhirError::new(FhirErrorKind::Serialize))
}

/// Applies the size limit and skips a UTF-8 byte order mark.
fn admit<'a>(bytes: &'a [u8], options: &ReadOptions) -> Result<&'a [u8], FhirError> {
    if bytes.len() > options.max_bytes {
        return Err(FhirError::new(FhirErrorKind::TooLarge {
            limit: options.max_bytes,
            actual: bytes.len(),
        }));
    }
    Ok(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
}

fn read<T: DeserializeOwned>(
    bytes: &[u8],
) -> Result<T, serde_path_to_error::Error<serde_json::Error>> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de)?;
    de.end().map_err(|e| {
        serde_path_to_error::Error::new(serde_path_to_error::Track::new().path(), e)
    })?;
    Ok(value)
}

/// The top-level `resourceType`, read leniently (it works on truncated input) so that an error's
/// path can be rooted at the type name. Runs only after a failure.
fn peek_resource_type(bytes: &[u8]) -> Option<String> {
    struct Peek<'a>(&'a mut Option<String>);
    impl<'de> Visitor<'de> for Peek<'_> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            while let Some(key) = map.next_key::<json::Key<'de>>()? {
                if key.as_str() == "resourceType" {
                    *self.0 = Some(error::type_name(&map.next_value::<String>()?));
                    return Ok(());
                }
                map.next_value::<serde::de::IgnoredAny>()?;
            }
            Ok(())
        }
    }
    let mut found = None;
    let mut de = serde_json::Deserializer::from_slice(bytes);
    // The result is irrelevant: returning early leaves the object unfinished, which serde_json
    // reports as an error, but `found` is already set.
    let _ = serde::Deserializer::deserialize_map(&mut de, Peek(&mut found));
    found
}
