//! A sequential DCT JPEG decoder (ISO 10918-1 processes 1, 2 and 4: Huffman, 8 or 12 bit), for
//! the 12-bit "JPEG Extended" frames that jpeg-decoder refuses. Written for correctness, not
//! speed: canonical Huffman decoding bit by bit, a separable floating-point IDCT, and chroma
//! upsampling by replication. Output is the component values, no colour conversion.

/// A decoded image: `components` values per pixel, interleaved.
#[derive(Debug)]
pub(crate) struct Decoded {
    pub(crate) width: u32,
    pub(crate) height: u32,
    pub(crate) components: u32,
    pub(crate) samples: Vec<u16>,
}

/// The frame header, read without decoding (to check dimensions before allocating).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SofInfo {
    /// The SOFn marker's n (0 baseline, 1 extended, 2 progressive, 3 lossless, 9+ arithmetic;
    /// 0xF7 is JPEG-LS SOF55).
    pub(crate) marker: u8,
    pub(crate) precision: u8,
    pub(crate) width: u32,
    pub(crate) height: u32,
    pub(crate) components: u32,
}

/// Finds the first SOF (or JPEG-LS SOF55) marker and reads it.
pub(crate) fn read_sof(data: &[u8]) -> Option<SofInfo> {
    if !data.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut pos = 2;
    loop {
        while *data.get(pos)? != 0xFF {
            pos += 1;
        }
        while *data.get(pos)? == 0xFF {
            pos += 1;
        }
        let m = *data.get(pos)?;
        pos += 1;
        if m == 0x01 || (0xD0..=0xD8).contains(&m) {
            continue;
        }
        let len = usize::from(u16::from_be_bytes([*data.get(pos)?, *data.get(pos + 1)?]));
        let is_sof = matches!(m, 0xC0..=0xCF if m != 0xC4 && m != 0xC8 && m != 0xCC) || m == 0xF7;
        if is_sof {
            let seg = data.get(pos + 2..pos + len)?;
            return Some(SofInfo {
                marker: if m == 0xF7 { 0xF7 } else { m - 0xC0 },
                precision: *seg.first()?,
                height: u32::from(u16::from_be_bytes([*seg.get(1)?, *seg.get(2)?])),
                width: u32::from(u16::from_be_bytes([*seg.get(3)?, *seg.get(4)?])),
                components: u32::from(*seg.get(5)?),
            });
        }
        if m == 0xDA || m == 0xD9 {
            return None;
        }
        pos += len;
    }
}

/// Bits looked up at once when decoding a Huffman code.
const LOOKUP_BITS: u32 = 9;

#[derive(Debug, Clone, Default)]
struct Huffman {
    maxcode: [i32; 17],
    valptr: [i32; 17],
    mincode: [i32; 17],
    values: Vec<u8>,
    /// For the next `LOOKUP_BITS` bits: `length << 8 | value` of a code that short, else 0.
    lookup: Vec<u16>,
}

impl Huffman {
    /// Builds the decoding tables of ISO 10918-1 F.2.2.3 from the code counts and values.
    fn new(counts: &[u8; 16], values: Vec<u8>) -> Self {
        let mut h = Huffman {
            maxcode: [-1; 17],
            values,
            ..Default::default()
        };
        let mut code = 0i32;
        let mut k = 0i32;
        for l in 1..=16 {
            let n = i32::from(counts[l - 1]);
            if n > 0 {
                h.valptr[l] = k;
                h.mincode[l] = code;
                code += n;
                k += n;
                h.maxcode[l] = code - 1;
            }
            code <<= 1;
        }
        h.lookup = vec![0; 1 << LOOKUP_BITS];
        for l in 1..=LOOKUP_BITS as usize {
            if h.maxcode[l] < h.mincode[l] {
                continue;
            }
            for code in h.mincode[l]..=h.maxcode[l] {
                let Some(&value) = h.values.get((h.valptr[l] + code - h.mincode[l]) as usize) else { continue };
                // Every bit pattern that starts with this code.
                let shift = LOOKUP_BITS as usize - l;
                let first = (code as usize) << shift;
                // A malformed table lists more codes than a length holds: those never match.
                let Some(entries) = h.lookup.get_mut(first..first + (1 << shift)) else { continue };
                for entry in entries {
                    *entry = (l as u16) << 8 | u16::from(value);
                }
            }
        }
        h
    }
}

