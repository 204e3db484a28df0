//! Pairwise comparison: Fellegi–Sunter agreement weights, a probability, a band, and the
//! evidence behind them.
//!
//! Each field is compared at several agreement levels. A level carries an m-probability (how
//! often a true duplicate shows it) and a u-probability (how often two different people show
//! it by chance); its weight is `log2(m / u)` bits. Weights of independent fields add up; the
//! sum, shifted by prior odds, becomes a probability through the logistic function.
//!
//! Two places where independence plainly fails get explicit rules rather than more weights:
//! contact details (phone, postal code, address) are shared by a whole household, so their
//! positive weights are capped together; and twins agree on everything but the given name,
//! so that pattern caps the band. A conflicting national identifier caps the band too.

use crate::Demographics;
use crate::demographics::{BirthDate, Sex};
use crate::nicknames;
use crate::prepared::{IdStrength, NameKey, Prepared, prepare};
use crate::similarity::{jaro_winkler, osa_distance};

/// How strongly a pair looks like one person. Ordered: `Unlikely < Possible < Probable <
/// Certain`, so `band >= MatchBand::Possible` reads as "Possible or better".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MatchBand {
    /// Not worth showing.
    Unlikely,
    /// Worth a look: show as a warning at registration.
    Possible,
    /// Very likely the same person; ask the user to confirm before creating a new record.
    Probable,
    /// Same person beyond reasonable doubt: names, birth date (or a national id) agree.
    Certain,
}

/// The result of comparing two records.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// Probability (0..=1) that both records describe one person, under this crate's model
    /// and prior; calibrated on the synthetic evaluation set, not on real data.
    pub score: f64,
    /// The band after the rules on twins and conflicting identifiers.
    pub band: MatchBand,
    /// What agreed and what did not, most decisive first, for a UI to explain the band.
    pub evidence: Vec<Evidence>,
    /// Sum of agreement weights in bits (log2 likelihood ratio), before the prior.
    pub weight: f64,
}

/// One observation about a field pair. Fields missing on either side produce no evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Evidence {
    Identifier(IdentifierAgreement),
    Family(NameAgreement),
    Given(NameAgreement),
    /// Family and given names appear exchanged between the records.
    NamesSwapped,
    BirthDate(BirthDateAgreement),
    Sex(FieldAgreement),
    Phone(FieldAgreement),
    PostalCode(FieldAgreement),
    Address(FieldAgreement),
    /// Same family name and birth date, different first given name: the pattern of twins.
    /// The band is capped at `Unlikely`, or at `Possible` when a middle name agrees; a UI
    /// may still mention it.
    PossibleTwin,
}

impl Evidence {
    /// `Some(true)` if this observation speaks for a match, `Some(false)` against, `None`
    /// when it is a flag rather than a field agreement.
    pub fn supports_match(&self) -> Option<bool> {
        match self {
            Evidence::Identifier(i) => Some(matches!(
                i,
                IdentifierAgreement::SameNationalId | IdentifierAgreement::SameMrn
            )),
            Evidence::Family(n) | Evidence::Given(n) => Some(*n != NameAgreement::Disagree),
            Evidence::BirthDate(b) => Some(*b != BirthDateAgreement::Disagree),
            Evidence::Sex(f)
            | Evidence::Phone(f)
            | Evidence::PostalCode(f)
            | Evidence::Address(f) => Some(*f != FieldAgreement::Disagree),
            Evidence::NamesSwapped => Some(true),
            Evidence::PossibleTwin => None,
        }
    }
}

/// How two identifiers of the same system relate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IdentifierAgreement {
    /// Same national number (ABHA, NHS number, ...).
    SameNationalId,
    /// Same record number of some facility.
    SameMrn,
    /// Different national numbers in the same system: strong evidence of two people.
    Conflicting,
    /// Different record numbers of one facility: weak evidence, as duplicates arise exactly
    /// when a patient is registered twice.
    ConflictingMrn,
}

/// How two names relate, best level found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum NameAgreement {
    Disagree,
    /// One side is an initial that matches the other's first letter.
    Initial,
    /// A name other than the first agrees (middle name, second surname).
    Partial,
    /// Within a typing error (Jaro-Winkler or one edit).
    Typo,
    /// Same sound or romanisation (`Geetha`/`Gita`, `Rameshbhai`/`Ramesh`).
    Variant,
    /// Nickname of the other (`Bill`/`William`).
    Nickname,
    Exact,
}

