//! Integration tests for meridian-mpi: one binary, a module per area.

mod blocking;
mod compare;
mod eval;
mod privacy;

use meridian_mpi::{BirthDate, Demographics, Ident, Sex, systems};

/// A fully filled record to derive variations from.
pub(crate) fn priya() -> Demographics {
    Demographics {
        family: "Sharma".into(),
        given: vec!["Priya".into()],
        birth_date: Some(BirthDate {
            year: 1988,
            month: 3,
            day: 9,
        }),
        sex: Some(Sex::Female),
        identifiers: vec![Ident::new(systems::ABHA, "91-5012-3456-7890")],
        postal_code: Some("560034".into()),
        address_line: Some("12 MG Road, Indiranagar".into()),
        phone: Some("+91 98450 12345".into()),
    }
}

pub(crate) fn date(year: i32, month: u8, day: u8) -> Option<BirthDate> {
    Some(BirthDate { year, month, day })
}
