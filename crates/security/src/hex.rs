//! Lowercase hexadecimal for key material. Private: callers see `MasterKey::to_hex`/`from_hex`.

use zeroize::Zeroizing;

const DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Encodes `bytes` as lowercase hex into a string that is wiped on drop.
pub(crate) fn encode(bytes: &[u8]) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(bytes.len() * 2));
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

/// Decodes exactly `N` bytes of hex (either case). `None` on any other length or character;
/// the caller turns that into its own error, so no input is ever echoed.
pub(crate) fn decode_array<const N: usize>(text: &str) -> Option<Zeroizing<[u8; N]>> {
    let bytes = text.as_bytes();
    if bytes.len() != N * 2 {
        return None;
    }
    let mut out = Zeroizing::new([0u8; N]);
    for (slot, pair) in out.iter_mut().zip(bytes.chunks_exact(2)) {
        *slot = (nibble(pair[0])? << 4) | nibble(pair[1])?;
    }
    Some(out)
}

fn nibble(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_rejects() {
        let enc = encode(&[0x00, 0x7f, 0xa5, 0xff]);
        assert_eq!(enc.as_str(), "007fa5ff");
        let dec = decode_array::<4>("007FA5ff").map(|z| *z);
        assert_eq!(dec, Some([0x00, 0x7f, 0xa5, 0xff]));
        assert!(decode_array::<4>("007fa5f").is_none());
        assert!(decode_array::<4>("007fa5fg").is_none());
        assert!(decode_array::<2>("007fa5ff").is_none());
    }
}
