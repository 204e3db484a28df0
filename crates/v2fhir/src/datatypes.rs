//! HL7 v2 data types and their FHIR datatypes, both ways: CX and EI to Identifier, XPN to
//! HumanName, XAD to Address, XTN to ContactPoint, CWE/CE to CodeableConcept.

use std::borrow::Cow;

use meridian_fhir::{Address, Code, CodeableConcept, Coding, ContactPoint, HumanName, Identifier};
use meridian_hl7v2::{Repetition, SegmentBuilder};

use crate::MappingConfig;
use crate::error::{At, MappingError, code};
use crate::ids::urn_part;
use crate::tables::{
    LOCAL_AUTHORITY, V2_0203, code_system_name, code_system_uri, name_use_from_v2, name_use_to_v2,
};

/// A value as the mapping uses it: trimmed; `None` when empty or the HL7 null `""` (which asks
/// a receiver to delete a stored value; this crate maps whole snapshots, so it reads as absent).
pub(crate) fn clean(value: Cow<'_, str>) -> Option<String> {
    let v = value.trim();
    (!v.is_empty() && v != "\"\"").then(|| v.to_owned())
}

/// Component `n`, subcomponent 1 of a repetition, cleaned.
pub(crate) fn comp(rep: &Repetition<'_>, n: usize) -> Option<String> {
    clean(rep.component(n).subcomponent_value(1))
}

/// Subcomponent `s` of component `n`, cleaned.
pub(crate) fn sub(rep: &Repetition<'_>, n: usize, s: usize) -> Option<String> {
    clean(rep.component(n).subcomponent_value(s))
}

/// A FHIR `code` made from v2 text; `None` when the text cannot be one (it has runs of spaces).
pub(crate) fn fhir_code(text: &str) -> Option<Code> {
    Code::parse(text.trim()).ok()
}

/// A FHIR `code` from a fixed string of this crate.
pub(crate) fn fixed_code(text: &'static str) -> Code {
    // Proven invariant: only literals of this crate reach here ("final", "MR", "laboratory",
    // "entered-in-error", ...), each one word without whitespace, which is always a valid code.
    #[allow(clippy::expect_used)]
    Code::parse(text).expect("fixed code literals are valid FHIR codes")
}

/// One coding from fixed parts.
pub(crate) fn coding(system: &str, code: &'static str, display: Option<&str>) -> Coding {
    Coding {
        system: Some(system.to_owned()),
        code: Some(fixed_code(code)),
        display: display.map(str::to_owned),
        ..Coding::default()
    }
}

/// A concept of one fixed coding.
pub(crate) fn concept(system: &str, code: &'static str, display: Option<&str>) -> CodeableConcept {
    CodeableConcept {
        coding: vec![coding(system, code, display)],
        ..CodeableConcept::default()
    }
}

/// The identifier system for an assigning authority (HD: namespace, universal id, its type).
///
/// For patient identifiers a namespace equal to [`MappingConfig::local_authority`] means our own
/// MRNs and wins over anything else, so that lookups by MRN work whatever else the sender puts
/// in the HD. Then a universal id of type `ISO` gives `urn:oid:<oid>`, `URI` the URI itself and
/// `UUID` `urn:uuid:<uuid>`; then a namespace gives `urn:meridian:v2:authority:<namespace>`.
fn authority_system(
    namespace: Option<&str>,
    universal: Option<&str>,
    universal_type: Option<&str>,
    config: &MappingConfig,
    patient: bool,
) -> Option<String> {
    if patient && namespace.is_some_and(|ns| ns.eq_ignore_ascii_case(config.local_authority.trim()))
    {
        return Some(config.mrn_system.clone());
    }
    if let Some(uid) = universal {
        match universal_type.map(str::to_ascii_uppercase).as_deref() {
            Some("ISO")
                if uid.bytes().all(|b| b.is_ascii_digit() || b == b'.')
                    && uid.bytes().next().is_some_and(|b| b.is_ascii_digit()) =>
            {
                return Some(format!("urn:oid:{uid}"));
            }
            Some("URI") if uid.contains(':') && !uid.contains(char::is_whitespace) => {
                return Some(uid.to_owned());
            }
            Some("UUID")
                if uid.len() == 36 && uid.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-') =>
            {
                return Some(format!("urn:uuid:{}", uid.to_ascii_lowercase()));
            }
            _ => {}
        }
    }
    namespace.map(|ns| format!("{LOCAL_AUTHORITY}{}", urn_part(ns)))
}

