//! The pixel pipeline on the CPU (PS3.3 C.11 and PS3.4 N.2): stored values -> modality LUT ->
//! VOI -> presentation LUT shape -> 8-bit grey; or colour models -> RGB. Pure functions, the
//! reference the GPU shader is tested against.

pub mod color;
pub mod lut;

use crate::frame::{Frame, Photometric, PixelData};
use crate::instance::Instance;
use lut::{Lut, Palette};

/// Stored value -> modality value (e.g. Hounsfield units).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ModalityLut {
    /// Stored values are the modality values.
    Identity,
    /// `stored * slope + intercept` (0028,1053)/(0028,1052).
    Rescale {
        /// Rescale Slope.
        slope: f64,
        /// Rescale Intercept.
        intercept: f64,
    },
    /// Modality LUT Sequence (0028,3000).
    Table(Lut),
}

impl ModalityLut {
    /// The modality value of a stored value.
    pub fn apply(&self, stored: i64) -> f64 {
        match self {
            Self::Identity => stored as f64,
            Self::Rescale { slope, intercept } => stored as f64 * slope + intercept,
            Self::Table(lut) => f64::from(lut.lookup(stored)),
        }
    }
}

/// VOI LUT Function (0028,1056).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum VoiFunction {
    /// PS3.3 C.11.2.1.2.1 (the default).
    #[default]
    Linear,
    /// PS3.3 C.11.2.1.3.2.
    LinearExact,
    /// PS3.3 C.11.2.1.3.1.
    Sigmoid,
}

/// A window: centre and width in modality units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Window {
    /// Window Center (0028,1050).
    pub center: f64,
    /// Window Width (0028,1051), at least 1 for LINEAR.
    pub width: f64,
    /// How values inside the window are mapped.
    pub function: VoiFunction,
}

impl Window {
    /// A linear window.
    pub fn new(center: f64, width: f64) -> Self {
        Self {
            center,
            width,
            function: VoiFunction::Linear,
        }
    }

    /// Maps a modality value to `0.0..=1.0`.
    ///
    /// LINEAR (C.11.2.1.2.1), with `ymin = 0`, `ymax = 1`:
    /// `x <= c - 0.5 - (w-1)/2` -> 0; `x > c - 0.5 + (w-1)/2` -> 1;
    /// else `((x - (c - 0.5)) / (w-1) + 0.5)`.
    pub fn apply(&self, x: f64) -> f64 {
        let (c, w) = (self.center, self.width);
        match self.function {
            VoiFunction::Linear => {
                // The standard requires w >= 1; a width of exactly 1 is a threshold at c - 0.5.
                let w = w.max(1.0);
                if x <= c - 0.5 - (w - 1.0) / 2.0 {
                    0.0
                } else if x > c - 0.5 + (w - 1.0) / 2.0 {
                    1.0
                } else {
                    ((x - (c - 0.5)) / (w - 1.0) + 0.5).clamp(0.0, 1.0)
                }
            }
            VoiFunction::LinearExact => {
                let w = w.max(f64::MIN_POSITIVE);
                if x <= c - w / 2.0 {
                    0.0
                } else if x > c + w / 2.0 {
                    1.0
                } else {
                    ((x - c) / w + 0.5).clamp(0.0, 1.0)
                }
            }
            VoiFunction::Sigmoid => {
                let w = w.max(f64::MIN_POSITIVE);
                1.0 / (1.0 + (-4.0 * (x - c) / w).exp())
            }
        }
    }
}

/// A named CT window preset (centre/level and width in HU).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Preset {
    /// Name shown on screen.
    pub name: &'static str,
    /// Centre (level), HU.
    pub center: f64,
    /// Width, HU.
    pub width: f64,
}

impl Preset {
    /// The preset as a linear window.
    pub fn window(&self) -> Window {
        Window::new(self.center, self.width)
    }
}