/// How two birth dates relate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BirthDateAgreement {
    Exact,
    /// Day and month exchanged (03/07 vs 07/03).
    DayMonthSwapped,
    /// Two adjacent digits exchanged (1985 vs 1958, 12 vs 21).
    TransposedDigits,
    /// One digit differs.
    OneDigitTypo,
    /// Same day and month, year one apart.
    YearOffByOne,
    /// Same day and month, decade digit differs.
    YearOffByTen,
    /// One date is 1 January (an age-derived estimate) and the years are within one.
    EstimatedYear,
    Disagree,
}

/// Agreement of a field without finer levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldAgreement {
    Agree,
    /// Close but not equal: one digit of a phone, most of an address.
    Partial,
    Disagree,
}

/// An agreement level's m- and u-probabilities.
#[derive(Clone, Copy)]
struct Level {
    m: f64,
    u: f64,
}

impl Level {
    const fn new(m: f64, u: f64) -> Level {
        Level { m, u }
    }

    fn bits(self) -> f64 {
        (self.m / self.u).log2()
    }
}

/// Prior log2 odds that a candidate pair from blocking is a true pair. With 5,000 people and
/// 10% duplicates, about one candidate pair in a few hundred is true; the figure is rounded
/// and checked against the synthetic set (see `eval`).
const PRIOR_BITS: f64 = -14.0;
/// Household members share contact details, so together they may add at most this much.
const CONTACT_CAP_BITS: f64 = 12.0;
/// When the family names agree, agreeing contact details mostly say "same household": the
/// u-probabilities of the contact levels are far higher among people sharing a surname, so
/// the contact fields may add only this much.
const CONTACT_CAP_SAME_FAMILY_BITS: f64 = 6.0;
/// Score thresholds for the bands.
const CERTAIN_SCORE: f64 = 0.9999;
const PROBABLE_SCORE: f64 = 0.95;
const POSSIBLE_SCORE: f64 = 0.5;

/// Family names common enough that agreeing on them says less (u is higher).
const COMMON_FAMILY: &[&str] = &[
    "kumar",
    "singh",
    "sharma",
    "patel",
    "devi",
    "khan",
    "yadav",
    "das",
    "shah",
    "reddy",
    "rao",
    "gupta",
    "ali",
    "ahmed",
    "mohammed",
    "begum",
    "shaikh",
    "nair",
    "smith",
    "jones",
    "williams",
    "brown",
    "taylor",
    "garcia",
    "rodriguez",
    "martinez",
    "hernandez",
    "lopez",
    "gonzalez",
];

/// Given names common enough that agreeing on them says less. A register-wide frequency
/// table would be better; the store may add one later.
const COMMON_GIVEN: &[&str] = &[
    "mohammed",
    "rajesh",
    "ramesh",
    "suresh",
    "anil",
    "sunil",
    "vijay",
    "sanjay",
    "amit",
    "rahul",
    "lakshmi",
    "priya",
    "sunita",
    "anita",
    "kavita",
    "pooja",
    "neha",
    "fatima",
    "james",
    "john",
    "robert",
    "michael",
    "william",
    "david",
    "mary",
    "elizabeth",
    "sarah",
    "jennifer",
    "jose",
    "juan",
    "carlos",
    "luis",
    "maria",
    "ana",
];

/// Given-name fragments used so widely as middle names that they say little on their own.
const WEAK_GIVEN: &[&str] = &[
    "kumar", "kumari", "devi", "bai", "ben", "bhai", "ji", "lal", "mohammed",
];

/// Suffixes that turn a name into a respectful or familiar form of itself (Gujarati `bhai`,
/// `ben`, Marathi `rao`, Hindi `ji`).
const RESPECT_SUFFIXES: &[&str] = &["bhai", "ben", "bai", "ji", "rao", "bhau"];

fn family_level(a: NameAgreement, common: bool, female: bool) -> Level {
    match a {
        NameAgreement::Exact if common => Level::new(0.86, 0.04),
        NameAgreement::Exact => Level::new(0.86, 0.01),
        NameAgreement::Nickname | NameAgreement::Variant => Level::new(0.04, 0.004),
        NameAgreement::Typo => Level::new(0.04, 0.006),
        NameAgreement::Partial => Level::new(0.02, 0.004),
        // Conditional on one side being a bare initial.
        NameAgreement::Initial => Level::new(0.9, 0.07),
        // Women change surname on marriage, so disagreement is less telling for them.
        NameAgreement::Disagree if female => Level::new(0.10, 0.98),
        NameAgreement::Disagree => Level::new(0.04, 0.98),
    }
}

