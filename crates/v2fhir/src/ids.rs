//! Deterministic resource ids, so that a message sent again (a corrected result, an updated
//! visit) updates the same records instead of adding new ones.
//!
//! FNV-1a (64-bit) is used because it is tiny, stable across platforms and releases, and needs
//! no dependency; the ids it makes are keys, not secrets, so a cryptographic hash would buy
//! nothing. Parts are joined with the ASCII unit separator (0x1F), which cannot appear in an HL7
//! value, so `("ab", "c")` and `("a", "bc")` hash differently.

/// The longest visit number used as an id as it is (with the `enc-` prefix, 64 is FHIR's limit).
const MAX_PLAIN_LEN: usize = 60;

/// FNV-1a, 64-bit, over `parts` joined by 0x1F.
pub(crate) fn fnv1a64(parts: &[&str]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash = OFFSET;
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            hash ^= 0x1F;
            hash = hash.wrapping_mul(PRIME);
        }
        for b in part.bytes() {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(PRIME);
        }
    }
    hash
}

/// `prefix` + 16 lowercase hex digits of [`fnv1a64`].
pub(crate) fn hashed(prefix: &str, parts: &[&str]) -> String {
    format!("{prefix}{:016x}", fnv1a64(parts))
}

/// Whether `s` may stand in a FHIR id as it is: `A-Z a-z 0-9 - .`, 1 to 60 characters.
pub(crate) fn is_id_safe(s: &str) -> bool {
    (1..=MAX_PLAIN_LEN).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
}

/// `enc-<visit number>`, or `enc-<fnv>` when the number is not id-safe or longer than 60.
pub(crate) fn encounter_id(visit_number: &str) -> String {
    if is_id_safe(visit_number) {
        format!("enc-{visit_number}")
    } else {
        hashed("enc-", &[visit_number])
    }
}

/// `dr-<fnv of order number and service code>`.
pub(crate) fn report_id(order_number: &str, service_code: &str) -> String {
    hashed("dr-", &[order_number, service_code])
}

/// `obx-<fnv of order number, observation code and sub-id>`; `occurrence` (0 for the first)
/// separates results that repeat the same code and sub-id under one order.
pub(crate) fn observation_id(
    order_number: &str,
    code: &str,
    sub_id: &str,
    occurrence: usize,
) -> String {
    if occurrence == 0 {
        hashed("obx-", &[order_number, code, sub_id])
    } else {
        hashed(
            "obx-",
            &[order_number, code, sub_id, &occurrence.to_string()],
        )
    }
}

/// Lowercase, with every character outside `a-z 0-9 - .` replaced by `-`: a namespace
/// (`MERIDIAN`, `St. Mary's`) made fit for a URN.
pub(crate) fn urn_part(s: &str) -> String {
    s.trim()
        .chars()
        .map(|c| {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_matches_the_reference_vectors() {
        // Published FNV-1a 64 test vectors.
        assert_eq!(fnv1a64(&[""]), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(&["a"]), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(&["foobar"]), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn parts_are_separated() {
        assert_ne!(fnv1a64(&["ab", "c"]), fnv1a64(&["a", "bc"]));
        assert_ne!(fnv1a64(&["abc"]), fnv1a64(&["ab", "c"]));
    }

    #[test]
    fn encounter_ids() {
        assert_eq!(encounter_id("V100234"), "enc-V100234");
        let long = "9".repeat(61);
        let hashed = encounter_id(&long);
        assert!(hashed.starts_with("enc-") && hashed.len() == 20, "{hashed}");
        let odd = encounter_id("V 1/2");
        assert_eq!(odd.len(), 20);
        assert_ne!(odd, encounter_id("V 1/3"));
    }

    #[test]
    fn urn_parts() {
        assert_eq!(urn_part("St. Mary's Hosp"), "st.-mary-s-hosp");
        assert_eq!(urn_part("MERIDIAN"), "meridian");
    }
}