/// A CX repetition (PID-3, MRG-1, PV1-19) as an Identifier; `Ok(None)` when CX.1 is empty.
/// `patient` says whether the local authority means our MRN system (see [`authority_system`]).
pub(crate) fn identifier_from_cx(
    rep: &Repetition<'_>,
    config: &MappingConfig,
    patient: bool,
    at: At,
    field: usize,
) -> Result<Option<Identifier>, MappingError> {
    let Some(value) = comp(rep, 1) else {
        return Ok(None);
    };
    let system = authority_system(
        sub(rep, 4, 1).as_deref(),
        sub(rep, 4, 2).as_deref(),
        sub(rep, 4, 3).as_deref(),
        config,
        patient,
    );
    let r#type = match comp(rep, 5) {
        Some(t) => {
            let code = fhir_code(&t).ok_or_else(|| {
                at.bad_type(field, "identifier type code (CX.5)")
                    .at_component(5)
            })?;
            Some(CodeableConcept {
                coding: vec![Coding {
                    system: Some(V2_0203.to_owned()),
                    code: Some(code),
                    ..Coding::default()
                }],
                ..CodeableConcept::default()
            })
        }
        None => None,
    };
    Ok(Some(Identifier {
        system,
        value: Some(value),
        r#type,
        ..Identifier::default()
    }))
}

/// An EI (OBR-2, OBR-3: entity id, namespace, universal id, type) as an Identifier of
/// identifier type `type_code` (`PLAC`, `FILL`); `None` when EI.1 is empty.
pub(crate) fn identifier_from_ei(
    rep: &Repetition<'_>,
    config: &MappingConfig,
    type_code: &'static str,
) -> Option<Identifier> {
    let value = comp(rep, 1)?;
    let system = authority_system(
        comp(rep, 2).as_deref(),
        comp(rep, 3).as_deref(),
        comp(rep, 4).as_deref(),
        config,
        false,
    );
    Some(Identifier {
        system,
        value: Some(value),
        r#type: Some(concept(V2_0203, type_code, None)),
        ..Identifier::default()
    })
}

/// The identifier type code (v2-0203) of an Identifier, if it has one.
pub(crate) fn identifier_type(identifier: &Identifier) -> Option<&str> {
    identifier.r#type.as_ref()?.code_for(V2_0203)
}

/// Writes an Identifier as CX in repetition `rep` of `field`; the inverse of
/// [`identifier_from_cx`] for patient identifiers. `default_type` fills CX.5 when the
/// identifier has no v2-0203 type. Returns whether anything was written (an identifier without
/// a value is skipped).
pub(crate) fn write_cx(
    seg: &mut SegmentBuilder,
    field: usize,
    rep: usize,
    identifier: &Identifier,
    config: &MappingConfig,
    default_type: Option<&str>,
) -> bool {
    let Some(value) = identifier.value.as_deref().filter(|v| !v.trim().is_empty()) else {
        return false;
    };
    seg.set_sub(field, rep, 1, 1, value);
    match identifier.system.as_deref() {
        Some(s) if s == config.mrn_system => {
            seg.set_sub(field, rep, 4, 1, &config.local_authority);
        }
        Some(s) if s.starts_with("urn:oid:") => {
            seg.set_sub(field, rep, 4, 2, &s["urn:oid:".len()..])
                .set_sub(field, rep, 4, 3, "ISO");
        }
        Some(s) if s.starts_with(LOCAL_AUTHORITY) => {
            seg.set_sub(
                field,
                rep,
                4,
                1,
                &s[LOCAL_AUTHORITY.len()..].to_ascii_uppercase(),
            );
        }
        Some(s) if s.starts_with("urn:uuid:") => {
            seg.set_sub(field, rep, 4, 2, &s["urn:uuid:".len()..])
                .set_sub(field, rep, 4, 3, "UUID");
        }
        Some(s) if !s.is_empty() => {
            seg.set_sub(field, rep, 4, 2, s)
                .set_sub(field, rep, 4, 3, "URI");
        }
        _ => {}
    }
    if let Some(t) = identifier_type(identifier).or(default_type) {
        seg.set_sub(field, rep, 5, 1, t);
    }
    true
}

