//! Snapshots: a decoded frame saved as PNG at its full decoded resolution. Not on the live path,
//! so the colour conversion here runs on the CPU (GStreamer's videoconvert).
//!
//! `{appsrc: the frame's YUV planes} - {videoconvert} - {pngenc} - {filesink}`

use super::MediaError;
use std::path::Path;

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use gstreamer_video as gst_video;
use gstreamer_video::prelude::*;

use super::frame::{DecodedFrame, PixelFormat, YuvMatrix, YuvRange};

/// Writes `frame` to `path` as PNG. Blocking (tens of ms for 1080p): call off the UI thread.
/// The file appears complete or not at all (written beside it, then renamed).
pub fn save_png(frame: &DecodedFrame, path: &Path) -> Result<(), MediaError> {
    super::init()?;
    let format = match frame.format {
        PixelFormat::Nv12 => gst_video::VideoFormat::Nv12,
        PixelFormat::I420 => gst_video::VideoFormat::I420,
    };
    let colorimetry = gst_video::VideoColorimetry::new(
        match frame.range {
            YuvRange::Full => gst_video::VideoColorRange::Range0_255,
            YuvRange::Limited => gst_video::VideoColorRange::Range16_235,
        },
        match frame.matrix {
            YuvMatrix::Bt601 => gst_video::VideoColorMatrix::Bt601,
            YuvMatrix::Bt709 => gst_video::VideoColorMatrix::Bt709,
        },
        gst_video::VideoTransferFunction::Bt709,
        gst_video::VideoColorPrimaries::Bt709,
    );
    let info = gst_video::VideoInfo::builder(format, frame.width, frame.height)
        .colorimetry(&colorimetry)
        .fps(gst::Fraction::new(0, 1))
        .build()
        .map_err(|e| MediaError::Gst(format!("frame description: {e}")))?;
    let mut buffer = gst::Buffer::with_size(info.size()).map_err(MediaError::gst)?;
    {
        let buffer = buffer.get_mut().ok_or(MediaError::Gst("buffer not writable".into()))?;
        let mut out = gst_video::VideoFrameRef::from_buffer_ref_writable(buffer, &info).map_err(MediaError::gst)?;
        for plane in 0..frame.format.plane_count() {
            let rows = if plane == 0 { frame.height as usize } else { frame.height.div_ceil(2) as usize };
            let row_bytes = match (frame.format, plane) {
                (_, 0) => frame.width as usize,
                (PixelFormat::Nv12, _) => frame.width.div_ceil(2) as usize * 2,
                (PixelFormat::I420, _) => frame.width.div_ceil(2) as usize,
            };
            let dst_stride = out.plane_stride()[plane] as usize;
            let src_stride = frame.strides[plane];
            let src = frame.plane(plane);
            let dst = out.plane_data_mut(plane as u32).map_err(MediaError::gst)?;
            for row in 0..rows {
                let s = src.get(row * src_stride..row * src_stride + row_bytes).ok_or(MediaError::Gst("decoded plane too small".into()))?;
                dst[row * dst_stride..row * dst_stride + row_bytes].copy_from_slice(s);
            }
        }
    }
    let partial = path.with_extension("png.partial");
    let pipeline = gst::Pipeline::with_name("snapshot");
    let src = gst_app::AppSrc::builder().caps(&info.to_caps().map_err(MediaError::gst)?).format(gst::Format::Time).build();
    let make = |name: &str| gst::ElementFactory::make(name).build().map_err(|_| MediaError::MissingElement(name.into()));
    let (convert, encode, sink) = (make("videoconvert")?, make("pngenc")?, make("filesink")?);
    sink.set_property("location", partial.to_string_lossy().as_ref());
    pipeline.add_many([src.upcast_ref(), &convert, &encode, &sink]).map_err(MediaError::gst)?;
    gst::Element::link_many([src.upcast_ref(), &convert, &encode, &sink]).map_err(MediaError::gst)?;
    pipeline.set_state(gst::State::Playing).map_err(MediaError::gst)?;
    let pushed = src
        .push_buffer(buffer)
        .map_err(|e| MediaError::Gst(format!("{e:?}")))
        .and_then(|_| src.end_of_stream().map_err(|e| MediaError::Gst(format!("{e:?}"))));
    let bus = pipeline.bus().ok_or(MediaError::Gst("pipeline without bus".into()))?;
    let result = match bus.timed_pop_filtered(gst::ClockTime::from_seconds(30), &[gst::MessageType::Eos, gst::MessageType::Error]) {
        Some(msg) => match msg.view() {
            gst::MessageView::Eos(_) => pushed,
            gst::MessageView::Error(e) => Err(MediaError::gst(e.error())),
            _ => Err(MediaError::Gst("unexpected message".into())),
        },
        None => Err(MediaError::Timeout("writing the snapshot")),
    };
    let _ = pipeline.set_state(gst::State::Null);
    match result {
        Ok(_) => std::fs::rename(&partial, path).map_err(|e| MediaError::File { path: path.to_path_buf(), message: e.to_string() }),
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(MediaError::File { path: path.to_path_buf(), message: format!("cannot write: {e}") })
        }
    }
}

/// A file name for a snapshot: camera name (made safe for file systems) and local time.
pub fn snapshot_file_name(camera_name: &str, local_time: &str) -> String {
    let safe: String = camera_name
        .chars()
        .map(|c| if c.is_alphanumeric() || c == '-' { c } else { '_' })
        .collect::<String>()
        .split('_')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("_");
    let time: String = local_time.chars().map(|c| if c.is_ascii_digit() { c } else { '-' }).collect();
    format!("{safe}_{time}.png")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_keep_vietnamese_letters_and_drop_separators() {
        assert_eq!(snapshot_file_name("Phố Lê Lợi – tiệm vàng", "28/11/2026 23:40:12"), "Phố_Lê_Lợi_tiệm_vàng_28-11-2026-23-40-12.png");
        assert_eq!(snapshot_file_name("a/b\\c", "1"), "a_b_c_1.png");
    }
}
