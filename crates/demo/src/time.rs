//! Calendar arithmetic on whole minutes, so that no clock is ever read.
//!
//! Generation works in minutes since 1970-01-01T00:00Z (UTC). Clinical times are written in the
//! hospital's local offset (India Standard Time, +05:30, which has no daylight saving), and
//! `issued` instants in UTC, so both FHIR forms appear in the data.

/// A UTC calendar date and time to the minute: the generator's notion of "now".
///
/// Fields are public for convenience; [`crate::DemoConfig::validate`] reports out-of-range
/// values, and generation clamps them rather than panicking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CivilDateTime {
    /// Gregorian year, 1900..=9999.
    pub year: i32,
    /// Month, 1..=12.
    pub month: u32,
    /// Day of month, 1..=28/29/30/31.
    pub day: u32,
    /// Hour, 0..=23.
    pub hour: u32,
    /// Minute, 0..=59.
    pub minute: u32,
}

impl CivilDateTime {
    /// A date and time in UTC.
    #[must_use]
    pub const fn new(year: i32, month: u32, day: u32, hour: u32, minute: u32) -> Self {
        Self {
            year,
            month,
            day,
            hour,
            minute,
        }
    }

    /// Minutes since the Unix epoch, with every field clamped into its valid range.
    pub(crate) fn epoch_minutes_clamped(&self) -> i64 {
        let year = i64::from(self.year.clamp(1900, 9999));
        let month = self.month.clamp(1, 12);
        let day = self.day.clamp(1, days_in_month(year, month));
        let hour = i64::from(self.hour.min(23));
        let minute = i64::from(self.minute.min(59));
        days_from_civil(year, month, day) * MINUTES_PER_DAY + hour * 60 + minute
    }
}

pub(crate) const MINUTES_PER_DAY: i64 = 1440;
/// Average Gregorian year in minutes (365.2425 days).
pub(crate) const MINUTES_PER_YEAR: i64 = 525_949;
/// India Standard Time, the hospital's local offset.
pub(crate) const LOCAL_OFFSET_MINUTES: i64 = 330;

// Calendar arithmetic is the domain crate's (proleptic Gregorian, Hinnant's algorithms); these
// wrappers only adapt the integer widths this crate computes in. Years stay within 1900..=9999.

pub(crate) fn days_in_month(year: i64, month: u32) -> u32 {
    u32::from(meridian_domain::time::days_in_month(year as i32, month as u8))
}

/// Days since 1970-01-01 of a calendar date.
pub(crate) fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    meridian_domain::time::days_from_civil(year as i32, month as u8, day as u8)
}

/// The calendar date of a day count since 1970-01-01.
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let (y, m, d) = meridian_domain::time::civil_from_days(days);
    (i64::from(y), u32::from(m), u32::from(d))
}

/// Local (IST) calendar day number of a UTC minute.
pub(crate) fn local_day(utc_minutes: i64) -> i64 {
    (utc_minutes + LOCAL_OFFSET_MINUTES).div_euclid(MINUTES_PER_DAY)
}

/// UTC minute of a local (IST) day and minute-of-day.
pub(crate) fn utc_of_local(day: i64, minute_of_day: i64) -> i64 {
    day * MINUTES_PER_DAY + minute_of_day - LOCAL_OFFSET_MINUTES
}

fn push_num(out: &mut String, value: i64, width: usize) {
    let mut buf = [b'0'; 20];
    let mut v = value.unsigned_abs();
    let mut i = buf.len();
    while v > 0 {
        i -= 1;
        // A single decimal digit always fits in u8.
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
    }
    let digits = (buf.len() - i).max(width);
    if value < 0 {
        out.push('-');
    }
    for &b in &buf[buf.len() - digits..] {
        out.push(char::from(b));
    }
}

fn push_date(out: &mut String, days: i64) {
    let (y, m, d) = civil_from_days(days);
    push_num(out, y, 4);
    out.push('-');
    push_num(out, i64::from(m), 2);
    out.push('-');
    push_num(out, i64::from(d), 2);
}

fn push_time(out: &mut String, minute_of_day: i64) {
    push_num(out, minute_of_day / 60, 2);
    out.push(':');
    push_num(out, minute_of_day % 60, 2);
    out.push_str(":00");
}

/// `YYYY-MM-DD` of a day count.
pub(crate) fn format_date(days: i64) -> String {
    let mut s = String::with_capacity(10);
    push_date(&mut s, days);
    s
}

/// FHIR dateTime/instant in local time: `2024-03-05T10:30:00+05:30`.
pub(crate) fn format_local(utc_minutes: i64) -> String {
    let local = utc_minutes + LOCAL_OFFSET_MINUTES;
    let mut s = String::with_capacity(25);
    push_date(&mut s, local.div_euclid(MINUTES_PER_DAY));
    s.push('T');
    push_time(&mut s, local.rem_euclid(MINUTES_PER_DAY));
    s.push_str("+05:30");
    s
}

/// FHIR instant in UTC: `2024-03-05T05:00:00Z`.
pub(crate) fn format_utc(utc_minutes: i64) -> String {
    let mut s = String::with_capacity(20);
    push_date(&mut s, utc_minutes.div_euclid(MINUTES_PER_DAY));
    s.push('T');
    push_time(&mut s, utc_minutes.rem_euclid(MINUTES_PER_DAY));
    s.push('Z');
    s
}

/// Human-readable local time for notes: `2024-03-05 10:30 IST`.
pub(crate) fn format_note_time(utc_minutes: i64) -> String {
    let local = utc_minutes + LOCAL_OFFSET_MINUTES;
    let mut s = String::with_capacity(20);
    push_date(&mut s, local.div_euclid(MINUTES_PER_DAY));
    s.push(' ');
    let mod_ = local.rem_euclid(MINUTES_PER_DAY);
    push_num(&mut s, mod_ / 60, 2);
    s.push(':');
    push_num(&mut s, mod_ % 60, 2);
    s.push_str(" IST");
    s
}

/// Whole years between a birth day and a later day.
pub(crate) fn age_years(birth_day: i64, on_day: i64) -> i64 {
    let (by, bm, bd) = civil_from_days(birth_day);
    let (y, m, d) = civil_from_days(on_day);
    let mut age = y - by;
    if (m, d) < (bm, bd) {
        age -= 1;
    }
    age.max(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip_over_four_centuries() {
        for days in (-150_000..150_000).step_by(7) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(format_date(days_from_civil(2024, 2, 29)), "2024-02-29");
    }

    #[test]
    fn local_and_utc_formats() {
        let t = CivilDateTime::new(2025, 6, 1, 20, 15).epoch_minutes_clamped();
        assert_eq!(format_utc(t), "2025-06-01T20:15:00Z");
        assert_eq!(format_local(t), "2025-06-02T01:45:00+05:30");
        assert_eq!(format_note_time(t), "2025-06-02 01:45 IST");
    }

    #[test]
    fn clamps_invalid_fields() {
        let a = CivilDateTime::new(2025, 13, 40, 25, 61).epoch_minutes_clamped();
        let b = CivilDateTime::new(2025, 12, 31, 23, 59).epoch_minutes_clamped();
        assert_eq!(a, b);
    }

    #[test]
    fn ages() {
        let birth = days_from_civil(1980, 6, 15);
        assert_eq!(age_years(birth, days_from_civil(2020, 6, 14)), 39);
        assert_eq!(age_years(birth, days_from_civil(2020, 6, 15)), 40);
    }
}
