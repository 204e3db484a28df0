//! Messages in: MSH checks and dispatch, PID to Patient, PV1 to Encounter, MRG to a merge.
//! ORU^R01 results are read in [`crate::results`].

use std::fmt;

use meridian_fhir::{
    DiagnosticReport, Encounter, EncounterLocation, Id, Identifier, Observation, Patient,
    PatientDeceased, Period, Reference,
};
use meridian_hl7v2::{Message, Segment};

use crate::MappingConfig;
use crate::datatypes::{
    address_from_xad, clean, coding, comp, concept, contact_from_xtn, fixed_code,
    identifier_from_cx, name_from_xpn,
};
use crate::error::{At, MappingError, code};
use crate::ids::encounter_id;
use crate::tables::{V2_0203, V3_ACT_CODE, gender_from_v2, patient_class};
use crate::time::{to_date, to_date_time};

/// What an inbound message asks of the app.
// One value per message, matched at once by the app: the size of an inline Patient costs
// nothing there, and boxing would change the shape the app layer is written against.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, PartialEq)]
pub enum Inbound {
    /// ADT^A01/A03/A04/A08: register or update a patient (and visit).
    Adt(AdtIn),
    /// ADT^A40: merge the patient known by `merged` into the one known by `surviving`.
    Merge(MergeIn),
    /// ORU^R01: file results.
    Results(ResultsIn),
}

impl fmt::Debug for Inbound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Adt(a) => f.debug_tuple("Adt").field(a).finish(),
            Self::Merge(m) => f.debug_tuple("Merge").field(m).finish(),
            Self::Results(r) => f.debug_tuple("Results").field(r).finish(),
        }
    }
}

/// An ADT event: the patient as the sender knows them, and the visit when PV1 describes one.
///
/// `Debug` shows the shape only (event, counts), never patient data.
#[derive(Clone, PartialEq)]
pub struct AdtIn {
    /// The trigger event, e.g. `A01`.
    pub event: String,
    /// The patient from PID, without id: the app finds or assigns it.
    pub patient: Patient,
    /// PID-3, for the lookup (also in `patient.identifier`).
    pub identifiers: Vec<Identifier>,
    /// The visit from PV1, subject unset; `None` without PV1, or for a PV1 of class `N` (not
    /// applicable) with no visit number.
    pub encounter: Option<Encounter>,
}

impl fmt::Debug for AdtIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdtIn")
            .field("event", &self.event)
            .field("identifiers", &self.identifiers.len())
            .field("encounter", &self.encounter.is_some())
            .finish_non_exhaustive()
    }
}

/// An ADT^A40 merge.
///
/// `Debug` shows counts only.
#[derive(Clone, PartialEq)]
pub struct MergeIn {
    /// PID-3: the patient that remains.
    pub surviving: Vec<Identifier>,
    /// MRG-1: the patient merged into it.
    pub merged: Vec<Identifier>,
}

impl fmt::Debug for MergeIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MergeIn")
            .field("surviving", &self.surviving.len())
            .field("merged", &self.merged.len())
            .finish()
    }
}

/// ORU^R01 results for one patient.
///
/// `Debug` shows counts only.
#[derive(Clone, PartialEq)]
pub struct ResultsIn {
    /// PID-3, for the lookup.
    pub identifiers: Vec<Identifier>,
    /// One per OBR, in message order.
    pub orders: Vec<ResultOrder>,
}

impl fmt::Debug for ResultsIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResultsIn")
            .field("identifiers", &self.identifiers.len())
            .field("orders", &self.orders)
            .finish()
    }
}

/// One OBR with its OBX: a report and its observations, subject unset.
#[derive(Clone, PartialEq)]
pub struct ResultOrder {
    /// From OBR.
    pub report: DiagnosticReport,
    /// From the OBX segments after that OBR.
    pub observations: Vec<Observation>,
}

impl fmt::Debug for ResultOrder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResultOrder")
            .field("observations", &self.observations.len())
            .finish_non_exhaustive()
    }
}

/// Sets `subject` (`Patient/<patient_id>`) on every report and observation, and each report's
/// `result` to references to its observations (`Observation/<id>`).
pub fn attach_patient(results: &mut ResultsIn, patient_id: &str) {
    let subject = Reference::to("Patient", patient_id);
    for order in &mut results.orders {
        order.report.subject = Some(subject.clone());
        order.report.result = order
            .observations
            .iter()
            .filter_map(|o| o.id.as_ref())
            .map(|id| Reference::to("Observation", id.as_str()))
            .collect();
        for o in &mut order.observations {
            o.subject = Some(subject.clone());
        }
    }
}

/// Sets the encounter's `subject` (`Patient/<patient_id>`), when there is an encounter.
pub fn attach_patient_to_adt(adt: &mut AdtIn, patient_id: &str) {
    if let Some(e) = &mut adt.encounter {
        e.subject = Some(Reference::to("Patient", patient_id));
    }
}