fn given_level(a: NameAgreement, common: bool) -> Level {
    match a {
        NameAgreement::Exact if common => Level::new(0.85, 0.04),
        NameAgreement::Exact => Level::new(0.85, 0.015),
        NameAgreement::Nickname => Level::new(0.03, 0.001),
        NameAgreement::Variant => Level::new(0.04, 0.004),
        NameAgreement::Typo => Level::new(0.04, 0.008),
        NameAgreement::Partial => Level::new(0.02, 0.005),
        NameAgreement::Initial => Level::new(0.9, 0.07),
        NameAgreement::Disagree => Level::new(0.02, 0.97),
    }
}

fn birth_level(a: BirthDateAgreement, both_placeholders: bool) -> Level {
    match a {
        // When both dates are 1 January (age-derived), only the year carries information.
        BirthDateAgreement::Exact if both_placeholders => Level::new(0.88, 0.01),
        BirthDateAgreement::Exact => Level::new(0.88, 4e-5),
        BirthDateAgreement::DayMonthSwapped => Level::new(0.015, 4e-5),
        BirthDateAgreement::TransposedDigits => Level::new(0.01, 2e-4),
        BirthDateAgreement::OneDigitTypo => Level::new(0.02, 1e-3),
        BirthDateAgreement::YearOffByOne => Level::new(0.015, 8e-5),
        BirthDateAgreement::YearOffByTen => Level::new(0.005, 4e-5),
        BirthDateAgreement::EstimatedYear => Level::new(0.03, 0.04),
        BirthDateAgreement::Disagree => Level::new(0.03, 0.998),
    }
}

fn identifier_level(a: IdentifierAgreement) -> Level {
    match a {
        IdentifierAgreement::SameNationalId => Level::new(0.97, 1e-6),
        IdentifierAgreement::SameMrn => Level::new(0.9, 1e-4),
        IdentifierAgreement::Conflicting => Level::new(0.003, 0.999_999),
        IdentifierAgreement::ConflictingMrn => Level::new(0.2, 0.999),
    }
}

const SEX_AGREE: Level = Level::new(0.98, 0.5);
const SEX_DISAGREE: Level = Level::new(0.02, 0.5);

fn phone_level(a: FieldAgreement) -> Level {
    match a {
        FieldAgreement::Agree => Level::new(0.65, 5e-4),
        FieldAgreement::Partial => Level::new(0.03, 2e-3),
        FieldAgreement::Disagree => Level::new(0.32, 0.9975),
    }
}

fn postal_level(a: FieldAgreement) -> Level {
    match a {
        FieldAgreement::Agree => Level::new(0.8, 0.03),
        FieldAgreement::Partial => Level::new(0.05, 0.05),
        FieldAgreement::Disagree => Level::new(0.15, 0.92),
    }
}

fn address_level(a: FieldAgreement) -> Level {
    match a {
        FieldAgreement::Agree => Level::new(0.65, 0.002),
        FieldAgreement::Partial => Level::new(0.1, 0.02),
        FieldAgreement::Disagree => Level::new(0.25, 0.978),
    }
}

/// Compares two records. Pass identifiers other than this site's own MRN: every
/// registration gets a fresh MRN, so two records of one patient always differ there.
///
/// ```
/// use meridian_mpi::{compare, BirthDate, Demographics, Evidence, MatchBand, NameAgreement, Sex};
/// let a = Demographics {
///     family: "Sharma".into(),
///     given: vec!["William".into()],
///     birth_date: Some(BirthDate { year: 1980, month: 3, day: 7 }),
///     sex: Some(Sex::Male),
///     ..Demographics::default()
/// };
/// let b = Demographics { given: vec!["Bill".into()], ..a.clone() };
/// let c = compare(&a, &b);
/// assert!(c.band >= MatchBand::Probable);
/// assert!(c.evidence.contains(&Evidence::Given(NameAgreement::Nickname)));
/// ```
pub fn compare(a: &Demographics, b: &Demographics) -> Comparison {
    compare_prepared(&prepare(a), &prepare(b))
}

