//! Imaging use cases: a patient's studies on the PACS and in the encrypted cache, retrieval over
//! DICOMweb (WADO-RS) or DIMSE (C-GET), opening a series in the viewer, drawing frames and
//! taking measurements.
//!
//! Every patient-scoped step is audited as `view-images` (physicians and radiologists in the
//! patient's care). Network transfers and decoding run outside store transactions. Instances
//! whose Patient ID is not the patient's MRN are refused and never cached (wrong-patient
//! images are the imaging form of the wrong-chart error). Drawing a frame of an open series
//! checks the session and that the series was opened by this user; it is not audited per frame
//! (opening was).

mod view;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use meridian_api::{ImageImport, ImagingStudy, RetrieveReport, RetrieveVia, SeriesRow, StudyList};
use meridian_domain::access::Action;
use meridian_domain::identifier::MRN_SYSTEM;
use meridian_pacs::{DicomWebClient, DimsePeer, StudyQuery, StudySummary, WebOptions};
use meridian_store::{CachedInstance, Tx};

use crate::guard::{Ctx, Target};
use crate::workspace::ImagingConfig;
use crate::{App, AppError, Result};

pub(crate) use view::OpenSeries;

/// Patient ID (0010,0020).
const PATIENT_ID: (u16, u16) = (0x0010, 0x0020);

/// The imaging state of an [`App`]: where the PACS is, and the series open in viewers.
#[derive(Default)]
pub(crate) struct Imaging {
    config: RwLock<Option<ImagingConfig>>,
    open: Mutex<HashMap<String, Arc<OpenSeries>>>,
    renderer: Mutex<Option<Arc<view::Gpu>>>,
}

impl Imaging {
    fn config(&self) -> Option<ImagingConfig> {
        self.config.read().ok().and_then(|c| c.clone())
    }
}

/// The patient's MRN, the identifier the PACS files their images under.
async fn patient_mrn(tx: &mut Tx, patient_id: &str) -> Result<String> {
    let p = crate::patients::read_patient(tx, patient_id).await?;
    p.identifier(MRN_SYSTEM)
        .and_then(|i| i.value.clone())
        .map(|m| m.trim().to_owned())
        .filter(|m| !m.is_empty() && m != "PENDING")
        .ok_or_else(|| AppError::Validation("this patient has no MRN yet, so the PACS cannot be asked for their images".into()))
}

fn peer_error(e: &meridian_pacs::PacsError) -> AppError {
    AppError::PeerUnavailable(format!("the PACS could not be used: {e}"))
}

fn da_to_iso(da: &str) -> Option<String> {
    let d = da.trim();
    (d.len() == 8 && d.bytes().all(|b| b.is_ascii_digit())).then(|| format!("{}-{}-{}", &d[..4], &d[4..6], &d[6..]))
}

impl App {
    /// Points this workstation at a PACS (from the workspace file).
    pub fn configure_imaging(&self, config: Option<ImagingConfig>) {
        if let Ok(mut c) = self.imaging.config.write() {
            *c = config;
        }
    }

