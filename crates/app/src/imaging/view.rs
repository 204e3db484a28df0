//! Series open in a viewer: parsed images in display order, each frame decoded when it is first
//! shown (the most recent kept decoded), drawn on the GPU (wgpu, off screen; the CPU pipeline
//! where no adapter exists) and measured. Reformats stream every frame to the GPU once.

use std::sync::{Arc, Mutex};

use meridian_api::{AnnotationsSaved, Measurement, MeasureRequest, MprGeometry, SavedAnnotation, MprPlane, MprProjection, ObliqueMarkers, OpenedSeries, OrientationMarkers, RegionStats, RenderRequest, WindowPreset};
use meridian_domain::access::Action;
use meridian_store::Tx;
use meridian_viewer::gsps;
use meridian_viewer::measure::{self, PixelSpacing};
use meridian_viewer::pipeline::lut::Palette;
use meridian_viewer::render::{GpuImage, GpuVolume, Plane, Projection, Renderer, Reslice, View};
use meridian_viewer::{Display, Frame, Instance, ModalityLut, PresentationLutShape, SliceGeometry, Voi, Window};

use crate::guard::{Ctx, Target};
use crate::{App, AppError, Result};

/// The most decoded bytes one open series may hold.
const SERIES_BUDGET: u64 = 2 * 1024 * 1024 * 1024;
/// The most decoded bytes all open series together may hold on this workstation.
const WORKSTATION_BUDGET: u64 = 6 * 1024 * 1024 * 1024;
/// Series one user may keep open (the oldest closes).
const OPEN_PER_USER: usize = 4;
/// Frames kept on the GPU per series (the neighbours of the one shown).
const GPU_FRAMES: usize = 24;
/// Frames kept decoded per series (the most recently shown); the others stay as the file
/// encodes them until they are shown.
const DECODED_FRAMES: usize = 48;
/// The largest viewport drawn.
const MAX_VIEWPORT: u32 = 4096;

/// The off-screen renderer, one draw at a time, or why there is none.
pub(crate) struct Gpu {
    renderer: Option<Mutex<Renderer>>,
}

/// What opening a series needs of one cached image: kept beside it in the cache (as JSON), so
/// that a series opens from these alone and reads each image's body when it is first shown.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct ImageMeta {
    patient_id: Option<String>,
    sop_class_uid: String,
    sop_instance_uid: String,
    rows: u32,
    columns: u32,
    samples_per_pixel: u16,
    bits_allocated: u16,
    signed: bool,
    frames: Vec<FrameMeta>,
}

/// One frame of an [`ImageMeta`].
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct FrameMeta {
    position: Option<[f64; 3]>,
    orientation: Option<[f64; 6]>,
    pixel_spacing: Option<[f64; 2]>,
    /// Centre and width of each window the image gives.
    windows: Vec<[f64; 2]>,
    /// Rescale slope and intercept; none where stored values are the modality values.
    rescale: Option<[f64; 2]>,
}

impl ImageMeta {
    /// The description kept in the cache; `None` where a frame's modality LUT is a table (such
    /// images open by reading them whole).
    pub(crate) fn of(instance: &Instance) -> Option<Self> {
        let tables = (0..instance.frame_count()).any(|i| matches!(instance.modality_lut(i), ModalityLut::Table(_)));
        (!tables).then(|| Self::describe(instance))
    }

    fn describe(instance: &Instance) -> Self {
        let px = instance.image_pixel();
        let frames = (0..instance.frame_count())
            .map(|index| {
                let info = instance.frame_info(index);
                FrameMeta {
                    position: info.and_then(|i| i.position),
                    orientation: info.and_then(|i| i.orientation),
                    pixel_spacing: info.and_then(|i| i.pixel_spacing),
                    windows: info.map(|i| i.windows.iter().map(|w| [w.center, w.width]).collect()).unwrap_or_default(),
                    rescale: match instance.modality_lut(index) {
                        ModalityLut::Rescale { slope, intercept } => Some([slope, intercept]),
                        _ => None,
                    },
                }
            })
            .collect();
        Self {
            patient_id: instance.text(0x0010, 0x0020),
            sop_class_uid: instance.text(0x0008, 0x0016).unwrap_or_default(),
            sop_instance_uid: instance.sop_instance_uid().unwrap_or_default(),
            rows: px.rows,
            columns: px.columns,
            samples_per_pixel: px.samples_per_pixel,
            bits_allocated: px.bits_allocated,
            signed: px.signed,
            frames,
        }
    }

    fn luts(&self) -> Vec<ModalityLut> {
        self.frames
            .iter()
            .map(|f| match f.rescale {
                Some([slope, intercept]) => ModalityLut::Rescale { slope, intercept },
                None => ModalityLut::Identity,
            })
            .collect()
    }

    /// Whether `other` describes the same image: equal, numbers to within rounding (the
    /// description went through JSON).
    fn same_as(&self, other: &ImageMeta) -> bool {
        fn close(a: f64, b: f64) -> bool {
            a == b || (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
        }
        fn all_close<const N: usize>(a: Option<[f64; N]>, b: Option<[f64; N]>) -> bool {
            match (a, b) {
                (Some(a), Some(b)) => a.iter().zip(&b).all(|(x, y)| close(*x, *y)),
                (None, None) => true,
                _ => false,
            }
        }
        self.patient_id == other.patient_id
            && self.sop_class_uid == other.sop_class_uid
            && self.sop_instance_uid == other.sop_instance_uid
            && self.shape() == other.shape()
            && self.frames.len() == other.frames.len()
            && self.frames.iter().zip(&other.frames).all(|(a, b)| {
                all_close(a.position, b.position)
                    && all_close(a.orientation, b.orientation)
                    && all_close(a.pixel_spacing, b.pixel_spacing)
                    && all_close(a.rescale, b.rescale)
                    && a.windows.len() == b.windows.len()
                    && a.windows.iter().zip(&b.windows).all(|(x, y)| all_close(Some(*x), Some(*y)))
            })
    }

    fn shape(&self) -> Shape {
        Shape { rows: self.rows, columns: self.columns, samples_per_pixel: self.samples_per_pixel, bits_allocated: self.bits_allocated, signed: self.signed }
    }

    fn decoded_frame_bytes(&self) -> u64 {
        let per_sample: u64 = match self.bits_allocated {
            1 | 8 => 1,
            16 => 2,
            _ => 4,
        };
        u64::from(self.rows).saturating_mul(u64::from(self.columns)).saturating_mul(u64::from(self.samples_per_pixel)).saturating_mul(per_sample)
    }
}

/// Reads cached images of one series opened from their descriptions (from a blocking thread).
#[derive(Clone)]
pub(crate) struct CacheReader {
    store: meridian_store::Store,
    runtime: tokio::runtime::Handle,
    study_uid: String,
    series_uid: String,
}

impl CacheReader {
    fn body(&self, sop_uid: &str) -> Result<Vec<u8>> {
        self.runtime
            .block_on(self.store.dicom_body(&self.study_uid, &self.series_uid, sop_uid))?
            .ok_or_else(|| AppError::Validation("an image of this series has left the cache since the series was opened (retrieve the study again)".into()))
    }
}

/// What a frame decodes to: size and sample type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Shape {
    rows: u32,
    columns: u32,
    samples_per_pixel: u16,
    bits_allocated: u16,
    signed: bool,
}

