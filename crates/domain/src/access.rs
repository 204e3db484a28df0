//! Roles, the actions they take, and the permission matrix.
//!
//! Every use case in the `app` crate names exactly one [`Action`]; [`decide`] is the only place
//! that says whether a [`Role`] may take it. Patient-scoped actions additionally need a care
//! relationship with the patient, or a break-the-glass declaration with a reason.

use std::fmt;
use std::str::FromStr;

/// A user's job in the hospital. A user has exactly one role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Role {
    Physician,
    Nurse,
    Radiologist,
    Pharmacist,
    BillingClerk,
    Admin,
    /// A system account for interfaces (HL7 feeds, FHIR sync, bulk import); it never logs in
    /// interactively.
    Interface,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::Physician,
        Role::Nurse,
        Role::Radiologist,
        Role::Pharmacist,
        Role::BillingClerk,
        Role::Admin,
        Role::Interface,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Physician => "physician",
            Role::Nurse => "nurse",
            Role::Radiologist => "radiologist",
            Role::Pharmacist => "pharmacist",
            Role::BillingClerk => "billing-clerk",
            Role::Admin => "admin",
            Role::Interface => "interface",
        }
    }

    /// Whether this role takes clinical responsibility for patients, and so may break the glass.
    pub fn is_clinical(self) -> bool {
        matches!(self, Role::Physician | Role::Nurse | Role::Radiologist | Role::Pharmacist)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role '{0}'; expected one of physician, nurse, radiologist, pharmacist, billing-clerk, admin, interface")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownRole(s.chars().take(32).collect()))
    }
}

/// Whether an action concerns one patient's record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Touches one patient's data: needs a care relationship or break-the-glass.
    Patient,
    /// Touches patient data hospital-wide (search, registration, billing queues).
    Hospital,
    /// Touches no patient data (user management, key rotation).
    System,
}

/// Every use case Meridian offers, present and planned. Later capabilities (orders, pharmacy,
/// billing, imaging, telehealth) already have their actions here so that the matrix is reviewed
/// as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Action {
    // Registration and the master patient index.
    SearchPatients,
    RegisterPatient,
    UpdateDemographics,
    MergePatients,
    // The chart.
    ReadChart,
    ReadNotes,
    WriteNote,
    SignNote,
    RecordVitals,
    RecordResult,
    EditProblems,
    EditAllergies,
    EditMedications,
    // Orders and medication (later issues).
    SignOrder,
    SignPrescription,
    VerifyPrescription,
    DispenseMedication,
    // Imaging.
    ViewImages,
    ReportImaging,
    // Billing.
    ReadBilling,
    EditBilling,
    // Bulk data exchange (sync, HL7 feeds, import).
    ImportRecords,
    /// Sending records to the hospital's systems (FHIR push, outbound HL7).
    ExportRecords,
    /// Deciding between a local and a server version of a record that both sides changed.
    ResolveSyncConflict,
    /// Reading the interface log and sync state (message types, control ids, errors; no bodies).
    ReadInterfaceLog,
    // Administration.
    Login,
    ManageUsers,
    ReadAuditTrail,
    ExportAuditTrail,
    RotateKey,
    ReviewBreakGlass,
}

impl Action {
    pub const ALL: [Action; 31] = [
        Action::SearchPatients,
        Action::RegisterPatient,
        Action::UpdateDemographics,
        Action::MergePatients,
        Action::ReadChart,
        Action::ReadNotes,
        Action::WriteNote,
        Action::SignNote,
        Action::RecordVitals,
        Action::RecordResult,
        Action::EditProblems,
        Action::EditAllergies,
        Action::EditMedications,
        Action::SignOrder,
        Action::SignPrescription,
        Action::VerifyPrescription,
        Action::DispenseMedication,
        Action::ViewImages,
        Action::ReportImaging,
        Action::ReadBilling,
        Action::EditBilling,
        Action::ImportRecords,
        Action::ExportRecords,
        Action::ResolveSyncConflict,
        Action::ReadInterfaceLog,
        Action::Login,
        Action::ManageUsers,
        Action::ReadAuditTrail,
        Action::ExportAuditTrail,
        Action::RotateKey,
        Action::ReviewBreakGlass,
    ];

