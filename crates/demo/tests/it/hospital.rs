use std::collections::HashSet;

use meridian_demo::{StaffRole, hospital};

use crate::config;

#[test]
fn organization_is_meridian_general_with_an_identifier() {
    let h = hospital(&config(1, 1));
    let org = &h.organization;
    assert_eq!(org["resourceType"], "Organization");
    assert_eq!(org["id"], "org-meridian");
    assert_eq!(org["name"], "Meridian General Hospital");
    assert!(org["identifier"][0]["system"].as_str().is_some());
    assert!(org["identifier"][0]["value"].as_str().is_some());
}

#[test]
fn staff_cover_every_role_with_expected_usernames() {
    let h = hospital(&config(1, 1));
    assert!((8..=10).contains(&h.practitioners.len()));
    let roles: HashSet<_> = h.practitioners.iter().map(|p| p.role).collect();
    for role in [
        StaffRole::Physician,
        StaffRole::Nurse,
        StaffRole::Radiologist,
        StaffRole::Pharmacist,
        StaffRole::BillingClerk,
        StaffRole::Admin,
    ] {
        assert!(roles.contains(&role), "no {role:?}");
    }
    let names: HashSet<_> = h
        .practitioners
        .iter()
        .map(|p| p.username.as_str())
        .collect();
    for u in [
        "dr.rao",
        "nurse.kim",
        "rad.okafor",
        "pharm.silva",
        "bill.meyer",
        "admin.root",
    ] {
        assert!(names.contains(u), "missing {u}");
    }
    let ids: HashSet<_> = h
        .practitioners
        .iter()
        .map(|p| p.resource["id"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(ids.len(), h.practitioners.len());
    for p in &h.practitioners {
        assert_eq!(p.resource["resourceType"], "Practitioner");
        assert!(p.resource["name"][0]["family"].as_str().is_some());
    }
}

#[test]
fn care_teams_name_real_practitioners_and_a_physician() {
    let h = hospital(&config(3, 1));
    let physicians: HashSet<String> = h
        .practitioners
        .iter()
        .filter(|p| p.role == StaffRole::Physician)
        .map(|p| p.resource["id"].as_str().unwrap_or("").to_owned())
        .collect();
    let all: HashSet<String> = h
        .practitioners
        .iter()
        .map(|p| p.resource["id"].as_str().unwrap_or("").to_owned())
        .collect();
    for p in crate::census(3, 50) {
        assert!(!p.care_team.is_empty());
        assert!(p.care_team.iter().all(|id| all.contains(id)));
        assert!(p.care_team.iter().any(|id| physicians.contains(id)));
        let gp = p.patient["generalPractitioner"][0]["reference"]
            .as_str()
            .unwrap_or("");
        let gp = gp.trim_start_matches("Practitioner/");
        assert!(p.care_team.iter().any(|id| id == gp));
    }
}
