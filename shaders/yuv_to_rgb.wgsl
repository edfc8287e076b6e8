// YUV -> RGB for decoded camera frames, drawn into an egui paint-callback rectangle.
// Planes arrive as they left the decoder: Y (R8), and either UV interleaved (NV12, RG8) or
// U and V separately (I420, two R8). Matrix BT.601/BT.709 and limited/full range come from the
// stream's colorimetry.

struct Params {
    // 0 = NV12, 1 = I420
    format: u32,
    // 0 = BT.601, 1 = BT.709
    matrix: u32,
    // 0 = limited (16-235), 1 = full
    full_range: u32,
    // 1 = draw greyed (an offline camera's last frame)
    dim: u32,
    // Sub-rectangle of the picture to show (digital zoom): offset and size in 0..1.
    uv_offset: vec2<f32>,
    uv_size: vec2<f32>,
};

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var tex_y: texture_2d<f32>;
@group(0) @binding(2) var tex_u: texture_2d<f32>;   // NV12: the interleaved UV plane (RG8)
@group(0) @binding(3) var tex_v: texture_2d<f32>;   // NV12: unused (bound to the UV plane too)
@group(0) @binding(4) var samp: sampler;

struct VertexOut {
    @builtin(position) position: vec4<f32>,
    @location(0) uv: vec2<f32>,
};

// A quad covering the viewport (the callback's rectangle), as a 4-vertex triangle strip.
@vertex
fn vs_main(@builtin(vertex_index) index: u32) -> VertexOut {
    let x = f32(index & 1u);
    let y = f32((index >> 1u) & 1u);
    var out: VertexOut;
    out.position = vec4<f32>(x * 2.0 - 1.0, 1.0 - y * 2.0, 0.0, 1.0);
    out.uv = params.uv_offset + vec2<f32>(x, y) * params.uv_size;
    return out;
}

@fragment
fn fs_main(in: VertexOut) -> @location(0) vec4<f32> {
    var y = textureSample(tex_y, samp, in.uv).r;
    var u: f32;
    var v: f32;
    if (params.format == 0u) {
        let uv = textureSample(tex_u, samp, in.uv).rg;
        u = uv.r;
        v = uv.g;
    } else {
        u = textureSample(tex_u, samp, in.uv).r;
        v = textureSample(tex_v, samp, in.uv).r;
    }
    if (params.full_range == 0u) {
        y = (y - 16.0 / 255.0) * (255.0 / 219.0);
        u = (u - 128.0 / 255.0) * (255.0 / 224.0);
        v = (v - 128.0 / 255.0) * (255.0 / 224.0);
    } else {
        u = u - 128.0 / 255.0;
        v = v - 128.0 / 255.0;
    }
    var rgb: vec3<f32>;
    if (params.matrix == 0u) {
        rgb = vec3<f32>(y + 1.402 * v, y - 0.344136 * u - 0.714136 * v, y + 1.772 * u);
    } else {
        rgb = vec3<f32>(y + 1.5748 * v, y - 0.187324 * u - 0.468124 * v, y + 1.8556 * u);
    }
    rgb = clamp(rgb, vec3<f32>(0.0), vec3<f32>(1.0));
    if (params.dim == 1u) {
        let grey = dot(rgb, vec3<f32>(0.299, 0.587, 0.114)) * 0.45;
        rgb = vec3<f32>(grey);
    }
    return vec4<f32>(rgb, 1.0);
}