/// One image of an open series: parsed already, or read from the cache when shown.
struct Image {
    sop_uid: String,
    /// The description it was opened by, for images read when shown.
    described: Option<ImageMeta>,
    shape: Shape,
    /// The Patient ID the image carried when the series was opened.
    patient_id: Option<String>,
    parsed: Mutex<Option<Arc<Instance>>>,
    /// Kept parsed once read (multi-frame images are read once, not once per frame).
    keep: bool,
}

impl Image {
    fn instance(&self, reader: Option<&CacheReader>) -> Result<Arc<Instance>> {
        if let Some(i) = self.parsed.lock().unwrap_or_else(std::sync::PoisonError::into_inner).as_ref() {
            return Ok(i.clone());
        }
        let reader = reader.ok_or(AppError::Internal("an image without a cache to read it from".into()))?;
        let body = reader.body(&self.sop_uid)?;
        let instance = Arc::new(meridian_viewer::open(&body).map_err(|e| AppError::Validation(format!("an image of this series cannot be shown: {e}")))?);
        // The image read now is the one described at opening: same patient and instance, and the
        // same size, geometry, windows and rescale the series was sorted and shown by.
        let same = instance.text(0x0010, 0x0020) == self.patient_id
            && instance.sop_instance_uid().as_deref() == Some(self.sop_uid.as_str())
            && self.described.as_ref().is_none_or(|d| d.same_as(&ImageMeta::describe(&instance)));
        if !same {
            return Err(AppError::Validation("an image of this series changed in the cache since the series was opened; open the series again".into()));
        }
        if self.keep {
            *self.parsed.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(instance.clone());
        }
        Ok(instance)
    }
}

/// One frame of an open series: its image and frame number.
struct FrameRef {
    image: Arc<Image>,
    index: u32,
}

/// A cached series as opening it finds it.
enum Images {
    /// Every image described: bodies are read when shown.
    Described(Vec<(String, u64, ImageMeta)>),
    /// The bodies themselves (a series cached without descriptions).
    Bodies(Vec<Vec<u8>>),
}

impl Images {
    fn is_empty(&self) -> bool {
        match self {
            Images::Described(d) => d.is_empty(),
            Images::Bodies(b) => b.is_empty(),
        }
    }
}

/// An image as opening a series takes it.
struct Entry {
    meta: ImageMeta,
    luts: Vec<ModalityLut>,
    image: Arc<Image>,
    /// Encoded bytes the open series holds for it.
    held: u64,
}

impl Entry {
    /// An image read whole.
    fn parsed(body: &[u8]) -> Result<Self> {
        let instance = meridian_viewer::open(body).map_err(|e| AppError::Validation(format!("an image of this series cannot be shown: {e}")))?;
        let meta = ImageMeta::describe(&instance);
        let luts = (0..instance.frame_count()).map(|i| instance.modality_lut(i)).collect();
        let held = instance.pixel_data_len() as u64;
        let image = Image { sop_uid: meta.sop_instance_uid.clone(), described: None, shape: meta.shape(), patient_id: meta.patient_id.clone(), parsed: Mutex::new(Some(Arc::new(instance))), keep: true };
        Ok(Self { meta, luts, image: Arc::new(image), held })
    }

    /// An image described in the cache, read when shown.
    fn described(sop_uid: String, size: u64, meta: ImageMeta) -> Self {
        let keep = meta.frames.len() > 1;
        let image = Image { sop_uid, described: Some(meta.clone()), shape: meta.shape(), patient_id: meta.patient_id.clone(), parsed: Mutex::new(None), keep };
        Self { luts: meta.luts(), image: Arc::new(image), held: if keep { size } else { 0 }, meta }
    }
}

/// An open series, in display order.
pub(crate) struct OpenSeries {
    owner: String,
    /// The local patient the series was opened for.
    patient_id: String,
    /// The image each frame is (display order), for presentation states.
    refs: Vec<gsps::ImageRef>,
    /// What a presentation state copies from the images.
    header: gsps::PresentationState,
    opened_at: u64,
    frames: Vec<FrameRef>,
    luts: Vec<ModalityLut>,
    /// Columns and rows of the first frame.
    size: (u32, u32),
    /// Decoded frames, least recently shown first (at most [`DECODED_FRAMES`]).
    decoded: Mutex<Vec<(u32, Arc<Frame>)>>,
    shape: PresentationLutShape,
    palette: Option<Palette>,
    spacing: Option<PixelSpacing>,
    uploaded: Mutex<Vec<(u32, GpuImage)>>,
    /// Voxel spacing (columns, rows, slices) when the series can be reformatted.
    mpr_spacing: Option<[f64; 3]>,
    /// The volume on the GPU, made on the first reformatted view (or why it could not be).
    volume: Mutex<Option<std::result::Result<GpuVolume, String>>>,
    /// Bytes held: the encoded pixel data and the decoded frames kept.
    bytes: u64,
    /// Where images not yet read come from.
    reader: Option<CacheReader>,
}

impl std::fmt::Debug for OpenSeries {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenSeries").field("frames", &self.frames.len()).finish_non_exhaustive()
    }
}

/// What decoding a series gave, before it is registered.
struct Decoded {
    series: OpenSeries,
    info: OpenedSeries,
}

/// Thumbnail side, pixels.
const THUMB: u32 = 64;

/// A thumbnail of the first frame of a file, drawn off screen (GPU, else CPU) with its own
/// window and fitted into 64 x 64, as a `data:image/bmp;base64,` URL.
pub(crate) fn thumbnail(body: &[u8], gpu: Option<&Gpu>) -> Option<String> {
    let instance = meridian_viewer::open(body).ok()?;
    let frame = instance.frame(0).ok()?;
    let mut view = View::new(THUMB, THUMB, instance.default_display(0));
    view.zoom = view.fit_zoom([f64::from(frame.columns), f64::from(frame.rows)]);
    view.sampling = meridian_viewer::render::Sampling::Linear;
    let rgba = match gpu.and_then(|g| g.renderer.as_ref()) {
        Some(r) => {
            let r = r.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let image = r.upload_frame(&frame, instance.palette()).ok()?;
            r.render_to_rgba(&image, &view).ok()?
        }
        None => cpu_view(&frame, &view.display, &view),
    };
    Some(format!("data:image/bmp;base64,{}", <base64ct::Base64 as base64ct::Encoding>::encode_string(&bmp(&rgba, THUMB, THUMB))))
}

/// A 32-bit BMP (rows bottom up, BGRA) of RGBA pixels.
fn bmp(rgba: &[u8], width: u32, height: u32) -> Vec<u8> {
    let data = width * height * 4;
    let mut out = Vec::with_capacity(54 + data as usize);
    out.extend(b"BM");
    out.extend((54 + data).to_le_bytes());
    out.extend([0u8; 4]);
    out.extend(54u32.to_le_bytes());
    out.extend(40u32.to_le_bytes());
    out.extend((width as i32).to_le_bytes());
    out.extend((height as i32).to_le_bytes());
    out.extend(1u16.to_le_bytes());
    out.extend(32u16.to_le_bytes());
    out.extend([0u8; 4]);
    out.extend(data.to_le_bytes());
    out.extend([0u8; 16]);
    for row in rgba.chunks_exact(width as usize * 4).rev() {
        for p in row.chunks_exact(4) {
            out.extend([p[2], p[1], p[0], 255]);
        }
    }
    out
}

