//! The population generator and the error model for duplicate registrations.

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{RngCore, SeedableRng};

use super::names::{self, Culture};
use super::{EvalSet, RecordKind};
use crate::demographics::days_in_month;
use crate::{BirthDate, Demographics, Ident, Sex, systems};

/// The year ages are counted from; fixed so that the set does not depend on a clock.
const REFERENCE_YEAR: i32 = 2025;
/// System of an outside laboratory's record number that some patients bring.
const REFERRAL_LAB: &str = "urn:oid:2.16.356.10.1";

/// Seeded randomness with the few draws the generator needs.
struct Draw(ChaCha8Rng);

impl Draw {
    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.0.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Uniform in `0..n`; `n` must be positive (every caller passes a non-empty length or a
    /// positive constant).
    fn below(&mut self, n: usize) -> usize {
        (self.0.next_u64() % n.max(1) as u64) as usize
    }

    /// Inclusive range.
    fn range(&mut self, lo: i32, hi: i32) -> i32 {
        lo + self.below((hi - lo + 1).max(1) as usize) as i32
    }

    /// An index skewed towards the front, like name frequencies.
    fn skewed(&mut self, n: usize) -> usize {
        ((self.unit().powf(1.4) * n as f64) as usize).min(n.saturating_sub(1))
    }

    fn pick<T: Copy>(&mut self, items: &[T], fallback: T) -> T {
        if items.is_empty() {
            fallback
        } else {
            items[self.below(items.len())]
        }
    }

    fn pick_skewed<T: Copy>(&mut self, items: &[T], fallback: T) -> T {
        if items.is_empty() {
            fallback
        } else {
            items[self.skewed(items.len())]
        }
    }

    fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.below(10) as u8))
            .collect()
    }
}

/// What the generator remembers about a person beyond the record.
#[derive(Clone, Copy)]
struct Traits {
    culture: Culture,
    age: i32,
    sex: Sex,
}

/// Generates `people` distinct people and `round(people * duplicate_rate)` duplicate
/// registrations, deterministically from `seed`.
///
/// About 20% of people are household members of an earlier person (same surname, address,
/// often phone), about 1.2% twins and 2% namesakes; these are the hard negatives.
pub fn synthetic_population(seed: u64, people: usize, duplicate_rate: f64) -> EvalSet {
    let mut r = Draw(ChaCha8Rng::seed_from_u64(seed));
    let mut records: Vec<Demographics> = Vec::new();
    // Records before formatting noise: relatives and duplicates derive from these, as a
    // clerk copies the person, not the previous clerk's typing.
    let mut clean: Vec<Demographics> = Vec::new();
    let mut person: Vec<usize> = Vec::new();
    let mut kinds: Vec<RecordKind> = Vec::new();
    let mut traits: Vec<Traits> = Vec::new();
    // Household of each person, and the first given names used in each household.
    let mut household: Vec<usize> = Vec::new();
    let mut household_names: Vec<Vec<String>> = Vec::new();

    for id in 0..people {
        let roll = r.unit();
        let (mut d, t, kind) = if id < 10 || roll >= 0.232 {
            let (d, t) = new_person(&mut r, None);
            (d, t, RecordKind::Original)
        } else {
            let base = r.below(id);
            let (bd, bt) = (&clean[base], traits[base]);
            if roll < 0.2 {
                let (d, t) = household_member(&mut r, bd, bt, &household_names[household[base]]);
                household.push(household[base]);
                (d, t, RecordKind::Household)
            } else if roll < 0.212 {
                let (d, t) = twin(&mut r, bd, bt);
                (d, t, RecordKind::Twin)
            } else {
                let (d, t) = namesake(&mut r, bd, bt);
                (d, t, RecordKind::Namesake)
            }
        };
        if household.len() == id {
            household.push(household_names.len());
            household_names.push(Vec::new());
        }
        if let (Some(h), Some(g)) = (household.last(), d.given.first()) {
            household_names[*h].push(g.clone());
        }
        clean.push(d.clone());
        if r.chance(0.2) {
            format_noise(&mut r, &mut d, t);
        }
        records.push(d);
        person.push(id);
        kinds.push(kind);
        traits.push(t);
    }

    let duplicates = (people as f64 * duplicate_rate.max(0.0)).round() as usize;
    for _ in 0..duplicates {
        if records.is_empty() {
            break;
        }
        // Mostly from a person's first record; sometimes from an earlier duplicate.
        let source = if people > 0 && (records.len() == people || r.chance(0.9)) {
            r.below(people)
        } else {
            r.below(records.len())
        };
        let id = person[source];
        let t = traits[id];
        let mut d = clean[source].clone();
        corrupt(&mut r, &mut d, t);
        clean.push(d.clone());
        if r.chance(0.5) {
            format_noise(&mut r, &mut d, t);
        }
        records.push(d);
        person.push(id);
        kinds.push(RecordKind::Duplicate);
    }
    EvalSet {
        records,
        person,
        kinds,
    }
}

