// The pixel pipeline of `pipeline::render_to_rgba8` per output pixel: view transform, fetch of
// stored values from an integer texture (nearest or bilinear/trilinear done here, because integer
// textures cannot be filtered), modality rescale, VOI, presentation LUT shape, 8-bit rounding,
// then overlay segments on top. Colour frames arrive converted to RGB on the CPU and packed as
// `r | g << 8 | b << 16` in one 32-bit texel, so that every source is a `texture_*<i32>`.

const MAX_SEGMENTS: u32 = 32u;

struct Params {
    // q = (m.x * px + m.y * py + t.x, m.z * px + m.w * py + t.y): output pixel -> source plane.
    m: vec4<f32>,
    // (t.x, t.y, source width, source height) in source plane pixels.
    t: vec4<f32>,
    // (slope, intercept, a, b): modality rescale and the two VOI parameters.
    voi: vec4<f32>,
    // (voi kind, invert, packed colour, linear sampling).
    mode: vec4<i32>,
    // (projection: 0 slice, 1 MIP, 2 MinIP; slab samples; segment count; unused).
    proj: vec4<i32>,
    // (bias added to every texel, volume columns, rows, slices).
    bias: vec4<f32>,
    // Volume: voxel = o + q.x * u + q.y * v + k * n (voxel units, centres at i + 0.5).
    o: vec4<f32>,
    u: vec4<f32>,
    v: vec4<f32>,
    n: vec4<f32>,
    // Segments in output pixels (x0, y0, x1, y1) and their (r, g, b, half width).
    seg: array<vec4<f32>, MAX_SEGMENTS>,
    style: array<vec4<f32>, MAX_SEGMENTS>,
};

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var image: texture_2d<i32>;
@group(0) @binding(2) var volume: texture_3d<i32>;

@vertex
fn vs_main(@builtin(vertex_index) i: u32) -> @builtin(position) vec4<f32> {
    // One triangle that covers the whole target.
    let x = f32(i32(i & 1u) * 4 - 1);
    let y = f32(i32(i >> 1u) * 4 - 1);
    return vec4<f32>(x, y, 0.0, 1.0);
}

fn to_source(frag: vec2<f32>) -> vec2<f32> {
    return vec2<f32>(
        p.m.x * frag.x + p.m.y * frag.y + p.t.x,
        p.m.z * frag.x + p.m.w * frag.y + p.t.y,
    );
}

fn modality(stored: f32) -> f32 {
    return stored * p.voi.x + p.voi.y;
}

// VOI to 0..1 (PS3.3 C.11.2.1.2.1, C.11.2.1.3.1, C.11.2.1.3.2, and min-max).
fn voi(x: f32) -> f32 {
    let a = p.voi.z;
    let b = p.voi.w;
    switch p.mode.x {
        // LINEAR: a = centre, b = width (already at least 1).
        case 0: {
            if x <= a - 0.5 - (b - 1.0) / 2.0 {
                return 0.0;
            }
            if x > a - 0.5 + (b - 1.0) / 2.0 {
                return 1.0;
            }
            return clamp((x - (a - 0.5)) / (b - 1.0) + 0.5, 0.0, 1.0);
        }
        // LINEAR_EXACT.
        case 1: {
            if x <= a - b / 2.0 {
                return 0.0;
            }
            if x > a + b / 2.0 {
                return 1.0;
            }
            return clamp((x - a) / b + 0.5, 0.0, 1.0);
        }
        // SIGMOID.
        case 2: {
            return 1.0 / (1.0 + exp(-4.0 * (x - a) / b));
        }
        // Min-max: a = lowest, b = highest modality value.
        default: {
            if b > a {
                return (x - a) / (b - a);
            }
            return 0.0;
        }
    }
}

fn grey(modality_value: f32) -> vec4<f32> {
    var y = voi(modality_value);
    if p.mode.y != 0 {
        y = 1.0 - y;
    }
    // floor(v + 0.5) is f64::round for the non-negative values here (WGSL round() is half-even).
    let g = floor(clamp(y, 0.0, 1.0) * 255.0 + 0.5) / 255.0;
    return vec4<f32>(g, g, g, 1.0);
}

fn unpack(t: i32) -> vec3<f32> {
    let u = bitcast<u32>(t);
    return vec3<f32>(f32(u & 255u), f32((u >> 8u) & 255u), f32((u >> 16u) & 255u));
}

fn texel2(c: vec2<i32>) -> i32 {
    let size = vec2<i32>(textureDimensions(image));
    return textureLoad(image, clamp(c, vec2<i32>(0), size - 1), 0).x;
}

