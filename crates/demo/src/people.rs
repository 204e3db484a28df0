//! Synthetic people: name pools by naming tradition, addresses, phone numbers, and the
//! hospital's staff. Every name here is a common given or family name; no combination
//! describes a real person.

use crate::rng::Rng;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Culture {
    Indian,
    English,
    Hispanic,
    Chinese,
    Japanese,
    Korean,
    African,
    Arabic,
}

const CULTURES: [Culture; 8] = [
    Culture::Indian,
    Culture::English,
    Culture::Hispanic,
    Culture::Chinese,
    Culture::Japanese,
    Culture::Korean,
    Culture::African,
    Culture::Arabic,
];
const CULTURE_WEIGHTS: [u32; 8] = [52, 9, 8, 6, 4, 4, 10, 7];

pub(crate) fn pick_culture(rng: &mut Rng) -> Culture {
    CULTURES[rng.weighted(&CULTURE_WEIGHTS)]
}

struct Pool {
    male: &'static [&'static str],
    female: &'static [&'static str],
    family: &'static [&'static str],
}

#[rustfmt::skip]
const INDIAN: Pool = Pool {
    male: &[
        "Aarav", "Vivaan", "Aditya", "Arjun", "Rohan", "Rahul", "Vikram", "Sanjay", "Rajesh",
        "Suresh", "Karthik", "Prakash", "Anil", "Manoj", "Harish", "Deepak", "Siddharth",
        "Nikhil", "Farhan", "Imran", "Gurpreet", "Venkatesh", "Mohan", "Ramesh", "Abhishek",
        "Kiran", "Naveen", "Arvind", "Pranav", "Sandeep",
    ],
    female: &[
        "Ananya", "Priya", "Diya", "Kavya", "Meera", "Lakshmi", "Sunita", "Anjali", "Pooja",
        "Neha", "Divya", "Shreya", "Aishwarya", "Radha", "Sarita", "Geeta", "Fatima", "Ayesha",
        "Simran", "Jaspreet", "Deepa", "Revathi", "Padma", "Nandini", "Ishita", "Tanvi",
        "Swati", "Rekha", "Usha", "Bhavana",
    ],
    family: &[
        "Sharma", "Verma", "Gupta", "Patel", "Shah", "Iyer", "Iyengar", "Nair", "Menon",
        "Pillai", "Reddy", "Naidu", "Kulkarni", "Deshpande", "Joshi", "Mehta", "Chatterjee",
        "Banerjee", "Mukherjee", "Das", "Bose", "Singh", "Gill", "Khan", "Siddiqui", "Qureshi",
        "Fernandes", "D'Souza", "Pandey", "Mishra", "Yadav", "Chauhan", "Krishnan",
        "Subramanian", "Hegde", "Shetty", "Bhat", "Agarwal", "Malhotra", "Kapoor",
    ],
};

#[rustfmt::skip]
const ENGLISH: Pool = Pool {
    male: &[
        "Oliver", "George", "Harry", "Jack", "Thomas", "James", "William", "Daniel", "Samuel",
        "Joseph", "Edward", "Henry", "Charles", "Benjamin", "Matthew", "Christopher", "David",
        "Michael", "Andrew", "Peter",
    ],
    female: &[
        "Olivia", "Amelia", "Isla", "Emily", "Sophie", "Grace", "Charlotte", "Lucy", "Hannah",
        "Ella", "Jessica", "Katherine", "Margaret", "Elizabeth", "Sarah", "Rebecca", "Alice",
        "Eleanor", "Rachel", "Helen",
    ],
    family: &[
        "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies",
        "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall",
        "Wood", "Jackson", "Clarke", "Hughes", "Edwards", "Turner", "Cooper", "Harris",
    ],
};