/// [`compare`] on records normalised beforehand with [`prepare`].
pub fn compare_prepared(a: &Prepared, b: &Prepared) -> Comparison {
    let mut evidence = Vec::new();
    let mut weight = 0.0;

    let ids = compare_identifiers(a, b);
    for i in &ids {
        weight += identifier_level(*i).bits();
        evidence.push(Evidence::Identifier(*i));
    }
    let national_conflict = ids.contains(&IdentifierAgreement::Conflicting);
    let national_same = ids.contains(&IdentifierAgreement::SameNationalId);

    let female = a.sex == Some(Sex::Female) || b.sex == Some(Sex::Female);
    let names = compare_names(a, b, female);
    weight += names.weight;
    if names.swapped {
        evidence.push(Evidence::NamesSwapped);
    }
    if let Some(f) = names.family {
        evidence.push(Evidence::Family(f));
    }
    if let Some(g) = names.given {
        evidence.push(Evidence::Given(g));
    }

    let birth = match (a.birth, b.birth) {
        (Some(x), Some(y)) => {
            let level = compare_birth(x, y);
            let both = x.is_likely_placeholder() && y.is_likely_placeholder();
            weight += birth_level(level, both).bits();
            evidence.push(Evidence::BirthDate(level));
            Some(level)
        }
        _ => None,
    };

    if let (Some(x), Some(y)) = (a.sex, b.sex) {
        if x == y {
            weight += SEX_AGREE.bits();
            evidence.push(Evidence::Sex(FieldAgreement::Agree));
        } else {
            weight += SEX_DISAGREE.bits();
            evidence.push(Evidence::Sex(FieldAgreement::Disagree));
        }
    }

    let same_family = matches!(
        names.family,
        Some(NameAgreement::Exact | NameAgreement::Variant | NameAgreement::Typo)
    );
    weight += compare_contact(a, b, same_family, &mut evidence);

    let score = 1.0 / (1.0 + (-(weight + PRIOR_BITS)).exp2());
    let mut band = if score >= CERTAIN_SCORE {
        MatchBand::Certain
    } else if score >= PROBABLE_SCORE {
        MatchBand::Probable
    } else if score >= POSSIBLE_SCORE {
        MatchBand::Possible
    } else {
        MatchBand::Unlikely
    };

    // Certain needs the core of identity to agree, not just a high sum.
    let given_strong = matches!(
        names.given,
        Some(NameAgreement::Exact | NameAgreement::Nickname | NameAgreement::Variant)
    );
    let family_strong = matches!(
        names.family,
        Some(NameAgreement::Exact | NameAgreement::Variant)
    );
    let birth_exact = birth == Some(BirthDateAgreement::Exact);
    let core = given_strong
        && (family_strong && birth_exact || national_same && (family_strong || birth_exact));
    if band == MatchBand::Certain && !core {
        band = MatchBand::Probable;
    }
    if national_conflict {
        band = band.min(MatchBand::Possible);
    }
    let twin = names.given == Some(NameAgreement::Disagree)
        && !names.swapped
        && same_family
        && matches!(
            birth,
            Some(BirthDateAgreement::Exact | BirthDateAgreement::DayMonthSwapped)
        )
        && !national_same;
    if twin {
        band = MatchBand::Unlikely;
        evidence.push(Evidence::PossibleTwin);
    }
    // First names differ but a middle name agrees: twins often share one, so the pair may
    // be shown but not asserted.
    let twin_like = names.given == Some(NameAgreement::Partial)
        && same_family
        && birth == Some(BirthDateAgreement::Exact)
        && !national_same;
    if twin_like {
        band = band.min(MatchBand::Possible);
        evidence.push(Evidence::PossibleTwin);
    }
    // Keep score and band telling the same story when a rule lowered the band, so that a
    // list sorted by score does not put a capped pair above an uncapped one of its band.
    let ceiling = match band {
        MatchBand::Unlikely => POSSIBLE_SCORE - 0.001,
        MatchBand::Possible => PROBABLE_SCORE - 0.001,
        MatchBand::Probable => CERTAIN_SCORE - 0.000_1,
        MatchBand::Certain => 1.0,
    };
    let score = score.min(ceiling);

    Comparison {
        score,
        band,
        evidence,
        weight,
    }
}

/// Phone, postal code and address. Their positive weights are capped together (household
/// members share all three); negative weights count in full.
fn compare_contact(
    a: &Prepared,
    b: &Prepared,
    same_family: bool,
    evidence: &mut Vec<Evidence>,
) -> f64 {
    let near = |x: &str, y: &str| {
        if x == y {
            FieldAgreement::Agree
        } else if x.len() == y.len() && osa_distance(x, y) == 1 {
            FieldAgreement::Partial
        } else {
            FieldAgreement::Disagree
        }
    };
    let mut bits = Vec::with_capacity(3);
    if let (Some(x), Some(y)) = (&a.phone, &b.phone) {
        let level = near(x, y);
        bits.push(phone_level(level).bits());
        evidence.push(Evidence::Phone(level));
    }
    if let (Some(x), Some(y)) = (&a.postal, &b.postal) {
        let level = near(x, y);
        bits.push(postal_level(level).bits());
        evidence.push(Evidence::PostalCode(level));
    }
    if !a.address.is_empty() && !b.address.is_empty() {
        let level = compare_address(&a.address, &b.address);
        bits.push(address_level(level).bits());
        evidence.push(Evidence::Address(level));
    }
    let positive: f64 = bits.iter().filter(|b| **b > 0.0).sum();
    let negative: f64 = bits.iter().filter(|b| **b < 0.0).sum();
    let cap = if same_family {
        CONTACT_CAP_SAME_FAMILY_BITS
    } else {
        CONTACT_CAP_BITS
    };
    positive.min(cap) + negative
}

