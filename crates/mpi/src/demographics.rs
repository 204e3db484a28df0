//! The demographic record that the matcher reads, as registration captured it.
//!
//! Fields are public and unvalidated on purpose: real registrations hold odd values, and the
//! matcher must still score them. [`BirthDate::new`] is there for callers that want a checked
//! date; [`crate::compare`] copes with an impossible one by treating it as missing.

use std::fmt;

/// One patient's demographics as entered at registration.
///
/// `Debug` prints only which fields are present, never their values, so that a stray
/// `{:?}` cannot copy patient data into a log.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Demographics {
    /// Family name (surname). May be empty: many South Indian patients have a given name and
    /// an initial only; put the initial here or leave it empty.
    pub family: String,
    /// Given names in order; middle names included.
    pub given: Vec<String>,
    /// Birth date. Registrations that know only the age commonly record 1 January of the
    /// estimated year; the matcher gives such a date less weight.
    pub birth_date: Option<BirthDate>,
    /// Administrative sex.
    pub sex: Option<Sex>,
    /// Identifiers other than this site's own MRN (see [`crate::compare`] for why).
    pub identifiers: Vec<Ident>,
    /// Postal code (Indian PIN, UK postcode, US ZIP...), in any formatting.
    pub postal_code: Option<String>,
    /// Free-text address line (house, street, locality).
    pub address_line: Option<String>,
    /// Phone number in any formatting; country code and trunk prefix are ignored.
    pub phone: Option<String>,
}

impl fmt::Debug for Demographics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Demographics")
            .field("family", &Redacted(!self.family.trim().is_empty()))
            .field("given", &format_args!("{} name(s)", self.given.len()))
            .field("birth_date", &Redacted(self.birth_date.is_some()))
            .field("sex", &Redacted(self.sex.is_some()))
            .field("identifiers", &self.identifiers)
            .field("postal_code", &Redacted(self.postal_code.is_some()))
            .field("address_line", &Redacted(self.address_line.is_some()))
            .field("phone", &Redacted(self.phone.is_some()))
            .finish()
    }
}

/// Prints `<present>` or `<absent>` in place of a value.
struct Redacted(bool);

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0 { "<present>" } else { "<absent>" })
    }
}

/// An identifier: a FHIR-style `system` URI and the `value` within it.
///
/// `Debug` shows the system (not patient data) and hides the value.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Ident {
    /// The namespace, e.g. [`crate::systems::ABHA`].
    pub system: String,
    /// The identifier itself, in any formatting (spaces and hyphens are ignored).
    pub value: String,
}

impl Ident {
    /// Builds an identifier from any string-like system and value.
    pub fn new(system: impl Into<String>, value: impl Into<String>) -> Ident {
        Ident {
            system: system.into(),
            value: value.into(),
        }
    }
}

impl fmt::Debug for Ident {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ident")
            .field("system", &self.system)
            .field("value", &Redacted(!self.value.is_empty()))
            .finish()
    }
}

/// A calendar date of birth. `Debug` is redacted; use the fields to read it.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BirthDate {
    /// Proleptic Gregorian year.
    pub year: i32,
    /// 1 to 12.
    pub month: u8,
    /// 1 to the length of the month.
    pub day: u8,
}

impl fmt::Debug for BirthDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BirthDate(<redacted>)")
    }
}

/// Why [`BirthDate::new`] refused a date. The message never repeats the date itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BirthDateError {
    /// The year is outside 1800..=9999.
    #[error("birth year out of range; expected a four-digit year from 1800")]
    Year,
    /// The month is not 1 to 12.
    #[error("birth month out of range; expected 1 to 12 (is day/month swapped?)")]
    Month,
    /// The day does not exist in that month.
    #[error("birth day does not exist in that month; check day and month order")]
    Day,
}

impl BirthDate {
    /// A checked date.
    pub fn new(year: i32, month: u8, day: u8) -> Result<BirthDate, BirthDateError> {
        let date = BirthDate { year, month, day };
        date.check()?;
        Ok(date)
    }

    /// Whether the fields form a real calendar date in a plausible range.
    pub fn is_valid(&self) -> bool {
        self.check().is_ok()
    }

    fn check(&self) -> Result<(), BirthDateError> {
        if !(1800..=9999).contains(&self.year) {
            return Err(BirthDateError::Year);
        }
        if !(1..=12).contains(&self.month) {
            return Err(BirthDateError::Month);
        }
        if self.day == 0 || self.day > days_in_month(self.year, self.month) {
            return Err(BirthDateError::Day);
        }
        Ok(())
    }

    /// 1 January: what registrations record when only an age is known, so it is weak evidence.
    pub fn is_likely_placeholder(&self) -> bool {
        self.month == 1 && self.day == 1
    }
}

pub(crate) fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

/// Administrative sex as recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sex {
    Female,
    Male,
    Other,
    /// Recorded as unknown; the matcher treats it as missing.
    Unknown,
}