/// An XPN repetition as a HumanName; `None` when it holds neither family nor given name.
pub(crate) fn name_from_xpn(rep: &Repetition<'_>) -> Option<HumanName> {
    let family = sub(rep, 1, 1);
    let mut given: Vec<String> = comp(rep, 2).into_iter().collect();
    if let Some(more) = comp(rep, 3) {
        given.extend(more.split_whitespace().map(str::to_owned));
    }
    if family.is_none() && given.is_empty() {
        return None;
    }
    // XPN.6 (degree, e.g. MD) is a suffix in FHIR, after XPN.4.
    let suffix = [comp(rep, 4), comp(rep, 6)].into_iter().flatten().collect();
    Some(HumanName {
        r#use: comp(rep, 7)
            .as_deref()
            .and_then(name_use_from_v2)
            .map(fixed_code),
        family,
        given,
        prefix: comp(rep, 5).into_iter().collect(),
        suffix,
        ..HumanName::default()
    })
}

/// Writes a HumanName as XPN in repetition `rep` of `field`. Returns whether it had a family or
/// given name to write.
pub(crate) fn write_xpn(
    seg: &mut SegmentBuilder,
    field: usize,
    rep: usize,
    name: &HumanName,
) -> bool {
    let family = name.family.as_deref().filter(|f| !f.trim().is_empty());
    if family.is_none() && name.given.is_empty() {
        return false;
    }
    if let Some(f) = family {
        seg.set_sub(field, rep, 1, 1, f);
    }
    if let Some(first) = name.given.first() {
        seg.set_sub(field, rep, 2, 1, first);
    }
    if name.given.len() > 1 {
        seg.set_sub(field, rep, 3, 1, &name.given[1..].join(" "));
    }
    if !name.suffix.is_empty() {
        seg.set_sub(field, rep, 4, 1, &name.suffix.join(" "));
    }
    if !name.prefix.is_empty() {
        seg.set_sub(field, rep, 5, 1, &name.prefix.join(" "));
    }
    if let Some(u) = name.r#use.as_ref().and_then(|u| name_use_to_v2(u.as_str())) {
        seg.set_sub(field, rep, 7, 1, u);
    }
    true
}

/// An XAD repetition as an Address; `None` when empty.
pub(crate) fn address_from_xad(rep: &Repetition<'_>) -> Option<Address> {
    let line: Vec<String> = [sub(rep, 1, 1), comp(rep, 2)]
        .into_iter()
        .flatten()
        .collect();
    let (r#use, r#type) = match comp(rep, 7).as_deref() {
        Some("H") => (Some("home"), None),
        Some("B" | "O") => (Some("work"), None),
        Some("C") => (Some("temp"), None),
        Some("BA") => (Some("old"), None),
        Some("M") => (None, Some("postal")),
        _ => (None, None),
    };
    let a = Address {
        line,
        city: comp(rep, 3),
        state: comp(rep, 4),
        postal_code: comp(rep, 5),
        country: comp(rep, 6),
        district: comp(rep, 9),
        r#use: r#use.map(fixed_code),
        r#type: r#type.map(fixed_code),
        ..Address::default()
    };
    let empty = a.line.is_empty()
        && a.city.is_none()
        && a.state.is_none()
        && a.postal_code.is_none()
        && a.country.is_none();
    (!empty).then_some(a)
}