    /// The patient's studies: those the PACS lists under their MRN (DICOMweb QIDO-RS, else DIMSE
    /// C-FIND), merged with those in the local cache. An unreachable PACS still lists the cache
    /// and says why the archive is missing.
    pub async fn imaging_studies(&self, token: &str, patient_id: &str) -> Result<StudyList> {
        let (mrn, cached) = self
            .audited(token, Action::ViewImages, Target::patient(patient_id), async |tx: &mut Tx, _ctx: &mut Ctx| {
                let mrn = patient_mrn(tx, patient_id).await?;
                Ok((mrn, tx.dicom_studies(patient_id).await?))
            })
            .await?;
        let config = self.imaging.config();
        let mut retrieve_options = Vec::new();
        if let Some(c) = &config {
            if c.dicomweb_url.is_some() {
                retrieve_options.push(RetrieveVia::Dicomweb);
            }
            if let Some(d) = &c.dimse {
                retrieve_options.push(RetrieveVia::Dimse);
                if d.move_port.is_some() {
                    retrieve_options.push(RetrieveVia::DimseMove);
                }
            }
        }
        let mut list = StudyList { studies: Vec::new(), pacs_error: None, pacs_configured: config.is_some(), retrieve_options };
        let remote = match &config {
            Some(c) => match find_studies(c, &mrn).await {
                Ok(found) => found,
                Err(e) => {
                    list.pacs_error = Some(e.to_string());
                    Vec::new()
                }
            },
            None => Vec::new(),
        };
        for s in remote {
            // The archive answered for this Patient ID; anything else is not this patient's.
            if s.patient_id.as_deref().map(str::trim) != Some(mrn.as_str()) {
                continue;
            }
            let cache = cached.iter().find(|c| c.study_uid == s.study_instance_uid);
            list.studies.push(ImagingStudy {
                study_uid: s.study_instance_uid.clone(),
                date: s.study_date.map(|d| format!("{:04}-{:02}-{:02}", d.year, d.month, d.day)),
                description: s.description.clone(),
                accession: s.accession_number.clone(),
                modalities: s.modalities.clone(),
                remote_instances: s.number_of_instances.unwrap_or(0),
                cached_instances: cache.map_or(0, |c| c.instances as u32),
                on_pacs: true,
                prior_study_uid: None,
                prior_retrieve_via: None,
            });
        }
        for c in &cached {
            if list.studies.iter().any(|s| s.study_uid == c.study_uid) {
                continue;
            }
            list.studies.push(ImagingStudy {
                study_uid: c.study_uid.clone(),
                date: c.study_date.clone(),
                description: c.description.clone(),
                accession: c.accession.clone(),
                modalities: c.modalities.clone(),
                remote_instances: 0,
                cached_instances: c.instances as u32,
                on_pacs: false,
                prior_study_uid: None,
                prior_retrieve_via: None,
            });
        }
        list.studies.sort_by(|a, b| b.date.cmp(&a.date).then_with(|| a.study_uid.cmp(&b.study_uid)));
        assign_priors(&mut list);
        Ok(list)
    }

    /// Fetches a whole study into the encrypted cache, over DICOMweb or DIMSE. Instances of any
    /// other patient are refused; the cache then gives up its least recently opened studies to
    /// stay within its bound.
    pub async fn retrieve_study(&self, token: &str, patient_id: &str, study_uid: &str, via: RetrieveVia) -> Result<RetrieveReport> {
        let config = self.imaging.config().ok_or_else(|| AppError::Validation("no PACS is configured for this workstation".into()))?;
        check_uid(study_uid)?;
        let mrn = self
            .audited(token, Action::ViewImages, Target::patient(patient_id), async |tx: &mut Tx, ctx: &mut Ctx| {
                ctx.detail = Some(format!("retrieve {} study", match via {
                    RetrieveVia::Dicomweb => "dicomweb",
                    RetrieveVia::Dimse => "dimse c-get",
                    RetrieveVia::DimseMove => "dimse c-move",
                }));
                patient_mrn(tx, patient_id).await
            })
            .await?;
        let files = fetch_study(&config, study_uid, via, fetch_limit(&config)).await?;
        let bytes: u64 = files.iter().map(|f| f.len() as u64).sum();
        // Headers are read (and every file checked) away from the async runtime.
        let study = study_uid.to_owned();
        let accepted = tokio::task::spawn_blocking(move || sort_received(files, &mrn, &study))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
        if accepted.instances.is_empty() {
            // Nothing of this patient came back: the cache is left exactly as it was.
            if accepted.refused == 0 && accepted.not_images == 0 {
                return Err(AppError::NotFound("study on the PACS"));
            }
            return Ok(RetrieveReport { via, instances: 0, presentation_states: 0, bytes, refused_other_patient: accepted.refused, not_images: accepted.not_images, evicted_studies: 0 });
        }
        let mut tx = self.store.write(self.clock.now()).await?;
        let moved = cache_study(&mut tx, patient_id, study_uid, &accepted.instances).await?;
        let evicted = tx.evict_dicom(cache_bound(&config), &[study_uid]).await?;
        tx.commit().await?;
        let states = accepted.instances.iter().filter(|r| r.modality.as_deref() == Some("PR")).count() as u32;
        let instances = (accepted.instances.len() as u32).saturating_sub(states).saturating_sub(moved);
        let accepted = Accepted { refused: accepted.refused + moved, ..accepted };
        Ok(RetrieveReport { via, instances, presentation_states: states, bytes, refused_other_patient: accepted.refused, not_images: accepted.not_images, evicted_studies: evicted })
    }

