//! Integration tests for meridian-security, one module per area.

mod base32;
mod keyring;
mod keys;
mod password;
mod totp;
