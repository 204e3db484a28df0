//! The database master key, keys derived from it, and where it is kept.
//!
//! A [`MasterKey`] is 32 random bytes. SQLCipher takes it as a raw key
//! ([`MasterKey::sqlcipher_pragma_value`]), which skips SQLCipher's own PBKDF2 step, since
//! the key is already uniformly random. Other keys, such as the audit chain's MAC key, are
//! derived from it with [`MasterKey::derive_subkey`] (HKDF-Expand with HMAC-SHA256, one
//! block), so the master key itself is used for one purpose only.
//!
//! The key lives in a [`KeyStore`]. [`OsKeyring`] is the operating system's credential store:
//!
//! | OS      | store                                              | survives a reboot |
//! |---------|----------------------------------------------------|-------------------|
//! | Linux   | kernel keyutils (session keyring, linked to the user's persistent keyring) | **no** |
//! | macOS   | the user's login keychain                          | yes               |
//! | Windows | Windows Credential Manager (generic credentials)   | yes               |
//!
//! Entries use the service name [`SERVICE`] and the caller's account name; the key is
//! stored as 64 lowercase hexadecimal characters.
//!
//! # Linux: the keyring is a cache, not storage
//!
//! The Linux store is the kernel's keyutils facility, chosen because it needs no D-Bus
//! session or desktop keyring daemon and so also works headless (CI, kiosk sessions, SSH).
//! Keyutils keeps keys only in kernel memory. A stored key is put on the session keyring and
//! linked into the user's persistent keyring; the session keyring goes away at logout (or,
//! without a login session, with the process), so from one run to the next the key is
//! carried by the persistent keyring, which expires after some days without use
//! (`/proc/sys/kernel/keys/persistent_keyring_expiry`, 3 days by default). **A reboot
//! clears both.** A random master key kept only there would make the database unreadable
//! after the next reboot. On Linux, therefore, the durable secret must be a passphrase:
//! derive the key with [`MasterKey::from_passphrase`] (salt stored beside the database), or
//! use a passphrase-derived key to wrap the random one, and use the keyring only to avoid
//! asking again within a session. [`OsKeyring::survives_reboot`] tells the caller which case
//! it is in. (The Secret Service store, which does persist, is not compiled in: it would add
//! about 80 crates, zbus among them, to the build.)
//!
//! Machines without any usable credential store get a [`KeyStoreError::Unavailable`] and
//! use the passphrase path only.

mod os;

#[cfg(feature = "test-support")]
mod fake;

#[cfg(feature = "test-support")]
pub use fake::{FailingKeyStore, MemoryKeyStore};
pub use os::{OsKeyring, SERVICE};

use argon2::{Algorithm, Argon2, Params, Version};
use hmac::{Hmac, Mac};
use rand::{CryptoRng, RngCore};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::hex;

/// Length of a master key in bytes.
pub const MASTER_KEY_BYTES: usize = 32;
/// Length of the salt for [`MasterKey::from_passphrase`].
pub const PASSPHRASE_SALT_BYTES: usize = 16;
/// Argon2id memory cost for passphrase-derived keys, in KiB (64 MiB).
pub const PASSPHRASE_MEMORY_KIB: u32 = 64 * 1024;
/// Argon2id passes for passphrase-derived keys.
pub const PASSPHRASE_ITERATIONS: u32 = 3;
/// Argon2id lanes for passphrase-derived keys.
pub const PASSPHRASE_PARALLELISM: u32 = 1;

/// Domain separation for [`MasterKey::derive_subkey`]; changing it changes every subkey.
const SUBKEY_INFO_PREFIX: &[u8] = b"org.meridian.security/subkey/v1/";

/// Why a master key could not be made or decoded. Never contains key bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// Text given to [`MasterKey::from_hex`] is not 64 hexadecimal characters.
    #[error(
        "master key encoding is invalid; hint: expected exactly 64 hexadecimal characters (32 bytes)"
    )]
    MalformedEncoding,
    /// [`MasterKey::from_passphrase`] was given an empty passphrase.
    #[error("passphrase is empty; hint: ask the user for the database passphrase")]
    EmptyPassphrase,
    /// Argon2 failed (for example, 64 MiB could not be allocated).
    #[error("passphrase key derivation failed: {reason}; hint: the machine may be out of memory")]
    Derivation {
        /// The argon2 error, which never contains the passphrase.
        reason: String,
    },
}

