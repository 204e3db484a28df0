//! Every call from the UI to the core: one typed function per Tauri command. Errors arrive as
//! `ApiError { code, message }`; screens switch on `code`.

use meridian_api::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_namespace = ["window", "__TAURI__", "core"], js_name = invoke)]
    async fn tauri_invoke(cmd: &str, args: JsValue) -> Result<JsValue, JsValue>;
}

fn internal(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::Internal, message)
}

async fn call<A: Serialize, T: DeserializeOwned>(cmd: &str, args: &A) -> Result<T, ApiError> {
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    let args = args.serialize(&serializer).map_err(|e| internal(e.to_string()))?;
    match tauri_invoke(cmd, args).await {
        Ok(v) => serde_wasm_bindgen::from_value(v).map_err(|e| internal(format!("unexpected reply: {e}"))),
        Err(e) => Err(serde_wasm_bindgen::from_value::<ApiError>(e.clone())
            .unwrap_or_else(|_| internal(e.as_string().unwrap_or_else(|| "the core did not answer".into())))),
    }
}

#[derive(Serialize)]
struct Token<'a> {
    token: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TokenPatient<'a> {
    token: &'a str,
    patient_id: &'a str,
}

pub async fn login(req: &LoginRequest) -> Result<SessionInfo, ApiError> {
    #[derive(Serialize)]
    struct A<'a> {
        req: &'a LoginRequest,
    }
    call("plugin:session|login", &A { req }).await
}

pub async fn logout(token: &str) -> Result<(), ApiError> {
    call("plugin:session|logout", &Token { token }).await
}

pub async fn unlock(token: &str, password: &str) -> Result<SessionInfo, ApiError> {
    #[derive(Serialize)]
    struct A<'a> {
        token: &'a str,
        password: &'a str,
    }
    call("plugin:session|unlock", &A { token, password }).await
}

pub async fn begin_totp(token: &str) -> Result<TotpEnrolment, ApiError> {
    call("plugin:session|begin_totp", &Token { token }).await
}

pub async fn confirm_totp(token: &str, code: &str) -> Result<(), ApiError> {
    #[derive(Serialize)]
    struct A<'a> {
        token: &'a str,
        code: &'a str,
    }
    call("plugin:session|confirm_totp", &A { token, code }).await
}

pub async fn search(token: &str, query: &str) -> Result<Vec<PatientSummary>, ApiError> {
    #[derive(Serialize)]
    struct A<'a> {
        token: &'a str,
        query: &'a str,
    }
    call("plugin:patients|search", &A { token, query }).await
}

pub async fn my_patients(token: &str) -> Result<Vec<PatientSummary>, ApiError> {
    call("plugin:patients|mine", &Token { token }).await
}

pub async fn register(token: &str, req: &RegisterPatient) -> Result<Registration, ApiError> {
    #[derive(Serialize)]
    struct A<'a> {
        token: &'a str,
        req: &'a RegisterPatient,
    }
    call("plugin:patients|register", &A { token, req }).await
}

pub async fn break_glass(token: &str, patient_id: &str, reason: &str) -> Result<(), ApiError> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct A<'a> {
        token: &'a str,
        patient_id: &'a str,
        reason: &'a str,
    }
    call("plugin:patients|break_glass", &A { token, patient_id, reason }).await
}

pub async fn chart(token: &str, patient_id: &str) -> Result<ChartSummary, ApiError> {
    call("plugin:chart|summary", &TokenPatient { token, patient_id }).await
}

pub async fn trend(token: &str, patient_id: &str, loinc: &str) -> Result<Vec<ObservationRow>, ApiError> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct A<'a> {
        token: &'a str,
        patient_id: &'a str,
        loinc: &'a str,
    }
    call("plugin:chart|trend", &A { token, patient_id, loinc }).await
}

pub async fn record_vitals(token: &str, req: &RecordVitals) -> Result<Vec<ObservationRow>, ApiError> {
    #[derive(Serialize)]
    struct A<'a> {
        token: &'a str,
        req: &'a RecordVitals,
    }
    call("plugin:chart|record_vitals", &A { token, req }).await
}

pub async fn notes(token: &str, patient_id: &str) -> Result<Vec<Note>, ApiError> {
    call("plugin:notes|list", &TokenPatient { token, patient_id }).await
}

pub async fn save_note(token: &str, req: &SaveNote) -> Result<Note, ApiError> {
    #[derive(Serialize)]
    struct A<'a> {
        token: &'a str,
        req: &'a SaveNote,
    }
    call("plugin:notes|save", &A { token, req }).await
}

pub async fn sign_note(token: &str, note_id: &str, version: i64) -> Result<Note, ApiError> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct A<'a> {
        token: &'a str,
        note_id: &'a str,
        version: i64,
    }
    call("plugin:notes|sign", &A { token, note_id, version }).await
}

pub async fn addendum(token: &str, note_id: &str, text: &str) -> Result<Note, ApiError> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct A<'a> {
        token: &'a str,
        note_id: &'a str,
        text: &'a str,
    }
    call("plugin:notes|addendum", &A { token, note_id, text }).await
}

pub async fn patient_audit(token: &str, patient_id: &str) -> Result<Vec<AuditRow>, ApiError> {
    call("plugin:admin|patient_audit", &TokenPatient { token, patient_id }).await
}