fn compare_identifiers(a: &Prepared, b: &Prepared) -> Vec<IdentifierAgreement> {
    let mut out = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for ia in &a.ids {
        if seen.contains(&ia.system.as_str()) {
            continue;
        }
        seen.push(&ia.system);
        let a_values: Vec<&str> = a
            .ids
            .iter()
            .filter(|x| x.system == ia.system)
            .map(|x| x.value.as_str())
            .collect();
        let b_values: Vec<&str> = b
            .ids
            .iter()
            .filter(|x| x.system == ia.system)
            .map(|x| x.value.as_str())
            .collect();
        if b_values.is_empty() {
            continue;
        }
        let same = a_values.iter().any(|v| b_values.contains(v));
        out.push(match (ia.strength, same) {
            (IdStrength::National, true) => IdentifierAgreement::SameNationalId,
            (IdStrength::National, false) => IdentifierAgreement::Conflicting,
            (IdStrength::Local, true) => IdentifierAgreement::SameMrn,
            (IdStrength::Local, false) => IdentifierAgreement::ConflictingMrn,
        });
    }
    out
}

struct NamesOutcome {
    family: Option<NameAgreement>,
    given: Option<NameAgreement>,
    swapped: bool,
    weight: f64,
}

fn compare_names(a: &Prepared, b: &Prepared, female: bool) -> NamesOutcome {
    let family = compare_family(a, b);
    let given = compare_given(&a.given, &a.given_keys, &b.given, &b.given_keys);
    let common = COMMON_FAMILY.contains(&a.family_joined.as_str());
    let family_bits = family.map_or(0.0, |f| family_level(f, common, female).bits());
    let common_given = a
        .given
        .first()
        .is_some_and(|g| COMMON_GIVEN.contains(&g.as_str()));
    let given_bits = given.map_or(0.0, |g| given_level(g, common_given).bits());
    let straight = NamesOutcome {
        family,
        given,
        swapped: false,
        weight: family_bits + given_bits,
    };

    // Registration clerks exchange family and given names often, especially for names
    // without a clear surname; try the crossed comparison.
    let (Some(ga), Some(gb)) = (a.given.first(), b.given.first()) else {
        return straight;
    };
    if a.family_joined.is_empty() || b.family_joined.is_empty() {
        return straight;
    }
    let (Some(gca), Some(gcb)) = (a.given_keys.first(), b.given_keys.first()) else {
        return straight;
    };
    let f_cross = token_level(&a.family_joined, gb, &a.family_key, gcb, false);
    let g_cross = token_level(ga, &b.family_joined, gca, &b.family_key, false);
    if f_cross < NameAgreement::Typo || g_cross < NameAgreement::Typo {
        return straight;
    }
    // Which crossed pair plays "family" depends on the argument order; score both ways and
    // report the weaker level for both, so that compare(a, b) equals compare(b, a). A small
    // penalty remains: an exchange is itself an error that true pairs make only sometimes.
    let crossed = (family_level(f_cross, false, female).bits()
        + given_level(g_cross, false).bits()
        + family_level(g_cross, false, female).bits()
        + given_level(f_cross, false).bits())
        / 2.0
        - 1.0;
    let weaker = f_cross.min(g_cross);
    if crossed > straight.weight {
        NamesOutcome {
            family: Some(weaker),
            given: Some(weaker),
            swapped: true,
            weight: crossed,
        }
    } else {
        straight
    }
}