struct Bits<'a> {
    data: &'a [u8],
    pos: usize,
    acc: u64,
    nbits: u32,
    marker: bool,
}

impl<'a> Bits<'a> {
    fn new(data: &'a [u8], pos: usize) -> Self {
        Self {
            data,
            pos,
            acc: 0,
            nbits: 0,
            marker: false,
        }
    }

    fn fill(&mut self) {
        while self.nbits <= 56 {
            let byte = if self.marker || self.pos >= self.data.len() {
                0
            } else if self.data[self.pos] == 0xFF {
                match self.data.get(self.pos + 1) {
                    Some(0) => {
                        self.pos += 2;
                        0xFF
                    }
                    Some(0xFF) => {
                        // Fill bytes before a marker.
                        self.pos += 1;
                        continue;
                    }
                    _ => {
                        self.marker = true;
                        0
                    }
                }
            } else {
                self.pos += 1;
                self.data[self.pos - 1]
            };
            self.acc |= u64::from(byte) << (56 - self.nbits);
            self.nbits += 8;
        }
    }

    fn bit(&mut self) -> i32 {
        if self.nbits == 0 {
            self.fill();
        }
        let b = (self.acc >> 63) as i32;
        self.acc <<= 1;
        self.nbits -= 1;
        b
    }

    /// The next `s` (at most 16) bits as a number.
    fn receive(&mut self, s: u8) -> i32 {
        if s == 0 {
            return 0;
        }
        if self.nbits < u32::from(s) {
            self.fill();
        }
        let v = (self.acc >> (64 - u32::from(s))) as i32;
        self.acc <<= s;
        self.nbits = self.nbits.saturating_sub(u32::from(s));
        v
    }

    fn decode(&mut self, h: &Huffman) -> Result<u8, String> {
        if self.nbits < LOOKUP_BITS {
            self.fill();
        }
        let entry = h.lookup[(self.acc >> (64 - LOOKUP_BITS)) as usize];
        if entry != 0 {
            let len = u32::from(entry >> 8);
            self.acc <<= len;
            self.nbits -= len;
            return Ok(entry as u8);
        }
        let mut code = self.bit();
        for l in 1..=16 {
            if code <= h.maxcode[l] {
                let i = h.valptr[l] + code - h.mincode[l];
                return h
                    .values
                    .get(i as usize)
                    .copied()
                    .ok_or_else(|| "bad Huffman code".to_owned());
            }
            code = (code << 1) | self.bit();
        }
        Err("bad Huffman code".to_owned())
    }

    /// Skips to after the next RSTn marker (restart interval boundary).
    fn restart(&mut self) {
        self.acc = 0;
        self.nbits = 0;
        self.marker = false;
        while self.pos + 1 < self.data.len() {
            if self.data[self.pos] == 0xFF && (0xD0..=0xD7).contains(&self.data[self.pos + 1]) {
                self.pos += 2;
                return;
            }
            if self.data[self.pos] == 0xFF
                && self.data[self.pos + 1] != 0
                && self.data[self.pos + 1] != 0xFF
            {
                // Some other marker: the scan ended early; leave it for the marker loop.
                return;
            }
            self.pos += 1;
        }
    }
}

fn extend(v: i32, s: u8) -> i32 {
    if s == 0 {
        return 0;
    }
    if v < (1 << (s - 1)) {
        v - (1 << s) + 1
    } else {
        v
    }
}

const ZIGZAG: [usize; 64] = [
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20,
    13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59,
    52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];

struct Component {
    id: u8,
    h: usize,
    v: usize,
    tq: usize,
    /// Blocks across and down in the component plane (whole MCUs).
    bw: usize,
    bh: usize,
    plane: Vec<u16>,
    pred: i32,
}

struct Idct {
    /// `c[x][u] = C(u)/2 * cos((2x+1) u pi / 16)`.
    c: [[f32; 8]; 8],
    /// Its transpose, `t[u][x]`.
    t: [[f32; 8]; 8],
}

