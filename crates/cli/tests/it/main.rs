//! End-to-end tests of the `meridian` binary: real processes, a real encrypted file, the OS
//! keyring (kernel keyutils on Linux).

mod crash;
mod demo;
mod hl7_mllp;
mod sync_crash;

use std::path::Path;
use std::process::{Command, Output};

pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_meridian");

pub(crate) fn meridian(db: &Path, args: &[&str]) -> Output {
    Command::new(BIN).arg("--db").arg(db).args(args).output().expect("run meridian")
}

pub(crate) fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}
