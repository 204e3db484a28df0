//! Integration tests of the use cases on a real encrypted store, with a settable clock and an
//! in-memory key store.

mod access;
mod auth;
mod chart;
mod hl7;
mod imaging;
mod patients;
mod sync;
mod validate;
mod workspace;

use std::sync::Arc;

use meridian_api::{LoginRequest, NewUser, RegisterPatient};
use meridian_app::{App, FakeClock, KeySource, Policy, Workspace};
use meridian_domain::time::Timestamp;
use meridian_security::keys::MemoryKeyStore;

/// 2026-11-29T10:00:00Z.
pub(crate) const T0: Timestamp = Timestamp(1_796_032_800_000);
pub(crate) const PASSWORD: &str = "correct horse battery";

pub(crate) struct World {
    pub(crate) _dir: tempfile::TempDir,
    pub(crate) app: App,
    pub(crate) clock: Arc<FakeClock>,
    pub(crate) admin: String,
}

pub(crate) async fn world() -> World {
    let dir = tempfile::tempdir().expect("tempdir");
    let keys = MemoryKeyStore::new();
    let store = Workspace::create(&dir.path().join("w.db"), KeySource::Keyring, &keys, None).await.expect("create");
    let clock = Arc::new(FakeClock::new(T0));
    let policy = Policy { require_totp: false, ..Policy::default() };
    let app = App::new(store, clock.clone(), policy);
    app.bootstrap(&user("admin", "admin")).await.expect("bootstrap");
    let admin = login(&app, "admin").await;
    World { _dir: dir, app, clock, admin }
}

pub(crate) fn user(username: &str, role: &str) -> NewUser {
    NewUser { username: username.into(), display_name: format!("{username} display"), role: role.into(), password: PASSWORD.into(), practitioner_id: None }
}

pub(crate) async fn login(app: &App, username: &str) -> String {
    app.login(&LoginRequest { username: username.into(), password: PASSWORD.into(), totp: None }).await.expect("login").token
}

impl World {
    /// Adds a user and logs them in.
    pub(crate) async fn staff(&self, username: &str, role: &str) -> String {
        self.app.add_user(&self.admin, &user(username, role)).await.expect("add user");
        login(&self.app, username).await
    }

    /// Registers a patient as a fresh nurse (who thereby cares for them) and returns its id.
    pub(crate) async fn patient(&self, family: &str, given: &str, birth: &str) -> String {
        let nurse = format!("reg.{}", family.to_lowercase());
        let token = self.staff(&nurse, "nurse").await;
        let r = self.app.register_patient(&token, &registration(family, given, birth)).await.expect("register");
        r.patient.expect("registered").id
    }
}

pub(crate) fn registration(family: &str, given: &str, birth: &str) -> RegisterPatient {
    RegisterPatient {
        family: family.into(),
        given: vec![given.into()],
        birth_date: birth.into(),
        sex: "female".into(),
        mrn: None,
        abha: None,
        other_identifiers: vec![],
        phone: None,
        address_line: None,
        city: None,
        postal_code: None,
        confirmed_not_duplicate: false,
    }
}
