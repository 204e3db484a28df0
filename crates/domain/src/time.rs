//! Instants and calendar dates, without reading the clock.
//!
//! The conversions between days and civil dates use Howard Hinnant's public-domain algorithms
//! (`days_from_civil`, `civil_from_days`), exact for the proleptic Gregorian calendar.

use std::fmt;

/// An instant in UTC, in milliseconds since the Unix epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

/// A calendar date that exists (no 30 February).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TimeError {
    #[error("date must be written YYYY-MM-DD")]
    DateSyntax,
    #[error("month {0} does not exist; months run 1 to 12")]
    NoSuchMonth(u8),
    #[error("day {day} does not exist in month {month} of that year")]
    NoSuchDay { month: u8, day: u8 },
    #[error("year {0} is outside 1800..=2200")]
    YearOutOfRange(i32),
    #[error("date-time must be RFC 3339, e.g. 2024-03-01T08:30:00Z or 2024-03-01T14:00:00+05:30")]
    DateTimeSyntax,
    #[error("the date lies in the future")]
    InFuture,
}

pub fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

pub fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

impl Date {
    pub fn new(year: i32, month: u8, day: u8) -> Result<Date, TimeError> {
        if !(1800..=2200).contains(&year) {
            return Err(TimeError::YearOutOfRange(year));
        }
        if !(1..=12).contains(&month) {
            return Err(TimeError::NoSuchMonth(month));
        }
        if day == 0 || day > days_in_month(year, month) {
            return Err(TimeError::NoSuchDay { month, day });
        }
        Ok(Date { year, month, day })
    }

    /// Parses `YYYY-MM-DD`.
    pub fn parse(s: &str) -> Result<Date, TimeError> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(TimeError::DateSyntax);
        }
        let year = digits(&b[0..4]).ok_or(TimeError::DateSyntax)? as i32;
        let month = digits(&b[5..7]).ok_or(TimeError::DateSyntax)? as u8;
        let day = digits(&b[8..10]).ok_or(TimeError::DateSyntax)? as u8;
        Date::new(year, month, day)
    }

    pub fn days_since_epoch(self) -> i64 {
        days_from_civil(self.year, self.month, self.day)
    }

    pub fn from_days_since_epoch(days: i64) -> Date {
        let (year, month, day) = civil_from_days(days);
        Date { year, month, day }
    }

    /// Whole years from `self` (a birth date) to `on`.
    pub fn age_on(self, on: Date) -> i32 {
        let mut age = on.year - self.year;
        if (on.month, on.day) < (self.month, self.day) {
            age -= 1;
        }
        age
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

fn digits(b: &[u8]) -> Option<u32> {
    let mut v = 0u32;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(c - b'0');
    }
    Some(v)
}

pub fn days_from_civil(y: i32, m: u8, d: u8) -> i64 {
    let y = i64::from(y) - i64::from(m <= 2);
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

pub fn civil_from_days(z: i64) -> (i32, u8, u8) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    ((y + i64::from(m <= 2)) as i32, m, d)
}

impl Timestamp {
    pub fn from_unix_seconds(s: i64) -> Timestamp {
        Timestamp(s * 1000)
    }

    pub fn unix_seconds(self) -> i64 {
        self.0.div_euclid(1000)
    }

    pub fn date(self) -> Date {
        Date::from_days_since_epoch(self.0.div_euclid(86_400_000))
    }

    pub fn plus_seconds(self, s: i64) -> Timestamp {
        Timestamp(self.0 + s * 1000)
    }