fn compare_family(a: &Prepared, b: &Prepared) -> Option<NameAgreement> {
    if a.family.is_empty() || b.family.is_empty() {
        return None;
    }
    if a.family_joined == b.family_joined {
        return Some(NameAgreement::Exact);
    }
    let mut sa = a.family.clone();
    let mut sb = b.family.clone();
    sa.sort();
    sb.sort();
    if sa == sb {
        return Some(NameAgreement::Exact);
    }
    let level = token_level(
        &a.family_joined,
        &b.family_joined,
        &a.family_key,
        &b.family_key,
        false,
    );
    if level != NameAgreement::Disagree {
        return Some(level);
    }
    // Compound surnames (Garcia Lopez / Garcia) and surnames written with a caste or
    // community name added.
    let shared = a.family.iter().any(|x| {
        x.len() >= 3
            && b.family
                .iter()
                .any(|y| x == y || (x.len() >= 5 && y.len() >= 5 && osa_distance(x, y) == 1))
    });
    Some(if shared && (a.family.len() > 1 || b.family.len() > 1) {
        NameAgreement::Partial
    } else {
        NameAgreement::Disagree
    })
}

fn compare_given(
    a: &[String],
    ak: &[NameKey],
    b: &[String],
    bk: &[NameKey],
) -> Option<NameAgreement> {
    let (fa, fb) = (a.first()?, b.first()?);
    let (ka, kb) = (ak.first()?, bk.first()?);
    let mut best = token_level(fa, fb, ka, kb, true);
    if best == NameAgreement::Exact {
        return Some(best);
    }
    // "Mary Ann" and "Maryann".
    if a.len() + b.len() > 2 && a.concat() == b.concat() {
        return Some(NameAgreement::Exact);
    }
    if best < NameAgreement::Partial {
        // A middle name may have become the first, or the first been dropped.
        'outer: for (i, x) in a.iter().enumerate() {
            for (j, y) in b.iter().enumerate() {
                if i == 0 && j == 0 || x.len() < 3 || WEAK_GIVEN.contains(&x.as_str()) {
                    continue;
                }
                if x == y || nicknames::are_nicknames(x, y) {
                    best = NameAgreement::Partial;
                    break 'outer;
                }
            }
        }
    }
    Some(best)
}

/// Agreement of two single name tokens (or joined family names).
fn token_level(
    a: &str,
    b: &str,
    ka: &NameKey,
    kb: &NameKey,
    nicknames_apply: bool,
) -> NameAgreement {
    if a == b {
        return NameAgreement::Exact;
    }
    if a.len() == 1 || b.len() == 1 {
        return if a.chars().next() == b.chars().next() {
            NameAgreement::Initial
        } else {
            NameAgreement::Disagree
        };
    }
    if nicknames_apply && nicknames::are_nicknames(a, b) {
        return NameAgreement::Nickname;
    }
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if short.len() >= 3
        && long
            .strip_prefix(short)
            .is_some_and(|rest| RESPECT_SUFFIXES.contains(&rest))
    {
        return NameAgreement::Variant;
    }
    // Same skeleton: a romanisation variant. Same NYSIIS code alone is too lossy for short
    // names (James and John share one), so the skeletons must also be close.
    if !ka.skeleton.is_empty()
        && (ka.skeleton == kb.skeleton
            || (ka.code == kb.code && jaro_winkler(&ka.skeleton, &kb.skeleton) >= 0.85))
    {
        return NameAgreement::Variant;
    }
    let jw = jaro_winkler(a, b);
    let min_len = short.chars().count();
    let d = osa_distance(a, b);
    // Short names one edit apart are often different names (Ramesh/Rajesh, Sita/Gita), so
    // below seven letters a single edit counts only when it looks like a slip of the hand.
    if jw >= 0.94
        || (d == 1 && (min_len >= 7 || (min_len >= 3 && is_typing_slip(a, b))))
        || (d == 2 && min_len >= 8 && jw >= 0.88)
    {
        return NameAgreement::Typo;
    }
    NameAgreement::Disagree
}

/// Whether two strings one edit apart differ by a typical typing slip: adjacent letters
/// exchanged, a neighbouring key or another vowel struck, a letter doubled or dropped.
/// Edits to the first letter do not count: people rarely mistype it, and it is where
/// different names most often differ (Sita/Gita, Priya/Riya).
fn is_typing_slip(a: &str, b: &str) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let vowel = |c: char| matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y');
    match a.len().cmp(&b.len()) {
        std::cmp::Ordering::Equal => {
            let (x, y) = (a[prefix], b[prefix]);
            let transposed = prefix + 1 < a.len()
                && a[prefix] == b[prefix + 1]
                && a[prefix + 1] == b[prefix]
                && a[prefix + 2..] == b[prefix + 2..];
            // Exchanging the first two letters is a slip too ("uJan"); changing the first
            // letter is not.
            transposed
                || (prefix > 0
                    && a[prefix + 1..] == b[prefix + 1..]
                    && (keyboard_neighbours(x, y) || (vowel(x) && vowel(y))))
        }
        // A dropped or an extra letter, anywhere but first.
        _ => prefix > 0,
    }
}

