//! The contract's shapes: error codes on the wire, and no patient data in Debug output.

use meridian_api::*;

#[test]
fn error_codes_are_stable_kebab_case() {
    let e = ApiError::new(ErrorCode::SignedImmutable, "x");
    assert_eq!(serde_json::to_value(&e).unwrap()["code"], "signed-immutable");
    let back: ApiError = serde_json::from_str(r#"{"code":"break-glass-required","message":"m"}"#).unwrap();
    assert_eq!(back.code, ErrorCode::BreakGlassRequired);
}

#[test]
fn debug_output_holds_no_patient_data() {
    let p = PatientSummary {
        id: "pat-1".into(),
        display_name: "ZYXWV, Qqq".into(),
        birth_date: Some("1901-02-03".into()),
        age: None,
        sex: None,
        mrn: Some("MRN424242".into()),
        abha: None,
        merged_into: None,
        last_vitals: None,
        vitals_due: false,
    };
    let note = Note {
        id: "n1".into(),
        patient_id: "pat-1".into(),
        title: "t".into(),
        text: "secret history of present illness".into(),
        status: "draft".into(),
        author: None,
        date: None,
        addendum_to: None,
        version: 1,
    };
    let shown = format!("{p:?} {note:?}");
    for leak in ["ZYXWV", "1901-02-03", "MRN424242", "secret history"] {
        assert!(!shown.contains(leak), "{leak} in {shown}");
    }
    assert!(shown.contains("pat-1"));
}
