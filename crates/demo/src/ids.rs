//! Identifier arithmetic: Luhn check digits, ABHA numbers, and base64 for note attachments.

/// The Luhn check digit (0–9) for a string of ASCII digits; `None` if any character is not a
/// digit or the string is empty.
///
/// ```
/// assert_eq!(meridian_demo::luhn_check_digit("7992739871"), Some(3));
/// ```
#[must_use]
pub fn luhn_check_digit(digits: &str) -> Option<u8> {
    if digits.is_empty() {
        return None;
    }
    let mut sum = 0u32;
    // Walking from the right, the first digit (which sits next to the check digit) is doubled.
    for (i, c) in digits.bytes().rev().enumerate() {
        let d = u32::from(c.checked_sub(b'0').filter(|d| *d <= 9)?);
        let v = if i % 2 == 0 {
            let x = d * 2;
            if x > 9 { x - 9 } else { x }
        } else {
            d
        };
        sum += v;
    }
    // (10 - sum % 10) % 10 is a single digit.
    Some(((10 - sum % 10) % 10) as u8)
}

/// Whether a string of digits (separators `-` and spaces ignored) ends in a valid Luhn check
/// digit.
///
/// ```
/// assert!(meridian_demo::luhn_valid("79927398713"));
/// assert!(!meridian_demo::luhn_valid("79927398710"));
/// ```
#[must_use]
pub fn luhn_valid(number: &str) -> bool {
    let digits: String = number.chars().filter(|c| *c != '-' && *c != ' ').collect();
    let Some((body, check)) = digits.split_at_checked(digits.len().saturating_sub(1)) else {
        return false;
    };
    match (luhn_check_digit(body), check.bytes().next()) {
        (Some(expected), Some(c)) => c == b'0' + expected,
        _ => false,
    }
}

/// Formats an ABHA number `XX-XXXX-XXXX-XXXX` from a 13-digit body plus its Luhn digit.
pub(crate) fn abha_number(body13: u64) -> String {
    let body = format!("{:013}", body13 % 10_000_000_000_000);
    // `body` is 13 ASCII digits, so a check digit always exists.
    let check = luhn_check_digit(&body).unwrap_or(0);
    format!(
        "{}-{}-{}-{}{}",
        &body[0..2],
        &body[2..6],
        &body[6..10],
        &body[10..13],
        check
    )
}

/// A bijection on [0, 10^11): distinct patient indices give distinct ABHA bodies, so no two
/// synthetic patients ever share one.
pub(crate) fn abha_body(seed: u64, index: u64) -> u64 {
    const SPACE: u64 = 100_000_000_000;
    // 7_919_000_003 is odd and not a multiple of 5, hence coprime to 10^11.
    let offset = seed.wrapping_mul(0x9E37_79B9) % SPACE;
    let permuted = ((u128::from(index % SPACE) * 7_919_000_003 + u128::from(offset))
        % u128::from(SPACE)) as u64;
    // Real ABHA numbers begin with 91; the remaining eleven digits are the permuted index.
    91 * SPACE + permuted
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 (RFC 4648, with padding), as FHIR `base64Binary` expects.
pub(crate) fn base64(input: &[u8]) -> String {
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b0 = chunk[0];
        let b1 = chunk.get(1).copied().unwrap_or(0);
        let b2 = chunk.get(2).copied().unwrap_or(0);
        let n = (u32::from(b0) << 16) | (u32::from(b1) << 8) | u32::from(b2);
        out.push(char::from(B64[(n >> 18) as usize & 63]));
        out.push(char::from(B64[(n >> 12) as usize & 63]));
        out.push(if chunk.len() > 1 {
            char::from(B64[(n >> 6) as usize & 63])
        } else {
            '='
        });
        out.push(if chunk.len() > 2 {
            char::from(B64[n as usize & 63])
        } else {
            '='
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_reference_values() {
        assert_eq!(luhn_check_digit("7992739871"), Some(3));
        assert_eq!(luhn_check_digit("0"), Some(0));
        assert_eq!(luhn_check_digit(""), None);
        assert_eq!(luhn_check_digit("12a"), None);
        assert!(luhn_valid("4539 1488 0343 6467"));
        assert!(!luhn_valid("4539 1488 0343 6468"));
        assert!(!luhn_valid(""));
    }

    #[test]
    fn abha_shape_and_check_digit() {
        let n = abha_number(abha_body(42, 123));
        assert_eq!(n.len(), 17);
        assert!(n.starts_with("91-"));
        assert!(luhn_valid(&n));
    }

    #[test]
    fn abha_bodies_are_distinct() {
        let mut seen: Vec<u64> = (0..50_000).map(|i| abha_body(5, i)).collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), 50_000);
    }

    #[test]
    fn base64_rfc4648_vectors() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foob"), "Zm9vYg==");
        assert_eq!(base64(b"fooba"), "Zm9vYmE=");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }
}
