//! Imaging: a patient's studies on the PACS and in the local cache, retrieval, and the viewer's
//! requests (one rendered frame, a measurement).

use serde::{Deserialize, Serialize};

/// One study of a patient, as the study list shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImagingStudy {
    pub study_uid: String,
    /// `YYYY-MM-DD`, when the archive gives one.
    pub date: Option<String>,
    pub description: Option<String>,
    pub accession: Option<String>,
    /// Modalities in the study, e.g. `["CT"]`.
    pub modalities: Vec<String>,
    /// Instances the archive reports (0 when the study is known only from the cache).
    pub remote_instances: u32,
    /// Instances already in this workstation's encrypted cache.
    pub cached_instances: u32,
    /// Whether the configured archive listed it (false: only cached, or the archive is offline).
    pub on_pacs: bool,
    /// The hanging protocol's prior: for a CT or MR, the latest earlier study of that modality
    /// here or on the PACS, to open beside it.
    pub prior_study_uid: Option<String>,
    /// How to retrieve that prior before hanging it, when it is not here yet.
    #[serde(default)]
    pub prior_retrieve_via: Option<RetrieveVia>,
}

/// The patient's studies and whether the archive could be asked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StudyList {
    pub studies: Vec<ImagingStudy>,
    /// `None` when the archive answered (or none is configured: see `pacs_configured`), else why
    /// not, data-free (cached studies are still listed).
    pub pacs_error: Option<String>,
    pub pacs_configured: bool,
    /// The ways this workstation can retrieve from its PACS.
    pub retrieve_options: Vec<RetrieveVia>,
}

/// How to fetch a study from the archive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RetrieveVia {
    /// WADO-RS.
    Dicomweb,
    /// C-GET on the DIMSE port.
    Dimse,
    /// C-MOVE to this workstation's C-STORE listener (for archives without C-GET).
    DimseMove,
}

/// What a retrieval brought into the cache.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RetrieveReport {
    pub via: RetrieveVia,
    /// Images received and cached.
    pub instances: u32,
    /// Saved measurements (presentation states) received with them.
    pub presentation_states: u32,
    /// Bytes received.
    pub bytes: u64,
    /// Instances refused because their Patient ID is not this patient's MRN (never cached).
    pub refused_other_patient: u32,
    /// Instances that are not images the viewer opens (reports, presentation states, damaged
    /// files); not cached.
    pub not_images: u32,
    /// Studies evicted from the cache to stay within its size.
    pub evicted_studies: u32,
}

/// What importing a folder (a CD/DVD with a DICOMDIR, or any folder of DICOM files) brought in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageImport {
    /// Studies now cached for the patient.
    pub studies: u32,
    pub instances: u32,
    pub bytes: u64,
    /// Images whose Patient ID is the patient's MRN.
    pub matched_by_mrn: u32,
    /// Outside images (another hospital's Patient ID) accepted because family name and birth
    /// date both match, when asked to.
    pub matched_by_demographics: u32,
    /// Images of someone else (never cached).
    pub refused_other_patient: u32,
    /// Files that are not images the viewer opens (DICOMDIR, reports, other files).
    pub not_images: u32,
}

/// One series of a cached study.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesRow {
    pub series_uid: String,
    pub number: Option<i64>,
    pub modality: Option<String>,
    pub description: Option<String>,
    pub instances: u32,
    /// A 64 x 64 picture of the middle image (a `data:image/bmp;base64,` URL), drawn with the
    /// file's own window; `None` when it cannot be drawn.
    pub thumbnail: Option<String>,
}

/// A named window, e.g. `Brain 40/80`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowPreset {
    pub name: String,
    pub center: f64,
    pub width: f64,
}

/// The letters shown at the edges of an image (patient directions: L, R, A, P, H, F).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OrientationMarkers {
    pub left: String,
    pub right: String,
    pub top: String,
    pub bottom: String,
}

