//! Encoding: builder output byte for byte, escaping on the way in, charsets, and round trips
//! through the parser.

use meridian_hl7v2::{
    Charset, Delimiters, EncodeErrorKind, MAX_POSITION, MessageBuilder, ParseOptions, parse,
};

use crate::{XorShift, leaves, strict};

fn oru() -> MessageBuilder {
    let mut b = MessageBuilder::new(Delimiters::default());
    b.segment("MSH")
        .set(3, "LAB")
        .set(4, "HOSP")
        .set(7, "20240312101530")
        .set_component(9, 1, "ORU")
        .set_component(9, 2, "R01")
        .set_component(9, 3, "ORU_R01")
        .set(10, "CTRL1")
        .set(11, "P")
        .set(12, "2.5.1");
    b.segment("PID")
        .set(1, "1")
        .set_sub(3, 1, 1, 1, "MR1")
        .set_sub(3, 1, 4, 1, "HOSP")
        .set_sub(3, 2, 1, 1, "SS1")
        .set_component(5, 1, "O'BRIEN & SONS")
        .set_component(5, 2, "MARY|ANN")
        .set_raw(8, "\"\"");
    b.segment("OBX")
        .set(1, "1")
        .set(2, "TX")
        .set_component(3, 1, "11529-5")
        .set_component(3, 3, "LN")
        .set(5, "line 1\nline 2 ^ caret ~ tilde \\ backslash")
        .set_sub(6, 1, 1, 2, "sub");
    b
}

#[test]
fn the_builder_writes_msh_from_the_delimiters_and_escapes_values() {
    assert_eq!(
        oru().encode(),
        "MSH|^~\\&|LAB|HOSP|||20240312101530||ORU^R01^ORU_R01|CTRL1|P|2.5.1\r\
         PID|1||MR1^^^HOSP~SS1||O'BRIEN \\T\\ SONS^MARY\\F\\ANN|||\"\"\r\
         OBX|1|TX|11529-5^^LN||line 1\\.br\\line 2 \\S\\ caret \\R\\ tilde \\E\\ backslash|&sub\r"
    );
}

#[test]
fn built_values_read_back_unchanged() {
    let text = oru().encode();
    let p = strict(text.as_bytes());
    let m = &p.message;
    assert_eq!(m.get("PID-5.1").as_deref(), Some("O'BRIEN & SONS"));
    assert_eq!(m.get("PID-5.2").as_deref(), Some("MARY|ANN"));
    assert_eq!(m.get("PID-3[2].1").as_deref(), Some("SS1"));
    assert!(m.segment("PID").expect("PID").field(8).is_null());
    assert_eq!(
        m.get("OBX-5").as_deref(),
        Some("line 1\nline 2 ^ caret ~ tilde \\ backslash")
    );
    assert_eq!(m.get("OBX-6.1.2").as_deref(), Some("sub"));
    assert_eq!(m.message_type().structure, Some("ORU_R01"));
}

#[test]
fn setting_msh1_or_msh2_is_ignored_and_trailing_empties_are_left_out() {
    let mut b = MessageBuilder::new(Delimiters::default());
    b.segment("MSH")
        .set(1, "X")
        .set(2, "YYYY")
        .set(3, "A")
        .set(5, "");
    b.segment("NTE")
        .set(1, "1")
        .set(4, "")
        .set_component(2, 3, "");
    assert_eq!(b.encode(), "MSH|^~\\&|A\rNTE|1\r");
}

#[test]
fn later_sets_replace_earlier_ones_and_set_raw_parts_can_be_addressed() {
    let mut b = MessageBuilder::new(Delimiters::default());
    b.segment("ZZZ")
        .set(1, "old")
        .set(1, "new")
        .set_raw(2, "a^b&c~d")
        .set_component(2, 1, "A");
    assert_eq!(b.encode(), "ZZZ|new|A^b&c~d\r");
    if let Some(s) = b.segment_mut(0) {
        s.set(3, "x");
    }
    assert_eq!(b.encode(), "ZZZ|new|A^b&c~d|x\r");
    assert_eq!(b.segment_count(), 1);
    assert!(b.segment_mut(1).is_none());
}

#[test]
fn non_default_delimiters_are_written_and_read_back() {
    let d = Delimiters {
        field: '#',
        component: '$',
        repetition: '*',
        escape: Some('!'),
        subcomponent: '@',
        truncation: None,
    };
    let mut b = MessageBuilder::new(d);
    b.segment("MSH")
        .set_component(9, 1, "ADT")
        .set_component(9, 2, "A08")
        .set(10, "C#1")
        .set(12, "2.5.1");
    b.segment("PID").set_component(5, 1, "A$B*C@D!E|F");
    let text = b.encode();
    assert_eq!(
        text,
        "MSH#$*!@#######ADT$A08#C!F!1##2.5.1\rPID#####A!S!B!R!C!T!D!E!E|F\r"
    );
    let p = strict(text.as_bytes());
    assert_eq!(p.message.delimiters(), d);
    assert_eq!(p.message.control_id(), "C!F!1");
    assert_eq!(p.message.get("MSH-10").as_deref(), Some("C#1"));
    assert_eq!(p.message.get("PID-5.1").as_deref(), Some("A$B*C@D!E|F"));
}

