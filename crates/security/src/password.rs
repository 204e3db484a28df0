//! User passwords: argon2id hashing into PHC strings, verification, and the password policy.
//!
//! Hashes use argon2id v19 with the OWASP minimum parameters (m = 19 MiB, t = 2, p = 1), a
//! random 16-byte salt from the OS generator, and a 32-byte output, written as a PHC string
//! such as `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`. Verification takes the parameters
//! from the stored string (so hashes made under older parameters keep working; see
//! [`needs_rehash`]) and compares in constant time (`password_hash::Output`). Stored strings
//! asking for far more work than this crate would ever write are refused, so that a tampered
//! row cannot turn a login into a denial of service.
//!
//! [`check_password_policy`] is separate from hashing: call it when a password is chosen,
//! not when one is checked. Its messages never contain the password.

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use rand::{CryptoRng, RngCore};
use zeroize::Zeroize as _;

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
    let params = params()?;
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt.as_salt().decode_b64(&mut salt_bytes).map_err(hashing)?;
    let mut out = [0u8; 32];
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    argon2_into(&argon, password.as_bytes(), salt_bytes, &mut out).map_err(hashing)?;
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(hashing)?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(hashing)?),
    };
    Ok(hash.to_string())
}

/// Argon2 working memory is reserved at this size at least, so that the C allocator normally
/// maps it on its own and unmaps it when freed (glibc still serves it from a heap that happens
/// to hold 32 MiB free). Requests under 32 MiB, glibc's largest mmap threshold, come from its
/// heaps, and a freed 19 MiB there stays in the process: after one login the desktop app kept
/// 19 MiB it never used again. Only the blocks argon2 touches become resident.
const RESERVED_BLOCKS: usize = 32 * 1024 + 1;

/// Argon2 into `out`, with working memory that is wiped and given back to the OS on return
/// (the argon2 crate neither wipes nor reuses it).
pub(crate) fn argon2_into(
    argon: &Argon2<'_>,
    secret: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> Result<(), argon2::Error> {
    let blocks = argon.params().block_count();
    let mut memory: Vec<Block> = Vec::with_capacity(blocks.max(RESERVED_BLOCKS));
    memory.resize(blocks, Block::default());
    let result = argon.hash_password_into_with_memory(secret, salt, out, memory.as_mut_slice());
    // Only the used blocks: wiping the whole reservation would make it resident.
    memory.iter_mut().for_each(zeroize::Zeroize::zeroize);
    result
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
    let (hash, params) = parse(phc)?;
    let (Some(salt), Some(expected)) = (hash.salt, hash.hash) else {
        return Err(PasswordError::MalformedHash {
            reason: "salt or hash output missing".to_owned(),
        });
    };
    let algorithm = Algorithm::new(hash.algorithm.as_str()).map_err(malformed)?;
    let version = hash
        .version
        .map(Version::try_from)
        .transpose()
        .map_err(malformed)?
        .unwrap_or_default();
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_bytes).map_err(malformed)?;
    let mut out = vec![0u8; expected.len()];
    // The parameters as stored: costs, output length, and any associated data.
    argon2_into(
        &Argon2::new(algorithm, version, params),
        candidate.as_bytes(),
        salt_bytes,
        &mut out,
    )
    .map_err(hashing)?;
    let matches = Output::new(&out).map_err(hashing)? == expected;
    out.zeroize();
    // `Output`'s equality is constant time.
    Ok(matches)
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
