//! [`MappingError`]: a located, data-free mapping failure that becomes one ERR segment.

use meridian_hl7v2::{ErrorDetail, Hl7ErrorCode, Location, Severity};

/// HL7 table 0357 codes this crate reports, as `u16` for [`MappingError::code`].
pub mod code {
    /// 100: segment sequence error (a required segment is missing or out of place).
    pub const SEGMENT_SEQUENCE: u16 = 100;
    /// 101: required field missing.
    pub const REQUIRED_FIELD_MISSING: u16 = 101;
    /// 102: data type error (a value is not of the field's type).
    pub const DATA_TYPE_ERROR: u16 = 102;
    /// 103: table value not found (a code outside the table the field is bound to).
    pub const TABLE_VALUE_NOT_FOUND: u16 = 103;
    /// 200: unsupported message type.
    pub const UNSUPPORTED_MESSAGE_TYPE: u16 = 200;
    /// 201: unsupported event code.
    pub const UNSUPPORTED_EVENT: u16 = 201;
    /// 203: unsupported version id.
    pub const UNSUPPORTED_VERSION: u16 = 203;
    /// 204: unknown key identifier.
    pub const UNKNOWN_KEY_IDENTIFIER: u16 = 204;
}

/// What went wrong, by HL7 table 0357 code. [`MappingError::kind`] gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MappingErrorKind {
    /// 100.
    SegmentSequence,
    /// 101.
    RequiredFieldMissing,
    /// 102.
    DataTypeError,
    /// 103.
    TableValueNotFound,
    /// 200.
    UnsupportedMessageType,
    /// 201.
    UnsupportedEvent,
    /// 203.
    UnsupportedVersion,
    /// 204.
    UnknownKeyIdentifier,
    /// Another table 0357 code.
    Other(u16),
}

/// A mapping failure, located, data-free; becomes an ERR segment (HL7 table 0357 code) in the
/// AE/AR the app sends back ([`MappingError::to_error_detail`]).
///
/// `message` names the field and what was expected, never the value found: it travels to the
/// sending system and into logs on both sides. `Display` shows the message, the location and the
/// code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, thiserror::Error)]
#[error("{message} (at {segment}[{sequence}]{}; hl7 error {code})", field_suffix(*.field, *.component))]
pub struct MappingError {
    /// HL7 table 0357 code (see [`code`]).
    pub code: u16,
    /// Segment id, e.g. `OBX`; for outbound errors the segment that could not be written.
    pub segment: String,
    /// 1-based occurrence of that segment in the message.
    pub sequence: usize,
    /// Field number, when the problem is in one field.
    pub field: Option<usize>,
    /// Component number, when the problem is in one component.
    pub component: Option<usize>,
    /// What is wrong, naming the field, never its value.
    pub message: String,
}

/// `-5.2`, `-5` or nothing, for the location in `Display`.
fn field_suffix(field: Option<usize>, component: Option<usize>) -> String {
    match (field, component) {
        (Some(f), Some(c)) => format!("-{f}.{c}"),
        (Some(f), None) => format!("-{f}"),
        _ => String::new(),
    }
}

impl MappingError {
    /// An error at `segment` occurrence `sequence`, field and component unset.
    pub fn new(code: u16, segment: &str, sequence: usize, message: impl Into<String>) -> Self {
        Self {
            code,
            segment: segment.to_owned(),
            sequence,
            field: None,
            component: None,
            message: message.into(),
        }
    }

    /// The same error located at `field`.
    pub fn at_field(mut self, field: usize) -> Self {
        self.field = Some(field);
        self
    }

    /// The same error located at `component` of its field.
    pub fn at_component(mut self, component: usize) -> Self {
        self.component = Some(component);
        self
    }

    /// 204 at PID-3: none of the message's patient identifiers is known here. The app returns
    /// it when results or a merge name a patient it cannot find.
    pub fn unknown_patient() -> Self {
        Self::new(
            code::UNKNOWN_KEY_IDENTIFIER,
            "PID",
            1,
            "no patient with an identifier from PID-3 is known here; send an ADT^A04 first",
        )
        .at_field(3)
    }

    /// 204 at MRG-1: the patient to merge away is not known here.
    pub fn unknown_merged_patient() -> Self {
        Self::new(
            code::UNKNOWN_KEY_IDENTIFIER,
            "MRG",
            1,
            "no patient with an identifier from MRG-1 is known here; nothing to merge",
        )
        .at_field(1)
    }

