//! Text normalisation: case, diacritics, punctuation, honorifics and spelling variants.
//!
//! Everything here maps messy registration text to lowercase ASCII tokens. Scripts other than
//! Latin (Devanagari, Tamil, ...) pass through unchanged: transliteration is out of scope, so
//! such names compare only when written identically.

use crate::nicknames;

/// Lowercases and folds Latin-1 and Latin Extended-A letters to ASCII (`é` to `e`, `ß` to
/// `ss`, `Ł` to `l`); punctuation becomes a space, except apostrophes, which vanish so that
/// `O'Brien` and `OBrien` agree.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if matches!(c, '\'' | '\u{2019}' | '\u{2018}' | '`' | '\u{b4}') {
            // Apostrophes join: D'Souza, O'Brien.
        } else if let Some(folded) = fold_char(c) {
            out.push_str(folded);
        } else if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else {
            out.push(' ');
        }
    }
    out
}

/// Splits folded text into tokens.
pub(crate) fn tokens(text: &str) -> Vec<String> {
    fold(text).split_whitespace().map(str::to_owned).collect()
}

fn fold_char(c: char) -> Option<&'static str> {
    Some(match c {
        'À'..='Å' | 'à'..='å' | 'Ā' | 'ā' | 'Ă' | 'ă' | 'Ą' | 'ą' => "a",
        'Æ' | 'æ' => "ae",
        'Ç' | 'ç' | 'Ć' | 'ć' | 'Ĉ' | 'ĉ' | 'Ċ' | 'ċ' | 'Č' | 'č' => "c",
        'Ð' | 'ð' | 'Ď' | 'ď' | 'Đ' | 'đ' => "d",
        'È'..='Ë' | 'è'..='ë' | 'Ē' | 'ē' | 'Ĕ' | 'ĕ' | 'Ė' | 'ė' | 'Ę' | 'ę' | 'Ě' | 'ě' => {
            "e"
        }
        'Ĝ' | 'ĝ' | 'Ğ' | 'ğ' | 'Ġ' | 'ġ' | 'Ģ' | 'ģ' => "g",
        'Ĥ' | 'ĥ' | 'Ħ' | 'ħ' => "h",
        'Ì'..='Ï' | 'ì'..='ï' | 'Ĩ' | 'ĩ' | 'Ī' | 'ī' | 'Ĭ' | 'ĭ' | 'Į' | 'į' | 'İ' | 'ı' => {
            "i"
        }
        'Ĳ' | 'ĳ' => "ij",
        'Ĵ' | 'ĵ' => "j",
        'Ķ' | 'ķ' | 'ĸ' => "k",
        'Ĺ' | 'ĺ' | 'Ļ' | 'ļ' | 'Ľ' | 'ľ' | 'Ŀ' | 'ŀ' | 'Ł' | 'ł' => "l",
        'Ñ' | 'ñ' | 'Ń' | 'ń' | 'Ņ' | 'ņ' | 'Ň' | 'ň' | 'ŉ' | 'Ŋ' | 'ŋ' => "n",
        'Ò'..='Ö' | 'Ø' | 'ò'..='ö' | 'ø' | 'Ō' | 'ō' | 'Ŏ' | 'ŏ' | 'Ő' | 'ő' => "o",
        'Œ' | 'œ' => "oe",
        'Ŕ' | 'ŕ' | 'Ŗ' | 'ŗ' | 'Ř' | 'ř' => "r",
        'Ś' | 'ś' | 'Ŝ' | 'ŝ' | 'Ş' | 'ş' | 'Š' | 'š' | 'ſ' => "s",
        'ß' => "ss",
        'Ţ' | 'ţ' | 'Ť' | 'ť' | 'Ŧ' | 'ŧ' => "t",
        'Þ' | 'þ' => "th",
        'Ù'..='Ü'
        | 'ù'..='ü'
        | 'Ũ'
        | 'ũ'
        | 'Ū'
        | 'ū'
        | 'Ŭ'
        | 'ŭ'
        | 'Ů'
        | 'ů'
        | 'Ű'
        | 'ű'
        | 'Ų'
        | 'ų' => "u",
        'Ŵ' | 'ŵ' => "w",
        'Ý' | 'ý' | 'ÿ' | 'Ŷ' | 'ŷ' | 'Ÿ' => "y",
        'Ź' | 'ź' | 'Ż' | 'ż' | 'Ž' | 'ž' => "z",
        _ => return None,
    })
}

/// Titles dropped from the front of a name. `kumari` (Miss) is dropped only in front: as a
/// trailing name (`Sunita Kumari`) it is part of the name.
const HONORIFICS: &[&str] = &[
    "mr", "mrs", "ms", "miss", "mstr", "master", "mx", "dr", "prof", "smt", "shrimati", "srimati",
    "shri", "shree", "sri", "sh", "kumari", "kum", "km", "kmr", "sra", "srta",
];