    /// RFC 3339 in UTC with milliseconds, e.g. `2024-03-01T08:30:00.000Z`. The text sorts in time
    /// order, which the store's indexes rely on.
    pub fn to_rfc3339(self) -> String {
        let days = self.0.div_euclid(86_400_000);
        let ms = self.0.rem_euclid(86_400_000);
        let (y, m, d) = civil_from_days(days);
        format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
            ms / 3_600_000,
            ms / 60_000 % 60,
            ms / 1000 % 60,
            ms % 1000
        )
    }

    /// Parses RFC 3339 / FHIR `instant` and `dateTime` with a time zone. Seconds may carry a
    /// fraction; its digits past milliseconds are dropped.
    pub fn parse_rfc3339(s: &str) -> Result<Timestamp, TimeError> {
        let b = s.as_bytes();
        if b.len() < 20 || b[10] != b'T' && b[10] != b't' || b[13] != b':' || b[16] != b':' {
            return Err(TimeError::DateTimeSyntax);
        }
        let date = Date::parse(&s[..10]).map_err(|e| match e {
            TimeError::DateSyntax => TimeError::DateTimeSyntax,
            other => other,
        })?;
        let hh = digits(&b[11..13]).ok_or(TimeError::DateTimeSyntax)?;
        let mm = digits(&b[14..16]).ok_or(TimeError::DateTimeSyntax)?;
        let ss = digits(&b[17..19]).ok_or(TimeError::DateTimeSyntax)?;
        if hh > 23 || mm > 59 || ss > 60 {
            return Err(TimeError::DateTimeSyntax);
        }
        let mut i = 19;
        let mut millis = 0u32;
        if b.get(i) == Some(&b'.') {
            i += 1;
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                if i - start < 3 {
                    millis = millis * 10 + u32::from(b[i] - b'0');
                }
                i += 1;
            }
            if i == start {
                return Err(TimeError::DateTimeSyntax);
            }
            for _ in (i - start)..3 {
                millis *= 10;
            }
        }
        let offset_min: i64 = match &b[i..] {
            [b'Z'] | [b'z'] => 0,
            [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
                let h = digits(&[*h1, *h2]).ok_or(TimeError::DateTimeSyntax)?;
                let m = digits(&[*m1, *m2]).ok_or(TimeError::DateTimeSyntax)?;
                if h > 23 || m > 59 {
                    return Err(TimeError::DateTimeSyntax);
                }
                let v = i64::from(h * 60 + m);
                if *sign == b'-' { -v } else { v }
            }
            _ => return Err(TimeError::DateTimeSyntax),
        };
        let secs = date.days_since_epoch() * 86_400
            + i64::from(hh) * 3600
            + i64::from(mm) * 60
            + i64::from(ss.min(59))
            - offset_min * 60;
        Ok(Timestamp(secs * 1000 + i64::from(millis)))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        for days in [-800_000i64, -1, 0, 1, 11_016, 19_782, 60_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
    }

    #[test]
    fn parses_offsets() {
        let a = Timestamp::parse_rfc3339("2024-03-01T14:00:00+05:30").unwrap();
        let b = Timestamp::parse_rfc3339("2024-03-01T08:30:00Z").unwrap();
        assert_eq!(a, b);
        assert_eq!(b.to_rfc3339(), "2024-03-01T08:30:00.000Z");
        let c = Timestamp::parse_rfc3339("2024-03-01T08:30:00.1234Z").unwrap();
        assert_eq!(c.0 - b.0, 123);
    }

    #[test]
    fn impossible_dates_are_refused() {
        assert_eq!(Date::parse("2023-02-29"), Err(TimeError::NoSuchDay { month: 2, day: 29 }));
        assert!(Date::parse("2024-02-29").is_ok());
        assert_eq!(Date::parse("2024-13-01"), Err(TimeError::NoSuchMonth(13)));
        assert_eq!(Date::parse("24-1-1"), Err(TimeError::DateSyntax));
        assert!(Timestamp::parse_rfc3339("2024-03-01T25:00:00Z").is_err());
        assert!(Timestamp::parse_rfc3339("2024-03-01T10:00:00").is_err());
    }

    #[test]
    fn age() {
        let born = Date::new(1980, 6, 15).unwrap();
        assert_eq!(born.age_on(Date::new(2024, 6, 14).unwrap()), 43);
        assert_eq!(born.age_on(Date::new(2024, 6, 15).unwrap()), 44);
    }
}
