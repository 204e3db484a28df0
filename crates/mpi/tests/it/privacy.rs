//! Patient data never reaches Debug or error text.

use meridian_mpi::{BirthDate, BirthDateError, prepare};

use crate::priya;

#[test]
fn debug_output_is_redacted() {
    let d = priya();
    let text = format!("{d:?} {:?} {:?}", d.birth_date, prepare(&d));
    for secret in [
        "Sharma",
        "Priya",
        "1988",
        "98450",
        "5012",
        "560034",
        "Indiranagar",
    ] {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }
    assert!(text.contains("<present>"));
}

#[test]
fn birth_date_errors_say_what_without_the_date() {
    let e = BirthDate::new(1988, 13, 9).err();
    assert_eq!(e, Some(BirthDateError::Month));
    let text = e.map(|e| e.to_string()).unwrap_or_default();
    assert!(text.contains("month") && !text.contains("13") && !text.contains("1988"));
    assert_eq!(BirthDate::new(2023, 2, 29).err(), Some(BirthDateError::Day));
    assert_eq!(BirthDate::new(2024, 2, 29).map(|d| d.day), Ok(29));
    assert_eq!(BirthDate::new(180, 1, 1).err(), Some(BirthDateError::Year));
}
