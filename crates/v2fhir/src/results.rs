//! ORU^R01 in: OBR to DiagnosticReport, OBX to Observation.
//!
//! Each OBX belongs to the OBR before it. Values are typed by OBX-2 (NM, SN, ST/TX/FT, CE/CWE,
//! DT/TS/DTM); units come from OBX-6, reference ranges from OBX-7, flags from OBX-8.

use std::collections::HashMap;

use meridian_fhir::{
    Code, CodeableConcept, Decimal, DiagnosticReport, DiagnosticReportEffective, FhirDateTime, Id,
    Identifier, Observation, ObservationEffective, ObservationReferenceRange, ObservationValue,
    Quantity, Range, Ratio,
};
use meridian_hl7v2::{Message, Segment, unescape};

use crate::MappingConfig;
use crate::datatypes::{clean, comp, concept, concept_from_cwe, fixed_code, identifier_from_ei};
use crate::error::{At, MappingError, code};
use crate::ids::{observation_id, report_id};
use crate::inbound::{ResultOrder, ResultsIn, cx_identifiers, single_pid};
use crate::tables::{
    OBSERVATION_CATEGORY, V2_0074, V3_INTERPRETATION, interpretation, observation_status,
    report_status,
};
use crate::time::{to_date_time, to_instant};

/// An OBR being filled with its OBX.
struct Order {
    /// OBR-3.1, else OBR-2.1: the key of the deterministic ids.
    number: String,
    /// OBR-7, the default effective time of its observations.
    effective: Option<FhirDateTime>,
    /// The category of its observations (`laboratory`, or `imaging` for a radiology section).
    category: &'static str,
    report: DiagnosticReport,
    observations: Vec<Observation>,
    /// How many observations so far had each (code, sub-id).
    seen: HashMap<(String, String), usize>,
    /// (code, sub-id) of the last observation when its value was text, to join continuation
    /// lines (a report sent as one OBX per line under the same code) into one value.
    text_key: Option<(String, String)>,
}

pub(crate) fn read_oru(
    msg: &Message<'_>,
    config: &MappingConfig,
) -> Result<ResultsIn, MappingError> {
    let pid = single_pid(msg)?;
    let identifiers = cx_identifiers(
        &pid,
        3,
        "patient identifier list",
        config,
        At::new("PID", 1),
    )?;
    let delimiters = msg.delimiters();
    let mut orders: Vec<Order> = Vec::new();
    let (mut obr_seq, mut obx_seq) = (0usize, 0usize);
    for seg in msg.segments() {
        match seg.id() {
            "OBR" => {
                obr_seq += 1;
                orders.push(read_obr(&seg, At::new("OBR", obr_seq), config)?);
            }
            "OBX" => {
                obx_seq += 1;
                let at = At::new("OBX", obx_seq);
                let order = orders.last_mut().ok_or_else(|| {
                    at.segment_error(
                        code::SEGMENT_SEQUENCE,
                        "OBX before any OBR; each result must follow the order it belongs to",
                    )
                })?;
                read_obx(&seg, at, order, config, &delimiters)?;
            }
            _ => {}
        }
    }
    if orders.is_empty() {
        return Err(At::new("OBR", 1).segment_error(
            code::SEGMENT_SEQUENCE,
            "ORU^R01 without an OBR segment; results need the order they answer",
        ));
    }
    Ok(ResultsIn {
        identifiers,
        orders: orders
            .into_iter()
            .map(|o| ResultOrder {
                report: o.report,
                observations: o.observations,
            })
            .collect(),
    })
}