fn pick_culture(r: &mut Draw) -> Culture {
    let x = r.unit();
    if x < 0.6 {
        Culture::Indian
    } else if x < 0.8 {
        Culture::English
    } else if x < 0.92 {
        Culture::Hispanic
    } else {
        Culture::Other
    }
}

fn pick_sex(r: &mut Draw) -> Sex {
    if r.chance(0.003) {
        Sex::Other
    } else if r.chance(0.5) {
        Sex::Female
    } else {
        Sex::Male
    }
}

fn pick_age(r: &mut Draw) -> i32 {
    let x = r.unit();
    if x < 0.15 {
        r.range(0, 14)
    } else if x < 0.85 {
        r.range(15, 69)
    } else {
        r.range(70, 95)
    }
}

fn birth_for_age(r: &mut Draw, age: i32, culture: Culture) -> BirthDate {
    let year = REFERENCE_YEAR - age;
    // Adults who do not know their birth date are registered on 1 January of the year their
    // stated age implies.
    if culture == Culture::Indian && age >= 25 && r.chance(0.15) {
        return BirthDate {
            year,
            month: 1,
            day: 1,
        };
    }
    let month = r.range(1, 12) as u8;
    let day = r.range(1, i32::from(days_in_month(year, month))) as u8;
    BirthDate { year, month, day }
}

fn given_name(r: &mut Draw, culture: Culture, sex: Sex) -> String {
    let p = names::pools(culture);
    let pool = match sex {
        Sex::Female => p.female,
        Sex::Male => p.male,
        _ => {
            if r.chance(0.5) {
                p.female
            } else {
                p.male
            }
        }
    };
    r.pick_skewed(pool, "Alex").to_owned()
}

fn middle_name(r: &mut Draw, culture: Culture, sex: Sex) -> Option<String> {
    match culture {
        Culture::Indian if sex == Sex::Male && r.chance(0.2) => Some("Kumar".into()),
        Culture::Indian if sex == Sex::Female && r.chance(0.08) => Some("Kumari".into()),
        Culture::English | Culture::Hispanic if r.chance(0.3) => Some(given_name(r, culture, sex)),
        _ => None,
    }
}

fn family_name(r: &mut Draw, culture: Culture, sex: Sex) -> String {
    let pool = names::pools(culture).family;
    if culture == Culture::Indian && sex == Sex::Female && r.chance(0.05) {
        return "Devi".into();
    }
    let first = r.pick_skewed(pool, "Smith");
    if culture == Culture::Hispanic && r.chance(0.7) {
        let second = r.pick_skewed(pool, "Smith");
        if second != first {
            return format!("{first} {second}");
        }
    }
    first.to_owned()
}

fn postal_code(r: &mut Draw) -> String {
    if r.chance(0.9) {
        format!("5600{:02}", r.skewed(110) + 1)
    } else {
        format!("5{}", r.digits(5))
    }
}

