//! `vigil bench wall`: the live wall without a window. Ingest of every tile's stream from a running
//! simulator, frames uploaded to reused textures and drawn by the YUV shader into an offscreen
//! target of the given size, repainting at most 30 times a second as the app does, each frame
//! waited for (so software rasterizers' work counts). Reports presented frames per second, upload
//! bandwidth, CPU seconds of this process and the share of decoded frames that reached the screen.

use anyhow::Context;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use eframe::wgpu;
use serde_json::json;

use crate::core::layout::{Layout, Rect, choose_profile};
use crate::core::site::StreamProfile;
use crate::media::{Ingest, StreamHandle, StreamKey, StreamSpec, SupervisorPolicy};
use crate::render::VideoRenderer;

pub struct WallBench {
    pub layout: Layout,
    pub camera_ids: Vec<String>,
    pub seconds: f64,
    pub url_base: String,
    pub width: u32,
    pub height: u32,
}

pub fn run(bench: &WallBench) -> anyhow::Result<serde_json::Value> {
    let (cpu_start, _) = super::rusage::self_usage();
    let instance = wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env());
    let adapter = pollster::block_on(instance.request_adapter(&wgpu::RequestAdapterOptions::default()))
        .context("no GPU adapter (install mesa-vulkan-drivers for software Vulkan)")?;
    let adapter_info = adapter.get_info();
    let (device, queue) =
        pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor::default())).context("cannot open the GPU device")?;
    let format = wgpu::TextureFormat::Rgba8Unorm;
    let target = device.create_texture(&wgpu::TextureDescriptor {
        label: Some("bench target"),
        size: wgpu::Extent3d { width: bench.width, height: bench.height, depth_or_array_layers: 1 },
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format,
        usage: wgpu::TextureUsages::RENDER_ATTACHMENT,
        view_formats: &[],
    });
    let view = target.create_view(&Default::default());
    let mut renderer = VideoRenderer::new(&device, format);

    let wake: crate::media::WakeFn = Arc::new(|| {});
    let (ingest, _events) = Ingest::new(wake, SupervisorPolicy::default(), 1024)?;
    let base = bench.url_base.trim_end_matches('/');
    let area = Rect { x: 0.0, y: 0.0, w: bench.width as f32, h: bench.height as f32 };
    // Each tile's stream: substream unless the tile is tall enough for the main stream.
    let tiles: Vec<(Rect, Arc<StreamHandle>)> = (0..bench.layout.len())
        .filter_map(|i| {
            let id = bench.camera_ids.get(i)?;
            let rect = bench.layout.tile_rect(i, area, 2.0)?;
            let profile = choose_profile(StreamProfile::Sub, rect.h, 360, false);
            let spec = StreamSpec::new(StreamKey::new(id.clone(), profile), format!("{base}/cam/{id}/{profile}"));
            Some((rect, ingest.start(spec)))
        })
        .collect();

    let frame_interval = Duration::from_millis(33);
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(bench.seconds);
    let mut shown_seq: HashMap<usize, u64> = HashMap::new();
    let mut decoded_at_first_show: HashMap<usize, u64> = HashMap::new();
    let (mut presented, mut frames_shown, mut uploaded_bytes) = (0u64, 0u64, 0u64);
    let mut next_paint = Instant::now();
    while Instant::now() < deadline {
        // Like the app: paint when a frame is due, at most ~30 times a second.
        let now = Instant::now();
        if now < next_paint {
            std::thread::sleep(next_paint - now);
        }
        next_paint = Instant::now() + frame_interval;
        let mut any_new = false;
        for (i, (_, h)) in tiles.iter().enumerate() {
            let seq = h.slot.seq();
            if seq == 0 || shown_seq.get(&i) == Some(&seq) {
                continue;
            }
            if let Some(frame) = h.slot.latest() {
                let id = h.key.to_string();
                renderer.upload_frame(&device, &queue, &id, &frame);
                renderer.set_params(&queue, &id, false, [0.0, 0.0], [1.0, 1.0]);
                uploaded_bytes += (frame.strides[0] * frame.height as usize * 3 / 2) as u64;
                decoded_at_first_show.entry(i).or_insert(seq);
                shown_seq.insert(i, seq);
                frames_shown += 1;
                any_new = true;
            }
        }
        if !any_new {
            continue;
        }
        let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("wall") });
        {
            let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some("wall"),
                color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                    view: &view,
                    resolve_target: None,
                    depth_slice: None,
                    ops: wgpu::Operations { load: wgpu::LoadOp::Clear(wgpu::Color::BLACK), store: wgpu::StoreOp::Store },
                })],
                ..Default::default()
            });
            for (rect, h) in &tiles {
                let (x, y) = (rect.x.max(0.0), rect.y.max(0.0));
                let w = rect.w.min(bench.width as f32 - x).max(1.0);
                let hh = rect.h.min(bench.height as f32 - y).max(1.0);
                pass.set_viewport(x, y, w, hh, 0.0, 1.0);
                renderer.draw(&mut pass, &h.key.to_string());
            }
        }
        queue.submit([encoder.finish()]);
        let _ = device.poll(wgpu::PollType::wait_indefinitely());
        presented += 1;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let (cpu_end, max_rss_mb) = super::rusage::self_usage();
    // Frames decoded for visible tiles from the first one each tile showed.
    let decoded: u64 = tiles
        .iter()
        .enumerate()
        .map(|(i, (_, h))| decoded_at_first_show.get(&i).map_or(0, |first| h.counters.frames.load(Ordering::Relaxed) - first + 1))
        .sum();
    let live = tiles.iter().filter(|(_, h)| h.slot.seq() > 0).count();
    drop(tiles);
    ingest.shutdown();
    let round = |v: f64| (v * 100.0).round() / 100.0;
    Ok(json!({
        "bench": "wall",
        "layout": bench.layout.name,
        "target": format!("{}x{}", bench.width, bench.height),
        "adapter": format!("{} ({:?}, {:?})", adapter_info.name, adapter_info.device_type, adapter_info.backend),
        "tiles": bench.layout.len().min(bench.camera_ids.len()),
        "tiles_live": live,
        "seconds": round(elapsed),
        "presented_fps": round(presented as f64 / elapsed),
        "upload_mb_per_s": round(uploaded_bytes as f64 / 1e6 / elapsed),
        "cpu_seconds": round(cpu_end - cpu_start),
        "max_rss_mb": round(max_rss_mb),
        "frames_shown_ratio": if decoded == 0 { 0.0 } else { round(frames_shown as f64 / decoded as f64) },
        "frames_shown": frames_shown,
        "frames_decoded": decoded,
    }))
}
