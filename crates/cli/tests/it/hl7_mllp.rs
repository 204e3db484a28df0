//! HL7 v2 end to end: python-hl7's MLLP client sends ADT and ORU to `meridian hl7 listen`;
//! each is acknowledged AA, the patient and the results appear in the chart, and a malformed
//! message gets an AE naming the bad field while nothing of it is stored.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use meridian_api::{LoginRequest, NewUser};
use meridian_app::{App, KeySource, Policy, SystemClock, Workspace};
use meridian_mllp::test_support::{python, script};
use meridian_security::keys::OsKeyring;

const PASSWORD: &str = "a good long password";

const MESSAGES: &str = "MSH|^~\\&|HIS|GOODHEALTH|MERIDIAN|GOODHEALTH|20261130090000+0000||ADT^A01^ADT_A01|E2E-ADT-1|P|2.5.1
EVN|A01|20261130090000+0000
PID|1||H-55501^^^HIS^MR~MRN555001^^^MERIDIAN^MR||FERREIRA^ANA^^^^^L||19790214|F
PV1|1|I|WARD2^4^1|||||||||||||||||V-9001

MSH|^~\\&|LABSYS|CITYLAB|MERIDIAN|GOODHEALTH|20261130113500+0000||ORU^R01^ORU_R01|E2E-ORU-1|P|2.5.1
PID|1||MRN555001^^^MERIDIAN^MR||FERREIRA^ANA||19790214|F
OBR|1|ORD-1^MERIDIAN|L-1^CITYLAB|24323-8^Comprehensive metabolic panel^LN|||20261130083000+0000|||||||||||||||20261130113000+0000|||F
OBX|1|NM|2345-7^Glucose^LN||212|mg/dL^mg/dL^UCUM|70-99|H|||F
OBX|2|NM|2823-3^Potassium^LN||6.9|mmol/L^mmol/L^UCUM|3.5-5.1|HH|||F

MSH|^~\\&|LABSYS|CITYLAB|MERIDIAN|GOODHEALTH|20261130113600+0000||ORU^R01^ORU_R01|E2E-ORU-2|P|2.5.1
PID|1||MRN555001^^^MERIDIAN^MR||FERREIRA^ANA||19790214|F
OBR|1|ORD-2^MERIDIAN|L-2^CITYLAB|24323-8^Comprehensive metabolic panel^LN|||20261130083000+0000|||||||||||||||20261130113000+0000|||F
OBX|1|NM|2951-2^Sodium^LN||one hundred|mmol/L^mmol/L^UCUM|136-145|N|||F
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_hl7_sends_adt_and_oru_over_mllp_and_the_chart_shows_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("hl7.db");
    let keys = OsKeyring::new().expect("the OS keyring must be usable for this test");
    let store = Workspace::create(&db, KeySource::Keyring, &keys, None).await.expect("create");
    let policy = Policy { require_totp: false, ..Policy::default() };
    let app = App::new(store, std::sync::Arc::new(SystemClock), policy.clone());
    let user = |name: &str, role: &str| NewUser { username: name.into(), display_name: name.into(), role: role.into(), password: PASSWORD.into(), practitioner_id: None };
    app.bootstrap(&user("admin", "admin")).await.expect("bootstrap");
    let admin = app.login(&LoginRequest { username: "admin".into(), password: PASSWORD.into(), totp: None }).await.expect("login").token;
    app.add_user(&admin, &user("ward.nurse", "nurse")).await.expect("nurse");
    app.close().await;

    let mut listener = Command::new(crate::BIN)
        .args(["--db", db.to_str().expect("utf-8"), "hl7", "listen", "--bind", "127.0.0.1:0", "--facility", "GOODHEALTH"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn the listener");
    let mut first = String::new();
    BufReader::new(listener.stdout.take().expect("stdout")).read_line(&mut first).expect("read");
    let port = first.trim().rsplit(':').next().expect("port").to_owned();
    assert!(first.starts_with("listening "), "{first}");

    let file = dir.path().join("in.hl7");
    std::fs::write(&file, MESSAGES).expect("write");
    let out = Command::new(python()).arg(script()).args(["send", "--port", &port, "--file"]).arg(&file).output().expect("python-hl7 client");
    let _ = listener.kill();
    let _ = listener.wait();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let acks = String::from_utf8_lossy(&out.stdout);
    assert!(acks.contains("MSA|AA|E2E-ADT-1"), "{acks}");
    assert!(acks.contains("MSA|AA|E2E-ORU-1"), "{acks}");
    assert!(acks.contains("MSA|AE|E2E-ORU-2"), "{acks}");
    assert!(acks.contains("OBX^1^5") && acks.contains("102^"), "the AE names OBX-5 and a data type error: {acks}");
    assert!(!acks.contains("one hundred"), "the NAK does not echo the value");

    let store = Workspace::open(&db, &keys, None).await.expect("open");
    let app = App::new(store, std::sync::Arc::new(SystemClock), policy);
    let nurse = app.login(&LoginRequest { username: "ward.nurse".into(), password: PASSWORD.into(), totp: None }).await.expect("login").token;
    let found = app.search_patients(&nurse, "MRN555001").await.expect("search");
    assert_eq!(found.len(), 1, "the ADT registered the patient");
    let p = &found[0].id;
    app.break_glass(&nurse, p, "ward admission, care team not yet assigned").await.expect("break glass");
    let potassium = app.observation_trend(&nurse, p, "2823-3", 10).await.expect("trend");
    assert_eq!((potassium.len(), potassium[0].flag.as_deref()), (1, Some("HH")));
    assert!(app.observation_trend(&nurse, p, "2951-2", 10).await.expect("trend").is_empty(), "the refused ORU left nothing");
    app.close().await;
}
