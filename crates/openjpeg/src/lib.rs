//! A safe JPEG 2000 decoder over OpenJPEG (the C library pydicom, GDCM and most viewers use),
//! built from source by `openjpeg-sys`. This is the workspace's only unsafe code: the FFI calls
//! and the memory stream OpenJPEG reads the codestream from. Everything that crosses the boundary
//! is checked here (component sizes, data pointers), and OpenJPEG's own error messages become the
//! error (they name codestream structures, never image content).
//!
//! Decoding may use several threads (`threads` > 1): OpenJPEG then decodes code blocks in
//! parallel, which pays for large tiles and costs more than it gains on small ones; the caller
//! decides.

use std::ffi::{CStr, c_char, c_void};
use std::fmt;
use std::ptr;
use std::sync::Mutex;

use openjpeg_sys as opj;

/// Why a codestream could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(pub String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

/// One decoded component: `width * height` values, row by row.
#[derive(Debug, Clone, Copy)]
pub struct Component<'a> {
    pub width: u32,
    pub height: u32,
    /// Bits per value as the codestream declares them.
    pub precision: u32,
    pub signed: bool,
    /// Horizontal and vertical subsampling (1 for full resolution).
    pub subsampling: (u32, u32),
    pub data: &'a [i32],
}

/// A decoded image; its components live in OpenJPEG's memory until it is dropped.
pub struct Image {
    image: ptr::NonNull<opj::opj_image_t>,
}

impl fmt::Debug for Image {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Image").field("components", &self.components().len()).finish()
    }
}

impl Image {
    /// The components, in codestream order (after OpenJPEG has undone any multi-component
    /// transform, so YBR_RCT and YBR_ICT come back as RGB).
    pub fn components(&self) -> Vec<Component<'_>> {
        // SAFETY: `image` is a valid image that decoding filled (checked in `decode`): `comps`
        // points at `numcomps` components, each with `w * h` values at a non-null `data`.
        unsafe {
            let image = self.image.as_ref();
            (0..image.numcomps as usize)
                .map(|i| {
                    let c = &*image.comps.add(i);
                    Component {
                        width: c.w,
                        height: c.h,
                        precision: c.prec,
                        signed: c.sgnd != 0,
                        subsampling: (c.dx, c.dy),
                        data: std::slice::from_raw_parts(c.data, c.w as usize * c.h as usize),
                    }
                })
                .collect()
        }
    }
}

impl Drop for Image {
    fn drop(&mut self) {
        // SAFETY: the image came from `opj_read_header` and is destroyed once, here.
        unsafe { opj::opj_image_destroy(self.image.as_ptr()) }
    }
}

/// Where OpenJPEG reads the codestream from: a borrowed slice and a position.
struct Cursor {
    data: *const u8,
    len: usize,
    pos: usize,
}

unsafe extern "C" fn read(buffer: *mut c_void, n: usize, user: *mut c_void) -> usize {
    // SAFETY: `user` is the `Cursor` `decode` made, alive until the stream is destroyed.
    let c = unsafe { &mut *user.cast::<Cursor>() };
    if c.pos >= c.len {
        // OpenJPEG's end of stream: (OPJ_SIZE_T)-1.
        return usize::MAX;
    }
    let k = n.min(c.len - c.pos);
    // SAFETY: `pos + k <= len` bytes of the borrowed slice, into OpenJPEG's buffer of `n >= k`.
    unsafe { ptr::copy_nonoverlapping(c.data.add(c.pos), buffer.cast::<u8>(), k) };
    c.pos += k;
    k
}

unsafe extern "C" fn skip(n: i64, user: *mut c_void) -> i64 {
    // SAFETY: as in `read`.
    let c = unsafe { &mut *user.cast::<Cursor>() };
    let Ok(n) = usize::try_from(n) else { return -1 };
    let k = n.min(c.len - c.pos.min(c.len));
    if k == 0 && n > 0 {
        // At the end: an error, so that OpenJPEG's skip loop cannot spin.
        return -1;
    }
    c.pos += k;
    k as i64
}

unsafe extern "C" fn seek(to: i64, user: *mut c_void) -> opj::OPJ_BOOL {
    // SAFETY: as in `read`.
    let c = unsafe { &mut *user.cast::<Cursor>() };
    match usize::try_from(to) {
        Ok(to) if to <= c.len => {
            c.pos = to;
            1
        }
        _ => 0,
    }
}

unsafe extern "C" fn on_error(message: *const c_char, user: *mut c_void) {
    if message.is_null() || user.is_null() {
        return;
    }
    // SAFETY: OpenJPEG passes a NUL-terminated message; `user` is the `Mutex<String>` `decode`
    // owns (a mutex: worker threads may report too).
    let (message, last) = unsafe { (CStr::from_ptr(message), &*user.cast::<Mutex<String>>()) };
    if let Ok(mut last) = last.lock() {
        last.clear();
        last.extend(message.to_string_lossy().trim().chars().filter(|c| !c.is_control()).take(200));
    }
}