/// CT presets (level/width). Brain, subdural, stroke, bone, lung and mediastinum are the values
/// listed in Radiopaedia's "Windowing (CT)" article (stroke there also as 32/8, subdural as
/// 50-100/130-300); abdomen 40/400 and liver 60/160 are the common soft-tissue settings of
/// scanner consoles (Radiopaedia gives 50/400 and 30/150).
pub const CT_PRESETS: [Preset; 8] = [
    Preset {
        name: "brain",
        center: 40.0,
        width: 80.0,
    },
    Preset {
        name: "subdural",
        center: 75.0,
        width: 215.0,
    },
    Preset {
        name: "stroke",
        center: 40.0,
        width: 40.0,
    },
    Preset {
        name: "bone",
        center: 400.0,
        width: 1800.0,
    },
    Preset {
        name: "lung",
        center: -600.0,
        width: 1500.0,
    },
    Preset {
        name: "abdomen",
        center: 40.0,
        width: 400.0,
    },
    Preset {
        name: "liver",
        center: 60.0,
        width: 160.0,
    },
    Preset {
        name: "mediastinum",
        center: 50.0,
        width: 350.0,
    },
];

/// Looks a preset up by name (case-insensitive).
pub fn preset(name: &str) -> Option<Preset> {
    CT_PRESETS
        .iter()
        .copied()
        .find(|p| p.name.eq_ignore_ascii_case(name))
}

/// Modality value -> display value.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Voi {
    /// A window.
    Window(Window),
    /// A VOI LUT (0028,3010); its output range is `0..=2^bits-1`.
    Table(Lut),
    /// The frame's smallest to largest modality value, linearly (what a viewer shows when the
    /// object has no window).
    MinMax,
}

/// Presentation LUT Shape (2050,0020).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PresentationLutShape {
    /// Higher values brighter.
    Identity,
    /// Higher values darker.
    Inverse,
}

/// How to turn a frame into pixels on screen.
#[derive(Debug, Clone, PartialEq)]
pub struct Display {
    /// Stored -> modality values (grey images only).
    pub modality: ModalityLut,
    /// Modality -> display values (grey images only).
    pub voi: Voi,
    /// Applied last (grey images only). MONOCHROME1 is shown by choosing `Inverse`.
    pub shape: PresentationLutShape,
    /// Palette for PALETTE COLOR frames.
    pub palette: Option<Palette>,
}

impl Display {
    /// A grey display with the given window and no inversion.
    pub fn window(center: f64, width: f64) -> Self {
        Self {
            modality: ModalityLut::Identity,
            voi: Voi::Window(Window::new(center, width)),
            shape: PresentationLutShape::Identity,
            palette: None,
        }
    }
}

impl Instance {
    /// What a reader sees first for frame `index`: the object's modality LUT, its first window
    /// (frame VOI, then top-level window, then first VOI LUT, else min-max), and the
    /// presentation LUT shape (explicit, else INVERSE for MONOCHROME1).
    pub fn default_display(&self, index: u32) -> Display {
        let voi = match self.frame_info(index).and_then(|i| i.windows.first()) {
            Some(w) => Voi::Window(*w),
            None => match self.voi_luts().first() {
                Some(l) => Voi::Table(l.clone()),
                None => Voi::MinMax,
            },
        };
        let shape = match self.presentation_lut_shape() {
            Some(s) => s,
            None if self.image_pixel().photometric == Photometric::Monochrome1 => {
                PresentationLutShape::Inverse
            }
            None => PresentationLutShape::Identity,
        };
        Display {
            modality: self.modality_lut(index),
            voi,
            shape,
            palette: self.palette().cloned(),
        }
    }
}

