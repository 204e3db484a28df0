//! The wgpu renderer: frames and volumes uploaded once as integer textures, the pixel pipeline
//! (rescale, window, presentation LUT shape) run per output pixel in WGSL, a view transform,
//! reslices and slab projections, measurement overlays, and read-back to RGBA8 for tests and
//! thumbnails. Off-screen only in this slice: no window surface.
//!
//! The CPU pipeline ([`render_to_rgba8`](crate::render_to_rgba8)) is the reference. Grey
//! values are computed in `f32` on the GPU and `f64` on the CPU, so a pixel whose exact value
//! lies within about 1e-4 of a rounding boundary may differ by one grey level; everything else
//! is equal byte for byte. Colour frames are converted to RGB on the CPU when uploaded (colour
//! has no window to change), so they match exactly at one-to-one nearest sampling.
//!
//! It refuses to know about windows and surfaces (the desktop shell owns them), the clock and
//! the environment (adapter choice is a [`RenderOptions`] value, not an environment variable),
//! and lookup tables on the GPU (a modality or VOI LUT table is refused with
//! [`RenderError::Unsupported`]; the CPU pipeline draws those).
//!
//! ```no_run
//! use meridian_viewer::render::{Renderer, View};
//! use meridian_viewer::{Display, Frame, Photometric, PixelData};
//!
//! # fn main() -> Result<(), meridian_viewer::render::RenderError> {
//! let frame = Frame {
//!     rows: 1,
//!     columns: 2,
//!     samples_per_pixel: 1,
//!     bits_allocated: 16,
//!     bits_stored: 16,
//!     signed: true,
//!     photometric: Photometric::Monochrome2,
//!     data: PixelData::I16(vec![-1000, 1000]),
//! };
//! let renderer = Renderer::new_headless()?; // hardware first, else lavapipe/llvmpipe
//! println!("{} ({})", renderer.adapter().name, renderer.adapter().backend);
//! let image = renderer.upload_frame(&frame, None)?; // once
//! let mut view = View::new(256, 128, Display::window(40.0, 400.0));
//! view.zoom = view.fit_zoom(image.size());
//! let rgba = renderer.render_to_rgba(&image, &view)?; // per window/level change
//! assert_eq!(rgba.len(), 256 * 128 * 4);
//! # Ok(())
//! # }
//! ```

mod error;
mod reslice;
mod view;

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

use crate::frame::{Frame, Photometric, PixelData};
use crate::pipeline::lut::Palette;
use crate::pipeline::{Display, ModalityLut, PresentationLutShape, Voi, VoiFunction};
use crate::series::Volume;

pub use error::RenderError;
pub use reslice::{Plane, Projection, Reslice};
pub use view::{Overlay, Sampling, View};

/// Most overlay segments per view (a length measurement takes three).
pub const MAX_SEGMENTS: usize = 32;

/// Which adapters [`Renderer::new_headless_with`] may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RenderOptions {
    /// Try Vulkan (drivers, or lavapipe in software).
    pub vulkan: bool,
    /// Try OpenGL ES / EGL (drivers, or llvmpipe in software).
    pub gl: bool,
    /// Accept a software (CPU) adapter when no hardware one is found.
    pub allow_software: bool,
}

impl Default for RenderOptions {
    fn default() -> Self {
        Self {
            vulkan: true,
            gl: true,
            allow_software: true,
        }
    }
}

/// The adapter in use, for the about box and bug reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdapterSummary {
    /// The adapter's name (e.g. "llvmpipe (LLVM 15.0.6, 256 bits)").
    pub name: String,
    /// "vulkan" or "gl".
    pub backend: &'static str,
    /// Whether it runs on the CPU.
    pub software: bool,
    /// Driver name and version, when the driver says.
    pub driver: String,
}

/// A frame on the GPU.
#[derive(Debug)]
pub struct GpuImage {
    view: wgpu::TextureView,
    size: [u32; 2],
    bias: f32,
    color: bool,
    min_max: (i64, i64),
}

impl GpuImage {
    /// Columns and rows: the `source` size of [`View::source_to_output`].
    pub fn size(&self) -> [f64; 2] {
        [f64::from(self.size[0]), f64::from(self.size[1])]
    }
}

/// A volume on the GPU.
#[derive(Debug)]
pub struct GpuVolume {
    view: wgpu::TextureView,
    dims: [u32; 3],
    bias: f32,
    min_max: (i64, i64),
}

impl GpuVolume {
    /// Columns, rows, slices.
    pub fn dims(&self) -> [u32; 3] {
        self.dims
    }
}

