//! GPU drawing of decoded video: each stream's Y and UV (or U, V) planes live in textures that are
//! reused frame after frame (`queue.write_texture` honouring the decoder's stride), and
//! `shaders/yuv_to_rgb.wgsl` converts to RGB while drawing the tile. No colour conversion on the
//! CPU. Views put a [`TileCallback`] in an egui paint callback; the renderer's resources live in
//! egui_wgpu's callback resources.

use std::collections::HashMap;
use std::sync::Arc;

use eframe::egui_wgpu::{self, CallbackResources, CallbackTrait, ScreenDescriptor};
use eframe::wgpu;

use crate::media::frame::{DecodedFrame, PixelFormat, YuvMatrix, YuvRange};

const SHADER: &str = include_str!("../../shaders/yuv_to_rgb.wgsl");

/// Uniforms of one tile, as laid out in the shader's `Params`.
#[repr(C)]
#[derive(Clone, Copy, PartialEq)]
struct Params {
    format: u32,
    matrix: u32,
    full_range: u32,
    dim: u32,
    uv_offset: [f32; 2],
    uv_size: [f32; 2],
}

impl Params {
    fn bytes(&self) -> [u8; 32] {
        let mut out = [0u8; 32];
        let words = [
            self.format,
            self.matrix,
            self.full_range,
            self.dim,
            self.uv_offset[0].to_bits(),
            self.uv_offset[1].to_bits(),
            self.uv_size[0].to_bits(),
            self.uv_size[1].to_bits(),
        ];
        for (i, w) in words.iter().enumerate() {
            out[i * 4..i * 4 + 4].copy_from_slice(&w.to_le_bytes());
        }
        out
    }
}

/// One stream's GPU side: plane textures sized for its current resolution and format.
struct StreamTextures {
    width: u32,
    height: u32,
    format: PixelFormat,
    /// Colorimetry of the frame on the GPU.
    matrix: YuvMatrix,
    range: YuvRange,
    planes: Vec<wgpu::Texture>,
    uniform: wgpu::Buffer,
    bind_group: wgpu::BindGroup,
    /// Bytes uploaded so far (benchmarks).
    uploaded_bytes: u64,
}

/// Pipeline and per-stream textures, kept in egui_wgpu's callback resources.
pub struct VideoRenderer {
    pipeline: wgpu::RenderPipeline,
    layout: wgpu::BindGroupLayout,
    sampler: wgpu::Sampler,
    streams: HashMap<String, StreamTextures>,
}

/// Creates the renderer and stores it where the paint callbacks find it. Call once at start-up.
pub fn install(render_state: &egui_wgpu::RenderState) {
    let renderer = VideoRenderer::new(&render_state.device, render_state.target_format);
    render_state.renderer.write().callback_resources.insert(renderer);
}

