use meridian_security::totp::{Totp, TotpError, TotpSecret};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

/// The RFC 6238 SHA1 seed: the ASCII digits "1234567890" twice.
const RFC_SEED: &[u8] = b"12345678901234567890";

fn rfc_totp(digits: u32) -> Totp {
    let Ok(secret) = TotpSecret::from_bytes(RFC_SEED) else {
        panic!("the RFC seed is 20 bytes");
    };
    let Ok(totp) = Totp::with_digits(secret, digits) else {
        panic!("{digits} digits are supported");
    };
    totp
}

#[test]
fn rfc6238_appendix_b_sha1_vectors() {
    let totp = rfc_totp(8);
    let vectors: &[(u64, &str)] = &[
        (59, "94287082"),
        (1_111_111_109, "07081804"),
        (1_111_111_111, "14050471"),
        (1_234_567_890, "89005924"),
        (2_000_000_000, "69279037"),
        (20_000_000_000, "65353130"),
    ];
    for &(time, code) in vectors {
        assert_eq!(totp.code_at(time), code, "T = {time}");
        // The same vectors, truncated to 6 digits, are the last six digits.
        assert_eq!(rfc_totp(6).code_at(time), code[2..], "T = {time}, 6 digits");
    }
}

#[test]
fn default_is_six_digits() {
    let Ok(secret) = TotpSecret::from_bytes(RFC_SEED) else {
        panic!("valid seed");
    };
    let totp = Totp::new(secret);
    assert_eq!(totp.digits(), 6);
    assert_eq!(totp.code_at(59), "287082");
}

#[test]
fn unsupported_digit_counts_are_refused() {
    for digits in [0, 5, 9, 10] {
        let Ok(secret) = TotpSecret::from_bytes(RFC_SEED) else {
            panic!("valid seed");
        };
        assert_eq!(
            Totp::with_digits(secret, digits).err(),
            Some(TotpError::UnsupportedDigits { digits })
        );
    }
}

#[test]
fn verify_accepts_current_step_and_returns_it() {
    let totp = rfc_totp(6);
    // 1_111_111_111 is in step 37_037_037.
    assert_eq!(totp.verify("050471", 1_111_111_111, None), Ok(37_037_037));
}

#[test]
fn window_is_one_step_each_way() {
    let totp = rfc_totp(6);
    let now = 1_000_000_020; // step 33_333_334, 20 s in
    let step = Totp::step_at(now);
    assert_eq!(step, 33_333_334);
    for (offset, accepted) in [(-2i64, false), (-1, true), (0, true), (1, true), (2, false)] {
        let target = step.checked_add_signed(offset).unwrap_or_default();
        let code = totp.code_for_step(target);
        let result = totp.verify(&code, now, None);
        if accepted {
            assert_eq!(result, Ok(target), "offset {offset}");
        } else {
            assert_eq!(result, Err(TotpError::WrongCode), "offset {offset}");
        }
    }
}

#[test]
fn window_edges_at_step_boundaries() {
    let totp = rfc_totp(6);
    // The last second of step 10 still accepts step 9; the first second of step 11 does not.
    let code_9 = totp.code_for_step(9);
    assert_eq!(totp.verify(&code_9, 10 * 30 + 29, None), Ok(9));
    assert_eq!(
        totp.verify(&code_9, 11 * 30, None),
        Err(TotpError::WrongCode)
    );
    // And the other way: step 12 is accepted from the first second of step 11 only.
    let code_12 = totp.code_for_step(12);
    assert_eq!(
        totp.verify(&code_12, 10 * 30 + 29, None),
        Err(TotpError::WrongCode)
    );
    assert_eq!(totp.verify(&code_12, 11 * 30, None), Ok(12));
}

#[test]
fn step_zero_has_no_previous_step() {
    let totp = rfc_totp(6);
    assert_eq!(totp.verify(&totp.code_for_step(0), 0, None), Ok(0));
    assert_eq!(totp.verify(&totp.code_for_step(1), 0, None), Ok(1));
    assert_eq!(
        totp.verify(&totp.code_for_step(2), 0, None),
        Err(TotpError::WrongCode)
    );
}

#[test]
fn replay_of_the_accepted_step_is_refused() {
    let totp = rfc_totp(6);
    let now = 1_700_000_000;
    let code = totp.code_at(now);
    let Ok(step) = totp.verify(&code, now, None) else {
        panic!("first use must be accepted");
    };
    assert_eq!(
        totp.verify(&code, now, Some(step)),
        Err(TotpError::Replayed)
    );
    // Still refused a few seconds later, within the same step window.
    assert_eq!(
        totp.verify(&code, now + 20, Some(step)),
        Err(TotpError::Replayed)
    );
}