/// Reads an inbound message: MSH-12 must be a version from 2.3 to 2.8 (else 203), MSH-9
/// ADT^A01/A03/A04/A08 gives [`Inbound::Adt`], ADT^A40 [`Inbound::Merge`], ORU^R01
/// [`Inbound::Results`]; another event of ADT or ORU is 201, another message type 200.
///
/// # Errors
/// A [`MappingError`] with the table 0357 code and location of the first problem found.
pub fn read_inbound(msg: &Message<'_>, config: &MappingConfig) -> Result<Inbound, MappingError> {
    let msh = At::new("MSH", 1);
    check_version(msg, msh)?;
    let t = msg.message_type();
    match (t.code.trim(), t.trigger.trim()) {
        ("", _) => Err(msh.missing(9, "message type").at_component(1)),
        ("ADT", event @ ("A01" | "A03" | "A04" | "A08")) => {
            read_adt(msg, config, event).map(Inbound::Adt)
        }
        ("ADT", "A40") => read_merge(msg, config).map(Inbound::Merge),
        ("ORU", "R01") => crate::results::read_oru(msg, config).map(Inbound::Results),
        ("ADT" | "ORU", _) => Err(msh
            .error(
                code::UNSUPPORTED_EVENT,
                9,
                "MSH-9.2 trigger event is not supported (ADT takes A01, A03, A04, A08, A40; ORU takes R01)",
            )
            .at_component(2)),
        _ => Err(msh
            .error(
                code::UNSUPPORTED_MESSAGE_TYPE,
                9,
                "MSH-9.1 message type is not supported (ADT and ORU are)",
            )
            .at_component(1)),
    }
}

fn check_version(msg: &Message<'_>, msh: At) -> Result<(), MappingError> {
    let version = msg.version().trim();
    if version.is_empty() {
        return Err(msh.missing(12, "version id"));
    }
    let mut parts = version.split('.');
    let major = parts.next().and_then(|p| p.parse::<u32>().ok());
    let minor = parts.next().and_then(|p| p.parse::<u32>().ok());
    match (major, minor) {
        (Some(2), Some(3..=8)) => Ok(()),
        _ => Err(msh.error(
            code::UNSUPPORTED_VERSION,
            12,
            "MSH-12 version is not supported (2.3 to 2.8 are)",
        )),
    }
}

/// The only PID of the message: 100 when there is none, or more than one (results or updates
/// for several patients in one message are refused rather than risk filing them to one).
pub(crate) fn single_pid<'m>(msg: &'m Message<'_>) -> Result<Segment<'m>, MappingError> {
    let mut pids = msg.segments_named("PID");
    let first = pids.next().ok_or_else(|| {
        At::new("PID", 1).segment_error(
            code::SEGMENT_SEQUENCE,
            "PID segment is missing; the message must identify the patient",
        )
    })?;
    if pids.next().is_some() {
        return Err(At::new("PID", 2).segment_error(
            code::SEGMENT_SEQUENCE,
            "more than one PID segment; send one patient per message",
        ));
    }
    Ok(first)
}

/// Identifiers from a CX list field (PID-3, MRG-1); 101 when none has a value.
pub(crate) fn cx_identifiers(
    seg: &Segment<'_>,
    field: usize,
    name: &str,
    config: &MappingConfig,
    at: At,
) -> Result<Vec<Identifier>, MappingError> {
    let mut out = Vec::new();
    for rep in seg.field(field).repetitions() {
        if let Some(i) = identifier_from_cx(&rep, config, true, at, field)? {
            out.push(i);
        }
    }
    if out.is_empty() {
        return Err(at.missing(field, name));
    }
    Ok(out)
}

/// PID as a Patient (no id).
pub(crate) fn patient_from_pid(
    pid: &Segment<'_>,
    config: &MappingConfig,
) -> Result<Patient, MappingError> {
    let at = At::new("PID", 1);
    let identifier = cx_identifiers(pid, 3, "patient identifier list", config, at)?;
    let name: Vec<_> = pid
        .field(5)
        .repetitions()
        .filter_map(|r| name_from_xpn(&r))
        .collect();
    if name.is_empty() {
        return Err(at.missing(5, "patient name"));
    }
    let birth_date = match clean(pid.field(7).component(1).value()) {
        Some(t) => Some(to_date(&t).ok_or_else(|| at.bad_type(7, "date of birth (DTM)"))?),
        None => None,
    };
    let gender = match clean(pid.field(8).value()) {
        Some(g) => {
            Some(fixed_code(gender_from_v2(&g).ok_or_else(|| {
                at.not_in_table(8, "0001", "M, F, O, A, N or U")
            })?))
        }
        None => None,
    };
    let address = pid
        .field(11)
        .repetitions()
        .filter_map(|r| address_from_xad(&r))
        .collect();
    let telecom = pid
        .field(13)
        .repetitions()
        .filter_map(|r| contact_from_xtn(&r, "home"))
        .chain(
            pid.field(14)
                .repetitions()
                .filter_map(|r| contact_from_xtn(&r, "work")),
        )
        .collect();
    let deceased = match clean(pid.field(29).component(1).value()) {
        Some(t) => Some(PatientDeceased::DateTime(
            to_date_time(&t, config.default_offset_minutes)
                .ok_or_else(|| at.bad_type(29, "date of death (DTM)"))?,
        )),
        None => match clean(pid.field(30).value()).as_deref() {
            Some("Y") => Some(PatientDeceased::Boolean(true)),
            Some("N") => Some(PatientDeceased::Boolean(false)),
            Some(_) => return Err(at.not_in_table(30, "0136", "Y or N")),
            None => None,
        },
    };
    Ok(Patient {
        identifier,
        name,
        birth_date,
        gender,
        address,
        telecom,
        deceased,
        ..Patient::default()
    })
}

