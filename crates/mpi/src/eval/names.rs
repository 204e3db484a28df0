//! Name, street and locality pools for the synthetic population, each roughly in order of
//! frequency (earlier entries are drawn more often).

/// A naming tradition: which pools a person's names come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Culture {
    Indian,
    English,
    Hispanic,
    Other,
}

pub(super) struct Pools {
    pub(super) male: &'static [&'static str],
    pub(super) female: &'static [&'static str],
    pub(super) family: &'static [&'static str],
}

pub(super) fn pools(c: Culture) -> Pools {
    match c {
        Culture::Indian => Pools {
            male: INDIAN_MALE,
            female: INDIAN_FEMALE,
            family: INDIAN_FAMILY,
        },
        Culture::English => Pools {
            male: ENGLISH_MALE,
            female: ENGLISH_FEMALE,
            family: ENGLISH_FAMILY,
        },
        Culture::Hispanic => Pools {
            male: HISPANIC_MALE,
            female: HISPANIC_FEMALE,
            family: HISPANIC_FAMILY,
        },
        Culture::Other => Pools {
            male: OTHER_MALE,
            female: OTHER_FEMALE,
            family: OTHER_FAMILY,
        },
    }
}

#[rustfmt::skip]
const INDIAN_MALE: &[&str] = &[
    "Rajesh", "Ramesh", "Suresh", "Mohammed", "Anil", "Sunil", "Vijay", "Sanjay", "Amit", "Rahul",
    "Mahesh", "Rakesh", "Srinivas", "Venkatesh", "Krishna", "Ravi", "Arun", "Ashok", "Prakash",
    "Deepak", "Manoj", "Rohit", "Arjun", "Vikram", "Gopal", "Mohan", "Harish", "Naveen", "Praveen",
    "Karthik", "Sandeep", "Pradeep", "Kiran", "Ajay", "Abhishek", "Aditya", "Nikhil", "Sachin",
    "Ganesh", "Sai", "Imran", "Salim", "Abdul", "Irfan", "Farhan", "Gurpreet", "Subramanian",
    "Balasubramanian", "Chandrasekhar", "Satyanarayana", "Rajendra", "Anand", "Dinesh", "Naresh",
    "Shiva", "Vishwanath", "Murali", "Nandakumar", "Yusuf", "Joseph", "Thomas", "Gaurav", "Varun",
    "Siddharth", "Manish", "Alok", "Sudhir", "Bhaskar", "Raghavendra", "Lokesh",
];

#[rustfmt::skip]
const INDIAN_FEMALE: &[&str] = &[
    "Lakshmi", "Priya", "Sunita", "Anita", "Kavita", "Pooja", "Neha", "Deepa", "Divya", "Meena",
    "Geetha", "Radha", "Savitri", "Sarita", "Rekha", "Asha", "Usha", "Shanti", "Preeti", "Jyoti",
    "Swati", "Anjali", "Pallavi", "Shalini", "Nandini", "Revathi", "Padma", "Kamala",
    "Vijayalakshmi", "Anuradha", "Fatima", "Ayesha", "Nasreen", "Shabana", "Parveen", "Simran",
    "Manpreet", "Sangeeta", "Rashmi", "Aishwarya", "Sneha", "Keerthi", "Bhavana", "Sridevi",
    "Jayalakshmi", "Mary", "Sushila", "Kalpana", "Madhuri", "Archana", "Vandana", "Rupa",
    "Hemalatha", "Malathi", "Zainab", "Farida",
];

#[rustfmt::skip]
const INDIAN_FAMILY: &[&str] = &[
    "Sharma", "Singh", "Kumar", "Patel", "Reddy", "Khan", "Gupta", "Rao", "Yadav", "Das", "Shah",
    "Verma", "Nair", "Iyer", "Joshi", "Mehta", "Naidu", "Pillai", "Menon", "Ghosh", "Banerjee",
    "Chatterjee", "Mukherjee", "Bose", "Sen", "Ahmed", "Qureshi", "Shaikh", "Jadhav", "Patil",
    "Deshmukh", "Kulkarni", "Agarwal", "Jain", "Chauhan", "Thakur", "Mishra", "Tiwari", "Pandey",
    "Dubey", "Srivastava", "Saxena", "Bhat", "Hegde", "Gowda", "Shetty", "Naik", "Fernandes",
    "D'Souza", "Pereira", "Gill", "Sandhu", "Dhillon", "Grewal", "Chaudhary", "Krishnan",
    "Subramaniam", "Venkataraman", "Raman", "Murthy", "Iyengar", "Kamath", "Prabhu", "Mathew",
    "Varghese", "Kurian", "Siddiqui", "Ansari", "Mondal", "Sarkar", "Dutta", "Chakraborty",
];