/// A volume being uploaded slice by slice (see [`Renderer::begin_volume`]).
#[derive(Debug)]
pub struct VolumeUpload<'r> {
    renderer: &'r Renderer,
    texture: wgpu::Texture,
    dims: [u32; 3],
    format: wgpu::TextureFormat,
    bias: f32,
    next: u32,
    min_max: Option<(i64, i64)>,
}

/// Slices written between flushes of the upload staging memory.
const SLICES_PER_FLUSH: u32 = 16;

impl VolumeUpload<'_> {
    /// Slices uploaded so far.
    pub fn uploaded(&self) -> u32 {
        self.next
    }

    /// Uploads the next slice: `columns * rows` stored values of the volume's sample type.
    pub fn push(&mut self, slice: &PixelData) -> Result<(), RenderError> {
        let [w, h, d] = self.dims;
        if self.next >= d {
            return Err(RenderError::Unsupported { what: "more slices than the volume holds", hint: "give exactly the slices the volume was begun with" });
        }
        if slice.len() != w as usize * h as usize || slice_format(slice) != (self.format, self.bias) {
            return Err(RenderError::Unsupported {
                what: "a slice of another size or sample type than the volume's",
                hint: "every slice needs the first slice's rows, columns, bits and sign",
            });
        }
        let (bytes, _, _) = slice_texels(slice);
        let texel = if self.format == wgpu::TextureFormat::R16Sint { 2 } else { 4 };
        let r = self.renderer;
        let scope = r.device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
        let validation = r.device.push_error_scope(wgpu::ErrorFilter::Validation);
        r.queue.write_texture(
            wgpu::TexelCopyTextureInfo { texture: &self.texture, mip_level: 0, origin: wgpu::Origin3d { x: 0, y: 0, z: self.next }, aspect: wgpu::TextureAspect::All },
            &bytes,
            wgpu::TexelCopyBufferLayout { offset: 0, bytes_per_row: Some(w * texel), rows_per_image: Some(h) },
            wgpu::Extent3d { width: w, height: h, depth_or_array_layers: 1 },
        );
        let errors = [block_on(validation.pop()), block_on(scope.pop())];
        if let Some(e) = errors.into_iter().flatten().next() {
            return Err(RenderError::Gpu { during: "uploading a slice", reason: e.to_string() });
        }
        if let Some((lo, hi)) = slice.min_max() {
            self.min_max = Some(self.min_max.map_or((lo, hi), |(a, b)| (a.min(lo), b.max(hi))));
        }
        self.next += 1;
        // Staging memory of written slices is released once the queue has run them.
        if self.next % SLICES_PER_FLUSH == 0 {
            r.queue.submit([]);
            let _ = r.device.poll(wgpu::PollType::wait_indefinitely());
        }
        Ok(())
    }

    /// The uploaded volume; every slice must have been pushed.
    pub fn finish(self) -> Result<GpuVolume, RenderError> {
        if self.next != self.dims[2] {
            return Err(RenderError::Unsupported { what: "a volume with slices missing", hint: "push every slice before finishing" });
        }
        self.renderer.queue.submit([]);
        let _ = self.renderer.device.poll(wgpu::PollType::wait_indefinitely());
        Ok(GpuVolume {
            view: self.texture.create_view(&Default::default()),
            dims: self.dims,
            bias: self.bias,
            min_max: self.min_max.unwrap_or((0, 0)),
        })
    }
}

/// The texture format and bias of slices of this sample type (independent of the values, so
/// every slice of a volume agrees: unsigned 32-bit is always biased).
fn slice_format(like: &PixelData) -> (wgpu::TextureFormat, f32) {
    use wgpu::TextureFormat::{R16Sint, R32Sint};
    match like {
        PixelData::U8(_) | PixelData::I8(_) | PixelData::I16(_) => (R16Sint, 0.0),
        PixelData::U16(_) => (R16Sint, 32768.0),
        PixelData::U32(_) => (R32Sint, 2_147_483_648.0),
        PixelData::I32(_) => (R32Sint, 0.0),
    }
}

fn slice_texels(data: &PixelData) -> (Vec<u8>, wgpu::TextureFormat, f32) {
    match data {
        PixelData::U32(v) => (
            v.iter().flat_map(|x| ((i64::from(*x) - 2_147_483_648) as i32).to_le_bytes()).collect(),
            wgpu::TextureFormat::R32Sint,
            2_147_483_648.0,
        ),
        other => texels(other),
    }
}

/// The render target and read-back buffer of the last output size, reused between renders.
#[derive(Debug)]
struct Target {
    size: [u32; 2],
    view: wgpu::TextureView,
    texture: wgpu::Texture,
    readback: wgpu::Buffer,
    padded_row: u32,
}

