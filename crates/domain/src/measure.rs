//! Measurements Meridian knows: vital signs and common laboratory tests, by LOINC code, with
//! their UCUM unit, the range a human body can physically show (entries outside it are refused
//! as typing errors), the adult reference range and critical limits (for H/L/HH/LL flags).

pub const LOINC: &str = "http://loinc.org";
pub const UCUM: &str = "http://unitsofmeasure.org";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    VitalSigns,
    Laboratory,
}

impl Category {
    /// The code in `http://terminology.hl7.org/CodeSystem/observation-category`.
    pub fn code(self) -> &'static str {
        match self {
            Category::VitalSigns => "vital-signs",
            Category::Laboratory => "laboratory",
        }
    }
}

/// One kind of measurement.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Kind {
    pub loinc: &'static str,
    pub display: &'static str,
    pub short: &'static str,
    pub unit: &'static str,
    pub category: Category,
    /// Values outside `possible` cannot be real and are refused.
    pub possible: (f64, f64),
    /// Adult reference range, when one applies.
    pub reference: Option<(f64, f64)>,
    /// Critical (panic) limits, when the laboratory reports them.
    pub critical: (Option<f64>, Option<f64>),
    /// Decimal places the value is recorded with.
    pub decimals: u8,
}

const fn k(
    loinc: &'static str,
    display: &'static str,
    short: &'static str,
    unit: &'static str,
    category: Category,
    possible: (f64, f64),
    reference: Option<(f64, f64)>,
    critical: (Option<f64>, Option<f64>),
    decimals: u8,
) -> Kind {
    Kind { loinc, display, short, unit, category, possible, reference, critical, decimals }
}

use Category::{Laboratory as Lab, VitalSigns as Vital};

/// Blood pressure panel; its components are systolic and diastolic.
pub const BP_PANEL: &str = "85354-9";
pub const SYSTOLIC: &str = "8480-6";
pub const DIASTOLIC: &str = "8462-4";

pub static KINDS: &[Kind] = &[
    k("8867-4", "Heart rate", "HR", "/min", Vital, (10.0, 300.0), Some((60.0, 100.0)), (Some(40.0), Some(140.0)), 0),
    k(SYSTOLIC, "Systolic blood pressure", "SBP", "mm[Hg]", Vital, (30.0, 300.0), Some((90.0, 139.0)), (Some(80.0), Some(200.0)), 0),
    k(DIASTOLIC, "Diastolic blood pressure", "DBP", "mm[Hg]", Vital, (10.0, 200.0), Some((60.0, 89.0)), (Some(40.0), Some(120.0)), 0),
    k("8310-5", "Body temperature", "Temp", "Cel", Vital, (25.0, 45.0), Some((36.1, 37.8)), (Some(35.0), Some(40.0)), 1),
    k("9279-1", "Respiratory rate", "RR", "/min", Vital, (2.0, 80.0), Some((12.0, 20.0)), (Some(8.0), Some(30.0)), 0),
    k("59408-5", "Oxygen saturation by pulse oximetry", "SpO2", "%", Vital, (30.0, 100.0), Some((95.0, 100.0)), (Some(88.0), None), 0),
    k("29463-7", "Body weight", "Wt", "kg", Vital, (0.3, 400.0), None, (None, None), 1),
    k("8302-2", "Body height", "Ht", "cm", Vital, (20.0, 260.0), None, (None, None), 1),
    k("39156-5", "Body mass index", "BMI", "kg/m2", Vital, (5.0, 120.0), Some((18.5, 24.9)), (None, None), 1),
    k("2345-7", "Glucose", "Glucose", "mg/dL", Lab, (5.0, 2000.0), Some((70.0, 99.0)), (Some(50.0), Some(400.0)), 0),
    k("2951-2", "Sodium", "Na", "mmol/L", Lab, (90.0, 200.0), Some((135.0, 145.0)), (Some(120.0), Some(160.0)), 0),
    k("2823-3", "Potassium", "K", "mmol/L", Lab, (1.0, 12.0), Some((3.5, 5.1)), (Some(2.8), Some(6.2)), 1),
    k("2160-0", "Creatinine", "Creat", "mg/dL", Lab, (0.05, 30.0), Some((0.6, 1.3)), (None, Some(7.0)), 2),
    k("33914-3", "eGFR (MDRD)", "eGFR", "mL/min/{1.73_m2}", Lab, (1.0, 200.0), Some((60.0, 200.0)), (Some(15.0), None), 0),
    k("62238-1", "eGFR (CKD-EPI)", "eGFR", "mL/min/{1.73_m2}", Lab, (1.0, 200.0), Some((60.0, 200.0)), (Some(15.0), None), 0),
    k("718-7", "Hemoglobin", "Hb", "g/dL", Lab, (1.0, 25.0), Some((12.0, 17.5)), (Some(7.0), Some(20.0)), 1),
    k("6690-2", "Leukocytes", "WBC", "10*3/uL", Lab, (0.1, 500.0), Some((4.0, 11.0)), (Some(2.0), Some(30.0)), 1),
    k("777-3", "Platelets", "Plt", "10*3/uL", Lab, (1.0, 2000.0), Some((150.0, 450.0)), (Some(50.0), Some(1000.0)), 0),
    k("4548-4", "Hemoglobin A1c", "HbA1c", "%", Lab, (2.0, 25.0), Some((4.0, 5.6)), (None, None), 1),
    k("1742-6", "ALT", "ALT", "U/L", Lab, (1.0, 10000.0), Some((7.0, 56.0)), (None, Some(1000.0)), 0),
    k("1920-8", "AST", "AST", "U/L", Lab, (1.0, 10000.0), Some((10.0, 40.0)), (None, Some(1000.0)), 0),
    k("2093-3", "Cholesterol", "Chol", "mg/dL", Lab, (20.0, 1500.0), Some((0.0, 199.0)), (None, None), 0),
    k("10839-9", "Troponin I", "TnI", "ng/mL", Lab, (0.0, 500.0), Some((0.0, 0.04)), (None, Some(0.5)), 2),
    k("6301-6", "INR", "INR", "{INR}", Lab, (0.5, 20.0), Some((0.8, 1.2)), (None, Some(5.0)), 1),
];