impl Idct {
    fn new() -> Self {
        let mut c = [[0f32; 8]; 8];
        for (x, row) in c.iter_mut().enumerate() {
            for (u, v) in row.iter_mut().enumerate() {
                let cu = if u == 0 {
                    std::f32::consts::FRAC_1_SQRT_2
                } else {
                    1.0
                };
                *v = cu / 2.0
                    * (((2 * x + 1) as f32) * (u as f32) * std::f32::consts::PI / 16.0).cos();
            }
        }
        let mut t = [[0f32; 8]; 8];
        for (x, row) in c.iter().enumerate() {
            for (u, v) in row.iter().enumerate() {
                t[u][x] = *v;
            }
        }
        Self { c, t }
    }

    /// Inverse DCT of `coef` (natural order), level shift and clamp to `max`. Both passes
    /// accumulate eight outputs at once over the frequency index in ascending order: the same
    /// sums, in the same order, as the textbook loops, in a shape the compiler vectorises.
    fn run(&self, coef: &[f32; 64], offset: f32, max: f32, out: &mut [u16], stride: usize) {
        let mut tmp = [[0f32; 8]; 8];
        // Rows: tmp[v][x] = sum over u of c[x][u] * coef[v][u]. A row of zero coefficients stays
        // zero, and is left out of the column pass (most blocks have only a few such rows).
        let mut rows = [0usize; 8];
        let mut nonzero = 0;
        for v in 0..8 {
            let row = &coef[v * 8..v * 8 + 8];
            if row.iter().all(|c| *c == 0.0) {
                continue;
            }
            let mut acc = [0f32; 8];
            for (u, &k) in row.iter().enumerate() {
                for (a, t) in acc.iter_mut().zip(&self.t[u]) {
                    *a += t * k;
                }
            }
            tmp[v] = acc;
            rows[nonzero] = v;
            nonzero += 1;
        }
        // Columns: out[y][x] = sum over v of c[y][v] * tmp[v][x].
        for y in 0..8 {
            let mut acc = [0f32; 8];
            for &v in &rows[..nonzero] {
                let k = self.c[y][v];
                for (a, t) in acc.iter_mut().zip(&tmp[v]) {
                    *a += k * t;
                }
            }
            // Rounding half away from zero, then clamping: negative values clamp to 0 either
            // way, so adding 0.5 and truncating is the same (and needs no libm call).
            for (o, a) in out[y * stride..y * stride + 8].iter_mut().zip(acc) {
                *o = ((a + offset + 0.5).max(0.0) as u32).min(max as u32) as u16;
            }
        }
    }
}

