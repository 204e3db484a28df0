//! Escape sequences: every sequence of chapter 2 decodes as documented, escaping reverses it,
//! and text with nothing to do is borrowed.

use std::borrow::Cow;

use meridian_hl7v2::{Delimiters, escape, unescape};

use crate::XorShift;

fn d() -> Delimiters {
    Delimiters::default()
}

#[test]
fn delimiter_escapes_decode_to_the_delimiters() {
    assert_eq!(unescape(r"a\F\b\S\c\T\d\R\e\E\f", &d()), "a|b^c&d~e\\f");
}

#[test]
fn hex_escapes_decode_as_utf8_when_valid_else_latin1() {
    assert_eq!(unescape(r"\X41\\X4243\", &d()), "ABC");
    assert_eq!(unescape(r"caf\XC3A9\", &d()), "café", "UTF-8 bytes");
    assert_eq!(unescape(r"caf\XE9\", &d()), "café", "a lone Latin-1 byte");
    assert_eq!(
        unescape(r"\x41\", &d()),
        r"\x41\",
        "lowercase x is not the hex escape"
    );
    assert_eq!(unescape(r"\X0D0A\", &d()), "\r\n");
}

#[test]
fn formatting_escapes_become_line_breaks_spaces_or_nothing() {
    assert_eq!(unescape(r"line 1\.br\line 2", &d()), "line 1\nline 2");
    assert_eq!(unescape(r"a\.sp3\b", &d()), "a\n\n\nb");
    assert_eq!(unescape(r"a\.sp\b", &d()), "a\nb");
    assert_eq!(unescape(r"a\.sp +2\b", &d()), "a\n\nb");
    assert_eq!(unescape(r"a\.sk2\b", &d()), "a  b");
    assert_eq!(unescape(r"\.in+4\\.ti-2\\.ce\\.fi\\.nf\x", &d()), "x");
    assert_eq!(unescape(r"\H\bold\N\ text", &d()), "bold text");
    let huge = unescape(r"\.sp999999999999999999999\", &d());
    assert_eq!(huge, "\n".repeat(100), "capped");
}

#[test]
fn locally_defined_and_charset_switching_escapes_are_kept_as_written() {
    for kept in [r"\Zlocal\", r"\C2842\", r"\M2442\", r"\M244241\"] {
        assert_eq!(unescape(kept, &d()), kept);
    }
}

#[test]
fn unknown_and_unterminated_escapes_are_kept_literally() {
    assert_eq!(unescape(r"\Q\", &d()), r"\Q\");
    assert_eq!(unescape(r"C:\temp", &d()), r"C:\temp");
    assert_eq!(
        unescape(r"C:\temp\E\x", &d()),
        r"C:\temp\x",
        "the closing escape opens \\E\\"
    );
    assert_eq!(unescape(r"a\\b", &d()), r"a\\b");
    assert_eq!(unescape(r"\X4\", &d()), r"\X4\", "odd hex digit count");
    assert_eq!(unescape(r"\XZZ\", &d()), r"\XZZ\");
    assert_eq!(
        unescape(r"\P\", &d()),
        r"\P\",
        "no truncation character declared"
    );
    assert_eq!(unescape("\\", &d()), "\\");
}

#[test]
fn truncation_escape_decodes_when_msh2_declares_one() {
    let d = Delimiters {
        truncation: Some('#'),
        ..Delimiters::default()
    };
    assert_eq!(unescape(r"Apt \P\4", &d), "Apt #4");
    assert_eq!(escape("Apt #4", &d), r"Apt \P\4");
    assert_eq!(escape("Apt #4", &Delimiters::default()), "Apt #4");
}

#[test]
fn text_without_escapes_is_borrowed_both_ways() {
    assert!(matches!(
        unescape("plain text", &d()),
        Cow::Borrowed("plain text")
    ));
    assert!(matches!(
        escape("plain text", &d()),
        Cow::Borrowed("plain text")
    ));
    assert!(matches!(escape("tab\tis fine", &d()), Cow::Borrowed(_)));
}

#[test]
fn escape_writes_every_delimiter_line_break_and_control_character() {
    assert_eq!(escape("a|b^c&d~e\\f", &d()), r"a\F\b\S\c\T\d\R\e\E\f");
    assert_eq!(escape("1\n2\r\n3\r4", &d()), r"1\.br\2\.br\3\.br\4");
    assert_eq!(
        escape("bell\u{7}del\u{7f}nul\0", &d()),
        r"bell\X07\del\X7F\nul\X00\"
    );
    assert_eq!(
        escape("Zoë ✓", &d()),
        "Zoë ✓",
        "non-ASCII needs no escaping"
    );
}

#[test]
fn custom_escape_characters_work_both_ways() {
    let d = Delimiters {
        field: '#',
        component: '$',
        repetition: '*',
        escape: Some('!'),
        subcomponent: '@',
        truncation: None,
    };
    assert_eq!(escape("a#b$c!d\\e", &d), r"a!F!b!S!c!E!d\e");
    assert_eq!(unescape(r"a!F!b!S!c!E!d\e!.br!", &d), "a#b$c!d\\e\n");
}

#[test]
fn without_an_escape_character_nothing_is_decoded_and_delimiters_become_spaces() {
    let d = Delimiters {
        escape: None,
        ..Delimiters::default()
    };
    assert!(matches!(unescape(r"a\F\b", &d), Cow::Borrowed(r"a\F\b")));
    assert_eq!(escape("a|b^c\nd\\e", &d), "a b c d\\e");
}

#[test]
fn unescape_reverses_escape_for_random_text() {
    const ALPHABET: &[char] = &[
        'a', 'Z', '0', ' ', '|', '^', '~', '\\', '&', '#', '\n', '\t', 'é', '✓', '\u{1}', '.', 'X',
        'F', 'E',
    ];
    let mut rng = XorShift(42);
    for _ in 0..5000 {
        let len = rng.below(24);
        let s: String = (0..len)
            .map(|_| ALPHABET[rng.below(ALPHABET.len())])
            .collect();
        let coded = escape(&s, &d());
        assert!(
            !coded.contains(['|', '^', '~', '&', '\n', '\u{1}']),
            "{s:?} -> {coded:?} still has a delimiter"
        );
        assert_eq!(unescape(&coded, &d()), s, "{s:?} -> {coded:?}");
    }
}
