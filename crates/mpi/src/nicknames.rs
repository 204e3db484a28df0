//! Name equivalences: spelling variants (one name, several romanisations) and nicknames
//! (a different name that stands for the formal one).
//!
//! Spelling variants are folded away during normalisation, so they count as exact agreement.
//! Nicknames are a separate agreement level, weaker than exact, because a nickname can stand
//! for several formal names (`Al`: Albert, Alfred, Alexander).

use std::collections::HashMap;
use std::sync::LazyLock;

/// Romanisation and abbreviation variants of one name, canonical spelling first.
const SPELLING_VARIANTS: &[&[&str]] = &[
    &[
        "mohammed", "muhammad", "mohammad", "mohamed", "mohamad", "muhammed", "mohammod", "mohd",
        "md", "mohmed", "mahomed", "mahammad", "mohamud", "muhamad",
    ],
    &["ahmed", "ahmad", "ahmet", "ahamed"],
    &["kumar", "kr", "kumaar"],
    &["kumari", "kmari"],
    &["shaikh", "sheikh", "shaik", "sk", "shekh"],
    &["syed", "sayed", "sayyed", "saiyed"],
    &["abdul", "abdool", "abdal"],
    &["devi", "debi"],
    &[
        "chaudhary",
        "chaudhari",
        "choudhary",
        "chowdhury",
        "choudhury",
        "chaudhry",
        "chodhary",
    ],
    &["srivastava", "shrivastava", "srivastav", "shrivastav"],
    &["lakshmi", "laxmi", "lakshmy", "luxmi"],
    &["mukherjee", "mukherji", "mukerji", "mukharji"],
    &["banerjee", "banerji", "bannerjee"],
    &["chatterjee", "chatterji", "chaterjee"],
    &["agarwal", "aggarwal", "agrawal", "agarwala"],
    &["singh", "sing"],
    &["ayesha", "aisha", "aysha", "ayisha"],
];