/// The 256-bit database master key. Prints as `MasterKey(..)`; wiped on drop; compared in
/// constant time; deliberately not `Clone`.
pub struct MasterKey(Zeroizing<[u8; MASTER_KEY_BYTES]>);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(..)")
    }
}

impl PartialEq for MasterKey {
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&*other.0).into()
    }
}

impl Eq for MasterKey {}

impl MasterKey {
    /// Draws a new random key from `rng` (use `rand::rngs::OsRng` in production).
    pub fn generate(rng: &mut (impl RngCore + CryptoRng)) -> Self {
        let mut bytes = Zeroizing::new([0u8; MASTER_KEY_BYTES]);
        rng.fill_bytes(&mut *bytes);
        Self(bytes)
    }

    /// Derives a key from a passphrase with argon2id (m = 64 MiB, t = 3, p = 1).
    ///
    /// The same passphrase and salt always give the same key. Make the salt once per
    /// database with [`generate_passphrase_salt`] and store it (it is not secret). Argon2's
    /// working memory is wiped before this returns. The passphrase policy is the caller's
    /// to apply (see [`crate::password::check_password_policy`]); only an empty passphrase
    /// is refused here.
    pub fn from_passphrase(
        passphrase: &str,
        salt: &[u8; PASSPHRASE_SALT_BYTES],
    ) -> Result<Self, KeyError> {
        if passphrase.is_empty() {
            return Err(KeyError::EmptyPassphrase);
        }
        let derivation = |e: argon2::Error| KeyError::Derivation {
            reason: e.to_string(),
        };
        let params = Params::new(
            PASSPHRASE_MEMORY_KIB,
            PASSPHRASE_ITERATIONS,
            PASSPHRASE_PARALLELISM,
            Some(MASTER_KEY_BYTES),
        )
        .map_err(derivation)?;
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let mut out = Zeroizing::new([0u8; MASTER_KEY_BYTES]);
        crate::password::argon2_into(&argon, passphrase.as_bytes(), salt, &mut *out)
            .map_err(derivation)?;
        Ok(Self(out))
    }

    /// The value for SQLCipher's `PRAGMA key`: `x'<64 hex digits>'`, a raw key that
    /// SQLCipher uses as is. Quote it as a string literal: `PRAGMA key = "x'…'"`.
    pub fn sqlcipher_pragma_value(&self) -> Zeroizing<String> {
        let hex = self.to_hex();
        let mut out = Zeroizing::new(String::with_capacity(hex.len() + 3));
        out.push_str("x'");
        out.push_str(&hex);
        out.push('\'');
        out
    }

    /// A 32-byte key for one purpose, named by `label` (e.g. `"audit-chain-mac"`).
    ///
    /// This is HKDF-Expand (RFC 5869) with SHA-256, the master key as the pseudorandom key
    /// and `"org.meridian.security/subkey/v1/" + label` as the info, one output block.
    /// Different labels give independent keys; the same label always gives the same key.
    /// Use fixed, documented labels, never user input.
    pub fn derive_subkey(&self, label: &str) -> Zeroizing<[u8; 32]> {
        hkdf_expand_one_block(&*self.0, &[SUBKEY_INFO_PREFIX, label.as_bytes()])
    }

    /// The key as 64 lowercase hex digits, for a [`KeyStore`] to save. Wiped on drop.
    pub fn to_hex(&self) -> Zeroizing<String> {
        hex::encode(&*self.0)
    }

    /// Reads a key saved with [`MasterKey::to_hex`] (either case).
    pub fn from_hex(text: &str) -> Result<Self, KeyError> {
        hex::decode_array::<MASTER_KEY_BYTES>(text)
            .map(Self)
            .ok_or(KeyError::MalformedEncoding)
    }

    /// A copy for in-crate stores that must hand out owned keys.
    #[cfg(feature = "test-support")]
    fn duplicate(&self) -> Self {
        Self(Zeroizing::new(*self.0))
    }
}

/// Draws a salt for [`MasterKey::from_passphrase`].
pub fn generate_passphrase_salt(
    rng: &mut (impl RngCore + CryptoRng),
) -> [u8; PASSPHRASE_SALT_BYTES] {
    let mut salt = [0u8; PASSPHRASE_SALT_BYTES];
    rng.fill_bytes(&mut salt);
    salt
}