impl VideoRenderer {
    /// The pipeline for drawing into targets of format `target` (also used by `vigil bench wall`).
    pub fn new(device: &wgpu::Device, target: wgpu::TextureFormat) -> Self {
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("yuv_to_rgb"),
            source: wgpu::ShaderSource::Wgsl(SHADER.into()),
        });
        let texture_entry = |binding| wgpu::BindGroupLayoutEntry {
            binding,
            visibility: wgpu::ShaderStages::FRAGMENT,
            ty: wgpu::BindingType::Texture {
                sample_type: wgpu::TextureSampleType::Float { filterable: true },
                view_dimension: wgpu::TextureViewDimension::D2,
                multisampled: false,
            },
            count: None,
        };
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("yuv planes"),
            entries: &[
                wgpu::BindGroupLayoutEntry {
                    binding: 0,
                    visibility: wgpu::ShaderStages::VERTEX_FRAGMENT,
                    ty: wgpu::BindingType::Buffer {
                        ty: wgpu::BufferBindingType::Uniform,
                        has_dynamic_offset: false,
                        min_binding_size: None,
                    },
                    count: None,
                },
                texture_entry(1),
                texture_entry(2),
                texture_entry(3),
                wgpu::BindGroupLayoutEntry {
                    binding: 4,
                    visibility: wgpu::ShaderStages::FRAGMENT,
                    ty: wgpu::BindingType::Sampler(wgpu::SamplerBindingType::Filtering),
                    count: None,
                },
            ],
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("yuv"),
            bind_group_layouts: &[Some(&layout)],
            ..Default::default()
        });
        let pipeline = device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
            label: Some("yuv_to_rgb"),
            layout: Some(&pipeline_layout),
            vertex: wgpu::VertexState {
                module: &module,
                entry_point: Some("vs_main"),
                compilation_options: Default::default(),
                buffers: &[],
            },
            fragment: Some(wgpu::FragmentState {
                module: &module,
                entry_point: Some("fs_main"),
                compilation_options: Default::default(),
                targets: &[Some(wgpu::ColorTargetState { format: target, blend: None, write_mask: wgpu::ColorWrites::ALL })],
            }),
            primitive: wgpu::PrimitiveState { topology: wgpu::PrimitiveTopology::TriangleStrip, ..Default::default() },
            depth_stencil: None,
            multisample: wgpu::MultisampleState::default(),
            multiview_mask: None,
            cache: None,
        });
        let sampler = device.create_sampler(&wgpu::SamplerDescriptor {
            label: Some("yuv"),
            mag_filter: wgpu::FilterMode::Linear,
            min_filter: wgpu::FilterMode::Linear,
            ..Default::default()
        });
        Self { pipeline, layout, sampler, streams: HashMap::new() }
    }

    /// Total bytes uploaded to textures so far, all streams.
    pub fn uploaded_bytes(&self) -> u64 {
        self.streams.values().map(|s| s.uploaded_bytes).sum()
    }

    /// Uploads a new frame of stream `id` (textures are created or resized only when its size or
    /// format changes).
    pub fn upload_frame(&mut self, device: &wgpu::Device, queue: &wgpu::Queue, id: &str, frame: &DecodedFrame) {
        let st = self.textures_for(device, id, frame);
        upload(queue, st, frame);
    }

    /// Sets how stream `id` is drawn next (greyed or not, zoom window).
    pub fn set_params(&self, queue: &wgpu::Queue, id: &str, dim: bool, uv_offset: [f32; 2], uv_size: [f32; 2]) {
        if let Some(st) = self.streams.get(id) {
            let params = Params {
                format: match st.format {
                    PixelFormat::Nv12 => 0,
                    PixelFormat::I420 => 1,
                },
                matrix: u32::from(st.matrix == YuvMatrix::Bt709),
                full_range: u32::from(st.range == YuvRange::Full),
                dim: u32::from(dim),
                uv_offset,
                uv_size,
            };
            queue.write_buffer(&st.uniform, 0, &params.bytes());
        }
    }

    /// Draws stream `id` into the pass's current viewport.
    pub fn draw(&self, pass: &mut wgpu::RenderPass<'_>, id: &str) {
        if let Some(st) = self.streams.get(id) {
            pass.set_pipeline(&self.pipeline);
            pass.set_bind_group(0, &st.bind_group, &[]);
            pass.draw(0..4, 0..1);
        }
    }

    fn textures_for(&mut self, device: &wgpu::Device, id: &str, frame: &DecodedFrame) -> &mut StreamTextures {
        let fits = self.streams.get(id).is_some_and(|s| s.width == frame.width && s.height == frame.height && s.format == frame.format);
        if !fits {
            let textures = self.create_textures(device, frame);
            self.streams.insert(id.to_string(), textures);
        }
        self.streams.get_mut(id).expect("inserted above")
    }

    fn create_textures(&self, device: &wgpu::Device, frame: &DecodedFrame) -> StreamTextures {
        let (cw, ch) = (frame.width.div_ceil(2), frame.height.div_ceil(2));
        let plane = |label: &str, w: u32, h: u32, format: wgpu::TextureFormat| {
            device.create_texture(&wgpu::TextureDescriptor {
                label: Some(label),
                size: wgpu::Extent3d { width: w, height: h, depth_or_array_layers: 1 },
                mip_level_count: 1,
                sample_count: 1,
                dimension: wgpu::TextureDimension::D2,
                format,
                usage: wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
                view_formats: &[],
            })
        };
        let planes = match frame.format {
            PixelFormat::Nv12 => vec![
                plane("y", frame.width, frame.height, wgpu::TextureFormat::R8Unorm),
                plane("uv", cw, ch, wgpu::TextureFormat::Rg8Unorm),
            ],
            PixelFormat::I420 => vec![
                plane("y", frame.width, frame.height, wgpu::TextureFormat::R8Unorm),
                plane("u", cw, ch, wgpu::TextureFormat::R8Unorm),
                plane("v", cw, ch, wgpu::TextureFormat::R8Unorm),
            ],
        };
        let views: Vec<wgpu::TextureView> = planes.iter().map(|t| t.create_view(&Default::default())).collect();
        let uniform = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("yuv params"),
            size: 32,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let v_view = views.get(2).unwrap_or(&views[1]);
        let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("yuv planes"),
            layout: &self.layout,
            entries: &[
                wgpu::BindGroupEntry { binding: 0, resource: uniform.as_entire_binding() },
                wgpu::BindGroupEntry { binding: 1, resource: wgpu::BindingResource::TextureView(&views[0]) },
                wgpu::BindGroupEntry { binding: 2, resource: wgpu::BindingResource::TextureView(&views[1]) },
                wgpu::BindGroupEntry { binding: 3, resource: wgpu::BindingResource::TextureView(v_view) },
                wgpu::BindGroupEntry { binding: 4, resource: wgpu::BindingResource::Sampler(&self.sampler) },
            ],
        });
        StreamTextures {
            width: frame.width,
            height: frame.height,
            format: frame.format,
            matrix: frame.matrix,
            range: frame.range,
            planes,
            uniform,
            bind_group,
            uploaded_bytes: 0,
        }
    }
}

