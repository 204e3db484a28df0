//! Phonetic codes: American Soundex, NYSIIS, and a romanisation skeleton that folds the
//! spelling freedom of Indian names written in Latin letters before encoding.
//!
//! All functions take any text, keep ASCII letters only and return uppercase codes; a name
//! with no ASCII letters (say, written in Devanagari) has an empty code, which callers treat
//! as "no phonetic evidence".

/// American Soundex: first letter and three digits (`Robert` and `Rupert` give `R163`).
pub fn soundex(name: &str) -> String {
    let letters: Vec<u8> = name
        .bytes()
        .filter(u8::is_ascii_alphabetic)
        .map(|b| b.to_ascii_uppercase())
        .collect();
    let Some((&first, rest)) = letters.split_first() else {
        return String::new();
    };
    let digit = |b: u8| -> u8 {
        match b {
            b'B' | b'F' | b'P' | b'V' => b'1',
            b'C' | b'G' | b'J' | b'K' | b'Q' | b'S' | b'X' | b'Z' => b'2',
            b'D' | b'T' => b'3',
            b'L' => b'4',
            b'M' | b'N' => b'5',
            b'R' => b'6',
            b'H' | b'W' => b'h',
            _ => b'0',
        }
    };
    let mut code = vec![first];
    let mut last = digit(first);
    for &b in rest {
        let d = digit(b);
        match d {
            // H and W do not separate letters with the same code.
            b'h' => continue,
            b'0' => last = b'0',
            _ => {
                if d != last {
                    code.push(d);
                    if code.len() == 4 {
                        break;
                    }
                }
                last = d;
            }
        }
    }
    while code.len() < 4 {
        code.push(b'0');
    }
    String::from_utf8_lossy(&code).into_owned()
}

/// NYSIIS (New York State Identification and Intelligence System), untruncated. It keeps
/// vowel positions, so it separates names that Soundex lumps together while still joining
/// common misspellings (`Catherine`, `Kathryn`).
pub fn nysiis(name: &str) -> String {
    let mut s: Vec<u8> = name
        .bytes()
        .filter(u8::is_ascii_alphabetic)
        .map(|b| b.to_ascii_uppercase())
        .collect();
    if s.is_empty() {
        return String::new();
    }
    replace_prefix(&mut s, b"MAC", b"MCC");
    replace_prefix(&mut s, b"KN", b"NN");
    replace_prefix(&mut s, b"K", b"C");
    replace_prefix(&mut s, b"PH", b"FF");
    replace_prefix(&mut s, b"PF", b"FF");
    replace_prefix(&mut s, b"SCH", b"SSS");
    for (from, to) in [(&b"EE"[..], &b"Y"[..]), (b"IE", b"Y")] {
        if s.ends_with(from) {
            s.truncate(s.len() - from.len());
            s.extend_from_slice(to);
        }
    }
    for from in [&b"DT"[..], b"RT", b"RD", b"NT", b"ND"] {
        if s.ends_with(from) {
            s.truncate(s.len() - from.len());
            s.push(b'D');
        }
    }
    let is_vowel = |b: u8| matches!(b, b'A' | b'E' | b'I' | b'O' | b'U');
    let mut key = vec![s[0]];
    let mut i = 1;
    while i < s.len() {
        let c = s[i];
        let next = s.get(i + 1).copied();
        let prev = s[i - 1];
        let mut repl: Vec<u8> = match c {
            b'E' if next == Some(b'V') => {
                s[i + 1] = b'F';
                vec![b'A']
            }
            _ if is_vowel(c) => vec![b'A'],
            b'Q' => vec![b'G'],
            b'Z' => vec![b'S'],
            b'M' => vec![b'N'],
            b'K' if next == Some(b'N') => vec![b'N'],
            b'K' => vec![b'C'],
            b'S' if s[i..].starts_with(b"SCH") => {
                s[i + 1] = b'S';
                s[i + 2] = b'S';
                vec![b'S']
            }
            b'P' if next == Some(b'H') => {
                s[i + 1] = b'F';
                vec![b'F']
            }
            b'H' if !is_vowel(prev) || next.is_some_and(|n| !is_vowel(n)) || next.is_none() => {
                vec![prev]
            }
            b'W' if is_vowel(prev) => vec![prev],
            _ => vec![c],
        };
        // The transformed character replaces the original, as the algorithm specifies.
        if let Some(&r) = repl.first() {
            s[i] = r;
        }
        repl.retain(|&r| key.last() != Some(&r));
        key.extend_from_slice(&repl);
        i += 1;
    }
    if key.len() > 1 && key.last() == Some(&b'S') {
        key.pop();
    }
    if key.ends_with(b"AY") {
        key.truncate(key.len() - 2);
        key.push(b'Y');
    }
    if key.len() > 1 && key.last() == Some(&b'A') {
        key.pop();
    }
    String::from_utf8_lossy(&key).into_owned()
}

