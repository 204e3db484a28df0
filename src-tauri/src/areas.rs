//! One inlined plugin per area. Every command is a single call into `meridian-app`; `?` turns
//! its error into `ApiError` (the one conversion lives in `meridian-app`).

use meridian_api::*;
use tauri::plugin::{Builder, TauriPlugin};
use tauri::{State, Wry};

use crate::Desktop;

type R<T> = Result<T, ApiError>;
type D<'a> = State<'a, Desktop>;

mod session {
    use super::*;

    #[tauri::command]
    pub(super) async fn login(d: D<'_>, req: LoginRequest) -> R<SessionInfo> {
        Ok(d.app()?.login(&req).await?)
    }
    #[tauri::command]
    pub(super) async fn logout(d: D<'_>, token: String) -> R<()> {
        d.app()?.logout(&token).await;
        Ok(())
    }
    #[tauri::command]
    pub(super) async fn lock(d: D<'_>, token: String) -> R<()> {
        d.app()?.lock(&token).await;
        Ok(())
    }
    #[tauri::command]
    pub(super) async fn unlock(d: D<'_>, token: String, password: String) -> R<SessionInfo> {
        Ok(d.app()?.unlock(&token, &password).await?)
    }
    #[tauri::command]
    pub(super) async fn begin_totp(d: D<'_>, token: String) -> R<TotpEnrolment> {
        Ok(d.app()?.begin_totp_enrolment(&token).await?)
    }
    #[tauri::command]
    pub(super) async fn confirm_totp(d: D<'_>, token: String, code: String) -> R<()> {
        Ok(d.app()?.confirm_totp(&token, &code).await?)
    }
    #[tauri::command]
    pub(super) fn info(d: D<'_>) -> R<AppInfo> {
        Ok(AppInfo { version: env!("CARGO_PKG_VERSION").into(), database: d.database.clone(), sync: "local-only".into() })
    }
}

mod patients {
    use super::*;

    #[tauri::command]
    pub(super) async fn search(d: D<'_>, token: String, query: String) -> R<Vec<PatientSummary>> {
        Ok(d.app()?.search_patients(&token, &query).await?)
    }
    #[tauri::command]
    pub(super) async fn mine(d: D<'_>, token: String) -> R<Vec<PatientSummary>> {
        Ok(d.app()?.my_patients(&token).await?)
    }
    #[tauri::command]
    pub(super) async fn register(d: D<'_>, token: String, req: RegisterPatient) -> R<Registration> {
        Ok(d.app()?.register_patient(&token, &req).await?)
    }
    #[tauri::command]
    pub(super) async fn merge(d: D<'_>, token: String, surviving_id: String, merged_id: String) -> R<()> {
        Ok(d.app()?.merge_patients(&token, &surviving_id, &merged_id).await?)
    }
    #[tauri::command]
    pub(super) async fn break_glass(d: D<'_>, token: String, patient_id: String, reason: String) -> R<()> {
        Ok(d.app()?.break_glass(&token, &patient_id, &reason).await?)
    }
}

mod chart {
    use super::*;

    #[tauri::command]
    pub(super) async fn summary(d: D<'_>, token: String, patient_id: String) -> R<ChartSummary> {
        Ok(d.app()?.chart_summary(&token, &patient_id).await?)
    }
    #[tauri::command]
    pub(super) async fn encounters(d: D<'_>, token: String, patient_id: String) -> R<Vec<EncounterRow>> {
        Ok(d.app()?.encounters(&token, &patient_id).await?)
    }
    #[tauri::command]
    pub(super) async fn trend(d: D<'_>, token: String, patient_id: String, loinc: String) -> R<Vec<ObservationRow>> {
        Ok(d.app()?.observation_trend(&token, &patient_id, &loinc, 200).await?)
    }
    #[tauri::command]
    pub(super) async fn record_vitals(d: D<'_>, token: String, req: RecordVitals) -> R<Vec<ObservationRow>> {
        Ok(d.app()?.record_vitals(&token, &req).await?)
    }
}

mod notes {
    use super::*;

    #[tauri::command]
    pub(super) async fn list(d: D<'_>, token: String, patient_id: String) -> R<Vec<Note>> {
        Ok(d.app()?.notes(&token, &patient_id).await?)
    }
    #[tauri::command]
    pub(super) async fn save(d: D<'_>, token: String, req: SaveNote) -> R<Note> {
        Ok(d.app()?.save_note(&token, &req).await?)
    }
    #[tauri::command]
    pub(super) async fn sign(d: D<'_>, token: String, note_id: String, version: i64) -> R<Note> {
        Ok(d.app()?.sign_note(&token, &note_id, version).await?)
    }
    #[tauri::command]
    pub(super) async fn addendum(d: D<'_>, token: String, note_id: String, text: String) -> R<Note> {
        Ok(d.app()?.add_addendum(&token, &note_id, &text).await?)
    }
}

mod admin {
    use super::*;