    /// The series of a cached study, each with a thumbnail of its middle image.
    pub async fn imaging_series(&self, token: &str, patient_id: &str, study_uid: &str) -> Result<Vec<SeriesRow>> {
        let rows = self
            .audited(token, Action::ViewImages, Target::patient(patient_id), async |tx: &mut Tx, _ctx: &mut Ctx| {
                cached_study_of(tx, patient_id, study_uid).await?;
                let mut rows = Vec::new();
                // Presentation states (saved measurements) are not series to open.
                for s in tx.dicom_series(study_uid).await?.into_iter().filter(|s| s.modality.as_deref() != Some("PR")) {
                    let middle = tx.dicom_series_middle(study_uid, &s.series_uid).await?;
                    let row = SeriesRow {
                        series_uid: s.series_uid,
                        number: s.number,
                        modality: s.modality,
                        description: s.description,
                        instances: s.instances as u32,
                        thumbnail: None,
                    };
                    rows.push((row, middle));
                }
                Ok(rows)
            })
            .await?;
        let gpu = self.imaging.clone();
        tokio::task::spawn_blocking(move || {
            let gpu = gpu.gpu().ok();
            rows.into_iter()
                .map(|(mut row, middle)| {
                    row.thumbnail = middle.and_then(|body| view::thumbnail(&body, gpu.as_deref()));
                    row
                })
                .collect()
        })
        .await
        .map_err(|e| AppError::Internal(e.to_string()))
    }

    /// Imports every DICOM image under `folder` (a CD/DVD with a DICOMDIR, or any folder) into
    /// the patient's cache. Images filed under the patient's MRN are taken; with `outside`,
    /// images from another hospital (another Patient ID) are taken when the family name and the
    /// birth date match this patient's and the sex does not differ; everything else is refused
    /// and counted.
    pub async fn import_images(&self, token: &str, patient_id: &str, folder: &str, outside: bool) -> Result<ImageImport> {
        let config = self.imaging.config().unwrap_or_default();
        let (max, bound) = (fetch_limit(&config) as u64, cache_bound(&config));
        let who = self
            .audited(token, Action::ViewImages, Target::patient(patient_id), async |tx: &mut Tx, ctx: &mut Ctx| {
                ctx.detail = Some(if outside { "import images from a folder (outside ids)" } else { "import images from a folder" }.into());
                let p = crate::patients::read_patient(tx, patient_id).await?;
                let mrn = patient_mrn(tx, patient_id).await.ok();
                let family = p.name.first().and_then(|n| n.family.clone()).unwrap_or_default();
                let birth = p.birth_date.as_ref().and_then(|d| match d.ymd() {
                    (y, Some(m), Some(d)) => Some(format!("{y:04}{m:02}{d:02}")),
                    _ => None,
                });
                let sex = match p.gender.as_ref().map(|g| g.as_str()) {
                    Some("male") => Some("M"),
                    Some("female") => Some("F"),
                    _ => None,
                };
                Ok(Identity { mrn, family, birth, sex })
            })
            .await?;
        let folder = std::path::PathBuf::from(folder);
        let found = tokio::task::spawn_blocking(move || read_folder(&folder, &who, outside, max))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))??;
        let mut tx = self.store.write(self.clock.now()).await?;
        let mut studies: Vec<&str> = Vec::new();
        let mut refused = found.refused;
        for (study_uid, received) in &found.studies {
            refused += cache_study(&mut tx, patient_id, study_uid, received).await?;
            studies.push(study_uid);
        }
        tx.evict_dicom(bound, &studies).await?;
        tx.commit().await?;
        Ok(ImageImport {
            studies: studies.len() as u32,
            instances: found.studies.values().map(|v| v.len() as u32).sum(),
            bytes: found.bytes,
            matched_by_mrn: found.by_mrn,
            matched_by_demographics: found.by_demographics,
            refused_other_patient: refused,
            not_images: found.not_images,
        })
    }

    /// The size of the imaging cache in bytes (reports, tests; no patient data).
    pub async fn imaging_cache_bytes(&self) -> Result<i64> {
        let mut tx = self.store.write(self.clock.now()).await?;
        let n = tx.dicom_cache_bytes().await?;
        tx.commit().await?;
        Ok(n)
    }
}