#[rustfmt::skip]
const HISPANIC: Pool = Pool {
    male: &[
        "José", "Juan", "Carlos", "Luis", "Miguel", "Javier", "Alejandro", "Diego", "Andrés",
        "Fernando", "Jorge", "Ricardo", "Mateo", "Santiago", "Pablo", "Rafael", "Eduardo",
        "Sergio", "Manuel", "Antonio",
    ],
    female: &[
        "María", "Sofía", "Valentina", "Camila", "Isabella", "Lucía", "Gabriela", "Daniela",
        "Carmen", "Elena", "Ana", "Paula", "Mariana", "Rosa", "Adriana", "Teresa", "Patricia",
        "Laura", "Beatriz", "Claudia",
    ],
    family: &[
        "García", "Rodríguez", "Martínez", "Hernández", "López", "González", "Pérez", "Sánchez",
        "Ramírez", "Torres", "Flores", "Rivera", "Gómez", "Díaz", "Morales", "Reyes", "Cruz",
        "Ortiz", "Gutiérrez", "Chávez", "Ramos", "Vargas", "Castillo", "Jiménez", "Romero",
    ],
};

#[rustfmt::skip]
const CHINESE: Pool = Pool {
    male: &[
        "Wei", "Jun", "Hao", "Lei", "Ming", "Jian", "Tao", "Yong", "Bo", "Zhiwei", "Jie", "Peng",
        "Qiang", "Xin", "Yang", "Long", "Feng", "Gang", "Hui", "Kai",
    ],
    female: &[
        "Mei", "Li", "Xiu", "Ying", "Hua", "Fang", "Jing", "Lan", "Yan", "Xia", "Ling", "Na",
        "Qing", "Hong", "Yun", "Ting", "Xue", "Min", "Lihua", "Xiaoling",
    ],
    family: &[
        "Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu", "Sun",
        "Ma", "Zhu", "Hu", "Guo", "He", "Lin", "Luo", "Gao",
    ],
};

#[rustfmt::skip]
const JAPANESE: Pool = Pool {
    male: &[
        "Haruto", "Yuto", "Sota", "Ren", "Takumi", "Hiroshi", "Kenji", "Takeshi", "Daiki",
        "Kaito", "Shota", "Ryo", "Satoshi", "Kazuki", "Yuki",
    ],
    female: &[
        "Yui", "Hina", "Sakura", "Aoi", "Yuna", "Mio", "Emi", "Keiko", "Naoko", "Yoko", "Akiko",
        "Haruka", "Ayaka", "Misaki", "Rin",
    ],
    family: &[
        "Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto", "Nakamura",
        "Kobayashi", "Kato", "Yoshida", "Yamada", "Sasaki", "Yamaguchi", "Matsumoto",
    ],
};

#[rustfmt::skip]
const KOREAN: Pool = Pool {
    male: &[
        "Min-jun", "Seo-jun", "Ji-ho", "Do-yun", "Joon-ho", "Hyun-woo", "Sung-min", "Dong-hyun",
        "Jae-won", "Tae-yang",
    ],
    female: &[
        "Seo-yeon", "Ji-woo", "Ha-eun", "Soo-ah", "Min-seo", "Ji-yeon", "Eun-ji", "Hye-jin",
        "Yu-na", "Da-eun",
    ],
    family: &[
        "Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon", "Jang", "Lim", "Han", "Oh",
        "Seo", "Shin", "Kwon",
    ],
};

#[rustfmt::skip]
const AFRICAN: Pool = Pool {
    male: &[
        "Chinedu", "Emeka", "Oluwaseun", "Tunde", "Babajide", "Kwame", "Kofi", "Kwabena", "Yaw",
        "Kwesi", "Obinna", "Ifeanyi", "Musa", "Ibrahim", "Baraka", "Otieno", "Kamau", "Jabari",
        "Tendai", "Sipho",
    ],
    female: &[
        "Ngozi", "Chiamaka", "Adaeze", "Folake", "Funmilayo", "Yetunde", "Abena", "Akosua",
        "Ama", "Efua", "Adwoa", "Amina", "Zainab", "Wanjiru", "Akinyi", "Njeri", "Nia", "Imani",
        "Chipo", "Thandiwe",
    ],
    family: &[
        "Adeyemi", "Okonkwo", "Eze", "Nwosu", "Balogun", "Adebayo", "Oyelaran", "Boateng",
        "Owusu", "Asante", "Appiah", "Osei", "Odhiambo", "Kamau", "Mwangi", "Kiprop", "Wanjala",
        "Moyo", "Ndlovu", "Dlamini", "Okeke", "Afolabi",
    ],
};

