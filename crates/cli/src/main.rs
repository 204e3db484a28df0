//! `meridian`: headless operations on a Meridian database (create, demo data, users, search,
//! chart summary, audit verification and export, key rotation, bulk import).
//!
//! A thin front end over `meridian-app`: it parses arguments, asks for credentials, calls one
//! use case and prints the result. Passwords come from the terminal, or from
//! `MERIDIAN_PASSWORD` / `MERIDIAN_TOTP` / `MERIDIAN_PASSPHRASE` for scripts.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand, ValueEnum};
use meridian_api::{ApiError, LoginRequest, NewUser};
use meridian_app::{App, AppError, CivilDateTime, DemoConfig, KeySource, Policy, SystemClock, Workspace};
use meridian_security::keys::{KeyStore, OsKeyring};

#[derive(Parser)]
#[command(name = "meridian", version, about = "Meridian clinical workstation: headless operations")]
struct Cli {
    /// The database file.
    #[arg(long, global = true, env = "MERIDIAN_DB", default_value = "meridian.db")]
    db: PathBuf,
    /// Log in as this user (commands that touch records need one).
    #[arg(long, short = 'u', global = true, env = "MERIDIAN_USER")]
    user: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum KeyArg {
    /// A random key kept in the OS keyring.
    Keyring,
    /// A key derived from a passphrase typed at start (machines without a keyring).
    Passphrase,
}

#[derive(Subcommand)]
enum Command {
    /// Creates an encrypted database and its first administrator.
    Init {
        #[arg(long, value_enum, default_value = "keyring")]
        key: KeyArg,
        #[arg(long)]
        admin: String,
        #[arg(long, default_value = "Administrator")]
        admin_name: String,
    },
    /// Creates a database holding the synthetic demo hospital (fixed seed).
    Demo {
        #[arg(long, value_enum, default_value = "keyring")]
        key: KeyArg,
        #[arg(long, default_value_t = 60)]
        patients: usize,
        #[arg(long, default_value_t = 20_261_129)]
        seed: u64,
        /// Replace an existing database at the path.
        #[arg(long)]
        force: bool,
        /// The demo hospital's PACS (DICOMweb base URL): a synthetic CT study of each of the
        /// first `--imaging-patients` patients is stored there, and the workspace shows images
        /// from it.
        #[arg(long)]
        pacs: Option<String>,
        /// The same PACS's DIMSE address (`host:port`) and AE title, for retrieval over C-GET.
        #[arg(long, requires = "pacs_aet")]
        pacs_dimse: Option<String>,
        #[arg(long)]
        pacs_aet: Option<String>,
        /// The port the PACS sends C-MOVEs for `MERIDIAN` to (this workstation's listener).
        #[arg(long)]
        pacs_move_port: Option<u16>,
        #[arg(long, default_value_t = 3)]
        imaging_patients: usize,
    },
    /// The PACS this workspace shows images from.
    Imaging {
        #[command(subcommand)]
        command: ImagingCommand,
    },
    /// User accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Finds patients by name prefixes, birth date, MRN or ABHA number.
    Search { query: Vec<String> },
    /// Prints a patient's chart summary.
    Chart {
        /// Patient id, MRN or ABHA number; the first of your patients if left out.
        patient: Option<String>,
    },
    /// Lists the patients in your care.
    Patients,
    /// The audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// The database key.
    Key {
        #[command(subcommand)]
        command: KeyCommand,
    },
    /// Imports FHIR resources, one JSON object per line on standard input, as the interface
    /// account. Prints `ok <type>/<id>/<version>` once each is committed.
    Import,
    /// Prints the current code for a TOTP secret (for demo accounts).
    Totp { secret: String },
    /// HL7 v2 interfaces over MLLP.
    Hl7 {
        #[command(subcommand)]
        command: Hl7Command,
    },
    /// Sync with the hospital's FHIR R4 server.
    Sync {
        #[command(subcommand)]
        command: SyncCommand,
    },
}

#[derive(Subcommand)]
enum Hl7Command {
    /// Receives HL7 v2 over MLLP (ADT, ORU) into the database as the interface account, and
    /// forwards queued outbound messages to every route every few seconds, until stopped.
    /// Prints `listening <addr>` once ready.
    Listen {
        #[arg(long, default_value = "127.0.0.1:2575")]
        bind: String,
        /// Our assigning authority (PID-3 CX.4.1 of our MRNs).
        #[arg(long, default_value = "MERIDIAN")]
        authority: String,
        #[arg(long, default_value = "MERIDIAN")]
        application: String,
        #[arg(long, default_value = "MERIDIAN")]
        facility: String,
        /// UTC offset in minutes assumed for HL7 times sent without one.
        #[arg(long, default_value_t = 0, allow_hyphen_values = true)]
        offset_minutes: i32,
        /// Serve TLS with this certificate chain (PEM, leaf first) ...
        #[arg(long, requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// ... and this private key (PEM).
        #[arg(long, requires = "tls_cert")]
        tls_key: Option<PathBuf>,
    },
    /// Sends each route's queue once; prints what the peers answered. Exits 5 if messages wait.
    Forward,
    /// Adds or replaces an outbound route (administrators).
    Route {
        #[arg(long)]
        name: String,
        /// The peer's MLLP listener, host:port.
        #[arg(long)]
        addr: String,
        /// Comma-separated: orders, prescriptions, charges, patients, merges.
        #[arg(long, default_value = "orders,patients,merges")]
        subscribe: String,
        #[arg(long, default_value = "OML^O21")]
        order_message: String,
        #[arg(long, default_value = "LAB")]
        receiving_application: String,
        #[arg(long, default_value = "LAB")]
        receiving_facility: String,
        #[arg(long, default_value = "MERIDIAN")]
        authority: String,
        #[arg(long, default_value = "MERIDIAN")]
        facility: String,
        /// Connect with TLS, trusting this CA certificate (PEM) ...
        #[arg(long, requires = "tls_name")]
        tls_ca: Option<PathBuf>,
        /// ... for a peer whose certificate carries this name.
        #[arg(long, requires = "tls_ca")]
        tls_name: Option<String>,
    },
}

#[derive(Subcommand)]
enum ImagingCommand {
    /// Points the workspace at a PACS (DICOMweb and/or DIMSE), or `--off`.
    Configure {
        /// DICOMweb base URL, e.g. http://pacs:8042/dicom-web/
        #[arg(long)]
        dicomweb: Option<String>,
        /// DIMSE `host:port`.
        #[arg(long, requires = "aet")]
        dimse: Option<String>,
        /// The PACS's AE title.
        #[arg(long)]
        aet: Option<String>,
        /// This workstation's AE title.
        #[arg(long, default_value = "MERIDIAN")]
        calling_aet: String,
        /// The port of this workstation's C-STORE listener for C-MOVE (the PACS must know the
        /// calling AE title at this host and port).
        #[arg(long)]
        move_port: Option<u16>,
        /// The encrypted study cache's bound, MiB.
        #[arg(long, default_value_t = 4096)]
        cache_mb: u64,
        #[arg(long, conflicts_with_all = ["dicomweb", "dimse"])]
        off: bool,
    },
    /// Imports the DICOM images under a folder (a CD/DVD with a DICOMDIR, or any folder) into
    /// a patient's encrypted image cache.
    Import {
        /// Patient id, MRN or ABHA number.
        #[arg(long)]
        patient: String,
        /// Also take images filed under another hospital's Patient ID when family name and
        /// birth date both match.
        #[arg(long)]
        outside: bool,
        folder: PathBuf,
    },
}

#[derive(Subcommand)]
enum SyncCommand {
    /// Pushes local changes and pulls the server's until the outbox is empty (or the server
    /// fails); prints what it did. Exits 5 when changes are still pending.
    Run {
        /// The FHIR server's base URL; defaults to the workspace's configured server.
        #[arg(long)]
        server: Option<String>,
        /// Seconds to wait for each request.
        #[arg(long, default_value_t = 30)]
        timeout: u64,
    },
    /// Sets the workspace's FHIR server (stored beside the database) and its authentication;
    /// the credential goes to the OS keyring: a bearer token from $MERIDIAN_FHIR_TOKEN (or
    /// the terminal), or for SMART backend services the P-384 private key in --key-file
    /// (PKCS#8 PEM), which may be deleted afterwards.
    Configure {
        #[arg(long)]
        server: String,
        /// none, bearer or smart.
        #[arg(long, default_value = "none")]
        auth: String,
        #[arg(long)]
        token_url: Option<String>,
        #[arg(long)]
        client_id: Option<String>,
        #[arg(long, default_value = "meridian-1")]
        key_id: String,
        #[arg(long, default_value = "system/*.cruds")]
        scope: String,
        #[arg(long)]
        key_file: Option<PathBuf>,
    },
    /// Prints the sync status: state, pending changes, conflicts, last success and error.
    Status,
}

#[derive(Subcommand)]
enum UserCommand {
    Add {
        username: String,
        #[arg(long)]
        role: String,
        #[arg(long)]
        name: String,
    },
    List,
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Walks the hash chain; exits 3 if it was tampered with.
    Verify,
    /// Writes the trail as FHIR AuditEvent resources, one per line.
    Export {
        #[arg(long)]
        out: PathBuf,
    },
    /// Lists break-the-glass declarations awaiting review, or marks one reviewed.
    Reviews {
        #[arg(long)]
        done: Option<i64>,
    },
}

#[derive(Subcommand)]
enum KeyCommand {
    /// Re-encrypts the database under a new key.
    Rotate,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let result = rt.block_on(async {
        let result = run(cli).await;
        close_opened().await;
        result
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            let api: ApiError = e.into();
            eprintln!("error [{}]: {}", serde_json::to_string(&api.code).unwrap_or_default().trim_matches('"'), api.message);
            ExitCode::from(2)
        }
    }
}

fn keystore() -> Result<Box<dyn KeyStore>, AppError> {
    OsKeyring::new().map(|k| Box::new(k) as Box<dyn KeyStore>).map_err(|e| AppError::KeyUnavailable(e.to_string()))
}

/// Reads a secret from `env` or, failing that, a line from the terminal.
fn secret(env: &str, prompt: &str) -> Result<String, AppError> {
    if let Ok(v) = std::env::var(env) {
        return Ok(v);
    }
    eprint!("{prompt}: ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// Apps opened by this run. They are closed before the process exits, on every path (errors
/// included): a connection still at work on its sqlx worker thread when SQLCipher's exit
/// handlers free its private heap and crypto provider crashes the process (SIGSEGV).
static OPENED: std::sync::Mutex<Vec<App>> = std::sync::Mutex::new(Vec::new());

fn opened(app: App) -> App {
    OPENED.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(app.clone());
    app
}

async fn close_opened() {
    let apps: Vec<App> = std::mem::take(&mut *OPENED.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
    for app in apps {
        app.close().await;
    }
}

async fn open(cli: &Cli) -> Result<App, AppError> {
    let keys = keystore().ok();
    let config = meridian_app::WorkspaceConfig::read(&cli.db);
    let passphrase = match config.as_ref().map(|c| c.key_source) {
        Ok(KeySource::Passphrase) => Some(secret("MERIDIAN_PASSPHRASE", "database passphrase")?),
        _ => None,
    };
    let keys: Box<dyn KeyStore> = match keys {
        Some(k) => k,
        None if passphrase.is_some() => Box::new(NoKeyring),
        None => return Err(keystore().err().unwrap_or(AppError::KeyUnavailable("no keyring".into()))),
    };
    let store = Workspace::open(&cli.db, keys.as_ref(), passphrase.as_deref()).await?;
    let config = config.ok();
    let policy = config.as_ref().and_then(|c| c.policy.clone()).map_or_else(Policy::default, |p| p.apply(Policy::default()));
    let app = App::new(store, Arc::new(SystemClock), policy);
    // The PACS and cache bound the workspace names (imports evict past that bound).
    app.configure_imaging(config.and_then(|c| c.imaging));
    Ok(opened(app))
}

/// Stands in for the keyring on machines that have none, where only passphrases open databases.
struct NoKeyring;

impl KeyStore for NoKeyring {
    fn load(&self, _: &str) -> Result<Option<meridian_security::keys::MasterKey>, meridian_security::keys::KeyStoreError> {
        Ok(None)
    }
    fn store(&self, _: &str, _: &meridian_security::keys::MasterKey) -> Result<(), meridian_security::keys::KeyStoreError> {
        Err(meridian_security::keys::KeyStoreError::Unavailable { reason: "no keyring on this machine".into() })
    }
    fn delete(&self, _: &str) -> Result<(), meridian_security::keys::KeyStoreError> {
        Ok(())
    }
    fn load_secret(&self, _: &str) -> Result<Option<zeroize::Zeroizing<String>>, meridian_security::keys::KeyStoreError> {
        Ok(None)
    }
    fn store_secret(&self, _: &str, _: &str) -> Result<(), meridian_security::keys::KeyStoreError> {
        Err(meridian_security::keys::KeyStoreError::Unavailable { reason: "no keyring on this machine".into() })
    }
}

async fn login(app: &App, cli: &Cli) -> Result<String, AppError> {
    let username = cli.user.clone().ok_or_else(|| AppError::Validation("log in with --user NAME (or MERIDIAN_USER)".into()))?;
    let password = secret("MERIDIAN_PASSWORD", "password")?;
    let mut req = LoginRequest { username, password, totp: std::env::var("MERIDIAN_TOTP").ok() };
    match app.login(&req).await {
        Err(AppError::TotpRequired) => {
            req.totp = Some(secret("MERIDIAN_TOTP", "authenticator code")?);
            Ok(app.login(&req).await?.token)
        }
        other => Ok(other?.token),
    }
}

fn imaging_config(dicomweb: Option<String>, dimse: Option<String>, aet: Option<String>, calling_aet: String, move_port: Option<u16>, cache_mb: u64) -> meridian_app::ImagingConfig {
    meridian_app::ImagingConfig {
        dicomweb_url: dicomweb,
        dimse: dimse.map(|address| meridian_app::DimseConfig { address, called_aet: aet.unwrap_or_default(), calling_aet, move_port }),
        cache_max_mb: cache_mb,
    }
}

/// Stores a synthetic CT study of each of the first `count` demo patients on the PACS at `url`
/// (STOW-RS); returns their MRNs.
async fn demo_studies(config: &DemoConfig, url: &str, count: usize) -> Result<Vec<String>, AppError> {
    let pacs = meridian_pacs::DicomWebClient::new(url, meridian_pacs::WebOptions::default()).map_err(|e| AppError::PeerUnavailable(e.to_string()))?;
    let mut mrns = Vec::new();
    for (index, p) in meridian_demo::patients(config).take(count).enumerate() {
        let p = &p.patient;
        let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_owned();
        let mrn = p["identifier"].as_array().into_iter().flatten().find(|i| i["system"] == meridian_demo::MRN_SYSTEM).map(|i| text(&i["value"])).unwrap_or_default();
        let name = &p["name"][0];
        let given: Vec<String> = name["given"].as_array().into_iter().flatten().map(text).collect();
        let pn = format!("{}^{}", text(&name["family"]).to_uppercase(), given.join(" "));
        let birth = text(&p["birthDate"]).replace('-', "");
        let sex = match p["gender"].as_str() {
            Some("male") => "M",
            Some("female") => "F",
            _ => "O",
        };
        let spec = meridian_demo::dicom::CtSeriesSpec { seed: config.seed ^ index as u64, ..meridian_demo::dicom::CtSeriesSpec::demo(&mrn, &pn, &birth, sex) };
        // The first patient also has last year's CT, to read against.
        let studies = if index == 0 { vec![spec.clone(), spec.prior()] } else { vec![spec] };
        for study in studies {
            let files: Vec<Vec<u8>> = study.files().collect();
            let refs: Vec<&[u8]> = files.iter().map(Vec::as_slice).collect();
            let outcome = pacs.store(&refs).await.map_err(|e| AppError::PeerUnavailable(e.to_string()))?;
            if outcome.stored.len() != files.len() {
                return Err(AppError::PeerUnavailable(format!("the PACS stored {} of {} images", outcome.stored.len(), files.len())));
            }
        }
        mrns.push(mrn);
    }
    Ok(mrns)
}

fn now_civil() -> CivilDateTime {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    let (year, month, day) = meridian_domain::time::civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    CivilDateTime { year, month: u32::from(month), day: u32::from(day), hour: (rem / 3600) as u32, minute: (rem / 60 % 60) as u32 }
}

async fn create(cli: &Cli, key: KeyArg) -> Result<App, AppError> {
    let (source, passphrase) = match key {
        KeyArg::Keyring => (KeySource::Keyring, None),
        KeyArg::Passphrase => (KeySource::Passphrase, Some(secret("MERIDIAN_PASSPHRASE", "new database passphrase")?)),
    };
    let keys: Box<dyn KeyStore> = match source {
        KeySource::Keyring => keystore()?,
        KeySource::Passphrase => Box::new(NoKeyring),
    };
    let store = Workspace::create(&cli.db, source, keys.as_ref(), passphrase.as_deref()).await?;
    Ok(opened(App::new(store, Arc::new(SystemClock), Policy::default())))
}

async fn run(cli: Cli) -> Result<ExitCode, AppError> {
    match &cli.command {
        Command::Totp { secret } => {
            let s = meridian_security::totp::TotpSecret::from_base32(secret).map_err(|e| AppError::Validation(e.to_string()))?;
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
            println!("{}", meridian_security::totp::Totp::new(s).code_at(now));
        }
        Command::Init { key, admin, admin_name } => {
            let password = secret("MERIDIAN_PASSWORD", "administrator password")?;
            let app = create(&cli, *key).await?;
            let user = app
                .bootstrap(&NewUser { username: admin.clone(), display_name: admin_name.clone(), role: "admin".into(), password, practitioner_id: None })
                .await?;
            app.close().await;
            println!("created {} with administrator {}", cli.db.display(), user.username);
        }
        Command::Imaging { command: ImagingCommand::Import { patient, outside, folder } } => {
            let app = open(&cli).await?;
            let token = login(&app, &cli).await?;
            let id = match app.search_patients(&token, patient).await?.as_slice() {
                [one] => one.id.clone(),
                _ => patient.clone(),
            };
            let folder = folder.to_str().ok_or_else(|| AppError::Validation("the folder's path is not UTF-8".into()))?;
            let r = app.import_images(&token, &id, folder, *outside).await?;
            println!(
                "imported {} images in {} studies ({} by MRN, {} by name and birth date); refused {} of another patient; skipped {} other files",
                r.instances, r.studies, r.matched_by_mrn, r.matched_by_demographics, r.refused_other_patient, r.not_images
            );
            app.close().await;
        }
        Command::Imaging { command: ImagingCommand::Configure { dicomweb, dimse, aet, calling_aet, move_port, cache_mb, off } } => {
            if *off {
                meridian_app::WorkspaceConfig::set_imaging(&cli.db, None)?;
                println!("imaging off");
                return Ok(ExitCode::SUCCESS);
            }
            if dicomweb.is_none() && dimse.is_none() {
                return Err(AppError::Validation("give --dicomweb URL and/or --dimse HOST:PORT --aet TITLE (or --off)".into()));
            }
            let config = imaging_config(dicomweb.clone(), dimse.clone(), aet.clone(), calling_aet.clone(), *move_port, *cache_mb);
            meridian_app::WorkspaceConfig::set_imaging(&cli.db, Some(config))?;
            println!("imaging from {}", dicomweb.as_deref().or(dimse.as_deref()).unwrap_or_default());
        }
        Command::Demo { key, patients, seed, force, pacs, pacs_dimse, pacs_aet, pacs_move_port, imaging_patients } => {
            if *force && cli.db.exists() {
                for suffix in ["", "-wal", "-shm", ".audit-anchor", ".meridian.json"] {
                    let mut p = cli.db.as_os_str().to_owned();
                    p.push(suffix);
                    let _ = std::fs::remove_file(PathBuf::from(p));
                }
            }
            let app = create(&cli, *key).await?;
            let mut config = DemoConfig::interactive(*seed, now_civil());
            config.patients = *patients;
            let started = std::time::Instant::now();
            let report = app
                .load_demo(&config, |n| {
                    if n % 10 == 0 {
                        eprint!("\rloading demo hospital: {n}/{patients} patients");
                    }
                })
                .await?;
            eprintln!();
            app.close().await;
            if let Some(url) = pacs {
                let mrns = demo_studies(&config, url, *imaging_patients).await?;
                meridian_app::WorkspaceConfig::set_imaging(&cli.db, Some(imaging_config(Some(url.clone()), pacs_dimse.clone(), pacs_aet.clone(), "MERIDIAN".into(), *pacs_move_port, 4096)))?;
                println!("imaging: a CT study of each of {} on the PACS at {url} (the first also has last year's CT)", mrns.join(", "));
            }
            println!(
                "demo hospital in {} ({} patients, {} resources, {:.1} s)",
                cli.db.display(),
                report.patients,
                report.resources,
                started.elapsed().as_secs_f64()
            );
            println!("accounts (password '{}'; TOTP secret for an authenticator app, or `meridian totp SECRET`):", meridian_app::DEMO_PASSWORD);
            for a in &report.accounts {
                println!("  {:<14} {:<14} {}", a.username, a.role, a.totp_secret);
            }
        }
        Command::User { command } => {
            let app = open(&cli).await?;
            let token = login(&app, &cli).await?;
            match command {
                UserCommand::Add { username, role, name } => {
                    let password = secret("MERIDIAN_NEW_PASSWORD", "new user's password")?;
                    let u = app.add_user(&token, &NewUser { username: username.clone(), display_name: name.clone(), role: role.clone(), password, practitioner_id: None }).await?;
                    println!("added {} ({})", u.username, u.role);
                }
                UserCommand::List => {
                    for u in app.list_users(&token).await? {
                        println!("{:<16} {:<14} {:<5} {}", u.username, u.role, if u.totp_enrolled { "totp" } else { "-" }, u.display_name);
                    }
                }
            }
            app.close().await;
        }
        Command::Search { query } => {
            let app = open(&cli).await?;
            let token = login(&app, &cli).await?;
            let hits = app.search_patients(&token, &query.join(" ")).await?;
            for p in &hits {
                println!(
                    "{:<14} {:<32} {:<10} {:<6} {:<7} {}",
                    p.id,
                    p.display_name,
                    p.birth_date.as_deref().unwrap_or("-"),
                    p.age.as_deref().unwrap_or("-"),
                    p.sex.as_deref().unwrap_or("-"),
                    p.mrn.as_deref().unwrap_or("-")
                );
            }
            if hits.is_empty() {
                println!("no patient matches");
            }
            app.close().await;
        }
        Command::Chart { patient } => {
            let app = open(&cli).await?;
            let token = login(&app, &cli).await?;
            let id = match patient {
                Some(patient) => match app.search_patients(&token, patient).await?.as_slice() {
                    [one] => one.id.clone(),
                    _ => patient.clone(),
                },
                None => app.my_patients(&token).await?.first().map(|p| p.id.clone()).ok_or(AppError::NotFound("patient in your care"))?,
            };
            let c = app.chart_summary(&token, &id).await?;
            print_chart(&c);
            app.close().await;
        }
        Command::Patients => {
            let app = open(&cli).await?;
            let token = login(&app, &cli).await?;
            for p in app.my_patients(&token).await? {
                println!("{:<14} {:<32} {:<10} {:<6} {}", p.id, p.display_name, p.birth_date.as_deref().unwrap_or("-"), p.age.as_deref().unwrap_or("-"), p.mrn.as_deref().unwrap_or("-"));
            }
            app.close().await;
        }
        Command::Audit { command } => {
            let app = open(&cli).await?;
            let token = login(&app, &cli).await?;
            match command {
                AuditCommand::Verify => {
                    let v = app.verify_audit(&token).await?;
                    app.close().await;
                    if v.intact {
                        println!("audit trail intact: {} records", v.records);
                    } else {
                        println!("AUDIT TRAIL TAMPERED: {} records, {} problems", v.records, v.problems.len());
                        for p in &v.problems {
                            println!("  {p}");
                        }
                        return Ok(ExitCode::from(3));
                    }
                }
                AuditCommand::Reviews { done } => {
                    match done {
                        Some(id) => {
                            app.review_break_glass(&token, *id).await?;
                            println!("break-the-glass {id} reviewed");
                        }
                        None => {
                            for r in app.break_glass_to_review(&token).await? {
                                println!("{:<5} {}  {:<20} {:<14} {}", r.id, r.at, r.user_id, r.patient_id, r.reason);
                            }
                        }
                    }
                    app.close().await;
                }
                AuditCommand::Export { out } => {
                    let mut file = std::io::BufWriter::new(std::fs::File::create(out).map_err(|e| AppError::Internal(e.to_string()))?);
                    let mut after = 0;
                    let mut n = 0;
                    loop {
                        let page = app.export_audit(&token, after, 1000).await?;
                        if page.is_empty() {
                            break;
                        }
                        for ev in &page {
                            serde_json::to_writer(&mut file, ev).map_err(|e| AppError::Internal(e.to_string()))?;
                            file.write_all(b"\n").map_err(|e| AppError::Internal(e.to_string()))?;
                            n += 1;
                        }
                        after = page.last().and_then(|e| e["id"].as_str()?.strip_prefix("audit-")?.parse().ok()).unwrap_or(i64::MAX);
                    }
                    file.flush().map_err(|e| AppError::Internal(e.to_string()))?;
                    app.close().await;
                    println!("exported {n} AuditEvent resources to {}", out.display());
                }
            }
        }
        Command::Key { command: KeyCommand::Rotate } => {
            let app = open(&cli).await?;
            let token = login(&app, &cli).await?;
            app.authorize_key_rotation(&token).await?;
            let store = app.into_store();
            let keys = keystore().ok();
            let new_passphrase = match meridian_app::WorkspaceConfig::read(&cli.db)?.key_source {
                KeySource::Passphrase => Some(secret("MERIDIAN_NEW_PASSPHRASE", "new passphrase")?),
                KeySource::Keyring => None,
            };
            let keys: Box<dyn KeyStore> = keys.map_or(Box::new(NoKeyring) as Box<dyn KeyStore>, |k| k);
            let store = Workspace::rotate_key(store, keys.as_ref(), new_passphrase.as_deref()).await?;
            store.close().await;
            println!("database key rotated");
        }
        Command::Sync { command } => return sync(&cli, command).await,
        Command::Hl7 { command } => return hl7(&cli, command).await,
        Command::Import => {
            let app = open(&cli).await?;
            let token = app.interface_session().await?;
            let stdin = std::io::stdin();
            let mut out = std::io::stdout().lock();
            let (mut ok, mut failed) = (0u64, 0u64);
            for (n, line) in stdin.lock().lines().enumerate() {
                let line = line.map_err(|e| AppError::Internal(e.to_string()))?;
                if line.trim().is_empty() {
                    continue;
                }
                match app.import_resource(&token, line.as_bytes()).await {
                    Ok(o) => {
                        ok += 1;
                        let _ = writeln!(out, "ok {}/{}/{}", o.resource_type, o.id, o.version);
                        let _ = out.flush();
                    }
                    Err(e) => {
                        failed += 1;
                        let api: ApiError = e.into();
                        let _ = writeln!(out, "error line {}: {}", n + 1, api.message);
                    }
                }
            }
            app.close().await;
            eprintln!("imported {ok}, failed {failed}");
            if failed > 0 {
                return Ok(ExitCode::from(4));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_chart(c: &meridian_api::ChartSummary) {
    let p = &c.banner.patient;
    println!(
        "{}  {} {}  DOB {}  MRN {}{}",
        p.display_name,
        p.age.as_deref().unwrap_or("?"),
        p.sex.as_deref().unwrap_or("?"),
        p.birth_date.as_deref().unwrap_or("?"),
        p.mrn.as_deref().unwrap_or("-"),
        p.abha.as_deref().map(|a| format!("  ABHA {a}")).unwrap_or_default()
    );
    match c.banner.allergy_status.as_str() {
        "nka" => println!("Allergies: No known allergies"),
        "recorded" => println!("Allergies: {}", c.banner.allergies.join(", ")),
        _ => println!("Allergies: not recorded"),
    }
    println!("\nProblems ({}):", c.problems.len());
    for pr in &c.problems {
        println!("  {} [{}]", pr.condition.display, pr.condition.code.as_deref().unwrap_or("-"));
    }
    println!("\nMedications ({}):", c.medications.len());
    for m in &c.medications {
        println!("  {}  {}", m.medication.display, m.dosage.as_deref().unwrap_or(""));
    }
    println!("\nLatest vitals:");
    for v in &c.latest_vitals {
        println!("  {:<32} {:>8} {:<10} {:<3} {}", v.display, value_text(v), v.unit.as_deref().unwrap_or(""), v.flag.as_deref().unwrap_or(""), v.effective.as_deref().unwrap_or(""));
    }
    println!("\nRecent labs ({}):", c.recent_labs.len());
    for v in &c.recent_labs {
        println!("  {:<32} {:>8} {:<16} {:<3} {}", v.display, value_text(v), v.unit.as_deref().unwrap_or(""), v.flag.as_deref().unwrap_or(""), v.effective.as_deref().unwrap_or(""));
    }
    println!("\nUnsigned notes: {}", c.unsigned_notes);
}

fn value_text(v: &meridian_api::ObservationRow) -> String {
    v.value_text.clone().or_else(|| v.value.map(|x| format!("{x}"))).unwrap_or_else(|| "-".into())
}

async fn sync(cli: &Cli, command: &SyncCommand) -> Result<ExitCode, AppError> {
    match command {
        SyncCommand::Configure { server, auth, token_url, client_id, key_id, scope, key_file } => {
            let keys = keystore()?;
            let (auth, secret) = match auth.as_str() {
                "none" => (meridian_app::SyncAuth::None, None),
                "bearer" => (meridian_app::SyncAuth::Bearer, Some(zeroize::Zeroizing::new(secret("MERIDIAN_FHIR_TOKEN", "bearer token")?))),
                "smart" => {
                    let (Some(token_url), Some(client_id), Some(key_file)) = (token_url, client_id, key_file) else {
                        return Err(AppError::Validation("--auth smart needs --token-url, --client-id and --key-file".into()));
                    };
                    let pem = std::fs::read_to_string(key_file).map_err(|e| AppError::Validation(format!("cannot read the key file: {e}")))?;
                    meridian_fhirclient::SigningKey::from_pkcs8_pem(&pem).map_err(|e| AppError::Validation(e.to_string()))?;
                    let auth = meridian_app::SyncAuth::Smart { token_url: token_url.clone(), client_id: client_id.clone(), key_id: key_id.clone(), scope: scope.clone() };
                    (auth, Some(zeroize::Zeroizing::new(pem)))
                }
                other => return Err(AppError::Validation(format!("unknown --auth '{}'; use none, bearer or smart", other.chars().take(20).collect::<String>()))),
            };
            let config = meridian_app::SyncConfig { fhir_base_url: server.clone(), interval_secs: 30, auth };
            meridian_app::WorkspaceConfig::set_sync(&cli.db, keys.as_ref(), config, secret.as_deref().map(String::as_str))?;
            println!("sync server set");
        }
        SyncCommand::Status => {
            let app = open(cli).await?;
            let token = app.interface_session().await?;
            let s = app.sync_status(&token).await?;
            println!("state: {}", s.state);
            println!("server: {}", s.server.as_deref().unwrap_or("-"));
            println!("pending: {}", s.pending);
            println!("conflicts: {}", s.conflicts);
            println!("hl7 pending: {}", s.hl7_pending);
            println!("last success: {}", s.last_success.as_deref().unwrap_or("-"));
            println!("last error: {}", s.last_error.as_deref().unwrap_or("-"));
            app.close().await;
        }
        SyncCommand::Run { server, timeout } => {
            let configured = match keystore() {
                Ok(keys) => meridian_app::WorkspaceConfig::sync_endpoint(&cli.db, keys.as_ref())?,
                Err(_) => meridian_app::WorkspaceConfig::sync_endpoint(&cli.db, &NoKeyring)?,
            };
            let (server, endpoint) = match (server, configured) {
                (Some(s), _) => (s.clone(), meridian_fhirclient::Endpoint::new(s.clone())),
                (None, Some((config, endpoint))) => (config.fhir_base_url, endpoint),
                (None, None) => return Err(AppError::Validation("no FHIR server: pass --server or run `meridian sync configure`".into())),
            };
            let endpoint = endpoint.with_timeout(std::time::Duration::from_secs(*timeout));
            let client = meridian_fhirclient::Client::new(endpoint).map_err(|e| AppError::Validation(e.to_string()))?;
            let app = open(cli).await?;
            let sync = meridian_app::sync::FhirSync::new(app.clone(), client, server);
            let outcome = sync.run_once().await;
            app.close().await;
            match outcome {
                Ok((pushed, pulled)) => {
                    println!(
                        "pushed {} (deleted {}, already there {}, refused {}, conflicts {}); pulled {} (known {}, conflicts {}, skipped {}); pending {}",
                        pushed.sent, pushed.deleted, pushed.already_there, pushed.rejected, pushed.conflicts,
                        pulled.applied, pulled.known, pulled.conflicts, pulled.skipped, pushed.remaining
                    );
                    if pushed.remaining > 0 {
                        return Ok(ExitCode::from(5));
                    }
                }
                Err(e) => {
                    eprintln!("sync stopped: {}", e.data_free());
                    return Ok(ExitCode::from(5));
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn forward_all(app: &App) -> Result<(usize, usize, usize), AppError> {
    let (mut accepted, mut refused, mut remaining) = (0, 0, 0);
    for route in app.hl7_routes().await? {
        let mut client = meridian_mllp::Client::new(route.addr.clone(), meridian_mllp::Timeouts::default());
        if let Some(tls) = &route.tls {
            let ca = std::fs::read(&tls.ca_file).map_err(|e| AppError::Validation(format!("route {}: cannot read the CA file: {e}", route.name)))?;
            let config = meridian_mllp::TlsClient::new(&ca, &tls.server_name).map_err(|e| AppError::Validation(format!("route {}: {e}", route.name)))?;
            client = client.with_tls(config);
        }
        let r = app.forward_hl7(&route.name, &mut client).await?;
        accepted += r.accepted;
        refused += r.refused;
        remaining += r.remaining;
    }
    Ok((accepted, refused, remaining))
}

async fn hl7(cli: &Cli, command: &Hl7Command) -> Result<ExitCode, AppError> {
    match command {
        Hl7Command::Route { name, addr, subscribe, order_message, receiving_application, receiving_facility, authority, facility, tls_ca, tls_name } => {
            let app = open(cli).await?;
            let token = login(&app, cli).await?;
            let mut routes: Vec<_> = app.hl7_routes().await?.into_iter().filter(|r| &r.name != name).collect();
            routes.push(meridian_app::Hl7Route {
                name: name.clone(),
                addr: addr.clone(),
                subscribe: subscribe.split(',').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect(),
                order_message: order_message.clone(),
                receiving_application: receiving_application.clone(),
                receiving_facility: receiving_facility.clone(),
                local_authority: authority.clone(),
                sending_application: "MERIDIAN".into(),
                sending_facility: facility.clone(),
                tls: match (tls_ca, tls_name) {
                    (Some(ca), Some(name)) => Some(meridian_app::RouteTls { ca_file: ca.to_string_lossy().into_owned(), server_name: name.clone() }),
                    _ => None,
                },
            });
            app.configure_hl7_routes(&token, &routes).await?;
            app.close().await;
            println!("route {name} set");
        }
        Hl7Command::Forward => {
            let app = open(cli).await?;
            let (accepted, refused, remaining) = forward_all(&app).await?;
            app.close().await;
            println!("accepted {accepted}, refused {refused}, waiting {remaining}");
            if remaining > 0 {
                return Ok(ExitCode::from(5));
            }
        }
        Hl7Command::Listen { bind, authority, application, facility, offset_minutes, tls_cert, tls_key } => {
            let app = open(cli).await?;
            let config = meridian_v2fhir::MappingConfig::new(authority, application, facility, *offset_minutes);
            let mut listener = meridian_mllp::Listener::bind(bind, meridian_mllp::ListenerConfig::default())
                .await
                .map_err(|e| AppError::Validation(format!("cannot listen on {bind}: {e}")))?;
            if let (Some(cert), Some(key)) = (tls_cert, tls_key) {
                let read = |p: &PathBuf| std::fs::read(p).map_err(|e| AppError::Validation(format!("cannot read {}: {e}", p.display())));
                let tls = meridian_mllp::TlsServer::new(&read(cert)?, &read(key)?).map_err(|e| AppError::Validation(e.to_string()))?;
                listener = listener.with_tls(tls);
            }
            let addr = listener.local_addr().map_err(|e| AppError::Internal(e.to_string()))?;
            let receiver = app.clone();
            let handle = listener
                .spawn(move |bytes: Vec<u8>| {
                    let app = receiver.clone();
                    let config = config.clone();
                    async move { app.receive_hl7(&bytes, &config).await }
                })
                .map_err(|e| AppError::Internal(e.to_string()))?;
            println!("listening {addr}");
            let _ = std::io::stdout().flush();
            let mut backoff = meridian_app::sync::Backoff::new(std::time::Duration::from_secs(2), std::time::Duration::from_secs(120));
            loop {
                let wait = match forward_all(&app).await {
                    Ok((_, _, 0)) => {
                        backoff.succeed();
                        std::time::Duration::from_secs(2)
                    }
                    _ => backoff.fail(None),
                };
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => break,
                    _ = tokio::time::sleep(wait) => {}
                }
            }
            handle.stop().await;
            app.close().await;
        }
    }
    Ok(ExitCode::SUCCESS)
}