/// The hanging protocol: a CT or MR is read against the latest earlier study of the same
/// modality that is here.
/// Names each study's hanging prior, and how to retrieve it first when it is not here (the first
/// way the list offers); with no way to retrieve it, none hangs.
fn assign_priors(list: &mut StudyList) {
    let priors: Vec<(Option<String>, Option<RetrieveVia>)> = list
        .studies
        .iter()
        .map(|s| {
            let Some(p) = hanging_prior(s, &list.studies) else { return (None, None) };
            let here = list.studies.iter().any(|o| o.study_uid == p && o.cached_instances > 0);
            match (here, list.retrieve_options.first()) {
                (true, _) => (Some(p), None),
                (false, Some(via)) => (Some(p), Some(*via)),
                (false, None) => (None, None),
            }
        })
        .collect();
    for (s, (p, via)) in list.studies.iter_mut().zip(priors) {
        s.prior_study_uid = p;
        s.prior_retrieve_via = via;
    }
}

fn hanging_prior(this: &ImagingStudy, all: &[ImagingStudy]) -> Option<String> {
    let modality = this.modalities.iter().find(|m| matches!(m.as_str(), "CT" | "MR"))?;
    all.iter()
        .filter(|s| s.study_uid != this.study_uid && (s.cached_instances > 0 || s.on_pacs) && s.modalities.contains(modality) && s.date < this.date)
        .max_by(|a, b| a.date.cmp(&b.date))
        .map(|s| s.study_uid.clone())
}

/// The cache's bound in bytes; the study just retrieved or imported is kept even past it.
fn cache_bound(config: &ImagingConfig) -> i64 {
    i64::try_from(config.cache_max_mb.saturating_mul(1024 * 1024)).unwrap_or(i64::MAX)
}

/// The most one retrieval may bring: the cache's bound, at least 64 MiB.
fn fetch_limit(config: &ImagingConfig) -> usize {
    usize::try_from(config.cache_max_mb.max(64).saturating_mul(1024 * 1024)).unwrap_or(usize::MAX)
}

/// Puts a study's instances into the cache for this patient. A study cached for another
/// patient is refused whole; instances already cached under another study stay there and are
/// counted (returned) as refused.
async fn cache_study(tx: &mut Tx, patient_id: &str, study_uid: &str, received: &[Received]) -> Result<u32> {
    let first = received.iter().find(|r| r.modality.as_deref() != Some("PR"));
    let mut modalities: Vec<String> = Vec::new();
    for m in received.iter().filter_map(|r| r.modality.clone()).filter(|m| m != "PR") {
        if !modalities.contains(&m) {
            modalities.push(m);
        }
    }
    let this_patients = tx
        .put_dicom_study(
            study_uid,
            patient_id,
            first.and_then(|i| i.study_date.as_deref()).and_then(da_to_iso).as_deref(),
            first.and_then(|i| i.study_description.as_deref()),
            first.and_then(|i| i.accession.as_deref()),
            &modalities,
        )
        .await?;
    if !this_patients {
        return Err(AppError::Validation("this study is on this workstation under another patient; nothing was changed (ask the PACS team to check it)".into()));
    }
    let mut refused = 0;
    for i in received {
        let cached = tx
            .put_dicom_instance(
                study_uid,
                &CachedInstance {
                    sop_uid: &i.sop_uid,
                    series_uid: &i.series_uid,
                    series_number: i.series_number,
                    series_description: i.series_description.as_deref(),
                    modality: i.modality.as_deref(),
                    instance_number: i.instance_number,
                    body: &i.body,
                    meta: i.meta.as_deref(),
                },
            )
            .await?;
        if !cached {
            refused += 1;
        }
    }
    tx.refresh_dicom_study_bytes(study_uid).await?;
    Ok(refused)
}