fn address_line(r: &mut Draw) -> String {
    let locality = r.pick(names::LOCALITIES, "Jayanagar");
    if r.chance(0.25) {
        let flat = format!("{}{}", r.range(1, 20), r.pick(&['A', 'B', 'C', 'D'], 'A'));
        let building = r.pick(names::APARTMENTS, "Shanti");
        return format!("Flat {flat}, {building} Apartments, {locality}");
    }
    let number = r.range(1, 400);
    let street = r.pick_skewed(names::STREETS, "Main");
    let kind = r.pick(names::STREET_KINDS, "Road");
    format!("{number} {street} {kind}, {locality}")
}

fn phone_number(r: &mut Draw) -> String {
    format!("{}{}", r.range(6, 9), r.digits(9))
}

fn abha_number(r: &mut Draw) -> String {
    let d = r.digits(14);
    format!("{}-{}-{}-{}", &d[0..2], &d[2..6], &d[6..10], &d[10..14])
}

fn contact(r: &mut Draw, d: &mut Demographics) {
    d.postal_code = r.chance(0.95).then(|| postal_code(r));
    d.address_line = r.chance(0.85).then(|| address_line(r));
    d.phone = r.chance(0.88).then(|| phone_number(r));
}

fn identifiers(r: &mut Draw) -> Vec<Ident> {
    let mut ids = Vec::new();
    if r.chance(0.35) {
        ids.push(Ident::new(systems::ABHA, abha_number(r)));
    }
    if r.chance(0.04) {
        ids.push(Ident::new(REFERRAL_LAB, format!("LAB{}", r.digits(6))));
    }
    ids
}

fn new_person(r: &mut Draw, culture: Option<Culture>) -> (Demographics, Traits) {
    let culture = culture.unwrap_or_else(|| pick_culture(r));
    let sex = pick_sex(r);
    let age = pick_age(r);
    let mut given = vec![given_name(r, culture, sex)];
    given.extend(middle_name(r, culture, sex));
    let mut d = Demographics {
        family: family_name(r, culture, sex),
        given,
        birth_date: Some(birth_for_age(r, age, culture)),
        sex: Some(sex),
        identifiers: identifiers(r),
        ..Demographics::default()
    };
    contact(r, &mut d);
    (d, Traits { culture, age, sex })
}

/// A spouse, child, parent or sibling of `base`: same address, usually same surname, often
/// the same phone (families commonly register with one mobile number). Given names differ
/// within a household, except for the occasional English "Junior".
fn household_member(
    r: &mut Draw,
    base: &Demographics,
    bt: Traits,
    taken: &[String],
) -> (Demographics, Traits) {
    let (mut d, mut t) = new_person(r, Some(bt.culture));
    let x = r.unit();
    if x < 0.35 && bt.age >= 20 {
        t.sex = if bt.sex == Sex::Male {
            Sex::Female
        } else {
            Sex::Male
        };
        t.age = (bt.age + r.range(-6, 6)).max(18);
    } else if x < 0.6 && bt.age >= 38 {
        t.age = bt.age - r.range(20, 35);
    } else if x < 0.8 && bt.age <= 60 {
        t.age = bt.age + r.range(20, 35);
    } else {
        t.age = (bt.age + r.range(-10, 10)).max(0);
    }
    d.sex = Some(t.sex);
    let base_first = base.given.first().cloned().unwrap_or_default();
    let junior = bt.culture == Culture::English
        && bt.sex == Sex::Male
        && t.sex == Sex::Male
        && t.age + 18 < bt.age
        && r.chance(0.1);
    let mut first = given_name(r, t.culture, t.sex);
    if junior {
        first.clone_from(&base_first);
    } else {
        for _ in 0..20 {
            if !taken.contains(&first) {
                break;
            }
            first = given_name(r, t.culture, t.sex);
        }
    }
    d.given = vec![first];
    d.given.extend(middle_name(r, t.culture, t.sex));
    d.birth_date = Some(birth_for_age(r, t.age, t.culture));
    d.family = if bt.culture == Culture::Hispanic {
        let first = base.family.split(' ').next().unwrap_or("García").to_owned();
        format!(
            "{first} {}",
            family_name(r, Culture::Hispanic, t.sex)
                .split(' ')
                .next()
                .unwrap_or("")
        )
        .trim()
        .to_owned()
    } else {
        base.family.clone()
    };
    d.address_line.clone_from(&base.address_line);
    d.postal_code.clone_from(&base.postal_code);
    if r.chance(0.6) {
        d.phone.clone_from(&base.phone);
    }
    (d, t)
}