/// An off-screen wgpu renderer.
#[derive(Debug)]
pub struct Renderer {
    device: wgpu::Device,
    queue: wgpu::Queue,
    adapter: AdapterSummary,
    limits: wgpu::Limits,
    layout: wgpu::BindGroupLayout,
    image_pipeline: wgpu::RenderPipeline,
    volume_pipeline: wgpu::RenderPipeline,
    uniforms: wgpu::Buffer,
    empty_2d: wgpu::TextureView,
    empty_3d: wgpu::TextureView,
    // Serialises renders: they share the uniform buffer and the target.
    target: Mutex<Option<Target>>,
}

const PARAMS_SIZE: usize = 16 * 10 + MAX_SEGMENTS * 16 * 2;
const OUTPUT_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8Unorm;

impl Renderer {
    /// Starts a renderer on the best adapter: hardware first, then software (lavapipe or
    /// llvmpipe); Vulkan before GL on equal kinds.
    pub fn new_headless() -> Result<Renderer, RenderError> {
        Self::new_headless_with(RenderOptions::default())
    }

    /// Starts a renderer on the adapters `options` allow.
    pub fn new_headless_with(options: RenderOptions) -> Result<Renderer, RenderError> {
        let mut backends = wgpu::Backends::empty();
        if options.vulkan {
            backends |= wgpu::Backends::VULKAN;
        }
        if options.gl {
            backends |= wgpu::Backends::GL;
        }
        // The platform's own API where there is one (Metal on macOS, Direct3D 12 on Windows);
        // on Linux these flags name backends that are not built and add nothing.
        if options.vulkan {
            backends |= wgpu::Backends::METAL | wgpu::Backends::DX12;
        }
        let tried = match (options.vulkan, options.gl) {
            (true, true) => "vulkan, gl",
            (true, false) => "vulkan",
            (false, true) => "gl",
            (false, false) => "no backend (all disabled)",
        };
        if backends.is_empty() {
            return Err(RenderError::NoAdapter { backends: tried });
        }
        let instance = wgpu::Instance::new(wgpu::InstanceDescriptor {
            backends,
            // No validation layers or debug labels: they are absent on user machines anyway.
            flags: wgpu::InstanceFlags::empty(),
            ..wgpu::InstanceDescriptor::new_without_display_handle()
        });
        let mut adapters = block_on(instance.enumerate_adapters(backends));
        adapters.retain(|a| {
            options.allow_software || a.get_info().device_type != wgpu::DeviceType::Cpu
        });
        adapters.sort_by_key(|a| {
            let info = a.get_info();
            let kind = match info.device_type {
                wgpu::DeviceType::DiscreteGpu => 0,
                wgpu::DeviceType::IntegratedGpu => 1,
                wgpu::DeviceType::VirtualGpu => 2,
                wgpu::DeviceType::Other => 3,
                wgpu::DeviceType::Cpu => 4,
            };
            (kind, u8::from(info.backend != wgpu::Backend::Vulkan))
        });
        let Some(adapter) = adapters.into_iter().next() else {
            return Err(RenderError::NoAdapter { backends: tried });
        };
        let info = adapter.get_info();
        let summary = AdapterSummary {
            name: info.name.clone(),
            backend: match info.backend {
                wgpu::Backend::Vulkan => "vulkan",
                wgpu::Backend::Gl => "gl",
                _ => "other",
            },
            software: info.device_type == wgpu::DeviceType::Cpu,
            driver: format!("{} {}", info.driver, info.driver_info)
                .trim()
                .to_owned(),
        };
        // Everything the adapter offers, so that large images fit in one texture.
        let limits = adapter.limits();
        let (device, queue) = block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("meridian-viewer"),
            required_features: wgpu::Features::empty(),
            required_limits: limits.clone(),
            ..Default::default()
        }))
        .map_err(|e| RenderError::Device {
            adapter: format!("{} ({})", summary.name, summary.backend),
            reason: e.to_string(),
        })?;
        // Errors are caught by error scopes around each operation; anything else is dropped
        // rather than aborting the process (wgpu's default handler panics).
        device.on_uncaptured_error(Arc::new(|_e: wgpu::Error| {}));
        Self::build(device, queue, summary, limits)
    }

    fn build(
        device: wgpu::Device,
        queue: wgpu::Queue,
        adapter: AdapterSummary,
        limits: wgpu::Limits,
    ) -> Result<Renderer, RenderError> {
        let scope = device.push_error_scope(wgpu::ErrorFilter::Validation);
        let shader = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("pipeline.wgsl"),
            source: wgpu::ShaderSource::Wgsl(include_str!("shader.wgsl").into()),
        });
        let texture_entry = |binding, dim| wgpu::BindGroupLayoutEntry {
            binding,
            visibility: wgpu::ShaderStages::FRAGMENT,
            ty: wgpu::BindingType::Texture {
                sample_type: wgpu::TextureSampleType::Sint,
                view_dimension: dim,
                multisampled: false,
            },
            count: None,
        };
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("pipeline"),
            entries: &[
                wgpu::BindGroupLayoutEntry {
                    binding: 0,
                    visibility: wgpu::ShaderStages::FRAGMENT,
                    ty: wgpu::BindingType::Buffer {
                        ty: wgpu::BufferBindingType::Uniform,
                        has_dynamic_offset: false,
                        min_binding_size: None,
                    },
                    count: None,
                },
                texture_entry(1, wgpu::TextureViewDimension::D2),
                texture_entry(2, wgpu::TextureViewDimension::D3),
            ],
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("pipeline"),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let pipeline = |entry: &str| {
            device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
                label: Some(entry),
                layout: Some(&pipeline_layout),
                vertex: wgpu::VertexState {
                    module: &shader,
                    entry_point: Some("vs_main"),
                    compilation_options: Default::default(),
                    buffers: &[],
                },
                primitive: wgpu::PrimitiveState::default(),
                depth_stencil: None,
                multisample: wgpu::MultisampleState::default(),
                fragment: Some(wgpu::FragmentState {
                    module: &shader,
                    entry_point: Some(entry),
                    compilation_options: Default::default(),
                    targets: &[Some(wgpu::ColorTargetState {
                        format: OUTPUT_FORMAT,
                        blend: None,
                        write_mask: wgpu::ColorWrites::ALL,
                    })],
                }),
                multiview_mask: None,
                cache: None,
            })
        };
        let image_pipeline = pipeline("fs_image");
        let volume_pipeline = pipeline("fs_volume");
        let uniforms = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("params"),
            size: PARAMS_SIZE as u64,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let empty = |dimension| {
            device
                .create_texture(&wgpu::TextureDescriptor {
                    label: Some("empty"),
                    size: wgpu::Extent3d {
                        width: 1,
                        height: 1,
                        depth_or_array_layers: 1,
                    },
                    mip_level_count: 1,
                    sample_count: 1,
                    dimension,
                    format: wgpu::TextureFormat::R32Sint,
                    usage: wgpu::TextureUsages::TEXTURE_BINDING,
                    view_formats: &[],
                })
                .create_view(&Default::default())
        };
        let empty_2d = empty(wgpu::TextureDimension::D2);
        let empty_3d = empty(wgpu::TextureDimension::D3);
        if let Some(e) = block_on(scope.pop()) {
            return Err(RenderError::Gpu {
                during: "compiling the shader",
                reason: e.to_string(),
            });
        }
        Ok(Renderer {
            device,
            queue,
            adapter,
            limits,
            layout,
            image_pipeline,
            volume_pipeline,
            uniforms,
            empty_2d,
            empty_3d,
            target: Mutex::new(None),
        })
    }

    /// Draws a tiny frame and a tiny reslice once, so that the driver compiles both pipelines
    /// now (lavapipe JIT-compiles shaders on first use: ~20 ms) and not on the reader's first image.
    pub fn warm_up(&self) -> Result<(), RenderError> {
        let frame = Frame {
            rows: 2,
            columns: 2,
            samples_per_pixel: 1,
            bits_allocated: 16,
            bits_stored: 16,
            signed: true,
            photometric: Photometric::Monochrome2,
            data: PixelData::I16(vec![0, 1, 2, 3]),
        };
        let view = View::new(2, 2, Display::window(1.0, 4.0));
        self.render_to_rgba(&self.upload_frame(&frame, None)?, &view)?;
        let volume = Volume { columns: 2, rows: 2, slices: 2, data: PixelData::I16(vec![0; 8]) };
        let reslice = Reslice::slice(Plane::Coronal { row: 0.0 }, [1.0, 1.0, 1.0]);
        self.render_volume_to_rgba(&self.upload_volume(&volume)?, &reslice, &view)?;
        Ok(())
    }

    /// The adapter in use.
    pub fn adapter(&self) -> &AdapterSummary {
        &self.adapter
    }

    /// Uploads a frame's stored values once. Grey frames keep their values (16-bit texels for
    /// up to 16 bits, 32-bit texels otherwise) so that any window can be applied later; colour
    /// frames (RGB, YBR, and PALETTE COLOR with `palette`) are converted to RGB here by the CPU
    /// pipeline, since colour has no window.
    pub fn upload_frame(
        &self,
        frame: &Frame,
        palette: Option<&Palette>,
    ) -> Result<GpuImage, RenderError> {
        let (w, h) = (frame.columns, frame.rows);
        let limit = self.limits.max_texture_dimension_2d;
        check_size("the frame", w.max(h), limit)?;
        let n = frame.pixel_count();
        let spp = usize::from(frame.samples_per_pixel);
        if frame.data.len() < n * spp {
            return Err(RenderError::Unsupported {
                what: "a frame with fewer values than rows x columns x samples",
                hint: "decode the frame with meridian_viewer::open",
            });
        }
        let color = spp == 3 || frame.photometric == Photometric::PaletteColor;
        let (bytes, format, bias, min_max) = if color {
            let display = Display {
                palette: palette.cloned(),
                ..Display::window(0.0, 1.0)
            };
            let rgba = crate::pipeline::render_to_rgba8(frame, &display);
            let bytes = rgba
                .chunks_exact(4)
                .flat_map(|p| [p[0], p[1], p[2], 0])
                .collect();
            (bytes, wgpu::TextureFormat::R32Sint, 0.0, (0, 0))
        } else if spp == 1 {
            let (bytes, format, bias) = texels(&frame.data);
            (bytes, format, bias, frame.data.min_max().unwrap_or((0, 0)))
        } else {
            return Err(RenderError::Unsupported {
                what: "a frame with other than 1 or 3 samples per pixel",
                hint: "only grey, palette and three-sample colour frames are drawn",
            });
        };
        let view = self.upload(&bytes, format, [w, h, 1], wgpu::TextureDimension::D2)?;
        Ok(GpuImage {
            view,
            size: [w, h],
            bias,
            color,
            min_max,
        })
    }

    /// Uploads a volume once as a 3D texture of its stored values, slice by slice (no second
    /// copy of the whole volume is made).
    pub fn upload_volume(&self, volume: &Volume) -> Result<GpuVolume, RenderError> {
        let per_slice = volume.columns as usize * volume.rows as usize;
        if volume.data.len() < per_slice * volume.slices as usize {
            return Err(RenderError::Unsupported {
                what: "a volume with fewer values than columns x rows x slices",
                hint: "build the volume with meridian_viewer::Volume::build",
            });
        }
        let mut upload = self.begin_volume([volume.columns, volume.rows, volume.slices], &volume.data)?;
        for z in 0..volume.slices as usize {
            upload.push(&volume.data.slice(z * per_slice, per_slice))?;
        }
        upload.finish()
    }

    /// Starts a 3D texture of `dims` (columns, rows, slices) for slices whose sample type is
    /// `like`'s; slices then go up one at a time with [`VolumeUpload::push`], so a volume can be
    /// decoded and uploaded without ever holding it whole in main memory.
    pub fn begin_volume(&self, dims: [u32; 3], like: &PixelData) -> Result<VolumeUpload<'_>, RenderError> {
        let limit = self.limits.max_texture_dimension_3d;
        check_size("the volume", dims[0].max(dims[1]).max(dims[2]), limit)?;
        let (format, bias) = slice_format(like);
        let scope = self.device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
        let validation = self.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let texture = self.device.create_texture(&wgpu::TextureDescriptor {
            label: Some("volume"),
            size: wgpu::Extent3d { width: dims[0].max(1), height: dims[1].max(1), depth_or_array_layers: dims[2].max(1) },
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D3,
            format,
            usage: wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
            view_formats: &[],
        });
        let errors = [block_on(validation.pop()), block_on(scope.pop())];
        if let Some(e) = errors.into_iter().flatten().next() {
            return Err(RenderError::Gpu { during: "allocating the volume", reason: e.to_string() });
        }
        Ok(VolumeUpload { renderer: self, texture, dims, format, bias, next: 0, min_max: None })
    }

    fn upload(
        &self,
        bytes: &[u8],
        format: wgpu::TextureFormat,
        dims: [u32; 3],
        dimension: wgpu::TextureDimension,
    ) -> Result<wgpu::TextureView, RenderError> {
        let scope = self.device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
        let validation = self.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let size = wgpu::Extent3d {
            width: dims[0].max(1),
            height: dims[1].max(1),
            depth_or_array_layers: dims[2].max(1),
        };
        let texture = self.device.create_texture(&wgpu::TextureDescriptor {
            label: Some("stored values"),
            size,
            mip_level_count: 1,
            sample_count: 1,
            dimension,
            format,
            usage: wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
            view_formats: &[],
        });
        let texel = if format == wgpu::TextureFormat::R16Sint {
            2
        } else {
            4
        };
        if dims.iter().all(|d| *d > 0) {
            self.queue.write_texture(
                wgpu::TexelCopyTextureInfo {
                    texture: &texture,
                    mip_level: 0,
                    origin: wgpu::Origin3d::ZERO,
                    aspect: wgpu::TextureAspect::All,
                },
                bytes,
                wgpu::TexelCopyBufferLayout {
                    offset: 0,
                    bytes_per_row: Some(dims[0] * texel),
                    rows_per_image: Some(dims[1]),
                },
                size,
            );
        }
        let errors = [block_on(validation.pop()), block_on(scope.pop())];
        if let Some(e) = errors.into_iter().flatten().next() {
            return Err(RenderError::Gpu {
                during: "uploading",
                reason: e.to_string(),
            });
        }
        Ok(texture.create_view(&Default::default()))
    }

    /// Renders a frame through `view` and reads the result back: `width * height * 4` bytes,
    /// RGBA, rows top to bottom, alpha 255.
    pub fn render_to_rgba(&self, image: &GpuImage, view: &View) -> Result<Vec<u8>, RenderError> {
        let mut params = Params::new(view, image.size(), image.bias, image.min_max)?;
        params.color = image.color;
        self.draw(
            &self.image_pipeline,
            &image.view,
            &self.empty_3d,
            &params.bytes(),
            view,
        )
    }

    /// Renders a reslice or slab projection of a volume through `view` (whose source is the
    /// plane, see [`Reslice::source_size`]) and reads the result back like
    /// [`Renderer::render_to_rgba`].
    pub fn render_volume_to_rgba(
        &self,
        volume: &GpuVolume,
        reslice: &Reslice,
        view: &View,
    ) -> Result<Vec<u8>, RenderError> {
        let plane = reslice.geometry(volume.dims);
        let mut params = Params::new(view, plane.size, volume.bias, volume.min_max)?;
        params.plane = Some((plane, volume.dims, reslice.projection));
        self.draw(
            &self.volume_pipeline,
            &self.empty_2d,
            &volume.view,
            &params.bytes(),
            view,
        )
    }

    fn draw(
        &self,
        pipeline: &wgpu::RenderPipeline,
        image: &wgpu::TextureView,
        volume: &wgpu::TextureView,
        params: &[u8],
        view: &View,
    ) -> Result<Vec<u8>, RenderError> {
        let limit = self.limits.max_texture_dimension_2d;
        if view.width == 0 || view.height == 0 {
            return Err(RenderError::Unsupported {
                what: "an output of zero width or height",
                hint: "give the view at least one pixel",
            });
        }
        check_size("the output", view.width.max(view.height), limit)?;
        // A poisoned lock only means another render panicked; the cached target is still valid.
        let mut cached = self.target.lock().unwrap_or_else(|p| p.into_inner());
        let scope = self.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let target = match cached.take() {
            Some(t) if t.size == [view.width, view.height] => t,
            _ => self.target(view.width, view.height),
        };
        self.queue.write_buffer(&self.uniforms, 0, params);
        let bind_group = self.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("pipeline"),
            layout: &self.layout,
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: self.uniforms.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: wgpu::BindingResource::TextureView(image),
                },
                wgpu::BindGroupEntry {
                    binding: 2,
                    resource: wgpu::BindingResource::TextureView(volume),
                },
            ],
        });
        let mut encoder = self
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor { label: None });
        {
            let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some("view"),
                color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                    view: &target.view,
                    depth_slice: None,
                    resolve_target: None,
                    ops: wgpu::Operations {
                        load: wgpu::LoadOp::Clear(wgpu::Color::BLACK),
                        store: wgpu::StoreOp::Store,
                    },
                })],
                depth_stencil_attachment: None,
                timestamp_writes: None,
                occlusion_query_set: None,
                multiview_mask: None,
            });
            pass.set_pipeline(pipeline);
            pass.set_bind_group(0, &bind_group, &[]);
            pass.draw(0..3, 0..1);
        }
        encoder.copy_texture_to_buffer(
            target.texture.as_image_copy(),
            wgpu::TexelCopyBufferInfo {
                buffer: &target.readback,
                layout: wgpu::TexelCopyBufferLayout {
                    offset: 0,
                    bytes_per_row: Some(target.padded_row),
                    rows_per_image: Some(view.height),
                },
            },
            wgpu::Extent3d {
                width: view.width,
                height: view.height,
                depth_or_array_layers: 1,
            },
        );
        self.queue.submit([encoder.finish()]);
        if let Some(e) = block_on(scope.pop()) {
            return Err(RenderError::Gpu {
                during: "drawing",
                reason: e.to_string(),
            });
        }
        let out = self.read_back(&target, view.width, view.height);
        *cached = Some(target);
        out
    }

    fn target(&self, width: u32, height: u32) -> Target {
        let texture = self.device.create_texture(&wgpu::TextureDescriptor {
            label: Some("output"),
            size: wgpu::Extent3d {
                width,
                height,
                depth_or_array_layers: 1,
            },
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format: OUTPUT_FORMAT,
            usage: wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::COPY_SRC,
            view_formats: &[],
        });
        let align = wgpu::COPY_BYTES_PER_ROW_ALIGNMENT;
        let padded_row = (width * 4).div_ceil(align) * align;
        let readback = self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("read-back"),
            size: u64::from(padded_row) * u64::from(height),
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        Target {
            size: [width, height],
            view: texture.create_view(&Default::default()),
            texture,
            readback,
            padded_row,
        }
    }

    fn read_back(&self, target: &Target, width: u32, height: u32) -> Result<Vec<u8>, RenderError> {
        let failed = |reason: String| RenderError::Gpu {
            during: "reading back",
            reason,
        };
        let slice = target.readback.slice(..);
        let (tx, rx) = std::sync::mpsc::channel();
        slice.map_async(wgpu::MapMode::Read, move |r| {
            // The receiver outlives the poll below; a failed send only means it is gone.
            let _ = tx.send(r);
        });
        self.device
            .poll(wgpu::PollType::wait_indefinitely())
            .map_err(|e| failed(e.to_string()))?;
        match rx.recv() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(failed(e.to_string())),
            Err(_) => return Err(failed("the map callback never ran".to_owned())),
        }
        let row = width as usize * 4;
        let mut out = Vec::with_capacity(row * height as usize);
        {
            let data = slice
                .get_mapped_range()
                .map_err(|e| failed(e.to_string()))?;
            for r in data
                .chunks(target.padded_row as usize)
                .take(height as usize)
            {
                out.extend_from_slice(&r[..row]);
            }
        }
        target.readback.unmap();
        Ok(out)
    }
}