/// The cached study, if it is this patient's.
async fn cached_study_of(tx: &mut Tx, patient_id: &str, study_uid: &str) -> Result<meridian_store::CachedStudy> {
    match tx.dicom_study(study_uid).await? {
        Some(s) if s.patient_id == patient_id => Ok(s),
        _ => Err(AppError::NotFound("cached study (retrieve it first)")),
    }
}

fn check_uid(uid: &str) -> Result<()> {
    if uid.is_empty() || uid.len() > 64 || !uid.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return Err(AppError::Validation("a study UID is digits and dots, at most 64 characters".into()));
    }
    Ok(())
}

pub(super) fn web_client(url: &str, max_bytes: usize) -> Result<DicomWebClient> {
    let mut options = WebOptions::default();
    options.timeout = Duration::from_secs(60);
    options.max_response_bytes = max_bytes;
    DicomWebClient::new(url, options).map_err(|e| peer_error(&e))
}

fn dimse_peer(c: &crate::workspace::DimseConfig) -> DimsePeer {
    let mut peer = DimsePeer::new(c.address.clone(), c.called_aet.clone(), c.calling_aet.clone());
    peer.timeout = Duration::from_secs(20);
    peer
}

async fn find_studies(config: &ImagingConfig, mrn: &str) -> Result<Vec<StudySummary>> {
    let query = StudyQuery { limit: Some(200), ..StudyQuery::by_patient_id(mrn) };
    if let Some(url) = &config.dicomweb_url {
        return web_client(url, 64 << 20)?.search_studies(&query).await.map_err(|e| peer_error(&e));
    }
    if let Some(d) = &config.dimse {
        let peer = dimse_peer(d);
        return tokio::task::spawn_blocking(move || peer.find_studies(&query))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?
            .map_err(|e| peer_error(&e));
    }
    Ok(Vec::new())
}

async fn fetch_study(config: &ImagingConfig, study_uid: &str, via: RetrieveVia, max: usize) -> Result<Vec<Vec<u8>>> {
    match via {
        RetrieveVia::Dicomweb => {
            let url = config.dicomweb_url.as_deref().ok_or_else(|| AppError::Validation("no DICOMweb address is configured".into()))?;
            web_client(url, max)?.retrieve_study(study_uid).await.map_err(|e| peer_error(&e))
        }
        RetrieveVia::Dimse => {
            let d = config.dimse.as_ref().ok_or_else(|| AppError::Validation("no DIMSE peer is configured".into()))?;
            let peer = dimse_peer(d);
            let uid = study_uid.to_owned();
            let outcome = tokio::task::spawn_blocking(move || peer.get_study(&uid, meridian_pacs::DEFAULT_GET_SOP_CLASSES, max))
                .await
                .map_err(|e| AppError::Internal(e.to_string()))?
                .map_err(|e| peer_error(&e))?;
            Ok(outcome.instances.into_iter().map(|i| i.file).collect())
        }
        RetrieveVia::DimseMove => {
            let d = config.dimse.as_ref().ok_or_else(|| AppError::Validation("no DIMSE peer is configured".into()))?;
            let port = d.move_port.ok_or_else(|| AppError::Validation("C-MOVE needs this workstation's listener port in the workspace (dimse.move_port)".into()))?;
            let peer = dimse_peer(d);
            let (uid, aet) = (study_uid.to_owned(), d.calling_aet.clone());
            tokio::task::spawn_blocking(move || move_study(&peer, &uid, &aet, port, max))
                .await
                .map_err(|e| AppError::Internal(e.to_string()))?
        }
    }
}