fn read_obr(seg: &Segment<'_>, at: At, config: &MappingConfig) -> Result<Order, MappingError> {
    let placer = identifier_from_ei(&seg.field(2).repetition(1), config, "PLAC");
    let filler = identifier_from_ei(&seg.field(3).repetition(1), config, "FILL");
    let number = filler
        .as_ref()
        .or(placer.as_ref())
        .and_then(|i| i.value.clone())
        .ok_or_else(|| {
            at.error(
                code::REQUIRED_FIELD_MISSING,
                3,
                "OBR-3 filler order number (or OBR-2 placer order number) is required to file results",
            )
        })?;
    let service = seg.field(4).repetition(1);
    let service_code =
        comp(&service, 1).ok_or_else(|| at.missing(4, "universal service identifier"))?;
    let code = concept_from_cwe(&service, at, 4)?;
    let effective = match clean(seg.field(7).component(1).value()) {
        Some(t) => Some(
            to_date_time(&t, config.default_offset_minutes)
                .ok_or_else(|| at.bad_type(7, "observation date/time (DTM)"))?,
        ),
        None => None,
    };
    let issued = match clean(seg.field(22).component(1).value()) {
        // An instant is exact: without the sender's own offset it is left out rather than
        // guessed; `effective` still says when the result applies.
        Some(t) => {
            to_instant(&t).map_err(|()| at.bad_type(22, "results report date/time (DTM)"))?
        }
        None => None,
    };
    let status_code =
        clean(seg.field(25).value()).ok_or_else(|| at.missing(25, "result status"))?;
    let status = report_status(&status_code)
        .ok_or_else(|| at.not_in_table(25, "0123", "F, P, C, X, O, I, S, A or R"))?;
    let identifier: Vec<Identifier> = placer.into_iter().chain(filler).collect();
    // OBR-24 names the diagnostic service section (table 0074); without it the report is a
    // laboratory one, the common case.
    let section = clean(seg.field(24).value());
    let category = match section.as_deref() {
        None => concept(V2_0074, "LAB", Some("Laboratory")),
        Some(s) => CodeableConcept {
            coding: vec![meridian_fhir::Coding {
                system: Some(V2_0074.to_owned()),
                code: Some(
                    Code::parse(s).map_err(|_| at.bad_type(24, "diagnostic service section id"))?,
                ),
                ..meridian_fhir::Coding::default()
            }],
            ..CodeableConcept::default()
        },
    };
    let observation_category = if section.as_deref().is_some_and(is_imaging_section) {
        "imaging"
    } else {
        "laboratory"
    };
    let report = DiagnosticReport {
        id: Id::parse(&report_id(&number, &service_code)).ok(),
        identifier,
        status: Some(fixed_code(status)),
        category: vec![category],
        code,
        effective: effective.clone().map(DiagnosticReportEffective::DateTime),
        issued,
        ..DiagnosticReport::default()
    };
    Ok(Order {
        number,
        effective,
        category: observation_category,
        report,
        observations: Vec::new(),
        seen: HashMap::new(),
        text_key: None,
    })
}

fn read_obx(
    seg: &Segment<'_>,
    at: At,
    order: &mut Order,
    config: &MappingConfig,
    delimiters: &meridian_hl7v2::Delimiters,
) -> Result<(), MappingError> {
    let code_rep = seg.field(3).repetition(1);
    let code_key = comp(&code_rep, 1).ok_or_else(|| at.missing(3, "observation identifier"))?;
    let code = concept_from_cwe(&code_rep, at, 3)?;
    let sub_id = clean(seg.field(4).value()).unwrap_or_default();
    let status_code =
        clean(seg.field(11).value()).ok_or_else(|| at.missing(11, "observation result status"))?;
    let status = observation_status(&status_code)
        .ok_or_else(|| at.not_in_table(11, "0085", "F, P, C, X, D, W, R, S, A, U, N, I or O"))?;
    let value_type = clean(seg.field(2).value());
    let has_value = seg
        .field(5)
        .repetitions()
        .any(|r| clean(unescape(r.raw(), delimiters)).is_some());
    let unit = units(seg);
    let value = if has_value {
        let value_type = value_type.ok_or_else(|| at.missing(2, "value type"))?;
        Some(read_value(seg, at, &value_type, &unit, config, delimiters)?)
    } else if matches!(status, "cancelled" | "entered-in-error") {
        None
    } else {
        return Err(at.missing(5, "observation value"));
    };
    let key = (code_key.clone(), sub_id.clone());
    if let Some(ObservationValue::String(more)) = &value
        && order.text_key.as_ref() == Some(&key)
        && let Some(ObservationValue::String(text)) =
            order.observations.last_mut().and_then(|o| o.value.as_mut())
    {
        text.push('\n');
        text.push_str(more);
        return Ok(());
    }
    let effective = match clean(seg.field(14).component(1).value()) {
        Some(t) => to_date_time(&t, config.default_offset_minutes)
            .ok_or_else(|| at.bad_type(14, "date/time of the observation (DTM)"))?,
        None => order.effective.clone().ok_or_else(|| {
            at.error(
                code::REQUIRED_FIELD_MISSING,
                14,
                "OBX-14 date/time of the observation is required when OBR-7 is empty",
            )
        })?,
    };
    let interpretation = flags(seg, at)?;
    let reference_range = reference_range(seg, delimiters, &unit)
        .into_iter()
        .collect();
    let occurrence = {
        let n = order.seen.entry(key.clone()).or_insert(0);
        *n += 1;
        *n - 1
    };
    order.text_key = matches!(value, Some(ObservationValue::String(_))).then_some(key);
    order.observations.push(Observation {
        id: Id::parse(&observation_id(
            &order.number,
            &code_key,
            &sub_id,
            occurrence,
        ))
        .ok(),
        status: Some(fixed_code(status)),
        category: vec![concept(
            OBSERVATION_CATEGORY,
            order.category,
            Some(if order.category == "imaging" {
                "Imaging"
            } else {
                "Laboratory"
            }),
        )],
        code,
        effective: Some(ObservationEffective::DateTime(effective)),
        value,
        interpretation,
        reference_range,
        ..Observation::default()
    });
    Ok(())
}