fn twin(r: &mut Draw, base: &Demographics, bt: Traits) -> (Demographics, Traits) {
    let mut d = base.clone();
    let mut t = bt;
    // Two thirds of twin pairs are the same sex.
    if !r.chance(0.67) {
        t.sex = if bt.sex == Sex::Male {
            Sex::Female
        } else {
            Sex::Male
        };
    }
    d.sex = Some(t.sex);
    let first = base.given.first().cloned().unwrap_or_default();
    let rhyme = names::TWIN_NAMES
        .iter()
        .find(|(a, b)| *a == first || *b == first)
        .map(|(a, b)| if *a == first { *b } else { *a });
    let mut name = match rhyme {
        Some(n) if r.chance(0.5) => n.to_owned(),
        _ => given_name(r, t.culture, t.sex),
    };
    let same = |a: &str, b: &str| crate::normalize::fold(a) == crate::normalize::fold(b);
    for _ in 0..20 {
        if !same(&name, &first) {
            break;
        }
        name = given_name(r, t.culture, t.sex);
    }
    d.given = vec![name];
    let base_middle = base.given.get(1).cloned().unwrap_or_default();
    d.given
        .extend(middle_name(r, t.culture, t.sex).filter(|m| !same(m, &base_middle)));
    d.identifiers = identifiers(r);
    if !r.chance(0.8) {
        d.phone = r.chance(0.8).then(|| phone_number(r));
    }
    (d, t)
}

fn namesake(r: &mut Draw, base: &Demographics, bt: Traits) -> (Demographics, Traits) {
    let (mut d, mut t) = new_person(r, Some(bt.culture));
    t.sex = bt.sex;
    d.sex = Some(bt.sex);
    d.family.clone_from(&base.family);
    d.given.clone_from(&base.given);
    if let Some(b) = base.birth_date
        && r.chance(0.3)
    {
        // Same birth year: the hardest namesakes.
        t.age = REFERENCE_YEAR - b.year;
        let month = r.range(1, 12) as u8;
        let day = r.range(1, i32::from(days_in_month(b.year, month))) as u8;
        d.birth_date = Some(BirthDate {
            year: b.year,
            month,
            day,
        });
    }
    (d, t)
}

/// The errors of a second registration. Weights are relative frequencies.
#[derive(Clone, Copy)]
enum Error {
    TypoFamily,
    TypoGiven,
    NicknameOrVariant,
    DayMonthSwap,
    DateDigit,
    DateTransposition,
    YearOffByOne,
    BirthMissing,
    BirthEstimated,
    SexMissing,
    SexMiscoded,
    AddressMissing,
    PostalMissing,
    PhoneMissing,
    Moved,
    PhoneChanged,
    MarriedName,
    NamesSwapped,
    MiddleName,
    GivenInitial,
    AbhaMissing,
    AbhaSecond,
    SecondSurnameDropped,
    BabyOf,
}