/// C-MOVE of a study to our own C-STORE listener, open only for the move: returns what arrived.
fn move_study(peer: &DimsePeer, study_uid: &str, aet: &str, port: u16, max: usize) -> Result<Vec<Vec<u8>>> {
    let mut scp = meridian_pacs::StoreScp::start(&format!("0.0.0.0:{port}"), aet, Duration::from_secs(30)).map_err(|e| peer_error(&e))?;
    let outcome = peer.move_study(study_uid, aet);
    let mut files: Vec<Vec<u8>> = Vec::new();
    let mut bytes = 0usize;
    let result = match outcome {
        Ok(o) => {
            // Every sub-operation has finished when the final response comes; the listener may
            // still be handing over the last instances.
            let expected = usize::from(o.completed) + usize::from(o.warning);
            let mut ok = Ok(());
            while files.len() < expected {
                let Some(i) = scp.recv_timeout(Duration::from_secs(5)) else { break };
                bytes += i.file.len();
                if bytes > max {
                    ok = Err(AppError::Validation("the study is larger than the imaging cache allows".into()));
                    break;
                }
                files.push(i.file);
            }
            ok
        }
        Err(e) => Err(peer_error(&e)),
    };
    scp.stop();
    result.map(|()| files)
}

/// Who the images must belong to.
struct Identity {
    mrn: Option<String>,
    family: String,
    /// `YYYYMMDD`.
    birth: Option<String>,
    /// `M` or `F` when recorded.
    sex: Option<&'static str>,
}

/// What a folder held, by study.
#[derive(Default)]
struct Found {
    studies: std::collections::BTreeMap<String, Vec<Received>>,
    bytes: u64,
    by_mrn: u32,
    by_demographics: u32,
    refused: u32,
    not_images: u32,
}

/// Most files looked at in one import, and how deep folders are followed.
const MAX_FILES: usize = 100_000;
const MAX_DEPTH: usize = 8;