#[rustfmt::skip]
const ARABIC: Pool = Pool {
    male: &[
        "Mohammed", "Ahmed", "Omar", "Ali", "Hassan", "Yusuf", "Khalid", "Tariq", "Karim",
        "Samir", "Faisal", "Hamza", "Ibrahim", "Mustafa", "Rami",
    ],
    female: &[
        "Fatima", "Aisha", "Mariam", "Layla", "Noor", "Huda", "Rania", "Salma", "Yasmin",
        "Leila", "Hana", "Dina", "Reem", "Sara", "Zainab",
    ],
    family: &[
        "Al-Sayed", "Haddad", "Khoury", "Hassan", "Mansour", "Nasser", "Saleh", "Farouk",
        "Aziz", "Rahman", "Hamdan", "Darwish", "Qasim", "Al-Farsi", "Habib",
    ],
};

fn pool(culture: Culture) -> &'static Pool {
    match culture {
        Culture::Indian => &INDIAN,
        Culture::English => &ENGLISH,
        Culture::Hispanic => &HISPANIC,
        Culture::Chinese => &CHINESE,
        Culture::Japanese => &JAPANESE,
        Culture::Korean => &KOREAN,
        Culture::African => &AFRICAN,
        Culture::Arabic => &ARABIC,
    }
}

fn pick_str(rng: &mut Rng, items: &'static [&'static str]) -> &'static str {
    // Every pool above is non-empty; the fallback only guards against a future edit.
    items.get(rng.below(items.len())).copied().unwrap_or("Alex")
}

pub(crate) struct PersonName {
    pub(crate) family: &'static str,
    pub(crate) given: Vec<&'static str>,
}

pub(crate) fn person_name(rng: &mut Rng, culture: Culture, female: bool) -> PersonName {
    let p = pool(culture);
    let list = if female { p.female } else { p.male };
    let first = pick_str(rng, list);
    let mut given = vec![first];
    // Second given names are common in Hispanic, English and some Indian naming.
    let middle_p = match culture {
        Culture::Hispanic => 0.45,
        Culture::English => 0.35,
        Culture::Indian => 0.2,
        _ => 0.0,
    };
    if rng.chance(middle_p) {
        let second = pick_str(rng, list);
        if second != first {
            given.push(second);
        }
    }
    let family = pick_str(rng, p.family);
    PersonName { family, given }
}

/// Typical adult height (cm) by naming tradition and sex, used as the mean of a normal draw.
pub(crate) fn mean_adult_height(culture: Culture, female: bool) -> f64 {
    let (m, f) = match culture {
        Culture::Indian => (166.0, 153.0),
        Culture::English => (176.0, 163.0),
        Culture::Hispanic => (171.0, 158.0),
        Culture::Chinese => (171.0, 159.0),
        Culture::Japanese => (171.0, 158.0),
        Culture::Korean => (174.0, 161.0),
        Culture::African => (172.0, 160.0),
        Culture::Arabic => (172.0, 159.0),
    };
    if female { f } else { m }
}

pub(crate) struct Address {
    pub(crate) line: String,
    pub(crate) city: &'static str,
    pub(crate) state: Option<&'static str>,
    pub(crate) postal_code: Option<String>,
    pub(crate) country: &'static str,
    pub(crate) phone: String,
}

/// (city, state, first three digits of its PIN codes)
const INDIAN_CITIES: [(&str, &str, u32); 14] = [
    ("Bengaluru", "Karnataka", 560),
    ("Bengaluru", "Karnataka", 560),
    ("Mysuru", "Karnataka", 570),
    ("Mumbai", "Maharashtra", 400),
    ("Pune", "Maharashtra", 411),
    ("Chennai", "Tamil Nadu", 600),
    ("Hyderabad", "Telangana", 500),
    ("New Delhi", "Delhi", 110),
    ("Kolkata", "West Bengal", 700),
    ("Ahmedabad", "Gujarat", 380),
    ("Jaipur", "Rajasthan", 302),
    ("Lucknow", "Uttar Pradesh", 226),
    ("Kochi", "Kerala", 682),
    ("Bhopal", "Madhya Pradesh", 462),
];