const ERRORS: &[(Error, u32)] = &[
    (Error::TypoFamily, 12),
    (Error::TypoGiven, 12),
    (Error::NicknameOrVariant, 10),
    (Error::DayMonthSwap, 6),
    (Error::DateDigit, 5),
    (Error::DateTransposition, 4),
    (Error::YearOffByOne, 3),
    (Error::BirthMissing, 5),
    (Error::BirthEstimated, 2),
    (Error::SexMissing, 3),
    (Error::SexMiscoded, 1),
    (Error::AddressMissing, 5),
    (Error::PostalMissing, 3),
    (Error::PhoneMissing, 6),
    (Error::Moved, 6),
    (Error::PhoneChanged, 5),
    (Error::MarriedName, 4),
    (Error::NamesSwapped, 3),
    (Error::MiddleName, 4),
    (Error::GivenInitial, 2),
    (Error::AbhaMissing, 6),
    (Error::AbhaSecond, 1),
    (Error::SecondSurnameDropped, 3),
    (Error::BabyOf, 1),
];

fn corrupt(r: &mut Draw, d: &mut Demographics, t: Traits) {
    let x = r.unit();
    let count = if x < 0.15 {
        0
    } else if x < 0.55 {
        1
    } else if x < 0.85 {
        2
    } else {
        3
    };
    let total: u32 = ERRORS.iter().map(|(_, w)| w).sum();
    for _ in 0..count {
        let mut pick = r.below(total as usize) as u32;
        let mut chosen = Error::TypoGiven;
        for (e, w) in ERRORS {
            if pick < *w {
                chosen = *e;
                break;
            }
            pick -= w;
        }
        apply(r, d, t, chosen);
    }
}

fn apply(r: &mut Draw, d: &mut Demographics, t: Traits, e: Error) {
    match e {
        Error::TypoFamily => d.family = typo(r, &d.family),
        Error::TypoGiven => {
            if let Some(g) = d.given.first_mut() {
                *g = typo(r, g);
            }
        }
        Error::NicknameOrVariant => {
            if !nickname_or_variant(r, d) {
                apply(r, d, t, Error::TypoGiven);
            }
        }
        Error::DayMonthSwap => match d.birth_date {
            Some(b) if b.day <= 12 && b.day != b.month => {
                d.birth_date = Some(BirthDate {
                    year: b.year,
                    month: b.day,
                    day: b.month,
                });
            }
            _ => apply(r, d, t, Error::DateDigit),
        },
        Error::DateDigit => d.birth_date = d.birth_date.map(|b| date_digit(r, b, false)),
        Error::DateTransposition => d.birth_date = d.birth_date.map(|b| date_digit(r, b, true)),
        Error::YearOffByOne => {
            if let Some(b) = &mut d.birth_date {
                let year = b.year + if r.chance(0.5) { 1 } else { -1 };
                if (BirthDate { year, ..*b }).is_valid() {
                    b.year = year;
                }
            }
        }
        Error::BirthMissing => d.birth_date = None,
        Error::BirthEstimated => {
            if let Some(b) = &mut d.birth_date {
                *b = BirthDate {
                    year: b.year + r.range(-1, 1),
                    month: 1,
                    day: 1,
                };
            }
        }
        Error::SexMissing => {
            d.sex = if r.chance(0.5) {
                None
            } else {
                Some(Sex::Unknown)
            }
        }
        Error::SexMiscoded => {
            d.sex = match d.sex {
                Some(Sex::Male) => Some(Sex::Female),
                Some(Sex::Female) => Some(Sex::Male),
                other => other,
            }
        }
        Error::AddressMissing => d.address_line = None,
        Error::PostalMissing => d.postal_code = None,
        Error::PhoneMissing => d.phone = None,
        Error::Moved => {
            d.address_line = Some(address_line(r));
            d.postal_code = Some(postal_code(r));
            if r.chance(0.3) {
                d.phone = Some(phone_number(r));
            }
        }
        Error::PhoneChanged => d.phone = Some(phone_number(r)),
        Error::MarriedName => {
            if t.sex == Sex::Female && t.age >= 20 && t.culture != Culture::Hispanic {
                d.family = family_name(r, t.culture, Sex::Male);
            } else {
                apply(r, d, t, Error::TypoFamily);
            }
        }
        Error::NamesSwapped => {
            if let Some(g) = d.given.first_mut()
                && !d.family.contains(' ')
            {
                std::mem::swap(g, &mut d.family);
            }
        }
        Error::MiddleName => {
            if d.given.len() > 1 {
                d.given.truncate(1);
            } else if let Some(m) = middle_name(r, t.culture, t.sex).or_else(|| {
                (t.culture == Culture::Indian && t.sex == Sex::Male).then(|| "Kumar".to_owned())
            }) {
                d.given.push(m);
            }
        }
        Error::GivenInitial => {
            if let Some(g) = d.given.first_mut()
                && let Some(c) = g.chars().next()
            {
                *g = format!("{c}.");
            }
        }
        Error::AbhaMissing => d.identifiers.retain(|i| i.system != systems::ABHA),
        Error::AbhaSecond => {
            // Some people hold two ABHA numbers; the second registration used the other.
            for i in &mut d.identifiers {
                if i.system == systems::ABHA {
                    i.value = abha_number(r);
                }
            }
        }
        Error::SecondSurnameDropped => {
            if let Some((first, _)) = d.family.split_once(' ') {
                d.family = first.to_owned();
            } else {
                apply(r, d, t, Error::TypoFamily);
            }
        }
        Error::BabyOf => {
            if t.age <= 1 {
                let mother = given_name(r, t.culture, Sex::Female);
                d.given = vec![format!("B/O {mother}")];
            } else {
                apply(r, d, t, Error::PhoneMissing);
            }
        }
    }
}

