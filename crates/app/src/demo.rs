//! Loading the synthetic demo hospital of `meridian-demo` through the ordinary use cases: staff
//! are added by the administrator, records are imported by the interface account, care teams
//! assigned by the administrator, every step audited like real work.

use meridian_api::{LoginRequest, NewUser};
use meridian_demo::{DemoConfig, StaffRole};
use meridian_security::base32;
use meridian_security::totp::Totp;
use sha2::{Digest, Sha256};

use crate::{App, AppError, Result};

/// The password of every demo account. Demo databases are for trying Meridian out only.
pub const DEMO_PASSWORD: &str = "meridian-demo";
/// The administrator of a demo database.
pub const DEMO_ADMIN: &str = "admin.root";

/// A demo account, for the printed sheet and for tests.
#[derive(Clone, PartialEq, Eq)]
pub struct DemoAccount {
    pub username: String,
    pub role: String,
    pub display_name: String,
    pub totp_secret: String,
}

impl std::fmt::Debug for DemoAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoAccount").field("username", &self.username).field("role", &self.role).finish_non_exhaustive()
    }
}

impl DemoAccount {
    /// The current TOTP code for this account.
    pub fn code_at(&self, unix_secs: u64) -> Result<String> {
        let secret = meridian_security::totp::TotpSecret::from_base32(&self.totp_secret).map_err(|e| AppError::Internal(e.to_string()))?;
        Ok(Totp::new(secret).code_at(unix_secs))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoReport {
    pub accounts: Vec<DemoAccount>,
    pub patients: usize,
    pub resources: usize,
}

/// A deterministic TOTP secret per demo account, so the printed sheet stays valid.
pub fn demo_totp_secret(seed: u64, username: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"meridian-demo-totp");
    h.update(seed.to_be_bytes());
    h.update(username.as_bytes());
    base32::encode(&h.finalize()[..20])
}

fn role_name(r: StaffRole) -> Result<&'static str> {
    Ok(match r {
        StaffRole::Physician => "physician",
        StaffRole::Nurse => "nurse",
        StaffRole::Radiologist => "radiologist",
        StaffRole::Pharmacist => "pharmacist",
        StaffRole::BillingClerk => "billing-clerk",
        StaffRole::Admin => "admin",
        _ => return Err(AppError::Internal("the demo generator has a staff role this build does not know".into())),
    })
}

impl App {
    /// Fills an empty database with the demo hospital. `progress` is told after each patient.
    pub async fn load_demo(&self, config: &DemoConfig, mut progress: impl FnMut(usize)) -> Result<DemoReport> {
        let hospital = meridian_demo::hospital(config);
        let admin_name = hospital
            .practitioners
            .iter()
            .find(|p| p.role == StaffRole::Admin)
            .and_then(|p| p.resource["name"][0]["text"].as_str().map(str::to_owned))
            .unwrap_or_else(|| "Administrator".into());
        let admin_secret = demo_totp_secret(config.seed, DEMO_ADMIN);
        self.bootstrap_with_totp(
            &NewUser {
                username: DEMO_ADMIN.into(),
                display_name: admin_name,
                role: "admin".into(),
                password: DEMO_PASSWORD.into(),
                practitioner_id: None,
            },
            Some(&admin_secret),
        )
        .await?;
        let code = DemoAccount { username: DEMO_ADMIN.into(), role: "admin".into(), display_name: String::new(), totp_secret: admin_secret.clone() }
            .code_at(self.clock.now().unix_seconds().max(0) as u64)?;
        let admin = self.login(&LoginRequest { username: DEMO_ADMIN.into(), password: DEMO_PASSWORD.into(), totp: Some(code) }).await?.token;
        let iface = self.interface_session().await?;
        self.import_resource(&iface, &serde_json::to_vec(&hospital.organization).map_err(|e| AppError::Internal(e.to_string()))?).await?;

        let mut accounts = Vec::new();
        let mut by_practitioner = std::collections::HashMap::new();
        for p in &hospital.practitioners {
            let practitioner_id = p.resource["id"].as_str().map(str::to_owned);
            self.import_resource(&iface, &serde_json::to_vec(&p.resource).map_err(|e| AppError::Internal(e.to_string()))?).await?;
            let display_name = p.resource["name"][0]["text"]
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| p.username.clone());
            if p.username != DEMO_ADMIN {
                self.add_user(&admin, &NewUser {
                    username: p.username.clone(),
                    display_name: display_name.clone(),
                    role: role_name(p.role)?.into(),
                    password: DEMO_PASSWORD.into(),
                    practitioner_id: practitioner_id.clone(),
                })
                .await?;
            }
            let secret = demo_totp_secret(config.seed, &p.username);
            if p.username != DEMO_ADMIN {
                self.set_user_totp(&admin, &p.username, Some(&secret)).await?;
            }
            if let Some(id) = practitioner_id {
                by_practitioner.insert(id, p.username.clone());
            }
            accounts.push(DemoAccount { username: p.username.clone(), role: role_name(p.role)?.into(), display_name, totp_secret: secret });
        }
        if !accounts.iter().any(|a| a.username == DEMO_ADMIN) {
            accounts.push(DemoAccount { username: DEMO_ADMIN.into(), role: "admin".into(), display_name: "Administrator".into(), totp_secret: admin_secret });
        }

        let mut resources = 0;
        let mut count = 0;
        for patient in meridian_demo::patients(config) {
            let patient_id = patient.patient["id"].as_str().unwrap_or_default().to_owned();
            let mut batch = Vec::with_capacity(patient.resources.len() + 1);
            batch.push(serde_json::to_vec(&patient.patient).map_err(|e| AppError::Internal(e.to_string()))?);
            for r in &patient.resources {
                batch.push(serde_json::to_vec(r).map_err(|e| AppError::Internal(e.to_string()))?);
            }
            resources += self.import_patient_bundle(&iface, &patient_id, &batch).await?.len();
            for practitioner in &patient.care_team {
                if let Some(username) = by_practitioner.get(practitioner) {
                    self.assign_care(&admin, username, &patient_id, "care-team").await?;
                }
            }
            count += 1;
            progress(count);
        }
        self.logout(&admin).await;
        self.logout(&iface).await;
        Ok(DemoReport { accounts, patients: count, resources })
    }
}
