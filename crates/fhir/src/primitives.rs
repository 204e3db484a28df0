//! FHIR primitive types that have a format: [`FhirDate`], [`FhirDateTime`], [`FhirInstant`],
//! [`Id`] and [`Code`]. Each keeps the text it was read from (so it writes back unchanged) and is
//! checked on read: `2023-02-30` is not a date.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{FhirError, FhirErrorKind, Tag};

/// Defines a string-backed primitive: text storage, `FromStr`, `Display`, serde by way of the
/// type's `check` function.
macro_rules! text_primitive {
    ($(#[$m:meta])* $name:ident, $fhir:literal, $parsed:ty) => {
        $(#[$m])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub struct $name {
            text: String,
            parsed: $parsed,
        }

        impl $name {
            /// Checks `text` against the FHIR format and keeps it.
            pub fn parse(text: &str) -> Result<Self, FhirError> {
                match Self::check(text) {
                    Some(parsed) => Ok(Self { text: text.to_owned(), parsed }),
                    None => Err(FhirError::new(FhirErrorKind::InvalidPrimitive { primitive: $fhir })),
                }
            }

            /// The text as read (or as given to [`Self::parse`]).
            pub fn as_str(&self) -> &str {
                &self.text
            }
        }

        impl FromStr for $name {
            type Err = FhirError;
            fn from_str(s: &str) -> Result<Self, FhirError> {
                Self::parse(s)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.text)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.text)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = String::deserialize(d)?;
                match Self::check(&text) {
                    Some(parsed) => Ok(Self { text, parsed }),
                    None => Err(Tag::Primitive($fhir).into_de()),
                }
            }
        }
    };
}

text_primitive!(
    /// A FHIR `id`: 1 to 64 of `A-Z a-z 0-9 - .`.
    Id, "id", ()
);
text_primitive!(
    /// A FHIR `code`: non-empty, no leading, trailing or repeated whitespace.
    Code, "code", ()
);
text_primitive!(
    /// A FHIR `date`: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, a real calendar day.
    FhirDate, "date", DateParts
);
text_primitive!(
    /// A FHIR `dateTime`: a [`FhirDate`] form, or a full date with `Thh:mm:ss[.f]` and a zone.
    FhirDateTime, "dateTime", DateTimeParts
);
text_primitive!(
    /// A FHIR `instant`: `YYYY-MM-DDThh:mm:ss[.f]` with a zone (`Z` or `+hh:mm`).
    FhirInstant, "instant", DateTimeParts
);

impl Id {
    fn check(s: &str) -> Option<()> {
        let ok = (1..=64).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
        ok.then_some(())
    }
}