    pub fn scope(self) -> Scope {
        use Action::*;
        match self {
            SearchPatients | RegisterPatient | MergePatients | ImportRecords | ExportRecords
            | ReadBilling | EditBilling => Scope::Hospital,
            Login | ManageUsers | ReadAuditTrail | ExportAuditTrail | RotateKey | ReviewBreakGlass
            | ReadInterfaceLog => Scope::System,
            UpdateDemographics | ReadChart | ReadNotes | WriteNote | SignNote | RecordVitals
            | RecordResult | EditProblems | EditAllergies | EditMedications | SignOrder
            | SignPrescription | VerifyPrescription | DispenseMedication | ViewImages
            | ReportImaging | ResolveSyncConflict => Scope::Patient,
        }
    }

    /// Whether the action only reads. Used for audit coding (FHIR AuditEvent.action R vs C/U).
    pub fn is_read(self) -> bool {
        use Action::*;
        matches!(
            self,
            SearchPatients
                | ReadChart
                | ReadNotes
                | ViewImages
                | ReadBilling
                | ReadAuditTrail
                | ExportAuditTrail
                | ReadInterfaceLog
        )
    }

    pub fn as_str(self) -> &'static str {
        use Action::*;
        match self {
            SearchPatients => "search-patients",
            RegisterPatient => "register-patient",
            UpdateDemographics => "update-demographics",
            MergePatients => "merge-patients",
            ReadChart => "read-chart",
            ReadNotes => "read-notes",
            WriteNote => "write-note",
            SignNote => "sign-note",
            RecordVitals => "record-vitals",
            RecordResult => "record-result",
            EditProblems => "edit-problems",
            EditAllergies => "edit-allergies",
            EditMedications => "edit-medications",
            SignOrder => "sign-order",
            SignPrescription => "sign-prescription",
            VerifyPrescription => "verify-prescription",
            DispenseMedication => "dispense-medication",
            ViewImages => "view-images",
            ReportImaging => "report-imaging",
            ReadBilling => "read-billing",
            EditBilling => "edit-billing",
            ImportRecords => "import-records",
            ExportRecords => "export-records",
            ResolveSyncConflict => "resolve-sync-conflict",
            ReadInterfaceLog => "read-interface-log",
            Login => "login",
            ManageUsers => "manage-users",
            ReadAuditTrail => "read-audit-trail",
            ExportAuditTrail => "export-audit-trail",
            RotateKey => "rotate-key",
            ReviewBreakGlass => "review-break-glass",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Action {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Action::ALL.into_iter().find(|a| a.as_str() == s).ok_or(())
    }
}

/// What ties the acting user to the patient at the time of the action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relationship {
    /// The user is on the patient's care team.
    CareTeam,
    /// The user declared an emergency (break-the-glass) with a reason, still in force.
    BrokenGlass,
    /// No relationship.
    None,
}

/// Why an action was refused; shown to the user and written to the audit trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Denial {
    /// The role never takes this action.
    RoleForbids,
    /// The role may, but only for patients in its care: break the glass to proceed.
    NoCareRelationship,
}

impl Denial {
    pub fn code(self) -> &'static str {
        match self {
            Denial::RoleForbids => "role-forbids",
            Denial::NoCareRelationship => "no-care-relationship",
        }
    }
}

/// The outcome of [`decide`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// Allowed only because the glass was broken: the access is flagged for review.
    AllowFlagged,
    Deny(Denial),
}

impl Decision {
    pub fn is_allowed(self) -> bool {
        !matches!(self, Decision::Deny(_))
    }
}