/// A new UID under the UUID-derived root `2.25`.
fn random_uid() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("2.25.{}", u128::from_be_bytes(bytes) >> 1)
}

/// The measurements of the latest presentation state that refers to images of this series,
/// as frames of its display order.
fn latest_annotations(states: &[Vec<u8>], refs: &[gsps::ImageRef]) -> Vec<SavedAnnotation> {
    let frame_of = |sop: &str, frame: Option<u32>| refs.iter().position(|r| r.sop_instance_uid == sop && (r.frame.is_none() || r.frame == frame.or(Some(1))));
    let mut best: Option<(String, Vec<SavedAnnotation>)> = None;
    for body in states {
        let (Some(h), Ok(marks)) = (gsps::header(body), gsps::read(body)) else { continue };
        let found: Vec<SavedAnnotation> = marks
            .into_iter()
            .filter_map(|m| {
                let frame = frame_of(&m.sop_instance_uid, m.frame)? as u32;
                let measure = match m.graphic {
                    gsps::Graphic::Polyline(p) => match p.as_slice() {
                        [a, b] => MeasureRequest::Length { start: *a, end: *b },
                        [a, v, b] => MeasureRequest::Angle { a: *a, vertex: *v, b: *b },
                        _ => return None,
                    },
                    gsps::Graphic::Ellipse { corner, opposite } => MeasureRequest::Ellipse { corner, opposite },
                };
                Some(SavedAnnotation { frame, measure, label: m.label })
            })
            .collect();
        if found.is_empty() {
            continue;
        }
        if best.as_ref().is_none_or(|(created, _)| h.created > *created) {
            best = Some((h.created, found));
        }
    }
    best.map(|(_, a)| a).unwrap_or_default()
}