#[rustfmt::skip]
const ENGLISH_MALE: &[&str] = &[
    "James", "John", "Robert", "Michael", "William", "David", "Richard", "Thomas", "Charles",
    "Christopher", "Daniel", "Matthew", "Anthony", "Andrew", "Joseph", "Edward", "Stephen", "Peter",
    "George", "Paul", "Mark", "Kenneth", "Timothy", "Benjamin", "Samuel", "Henry", "Patrick",
    "Alexander", "Nicholas", "Jonathan", "Gregory", "Ronald", "Lawrence", "Philip", "Frederick",
    "Harry", "Oliver", "Jack", "Walter", "Albert",
];

#[rustfmt::skip]
const ENGLISH_FEMALE: &[&str] = &[
    "Mary", "Elizabeth", "Margaret", "Sarah", "Jennifer", "Susan", "Patricia", "Jessica",
    "Katherine", "Catherine", "Rebecca", "Emma", "Olivia", "Sophie", "Charlotte", "Amanda",
    "Deborah", "Dorothy", "Victoria", "Abigail", "Alison", "Anne", "Frances", "Helen", "Rachel",
    "Laura", "Hannah", "Lucy", "Eleanor", "Pamela", "Jacqueline", "Gillian", "Teresa", "Stephanie",
    "Isabella", "Samantha",
];

#[rustfmt::skip]
const ENGLISH_FAMILY: &[&str] = &[
    "Smith", "Jones", "Williams", "Brown", "Taylor", "Davies", "Evans", "Wilson", "Thomas",
    "Johnson", "Roberts", "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards", "Hughes",
    "Green", "Hall", "Lewis", "Harris", "Clarke", "Jackson", "Wood", "Turner", "Martin", "Cooper",
    "Hill", "Ward", "Morris", "Moore", "Clark", "Lee", "King", "Baker", "Harrison", "Morgan",
    "Allen", "Scott", "Phillips", "Watson", "Davis", "Parker", "Price", "Bennett", "Young",
    "Griffiths", "Mitchell", "Kelly", "Cook", "Carter", "Richardson", "Bailey", "Collins", "Bell",
    "Shaw", "Murphy", "Miller", "Cox", "O'Brien", "MacDonald", "McCarthy", "Fitzgerald",
];

#[rustfmt::skip]
const HISPANIC_MALE: &[&str] = &[
    "José", "Juan", "Carlos", "Luis", "Miguel", "Jorge", "Francisco", "Antonio", "Alejandro",
    "Manuel", "Pedro", "Rafael", "Fernando", "Ricardo", "Eduardo", "Roberto", "Javier", "Sergio",
    "Andrés", "Diego", "Raúl", "Enrique", "Guillermo", "Alberto", "Jesús", "Ignacio",
];

#[rustfmt::skip]
const HISPANIC_FEMALE: &[&str] = &[
    "María", "Ana", "Carmen", "Rosa", "Guadalupe", "Dolores", "Isabel", "Lucía", "Sofía", "Elena",
    "Laura", "Marta", "Patricia", "Teresa", "Gabriela", "Verónica", "Adriana", "Concepción",
    "Rosario", "Consuelo", "Beatriz", "Silvia",
];

#[rustfmt::skip]
const HISPANIC_FAMILY: &[&str] = &[
    "García", "Rodríguez", "Martínez", "Hernández", "López", "González", "Pérez", "Sánchez",
    "Ramírez", "Torres", "Flores", "Rivera", "Gómez", "Díaz", "Cruz", "Morales", "Reyes",
    "Gutiérrez", "Ortiz", "Jiménez", "Ruiz", "Álvarez", "Castillo", "Romero", "Vargas", "Mendoza",
    "Moreno", "Muñoz", "Rojas", "Herrera", "Medina", "Aguilar", "Castro", "Vásquez", "Núñez",
];

