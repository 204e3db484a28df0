//! Patient identifiers: the hospital MRN, India's ABHA number and other national ids.

use std::fmt;

/// FHIR `Identifier.system` for this site's medical record numbers.
pub const MRN_SYSTEM: &str = "urn:oid:2.16.840.1.113883.19.5.99999.1";
/// FHIR `Identifier.system` for ABHA numbers (Ayushman Bharat Health Account, ABDM).
pub const ABHA_SYSTEM: &str = "https://healthid.abdm.gov.in";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdentifierError {
    #[error("an MRN must be 1 to 32 letters, digits or '-'; found {len} characters")]
    MrnLength { len: usize },
    #[error("an MRN may contain only letters, digits and '-'")]
    MrnCharacters,
    #[error("an ABHA number has 14 digits written XX-XXXX-XXXX-XXXX; found {digits} digits")]
    AbhaLength { digits: usize },
    #[error("an ABHA number contains only digits and '-' (XX-XXXX-XXXX-XXXX)")]
    AbhaCharacters,
    #[error("an ABHA number groups its digits XX-XXXX-XXXX-XXXX; hyphens are misplaced")]
    AbhaGrouping,
    #[error("identifier system must be an absolute URI (http:, https: or urn:)")]
    SystemNotUri,
    #[error("identifier value must be 1 to 64 characters without control characters")]
    ValueShape,
}

/// A hospital medical record number.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Mrn(String);

impl Mrn {
    pub fn parse(s: &str) -> Result<Mrn, IdentifierError> {
        let s = s.trim();
        if s.is_empty() || s.len() > 32 {
            return Err(IdentifierError::MrnLength { len: s.chars().count() });
        }
        if !s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err(IdentifierError::MrnCharacters);
        }
        Ok(Mrn(s.to_ascii_uppercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Mrn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A 14-digit ABHA number. Its last digit is a Luhn check digit over the first 13; a failed
/// check is reported through [`AbhaNumber::checksum_ok`] as a warning rather than refused,
/// because numbers issued in the field do not all carry a valid check digit.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AbhaNumber {
    digits: [u8; 14],
}

impl AbhaNumber {
    /// Accepts `XX-XXXX-XXXX-XXXX` or the 14 digits without hyphens.
    pub fn parse(s: &str) -> Result<AbhaNumber, IdentifierError> {
        let s = s.trim();
        if !s.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
            return Err(IdentifierError::AbhaCharacters);
        }
        let count = s.bytes().filter(u8::is_ascii_digit).count();
        if count != 14 {
            return Err(IdentifierError::AbhaLength { digits: count });
        }
        if s.contains('-') {
            let groups: Vec<usize> = s.split('-').map(str::len).collect();
            if groups != [2, 4, 4, 4] {
                return Err(IdentifierError::AbhaGrouping);
            }
        }
        let mut digits = [0u8; 14];
        for (slot, b) in digits.iter_mut().zip(s.bytes().filter(u8::is_ascii_digit)) {
            *slot = b - b'0';
        }
        Ok(AbhaNumber { digits })
    }

    pub fn checksum_ok(&self) -> bool {
        luhn_valid(&self.digits)
    }

    /// The canonical `XX-XXXX-XXXX-XXXX` form.
    pub fn formatted(&self) -> String {
        let d: String = self.digits.iter().map(|d| char::from(b'0' + d)).collect();
        format!("{}-{}-{}-{}", &d[0..2], &d[2..6], &d[6..10], &d[10..14])
    }
}

/// Luhn (mod 10) over digits whose last one is the check digit.
pub fn luhn_valid(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d);
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    sum % 10 == 0
}

/// The Luhn check digit for `payload` (the digits before it).
pub fn luhn_check_digit(payload: &[u8]) -> u8 {
    let sum: u32 = payload
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d);
            if i % 2 == 0 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

/// Checks the shape of any other identifier (national ids, insurance numbers).
pub fn check_identifier(system: &str, value: &str) -> Result<(), IdentifierError> {
    if !(system.starts_with("http://") || system.starts_with("https://") || system.starts_with("urn:"))
    {
        return Err(IdentifierError::SystemNotUri);
    }
    let v = value.trim();
    if v.is_empty() || v.chars().count() > 64 || v.chars().any(char::is_control) {
        return Err(IdentifierError::ValueShape);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abha_luhn() {
        let payload = [9, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2];
        let check = luhn_check_digit(&payload);
        let s = format!("91-2345-6789-012{check}");
        let n = AbhaNumber::parse(&s).unwrap();
        assert!(n.checksum_ok());
        assert_eq!(n.formatted(), s);
        let wrong = format!("91-2345-6789-012{}", (check + 1) % 10);
        assert!(!AbhaNumber::parse(&wrong).unwrap().checksum_ok());
    }

    #[test]
    fn abha_shape_errors() {
        assert_eq!(AbhaNumber::parse("91-2345-6789"), Err(IdentifierError::AbhaLength { digits: 10 }));
        assert_eq!(AbhaNumber::parse("91-2345-6789-01a3"), Err(IdentifierError::AbhaCharacters));
        assert_eq!(AbhaNumber::parse("912-345-6789-0123"), Err(IdentifierError::AbhaGrouping));
        assert!(AbhaNumber::parse("91234567890123").is_ok());
    }

    #[test]
    fn mrn() {
        assert_eq!(Mrn::parse(" mrn000123 ").unwrap().as_str(), "MRN000123");
        assert_eq!(Mrn::parse("MRN 1"), Err(IdentifierError::MrnCharacters));
        assert_eq!(Mrn::parse(""), Err(IdentifierError::MrnLength { len: 0 }));
    }
}