impl Code {
    fn check(s: &str) -> Option<()> {
        let mut prev_ws = true; // a leading space counts as "repeated"
        for c in s.chars() {
            let ws = c.is_whitespace();
            if ws && prev_ws {
                return None;
            }
            prev_ws = ws;
        }
        (!s.is_empty() && !prev_ws).then_some(())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct DateParts {
    year: u16,
    month: u8, // 0 when absent
    day: u8,   // 0 when absent
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct TimeParts {
    hour: u8,
    minute: u8,
    second: u8,
    nanos: u32,
    offset_minutes: i16,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct DateTimeParts {
    date: DateParts,
    time: Option<TimeParts>,
}

fn num(s: &str, range: std::ops::Range<usize>) -> Option<u32> {
    let part = s.get(range)?;
    if part.bytes().all(|b| b.is_ascii_digit()) {
        part.parse().ok()
    } else {
        None
    }
}

fn days_in_month(year: u16, month: u8) -> u8 {
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn parse_date(s: &str) -> Option<DateParts> {
    if !matches!(s.len(), 4 | 7 | 10) {
        return None;
    }
    let year = u16::try_from(num(s, 0..4)?).ok().filter(|y| *y > 0)?;
    let mut date = DateParts {
        year,
        month: 0,
        day: 0,
    };
    if s.len() >= 7 {
        (s.as_bytes()[4] == b'-').then_some(())?;
        date.month = u8::try_from(num(s, 5..7)?)
            .ok()
            .filter(|m| (1..=12).contains(m))?;
    }
    if s.len() == 10 {
        (s.as_bytes()[7] == b'-').then_some(())?;
        let day = u8::try_from(num(s, 8..10)?).ok()?;
        (1..=days_in_month(year, date.month))
            .contains(&day)
            .then_some(())?;
        date.day = day;
    }
    Some(date)
}

/// `hh:mm:ss[.fff](Z|+hh:mm|-hh:mm)`.
fn parse_time(s: &str) -> Option<TimeParts> {
    let b = s.as_bytes();
    (b.len() >= 9 && b[2] == b':' && b[5] == b':').then_some(())?;
    let hour = u8::try_from(num(s, 0..2)?).ok().filter(|h| *h < 24)?;
    let minute = u8::try_from(num(s, 3..5)?).ok().filter(|m| *m < 60)?;
    let second = u8::try_from(num(s, 6..8)?).ok().filter(|s| *s <= 60)?;
    let mut i = 8;
    let mut nanos = 0u32;
    if b[i] == b'.' {
        let start = i + 1;
        i = start;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        (i > start).then_some(())?;
        // Only the first nine digits fit in nanoseconds; the text keeps them all.
        let digits = &s[start..i.min(start + 9)];
        nanos = digits.parse::<u32>().ok()? * 10u32.pow(9 - digits.len() as u32);
    }
    let zone = &s[i..];
    let offset_minutes = if zone == "Z" {
        0
    } else {
        let zb = zone.as_bytes();
        (zb.len() == 6 && matches!(zb[0], b'+' | b'-') && zb[3] == b':').then_some(())?;
        let (h, m) = (num(zone, 1..3)?, num(zone, 4..6)?);
        (m < 60 && (h < 14 || (h == 14 && m == 0))).then_some(())?;
        let minutes = i16::try_from(h * 60 + m).ok()?;
        if zb[0] == b'-' { -minutes } else { minutes }
    };
    Some(TimeParts {
        hour,
        minute,
        second,
        nanos,
        offset_minutes,
    })
}

impl FhirDate {
    fn check(s: &str) -> Option<DateParts> {
        parse_date(s)
    }

    /// `(year, month, day)`; month and day are `None` for partial dates.
    pub fn ymd(&self) -> (u16, Option<u8>, Option<u8>) {
        let d = self.parsed;
        (
            d.year,
            (d.month > 0).then_some(d.month),
            (d.day > 0).then_some(d.day),
        )
    }

    /// `YYYYMMDD` as a number with missing parts as zero: sorts chronologically, a partial date
    /// before the full dates it contains.
    pub fn sort_key(&self) -> u32 {
        let d = self.parsed;
        u32::from(d.year) * 10_000 + u32::from(d.month) * 100 + u32::from(d.day)
    }
}

impl FhirDateTime {
    fn check(s: &str) -> Option<DateTimeParts> {
        match s.split_once('T') {
            None => Some(DateTimeParts {
                date: parse_date(s)?,
                time: None,
            }),
            Some((date, time)) if date.len() == 10 => Some(DateTimeParts {
                date: parse_date(date)?,
                time: Some(parse_time(time)?),
            }),
            Some(_) => None,
        }
    }

    /// `(year, month, day)` of the local date as written; month and day are `None` when absent.
    pub fn ymd(&self) -> (u16, Option<u8>, Option<u8>) {
        let d = self.parsed.date;
        (
            d.year,
            (d.month > 0).then_some(d.month),
            (d.day > 0).then_some(d.day),
        )
    }

    /// Whether a time of day (and so a zone) is given.
    pub fn has_time(&self) -> bool {
        self.parsed.time.is_some()
    }

    /// Milliseconds since 1970-01-01T00:00:00Z of the start of the period this value names,
    /// a sortable key. A value without a time is taken as midnight UTC (FHIR gives it no zone).
    pub fn epoch_millis(&self) -> i64 {
        epoch_millis(&self.parsed)
    }
}

impl FhirInstant {
    fn check(s: &str) -> Option<DateTimeParts> {
        FhirDateTime::check(s).filter(|p| p.time.is_some())
    }

    /// Milliseconds since 1970-01-01T00:00:00Z (sub-millisecond digits are dropped).
    pub fn epoch_millis(&self) -> i64 {
        epoch_millis(&self.parsed)
    }

    /// The same value as a `dateTime` (every instant is one).
    pub fn to_date_time(&self) -> FhirDateTime {
        FhirDateTime {
            text: self.text.clone(),
            parsed: self.parsed,
        }
    }
}

impl From<FhirDate> for FhirDateTime {
    fn from(date: FhirDate) -> Self {
        FhirDateTime {
            text: date.text,
            parsed: DateTimeParts {
                date: date.parsed,
                time: None,
            },
        }
    }
}

fn epoch_millis(p: &DateTimeParts) -> i64 {
    let d = p.date;
    let days = days_from_civil(
        i64::from(d.year),
        i64::from(d.month.max(1)),
        i64::from(d.day.max(1)),
    );
    let mut ms = days * 86_400_000;
    if let Some(t) = p.time {
        ms += i64::from(t.hour) * 3_600_000
            + i64::from(t.minute) * 60_000
            + i64::from(t.second) * 1_000;
        ms += i64::from(t.nanos / 1_000_000);
        ms -= i64::from(t.offset_minutes) * 60_000;
    }
    ms
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_check_the_calendar() {
        assert!(FhirDate::parse("2024-02-29").is_ok());
        assert!(FhirDate::parse("2023-02-29").is_err());
        assert!(FhirDate::parse("2023-02-30").is_err());
        assert!(FhirDate::parse("2023-13").is_err());
        assert!(FhirDate::parse("0000").is_err());
        assert!(FhirDate::parse("2023-1-01").is_err());
        assert_eq!(
            FhirDate::parse("1974-12").map(|d| d.ymd()).ok(),
            Some((1974, Some(12), None))
        );
        assert!(
            FhirDate::parse("1974").map(|d| d.sort_key()).ok()
                < FhirDate::parse("1974-01-01").map(|d| d.sort_key()).ok()
        );
    }

    #[test]
    fn date_times_need_seconds_and_zone() {
        assert!(FhirDateTime::parse("2015-02-07T13:28:17-05:00").is_ok());
        assert!(FhirDateTime::parse("2015-02-07T13:28:17.239+02:00").is_ok());
        assert!(FhirDateTime::parse("2015-02-07T13:28:17").is_err());
        assert!(FhirDateTime::parse("2015-02-07T13:28Z").is_err());
        assert!(FhirDateTime::parse("2015-02T13:28:17Z").is_err());
        assert!(FhirDateTime::parse("2015-02-07T24:00:00Z").is_err());
        assert!(FhirInstant::parse("2015-02-07").is_err());
    }

    #[test]
    fn epoch_millis_normalises_the_zone() {
        let utc = FhirDateTime::parse("1970-01-02T00:00:00Z")
            .map(|d| d.epoch_millis())
            .ok();
        assert_eq!(utc, Some(86_400_000));
        let east = FhirDateTime::parse("1970-01-02T02:00:00.5+02:00")
            .map(|d| d.epoch_millis())
            .ok();
        assert_eq!(east, Some(86_400_500));
        let date = FhirDateTime::parse("2000-03-01")
            .map(|d| d.epoch_millis())
            .ok();
        assert_eq!(date, Some(951_868_800_000));
    }

    #[test]
    fn ids_and_codes() {
        assert!(Id::parse("example-1.a").is_ok());
        assert!(Id::parse("has space").is_err());
        assert!(Id::parse(&"a".repeat(65)).is_err());
        assert!(Code::parse("final").is_ok());
        assert!(Code::parse("two words").is_ok());
        assert!(Code::parse(" final").is_err());
        assert!(Code::parse("final ").is_err());
        assert!(Code::parse("a  b").is_err());
        assert!(Code::parse("").is_err());
    }
}