/// Whether `role` may ever take `action`, before any care relationship is considered.
///
/// The matrix follows how hospitals divide work: only physicians sign orders, prescriptions and
/// notes; pharmacists verify and dispense; radiologists report imaging; billing clerks see billing
/// data but no clinical notes; admins manage users and the audit trail but read no charts.
pub fn role_permits(role: Role, action: Action) -> bool {
    use Action::*;
    use Role::*;
    match action {
        SearchPatients => role != Interface,
        RegisterPatient | UpdateDemographics => {
            matches!(role, Physician | Nurse | BillingClerk | Interface)
        }
        MergePatients => role == Admin,
        ReadChart => matches!(role, Physician | Nurse | Radiologist | Pharmacist),
        ReadNotes => matches!(role, Physician | Nurse | Radiologist),
        WriteNote => matches!(role, Physician | Nurse),
        SignNote => role == Physician,
        RecordVitals => matches!(role, Physician | Nurse | Interface),
        RecordResult => role == Interface,
        EditProblems | EditMedications => role == Physician,
        EditAllergies => matches!(role, Physician | Nurse | Pharmacist),
        SignOrder | SignPrescription => role == Physician,
        VerifyPrescription | DispenseMedication => role == Pharmacist,
        ViewImages => matches!(role, Physician | Radiologist),
        ReportImaging => role == Radiologist,
        ReadBilling | EditBilling => role == BillingClerk,
        ImportRecords | ExportRecords => role == Interface,
        // The people who own the record's content decide between two versions of it; admins
        // see the conflict exists (interface log) but not the chart.
        ResolveSyncConflict => matches!(role, Physician | Nurse),
        Login => role != Interface,
        ManageUsers | ReadAuditTrail | ExportAuditTrail | RotateKey | ReviewBreakGlass
        | ReadInterfaceLog => role == Admin,
    }
}

/// The one access decision. `relationship` matters only for patient-scoped actions and only for
/// clinical roles; interface accounts act on behalf of the hospital's systems.
pub fn decide(role: Role, action: Action, relationship: Relationship) -> Decision {
    if !role_permits(role, action) {
        return Decision::Deny(Denial::RoleForbids);
    }
    // Care relationships bind clinical roles; the non-clinical roles a patient-scoped action is
    // open to (registration staff updating demographics, interfaces) act for the hospital.
    if action.scope() != Scope::Patient || !role.is_clinical() {
        return Decision::Allow;
    }
    match relationship {
        Relationship::CareTeam => Decision::Allow,
        Relationship::BrokenGlass if role.is_clinical() => Decision::AllowFlagged,
        Relationship::BrokenGlass | Relationship::None => {
            Decision::Deny(Denial::NoCareRelationship)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_physicians_sign() {
        for role in Role::ALL {
            for action in [Action::SignOrder, Action::SignPrescription, Action::SignNote] {
                assert_eq!(role_permits(role, action), role == Role::Physician, "{role} {action}");
            }
        }
    }

    #[test]
    fn billing_never_reads_notes_admin_never_reads_charts() {
        for rel in [Relationship::CareTeam, Relationship::BrokenGlass, Relationship::None] {
            assert!(!decide(Role::BillingClerk, Action::ReadNotes, rel).is_allowed());
            assert!(!decide(Role::Admin, Action::ReadChart, rel).is_allowed());
        }
    }

    #[test]
    fn break_glass_is_flagged() {
        assert_eq!(
            decide(Role::Nurse, Action::ReadChart, Relationship::BrokenGlass),
            Decision::AllowFlagged
        );
        assert_eq!(
            decide(Role::Nurse, Action::ReadChart, Relationship::None),
            Decision::Deny(Denial::NoCareRelationship)
        );
    }

    #[test]
    fn names_round_trip() {
        for a in Action::ALL {
            assert_eq!(a.as_str().parse::<Action>(), Ok(a));
        }
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>(), Ok(r));
        }
    }
}