/// A series opened in the viewer: what the UI needs to draw and annotate it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpenedSeries {
    /// Names the open series in later render and measure calls.
    pub handle: String,
    /// Frames in display order (sorted along the slice normal where geometry allows).
    pub frames: u32,
    pub rows: u32,
    pub columns: u32,
    /// Row spacing, column spacing in mm (Pixel Spacing), when known.
    pub pixel_spacing: Option<[f64; 2]>,
    /// Whether values are Hounsfield units (CT with a rescale).
    pub unit: String,
    pub color: bool,
    /// The file's own window first (if any), then the modality's presets.
    pub presets: Vec<WindowPreset>,
    /// The window shown first.
    pub initial: WindowPreset,
    pub markers: Option<OrientationMarkers>,
    /// Gaps, irregular spacing, mixed geometry: said on screen.
    pub warnings: Vec<String>,
    /// Corner text: patient, study and series lines.
    pub patient_name: String,
    pub mrn: String,
    pub study_date: Option<String>,
    pub study_description: Option<String>,
    pub series_description: Option<String>,
    pub modality: Option<String>,
    /// Slice location (mm along the normal) of each frame, when the geometry gives one.
    pub positions: Vec<Option<f64>>,
    /// Present when the series can be shown in other planes (MPR, MIP).
    pub mpr: Option<MprGeometry>,
    /// Why it cannot, when it cannot.
    pub mpr_unavailable: Option<String>,
    /// Some frames differ in size from the first: measuring is off (positions would be wrong).
    pub sizes_vary: bool,
    /// The latest saved measurements on this series (from a presentation state), to show again.
    pub annotations: Vec<SavedAnnotation>,
}

/// A measurement kept with the images (as a DICOM Grayscale Softcopy Presentation State).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedAnnotation {
    /// Frame in the series' display order.
    pub frame: u32,
    pub measure: MeasureRequest,
    /// The text shown with it, e.g. `42.3 mm`.
    pub label: String,
}

/// What saving the measurements did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnnotationsSaved {
    pub marks: u32,
    /// Stored on the PACS too (STOW-RS), when one is configured.
    pub stored_on_pacs: bool,
    /// Why not, data-free.
    pub pacs_error: Option<String>,
}

/// One frame to draw: window, zoom and pan; the answer is `width * height * 4` bytes of RGBA.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RenderRequest {
    pub handle: String,
    pub frame: u32,
    pub width: u32,
    pub height: u32,
    /// Output pixels per image pixel.
    pub zoom: f64,
    /// Shift of the image centre from the viewport centre, output pixels.
    pub pan: [f64; 2],
    pub center: f64,
    pub window: f64,
    /// Show inverted (white bone on black becomes black on white).
    pub invert: bool,
    /// A reformatted plane of the series' volume instead of frame `frame`.
    #[serde(default)]
    pub mpr: Option<MprRequest>,
    /// Quarter turns clockwise (0 to 3), applied after the flips.
    #[serde(default)]
    pub quarter_turns: u32,
    /// Mirror left-right, top-bottom.
    #[serde(default)]
    pub flip_horizontal: bool,
    #[serde(default)]
    pub flip_vertical: bool,
}

impl RenderRequest {
    /// Frame `frame` of the stack at zoom 1, centred, upright, under the window `center`/`window`.
    pub fn stack(handle: impl Into<String>, frame: u32, width: u32, height: u32, center: f64, window: f64) -> Self {
        Self {
            handle: handle.into(),
            frame,
            width,
            height,
            zoom: 1.0,
            pan: [0.0, 0.0],
            center,
            window,
            invert: false,
            mpr: None,
            quarter_turns: 0,
            flip_horizontal: false,
            flip_vertical: false,
        }
    }
}

/// Which plane of the volume to draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MprPlane {
    Axial,
    Coronal,
    Sagittal,
    /// The coronal plane turned about the slice axis by `MprRequest::angle_deg` (90: sagittal).
    Oblique,
}