fn handle() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 12];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn title_case(name: &str) -> String {
    let mut c = name.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

/// `FAMILY^Given^Middle` as `FAMILY, Given Middle`.
fn person_name(pn: &str) -> String {
    let alphabetic = pn.split('=').next().unwrap_or_default();
    let mut parts = alphabetic.split('^').map(str::trim);
    let family = parts.next().unwrap_or_default();
    let rest: Vec<&str> = parts.filter(|p| !p.is_empty()).take(2).collect();
    if rest.is_empty() { family.to_owned() } else { format!("{family}, {}", rest.join(" ")) }
}

fn decode_series(entries: Vec<Entry>, reader: Option<CacheReader>, owner: String, patient_id: String, opened_at: u64, gpu: bool, budget: u64) -> Result<Decoded> {
    let mut refs: Vec<gsps::ImageRef> = Vec::new();
    let mut frames = Vec::new();
    let mut luts = Vec::new();
    let mut geometry = Vec::new();
    let mut total = 0u64;
    let mut cache = 0u64;
    let mut largest = 0u64;
    let mut count = 0u64;
    let mut windows: Vec<Window> = Vec::new();
    let mut spacing = None;
    let mut orientation = None;
    let mut patient_ids: Vec<Option<String>> = Vec::new();
    let budget = budget.min(SERIES_BUDGET);
    for entry in entries {
        let meta = &entry.meta;
        // Every image of a series is one patient's: a series mixing Patient IDs is not shown.
        if !patient_ids.contains(&meta.patient_id) {
            patient_ids.push(meta.patient_id.clone());
        }
        if patient_ids.len() > 1 {
            return Err(AppError::Validation("this series holds images with different Patient IDs; it is not shown (ask the PACS team to check it)".into()));
        }
        // What is held: the pixel data kept encoded, and room for the frames kept decoded (the
        // largest frame, as many times as frames are kept or the series has).
        total = total.saturating_add(entry.held);
        largest = largest.max(meta.decoded_frame_bytes());
        count += meta.frames.len() as u64;
        cache = largest.saturating_mul(count.min(DECODED_FRAMES as u64));
        if total.saturating_add(cache) > budget {
            return Err(AppError::Validation(format!(
                "this series needs more than the {} MiB of memory left for images; close other series or open it in parts",
                budget / (1024 * 1024)
            )));
        }
        let (rows, columns) = (meta.rows, meta.columns);
        let multi = meta.frames.len() > 1;
        for (index, (info, lut)) in meta.frames.iter().zip(&entry.luts).enumerate() {
            let index = index as u32;
            if windows.is_empty() {
                windows = info.windows.iter().map(|w| Window::new(w[0], w[1])).collect();
            }
            spacing = spacing.or(info.pixel_spacing);
            orientation = orientation.or(info.orientation);
            geometry.push(match (info.position, info.orientation) {
                (Some(position), Some(orientation)) => Some(SliceGeometry { position, orientation, rows, columns }),
                _ => None,
            });
            luts.push(lut.clone());
            frames.push(FrameRef { image: entry.image.clone(), index });
            refs.push(gsps::ImageRef { sop_class_uid: meta.sop_class_uid.clone(), sop_instance_uid: meta.sop_instance_uid.clone(), frame: multi.then_some(index + 1) });
        }
    }
    if frames.is_empty() {
        return Err(AppError::NotFound("image in this series"));
    }
    let sorted = meridian_viewer::sort_slices(&geometry);
    let mut slots: Vec<Option<((FrameRef, ModalityLut), gsps::ImageRef)>> = frames.into_iter().zip(luts).zip(refs).map(Some).collect();
    let (mut frames, mut luts, mut refs) = (Vec::with_capacity(slots.len()), Vec::with_capacity(slots.len()), Vec::with_capacity(slots.len()));
    for &i in &sorted.order {
        if let Some(((f, l), r)) = slots.get_mut(i).and_then(Option::take) {
            frames.push(f);
            luts.push(l);
            refs.push(r);
        }
    }
    let positions = (0..frames.len()).map(|i| sorted.distances.get(i).copied()).collect();
    // The first frame shown is read and decoded now: it is drawn next, its image gives the corner
    // text, and an image that cannot be decoded is said on opening.
    let shown_ref = frames.first().ok_or(AppError::NotFound("image in this series"))?;
    let first = shown_ref.image.instance(reader.as_ref())?;
    let shown = Arc::new(first.frame(shown_ref.index).map_err(|e| AppError::Validation(format!("an image of this series cannot be shown: {e}")))?);
    let display = first.default_display(shown_ref.index);
    let modality = first.modality();
    let color = first.image_pixel().samples_per_pixel == 3;
    let hounsfield = modality.as_deref() == Some("CT") && matches!(display.modality, ModalityLut::Rescale { .. });
    let mut presets: Vec<WindowPreset> = windows
        .iter()
        .enumerate()
        .map(|(n, w)| WindowPreset { name: if windows.len() == 1 { "File".into() } else { format!("File {}", n + 1) }, center: w.center, width: w.width })
        .collect();
    if hounsfield {
        presets.extend(meridian_viewer::pipeline::CT_PRESETS.iter().map(|p| WindowPreset { name: title_case(p.name), center: p.center, width: p.width }));
    }
    let initial = presets.first().cloned().unwrap_or_else(|| {
        // No window in the file: the modality values' full range.
        let (lo, hi) = shown.data.min_max().unwrap_or((0, 255));
        let lut = luts.first().cloned().unwrap_or(ModalityLut::Identity);
        let (a, b) = (lut.apply(lo), lut.apply(hi));
        let (lo, hi) = (a.min(b), a.max(b));
        WindowPreset { name: "Full range".into(), center: (lo + hi) / 2.0, width: (hi - lo).max(1.0) }
    });
    if presets.is_empty() {
        presets.push(initial.clone());
    }
    let checked = if gpu { mpr_check(&frames, &luts, spacing, &sorted) } else { Err("reformatting needs a GPU adapter (or lavapipe)") };
    let (mpr_spacing, mpr, mpr_unavailable) = match checked {
        Ok(sp) => {
            let dims = [shown.columns, shown.rows, frames.len() as u32];
            let size = |plane| Reslice::slice(plane, sp).source_size(dims);
            let oblique = oblique_extent(dims, sp);
            let geometry = MprGeometry {
                axial: size(Plane::Axial { slice: 0.0 }),
                coronal: size(Plane::Coronal { row: 0.0 }),
                sagittal: size(Plane::Sagittal { column: 0.0 }),
                oblique: [oblique.0 / oblique.2, oblique.1 / oblique.2],
                counts: [dims[2], dims[1], dims[0], (oblique.0 / oblique.2).round().max(1.0) as u32],
                plane_pixel_mm: sp[0].min(sp[1]).min(sp[2]),
                spacing: sp,
                coronal_markers: orientation.and_then(|o| plane_markers(o, true)),
                sagittal_markers: orientation.and_then(|o| plane_markers(o, false)),
                oblique_markers: orientation.map(oblique_markers).unwrap_or_default(),
                names: orientation.map_or_else(|| ["Axial".into(), "Coronal".into(), "Sagittal".into()], plane_names),
            };
            (Some(sp), Some(geometry), None)
        }
        Err(why) => (None, None, Some(why.to_owned())),
    };
    let markers = orientation.and_then(measure::orientation_markers).map(|[left, right, top, bottom]| OrientationMarkers { left, right, top, bottom });
    let (rows, columns) = (shown.rows, shown.columns);
    let sizes_vary = frames.iter().any(|f| (f.image.shape.rows, f.image.shape.columns) != (rows, columns));
    let info = OpenedSeries {
        handle: handle(),
        frames: frames.len() as u32,
        rows,
        columns,
        pixel_spacing: spacing,
        unit: if hounsfield { "HU".into() } else { String::new() },
        color,
        presets,
        initial,
        markers,
        warnings: sorted.warnings.iter().map(measure::describe_warning).collect(),
        patient_name: first.text(0x0010, 0x0010).map(|n| person_name(&n)).unwrap_or_default(),
        mrn: first.text(0x0010, 0x0020).unwrap_or_default(),
        study_date: first.text(0x0008, 0x0020).and_then(|d| super::da_to_iso(&d)),
        study_description: first.text(0x0008, 0x1030),
        series_description: first.text(0x0008, 0x103E),
        modality,
        positions,
        mpr,
        mpr_unavailable,
        sizes_vary,
        annotations: Vec::new(),
    };
    let text = |g: u16, e: u16| first.text(g, e).unwrap_or_default();
    let header = gsps::PresentationState {
        patient_name: text(0x0010, 0x0010),
        patient_id: text(0x0010, 0x0020),
        birth_date: text(0x0010, 0x0030),
        sex: text(0x0010, 0x0040),
        study_uid: text(0x0020, 0x000D),
        study_date: text(0x0008, 0x0020),
        study_time: text(0x0008, 0x0030),
        accession: text(0x0008, 0x0050),
        study_id: text(0x0020, 0x0010),
        image_series_uid: first.series_instance_uid().unwrap_or_default(),
        columns,
        rows,
        pixel_spacing: spacing,
        ..gsps::PresentationState::default()
    };
    let series = OpenSeries {
        owner,
        patient_id,
        refs,
        header,
        opened_at,
        frames,
        luts,
        size: (columns, rows),
        decoded: Mutex::new(vec![(0, shown)]),
        shape: display.shape,
        palette: display.palette,
        spacing,
        uploaded: Mutex::new(Vec::new()),
        mpr_spacing,
        volume: Mutex::new(None),
        bytes: total.saturating_add(cache),
        reader,
    };
    Ok(Decoded { series, info })
}

/// The oblique plane's width (the volume's diagonal across a slice) and height (the stack's
/// extent), mm, and one plane pixel, mm.
fn oblique_extent(dims: [u32; 3], sp: [f64; 3]) -> (f64, f64, f64) {
    let (w, h, d) = (f64::from(dims[0]) * sp[0], f64::from(dims[1]) * sp[1], f64::from(dims[2]) * sp[2]);
    (w.hypot(h), d, sp[0].min(sp[1]).min(sp[2]))
}

/// Names of the three reformats (through the stack, columns across, rows across) from the
/// patient axis each plane's normal lies closest to: an axial stack's are axial, coronal and
/// sagittal, a sagittal stack's sagittal, axial and coronal, and so on.
fn plane_names(o: [f64; 6]) -> [String; 3] {
    let geometry = SliceGeometry { position: [0.0; 3], orientation: o, rows: 1, columns: 1 };
    let name = |n: [f64; 3]| {
        let a = n.map(f64::abs);
        if a[2] >= a[0] && a[2] >= a[1] {
            "Axial"
        } else if a[1] >= a[0] {
            "Coronal"
        } else {
            "Sagittal"
        }
        .to_owned()
    };
    // The "coronal" reformat spans the row direction and the normal: its normal is the column
    // direction; the "sagittal" one's is the row direction.
    [name(geometry.normal()), name([o[3], o[4], o[5]]), name([o[0], o[1], o[2]])]
}

/// Edge letters of a coronal (columns across) or sagittal (rows across) reformat of a stack
/// with this orientation: slices run up the screen along the stack's normal.
fn plane_markers(o: [f64; 6], coronal: bool) -> Option<OrientationMarkers> {
    let geometry = SliceGeometry { position: [0.0; 3], orientation: o, rows: 1, columns: 1 };
    let n = geometry.normal();
    let across = if coronal { [o[0], o[1], o[2]] } else { [o[3], o[4], o[5]] };
    measure::orientation_markers([across[0], across[1], across[2], -n[0], -n[1], -n[2]])
        .map(|[left, right, top, bottom]| OrientationMarkers { left, right, top, bottom })
}

/// The oblique plane's edge letters by angle (runs of whole degrees with the same letters). The
/// plane is the coronal one turned about the slice axis: its rightward direction is
/// `cos a * row + sin a * column` of the images, and down is against the slice normal.
fn oblique_markers(o: [f64; 6]) -> Vec<ObliqueMarkers> {
    let n = SliceGeometry { position: [0.0; 3], orientation: o, rows: 1, columns: 1 }.normal();
    let mut out: Vec<ObliqueMarkers> = Vec::new();
    for degree in -180..=180 {
        let (sin, cos) = f64::from(degree).to_radians().sin_cos();
        let right = [cos * o[0] + sin * o[3], cos * o[1] + sin * o[4], cos * o[2] + sin * o[5]];
        let Some([left, right, top, bottom]) = measure::orientation_markers([right[0], right[1], right[2], -n[0], -n[1], -n[2]]) else { continue };
        let markers = OrientationMarkers { left, right, top, bottom };
        if out.last().map(|m| &m.markers) != Some(&markers) {
            out.push(ObliqueMarkers { from_deg: f64::from(degree), markers });
        }
    }
    out
}

/// The voxel spacing when the series is a regular stack of grey slices of one size, sample
/// type and rescale; else why it cannot be reformatted (said on screen).
fn mpr_check(frames: &[FrameRef], luts: &[ModalityLut], spacing: Option<PixelSpacing>, sorted: &meridian_viewer::SortedSeries) -> std::result::Result<[f64; 3], &'static str> {
    let first = frames.first().ok_or("no images")?.image.shape;
    if frames.len() < 3 {
        return Err("reformatting needs at least 3 slices");
    }
    if first.samples_per_pixel != 1 {
        return Err("colour images are not reformatted");
    }
    // Frames decode to one sample type when they declare the same bits allocated and sign.
    let same = |f: &FrameRef| f.image.shape == first;
    if !frames.iter().all(same) || !luts.iter().all(|l| *l == luts[0]) {
        return Err("the slices differ in size, sample type or rescale");
    }
    if !sorted.warnings.is_empty() {
        return Err("the slices are not an evenly spaced stack of distinct positions (see the warnings)");
    }
    let [row, column] = spacing.ok_or("the images have no pixel spacing")?;
    let step = sorted.spacing.filter(|s| *s > 0.0).ok_or("the slices have no spacing between them")?;
    Ok([column, row, step])
}

