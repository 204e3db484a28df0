//! The delimiters a message declares in MSH-1/MSH-2, and the character sets of MSH-18.

use crate::error::DelimiterProblem;

/// The field separator (MSH-1) and encoding characters (MSH-2) of a message.
///
/// MSH-2 lists, in this order: component, repetition, escape, subcomponent and (from v2.7)
/// truncation. A three-character MSH-2 such as `^~&` is read as component, repetition and
/// subcomponent with no escape character: that is how senders that do not escape write it, and
/// such a message has no escape sequences to decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Delimiters {
    /// Separates fields (`|`).
    pub field: char,
    /// Separates components (`^`).
    pub component: char,
    /// Separates repetitions (`~`).
    pub repetition: char,
    /// Starts and ends escape sequences (`\`); `None` when the message declares none.
    pub escape: Option<char>,
    /// Separates subcomponents (`&`).
    pub subcomponent: char,
    /// Marks a truncated value (`#`, v2.7 and later); `None` when MSH-2 has 4 characters or fewer.
    pub truncation: Option<char>,
}

impl Default for Delimiters {
    /// `|^~\&`, the delimiters nearly every sender uses.
    fn default() -> Self {
        Self {
            field: '|',
            component: '^',
            repetition: '~',
            escape: Some('\\'),
            subcomponent: '&',
            truncation: None,
        }
    }
}

impl Delimiters {
    /// Reads MSH-1 (`field`) and MSH-2 (`encoding`).
    ///
    /// # Errors
    /// [`DelimiterProblem`] when MSH-2 is shorter than 3 or longer than 5 characters, when a
    /// delimiter is a letter, digit, space, control or non-ASCII character, or when two are equal.
    pub fn from_msh(field: char, encoding: &str) -> Result<Self, DelimiterProblem> {
        let chars: Vec<char> = encoding.chars().take(6).collect();
        let d = match chars.as_slice() {
            [c, r, s] => Self {
                field,
                component: *c,
                repetition: *r,
                escape: None,
                subcomponent: *s,
                truncation: None,
            },
            [c, r, e, s] => Self {
                field,
                component: *c,
                repetition: *r,
                escape: Some(*e),
                subcomponent: *s,
                truncation: None,
            },
            [c, r, e, s, t] => Self {
                field,
                component: *c,
                repetition: *r,
                escape: Some(*e),
                subcomponent: *s,
                truncation: Some(*t),
            },
            [] | [_] | [_, _] => return Err(DelimiterProblem::TooShort),
            _ => return Err(DelimiterProblem::TooLong),
        };
        d.validate()?;
        Ok(d)
    }

    /// Checks that every delimiter is printable ASCII punctuation and that no two are equal.
    ///
    /// # Errors
    /// [`DelimiterProblem::NotAllowed`] or [`DelimiterProblem::Duplicate`].
    pub fn validate(&self) -> Result<(), DelimiterProblem> {
        let all = self.all();
        let used: Vec<char> = all.iter().flatten().copied().collect();
        if used
            .iter()
            .any(|c| !c.is_ascii_graphic() || c.is_ascii_alphanumeric())
        {
            return Err(DelimiterProblem::NotAllowed);
        }
        for (i, a) in used.iter().enumerate() {
            if used[i + 1..].contains(a) {
                return Err(DelimiterProblem::Duplicate);
            }
        }
        Ok(())
    }

    /// MSH-2 as it is written: component, repetition, escape, subcomponent, truncation.
    pub fn encoding_characters(&self) -> String {
        let mut s = String::with_capacity(5);
        s.push(self.component);
        s.push(self.repetition);
        if let Some(e) = self.escape {
            s.push(e);
        }
        s.push(self.subcomponent);
        if let (Some(t), Some(_)) = (self.truncation, self.escape) {
            s.push(t);
        }
        s
    }

    fn all(&self) -> [Option<char>; 6] {
        [
            Some(self.field),
            Some(self.component),
            Some(self.repetition),
            self.escape,
            Some(self.subcomponent),
            self.truncation,
        ]
    }

    /// Whether `c` is a separator (field, component, repetition or subcomponent).
    pub(crate) fn is_separator(&self, c: char) -> bool {
        c == self.field || c == self.component || c == self.repetition || c == self.subcomponent
    }
}

/// The character set of a message's text, from MSH-18.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Charset {
    /// `ASCII`: 7-bit text.
    Ascii,
    /// `8859/1`: ISO Latin-1, one byte a character.
    Latin1,
    /// `UNICODE UTF-8` (also written `UTF-8`), and what an absent MSH-18 is read as.
    Utf8,
}

impl Charset {
    /// The MSH-18 code for this character set (HL7 table 0211).
    pub fn msh18(self) -> &'static str {
        match self {
            Self::Ascii => "ASCII",
            Self::Latin1 => "8859/1",
            Self::Utf8 => "UNICODE UTF-8",
        }
    }

    /// Reads an MSH-18 code, ignoring case and surrounding spaces. `None` when unsupported.
    pub fn from_msh18(name: &str) -> Option<Self> {
        let name = name.trim();
        if name.eq_ignore_ascii_case("ASCII") {
            Some(Self::Ascii)
        } else if name.eq_ignore_ascii_case("8859/1") {
            Some(Self::Latin1)
        } else if name.eq_ignore_ascii_case("UNICODE UTF-8") || name.eq_ignore_ascii_case("UTF-8") {
            Some(Self::Utf8)
        } else {
            None
        }
    }
}