fn replace_prefix(s: &mut Vec<u8>, from: &[u8], to: &[u8]) {
    if s.starts_with(from) {
        s.splice(0..from.len(), to.iter().copied());
    }
}

/// Folds the romanisation freedom of Indian (and some English) names before encoding:
/// aspirated consonants lose the `h` (`bh`, `dh`, `th`, `kh`, `gh`, `jh`), long vowels are
/// single (`aa`, `ee`, `oo`), `sh` and `s`, `w` and `v`, `x` and `ks`, `ph` and `f`, `z`
/// and `s` meet, a final `y` is `i`. `Lakshmi`/`Laxmi`, `Shiva`/`Siva`, `Preeti`/`Priti`,
/// `Vishwanath`/`Viswanath`, `Geetha`/`Gita` all give one skeleton.
pub fn skeleton(name: &str) -> String {
    let mut s: String = name
        .chars()
        .filter(char::is_ascii_alphabetic)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    for (from, to) in [
        ("ksh", "ks"),
        ("x", "ks"),
        ("sch", "s"),
        ("sh", "s"),
        ("ch", "c"),
        ("ck", "k"),
        ("ph", "f"),
        ("bh", "b"),
        ("dh", "d"),
        ("th", "t"),
        ("kh", "k"),
        ("gh", "g"),
        ("jh", "j"),
        ("aa", "a"),
        ("ee", "i"),
        ("oo", "u"),
        ("w", "v"),
        ("z", "s"),
        ("q", "k"),
    ] {
        if s.contains(from) {
            s = s.replace(from, to);
        }
    }
    if s.ends_with('y') && s.len() > 2 {
        s.pop();
        s.push('i');
    }
    // Doubled letters carry no sound of their own (Pillai/Pilai, Reddy/Redy).
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if !out.ends_with(c) {
            out.push(c);
        }
    }
    out
}

/// The phonetic code used for comparing and blocking: NYSIIS of the skeleton.
pub fn name_code(name: &str) -> String {
    nysiis(&skeleton(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn soundex_reference_values() {
        for (name, code) in [
            ("Robert", "R163"),
            ("Rupert", "R163"),
            ("Rubin", "R150"),
            ("Ashcraft", "A261"),
            ("Ashcroft", "A261"),
            ("Tymczak", "T522"),
            ("Pfister", "P236"),
            ("Honeyman", "H555"),
            ("Lee", "L000"),
        ] {
            assert_eq!(soundex(name), code, "{name}");
        }
        assert_eq!(soundex(""), "");
    }

    #[test]
    fn nysiis_reference_values() {
        // Reference values from the jellyfish library's test data (its medial SCH handling
        // differs from the original algorithm, so `Bosch` is left out).
        for (name, code) in [
            ("Worthy", "WARTY"),
            ("Ogata", "OGAT"),
            ("montgomery", "MANTGANARY"),
            ("Costales", "CASTAL"),
            ("Tu", "T"),
            ("martincevic", "MARTANCAFAC"),
            ("Catherine", "CATARAN"),
            ("Katherine", "CATARAN"),
            ("Johnathan", "JANATAN"),
            ("Teresa", "TARAS"),
            ("Theresa", "TARAS"),
            ("Jessica", "JASAC"),
            ("Joshua", "JAS"),
            ("Lapher", "LAFAR"),
            ("wiyh", "WY"),
            ("MacArthur", "MCARTAR"),
            ("Pheenard", "FANAD"),
            ("Schmittie", "SNATY"),
            ("Knaqze", "NAGS"),
            ("Knokno", "NAN"),
            ("Knoko", "NAC"),
            ("Macaw", "MC"),
            ("K", "C"),
            ("PFEISTER", "FASTAR"),
            ("SARAH", "SAR"),
        ] {
            assert_eq!(nysiis(name), code, "{name}");
        }
    }

    #[test]
    fn skeleton_joins_indian_romanisations() {
        for (a, b) in [
            ("Lakshmi", "Laxmi"),
            ("Shiva", "Siva"),
            ("Preeti", "Priti"),
            ("Vishwanath", "Viswanath"),
            ("Geetha", "Gita"),
            ("Pooja", "Puja"),
            ("Pillai", "Pilai"),
        ] {
            assert_eq!(name_code(a), name_code(b), "{a} {b}");
        }
        assert_ne!(name_code("Rohan"), name_code("Rohit"));
    }
}
