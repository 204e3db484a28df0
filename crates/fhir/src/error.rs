//! [`FhirError`]: what went wrong, where (JSON path, line, column), and never the value itself.
//!
//! serde_json's messages quote the offending input (`invalid type: string "John Smith"`), which
//! would put patient data into logs. [`classify`] keeps only the category of such a message (the
//! JSON type found, the type expected) and drops every quoted value. Errors raised by this crate's
//! own readers travel through serde as tagged messages and are decoded back into kinds here.

use std::fmt;

use serde::de;

/// Why reading or writing FHIR JSON failed. Carries no patient data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FhirErrorKind {
    /// The input is bigger than the configured limit; it was not parsed at all.
    #[error(
        "input is {actual} bytes, over the limit of {limit} bytes (raise `ReadOptions::max_bytes` only for trusted sources)"
    )]
    TooLarge { limit: usize, actual: usize },
    /// The bytes are not well-formed JSON (truncated, stray character, bad escape, ...).
    #[error("malformed JSON: {reason} (check that the payload was not cut short)")]
    Syntax { reason: String },
    /// A resource object without a `resourceType` element.
    #[error("missing `resourceType` (every FHIR resource object must name its type)")]
    MissingResourceType,
    /// The resource is of another type than the one asked for.
    #[error(
        "expected a {expected} resource, found {found} (use `parse_resource` to accept any type)"
    )]
    WrongResourceType { expected: String, found: String },
    /// An element has the wrong JSON type or an impossible value; `reason` names types only.
    #[error("invalid element: {reason} (check the element's FHIR datatype)")]
    InvalidElement { reason: String },
    /// A FHIR primitive (`date`, `dateTime`, `instant`, `id`, `code`, `decimal`) is malformed.
    #[error("invalid FHIR {primitive}: {}", primitive_hint(primitive))]
    InvalidPrimitive { primitive: &'static str },
    /// The same element (or two forms of one choice element, `valueQuantity` and
    /// `valueString`) occurs twice in one object.
    #[error(
        "element given more than once (FHIR allows each element, and one form of a choice element, once per object)"
    )]
    DuplicateElement,
    /// Writing JSON failed; a bug in a hand-built value rather than in input.
    #[error("could not write JSON (a hand-built value is not serialisable)")]
    Serialize,
}

fn primitive_hint(primitive: &str) -> &'static str {
    match primitive {
        "date" => "expected YYYY, YYYY-MM or YYYY-MM-DD naming a real calendar day",
        "dateTime" => {
            "expected a date, or YYYY-MM-DDThh:mm:ss with a time zone (Z or +hh:mm), naming a real calendar day"
        }
        "instant" => "expected YYYY-MM-DDThh:mm:ss[.fff] with a time zone (Z or +hh:mm)",
        "id" => "expected 1 to 64 characters from A-Z, a-z, 0-9, '-' and '.'",
        "code" => "expected non-empty text without leading, trailing or repeated whitespace",
        "decimal" => "expected a JSON number such as 1.50",
        _ => "malformed value",
    }
}

/// An error reading or writing FHIR JSON: a [`FhirErrorKind`], the JSON path of the element
/// (`Observation.component[1].valueQuantity.value`) and the line and column of the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {kind}", Location(self))]
pub struct FhirError {
    kind: FhirErrorKind,
    path: String,
    line: usize,
    column: usize,
}

struct Location<'a>(&'a FhirError);

impl fmt::Display for Location<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = self.0;
        f.write_str(if e.path.is_empty() { "fhir" } else { &e.path })?;
        if e.line > 0 {
            write!(f, " (line {}, column {})", e.line, e.column)?;
        }
        Ok(())
    }
}

impl FhirError {
    pub(crate) fn new(kind: FhirErrorKind) -> Self {
        Self {
            kind,
            path: String::new(),
            line: 0,
            column: 0,
        }
    }

    /// What went wrong.
    pub fn kind(&self) -> &FhirErrorKind {
        &self.kind
    }

    /// JSON path of the element at fault, rooted at the resource type; empty when unknown.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// 1-based line of the input where reading stopped, if known.
    pub fn line(&self) -> Option<usize> {
        (self.line > 0).then_some(self.line)
    }

    /// 1-based column of the input where reading stopped, if known.
    pub fn column(&self) -> Option<usize> {
        (self.line > 0).then_some(self.column)
    }

    /// Converts a path-tracked serde_json error. `root` names the resource type, if known.
    pub(crate) fn from_json(
        err: &serde_path_to_error::Error<serde_json::Error>,
        root: Option<&str>,
    ) -> Self {
        let inner = err.inner();
        let mut path = String::from(root.unwrap_or("Resource"));
        for segment in err.path().iter() {
            use serde_path_to_error::Segment;
            match segment {
                Segment::Seq { index } => path.push_str(&format!("[{index}]")),
                Segment::Map { key } => {
                    path.push('.');
                    path.push_str(if is_element_name(key) { key } else { "?" });
                }
                Segment::Enum { variant } => {
                    path.push('.');
                    path.push_str(variant);
                }
                Segment::Unknown => path.push_str(".?"),
            }
        }
        Self {
            kind: classify(inner),
            path,
            line: inner.line(),
            column: inner.column(),
        }
    }
}

/// Whether a JSON key looks like a FHIR element name (`birthDate`, `_birthDate`). Anything else
/// is shown as `?` in paths, in case a malformed payload carries data in its keys.
fn is_element_name(key: &str) -> bool {
    let name = key.strip_prefix('_').unwrap_or(key);
    name.len() <= 64
        && name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric())
}