impl OpenSeries {
    fn lut(&self, index: u32) -> Result<&ModalityLut> {
        self.luts
            .get(index as usize)
            .ok_or_else(|| AppError::Validation(format!("this series has {} images; image {} does not exist", self.frames.len(), u64::from(index) + 1)))
    }

    /// Frame `index` decoded: kept from an earlier draw, else decoded now and kept.
    fn frame(&self, index: u32) -> Result<(Arc<Frame>, &ModalityLut)> {
        let lut = self.lut(index)?;
        {
            let mut decoded = self.decoded.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some(at) = decoded.iter().position(|(i, _)| *i == index) {
                let hit = decoded.remove(at);
                let frame = hit.1.clone();
                decoded.push(hit);
                return Ok((frame, lut));
            }
        }
        let frame = Arc::new(self.decode(index)?);
        let mut decoded = self.decoded.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        // Another draw may have decoded it meanwhile.
        if let Some((_, kept)) = decoded.iter().find(|(i, _)| *i == index) {
            return Ok((kept.clone(), lut));
        }
        if decoded.len() >= DECODED_FRAMES {
            decoded.remove(0);
        }
        decoded.push((index, frame.clone()));
        Ok((frame, lut))
    }

    /// Decodes the frames either side of `index` (nearest first) into those kept decoded.
    fn prefetch(&self, index: u32) {
        let last = self.frames.len() as i64 - 1;
        for step in [1i64, -1, 2, -2] {
            let i = i64::from(index) + step;
            if (0..=last).contains(&i) {
                let _ = self.frame(i as u32);
            }
        }
    }

    /// Decodes frame `index` without keeping it.
    fn decode(&self, index: u32) -> Result<Frame> {
        let source = self.frames.get(index as usize).ok_or_else(|| AppError::Validation(format!("this series has {} images; image {} does not exist", self.frames.len(), u64::from(index) + 1)))?;
        let instance = source.image.instance(self.reader.as_ref())?;
        instance.frame(source.index).map_err(|e| AppError::Validation(format!("image {} of this series cannot be shown: {e}", u64::from(index) + 1)))
    }

    fn render(&self, gpu: &Gpu, req: &RenderRequest) -> Result<Vec<u8>> {
        if req.width == 0 || req.height == 0 || req.width > MAX_VIEWPORT || req.height > MAX_VIEWPORT {
            return Err(AppError::Validation(format!("the viewport must be 1 to {MAX_VIEWPORT} pixels on each side")));
        }
        if !(req.zoom.is_finite() && req.zoom > 0.0 && req.center.is_finite() && req.window.is_finite() && req.pan.iter().all(|p| p.is_finite())) {
            return Err(AppError::Validation("zoom, pan and window must be finite numbers (zoom above 0)".into()));
        }
        let lut = self.lut(if req.mpr.is_some() { 0 } else { req.frame })?;
        let shape = match (self.shape, req.invert) {
            (s, false) => s,
            (PresentationLutShape::Identity, true) => PresentationLutShape::Inverse,
            (PresentationLutShape::Inverse, true) => PresentationLutShape::Identity,
        };
        let display = Display { modality: lut.clone(), voi: Voi::Window(Window::new(req.center, req.window.max(1.0))), shape, palette: self.palette.clone() };
        let mut view = View::new(req.width, req.height, display.clone());
        view.zoom = req.zoom.clamp(0.01, 64.0);
        view.pan = req.pan;
        view.rotation_degrees = 90.0 * f64::from(req.quarter_turns % 4);
        view.flip_horizontal = req.flip_horizontal;
        view.flip_vertical = req.flip_vertical;
        if let Some(m) = req.mpr {
            // Reformats interpolate between slices, as readers expect of MPR.
            view.sampling = meridian_viewer::render::Sampling::Linear;
            return self.render_plane(gpu, m, &view);
        }
        if let Some(renderer) = &gpu.renderer {
            // A frame not on the GPU is read and decoded before the renderer is taken: other
            // viewports keep drawing meanwhile.
            let on_gpu = self.uploaded.lock().unwrap_or_else(std::sync::PoisonError::into_inner).iter().any(|(i, _)| *i == req.frame);
            let ready = if on_gpu { None } else { Some(self.frame(req.frame)?.0) };
            let renderer = renderer.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let mut uploaded = self.uploaded.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let at = match uploaded.iter().position(|(i, _)| *i == req.frame) {
                Some(at) => at,
                None => {
                    let frame = match ready {
                        Some(f) => f,
                        None => self.frame(req.frame)?.0,
                    };
                    let image = renderer.upload_frame(&frame, self.palette.as_ref()).map_err(|e| AppError::Validation(format!("the image cannot be drawn: {e}")))?;
                    if uploaded.len() >= GPU_FRAMES {
                        uploaded.remove(0);
                    }
                    uploaded.push((req.frame, image));
                    uploaded.len() - 1
                }
            };
            return renderer.render_to_rgba(&uploaded[at].1, &view).map_err(|e| AppError::Internal(format!("the GPU could not draw the image: {e}")));
        }
        let (frame, _) = self.frame(req.frame)?;
        Ok(cpu_view(&frame, &display, &view))
    }