/// Writes an Address as XAD in repetition `rep` of `field`. Lines after the second are joined
/// into XAD.2, which holds one line.
pub(crate) fn write_xad(seg: &mut SegmentBuilder, field: usize, rep: usize, address: &Address) {
    if let Some(first) = address.line.first() {
        seg.set_sub(field, rep, 1, 1, first);
    }
    if address.line.len() > 1 {
        seg.set_sub(field, rep, 2, 1, &address.line[1..].join(", "));
    }
    let parts = [
        (3, &address.city),
        (4, &address.state),
        (5, &address.postal_code),
        (6, &address.country),
        (9, &address.district),
    ];
    for (n, v) in parts {
        if let Some(v) = v {
            seg.set_sub(field, rep, n, 1, v);
        }
    }
    let kind = match (
        address.r#use.as_ref().map(Code::as_str),
        address.r#type.as_ref().map(Code::as_str),
    ) {
        (_, Some("postal")) => Some("M"),
        (Some("home"), _) => Some("H"),
        (Some("work"), _) => Some("B"),
        (Some("temp"), _) => Some("C"),
        (Some("old"), _) => Some("BA"),
        _ => None,
    };
    if let Some(k) = kind {
        seg.set_sub(field, rep, 7, 1, k);
    }
}

/// An XTN repetition as a ContactPoint; `field_use` is the use the field implies (`home` for
/// PID-13, `work` for PID-14). `None` when it holds no number or address.
pub(crate) fn contact_from_xtn(
    rep: &Repetition<'_>,
    field_use: &'static str,
) -> Option<ContactPoint> {
    let use_code = comp(rep, 2);
    let equipment = comp(rep, 3);
    let email = comp(rep, 4);
    let is_email = email.is_some()
        || use_code.as_deref() == Some("NET")
        || matches!(equipment.as_deref(), Some("Internet" | "X.400"));
    if is_email {
        let value = email.or_else(|| comp(rep, 1))?;
        return Some(ContactPoint {
            system: Some(fixed_code("email")),
            value: Some(value),
            r#use: Some(fixed_code(field_use)),
            ..ContactPoint::default()
        });
    }
    let value = comp(rep, 1).or_else(|| {
        // XTN.1 is deprecated from v2.5: compose +country (area) local xextension.
        let local = comp(rep, 7)?;
        let mut s = String::new();
        if let Some(c) = comp(rep, 5) {
            s.push_str(&format!("+{c} "));
        }
        if let Some(a) = comp(rep, 6) {
            s.push_str(&format!("({a}) "));
        }
        s.push_str(&local);
        if let Some(x) = comp(rep, 8) {
            s.push_str(&format!(" x{x}"));
        }
        Some(s)
    })?;
    let (system, r#use) = match equipment.as_deref() {
        Some("FX") => ("fax", field_use),
        Some("BP") => ("pager", field_use),
        Some("CP") => ("phone", "mobile"),
        _ => ("phone", field_use),
    };
    Some(ContactPoint {
        system: Some(fixed_code(system)),
        value: Some(value),
        r#use: Some(fixed_code(r#use)),
        ..ContactPoint::default()
    })
}

