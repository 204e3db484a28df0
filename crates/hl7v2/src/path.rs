//! Terser-style paths: `PID-5.1`, `PID-3[2].1`, `OBX(2)-5`, `MSH-9.2`.

use std::fmt;
use std::str::FromStr;

use crate::error::PathError;
use crate::message::is_segment_id;

/// A parsed path to one value: segment id and occurrence, field, repetition, component and
/// subcomponent. Every number is 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Path {
    segment: [u8; 3],
    occurrence: usize,
    field: usize,
    repetition: usize,
    component: Option<usize>,
    subcomponent: Option<usize>,
}

struct Cursor<'p> {
    bytes: &'p [u8],
    at: usize,
}

impl Cursor<'_> {
    fn fail(&self) -> PathError {
        PathError { at: self.at }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    /// A positive number below one million (no element of a message is numbered that high).
    fn number(&mut self) -> Result<usize, PathError> {
        let start = self.at;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.at += 1;
        }
        let digits = &self.bytes[start..self.at];
        if digits.is_empty() || digits.len() > 6 {
            return Err(PathError { at: start });
        }
        let n = digits
            .iter()
            .fold(0usize, |n, b| n * 10 + usize::from(b - b'0'));
        if n == 0 {
            return Err(PathError { at: start });
        }
        Ok(n)
    }

    /// `[n]` or `(n)`, if present.
    fn index(&mut self) -> Result<Option<usize>, PathError> {
        let close = if self.eat(b'[') {
            b']'
        } else if self.eat(b'(') {
            b')'
        } else {
            return Ok(None);
        };
        let n = self.number()?;
        if !self.eat(close) {
            return Err(self.fail());
        }
        Ok(Some(n))
    }

    fn separator(&mut self) -> bool {
        self.eat(b'-') || self.eat(b'.')
    }
}

impl Path {
    /// Parses `SEG[(n)]-FIELD[[rep]][.COMPONENT[.SUBCOMPONENT]]`; `.` and `-` are
    /// interchangeable as separators, `[n]` and `(n)` as indexes.
    ///
    /// # Errors
    /// [`PathError`] with the character index where the path stopped making sense.
    pub fn parse(path: &str) -> Result<Self, PathError> {
        let bytes = path.as_bytes();
        let mut c = Cursor { bytes, at: 0 };
        let id = bytes.get(..3).ok_or(PathError { at: 0 })?;
        if !is_segment_id(id) {
            return Err(PathError { at: 0 });
        }
        let segment = [id[0], id[1], id[2]];
        c.at = 3;
        let occurrence = c.index()?.unwrap_or(1);
        if !c.separator() {
            return Err(c.fail());
        }
        let field = c.number()?;
        let repetition = c.index()?.unwrap_or(1);
        let mut component = None;
        let mut subcomponent = None;
        if c.separator() {
            component = Some(c.number()?);
            if c.separator() {
                subcomponent = Some(c.number()?);
            }
        }
        if c.at != bytes.len() {
            return Err(c.fail());
        }
        Ok(Self {
            segment,
            occurrence,
            field,
            repetition,
            component,
            subcomponent,
        })
    }

    /// The segment id.
    pub fn segment(&self) -> &str {
        // Checked to be ASCII letters and digits in `parse`.
        std::str::from_utf8(&self.segment).unwrap_or("")
    }

    /// Which segment with that id (1 for the first).
    pub fn occurrence(&self) -> usize {
        self.occurrence
    }

    /// The field number.
    pub fn field(&self) -> usize {
        self.field
    }

    /// The repetition (1 unless given).
    pub fn repetition(&self) -> usize {
        self.repetition
    }

    /// The component, if given.
    pub fn component(&self) -> Option<usize> {
        self.component
    }

    /// The subcomponent, if given.
    pub fn subcomponent(&self) -> Option<usize> {
        self.subcomponent
    }
}

impl FromStr for Path {
    type Err = PathError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.segment())?;
        if self.occurrence != 1 {
            write!(f, "({})", self.occurrence)?;
        }
        write!(f, "-{}", self.field)?;
        if self.repetition != 1 {
            write!(f, "[{}]", self.repetition)?;
        }
        if let Some(c) = self.component {
            write!(f, ".{c}")?;
        }
        if let Some(s) = self.subcomponent {
            write!(f, ".{s}")?;
        }
        Ok(())
    }
}