    fn render_plane(&self, gpu: &Gpu, m: meridian_api::MprRequest, view: &View) -> Result<Vec<u8>> {
        let spacing = self.mpr_spacing.ok_or_else(|| AppError::Validation("this series cannot be reformatted".into()))?;
        let renderer = gpu.renderer.as_ref().ok_or_else(|| AppError::Validation("reformatting needs a GPU adapter (or lavapipe)".into()))?;
        let renderer = renderer.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let (columns, rows, slices) = (self.size.0, self.size.1, self.frames.len() as u32);
        let count = match m.plane {
            MprPlane::Axial => slices,
            MprPlane::Coronal => rows,
            MprPlane::Sagittal => columns,
            MprPlane::Oblique => {
                let (width, _, pixel) = oblique_extent([columns, rows, slices], spacing);
                (width / pixel).round().max(1.0) as u32
            }
        };
        if !(m.index.is_finite() && m.index >= 0.0 && m.index < f64::from(count)) {
            return Err(AppError::Validation(format!("this plane has {count} positions")));
        }
        if !(m.slab_mm.is_finite() && (0.0..=500.0).contains(&m.slab_mm)) {
            return Err(AppError::Validation("the slab is 0 to 500 mm thick".into()));
        }
        let mut volume = self.volume.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if volume.is_none() {
            // Each frame is read, decoded, sent and dropped in turn: the stack is never whole in
            // memory. A GPU failure is kept (not retried on every draw); a frame that could not
            // be read or decoded is said, and the next draw tries again.
            let (first, _) = self.frame(0)?;
            let mut upload = match renderer.begin_volume([columns, rows, slices], &first.data) {
                Ok(u) => Some(u),
                Err(e) => {
                    *volume = Some(Err(e.to_string()));
                    None
                }
            };
            if let Some(mut u) = upload.take() {
                for index in 0..slices {
                    let frame = self.decode(index)?;
                    if let Err(e) = u.push(&frame.data) {
                        *volume = Some(Err(e.to_string()));
                        break;
                    }
                }
                if volume.is_none() {
                    *volume = Some(u.finish().map_err(|e| e.to_string()));
                }
            }
        }
        let volume = match volume.as_ref() {
            Some(Ok(v)) => v,
            Some(Err(e)) => return Err(AppError::Validation(format!("the volume cannot be put on the GPU: {e}"))),
            None => return Err(AppError::Internal("no volume".into())),
        };
        let plane = match m.plane {
            MprPlane::Axial => Plane::Axial { slice: m.index },
            MprPlane::Coronal => Plane::Coronal { row: m.index },
            MprPlane::Sagittal => Plane::Sagittal { column: m.index },
            MprPlane::Oblique => {
                if !m.angle_deg.is_finite() {
                    return Err(AppError::Validation("the oblique angle must be a number".into()));
                }
                // The coronal plane turned about the slice axis, superior up; `index` steps along
                // its normal one plane pixel at a time, centred on the volume.
                let (width, height, pixel) = oblique_extent([columns, rows, slices], spacing);
                let (sin, cos) = m.angle_deg.to_radians().sin_cos();
                let normal = [-sin, cos, 0.0];
                let offset = (m.index + 0.5 - f64::from(count) / 2.0) * pixel;
                let centre = [
                    f64::from(columns) * spacing[0] / 2.0 + normal[0] * offset,
                    f64::from(rows) * spacing[1] / 2.0 + normal[1] * offset,
                    f64::from(slices) * spacing[2] / 2.0,
                ];
                Plane::Oblique { center: centre, right: [cos, sin, 0.0], down: [0.0, 0.0, -1.0], size: [width, height] }
            }
        };
        let projection = match m.projection {
            MprProjection::Slice => Projection::Slice,
            MprProjection::Mip => Projection::Mip { slab: m.slab_mm },
            MprProjection::MinIp => Projection::MinIp { slab: m.slab_mm },
        };
        renderer
            .render_volume_to_rgba(volume, &Reslice { plane, projection, spacing }, view)
            .map_err(|e| AppError::Internal(format!("the GPU could not draw the plane: {e}")))
    }

    fn measure(&self, frame: u32, req: &MeasureRequest) -> Result<Measurement> {
        let (frame, lut) = self.frame(frame)?;
        let frame = &*frame;
        if (frame.columns, frame.rows) != self.size {
            return Err(AppError::Validation("this image differs in size from the series' first; measure on images of the first size".into()));
        }
        let finite = |p: &[f64; 2]| p.iter().all(|v| v.is_finite());
        let no_spacing = || Some("this image has no pixel spacing: values are in pixels".to_owned());
        let bad = || AppError::Validation("measurement points must be finite numbers".into());
        Ok(match req {
            MeasureRequest::Length { start, end } => {
                if !finite(start) || !finite(end) {
                    return Err(bad());
                }
                let (value, mm) = measure::length(*start, *end, self.spacing);
                Measurement { value, unit: if mm { "mm" } else { "px" }.into(), stats: None, note: if mm { None } else { no_spacing() } }
            }
            MeasureRequest::Angle { a, vertex, b } => {
                if ![a, vertex, b].iter().all(|p| finite(p)) {
                    return Err(bad());
                }
                let value = measure::angle(*a, *vertex, *b, self.spacing).ok_or_else(|| AppError::Validation("an angle needs two arms of some length".into()))?;
                Measurement { value, unit: "deg".into(), stats: None, note: None }
            }
            MeasureRequest::Ellipse { corner, opposite } => {
                if !finite(corner) || !finite(opposite) {
                    return Err(bad());
                }
                let s = measure::ellipse_stats(frame, lut, *corner, *opposite, self.spacing)
                    .ok_or_else(|| AppError::Validation("the region holds no pixel of a grey image".into()))?;
                let unit = if matches!(lut, ModalityLut::Rescale { .. }) && frame.samples_per_pixel == 1 { "HU" } else { "" };
                Measurement {
                    value: s.area,
                    unit: if s.area_in_mm { "mm²" } else { "px²" }.into(),
                    stats: Some(RegionStats { pixels: s.pixels, mean: s.mean, sd: s.sd, min: s.min, max: s.max, unit: unit.into() }),
                    note: if s.area_in_mm { None } else { no_spacing() },
                }
            }
        })
    }
}

/// The CPU path for machines without a GPU adapter: the reference pipeline at the image's
/// size, then placed through the same view transform (zoom and pan; nearest sampling).
fn cpu_view(frame: &Frame, display: &Display, view: &View) -> Vec<u8> {
    let image = meridian_viewer::render_to_rgba8(frame, display);
    let (w, h) = (view.width as usize, view.height as usize);
    let (cols, rows) = (f64::from(frame.columns), f64::from(frame.rows));
    let mut out = vec![0u8; w * h * 4];
    for (y, line) in out.chunks_exact_mut(w * 4).enumerate() {
        let sy = (y as f64 + 0.5 - h as f64 / 2.0 - view.pan[1]) / view.zoom + rows / 2.0;
        for (x, px) in line.chunks_exact_mut(4).enumerate() {
            let sx = (x as f64 + 0.5 - w as f64 / 2.0 - view.pan[0]) / view.zoom + cols / 2.0;
            px[3] = 255;
            if sx < 0.0 || sy < 0.0 || sx >= cols || sy >= rows {
                continue;
            }
            let i = (sy as usize * frame.columns as usize + sx as usize) * 4;
            px[..3].copy_from_slice(&image[i..i + 3]);
        }
    }
    out
}

impl super::Imaging {
    fn series(&self, handle: &str, user: &str) -> Result<Arc<OpenSeries>> {
        let open = self.open.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        match open.get(handle) {
            Some(s) if s.owner == user => Ok(s.clone()),
            _ => Err(AppError::NotFound("open series (open it again)")),
        }
    }

    /// The renderer, made on first use (a GPU adapter, else the CPU path).
    pub(super) fn gpu(&self) -> Result<Arc<Gpu>> {
        let mut slot = self.renderer.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(g) = slot.as_ref() {
            return Ok(g.clone());
        }
        let renderer = match Renderer::new_headless() {
            Ok(r) => {
                // Compile the pipelines now rather than on the reader's first image.
                if let Err(e) = r.warm_up() {
                    eprintln!("meridian: the viewer's renderer did not warm up ({e})");
                }
                Some(Mutex::new(r))
            }
            Err(e) => {
                eprintln!("meridian: no GPU adapter for the viewer ({e}); drawing on the CPU");
                None
            }
        };
        let g = Arc::new(Gpu { renderer });
        *slot = Some(g.clone());
        Ok(g)
    }
}

