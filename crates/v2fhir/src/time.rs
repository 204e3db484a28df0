//! HL7 DTM to FHIR `date`/`dateTime`/`instant` and back.
//!
//! A FHIR `dateTime` with a time of day must carry seconds and a zone; a DTM may stop at the hour
//! or minute and often has no offset (the sender's local time). Missing minutes and seconds are
//! written as zeros, and a missing offset is taken from
//! [`MappingConfig::default_offset_minutes`](crate::MappingConfig::default_offset_minutes): the
//! zone the sending systems are known to run in. A DTM of date precision stays a date.

use meridian_fhir::{FhirDate, FhirDateTime, FhirInstant};
use meridian_hl7v2::{Dtm, parse_dtm};

fn date_text(t: &Dtm) -> String {
    let mut s = format!("{:04}", t.year);
    if let Some(m) = t.month {
        s.push_str(&format!("-{m:02}"));
        if let Some(d) = t.day {
            s.push_str(&format!("-{d:02}"));
        }
    }
    s
}

fn offset_text(minutes: i32) -> String {
    if minutes == 0 {
        return "Z".to_owned();
    }
    let sign = if minutes < 0 { '-' } else { '+' };
    let abs = minutes.unsigned_abs();
    format!("{sign}{:02}:{:02}", abs / 60, abs % 60)
}

fn date_time_text(t: &Dtm, default_offset_minutes: i32) -> String {
    let mut s = date_text(t);
    if let (Some(_), Some(h)) = (t.day, t.hour) {
        s.push_str(&format!(
            "T{h:02}:{:02}:{:02}",
            t.minute.unwrap_or(0),
            t.second.unwrap_or(0)
        ));
        if let Some(nanos) = t.fraction_nanos.filter(|n| *n > 0) {
            let digits = format!("{nanos:09}");
            s.push('.');
            s.push_str(digits.trim_end_matches('0'));
        }
        s.push_str(&offset_text(
            t.offset_minutes.unwrap_or(default_offset_minutes),
        ));
    }
    s
}

/// A DTM as a FHIR `date`, at the precision given (a time part is dropped). `None` when the
/// text is not a DTM.
pub(crate) fn to_date(dtm: &str) -> Option<FhirDate> {
    let t = parse_dtm(dtm.trim()).ok()?;
    FhirDate::parse(&date_text(&t)).ok()
}

/// A DTM as a FHIR `dateTime`: a date when no time is given, else a full time with the DTM's
/// offset or `default_offset_minutes`. `None` when the text is not a DTM.
pub(crate) fn to_date_time(dtm: &str, default_offset_minutes: i32) -> Option<FhirDateTime> {
    let t = parse_dtm(dtm.trim()).ok()?;
    FhirDateTime::parse(&date_time_text(&t, default_offset_minutes)).ok()
}

/// A DTM as a FHIR `instant`, only when it gives a time and its own offset: an instant is
/// exact, so no zone is assumed for it. `Ok(None)` when the DTM is valid but not exact enough.
pub(crate) fn to_instant(dtm: &str) -> Result<Option<FhirInstant>, ()> {
    let t = parse_dtm(dtm.trim()).map_err(|_| ())?;
    match (t.hour, t.offset_minutes) {
        (Some(_), Some(offset)) => Ok(FhirInstant::parse(&date_time_text(&t, offset)).ok()),
        _ => Ok(None),
    }
}

/// A FHIR `date` (`1980-03-15`) as DTM (`19800315`).
pub(crate) fn date_to_dtm(date: &FhirDate) -> String {
    date.as_str().replace('-', "")
}

/// A FHIR `dateTime` or `instant` text as DTM: `2026-11-30T10:15:00.25+01:00` becomes
/// `20261130101500.25+0100`, `Z` becomes `+0000`; fractions are cut to the 4 digits HL7 allows.
pub(crate) fn date_time_to_dtm(text: &str) -> String {
    let Some((date, time)) = text.split_once('T') else {
        return text.replace('-', "");
    };
    let mut out = date.replace('-', "");
    let zone_at = time.find(['Z', '+', '-']).unwrap_or(time.len());
    let (clock, zone) = time.split_at(zone_at);
    let (hms, fraction) = clock.split_once('.').unwrap_or((clock, ""));
    out.push_str(&hms.replace(':', ""));
    let fraction: String = fraction.chars().take(4).collect();
    let fraction = fraction.trim_end_matches('0');
    if !fraction.is_empty() {
        out.push('.');
        out.push_str(fraction);
    }
    match zone {
        "Z" => out.push_str("+0000"),
        "" => {}
        z => out.push_str(&z.replace(':', "")),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dt(s: &str, offset: i32) -> Option<String> {
        to_date_time(s, offset).map(|d| d.as_str().to_owned())
    }

    #[test]
    fn dtm_to_fhir() {
        assert_eq!(
            dt("20261130101500", 60).as_deref(),
            Some("2026-11-30T10:15:00+01:00")
        );
        assert_eq!(
            dt("20261130101500-0500", 60).as_deref(),
            Some("2026-11-30T10:15:00-05:00")
        );
        assert_eq!(
            dt("202611301015", 0).as_deref(),
            Some("2026-11-30T10:15:00Z")
        );
        assert_eq!(
            dt("2026113010", 330).as_deref(),
            Some("2026-11-30T10:00:00+05:30")
        );
        assert_eq!(dt("20261130", 60).as_deref(), Some("2026-11-30"));
        assert_eq!(dt("202611", 60).as_deref(), Some("2026-11"));
        assert_eq!(
            dt("20261130101500.25+0000", 60).as_deref(),
            Some("2026-11-30T10:15:00.25Z")
        );
        assert_eq!(dt("20261131", 0), None);
        assert_eq!(dt("yesterday", 0), None);
        assert_eq!(
            to_date("198003150830")
                .map(|d| d.as_str().to_owned())
                .as_deref(),
            Some("1980-03-15")
        );
        assert_eq!(
            to_date("1980").map(|d| d.as_str().to_owned()).as_deref(),
            Some("1980")
        );
    }

    #[test]
    fn instants_need_their_own_offset() {
        assert_eq!(
            to_instant("20261130101500+0100").map(|i| i.map(|i| i.as_str().to_owned())),
            Ok(Some("2026-11-30T10:15:00+01:00".to_owned()))
        );
        assert_eq!(to_instant("20261130101500").map(|i| i.is_some()), Ok(false));
        assert!(to_instant("2026-11-30").is_err());
    }

    #[test]
    fn fhir_to_dtm() {
        assert_eq!(
            date_time_to_dtm("2026-11-30T10:15:00+01:00"),
            "20261130101500+0100"
        );
        assert_eq!(
            date_time_to_dtm("2026-11-30T10:15:00.123456Z"),
            "20261130101500.1234+0000"
        );
        assert_eq!(
            date_time_to_dtm("2026-11-30T10:15:00.500-05:00"),
            "20261130101500.5-0500"
        );
        assert_eq!(date_time_to_dtm("2026-11"), "202611");
        let d = FhirDate::parse("1980-03-15").ok();
        assert_eq!(d.as_ref().map(date_to_dtm).as_deref(), Some("19800315"));
    }
}
