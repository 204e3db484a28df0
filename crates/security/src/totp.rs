//! RFC 6238 time-based one-time passwords (HMAC-SHA1, 30-second steps, T0 = 0).
//!
//! A [`Totp`] pairs a [`TotpSecret`] with a number of digits (6 by default, 6 to 8 allowed).
//! [`Totp::verify`] accepts the code of the current step or of one step either side (clock
//! drift between the workstation and the user's phone), and refuses any step at or before
//! the last step already accepted for that user, so a code seen over a shoulder cannot be
//! used a second time. The caller stores the returned step and passes it back next time.
//!
//! Secrets print as `TotpSecret(..)` and are wiped on drop. One gap remains: the `hmac`
//! crate copies the key into its own state for the duration of one code computation and does
//! not wipe that copy.

use hmac::{Hmac, Mac};
use rand::{CryptoRng, RngCore};
use sha1::Sha1;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::base32::{self, Base32Error};

/// Length of a step, in seconds.
pub const STEP_SECS: u64 = 30;
/// Length of secrets made by [`TotpSecret::generate`] (160 bits, as RFC 4226 recommends).
pub const GENERATED_SECRET_BYTES: usize = 20;
/// Shortest secret accepted (128 bits, the RFC 4226 minimum).
pub const MIN_SECRET_BYTES: usize = 16;
/// Default number of digits.
pub const DEFAULT_DIGITS: u32 = 6;

/// Why a secret, a code or a provisioning request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TotpError {
    /// The code does not match any step in the window.
    #[error(
        "one-time code is not valid now; hint: check the phone's clock and enter the code currently shown"
    )]
    WrongCode,
    /// The code matches a step that was already used (or an earlier one).
    #[error(
        "one-time code was already used; hint: wait for the authenticator app to show a new code"
    )]
    Replayed,
    /// The code is not the expected number of ASCII digits.
    #[error("one-time code must be exactly {expected_digits} digits; hint: enter only the digits")]
    MalformedCode {
        /// How many digits were expected.
        expected_digits: u32,
    },
    /// The secret is shorter than [`MIN_SECRET_BYTES`].
    #[error(
        "totp secret has {actual_bytes} bytes, fewer than the required {min_bytes}; hint: enrol again with a newly generated secret"
    )]
    SecretTooShort {
        /// Length of the refused secret.
        actual_bytes: usize,
        /// The minimum.
        min_bytes: usize,
    },
    /// The secret's base32 text could not be decoded.
    #[error("totp secret is not valid base32: {0}")]
    InvalidBase32(#[from] Base32Error),
    /// A digit count outside 6..=8.
    #[error("totp codes of {digits} digits are not supported; hint: use 6, 7 or 8")]
    UnsupportedDigits {
        /// The refused count.
        digits: u32,
    },
    /// An issuer or account name that an `otpauth://` label cannot carry.
    #[error(
        "{field} for the provisioning uri is empty or contains ':'; hint: use a name without colons"
    )]
    InvalidLabel {
        /// `"issuer"` or `"account"`.
        field: &'static str,
    },
}

/// A shared TOTP secret. Prints as `TotpSecret(..)`; wiped on drop.
#[derive(Clone)]
pub struct TotpSecret(Zeroizing<Vec<u8>>);

impl std::fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpSecret(..)")
    }
}

impl TotpSecret {
    /// Draws a new [`GENERATED_SECRET_BYTES`]-byte secret from `rng`.
    pub fn generate(rng: &mut (impl RngCore + CryptoRng)) -> Self {
        let mut bytes = Zeroizing::new(vec![0u8; GENERATED_SECRET_BYTES]);
        rng.fill_bytes(&mut bytes);
        Self(bytes)
    }

    /// Wraps raw secret bytes (at least [`MIN_SECRET_BYTES`]).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, TotpError> {
        if bytes.len() < MIN_SECRET_BYTES {
            return Err(TotpError::SecretTooShort {
                actual_bytes: bytes.len(),
                min_bytes: MIN_SECRET_BYTES,
            });
        }
        Ok(Self(Zeroizing::new(bytes.to_vec())))
    }

    /// Decodes a base32 secret, as stored or as typed from an enrolment screen.
    pub fn from_base32(text: &str) -> Result<Self, TotpError> {
        let bytes = base32::decode_secret(text)?;
        if bytes.len() < MIN_SECRET_BYTES {
            return Err(TotpError::SecretTooShort {
                actual_bytes: bytes.len(),
                min_bytes: MIN_SECRET_BYTES,
            });
        }
        Ok(Self(bytes))
    }

    /// The secret as unpadded base32, for storage or manual entry.
    pub fn to_base32(&self) -> Zeroizing<String> {
        base32::encode_secret(&self.0)
    }

    /// The raw bytes, for callers that encrypt and store them.
    pub fn expose_bytes(&self) -> &[u8] {
        &self.0
    }
}

/// A TOTP generator and verifier for one secret.
#[derive(Clone, Debug)]
pub struct Totp {
    secret: TotpSecret,
    digits: u32,
}

impl Totp {
    /// A 6-digit, 30-second, HMAC-SHA1 TOTP: what every authenticator app supports.
    pub fn new(secret: TotpSecret) -> Self {
        Self {
            secret,
            digits: DEFAULT_DIGITS,
        }
    }