impl App {
    /// Opens a cached series in the viewer: sorts its frames along the slice normal, decodes the
    /// first shown, and says what the reader needs (size, spacing, presets, orientation,
    /// warnings, corner text). Images the cache describes are read when first shown; a series
    /// cached without descriptions (by an earlier version) is read whole.
    pub async fn open_series(&self, token: &str, patient_id: &str, study_uid: &str, series_uid: &str) -> Result<OpenedSeries> {
        let (found, user) = self
            .audited(token, Action::ViewImages, Target::patient(patient_id), async |tx: &mut Tx, ctx: &mut Ctx| {
                super::cached_study_of(tx, patient_id, study_uid).await?;
                tx.touch_dicom_study(study_uid).await?;
                ctx.detail = Some("open series".into());
                let listed = tx.dicom_series_meta(study_uid, series_uid).await?;
                let described: Option<Vec<(String, u64, ImageMeta)>> = listed
                    .into_iter()
                    .map(|(sop, size, meta)| Some((sop, size.max(0) as u64, serde_json::from_str(meta.as_deref()?).ok()?)))
                    .collect();
                let images = match described {
                    Some(d) if !d.is_empty() => Images::Described(d),
                    _ => Images::Bodies(tx.dicom_series_bodies(study_uid, series_uid).await?),
                };
                let states = tx.dicom_bodies_of_modality(study_uid, "PR").await?;
                Ok(((images, states), ctx.session.user_id.clone()))
            })
            .await?;
        let (images, states) = found;
        if images.is_empty() {
            return Err(AppError::NotFound("series in this study"));
        }
        let reader = CacheReader { store: self.store.clone(), runtime: tokio::runtime::Handle::current(), study_uid: study_uid.to_owned(), series_uid: series_uid.to_owned() };
        let opened_at = self.clock.now().unix_seconds() as u64;
        let imaging = self.imaging.clone();
        let patient = patient_id.to_owned();
        tokio::task::spawn_blocking(move || {
            // Make the renderer now, while the reader waits for the series anyway.
            let gpu = imaging.gpu()?.renderer.is_some();
            // Close this user's oldest series first, so that its memory is free for this one.
            let held = {
                let mut open = imaging.open.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                let mine: Vec<(u64, String)> = open.iter().filter(|(_, s)| s.owner == user).map(|(h, s)| (s.opened_at, h.clone())).collect();
                if mine.len() >= OPEN_PER_USER
                    && let Some((_, oldest)) = mine.iter().min()
                {
                    open.remove(oldest);
                }
                open.values().map(|s| s.bytes).sum::<u64>()
            };
            let (entries, reader) = match images {
                Images::Described(d) => (d.into_iter().map(|(sop, size, meta)| Entry::described(sop, size, meta)).collect(), Some(reader)),
                Images::Bodies(bodies) => {
                    let mut entries = Vec::with_capacity(bodies.len());
                    for body in bodies {
                        entries.push(Entry::parsed(&body)?);
                    }
                    (entries, None)
                }
            };
            let mut decoded = decode_series(entries, reader, user.clone(), patient.clone(), opened_at, gpu, WORKSTATION_BUDGET.saturating_sub(held))?;
            decoded.info.annotations = latest_annotations(&states, &decoded.series.refs);
            let mut open = imaging.open.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            open.insert(decoded.info.handle.clone(), Arc::new(decoded.series));
            Ok(decoded.info)
        })
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
    }

    /// Keeps the reader's measurements on an open series as a DICOM Grayscale Softcopy
    /// Presentation State: in the encrypted cache with the study (it reopens with the series)
    /// and, when a DICOMweb PACS is configured, on the PACS (STOW-RS), where other viewers show
    /// it. Each save is a new presentation state; the latest is shown on opening.
    pub async fn save_annotations(&self, token: &str, handle: &str, marks: &[SavedAnnotation], window: Option<(f64, f64)>) -> Result<AnnotationsSaved> {
        let session = self.session(token).await?;
        let series = self.imaging.series(handle, &session.user_id)?;
        if marks.len() > 1000 {
            return Err(AppError::Validation("at most 1000 measurements are saved at once".into()));
        }
        let mut ps = series.header.clone();
        for m in marks {
            let image = m.frame as usize;
            if image >= series.refs.len() {
                return Err(AppError::Validation(format!("this series has {} images; image {} does not exist", series.refs.len(), u64::from(m.frame) + 1)));
            }
            let finite = |p: &[f64; 2]| p.iter().all(|v| v.is_finite());
            let graphic = match &m.measure {
                MeasureRequest::Length { start, end } if finite(start) && finite(end) => gsps::Graphic::Polyline(vec![*start, *end]),
                MeasureRequest::Angle { a, vertex, b } if finite(a) && finite(vertex) && finite(b) => gsps::Graphic::Polyline(vec![*a, *vertex, *b]),
                MeasureRequest::Ellipse { corner, opposite } if finite(corner) && finite(opposite) => gsps::Graphic::Ellipse { corner: *corner, opposite: *opposite },
                _ => return Err(AppError::Validation("measurement points must be finite numbers".into())),
            };
            let label: String = m.label.chars().filter(|c| !c.is_control()).take(200).collect();
            ps.marks.push(gsps::Mark { image, graphic, label });
        }
        ps.images = series.refs.clone();
        ps.window = window.filter(|(c, w)| c.is_finite() && w.is_finite());
        let now = self.clock.now().to_rfc3339();
        let digits: String = now.chars().filter(char::is_ascii_digit).collect();
        ps.created_date = digits.get(..8).unwrap_or_default().to_owned();
        ps.created_time = digits.get(8..14).unwrap_or_default().to_owned();
        ps.series_uid = random_uid();
        ps.sop_instance_uid = random_uid();
        ps.instance_number = 1;
        let study_uid = ps.study_uid.clone();
        let patient_id = series.patient_id.clone();
        let bytes = self
            .audited(token, Action::ViewImages, Target::patient(&patient_id), async |tx: &mut Tx, ctx: &mut Ctx| {
                ctx.detail = Some("save measurements (presentation state)".into());
                ps.creator = ctx.session.display_name.replace('^', " ");
                let bytes = gsps::write(&ps);
                super::cached_study_of(tx, &patient_id, &study_uid).await?;
                tx.put_dicom_instance(
                    &study_uid,
                    &meridian_store::CachedInstance {
                        sop_uid: &ps.sop_instance_uid,
                        series_uid: &ps.series_uid,
                        series_number: Some(900),
                        series_description: Some("Measurements"),
                        modality: Some("PR"),
                        instance_number: Some(1),
                        body: &bytes,
                        meta: None,
                    },
                )
                .await?;
                tx.refresh_dicom_study_bytes(&study_uid).await?;
                Ok(bytes)
            })
            .await?;
        let (stored_on_pacs, pacs_error) = match self.imaging.config().and_then(|c| c.dicomweb_url) {
            Some(url) => match super::web_client(&url, 64 << 20)?.store(&[&bytes]).await {
                Ok(o) if o.stored.len() == 1 => (true, None),
                Ok(_) => (false, Some("the PACS did not accept the presentation state".to_owned())),
                Err(e) => (false, Some(e.to_string())),
            },
            None => (false, None),
        };
        Ok(AnnotationsSaved { marks: marks.len() as u32, stored_on_pacs, pacs_error })
    }