    #[tauri::command]
    pub(super) async fn patient_audit(d: D<'_>, token: String, patient_id: String) -> R<Vec<AuditRow>> {
        Ok(d.app()?.patient_audit(&token, &patient_id, 500).await?)
    }
    #[tauri::command]
    pub(super) async fn verify_audit(d: D<'_>, token: String) -> R<AuditVerification> {
        Ok(d.app()?.verify_audit(&token).await?)
    }
}

mod sync {
    use super::*;

    #[tauri::command]
    pub(super) async fn status(d: D<'_>, token: String) -> R<SyncStatus> {
        Ok(d.app()?.sync_status(&token).await?)
    }
    #[tauri::command]
    pub(super) async fn conflicts(d: D<'_>, token: String, patient_id: String) -> R<Vec<SyncConflict>> {
        Ok(d.app()?.patient_conflicts(&token, &patient_id).await?)
    }
    #[tauri::command]
    pub(super) async fn resolve(d: D<'_>, token: String, conflict_id: i64, choice: ConflictChoice) -> R<()> {
        d.app()?.resolve_conflict(&token, conflict_id, choice).await?;
        d.kick_sync();
        Ok(())
    }
    #[tauri::command]
    pub(super) async fn interface_log(d: D<'_>, token: String) -> R<Vec<InterfaceMessage>> {
        Ok(d.app()?.interface_log(&token, 200).await?)
    }
}

mod imaging {
    use super::*;

    #[tauri::command]
    pub(super) async fn studies(d: D<'_>, token: String, patient_id: String) -> R<StudyList> {
        Ok(d.app()?.imaging_studies(&token, &patient_id).await?)
    }
    #[tauri::command]
    pub(super) async fn retrieve(d: D<'_>, token: String, patient_id: String, study_uid: String, via: RetrieveVia) -> R<RetrieveReport> {
        Ok(d.app()?.retrieve_study(&token, &patient_id, &study_uid, via).await?)
    }
    #[tauri::command]
    pub(super) async fn import(d: D<'_>, token: String, patient_id: String, folder: String, outside: bool) -> R<ImageImport> {
        Ok(d.app()?.import_images(&token, &patient_id, &folder, outside).await?)
    }
    #[tauri::command]
    pub(super) async fn series(d: D<'_>, token: String, patient_id: String, study_uid: String) -> R<Vec<SeriesRow>> {
        Ok(d.app()?.imaging_series(&token, &patient_id, &study_uid).await?)
    }
    #[tauri::command]
    pub(super) async fn open(d: D<'_>, token: String, patient_id: String, study_uid: String, series_uid: String) -> R<OpenedSeries> {
        Ok(d.app()?.open_series(&token, &patient_id, &study_uid, &series_uid).await?)
    }
    /// The frame's RGBA bytes as a binary answer (an ArrayBuffer in the UI), not JSON.
    #[tauri::command]
    pub(super) async fn render(d: D<'_>, token: String, req: RenderRequest) -> R<tauri::ipc::Response> {
        Ok(tauri::ipc::Response::new(d.app()?.render_frame(&token, &req).await?))
    }
    #[tauri::command]
    pub(super) async fn measure(d: D<'_>, token: String, handle: String, frame: u32, req: MeasureRequest) -> R<Measurement> {
        Ok(d.app()?.measure(&token, &handle, frame, &req).await?)
    }
    #[tauri::command]
    pub(super) async fn save_annotations(d: D<'_>, token: String, handle: String, marks: Vec<SavedAnnotation>, window: Option<(f64, f64)>) -> R<AnnotationsSaved> {
        Ok(d.app()?.save_annotations(&token, &handle, &marks, window).await?)
    }
    #[tauri::command]
    pub(super) async fn close(d: D<'_>, token: String, handle: String) -> R<()> {
        Ok(d.app()?.close_series(&token, &handle).await?)
    }
}

pub(crate) fn imaging() -> TauriPlugin<Wry> {
    use imaging::*;
    Builder::new("imaging").invoke_handler(tauri::generate_handler![studies, retrieve, import, series, open, render, measure, save_annotations, close]).build()
}

pub(crate) fn session() -> TauriPlugin<Wry> {
    use session::*;
    Builder::new("session").invoke_handler(tauri::generate_handler![login, logout, lock, unlock, begin_totp, confirm_totp, info]).build()
}

pub(crate) fn patients() -> TauriPlugin<Wry> {
    use patients::*;
    Builder::new("patients").invoke_handler(tauri::generate_handler![search, mine, register, merge, break_glass]).build()
}

pub(crate) fn chart() -> TauriPlugin<Wry> {
    use chart::*;
    Builder::new("chart").invoke_handler(tauri::generate_handler![summary, encounters, trend, record_vitals]).build()
}

pub(crate) fn notes() -> TauriPlugin<Wry> {
    use notes::*;
    Builder::new("notes").invoke_handler(tauri::generate_handler![list, save, sign, addendum]).build()
}

pub(crate) fn admin() -> TauriPlugin<Wry> {
    use admin::*;
    Builder::new("admin").invoke_handler(tauri::generate_handler![patient_audit, verify_audit]).build()
}

pub(crate) fn sync() -> TauriPlugin<Wry> {
    use sync::*;
    Builder::new("sync").invoke_handler(tauri::generate_handler![status, conflicts, resolve, interface_log]).build()
}
