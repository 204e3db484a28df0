//! How a UCUM unit code is shown to a person: `Cel` as °C, `mm[Hg]` as mmHg, `10*3/uL` as
//! 10³/µL, `mL/min/{1.73_m2}` as mL/min/1.73 m². The code stays what is stored and exchanged;
//! only the display changes.

/// The display form of a UCUM code; a code it does not know is shown as written.
pub fn unit_display(code: &str) -> String {
    match code {
        "Cel" => return "°C".into(),
        "[degF]" => return "°F".into(),
        "/min" => return "/min".into(),
        "{beats}/min" | "{beat}/min" => return "beats/min".into(),
        "{breaths}/min" => return "breaths/min".into(),
        _ => {}
    }
    let mut out = String::with_capacity(code.len() + 4);
    let mut rest = code;
    while let Some(c) = rest.chars().next() {
        if c == '{' {
            let end = rest.find('}').map_or(rest.len(), |i| i + 1);
            let inner = rest[1..end].trim_end_matches('}');
            // An annotation: its words as written (CD4, T3), underscores as spaces; only a
            // body-surface "m2" is a power.
            let words: Vec<&str> = inner.split(['_', ' ']).map(|w| if w == "m2" { "m²" } else { w }).collect();
            out.push_str(&words.join(" "));
            rest = &rest[end..];
        } else if c == '/' || c == '.' {
            out.push(if c == '.' { '·' } else { '/' });
            rest = &rest[1..];
        } else {
            let end = rest.find(['/', '.', '{']).unwrap_or(rest.len());
            // A dot inside a number (1.73) is not a product.
            let end = if rest[..end].ends_with(|ch: char| ch.is_ascii_digit()) && rest[end..].starts_with('.') && rest[end + 1..].starts_with(|ch: char| ch.is_ascii_digit()) {
                rest[end + 1..].find(['/', '.', '{']).map_or(rest.len(), |i| end + 1 + i)
            } else {
                end
            };
            out.push_str(&atom(&rest[..end]));
            rest = &rest[end..];
        }
    }
    out
}

/// One unit between operators: `10*3` → 10³, `mm[Hg]` → mmHg, `uL` → µL, `m2` → m².
fn atom(a: &str) -> String {
    if let Some(exp) = a.strip_prefix("10*").or_else(|| a.strip_prefix("10^")) {
        return format!("10{}", superscript(exp));
    }
    let a = match a {
        "mm[Hg]" => "mmHg",
        "[iU]" | "[IU]" => "IU",
        "[lb_av]" => "lb",
        "[in_i]" => "in",
        "[ft_i]" => "ft",
        "[oz_av]" => "oz",
        other => other,
    };
    // The micro prefix on the units labs use.
    let a = match a.strip_prefix('u') {
        Some(base) if ["L", "g", "mol", "m", "U", "IU", "eq"].contains(&base) => format!("µ{base}"),
        _ => a.to_owned(),
    };
    // A trailing power on a unit (m2, m3), not on a plain number or a word with digits.
    match a.char_indices().find(|(_, c)| c.is_ascii_digit()) {
        Some((i, _)) if i > 0 && a[..i].chars().all(|c| c.is_alphabetic()) && a[i..].chars().all(|c| c.is_ascii_digit()) => {
            format!("{}{}", &a[..i], superscript(&a[i..]))
        }
        _ => a,
    }
}

fn superscript(digits: &str) -> String {
    digits
        .chars()
        .map(|c| match c {
            '0' => '⁰',
            '1' => '¹',
            '2' => '²',
            '3' => '³',
            '4' => '⁴',
            '5' => '⁵',
            '6' => '⁶',
            '7' => '⁷',
            '8' => '⁸',
            '9' => '⁹',
            '-' => '⁻',
            other => other,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::unit_display;

    #[test]
    fn the_units_of_vitals_and_common_labs_read_as_clinicians_write_them() {
        for (code, shown) in [
            ("/min", "/min"),
            ("mm[Hg]", "mmHg"),
            ("Cel", "°C"),
            ("[degF]", "°F"),
            ("%", "%"),
            ("kg", "kg"),
            ("cm", "cm"),
            ("kg/m2", "kg/m²"),
            ("mg/dL", "mg/dL"),
            ("mmol/L", "mmol/L"),
            ("mL/min/{1.73_m2}", "mL/min/1.73 m²"),
            ("g/dL", "g/dL"),
            ("10*3/uL", "10³/µL"),
            ("10*9/L", "10⁹/L"),
            ("10*12/L", "10¹²/L"),
            ("U/L", "U/L"),
            ("ng/mL", "ng/mL"),
            ("ug/L", "µg/L"),
            ("umol/L", "µmol/L"),
            ("[iU]/L", "IU/L"),
            ("{INR}", "INR"),
            ("{CD4_cells}/uL", "CD4 cells/µL"),
            ("{T3}", "T3"),
            ("{ratio}", "ratio"),
            ("mg.h/L", "mg·h/L"),
            ("m2", "m²"),
        ] {
            assert_eq!(unit_display(code), shown, "{code}");
        }
    }

    #[test]
    fn unknown_or_odd_codes_are_shown_as_written_without_panicking() {
        for code in ["", "{", "{unclosed", "/", "..", "10*", "x1y", "u", "°"] {
            let _ = unit_display(code);
        }
        assert_eq!(unit_display("widgets"), "widgets");
        assert_eq!(unit_display("{unclosed"), "unclosed");
        assert_eq!(unit_display("H2O"), "H2O");
    }
}