#[rustfmt::skip]
const OTHER_MALE: &[&str] = &[
    "Ahmed", "Hassan", "Omar", "Yusuf", "Ali", "Wei", "Jun", "Hao", "Minh", "Duc", "Jin", "Kwame",
    "Kofi", "Chinedu", "Oluwaseun", "Adebayo", "Tariq", "Karim", "Dmitri", "Ivan", "Pierre", "Hans",
    "Giovanni", "Kenji",
];

#[rustfmt::skip]
const OTHER_FEMALE: &[&str] = &[
    "Aisha", "Mariam", "Layla", "Noor", "Mei", "Hui", "Lan", "Linh", "Yuki", "Ama", "Amara",
    "Ngozi", "Chiamaka", "Olga", "Natasha", "Anna", "Sofia", "Ingrid", "Chiara", "Leila",
];

#[rustfmt::skip]
const OTHER_FAMILY: &[&str] = &[
    "Wang", "Li", "Zhang", "Liu", "Chen", "Nguyen", "Tran", "Le", "Pham", "Kim", "Park", "Al-Sayed",
    "Haddad", "Mansour", "Nasser", "Khalil", "Hussein", "Okafor", "Mensah", "Adeyemi", "Okonkwo",
    "Mwangi", "Diallo", "Ivanov", "Petrov", "Müller", "Schmidt", "Rossi", "Tanaka", "Sato",
    "Kowalski", "Dubois",
];

/// Twin names chosen to rhyme or alliterate, as parents often do.
#[rustfmt::skip]
pub(super) const TWIN_NAMES: &[(&str, &str)] = &[
    ("Ram", "Shyam"), ("Lav", "Kush"), ("Rohan", "Rohit"), ("Sita", "Gita"), ("Ramesh", "Suresh"),
    ("Anil", "Sunil"), ("Priya", "Riya"), ("Aarav", "Arnav"), ("Hasan", "Husain"),
    ("Nakul", "Sahadev"), ("Amar", "Akbar"), ("Mary", "Martha"), ("Jack", "Jake"),
];

/// Spelling variants a clerk may use for a name (the matcher should see through them).
#[rustfmt::skip]
pub(super) const VARIANTS: &[(&str, &str)] = &[
    ("Lakshmi", "Laxmi"), ("Mohammed", "Mohd"), ("Mohammed", "Md."), ("Mohammed", "Muhammad"),
    ("Geetha", "Gita"), ("Pooja", "Puja"), ("Preeti", "Priti"), ("Shiva", "Siva"),
    ("Vishwanath", "Viswanath"), ("Srinivas", "Shrinivas"), ("Jyoti", "Jyothi"),
    ("Shanti", "Shanthi"), ("Revathi", "Revati"), ("Kavita", "Kavitha"), ("Sunita", "Sunitha"),
    ("Anita", "Anitha"), ("Sangeeta", "Sangita"), ("Ayesha", "Aisha"), ("Yusuf", "Yousuf"),
    ("Fatima", "Fathima"), ("Sharma", "Sarma"), ("Chaudhary", "Choudhury"),
    ("Srivastava", "Shrivastava"), ("Agarwal", "Aggarwal"), ("Mukherjee", "Mukherji"),
    ("Pillai", "Pilai"), ("Subramaniam", "Subramanian"), ("Catherine", "Katherine"),
    ("Katherine", "Kathryn"), ("Teresa", "Theresa"), ("Stephen", "Steven"), ("Philip", "Phillip"),
    ("Jennifer", "Jenifer"), ("Isabella", "Isabela"), ("Vásquez", "Vazquez"),
];

