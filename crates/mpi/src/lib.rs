//! Master patient index matching: is this registration someone we already know?
//!
//! Given two sets of [`Demographics`], [`compare`] says how likely they describe one person
//! (a [`Comparison`] with a probability, a [`MatchBand`] and the [`Evidence`] for a UI to
//! explain), and [`blocking_keys`] gives the short codes under which the store files a
//! record so that only plausible candidates are compared. The matcher is a Fellegi–Sunter
//! model tuned for registration in India and elsewhere: honorifics, romanisation variants
//! (`Mohd`/`Mohammed`, `Laxmi`/`Lakshmi`), nicknames, swapped day and month, age-derived
//! birth dates (1 January), exchanged family and given names, twins and households.
//!
//! It refuses to know about IO, clocks, storage and the wire: the store keeps the key table
//! and calls in; nothing here logs, and `Debug` of every record type is redacted. Names in
//! scripts other than Latin are compared only as written (no transliteration).
//!
//! The [`eval`] module builds a deterministic synthetic population with realistic errors and
//! measures precision and recall through the same blocking and comparison the store uses.
//!
//! ```
//! use meridian_mpi::{blocking_keys, compare, BirthDate, Demographics, MatchBand, Sex};
//! let existing = Demographics {
//!     family: "Reddy".into(),
//!     given: vec!["Lakshmi".into()],
//!     birth_date: Some(BirthDate { year: 1979, month: 2, day: 8 }),
//!     sex: Some(Sex::Female),
//!     phone: Some("+91 98450 12345".into()),
//!     ..Demographics::default()
//! };
//! let new = Demographics {
//!     family: "REDDY".into(),
//!     given: vec!["Smt. Laxmi".into()],
//!     birth_date: Some(BirthDate { year: 1979, month: 8, day: 2 }),
//!     phone: Some("09845012345".into()),
//!     ..existing.clone()
//! };
//! let shared = blocking_keys(&new).into_iter().any(|k| blocking_keys(&existing).contains(&k));
//! assert!(shared);
//! assert!(compare(&existing, &new).band >= MatchBand::Probable);
//! ```

mod blocking;
mod compare;
mod demographics;
pub mod eval;
mod nicknames;
mod normalize;
pub mod phonetic;
mod prepared;
pub mod similarity;
pub mod systems;

pub use blocking::{BLOCKING_SCHEME_VERSION, blocking_keys, blocking_keys_prepared};
pub use compare::{
    BirthDateAgreement, Comparison, Evidence, FieldAgreement, IdentifierAgreement, MatchBand,
    NameAgreement, compare, compare_prepared,
};
pub use demographics::{BirthDate, BirthDateError, Demographics, Ident, Sex};
pub use nicknames::{are_nicknames, formal_name};
pub use normalize::fold;
pub use prepared::{Prepared, prepare};