fn upload(queue: &wgpu::Queue, st: &mut StreamTextures, frame: &DecodedFrame) {
    st.matrix = frame.matrix;
    st.range = frame.range;
    let (cw, ch) = (frame.width.div_ceil(2), frame.height.div_ceil(2));
    let sizes: Vec<(u32, u32, u32)> = match frame.format {
        PixelFormat::Nv12 => vec![(frame.width, frame.height, 1), (cw, ch, 2)],
        PixelFormat::I420 => vec![(frame.width, frame.height, 1), (cw, ch, 1), (cw, ch, 1)],
    };
    for (i, (w, h, bytes_per_texel)) in sizes.into_iter().enumerate() {
        let stride = frame.strides[i] as u32;
        let data = frame.plane(i);
        let needed = stride as usize * (h as usize - 1) + (w * bytes_per_texel) as usize;
        if data.len() < needed || stride < w * bytes_per_texel {
            tracing::warn!(plane = i, len = data.len(), needed, "decoded plane smaller than its size says; skipped");
            return;
        }
        queue.write_texture(
            wgpu::TexelCopyTextureInfo {
                texture: &st.planes[i],
                mip_level: 0,
                origin: wgpu::Origin3d::ZERO,
                aspect: wgpu::TextureAspect::All,
            },
            &data[..needed],
            wgpu::TexelCopyBufferLayout { offset: 0, bytes_per_row: Some(stride), rows_per_image: Some(h) },
            wgpu::Extent3d { width: w, height: h, depth_or_array_layers: 1 },
        );
        st.uploaded_bytes += needed as u64;
    }
}

/// Draws one stream into the callback's rectangle. `frame` is `Some` only when the stream has a
/// frame newer than the one already on the GPU (so unchanged tiles upload nothing).
pub struct TileCallback {
    pub stream_id: String,
    pub frame: Option<Arc<DecodedFrame>>,
    /// Draw greyed (an offline camera's last frame).
    pub dim: bool,
    /// Part of the picture to show (0..1): the whole frame, or a digital-zoom window.
    pub uv_offset: [f32; 2],
    pub uv_size: [f32; 2],
}

impl CallbackTrait for TileCallback {
    fn prepare(
        &self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        _screen: &ScreenDescriptor,
        _encoder: &mut wgpu::CommandEncoder,
        resources: &mut CallbackResources,
    ) -> Vec<wgpu::CommandBuffer> {
        let Some(renderer) = resources.get_mut::<VideoRenderer>() else { return Vec::new() };
        if let Some(frame) = &self.frame {
            renderer.upload_frame(device, queue, &self.stream_id, frame);
        }
        renderer.set_params(queue, &self.stream_id, self.dim, self.uv_offset, self.uv_size);
        Vec::new()
    }

    fn paint(&self, _info: egui::PaintCallbackInfo, pass: &mut wgpu::RenderPass<'static>, resources: &CallbackResources) {
        if let Some(renderer) = resources.get::<VideoRenderer>() {
            renderer.draw(pass, &self.stream_id);
        }
    }
}
