//! User passwords: argon2id hashing into PHC strings, verification, and the password policy.
//!
//! Hashes use argon2id v19 with the OWASP minimum parameters (m = 19 MiB, t = 2, p = 1), a
//! random 16-byte salt from the OS generator, and a 32-byte output, written as a PHC string
//! such as `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`. Verification takes the parameters
//! from the stored string (so hashes made under older parameters keep working; see
//! [`needs_rehash`]) and compares in constant time inside the `argon2` crate. Stored strings
//! asking for far more work than this crate would ever write are refused, so that a tampered
//! row cannot turn a login into a denial of service.
//!
//! [`check_password_policy`] is separate from hashing: call it when a password is chosen,
//! not when one is checked. Its messages never contain the password.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::{CryptoRng, RngCore};

/// Memory cost in KiB (19 MiB), the OWASP minimum for argon2id.
pub const MEMORY_KIB: u32 = 19 * 1024;
/// Number of passes.
pub const ITERATIONS: u32 = 2;
/// Degree of parallelism.
pub const PARALLELISM: u32 = 1;
/// Shortest acceptable password, in Unicode scalar values.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// Longest acceptable password, in bytes; longer input is almost certainly a paste accident.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// Upper bounds on the parameters a stored hash may ask for before it is refused.
const MAX_STORED_MEMORY_KIB: u32 = 256 * 1024;
const MAX_STORED_ITERATIONS: u32 = 16;
const MAX_STORED_PARALLELISM: u32 = 8;

/// Why hashing or verification failed (a wrong password is `Ok(false)`, not an error).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PasswordError {
    /// The stored string is not an argon2 PHC string with a salt and a hash.
    #[error(
        "stored password hash is not a valid argon2 PHC string ({reason}); hint: the credential row is corrupt, reset the user's password"
    )]
    MalformedHash {
        /// What was wrong, without the string itself.
        reason: String,
    },
    /// The stored string asks for more memory or passes than this crate accepts.
    #[error(
        "stored password hash asks for excessive work (m={memory_kib} KiB, t={iterations}, p={parallelism}); hint: the credential row was tampered with or written by another tool, reset the user's password"
    )]
    ExcessiveParameters {
        /// Requested memory in KiB.
        memory_kib: u32,
        /// Requested passes.
        iterations: u32,
        /// Requested lanes.
        parallelism: u32,
    },
    /// Argon2 itself failed (for example, memory could not be allocated).
    #[error("argon2 hashing failed: {reason}; hint: the machine may be out of memory")]
    Hashing {
        /// The argon2 error, which never contains the password.
        reason: String,
    },
}

/// Why a proposed password breaks the policy. The messages never contain the password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// Fewer than [`MIN_PASSWORD_CHARS`] characters.
    #[error(
        "password is too short; hint: use at least {min_chars} characters, a passphrase of several words works well"
    )]
    TooShort {
        /// The minimum, in characters.
        min_chars: usize,
    },
    /// Longer than [`MAX_PASSWORD_BYTES`] bytes.
    #[error("password is too long; hint: use at most {max_bytes} bytes")]
    TooLong {
        /// The maximum, in bytes.
        max_bytes: usize,
    },
    /// Every character is the same one.
    #[error("password repeats a single character; hint: mix different characters or words")]
    SingleRepeatedCharacter,
}

fn params() -> Result<Params, PasswordError> {
    Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, Some(32)).map_err(hashing)
}

fn hashing(e: impl std::fmt::Display) -> PasswordError {
    PasswordError::Hashing {
        reason: e.to_string(),
    }
}

fn malformed(e: impl std::fmt::Display) -> PasswordError {
    PasswordError::MalformedHash {
        reason: e.to_string(),
    }
}

/// Hashes `password` with argon2id and a fresh salt from the OS generator.
///
/// This does not apply the policy; see [`check_password_policy`].
pub fn hash_password(password: &str) -> Result<String, PasswordError> {
    hash_password_with_rng(password, &mut rand::rngs::OsRng)
}

/// Like [`hash_password`], with the salt drawn from `rng`.
pub fn hash_password_with_rng(
    password: &str,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<String, PasswordError> {
    let salt = SaltString::generate(rng);
    let hasher = Argon2::new(Algorithm::Argon2id, Version::V0x13, params()?);
    let hash = hasher
        .hash_password(password.as_bytes(), &salt)
        .map_err(hashing)?;
    Ok(hash.to_string())
}

fn parse(phc: &str) -> Result<(PasswordHash<'_>, Params), PasswordError> {
    let hash = PasswordHash::new(phc).map_err(malformed)?;
    Algorithm::new(hash.algorithm.as_str()).map_err(malformed)?;
    if hash.salt.is_none() || hash.hash.is_none() {
        return Err(PasswordError::MalformedHash {
            reason: "salt or hash output missing".to_owned(),
        });
    }
    let params = Params::try_from(&hash).map_err(malformed)?;
    if params.m_cost() > MAX_STORED_MEMORY_KIB
        || params.t_cost() > MAX_STORED_ITERATIONS
        || params.p_cost() > MAX_STORED_PARALLELISM
    {
        return Err(PasswordError::ExcessiveParameters {
            memory_kib: params.m_cost(),
            iterations: params.t_cost(),
            parallelism: params.p_cost(),
        });
    }
    Ok((hash, params))
}

/// Checks `candidate` against a stored PHC string.
///
/// Returns `Ok(false)` for a wrong password and an error only when the stored string is
/// unusable or argon2 fails. The comparison is constant time.
pub fn verify_password(phc: &str, candidate: &str) -> Result<bool, PasswordError> {
    let (hash, _) = parse(phc)?;
    match Argon2::default().verify_password(candidate.as_bytes(), &hash) {
        Ok(()) => Ok(true),
        Err(argon2::password_hash::Error::Password) => Ok(false),
        Err(e) => Err(hashing(e)),
    }
}

/// Whether a stored hash was made with weaker settings than [`hash_password`] uses now.
///
/// Call after a successful [`verify_password`] and, if `true`, store a fresh hash of the
/// password the user just typed.
pub fn needs_rehash(phc: &str) -> Result<bool, PasswordError> {
    let (hash, params) = parse(phc)?;
    let current = hash.algorithm.as_str() == Algorithm::Argon2id.as_str()
        && hash.version == Some(Version::V0x13.into())
        && params.m_cost() >= MEMORY_KIB
        && params.t_cost() >= ITERATIONS
        && params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN) >= 32;
    Ok(!current)
}

/// Checks a newly chosen password: at least [`MIN_PASSWORD_CHARS`] characters, at most
/// [`MAX_PASSWORD_BYTES`] bytes, and not one character repeated.
pub fn check_password_policy(password: &str) -> Result<(), PolicyError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(PolicyError::TooShort {
            min_chars: MIN_PASSWORD_CHARS,
        });
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(PolicyError::TooLong {
            max_bytes: MAX_PASSWORD_BYTES,
        });
    }
    let mut chars = password.chars();
    if let Some(first) = chars.next()
        && chars.all(|c| c == first)
    {
        return Err(PolicyError::SingleRepeatedCharacter);
    }
    Ok(())
}