fn check_size(what: &'static str, size: u32, limit: u32) -> Result<(), RenderError> {
    if size > limit {
        Err(RenderError::TooLarge { what, size, limit })
    } else {
        Ok(())
    }
}

/// Stored values as texel bytes: 16-bit texels (unsigned 16-bit values shifted into the signed
/// range, undone by `bias` in the shader) or 32-bit texels. The shader computes in f32, so
/// 32-bit values beyond +-2^24 (and unsigned values above 2^31, which are shifted) lose their
/// low bits before the rescale.
fn texels(data: &PixelData) -> (Vec<u8>, wgpu::TextureFormat, f32) {
    use wgpu::TextureFormat::{R16Sint, R32Sint};
    match data {
        PixelData::U8(v) => (
            v.iter().flat_map(|x| i16::from(*x).to_le_bytes()).collect(),
            R16Sint,
            0.0,
        ),
        PixelData::I8(v) => (
            v.iter().flat_map(|x| i16::from(*x).to_le_bytes()).collect(),
            R16Sint,
            0.0,
        ),
        PixelData::U16(v) => (
            v.iter()
                .flat_map(|x| ((i32::from(*x) - 32768) as i16).to_le_bytes())
                .collect(),
            R16Sint,
            32768.0,
        ),
        PixelData::I16(v) => (
            v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            R16Sint,
            0.0,
        ),
        // Most 32-bit unsigned data (e.g. RT dose) fits in i32 and is stored as it is.
        PixelData::U32(v) if v.iter().all(|x| i32::try_from(*x).is_ok()) => (
            v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            R32Sint,
            0.0,
        ),
        PixelData::U32(v) => (
            v.iter()
                .flat_map(|x| ((i64::from(*x) - 2_147_483_648) as i32).to_le_bytes())
                .collect(),
            R32Sint,
            2_147_483_648.0,
        ),
        PixelData::I32(v) => (
            v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            R32Sint,
            0.0,
        ),
    }
}

