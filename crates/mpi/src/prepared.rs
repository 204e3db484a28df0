//! A record normalised once for repeated comparison.

use std::fmt;

use crate::demographics::{BirthDate, Demographics, Sex};
use crate::{normalize, phonetic, systems};

/// How much an identifier system says about identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IdStrength {
    /// A national, person-level number (ABHA, NHS number, SSN, passport): one person, one
    /// number, almost never shared.
    National,
    /// A record number of some facility: one per registration, so duplicates differ in it.
    Local,
}

/// Phonetic forms of one name: the romanisation skeleton and its NYSIIS code.
#[derive(Clone, Default)]
pub(crate) struct NameKey {
    pub(crate) skeleton: String,
    pub(crate) code: String,
}

impl NameKey {
    pub(crate) fn of(name: &str) -> NameKey {
        let skeleton = phonetic::skeleton(name);
        let code = phonetic::nysiis(&skeleton);
        NameKey { skeleton, code }
    }
}

#[derive(Clone)]
pub(crate) struct NormIdent {
    pub(crate) system: String,
    pub(crate) value: String,
    pub(crate) strength: IdStrength,
}

/// One record, normalised for matching: names folded and canonicalised, phonetic codes
/// computed, contact details reduced to comparable forms. Build it with [`prepare`] when the
/// same record is compared against many candidates.
///
/// `Debug` is redacted.
#[derive(Clone)]
pub struct Prepared {
    pub(crate) family: Vec<String>,
    pub(crate) family_joined: String,
    pub(crate) family_key: NameKey,
    pub(crate) given: Vec<String>,
    pub(crate) given_keys: Vec<NameKey>,
    pub(crate) birth: Option<BirthDate>,
    pub(crate) sex: Option<Sex>,
    pub(crate) ids: Vec<NormIdent>,
    pub(crate) postal: Option<String>,
    pub(crate) address: Vec<String>,
    pub(crate) phone: Option<String>,
}

impl fmt::Debug for Prepared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Prepared(<redacted>)")
    }
}

/// Normalises a record for [`crate::compare_prepared`].
pub fn prepare(d: &Demographics) -> Prepared {
    let names = normalize::names(&d.family, &d.given);
    let family_joined: String = names.family.concat();
    let family_key = NameKey::of(&family_joined);
    let given_keys = names.given.iter().map(|g| NameKey::of(g)).collect();
    let mut ids: Vec<NormIdent> = d
        .identifiers
        .iter()
        .filter_map(|i| {
            let value = normalize::identifier_value(&i.value);
            let system = normalize::identifier_system(&i.system);
            if value.is_empty() || system.is_empty() {
                return None;
            }
            let strength = if systems::is_national(&system) {
                IdStrength::National
            } else {
                IdStrength::Local
            };
            Some(NormIdent {
                system,
                value,
                strength,
            })
        })
        .collect();
    ids.sort_by(|a, b| {
        (a.strength != IdStrength::National, &a.system, &a.value).cmp(&(
            b.strength != IdStrength::National,
            &b.system,
            &b.value,
        ))
    });
    ids.dedup_by(|a, b| a.system == b.system && a.value == b.value);
    Prepared {
        family: names.family,
        family_joined,
        family_key,
        given: names.given,
        given_keys,
        birth: d.birth_date.filter(BirthDate::is_valid),
        sex: d.sex.filter(|s| *s != Sex::Unknown),
        ids,
        postal: d.postal_code.as_deref().and_then(normalize::postal),
        address: d
            .address_line
            .as_deref()
            .map(normalize::address)
            .unwrap_or_default(),
        phone: d.phone.as_deref().and_then(normalize::phone),
    }
}