    /// Like [`Totp::new`] with 6, 7 or 8 digits.
    pub fn with_digits(secret: TotpSecret, digits: u32) -> Result<Self, TotpError> {
        if !(6..=8).contains(&digits) {
            return Err(TotpError::UnsupportedDigits { digits });
        }
        Ok(Self { secret, digits })
    }

    /// The number of digits in a code.
    pub fn digits(&self) -> u32 {
        self.digits
    }

    /// The secret.
    pub fn secret(&self) -> &TotpSecret {
        &self.secret
    }

    /// The step that contains `unix_secs`.
    pub fn step_at(unix_secs: u64) -> u64 {
        unix_secs / STEP_SECS
    }

    /// The code for the step that contains `unix_secs`.
    pub fn code_at(&self, unix_secs: u64) -> String {
        self.code_for_step(Self::step_at(unix_secs))
    }

    /// The code for a given step (RFC 4226 HOTP with the step as counter).
    pub fn code_for_step(&self, step: u64) -> String {
        let value = self.truncated(step);
        format!("{value:0width$}", width = self.digits as usize)
    }

    fn truncated(&self, step: u64) -> u32 {
        // Proven invariant: HMAC accepts keys of any length, so `new_from_slice` cannot fail.
        #[allow(clippy::expect_used)]
        let mut mac =
            Hmac::<Sha1>::new_from_slice(&self.secret.0).expect("hmac accepts keys of any length");
        mac.update(&step.to_be_bytes());
        let digest = mac.finalize().into_bytes();
        // Dynamic truncation (RFC 4226 section 5.3): the low nibble of the last byte picks
        // four bytes, whose top bit is masked off.
        let offset = usize::from(digest[19] & 0x0f);
        let bin = u32::from_be_bytes([
            digest[offset] & 0x7f,
            digest[offset + 1],
            digest[offset + 2],
            digest[offset + 3],
        ]);
        bin % 10u32.pow(self.digits)
    }

    /// Checks `code` at `unix_secs`, allowing one step of drift either way.
    ///
    /// `last_accepted_step` is the step this function returned at the user's previous
    /// successful login (`None` if there was none). Codes for that step or any earlier one
    /// are refused with [`TotpError::Replayed`]. On success the matched step is returned;
    /// store it as the new `last_accepted_step`.
    ///
    /// Surrounding whitespace and single spaces between digits (as apps display them, e.g.
    /// `123 456`) are ignored.
    pub fn verify(
        &self,
        code: &str,
        unix_secs: u64,
        last_accepted_step: Option<u64>,
    ) -> Result<u64, TotpError> {
        let typed = self.parse_code(code)?;
        let now = Self::step_at(unix_secs);
        let candidates = [now.checked_sub(1), Some(now), now.checked_add(1)];
        let mut fresh: Option<u64> = None;
        let mut replayed = false;
        // All candidates are computed and compared, without stopping at the first match, so
        // that timing does not reveal which step matched.
        for step in candidates.into_iter().flatten() {
            let matches: bool = self.truncated(step).ct_eq(&typed).into();
            if matches {
                if last_accepted_step.is_some_and(|last| step <= last) {
                    replayed = true;
                } else {
                    fresh = Some(step);
                }
            }
        }
        match (fresh, replayed) {
            (Some(step), _) => Ok(step),
            (None, true) => Err(TotpError::Replayed),
            (None, false) => Err(TotpError::WrongCode),
        }
    }

    fn parse_code(&self, code: &str) -> Result<u32, TotpError> {
        let malformed = TotpError::MalformedCode {
            expected_digits: self.digits,
        };
        let trimmed = code.trim();
        if trimmed.contains("  ") {
            return Err(malformed);
        }
        let mut value: u32 = 0;
        let mut count: u32 = 0;
        for c in trimmed.chars().filter(|&c| c != ' ') {
            // `to_digit` accepts only ASCII digits, so full-width digits are refused here.
            let Some(d) = c.to_digit(10) else {
                return Err(malformed);
            };
            count += 1;
            if count > self.digits {
                return Err(malformed);
            }
            value = value * 10 + d;
        }
        if count != self.digits {
            return Err(malformed);
        }
        Ok(value)
    }

    /// An `otpauth://totp/…` URI for enrolment by QR code. Contains the secret.
    ///
    /// `issuer` is shown in the app as the service name (e.g. the clinic) and `account` as
    /// the login name; neither may be empty or contain `:`.
    pub fn provisioning_uri(
        &self,
        issuer: &str,
        account: &str,
    ) -> Result<Zeroizing<String>, TotpError> {
        for (field, value) in [("issuer", issuer), ("account", account)] {
            if value.is_empty() || value.contains(':') {
                return Err(TotpError::InvalidLabel { field });
            }
        }
        let issuer = percent_encode(issuer);
        let account = percent_encode(account);
        let secret = self.secret.to_base32();
        let mut uri = Zeroizing::new(String::with_capacity(128));
        uri.push_str("otpauth://totp/");
        uri.push_str(&issuer);
        uri.push(':');
        uri.push_str(&account);
        uri.push_str("?secret=");
        uri.push_str(&secret);
        uri.push_str("&issuer=");
        uri.push_str(&issuer);
        uri.push_str("&algorithm=SHA1&digits=");
        uri.push_str(&self.digits.to_string());
        uri.push_str("&period=");
        uri.push_str(&STEP_SECS.to_string());
        Ok(uri)
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn percent_encode(text: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(text.len());
    for &b in text.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
    }
    out
}