fn read_adt(msg: &Message<'_>, config: &MappingConfig, event: &str) -> Result<AdtIn, MappingError> {
    let pid = single_pid(msg)?;
    let patient = patient_from_pid(&pid, config)?;
    let encounter = match msg.segment("PV1") {
        Some(pv1) => encounter_from_pv1(&pv1, event, config)?,
        None => None,
    };
    Ok(AdtIn {
        event: event.to_owned(),
        identifiers: patient.identifier.clone(),
        patient,
        encounter,
    })
}

fn read_merge(msg: &Message<'_>, config: &MappingConfig) -> Result<MergeIn, MappingError> {
    let pid = single_pid(msg)?;
    let surviving = cx_identifiers(
        &pid,
        3,
        "patient identifier list",
        config,
        At::new("PID", 1),
    )?;
    let mrg = msg.segment("MRG").ok_or_else(|| {
        At::new("MRG", 1).segment_error(
            code::SEGMENT_SEQUENCE,
            "MRG segment is missing; ADT^A40 must name the merged patient",
        )
    })?;
    let merged = cx_identifiers(
        &mrg,
        1,
        "prior patient identifier list",
        config,
        At::new("MRG", 1),
    )?;
    Ok(MergeIn { surviving, merged })
}

/// PV1 as an Encounter (subject unset).
fn encounter_from_pv1(
    pv1: &Segment<'_>,
    event: &str,
    config: &MappingConfig,
) -> Result<Option<Encounter>, MappingError> {
    let at = At::new("PV1", 1);
    let class_code = clean(pv1.field(2).value()).ok_or_else(|| at.missing(2, "patient class"))?;
    let (class, display) = patient_class(&class_code)
        .ok_or_else(|| at.not_in_table(2, "0004", "I, O, E, P, R, B, C or N"))?;
    let visit = identifier_from_cx(&pv1.field(19).repetition(1), config, false, at, 19)?;
    let date = |field: usize, name: &str| -> Result<Option<_>, MappingError> {
        match clean(pv1.field(field).component(1).value()) {
            Some(t) => to_date_time(&t, config.default_offset_minutes)
                .map(Some)
                .ok_or_else(|| at.bad_type(field, name)),
            None => Ok(None),
        }
    };
    let start = date(44, "admit date/time (DTM)")?;
    let end = date(45, "discharge date/time (DTM)")?;
    if class_code == "N" && visit.is_none() && start.is_none() && end.is_none() {
        return Ok(None);
    }
    let status = match event {
        "A01" => "in-progress",
        "A03" => "finished",
        "A04" if start.is_none() => "arrived",
        "A04" => "in-progress",
        _ if end.is_some() => "finished",
        _ => "in-progress",
    };
    let location = location_text(pv1).map(|text| EncounterLocation {
        location: Some(Reference {
            display: Some(text),
            ..Reference::default()
        }),
        status: Some(fixed_code(if status == "finished" {
            "completed"
        } else {
            "active"
        })),
        ..EncounterLocation::default()
    });
    let id = visit
        .as_ref()
        .and_then(|v| v.value.as_deref())
        .and_then(|v| Id::parse(&encounter_id(v)).ok());
    let identifier = visit
        .map(|mut v| {
            // A visit number is one by definition; say so when CX.5 does not.
            if v.r#type.is_none() {
                v.r#type = Some(concept(V2_0203, "VN", None));
            }
            v
        })
        .into_iter()
        .collect();
    let period = (start.is_some() || end.is_some()).then(|| Period {
        start,
        end,
        ..Period::default()
    });
    Ok(Some(Encounter {
        id,
        identifier,
        status: Some(fixed_code(status)),
        class: Some(coding(V3_ACT_CODE, class, Some(display))),
        period,
        location: location.into_iter().collect(),
        ..Encounter::default()
    }))
}

/// PV1-3 (point of care, room, bed, facility) as one line of text, e.g. `4W / 401 / A`.
fn location_text(pv1: &Segment<'_>) -> Option<String> {
    let rep = pv1.field(3).repetition(1);
    let parts: Vec<String> = [1, 2, 3].iter().filter_map(|n| comp(&rep, *n)).collect();
    (!parts.is_empty()).then(|| parts.join(" / "))
}
