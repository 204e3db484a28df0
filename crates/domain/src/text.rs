//! Limits on free text, so that a pasted novel or binary junk is refused with a clear message
//! instead of bloating the store or breaking a screen.

/// The longest clinical note body accepted, in bytes (about 100 pages of text).
pub const MAX_NOTE_BYTES: usize = 256 * 1024;
/// The longest short field (a name part, a reason), in characters.
pub const MAX_SHORT_CHARS: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TextError {
    #[error("{field} is required")]
    Empty { field: &'static str },
    #[error("{field} is too long: {len} of at most {max} {unit}")]
    TooLong { field: &'static str, len: usize, max: usize, unit: &'static str },
    #[error("{field} contains control characters; paste plain text")]
    ControlCharacters { field: &'static str },
}

/// Checks a one-line field such as a name or a reason.
pub fn short(field: &'static str, s: &str) -> Result<String, TextError> {
    let t = s.trim();
    if t.is_empty() {
        return Err(TextError::Empty { field });
    }
    let len = t.chars().count();
    if len > MAX_SHORT_CHARS {
        return Err(TextError::TooLong { field, len, max: MAX_SHORT_CHARS, unit: "characters" });
    }
    if t.chars().any(char::is_control) {
        return Err(TextError::ControlCharacters { field });
    }
    Ok(t.to_owned())
}

/// Checks a multi-line body such as a note: newlines and tabs are fine, other controls are not.
pub fn body(field: &'static str, s: &str) -> Result<(), TextError> {
    if s.trim().is_empty() {
        return Err(TextError::Empty { field });
    }
    if s.len() > MAX_NOTE_BYTES {
        return Err(TextError::TooLong { field, len: s.len(), max: MAX_NOTE_BYTES, unit: "bytes" });
    }
    if s.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        return Err(TextError::ControlCharacters { field });
    }
    Ok(())
}