fn nickname_or_variant(r: &mut Draw, d: &mut Demographics) -> bool {
    if let Some(g) = d.given.first_mut() {
        let options: Vec<&str> = names::NICKNAMES
            .iter()
            .chain(names::VARIANTS)
            .filter_map(|(a, b)| {
                if a == g {
                    Some(*b)
                } else if b == g {
                    Some(*a)
                } else {
                    None
                }
            })
            .collect();
        if !options.is_empty() {
            *g = r.pick(&options, "").to_owned();
            return true;
        }
    }
    let family_options: Vec<&str> = names::VARIANTS
        .iter()
        .filter_map(|(a, b)| {
            if *a == d.family {
                Some(*b)
            } else if *b == d.family {
                Some(*a)
            } else {
                None
            }
        })
        .collect();
    if family_options.is_empty() {
        return false;
    }
    d.family = r.pick(&family_options, "").to_owned();
    true
}

const KEYBOARD_ROWS: [&str; 3] = ["qwertyuiop", "asdfghjkl", "zxcvbnm"];

fn neighbour(r: &mut Draw, c: char) -> char {
    let lower = c.to_ascii_lowercase();
    for row in KEYBOARD_ROWS {
        if let Some(pos) = row.find(lower) {
            let bytes = row.as_bytes();
            let n = if pos == 0 || (pos + 1 < bytes.len() && r.chance(0.5)) {
                bytes[pos + 1]
            } else {
                bytes[pos - 1]
            };
            let n = char::from(n);
            return if c.is_uppercase() {
                n.to_ascii_uppercase()
            } else {
                n
            };
        }
    }
    'a'
}

/// One typing error: insertion, deletion, substitution (a neighbouring key or a vowel
/// confusion) or transposition, rarely in the first letter.
fn typo(r: &mut Draw, s: &str) -> String {
    let mut c: Vec<char> = s.chars().collect();
    if c.len() < 3 {
        return s.to_owned();
    }
    let pos = if r.chance(0.1) {
        0
    } else {
        1 + r.below(c.len() - 1)
    };
    match r.below(4) {
        0 => {
            let ch = if r.chance(0.5) {
                c[pos]
            } else {
                neighbour(r, c[pos])
            };
            c.insert(pos, ch.to_ascii_lowercase());
        }
        1 if c.len() > 3 => {
            c.remove(pos);
        }
        2 if pos + 1 < c.len() => c.swap(pos, pos + 1),
        _ => {
            let orig = c[pos];
            let vowels = ['a', 'e', 'i', 'o', 'u'];
            let sub = if vowels.contains(&orig.to_ascii_lowercase()) && r.chance(0.5) {
                r.pick(&vowels, 'a')
            } else {
                neighbour(r, orig)
            };
            c[pos] = if orig.is_uppercase() {
                sub.to_ascii_uppercase()
            } else {
                sub
            };
        }
    }
    c.into_iter().collect()
}