/// Writes a ContactPoint as XTN in repetition `rep` of `field`; `use_code` is XTN.2
/// (`PRN`, `WPN`). Returns whether it had a value.
pub(crate) fn write_xtn(
    seg: &mut SegmentBuilder,
    field: usize,
    rep: usize,
    contact: &ContactPoint,
    use_code: &str,
) -> bool {
    let Some(value) = contact.value.as_deref().filter(|v| !v.trim().is_empty()) else {
        return false;
    };
    let system = contact.system.as_ref().map(Code::as_str);
    if system == Some("email") {
        seg.set_sub(field, rep, 2, 1, "NET")
            .set_sub(field, rep, 3, 1, "Internet")
            .set_sub(field, rep, 4, 1, value);
        return true;
    }
    let equipment = match (system, contact.r#use.as_ref().map(Code::as_str)) {
        (Some("fax"), _) => "FX",
        (Some("pager"), _) => "BP",
        (_, Some("mobile")) => "CP",
        _ => "PH",
    };
    seg.set_sub(field, rep, 1, 1, value)
        .set_sub(field, rep, 2, 1, use_code)
        .set_sub(field, rep, 3, 1, equipment);
    true
}

/// A CWE/CE repetition as a CodeableConcept: the identifier triplet, the alternate triplet and
/// CWE.9 original text (else CWE.2) as `text`. `None` when it has neither code nor text.
pub(crate) fn concept_from_cwe(
    rep: &Repetition<'_>,
    at: At,
    field: usize,
) -> Result<Option<CodeableConcept>, MappingError> {
    let mut coding = Vec::new();
    for (code_at, display_at, system_at, version_at) in [(1, 2, 3, 7), (4, 5, 6, 8)] {
        let Some(code) = comp(rep, code_at) else {
            continue;
        };
        let code = fhir_code(&code)
            .ok_or_else(|| at.bad_type(field, "coded value").at_component(code_at))?;
        coding.push(Coding {
            system: comp(rep, system_at).map(|s| code_system_uri(&s)),
            version: comp(rep, version_at),
            code: Some(code),
            display: comp(rep, display_at),
            ..Coding::default()
        });
    }
    let text = comp(rep, 9).or_else(|| comp(rep, 2));
    if coding.is_empty() && text.is_none() {
        return Ok(None);
    }
    Ok(Some(CodeableConcept {
        coding,
        text,
        ..CodeableConcept::default()
    }))
}

/// The coding of `concept` to send: the first from `prefer` when given, else the first with a
/// code.
pub(crate) fn pick_coding<'c>(
    concept: &'c CodeableConcept,
    prefer: Option<&str>,
) -> Option<&'c Coding> {
    prefer
        .and_then(|p| concept.coding_for(p).filter(|c| c.code.is_some()))
        .or_else(|| concept.coding.iter().find(|c| c.code.is_some()))
}

/// Writes a CodeableConcept as CWE/CE in repetition `rep` of `field`: the picked coding as
/// code^display^system name, a second coding as the alternate triplet, and `text` as the display
/// when the coding has none. Returns whether a code was written.
pub(crate) fn write_cwe(
    seg: &mut SegmentBuilder,
    field: usize,
    rep: usize,
    concept: &CodeableConcept,
    prefer: Option<&str>,
) -> bool {
    let Some(first) = pick_coding(concept, prefer) else {
        return false;
    };
    let write = |seg: &mut SegmentBuilder, c: &Coding, at: usize| {
        if let Some(code) = &c.code {
            seg.set_sub(field, rep, at, 1, code.as_str());
        }
        if let Some(d) = c.display.as_deref().or(if at == 1 {
            concept.text.as_deref()
        } else {
            None
        }) {
            seg.set_sub(field, rep, at + 1, 1, d);
        }
        if let Some(name) = c.system.as_deref().and_then(code_system_name) {
            seg.set_sub(field, rep, at + 2, 1, &name);
        }
    };
    write(seg, first, 1);
    if let Some(alt) = concept
        .coding
        .iter()
        .find(|c| c.code.is_some() && !std::ptr::eq(*c, first))
    {
        write(seg, alt, 4);
    }
    true
}

/// The error for a required coded field with nothing usable.
pub(crate) fn missing_code(at: At, field: usize, name: &str) -> MappingError {
    at.error(
        code::REQUIRED_FIELD_MISSING,
        field,
        format!(
            "{}-{field} ({name}) needs a coded value; the resource has no coding with a code",
            at.segment
        ),
    )
}
