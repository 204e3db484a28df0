//! DTM, the HL7 v2 date/time: `YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ]`.

use std::fmt;
use std::str::FromStr;

use crate::error::{DtmProblem, ParseError, ParseErrorKind};

/// An HL7 v2 date/time with the precision it was written with.
///
/// Each part is `Some` down to the precision given; a part after the first `None` is not
/// written by [`Dtm::format`]. `offset_minutes` is the UTC offset (`+0130` is 90); `None` means
/// the sender gave none (local time of the sender). The `Debug` output shows only the
/// precision, because a DTM is often a birth date.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Dtm {
    /// Four-digit year.
    pub year: u16,
    /// 1-12.
    pub month: Option<u8>,
    /// 1-31, checked against the month.
    pub day: Option<u8>,
    /// 0-23.
    pub hour: Option<u8>,
    /// 0-59.
    pub minute: Option<u8>,
    /// 0-59.
    pub second: Option<u8>,
    /// Fraction of the second in nanoseconds (HL7 writes at most 4 digits, i.e. 100 µs steps).
    pub fraction_nanos: Option<u32>,
    /// UTC offset in minutes, -720..=840.
    pub offset_minutes: Option<i32>,
}

impl fmt::Debug for Dtm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let precision = if self.fraction_nanos.is_some() {
            "fraction"
        } else if self.second.is_some() {
            "second"
        } else if self.minute.is_some() {
            "minute"
        } else if self.hour.is_some() {
            "hour"
        } else if self.day.is_some() {
            "day"
        } else if self.month.is_some() {
            "month"
        } else {
            "year"
        };
        f.debug_struct("Dtm")
            .field("precision", &precision)
            .field("has_offset", &self.offset_minutes.is_some())
            .finish_non_exhaustive()
    }
}

fn err(problem: DtmProblem) -> ParseError {
    ParseError::new(ParseErrorKind::InvalidDtm(problem))
}

fn two(b: &[u8], at: usize) -> u8 {
    (b[at] - b'0') * 10 + (b[at + 1] - b'0')
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        _ => 31,
    }
}

/// Parses a DTM (`YYYY[MM[DD[HH[MM[SS[.S{1,4}]]]]]][+/-ZZZZ]`), checking every range
/// (including the length of the month and leap years).
///
/// # Errors
/// [`ParseErrorKind::InvalidDtm`] naming the problem, never the text.
///
/// ```
/// use meridian_hl7v2::parse_dtm;
///
/// let t = parse_dtm("20240229134501.25-0500")?;
/// assert_eq!((t.year, t.month, t.day, t.second), (2024, Some(2), Some(29), Some(1)));
/// assert_eq!(t.fraction_nanos, Some(250_000_000));
/// assert_eq!(t.offset_minutes, Some(-300));
/// assert_eq!(t.to_string(), "20240229134501.25-0500");
/// assert!(parse_dtm("20230229").is_err());
/// # Ok::<(), meridian_hl7v2::ParseError>(())
/// ```
pub fn parse_dtm(s: &str) -> Result<Dtm, ParseError> {
    let b = s.as_bytes();
    let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if !matches!(digits, 4 | 6 | 8 | 10 | 12 | 14) {
        // Digits followed by a fraction or offset, or by nothing, are the wrong count; anything
        // else is a stray character.
        let bad_count =
            digits == b.len() || digits > 14 || matches!(b.get(digits), Some(b'.' | b'+' | b'-'));
        return Err(err(if bad_count {
            DtmProblem::BadLength
        } else {
            DtmProblem::NotDigits
        }));
    }
    let mut t = Dtm {
        year: u16::from(two(b, 0)) * 100 + u16::from(two(b, 2)),
        ..Dtm::default()
    };
    if digits >= 6 {
        let m = two(b, 4);
        if !(1..=12).contains(&m) {
            return Err(err(DtmProblem::MonthOutOfRange));
        }
        t.month = Some(m);
    }
    if digits >= 8 {
        let d = two(b, 6);
        if d == 0 || d > days_in_month(t.year, t.month.unwrap_or(1)) {
            return Err(err(DtmProblem::DayOutOfRange));
        }
        t.day = Some(d);
    }
    if digits >= 10 {
        let h = two(b, 8);
        if h > 23 {
            return Err(err(DtmProblem::HourOutOfRange));
        }
        t.hour = Some(h);
    }
    if digits >= 12 {
        let m = two(b, 10);
        if m > 59 {
            return Err(err(DtmProblem::MinuteOutOfRange));
        }
        t.minute = Some(m);
    }
    if digits >= 14 {
        let sec = two(b, 12);
        if sec > 59 {
            return Err(err(DtmProblem::SecondOutOfRange));
        }
        t.second = Some(sec);
    }
    let mut i = digits;
    if b.get(i) == Some(&b'.') {
        let n = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if digits != 14 || n == 0 || n > 4 {
            return Err(err(DtmProblem::BadFraction));
        }
        let mut nanos: u32 = 0;
        for k in 0..9 {
            let digit = if k < n { b[i + 1 + k] - b'0' } else { 0 };
            nanos = nanos * 10 + u32::from(digit);
        }
        t.fraction_nanos = Some(nanos);
        i += 1 + n;
    }
    if let Some(&sign) = b.get(i) {
        let rest = &b[i + 1..];
        if !matches!(sign, b'+' | b'-')
            || rest.len() != 4
            || !rest.iter().all(|c| c.is_ascii_digit())
        {
            return Err(if sign == b'.' {
                err(DtmProblem::BadFraction)
            } else if matches!(sign, b'+' | b'-') {
                err(DtmProblem::BadOffset)
            } else {
                err(DtmProblem::NotDigits)
            });
        }
        let hh = i32::from(two(rest, 0));
        let mm = i32::from(two(rest, 2));
        let minutes = hh * 60 + mm;
        let minutes = if sign == b'-' { -minutes } else { minutes };
        if mm > 59 || !(-720..=840).contains(&minutes) {
            return Err(err(DtmProblem::BadOffset));
        }
        t.offset_minutes = Some(minutes);
    }
    Ok(t)
}

impl FromStr for Dtm {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_dtm(s)
    }
}

impl Dtm {
    /// The HL7 text: the parts down to the first `None`, a fraction of 1 to 4 digits (trailing
    /// zeros dropped, finer than 100 µs cut), and the offset when there is one.
    pub fn format(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Dtm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.year)?;
        let parts = [self.month, self.day, self.hour, self.minute, self.second];
        let mut complete = true;
        for part in parts {
            match part {
                Some(v) => write!(f, "{v:02}")?,
                None => {
                    complete = false;
                    break;
                }
            }
        }
        if let (true, Some(nanos)) = (complete, self.fraction_nanos) {
            let mut digits = format!("{:04}", (nanos / 100_000).min(9999));
            while digits.len() > 1 && digits.ends_with('0') {
                digits.pop();
            }
            write!(f, ".{digits}")?;
        }
        if let Some(offset) = self.offset_minutes {
            let sign = if offset < 0 { '-' } else { '+' };
            let abs = offset.unsigned_abs();
            write!(f, "{sign}{:02}{:02}", abs / 60, abs % 60)?;
        }
        Ok(())
    }
}