#[test]
fn latin1_and_ascii_encoding_refuse_what_they_cannot_hold_without_showing_it() {
    let mut b = MessageBuilder::new(Delimiters::default());
    b.segment("MSH")
        .set_component(9, 1, "ADT")
        .set_component(9, 2, "A08")
        .set(10, "C1")
        .set(12, "2.5.1")
        .set(18, Charset::Latin1.msh18());
    b.segment("PID")
        .set_component(5, 1, "MÜLLER")
        .set_component(5, 2, "JOSÉ");
    let bytes = b
        .encode_bytes(Charset::Latin1)
        .expect("Latin-1 holds Ü and É");
    assert!(bytes.windows(6).any(|w| w == b"M\xDCLLER"));
    let p = parse(&bytes, &ParseOptions::strict()).expect("parse Latin-1");
    assert_eq!(p.message.get("PID-5.1").as_deref(), Some("MÜLLER"));

    let err = b
        .encode_bytes(Charset::Ascii)
        .expect_err("ASCII cannot hold Ü");
    assert_eq!(
        err.kind(),
        &EncodeErrorKind::Unrepresentable { charset: "ASCII" }
    );
    assert_eq!((err.segment_index(), err.field()), (1, Some(5)));

    b.segment("NK1").set(2, "ŁUKASZ Ω");
    let err = b
        .encode_bytes(Charset::Latin1)
        .expect_err("Latin-1 cannot hold Ł");
    assert_eq!((err.segment_index(), err.field()), (2, Some(2)));
    let shown = format!("{err} {err:?}");
    for secret in ["ŁUKASZ", "Ł", "Ω", "MÜLLER"] {
        assert!(!shown.contains(secret), "{shown}");
    }
    let utf8 = b
        .encode_bytes(Charset::Utf8)
        .expect("UTF-8 holds everything");
    assert_eq!(utf8, b.encode().into_bytes());
}

#[test]
fn bad_segment_ids_and_absurd_positions_are_refused_by_encode_bytes() {
    let mut b = MessageBuilder::new(Delimiters::default());
    b.segment("MSH").set(10, "C1");
    b.segment("pid").set(1, "1");
    let err = b.encode_bytes(Charset::Utf8).expect_err("bad id");
    assert_eq!(
        (err.kind(), err.segment_index()),
        (&EncodeErrorKind::BadSegmentId, 1)
    );

    for set in [
        |s: &mut meridian_hl7v2::SegmentBuilder| {
            s.set(MAX_POSITION + 1, "x");
        },
        |s: &mut meridian_hl7v2::SegmentBuilder| {
            s.set_component(1, usize::MAX, "x");
        },
        |s: &mut meridian_hl7v2::SegmentBuilder| {
            s.set_sub(1, 1, 1, MAX_POSITION + 1, "x");
        },
    ] {
        let mut b = MessageBuilder::new(Delimiters::default());
        set(b.segment("NTE"));
        assert_eq!(b.encode(), "NTE\r", "ignored");
        let err = b.encode_bytes(Charset::Utf8).expect_err("too large");
        assert_eq!(err.kind(), &EncodeErrorKind::PositionTooLarge);
    }
    let mut b = MessageBuilder::new(Delimiters::default());
    b.segment("NTE").set(MAX_POSITION, "x");
    assert!(
        b.encode_bytes(Charset::Utf8).is_ok(),
        "the maximum itself is fine"
    );
}

#[test]
fn random_field_values_round_trip_through_encode_and_parse() {
    const ALPHABET: &[char] = &[
        'a', 'Z', '9', ' ', '|', '^', '~', '\\', '&', '\n', 'é', '"', '.',
    ];
    let mut rng = XorShift(7);
    for _ in 0..500 {
        let mut values = Vec::new();
        let mut b = MessageBuilder::new(Delimiters::default());
        b.segment("MSH")
            .set_component(9, 1, "ADT")
            .set(10, "C1")
            .set(12, "2.5.1");
        let seg = b.segment("ZXY");
        for f in 1..=6 {
            let len = rng.below(10);
            let v: String = (0..len)
                .map(|_| ALPHABET[rng.below(ALPHABET.len())])
                .collect();
            let (r, c, s) = (1 + rng.below(2), 1 + rng.below(3), 1 + rng.below(2));
            seg.set_sub(f, r, c, s, &v);
            values.push((f, r, c, s, v));
        }
        let text = b.encode();
        let p = strict(text.as_bytes());
        let z = p.message.segment("ZXY").expect("ZXY");
        for (f, r, c, s, v) in values {
            assert_eq!(
                z.field(f).repetition(r).component(c).subcomponent_value(s),
                v,
                "{text:?}"
            );
        }
    }
}

#[test]
fn from_message_preserves_every_value_of_a_message_with_custom_delimiters() {
    let text = "MSH#$*!@#LAB#HOSP#EHR#CLINIC#20240101##ORU$R01#C1#P#2.5.1\rOBX#1#ST#A$b*C$d##x!F!y@s2$c2#\"\"\r";
    let original = strict(text.as_bytes()).message;
    let again_text = MessageBuilder::from_message(&original).encode();
    assert_eq!(again_text, text);
    let again = strict(again_text.as_bytes()).message;
    assert_eq!(leaves(&original), leaves(&again));
}
