//! Credentials and key material for Meridian.
//!
//! Meridian keeps its local SQLite database encrypted with SQLCipher under a random 256-bit
//! [`keys::MasterKey`] that lives in the operating system's credential store. This crate holds
//! everything that touches secrets:
//!
//! - [`password`]: argon2id hashing of user passwords (PHC strings) and the password policy.
//! - [`totp`]: RFC 6238 one-time codes for second-factor login, with replay refusal.
//! - [`base32`]: RFC 4648 base32, the encoding authenticator apps use for TOTP secrets.
//! - [`keys`]: the database master key, subkeys derived from it, a passphrase fallback, and the
//!   [`keys::KeyStore`] trait with an OS keyring implementation ([`keys::OsKeyring`]).
//!
//! What it refuses to know: patients, the database schema, users and roles, and the clock.
//! Time is passed in as Unix seconds; randomness is passed in as an RNG (except where a
//! function says it uses the OS generator). No secret is ever written into an error, a
//! `Debug` or a `Display` output: secret-bearing types print as `TypeName(..)`, and secret
//! buffers are zeroized on drop.
//!
//! # Example
//!
//! ```
//! use meridian_security::keys::MasterKey;
//! use meridian_security::totp::{Totp, TotpSecret};
//! use rand::rngs::OsRng;
//!
//! // The database key, as SQLCipher wants it in `PRAGMA key = "x'…'"`.
//! let key = MasterKey::generate(&mut OsRng);
//! let pragma = key.sqlcipher_pragma_value();
//! assert!(pragma.starts_with("x'") && pragma.len() == 67);
//! assert_eq!(format!("{key:?}"), "MasterKey(..)");
//!
//! // A second factor: enrol, then verify a code; the accepted step is kept to refuse replays.
//! let totp = Totp::new(TotpSecret::generate(&mut OsRng));
//! let now = 1_700_000_000;
//! let code = totp.code_at(now);
//! let step = totp.verify(&code, now, None)?;
//! assert!(totp.verify(&code, now, Some(step)).is_err());
//! # Ok::<(), meridian_security::totp::TotpError>(())
//! ```

pub mod base32;
mod hex;
pub mod keys;
pub mod password;
pub mod totp;