const INDIAN_STREETS: [&str; 14] = [
    "MG Road",
    "Station Road",
    "Nehru Nagar",
    "Gandhi Marg",
    "Church Street",
    "Residency Road",
    "Anna Salai",
    "Park Street",
    "Linking Road",
    "Brigade Road",
    "Jayanagar 4th Block",
    "Indiranagar 100 Feet Road",
    "Koramangala 5th Block",
    "Lake View Colony",
];

pub(crate) fn address(rng: &mut Rng, culture: Culture) -> Address {
    let abroad_p = if culture == Culture::Indian {
        0.02
    } else {
        0.35
    };
    if !rng.chance(abroad_p) {
        let (city, state, pin) = *rng.pick(&INDIAN_CITIES);
        let street = rng.pick(&INDIAN_STREETS);
        let line = if rng.chance(0.4) {
            format!("Flat {}, {}", rng.int(101, 1204), street)
        } else {
            format!("{}, {}", rng.int(1, 240), street)
        };
        let first = rng.int(6, 9);
        let phone = format!(
            "+91 {}{:04} {:05}",
            first,
            rng.int(0, 9999),
            rng.int(0, 99_999)
        );
        return Address {
            line,
            city,
            state: Some(state),
            postal_code: Some(format!("{}{:03}", pin, rng.int(1, 99))),
            country: "IN",
            phone,
        };
    }
    let (city, country, cc) = match culture {
        Culture::English => *rng.pick(&[("London", "GB", 44), ("Manchester", "GB", 44)]),
        Culture::Hispanic => *rng.pick(&[
            ("Mexico City", "MX", 52),
            ("Madrid", "ES", 34),
            ("Bogotá", "CO", 57),
        ]),
        Culture::Chinese => *rng.pick(&[("Shanghai", "CN", 86), ("Singapore", "SG", 65)]),
        Culture::Japanese => *rng.pick(&[("Tokyo", "JP", 81), ("Osaka", "JP", 81)]),
        Culture::Korean => *rng.pick(&[("Seoul", "KR", 82), ("Busan", "KR", 82)]),
        Culture::African => *rng.pick(&[
            ("Lagos", "NG", 234),
            ("Accra", "GH", 233),
            ("Nairobi", "KE", 254),
        ]),
        Culture::Arabic | Culture::Indian => *rng.pick(&[
            ("Dubai", "AE", 971),
            ("Muscat", "OM", 968),
            ("Doha", "QA", 974),
        ]),
    };
    // UK numbers use Ofcom's range reserved for drama (07700 900000–900999), so they can never
    // reach a real subscriber.
    let phone = if cc == 44 {
        format!("+44 7700 900{:03}", rng.int(0, 999))
    } else {
        format!("+{} {:03} {:04}", cc, rng.int(100, 999), rng.int(0, 9999))
    };
    let street = *rng.pick(&[
        "High Street",
        "Park Avenue",
        "Garden Road",
        "Harbour Street",
        "Market Lane",
        "Central Avenue",
    ]);
    Address {
        line: format!("{} {}", rng.int(1, 180), street),
        city,
        state: None,
        postal_code: None,
        country,
        phone,
    }
}

/// What a member of staff does, which decides what the app lets them see and do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StaffRole {
    /// Treats patients: reads charts, writes notes, orders.
    Physician,
    /// Records vitals and nursing care.
    Nurse,
    /// Reads and reports imaging studies.
    Radiologist,
    /// Verifies and dispenses medication orders.
    Pharmacist,
    /// Codes encounters and works claims.
    BillingClerk,
    /// Manages users and configuration; no clinical access by default.
    Admin,
}