/// Formal names and the nicknames or short forms that stand for them.
const NICKNAMES: &[(&str, &[&str])] = &[
    // English
    (
        "william",
        &["bill", "billy", "will", "willy", "willie", "liam"],
    ),
    ("robert", &["bob", "bobby", "rob", "robbie", "bert"]),
    (
        "elizabeth",
        &[
            "liz", "lizzie", "lizzy", "beth", "betty", "bess", "bessie", "eliza", "libby", "elsie",
        ],
    ),
    (
        "margaret",
        &[
            "peggy", "maggie", "meg", "madge", "marge", "margie", "greta", "daisy", "rita",
        ],
    ),
    ("james", &["jim", "jimmy", "jamie"]),
    ("john", &["jack", "johnny", "jon"]),
    ("jonathan", &["jon", "jonny"]),
    ("richard", &["dick", "rick", "ricky", "rich", "richie"]),
    ("edward", &["ed", "eddie", "ted", "teddy", "ned"]),
    ("theodore", &["ted", "teddy", "theo"]),
    ("thomas", &["tom", "tommy"]),
    ("michael", &["mike", "mick", "mickey", "mikey"]),
    ("david", &["dave", "davy"]),
    ("daniel", &["dan", "danny"]),
    ("joseph", &["joe", "joey"]),
    ("josephine", &["jo", "josie"]),
    ("samuel", &["sam", "sammy"]),
    ("samantha", &["sam", "sammy"]),
    ("christopher", &["chris", "kit", "topher"]),
    ("christine", &["chris", "chrissy", "tina"]),
    ("anthony", &["tony"]),
    ("andrew", &["andy", "drew"]),
    ("alexander", &["alex", "al", "sandy", "xander"]),
    ("alexandra", &["alex", "sandra", "sandy", "lexi"]),
    ("albert", &["al", "bert", "bertie"]),
    ("alfred", &["al", "alf", "alfie", "fred"]),
    ("frederick", &["fred", "freddie", "freddy"]),
    ("henry", &["harry", "hank", "hal"]),
    ("charles", &["charlie", "chuck", "chas", "chaz"]),
    ("charlotte", &["charlie", "lottie", "lotte"]),
    ("benjamin", &["ben", "benny", "benji"]),
    ("nicholas", &["nick", "nicky", "nico"]),
    ("matthew", &["matt", "matty"]),
    ("patrick", &["pat", "paddy"]),
    ("patricia", &["pat", "patty", "trish", "tricia"]),
    ("stephen", &["steve", "stevie"]),
    ("steven", &["steve", "stevie"]),
    ("gregory", &["greg"]),
    ("ronald", &["ron", "ronnie"]),
    ("donald", &["don", "donnie"]),
    ("douglas", &["doug"]),
    ("kenneth", &["ken", "kenny"]),
    ("lawrence", &["larry", "laurie"]),
    ("leonard", &["len", "lenny", "leo"]),
    ("philip", &["phil", "pip"]),
    ("peter", &["pete"]),
    ("raymond", &["ray"]),
    ("russell", &["russ"]),
    ("stanley", &["stan"]),
    ("timothy", &["tim", "timmy"]),
    ("vincent", &["vince", "vinny"]),
    ("walter", &["walt", "wally"]),
    ("gerald", &["jerry", "gerry"]),
    ("jeffrey", &["jeff"]),
    ("geoffrey", &["geoff", "jeff"]),
    ("joshua", &["josh"]),
    ("nathaniel", &["nate", "nat", "nathan"]),
    ("catherine", &["cathy", "kate", "katie", "cat", "kitty"]),
    ("katherine", &["kathy", "kate", "katie", "kat", "kitty"]),
    ("susan", &["sue", "susie", "suzy"]),
    ("jennifer", &["jen", "jenny", "jenni"]),
    ("jessica", &["jess", "jessie"]),
    ("rebecca", &["becky", "becca"]),
    ("abigail", &["abby", "abbie", "gail"]),
    ("alison", &["ali", "ally"]),
    ("amanda", &["mandy", "manda"]),
    ("anne", &["annie", "nan", "nancy"]),
    ("mary", &["polly", "molly", "mae", "mamie"]),
    ("sarah", &["sally", "sadie"]),
    ("dorothy", &["dot", "dotty", "dolly", "dora"]),
    ("deborah", &["debbie", "deb", "debra"]),
    ("sandra", &["sandy"]),
    ("cynthia", &["cindy"]),
    ("victoria", &["vicky", "vickie", "tori"]),
    ("valerie", &["val"]),
    ("eleanor", &["nell", "ellie", "nora", "elle"]),
    ("frances", &["fran", "fanny", "frankie"]),
    ("francis", &["frank", "frankie"]),
    ("constance", &["connie"]),
    ("gertrude", &["trudy", "gertie"]),
    ("harriet", &["hattie"]),
    ("mildred", &["millie"]),
    ("matilda", &["tilly", "tilda"]),
    ("winifred", &["winnie"]),
    ("beatrice", &["bea", "trixie"]),
    ("gillian", &["jill", "gill"]),
    ("jacqueline", &["jackie"]),
    ("kimberly", &["kim"]),
    ("pamela", &["pam"]),
    ("stephanie", &["steph"]),
    ("teresa", &["terry", "tess", "tessa", "theresa"]),
    ("isabella", &["bella", "izzy", "isabel"]),
    // Spanish and Portuguese
    ("jose", &["pepe", "chepe"]),
    ("francisco", &["paco", "pancho", "chico", "kiko"]),
    ("guadalupe", &["lupe", "lupita"]),
    ("dolores", &["lola", "lolita"]),
    ("ignacio", &["nacho"]),
    ("jesus", &["chuy", "chucho"]),
    ("guillermo", &["memo"]),
    ("alberto", &["beto"]),
    ("roberto", &["beto", "tito"]),
    ("enrique", &["quique"]),
    ("antonio", &["tono", "tonio"]),
    ("concepcion", &["concha", "conchita"]),
    ("rosario", &["charo"]),
    ("consuelo", &["chelo"]),
    ("rafael", &["rafa"]),
    ("eduardo", &["lalo"]),
    ("manuel", &["manolo", "manny"]),
    // Indian short forms that stand for the full name
    ("krishna", &["krish", "kishan"]),
    ("venkatesh", &["venkat", "venky"]),
    ("subramanian", &["subbu", "subramani", "mani"]),
    ("balasubramanian", &["balu", "bala"]),
    ("chandrasekhar", &["chandru", "chandra", "sekhar"]),
    ("ravindra", &["ravi"]),
    ("rajendra", &["raju", "raj"]),
    ("rajesh", &["raju", "raj"]),
    ("gopalakrishnan", &["gopal", "gopi"]),
    ("satyanarayana", &["satya", "satyam"]),
    ("vijayalakshmi", &["viji", "vijaya"]),
    ("anuradha", &["anu"]),
    ("ramesh", &["ramu"]),
    ("sundaram", &["sundar"]),
    ("nandakumar", &["nandu"]),
    ("premkumar", &["prem"]),
    ("manikandan", &["mani"]),
    ("bhanuprakash", &["bhanu"]),
    ("radhakrishnan", &["radha"]),
    ("jayalakshmi", &["jaya"]),
    ("abdulrahman", &["rahman"]),
];