/// Reads every file under `root` (not following links), keeping this patient's images.
fn read_folder(root: &std::path::Path, who: &Identity, outside: bool, max_bytes: u64) -> Result<Found> {
    if !root.is_dir() {
        return Err(AppError::Validation("that folder does not exist or cannot be read".into()));
    }
    let mut found = Found::default();
    let mut stack = vec![(root.to_path_buf(), 0usize)];
    let mut seen = 0usize;
    while let Some((dir, depth)) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        let mut entries: Vec<_> = entries.flatten().collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let Ok(kind) = entry.file_type() else { continue };
            let path = entry.path();
            if kind.is_dir() && depth < MAX_DEPTH {
                stack.push((path, depth + 1));
                continue;
            }
            if !kind.is_file() {
                continue;
            }
            seen += 1;
            if seen > MAX_FILES {
                return Err(AppError::Validation(format!("the folder holds more than {MAX_FILES} files; import a smaller folder")));
            }
            let size = entry.metadata().map_or(0, |m| m.len());
            if found.bytes.saturating_add(size) > max_bytes {
                return Err(AppError::Validation(format!("the folder's images exceed the imaging cache ({} MiB)", max_bytes / (1024 * 1024))));
            }
            let Ok(body) = std::fs::read(&path) else {
                found.not_images += 1;
                continue;
            };
            let Ok(instance) = meridian_viewer::open(&body) else {
                let study = meridian_viewer::gsps::header(&body).map(|h| h.study_uid);
                match study.and_then(|study| presentation_state(body, who.mrn.as_deref(), &study).map(|r| (study, r))) {
                    Some((study, r)) => {
                        found.bytes += r.body.len() as u64;
                        found.studies.entry(study).or_default().push(r);
                    }
                    None => found.not_images += 1,
                }
                continue;
            };
            let text = |g: u16, e: u16| instance.text(g, e);
            let (Some(sop_uid), Some(series_uid), Some(study_uid)) = (instance.sop_instance_uid(), instance.series_instance_uid(), text(0x0020, 0x000D)) else {
                found.not_images += 1;
                continue;
            };
            let by_mrn = who.mrn.is_some() && text(PATIENT_ID.0, PATIENT_ID.1) == who.mrn;
            let by_demographics = outside && !by_mrn && {
                let family = text(0x0010, 0x0010).map(|n| n.split('^').next().unwrap_or_default().trim().to_lowercase());
                let birth = text(0x0010, 0x0030);
                // Both recorded and different sexes are a mismatch; one unrecorded is not.
                let sex_agrees = match (text(0x0010, 0x0040).as_deref(), who.sex) {
                    (Some(d @ ("M" | "F")), Some(ours)) => d == ours,
                    _ => true,
                };
                !who.family.is_empty() && family.as_deref() == Some(who.family.trim().to_lowercase().as_str()) && birth.is_some() && birth == who.birth && sex_agrees
            };
            if !by_mrn && !by_demographics {
                found.refused += 1;
                continue;
            }
            if by_mrn {
                found.by_mrn += 1;
            } else {
                found.by_demographics += 1;
            }
            found.bytes += body.len() as u64;
            let modality = instance.modality();
            found.studies.entry(study_uid).or_default().push(Received::image(&instance, sop_uid, series_uid, modality, body));
        }
    }
    Ok(found)
}

/// One received instance, read for the cache.
struct Received {
    sop_uid: String,
    series_uid: String,
    series_number: Option<i64>,
    series_description: Option<String>,
    modality: Option<String>,
    instance_number: Option<i64>,
    study_date: Option<String>,
    study_description: Option<String>,
    accession: Option<String>,
    body: Vec<u8>,
    /// What opening its series needs (JSON), for images.
    meta: Option<String>,
}

impl Received {
    /// An image, with the attributes the cache lists it by.
    fn image(instance: &meridian_viewer::Instance, sop_uid: String, series_uid: String, modality: Option<String>, body: Vec<u8>) -> Self {
        let text = |g: u16, e: u16| instance.text(g, e);
        Received {
            sop_uid,
            series_uid,
            series_number: text(0x0020, 0x0011).and_then(|s| s.parse().ok()),
            series_description: text(0x0008, 0x103E),
            modality,
            instance_number: instance.instance_number(),
            study_date: text(0x0008, 0x0020),
            study_description: text(0x0008, 0x1030),
            accession: text(0x0008, 0x0050),
            body,
            meta: view::ImageMeta::of(instance).and_then(|m| serde_json::to_string(&m).ok()),
        }
    }
}

struct Accepted {
    instances: Vec<Received>,
    modalities: Vec<String>,
    refused: u32,
    not_images: u32,
}

/// A presentation state of `study_uid` filed under `mrn`, ready for the cache.
fn presentation_state(body: Vec<u8>, mrn: Option<&str>, study_uid: &str) -> Option<Received> {
    let h = meridian_viewer::gsps::header(&body)?;
    if h.patient_id.as_deref() != mrn || mrn.is_none() || h.study_uid != study_uid {
        return None;
    }
    Some(Received {
        sop_uid: h.sop_instance_uid,
        series_uid: h.series_uid,
        series_number: Some(900),
        series_description: Some("Measurements".into()),
        modality: Some("PR".into()),
        instance_number: None,
        study_date: None,
        study_description: None,
        accession: None,
        body,
        meta: None,
    })
}

