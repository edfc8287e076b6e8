//! Decoded frames as the renderer sees them (planes, strides, colorimetry; no GStreamer types in
//! the public API) and the per-stream latest-frame slot.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use arc_swap::ArcSwapOption;

/// Pixel layouts the decoders hand over. Never RGB: colour conversion is the GPU shader's job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PixelFormat {
    /// Y plane + interleaved UV plane at half resolution.
    Nv12,
    /// Y, U and V planes, chroma at half resolution.
    I420,
}

impl PixelFormat {
    pub fn plane_count(self) -> usize {
        match self {
            PixelFormat::Nv12 => 2,
            PixelFormat::I420 => 3,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum YuvMatrix {
    Bt601,
    Bt709,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum YuvRange {
    /// 16–235 (luma), the usual for cameras.
    Limited,
    Full,
}

/// Owner of a frame's pixel memory (a mapped decoder buffer, or a plain Vec in tests).
pub trait PlaneData: Send + Sync {
    fn plane(&self, index: usize) -> &[u8];
}

impl PlaneData for Vec<Vec<u8>> {
    fn plane(&self, index: usize) -> &[u8] {
        self.get(index).map_or(&[], Vec::as_slice)
    }
}

/// One decoded picture. Cloning the `Arc` around it is cheap; the pixels are never copied on the
/// live path.
pub struct DecodedFrame {
    pub format: PixelFormat,
    pub width: u32,
    pub height: u32,
    /// Bytes per row of each plane (may exceed the visible width).
    pub strides: [usize; 3],
    pub matrix: YuvMatrix,
    pub range: YuvRange,
    /// Presentation time in the stream's running time, nanoseconds.
    pub pts_ns: Option<u64>,
    /// When the frame left the decoder.
    pub decoded_at: Instant,
    data: Box<dyn PlaneData>,
}

impl DecodedFrame {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        format: PixelFormat,
        width: u32,
        height: u32,
        strides: [usize; 3],
        matrix: YuvMatrix,
        range: YuvRange,
        pts_ns: Option<u64>,
        data: Box<dyn PlaneData>,
    ) -> Self {
        Self { format, width, height, strides, matrix, range, pts_ns, decoded_at: Instant::now(), data }
    }

    pub fn plane(&self, index: usize) -> &[u8] {
        self.data.plane(index)
    }

    /// Mean luma of the visible picture, sampling every `step`th pixel (tests and thumbnails; not
    /// on the live path).
    pub fn mean_luma(&self, step: usize) -> f64 {
        let step = step.max(1);
        let y = self.plane(0);
        let (mut sum, mut n) = (0u64, 0u64);
        for row in (0..self.height as usize).step_by(step) {
            let line = &y[row * self.strides[0]..];
            for col in (0..self.width as usize).step_by(step) {
                sum += u64::from(line[col]);
                n += 1;
            }
        }
        if n == 0 { 0.0 } else { sum as f64 / n as f64 }
    }
}

impl std::fmt::Debug for DecodedFrame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DecodedFrame")
            .field("format", &self.format)
            .field("size", &(self.width, self.height))
            .field("strides", &self.strides)
            .field("pts_ns", &self.pts_ns)
            .finish_non_exhaustive()
    }
}

/// Holds only the newest frame of a stream. The decoder's streaming thread stores without ever
/// blocking (an atomic pointer swap); consumers load the newest frame and compare sequence numbers
/// to know whether it is new.
#[derive(Default)]
pub struct LatestFrameSlot {
    frame: ArcSwapOption<DecodedFrame>,
    seq: AtomicU64,
}

impl LatestFrameSlot {
    pub fn new() -> Self {
        Self::default()
    }

    /// Publishes a frame, replacing (and dropping) the previous one. Returns its sequence number.
    pub fn store(&self, frame: DecodedFrame) -> u64 {
        self.frame.store(Some(Arc::new(frame)));
        self.seq.fetch_add(1, Ordering::AcqRel) + 1
    }

    /// Publishes a frame someone else also holds (a cached picture).
    pub fn store_shared(&self, frame: Arc<DecodedFrame>) -> u64 {
        self.frame.store(Some(frame));
        self.seq.fetch_add(1, Ordering::AcqRel) + 1
    }

    /// The newest frame, if any arrived yet.
    pub fn latest(&self) -> Option<Arc<DecodedFrame>> {
        self.frame.load_full()
    }

    /// Number of frames stored so far; a consumer remembers it to spot new frames.
    pub fn seq(&self) -> u64 {
        self.seq.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(luma: u8) -> DecodedFrame {
        DecodedFrame::new(
            PixelFormat::I420,
            4,
            2,
            [4, 2, 2],
            YuvMatrix::Bt709,
            YuvRange::Limited,
            None,
            Box::new(vec![vec![luma; 8], vec![128; 2], vec![128; 2]]),
        )
    }

    #[test]
    fn slot_keeps_only_the_newest() {
        let slot = LatestFrameSlot::new();
        assert!(slot.latest().is_none());
        assert_eq!(slot.store(frame(10)), 1);
        let held = slot.latest().unwrap();
        assert_eq!(slot.store(frame(20)), 2);
        assert_eq!(slot.seq(), 2);
        assert_eq!(slot.latest().unwrap().mean_luma(1), 20.0);
        // A consumer still holding the old frame keeps it valid.
        assert_eq!(held.mean_luma(1), 10.0);
    }

    #[test]
    fn slot_is_shared_across_threads() {
        let slot = Arc::new(LatestFrameSlot::new());
        let writer = {
            let slot = slot.clone();
            std::thread::Builder::new()
                .name("test-writer".into())
                .spawn(move || {
                    for i in 0..1000u32 {
                        slot.store(frame((i % 200) as u8));
                    }
                })
                .unwrap()
        };
        writer.join().unwrap();
        assert_eq!(slot.seq(), 1000);
        assert_eq!(slot.latest().unwrap().mean_luma(1), f64::from(999 % 200));
    }
}