/// The uniform block of shader.wgsl.
struct Params {
    m: [f64; 4],
    t: [f64; 2],
    source: [f64; 2],
    slope: f64,
    intercept: f64,
    voi: (i32, f64, f64),
    invert: bool,
    color: bool,
    linear: bool,
    bias: f32,
    plane: Option<(reslice::PlaneGeometry, [u32; 3], Projection)>,
    segments: Vec<([f64; 4], [u8; 3], f64)>,
}

impl Params {
    fn new(
        view: &View,
        source: [f64; 2],
        bias: f32,
        min_max: (i64, i64),
    ) -> Result<Self, RenderError> {
        let d = &view.display;
        let (slope, intercept) = match d.modality {
            ModalityLut::Identity => (1.0, 0.0),
            ModalityLut::Rescale { slope, intercept } => (slope, intercept),
            ModalityLut::Table(_) => {
                return Err(RenderError::Unsupported {
                    what: "a modality lut table on the gpu",
                    hint: "render with pipeline::render_to_rgba8 until lookup tables are uploaded",
                });
            }
        };
        let voi = match &d.voi {
            Voi::Window(w) => match w.function {
                VoiFunction::Linear => (0, w.center, w.width.max(1.0)),
                // The f64 minimum would be zero in f32; the smallest normal f32 keeps the
                // division finite.
                VoiFunction::LinearExact => {
                    (1, w.center, w.width.max(f64::from(f32::MIN_POSITIVE)))
                }
                VoiFunction::Sigmoid => (2, w.center, w.width.max(f64::from(f32::MIN_POSITIVE))),
            },
            Voi::MinMax => {
                let a = min_max.0 as f64 * slope + intercept;
                let b = min_max.1 as f64 * slope + intercept;
                (3, a.min(b), a.max(b))
            }
            Voi::Table(_) => {
                return Err(RenderError::Unsupported {
                    what: "a voi lut table on the gpu",
                    hint: "render with pipeline::render_to_rgba8 until lookup tables are uploaded",
                });
            }
        };
        let segments = view.segments(source);
        if segments.len() > MAX_SEGMENTS {
            return Err(RenderError::Unsupported {
                what: "more overlay segments than the renderer draws at once",
                hint: "show at most 10 measurements per view",
            });
        }
        let (m, t) = view.output_to_source(source);
        Ok(Self {
            m,
            t,
            source,
            slope,
            intercept,
            voi,
            invert: d.shape == PresentationLutShape::Inverse,
            color: false,
            linear: view.sampling == Sampling::Linear,
            bias,
            plane: None,
            segments,
        })
    }