pub fn kind(loinc: &str) -> Option<&'static Kind> {
    KINDS.iter().find(|k| k.loinc == loinc)
}

/// The H/L/HH/LL flag (HL7 v3 ObservationInterpretation codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    Normal,
    High,
    Low,
    CriticalHigh,
    CriticalLow,
}

impl Flag {
    pub fn code(self) -> &'static str {
        match self {
            Flag::Normal => "N",
            Flag::High => "H",
            Flag::Low => "L",
            Flag::CriticalHigh => "HH",
            Flag::CriticalLow => "LL",
        }
    }

    pub fn from_code(code: &str) -> Option<Flag> {
        Some(match code {
            "N" => Flag::Normal,
            "H" | "HU" => Flag::High,
            "L" | "LU" => Flag::Low,
            "HH" => Flag::CriticalHigh,
            "LL" => Flag::CriticalLow,
            _ => return None,
        })
    }

    pub fn is_critical(self) -> bool {
        matches!(self, Flag::CriticalHigh | Flag::CriticalLow)
    }
}

/// Flags `value` against a reference range and critical limits.
pub fn flag(value: f64, reference: Option<(f64, f64)>, critical: (Option<f64>, Option<f64>)) -> Flag {
    if critical.0.is_some_and(|lo| value < lo) {
        return Flag::CriticalLow;
    }
    if critical.1.is_some_and(|hi| value > hi) {
        return Flag::CriticalHigh;
    }
    match reference {
        Some((lo, _)) if value < lo => Flag::Low,
        Some((_, hi)) if value > hi => Flag::High,
        _ => Flag::Normal,
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum MeasureError {
    #[error("unknown observation code '{0}'; Meridian records vitals and labs by LOINC code")]
    UnknownCode(String),
    #[error("unit '{found}' is not recorded for {what}; use '{expected}' (UCUM)")]
    WrongUnit { what: &'static str, found: String, expected: &'static str },
    #[error("{what} outside the possible range {lo}–{hi} {unit}; check for a typing error")]
    Implausible { what: &'static str, lo: f64, hi: f64, unit: &'static str },
    #[error("{what} must be a finite number")]
    NotANumber { what: &'static str },
}

/// A value checked against its kind and converted to the kind's UCUM unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measurement {
    pub kind: &'static Kind,
    pub value: f64,
    pub flag: Flag,
}

/// Checks and normalises one entered value. Common spellings of a unit are accepted
/// (`bpm`, `mmHg`, `°C`), and Fahrenheit and pounds are converted.
pub fn measure(loinc: &str, value: f64, unit: &str) -> Result<Measurement, MeasureError> {
    let kind = kind(loinc).ok_or_else(|| MeasureError::UnknownCode(loinc.chars().take(20).collect()))?;
    if !value.is_finite() {
        return Err(MeasureError::NotANumber { what: kind.display });
    }
    let value = convert(kind, value, unit.trim()).ok_or_else(|| MeasureError::WrongUnit {
        what: kind.display,
        found: unit.chars().take(20).collect(),
        expected: kind.unit,
    })?;
    let scale = 10f64.powi(i32::from(kind.decimals));
    let value = (value * scale).round() / scale;
    if value < kind.possible.0 || value > kind.possible.1 {
        return Err(MeasureError::Implausible {
            what: kind.display,
            lo: kind.possible.0,
            hi: kind.possible.1,
            unit: kind.unit,
        });
    }
    Ok(Measurement { kind, value, flag: flag(value, kind.reference, kind.critical) })
}

fn convert(kind: &Kind, value: f64, unit: &str) -> Option<f64> {
    if unit == kind.unit {
        return Some(value);
    }
    let same = match kind.unit {
        "/min" => matches!(unit, "bpm" | "beats/min" | "breaths/min" | "{beats}/min" | "{breaths}/min"),
        "mm[Hg]" => matches!(unit, "mmHg" | "mm Hg"),
        "Cel" => matches!(unit, "°C" | "C" | "degC"),
        "kg/m2" => matches!(unit, "kg/m²"),
        "10*3/uL" => matches!(unit, "10^3/uL" | "K/uL" | "x10^3/uL" | "10*9/L"),
        "{INR}" => matches!(unit, "" | "INR" | "{ratio}" | "1"),
        _ => false,
    };
    if same {
        return Some(value);
    }
    match (kind.unit, unit) {
        ("Cel", "[degF]" | "°F" | "F" | "degF") => Some((value - 32.0) * 5.0 / 9.0),
        ("kg", "[lb_av]" | "lb" | "lbs") => Some(value * 0.453_592_37),
        ("kg", "g") => Some(value / 1000.0),
        ("cm", "m") => Some(value * 100.0),
        ("cm", "[in_i]" | "in") => Some(value * 2.54),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_are_checked_and_converted() {
        let t = measure("8310-5", 98.6, "[degF]").unwrap();
        assert_eq!(t.value, 37.0);
        assert_eq!(t.flag, Flag::Normal);
        assert!(matches!(measure("8867-4", 80.0, "mg/dL"), Err(MeasureError::WrongUnit { .. })));
        assert!(matches!(measure("8867-4", 900.0, "/min"), Err(MeasureError::Implausible { .. })));
        assert!(matches!(measure("1234-5", 1.0, "/min"), Err(MeasureError::UnknownCode(_))));
        assert!(matches!(measure("8867-4", f64::NAN, "/min"), Err(MeasureError::NotANumber { .. })));
    }

    #[test]
    fn flags() {
        assert_eq!(measure("2823-3", 6.6, "mmol/L").unwrap().flag, Flag::CriticalHigh);
        assert_eq!(measure("2823-3", 5.4, "mmol/L").unwrap().flag, Flag::High);
        assert_eq!(measure("2823-3", 3.1, "mmol/L").unwrap().flag, Flag::Low);
        assert_eq!(measure("2823-3", 2.5, "mmol/L").unwrap().flag, Flag::CriticalLow);
    }

    #[test]
    fn error_does_not_echo_value() {
        let e = measure("8867-4", 987.0, "/min").unwrap_err().to_string();
        assert!(!e.contains("987"), "{e}");
    }
}
