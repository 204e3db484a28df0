//! DTM: every precision, range checks, offsets, fractions, and formatting back.

use meridian_hl7v2::{Dtm, DtmProblem, ParseErrorKind, parse_dtm};

fn problem(s: &str) -> DtmProblem {
    match parse_dtm(s).map_err(|e| e.kind().clone()) {
        Err(ParseErrorKind::InvalidDtm(p)) => p,
        other => panic!("{s:?}: expected InvalidDtm, got {other:?}"),
    }
}

#[test]
fn every_precision_parses_and_formats_back_unchanged() {
    for text in [
        "2024",
        "202403",
        "20240312",
        "2024031210",
        "202403121015",
        "20240312101530",
        "20240312101530.1",
        "20240312101530.12",
        "20240312101530.123",
        "20240312101530.1234",
        "20240312101530.1234+0100",
        "2024-0500",
        "20240312+0000",
        "20240312101530-1200",
        "20240312101530+1400",
        "20240312101530+0545",
    ] {
        let t = parse_dtm(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(t.to_string(), text);
        assert_eq!(t.format(), text);
        assert_eq!(text.parse::<Dtm>().ok(), Some(t));
    }
}

#[test]
fn parts_and_offset_are_read_as_numbers() {
    let t = parse_dtm("20240229235959.0500-0330").expect("leap day");
    assert_eq!(
        (t.year, t.month, t.day, t.hour, t.minute, t.second),
        (2024, Some(2), Some(29), Some(23), Some(59), Some(59))
    );
    assert_eq!(t.fraction_nanos, Some(50_000_000));
    assert_eq!(t.offset_minutes, Some(-210));
    assert_eq!(
        t.to_string(),
        "20240229235959.05-0330",
        "trailing zeros of the fraction dropped"
    );
    let year = parse_dtm("1999").expect("year");
    assert_eq!(
        (year.year, year.month, year.offset_minutes),
        (1999, None, None)
    );
}

#[test]
fn out_of_range_parts_are_refused_with_the_reason() {
    assert_eq!(problem("20241301"), DtmProblem::MonthOutOfRange);
    assert_eq!(problem("202400"), DtmProblem::MonthOutOfRange);
    assert_eq!(problem("20230229"), DtmProblem::DayOutOfRange);
    assert_eq!(
        problem("19000229"),
        DtmProblem::DayOutOfRange,
        "1900 was not a leap year"
    );
    assert!(parse_dtm("20000229").is_ok(), "2000 was");
    assert_eq!(problem("20240431"), DtmProblem::DayOutOfRange);
    assert_eq!(problem("20240100"), DtmProblem::DayOutOfRange);
    assert_eq!(problem("2024031224"), DtmProblem::HourOutOfRange);
    assert_eq!(problem("202403122360"), DtmProblem::MinuteOutOfRange);
    assert_eq!(problem("20240312235960"), DtmProblem::SecondOutOfRange);
}

#[test]
fn malformed_text_is_refused_with_the_reason() {
    assert_eq!(problem(""), DtmProblem::BadLength);
    assert_eq!(problem("202"), DtmProblem::BadLength);
    assert_eq!(problem("20240"), DtmProblem::BadLength);
    assert_eq!(problem("202403121015301"), DtmProblem::BadLength);
    assert_eq!(problem("2024-03-12"), DtmProblem::BadOffset);
    assert_eq!(problem("2024031x"), DtmProblem::NotDigits);
    assert_eq!(problem("20240312T1015"), DtmProblem::NotDigits);
    assert_eq!(problem("20240312 "), DtmProblem::NotDigits);
    assert_eq!(
        problem("20240312.5"),
        DtmProblem::BadFraction,
        "fraction without seconds"
    );
    assert_eq!(problem("20240312101530."), DtmProblem::BadFraction);
    assert_eq!(problem("20240312101530.12345"), DtmProblem::BadFraction);
    assert_eq!(problem("20240312101530+01"), DtmProblem::BadOffset);
    assert_eq!(problem("20240312101530+1460"), DtmProblem::BadOffset);
    assert_eq!(problem("20240312101530+1500"), DtmProblem::BadOffset);
    assert_eq!(problem("20240312101530-1201"), DtmProblem::BadOffset);
    assert_eq!(problem("20240312101530+01000"), DtmProblem::BadOffset);
}

#[test]
fn errors_and_debug_never_show_the_date() {
    let birth = "19700115";
    let t = parse_dtm(birth).expect("date");
    let debug = format!("{t:?}");
    assert!(!debug.contains("1970") && !debug.contains("15"), "{debug}");
    assert!(debug.contains("day"));
    let err = parse_dtm("19701315").expect_err("month 13");
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("1970") && !shown.contains("13"), "{shown}");
}

#[test]
fn format_stops_at_the_first_missing_part_and_cuts_finer_fractions() {
    let t = Dtm {
        year: 2024,
        month: Some(3),
        day: None,
        hour: Some(10),
        ..Dtm::default()
    };
    assert_eq!(t.to_string(), "202403");
    let t = Dtm {
        year: 2024,
        month: Some(3),
        day: Some(12),
        hour: Some(1),
        minute: Some(2),
        second: Some(3),
        fraction_nanos: Some(123_456_789),
        offset_minutes: Some(0),
    };
    assert_eq!(t.to_string(), "20240312010203.1234+0000");
}
