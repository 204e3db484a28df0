//! Modelled resources, the [`Resource`] enum over them, and [`OtherResource`] for the rest.

mod administrative;
mod bundle;
mod clinical;
mod documents;
mod orders;
mod security;

pub use administrative::*;
pub use bundle::*;
pub use clinical::*;
pub use documents::*;
pub use orders::*;
pub use security::*;

use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::datatypes::Meta;
use crate::error::{FhirError, FhirErrorKind, Tag};
use crate::json::{BufferedMap, Key, RawJson};
use crate::model::ReadFields;
use crate::primitives::{FhirInstant, Id};

/// A modelled resource type: known `resourceType`, serde in both directions.
pub trait FhirResource: Serialize + serde::de::DeserializeOwned {
    /// The `resourceType` value, e.g. `"Patient"`.
    const RESOURCE_TYPE: &'static str;
    /// The logical id, if any.
    fn id(&self) -> Option<&str>;
}

/// A resource of a type this crate does not model, kept whole as exact JSON text.
#[derive(Clone, Debug, PartialEq)]
pub struct OtherResource {
    resource_type: String,
    id: Option<String>,
    json: RawJson,
}

impl OtherResource {
    /// The `resourceType`, e.g. `"MedicationRequest"`.
    pub fn resource_type(&self) -> &str {
        &self.resource_type
    }

    /// The `id` element, when it is a string.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// The whole resource as JSON text (with `resourceType` first).
    pub fn json(&self) -> &RawJson {
        &self.json
    }

    /// The top-level entries other than `resourceType`, in order.
    fn entries(&self) -> Result<Vec<(String, RawJson)>, FhirError> {
        struct Entries;
        impl<'de> Visitor<'de> for Entries {
            type Value = Vec<(String, RawJson)>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    let value = map.next_value::<RawJson>()?;
                    if key != "resourceType" {
                        out.push((key, value));
                    }
                }
                Ok(out)
            }
        }
        let mut de = serde_json::Deserializer::from_str(self.json.get());
        de.deserialize_map(Entries)
            .map_err(|e| FhirError::new(crate::error::classify(&e)))
    }

    /// The top-level element `key`, if present.
    pub fn get(&self, key: &str) -> Result<Option<RawJson>, FhirError> {
        Ok(self
            .entries()?
            .into_iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v))
    }

    /// Sets (or adds) the top-level element `key`; `resourceType` cannot be changed.
    pub fn set(&mut self, key: &str, value: RawJson) -> Result<(), FhirError> {
        if key == "resourceType" {
            return Err(FhirError::new(FhirErrorKind::InvalidElement {
                reason: "resourceType of a resource cannot be changed".into(),
            }));
        }
        let mut entries = self.entries()?;
        match entries.iter_mut().find(|(k, _)| k == key) {
            Some((_, slot)) => *slot = value,
            None => entries.push((key.to_owned(), value)),
        }
        *self = Self::from_entries::<serde_json::Error>(&self.resource_type, &entries)
            .map_err(|_| FhirError::new(FhirErrorKind::Serialize))?;
        Ok(())
    }

    /// Builds one from the entries after `resourceType`.
    fn read_rest<'de, A: MapAccess<'de>>(
        resource_type: &str,
        map: &mut A,
    ) -> Result<Self, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Key<'de>>()? {
            entries.push((key.as_str().to_owned(), map.next_value::<RawJson>()?));
        }
        Self::from_entries(resource_type, &entries)
    }

    fn from_entries<E: de::Error>(
        resource_type: &str,
        entries: &[(String, RawJson)],
    ) -> Result<Self, E> {
        let internal = |_| Tag::Internal.into_de::<E>();
        let mut text = String::from("{\"resourceType\":");
        text.push_str(&serde_json::to_string(resource_type).map_err(internal)?);
        let mut id = None;
        for (key, value) in entries {
            if key == "resourceType" {
                continue;
            }
            if key == "id" {
                id = value.as_string();
            }
            text.push(',');
            text.push_str(&serde_json::to_string(key).map_err(internal)?);
            text.push(':');
            text.push_str(value.get());
        }
        text.push('}');
        let json = RawJson::from_json(&text).map_err(|_| Tag::Internal.into_de::<E>())?;
        Ok(Self {
            resource_type: resource_type.to_owned(),
            id,
            json,
        })
    }
}

macro_rules! resource_enum {
    ($( $name:ident ),* $(,)?) => {
        /// Any FHIR resource: a modelled type, or [`Resource::Other`] for the rest. Read by
        /// `resourceType`; written back with the same elements.
        #[derive(Clone, Debug, PartialEq)]
        pub enum Resource {
            $( #[doc = concat!("A ", stringify!($name), ".")] $name(Box<$name>), )*
            /// A resource type not modelled here, kept as JSON text.
            Other(OtherResource),
        }

        impl Resource {
            /// The `resourceType`, e.g. `"Observation"`.
            pub fn resource_type(&self) -> &str {
                match self {
                    $( Self::$name(_) => <$name as FhirResource>::RESOURCE_TYPE, )*
                    Self::Other(r) => r.resource_type(),
                }
            }

            /// The logical id, if any.
            pub fn id(&self) -> Option<&str> {
                match self {
                    $( Self::$name(r) => FhirResource::id(r.as_ref()), )*
                    Self::Other(r) => r.id(),
                }
            }

            /// `id` and `meta` of a modelled resource.
            fn id_and_meta_mut(&mut self) -> Option<(&mut Option<Id>, &mut Option<Meta>)> {
                match self {
                    $( Self::$name(r) => Some((&mut r.id, &mut r.meta)), )*
                    Self::Other(_) => None,
                }
            }

            /// Reads the rest of a resource object whose `resourceType` was already consumed.
            fn read_typed<'de, A: MapAccess<'de>>(resource_type: &str, map: &mut A) -> Result<Self, A::Error> {
                Ok(match resource_type {
                    $( stringify!($name) => Self::$name(read_boxed(map)?), )*
                    other => Self::Other(OtherResource::read_rest(other, map)?),
                })
            }
        }

        impl Serialize for Resource {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                match self {
                    $( Self::$name(r) => r.serialize(s), )*
                    Self::Other(r) => r.json.serialize(s),
                }
            }
        }

        $(
            impl From<$name> for Resource {
                fn from(r: $name) -> Self {
                    Self::$name(Box::new(r))
                }
            }
        )*
    };
}