/// Decodes a sequential Huffman DCT JPEG. `max_samples` bounds the component planes.
pub(crate) fn decode(data: &[u8], max_samples: u64) -> Result<Decoded, String> {
    if !data.starts_with(&[0xFF, 0xD8]) {
        return Err("no SOI marker".to_owned());
    }
    let mut pos = 2;
    let mut qt: [Option<[f32; 64]>; 4] = [None; 4];
    let mut dc: [Option<Huffman>; 4] = Default::default();
    let mut ac: [Option<Huffman>; 4] = Default::default();
    let mut restart_interval = 0usize;
    let mut comps: Vec<Component> = Vec::new();
    let (mut width, mut height, mut precision) = (0usize, 0usize, 8u8);
    let (mut hmax, mut vmax) = (1usize, 1usize);
    let idct = Idct::new();
    let seg = |pos: usize| segment(data, pos);
    loop {
        pos = next_marker(data, pos);
        let Some(&m) = data.get(pos) else { break };
        pos += 1;
        match m {
            0xD9 => break,
            0x01 | 0xD0..=0xD8 => {}
            0xC4 => {
                let (len, mut body) = seg(pos)?;
                while !body.is_empty() {
                    let tc_th = body[0];
                    let counts: [u8; 16] = body
                        .get(1..17)
                        .ok_or("DHT cut short")?
                        .try_into()
                        .map_err(|_| "DHT cut short")?;
                    let n: usize = counts.iter().map(|c| usize::from(*c)).sum();
                    let values = body.get(17..17 + n).ok_or("DHT cut short")?.to_vec();
                    let table = Some(Huffman::new(&counts, values));
                    let id = usize::from(tc_th & 3);
                    if tc_th >> 4 == 0 {
                        dc[id] = table
                    } else {
                        ac[id] = table
                    }
                    body = &body[17 + n..];
                }
                pos += len;
            }
            0xDB => {
                let (len, mut body) = seg(pos)?;
                while !body.is_empty() {
                    let pq = body[0] >> 4;
                    let id = usize::from(body[0] & 3);
                    let mut table = [0f32; 64];
                    let size = if pq == 0 { 64 } else { 128 };
                    let vals = body.get(1..1 + size).ok_or("DQT cut short")?;
                    for (k, t) in table.iter_mut().enumerate() {
                        *t = if pq == 0 {
                            f32::from(vals[k])
                        } else {
                            f32::from(u16::from_be_bytes([vals[2 * k], vals[2 * k + 1]]))
                        };
                    }
                    qt[id] = Some(table);
                    body = &body[1 + size..];
                }
                pos += len;
            }
            0xDD => {
                let (len, body) = seg(pos)?;
                restart_interval = usize::from(u16::from_be_bytes([
                    *body.first().ok_or("DRI cut short")?,
                    *body.get(1).ok_or("DRI cut short")?,
                ]));
                pos += len;
            }
            0xC0 | 0xC1 => {
                let (len, body) = seg(pos)?;
                precision = *body.first().ok_or("SOF cut short")?;
                if precision != 8 && precision != 12 {
                    return Err(format!("sample precision {precision} is not 8 or 12"));
                }
                height = usize::from(u16::from_be_bytes([body[1], body[2]]));
                width = usize::from(u16::from_be_bytes([body[3], body[4]]));
                let n = usize::from(*body.get(5).ok_or("SOF cut short")?);
                if width == 0 || height == 0 || !(1..=4).contains(&n) {
                    return Err(
                        "frame header has a zero dimension or a bad component count".to_owned()
                    );
                }
                for i in 0..n {
                    let c = body.get(6 + 3 * i..9 + 3 * i).ok_or("SOF cut short")?;
                    let (h, v) = (usize::from(c[1] >> 4), usize::from(c[1] & 15));
                    if !(1..=4).contains(&h) || !(1..=4).contains(&v) {
                        return Err("bad sampling factor".to_owned());
                    }
                    comps.push(Component {
                        id: c[0],
                        h,
                        v,
                        tq: usize::from(c[2] & 3),
                        bw: 0,
                        bh: 0,
                        plane: Vec::new(),
                        pred: 0,
                    });
                }
                hmax = comps.iter().map(|c| c.h).max().unwrap_or(1);
                vmax = comps.iter().map(|c| c.v).max().unwrap_or(1);
                let mcux = width.div_ceil(8 * hmax);
                let mcuy = height.div_ceil(8 * vmax);
                let mut total = 0u64;
                for c in &mut comps {
                    c.bw = mcux * c.h;
                    c.bh = mcuy * c.v;
                    total += (c.bw * 64 * c.bh) as u64;
                }
                if total > max_samples {
                    return Err("frame is larger than the limit".to_owned());
                }
                for c in &mut comps {
                    c.plane = vec![0; c.bw * 8 * c.bh * 8];
                }
                pos += len;
            }
            0xC2 | 0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF => {
                return Err(format!(
                    "SOF{} (not sequential Huffman DCT) is not handled here",
                    m - 0xC0
                ));
            }
            0xDA => {
                let (len, body) = seg(pos)?;
                if comps.is_empty() {
                    return Err("scan before frame header".to_owned());
                }
                let ns = usize::from(*body.first().ok_or("SOS cut short")?);
                let mut scan = Vec::with_capacity(ns);
                for i in 0..ns {
                    let s = body.get(1 + 2 * i..3 + 2 * i).ok_or("SOS cut short")?;
                    let ci = comps
                        .iter()
                        .position(|c| c.id == s[0])
                        .ok_or("scan names an unknown component")?;
                    scan.push((ci, usize::from(s[1] >> 4), usize::from(s[1] & 15)));
                }
                pos += len;
                let mut bits = Bits::new(data, pos);
                let offset = f32::from(1u16 << (precision - 1));
                let max = f32::from(((1u32 << precision) - 1) as u16);
                for c in &mut comps {
                    c.pred = 0;
                }
                let (units_x, units_y, blocks): (usize, usize, Vec<(usize, usize, usize)>) =
                    if ns == 1 {
                        let c = &comps[scan[0].0];
                        let cw = (width * c.h).div_ceil(hmax);
                        let ch = (height * c.v).div_ceil(vmax);
                        (cw.div_ceil(8), ch.div_ceil(8), vec![(0, 0, 0)])
                    } else {
                        let mut b = Vec::new();
                        for (k, (ci, _, _)) in scan.iter().enumerate() {
                            for y in 0..comps[*ci].v {
                                for x in 0..comps[*ci].h {
                                    b.push((k, x, y));
                                }
                            }
                        }
                        (width.div_ceil(8 * hmax), height.div_ceil(8 * vmax), b)
                    };
                let mut zz = [0i32; 64];
                let mut coef = [0f32; 64];
                let mut unit = 0usize;
                for uy in 0..units_y {
                    for ux in 0..units_x {
                        if restart_interval > 0 && unit > 0 && unit.is_multiple_of(restart_interval)
                        {
                            bits.restart();
                            for c in &mut comps {
                                c.pred = 0;
                            }
                        }
                        unit += 1;
                        for &(k, bx, by) in &blocks {
                            let (ci, td, ta) = scan[k];
                            let dct = dc
                                .get(td)
                                .and_then(|t| t.as_ref())
                                .ok_or("missing DC table")?;
                            let act = ac
                                .get(ta)
                                .and_then(|t| t.as_ref())
                                .ok_or("missing AC table")?;
                            zz.fill(0);
                            let t = bits.decode(dct)?;
                            if t > 16 {
                                return Err("bad DC magnitude".to_owned());
                            }
                            let c = &mut comps[ci];
                            c.pred += extend(bits.receive(t), t);
                            zz[0] = c.pred;
                            let mut kk = 1;
                            while kk < 64 {
                                let rs = bits.decode(act)?;
                                let (r, s) = (usize::from(rs >> 4), rs & 15);
                                if s == 0 {
                                    if r == 15 {
                                        kk += 16;
                                        continue;
                                    }
                                    break;
                                }
                                kk += r;
                                if kk > 63 {
                                    return Err("AC coefficient index past 63".to_owned());
                                }
                                zz[kk] = extend(bits.receive(s), s);
                                kk += 1;
                            }
                            let q = qt[c.tq].as_ref().ok_or("missing quantisation table")?;
                            for i in 0..64 {
                                coef[ZIGZAG[i]] = zz[i] as f32 * q[i];
                            }
                            let (col, row) = if ns == 1 {
                                (ux, uy)
                            } else {
                                (ux * c.h + bx, uy * c.v + by)
                            };
                            if col < c.bw && row < c.bh {
                                let stride = c.bw * 8;
                                let at = row * 8 * stride + col * 8;
                                idct.run(&coef, offset, max, &mut c.plane[at..], stride);
                            }
                        }
                    }
                }
                pos = bits.pos;
            }
            _ => {
                let (len, _) = seg(pos)?;
                pos += len;
            }
        }
    }
    if comps.is_empty() || comps[0].plane.is_empty() {
        return Err("no frame decoded".to_owned());
    }
    let n = comps.len();
    // One full-resolution component (grey): its plane's rows, cropped to the image.
    if n == 1 && comps[0].h == hmax && comps[0].v == vmax {
        let c = &comps[0];
        let stride = c.bw * 8;
        let mut samples = Vec::with_capacity(width * height);
        for row in c.plane.chunks_exact(stride).take(height) {
            samples.extend_from_slice(&row[..width]);
        }
        return Ok(Decoded { width: width as u32, height: height as u32, components: 1, samples });
    }
    let mut samples = Vec::with_capacity(width * height * n);
    for y in 0..height {
        for x in 0..width {
            for c in &comps {
                let sx = x * c.h / hmax;
                let sy = y * c.v / vmax;
                samples.push(c.plane[sy * c.bw * 8 + sx]);
            }
        }
    }
    Ok(Decoded {
        width: width as u32,
        height: height as u32,
        components: n as u32,
        samples,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extend_follows_figure_f12() {
        assert_eq!(extend(0, 1), -1);
        assert_eq!(extend(1, 1), 1);
        assert_eq!(extend(0b010, 3), -5);
        assert_eq!(extend(0b110, 3), 6);
    }

    #[test]
    fn dc_only_block_is_flat() {
        let idct = Idct::new();
        let mut coef = [0f32; 64];
        // DC of 8*v gives a flat block of v (1/8 scaling of the 2-D DCT).
        coef[0] = 8.0 * 100.0;
        let mut out = [0u16; 64];
        idct.run(&coef, 2048.0, 4095.0, &mut out, 8);
        assert!(out.iter().all(|v| *v == 2148), "{out:?}");
    }

    #[test]
    fn a_table_with_more_codes_than_fit_does_not_panic() {
        // Four 1-bit codes: only two exist.
        let mut counts = [0u8; 16];
        counts[0] = 4;
        let h = Huffman::new(&counts, vec![1, 2, 3, 4]);
        assert_eq!(h.lookup.iter().filter(|e| **e != 0).count(), 512);
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(decode(&[0xFF, 0xD8, 0xFF, 0xC1, 0, 2], 1 << 20).is_err());
        assert!(decode(b"not a jpeg", 1 << 20).is_err());
    }
}

/// A marker segment at `pos` (just after its marker): its length, counting the length bytes,
/// and its body.
fn segment(data: &[u8], pos: usize) -> Result<(usize, &[u8]), String> {
    let len = data
        .get(pos..pos + 2)
        .map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])))
        .ok_or("segment length cut short")?;
    let body = data.get(pos + 2..pos + len).ok_or("segment cut short")?;
    Ok((len, body))
}