static NICK_TO_FORMAL: LazyLock<HashMap<&'static str, Vec<&'static str>>> = LazyLock::new(|| {
    let mut map: HashMap<&'static str, Vec<&'static str>> = HashMap::new();
    for (formal, nicks) in NICKNAMES {
        for nick in *nicks {
            map.entry(nick).or_default().push(formal);
        }
    }
    map
});

static VARIANT_TO_CANONICAL: LazyLock<HashMap<&'static str, &'static str>> = LazyLock::new(|| {
    let mut map = HashMap::new();
    for group in SPELLING_VARIANTS {
        if let Some((canonical, _)) = group.split_first() {
            for v in *group {
                map.insert(*v, *canonical);
            }
        }
    }
    map
});

/// The canonical spelling of a name with several romanisations (`mohd` gives `mohammed`).
pub(crate) fn spelling_variant(token: &str) -> Option<&'static str> {
    VARIANT_TO_CANONICAL.get(token).copied()
}

/// The formal name a nickname most often stands for (`bill` gives `william`), or the name
/// itself. Used for blocking, where one representative is needed.
pub fn formal_name(token: &str) -> &str {
    NICK_TO_FORMAL
        .get(token)
        .and_then(|f| f.first().copied())
        .unwrap_or(token)
}

/// Whether two (normalised) given names are nickname-related: one is a nickname of the
/// other, or both are nicknames of one formal name (`bill` and `billy`).
pub fn are_nicknames(a: &str, b: &str) -> bool {
    if a == b {
        return false;
    }
    let formals =
        |n: &str| -> Vec<&'static str> { NICK_TO_FORMAL.get(n).cloned().unwrap_or_default() };
    let fa = formals(a);
    let fb = formals(b);
    fa.contains(&b) || fb.contains(&a) || fa.iter().any(|x| fb.contains(x))
}

/// Number of nickname-to-formal pairs in the table.
#[cfg(test)]
fn nickname_pairs() -> usize {
    NICKNAMES.iter().map(|(_, n)| n.len()).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nickname_relations() {
        assert!(are_nicknames("bill", "william"));
        assert!(are_nicknames("william", "bill"));
        assert!(are_nicknames("bill", "billy"));
        assert!(are_nicknames("peggy", "margaret"));
        assert!(!are_nicknames("bill", "robert"));
        assert!(!are_nicknames("rohan", "rohit"));
        assert_eq!(formal_name("bob"), "robert");
        assert_eq!(formal_name("rohan"), "rohan");
        assert!(nickname_pairs() >= 80);
    }

    #[test]
    fn variants_fold_to_one_spelling() {
        assert_eq!(spelling_variant("mohd"), Some("mohammed"));
        assert_eq!(spelling_variant("muhammad"), Some("mohammed"));
        assert_eq!(spelling_variant("kr"), Some("kumar"));
        assert_eq!(spelling_variant("rahul"), None);
    }
}
