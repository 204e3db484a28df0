//! Blocking keys: short codes under which the store files each record, so that a new
//! registration is compared only with records sharing at least one key.
//!
//! The keys are chosen so that each common registration error leaves at least one intact:
//!
//! | key | made of | survives |
//! | --- | --- | --- |
//! | `f` | Soundex(family) + birth year | given-name errors, day/month errors |
//! | `g` | Soundex(formal given) + day and month, order-free | surname change or typo, year errors, day/month swap, nicknames |
//! | `n` | Soundex of both names, order-free + postal code | missing or wrong birth date, names exchanged |
//! | `p` | digest of the phone number | anything but a changed phone |
//! | `i` | digest of an identifier (at most two) | anything but a missing identifier |
//!
//! Names appear only as four-character Soundex codes, which many names share; phone numbers
//! and identifiers only as 50-bit digests. Neither is a security measure (the store encrypts
//! the table); the point is that the key table is not a second copy of the register.

use crate::normalize;
use crate::phonetic::{skeleton, soundex};
use crate::prepared::{Prepared, prepare};
use crate::{Demographics, nicknames};

/// Version of the key scheme. Keys from different versions do not meet; a store that finds
/// a different version stored must recompute every record's keys.
pub const BLOCKING_SCHEME_VERSION: u32 = 1;

/// The blocking keys of a record (at most six, deduplicated, in a stable order).
///
/// ```
/// use meridian_mpi::{blocking_keys, BirthDate, Demographics};
/// let a = Demographics {
///     family: "Sharma".into(),
///     given: vec!["Priya".into()],
///     birth_date: Some(BirthDate { year: 1990, month: 4, day: 11 }),
///     ..Demographics::default()
/// };
/// // Day and month swapped, surname misspelt: the given-name key still meets.
/// let b = Demographics {
///     family: "Sarma".into(),
///     birth_date: Some(BirthDate { year: 1990, month: 11, day: 4 }),
///     ..a.clone()
/// };
/// let ka = blocking_keys(&a);
/// assert!(blocking_keys(&b).iter().any(|k| ka.contains(k)));
/// ```
pub fn blocking_keys(d: &Demographics) -> Vec<String> {
    blocking_keys_prepared(&prepare(d))
}

/// [`blocking_keys`] for a record normalised with [`prepare`].
pub fn blocking_keys_prepared(p: &Prepared) -> Vec<String> {
    let mut keys = Vec::with_capacity(6);
    let family = code(&p.family_joined);
    let given = p
        .given
        .first()
        .map(|g| code(nicknames::formal_name(g)))
        .unwrap_or_default();
    // Without a family name (single-name patients) the given name stands in.
    let surname_like = if family.is_empty() {
        given.clone()
    } else {
        family.clone()
    };

    if let Some(b) = p.birth {
        if !surname_like.is_empty() {
            keys.push(format!("f:{surname_like}:{}", b.year));
        }
        if !given.is_empty() {
            let (lo, hi) = if b.day <= b.month {
                (b.day, b.month)
            } else {
                (b.month, b.day)
            };
            keys.push(format!("g:{given}:{lo:02}{hi:02}"));
        }
    }
    if let Some(postal) = &p.postal
        && !family.is_empty()
        && !given.is_empty()
    {
        let (x, y) = if family <= given {
            (&family, &given)
        } else {
            (&given, &family)
        };
        keys.push(format!("n:{x}{y}:{postal}"));
    }
    if let Some(phone) = &p.phone {
        keys.push(format!("p:{}", digest(phone)));
    }
    // National numbers sort first (see `prepare`).
    for id in p.ids.iter().take(2) {
        keys.push(format!(
            "i:{}",
            digest(&format!("{}|{}", id.system, id.value))
        ));
    }
    keys.dedup();
    keys
}

/// Soundex of the romanisation skeleton; empty for names without Latin letters.
fn code(name: &str) -> String {
    soundex(&skeleton(&normalize::fold(name)))
}

/// FNV-1a, 64 bits, shown as ten base-32 characters (50 bits): stable across platforms and
/// releases, which `std`'s hasher is not.
fn digest(text: &str) -> String {
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    (0..10)
        .map(|i| {
            // The index is masked to five bits, so it is always within the alphabet.
            char::from(ALPHABET[((h >> (i * 5)) & 31) as usize])
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_is_stable() {
        // Pinned: changing it silently would orphan every stored key (bump
        // BLOCKING_SCHEME_VERSION instead).
        assert_eq!(digest("9845012345"), "aov3z63u3d");
        assert_eq!(digest("").len(), 10);
        assert_ne!(digest("9845012345"), digest("9845012346"));
    }

    #[test]
    fn keys_are_pinned() {
        let d = Demographics {
            family: "Sharma".into(),
            given: vec!["Priya".into()],
            birth_date: Some(crate::BirthDate {
                year: 1988,
                month: 3,
                day: 9,
            }),
            postal_code: Some("560034".into()),
            ..Demographics::default()
        };
        assert_eq!(
            blocking_keys(&d),
            ["f:S650:1988", "g:P600:0309", "n:P600S650:560034"]
        );
    }
}