/// Keeps the instances that belong to `study_uid` and to the patient with `mrn`; refuses the
/// rest, and counts files the viewer cannot open as images (reports, presentation states, damaged
/// files). Neither is cached.
fn sort_received(files: Vec<Vec<u8>>, mrn: &str, study_uid: &str) -> Accepted {
    let mut out = Accepted { instances: Vec::new(), modalities: Vec::new(), refused: 0, not_images: 0 };
    for body in files {
        let Ok(instance) = meridian_viewer::open(&body) else {
            // Saved measurements (presentation states) of this patient's study are kept.
            match presentation_state(body, Some(mrn), study_uid) {
                Some(r) => out.instances.push(r),
                None => out.not_images += 1,
            }
            continue;
        };
        let text = |g: u16, e: u16| instance.text(g, e);
        let same_patient = text(PATIENT_ID.0, PATIENT_ID.1).as_deref() == Some(mrn);
        let same_study = text(0x0020, 0x000D).as_deref() == Some(study_uid);
        let (Some(sop_uid), Some(series_uid)) = (instance.sop_instance_uid(), instance.series_instance_uid()) else {
            out.refused += 1;
            continue;
        };
        if !same_patient || !same_study {
            out.refused += 1;
            continue;
        }
        let modality = instance.modality();
        if let Some(m) = &modality
            && !out.modalities.contains(m)
        {
            out.modalities.push(m.clone());
        }
        out.instances.push(Received::image(&instance, sop_uid, series_uid, modality, body));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn study(uid: &str, date: &str, modality: &str, cached: u32) -> ImagingStudy {
        ImagingStudy {
            study_uid: uid.into(),
            date: Some(date.into()),
            description: None,
            accession: None,
            modalities: vec![modality.into()],
            remote_instances: 10,
            cached_instances: cached,
            on_pacs: true,
            prior_study_uid: None,
            prior_retrieve_via: None,
        }
    }

    #[test]
    fn the_prior_is_the_latest_earlier_study_of_the_modality_here_or_on_the_pacs() {
        let gone = ImagingStudy { on_pacs: false, ..study("1.35", "2026-03-01", "CT", 0) };
        let all = vec![
            study("1.4", "2026-11-15", "CT", 40),
            gone,
            study("1.3", "2026-01-10", "CT", 0),
            study("1.2", "2025-11-15", "CT", 40),
            study("1.1", "2024-11-15", "CT", 40),
            study("1.0", "2026-06-01", "MR", 40),
        ];
        assert_eq!(hanging_prior(&all[0], &all).as_deref(), Some("1.3"), "on the PACS (retrieved to hang), not the MR, not one neither here nor there");
        let here_only: Vec<ImagingStudy> = all.iter().filter(|s| s.cached_instances > 0).cloned().collect();
        assert_eq!(hanging_prior(&here_only[0], &here_only).as_deref(), Some("1.2"), "with the PACS away, the latest here");
        assert_eq!(hanging_prior(&all[4], &all), None, "nothing earlier");

        // The list says how to fetch a prior that is not here, and hangs none it cannot fetch.
        let mut list = StudyList { studies: all.clone(), pacs_error: None, pacs_configured: true, retrieve_options: vec![RetrieveVia::Dimse, RetrieveVia::Dicomweb] };
        assign_priors(&mut list);
        let got = |l: &StudyList, uid: &str| l.studies.iter().find(|s| s.study_uid == uid).map(|s| (s.prior_study_uid.clone(), s.prior_retrieve_via)).expect("study");
        assert_eq!(got(&list, "1.4"), (Some("1.3".into()), Some(RetrieveVia::Dimse)));
        assert_eq!(got(&list, "1.3"), (Some("1.2".into()), None), "here: no retrieval");
        list.retrieve_options.clear();
        assign_priors(&mut list);
        assert_eq!(got(&list, "1.4"), (None, None), "cannot be fetched: nothing hangs");
        assert_eq!(got(&list, "1.3"), (Some("1.2".into()), None));
        assert_eq!(hanging_prior(&study("1.9", "2026-12-01", "US", 5), &all), None, "only CT and MR hang a prior");
    }
}