    fn bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(PARAMS_SIZE);
        let mut f = |v: [f64; 4]| {
            for x in v {
                out.extend((x as f32).to_le_bytes());
            }
        };
        f(self.m);
        f([self.t[0], self.t[1], self.source[0], self.source[1]]);
        f([self.slope, self.intercept, self.voi.1, self.voi.2]);
        let i = |v: [i32; 4], out: &mut Vec<u8>| {
            for x in v {
                out.extend(x.to_le_bytes());
            }
        };
        i(
            [
                self.voi.0,
                i32::from(self.invert),
                i32::from(self.color),
                i32::from(self.linear),
            ],
            &mut out,
        );
        let (projection, samples) = match self.plane {
            Some((g, _, Projection::Mip { .. })) => (1, g.samples),
            Some((g, _, Projection::MinIp { .. })) => (2, g.samples),
            _ => (0, 1),
        };
        i(
            [projection, samples as i32, self.segments.len() as i32, 0],
            &mut out,
        );
        let f = |v: [f64; 4], out: &mut Vec<u8>| {
            for x in v {
                out.extend((x as f32).to_le_bytes());
            }
        };
        let dims = self.plane.map_or([0, 0, 0], |p| p.1).map(f64::from);
        // The bias goes in as f32 directly: 2^31 is exact in f32.
        out.extend(self.bias.to_le_bytes());
        for d in dims {
            out.extend((d as f32).to_le_bytes());
        }
        let g = self.plane.map(|p| p.0);
        let v3 = |v: Option<[f64; 3]>| {
            let v = v.unwrap_or([0.0; 3]);
            [v[0], v[1], v[2], 0.0]
        };
        f(v3(g.map(|g| g.origin)), &mut out);
        f(v3(g.map(|g| g.u)), &mut out);
        f(v3(g.map(|g| g.v)), &mut out);
        f(v3(g.map(|g| g.n)), &mut out);
        for k in 0..MAX_SEGMENTS {
            f(self.segments.get(k).map_or([0.0; 4], |s| s.0), &mut out);
        }
        for k in 0..MAX_SEGMENTS {
            let style = self.segments.get(k).map_or([0.0; 4], |s| {
                let c = s.1.map(|c| f64::from(c) / 255.0);
                [c[0], c[1], c[2], s.2]
            });
            f(style, &mut out);
        }
        out
    }
}

/// Runs a future to completion on this thread. wgpu's native futures are ready at once or
/// after a `Device::poll`; this avoids an executor dependency for three calls.
fn block_on<F: Future>(future: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let mut future = std::pin::pin!(future);
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        match future.as_mut().poll(&mut cx) {
            Poll::Ready(v) => return v,
            Poll::Pending => std::thread::park(),
        }
    }
}