/// Where the next marker's code byte is: past any bytes before it and its fill bytes.
fn next_marker(data: &[u8], mut pos: usize) -> usize {
    while data.get(pos).is_some_and(|b| *b != 0xFF) {
        pos += 1;
    }
    while data.get(pos) == Some(&0xFF) {
        pos += 1;
    }
    pos
}

/// Decodes a single-component lossless (process 14, SOF3) JPEG: Huffman-coded differences
/// from one of the seven predictors of ISO 10918-1 H.1.2.1, with point transform and restart
/// intervals. `None` for what it does not handle (several components): the caller decodes
/// those otherwise.
pub(crate) fn decode_lossless(data: &[u8], max_samples: u64) -> Option<Result<Decoded, String>> {
    if !data.starts_with(&[0xFF, 0xD8]) {
        return Some(Err("no SOI marker".to_owned()));
    }
    let seg = |pos: usize| segment(data, pos);
    let mut dc: [Option<Huffman>; 4] = Default::default();
    let (mut width, mut height, mut precision) = (0usize, 0usize, 0u32);
    let mut restart_interval = 0usize;
    let mut pos = 2;
    loop {
        pos = next_marker(data, pos);
        let m = *data.get(pos)?;
        pos += 1;
        match m {
            0xD9 => return Some(Err("no scan".to_owned())),
            0x01 | 0xD0..=0xD8 => {}
            0xC4 => {
                let (len, mut body) = match seg(pos) {
                    Ok(s) => s,
                    Err(e) => return Some(Err(e)),
                };
                while !body.is_empty() {
                    let tc_th = body[0];
                    let Some(counts) = body.get(1..17).and_then(|c| <[u8; 16]>::try_from(c).ok()) else {
                        return Some(Err("DHT cut short".to_owned()));
                    };
                    let n: usize = counts.iter().map(|c| usize::from(*c)).sum();
                    let Some(values) = body.get(17..17 + n) else { return Some(Err("DHT cut short".to_owned())) };
                    if tc_th >> 4 == 0 {
                        dc[usize::from(tc_th & 3)] = Some(Huffman::new(&counts, values.to_vec()));
                    }
                    body = &body[17 + n..];
                }
                pos += len;
            }
            0xDD => {
                let (len, body) = match seg(pos) {
                    Ok(s) => s,
                    Err(e) => return Some(Err(e)),
                };
                let (Some(&a), Some(&b)) = (body.first(), body.get(1)) else { return Some(Err("DRI cut short".to_owned())) };
                restart_interval = usize::from(u16::from_be_bytes([a, b]));
                pos += len;
            }
            0xC3 => {
                let (len, body) = match seg(pos) {
                    Ok(s) => s,
                    Err(e) => return Some(Err(e)),
                };
                if body.len() < 9 {
                    return Some(Err("SOF cut short".to_owned()));
                }
                if body[5] != 1 {
                    return None;
                }
                precision = u32::from(body[0]);
                height = usize::from(u16::from_be_bytes([body[1], body[2]]));
                width = usize::from(u16::from_be_bytes([body[3], body[4]]));
                if !(2..=16).contains(&precision) || width == 0 || height == 0 {
                    return Some(Err("lossless frame header: bad precision or a zero dimension".to_owned()));
                }
                if (width * height) as u64 > max_samples {
                    return Some(Err("frame is larger than the limit".to_owned()));
                }
                pos += len;
            }
            0xC0..=0xCF => return None,
            0xDA => {
                let (len, body) = match seg(pos) {
                    Ok(s) => s,
                    Err(e) => return Some(Err(e)),
                };
                if width == 0 || body.first() != Some(&1) || body.len() < 6 {
                    return None;
                }
                let table = usize::from(body[2] >> 4);
                let (predictor, point) = (body[3], u32::from(body[5] & 15));
                let Some(h) = dc.get(table).and_then(Option::as_ref) else { return Some(Err("missing Huffman table".to_owned())) };
                if !(1..=7).contains(&predictor) || point >= precision {
                    return Some(Err("bad predictor or point transform".to_owned()));
                }
                // Restart intervals of whole lines only (what encoders write); others go elsewhere.
                if restart_interval % width != 0 {
                    return None;
                }
                return Some(lossless_scan(data, pos + len, h, width, height, precision, predictor, point, restart_interval / width));
            }
            _ => match seg(pos) {
                Ok((len, _)) => pos += len,
                Err(e) => return Some(Err(e)),
            },
        }
    }
}

