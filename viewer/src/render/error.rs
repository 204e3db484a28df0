//! Why the renderer could not start or draw. Messages name adapters, sizes and formats, never
//! pixel values or anything of the data set.

/// A failure of the GPU renderer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RenderError {
    /// No adapter on the enabled backends (or only software ones when software is refused).
    #[error(
        "no graphics adapter found on {backends} (hint: install a driver, or mesa-vulkan-drivers for the software adapter lavapipe)"
    )]
    NoAdapter {
        /// The backends tried, in words (e.g. "vulkan, gl").
        backends: &'static str,
    },
    /// The adapter refused to create a device.
    #[error("the adapter {adapter} refused a device: {reason} (hint: update the graphics driver)")]
    Device {
        /// Adapter name and backend.
        adapter: String,
        /// wgpu's message.
        reason: String,
    },
    /// An image or volume exceeds what the adapter can hold in one texture.
    #[error(
        "{what} is {size} texels along one side, the adapter allows {limit} (hint: downsample before upload)"
    )]
    TooLarge {
        /// "the frame", "the volume" or "the output".
        what: &'static str,
        /// The offending side.
        size: u32,
        /// The adapter's limit.
        limit: u32,
    },
    /// The input has a shape the renderer does not draw (yet).
    #[error("cannot render {what} (hint: {hint})")]
    Unsupported {
        /// What was asked for.
        what: &'static str,
        /// What to do instead.
        hint: &'static str,
    },
    /// The GPU reported an error while drawing or reading back.
    #[error(
        "the gpu failed while {during}: {reason} (hint: report the adapter shown in the about box)"
    )]
    Gpu {
        /// "uploading", "drawing" or "reading back".
        during: &'static str,
        /// wgpu's message.
        reason: String,
    },
}