/// Renders a frame to RGBA8 (`rows * columns * 4` bytes, alpha 255).
///
/// Grey frames go through modality, VOI and shape; RGB is scaled from Bits Stored to 8 bits;
/// YBR_FULL and YBR_PARTIAL_420 are converted to RGB (PS3.3 C.7.6.3.1.2); PALETTE COLOR is
/// looked up in `display.palette` (grey ramp when there is none).
pub fn render_to_rgba8(frame: &Frame, display: &Display) -> Vec<u8> {
    let n = frame.pixel_count();
    let mut out = vec![0u8; n * 4];
    let spp = usize::from(frame.samples_per_pixel);
    if frame.data.len() < n * spp {
        // A frame built by hand with too few values: show black rather than read past the end.
        return out;
    }
    match (&frame.photometric, spp) {
        (Photometric::PaletteColor, 1) => {
            for (i, px) in out.chunks_exact_mut(4).enumerate() {
                let v = frame.data.get(i).unwrap_or(0);
                let rgb = match &display.palette {
                    Some(p) => p.rgb8(v),
                    None => [v.clamp(0, 255) as u8; 3],
                };
                px.copy_from_slice(&[rgb[0], rgb[1], rgb[2], 255]);
            }
        }
        (_, 1) => render_grey(frame, display, &mut out),
        (photometric, 3) => {
            let max = ((1u64 << frame.bits_stored.min(32)) - 1) as f64;
            for (i, px) in out.chunks_exact_mut(4).enumerate() {
                let s = |k: usize| frame.data.get(i * 3 + k).unwrap_or(0);
                let rgb = match photometric {
                    Photometric::YbrFull | Photometric::YbrFull422 => {
                        color::ybr_full_to_rgb8(s(0), s(1), s(2), frame.bits_stored)
                    }
                    Photometric::YbrPartial420 => {
                        color::ybr_partial_to_rgb8(s(0), s(1), s(2), frame.bits_stored)
                    }
                    _ if frame.bits_stored == 8 => [
                        s(0).clamp(0, 255) as u8,
                        s(1).clamp(0, 255) as u8,
                        s(2).clamp(0, 255) as u8,
                    ],
                    _ => {
                        let scale =
                            |v: i64| ((v as f64 / max) * 255.0).round().clamp(0.0, 255.0) as u8;
                        [scale(s(0)), scale(s(1)), scale(s(2))]
                    }
                };
                px.copy_from_slice(&[rgb[0], rgb[1], rgb[2], 255]);
            }
        }
        _ => {}
    }
    out
}

/// Grey frames: a table over every stored value when Bits Stored <= 16, else per pixel.
fn render_grey(frame: &Frame, display: &Display, out: &mut [u8]) {
    let (lo, hi) = match display.voi {
        Voi::MinMax => {
            let (a, b) = frame.data.min_max().unwrap_or((0, 0));
            let (ma, mb) = (display.modality.apply(a), display.modality.apply(b));
            (ma.min(mb), ma.max(mb))
        }
        _ => (0.0, 0.0),
    };
    let to_display = |stored: i64| -> u8 {
        let m = display.modality.apply(stored);
        let y = match &display.voi {
            Voi::Window(w) => w.apply(m),
            Voi::Table(l) => f64::from(l.lookup(m.round() as i64)) / f64::from(l.max_output()),
            Voi::MinMax => {
                if hi > lo {
                    (m - lo) / (hi - lo)
                } else {
                    0.0
                }
            }
        };
        let y = match display.shape {
            PresentationLutShape::Identity => y,
            PresentationLutShape::Inverse => 1.0 - y,
        };
        (y.clamp(0.0, 1.0) * 255.0).round() as u8
    };
    let write = |out: &mut [u8], i: usize, g: u8| {
        out[i * 4..i * 4 + 4].copy_from_slice(&[g, g, g, 255]);
    };
    match &frame.data {
        PixelData::U8(v) => {
            let table: Vec<u8> = (0..256).map(&to_display).collect();
            for (i, s) in v.iter().enumerate() {
                write(out, i, table[usize::from(*s)]);
            }
        }
        PixelData::I8(v) => {
            let table: Vec<u8> = (-128..128).map(&to_display).collect();
            for (i, s) in v.iter().enumerate() {
                write(out, i, table[(i16::from(*s) + 128) as usize]);
            }
        }
        PixelData::U16(v) => {
            let table: Vec<u8> = (0..65536).map(&to_display).collect();
            for (i, s) in v.iter().enumerate() {
                write(out, i, table[usize::from(*s)]);
            }
        }
        PixelData::I16(v) => {
            let table: Vec<u8> = (-32768..32768).map(&to_display).collect();
            for (i, s) in v.iter().enumerate() {
                write(out, i, table[(i32::from(*s) + 32768) as usize]);
            }
        }
        PixelData::U32(v) => {
            for (i, s) in v.iter().enumerate() {
                write(out, i, to_display(i64::from(*s)));
            }
        }
        PixelData::I32(v) => {
            for (i, s) in v.iter().enumerate() {
                write(out, i, to_display(i64::from(*s)));
            }
        }
    }
}
