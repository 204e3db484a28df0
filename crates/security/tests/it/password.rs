use meridian_security::password::{
    PasswordError, PolicyError, check_password_policy, hash_password, hash_password_with_rng,
    needs_rehash, verify_password,
};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

const GOOD: &str = "correct horse battery staple";

#[test]
fn hash_is_argon2id_phc_with_owasp_parameters() {
    let Ok(phc) = hash_password(GOOD) else {
        panic!("hashing must succeed");
    };
    assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
    assert!(!phc.contains(GOOD));
    assert_eq!(needs_rehash(&phc), Ok(false));
}

#[test]
fn right_password_verifies_and_wrong_one_does_not() {
    let Ok(phc) = hash_password(GOOD) else {
        panic!("hashing must succeed");
    };
    assert_eq!(verify_password(&phc, GOOD), Ok(true));
    assert_eq!(
        verify_password(&phc, "correct horse battery stapler"),
        Ok(false)
    );
    assert_eq!(verify_password(&phc, ""), Ok(false));
}

#[test]
fn hashes_agree_with_the_argon2_crates_own_phc_hasher_and_verifier() {
    use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
    let ours = hash_password(GOOD).unwrap_or_else(|e| panic!("{e}"));
    let parsed = PasswordHash::new(&ours).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(argon2::Argon2::default().verify_password(GOOD.as_bytes(), &parsed), Ok(()));
    assert!(argon2::Argon2::default().verify_password(b"wrong", &parsed).is_err());

    let salt = SaltString::from_b64("c29tZXNhbHRzb21lc2FsdA").unwrap_or_else(|e| panic!("{e}"));
    let params = argon2::Params::new(19 * 1024, 2, 1, Some(32)).unwrap_or_else(|e| panic!("{e}"));
    let theirs = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
        .hash_password(GOOD.as_bytes(), &salt)
        .unwrap_or_else(|e| panic!("{e}"))
        .to_string();
    assert_eq!(verify_password(&theirs, GOOD), Ok(true));
    assert_eq!(verify_password(&theirs, "wrong"), Ok(false));
    // The same salt gives the same string both ways.
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let ours = hash_password_with_rng(GOOD, &mut rng).unwrap_or_else(|e| panic!("{e}"));
    let salt = ours.split('$').nth(4).unwrap_or_default();
    let salt = SaltString::from_b64(salt).unwrap_or_else(|e| panic!("{e}"));
    let params = argon2::Params::new(19 * 1024, 2, 1, Some(32)).unwrap_or_else(|e| panic!("{e}"));
    let theirs = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
        .hash_password(GOOD.as_bytes(), &salt)
        .unwrap_or_else(|e| panic!("{e}"))
        .to_string();
    assert_eq!(ours, theirs);
}

#[test]
fn stored_hashes_with_associated_data_or_another_output_length_verify() {
    use argon2::password_hash::{PasswordHasher, SaltString};
    let salt = SaltString::from_b64("c29tZXNhbHRzb21lc2FsdA").unwrap_or_else(|e| panic!("{e}"));
    let data = argon2::AssociatedData::new(b"meridian").unwrap_or_else(|e| panic!("{e}"));
    let mut builder = argon2::ParamsBuilder::new();
    builder.m_cost(4096).t_cost(1).p_cost(1).output_len(24).data(data);
    let params = builder.build().unwrap_or_else(|e| panic!("{e}"));
    let theirs = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
        .hash_password(GOOD.as_bytes(), &salt)
        .unwrap_or_else(|e| panic!("{e}"))
        .to_string();
    assert!(theirs.contains("data="), "{theirs}");
    assert_eq!(verify_password(&theirs, GOOD), Ok(true));
    assert_eq!(verify_password(&theirs, "wrong"), Ok(false));
}

#[test]
fn salts_differ_between_hashes() {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let (Ok(a), Ok(b)) = (
        hash_password_with_rng(GOOD, &mut rng),
        hash_password_with_rng(GOOD, &mut rng),
    ) else {
        panic!("hashing must succeed");
    };
    assert_ne!(a, b);
    assert_eq!(verify_password(&b, GOOD), Ok(true));
}

#[test]
fn garbage_hash_is_an_error_not_false() {
    assert!(matches!(
        verify_password("not a phc string", GOOD),
        Err(PasswordError::MalformedHash { .. })
    ));
    // A PHC string of another algorithm.
    assert!(matches!(
        verify_password(
            "$pbkdf2-sha256$i=1000$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
            GOOD
        ),
        Err(PasswordError::MalformedHash { .. })
    ));
    // An argon2 string with no hash output.
    assert!(matches!(
        verify_password("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0", GOOD),
        Err(PasswordError::MalformedHash { .. })
    ));
}

#[test]
fn stored_hash_asking_for_gigabytes_is_refused_before_hashing() {
    let phc = "$argon2id$v=19$m=4194304,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g";
    assert_eq!(
        verify_password(phc, GOOD),
        Err(PasswordError::ExcessiveParameters {
            memory_kib: 4_194_304,
            iterations: 2,
            parallelism: 1
        })
    );
}

#[test]
fn weaker_old_hashes_still_verify_and_ask_for_rehash() {
    // Made with m=4096,t=1 (weaker than today's parameters).
    let salt = argon2::password_hash::SaltString::from_b64("c2FsdHNhbHRzYWx0");
    let Ok(salt) = salt else {
        panic!("valid salt");
    };
    let Ok(params) = argon2::Params::new(4096, 1, 1, None) else {
        panic!("valid params");
    };
    let hasher = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    use argon2::password_hash::PasswordHasher;
    let Ok(old) = hasher.hash_password(GOOD.as_bytes(), &salt) else {
        panic!("hashing must succeed");
    };
    let old = old.to_string();
    assert_eq!(verify_password(&old, GOOD), Ok(true));
    assert_eq!(needs_rehash(&old), Ok(true));
}

#[test]
fn policy_accepts_reasonable_passwords() {
    assert_eq!(check_password_policy(GOOD), Ok(()));
    assert_eq!(check_password_policy("aaaaaaaaab"), Ok(()));
    // Ten characters, counted as characters rather than bytes.
    assert_eq!(check_password_policy("ééééééééén"), Ok(()));
}

#[test]
fn policy_refuses_short_repeated_and_huge_passwords() {
    assert_eq!(
        check_password_policy("short9chr"),
        Err(PolicyError::TooShort { min_chars: 10 })
    );
    assert_eq!(
        check_password_policy(""),
        Err(PolicyError::TooShort { min_chars: 10 })
    );
    // Nine two-byte characters are 18 bytes but still too short.
    assert_eq!(
        check_password_policy("ééééééééé"),
        Err(PolicyError::TooShort { min_chars: 10 })
    );
    assert_eq!(
        check_password_policy("zzzzzzzzzzzz"),
        Err(PolicyError::SingleRepeatedCharacter)
    );
    assert_eq!(
        check_password_policy(&"ab".repeat(600)),
        Err(PolicyError::TooLong { max_bytes: 1024 })
    );
}

#[test]
fn policy_messages_do_not_echo_the_password() {
    for pw in ["hunter2", "qqqqqqqqqqqqqq", &"secret".repeat(200)] {
        let Err(err) = check_password_policy(pw) else {
            panic!("must be refused");
        };
        let text = err.to_string();
        assert!(
            !text.contains(pw) && !text.contains("hunter") && !text.contains("qqqq"),
            "{text}"
        );
        assert!(text.contains("hint:"), "{text}");
    }
}