/// Whether two letters are adjacent keys on a QWERTY keyboard, along a row or diagonally
/// between rows (`a` touches `q`, `w`, `s`, `z`).
fn keyboard_neighbours(x: char, y: char) -> bool {
    // Rows and their horizontal offsets in key widths.
    const ROWS: [(&str, f64); 3] = [("qwertyuiop", 0.0), ("asdfghjkl", 0.25), ("zxcvbnm", 0.75)];
    let place = |c: char| {
        ROWS.iter()
            .enumerate()
            .find_map(|(r, (keys, offset))| keys.find(c).map(|i| (r, i as f64 + offset)))
    };
    match (place(x), place(y)) {
        (Some((ra, xa)), Some((rb, xb))) => {
            let dx = (xa - xb).abs();
            (ra == rb && (dx - 1.0).abs() < 1e-9) || (ra.abs_diff(rb) == 1 && dx < 1.0)
        }
        _ => false,
    }
}

fn compare_birth(a: BirthDate, b: BirthDate) -> BirthDateAgreement {
    if a == b {
        return BirthDateAgreement::Exact;
    }
    let dy = (a.year - b.year).abs();
    // An age-derived date (1 January) agrees with anything in about the same year; a digit
    // slip against it would be a coincidence of the placeholder.
    if a.is_likely_placeholder() || b.is_likely_placeholder() {
        return if dy <= 1 {
            BirthDateAgreement::EstimatedYear
        } else {
            BirthDateAgreement::Disagree
        };
    }
    if a.year == b.year && a.month == b.day && a.day == b.month {
        return BirthDateAgreement::DayMonthSwapped;
    }
    if a.month == b.month && a.day == b.day {
        if dy == 1 {
            return BirthDateAgreement::YearOffByOne;
        }
        if dy == 10 {
            return BirthDateAgreement::YearOffByTen;
        }
    }
    let sa = format!("{:04}{:02}{:02}", a.year, a.month, a.day);
    let sb = format!("{:04}{:02}{:02}", b.year, b.month, b.day);
    if sa.len() == sb.len() {
        let (x, y) = (sa.as_bytes(), sb.as_bytes());
        let diffs: Vec<usize> = (0..x.len()).filter(|&i| x[i] != y[i]).collect();
        match diffs.as_slice() {
            [_] => return BirthDateAgreement::OneDigitTypo,
            [i, j] if *j == i + 1 && x[*i] == y[*j] && x[*j] == y[*i] => {
                return BirthDateAgreement::TransposedDigits;
            }
            _ => {}
        }
    }
    BirthDateAgreement::Disagree
}

/// Address agreement from token overlap with fuzzy token matching, averaged over both
/// directions so that the result does not depend on argument order; house numbers must
/// agree for full agreement.
fn compare_address(a: &[String], b: &[String]) -> FieldAgreement {
    let sim = (coverage(a, b) + coverage(b, a)) / 2.0;
    let numbers = |v: &[String]| -> Vec<String> {
        let mut n: Vec<String> = v
            .iter()
            .filter(|t| t.bytes().any(|c| c.is_ascii_digit()))
            .cloned()
            .collect();
        n.sort();
        n
    };
    let same_numbers = numbers(a) == numbers(b);
    if sim >= 0.8 && same_numbers {
        FieldAgreement::Agree
    } else if sim >= 0.5 {
        FieldAgreement::Partial
    } else {
        FieldAgreement::Disagree
    }
}