pub(crate) struct Staff {
    pub(crate) id: &'static str,
    pub(crate) username: &'static str,
    pub(crate) role: StaffRole,
    pub(crate) prefix: Option<&'static str>,
    pub(crate) given: &'static str,
    pub(crate) family: &'static str,
    pub(crate) gender: &'static str,
    pub(crate) qualification: &'static str,
    pub(crate) email: &'static str,
}

pub(crate) const PHYSICIAN_IM: usize = 0;
pub(crate) const PHYSICIAN_CARDIO: usize = 1;
pub(crate) const PHYSICIAN_ED: usize = 2;
pub(crate) const PHYSICIAN_PEDS: usize = 3;
pub(crate) const NURSE: usize = 4;
/// Reads the hospital's imaging, so is on the care team of every patient seen.
pub(crate) const RADIOLOGIST: usize = 5;
pub(crate) const PHARMACIST: usize = 6;

pub(crate) const STAFF: [Staff; 9] = [
    Staff {
        id: "prac-rao",
        username: "dr.rao",
        role: StaffRole::Physician,
        prefix: Some("Dr."),
        given: "Ananya",
        family: "Rao",
        gender: "female",
        qualification: "MBBS, MD (Internal Medicine)",
        email: "ananya.rao@meridian.example",
    },
    Staff {
        id: "prac-mensah",
        username: "dr.mensah",
        role: StaffRole::Physician,
        prefix: Some("Dr."),
        given: "Kwame",
        family: "Mensah",
        gender: "male",
        qualification: "MBBS, DM (Cardiology)",
        email: "kwame.mensah@meridian.example",
    },
    Staff {
        id: "prac-garcia",
        username: "dr.garcia",
        role: StaffRole::Physician,
        prefix: Some("Dr."),
        given: "Lucía",
        family: "García",
        gender: "female",
        qualification: "MBBS, MD (Emergency Medicine)",
        email: "lucia.garcia@meridian.example",
    },
    Staff {
        id: "prac-iyer",
        username: "dr.iyer",
        role: StaffRole::Physician,
        prefix: Some("Dr."),
        given: "Rohan",
        family: "Iyer",
        gender: "male",
        qualification: "MBBS, MD (Paediatrics)",
        email: "rohan.iyer@meridian.example",
    },
    Staff {
        id: "prac-kim",
        username: "nurse.kim",
        role: StaffRole::Nurse,
        prefix: None,
        given: "Ji-woo",
        family: "Kim",
        gender: "female",
        qualification: "BSc Nursing, RN",
        email: "jiwoo.kim@meridian.example",
    },
    Staff {
        id: "prac-okafor",
        username: "rad.okafor",
        role: StaffRole::Radiologist,
        prefix: Some("Dr."),
        given: "Chidi",
        family: "Okafor",
        gender: "male",
        qualification: "MBBS, MD (Radiodiagnosis)",
        email: "chidi.okafor@meridian.example",
    },
    Staff {
        id: "prac-silva",
        username: "pharm.silva",
        role: StaffRole::Pharmacist,
        prefix: None,
        given: "Marta",
        family: "Silva",
        gender: "female",
        qualification: "PharmD",
        email: "marta.silva@meridian.example",
    },
    Staff {
        id: "prac-meyer",
        username: "bill.meyer",
        role: StaffRole::BillingClerk,
        prefix: None,
        given: "Jonas",
        family: "Meyer",
        gender: "male",
        qualification: "Certified Professional Coder",
        email: "jonas.meyer@meridian.example",
    },
    Staff {
        id: "prac-haddad",
        username: "admin.root",
        role: StaffRole::Admin,
        prefix: None,
        given: "Farah",
        family: "Haddad",
        gender: "female",
        qualification: "Systems Administrator",
        email: "farah.haddad@meridian.example",
    },
];

pub(crate) fn staff_display(index: usize) -> String {
    let s = &STAFF[index];
    match s.prefix {
        Some(p) => format!("{p} {} {}", s.given, s.family),
        None => format!("{} {}", s.given, s.family),
    }
}