/// Frees what `decode` made, whichever way it leaves.
struct Guard {
    codec: *mut opj::opj_codec_t,
    stream: *mut opj::opj_stream_t,
    image: *mut opj::opj_image_t,
}

impl Drop for Guard {
    fn drop(&mut self) {
        // SAFETY: each pointer is null or came from its OpenJPEG constructor, and is freed once.
        unsafe {
            if !self.image.is_null() {
                opj::opj_image_destroy(self.image);
            }
            if !self.stream.is_null() {
                opj::opj_stream_destroy(self.stream);
            }
            if !self.codec.is_null() {
                opj::opj_destroy_codec(self.codec);
            }
        }
    }
}

/// Decodes a JPEG 2000 codestream (or a JP2 file) at full resolution, on up to `threads`
/// threads.
pub fn decode(data: &[u8], threads: usize) -> Result<Image, Error> {
    let format = if data.starts_with(&[0xFF, 0x4F, 0xFF, 0x51]) {
        opj::CODEC_FORMAT::OPJ_CODEC_J2K
    } else if data.starts_with(&[0, 0, 0, 0x0C, b'j', b'P', b' ', b' ']) {
        opj::CODEC_FORMAT::OPJ_CODEC_JP2
    } else {
        return Err(Error("neither a JPEG 2000 codestream (SOC, SIZ) nor a JP2 file".into()));
    };
    let mut cursor = Box::new(Cursor { data: data.as_ptr(), len: data.len(), pos: 0 });
    let last_error = Box::new(Mutex::new(String::new()));
    let fail = |what: &str, last: &Mutex<String>| {
        let last = last.lock().map(|l| l.clone()).unwrap_or_default();
        Error(if last.is_empty() { what.to_owned() } else { format!("{what}: {last}") })
    };
    // SAFETY: every handle is checked for null before use and freed by `guard`; the cursor and
    // the error string are boxed, so their addresses stay valid until `guard` (declared after
    // them) has destroyed the stream and codec that hold them.
    unsafe {
        let mut guard = Guard { codec: opj::opj_create_decompress(format), stream: opj::opj_stream_create(1 << 16, 1), image: ptr::null_mut() };
        if guard.codec.is_null() || guard.stream.is_null() {
            return Err(Error("OpenJPEG could not make a decoder".into()));
        }
        opj::opj_set_error_handler(guard.codec, Some(on_error), ptr::from_ref::<Mutex<String>>(&last_error).cast_mut().cast());
        opj::opj_stream_set_user_data(guard.stream, ptr::from_mut::<Cursor>(&mut cursor).cast(), None);
        opj::opj_stream_set_user_data_length(guard.stream, data.len() as u64);
        opj::opj_stream_set_read_function(guard.stream, Some(read));
        opj::opj_stream_set_skip_function(guard.stream, Some(skip));
        opj::opj_stream_set_seek_function(guard.stream, Some(seek));
        let mut params = std::mem::MaybeUninit::<opj::opj_dparameters_t>::zeroed();
        opj::opj_set_default_decoder_parameters(params.as_mut_ptr());
        let mut params = params.assume_init();
        if opj::opj_setup_decoder(guard.codec, &raw mut params) == 0 {
            return Err(fail("OpenJPEG refused the decoding parameters", &last_error));
        }
        if threads > 1 && opj::opj_has_thread_support() == 1 {
            opj::opj_codec_set_threads(guard.codec, threads.min(64) as i32);
        }
        if opj::opj_read_header(guard.stream, guard.codec, &raw mut guard.image) == 0 || guard.image.is_null() {
            return Err(fail("the JPEG 2000 header could not be read", &last_error));
        }
        if opj::opj_decode(guard.codec, guard.stream, guard.image) == 0 {
            return Err(fail("the JPEG 2000 codestream could not be decoded", &last_error));
        }
        if opj::opj_end_decompress(guard.codec, guard.stream) == 0 {
            return Err(fail("the JPEG 2000 codestream did not end properly", &last_error));
        }
        let image = &*guard.image;
        if image.numcomps == 0 || image.comps.is_null() {
            return Err(Error("the JPEG 2000 image has no components".into()));
        }
        for i in 0..image.numcomps as usize {
            let c = &*image.comps.add(i);
            if c.data.is_null() || c.w == 0 || c.h == 0 {
                return Err(Error(format!("component {i} of the JPEG 2000 image was not decoded")));
            }
        }
        let image = ptr::NonNull::new(std::mem::replace(&mut guard.image, ptr::null_mut())).ok_or_else(|| Error("no image".into()))?;
        Ok(Image { image })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_and_truncated_streams_are_errors_not_crashes() {
        assert!(decode(b"", 1).is_err());
        assert!(decode(b"not a codestream", 1).is_err());
        // SOC + SIZ with nothing after.
        let e = decode(&[0xFF, 0x4F, 0xFF, 0x51, 0x00, 0x29], 2).expect_err("truncated");
        assert!(e.0.contains("header"), "{e}");
    }
}
