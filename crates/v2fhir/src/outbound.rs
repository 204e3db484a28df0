//! Messages out: ORM^O01 and OML^O21 from a ServiceRequest, RDE^O11 from a MedicationRequest,
//! DFT^P03 from a ChargeItem, ADT^A04/A08 and ADT^A40 from Patients. Each follows the 2.5.1
//! message structure (required segments and fields present, groups in order).

use meridian_fhir::{
    ChargeItem, ChargeItemOccurrence, CodeableConcept, MedicationRequest,
    MedicationRequestMedication, Patient, PatientDeceased, Reference, ServiceRequest,
    ServiceRequestOccurrence,
};
use meridian_hl7v2::{Delimiters, MessageBuilder, SegmentBuilder, parse_dtm};
use serde_json::Value;

use crate::MappingConfig;
use crate::datatypes::{missing_code, write_cwe, write_cx, write_xad, write_xpn, write_xtn};
use crate::error::{At, MappingError, code};
use crate::tables::{LOINC_URI, RXNORM, SNOMED, gender_to_v2, priority_to_v2};
use crate::time::{date_time_to_dtm, date_to_dtm};

/// The parts of MSH that change per message; the app passes them (this crate reads no clock).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header<'a> {
    /// MSH-10, unique per message sent.
    pub control_id: &'a str,
    /// MSH-7 (and EVN-2), HL7 DTM, e.g. `20261130101500+0100`.
    pub timestamp: &'a str,
    /// MSH-5.
    pub receiving_application: &'a str,
    /// MSH-6.
    pub receiving_facility: &'a str,
}

/// MSH-18 when the message holds text outside ASCII.
const UNICODE: &str = "UNICODE UTF-8";

/// MSH for `code^trigger^structure`, checking the header.
fn start(
    h: &Header<'_>,
    config: &MappingConfig,
    message: (&str, &str, &str),
) -> Result<MessageBuilder, MappingError> {
    let msh = At::new("MSH", 1);
    if h.control_id.trim().is_empty() {
        return Err(msh.missing(10, "message control id"));
    }
    if parse_dtm(h.timestamp).is_err() {
        return Err(msh.bad_type(7, "date/time of message (DTM)"));
    }
    let mut b = MessageBuilder::new(Delimiters::default());
    let seg = b.segment("MSH");
    seg.set(3, &config.sending_application)
        .set(4, &config.sending_facility)
        .set(5, h.receiving_application)
        .set(6, h.receiving_facility)
        .set(7, h.timestamp)
        .set_component(9, 1, message.0)
        .set_component(9, 2, message.1)
        .set_component(9, 3, message.2)
        .set(10, h.control_id)
        .set(11, "P")
        .set(12, "2.5.1");
    Ok(b)
}

/// Declares UTF-8 in MSH-18 when any value is outside ASCII, which is the default character set
/// when MSH-18 is empty.
fn finish(mut b: MessageBuilder) -> MessageBuilder {
    if !b.encode().is_ascii()
        && let Some(msh) = b.segment_mut(0)
    {
        msh.set(18, UNICODE);
    }
    b
}

/// EVN: event type (EVN-1, kept for older receivers) and recorded date/time (EVN-2).
fn evn(b: &mut MessageBuilder, trigger: &str, h: &Header<'_>) {
    b.segment("EVN").set(1, trigger).set(2, h.timestamp);
}