/// One digit of the date mistyped, or two adjacent digits exchanged, keeping a valid date.
fn date_digit(r: &mut Draw, b: BirthDate, transpose: bool) -> BirthDate {
    let text = format!("{:04}{:02}{:02}", b.year, b.month, b.day);
    for _ in 0..20 {
        let mut digits: Vec<u8> = text.bytes().collect();
        // Day digits slip most, then the year's last two, then the month.
        let pos: usize = r.pick(&[7, 7, 6, 6, 3, 3, 2, 5, 4], 7);
        if transpose {
            let other = if pos.is_multiple_of(2) {
                pos + 1
            } else {
                pos - 1
            };
            if digits[pos] == digits[other] {
                continue;
            }
            digits.swap(pos, other);
        } else {
            let new = b'0' + r.below(10) as u8;
            if new == digits[pos] {
                continue;
            }
            digits[pos] = new;
        }
        let s = String::from_utf8_lossy(&digits).into_owned();
        let (Ok(year), Ok(month), Ok(day)) = (s[0..4].parse(), s[4..6].parse(), s[6..8].parse())
        else {
            continue;
        };
        let candidate = BirthDate { year, month, day };
        if candidate.is_valid() && candidate.year <= REFERENCE_YEAR {
            return candidate;
        }
    }
    b
}

/// Formatting a clerk may vary without changing the data: case, honorifics, diacritics,
/// punctuation, phone and address styles.
fn format_noise(r: &mut Draw, d: &mut Demographics, t: Traits) {
    if r.chance(0.3) {
        d.family = d.family.to_uppercase();
        for g in &mut d.given {
            *g = g.to_uppercase();
        }
    } else if r.chance(0.1) {
        d.family = d.family.to_lowercase();
    }
    if r.chance(0.25)
        && let Some(g) = d.given.first_mut()
    {
        let title = match t.sex {
            Sex::Female => r.pick(names::HONORIFICS_FEMALE, "Ms."),
            _ => r.pick(names::HONORIFICS_MALE, "Mr."),
        };
        *g = format!("{title} {g}");
    }
    if r.chance(0.5) {
        d.family = strip_marks(&d.family);
        for g in &mut d.given {
            *g = strip_marks(g);
        }
    }
    if r.chance(0.3) {
        d.family = d.family.replace('\'', "").replace('-', " ");
    }
    if let Some(p) = &mut d.phone {
        let digits: String = p.chars().filter(char::is_ascii_digit).collect();
        let tail = &digits[digits.len().saturating_sub(10)..];
        *p = match r.below(4) {
            0 => format!(
                "+91 {} {}",
                &tail[..5.min(tail.len())],
                &tail[5.min(tail.len())..]
            ),
            1 => format!("0{tail}"),
            2 => format!(
                "{}-{}",
                &tail[..5.min(tail.len())],
                &tail[5.min(tail.len())..]
            ),
            _ => tail.to_owned(),
        };
    }
    if let Some(a) = &mut d.address_line
        && r.chance(0.4)
    {
        *a = a
            .replace("Road", "Rd")
            .replace("Street", "St.")
            .replace("Flat ", "No. ");
    }
    if let Some(p) = &mut d.postal_code
        && r.chance(0.2)
        && p.len() == 6
    {
        *p = format!("{} {}", &p[..3], &p[3..]);
    }
}

fn strip_marks(s: &str) -> String {
    crate::normalize::fold(s)
        .split(' ')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_uppercase().chain(c).collect::<String>(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}