    /// The kind, from [`MappingError::code`].
    pub fn kind(&self) -> MappingErrorKind {
        match self.code {
            code::SEGMENT_SEQUENCE => MappingErrorKind::SegmentSequence,
            code::REQUIRED_FIELD_MISSING => MappingErrorKind::RequiredFieldMissing,
            code::DATA_TYPE_ERROR => MappingErrorKind::DataTypeError,
            code::TABLE_VALUE_NOT_FOUND => MappingErrorKind::TableValueNotFound,
            code::UNSUPPORTED_MESSAGE_TYPE => MappingErrorKind::UnsupportedMessageType,
            code::UNSUPPORTED_EVENT => MappingErrorKind::UnsupportedEvent,
            code::UNSUPPORTED_VERSION => MappingErrorKind::UnsupportedVersion,
            code::UNKNOWN_KEY_IDENTIFIER => MappingErrorKind::UnknownKeyIdentifier,
            other => MappingErrorKind::Other(other),
        }
    }

    /// Whether the whole message should be rejected (`AR`: message type, event or version we do
    /// not take) rather than answered with an application error (`AE`).
    pub fn is_reject(&self) -> bool {
        matches!(
            self.code,
            code::UNSUPPORTED_MESSAGE_TYPE | code::UNSUPPORTED_EVENT | code::UNSUPPORTED_VERSION
        )
    }

    /// The ERR segment content for `meridian_hl7v2::ack`: code, location, severity `E` and the
    /// data-free message.
    pub fn to_error_detail(&self) -> ErrorDetail {
        ErrorDetail {
            code: Hl7ErrorCode::from_code(self.code),
            severity: Severity::Error,
            location: Some(Location {
                segment: self.segment.clone(),
                sequence: self.sequence,
                field: self.field,
                component: self.component,
            }),
            message: self.message.clone(),
        }
    }
}

/// Where in the message a segment being read or written is: the id and its 1-based occurrence.
/// Every error is made through one, so none can forget its location.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct At {
    pub(crate) segment: &'static str,
    pub(crate) sequence: usize,
}

impl At {
    pub(crate) fn new(segment: &'static str, sequence: usize) -> Self {
        Self { segment, sequence }
    }

    /// An error in the segment as a whole.
    pub(crate) fn segment_error(self, code: u16, message: impl Into<String>) -> MappingError {
        MappingError::new(code, self.segment, self.sequence, message)
    }

    /// An error in one field.
    pub(crate) fn error(self, code: u16, field: usize, message: impl Into<String>) -> MappingError {
        self.segment_error(code, message).at_field(field)
    }

    /// 101 for `field`, named `name` (e.g. "patient identifier list").
    pub(crate) fn missing(self, field: usize, name: &str) -> MappingError {
        self.error(
            code::REQUIRED_FIELD_MISSING,
            field,
            format!("{}-{field} ({name}) is required but empty", self.segment),
        )
    }

    /// 102 for `field`: the value is not a `expected`.
    pub(crate) fn bad_type(self, field: usize, expected: &str) -> MappingError {
        self.error(
            code::DATA_TYPE_ERROR,
            field,
            format!("{}-{field} is not a valid {expected}", self.segment),
        )
    }

    /// 103 for `field`: the code is not in `table`.
    pub(crate) fn not_in_table(self, field: usize, table: &str, hint: &str) -> MappingError {
        self.error(
            code::TABLE_VALUE_NOT_FOUND,
            field,
            format!(
                "{}-{field} holds a code that is not in HL7 table {table} (expected {hint})",
                self.segment
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_location_and_code() {
        let e = At::new("OBX", 3).bad_type(5, "number (NM)").at_component(1);
        assert_eq!(
            e.to_string(),
            "OBX-5 is not a valid number (NM) (at OBX[3]-5.1; hl7 error 102)"
        );
        assert_eq!(e.kind(), MappingErrorKind::DataTypeError);
        let whole =
            At::new("PID", 1).segment_error(code::SEGMENT_SEQUENCE, "PID segment is missing");
        assert_eq!(
            whole.to_string(),
            "PID segment is missing (at PID[1]; hl7 error 100)"
        );
        assert_eq!(
            MappingError::new(207, "MSH", 1, "x").kind(),
            MappingErrorKind::Other(207)
        );
    }

    #[test]
    fn rejects_are_the_unsupported_ones() {
        for (c, reject) in [
            (100, false),
            (101, false),
            (103, false),
            (200, true),
            (201, true),
            (203, true),
            (204, false),
        ] {
            assert_eq!(
                MappingError::new(c, "MSH", 1, "m").is_reject(),
                reject,
                "{c}"
            );
        }
    }
}