/// Errors this crate raises inside serde, carried as tagged messages and decoded by [`classify`].
pub(crate) enum Tag {
    Duplicate,
    ChoiceConflict,
    MissingResourceType,
    TooDeep,
    WrongResourceType {
        expected: &'static str,
        found: String,
    },
    Primitive(&'static str),
    Expected {
        expected: &'static str,
        found: &'static str,
    },
    Internal,
}

const MARK: &str = "\u{1f}fhir\u{1f}";
const PRIMITIVES: [&str; 6] = ["date", "dateTime", "instant", "id", "code", "decimal"];

impl Tag {
    pub(crate) fn into_de<E: de::Error>(self) -> E {
        let body = match self {
            Tag::Duplicate => "dup".to_owned(),
            Tag::ChoiceConflict => "choice".to_owned(),
            Tag::MissingResourceType => "nort".to_owned(),
            Tag::TooDeep => "deep".to_owned(),
            Tag::WrongResourceType { expected, found } => {
                format!("rt\u{1f}{expected}\u{1f}{}", type_name(&found))
            }
            Tag::Primitive(p) => format!("prim\u{1f}{p}"),
            Tag::Expected { expected, found } => format!("exp\u{1f}{expected}\u{1f}{found}"),
            Tag::Internal => "internal".to_owned(),
        };
        E::custom(format!("{MARK}{body}"))
    }
}

/// A resource type name as found in input, or a placeholder when it is not a plausible name (so
/// that no free text from the input reaches an error message).
pub(crate) fn type_name(found: &str) -> String {
    let plausible =
        !found.is_empty() && found.len() <= 64 && found.bytes().all(|b| b.is_ascii_alphanumeric());
    if plausible {
        found.to_owned()
    } else {
        "an unrecognised type name".to_owned()
    }
}

/// Maps a serde_json error to a kind without keeping any quoted input.
pub(crate) fn classify(err: &serde_json::Error) -> FhirErrorKind {
    let text = err.to_string();
    let msg = strip_positions(&text);
    match err.classify() {
        serde_json::error::Category::Data => classify_data(msg),
        // serde_json's syntax messages are fixed texts ("EOF while parsing an object").
        _ => FhirErrorKind::Syntax {
            reason: msg.to_owned(),
        },
    }
}

/// Removes trailing " at line N column M" suffixes (nested readers can add two).
fn strip_positions(mut msg: &str) -> &str {
    while let Some(at) = msg.rfind(" at line ") {
        let tail = &msg[at + " at line ".len()..];
        let mut parts = tail.splitn(3, ' ');
        let ok = matches!((parts.next(), parts.next(), parts.next()), (Some(l), Some("column"), Some(c))
            if l.bytes().all(|b| b.is_ascii_digit()) && c.bytes().all(|b| b.is_ascii_digit()));
        if !ok {
            break;
        }
        msg = &msg[..at];
    }
    msg
}

fn classify_data(msg: &str) -> FhirErrorKind {
    let invalid = |reason: String| FhirErrorKind::InvalidElement { reason };
    // The expected part comes after the last ", expected ": it is written by code, whereas
    // anything before it may quote input.
    let expected = msg
        .rfind(", expected ")
        .map(|i| friendly(&msg[i + ", expected ".len()..]));
    if let Some(body) = msg.strip_prefix(MARK) {
        let mut parts = body.split('\u{1f}');
        return match (parts.next(), parts.next(), parts.next()) {
            (Some("dup"), ..) => FhirErrorKind::DuplicateElement,
            (Some("choice"), ..) => {
                invalid("more than one form of a choice element (value[x]) is present".into())
            }
            (Some("nort"), ..) => FhirErrorKind::MissingResourceType,
            (Some("deep"), ..) => invalid("elements nested too deeply".into()),
            (Some("rt"), Some(e), Some(f)) => FhirErrorKind::WrongResourceType {
                expected: e.into(),
                found: f.into(),
            },
            (Some("prim"), Some(p), _) => match PRIMITIVES.iter().find(|k| **k == p) {
                Some(k) => FhirErrorKind::InvalidPrimitive { primitive: k },
                None => invalid("malformed primitive value".into()),
            },
            (Some("exp"), Some(e), Some(f)) => invalid(format!("expected {e}, found {f}")),
            _ => invalid("internal reader error".into()),
        };
    }
    let expected = expected.unwrap_or_else(|| "another value".into());
    if let Some(rest) = msg.strip_prefix("invalid type: ") {
        let found = [
            ("string", "a string"),
            ("integer", "an integer"),
            ("floating point", "a decimal number"),
            ("boolean", "a boolean"),
            ("map", "an object"),
            ("sequence", "an array"),
            ("null", "null"),
            ("unit", "null"),
        ]
        .iter()
        .find(|(p, _)| rest.starts_with(p))
        .map_or("another JSON type", |(_, name)| name);
        return invalid(format!("expected {expected}, found {found}"));
    }
    if msg.starts_with("invalid value: ") {
        return invalid(format!("value out of range, expected {expected}"));
    }
    if msg.starts_with("invalid length ") {
        return invalid(format!("wrong number of items, expected {expected}"));
    }
    if let Some(rest) = msg.strip_prefix("missing field `") {
        // Field names come from this crate's code, not from input.
        let field = rest.split('`').next().unwrap_or_default();
        return invalid(format!("missing required element `{field}`"));
    }
    if msg.starts_with("duplicate field") {
        return FhirErrorKind::DuplicateElement;
    }
    invalid("unreadable content".into())
}

/// Rust type names in serde's messages, in FHIR terms.
fn friendly(expected: &str) -> String {
    match expected {
        "i32" | "i64" => "an integer".into(),
        "u32" | "u64" => "a non-negative integer".into(),
        "f64" => "a decimal number".into(),
        "a borrowed string" => "a string".into(),
        other => other.into(),
    }
}
