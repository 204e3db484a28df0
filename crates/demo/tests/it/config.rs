use meridian_demo::{CivilDateTime, DemoConfig, DemoError, patients};

use crate::{NOW, config};

#[test]
fn presets_validate() {
    assert_eq!(DemoConfig::interactive(1, NOW).validate(), Ok(()));
    let b = DemoConfig::benchmark(1, NOW);
    assert_eq!(b.validate(), Ok(()));
    assert_eq!(b.patients, 100_000);
    assert_eq!(b.observations_per_patient_hint, 100);
}

#[test]
fn rejects_impossible_dates_with_a_specific_message() {
    let mut c = config(1, 1);
    c.now = CivilDateTime::new(2025, 2, 30, 10, 0);
    let err = c.validate().expect_err("must be rejected");
    assert!(matches!(
        err,
        DemoError::InvalidNow {
            field: "day",
            value: 30,
            ..
        }
    ));
    let msg = err.to_string();
    assert!(msg.contains("day 30"), "{msg}");
    assert!(msg.starts_with(char::is_lowercase), "{msg}");

    c.now = CivilDateTime::new(2025, 13, 1, 10, 0);
    assert!(matches!(
        c.validate(),
        Err(DemoError::InvalidNow { field: "month", .. })
    ));
    c.now = CivilDateTime::new(2025, 1, 1, 24, 0);
    assert!(matches!(
        c.validate(),
        Err(DemoError::InvalidNow { field: "hour", .. })
    ));
}

#[test]
fn rejects_out_of_range_history_and_hint() {
    let mut c = config(1, 1);
    c.years_of_history = 0;
    let err = c.validate().expect_err("must be rejected");
    assert_eq!(err, DemoError::YearsOfHistory { value: 0 });
    assert!(err.to_string().contains("try 3"));
    c.years_of_history = 3;
    c.observations_per_patient_hint = 1_000_000;
    assert!(matches!(
        c.validate(),
        Err(DemoError::ObservationHint { .. })
    ));
}

#[test]
fn generation_clamps_instead_of_panicking() {
    let mut c = config(1, 3);
    c.now = CivilDateTime::new(2025, 14, 45, 30, 99);
    c.years_of_history = 0;
    c.observations_per_patient_hint = 0;
    let ps: Vec<_> = patients(&c).collect();
    assert_eq!(ps.len(), 3);
    assert!(ps.iter().all(|p| !p.resources.is_empty()));
}