/// Given names that say the patient has no name yet ("Baby of Sunita", "B/O Sunita",
/// "Unknown"): the given name is then treated as missing, since the mother's name or a
/// placeholder says nothing about the child's eventual name.
fn is_placeholder_given(tokens: &[String]) -> bool {
    match tokens {
        [] => false,
        [first, rest @ ..] => {
            let first = first.as_str();
            matches!(
                first,
                "baby" | "babyof" | "bo" | "unknown" | "unnamed" | "newborn" | "infant"
            ) || (first == "b" && rest.first().is_some_and(|t| t == "o"))
        }
    }
}

/// Strips honorifics from the front, never leaving the name empty (a patient may be called
/// Shree).
fn strip_honorifics(mut tokens: Vec<String>) -> Vec<String> {
    while tokens.len() > 1 {
        if HONORIFICS.contains(&tokens[0].as_str()) {
            tokens.remove(0);
        } else {
            break;
        }
    }
    tokens
}

/// The normalised name tokens of one record.
#[derive(Debug, Clone, Default)]
pub(crate) struct NormName {
    pub(crate) family: Vec<String>,
    pub(crate) given: Vec<String>,
}

/// Normalises family and given names: fold, drop honorifics, canonicalise spelling variants
/// (`Mohd` to `mohammed`, `Kr` to `kumar`), treat newborn placeholders as no given name.
pub(crate) fn names(family: &str, given: &[String]) -> NormName {
    let mut given_tokens: Vec<String> = given.iter().flat_map(|g| tokens(g)).collect();
    if is_placeholder_given(&given_tokens) {
        given_tokens.clear();
    }
    let given_tokens = strip_honorifics(given_tokens);
    let family_tokens = strip_honorifics(tokens(family));
    let canon = |v: Vec<String>| -> Vec<String> {
        v.into_iter()
            .map(|t| nicknames::spelling_variant(&t).map_or(t, str::to_owned))
            .collect()
    };
    NormName {
        family: canon(family_tokens),
        given: canon(given_tokens),
    }
}

/// Digits of a phone number without country code or trunk prefix: the last ten digits, or
/// all of them when fewer. `None` when fewer than six digits remain.
pub(crate) fn phone(text: &str) -> Option<String> {
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    if digits.len() < 6 {
        return None;
    }
    let start = digits.len().saturating_sub(10);
    Some(digits[start..].to_owned())
}

/// Postal code: uppercase letters and digits only.
pub(crate) fn postal(text: &str) -> Option<String> {
    let p: String = text
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (!p.is_empty()).then_some(p)
}

/// Identifier value: letters and digits, uppercased (`91-1234-...` equals `911234...`).
pub(crate) fn identifier_value(text: &str) -> String {
    text.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Identifier system: trimmed, lowercased, trailing slash dropped.
pub(crate) fn identifier_system(text: &str) -> String {
    text.trim().trim_end_matches('/').to_ascii_lowercase()
}

/// Address tokens with common abbreviations expanded and filler words dropped.
pub(crate) fn address(text: &str) -> Vec<String> {
    tokens(text)
        .into_iter()
        .filter(|t| {
            !matches!(
                t.as_str(),
                "no" | "flat" | "house" | "h" | "of" | "the" | "near" | "opp"
            )
        })
        .map(|t| {
            match t.as_str() {
                "rd" => "road",
                "st" | "str" => "street",
                "ave" | "av" => "avenue",
                "ln" => "lane",
                "apt" | "apts" | "aptmt" => "apartments",
                "blvd" => "boulevard",
                "dr" => "drive",
                "ngr" => "nagar",
                "colony" | "clny" => "colony",
                "extn" | "ext" => "extension",
                "mg" => "mahatma gandhi",
                "sect" | "sec" => "sector",
                other => return other.to_owned(),
            }
            .to_owned()
        })
        .flat_map(|t| t.split(' ').map(str::to_owned).collect::<Vec<_>>())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_diacritics_and_punctuation() {
        assert_eq!(fold("José Martínez-Muñoz"), "jose martinez munoz");
        assert_eq!(fold("D'Souza"), "dsouza");
        assert_eq!(fold("Øster Straße"), "oster strasse");
    }

    #[test]
    fn drops_leading_honorifics_but_keeps_trailing_kumari() {
        let n = names("Devi", &["Smt.".into(), "Sunita".into()]);
        assert_eq!(n.given, ["sunita"]);
        let n = names("", &["Sunita".into(), "Kumari".into()]);
        assert_eq!(n.given, ["sunita", "kumari"]);
    }

    #[test]
    fn md_is_mohammed_when_followed_by_a_name() {
        let n = names("Khan", &["Md.".into(), "Salim".into()]);
        assert_eq!(n.given, ["mohammed", "salim"]);
    }

    #[test]
    fn baby_of_is_no_given_name() {
        assert!(names("Sharma", &["B/O Sunita".into()]).given.is_empty());
        assert!(names("Sharma", &["Baby of Sunita".into()]).given.is_empty());
    }

    #[test]
    fn phone_drops_country_code() {
        assert_eq!(phone("+91 98450-12345").as_deref(), Some("9845012345"));
        assert_eq!(phone("098450 12345").as_deref(), Some("9845012345"));
        assert_eq!(phone("12"), None);
    }
}