/// Table 0074 sections whose results are images' findings rather than laboratory values.
fn is_imaging_section(code: &str) -> bool {
    matches!(
        code,
        "RAD" | "RX" | "CT" | "NMR" | "NMS" | "RUS" | "VUS" | "OUS" | "CUS" | "XRC"
    )
}

/// OBX-6 as a Quantity without value: `unit` is the text (else the code); `system` and `code`
/// are set only when OBX-6.3 is `UCUM`, since FHIR allows a unit code only with its system.
fn units(seg: &Segment<'_>) -> Quantity {
    let rep = seg.field(6).repetition(1);
    let code = comp(&rep, 1);
    let ucum = comp(&rep, 3).is_some_and(|s| s.eq_ignore_ascii_case("UCUM"));
    Quantity {
        unit: comp(&rep, 2).or_else(|| code.clone()),
        system: ucum.then(|| meridian_domain::measure::UCUM.to_owned()),
        code: if ucum {
            code.as_deref().and_then(|c| Code::parse(c).ok())
        } else {
            None
        },
        ..Quantity::default()
    }
}

/// An HL7 NM (`+1.50`, `.5`, `007`) as a FHIR decimal (`1.50`, `0.5`, `7`); `None` when it is
/// not a number.
fn decimal(text: &str) -> Option<Decimal> {
    let t = text.trim();
    let (negative, digits) = match t.as_bytes().first()? {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if int.is_empty() && frac.is_empty()
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let int = int.trim_start_matches('0');
    let mut s = String::with_capacity(t.len() + 1);
    if negative {
        s.push('-');
    }
    s.push_str(if int.is_empty() { "0" } else { int });
    if !frac.is_empty() {
        s.push('.');
        s.push_str(frac);
    }
    s.parse().ok()
}

fn quantity(value: Decimal, unit: &Quantity) -> Quantity {
    Quantity {
        value: Some(value),
        ..unit.clone()
    }
}

fn read_value(
    seg: &Segment<'_>,
    at: At,
    value_type: &str,
    unit: &Quantity,
    config: &MappingConfig,
    delimiters: &meridian_hl7v2::Delimiters,
) -> Result<ObservationValue, MappingError> {
    let field = seg.field(5);
    let first = field.repetition(1);
    let not_a = |what: &str| {
        at.error(
            code::DATA_TYPE_ERROR,
            5,
            format!("OBX-5 is not a valid {what} as OBX-2 declares"),
        )
    };
    Ok(match value_type {
        "NM" => {
            let text = clean(first.component(1).subcomponent_value(1)).unwrap_or_default();
            ObservationValue::Quantity(quantity(
                decimal(&text).ok_or_else(|| not_a("number (NM)"))?,
                unit,
            ))
        }
        "SN" => structured_numeric(&first, unit).ok_or_else(|| not_a("structured numeric (SN)"))?,
        "ST" | "TX" | "FT" => {
            let lines: Vec<String> = field
                .repetitions()
                .map(|r| unescape(r.raw(), delimiters).into_owned())
                .collect();
            ObservationValue::String(lines.join("\n"))
        }
        "CE" | "CWE" | "CNE" => ObservationValue::CodeableConcept(
            concept_from_cwe(&first, at, 5)?.ok_or_else(|| not_a("coded value (CWE)"))?,
        ),
        "DT" | "TS" | "DTM" => {
            let text = clean(first.component(1).subcomponent_value(1)).unwrap_or_default();
            ObservationValue::DateTime(
                to_date_time(&text, config.default_offset_minutes)
                    .ok_or_else(|| not_a("date/time (DTM)"))?,
            )
        }
        _ => {
            return Err(at.error(
                code::DATA_TYPE_ERROR,
                2,
                "OBX-2 value type is not supported (NM, SN, ST, TX, FT, CE, CWE, CNE, DT, TS, DTM are)",
            ));
        }
    })
}

/// SN: comparator ^ num1 ^ separator/suffix ^ num2.
fn structured_numeric(
    rep: &meridian_hl7v2::Repetition<'_>,
    unit: &Quantity,
) -> Option<ObservationValue> {
    let comparator = comp(rep, 1);
    let num1 = comp(rep, 2);
    let separator = comp(rep, 3);
    let num2 = comp(rep, 4);
    match (separator.as_deref(), num2) {
        (None, None) => {
            let mut q = quantity(decimal(&num1?)?, unit);
            q.comparator = match comparator.as_deref() {
                None | Some("=") => None,
                Some(c @ ("<" | "<=" | ">" | ">=")) => Some(Code::parse(c).ok()?),
                Some(_) => return None,
            };
            Some(ObservationValue::Quantity(q))
        }
        (Some(":" | "/"), Some(n2)) if comparator.is_none() => {
            let part = |n: &str| -> Option<Quantity> {
                Some(Quantity {
                    value: Some(decimal(n)?),
                    ..Quantity::default()
                })
            };
            Some(ObservationValue::Ratio(Box::new(Ratio {
                numerator: Some(part(&num1?)?),
                denominator: Some(part(&n2)?),
                ..Ratio::default()
            })))
        }
        (Some("-"), Some(n2)) if comparator.is_none() => {
            Some(ObservationValue::Range(Box::new(Range {
                low: Some(quantity(decimal(&num1?)?, unit)),
                high: Some(quantity(decimal(&n2)?, unit)),
                ..Range::default()
            })))
        }
        // `^2^+` is the categorical "2+" (a urine dipstick grade, say): it is text, not a number.
        (Some("+"), None) if comparator.is_none() => {
            let n = num1?;
            decimal(&n)?;
            Some(ObservationValue::String(format!("{n}+")))
        }
        _ => None,
    }
}

/// OBX-7: `3.5-5.0` gives low and high, `<5`/`<=5` high, `>10`/`>=10` low, each with the
/// OBX-6 unit; anything else is kept as text.
fn reference_range(
    seg: &Segment<'_>,
    delimiters: &meridian_hl7v2::Delimiters,
    unit: &Quantity,
) -> Option<ObservationReferenceRange> {
    let text = clean(unescape(seg.field(7).raw(), delimiters))?;
    let bound = |n: &str| decimal(n).map(|d| quantity(d, unit));
    let (low, high) = if let Some(rest) = text.strip_prefix("<=").or_else(|| text.strip_prefix('<'))
    {
        (None, bound(rest))
    } else if let Some(rest) = text.strip_prefix(">=").or_else(|| text.strip_prefix('>')) {
        (bound(rest), None)
    } else {
        // The separating hyphen is the first one after the first character, so that a
        // negative low bound (`-5-5`) still reads.
        match text.get(1..).and_then(|t| t.find('-')).map(|i| i + 1) {
            Some(i) => match (bound(&text[..i]), bound(&text[i + 1..])) {
                (Some(l), Some(h)) => (Some(l), Some(h)),
                _ => (None, None),
            },
            None => (None, None),
        }
    };
    if low.is_none() && high.is_none() {
        return Some(ObservationReferenceRange {
            text: Some(text),
            ..ObservationReferenceRange::default()
        });
    }
    Some(ObservationReferenceRange {
        low,
        high,
        ..ObservationReferenceRange::default()
    })
}

/// OBX-8, every repetition, as v3 ObservationInterpretation codes; 103 for a flag outside it.
fn flags(seg: &Segment<'_>, at: At) -> Result<Vec<CodeableConcept>, MappingError> {
    let mut out = Vec::new();
    for rep in seg.field(8).repetitions() {
        let Some(flag) = comp(&rep, 1) else {
            continue;
        };
        let (code, display) = interpretation(&flag)
            .and_then(|d| Some((Code::parse(&flag).ok()?, d)))
            .ok_or_else(|| {
                at.not_in_table(
                    8,
                    "0078",
                    "L, H, LL, HH, N, A, AA, <, >, S, R, I, POS, NEG, ...",
                )
            })?;
        out.push(CodeableConcept {
            coding: vec![meridian_fhir::Coding {
                system: Some(V3_INTERPRETATION.to_owned()),
                code: Some(code),
                display: Some(display.to_owned()),
                ..meridian_fhir::Coding::default()
            }],
            ..CodeableConcept::default()
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::decimal;

    #[test]
    fn nm_to_decimal() {
        let d = |s: &str| decimal(s).map(|d| d.as_str().to_owned());
        assert_eq!(d("1.50").as_deref(), Some("1.50"));
        assert_eq!(d("+1.50").as_deref(), Some("1.50"));
        assert_eq!(d(".5").as_deref(), Some("0.5"));
        assert_eq!(d("-.5").as_deref(), Some("-0.5"));
        assert_eq!(d("007").as_deref(), Some("7"));
        assert_eq!(d("5.").as_deref(), Some("5"));
        assert_eq!(d(" 42 ").as_deref(), Some("42"));
        for bad in ["", "-", ".", "1.2.3", "1e5", "12a", "--1", "1,5"] {
            assert_eq!(d(bad), None, "{bad}");
        }
    }
}