/// PID from a Patient, the inverse of the inbound mapping. PID-3 leads with the MRN (CX.4 our
/// authority, CX.5 `MR`), then the other identifiers; PID-5 needs at least one name.
fn pid(
    b: &mut MessageBuilder,
    config: &MappingConfig,
    patient: &Patient,
) -> Result<(), MappingError> {
    let at = At::new("PID", 1);
    let mrn = patient
        .identifier(&config.mrn_system)
        .filter(|i| i.value.as_deref().is_some_and(|v| !v.trim().is_empty()))
        .ok_or_else(|| {
            at.error(
                code::REQUIRED_FIELD_MISSING,
                3,
                "PID-3 needs the patient's MRN; the patient has no identifier in the MRN system",
            )
        })?;
    let seg = b.segment("PID");
    seg.set(1, "1");
    write_cx(seg, 3, 1, mrn, config, Some("MR"));
    let mut rep = 1;
    for other in patient.identifier.iter().filter(|i| !std::ptr::eq(*i, mrn)) {
        if write_cx(seg, 3, rep + 1, other, config, None) {
            rep += 1;
        }
    }
    let mut names = 0;
    for name in &patient.name {
        if write_xpn(seg, 5, names + 1, name) {
            names += 1;
        }
    }
    if names == 0 {
        return Err(at.error(
            code::REQUIRED_FIELD_MISSING,
            5,
            "PID-5 needs a patient name with a family or given name",
        ));
    }
    if let Some(d) = &patient.birth_date {
        seg.set(7, &date_to_dtm(d));
    }
    if let Some(g) = patient
        .gender
        .as_ref()
        .and_then(|g| gender_to_v2(g.as_str()))
    {
        seg.set(8, g);
    }
    for (i, a) in patient.address.iter().enumerate() {
        write_xad(seg, 11, i + 1, a);
    }
    let (mut home, mut work) = (0, 0);
    for c in &patient.telecom {
        if c.r#use.as_ref().map(|u| u.as_str()) == Some("work") {
            if write_xtn(seg, 14, work + 1, c, "WPN") {
                work += 1;
            }
        } else if write_xtn(seg, 13, home + 1, c, "PRN") {
            home += 1;
        }
    }
    match &patient.deceased {
        Some(PatientDeceased::DateTime(dt)) => {
            seg.set(29, &date_time_to_dtm(dt.as_str())).set(30, "Y");
        }
        Some(PatientDeceased::Boolean(true)) => {
            seg.set(30, "Y");
        }
        Some(PatientDeceased::Boolean(false)) => {
            seg.set(30, "N");
        }
        None => {}
    }
    Ok(())
}

/// A provider as XCN: the reference's identifier in XCN.1, its display in XCN.2 (family name),
/// which is where a receiver shows a name it cannot split.
fn write_xcn(seg: &mut SegmentBuilder, field: usize, who: &Reference) {
    if let Some(id) = who.identifier.as_ref().and_then(|i| i.value.as_deref()) {
        seg.set_sub(field, 1, 1, 1, id);
    }
    if let Some(d) = who.display.as_deref() {
        seg.set_sub(field, 1, 2, 1, d);
    }
}

/// ORC with order control `NW`, the placer order number (the resource id, namespace our
/// application), the transaction time and the ordering provider.
fn orc(
    b: &mut MessageBuilder,
    config: &MappingConfig,
    id: Option<&str>,
    authored: Option<&str>,
    requester: Option<&Reference>,
) -> Result<String, MappingError> {
    let id = id.filter(|i| !i.is_empty()).ok_or_else(|| {
        At::new("ORC", 1).error(
            code::REQUIRED_FIELD_MISSING,
            2,
            "ORC-2 placer order number is the order's id; the resource has none (store it first)",
        )
    })?;
    let seg = b.segment("ORC");
    seg.set(1, "NW")
        .set_component(2, 1, id)
        .set_component(2, 2, &config.sending_application);
    if let Some(t) = authored {
        seg.set(9, &date_time_to_dtm(t));
    }
    if let Some(r) = requester {
        write_xcn(seg, 12, r);
    }
    Ok(id.to_owned())
}

/// OBR for a ServiceRequest: set id, placer order number, service (LOINC preferred), ordering
/// provider.
fn obr(
    b: &mut MessageBuilder,
    config: &MappingConfig,
    placer: &str,
    order: &ServiceRequest,
) -> Result<(), MappingError> {
    let at = At::new("OBR", 1);
    let seg = b.segment("OBR");
    seg.set(1, "1")
        .set_component(2, 1, placer)
        .set_component(2, 2, &config.sending_application);
    let written = order
        .code
        .as_ref()
        .is_some_and(|c| write_cwe(seg, 4, 1, c, Some(LOINC_URI)));
    if !written {
        return Err(missing_code(at, 4, "universal service identifier"));
    }
    if let Some(r) = &order.requester {
        write_xcn(seg, 16, r);
    }
    Ok(())
}

/// ORM^O01 (2.5.1 ORM_O01): MSH, PID, ORC (`NW`, ORC-2 the order id), OBR (OBR-2, OBR-4 from
/// `code`, OBR-16 the requester).
///
/// # Errors
/// 101 when the patient has no MRN or name, the order no id or code; 102 for a bad timestamp.
pub fn orm_o01(
    h: &Header<'_>,
    config: &MappingConfig,
    patient: &Patient,
    order: &ServiceRequest,
) -> Result<MessageBuilder, MappingError> {
    let mut b = start(h, config, ("ORM", "O01", "ORM_O01"))?;
    pid(&mut b, config, patient)?;
    let authored = order.authored_on.as_ref().map(|t| t.as_str());
    let placer = orc(
        &mut b,
        config,
        order.id.as_ref().map(|i| i.as_str()),
        authored,
        order.requester.as_ref(),
    )?;
    obr(&mut b, config, &placer, order)?;
    Ok(finish(b))
}