fn texel3(c: vec3<i32>) -> f32 {
    let size = vec3<i32>(textureDimensions(volume));
    return f32(textureLoad(volume, clamp(c, vec3<i32>(0), size - 1), 0).x) + p.bias.x;
}

const BACKGROUND: vec4<f32> = vec4<f32>(0.0, 0.0, 0.0, 1.0);

fn shade_image(q: vec2<f32>) -> vec4<f32> {
    let size = p.t.zw;
    if q.x < 0.0 || q.y < 0.0 || q.x >= size.x || q.y >= size.y {
        return BACKGROUND;
    }
    if p.mode.w == 0 {
        let t = texel2(vec2<i32>(floor(q)));
        if p.mode.z != 0 {
            return vec4<f32>(floor(unpack(t)) / 255.0, 1.0);
        }
        return grey(modality(f32(t) + p.bias.x));
    }
    // Bilinear between the four nearest texel centres, clamped at the edges.
    let s = q - 0.5;
    let base = vec2<i32>(floor(s));
    let f = s - floor(s);
    let t00 = texel2(base);
    let t10 = texel2(base + vec2<i32>(1, 0));
    let t01 = texel2(base + vec2<i32>(0, 1));
    let t11 = texel2(base + vec2<i32>(1, 1));
    if p.mode.z != 0 {
        let c = mix(mix(unpack(t00), unpack(t10), f.x), mix(unpack(t01), unpack(t11), f.x), f.y);
        return vec4<f32>(floor(c + 0.5) / 255.0, 1.0);
    }
    let a = mix(f32(t00), f32(t10), f.x);
    let b = mix(f32(t01), f32(t11), f.x);
    return grey(modality(mix(a, b, f.y) + p.bias.x));
}

fn inside3(c: vec3<f32>) -> bool {
    let size = p.bias.yzw;
    return all(c >= vec3<f32>(0.0)) && all(c < size);
}

fn sample3(c: vec3<f32>) -> f32 {
    if p.mode.w == 0 {
        return texel3(vec3<i32>(floor(c)));
    }
    let s = c - 0.5;
    let b = vec3<i32>(floor(s));
    let f = s - floor(s);
    let x00 = mix(texel3(b), texel3(b + vec3<i32>(1, 0, 0)), f.x);
    let x10 = mix(texel3(b + vec3<i32>(0, 1, 0)), texel3(b + vec3<i32>(1, 1, 0)), f.x);
    let x01 = mix(texel3(b + vec3<i32>(0, 0, 1)), texel3(b + vec3<i32>(1, 0, 1)), f.x);
    let x11 = mix(texel3(b + vec3<i32>(0, 1, 1)), texel3(b + vec3<i32>(1, 1, 1)), f.x);
    return mix(mix(x00, x10, f.y), mix(x01, x11, f.y), f.z);
}

fn shade_volume(q: vec2<f32>) -> vec4<f32> {
    let size = p.t.zw;
    if q.x < 0.0 || q.y < 0.0 || q.x >= size.x || q.y >= size.y {
        return BACKGROUND;
    }
    let centre = p.o.xyz + q.x * p.u.xyz + q.y * p.v.xyz;
    let count = max(p.proj.y, 1);
    var found = false;
    var best = 0.0;
    for (var k = 0; k < count; k++) {
        let c = centre + (f32(k) - f32(count - 1) / 2.0) * p.n.xyz;
        if !inside3(c) {
            continue;
        }
        let m = modality(sample3(c));
        if !found {
            best = m;
            found = true;
        } else if p.proj.x == 2 {
            best = min(best, m);
        } else {
            best = max(best, m);
        }
    }
    if !found {
        return BACKGROUND;
    }
    return grey(best);
}

fn overlay(frag: vec2<f32>, under: vec4<f32>) -> vec4<f32> {
    var colour = under;
    let count = min(u32(p.proj.z), MAX_SEGMENTS);
    for (var i = 0u; i < count; i++) {
        let a = p.seg[i].xy;
        let b = p.seg[i].zw;
        let ab = b - a;
        let len2 = dot(ab, ab);
        var h = 0.0;
        if len2 > 0.0 {
            h = clamp(dot(frag - a, ab) / len2, 0.0, 1.0);
        }
        if distance(frag, a + h * ab) <= p.style[i].w {
            colour = vec4<f32>(p.style[i].xyz, 1.0);
        }
    }
    return colour;
}

@fragment
fn fs_image(@builtin(position) pos: vec4<f32>) -> @location(0) vec4<f32> {
    return overlay(pos.xy, shade_image(to_source(pos.xy)));
}

@fragment
fn fs_volume(@builtin(position) pos: vec4<f32>) -> @location(0) vec4<f32> {
    return overlay(pos.xy, shade_volume(to_source(pos.xy)));
}
