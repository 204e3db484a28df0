//! Meridian's use cases: the only crate that front ends (the Tauri shell, the CLI) call.
//!
//! Every use case that touches patient data goes through one guard, [`App::audited`] in
//! `guard.rs`: it checks the session, decides access with `meridian_domain::access::decide`
//! (role, care relationship, break-the-glass), runs the use case in one store transaction,
//! appends the audit record in that same transaction, commits, and only then publishes the
//! events the use case raised. A denied or failed attempt is audited too, in its own
//! transaction. No use case can skip these steps because none can reach the store otherwise.
//!
//! This crate converts between the domain, FHIR resources (`meridian-fhir`) and the DTOs of
//! `meridian-api`; it knows nothing of Tauri, windows or terminals.
//!
//! ```no_run
//! # async fn f(app: meridian_app::App) -> Result<(), meridian_app::AppError> {
//! use meridian_api::LoginRequest;
//! let session = app.login(&LoginRequest { username: "dr.rao".into(), password: "…".into(), totp: Some("123456".into()) }).await?;
//! let hits = app.search_patients(&session.token, "sharma 1980").await?;
//! # Ok(()) }
//! ```

mod audit_view;
mod auth;
mod chart;
mod clock;
mod demo;
mod error;
mod events;
mod guard;
mod hl7;
mod hl7_out;
mod imaging;
mod import;
mod index;
mod notes;
mod orders;
mod patients;
pub mod sync;
mod workspace;

use std::collections::HashMap;
use std::sync::Arc;

use meridian_store::Store;
use tokio::sync::Mutex;

pub use auth::INTERFACE_USER;
pub use clock::{Clock, SystemClock};
pub use demo::{DEMO_ADMIN, DEMO_PASSWORD, DemoAccount, DemoReport, demo_totp_secret};
pub use meridian_demo::{CivilDateTime, DemoConfig};
#[cfg(feature = "test-support")]
pub use clock::FakeClock;
pub use error::{AppError, Result};
pub use events::EventBus;
pub use guard::Session;
pub use hl7_out::{ForwardReport, Hl7Route, RouteTls};
pub use import::ImportOutcome;
pub use meridian_store::Table;
pub use workspace::{DimseConfig, ImagingConfig, KeySource, SitePolicy, SyncAuth, SyncConfig, Workspace, WorkspaceConfig};

/// Policy knobs a site may set.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Seconds of inactivity before a session locks.
    pub idle_timeout_secs: u32,
    /// Failed logins before the account locks.
    pub max_failed_logins: i64,
    /// How long a lockout lasts.
    pub lockout_secs: i64,
    /// How long a break-the-glass declaration stays in force.
    pub break_glass_secs: i64,
    /// Whether interactive users must have a second factor.
    pub require_totp: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            idle_timeout_secs: 15 * 60,
            max_failed_logins: 5,
            lockout_secs: 15 * 60,
            break_glass_secs: 4 * 3600,
            require_totp: true,
        }
    }
}

/// The application core. Cheap to clone.
#[derive(Clone)]
pub struct App {
    store: Store,
    clock: Arc<dyn Clock>,
    policy: Policy,
    bus: EventBus,
    sessions: Arc<Mutex<HashMap<String, Session>>>,
    /// TOTP secrets shown to a user but not yet confirmed, by user id.
    pending_totp: Arc<Mutex<HashMap<String, String>>>,
    /// The interface account's session, made on first use by sync and HL7 feeds.
    interface_token: Arc<Mutex<Option<String>>>,
    /// The PACS and the series open in viewers.
    imaging: Arc<imaging::Imaging>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App").field("store", &self.store.path()).finish_non_exhaustive()
    }
}

impl App {
    pub fn new(store: Store, clock: Arc<dyn Clock>, policy: Policy) -> App {
        App {
            store,
            clock,
            policy,
            bus: EventBus::new(1024),
            sessions: Arc::default(),
            pending_totp: Arc::default(),
            interface_token: Arc::default(),
            imaging: Arc::default(),
        }
    }

    /// Subscribe to committed changes.
    pub fn events(&self) -> &EventBus {
        &self.bus
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Checks and audits that the session's user may rotate the database key (administrators).
    /// The rotation itself runs on the store once the app is closed: see
    /// [`Workspace::rotate_key`] and [`App::into_store`].
    pub async fn authorize_key_rotation(&self, token: &str) -> Result<()> {
        self.audited(token, meridian_domain::access::Action::RotateKey, guard::Target::none(), async |_tx: &mut meridian_store::Tx, _ctx: &mut guard::Ctx| Ok(()))
            .await
    }

    /// How many rows one of the store's tables holds (reports, tests); no patient data.
    pub async fn count(&self, table: Table) -> Result<i64> {
        Ok(self.store.count(table).await?)
    }

    /// Gives up the app for its store (key rotation, which reopens the database).
    pub fn into_store(self) -> Store {
        self.store
    }

    /// Checkpoints and closes the database.
    pub async fn close(self) {
        self.store.close().await;
    }
}