    /// Draws one frame of an open series: `width * height * 4` bytes of RGBA.
    pub async fn render_frame(&self, token: &str, req: &RenderRequest) -> Result<Vec<u8>> {
        let session = self.session(token).await?;
        let series = self.imaging.series(&req.handle, &session.user_id)?;
        let gpu = self.imaging.gpu()?;
        let req = req.clone();
        let drawn = {
            let series = series.clone();
            let req = req.clone();
            tokio::task::spawn_blocking(move || series.render(&gpu, &req)).await.map_err(|e| AppError::Internal(e.to_string()))??
        };
        if req.mpr.is_none() {
            // The neighbours are read and decoded while the reader looks at this one, so that
            // scrolling on finds them ready (a failure is said when that frame is drawn).
            tokio::task::spawn_blocking(move || series.prefetch(req.frame));
        }
        Ok(drawn)
    }

    /// A length, angle or region on one frame of an open series.
    pub async fn measure(&self, token: &str, handle: &str, frame: u32, req: &MeasureRequest) -> Result<Measurement> {
        let session = self.session(token).await?;
        let series = self.imaging.series(handle, &session.user_id)?;
        let req = req.clone();
        // The frame may have to be read from the cache and decoded first.
        tokio::task::spawn_blocking(move || series.measure(frame, &req)).await.map_err(|e| AppError::Internal(e.to_string()))?
    }

    /// Closes an open series (its frames and GPU textures are freed).
    pub async fn close_series(&self, token: &str, handle: &str) -> Result<()> {
        let session = self.session(token).await?;
        let mut open = self.imaging.open.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if open.get(handle).is_some_and(|s| s.owner == session.user_id) {
            open.remove(handle);
        }
        Ok(())
    }

    /// The GPU adapter the viewer draws with, or `None` for the CPU path (figures, tests).
    pub fn imaging_adapter(&self) -> Result<Option<String>> {
        let gpu = self.imaging.gpu()?;
        Ok(gpu.renderer.as_ref().and_then(|r| r.lock().ok().map(|r| format!("{:?}", r.adapter()))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use meridian_demo::dicom::CtSeriesSpec;

    fn request(frame: u32) -> RenderRequest {
        RenderRequest::stack("", frame, 64, 64, 40.0, 400.0)
    }

    #[test]
    fn the_oblique_planes_edge_letters_follow_its_angle() {
        let axial = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0];
        let geometry = MprGeometry {
            axial: [0.0; 2],
            coronal: [0.0; 2],
            sagittal: [0.0; 2],
            oblique: [0.0; 2],
            counts: [0; 4],
            plane_pixel_mm: 1.0,
            spacing: [1.0; 3],
            names: Default::default(),
            coronal_markers: plane_markers(axial, true),
            sagittal_markers: plane_markers(axial, false),
            oblique_markers: oblique_markers(axial),
        };
        let at = |a: f64| geometry.oblique_markers_at(a).cloned().expect("letters");
        let letters = |m: OrientationMarkers| [m.left, m.right, m.top, m.bottom].join(" ");
        // At 0° the oblique plane is the coronal one, at 90° the sagittal one.
        assert_eq!(Some(at(0.0)), geometry.coronal_markers);
        assert_eq!(Some(at(90.0)), geometry.sagittal_markers);
        assert_eq!(letters(at(0.0)), "R L H F");
        assert_eq!(letters(at(30.0)), "RA LP H F");
        assert_eq!(letters(at(-30.0)), "RP LA H F");
        assert_eq!(letters(at(180.0)), "L R H F");
        assert_eq!(letters(at(-180.0)), "L R H F");
        // Angles past a half turn are the same planes (the renderer takes sine and cosine).
        assert_eq!(at(270.0), at(-90.0));
        assert_eq!(at(-185.0), at(175.0));
        assert_eq!(at(725.0), at(5.0));
        assert!(geometry.oblique_markers.windows(2).all(|w| w[0].from_deg < w[1].from_deg));
    }

    #[test]
    fn frames_are_decoded_when_first_shown_and_only_the_latest_are_kept_decoded() {
        let spec = CtSeriesSpec { slices: 80, rows: 64, columns: 64, pixel_spacing: 4.0, ..CtSeriesSpec::demo("MRN-1", "TEST^Ada", "19700304", "F") };
        let files: Vec<Vec<u8>> = spec.files().collect();
        let entries = files.iter().map(|f| Entry::parsed(f)).collect::<Result<Vec<_>>>().expect("parse");
        let opened = decode_series(entries, None, "u".into(), "p".into(), 0, false, u64::MAX).expect("open");
        let series = opened.series;
        assert_eq!(opened.info.frames, 80);
        let kept = |s: &OpenSeries| s.decoded.lock().expect("lock").len();
        assert_eq!(kept(&series), 1, "opening decodes only the first frame shown");
        // Held: the pixel data as encoded, and room for the frames kept decoded.
        let frame_bytes = 64 * 64 * 2;
        assert_eq!(series.bytes, 80 * frame_bytes + DECODED_FRAMES as u64 * frame_bytes);

        // Display order runs head to foot; the files run the other way round (z falls with the
        // index), so image k on screen is file 79 - k. Each draw is what its own file gives.
        let gpu = Gpu { renderer: None };
        let mut previous: Option<Vec<u8>> = None;
        for k in [0u32, 40, 79, 40] {
            let drawn = series.render(&gpu, &request(k)).expect("draw");
            assert!(previous.as_ref() != Some(&drawn), "images differ from slice to slice");
            previous = Some(drawn.clone());
            let instance = meridian_viewer::open(&files[(79 - k) as usize]).expect("file");
            let display = Display { voi: Voi::Window(Window::new(40.0, 400.0)), ..instance.default_display(0) };
            let expected = cpu_view(&instance.frame(0).expect("frame"), &display, &View::new(64, 64, display.clone()));
            assert!(drawn == expected, "image {k} drawn from another file's pixels");
        }
        assert_eq!(kept(&series), 3);
        for k in 0..80 {
            series.render(&gpu, &request(k)).expect("draw");
            assert!(kept(&series) <= DECODED_FRAMES);
        }
        assert_eq!(kept(&series), DECODED_FRAMES);
        // Drawing image 10 then prefetching puts 8 to 12 among those kept decoded.
        series.render(&gpu, &request(10)).expect("draw");
        series.prefetch(10);
        let held: Vec<u32> = series.decoded.lock().expect("lock").iter().map(|(i, _)| *i).collect();
        assert!([8, 9, 10, 11, 12].iter().all(|i| held.contains(i)), "{held:?}");
        assert_eq!(held.last(), Some(&8), "the farthest neighbour was decoded last");

        // A short series reserves room only for the frames it has (a single large image is not
        // charged for 48 decoded copies of itself).
        let one = decode_series(vec![Entry::parsed(&files[0]).expect("parse")], None, "u".into(), "p".into(), 0, false, u64::MAX).expect("open one");
        assert_eq!(one.series.bytes, 2 * frame_bytes);
        assert!(decode_series(vec![Entry::parsed(&files[0]).expect("parse")], None, "u".into(), "p".into(), 0, false, 2 * frame_bytes).is_ok(), "fits its budget exactly");
        let err = series.render(&gpu, &request(80)).expect_err("no image 81");
        assert!(err.to_string().contains("image 81 does not exist"), "{err}");
    }
}