#[test]
fn older_steps_than_the_last_accepted_are_refused() {
    let totp = rfc_totp(6);
    let now = 1_700_000_000;
    let step = Totp::step_at(now);
    // The user logged in with the next step's code (phone clock ahead) ...
    assert_eq!(
        totp.verify(&totp.code_for_step(step + 1), now, None),
        Ok(step + 1)
    );
    // ... so the current and previous steps' codes can no longer be used.
    let last = Some(step + 1);
    assert_eq!(
        totp.verify(&totp.code_for_step(step), now, last),
        Err(TotpError::Replayed)
    );
    assert_eq!(
        totp.verify(&totp.code_for_step(step - 1), now, last),
        Err(TotpError::Replayed)
    );
    // A later step is still fine.
    let later = now + 60;
    assert_eq!(totp.verify(&totp.code_at(later), later, last), Ok(step + 2));
}

#[test]
fn a_wrong_code_is_not_reported_as_replay() {
    let totp = rfc_totp(6);
    let now = 1_700_000_000;
    let window: Vec<String> = [now - 30, now, now + 30]
        .iter()
        .map(|&t| totp.code_at(t))
        .collect();
    let Some(wrong) = ["000000", "000001", "000002", "000003"]
        .into_iter()
        .find(|c| !window.iter().any(|w| w == c))
    else {
        panic!("at most three of four candidates can be in the window");
    };
    assert_eq!(totp.verify(wrong, now, Some(0)), Err(TotpError::WrongCode));
}

#[test]
fn malformed_codes_are_refused() {
    let totp = rfc_totp(6);
    let malformed = TotpError::MalformedCode { expected_digits: 6 };
    for code in [
        "",
        "12345",
        "1234567",
        "12a456",
        "１２３４５６",
        "12  3456",
        "-12345",
    ] {
        assert_eq!(
            totp.verify(code, 59, None),
            Err(malformed.clone()),
            "{code:?}"
        );
    }
}

#[test]
fn spaces_as_apps_show_them_are_ignored() {
    let totp = rfc_totp(6);
    assert_eq!(totp.verify(" 287 082 ", 59, None), Ok(1));
}

#[test]
fn generated_secrets_are_20_bytes_and_round_trip_through_base32() {
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let a = TotpSecret::generate(&mut rng);
    let b = TotpSecret::generate(&mut rng);
    assert_eq!(a.expose_bytes().len(), 20);
    assert_ne!(a.expose_bytes(), b.expose_bytes());
    let text = a.to_base32();
    assert_eq!(text.len(), 32);
    let Ok(back) = TotpSecret::from_base32(&text) else {
        panic!("own encoding must decode");
    };
    assert_eq!(back.expose_bytes(), a.expose_bytes());
}

#[test]
fn short_or_invalid_secrets_are_refused() {
    assert_eq!(
        TotpSecret::from_bytes(&[1; 15]).err(),
        Some(TotpError::SecretTooShort {
            actual_bytes: 15,
            min_bytes: 16
        })
    );
    // "JBSWY3DPEHPK3PXP" is the well-known 10-byte demo secret: too short.
    assert_eq!(
        TotpSecret::from_base32("JBSWY3DPEHPK3PXP").err(),
        Some(TotpError::SecretTooShort {
            actual_bytes: 10,
            min_bytes: 16
        })
    );
    assert!(matches!(
        TotpSecret::from_base32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJ1"),
        Err(TotpError::InvalidBase32(_))
    ));
}

#[test]
fn secrets_are_redacted_in_debug() {
    let Ok(secret) = TotpSecret::from_bytes(RFC_SEED) else {
        panic!("valid seed");
    };
    assert_eq!(format!("{secret:?}"), "TotpSecret(..)");
    let totp = Totp::new(secret);
    let debug = format!("{totp:?}");
    assert!(debug.contains("TotpSecret(..)"), "{debug}");
    assert!(
        !debug.contains("GEZDGNBV") && !debug.contains("49, 50"),
        "{debug}"
    );
}

#[test]
fn provisioning_uri_carries_secret_issuer_and_parameters() {
    let totp = rfc_totp(6);
    let Ok(uri) = totp.provisioning_uri("Meridian Clinic", "dr.ng@example.org") else {
        panic!("valid labels");
    };
    assert_eq!(
        uri.as_str(),
        "otpauth://totp/Meridian%20Clinic:dr.ng%40example.org\
         ?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Meridian%20Clinic\
         &algorithm=SHA1&digits=6&period=30"
    );
}

#[test]
fn provisioning_uri_refuses_colons_and_empty_labels() {
    let totp = rfc_totp(6);
    assert_eq!(
        totp.provisioning_uri("A:B", "user").err(),
        Some(TotpError::InvalidLabel { field: "issuer" })
    );
    assert_eq!(
        totp.provisioning_uri("Clinic", "").err(),
        Some(TotpError::InvalidLabel { field: "account" })
    );
}