/// Reads one resource into a box in its own stack frame: inlined into `read_typed`'s match, the
/// temporaries of all eighteen types would share one frame of tens of kilobytes per nesting level.
#[inline(never)]
fn read_boxed<'de, T: ReadFields, A: MapAccess<'de>>(map: &mut A) -> Result<Box<T>, A::Error> {
    T::read_fields(map, true).map(Box::new)
}

resource_enum!(
    Patient,
    Practitioner,
    Organization,
    Encounter,
    Condition,
    AllergyIntolerance,
    MedicationStatement,
    Observation,
    DiagnosticReport,
    ServiceRequest,
    MedicationRequest,
    ChargeItem,
    DocumentReference,
    Composition,
    Provenance,
    AuditEvent,
    Bundle,
    OperationOutcome,
);

impl<'de> Deserialize<'de> for Resource {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(ResourceVisitor)
    }
}

struct ResourceVisitor;

impl<'de> Visitor<'de> for ResourceVisitor {
    type Value = Resource;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a FHIR resource object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Resource, A::Error> {
        let Some(first) = map.next_key::<Key<'de>>()? else {
            return Err(Tag::MissingResourceType.into_de());
        };
        if first.as_str() == "resourceType" {
            // Fast path: servers and the specification's examples put resourceType first, so
            // the typed reader can continue on the same stream.
            let rt = map.next_value::<Key<'de>>()?;
            return Resource::read_typed(rt.as_str(), &mut map);
        }
        // Slow path: buffer the entries as raw text until the type is known, then replay them.
        // Replaying starts a fresh parser with a fresh recursion limit; `model::Depth` bounds
        // the nesting of typed elements across replays.
        let mut entries = vec![(first.as_str().to_owned(), map.next_value::<RawJson>()?)];
        while let Some(key) = map.next_key::<Key<'de>>()? {
            entries.push((key.as_str().to_owned(), map.next_value::<RawJson>()?));
        }
        let rt = entries
            .iter()
            .find(|(k, _)| k == "resourceType")
            .and_then(|(_, v)| v.as_string())
            .ok_or_else(|| Tag::MissingResourceType.into_de::<A::Error>())?;
        let rest: Vec<_> = entries
            .into_iter()
            .filter(|(k, _)| k != "resourceType")
            .collect();
        Resource::read_typed(&rt, &mut BufferedMap::<A::Error>::new(&rest))
    }
}

impl Resource {
    /// Sets the logical id, checked as a FHIR `id`.
    pub fn set_id(&mut self, id: &str) -> Result<(), FhirError> {
        let id = Id::parse(id)?;
        if let Resource::Other(o) = self {
            return o.set(
                "id",
                RawJson::from_value(&serde_json::Value::String(id.as_str().to_owned())),
            );
        }
        if let Some((slot, _)) = self.id_and_meta_mut() {
            *slot = Some(id);
        }
        Ok(())
    }

    /// Sets `meta.versionId` and `meta.lastUpdated` (a FHIR `instant`), as a server does on
    /// each write; other `meta` elements are kept.
    pub fn stamp(&mut self, version_id: &str, last_updated: &str) -> Result<(), FhirError> {
        let version_id = Id::parse(version_id)?;
        let last_updated = FhirInstant::parse(last_updated)?;
        if let Resource::Other(o) = self {
            let mut meta: Meta = match o.get("meta")? {
                Some(raw) => serde_json::from_str(raw.get())
                    .map_err(|e| FhirError::new(crate::error::classify(&e)))?,
                None => Meta::default(),
            };
            meta.version_id = Some(version_id);
            meta.last_updated = Some(last_updated);
            return o.set("meta", RawJson::from_serialize(&meta)?);
        }
        if let Some((_, meta)) = self.id_and_meta_mut() {
            let meta = meta.get_or_insert_with(Meta::default);
            meta.version_id = Some(version_id);
            meta.last_updated = Some(last_updated);
        }
        Ok(())
    }

    /// Wraps an unmodelled resource given as a JSON object (must contain `resourceType`).
    /// Numbers pass through `serde_json::Value` here, so decimal text is as `Value` keeps it.
    pub fn other_from_value(value: &serde_json::Value) -> Option<Self> {
        let obj = value.as_object()?;
        let rt = obj.get("resourceType")?.as_str()?;
        let entries: Vec<_> = obj
            .iter()
            .map(|(k, v)| (k.clone(), RawJson::from_value(v)))
            .collect();
        OtherResource::from_entries::<serde_json::Error>(rt, &entries)
            .ok()
            .map(Resource::Other)
    }
}