/// The entropy-coded samples of a single-component lossless scan. Restart intervals are whole
/// lines (checked by the caller); each begins with the first line's rules again (H.1.2.1).
#[allow(clippy::too_many_arguments)]
fn lossless_scan(
    data: &[u8],
    start: usize,
    h: &Huffman,
    width: usize,
    height: usize,
    precision: u32,
    predictor: u8,
    point: u32,
    restart_lines: usize,
) -> Result<Decoded, String> {
    let mut bits = Bits::new(data, start);
    let mask = (1i32 << (precision - point)) - 1;
    let initial = 1i32 << (precision - point - 1);
    let mut out = vec![0u16; width * height];
    // One difference: a Huffman-coded magnitude (at most 16 bits) and that many bits (at most
    // 16): 32 bits in the reader cover both without a second fill check.
    let next = |bits: &mut Bits<'_>| -> Result<i32, String> {
        if bits.nbits < 32 {
            bits.fill();
        }
        match bits.decode(h)? {
            0 => Ok(0),
            16 => Ok(32768),
            s if s < 16 => Ok(extend(bits.receive(s), s)),
            _ => Err("bad difference magnitude".to_owned()),
        }
    };
    for y in 0..height {
        let first_line = y == 0 || (restart_lines > 0 && y % restart_lines == 0);
        if y > 0 && first_line {
            bits.restart();
        }
        let (done, rest) = out.split_at_mut(y * width);
        let row = &mut rest[..width];
        if first_line {
            // The first line: the initial value, then the sample to the left.
            let mut left = initial;
            for v in row.iter_mut() {
                left = (left + next(&mut bits)?) & mask;
                *v = left as u16;
            }
            continue;
        }
        let above = &done[(y - 1) * width..];
        // The first column predicts from above; the rest with the selected predictor.
        let mut left = (i32::from(above[0]) + next(&mut bits)?) & mask;
        row[0] = left as u16;
        for x in 1..width {
            let (rb, rc) = (i32::from(above[x]), i32::from(above[x - 1]));
            let ra = left;
            let p = match predictor {
                1 => ra,
                2 => rb,
                3 => rc,
                4 => ra + rb - rc,
                5 => ra + ((rb - rc) >> 1),
                6 => rb + ((ra - rc) >> 1),
                _ => (ra + rb) >> 1,
            };
            left = (p + next(&mut bits)?) & mask;
            row[x] = left as u16;
        }
    }
    if point > 0 {
        for v in &mut out {
            *v <<= point;
        }
    }
    Ok(Decoded { width: width as u32, height: height as u32, components: 1, samples: out })
}
