//! Every use case against every role, with and without a care relationship: the outcome must be
//! what the domain's permission matrix says, and every denial must be in the audit trail.

use meridian_api::{RecordVitals, SaveNote, VitalEntry};
use meridian_app::AppError;
use meridian_domain::access::{Action, Relationship, Role, decide};
use serde_json::Value;

use crate::{World, world};

async fn attempt(w: &World, token: &str, action: Action, patient: &str, note: &str) -> Result<(), AppError> {
    let app = &w.app;
    match action {
        Action::SearchPatients => app.search_patients(token, "zz").await.map(drop),
        Action::RegisterPatient => app.register_patient(token, &crate::registration("Quux", "Matrix", "1990-01-01")).await.map(drop),
        Action::MergePatients => app.merge_patients(token, patient, "no-such-patient").await.map(drop),
        Action::ReadChart => app.chart_summary(token, patient).await.map(drop),
        Action::RecordVitals => app
            .record_vitals(token, &RecordVitals { patient_id: patient.into(), entries: vec![VitalEntry { loinc: "8867-4".into(), value: 72.0, unit: "/min".into() }], effective: None })
            .await
            .map(drop),
        Action::WriteNote => app
            .save_note(token, &SaveNote { patient_id: patient.into(), id: None, base_version: None, title: "Progress".into(), text: "Stable.".into() })
            .await
            .map(drop),
        Action::ReadNotes => app.notes(token, patient).await.map(drop),
        Action::SignNote => app.sign_note(token, note, 1).await.map(drop),
        Action::ReadAuditTrail => app.patient_audit(token, patient, 10).await.map(drop),
        Action::ExportAuditTrail => app.export_audit(token, 0, 1).await.map(drop),
        Action::ManageUsers => app.list_users(token).await.map(drop),
        Action::ImportRecords => app
            .import_resource(token, br#"{"resourceType":"Organization","name":"Matrix Lab"}"#)
            .await
            .map(drop),
        Action::RotateKey => app.authorize_key_rotation(token).await,
        other => panic!("no use case wired for {other}"),
    }
}

const CASES: &[Action] = &[
    Action::SearchPatients,
    Action::RegisterPatient,
    Action::MergePatients,
    Action::ReadChart,
    Action::RecordVitals,
    Action::WriteNote,
    Action::ReadNotes,
    Action::SignNote,
    Action::ReadAuditTrail,
    Action::ExportAuditTrail,
    Action::ManageUsers,
    Action::ImportRecords,
    Action::RotateKey,
];

fn denied_in_audit(events: &[Value], user_id: &str, action: Action) -> bool {
    events.iter().any(|e| {
        e["outcome"] == "4" && e["agent"][0]["who"]["identifier"]["value"] == user_id && e["subtype"][0]["code"] == action.as_str()
    })
}

#[tokio::test]
async fn every_use_case_against_every_role() {
    let w = world().await;
    let cared = w.patient("Carter", "Ann", "1970-02-03").await;
    let stranger = w.patient("Stranger", "Sam", "1965-07-08").await;
    let iface = w.app.interface_session().await.unwrap();
    let roles = [
        (Role::Physician, "physician"),
        (Role::Nurse, "nurse"),
        (Role::Radiologist, "radiologist"),
        (Role::Pharmacist, "pharmacist"),
        (Role::BillingClerk, "billing-clerk"),
        (Role::Admin, "admin"),
        (Role::Interface, "interface"),
    ];
    let author = w.staff("author.md", "physician").await;
    w.app.assign_care(&w.admin, "author.md", &cared, "attending").await.unwrap();
    w.app.assign_care(&w.admin, "author.md", &stranger, "attending").await.unwrap();
    let mut checked = 0;
    for (role, name) in roles {
        let (token, user_id) = if role == Role::Interface {
            (iface.clone(), "user-interface".to_owned())
        } else {
            let username = format!("m.{name}");
            let t = w.staff(&username, name).await;
            w.app.assign_care(&w.admin, &username, &cared, "care-team").await.unwrap();
            (t, format!("user-{username}"))
        };
        for (patient, relationship) in [(&cared, Relationship::CareTeam), (&stranger, Relationship::None)] {
            for &action in CASES {
                let note = w
                    .app
                    .save_note(&author, &SaveNote { patient_id: patient.clone(), id: None, base_version: None, title: "Draft".into(), text: "Draft text.".into() })
                    .await
                    .unwrap()
                    .id;
                let expected = decide(role, action, relationship).is_allowed();
                let got = attempt(&w, &token, action, patient, &note).await;
                let was_denied = matches!(got, Err(AppError::Forbidden { .. } | AppError::BreakGlassRequired));
                assert_eq!(!was_denied, expected, "{role} {action} {relationship:?}: {got:?}");
                if was_denied {
                    let events = w.app.export_audit(&w.admin, 0, 100_000).await.unwrap();
                    assert!(denied_in_audit(&events, &user_id, action), "denial of {action} for {role} not audited");
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 7 * 2 * CASES.len());
}

#[tokio::test]
async fn break_the_glass_opens_the_chart_and_is_flagged() {
    let w = world().await;
    let patient = w.patient("Glass", "Gina", "1980-01-01").await;
    let doc = w.staff("er.doc", "physician").await;
    assert!(matches!(w.app.chart_summary(&doc, &patient).await, Err(AppError::BreakGlassRequired)));
    assert!(matches!(w.app.break_glass(&doc, &patient, "short").await, Err(AppError::Validation(_))));
    w.app.break_glass(&doc, &patient, "unconscious in the emergency department").await.unwrap();
    w.app.chart_summary(&doc, &patient).await.unwrap();
    let trail = w.app.patient_audit(&w.admin, &patient, 50).await.unwrap();
    let flagged: Vec<_> = trail.iter().filter(|r| r.user_id == "user-er.doc" && r.flagged).collect();
    assert!(flagged.iter().any(|r| r.action == "read-chart" && r.outcome == "success" && r.detail.as_deref().is_some_and(|d| d.starts_with("break-glass:"))));
    assert!(flagged.iter().any(|r| r.detail.as_deref().is_some_and(|d| d.starts_with("break-glass-declared:"))));
    // The free-text reason is for the reviewer, not the trail.
    assert!(!trail.iter().any(|r| r.detail.as_deref().is_some_and(|d| d.contains("unconscious"))));
    // The declaration waits for an administrator's review.
    let pending = w.app.break_glass_to_review(&w.admin).await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].reason, "unconscious in the emergency department");
    assert!(matches!(w.app.break_glass_to_review(&doc).await, Err(AppError::Forbidden { .. })));
    w.app.review_break_glass(&w.admin, pending[0].id).await.unwrap();
    assert!(w.app.break_glass_to_review(&w.admin).await.unwrap().is_empty());
    // Expiry: four hours later the glass is whole again.
    w.clock.advance_secs(4 * 3600 + 1);
    let doc = crate::login(&w.app, "er.doc").await;
    assert!(matches!(w.app.chart_summary(&doc, &patient).await, Err(AppError::BreakGlassRequired)));
    // Administrators and billing clerks cannot break the glass.
    let admin = crate::login(&w.app, "admin").await;
    w.app.add_user(&admin, &crate::user("clerk", "billing-clerk")).await.unwrap();
    let clerk = crate::login(&w.app, "clerk").await;
    assert!(matches!(w.app.break_glass(&clerk, &patient, "curious about the diagnosis").await, Err(AppError::Forbidden { .. })));
}