/// How values across the slab are combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MprProjection {
    Slice,
    Mip,
    MinIp,
}

/// A reformatted plane: its position (slice, row or column index) and projection.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MprRequest {
    pub plane: MprPlane,
    /// Slice index (axial), row index (coronal) or column index (sagittal).
    pub index: f64,
    pub projection: MprProjection,
    /// Slab thickness for MIP/MinIP, mm.
    pub slab_mm: f64,
    /// For `Oblique`: the turn from coronal about the slice axis, degrees.
    #[serde(default)]
    pub angle_deg: f64,
}

/// The volume's planes, when the series can be reformatted (a regular stack of grey slices).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MprGeometry {
    /// Plane size in plane pixels (width, height) for axial, coronal, sagittal and oblique (as
    /// wide as the volume's diagonal, so that every angle fits).
    pub axial: [f64; 2],
    pub coronal: [f64; 2],
    pub sagittal: [f64; 2],
    pub oblique: [f64; 2],
    /// Positions along each plane's normal: slices, rows, columns, and oblique positions (one
    /// plane pixel apart, centred on the volume).
    pub counts: [u32; 4],
    /// One plane pixel in mm (the smallest voxel spacing).
    pub plane_pixel_mm: f64,
    /// Voxel spacing: columns, rows, slices (mm).
    pub spacing: [f64; 3],
    /// What to call the three planes (through the stack, columns across, rows across): for an
    /// axial acquisition `Axial`, `Coronal`, `Sagittal`.
    pub names: [String; 3],
    /// Edge letters of the coronal and sagittal planes.
    pub coronal_markers: Option<OrientationMarkers>,
    pub sagittal_markers: Option<OrientationMarkers>,
    /// Edge letters of the oblique plane by angle: each entry holds from `from_deg` up to the
    /// next entry's (angles -180 to 180, whole degrees, ascending).
    #[serde(default)]
    pub oblique_markers: Vec<ObliqueMarkers>,
}

/// The oblique plane's edge letters from one angle on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObliqueMarkers {
    pub from_deg: f64,
    pub markers: OrientationMarkers,
}

impl MprGeometry {
    /// The oblique plane's edge letters at `angle_deg` (any angle; taken to -180..180 and
    /// rounded to a whole degree).
    pub fn oblique_markers_at(&self, angle_deg: f64) -> Option<&OrientationMarkers> {
        let angle = (angle_deg.round() + 180.0).rem_euclid(360.0) - 180.0;
        self.oblique_markers.iter().rev().find(|m| m.from_deg <= angle).map(|m| &m.markers)
    }
}

/// A measurement on one frame, in image pixel coordinates (the centre of column `c`, row `r`
/// is `(c + 0.5, r + 0.5)`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum MeasureRequest {
    Length { start: [f64; 2], end: [f64; 2] },
    /// The angle at `vertex` between the rays to `a` and `b`.
    Angle { a: [f64; 2], vertex: [f64; 2], b: [f64; 2] },
    /// An ellipse inscribed in the rectangle from `corner` to `opposite`.
    Ellipse { corner: [f64; 2], opposite: [f64; 2] },
}

/// The answer: values in physical units when the geometry allows, else in pixels (`unit`
/// says which).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Measurement {
    /// Length in mm (or px), angle in degrees, ellipse area in mm² (or px²).
    pub value: f64,
    /// `mm`, `px`, `deg`, `mm²`, `px²`.
    pub unit: String,
    /// Ellipse statistics over the pixels whose centres lie inside, in `stats_unit`.
    pub stats: Option<RegionStats>,
    /// What the user should know (e.g. "no pixel spacing: lengths in pixels").
    pub note: Option<String>,
}

/// Region statistics of modality values (HU for CT).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegionStats {
    pub pixels: u64,
    pub mean: f64,
    pub sd: f64,
    pub min: f64,
    pub max: f64,
    pub unit: String,
}
