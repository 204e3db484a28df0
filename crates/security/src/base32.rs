//! RFC 4648 base32 (the standard alphabet `A–Z2–7`), as used for TOTP secrets.
//!
//! [`encode`] writes no padding, which is what `otpauth://` URIs and authenticator apps
//! expect. [`decode`] accepts upper or lower case and optional trailing `=` padding, and
//! refuses anything else with a specific [`Base32Error`]. Decoding is strict about
//! non-canonical input (leftover bits that are not zero, impossible lengths), so that a
//! decoded secret always re-encodes to the same text. Errors carry positions, never the
//! input, because the input is usually a secret.

use zeroize::Zeroizing;

const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// Why a base32 text could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Base32Error {
    /// A character outside `A–Z`, `a–z`, `2–7` (or a `=` that is not trailing padding).
    #[error(
        "invalid base32 character at position {position}; hint: only the letters A-Z and digits 2-7 are allowed (0, 1, 8 and 9 are not base32)"
    )]
    InvalidCharacter {
        /// Zero-based byte offset into the input.
        position: usize,
    },
    /// The number of data characters (padding excluded) cannot come from any byte string.
    #[error(
        "base32 text has {data_chars} data characters, which no byte string encodes to; hint: the secret was probably truncated or mistyped"
    )]
    InvalidLength {
        /// Characters before any trailing padding.
        data_chars: usize,
    },
    /// The last character carries bits beyond the data, which a canonical encoder leaves zero.
    #[error(
        "base32 text ends with non-zero padding bits; hint: the last character was probably mistyped"
    )]
    NonCanonical,
}

/// Encodes `bytes` as unpadded, uppercase base32.
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    encode_into(bytes, &mut out);
    out
}

/// Like [`encode`], for secrets: the text is wiped when dropped.
pub fn encode_secret(bytes: &[u8]) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(bytes.len().div_ceil(5) * 8));
    encode_into(bytes, &mut out);
    out
}

fn encode_into(bytes: &[u8], out: &mut String) {
    // A u16 accumulator is enough: at most 4 + 8 bits are pending at any time.
    let mut acc: u16 = 0;
    let mut bits: u32 = 0;
    for &b in bytes {
        acc = (acc << 8) | u16::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[usize::from((acc >> bits) & 0x1f)]));
        }
    }
    if bits > 0 {
        out.push(char::from(
            ALPHABET[usize::from((acc << (5 - bits)) & 0x1f)],
        ));
    }
}

/// Decodes base32 text (either case, optional trailing `=` padding).
pub fn decode(text: &str) -> Result<Vec<u8>, Base32Error> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    decode_into(text, &mut out)?;
    Ok(out)
}

/// Like [`decode`], for secrets: the bytes are wiped when dropped, also on error.
pub fn decode_secret(text: &str) -> Result<Zeroizing<Vec<u8>>, Base32Error> {
    let mut out = Zeroizing::new(Vec::with_capacity(text.len() * 5 / 8));
    decode_into(text, &mut out)?;
    Ok(out)
}

fn decode_into(text: &str, out: &mut Vec<u8>) -> Result<(), Base32Error> {
    let input = text.as_bytes();
    let data = input.len() - input.iter().rev().take_while(|&&c| c == b'=').count();
    // Only these remainders are produced by 0..=4 trailing bytes (0, 2, 4, 5, 7 chars).
    if matches!(data % 8, 1 | 3 | 6) {
        // Report a bad character first if there is one: it is the more useful message.
        if let Some(position) = input[..data].iter().position(|&c| value(c).is_none()) {
            return Err(Base32Error::InvalidCharacter { position });
        }
        return Err(Base32Error::InvalidLength { data_chars: data });
    }
    let mut acc: u16 = 0;
    let mut bits: u32 = 0;
    for (position, &c) in input[..data].iter().enumerate() {
        let v = value(c).ok_or(Base32Error::InvalidCharacter { position })?;
        acc = (acc << 5) | u16::from(v);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            // Truncation is the point: the low 8 bits above `bits` form the next byte.
            out.push((acc >> bits) as u8);
        }
        acc &= (1 << bits) - 1;
    }
    if acc != 0 {
        return Err(Base32Error::NonCanonical);
    }
    Ok(())
}

fn value(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a'),
        b'2'..=b'7' => Some(c - b'2' + 26),
        _ => None,
    }
}