/// T(1) of RFC 5869 HKDF-Expand with HMAC-SHA256: HMAC(prk, info || 0x01).
fn hkdf_expand_one_block(prk: &[u8], info: &[&[u8]]) -> Zeroizing<[u8; 32]> {
    // Proven invariant: HMAC accepts keys of any length, so `new_from_slice` cannot fail.
    #[allow(clippy::expect_used)]
    let mut mac = Hmac::<Sha256>::new_from_slice(prk).expect("hmac accepts keys of any length");
    for part in info {
        mac.update(part);
    }
    mac.update(&[1]);
    let mut out = Zeroizing::new([0u8; 32]);
    out.copy_from_slice(&mac.finalize().into_bytes());
    out
}

/// Where the master key is kept between runs.
///
/// `account` names one key (for example `"database"`); it must be 1 to 64 characters of
/// `A–Z a–z 0–9 . _ -`, and it is not secret. Implementations must never put key bytes
/// into errors or logs.
pub trait KeyStore: Send + Sync {
    /// The key saved under `account`, or `None` if there is none.
    fn load(&self, account: &str) -> Result<Option<MasterKey>, KeyStoreError>;
    /// Saves `key` under `account`, replacing any earlier key.
    fn store(&self, account: &str, key: &MasterKey) -> Result<(), KeyStoreError>;
    /// Removes the key (or secret) under `account`; removing a missing one succeeds.
    fn delete(&self, account: &str) -> Result<(), KeyStoreError>;
    /// A text credential (an interface's bearer token or private key PEM) saved under
    /// `account`, or `None` if there is none.
    fn load_secret(&self, account: &str) -> Result<Option<Zeroizing<String>>, KeyStoreError>;
    /// Saves a text credential under `account`, replacing any earlier one.
    fn store_secret(&self, account: &str, secret: &str) -> Result<(), KeyStoreError>;
}

/// Why a [`KeyStore`] operation failed. Never contains key bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyStoreError {
    /// No credential store can be used: none exists on this platform, the session has no
    /// keyring, access was refused, or the store is locked.
    #[error(
        "os credential store is unavailable ({reason}); hint: unlock the keyring, or open the database with its passphrase"
    )]
    Unavailable {
        /// What the platform said.
        reason: String,
    },
    /// Something is stored under the account, but it is not a master key.
    #[error(
        "the entry for account '{account}' is not a valid master key; hint: it was changed outside meridian, open the database with its passphrase and store the key again"
    )]
    Corrupt {
        /// The account name (not secret).
        account: String,
    },
    /// The account name breaks the naming rule.
    #[error(
        "key store account name is invalid; hint: use 1 to 64 characters from A-Z, a-z, 0-9, '.', '_' and '-'"
    )]
    InvalidAccount,
    /// Any other failure reported by the credential store.
    #[error("os credential store failed: {reason}; hint: see the system log for the store")]
    Platform {
        /// What the platform said.
        reason: String,
    },
}

/// Enforces the account naming rule shared by every store in this crate.
pub(crate) fn check_account(account: &str) -> Result<(), KeyStoreError> {
    let ok = (1..=64).contains(&account.len())
        && account
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(KeyStoreError::InvalidAccount)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 5869, test case 1: the first 32 bytes of OKM are T(1).
    #[test]
    fn hkdf_expand_matches_rfc5869_case_1() {
        let prk = hex::decode_array::<32>(
            "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
        );
        let Some(prk) = prk else {
            panic!("test vector is valid hex");
        };
        let info: Vec<u8> = (0xf0..=0xf9).collect();
        let okm = hkdf_expand_one_block(&*prk, &[&info[..4], &info[4..]]);
        assert_eq!(
            hex::encode(&*okm).as_str(),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
        );
    }

    #[test]
    fn account_rule() {
        assert!(check_account("database").is_ok());
        assert!(check_account("db.main_2-x").is_ok());
        assert!(check_account(&"a".repeat(64)).is_ok());
        assert_eq!(check_account(""), Err(KeyStoreError::InvalidAccount));
        assert_eq!(
            check_account(&"a".repeat(65)),
            Err(KeyStoreError::InvalidAccount)
        );
        assert_eq!(check_account("a@b"), Err(KeyStoreError::InvalidAccount));
        assert_eq!(check_account("naïve"), Err(KeyStoreError::InvalidAccount));
    }
}