/// OML^O21 (2.5.1 OML_O21): MSH, PID, ORC, TQ1 (when the order has a priority or occurrence
/// time), OBR.
///
/// # Errors
/// As [`orm_o01`].
pub fn oml_o21(
    h: &Header<'_>,
    config: &MappingConfig,
    patient: &Patient,
    order: &ServiceRequest,
) -> Result<MessageBuilder, MappingError> {
    let mut b = start(h, config, ("OML", "O21", "OML_O21"))?;
    pid(&mut b, config, patient)?;
    let authored = order.authored_on.as_ref().map(|t| t.as_str());
    let placer = orc(
        &mut b,
        config,
        order.id.as_ref().map(|i| i.as_str()),
        authored,
        order.requester.as_ref(),
    )?;
    let priority = order
        .priority
        .as_ref()
        .and_then(|p| priority_to_v2(p.as_str()));
    let (start_time, end_time) = match &order.occurrence {
        Some(ServiceRequestOccurrence::DateTime(t)) => (Some(t.as_str()), None),
        Some(ServiceRequestOccurrence::Period(p)) => (
            p.start.as_ref().map(|t| t.as_str()),
            p.end.as_ref().map(|t| t.as_str()),
        ),
        _ => (None, None),
    };
    if priority.is_some() || start_time.is_some() || end_time.is_some() {
        let tq1 = b.segment("TQ1");
        tq1.set(1, "1");
        if let Some(t) = start_time {
            tq1.set(7, &date_time_to_dtm(t));
        }
        if let Some(t) = end_time {
            tq1.set(8, &date_time_to_dtm(t));
        }
        if let Some(p) = priority {
            tq1.set(9, p);
        }
    }
    obr(&mut b, config, &placer, order)?;
    Ok(finish(b))
}