pub async fn verify_audit(token: &str) -> Result<AuditVerification, ApiError> {
    call("plugin:admin|verify_audit", &Token { token }).await
}

pub async fn app_info() -> Result<AppInfo, ApiError> {
    call("plugin:session|info", &()).await
}

pub async fn lock(token: &str) -> Result<(), ApiError> {
    call("plugin:session|lock", &Token { token }).await
}

pub async fn merge(token: &str, surviving_id: &str, merged_id: &str) -> Result<(), ApiError> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct A<'a> {
        token: &'a str,
        surviving_id: &'a str,
        merged_id: &'a str,
    }
    call("plugin:patients|merge", &A { token, surviving_id, merged_id }).await
}

pub async fn encounters(token: &str, patient_id: &str) -> Result<Vec<EncounterRow>, ApiError> {
    call("plugin:chart|encounters", &TokenPatient { token, patient_id }).await
}

pub async fn sync_status(token: &str) -> Result<SyncStatus, ApiError> {
    call("plugin:sync|status", &Token { token }).await
}

pub async fn sync_conflicts(token: &str, patient_id: &str) -> Result<Vec<SyncConflict>, ApiError> {
    call("plugin:sync|conflicts", &TokenPatient { token, patient_id }).await
}

pub async fn resolve_conflict(token: &str, conflict_id: i64, choice: ConflictChoice) -> Result<(), ApiError> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct A<'a> {
        token: &'a str,
        conflict_id: i64,
        choice: ConflictChoice,
    }
    call("plugin:sync|resolve", &A { token, conflict_id, choice }).await
}

pub async fn interface_log(token: &str) -> Result<Vec<InterfaceMessage>, ApiError> {
    call("plugin:sync|interface_log", &Token { token }).await
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TokenStudy<'a> {
    token: &'a str,
    patient_id: &'a str,
    study_uid: &'a str,
}

pub async fn imaging_studies(token: &str, patient_id: &str) -> Result<StudyList, ApiError> {
    call("plugin:imaging|studies", &TokenPatient { token, patient_id }).await
}

pub async fn retrieve_study(token: &str, patient_id: &str, study_uid: &str, via: RetrieveVia) -> Result<RetrieveReport, ApiError> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct A<'a> {
        token: &'a str,
        patient_id: &'a str,
        study_uid: &'a str,
        via: RetrieveVia,
    }
    call("plugin:imaging|retrieve", &A { token, patient_id, study_uid, via }).await
}

pub async fn import_images(token: &str, patient_id: &str, folder: &str, outside: bool) -> Result<ImageImport, ApiError> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct A<'a> {
        token: &'a str,
        patient_id: &'a str,
        folder: &'a str,
        outside: bool,
    }
    call("plugin:imaging|import", &A { token, patient_id, folder, outside }).await
}

pub async fn imaging_series(token: &str, patient_id: &str, study_uid: &str) -> Result<Vec<SeriesRow>, ApiError> {
    call("plugin:imaging|series", &TokenStudy { token, patient_id, study_uid }).await
}

pub async fn open_series(token: &str, patient_id: &str, study_uid: &str, series_uid: &str) -> Result<OpenedSeries, ApiError> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct A<'a> {
        token: &'a str,
        patient_id: &'a str,
        study_uid: &'a str,
        series_uid: &'a str,
    }
    call("plugin:imaging|open", &A { token, patient_id, study_uid, series_uid }).await
}

/// One drawn frame: RGBA bytes, `width * height * 4` (a binary answer, not JSON).
pub async fn render_frame(token: &str, req: &RenderRequest) -> Result<Vec<u8>, ApiError> {
    #[derive(Serialize)]
    struct A<'a> {
        token: &'a str,
        req: &'a RenderRequest,
    }
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    let args = A { token, req }.serialize(&serializer).map_err(|e| internal(e.to_string()))?;
    match tauri_invoke("plugin:imaging|render", args).await {
        Ok(v) => Ok(js_sys::Uint8Array::new(&v).to_vec()),
        Err(e) => Err(serde_wasm_bindgen::from_value::<ApiError>(e.clone())
            .unwrap_or_else(|_| internal(e.as_string().unwrap_or_else(|| "the core did not answer".into())))),
    }
}

pub async fn measure(token: &str, handle: &str, frame: u32, req: &MeasureRequest) -> Result<Measurement, ApiError> {
    #[derive(Serialize)]
    struct A<'a> {
        token: &'a str,
        handle: &'a str,
        frame: u32,
        req: &'a MeasureRequest,
    }
    call("plugin:imaging|measure", &A { token, handle, frame, req }).await
}

pub async fn save_annotations(token: &str, handle: &str, marks: &[SavedAnnotation], window: Option<(f64, f64)>) -> Result<AnnotationsSaved, ApiError> {
    #[derive(Serialize)]
    struct A<'a> {
        token: &'a str,
        handle: &'a str,
        marks: &'a [SavedAnnotation],
        window: Option<(f64, f64)>,
    }
    call("plugin:imaging|save_annotations", &A { token, handle, marks, window }).await
}

pub async fn close_series(token: &str, handle: &str) -> Result<(), ApiError> {
    #[derive(Serialize)]
    struct A<'a> {
        token: &'a str,
        handle: &'a str,
    }
    call("plugin:imaging|close", &A { token, handle }).await
}
