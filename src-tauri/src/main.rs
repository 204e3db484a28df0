//! The Meridian desktop shell: a Tauri window over `meridian-app`.
//!
//! It opens the database, holds the [`App`], and exposes each area as an inlined plugin
//! (`session`, `patients`, `chart`, `notes`, `admin`, `sync`, `imaging`) whose commands are one-line calls into the
//! app layer. It holds no business logic: access checks, audit, validation and conversion all
//! happen in `meridian-app`; errors cross as `ApiError { code, message }`.
//!
//! The database is `--db FILE`, else `$MERIDIAN_DB`, else `meridian.db` in the platform's data
//! folder. Its key comes from the OS keyring, or from `$MERIDIAN_PASSPHRASE` for a
//! passphrase-keyed database.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod areas;

use std::path::PathBuf;
use std::sync::Arc;

use meridian_api::{ApiError, ErrorCode};
use meridian_app::{App, Policy, SystemClock, Workspace};
use meridian_security::keys::OsKeyring;
use tauri::Manager as _;

/// What every command reaches: the app, or why the database could not be opened (shown by the
/// UI as the answer to whatever the user tries).
pub(crate) struct Desktop {
    app: Result<App, ApiError>,
    database: String,
    /// The background sync with the hospital's FHIR server, when one is configured.
    sync: Option<meridian_app::sync::SyncHandle>,
}

impl Desktop {
    pub(crate) fn app(&self) -> Result<&App, ApiError> {
        self.app.as_ref().map_err(Clone::clone)
    }

    /// Sync soon (after a conflict is settled, say).
    pub(crate) fn kick_sync(&self) {
        if let Some(s) = &self.sync {
            s.kick();
        }
    }
}

/// Starts background sync when the workspace names a FHIR server.
fn start_sync(path: &std::path::Path, app: &App) -> Option<meridian_app::sync::SyncHandle> {
    let keys = OsKeyring::new().ok()?;
    let (config, endpoint) = match meridian_app::WorkspaceConfig::sync_endpoint(path, &keys) {
        Ok(found) => found?,
        Err(e) => {
            eprintln!("meridian: sync is off: {e}");
            return None;
        }
    };
    let client = match meridian_fhirclient::Client::new(endpoint) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("meridian: sync is off: {e}");
            return None;
        }
    };
    let sync = meridian_app::sync::FhirSync::new(app.clone(), client, config.fhir_base_url.clone());
    let interval = std::time::Duration::from_secs(u64::from(config.interval_secs.max(5)));
    let backoff = meridian_app::sync::Backoff::new(std::time::Duration::from_secs(2), std::time::Duration::from_secs(300));
    tauri::async_runtime::block_on(async {
        let _ = app.set_sync_server(&config.fhir_base_url).await;
        Some(meridian_app::sync::spawn_sync(sync, interval, backoff))
    })
}

fn database_path() -> PathBuf {
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--db" {
            if let Some(p) = args.next() {
                return PathBuf::from(p);
            }
        }
    }
    if let Ok(p) = std::env::var("MERIDIAN_DB") {
        return PathBuf::from(p);
    }
    let base = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("APPDATA").map(PathBuf::from))
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("meridian").join("meridian.db")
}

fn open(path: &PathBuf) -> Result<App, ApiError> {
    let keys = OsKeyring::new().map_err(|e| ApiError::new(ErrorCode::KeyUnavailable, e.to_string()));
    let passphrase = std::env::var("MERIDIAN_PASSPHRASE").ok();
    let store = tauri::async_runtime::block_on(async {
        match &keys {
            Ok(k) => Workspace::open(path, k, passphrase.as_deref()).await,
            Err(_) if passphrase.is_some() => Err(meridian_app::AppError::KeyUnavailable("no keyring; passphrase databases need one to be configured".into())),
            Err(e) => Err(meridian_app::AppError::KeyUnavailable(e.message.clone())),
        }
    })?;
    // The site's policy (idle lock, lockout) from the workspace file, else the defaults.
    let config = meridian_app::WorkspaceConfig::read(path).ok();
    let policy = config.as_ref().and_then(|c| c.policy.clone()).map_or_else(Policy::default, |p| p.apply(Policy::default()));
    let app = App::new(store, Arc::new(SystemClock), policy);
    // The PACS, when the workspace names one.
    app.configure_imaging(config.and_then(|c| c.imaging));
    Ok(app)
}

/// A form-and-table workstation needs no GPU compositing in its webview (the image viewer draws
/// with wgpu on its own): software painting keeps the web process free of a GL context and its
/// driver, which under Mesa's software GL cost over 90 MiB. Page and memory caches are sized for
/// one local document.
fn lean_webview(window: &tauri::WebviewWindow) {
    #[cfg(target_os = "linux")]
    let _ = window.with_webview(|webview| {
        use webkit2gtk::{CacheModel, HardwareAccelerationPolicy, SettingsExt, WebContextExt, WebViewExt};
        let view = webview.inner();
        if let Some(settings) = WebViewExt::settings(&view) {
            settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
            settings.set_enable_webgl(false);
            settings.set_enable_page_cache(false);
        }
        if let Some(context) = view.context() {
            context.set_cache_model(CacheModel::DocumentViewer);
        }
    });
    #[cfg(not(target_os = "linux"))]
    let _ = window;
}

fn main() {
    let path = database_path();
    let app = open(&path);
    let sync = app.as_ref().ok().and_then(|a| start_sync(&path, a));
    let desktop = Desktop { app, database: path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(), sync };
    if let Err(e) = &desktop.app {
        eprintln!("meridian: the database could not be opened: {}", e.message);
    }
    let closing = desktop.app.as_ref().ok().cloned();
    let result = tauri::Builder::default()
        .manage(desktop)
        .plugin(areas::session())
        .plugin(areas::patients())
        .plugin(areas::chart())
        .plugin(areas::notes())
        .plugin(areas::admin())
        .plugin(areas::sync())
        .plugin(areas::imaging())
        .setup(|app| {
            if let Some(window) = app.get_webview_window("main") {
                lean_webview(&window);
            }
            Ok(())
        })
        .build(tauri::generate_context!());
    let app = match result {
        Ok(app) => app,
        Err(e) => {
            eprintln!("meridian: the window could not start: {e}");
            std::process::exit(1);
        }
    };
    let mut closing = closing;
    app.run(move |_, event| {
        // Close the database (checkpoint, then every connection on its own thread) before the
        // process exits: SQLCipher's exit handlers free its private heap and crypto provider,
        // and a connection still at work then crashes the process.
        if let tauri::RunEvent::Exit = event
            && let Some(core) = closing.take()
        {
            tauri::async_runtime::block_on(core.close());
        }
    });
}