/// The JSON number or string at `path` as text.
fn json_text(v: &Value, path: &[&str]) -> Option<String> {
    let mut at = v;
    for key in path {
        at = match key.parse::<usize>() {
            Ok(i) => at.get(i)?,
            Err(_) => at.get(key)?,
        };
    }
    match at {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A CodeableConcept held in JSON (Dosage.route, Dosage.site).
fn json_concept(v: &Value, key: &str) -> Option<CodeableConcept> {
    let c = v.get(key)?;
    serde_json::from_str(&c.to_string()).ok()
}

/// TQ1-3 repeat pattern (table 0335) for a Timing: its code when it has one, else the common
/// `QD`/`BID`/`TID`/`QID`/`Q<n>H`/`Q<n>D` from frequency and period.
fn repeat_pattern(timing: &Value) -> Option<String> {
    if let Some(code) = json_text(timing, &["code", "coding", "0", "code"]) {
        return Some(code);
    }
    let repeat = timing.get("repeat")?;
    let frequency = repeat.get("frequency").and_then(Value::as_u64).unwrap_or(1);
    let period = repeat.get("period").and_then(Value::as_f64)?;
    let unit = repeat.get("periodUnit").and_then(Value::as_str)?;
    if period.fract() != 0.0 || period < 1.0 {
        return None;
    }
    // `period` is a whole number of at least one (checked above), so the cast is exact.
    let period = period as u64;
    Some(match (frequency, period, unit) {
        (1, 1, "d") => "QD".to_owned(),
        (2, 1, "d") => "BID".to_owned(),
        (3, 1, "d") => "TID".to_owned(),
        (4, 1, "d") => "QID".to_owned(),
        (1, n, "h") => format!("Q{n}H"),
        (1, n, "d") => format!("Q{n}D"),
        _ => return None,
    })
}

/// RDE^O11 (2.5.1 RDE_O11): MSH, PID, ORC, RXE (give code, amount and units from the first
/// dosage), TQ1 (timing), RXR (route).
///
/// RDE_O11 requires RXR, so a prescription without `dosageInstruction[0].route` is refused
/// (101 at RXR-1) rather than sent with an invented route.
///
/// # Errors
/// 101 when the patient has no MRN or name, the request no id, no coded medication (RXE-2, a
/// `medicationReference` cannot be resolved here), no dose (RXE-3), no dose unit (RXE-5) or no
/// route (RXR-1); 102 for a bad timestamp.
pub fn rde_o11(
    h: &Header<'_>,
    config: &MappingConfig,
    patient: &Patient,
    rx: &MedicationRequest,
) -> Result<MessageBuilder, MappingError> {
    let mut b = start(h, config, ("RDE", "O11", "RDE_O11"))?;
    pid(&mut b, config, patient)?;
    let authored = rx.authored_on.as_ref().map(|t| t.as_str());
    orc(
        &mut b,
        config,
        rx.id.as_ref().map(|i| i.as_str()),
        authored,
        rx.requester.as_ref(),
    )?;
    let at = At::new("RXE", 1);
    let dosage = rx
        .dosage_instruction
        .first()
        .and_then(|d| d.to_value().ok())
        .unwrap_or(Value::Null);
    let dose = ["doseAndRate", "0", "doseQuantity"];
    let seg = b.segment("RXE");
    let medication = match &rx.medication {
        Some(MedicationRequestMedication::CodeableConcept(c)) => Some(c),
        _ => None,
    };
    if !medication.is_some_and(|c| write_cwe(seg, 2, 1, c, Some(RXNORM))) {
        return Err(missing_code(at, 2, "give code"));
    }
    let amount = json_text(&dosage, &[dose[0], dose[1], dose[2], "value"])
        .ok_or_else(|| at.missing(3, "give amount - minimum (doseQuantity.value)"))?;
    seg.set(3, &amount);
    let unit_code = json_text(&dosage, &[dose[0], dose[1], dose[2], "code"]);
    let unit_text = json_text(&dosage, &[dose[0], dose[1], dose[2], "unit"]);
    let unit_system = json_text(&dosage, &[dose[0], dose[1], dose[2], "system"]);
    match (&unit_code, &unit_text) {
        (Some(c), t) => {
            seg.set_component(5, 1, c);
            if let Some(t) = t {
                seg.set_component(5, 2, t);
            }
            if unit_system.as_deref() == Some(meridian_domain::measure::UCUM) {
                seg.set_component(5, 3, "UCUM");
            }
        }
        (None, Some(t)) => {
            seg.set_component(5, 2, t);
        }
        (None, None) => return Err(at.missing(5, "give units (doseQuantity.code or unit)")),
    }
    if let Some(text) = json_text(&dosage, &["text"]) {
        seg.set_component(7, 2, &text);
    }
    let dispense = rx.dispense_request.as_ref().and_then(|d| d.to_value().ok());
    if let Some(d) = &dispense {
        if let Some(q) = json_text(d, &["quantity", "value"]) {
            seg.set(10, &q);
            if let Some(c) = json_text(d, &["quantity", "code"]) {
                seg.set_component(11, 1, &c);
            }
            if let Some(u) = json_text(d, &["quantity", "unit"]) {
                seg.set_component(11, 2, &u);
            }
        }
        if let Some(n) = json_text(d, &["numberOfRepeatsAllowed"]) {
            seg.set(12, &n);
        }
    }
    let timing = dosage.get("timing").cloned().unwrap_or(Value::Null);
    let tq1 = b.segment("TQ1");
    tq1.set(1, "1");
    if let Some(p) = repeat_pattern(&timing) {
        tq1.set_component(3, 1, &p);
    }
    if let Some(t) = json_text(&timing, &["repeat", "boundsPeriod", "start"]) {
        tq1.set(7, &date_time_to_dtm(&t));
    }
    if let Some(t) = json_text(&timing, &["repeat", "boundsPeriod", "end"]) {
        tq1.set(8, &date_time_to_dtm(&t));
    }
    let as_needed = dosage.get("asNeededBoolean").and_then(Value::as_bool) == Some(true);
    let priority = if as_needed {
        Some("PRN")
    } else {
        rx.priority
            .as_ref()
            .and_then(|p| priority_to_v2(p.as_str()))
    };
    if let Some(p) = priority {
        tq1.set(9, p);
    }
    let rxr = b.segment("RXR");
    let route = json_concept(&dosage, "route");
    let v2_route = "http://terminology.hl7.org/CodeSystem/v2-0162";
    if !route.is_some_and(|r| write_cwe(rxr, 1, 1, &r, Some(v2_route))) {
        return Err(At::new("RXR", 1).error(
            code::REQUIRED_FIELD_MISSING,
            1,
            "RXR-1 route is required in RDE^O11; dosageInstruction[0].route has no coding with a code",
        ));
    }
    if let Some(site) = json_concept(&dosage, "site") {
        write_cwe(rxr, 2, 1, &site, Some(SNOMED));
    }
    Ok(finish(b))
}

/// DFT^P03 (2.5.1 DFT_P03): MSH, EVN, PID, FT1 (date, type `CG`, or `CD` (credit) for an
/// entered-in-error charge, code, quantity).
///
/// # Errors
/// 101 when the patient has no MRN or name, the charge no date (FT1-4: occurrence, else entered
/// date) or no code (FT1-7); 102 for a bad timestamp.
pub fn dft_p03(
    h: &Header<'_>,
    config: &MappingConfig,
    patient: &Patient,
    charge: &ChargeItem,
) -> Result<MessageBuilder, MappingError> {
    let mut b = start(h, config, ("DFT", "P03", "DFT_P03"))?;
    evn(&mut b, "P03", h);
    pid(&mut b, config, patient)?;
    let at = At::new("FT1", 1);
    let (from, to) = match &charge.occurrence {
        Some(ChargeItemOccurrence::DateTime(t)) => (Some(t.as_str()), None),
        Some(ChargeItemOccurrence::Period(p)) => (
            p.start.as_ref().map(|t| t.as_str()),
            p.end.as_ref().map(|t| t.as_str()),
        ),
        _ => (None, None),
    };
    let from = from
        .or(charge.entered_date.as_ref().map(|t| t.as_str()))
        .ok_or_else(|| at.missing(4, "transaction date (occurrence or enteredDate)"))?;
    let seg = b.segment("FT1");
    seg.set(1, "1");
    if let Some(id) = &charge.id {
        seg.set(2, id.as_str());
    }
    seg.set_component(4, 1, &date_time_to_dtm(from));
    if let Some(t) = to {
        seg.set_component(4, 2, &date_time_to_dtm(t));
    }
    if let Some(t) = &charge.entered_date {
        seg.set(5, &date_time_to_dtm(t.as_str()));
    }
    let credit = charge
        .status
        .as_ref()
        .is_some_and(|s| s.as_str() == "entered-in-error");
    seg.set(6, if credit { "CD" } else { "CG" });
    let cpt = "http://www.ama-assn.org/go/cpt";
    if !charge
        .code
        .as_ref()
        .is_some_and(|c| write_cwe(seg, 7, 1, c, Some(cpt)))
    {
        return Err(missing_code(at, 7, "transaction code"));
    }
    if let Some(q) = charge.quantity.as_ref().and_then(|q| q.value.as_ref()) {
        seg.set(10, q.as_str());
    }
    Ok(finish(b))
}

/// ADT^A04 or ADT^A08 (2.5.1 ADT_A01 structure): MSH, EVN, PID, PV1 (PV1-2 `N`, not
/// applicable: the message carries the patient, not a visit).
///
/// # Errors
/// 201 for another event; 101 when the patient has no MRN or name; 102 for a bad timestamp.
pub fn adt(
    h: &Header<'_>,
    config: &MappingConfig,
    event: &str,
    patient: &Patient,
) -> Result<MessageBuilder, MappingError> {
    if !matches!(event, "A04" | "A08") {
        return Err(At::new("MSH", 1)
            .error(
                code::UNSUPPORTED_EVENT,
                9,
                "MSH-9.2 trigger event must be A04 or A08 for a patient update",
            )
            .at_component(2));
    }
    let mut b = start(h, config, ("ADT", event, "ADT_A01"))?;
    evn(&mut b, event, h);
    pid(&mut b, config, patient)?;
    b.segment("PV1").set(1, "1").set(2, "N");
    Ok(finish(b))
}

/// ADT^A40 (2.5.1 ADT_A39 structure): MSH, EVN, PID (the surviving patient), MRG (MRG-1 the
/// merged patient's MRN).
///
/// # Errors
/// 101 when either patient has no MRN, or the surviving one no name; 102 for a bad timestamp.
pub fn adt_a40(
    h: &Header<'_>,
    config: &MappingConfig,
    surviving: &Patient,
    merged: &Patient,
) -> Result<MessageBuilder, MappingError> {
    let mut b = start(h, config, ("ADT", "A40", "ADT_A39"))?;
    evn(&mut b, "A40", h);
    pid(&mut b, config, surviving)?;
    let mrn = merged
        .identifier(&config.mrn_system)
        .filter(|i| i.value.as_deref().is_some_and(|v| !v.trim().is_empty()))
        .ok_or_else(|| {
            At::new("MRG", 1).error(
                code::REQUIRED_FIELD_MISSING,
                1,
                "MRG-1 needs the merged patient's MRN; that patient has no identifier in the MRN system",
            )
        })?;
    let seg = b.segment("MRG");
    write_cx(seg, 1, 1, mrn, config, Some("MR"));
    Ok(finish(b))
}
