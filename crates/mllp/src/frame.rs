//! MLLP framing: `<VT> payload <FS><CR>`.

use crate::MllpError;

/// Start of block (vertical tab).
pub const START: u8 = 0x0b;
/// End of block (file separator, carriage return).
pub const END: [u8; 2] = [0x1c, 0x0d];

/// Wraps a message in an MLLP frame.
pub fn frame(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 3);
    out.push(START);
    out.extend_from_slice(payload);
    out.extend_from_slice(&END);
    out
}

/// Splits a byte stream into frames. Whitespace between frames is skipped (some engines send
/// a newline after `<FS><CR>`); other bytes outside a frame are an error, and so is a frame
/// longer than the limit (checked as bytes arrive, so memory stays bounded).
#[derive(Debug)]
pub struct Decoder {
    buf: Vec<u8>,
    limit: usize,
    /// Bytes of `buf` already searched for the end marker.
    scanned: usize,
}

impl Decoder {
    pub fn new(limit: usize) -> Decoder {
        Decoder { buf: Vec::new(), limit, scanned: 0 }
    }

    pub fn push(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    /// Whether bytes of an unfinished frame are waiting.
    pub fn is_mid_frame(&self) -> bool {
        self.buf.iter().any(|b| !b.is_ascii_whitespace())
    }

    /// The next complete frame's payload, if one has arrived.
    pub fn next_frame(&mut self) -> Result<Option<Vec<u8>>, MllpError> {
        let skip = self.buf.iter().take_while(|b| b.is_ascii_whitespace()).count();
        if skip > 0 {
            self.buf.drain(..skip);
            self.scanned = self.scanned.saturating_sub(skip);
        }
        let Some(&first) = self.buf.first() else {
            return Ok(None);
        };
        if first != START {
            return Err(MllpError::OutsideFrame);
        }
        let from = self.scanned.max(1).saturating_sub(1).max(1);
        match self.buf[from..].windows(2).position(|w| w == END) {
            Some(at) => {
                let end = from + at;
                let payload = self.buf[1..end].to_vec();
                self.buf.drain(..end + 2);
                self.scanned = 0;
                Ok(Some(payload))
            }
            None => {
                if self.buf.len() > self.limit + 3 {
                    return Err(MllpError::TooLarge { limit: self.limit });
                }
                self.scanned = self.buf.len();
                Ok(None)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_split_across_reads_and_back_to_back() {
        let mut d = Decoder::new(1024);
        let mut stream = frame(b"MSH|one\r");
        stream.extend(frame(b"MSH|two\r"));
        stream.push(b'\n');
        stream.extend(frame(b"MSH|three\r"));
        let mut got = Vec::new();
        for chunk in stream.chunks(3) {
            d.push(chunk);
            while let Some(f) = d.next_frame().expect("frame") {
                got.push(f);
            }
        }
        assert_eq!(got, [b"MSH|one\r".to_vec(), b"MSH|two\r".to_vec(), b"MSH|three\r".to_vec()]);
        assert!(!d.is_mid_frame());
    }

    #[test]
    fn junk_before_a_frame_is_refused() {
        let mut d = Decoder::new(1024);
        d.push(b"GET / HTTP/1.1\r\n");
        assert!(matches!(d.next_frame(), Err(MllpError::OutsideFrame)));
    }

    #[test]
    fn oversized_frame_is_refused_before_it_completes() {
        let mut d = Decoder::new(10);
        d.push(&[START]);
        d.push(&[b'x'; 64]);
        assert!(matches!(d.next_frame(), Err(MllpError::TooLarge { limit: 10 })));
    }

    #[test]
    fn end_marker_split_between_reads() {
        let mut d = Decoder::new(100);
        d.push(&[START, b'a', b'b', 0x1c]);
        assert_eq!(d.next_frame().expect("ok"), None);
        d.push(&[0x0d]);
        assert_eq!(d.next_frame().expect("ok"), Some(b"ab".to_vec()));
    }
}