/// Nicknames a patient may give instead of the formal name.
#[rustfmt::skip]
pub(super) const NICKNAMES: &[(&str, &str)] = &[
    ("William", "Bill"), ("William", "Will"), ("Robert", "Bob"), ("Robert", "Rob"),
    ("Elizabeth", "Liz"), ("Elizabeth", "Beth"), ("Margaret", "Peggy"), ("Margaret", "Maggie"),
    ("James", "Jim"), ("John", "Jack"), ("Richard", "Dick"), ("Richard", "Rick"), ("Thomas", "Tom"),
    ("Michael", "Mike"), ("David", "Dave"), ("Daniel", "Dan"), ("Joseph", "Joe"),
    ("Charles", "Charlie"), ("Christopher", "Chris"), ("Anthony", "Tony"), ("Andrew", "Andy"),
    ("Edward", "Ted"), ("Stephen", "Steve"), ("Matthew", "Matt"), ("Benjamin", "Ben"),
    ("Samuel", "Sam"), ("Henry", "Harry"), ("Patrick", "Pat"), ("Alexander", "Alex"),
    ("Nicholas", "Nick"), ("Jonathan", "Jon"), ("Kenneth", "Ken"), ("Timothy", "Tim"),
    ("Frederick", "Fred"), ("Susan", "Sue"), ("Jennifer", "Jenny"), ("Katherine", "Kate"),
    ("Catherine", "Cathy"), ("Patricia", "Patty"), ("Rebecca", "Becky"), ("Deborah", "Debbie"),
    ("Dorothy", "Dot"), ("Victoria", "Vicky"), ("Abigail", "Abby"), ("Pamela", "Pam"),
    ("Samantha", "Sam"), ("José", "Pepe"), ("Francisco", "Paco"), ("Guadalupe", "Lupe"),
    ("Dolores", "Lola"), ("Ignacio", "Nacho"), ("Jesús", "Chuy"), ("Guillermo", "Memo"),
    ("Alberto", "Beto"), ("Enrique", "Quique"), ("Rafael", "Rafa"), ("Eduardo", "Lalo"),
    ("Manuel", "Manolo"), ("Krishna", "Krish"), ("Venkatesh", "Venkat"), ("Subramanian", "Subbu"),
    ("Balasubramanian", "Balu"), ("Chandrasekhar", "Chandru"), ("Satyanarayana", "Satya"),
    ("Vijayalakshmi", "Viji"), ("Anuradha", "Anu"), ("Nandakumar", "Nandu"), ("Rajendra", "Raju"),
];

#[rustfmt::skip]
pub(super) const STREETS: &[&str] = &[
    "MG", "Gandhi", "Nehru", "Station", "Temple", "Church", "Market", "Lake View", "Park", "Main",
    "Hospital", "Rajaji", "Tilak", "Patel", "Ambedkar", "Subhash", "Shivaji", "Old Airport",
    "Residency", "Brigade", "Cunningham", "Infantry", "Commercial", "Mission", "Mosque", "Bazaar",
    "Canal", "Ring", "Outer Ring", "Hosur", "Bannerghatta", "Sarjapur", "Kanakapura", "Mysore",
    "Tumkur", "Bellary", "Magadi", "Old Madras", "Richmond", "Hosur Main", "Cambridge", "Sankey",
    "Palace", "Race Course", "Millers", "Queens", "Kings", "Haines", "Wheeler", "Nandidurga",
];

#[rustfmt::skip]
pub(super) const STREET_KINDS: &[&str] = &[
    "Road", "Street", "Cross", "Main", "Lane", "Layout", "Nagar", "Colony", "Extension",
];

#[rustfmt::skip]
pub(super) const LOCALITIES: &[&str] = &[
    "Indiranagar", "Jayanagar", "Koramangala", "Malleswaram", "Basavanagudi", "Rajajinagar",
    "Whitefield", "Yelahanka", "Hebbal", "Banashankari", "Vijayanagar", "Marathahalli",
    "Electronic City", "BTM Layout", "HSR Layout", "JP Nagar", "Frazer Town", "Shivajinagar",
    "Ulsoor", "Domlur", "RT Nagar", "Sadashivanagar", "Yeshwanthpur", "Peenya", "Kengeri", "Hennur",
    "Banaswadi", "KR Puram", "Mahadevapura", "Bellandur",
];

#[rustfmt::skip]
pub(super) const APARTMENTS: &[&str] = &[
    "Shanti", "Prestige", "Brigade", "Sobha", "Purva", "Mantri", "Salarpuria", "Ajmera", "Krishna",
    "Lakshmi", "Sai", "Ganga", "Kaveri", "Lotus", "Green Park",
];

pub(super) const HONORIFICS_MALE: &[&str] = &["Mr.", "Shri", "Sri", "Dr."];
pub(super) const HONORIFICS_FEMALE: &[&str] = &["Mrs.", "Smt.", "Ms.", "Kumari", "Dr."];