/// How well the tokens of `x` are found in `y` (0..=1), relative to the longer of the two.
/// Tokens with digits must match exactly; words may differ by a typing error.
fn coverage(x: &[String], y: &[String]) -> f64 {
    let longer = x.len().max(y.len());
    if longer == 0 {
        return 0.0;
    }
    let matched: f64 = x
        .iter()
        .map(|t| {
            y.iter()
                .map(|u| {
                    if t == u {
                        1.0
                    } else if t.bytes().any(|c| c.is_ascii_digit())
                        || u.bytes().any(|c| c.is_ascii_digit())
                    {
                        0.0
                    } else {
                        let jw = jaro_winkler(t, u);
                        if jw >= 0.9 { jw } else { 0.0 }
                    }
                })
                .fold(0.0, f64::max)
        })
        .sum();
    matched / longer as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u8, day: u8) -> BirthDate {
        BirthDate {
            year: y,
            month: m,
            day,
        }
    }

    #[test]
    fn birth_date_levels() {
        assert_eq!(
            compare_birth(d(1985, 6, 12), d(1985, 6, 12)),
            BirthDateAgreement::Exact
        );
        assert_eq!(
            compare_birth(d(1985, 6, 12), d(1985, 12, 6)),
            BirthDateAgreement::DayMonthSwapped
        );
        assert_eq!(
            compare_birth(d(1985, 6, 12), d(1958, 6, 12)),
            BirthDateAgreement::TransposedDigits
        );
        assert_eq!(
            compare_birth(d(1985, 6, 12), d(1985, 6, 21)),
            BirthDateAgreement::TransposedDigits
        );
        assert_eq!(
            compare_birth(d(1985, 6, 12), d(1985, 6, 13)),
            BirthDateAgreement::OneDigitTypo
        );
        assert_eq!(
            compare_birth(d(1985, 6, 12), d(1986, 6, 12)),
            BirthDateAgreement::YearOffByOne
        );
        assert_eq!(
            compare_birth(d(1985, 6, 12), d(1975, 6, 12)),
            BirthDateAgreement::YearOffByTen
        );
        assert_eq!(
            compare_birth(d(1985, 1, 1), d(1984, 8, 20)),
            BirthDateAgreement::EstimatedYear
        );
        assert_eq!(
            compare_birth(d(1985, 1, 1), d(1986, 1, 1)),
            BirthDateAgreement::EstimatedYear
        );
        assert_eq!(
            compare_birth(d(1957, 1, 1), d(1937, 1, 1)),
            BirthDateAgreement::Disagree
        );
        assert_eq!(
            compare_birth(d(1957, 3, 1), d(1937, 3, 1)),
            BirthDateAgreement::OneDigitTypo
        );
        assert_eq!(
            compare_birth(d(1985, 6, 12), d(1990, 3, 4)),
            BirthDateAgreement::Disagree
        );
    }

    fn lvl(a: &str, b: &str) -> NameAgreement {
        token_level(a, b, &NameKey::of(a), &NameKey::of(b), true)
    }

    #[test]
    fn token_levels() {
        assert_eq!(lvl("rajesh", "rajesh"), NameAgreement::Exact);
        assert_eq!(lvl("r", "rajesh"), NameAgreement::Initial);
        assert_eq!(lvl("bill", "william"), NameAgreement::Nickname);
        assert_eq!(lvl("rameshbhai", "ramesh"), NameAgreement::Variant);
        assert_eq!(lvl("srinivasan", "srinivsan"), NameAgreement::Typo);
        assert_eq!(lvl("rohan", "rohit"), NameAgreement::Disagree);
        // One keyboard slip in a short name is a typo; a different first letter is not.
        assert_eq!(lvl("mary", "msry"), NameAgreement::Typo);
        assert_eq!(lvl("anil", "anik"), NameAgreement::Typo);
        assert_eq!(lvl("sita", "gita"), NameAgreement::Disagree);
        assert_eq!(lvl("priya", "riya"), NameAgreement::Disagree);
        assert_eq!(lvl("suresh", "naresh"), NameAgreement::Disagree);
        // M and J are neighbouring keys: this pair is honestly ambiguous.
        assert_eq!(lvl("ramesh", "rajesh"), NameAgreement::Typo);
        assert_eq!(lvl("james", "john"), NameAgreement::Disagree);
        assert_eq!(lvl("geetha", "gita"), NameAgreement::Variant);
        assert_eq!(lvl("catherine", "katherine"), NameAgreement::Variant);
    }

    #[test]
    fn keyboard_adjacency() {
        assert!(keyboard_neighbours('a', 's'));
        assert!(keyboard_neighbours('a', 'q'));
        assert!(keyboard_neighbours('a', 'z'));
        assert!(keyboard_neighbours('g', 't'));
        assert!(!keyboard_neighbours('a', 'd'));
        assert!(!keyboard_neighbours('s', 'g'));
        assert!(keyboard_neighbours('m', 'j') && keyboard_neighbours('m', 'k'));
        assert!(!keyboard_neighbours('m', 'h'));
    }

    #[test]
    fn address_levels() {
        let a = crate::normalize::address("12 MG Rd, Indiranagar");
        let b = crate::normalize::address("No. 12, Mahatma Gandhi Road, Indira Nagar");
        assert_ne!(compare_address(&a, &b), FieldAgreement::Disagree);
        let c = crate::normalize::address("14 MG Road Indiranagar");
        assert_ne!(compare_address(&a, &c), FieldAgreement::Agree);
    }
}
