use meridian_security::base32::{Base32Error, decode, encode};

/// RFC 4648 section 10, with the padding that `encode` leaves off.
const VECTORS: &[(&str, &str)] = &[
    ("", ""),
    ("f", "MY======"),
    ("fo", "MZXQ===="),
    ("foo", "MZXW6==="),
    ("foob", "MZXW6YQ="),
    ("fooba", "MZXW6YTB"),
    ("foobar", "MZXW6YTBOI======"),
];

#[test]
fn rfc4648_vectors_encode_unpadded() {
    for (plain, padded) in VECTORS {
        assert_eq!(
            encode(plain.as_bytes()),
            padded.trim_end_matches('='),
            "{plain:?}"
        );
    }
}

#[test]
fn rfc4648_vectors_decode_padded_unpadded_and_lowercase() {
    for (plain, padded) in VECTORS {
        let expected = plain.as_bytes().to_vec();
        assert_eq!(decode(padded), Ok(expected.clone()), "{padded}");
        assert_eq!(decode(padded.trim_end_matches('=')), Ok(expected.clone()));
        assert_eq!(decode(&padded.to_lowercase()), Ok(expected));
    }
}

#[test]
fn round_trips_every_length_and_byte() {
    let bytes: Vec<u8> = (0..=255u8).rev().collect();
    for len in 0..=bytes.len() {
        let slice = &bytes[..len];
        assert_eq!(decode(&encode(slice)).as_deref(), Ok(slice), "length {len}");
    }
}

#[test]
fn invalid_characters_are_reported_with_position() {
    // 0, 1, 8 and 9 look like letters but are not in the alphabet.
    assert_eq!(
        decode("MZXW0YTB"),
        Err(Base32Error::InvalidCharacter { position: 4 })
    );
    assert_eq!(
        decode("MZXW6YT1"),
        Err(Base32Error::InvalidCharacter { position: 7 })
    );
    assert_eq!(
        decode("MZ W6YTB"),
        Err(Base32Error::InvalidCharacter { position: 2 })
    );
    // Padding in the middle is not padding.
    assert_eq!(
        decode("MY==MZXQ"),
        Err(Base32Error::InvalidCharacter { position: 2 })
    );
    // A bad character wins over a bad length, since it is the more useful message.
    assert_eq!(
        decode("M!"),
        Err(Base32Error::InvalidCharacter { position: 1 })
    );
}

#[test]
fn impossible_lengths_are_refused() {
    for text in ["M", "MZX", "MZXW6Y", "MZXW6YTBO"] {
        let data_chars = text.len();
        assert_eq!(
            decode(text),
            Err(Base32Error::InvalidLength { data_chars }),
            "{text}"
        );
    }
}

#[test]
fn non_zero_trailing_bits_are_refused() {
    // "MY" is "f"; "MZ" sets a bit beyond the single byte.
    assert_eq!(decode("MZ"), Err(Base32Error::NonCanonical));
}

#[test]
fn error_messages_do_not_echo_input() {
    let secret = "JBSWY3DPEHPK3PX0";
    let Err(err) = decode(secret) else {
        panic!("input with '0' must fail");
    };
    let text = err.to_string();
    assert!(!text.contains("JBSWY3DP"), "{text}");
    assert!(text.contains("position 15"), "{text}");
}
